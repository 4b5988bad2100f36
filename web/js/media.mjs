// media.mjs — audio and video for the class pages (docs/protocol.md, "Media").
//
// Two WebRTC PeerConnections per page, as the server expects:
//
//   subscribe  offered by the server right after every welcome; fixed
//              m-lines (trainee: 0 class audio, 1 class camera, 2 screen,
//              3 floor audio, 4 floor video; instructor: 0 floor audio,
//              1 floor video). Each incoming track is shown in the page's
//              elements marked data-track="class-video" (and class-audio,
//              screen, floor-audio, floor-video).
//   publish    offered by this page: audio, camera video, then (instructor
//              only) screen video, all sendonly. Sources that are off have
//              a transceiver without a track, so a source can be turned on
//              or off later with replaceTrack, without a new offer.
//
//   import * as media from './media.mjs';
//   media.subscribe(session, {canRepublish: (welcome) => true});
//   await media.publish(session, {audio: true, video: true});   // adds sources
//   media.stopSource('screen'); media.setMicMuted(true); media.stopPublishing();
//   media.events.addEventListener('local' | 'publish' | 'slots' | 'sound'
//                                 | 'subscribe' | 'notice' | 'devices', ...)
//   await media.listDevices(); media.deviceOf('video');
//   await media.switchDevice('audio', deviceId);   // swapped in live
//
// Pages mark their elements; this module fills them:
//   <video data-track="class-video" muted playsinline autoplay>  remote video
//   <audio data-track="floor-audio" autoplay>                     remote audio
//   <video data-track="local-video"> / "local-screen">            own preview
//   <button data-media-action="enable-sound" hidden>              shown when the
//        browser refused to start sound without a click (autoplay policy)
// Each such element, and the .media-tile around it, gets data-live="true"
// while its source sends (judged from getStats every second).
//
// When the session reconnects, both connections are closed at once (the
// server closed its side with the socket); the next welcome brings a new
// subscribe offer, and publishing starts again with the same camera and
// microphone when canRepublish(welcome) says so.
//
// Interface strings live here (English and Traditional Chinese) until they
// move into i18n.mjs: mt(key, params), and applyMediaI18n() for markup with
// data-media-i18n / data-media-i18n-aria-label attributes.
//
// Tests read window.__classrelay: {subscribePc, publishPc, slots,
// publishState, inbound(), transport(which)}.

import { lang } from './i18n.mjs';

/* ---- strings ---- */

