// coordinator-live.mjs — the live view of a running class on the
// coordinator desk: who is connected, the hand queue in order, who holds
// the floor, and each person's media counters when the server sends them.
//
// Polls GET /api/sessions/{id}/live (docs/api.md) while the session is
// selected and the page is visible: every few seconds while the class
// runs, less often while it has not started. Each roster entry's "media"
// (its PeerConnections with the relay's counters) becomes one line per
// connection; the session's "media" totals become counts. Fields the
// server adds later are shown as they come, by name, so the desk does not
// need to change in step with the server.

import { describeError } from './api.mjs';
import { el, formatNumber, formatTime } from './dom.mjs';
import { t } from './i18n.mjs';
import { formatBytes } from './coordinator-recordings.mjs';

const POLL_LIVE_MS = 3000;
const POLL_IDLE_MS = 15000;
const KNOWN_TOP = new Set(['session_id', 'live', 'roster', 'hands', 'floor', 'present', 'media', 'media_peers']);
const KNOWN_ENTRY = new Set(['person', 'name', 'org', 'role', 'connections', 'hand_raised', 'floor', 'joined_at', 'media']);

/* "bytes_received" → "Bytes received" when there is no translation. */
function labelOf(key) {
    const translated = t(`desk.live_field.${key}`);
    if (translated !== `desk.live_field.${key}`) return translated;
    const words = String(key).replace(/[_-]+/g, ' ').trim();
    return words.charAt(0).toUpperCase() + words.slice(1);
}

function valueOf(key, value) {
    if (value === null || value === undefined) return t('common.none');
    if (typeof value === 'boolean') return value ? t('common.yes') : t('common.no');
    if (typeof value === 'number') {
        if (/bytes/.test(key)) return formatBytes(value);
        if (/seconds/.test(key)) return `${formatNumber(value)} s`;
        if (/kbps|bitrate/.test(key)) return `${formatNumber(value)} kbit/s`;
        return formatNumber(value, 2);
    }
    if (typeof value === 'string') return t(`desk.live_value.${value}`) === `desk.live_value.${value}` ? value : t(`desk.live_value.${value}`);
    return JSON.stringify(value);
}

/* Fields of a roster entry beyond the documented ones, as label/value
 * pairs (nested objects flattened as "a · b"). */
function extraFields(entry) {
    const out = [];
    const walk = (prefix, obj) => {
        for (const [key, value] of Object.entries(obj)) {
            const label = prefix ? `${prefix} · ${labelOf(key)}` : labelOf(key);
            if (value && typeof value === 'object' && !Array.isArray(value)) walk(label, value);
            else if (!Array.isArray(value)) out.push([label, valueOf(key, value)]);
        }
    };
    for (const [key, value] of Object.entries(entry)) {
        if (KNOWN_ENTRY.has(key)) continue;
        if (value && typeof value === 'object' && !Array.isArray(value)) walk(labelOf(key), value);
        else if (!Array.isArray(value)) out.push([labelOf(key), valueOf(key, value)]);
    }
    return out;
}

/* A person's media connections (PEER objects, docs/api.md "live view"). */
function peersOf(entry) {
    return Array.isArray(entry.media) ? entry.media.filter((p) => p && typeof p === 'object') : [];
}

/* "Receiving" / "Sending" and how it is going, for one PeerConnection.
 * An instructor's receiving connection carries only the floor, so it
 * idles, without alarm, while nobody speaks. */
function peerLine(peer, role) {
    const receiving = peer.pc === 'subscribe' || peer.pc === 'whep';
    const floorOnly = receiving && role === 'instructor';
    const direction = t(!receiving ? 'desk.live_sending' : floorOnly ? 'desk.live_receiving_floor' : 'desk.live_receiving');
    let status;
    let tone;
    if (peer.state === 'failed' || peer.state === 'closed') {
        status = t(`desk.live_peer_${peer.state}`);
        tone = 'bad';
    } else if (peer.state === 'connected' && peer.flowing) {
        status = t('desk.live_flowing');
        tone = 'ok';
    } else if (peer.state === 'connected') {
        status = t(floorOnly ? 'desk.live_idle' : 'desk.live_no_media');
        tone = floorOnly ? 'idle' : 'warn';
    } else {
        status = t('desk.live_connecting');
        tone = 'warn';
    }
    const bytes = receiving ? peer.bytes_out : peer.bytes_in;
    const details = [
        typeof bytes === 'number' ? t(receiving ? 'desk.live_bytes_to' : 'desk.live_bytes_from', { size: formatBytes(bytes) }) : null,
        typeof peer.loss_percent === 'number' ? t('desk.live_loss', { percent: formatNumber(peer.loss_percent, 1) }) : null,
        typeof peer.rtt_ms === 'number' ? t('desk.live_rtt', { ms: formatNumber(peer.rtt_ms) }) : null,
    ].filter(Boolean);
    return el('li', { class: `live-peer live-peer-${tone}`, dataset: { pc: peer.pc ?? '', flowing: String(Boolean(peer.flowing)) } },
        el('span', { class: 'live-peer-head' }, el('span', { class: 'live-peer-dot', 'aria-hidden': 'true' }),
            `${direction}: `, el('strong', {}, status)),
        details.length ? el('span', { class: 'live-peer-details' }, details.join(' · ')) : null);
}

