// class.mjs — the instructor console (/class/{session}?token=…).

import { createApi, describeError, pageFor, tokenFromUrl } from './api.mjs';
import { $, confirmDialog, el, formatTime, idFromPath, initPage, keepFocus, toast } from './dom.mjs';
import { mountEntryForm } from './entry.mjs';
import { lang, t } from './i18n.mjs';
import * as media from './media.mjs';
import { QrError, encodeQr, qrSvg } from './qr.mjs';
import { QualityMonitor } from './quality.mjs';
import { elapsed, trackRecording } from './recording.mjs';
import {
    ClassModel, avatar, bindQuality, renderCounts, renderQuality, renderRoster, renderSessionHeader,
    setupChat, setupStatus, showEndPanel, tokenProblem,
} from './roster.mjs';
import { ClassSession } from './session.mjs';

const token = tokenFromUrl();
const pageSession = idFromPath();
const model = new ClassModel();
let session = null;
let chat = null;
let status = null;
let endState = null; // {reason, detail}: the end panel being shown
let recording = null; // RecordingTracker
let quality = null; // QualityMonitor

initPage(() => {
    media.applyMediaI18n();
    render();
    status?.rerender();
    chat?.rerender();
    renderCheckin();
    renderRecording();
    renderDevices();
    if (quality) renderQuality($('#quality'), quality.sample);
    if (endState) showEnd(endState.reason, endState.detail, false);
});

if (!token) {
    $('#entry-panel').hidden = false;
    $('#conn-status').hidden = true;
    mountEntryForm($('#entry-form'));
} else {
    boot();
}

async function boot() {
    const api = createApi(token);
    // Make sure this is an instructor link for this page before joining;
    // any other link goes to its own page.
    try {
        const me = await api.get('/api/me');
        if (me.role !== 'instructor' || me.session !== pageSession) {
            const page = pageFor(me, token);
            if (page) {
                location.replace(page);
                return;
            }
        }
    } catch (err) {
        if (err.code === 'unauthorized' || err.code === 'forbidden') {
            $('#conn-status').hidden = true;
            showEnd(err.code === 'unauthorized' ? tokenProblem(token, err.message) : 'forbidden');
            return;
        }
        // Network trouble: the socket below retries on its own.
    }

    $('#console').hidden = false;
    session = new ClassSession(token);
    status = setupStatus(session);
    chat = setupChat(session, model);
    setupActions(api);
    setupMedia();
    setupRecording();
    setupPresence(api);

    session.addEventListener('welcome', (event) => {
        model.applyWelcome(event.detail);
        if (endState && endState.reason === 'not_started') hideEnd();
        render();
    });
    session.addEventListener('roster', (event) => {
        model.applyEvent(event.detail);
        render();
    });
    session.addEventListener('ended', (event) => {
        model.applyEnded(event.detail);
        render();
        showEnd('ended');
    });
    session.addEventListener('joinerror', (event) => {
        const { reason, fatal, message } = event.detail;
        const why = reason === 'unauthorized' ? tokenProblem(token, message) : reason;
        if (fatal || reason === 'not_started') showEnd(why, fatal ? message : '');
    });
    session.addEventListener('servererror', (event) => toast(describeError(event.detail), 'error'));
    session.addEventListener('status', () => renderControls());
    session.start();
}

function showEnd(reason, detail = '', focus = true) {
    // A retry refused again (not started yet) must not pull focus each time.
    const again = endState !== null && endState.reason === reason;
    endState = { reason, detail };
    const extra = [];
    let words = {};
    if (reason === 'ended') {
        const s = model.session ?? {};
        words = { title: 'class.ended_title', text: 'class.ended_text' };
        if (s.actual_end) extra.push(el('p', { class: 'help' }, `${t('state.ended')} · ${formatTime(s.actual_end)}`));
    } else if (detail) {
        extra.push(el('p', { class: 'help' }, t('end.detail', { message: detail })));
    }
    const panel = $('#end-panel');
    showEndPanel(panel, reason, { extra, ...words });
    $('#console').hidden = true;
    $('#conn-banner').hidden = true;
    $('#conn-status').hidden = reason !== 'not_started';
    if (focus && !again) panel.focus();
}