const STRINGS = {
    en: {
        'media.start': 'Start camera and microphone',
        'media.stop': 'Stop camera and microphone',
        'media.starting': 'Starting…',
        'media.mute': 'Mute microphone',
        'media.muted_note': 'Your microphone is muted.',
        'media.share': 'Share screen',
        'media.stop_share': 'Stop sharing',
        'media.enable_sound': 'Click to enable sound',
        'media.sound_blocked': 'The browser is holding back the sound until you click.',
        'media.controls': 'Camera, microphone and screen',
        'media.you': 'You',
        'media.your_screen': 'Your screen',
        'media.camera_off': 'Your camera is off',
        'media.camera_off_sub': 'Start your camera and microphone to teach on video.',
        'media.live': 'Live',
        'media.connecting': 'Connecting…',
        'media.reconnecting': 'Reconnecting audio and video…',
        'media.live_status': 'The class can see and hear you.',
        'media.live_status_audio': 'The class can hear you.',
        'media.live_status_screen': 'The class can see your screen.',
        'media.off_status': 'Your camera and microphone are off.',
        'media.floor': 'On the floor',
        'media.floor_none': 'Nobody holds the floor',
        'media.floor_none_sub': 'Grant the floor to a trainee to hear and see them here.',
        'media.floor_waiting': '{name} has the floor',
        'media.floor_waiting_sub': 'Waiting for them to turn on their microphone.',
        'media.floor_audio_only': '{name} is speaking',
        'media.floor_audio_only_sub': 'Sound only, no camera.',
        'media.floor_caption': '{name} · on the floor',
        'media.classroom': 'Classroom',
        'media.screen': 'Shared screen',
        'media.class_waiting': 'Waiting for the classroom video',
        'media.class_waiting_sub': 'The instructor’s camera appears here when it is turned on.',
        'media.swap': 'Swap screen and camera',
        'media.speak': 'Speak (turn on microphone)',
        'media.speak_camera': 'Also turn on my camera',
        'media.stop_speaking': 'Stop speaking',
        'media.give_back': 'Give the floor back',
        'media.on_air': 'You are on air',
        'media.on_air_sub': 'Everyone in the class can hear you.',
        'media.on_air_sub_video': 'Everyone in the class can hear and see you.',
        'media.on_air_connecting': 'Connecting your microphone…',
        'media.on_air_badge': 'On air',
        'media.revoked': 'The instructor ended your turn to speak. Your microphone is off.',
        'media.mic_off': 'Your microphone is off.',
        'media.camera_unavailable': 'Your camera could not be started; the class hears you without video.',
        'media.err_denied': 'The browser was not allowed to use your camera or microphone. Allow it in the address bar, then try again.',
        'media.err_notfound': 'No camera or microphone was found.',
        'media.err_inuse': 'Your camera or microphone is being used by another program.',
        'media.err_insecure': 'Camera and microphone need a secure (https) connection.',
        'media.err_unsupported': 'This browser cannot send audio or video.',
        'media.err_failed': 'Audio and video could not be connected. Try again.',
        'media.err_forbidden': 'You can speak only while you hold the floor.',
        'media.err_screen': 'The screen could not be shared.',
        'media.err_offline': 'Not connected to the class right now.',
        'media.sub_failed': 'Audio and video were interrupted. Reconnecting…',
        'media.sub_failed_reload': 'Audio and video were interrupted. Reload the page to reconnect.',
    },
    'zh-TW': {
        'media.start': '開啟攝影機與麥克風',
        'media.stop': '關閉攝影機與麥克風',
        'media.starting': '啟動中…',
        'media.mute': '麥克風靜音',
        'media.muted_note': '你的麥克風已靜音。',
        'media.share': '分享螢幕',
        'media.stop_share': '停止分享',
        'media.enable_sound': '按此開啟聲音',
        'media.sound_blocked': '瀏覽器要等你點一下才會播放聲音。',
        'media.controls': '攝影機、麥克風與螢幕',
        'media.you': '你',
        'media.your_screen': '你的螢幕',
        'media.camera_off': '你的攝影機未開啟',
        'media.camera_off_sub': '開啟攝影機與麥克風，即可透過視訊授課。',
        'media.live': '直播中',
        'media.connecting': '連線中…',
        'media.reconnecting': '正在重新連線聲音與影像…',
        'media.live_status': '全班都看得到、聽得到你。',
        'media.live_status_audio': '全班都聽得到你。',
        'media.live_status_screen': '全班都看得到你的螢幕。',
        'media.off_status': '你的攝影機與麥克風已關閉。',
        'media.floor': '發言中',
        'media.floor_none': '目前沒有人發言',
        'media.floor_none_sub': '給予學員發言權後，即可在這裡看到、聽到對方。',
        'media.floor_waiting': '{name} 取得發言權',
        'media.floor_waiting_sub': '等待對方開啟麥克風。',
        'media.floor_audio_only': '{name} 正在發言',
        'media.floor_audio_only_sub': '只有聲音，未開鏡頭。',
        'media.floor_caption': '{name} · 發言中',
        'media.classroom': '教室',
        'media.screen': '分享的螢幕',
        'media.class_waiting': '等待教室畫面',
        'media.class_waiting_sub': '講師開啟攝影機後，畫面會出現在這裡。',
        'media.swap': '切換螢幕與鏡頭',
        'media.speak': '發言（開啟麥克風）',
        'media.speak_camera': '同時開啟我的攝影機',
        'media.stop_speaking': '停止發言',
        'media.give_back': '交還發言權',
        'media.on_air': '你正在發言',
        'media.on_air_sub': '全班都聽得到你的聲音。',
        'media.on_air_sub_video': '全班都聽得到、看得到你。',
        'media.on_air_connecting': '正在連線你的麥克風…',
        'media.on_air_badge': '發言中',
        'media.revoked': '講師已結束你的發言，你的麥克風已關閉。',
        'media.mic_off': '你的麥克風已關閉。',
        'media.camera_unavailable': '無法開啟你的攝影機；全班只會聽到你的聲音。',
        'media.err_denied': '瀏覽器未獲准使用你的攝影機或麥克風。請在網址列允許後再試一次。',
        'media.err_notfound': '找不到攝影機或麥克風。',
        'media.err_inuse': '你的攝影機或麥克風正被其他程式使用。',
        'media.err_insecure': '攝影機與麥克風需要安全連線（https）。',
        'media.err_unsupported': '這個瀏覽器無法傳送聲音或影像。',
        'media.err_failed': '無法連線聲音與影像，請再試一次。',
        'media.err_forbidden': '只有取得發言權時才能發言。',
        'media.err_screen': '無法分享螢幕。',
        'media.err_offline': '目前未連線到課程。',
        'media.sub_failed': '聲音與影像中斷，正在重新連線…',
        'media.sub_failed_reload': '聲音與影像中斷，請重新整理頁面以重新連線。',
    },
};

export function mt(key, params = {}) {
    const text = STRINGS[lang()]?.[key] ?? STRINGS.en[key];
    if (text === undefined) return key;
    return text.replace(/\{(\w+)\}/g, (whole, name) =>
        Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole);
}

/* Translates data-media-i18n (text) and data-media-i18n-aria-label. */
export function applyMediaI18n(root = document) {
    for (const node of root.querySelectorAll('[data-media-i18n]'))
        node.textContent = mt(node.dataset.mediaI18n);
    for (const node of root.querySelectorAll('[data-media-i18n-aria-label]'))
        node.setAttribute('aria-label', mt(node.dataset.mediaI18nAriaLabel));
}

/* ---- errors ---- */

export class MediaError extends Error {
    constructor(code, cause = null) {
        super(code);
        this.name = 'MediaError';
        this.code = code; // denied, notfound, inuse, insecure, unsupported, failed, forbidden, screen, offline
        this.cause = cause;
    }
}

