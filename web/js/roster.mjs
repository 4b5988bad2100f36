// roster.mjs — the class as the server describes it (welcome, then roster
// events), and the pieces of page the instructor and trainee share:
// session header, roster list, chat, connection status and the
// end-of-class panels.

import { el, formatRange, formatTime, hueOf, initials, keepFocus, toast } from './dom.mjs';
import { describeError } from './api.mjs';
import { t } from './i18n.mjs';

export class ClassModel {
    constructor() {
        this.me = null; // {person, name, org, role}
        this.session = null; // session info from welcome
        this.members = new Map(); // person -> roster entry
        this.hands = []; // persons, in the order raised
        this.floor = []; // persons, in the order granted
        this.limits = {};
        // Trainees whose last connection closed a moment ago: person ->
        // {entry, since}. Shown as reconnecting until they come back or
        // the attendance grace (reconnect_grace_seconds) runs out.
        this.away = new Map();
        this.graceMs = 120_000;
        // Whether media reaches each person: person -> {receiving, sending}.
        // From the roster entry's "media" when the server sends it, else
        // from the attendance report (class.mjs).
        this.media = new Map();
        this.serverMedia = false; // the server's roster entries carry "media"
    }

    applyWelcome(msg) {
        this.me = msg.you ?? null;
        this.session = msg.session ?? null;
        this.limits = msg.limits ?? {};
        this.members = new Map();
        for (const entry of msg.roster ?? []) {
            this.members.set(entry.person, entry);
            this.away.delete(entry.person);
            this.#mediaFrom(entry);
        }
        this.hands = [...(this.session?.hands ?? [])];
        this.floor = [...(this.session?.floor ?? [])];
    }

    /* A roster event: {event, person, by, hands, floor, entry?}. The
     * queue and floor it carries are the whole truth after the event. */
    applyEvent(msg) {
        if (msg.entry && msg.event !== 'left') {
            this.members.set(msg.entry.person, msg.entry);
            this.away.delete(msg.entry.person);
            this.#mediaFrom(msg.entry);
        }
        if (msg.event === 'left') {
            const gone = this.members.get(msg.person);
            this.members.delete(msg.person);
            this.media.delete(msg.person);
            // Someone who chose to leave, closed the page or was removed
            // (when the server says why) is not coming back on their own.
            const chose = ['leave', 'closed', 'kicked', 'ended'].includes(msg.reason);
            if (gone && gone.role === 'trainee' && !chose)
                this.away.set(msg.person, { entry: gone, since: Date.now() });
        }
        if (Array.isArray(msg.hands)) this.hands = [...msg.hands];
        if (Array.isArray(msg.floor)) this.floor = [...msg.floor];
    }

    /* The server's own media state, when its roster entries carry one. */
    #mediaFrom(entry) {
        if (entry.media && typeof entry.media === 'object') {
            this.serverMedia = true;
            this.media.set(entry.person, {
                receiving: Boolean(entry.media.receiving), sending: Boolean(entry.media.sending),
            });
        }
    }

    /* Forgets people away for longer than the grace; true if any went. */
    pruneAway(now = Date.now()) {
        let changed = false;
        for (const [person, a] of this.away) {
            if (now - a.since >= this.graceMs) {
                this.away.delete(person);
                changed = true;
            }
        }
        return changed;
    }

    /* connected, receiving (media reaches them), reconnecting, or null. */
    connectionState(person) {
        if (this.away.has(person)) return 'reconnecting';
        if (!this.members.has(person)) return null;
        const media = this.media.get(person);
        if (media && (media.receiving || media.sending)) return 'receiving';
        return 'connected';
    }

    applyEnded(msg) {
        if (msg.session) this.session = { ...this.session, ...msg.session };
        if (this.session) this.session.state = 'ended';
    }

    nameOf(person) {
        return this.members.get(person)?.name ?? person;
    }

    hasHand(person) {
        return this.hands.includes(person);
    }

    hasFloor(person) {
        return this.floor.includes(person);
    }

    isMe(person) {
        return this.me !== null && this.me.person === person;
    }

    instructorPresent() {
        for (const m of this.members.values()) if (m.role === 'instructor') return true;
        return false;
    }

    /* Instructors first, then whoever holds the floor, raised hands in
     * queue order, then everyone else by name. */
    sorted(lang) {
        const rank = (m) => {
            if (m.role === 'instructor') return [0, 0];
            const floor = this.floor.indexOf(m.person);
            if (floor >= 0) return [1, floor];
            const hand = this.hands.indexOf(m.person);
            if (hand >= 0) return [2, hand];
            return [3, 0];
        };
        const collator = new Intl.Collator(lang);
        return [...this.members.values()].sort((a, b) => {
            const [ra, ia] = rank(a);
            const [rb, ib] = rank(b);
            return ra - rb || ia - ib || collator.compare(a.name ?? '', b.name ?? '');
        });
    }

    counts() {
        let trainees = 0;
        let receiving = 0;
        for (const m of this.members.values()) {
            if (m.role !== 'trainee') continue;
            trainees += 1;
            if (this.connectionState(m.person) === 'receiving') receiving += 1;
        }
        return {
            trainees, receiving, reconnecting: this.away.size, people: this.members.size,
            hands: this.hands.length, floor: this.floor.length,
        };
    }
}

