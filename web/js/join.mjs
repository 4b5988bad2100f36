// join.mjs — the trainee's page (/join/{session}?token=…).

import { createApi, describeError, pageFor, tokenFromUrl } from './api.mjs';
import { $, confirmDialog, el, idFromPath, initPage, toast } from './dom.mjs';
import { mountEntryForm } from './entry.mjs';
import { lang, t } from './i18n.mjs';
import * as media from './media.mjs';
import { QualityMonitor } from './quality.mjs';
import { trackRecording } from './recording.mjs';
import {
    ClassModel, avatar, bindQuality, renderQuality, renderRoster, renderSessionHeader, setupChat,
    setupStatus, showEndPanel, tokenProblem,
} from './roster.mjs';
import { ClassSession } from './session.mjs';

const token = tokenFromUrl();
const pageSession = idFromPath();
const model = new ClassModel();
let session = null;
let chat = null;
let status = null;
let endState = null; // {reason, detail}
let handBusy = false;
let hadFloor = false;
let speakBusy = false;
let wasOnAir = false;
let lastPublish = 'off'; // the publish state before the latest change
let swapped = false; // the classroom camera large while a screen is shared
let recording = null; // RecordingTracker
let quality = null; // QualityMonitor
let speakError = null; // {code}: why the microphone could not be started