/* Words for a person about what went wrong. */
export function errorText(err) {
    const code = err && err.code ? err.code : 'failed';
    const key = `media.err_${code}`;
    return STRINGS.en[key] ? mt(key) : mt('media.err_failed');
}

function deviceError(err) {
    if (!window.isSecureContext) return new MediaError('insecure', err);
    switch (err && err.name) {
    case 'NotAllowedError':
    case 'SecurityError':
        return new MediaError('denied', err);
    case 'NotFoundError':
    case 'OverconstrainedError':
        return new MediaError('notfound', err);
    case 'NotReadableError':
    case 'AbortError':
        return new MediaError('inuse', err);
    case 'TypeError':
        return new MediaError('unsupported', err);
    default:
        return new MediaError('failed', err);
    }
}

/* ---- state ---- */

const SLOTS = ['class-audio', 'class-video', 'screen', 'floor-audio', 'floor-video'];
const SLOTS_BY_MID = {
    trainee: SLOTS,
    instructor: ['floor-audio', 'floor-video'],
};
const AUDIO_CONSTRAINTS = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
const VIDEO_CONSTRAINTS = {
    width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30, max: 30 },
};
const BITRATE = { video: 1_200_000, screen: 1_500_000 };
const LIVE_MS = 2500; // a slot with no new data for this long is off
const MAX_PUBLISH_RETRIES = 3;
const RESTART_MIN_INTERVAL_MS = 20000;

export const events = new EventTarget();

const state = {
    session: null,
    role: null,
    me: null,
    iceServers: [],
    canRepublish: () => true,
    sub: null, // Link
    pub: null, // Link
    local: { audio: null, video: null, screen: null },
    devices: { audio: null, video: null }, // deviceId chosen by the person, or null
    micMuted: false,
    wanted: false, // publishing is on (kept across reconnections)
    publishState: 'off', // off, starting, connecting, on, reconnecting, failed
    publishReason: null,
    answersOwed: 0, // publish offers sent whose answer (or error) has not come
    retries: 0,
    retryTimer: 0,
    remote: new Map(), // slot -> MediaStreamTrack
    live: Object.fromEntries(SLOTS.map((slot) => [slot, false])),
    progress: new Map(), // slot -> {value, at}
    pollTimer: 0,
    soundBlocked: false,
    restarting: false,
    restartTimer: 0,
    lastRestart: 0,
    chain: Promise.resolve(),
};

function emit(type, detail = {}) {
    events.dispatchEvent(new CustomEvent(type, { detail }));
}

function pcConfig() {
    const iceServers = Array.isArray(state.iceServers) ? state.iceServers : [];
    return { iceServers, bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' };
}

/* Sends a message on the class socket; failures are logged (and given to
 * @onError), never thrown. The server answers media messages only with
 * errors, so the promise is not waited for. "offline" (the socket closed
 * while the request was pending) needs nothing: the status handler has
 * closed the connections, and the next welcome starts them again. */
function send(type, fields, onError = null) {
    const session = state.session;
    if (!session) return;
    session.request(type, fields).catch((err) => {
        if (err && err.code === 'offline') return;
        if (onError) onError(err);
        else console.warn(`classrelay media: ${type} refused:`, err.code || err, err.message || '');
    });
}

/* One PeerConnection and its trickle ICE: local candidates wait until the
 * description they belong to was sent; remote ones until the remote
 * description is set. */
class Link {
    constructor(name) {
        this.name = name;
        this.pc = new RTCPeerConnection(pcConfig());
        this.closed = false;
        this.localOpen = false;
        this.localQueue = [];
        this.remoteOpen = false;
        this.remoteQueue = [];
        this.awaitingAnswer = false;
        this.senders = {};
        this.pc.addEventListener('icecandidate', (event) => {
            const c = event.candidate;
            this.#local(c && c.candidate ? c.toJSON() : null);
        });
    }

    #local(candidate) {
        if (this.closed) return;
        if (!this.localOpen) this.localQueue.push(candidate);
        else send('candidate', { pc: this.name, candidate });
    }

    openLocal() {
        this.localOpen = true;
        for (const c of this.localQueue.splice(0)) this.#local(c);
    }

    remote(candidate) {
        if (this.closed) return;
        if (!this.remoteOpen) {
            this.remoteQueue.push(candidate);
            return;
        }
        const done = candidate && candidate.candidate
            ? this.pc.addIceCandidate(candidate)
            : this.pc.addIceCandidate();
        done.catch((err) => console.warn(`classrelay media: ${this.name} candidate refused:`, err.message));
    }

    openRemote() {
        this.remoteOpen = true;
        for (const c of this.remoteQueue.splice(0)) this.remote(c);
    }

    close() {
        if (this.closed) return;
        this.closed = true;
        try {
            this.pc.close();
        } catch {
            /* already closed */
        }
    }
}

/* ---- the session's messages ---- */