/* ---- pieces of page ---- */

export function avatar(person, name) {
    return el('span', {
        class: 'avatar', 'aria-hidden': 'true', style: `--hue: ${hueOf(person)}`,
    }, initials(name));
}

/* One person: avatar, name (and "you"), organisation, badges. @actions
 * are extra controls at the end of the row. With @states, trainees also
 * show how they are connected (connected, receiving media, reconnecting). */
export function personRow(model, m, actions = [], states = false) {
    const badges = [];
    const state = states && m.role === 'trainee' ? model.connectionState(m.person) : null;
    if (state) {
        badges.push(el('span', { class: `badge conn-state conn-${state}`, dataset: { state } },
            el('span', { class: 'conn-dot', 'aria-hidden': 'true' }), t(`conn.${state}`)));
    }
    if (m.role === 'instructor') badges.push(el('span', { class: 'badge badge-role' }, t('role.instructor')));
    if (model.hasFloor(m.person)) badges.push(el('span', { class: 'badge badge-floor' }, t('roster.badge_floor')));
    if (model.hasHand(m.person)) badges.push(el('span', { class: 'badge badge-hand' }, t('roster.badge_hand')));
    if ((m.connections ?? 1) > 1)
        badges.push(el('span', { class: 'badge badge-muted' }, t('roster.devices', { count: m.connections })));
    return el('li', {
        class: `person${model.isMe(m.person) ? ' is-me' : ''}${state === 'reconnecting' ? ' is-away' : ''}`,
        dataset: { person: m.person },
    },
        avatar(m.person, m.name),
        el('div', { class: 'person-main' },
            el('div', { class: 'person-name' },
                el('span', { class: 'name' }, m.name ?? m.person),
                model.isMe(m.person) ? el('span', { class: 'you' }, ` (${t('common.you')})`) : null),
            m.org ? el('div', { class: 'person-org' }, m.org) : null,
            badges.length ? el('div', { class: 'badges' }, badges) : null),
        actions.length ? el('div', { class: 'person-actions' }, actions) : null);
}

export function renderRoster(model, list, lang, actionsFor = () => [], { states = false } = {}) {
    keepFocus(list, () => {
        const people = model.sorted(lang);
        const rows = people.map((m) => personRow(model, m, actionsFor(m), states));
        // Those reconnecting stay listed (at the end) so the instructor
        // sees who dropped out.
        if (states) {
            for (const { entry } of model.away.values()) rows.push(personRow(model, entry, [], true));
        }
        list.replaceChildren(...rows);
        if (!rows.length) list.append(el('li', { class: 'empty' }, t('roster.empty')));
    }, list.closest('section')?.querySelector('h2'));
}

/* Title, course, time, state. */
export function renderSessionHeader(model) {
    const s = model.session ?? {};
    const title = document.getElementById('session-title');
    const course = document.getElementById('session-course');
    const time = document.getElementById('session-time');
    const state = document.getElementById('session-state');
    if (title) title.textContent = s.title || t('session.untitled');
    if (course) {
        course.textContent = [s.course_code, s.course_title].filter(Boolean).join(' · ');
        course.hidden = !course.textContent;
    }
    if (time) time.textContent = s.scheduled_start ? formatRange(s.scheduled_start, s.scheduled_end) : '';
    if (state) {
        // The server does not announce the scheduled -> live change to
        // those already in the room; an instructor joining is that change.
        let value = s.state || 'scheduled';
        if (value === 'scheduled' && model.instructorPresent()) value = 'live';
        state.textContent = t(`state.${value}`);
        state.className = `badge state state-${value}`;
        state.hidden = !s.state;
    }
}

