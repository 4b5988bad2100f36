// api.mjs — the HTTP API with Authorization: Bearer, and reading tokens.
//
// The token comes from ?token= in the page address (or is pasted) and is
// only ever kept in memory: never written to localStorage, sessionStorage
// or a cookie.

import { t } from './i18n.mjs';

export class ApiError extends Error {
    constructor(status, code, message) {
        super(message || code);
        this.name = 'ApiError';
        this.status = status;
        this.code = code;
    }
}

/* The server answers errors as {"error": {"code", "message"}}. */
async function errorOf(response) {
    let code = 'internal';
    let message = response.statusText;
    try {
        const body = await response.json();
        if (body && body.error) {
            code = String(body.error.code || code);
            message = String(body.error.message || message);
        }
    } catch {
        /* not JSON: keep the status text */
    }
    return new ApiError(response.status, code, message);
}

export function createApi(token) {
    async function send(method, path, body) {
        const headers = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
        const init = { method, headers, cache: 'no-store', credentials: 'omit' };
        if (body !== undefined) {
            headers['Content-Type'] = 'application/json';
            init.body = JSON.stringify(body);
        }
        let response;
        try {
            response = await fetch(path, init);
        } catch (err) {
            throw new ApiError(0, 'network', err && err.message);
        }
        if (!response.ok) throw await errorOf(response);
        return response;
    }

    return {
        async get(path) {
            return (await send('GET', path)).json();
        },
        async post(path, body = {}) {
            return (await send('POST', path, body)).json();
        },
        /* DELETE; the answer (204) has no body. */
        async del(path) {
            await send('DELETE', path);
        },
        /* @path with the token in the query, for the one place a header
         * cannot be sent: a <video src> (GET /api/recordings/{id}/media). */
        mediaUrl(path) {
            const sep = path.includes('?') ? '&' : '?';
            return `${path}${sep}token=${encodeURIComponent(token)}`;
        },
        /* Fetches @path with the bearer header and saves it as @filename
         * through a Blob URL (a plain link could not send the header). */
        async download(path, filename) {
            const response = await send('GET', path);
            const blob = await response.blob();
            const url = URL.createObjectURL(blob);
            const link = document.createElement('a');
            link.href = url;
            link.download = filename;
            link.hidden = true;
            document.body.append(link);
            link.click();
            link.remove();
            setTimeout(() => URL.revokeObjectURL(url), 60_000);
        },
    };
}

/* ?token= of the page address, or null. */
export function tokenFromUrl() {
    const token = new URLSearchParams(location.search).get('token');
    return token && token.trim() ? token.trim() : null;
}

/* What a person pasted: a link (http/https only, so "javascript:" and the
 * like are never followed) or a bare token. */
export function parseLinkOrToken(input) {
    const text = String(input ?? '').trim();
    if (!text) return { kind: 'empty' };
    if (/^[a-z][a-z0-9+.-]*:/i.test(text) || text.startsWith('/')) {
        let url;
        try {
            url = new URL(text, location.origin);
        } catch {
            return { kind: 'bad' };
        }
        if (url.protocol !== 'http:' && url.protocol !== 'https:') return { kind: 'bad' };
        return { kind: 'link', url, token: url.searchParams.get('token') };
    }
    // A link without its scheme ("host:8080/join/3?token=…").
    const inside = /[?&]token=([^&#\s]+)/.exec(text);
    if (inside) return { kind: 'token', token: decodeURIComponent(inside[1]) };
    if (/\s/.test(text)) return { kind: 'bad' };
    return { kind: 'token', token: text };
}

/* The page for a token, from GET /api/me. */
export function pageFor(me, token) {
    const q = `?token=${encodeURIComponent(token)}`;
    if (me.role === 'coordinator') return `/coordinator${q}`;
    if (!me.session) return null;
    if (me.role === 'instructor') return `/class/${me.session}${q}`;
    if (me.role === 'trainee') return `/join/${me.session}${q}`;
    return null;
}

/* A sentence for an error, in the interface language, with the server's
 * own (English) explanation after it when it adds something. */
export function describeError(err) {
    const code = err && err.code ? err.code : 'internal';
    const summary = t(`error.${code}`) === `error.${code}` ? t('error.internal') : t(`error.${code}`);
    const detail = err && err.message && code !== 'network' && code !== 'offline' ? err.message : '';
    return detail ? t('error.with_detail', { summary, detail }) : summary;
}