/* Starts following @session's media: call once, before session.start(). */
export function subscribe(session, { canRepublish = null } = {}) {
    if (state.session === session) return;
    state.session = session;
    if (canRepublish) state.canRepublish = canRepublish;
    session.addEventListener('status', onStatus);
    session.addEventListener('welcome', onWelcome);
    session.addEventListener('offer', onOffer);
    session.addEventListener('answer', onAnswer);
    session.addEventListener('candidate', onCandidate);
    session.addEventListener('media', onMedia);
    for (const type of ['ended', 'kicked', 'left']) session.addEventListener(type, () => shutdown(type));
    for (const button of document.querySelectorAll('[data-media-action="enable-sound"]'))
        button.addEventListener('click', enableSound);
    // Any click or key press lets the browser start sound it held back.
    for (const type of ['pointerdown', 'keydown']) {
        document.addEventListener(type, () => {
            if (state.soundBlocked) enableSound();
        }, { capture: true });
    }
    window.addEventListener('pagehide', () => shutdown('pagehide'));
    renderSound();
}

function onStatus(event) {
    const status = event.detail.status;
    if (status === 'joined') return; // the welcome follows
    clearTimeout(state.restartTimer);
    state.restartTimer = 0;
    // The socket is gone: the server closed both connections with it.
    closeSubscribe();
    closePublish();
    if (status === 'stopped' && !state.restarting) {
        if (state.wanted || hasLocal()) stopPublishing('stopped');
        return;
    }
    if (state.wanted) setPublishState('reconnecting');
}

function onWelcome(event) {
    const msg = event.detail ?? {};
    state.restarting = false;
    clearTimeout(state.restartTimer);
    state.restartTimer = 0;
    state.role = msg.you?.role ?? null;
    state.me = msg.you?.person ?? null;
    state.iceServers = msg.ice_servers ?? [];
    state.answersOwed = 0;
    closeSubscribe();
    closePublish();
    if (!state.wanted) return;
    let again = false;
    try {
        again = Boolean(state.canRepublish(msg));
    } catch {
        again = false;
    }
    if (again && hasLocal()) {
        state.retries = 0;
        queue(() => negotiate()).catch(() => {});
    } else {
        stopPublishing('floor_lost');
    }
}

function onOffer(event) {
    const msg = event.detail;
    if (msg.pc !== 'subscribe' || typeof msg.sdp !== 'string') return;
    startSubscribe(msg.sdp);
}

function onAnswer(event) {
    const msg = event.detail;
    if (msg.pc !== 'publish' || typeof msg.sdp !== 'string') return;
    const owed = state.answersOwed;
    state.answersOwed = Math.max(0, owed - 1);
    const link = state.pub;
    // An answer to an offer replaced since (owed > 1) or closed is dropped.
    if (!link || link.closed || !link.awaitingAnswer || owed > 1) return;
    link.awaitingAnswer = false;
    link.pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp })
        .then(() => link.openRemote())
        .catch((err) => {
            console.warn('classrelay media: publish answer refused:', err.message);
            if (state.pub === link) publishFailed('answer');
        });
}

function onCandidate(event) {
    const msg = event.detail;
    const link = msg.pc === 'subscribe' ? state.sub : msg.pc === 'publish' ? state.pub : null;
    if (link) link.remote(msg.candidate ?? null);
}

function onMedia(event) {
    const msg = event.detail;
    if (msg.pc === 'publish') {
        if (msg.state === 'closed' && msg.reason === 'floor_revoked') {
            stopPublishing('floor_revoked');
            return;
        }
        if (msg.state === 'failed' || msg.state === 'closed') {
            console.warn(`classrelay media: the server ${msg.state} the publish connection:`, msg.reason);
            closePublish();
            if (state.wanted) publishFailed(msg.reason || msg.state);
        }
    } else if (msg.pc === 'subscribe' && (msg.state === 'failed' || msg.state === 'closed')) {
        console.warn(`classrelay media: the server ${msg.state} the subscribe connection:`, msg.reason);
        closeSubscribe();
        subscribeLost(msg.reason || msg.state);
    }
}

function shutdown(reason) {
    closeSubscribe();
    stopPublishing(reason);
}

/* ---- subscribe ---- */

async function startSubscribe(sdp) {
    closeSubscribe();
    let link;
    try {
        link = new Link('subscribe');
    } catch (err) {
        console.warn('classrelay media: no RTCPeerConnection:', err);
        emit('subscribe', { state: 'unsupported' });
        return;
    }
    state.sub = link;
    const pc = link.pc;
    pc.addEventListener('track', (event) => attachRemote(event.transceiver?.mid, event.track));
    pc.addEventListener('connectionstatechange', () => {
        if (state.sub !== link) return;
        emit('subscribe', { state: pc.connectionState });
        if (pc.connectionState === 'failed') {
            logTransport('subscribe', pc);
            closeSubscribe();
            subscribeLost('ice');
        }
    });
    try {
        await pc.setRemoteDescription({ type: 'offer', sdp });
        if (state.sub !== link) return;
        link.openRemote();
        const answer = await pc.createAnswer();
        await pc.setLocalDescription(answer);
        if (state.sub !== link) return;
        send('answer', { pc: 'subscribe', sdp: pc.localDescription.sdp });
        link.openLocal();
        emit('subscribe', { state: 'connecting' });
        startPolling();
    } catch (err) {
        console.warn('classrelay media: the subscribe offer could not be answered:', err);
        if (state.sub === link) closeSubscribe();
        emit('subscribe', { state: 'failed', reason: 'sdp' });
    }
}