export function renderCounts(model) {
    const c = model.counts();
    const set = (id, value) => {
        const node = document.getElementById(id);
        if (node) node.textContent = String(value);
    };
    set('stat-present', c.trainees);
    set('stat-media', c.receiving);
    set('stat-hands', c.hands);
    set('stat-floor', c.floor);
}

/* ---- chat ---- */

export function setupChat(session, model) {
    const log = document.getElementById('chat-log');
    const form = document.getElementById('chat-form');
    const input = document.getElementById('chat-input');
    const button = form.querySelector('button[type="submit"]');
    const empty = el('p', { class: 'empty chat-empty' });
    const renderEmpty = () => {
        empty.textContent = t('chat.empty');
        empty.hidden = log.querySelector('.chat-msg') !== null;
    };
    log.append(empty);
    renderEmpty();

    session.addEventListener('chat', (event) => {
        const msg = event.detail;
        const mine = model.isMe(msg.person);
        const stickToBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
        log.append(el('div', { class: `chat-msg${mine ? ' is-me' : ''}` },
            el('div', { class: 'chat-meta' },
                el('span', { class: 'chat-name' }, msg.name ?? msg.person),
                el('time', { class: 'chat-time', datetime: msg.at }, formatTime(msg.at))),
            el('div', { class: 'chat-text' }, msg.text ?? '')));
        renderEmpty();
        if (stickToBottom || mine) log.scrollTop = log.scrollHeight;
    });

    const setEnabled = () => {
        const on = session.joined;
        input.disabled = !on;
        button.disabled = !on;
        const max = Number(model.limits.chat_max_chars) || 2000;
        input.maxLength = max;
    };
    session.addEventListener('status', setEnabled);
    setEnabled();

    form.addEventListener('submit', (event) => {
        event.preventDefault();
        const text = input.value.trim();
        if (!text) return;
        const max = Number(model.limits.chat_max_chars) || 2000;
        if (Array.from(text).length > max) {
            toast(t('chat.too_long', { max }), 'error');
            return;
        }
        input.value = '';
        input.focus();
        // Success shows as the message coming back to everyone; the server
        // answers only errors.
        session.request('chat', { text }).catch((err) => {
            if (!input.value) input.value = text;
            toast(err.code === 'offline' ? t('chat.offline') : describeError(err), 'error');
        });
    });
    return { rerender: renderEmpty };
}

/* ---- connection status ---- */

/* Keeps the status pill in the top bar and the "Reconnecting…" banner up
 * to date, with a countdown to the next attempt and a "Try now" button.
 * Neither is a live region (the countdown would be read out every
 * second); #sr-status announces each change of state once. */
export function setupStatus(session) {
    const pill = document.getElementById('conn-status');
    const banner = document.getElementById('conn-banner');
    const bannerText = banner?.querySelector('.conn-banner-text');
    const retry = banner?.querySelector('button');
    const announcer = document.getElementById('sr-status');
    let ticker = 0;
    let announced = null;
    retry?.addEventListener('click', () => session.retryNow());

    const render = () => {
        const status = session.status;
        const seconds = session.retryAt ? Math.max(0, Math.ceil((session.retryAt - Date.now()) / 1000)) : 0;
        const label = status === 'idle' ? t('status.connecting') : t(`status.${status}`);
        if (pill) {
            pill.textContent = status === 'reconnecting' && seconds > 0
                ? t('status.reconnecting_in', { seconds })
                : label;
            pill.className = `pill pill-${status}`;
        }
        if (banner) {
            banner.hidden = status !== 'reconnecting';
            if (bannerText) {
                bannerText.textContent = seconds > 0
                    ? t('status.offline_banner_in', { seconds })
                    : t('status.offline_banner');
            }
            if (retry) retry.hidden = !(seconds > 0);
        }
        if (announcer && announced !== status && status !== 'idle' && status !== 'stopped') {
            announced = status;
            announcer.textContent = status === 'reconnecting' ? t('status.offline_banner') : label;
        }
        clearInterval(ticker);
        if (status === 'reconnecting' || status === 'waiting') ticker = setInterval(render, 1000);
    };
    session.addEventListener('status', render);
    render();
    return { rerender: render };
}

/* ---- end-of-class and refusal panels ---- */