/* People whose page receives the class now. */
function receivingCount(roster) {
    return roster.filter((e) => peersOf(e).some((p) => p.pc === 'subscribe' && p.state === 'connected' && p.flowing)).length;
}

/* @parts: {api, card, body, status (element for the "updated" line),
 * onEnded(): called when a class watched live stops} */
export function createLivePanel({ api, card, body, status, onEnded }) {
    const state = { session: null, sessionState: null, live: null, error: null, timer: null, updated: null };

    function schedule() {
        clearTimeout(state.timer);
        if (!state.session) return;
        const wait = state.live?.live ? POLL_LIVE_MS : POLL_IDLE_MS;
        state.timer = setTimeout(poll, wait);
    }

    async function poll() {
        const id = state.session;
        if (!id) return;
        if (document.hidden) {
            schedule();
            return;
        }
        const wasLive = state.live?.live === true;
        try {
            const reply = await api.get(`/api/sessions/${id}/live`);
            if (state.session !== id) return;
            state.live = reply;
            state.error = null;
            state.updated = new Date();
        } catch (err) {
            if (state.session !== id) return;
            state.error = describeError(err);
        }
        render();
        if (wasLive && state.live && !state.live.live) onEnded?.();
        schedule();
    }

    function counts(live, roster) {
        const extra = Object.entries(live).filter(([key, value]) => !KNOWN_TOP.has(key) &&
            (typeof value === 'number' || typeof value === 'boolean'));
        const item = (label, value, cls) => el('div', { class: `live-count ${cls ?? ''}` },
            el('dt', {}, label), el('dd', {}, value));
        const media = live.media && typeof live.media === 'object' ? live.media : null;
        return el('dl', { class: 'live-counts' },
            item(t('desk.live_present'), formatNumber(live.present ?? roster.length)),
            media ? item(t('desk.live_receiving_count'), formatNumber(receivingCount(roster))) : null,
            item(t('stats.hands'), formatNumber((live.hands ?? []).length), (live.hands ?? []).length ? 'is-hand' : ''),
            item(t('stats.floor'), formatNumber((live.floor ?? []).length)),
            extra.map(([key, value]) => item(labelOf(key), valueOf(key, value))));
    }

    /* The session's media totals, in a line under the counts. */
    function totals(live) {
        const m = live.media;
        if (!m || typeof m !== 'object') return null;
        const parts = [
            t('desk.live_totals_peers', { publishers: formatNumber(m.publishers ?? 0), subscribers: formatNumber(m.subscribers ?? 0) }),
            typeof m.bytes_in === 'number' ? t('desk.live_totals_in', { size: formatBytes(m.bytes_in) }) : null,
            typeof m.bytes_out === 'number' ? t('desk.live_totals_out', { size: formatBytes(m.bytes_out) }) : null,
            typeof m.loss_percent_max === 'number' ? t('desk.live_totals_loss', { percent: formatNumber(m.loss_percent_max, 1) }) : null,
            typeof m.rtt_ms_max === 'number' ? t('desk.live_totals_rtt', { ms: formatNumber(m.rtt_ms_max) }) : null,
        ].filter(Boolean);
        const others = (Array.isArray(live.media_peers) ? live.media_peers : [])
            .filter((p) => p.pc === 'whip' || p.pc === 'whep').length;
        if (others) parts.push(t('desk.live_totals_other', { count: others }));
        return el('p', { class: 'help live-totals' }, parts.join(' · '));
    }

    function personRow(entry, live) {
        const handAt = (live.hands ?? []).indexOf(entry.person);
        const onFloor = (live.floor ?? []).includes(entry.person) || entry.floor === true;
        const peers = peersOf(entry);
        const extra = extraFields(entry);
        return el('tr', { dataset: { person: entry.person } },
            el('th', { scope: 'row' }, entry.name || entry.person,
                entry.role && entry.role !== 'trainee' ? el('span', { class: 'badge badge-role' }, t(`role.${entry.role}`)) : null),
            el('td', {}, entry.org || t('common.none')),
            el('td', { class: 'nowrap' }, entry.joined_at
                ? el('time', { datetime: entry.joined_at }, formatTime(entry.joined_at)) : t('common.none')),
            el('td', { class: 'num' }, formatNumber(entry.connections ?? 0)),
            el('td', {},
                handAt >= 0 ? el('span', { class: 'badge badge-hand' }, t('desk.live_hand_n', { n: handAt + 1 })) : null,
                onFloor ? el('span', { class: 'badge badge-floor' }, t('roster.badge_floor')) : null,
                handAt < 0 && !onFloor ? t('common.none') : null),
            el('td', { class: 'live-media' }, peers.length || extra.length
                ? el('ul', { class: 'live-media-list' },
                    peers.map((peer) => peerLine(peer, entry.role)),
                    extra.map(([label, value]) => el('li', {}, el('span', { class: 'live-media-label' }, label, ': '), value)))
                : t(Array.isArray(entry.media) ? 'desk.live_no_media_pc' : 'common.none')));
    }

    function namesOf(ids, roster) {
        const byId = new Map(roster.map((e) => [e.person, e.name || e.person]));
        return ids.map((id) => byId.get(id) ?? id);
    }

    function render() {
        card.hidden = !state.session || state.sessionState === 'ended';
        if (card.hidden) return;
        status.textContent = state.updated ? t('desk.live_updated', { time: formatTime(state.updated) }) : '';
        if (state.error && !state.live) {
            body.replaceChildren(el('p', { class: 'form-message is-error' }, state.error));
            return;
        }
        const live = state.live;
        if (!live) {
            body.replaceChildren(el('p', { class: 'empty' }, t('common.loading')));
            return;
        }
        if (!live.live) {
            body.replaceChildren(el('p', { class: 'empty' }, t('desk.live_not_running')));
            return;
        }
        const roster = live.roster ?? [];
        const hands = namesOf(live.hands ?? [], roster);
        const floor = namesOf(live.floor ?? [], roster);
        const columns = ['coord.col_name', 'coord.col_org', 'desk.live_col_joined', 'desk.live_col_connections',
            'desk.live_col_hand', 'desk.live_col_media'];
        body.replaceChildren(...[
            counts(live, roster),
            totals(live),
            el('div', { class: 'live-queues' },
                el('div', {}, el('h3', {}, t('queue.title')), hands.length
                    ? el('ol', { class: 'live-queue' }, hands.map((n) => el('li', {}, n)))
                    : el('p', { class: 'empty' }, t('queue.empty'))),
                el('div', {}, el('h3', {}, t('floor.title')), floor.length
                    ? el('ul', { class: 'live-queue' }, floor.map((n) => el('li', {}, n)))
                    : el('p', { class: 'empty' }, t('floor.empty')))),
            roster.length
                ? el('div', { class: 'table-wrap', role: 'region', tabindex: '0', 'aria-label': t('coord.table_scroll', { name: t('desk.live_roster') }) },
                    el('table', { class: 'data live-table' },
                        el('caption', { class: 'visually-hidden' }, t('desk.live_roster')),
                        el('thead', {}, el('tr', {}, columns.map((key, i) =>
                            el('th', { scope: 'col', class: i === 3 ? 'num' : null }, t(key))))),
                        el('tbody', {}, roster.map((e) => personRow(e, live)))))
                : el('p', { class: 'empty' }, t('roster.empty')),
            state.error ? el('p', { class: 'form-message is-error' }, state.error) : null,
        ].filter(Boolean));
    }

    document.addEventListener('visibilitychange', () => {
        if (!document.hidden && state.session) poll();
    });

    return {
        /* Follows @session ({id, state}); an ended session has no live view. */
        show(session) {
            const changed = state.session !== session.id;
            state.session = session.id;
            state.sessionState = session.state;
            if (changed) {
                state.live = null;
                state.error = null;
                state.updated = null;
            }
            render();
            if (session.state === 'ended') {
                clearTimeout(state.timer);
                return;
            }
            poll();
        },
        clear() {
            clearTimeout(state.timer);
            state.session = null;
            render();
        },
        rerender: render,
    };
}