function closeSubscribe() {
    const link = state.sub;
    state.sub = null;
    clearInterval(state.pollTimer);
    state.pollTimer = 0;
    state.progress.clear();
    if (link) link.close();
    for (const slot of SLOTS) {
        state.remote.delete(slot);
        for (const node of slotElements(slot)) {
            node.srcObject = null;
        }
    }
    setLive(Object.fromEntries(SLOTS.map((slot) => [slot, false])));
}

/* The server gave up on our subscribe connection: only a new join brings a
 * new offer. Rejoin (at most every 20 s; else ask for a reload), after a
 * moment: when the whole socket is going away, its own reconnection does
 * it, and this is cancelled. */
function subscribeLost(reason) {
    const session = state.session;
    if (!session || state.restartTimer) return;
    if (Date.now() - state.lastRestart <= RESTART_MIN_INTERVAL_MS) {
        emit('subscribe', { state: 'failed', reason });
        emit('notice', { key: 'media.sub_failed_reload', kind: 'error' });
        return;
    }
    emit('subscribe', { state: 'restarting', reason });
    state.restartTimer = setTimeout(() => {
        state.restartTimer = 0;
        if (!session.joined || state.sub) return;
        state.lastRestart = Date.now();
        state.restarting = true;
        emit('notice', { key: 'media.sub_failed', kind: 'info' });
        session.stop();
        session.start();
    }, 2000);
}

function slotOf(mid, trackId) {
    if (SLOTS.includes(trackId)) return trackId;
    const list = SLOTS_BY_MID[state.role] ?? null;
    const index = Number(mid);
    return list && Number.isInteger(index) ? list[index] ?? null : null;
}

function slotElements(slot) {
    return document.querySelectorAll(`[data-track="${slot}"]`);
}

function attachRemote(mid, track) {
    const slot = slotOf(mid, track.id);
    if (!slot) return;
    state.remote.set(slot, track);
    for (const node of slotElements(slot)) show(node, track);
    applyFloorEcho();
}

/* Shows @track in a media element. Video is always muted (its sound comes
 * in its own audio track), so it may start without a click. */
function show(node, track) {
    node.srcObject = track ? new MediaStream([track]) : null;
    if (!track) return;
    if (node instanceof HTMLAudioElement) {
        playAudio(node);
    } else {
        node.muted = true;
        node.playsInline = true;
        node.play().catch(() => { /* retried by autoplay when data comes */ });
    }
}

function playAudio(node) {
    node.autoplay = true;
    const started = node.play();
    if (!started || typeof started.then !== 'function') return;
    started.then(() => {
        if (state.soundBlocked && allAudioPlaying()) setSoundBlocked(false);
    }, (err) => {
        if (err && err.name === 'NotAllowedError') setSoundBlocked(true);
    });
}

function allAudioPlaying() {
    for (const node of document.querySelectorAll('audio[data-track]'))
        if (node.srcObject && node.paused) return false;
    return true;
}

/* A click from the person: start every remote audio element. */
export function enableSound() {
    const nodes = [...document.querySelectorAll('audio[data-track]')].filter((node) => node.srcObject);
    Promise.allSettled(nodes.map((node) => node.play())).then((results) => {
        setSoundBlocked(results.some((r) => r.status === 'rejected'));
    });
}

function setSoundBlocked(blocked) {
    if (state.soundBlocked === blocked) return;
    state.soundBlocked = blocked;
    renderSound();
    emit('sound', { blocked });
}

function renderSound() {
    for (const button of document.querySelectorAll('[data-media-action="enable-sound"]'))
        button.hidden = !state.soundBlocked;
}

export function soundBlocked() {
    return state.soundBlocked;
}

/* A trainee on the floor would hear themselves come back from the relay. */
function applyFloorEcho() {
    const self = state.role === 'trainee' && (state.wanted || hasLocal());
    for (const node of slotElements('floor-audio')) node.muted = self;
}

/* ---- which slots are sending ---- */

function startPolling() {
    clearInterval(state.pollTimer);
    state.pollTimer = setInterval(pollSlots, 1000);
}

async function pollSlots() {
    const link = state.sub;
    if (!link || link.closed) return;
    let report;
    try {
        report = await link.pc.getStats();
    } catch {
        return;
    }
    if (state.sub !== link) return;
    const now = performance.now();
    const live = { ...state.live };
    for (const r of report.values()) {
        if (r.type !== 'inbound-rtp') continue;
        const slot = slotOf(r.mid, r.trackIdentifier);
        if (!slot) continue;
        const value = r.kind === 'video' ? (r.framesDecoded ?? 0) : (r.bytesReceived ?? 0);
        const before = state.progress.get(slot);
        if (!before || value > before.value)
            state.progress.set(slot, { value, at: before && value > 0 ? now : (before?.at ?? 0) });
        const p = state.progress.get(slot);
        live[slot] = p.at > 0 && now - p.at < LIVE_MS;
    }
    setLive(live);
}

