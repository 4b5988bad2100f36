// coordinator-recordings.mjs — a session's recordings on the coordinator
// desk: the list (state, size, duration, tracks), playback in the page and
// deletion with a confirmation.
//
// A <video src> cannot send the Authorization header, so the media
// endpoint takes the token in the query (/api/recordings/ID/media?token=);
// it answers HTTP Range requests, which is what makes seeking work.
// Recordings still being written or finalised are polled until they
// settle.

import { describeError } from './api.mjs';
import { confirmDialog, el, formatDateTime, formatNumber, toast } from './dom.mjs';
import { t } from './i18n.mjs';
import { formatDuration } from './timeline.mjs';

const POLL_MS = 4000;
const PLAYABLE = new Set(['complete', 'repaired']);

export function formatBytes(bytes) {
    if (bytes === null || bytes === undefined) return t('common.none');
    const n = Number(bytes);
    if (n < 1024 * 1024) return t('desk.size_kb', { n: formatNumber(Math.max(n / 1024, n > 0 ? 0.1 : 0), 1) });
    if (n < 1024 ** 3) return t('desk.size_mb', { n: formatNumber(n / 1024 ** 2, 1) });
    return t('desk.size_gb', { n: formatNumber(n / 1024 ** 3, 2) });
}

/* "Classroom video (VP8)" / "教室影像（VP8）"; unknown words as they come. */
function trackText(track) {
    const word = (key, raw) => (t(key) === key ? String(raw ?? '') : t(key));
    const kind = word(`desk.track_${track.kind}`, track.kind);
    const source = track.source ? word(`desk.source_${track.source}`, track.source) : '';
    return t(track.codec ? 'desk.track' : 'desk.track_no_codec', { source, kind, codec: track.codec ?? '' }).trim();
}

function stateBadge(rec) {
    const known = ['recording', 'finalizing', 'complete', 'repaired', 'failed'].includes(rec.state);
    return el('span', { class: `badge rec-state rec-state-${known ? rec.state : 'other'}` },
        known ? t(`desk.rec_state_${rec.state}`) : String(rec.state ?? ''));
}