function hideEnd() {
    endState = null;
    $('#conn-status').hidden = false;
    $('#end-panel').hidden = true;
    $('#console').hidden = false;
}

/* ---- rendering ---- */

function render() {
    renderSessionHeader(model);
    renderCounts(model);
    renderQueue();
    renderFloor();
    renderRoster(model, $('#roster'), lang(), rosterActions, { states: true });
    $('#roster-count').textContent = String(model.members.size);
    renderControls();
}

/* Controls that send on the socket are off while it is down. */
function renderControls() {
    const live = Boolean(session && session.joined);
    $('#btn-end').disabled = !live;
    renderRecording();
    for (const button of document.querySelectorAll('#console button[data-focus-key]')) button.disabled = !live;
    renderMedia();
}

function nameOf(person) {
    return model.nameOf(person);
}

function renderQueue() {
    const list = $('#hand-queue');
    $('#queue-count').textContent = String(model.hands.length);
    keepFocus(list, () => {
        list.replaceChildren(...model.hands.map((person, index) => {
            const m = model.members.get(person) ?? { person, name: person };
            const name = nameOf(person);
            return el('li', { class: 'queue-item' },
                // The <ol> already gives the position to assistive technology.
                el('span', { class: 'queue-pos', 'aria-hidden': 'true' }, String(index + 1)),
                el('div', { class: 'person-main' },
                    el('div', { class: 'person-name' }, el('span', { class: 'name' }, name)),
                    m.org ? el('div', { class: 'person-org' }, m.org) : null),
                el('div', { class: 'person-actions' },
                    el('button', {
                        type: 'button', class: 'btn btn-primary btn-small',
                        'aria-label': t('queue.grant_label', { name }),
                        dataset: { focusKey: `grant:${person}` },
                        onclick: () => act('grant_floor', person),
                    }, t('queue.grant')),
                    el('button', {
                        type: 'button', class: 'btn btn-small',
                        'aria-label': t('queue.lower_label', { name }),
                        dataset: { focusKey: `lower:${person}` },
                        onclick: () => act('lower_hand', person),
                    }, t('queue.lower'))));
        }));
        if (!model.hands.length) list.append(el('li', { class: 'empty' }, t('queue.empty')));
    }, $('#queue-title'));
}

function renderFloor() {
    const list = $('#floor-list');
    keepFocus(list, () => {
        list.replaceChildren(...model.floor.map((person) => {
            const m = model.members.get(person) ?? { person, name: person };
            const name = nameOf(person);
            return el('li', { class: 'queue-item is-floor' },
                avatar(person, name),
                el('div', { class: 'person-main' },
                    el('div', { class: 'person-name' }, el('span', { class: 'name' }, name)),
                    m.org ? el('div', { class: 'person-org' }, m.org) : null),
                el('div', { class: 'person-actions' },
                    el('button', {
                        type: 'button', class: 'btn btn-small',
                        'aria-label': t('floor.revoke_label', { name }),
                        dataset: { focusKey: `revoke:${person}` },
                        onclick: () => act('revoke_floor', person),
                    }, t('floor.revoke'))));
        }));
        if (!model.floor.length) list.append(el('li', { class: 'empty' }, t('floor.empty')));
    }, $('#floor-title'));
}

function rosterActions(m) {
    if (m.role !== 'trainee' || model.isMe(m.person)) return [];
    const name = m.name ?? m.person;
    return [el('button', {
        type: 'button', class: 'btn btn-small btn-quiet-danger',
        'aria-label': t('roster.kick_label', { name }),
        dataset: { focusKey: `kick:${m.person}` },
        onclick: () => kick(m.person),
    }, t('roster.kick'))];
}

/* ---- actions ---- */

async function act(type, person) {
    try {
        await session.request(type, { person });
    } catch (err) {
        toast(describeError(err), 'error');
    }
}

async function kick(person) {
    const name = nameOf(person);
    const answer = await confirmDialog({
        title: t('class.kick_confirm_title', { name }),
        text: t('class.kick_confirm_text', { name }),
        confirmLabel: t('roster.kick'),
        danger: true,
        reasonLabel: t('class.kick_reason'),
    });
    if (!answer.ok) return;
    try {
        const fields = { person };
        if (answer.reason) fields.text = answer.reason;
        await session.request('kick', fields);
        toast(t('class.kicked_done', { name }), 'success');
    } catch (err) {
        toast(describeError(err), 'error');
    }
}

