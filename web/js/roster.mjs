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
    }

    applyWelcome(msg) {
        this.me = msg.you ?? null;
        this.session = msg.session ?? null;
        this.limits = msg.limits ?? {};
        this.members = new Map();
        for (const entry of msg.roster ?? []) this.members.set(entry.person, entry);
        this.hands = [...(this.session?.hands ?? [])];
        this.floor = [...(this.session?.floor ?? [])];
    }

    /* A roster event: {event, person, by, hands, floor, entry?}. The
     * queue and floor it carries are the whole truth after the event. */
    applyEvent(msg) {
        if (msg.entry && msg.event !== 'left') this.members.set(msg.entry.person, msg.entry);
        if (msg.event === 'left') this.members.delete(msg.person);
        if (Array.isArray(msg.hands)) this.hands = [...msg.hands];
        if (Array.isArray(msg.floor)) this.floor = [...msg.floor];
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
        for (const m of this.members.values()) if (m.role === 'trainee') trainees += 1;
        return { trainees, people: this.members.size, hands: this.hands.length, floor: this.floor.length };
    }
}

/* ---- pieces of page ---- */

export function avatar(person, name) {
    return el('span', {
        class: 'avatar', 'aria-hidden': 'true', style: `--hue: ${hueOf(person)}`,
    }, initials(name));
}

/* One person: avatar, name (and "you"), organisation, badges. @actions
 * are extra controls at the end of the row. */
export function personRow(model, m, actions = []) {
    const badges = [];
    if (m.role === 'instructor') badges.push(el('span', { class: 'badge badge-role' }, t('role.instructor')));
    if (model.hasFloor(m.person)) badges.push(el('span', { class: 'badge badge-floor' }, t('roster.badge_floor')));
    if (model.hasHand(m.person)) badges.push(el('span', { class: 'badge badge-hand' }, t('roster.badge_hand')));
    if ((m.connections ?? 1) > 1)
        badges.push(el('span', { class: 'badge badge-muted' }, t('roster.devices', { count: m.connections })));
    return el('li', { class: `person${model.isMe(m.person) ? ' is-me' : ''}` },
        avatar(m.person, m.name),
        el('div', { class: 'person-main' },
            el('div', { class: 'person-name' },
                el('span', { class: 'name' }, m.name ?? m.person),
                model.isMe(m.person) ? el('span', { class: 'you' }, ` (${t('common.you')})`) : null),
            m.org ? el('div', { class: 'person-org' }, m.org) : null,
            badges.length ? el('div', { class: 'badges' }, badges) : null),
        actions.length ? el('div', { class: 'person-actions' }, actions) : null);
}

export function renderRoster(model, list, lang, actionsFor = () => []) {
    keepFocus(list, () => {
        const people = model.sorted(lang);
        list.replaceChildren(...people.map((m) => personRow(model, m, actionsFor(m))));
        if (!people.length) list.append(el('li', { class: 'empty' }, t('roster.empty')));
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