const END_TEXTS = {
    ended: ['end.ended_title', 'end.ended_text', 'ended'],
    kicked: ['end.kicked_title', 'end.kicked_text', 'removed'],
    left: ['end.left_title', 'end.left_text', 'left'],
    unauthorized: ['end.unauthorized_title', 'end.unauthorized_text', 'error'],
    invalid: ['end.invalid_title', 'end.invalid_text', 'error'],
    expired: ['end.expired_title', 'end.expired_text', 'error'],
    not_yet_valid: ['end.not_yet_valid_title', 'end.not_yet_valid_text', 'waiting'],
    forbidden: ['end.forbidden_title', 'end.forbidden_text', 'removed'],
    not_started: ['end.not_started_title', 'end.not_started_text', 'waiting'],
    class_over: ['end.class_over_title', 'end.class_over_text', 'ended'],
    not_found: ['end.not_found_title', 'end.not_found_text', 'error'],
};

/* Fills @panel (a section with .end-title, .end-text, .end-extra) for
 * @reason and shows it; @title and @text (keys) replace the usual words. */
export function showEndPanel(panel, reason, { extra = [], detail = '', title = null, text = null } = {}) {
    const [titleKey, textKey, tone] = END_TEXTS[reason] ?? ['end.unauthorized_title', 'end.detail', 'error'];
    panel.dataset.tone = tone;
    panel.querySelector('.end-title').textContent = t(title ?? titleKey);
    panel.querySelector('.end-text').textContent = t(text ?? textKey, { message: detail });
    const more = panel.querySelector('.end-extra');
    more.replaceChildren(...extra);
    panel.hidden = false;
}

/* ---- why a token was refused ---- */

/* The claims of a JWT, read without checking anything (the server does
 * that): only to tell a person why their link did not work. */
export function peekClaims(token) {
    try {
        const part = String(token).split('.')[1];
        const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
        const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
        const claims = JSON.parse(new TextDecoder().decode(bytes));
        return claims && typeof claims === 'object' ? claims : null;
    } catch {
        return null;
    }
}

/* expired, not_yet_valid or invalid, for a token the server refused with
 * unauthorized: from its message ("token expired", "token not yet
 * valid"), else from the token's own exp and nbf. */
export function tokenProblem(token, message = '') {
    const text = String(message).toLowerCase();
    if (text.includes('expired')) return 'expired';
    if (text.includes('not yet valid')) return 'not_yet_valid';
    if (text.includes('signature') || text.includes('malformed') || text.includes('unsupported')) return 'invalid';
    const claims = peekClaims(token);
    const now = Date.now() / 1000;
    if (claims && typeof claims.exp === 'number' && claims.exp < now) return 'expired';
    if (claims && typeof claims.nbf === 'number' && claims.nbf > now) return 'not_yet_valid';
    return 'invalid';
}

/* ---- connection quality (quality.mjs) ---- */

/* Fills @node (a .quality element) from a QualityMonitor sample: bars,
 * a word (good, fair, poor) and the numbers for those who want them. */
export function renderQuality(node, sample) {
    if (!node) return;
    const level = sample?.level ?? 'unknown';
    const ms = (s) => `${Math.round(s * 1000)} ms`;
    const parts = [];
    if (sample?.rtt !== null && sample?.rtt !== undefined) parts.push(t('quality.rtt', { value: ms(sample.rtt) }));
    if (sample?.loss !== null && sample?.loss !== undefined)
        parts.push(t('quality.loss', { value: `${(sample.loss * 100).toFixed(sample.loss < 0.1 ? 1 : 0)} %` }));
    if (sample?.jitter !== null && sample?.jitter !== undefined) parts.push(t('quality.jitter', { value: ms(sample.jitter) }));
    if (sample?.fps !== null && sample?.fps !== undefined) parts.push(t('quality.fps', { value: Math.round(sample.fps) }));
    const word = t(`quality.${level}`);
    const detail = parts.join(t('common.list_sep'));
    node.dataset.level = level;
    const text = node.querySelector('.quality-text');
    if (text && text.textContent !== word) text.textContent = word;
    const label = detail ? `${t('quality.label')}: ${word} (${detail})` : `${t('quality.label')}: ${word}`;
    node.setAttribute('aria-label', label);
    node.title = label;
}

/* Shows the quality indicator only while joined: while reconnecting the
 * status pill says more, and old numbers would mislead. */
export function bindQuality(node, session, monitor) {
    const update = () => {
        node.hidden = !session.joined;
        if (!session.joined) renderQuality(node, { level: 'unknown' });
    };
    session.addEventListener('status', update);
    monitor.addEventListener('sample', (event) => {
        if (session.joined) renderQuality(node, event.detail);
    });
    update();
}