/* @parts: {api, body (element to fill), refresh (button), sessionTitle()} */
export function createRecordingsPanel({ api, body, refresh, sessionTitle }) {
    const state = {
        session: null,
        recordings: null,
        error: null,
        unavailable: false,
        playing: null, // id of the recording in the player
        playerError: null,
        timer: null,
    };
    let video = null;

    async function load() {
        const id = state.session;
        if (!id) return;
        clearTimeout(state.timer);
        try {
            const reply = await api.get(`/api/sessions/${id}/recordings`);
            if (state.session !== id) return;
            state.recordings = reply.recordings ?? [];
            state.error = null;
            state.unavailable = false;
        } catch (err) {
            if (state.session !== id) return;
            state.recordings = null;
            state.unavailable = err.code === 'not_found' && err.status === 404;
            state.error = describeError(err);
        }
        render();
        if (state.recordings?.some((r) => r.state === 'recording' || r.state === 'finalizing'))
            state.timer = setTimeout(load, POLL_MS);
    }

    function stopPlayer() {
        if (video) {
            video.pause();
            video.removeAttribute('src');
            video.load();
        }
        video = null;
        state.playing = null;
        state.playerError = null;
    }

    function play(rec) {
        stopPlayer();
        state.playing = rec.id;
        render();
        video?.focus();
    }

    async function remove(rec, button) {
        const when = formatDateTime(rec.started_at);
        const { ok } = await confirmDialog({
            title: t('desk.rec_delete_title'),
            text: t('desk.rec_delete_text', { when, size: formatBytes(rec.size_bytes) }),
            confirmLabel: t('desk.rec_delete'),
            danger: true,
        });
        if (!ok) return;
        button.disabled = true;
        try {
            await api.del(`/api/recordings/${rec.id}`);
            if (state.playing === rec.id) stopPlayer();
            toast(t('desk.rec_deleted', { when }), 'success');
            await load();
            refresh.focus();
        } catch (err) {
            toast(describeError(err), 'error');
            button.disabled = false;
        }
    }

    function playerFor(rec) {
        const path = rec.media_url || `/api/recordings/${rec.id}/media`;
        const label = t('desk.rec_player_label', { title: sessionTitle(), when: formatDateTime(rec.started_at) });
        if (!video || video.dataset.recording !== String(rec.id)) {
            video = el('video', {
                class: 'rec-video', controls: true, preload: 'metadata', playsinline: true,
                'aria-label': label, dataset: { recording: String(rec.id) },
            });
            video.addEventListener('error', () => {
                state.playerError = t('desk.rec_play_failed');
                const note = body.querySelector('.rec-player-error');
                if (note) note.textContent = state.playerError;
            });
            video.src = api.mediaUrl(path);
            video.play().catch(() => { /* autoplay may be refused: the controls are there */ });
        }
        video.setAttribute('aria-label', label);
        return el('figure', { class: 'rec-player' },
            video,
            el('figcaption', {},
                el('span', {}, label, ' · ', formatDuration(rec.duration_seconds)),
                el('button', {
                    type: 'button', class: 'btn btn-small btn-ghost',
                    onclick: () => { stopPlayer(); render(); refresh.focus(); },
                }, t('desk.rec_close_player'))),
            el('p', { class: 'form-message is-error rec-player-error', role: 'alert' }, state.playerError ?? ''));
    }

    function row(rec) {
        const playable = PLAYABLE.has(rec.state);
        const tracks = (rec.tracks ?? []).map(trackText);
        const when = formatDateTime(rec.started_at);
        const del = el('button', {
            type: 'button', class: 'btn btn-small btn-quiet-danger',
            'aria-label': t('desk.rec_delete_label', { when }),
            disabled: rec.state === 'recording' || rec.state === 'finalizing',
            dataset: { focusKey: `rec-del:${rec.id}` },
        }, t('desk.rec_delete'));
        del.addEventListener('click', () => remove(rec, del));
        return el('tr', { class: state.playing === rec.id ? 'is-playing' : null, dataset: { recording: String(rec.id) } },
            el('th', { scope: 'row', class: 'nowrap' },
                el('time', { datetime: rec.started_at, title: formatDateTime(rec.started_at) }, when)),
            el('td', {}, stateBadge(rec),
                rec.reason ? el('span', { class: 'help rec-reason' }, ' ', rec.reason) : null),
            el('td', { class: 'num' }, rec.state === 'recording' ? t('desk.rec_running') : formatDuration(rec.duration_seconds)),
            el('td', { class: 'num' }, formatBytes(rec.size_bytes)),
            el('td', {}, tracks.length ? tracks.join(t('common.list_sep')) : t('common.none')),
            el('td', { class: 'nowrap' }, el('div', { class: 'button-row' },
                el('button', {
                    type: 'button', class: 'btn btn-small btn-primary',
                    'aria-label': t('desk.rec_play_label', { when }),
                    disabled: !playable, dataset: { focusKey: `rec-play:${rec.id}` },
                    onclick: () => play(rec),
                }, state.playing === rec.id ? t('desk.rec_playing') : t('desk.rec_play')),
                del)));
    }

    function render() {
        if (!state.session) {
            body.replaceChildren();
            return;
        }
        if (state.error) {
            body.replaceChildren(el('p', { class: state.unavailable ? 'empty' : 'form-message is-error' },
                state.unavailable ? t('desk.rec_unavailable') : state.error));
            return;
        }
        if (!state.recordings) {
            body.replaceChildren(el('p', { class: 'empty' }, t('common.loading')));
            return;
        }
        const playing = state.recordings.find((r) => r.id === state.playing);
        if (!playing && state.playing !== null) stopPlayer();
        const list = state.recordings.length
            ? el('div', { class: 'table-wrap', role: 'region', tabindex: '0', 'aria-label': t('coord.table_scroll', { name: t('desk.recordings') }) },
                el('table', { class: 'data rec-table' },
                    el('caption', { class: 'visually-hidden' }, t('desk.recordings')),
                    el('thead', {}, el('tr', {},
                        [['desk.rec_col_started'], ['desk.rec_col_state'], ['desk.rec_col_duration', true],
                            ['desk.rec_col_size', true], ['desk.rec_col_tracks'], ['desk.rec_col_actions']]
                            .map(([key, num]) => el('th', { scope: 'col', class: num ? 'num' : null }, t(key))))),
                    el('tbody', {}, state.recordings.map(row))))
            : el('p', { class: 'empty' }, t('desk.rec_none'));
        const active = document.activeElement;
        const key = active && body.contains(active) ? active.dataset.focusKey : null;
        body.replaceChildren(playing ? playerFor(playing) : '', list);
        if (key) body.querySelector(`[data-focus-key="${CSS.escape(key)}"]`)?.focus();
    }

    refresh.addEventListener('click', load);

    return {
        show(sessionId) {
            if (state.session !== sessionId) {
                stopPlayer();
                state.recordings = null;
                state.error = null;
            }
            state.session = sessionId;
            render();
            load();
        },
        clear() {
            clearTimeout(state.timer);
            stopPlayer();
            state.session = null;
            render();
        },
        rerender: render,
    };
}
