// recording.mjs — whether the class is being recorded, for both class
// pages: the "Recording" indicator everyone sees, and the instructor's
// start/stop requests.
//
// The server (see docs/protocol.md) says so in welcome ("recording":
// {"state":"recording","recording_id":N} or {"state":"stopped"}) and
// then to everyone with {"type":"recording","state":"recording"|"stopped"|
// "failed","recording_id":N,"reason":…}. The instructor asks with
// {"type":"record","action":"start"|"stop"} and gets ok or an error
// (forbidden, conflict, unavailable; a server without recording answers
// bad_request for the unknown type).
//
//   const rec = trackRecording(session);
//   rec.addEventListener('change', () => rec.state);   // recording, stopped, failed, unknown
//   await rec.request('start');   // rejects with the server's error

export class RecordingTracker extends EventTarget {
    constructor(session) {
        super();
        this.session = session;
        this.state = 'unknown'; // until the server says: an old server never does
        this.recordingId = null;
        this.reason = null;
        this.since = null; // Date.now() when recording began, as seen here
        this.busy = false;
        session.addEventListener('welcome', (event) => {
            const rec = event.detail?.recording;
            if (rec && typeof rec === 'object') this.#set(rec.state, rec.recording_id, rec.reason);
            else if (event.detail?.session?.state === 'ended') this.#set('stopped');
        });
        session.addEventListener('recording', (event) => {
            const msg = event.detail ?? {};
            this.#set(msg.state, msg.recording_id, msg.reason);
        });
        for (const type of ['ended', 'kicked', 'left']) {
            session.addEventListener(type, () => this.#set('stopped'));
        }
    }

    get recording() {
        return this.state === 'recording';
    }

    #set(state, id = null, reason = null) {
        const next = ['recording', 'stopped', 'failed'].includes(state) ? state : 'unknown';
        if (next === this.state && (id ?? null) === this.recordingId && (reason ?? null) === this.reason) return;
        const was = this.state;
        if (next === 'recording' && was !== 'recording') this.since = Date.now();
        if (next !== 'recording') this.since = null;
        this.state = next;
        this.recordingId = id ?? null;
        this.reason = reason ?? null;
        this.dispatchEvent(new CustomEvent('change', { detail: { state: next, was, reason: this.reason } }));
    }

    /* Asks the server to start or stop. The new state arrives as a
     * "recording" message to everyone; this resolves on the server's ok. */
    async request(action) {
        if (this.busy) return null;
        this.busy = true;
        this.dispatchEvent(new CustomEvent('busy'));
        try {
            return await this.session.request('record', { action });
        } finally {
            this.busy = false;
            this.dispatchEvent(new CustomEvent('busy'));
        }
    }
}

export function trackRecording(session) {
    return new RecordingTracker(session);
}

/* "12:05" for a duration in ms. */
export function elapsed(ms) {
    const total = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    const mm = h ? String(m).padStart(2, '0') : String(m);
    return `${h ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}