initPage(() => {
    media.applyMediaI18n();
    render();
    status?.rerender();
    chat?.rerender();
    renderRecording();
    renderSpeakError();
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
    try {
        const me = await createApi(token).get('/api/me');
        if (me.role !== 'trainee' || me.session !== pageSession) {
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

    session.addEventListener('welcome', (event) => {
        model.applyWelcome(event.detail);
        if (endState && endState.reason === 'not_started') hideEnd();
        render();
    });
    session.addEventListener('roster', (event) => {
        model.applyEvent(event.detail);
        // The relay closes our publish connection when the floor goes; the
        // page stops the microphone too, whichever word comes first.
        const me = model.me?.person;
        if (me && !model.hasFloor(me) && media.publishState().state !== 'off')
            media.stopPublishing('floor_revoked');
        render();
    });
    session.addEventListener('ended', (event) => {
        model.applyEnded(event.detail);
        showEnd('ended');
    });
    session.addEventListener('kicked', (event) => {
        showEnd('kicked', event.detail.reason ?? '');
    });
    session.addEventListener('left', () => showEnd('left'));
    session.addEventListener('joinerror', (event) => {
        const { reason, fatal, message } = event.detail;
        const why = reason === 'unauthorized' ? tokenProblem(token, message) : reason;
        if (fatal || reason === 'not_started') showEnd(why, fatal ? message : '');
    });
    session.addEventListener('servererror', (event) => toast(describeError(event.detail), 'error'));
    session.addEventListener('status', renderHand);

    $('#btn-hand').addEventListener('click', toggleHand);
    $('#btn-leave').addEventListener('click', leave);
    setupMedia();
    setupRecording();
    setupQuality();
    session.start();
}

/* ---- end of class, refusals ---- */

function showEnd(reason, detail = '', focus = true) {
    // A retry refused again (not started yet) must not pull focus each time.
    const again = endState !== null && endState.reason === reason;
    endState = { reason, detail };
    const extra = [];
    if (reason === 'kicked' && detail) extra.push(el('p', { class: 'end-reason' }, t('end.kicked_reason', { reason: detail })));
    if (reason === 'left') {
        extra.push(el('button', {
            type: 'button', class: 'btn btn-primary', onclick: () => location.reload(),
        }, t('join.rejoin')));
    }
    const panel = $('#end-panel');
    showEndPanel(panel, reason, { extra });
    $('#console').hidden = true;
    $('#conn-banner').hidden = true;
    $('#conn-status').hidden = reason !== 'not_started';
    $('#quality').hidden = true;
    quality?.stop();
    $('#sr-floor').textContent = '';
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
    const presence = $('#instructor-presence');
    const here = model.instructorPresent();
    presence.textContent = here ? t('session.instructor_here') : t('session.waiting_instructor');
    presence.classList.toggle('is-here', here);
    renderRoster(model, $('#roster'), lang());
    $('#roster-count').textContent = String(model.members.size);
    renderHand();
}

function renderHand() {
    const me = model.me?.person;
    const raised = me ? model.hasHand(me) : false;
    const floor = me ? model.hasFloor(me) : false;
    const button = $('#btn-hand');
    const label = button.querySelector('.btn-hand-label');
    label.textContent = raised ? t('join.lower') : t('join.raise');
    button.classList.toggle('is-raised', raised);
    $('.hand-card').hidden = floor;
    button.disabled = handBusy || !(session && session.joined);
    const help = $('#hand-help');
    if (floor) help.textContent = t('join.hand_help_floor');
    else if (raised) help.textContent = t('join.hand_help_raised', { n: model.hands.indexOf(me) + 1 });
    else help.textContent = t('join.hand_help_idle');

    $('#floor-banner').hidden = !floor;
    document.body.classList.toggle('has-floor', floor);
    if (floor !== hadFloor) {
        $('#sr-floor').textContent = floor ? `${t('join.floor_banner')}. ${t('join.floor_banner_sub')}` : '';
        hadFloor = floor;
    }
    if (!floor) speakError = null;
    renderSpeak();
    renderSpeakError();
    renderStage();
}

/* ---- actions ---- */

async function toggleHand() {
    const me = model.me?.person;
    if (!me || handBusy) return;
    const raised = model.hasHand(me);
    handBusy = true;
    renderHand();
    try {
        await session.request(raised ? 'lower_hand' : 'raise_hand');
    } catch (err) {
        toast(describeError(err), 'error');
    } finally {
        handBusy = false;
        renderHand();
        // The button stays where it was; keep the keyboard there.
        if (!$('.hand-card').hidden) $('#btn-hand').focus();
    }
}

async function leave() {
    const answer = await confirmDialog({
        title: t('join.leave_confirm_title'),
        text: t('join.leave_confirm_text'),
        confirmLabel: t('join.leave'),
    });
    if (answer.ok) await session.leave();
}

/* ---- audio and video ---- */

function setupMedia() {
    media.applyMediaI18n();
    media.subscribe(session, {
        // After a reconnection, speak again only while still on the floor.
        canRepublish: (welcome) => (welcome.session?.floor ?? []).includes(welcome.you?.person),
    });
    media.events.addEventListener('publish', (event) => {
        const { state, reason } = event.detail;
        if (state === 'off' && reason === 'floor_revoked' && lastPublish !== 'off')
            toast(media.mt('media.revoked'), 'info');
        lastPublish = state;
        renderHand();
    });
    media.events.addEventListener('local', renderHand);
    media.events.addEventListener('slots', renderStage);
    media.events.addEventListener('notice', (event) => toast(media.mt(event.detail.key), event.detail.kind));

    $('#btn-speak').addEventListener('click', speak);
    $('#btn-speak-mute').addEventListener('click', () => media.setMicMuted(!media.micMuted()));
    $('#btn-speak-stop').addEventListener('click', () => {
        media.stopPublishing('stopped');
        $('#btn-speak').focus();
    });
    $('#btn-give-back').addEventListener('click', giveBack);
    $('#btn-swap').addEventListener('click', () => {
        swapped = !swapped;
        renderStage();
    });
}

async function speak() {
    if (speakBusy) return;
    speakBusy = true;
    speakError = null;
    renderSpeakError();
    renderSpeak();
    try {
        await media.publish(session, { audio: true, video: $('#speak-camera').checked });
    } catch (err) {
        // Refused devices get a message that stays, with what to do;
        // passing trouble a toast.
        if (['denied', 'notfound', 'inuse', 'insecure', 'unsupported'].includes(err.code)) {
            speakError = { code: err.code };
            renderSpeakError();
        } else {
            toast(media.errorText(err), 'error');
        }
    } finally {
        speakBusy = false;
        renderHand();
        const stop = $('#btn-speak-stop');
        if (!$('#speak-live').hidden) stop.focus();
    }
}

async function giveBack() {
    const me = model.me?.person;
    if (!me) return;
    media.stopPublishing('stopped');
    try {
        await session.request('revoke_floor', { person: me });
    } catch (err) {
        toast(describeError(err), 'error');
    }
}

/* The floor banner's controls: "Speak", then the on-air state. */
function renderSpeak() {
    const me = model.me?.person;
    const floor = me ? model.hasFloor(me) : false;
    const { state } = media.publishState();
    const local = media.localTracks();
    const onAir = floor && state !== 'off' && state !== 'failed';
    const connected = state === 'on';

    $('#speak-idle').hidden = onAir;
    $('#speak-live').hidden = !onAir;
    const speakButton = $('#btn-speak');
    speakButton.disabled = speakBusy || !(session && session.joined);
    speakButton.querySelector('.btn-label').textContent = speakBusy ? media.mt('media.starting') : media.mt('media.speak');
    $('#speak-camera').disabled = speakBusy;
    $('#btn-give-back').disabled = !(session && session.joined);
    $('#btn-speak-mute').setAttribute('aria-pressed', String(media.micMuted()));

    const banner = $('#floor-banner');
    banner.classList.toggle('is-on-air', onAir);
    document.body.classList.toggle('on-air', onAir);
    let title = t('join.floor_banner');
    let sub = t('join.floor_banner_sub');
    if (onAir) {
        title = media.mt('media.on_air');
        if (!connected) sub = media.mt('media.on_air_connecting');
        else sub = media.mt(local.video ? 'media.on_air_sub_video' : 'media.on_air_sub');
        if (media.micMuted()) sub = media.mt('media.muted_note');
    }
    $('#floor-banner-title').textContent = title;
    $('#floor-banner-sub').textContent = sub;

    if (onAir !== wasOnAir) {
        const region = $('#sr-floor');
        if (onAir) region.textContent = `${media.mt('media.on_air')}. ${media.mt('media.on_air_sub')}`;
        else if (floor || media.publishState().reason === 'floor_revoked') region.textContent = media.mt('media.mic_off');
        wasOnAir = onAir;
    }
}

/* The stage: the classroom camera large, or the shared screen large with
 * the camera beside it (swappable), and the floor holder's tile. */
function renderStage() {
    const grid = document.getElementById('media-grid');
    if (!grid) return;
    const slots = media.slots();
    const local = media.localTracks();
    const holder = model.floor.length ? model.floor[model.floor.length - 1] : null;
    const mine = holder !== null && model.isMe(holder);
    const screenOn = slots.screen;
    const classTile = $('.tile-class', grid);
    const screenTile = $('.tile-screen', grid);
    const floorTile = $('.tile-floor', grid);

    screenTile.hidden = !screenOn;
    floorTile.hidden = !holder;
    const big = screenOn && !swapped ? screenTile : classTile;
    const order = [big, big === classTile ? screenTile : classTile, floorTile].filter((tile) => !tile.hidden);
    order.forEach((tile, index) => {
        tile.style.order = String(index);
        tile.classList.toggle('is-big', index === 0);
    });
    grid.dataset.tiles = String(order.length);

    const swap = $('#btn-swap');
    swap.hidden = !screenOn;
    swap.setAttribute('aria-pressed', String(screenOn && swapped));

    // Our own camera from here, not the copy coming back from the relay.
    const selfView = mine && Boolean(local.video);
    $('[data-track="floor-video"]', floorTile).hidden = selfView;
    $('[data-track="local-video"]', floorTile).hidden = !selfView;
    media.refreshTile(floorTile);
    if (!holder) return;
    const name = model.nameOf(holder);
    $('#floor-caption').textContent = mine ? media.mt('media.you') : media.mt('media.floor_caption', { name });
    $('#floor-avatar').replaceChildren(avatar(holder, name));
    let title;
    let sub = '';
    if (mine) {
        title = t('join.floor_banner');
    } else if (slots['floor-audio']) {
        title = media.mt('media.floor_audio_only', { name });
        sub = media.mt('media.floor_audio_only_sub');
    } else {
        title = media.mt('media.floor_waiting', { name });
    }
    $('#floor-empty-title').textContent = title;
    $('#floor-empty-sub').textContent = sub;
    floorTile.classList.toggle('is-speaking', !mine && slots['floor-audio']);
}

/* Why the microphone (or camera) could not be started, under the floor
 * banner's buttons until the next try. */
function renderSpeakError() {
    const box = document.getElementById('speak-error');
    if (!box) return;
    const me = model.me?.person;
    const show = Boolean(speakError) && Boolean(me) && model.hasFloor(me);
    box.hidden = !show;
    if (!show) return;
    const code = speakError.code;
    $('.speak-error-title', box).textContent = t(code === 'denied' ? 'perm.denied_title' : 'perm.failed_title');
    $('.speak-error-text', box).textContent = code === 'denied' ? t('perm.denied_text') : media.errorText({ code });
}

/* ---- recording indicator ---- */

function setupRecording() {
    recording = trackRecording(session);
    recording.addEventListener('change', (event) => {
        const { state, was } = event.detail;
        renderRecording();
        let words = '';
        if (state === 'recording' && was !== 'recording') words = t('rec.started_trainee');
        else if (state !== 'recording' && was === 'recording') words = t('rec.stopped');
        if (words) $('#rec-status').textContent = words;
    });
}

function renderRecording() {
    const indicator = document.getElementById('rec-indicator');
    if (!indicator || !recording) return;
    indicator.hidden = !recording.recording;
}

/* ---- connection quality ---- */

function setupQuality() {
    quality = new QualityMonitor(() => window.__classrelay?.subscribePc ?? null);
    bindQuality($('#quality'), session, quality);
    quality.start();
}