function setLive(live) {
    let changed = false;
    for (const slot of SLOTS) {
        const on = Boolean(live[slot]);
        if (state.live[slot] !== on) changed = true;
        state.live[slot] = on;
        for (const node of slotElements(slot)) markLive(node, on);
    }
    if (changed) emit('slots', { ...state.live });
}

function markLive(node, on) {
    node.dataset.live = on ? 'true' : 'false';
    const tile = node.closest('.media-tile');
    if (tile) refreshTile(tile);
}

/* A tile is live when one of its shown media elements is. Pages call this
 * after hiding or showing an element in @tile. */
export function refreshTile(tile) {
    const on = [...tile.querySelectorAll('[data-track]')]
        .some((node) => !node.hidden && node.dataset.live === 'true');
    tile.dataset.live = on ? 'true' : 'false';
}

export function slots() {
    return { ...state.live };
}

/* ---- publish ---- */

function hasLocal() {
    return Boolean(state.local.audio || state.local.video || state.local.screen);
}

export function localTracks() {
    return { ...state.local };
}

export function publishState() {
    return { state: state.publishState, reason: state.publishReason };
}

export function micMuted() {
    return state.micMuted;
}

function setPublishState(next, reason = null) {
    if (state.publishState === next && state.publishReason === reason) return;
    state.publishState = next;
    state.publishReason = reason;
    emit('publish', { state: next, reason });
}

/* Runs @fn after every publish step queued before it. */
function queue(fn) {
    const run = state.chain.then(fn);
    state.chain = run.catch(() => {});
    return run;
}

/* Turns on the sources asked for (keeping those already on) and sends
 * them. Rejects with a MediaError (code: denied, notfound, ...). */
export function publish(session, { audio = false, video = false, screen = false } = {}) {
    if (session && !state.session) subscribe(session);
    return queue(() => doPublish({ audio, video, screen }));
}

async function doPublish({ audio, video, screen }) {
    if (!window.RTCPeerConnection || !navigator.mediaDevices?.getUserMedia)
        throw new MediaError(window.isSecureContext ? 'unsupported' : 'insecure');
    if (!state.session || !state.session.joined) throw new MediaError('offline');
    const startedOff = !state.wanted;
    if (startedOff) setPublishState('starting');
    try {
        await acquire({ audio, video, screen });
    } catch (err) {
        if (startedOff && !hasLocal()) setPublishState('off', err.code);
        else if (state.pub) setPublishState(state.pub.pc.connectionState === 'connected' ? 'on' : 'connecting');
        throw err;
    }
    if (!hasLocal()) {
        setPublishState('off');
        return;
    }
    state.wanted = true;
    applyFloorEcho();
    emitLocal();
    const link = state.pub;
    if (link && !link.closed) {
        await replaceAll(link);
    } else {
        state.retries = 0;
        await negotiate();
    }
}

async function acquire({ audio, video, screen }) {
    const needAudio = audio && !state.local.audio;
    const needVideo = video && !state.local.video;
    if (needAudio || needVideo) {
        let stream = null;
        try {
            stream = await navigator.mediaDevices.getUserMedia({
                audio: needAudio ? constraints('audio') : false,
                video: needVideo ? constraints('video') : false,
            });
        } catch (err) {
            // The camera alone may be the trouble: go on with sound only.
            if (!(needAudio && needVideo) || err.name === 'NotAllowedError') throw deviceError(err);
            try {
                stream = await navigator.mediaDevices.getUserMedia({ audio: constraints('audio'), video: false });
            } catch {
                throw deviceError(err);
            }
            emit('notice', { key: 'media.camera_unavailable', kind: 'info' });
        }
        for (const track of stream.getTracks()) setLocal(track.kind === 'audio' ? 'audio' : 'video', track);
    }
    if (screen && !state.local.screen) {
        if (!navigator.mediaDevices.getDisplayMedia) throw new MediaError('screen');
        let stream;
        try {
            stream = await navigator.mediaDevices.getDisplayMedia({
                video: { frameRate: { ideal: 15, max: 30 } }, audio: false,
            });
        } catch (err) {
            const wrapped = new MediaError(err && err.name === 'NotAllowedError' ? 'denied' : 'screen', err);
            wrapped.cancelled = err && err.name === 'NotAllowedError';
            throw wrapped;
        }
        const [track] = stream.getVideoTracks();
        if (track) {
            try {
                track.contentHint = 'detail';
            } catch {
                /* older browsers */
            }
            setLocal('screen', track);
        }
    }
}

/* getUserMedia constraints for @kind, with the device the person chose
 * (ideal, not exact: an unplugged one falls back to the default). */
function constraints(kind) {
    const base = kind === 'audio' ? AUDIO_CONSTRAINTS : VIDEO_CONSTRAINTS;
    const id = state.devices[kind];
    return id ? { ...base, deviceId: { ideal: id } } : base;
}

/* ---- devices ---- */

/* The cameras and microphones the browser offers: {video: [{deviceId,
 * label}], audio: [...]}. Labels are empty until the person has allowed
 * access once. */
