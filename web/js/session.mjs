// session.mjs — the class WebSocket: join, requests with refs, heartbeats,
// and automatic reconnection with exponential backoff (1 s doubling to
// 30 s, with jitter so a restarted server is not hit by everyone at once).
//
//   const s = new ClassSession(token);
//   s.addEventListener('welcome', (e) => e.detail);   // {you, session, roster, limits}
//   s.addEventListener('roster', ...);  'chat', 'ended', 'kicked'
//   s.addEventListener('status', ...);  detail: {status, retryAt, reason}
//   s.addEventListener('joinerror', ...);  detail: {code, message, reason, fatal}
//   s.addEventListener('servererror', ...);  an error not tied to a request
//   s.start();
//   await s.request('grant_floor', {person});  // resolves on ok, rejects on error
//
// status is one of: connecting (first attempt), joined, reconnecting (the
// connection dropped; retryAt says when the next attempt is), waiting (the
// class is not open yet; retried every 30 s), stopped (ended, kicked, left,
// or a join refusal that retrying cannot fix). Nothing reconnects after
// stopped.

const MIN_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;
const CONNECT_TIMEOUT_MS = 15000;
const REQUEST_TIMEOUT_MS = 10000;

export function socketUrl() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}/ws`;
}

export class SessionError extends Error {
    constructor(code, message) {
        super(message || code);
        this.name = 'SessionError';
        this.code = code;
    }
}

/* Why a join was refused, and whether trying again can help. */
function classifyJoinError(code, message) {
    const text = String(message || '').toLowerCase();
    switch (code) {
    case 'unauthorized':
        return { reason: 'unauthorized', fatal: true };
    case 'forbidden':
        return { reason: 'forbidden', fatal: true };
    case 'not_found':
        return { reason: 'not_found', fatal: true };
    case 'bad_request':
        return { reason: 'unauthorized', fatal: true };
    case 'conflict':
        // The server tells the two apart only in its message.
        if (text.includes('ended')) return { reason: 'class_over', fatal: true };
        if (text.includes('not started')) return { reason: 'not_started', fatal: false };
        return { reason: 'conflict', fatal: false };
    default:
        return { reason: code || 'internal', fatal: false };
    }
}

export class ClassSession extends EventTarget {
    #token;
    #url;
    #ws = null;
    #status = 'idle';
    #stopped = false;
    #everJoined = false;
    #attempt = 0;
    #retryTimer = 0;
    #retryAt = 0;
    #connectTimer = 0;
    #pingTimer = 0;
    #heartbeatMs = 10000;
    #lastHeard = 0;
    #pingSentAt = 0;
    #refSeq = 0;
    #joinRef = null;
    #pending = new Map();
    #welcome = null;

    constructor(token, url = socketUrl()) {
        super();
        this.#token = token;
        this.#url = url;
        window.addEventListener('online', () => this.#wake());
        document.addEventListener('visibilitychange', () => {
            if (document.visibilityState === 'visible') this.#wake();
        });
    }

    get status() {
        return this.#status;
    }

    get retryAt() {
        return this.#retryAt;
    }

    get joined() {
        return this.#status === 'joined';
    }

    /* The last welcome message (who I am, limits), or null. */
    get welcome() {
        return this.#welcome;
    }

    start() {
        this.#stopped = false;
        this.#connect();
    }

    /* Connects now instead of waiting for the backoff timer. */
    retryNow() {
        if (this.#stopped || this.#ws) return;
        this.#connect();
    }

    /* Sends {type, ...fields} with a ref. Resolves with the reply (ok, bye,
     * pong) or with null when the server sends none (chat, end_class answer
     * by broadcast); rejects with a SessionError on an error reply or when
     * not connected. */
    request(type, fields = {}) {
        if (!this.joined || !this.#ws) return Promise.reject(new SessionError('offline'));
        const ref = this.#nextRef();
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.#pending.delete(ref);
                resolve(null);
            }, REQUEST_TIMEOUT_MS);
            this.#pending.set(ref, { resolve, reject, timer });
            this.#send({ ...fields, type, ref });
        });
    }

    /* Leaves the class on purpose: the server closes the attendance
     * interval, then the socket. No reconnection afterwards. */
    async leave() {
        if (this.#stopped) return;
        try {
            if (this.joined) await this.request('leave');
        } catch {
            /* closing anyway */
        }
        this.#finish('left', {});
    }

    /* Stops without telling the server (page going away). */
    stop() {
        this.#stopped = true;
        this.#teardown();
        this.#setStatus('stopped', { reason: 'stopped' });
    }

    /* ---- internals ---- */

    #emit(type, detail) {
        this.dispatchEvent(new CustomEvent(type, { detail }));
    }

    #setStatus(status, extra = {}) {
        this.#status = status;
        this.#emit('status', { status, retryAt: this.#retryAt, ...extra });
    }

    #nextRef(prefix = 'r') {
        this.#refSeq += 1;
        return `${prefix}${this.#refSeq}`;
    }

    #send(message) {
        const ws = this.#ws;
        if (!ws || ws.readyState !== WebSocket.OPEN) return false;
        ws.send(JSON.stringify(message));
        return true;
    }

    #wake() {
        if (this.#stopped) return;
        if (!this.#ws) {
            this.#connect();
        } else if (this.joined) {
            // Coming back from sleep or a network change: check the line.
            this.#ping();
        }
    }

    #connect() {
        clearTimeout(this.#retryTimer);
        this.#retryTimer = 0;
        this.#retryAt = 0;
        if (this.#stopped) return;
        this.#teardown();
        if (this.#status !== 'waiting')
            this.#setStatus(this.#everJoined ? 'reconnecting' : 'connecting');
        let ws;
        try {
            ws = new WebSocket(this.#url);
        } catch {
            this.#scheduleRetry();
            return;
        }
        this.#ws = ws;
        this.#connectTimer = setTimeout(() => {
            if (ws === this.#ws && !this.joined) this.#drop();
        }, CONNECT_TIMEOUT_MS);
        ws.addEventListener('open', () => {
            if (ws !== this.#ws) return;
            this.#lastHeard = Date.now();
            this.#joinRef = this.#nextRef('join');
            this.#send({ type: 'join', token: this.#token, ref: this.#joinRef });
        });
        ws.addEventListener('message', (event) => {
            if (ws === this.#ws) this.#onMessage(event.data);
        });
        ws.addEventListener('close', (event) => {
            if (ws === this.#ws) this.#onClose(event);
        });
    }

    /* Forgets the current socket (its late events are ignored) and closes
     * it. Requests still waiting are refused as offline, or, when the class
     * is over (@over), answered with null: end_class, say, has worked. */
    #teardown(over = false) {
        clearTimeout(this.#connectTimer);
        clearInterval(this.#pingTimer);
        this.#connectTimer = 0;
        this.#pingTimer = 0;
        this.#pingSentAt = 0;
        const ws = this.#ws;
        this.#ws = null;
        if (ws && ws.readyState <= WebSocket.OPEN) {
            try {
                ws.close(1000, 'client closing');
            } catch {
                /* already closing */
            }
        }
        for (const [ref, pending] of this.#pending) {
            clearTimeout(pending.timer);
            if (over) pending.resolve(null);
            else pending.reject(new SessionError('offline'));
            this.#pending.delete(ref);
        }
    }

    /* The connection is dead or useless: drop it and try again later. */
    #drop(minDelay = 0) {
        this.#teardown();
        if (!this.#stopped) this.#scheduleRetry(minDelay);
    }

    #scheduleRetry(minDelay = 0) {
        this.#attempt += 1;
        const base = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** (this.#attempt - 1));
        const jittered = base * (0.8 + Math.random() * 0.4);
        const delay = Math.max(minDelay, Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, jittered)));
        this.#retryAt = Date.now() + delay;
        this.#retryTimer = setTimeout(() => this.#connect(), delay);
        if (this.#status === 'waiting') this.#setStatus('waiting');
        else this.#setStatus(this.#everJoined ? 'reconnecting' : 'connecting');
    }

    #ping() {
        this.#pingSentAt = Date.now();
        this.#send({ type: 'ping' });
    }

    /* Every heartbeat: if the previous ping has gone unanswered for a beat
     * and a half the connection is dead (a laptop woke up, the network
     * changed) even though the browser has not noticed; else ping again.
     * Judged per ping, so a background tab whose timers are slowed down
     * is not taken for a dead one. */
    #heartbeat() {
        const now = Date.now();
        if (this.#pingSentAt && this.#lastHeard < this.#pingSentAt &&
            now - this.#pingSentAt >= 1.5 * this.#heartbeatMs) {
            this.#drop();
            return;
        }
        if (this.#lastHeard >= this.#pingSentAt) this.#ping();
    }

    #onMessage(data) {
        let msg;
        try {
            msg = JSON.parse(data);
        } catch {
            return;
        }
        if (!msg || typeof msg !== 'object') return;
        this.#lastHeard = Date.now();
        switch (msg.type) {
        case 'welcome':
            this.#onWelcome(msg);
            break;
        case 'error':
            this.#onError(msg);
            break;
        case 'ok':
        case 'pong':
        case 'bye':
            this.#settle(msg.ref, msg);
            break;
        case 'ended':
            this.#finish('ended', msg);
            break;
        case 'kicked':
            this.#finish('kicked', msg);
            break;
        default:
            this.#emit(msg.type, msg);
        }
    }

    #onWelcome(msg) {
        clearTimeout(this.#connectTimer);
        this.#attempt = 0;
        this.#everJoined = true;
        this.#welcome = msg;
        const beat = Number(msg.limits && msg.limits.heartbeat_seconds);
        this.#heartbeatMs = beat > 0 ? beat * 1000 : 10000;
        clearInterval(this.#pingTimer);
        this.#pingTimer = setInterval(() => this.#heartbeat(), this.#heartbeatMs);
        this.#setStatus('joined');
        this.#emit('welcome', msg);
    }

    #onError(msg) {
        if (msg.ref && msg.ref === this.#joinRef) {
            this.#joinRef = null;
            const { reason, fatal } = classifyJoinError(msg.code, msg.message);
            this.#emit('joinerror', { code: msg.code, message: msg.message, reason, fatal });
            if (fatal) {
                this.#stopped = true;
                this.#teardown();
                this.#setStatus('stopped', { reason });
            } else if (reason === 'not_started') {
                this.#status = 'waiting';
                this.#drop(MAX_DELAY_MS);
            } else {
                this.#drop();
            }
            return;
        }
        const pending = msg.ref ? this.#pending.get(msg.ref) : null;
        if (pending) {
            this.#pending.delete(msg.ref);
            clearTimeout(pending.timer);
            pending.reject(new SessionError(msg.code, msg.message));
            return;
        }
        this.#emit('servererror', { code: msg.code, message: msg.message });
    }

    #settle(ref, msg) {
        const pending = ref ? this.#pending.get(ref) : null;
        if (!pending) return;
        this.#pending.delete(ref);
        clearTimeout(pending.timer);
        pending.resolve(msg);
    }

    #finish(reason, msg) {
        this.#stopped = true;
        this.#teardown(true);
        this.#setStatus('stopped', { reason });
        this.#emit(reason, msg);
    }

    #onClose(event) {
        this.#ws = null;
        this.#teardown();
        if (this.#stopped) {
            this.#setStatus('stopped', { reason: 'closed' });
            return;
        }
        this.#scheduleRetry();
        this.#emit('disconnected', { code: event.code, reason: event.reason });
    }
}
