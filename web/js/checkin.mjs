// checkin.mjs — in-room check-in (/checkin/{session}?code=…[&token=…]).
//
// The code comes from the link the instructor shows in the room; the
// trainee's own token from ?token= or pasted here. It is kept in memory
// only.

import { createApi, describeError, parseLinkOrToken } from './api.mjs';
import { $, formatTime, idFromPath, initPage } from './dom.mjs';
import { t } from './i18n.mjs';

const params = new URLSearchParams(location.search);
const code = (params.get('code') ?? '').trim();
const sessionId = idFromPath();
let token = (params.get('token') ?? '').trim() || null;
let shown = null; // the last result, to redraw in another language

initPage(() => {
    if (shown) showResult(shown, false);
});

const form = $('#checkin-form');
const input = $('#checkin-token');

if (!code || !sessionId) {
    showResult({ tone: 'error', title: 'checkin.failed', text: 'checkin.no_code' });
} else if (token) {
    checkIn();
} else {
    form.hidden = false;
}

form.addEventListener('submit', (event) => {
    event.preventDefault();
    const parsed = parseLinkOrToken(input.value);
    const pasted = parsed.kind === 'token' ? parsed.token : parsed.kind === 'link' ? parsed.token : null;
    if (!pasted) {
        input.setAttribute('aria-invalid', 'true');
        showResult({ tone: 'error', title: 'checkin.failed', text: 'entry.bad_link' }, false);
        input.focus();
        return;
    }
    input.setAttribute('aria-invalid', 'false');
    token = pasted;
    checkIn();
});

async function checkIn() {
    const api = createApi(token);
    form.hidden = true;
    $('#checkin-result').hidden = true;
    $('#checkin-working').hidden = false;
    try {
        const [reply, me] = await Promise.all([
            api.post(`/api/sessions/${sessionId}/checkin`, { code }),
            api.get('/api/me').catch(() => null),
        ]);
        input.value = '';
        if (reply.already) {
            showResult({ tone: 'success', title: 'checkin.already', text: 'checkin.already_sub' });
        } else {
            showResult({
                tone: 'success', title: 'checkin.success', text: 'checkin.success_sub',
                at: reply.checked_in_at, name: me?.name ?? reply.person,
            });
        }
    } catch (err) {
        const result = explain(err);
        showResult(result);
        // A wrong or expired personal link can be replaced; an expired code
        // needs the new link from the room.
        if (result.retryToken) {
            form.hidden = false;
            token = null;
        }
    } finally {
        $('#checkin-working').hidden = true;
    }
}

/* The server's codes are broad (forbidden covers an expired code, a link
 * for another session and a removed trainee); its message tells them
 * apart. */
function explain(err) {
    const message = String(err.message ?? '').toLowerCase();
    const base = { tone: 'error', title: 'checkin.failed', detail: err.message };
    if (err.code === 'unauthorized') return { ...base, title: 'end.unauthorized_title', text: 'end.unauthorized_text', retryToken: true };
    if (err.code === 'forbidden') {
        if (message.includes('check-in code')) return { ...base, text: 'checkin.code_expired', detail: '' };
        if (message.includes('another session')) return { ...base, text: 'checkin.other_session', retryToken: true };
        if (message.includes('may not')) return { ...base, text: 'checkin.not_trainee', retryToken: true };
        if (message.includes('removed')) return { ...base, title: 'end.forbidden_title', text: 'end.forbidden_text', detail: '' };
    }
    if (err.code === 'conflict' && message.includes('ended'))
        return { ...base, title: 'end.class_over_title', text: 'end.class_over_text', detail: '' };
    return { ...base, raw: describeError(err), detail: '' };
}

function showResult(result, focus = true) {
    shown = result;
    const box = $('#checkin-result');
    box.dataset.tone = result.tone;
    box.querySelector('.result-title').textContent = t(result.title, { time: formatTime(result.at) });
    let text = result.raw ?? t(result.text, { name: result.name ?? '' });
    if (result.detail) text = `${text} ${t('end.detail', { message: result.detail })}`;
    box.querySelector('.result-text').textContent = text;
    box.hidden = false;
    if (focus) box.focus();
}