function setupActions(api) {
    $('#btn-end').addEventListener('click', async () => {
        const answer = await confirmDialog({
            title: t('class.end_confirm_title'),
            text: t('class.end_confirm_text'),
            confirmLabel: t('class.end'),
            danger: true,
        });
        if (!answer.ok) return;
        try {
            // Success arrives as the "ended" broadcast.
            await session.request('end_class');
        } catch (err) {
            toast(describeError(err), 'error');
        }
    });

    $('#btn-checkin').addEventListener('click', () => {
        const panel = $('#checkin-panel');
        if (!panel.hidden) {
            hideCheckin();
            return;
        }
        newCheckinCode(api);
    });
    $('#checkin-new').addEventListener('click', () => newCheckinCode(api));
    $('#checkin-big').addEventListener('click', showBigQr);
    $('#checkin-hide').addEventListener('click', hideCheckin);
    $('#checkin-copy').addEventListener('click', async () => {
        const text = $('#checkin-link').textContent;
        try {
            await navigator.clipboard.writeText(text);
            toast(t('checkin.copied'), 'success');
        } catch {
            const range = document.createRange();
            range.selectNodeContents($('#checkin-link'));
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            toast(t('checkin.copy_failed'), 'info');
        }
    });
}

/* ---- check-in link ---- */

let checkin = null; // {url, expiresAt}
let checkinTimer = 0;

async function newCheckinCode(api) {
    const sessionId = model.session?.id ?? pageSession;
    try {
        const reply = await api.post(`/api/sessions/${sessionId}/checkin-code`);
        // The server gives a path; the link people open is on this origin.
        checkin = { url: location.origin + reply.path, expiresAt: reply.expires_at };
        $('#checkin-panel').hidden = false;
        $('#btn-checkin').setAttribute('aria-expanded', 'true');
        renderCheckin();
    } catch (err) {
        toast(describeError(err), 'error');
    }
}

function hideCheckin() {
    $('#checkin-panel').hidden = true;
    $('#btn-checkin').setAttribute('aria-expanded', 'false');
    clearTimeout(checkinTimer);
    $('#btn-checkin').focus();
}

function renderCheckin() {
    if (!checkin) return;
    const expired = checkin.expiresAt && Date.parse(checkin.expiresAt) <= Date.now();
    $('#checkin-link').textContent = checkin.url;
    $('#checkin-link').classList.toggle('is-expired', Boolean(expired));
    const expiry = $('#checkin-expiry');
    expiry.textContent = expired
        ? t('checkin.expired')
        : t('checkin.valid_until', { time: formatTime(checkin.expiresAt) });
    expiry.classList.toggle('is-error', Boolean(expired));
    $('#checkin-copy').disabled = Boolean(expired);
    renderQr(expired);
    clearTimeout(checkinTimer);
    if (!expired && checkin.expiresAt) {
        const left = Date.parse(checkin.expiresAt) - Date.now();
        checkinTimer = setTimeout(renderCheckin, Math.max(1000, left + 500));
    }
}

/* ---- camera, microphone, screen; the floor holder's video ---- */

let mediaBusy = false;

function setupMedia() {
    media.applyMediaI18n();
    media.subscribe(session, { canRepublish: () => true });
    media.events.addEventListener('local', renderMedia);
    media.events.addEventListener('publish', renderMedia);
    media.events.addEventListener('slots', renderMedia);
    media.events.addEventListener('notice', (event) => toast(media.mt(event.detail.key), event.detail.kind));
    if (!navigator.mediaDevices?.getDisplayMedia) $('#btn-screen').hidden = true;
    setupDevicesAndQuality();

    $('#btn-media').addEventListener('click', async () => {
        const local = media.localTracks();
        if (local.audio || local.video) {
            await media.stopSource('audio');
            await media.stopSource('video');
            return;
        }
        await runMedia(() => media.publish(session, { audio: true, video: true }));
    });
    $('#btn-mute').addEventListener('click', () => media.setMicMuted(!media.micMuted()));
    $('#btn-screen').addEventListener('click', async () => {
        if (media.localTracks().screen) {
            await media.stopSource('screen');
            return;
        }
        await runMedia(() => media.publish(session, { screen: true }));
    });
    renderMedia();
}

