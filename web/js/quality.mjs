// quality.mjs — how good the audio and video connection is, from the
// browser's own WebRTC statistics (RTCPeerConnection.getStats()).
//
// Every couple of seconds it reads, on the PeerConnection given:
//   round-trip time  the selected ICE candidate pair's currentRoundTripTime
//                    (or, when only sending, the relay's receiver reports:
//                    remote-inbound-rtp roundTripTime);
//   packet loss      packets lost / expected since the previous reading, from
//                    inbound-rtp (packetsLost, packetsReceived) or the
//                    receiver reports' fractionLost;
//   jitter           the worst inbound-rtp (or remote-inbound-rtp) jitter;
//   frames/s         the best video framesPerSecond being decoded.
// and grades each good, fair or poor; the connection is as good as its
// worst measure. The thresholds follow what calling products (Jitsi's
// connection indicator, the ITU-T G.114 delay budget) treat as fine,
// noticeable and bad for a lecture.
//
//   const q = new QualityMonitor(() => pc);
//   q.addEventListener('sample', (e) => e.detail);   // {level, rtt, loss, jitter, fps}
//   q.start();

export const THRESHOLDS = {
    rtt: [0.15, 0.4], // seconds: good below 150 ms, poor from 400 ms
    loss: [0.02, 0.08], // fraction: good below 2 %, poor from 8 %
    jitter: [0.03, 0.08], // seconds
    fps: [15, 8], // frames/s: good from 15, poor below 8 (higher is better)
};

const RANK = { good: 0, fair: 1, poor: 2 };

function grade(value, [fair, poor], higherIsBetter = false) {
    if (value === null || value === undefined || Number.isNaN(value)) return null;
    if (higherIsBetter) return value >= fair ? 'good' : value >= poor ? 'fair' : 'poor';
    return value < fair ? 'good' : value < poor ? 'fair' : 'poor';
}

/* The level of a measurement: good, fair, poor, or unknown when nothing
 * was measured. Each measure may be null (not known). */
export function classify({ rtt = null, loss = null, jitter = null, fps = null } = {}) {
    const grades = [
        grade(rtt, THRESHOLDS.rtt),
        grade(loss, THRESHOLDS.loss),
        grade(jitter, THRESHOLDS.jitter),
        grade(fps, THRESHOLDS.fps, true),
    ].filter(Boolean);
    if (!grades.length) return 'unknown';
    return grades.reduce((worst, g) => (RANK[g] > RANK[worst] ? g : worst), 'good');
}

/* One reading of @report, with the previous reading's counters @before
 * (for loss over the interval). Returns {rtt, loss, jitter, fps, counters}. */
export function measure(report, before = null) {
    let rtt = null;
    let selectedPair = null;
    const pairs = [];
    const counters = new Map(); // inbound ssrc -> {received, lost}
    let jitter = null;
    let fps = null;
    let lost = 0;
    let expected = 0;
    let remoteLoss = null;
    let remoteRtt = null;
    for (const r of report.values()) {
        if (r.type === 'transport' && r.selectedCandidatePairId) selectedPair = r.selectedCandidatePairId;
        else if (r.type === 'candidate-pair') pairs.push(r);
        else if (r.type === 'inbound-rtp') {
            const key = `${r.kind}:${r.ssrc}`;
            const now = { received: r.packetsReceived ?? 0, lost: Math.max(0, r.packetsLost ?? 0) };
            counters.set(key, now);
            const prev = before?.get(key);
            if (prev) {
                const got = Math.max(0, now.received - prev.received);
                const missed = Math.max(0, now.lost - prev.lost);
                lost += missed;
                expected += got + missed;
            }
            if (typeof r.jitter === 'number' && now.received > 0) jitter = Math.max(jitter ?? 0, r.jitter);
            if (r.kind === 'video' && typeof r.framesPerSecond === 'number' && (r.framesDecoded ?? 0) > 0)
                fps = Math.max(fps ?? 0, r.framesPerSecond);
        } else if (r.type === 'remote-inbound-rtp') {
            if (typeof r.fractionLost === 'number') remoteLoss = Math.max(remoteLoss ?? 0, r.fractionLost);
            if (typeof r.roundTripTime === 'number') remoteRtt = Math.max(remoteRtt ?? 0, r.roundTripTime);
            if (typeof r.jitter === 'number') jitter = Math.max(jitter ?? 0, r.jitter);
        }
    }
    const pair = pairs.find((p) => p.id === selectedPair) ??
        pairs.find((p) => p.nominated && p.state === 'succeeded');
    if (pair && typeof pair.currentRoundTripTime === 'number') rtt = pair.currentRoundTripTime;
    if (rtt === null) rtt = remoteRtt;
    let loss = expected > 0 ? lost / expected : null;
    if (loss === null && remoteLoss !== null) loss = remoteLoss;
    return { rtt, loss, jitter, fps, counters };
}

/* The better of two readings' levels; unknown ones do not count. */
export function steady(level, previous) {
    if (!Object.hasOwn(RANK, level) || !Object.hasOwn(RANK, previous ?? '')) return level;
    return RANK[previous] < RANK[level] ? previous : level;
}

export class QualityMonitor extends EventTarget {
    #getPc;
    #interval;
    #timer = 0;
    #before = null;
    #pc = null;
    #last = null; // the previous reading's own level

    /* @getPc returns the PeerConnection to watch (or null); it is asked
     * at every reading, so it may change. */
    constructor(getPc, { intervalMs = 2000 } = {}) {
        super();
        this.#getPc = getPc;
        this.#interval = intervalMs;
        this.sample = { level: 'unknown', rtt: null, loss: null, jitter: null, fps: null };
    }

    start() {
        this.stop();
        this.#timer = setInterval(() => this.#read(), this.#interval);
        this.#read();
    }

    stop() {
        clearInterval(this.#timer);
        this.#timer = 0;
    }

    async #read() {
        const pc = this.#getPc();
        if (pc !== this.#pc) {
            this.#pc = pc;
            this.#before = null;
            this.#last = null;
        }
        if (!pc || pc.connectionState === 'closed') {
            this.#emit({ level: 'unknown', rtt: null, loss: null, jitter: null, fps: null, connected: false });
            return;
        }
        let report;
        try {
            report = await pc.getStats();
        } catch {
            return;
        }
        if (pc !== this.#pc) return;
        const m = measure(report, this.#before);
        this.#before = m.counters;
        const connected = pc.connectionState === 'connected';
        // Not connected (yet, or any more): a lost connection is poor
        // whatever its last numbers said.
        let level = connected ? classify(m) : 'unknown';
        if (pc.connectionState === 'failed' || pc.connectionState === 'disconnected') level = 'poor';
        // One bad reading (a busy moment) does not flip the indicator: it
        // shows the better of the last two, so it gets worse after two bad
        // readings in a row and better at once.
        const shown = steady(level, this.#last);
        this.#last = level;
        this.#emit({ level: shown, rtt: m.rtt, loss: m.loss, jitter: m.jitter, fps: m.fps, connected });
    }

    #emit(sample) {
        this.sample = sample;
        this.dispatchEvent(new CustomEvent('sample', { detail: sample }));
    }
}