export async function listDevices() {
    const out = { audio: [], video: [] };
    if (!navigator.mediaDevices?.enumerateDevices) return out;
    let devices = [];
    try {
        devices = await navigator.mediaDevices.enumerateDevices();
    } catch {
        return out;
    }
    for (const d of devices) {
        const kind = d.kind === 'audioinput' ? 'audio' : d.kind === 'videoinput' ? 'video' : null;
        if (kind && d.deviceId) out[kind].push({ deviceId: d.deviceId, label: d.label });
    }
    return out;
}

/* The deviceId of the camera or microphone in use (or chosen), or null. */
export function deviceOf(kind) {
    const track = state.local[kind];
    const id = track?.getSettings?.().deviceId;
    return id || state.devices[kind] || null;
}

/* Uses another camera (@kind video) or microphone (audio): remembered for
 * the next start, and, when that source is on, swapped in at once without
 * a new offer (replaceTrack). Rejects with a MediaError. */
export function switchDevice(kind, deviceId) {
    state.devices[kind] = deviceId || null;
    if (!state.local[kind]) return Promise.resolve();
    return queue(async () => {
        if (!state.local[kind]) return;
        let stream;
        try {
            stream = await navigator.mediaDevices.getUserMedia({
                [kind]: { ...(kind === 'audio' ? AUDIO_CONSTRAINTS : VIDEO_CONSTRAINTS), deviceId: { exact: deviceId } },
            });
        } catch (err) {
            throw deviceError(err);
        }
        const [track] = kind === 'audio' ? stream.getAudioTracks() : stream.getVideoTracks();
        setLocal(kind, track);
        emitLocal();
        const link = state.pub;
        if (link && !link.closed) await replaceAll(link);
    });
}

if (navigator.mediaDevices?.addEventListener) {
    navigator.mediaDevices.addEventListener('devicechange', () => emit('devices'));
}

function setLocal(kind, track) {
    const old = state.local[kind];
    if (old && old !== track) old.stop();
    state.local[kind] = track;
    if (!track) return;
    if (kind === 'audio') track.enabled = !state.micMuted;
    // The device was unplugged, or the browser's "Stop sharing" was used.
    track.addEventListener('ended', () => {
        if (state.local[kind] === track) stopSource(kind);
    });
}

function emitLocal() {
    for (const [kind, slot] of [['video', 'local-video'], ['screen', 'local-screen']]) {
        const track = state.local[kind];
        for (const node of slotElements(slot)) {
            const current = node.srcObject?.getTracks?.()[0] ?? null;
            if (current !== track) show(node, track);
            markLive(node, Boolean(track));
        }
    }
    emit('local', { ...state.local, micMuted: state.micMuted });
}

async function replaceAll(link) {
    for (const [kind, sender] of Object.entries(link.senders)) {
        const track = state.local[kind] ?? null;
        if (sender.track !== track) await sender.replaceTrack(track);
    }
}

/* A new publish connection with the current sources: the offer goes to
 * the server, which answers on the socket. */
async function negotiate() {
    clearTimeout(state.retryTimer);
    state.retryTimer = 0;
    closePublish();
    if (!state.wanted || !hasLocal()) return;
    if (!state.session || !state.session.joined) {
        setPublishState('reconnecting');
        return;
    }
    const link = new Link('publish');
    state.pub = link;
    const pc = link.pc;
    const stream = new MediaStream();
    const kinds = state.role === 'instructor' ? ['audio', 'video', 'screen'] : ['audio', 'video'];
    for (const kind of kinds) {
        const track = state.local[kind] ?? null;
        const init = { direction: 'sendonly', streams: [stream] };
        if (kind !== 'audio') init.sendEncodings = [{ maxBitrate: BITRATE[kind] }];
        link.senders[kind] = pc.addTransceiver(track ?? (kind === 'audio' ? 'audio' : 'video'), init).sender;
    }
    pc.addEventListener('connectionstatechange', () => {
        if (state.pub !== link) return;
        const s = pc.connectionState;
        if (s === 'connected') {
            state.retries = 0;
            setPublishState('on');
        } else if (s === 'failed') {
            logTransport('publish', pc);
            closePublish();
            publishFailed('ice');
        }
    });
    setPublishState('connecting');
    try {
        const offer = await pc.createOffer();
        await pc.setLocalDescription(offer);
    } catch (err) {
        console.warn('classrelay media: no publish offer:', err);
        if (state.pub === link) closePublish();
        setPublishState('failed', 'sdp');
        throw new MediaError('failed', err);
    }
    if (state.pub !== link) return;
    link.awaitingAnswer = true;
    state.answersOwed += 1;
    send('publish', { sdp: pc.localDescription.sdp }, (err) => {
        state.answersOwed = Math.max(0, state.answersOwed - 1);
        if (state.pub !== link) return;
        console.warn('classrelay media: publish refused:', err.code, err.message);
        if (err.code === 'forbidden') {
            stopPublishing('forbidden');
            emit('notice', { key: 'media.err_forbidden', kind: 'error' });
        } else {
            closePublish();
            publishFailed(err.code || 'refused');
        }
    });
    link.openLocal();
}