async function runMedia(fn) {
    if (mediaBusy) return;
    mediaBusy = true;
    renderMedia();
    try {
        await fn();
    } catch (err) {
        // Closing the screen picker is not an error worth a message.
        if (!err.cancelled) toast(media.errorText(err), 'error');
    } finally {
        mediaBusy = false;
        renderMedia();
    }
}

function renderMedia() {
    if (!document.getElementById('btn-media')) return;
    const live = Boolean(session && session.joined);
    const local = media.localTracks();
    const camOn = Boolean(local.audio || local.video);
    const { state: pub } = media.publishState();

    const main = $('#btn-media');
    main.querySelector('.btn-label').textContent = mediaBusy && !camOn
        ? media.mt('media.starting')
        : media.mt(camOn ? 'media.stop' : 'media.start');
    main.classList.toggle('btn-primary', !camOn);
    main.disabled = mediaBusy || (!camOn && !live);

    const mute = $('#btn-mute');
    mute.hidden = !local.audio;
    mute.setAttribute('aria-pressed', String(media.micMuted()));

    const share = $('#btn-screen');
    share.querySelector('.btn-label').textContent = media.mt(local.screen ? 'media.stop_share' : 'media.share');
    share.classList.toggle('is-active', Boolean(local.screen));
    share.disabled = mediaBusy || (!local.screen && !live);

    const onAir = pub === 'on';
    $('#self-live').hidden = !(onAir && (local.audio || local.video));
    $('#self-muted').hidden = !(local.audio && media.micMuted());
    $('.tile-screen').hidden = !local.screen;
    $('#media-grid').dataset.tiles = local.screen ? '3' : '2';

    let status = '';
    if (pub === 'starting' || pub === 'connecting') status = media.mt('media.connecting');
    else if (pub === 'reconnecting') status = media.mt('media.reconnecting');
    else if (onAir && local.video && local.audio) status = media.mt('media.live_status');
    else if (onAir && local.audio) status = media.mt('media.live_status_audio');
    else if (onAir && local.screen) status = media.mt('media.live_status_screen');
    else if (onAir && local.video) status = media.mt('media.live_status');
    if (onAir && local.audio && media.micMuted()) status = `${status} ${media.mt('media.muted_note')}`;
    const line = $('#media-status');
    if (line.textContent !== status) line.textContent = status;

    renderFloorTile();
}

/* The floor holder's tile: their video, else who has the floor and
 * whether their sound arrives. */
function renderFloorTile() {
    const slots = media.slots();
    const holder = model.floor.length ? model.floor[model.floor.length - 1] : null;
    const name = holder ? nameOf(holder) : '';
    const caption = $('#floor-caption');
    caption.hidden = !holder;
    caption.textContent = name;
    const avatarSlot = $('#floor-avatar');
    avatarSlot.hidden = !holder;
    if (holder) avatarSlot.replaceChildren(avatar(holder, name));
    let title;
    let sub;
    if (!holder) {
        title = media.mt('media.floor_none');
        sub = media.mt('media.floor_none_sub');
    } else if (slots['floor-audio']) {
        title = media.mt('media.floor_audio_only', { name });
        sub = media.mt('media.floor_audio_only_sub');
    } else {
        title = media.mt('media.floor_waiting', { name });
        sub = media.mt('media.floor_waiting_sub');
    }
    $('#floor-empty-title').textContent = title;
    $('#floor-empty-sub').textContent = sub;
    $('.tile-floor').classList.toggle('is-speaking', Boolean(holder && slots['floor-audio']));
}

/* The check-in link as a QR code to scan from the screen (qr.mjs). An
 * expired one is greyed out so nobody scans a dead link. */
