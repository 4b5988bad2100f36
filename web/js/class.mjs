// class.mjs — the instructor console (/class/{session}?token=…).

import { createApi, describeError, pageFor, tokenFromUrl } from './api.mjs';
import { $, confirmDialog, el, formatTime, idFromPath, initPage, keepFocus, toast } from './dom.mjs';
import { mountEntryForm } from './entry.mjs';
import { lang, t } from './i18n.mjs';
import * as media from './media.mjs';
import {
    ClassModel, avatar, renderCounts, renderRoster, renderSessionHeader, setupChat, setupStatus,
    showEndPanel,
} from './roster.mjs';
import { ClassSession } from './session.mjs';

const token = tokenFromUrl();
const pageSession = idFromPath();
const model = new ClassModel();
let session = null;
let chat = null;
let status = null;
let endState = null; // {reason, detail}: the end panel being shown

initPage(() => {
    media.applyMediaI18n();
    render();
    status?.rerender();
    chat?.rerender();
    renderCheckin();
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
            showEnd('unauthorized');
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
        if (fatal || reason === 'not_started') showEnd(reason, fatal ? message : '');
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
    renderRoster(model, $('#roster'), lang(), rosterActions);
    $('#roster-count').textContent = String(model.members.size);
    renderControls();
}

/* Controls that send on the socket are off while it is down. */
function renderControls() {
    const live = Boolean(session && session.joined);
    $('#btn-end').disabled = !live;
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