/* The publish connection broke: try again a few times, then give up and
 * say so (the sources stay on until the person stops them). */
function publishFailed(reason) {
    if (!state.wanted) return;
    if (state.retries < MAX_PUBLISH_RETRIES && state.session && state.session.joined) {
        state.retries += 1;
        setPublishState('reconnecting', reason);
        clearTimeout(state.retryTimer);
        state.retryTimer = setTimeout(() => queue(() => negotiate()).catch(() => {}),
            1000 * 2 ** (state.retries - 1));
        return;
    }
    stopPublishing('failed');
    emit('notice', { key: 'media.err_failed', kind: 'error' });
}

function closePublish() {
    const link = state.pub;
    state.pub = null;
    if (link) link.close();
}

/* Stops one source (audio, video or screen); publishing stops with the
 * last one. */
export function stopSource(kind) {
    const track = state.local[kind];
    if (!track) return Promise.resolve();
    track.stop();
    state.local[kind] = null;
    if (!hasLocal()) {
        stopPublishing('stopped');
        return Promise.resolve();
    }
    emitLocal();
    return queue(async () => {
        const link = state.pub;
        if (link && !link.closed) await replaceAll(link);
    });
}

/* Stops everything: the publish connection (with an unpublish to the
 * server) and every local track. */
export function stopPublishing(reason = 'stopped') {
    state.wanted = false;
    clearTimeout(state.retryTimer);
    state.retryTimer = 0;
    // Tell the relay at once (docs/protocol.md, unpublish) rather than
    // letting it wait for consent to run out. Nothing to say when the
    // relay closed it itself; an older server does not know the message.
    if (state.pub && reason !== 'floor_revoked' && state.session?.joined)
        send('unpublish', {}, () => {});
    closePublish();
    const had = hasLocal();
    for (const kind of Object.keys(state.local)) {
        if (state.local[kind]) state.local[kind].stop();
        state.local[kind] = null;
    }
    state.micMuted = false;
    applyFloorEcho();
    setPublishState('off', reason);
    if (had) emitLocal();
}

export function setMicMuted(muted) {
    state.micMuted = Boolean(muted);
    if (state.local.audio) state.local.audio.enabled = !state.micMuted;
    emit('local', { ...state.local, micMuted: state.micMuted });
}

/* ---- diagnostics ---- */

async function transport(pc) {
    if (!pc) return null;
    const out = {
        connectionState: pc.connectionState,
        iceConnectionState: pc.iceConnectionState,
        iceGatheringState: pc.iceGatheringState,
        signalingState: pc.signalingState,
        dtlsState: null,
        pairs: [],
        local: [],
        remote: [],
    };
    let report;
    try {
        report = await pc.getStats();
    } catch {
        return out;
    }
    for (const r of report.values()) {
        if (r.type === 'transport') {
            out.dtlsState = r.dtlsState;
            out.iceState = r.iceState;
            out.selectedPair = r.selectedCandidatePairId ?? null;
            out.bytesSent = r.bytesSent;
            out.bytesReceived = r.bytesReceived;
        } else if (r.type === 'candidate-pair') {
            out.pairs.push({
                id: r.id, state: r.state, nominated: r.nominated, local: r.localCandidateId,
                remote: r.remoteCandidateId, requestsSent: r.requestsSent,
                responsesReceived: r.responsesReceived, requestsReceived: r.requestsReceived,
                bytesSent: r.bytesSent, bytesReceived: r.bytesReceived,
            });
        } else if (r.type === 'local-candidate' || r.type === 'remote-candidate') {
            out[r.type === 'local-candidate' ? 'local' : 'remote'].push({
                id: r.id, address: r.address, port: r.port, protocol: r.protocol,
                candidateType: r.candidateType,
            });
        }
    }
    return out;
}

function logTransport(name, pc) {
    transport(pc).then((t) => console.warn(`classrelay media: ${name} connection failed:`, JSON.stringify(t)));
}

/* Per slot: what the subscribe connection has received. */
async function inbound() {
    const pc = state.sub?.pc;
    const out = {};
    if (!pc) return out;
    const report = await pc.getStats();
    for (const r of report.values()) {
        if (r.type !== 'inbound-rtp') continue;
        const slot = slotOf(r.mid, r.trackIdentifier) ?? `mid${r.mid}`;
        out[slot] = {
            kind: r.kind, mid: r.mid, bytesReceived: r.bytesReceived ?? 0,
            packetsReceived: r.packetsReceived ?? 0, framesDecoded: r.framesDecoded ?? 0,
            totalAudioEnergy: r.totalAudioEnergy ?? 0, audioLevel: r.audioLevel ?? 0,
        };
    }
    return out;
}

window.__classrelay = {
    get subscribePc() {
        return state.sub?.pc ?? null;
    },
    get publishPc() {
        return state.pub?.pc ?? null;
    },
    get slots() {
        return { ...state.live };
    },
    get publishState() {
        return state.publishState;
    },
    inbound,
    transport: (which = 'subscribe') => transport(which === 'publish' ? state.pub?.pc : state.sub?.pc),
};