let qrFor = '';
function renderQr(expired) {
    const box = $('#checkin-qr');
    box.classList.toggle('is-expired', Boolean(expired));
    if (qrFor === checkin.url && box.firstChild) {
        box.firstChild.setAttribute('aria-label', t('checkin.qr_label'));
        return;
    }
    qrFor = checkin.url;
    try {
        box.replaceChildren(qrSvg(encodeQr(checkin.url), { title: t('checkin.qr_label') }));
    } catch (err) {
        if (!(err instanceof QrError)) throw err;
        box.replaceChildren(el('p', { class: 'help' }, t('checkin.qr_too_long')));
    }
}

/* ---- recording ---- */

let recTicker = 0;

function setupRecording() {
    recording = trackRecording(session);
    recording.addEventListener('change', (event) => {
        const { state, was, reason } = event.detail;
        renderRecording();
        let words = '';
        if (state === 'recording' && was !== 'recording') words = t('rec.started');
        else if (state === 'stopped' && was === 'recording') words = t('rec.stopped');
        else if (state === 'failed') words = reason ? t('rec.failed_reason', { reason }) : t('rec.failed');
        if (words) {
            $('#rec-status').textContent = words;
            toast(words, state === 'failed' ? 'error' : 'info');
        }
    });
    recording.addEventListener('busy', renderRecording);
    $('#btn-record').addEventListener('click', toggleRecording);
    renderRecording();
}

async function toggleRecording() {
    if (!recording || recording.busy) return;
    const stopping = recording.recording;
    if (stopping) {
        const answer = await confirmDialog({
            title: t('rec.stop_confirm_title'),
            text: t('rec.stop_confirm_text'),
            confirmLabel: t('rec.stop'),
        });
        if (!answer.ok) return;
    }
    try {
        await recording.request(stopping ? 'stop' : 'start');
    } catch (err) {
        toast(recordingError(err), 'error');
    }
}

/* Words for a refused record request. A server without recording does
 * not know the message type at all (bad_request). */
function recordingError(err) {
    switch (err && err.code) {
    case 'bad_request':
        return t('rec.err_unsupported');
    case 'unavailable':
        return err.message ? t('rec.err_unavailable_detail', { message: err.message }) : t('rec.err_unavailable');
    case 'conflict':
        return t('rec.err_conflict');
    case 'forbidden':
        return t('rec.err_forbidden');
    default:
        return describeError(err);
    }
}

function renderRecording() {
    const button = document.getElementById('btn-record');
    if (!button || !recording) return;
    const on = recording.recording;
    const live = Boolean(session && session.joined);
    button.querySelector('.btn-label').textContent = recording.busy
        ? t(on ? 'rec.stopping' : 'rec.starting')
        : t(on ? 'rec.stop' : 'rec.start');
    button.classList.toggle('is-recording', on);
    button.disabled = recording.busy || !live;
    const indicator = $('#rec-indicator');
    indicator.hidden = !on;
    clearInterval(recTicker);
    if (on) {
        const tick = () => {
            $('.rec-time', indicator).textContent = recording.since ? elapsed(Date.now() - recording.since) : '';
        };
        tick();
        recTicker = setInterval(tick, 1000);
    }
}

/* ---- who is connected, and whether media reaches them ---- */

const MEDIA_POLL_MS = 10_000;
let mediaSeen = new Map(); // person -> media_seconds at the last reading
let mediaPollTimer = 0;
let quickPolls = 2;

/* Keeps "reconnecting" entries for the attendance grace and, until the
 * server's roster says whether media reaches each person, reads it from
 * the attendance report: a trainee whose media_seconds grew since the
 * last reading is receiving the class. */
function setupPresence(api) {
    setInterval(() => {
        if (model.pruneAway()) render();
    }, 5000);
    let chain = 0; // one chain of readings at a time: soon() starts a new one
    const poll = async (mine) => {
        if (mine !== chain) return;
        if (!session || session.status === 'stopped' || model.serverMedia) return;
        if (session.joined) {
            try {
                applyAttendance(await api.get(`/api/sessions/${model.session?.id ?? pageSession}/attendance`));
            } catch {
                /* the next reading will do */
            }
        }
        if (mine !== chain) return;
        // Readings come quickly after someone joins (the first gives
        // nothing to compare), then every MEDIA_POLL_MS.
        quickPolls = Math.max(0, quickPolls - 1);
        mediaPollTimer = setTimeout(() => poll(mine), quickPolls > 0 ? 3000 : MEDIA_POLL_MS);
    };
    const soon = () => {
        chain += 1;
        const mine = chain;
        quickPolls = 3;
        clearTimeout(mediaPollTimer);
        mediaPollTimer = setTimeout(() => poll(mine), 1500);
    };
    session.addEventListener('welcome', soon);
    session.addEventListener('roster', (event) => {
        if (event.detail?.event === 'joined') soon();
    });
}

function applyAttendance(report) {
    const grace = Number(report?.rules?.reconnect_grace_seconds);
    if (grace > 0) model.graceMs = grace * 1000;
    const next = new Map();
    let changed = false;
    for (const row of report?.rows ?? []) {
        if (row.role !== 'trainee') continue;
        const seconds = Number(row.media_seconds) || 0;
        next.set(row.person, seconds);
        const before = mediaSeen.get(row.person);
        if (before === undefined) continue;
        const receiving = seconds > before;
        const had = model.media.get(row.person);
        if (!had || had.receiving !== receiving) changed = true;
        model.media.set(row.person, { receiving, sending: false });
    }
    mediaSeen = next;
    if (changed) render();
}

/* ---- devices and connection quality ---- */

let devicesKnown = { audio: [], video: [] };

async function refreshDevices() {
    devicesKnown = await media.listDevices();
    renderDevices();
}

function renderDevices() {
    const row = document.getElementById('device-row');
    if (!row) return;
    const local = media.localTracks();
    // Labels come only after access was allowed: until then the lists
    // would be "Camera 1, Camera 2" guesses.
    const named = [...devicesKnown.audio, ...devicesKnown.video].some((d) => d.label);
    row.hidden = !(named && (local.audio || local.video));
    for (const select of row.querySelectorAll('select')) {
        const kind = select.dataset.kind;
        const list = devicesKnown[kind];
        const current = media.deviceOf(kind);
        const options = list.map((d, i) => el('option', { value: d.deviceId },
            d.label || t(kind === 'audio' ? 'devices.mic_n' : 'devices.camera_n', { n: i + 1 })));
        if (!options.length) options.push(el('option', { value: '' }, t('devices.none')));
        select.replaceChildren(...options);
        if (current && list.some((d) => d.deviceId === current)) select.value = current;
        select.disabled = !list.length || !local[kind];
    }
}

function setupDevicesAndQuality() {
    media.events.addEventListener('devices', refreshDevices);
    media.events.addEventListener('local', () => {
        if (![...devicesKnown.audio, ...devicesKnown.video].some((d) => d.label)) refreshDevices();
        else renderDevices();
    });
    for (const select of document.querySelectorAll('#device-row select')) {
        select.addEventListener('change', async () => {
            try {
                await media.switchDevice(select.dataset.kind, select.value);
            } catch (err) {
                toast(media.errorText(err), 'error');
                renderDevices();
            }
        });
    }
    // The instructor's own uplink matters most: the class sees what it
    // sends. Without publishing, the floor connection is watched.
    quality = new QualityMonitor(() => window.__classrelay?.publishPc ?? window.__classrelay?.subscribePc ?? null);
    bindQuality($('#quality'), session, quality);
    quality.start();
}

/* The QR code as big as the screen allows, for the back of the room. */
function showBigQr() {
    if (!checkin) return;
    let svg;
    try {
        svg = qrSvg(encodeQr(checkin.url), { title: t('checkin.qr_label') });
    } catch {
        return;
    }
    const titleId = 'qr-big-title';
    const close = el('button', { type: 'button', class: 'btn btn-primary' }, t('common.close'));
    const dialog = el('dialog', { class: 'dialog qr-dialog', 'aria-labelledby': titleId },
        el('div', { class: 'dialog-body' },
            el('h2', { id: titleId, class: 'dialog-title' }, t('checkin.big_title')),
            el('p', {}, t('checkin.big_help')),
            el('div', { class: 'qr-big' }, svg),
            el('div', { class: 'dialog-actions' }, close)));
    const opener = document.activeElement;
    close.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
        dialog.remove();
        if (opener && opener.isConnected) opener.focus();
    });
    document.body.append(dialog);
    dialog.showModal();
    close.focus();
}
