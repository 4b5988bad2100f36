// coordinator.mjs — the coordinator's desk (/coordinator?token=…):
// courses and sessions, a session's attendance (table, timeline, CSV),
// course totals, recordings (coordinator-recordings.mjs) and the live
// view of a running class (coordinator-live.mjs). Only a coordinator token
// opens it; any other token is refused with a message saying whose link
// it is and a way to that person's own page.

import { createApi, describeError, pageFor, tokenFromUrl } from './api.mjs';
import { $, el, formatDateTime, formatNumber, formatRange, formatTime, initPage, toast } from './dom.mjs';
import { mountEntryForm } from './entry.mjs';
import { t } from './i18n.mjs';
import { showEndPanel } from './roster.mjs';
import { createLivePanel } from './coordinator-live.mjs';
import { createRecordingsPanel } from './coordinator-recordings.mjs';
import { formatDuration, mountTimeline } from './timeline.mjs';

const token = tokenFromUrl();
const api = token ? createApi(token) : null;

const state = {
    me: null,
    courses: [],
    sessions: [],
    course: null, // id of the course whose sessions are listed, or null for all
    session: null, // id of the selected session
    report: null, // its attendance report
    totals: null, // its course's totals
    reportError: null,
    loadingReport: false,
    refusal: null, // {reason, me} when the token cannot open the desk
};

let live = null;
let recordings = null;
let stopTimeline = () => {};

initPage(() => renderAll());

if (!token) {
    $('#entry-panel').hidden = false;
    mountEntryForm($('#entry-form'));
} else {
    boot();
}

async function boot() {
    try {
        state.me = await api.get('/api/me');
        if (state.me.role !== 'coordinator') {
            refuse({ reason: 'role', me: state.me });
            return;
        }
    } catch (err) {
        if (err.code === 'unauthorized' || err.code === 'forbidden') {
            refuse({ reason: 'unauthorized', detail: err.message });
            return;
        }
        toast(describeError(err), 'error');
    }
    $('#coord').hidden = false;
    live = createLivePanel({
        api, card: $('#live-card'), body: $('#live-body'), status: $('#live-status'),
        onEnded: async () => {
            await loadSessions();
            loadReport();
            const session = selectedSession();
            if (session) live.show({ id: session.id, state: session.state });
        },
    });
    recordings = createRecordingsPanel({
        api, body: $('#recordings-body'), refresh: $('#recordings-refresh'),
        sessionTitle: () => selectedSession()?.title || t('session.untitled'),
    });
    wireForms();
    await Promise.all([loadCourses(), loadSessions()]);
    // Open on the class running now, if there is one.
    const running = state.sessions.find((s) => s.state === 'live');
    if (running && state.session === null) pickSession(running.id, false);
}

/* A token that cannot open the desk: an invalid or expired one, or a
 * trainee's or instructor's (the API would refuse each request with 403;
 * saying so up front is clearer, and the person gets a way to their own
 * page instead of a desk full of errors). */
function refuse(refusal) {
    state.refusal = refusal;
    $('#coord').hidden = true;
    renderRefusal();
    $('#end-panel').focus();
}

function renderRefusal() {
    const refusal = state.refusal;
    if (!refusal) return;
    if (refusal.reason === 'unauthorized') {
        // The server's reason tells an expired link from a damaged one.
        const extra = refusal.detail ? [el('p', { class: 'help' }, t('end.detail', { message: refusal.detail }))] : [];
        showEndPanel($('#end-panel'), 'unauthorized', { text: 'desk.unauthorized_text', extra });
        return;
    }
    const role = refusal.me.role;
    const page = pageFor(refusal.me, token);
    const extra = [];
    if (page) extra.push(el('a', { class: 'btn btn-primary', href: page }, t(`desk.open_own_${role}`)));
    showEndPanel($('#end-panel'), 'unauthorized', {
        title: 'desk.refused_title',
        text: role === 'trainee' || role === 'instructor' ? `desk.refused_${role}` : 'desk.refused_other',
        extra,
    });
}

function selectedSession() {
    return state.sessions.find((s) => s.id === state.session) ?? state.report?.session ?? null;
}

/* ---- loading ---- */

async function loadCourses() {
    try {
        const reply = await api.get('/api/courses');
        state.courses = reply.courses ?? [];
    } catch (err) {
        toast(describeError(err), 'error');
    }
    renderAll();
}

async function loadSessions() {
    try {
        const reply = await api.get('/api/sessions');
        state.sessions = reply.sessions ?? [];
    } catch (err) {
        toast(describeError(err), 'error');
    }
    renderAll();
}

async function loadReport() {
    const id = state.session;
    if (!id) return;
    const session = state.sessions.find((s) => s.id === id);
    state.loadingReport = true;
    state.reportError = null;
    renderReport();
    try {
        const [report, totals] = await Promise.all([
            api.get(`/api/sessions/${id}/attendance`),
            session ? api.get(`/api/courses/${session.course_id}/attendance`) : Promise.resolve(null),
        ]);
        if (state.session !== id) return; // another session was picked meanwhile
        state.report = report;
        state.totals = totals;
    } catch (err) {
        if (state.session !== id) return;
        state.report = null;
        state.totals = null;
        state.reportError = describeError(err);
    }
    state.loadingReport = false;
    renderReport();
}

/* ---- rendering ---- */

function renderAll() {
    if (state.refusal) {
        renderRefusal();
        return;
    }
    const who = $('#whoami');
    if (state.me) who.textContent = t('coord.signed_in_as', { name: state.me.name });
    live?.rerender();
    recordings?.rerender();
    renderCourses();
    renderSessions();
    renderCourseSelect();
    renderReport();
}

function courseById(id) {
    return state.courses.find((c) => c.id === id) ?? null;
}

function courseMeta(course) {
    return t('coord.course_meta', {
        category: t(`category.${course.category}`),
        delivery: t(`delivery.${course.delivery}`),
        hours: formatNumber(course.credit_hours, 2),
    });
}

function countSessions(courseId) {
    return state.sessions.filter((s) => s.course_id === courseId).length;
}

function renderCourses() {
    const list = $('#course-list');
    const focusKey = list.contains(document.activeElement) ? document.activeElement.dataset.focusKey : null;
    const items = [el('li', {},
        el('button', {
            type: 'button', class: 'pick', 'aria-pressed': String(state.course === null),
            dataset: { focusKey: 'course:all' },
            onclick: () => pickCourse(null),
        }, el('span', { class: 'pick-title' }, t('coord.all_courses')),
        el('span', { class: 'pick-meta' }, t('coord.sessions_in_course', { count: state.sessions.length }))))];
    for (const course of state.courses) {
        items.push(el('li', {},
            el('button', {
                type: 'button', class: 'pick', 'aria-pressed': String(state.course === course.id),
                dataset: { focusKey: `course:${course.id}` },
                onclick: () => pickCourse(course.id),
            },
            el('span', { class: 'pick-title' },
                el('span', { class: 'code' }, course.code), ' ', course.title),
            el('span', { class: 'pick-meta' },
                `${courseMeta(course)} · ${t('coord.sessions_in_course', { count: countSessions(course.id) })}`))));
    }
    list.replaceChildren(...items);
    if (!state.courses.length) list.append(el('li', { class: 'empty' }, t('coord.no_courses')));
    if (focusKey) list.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`)?.focus();
}

function sessionBadge(s) {
    const value = s.state || 'scheduled';
    return el('span', { class: `badge state state-${value}` }, t(`state.${value}`));
}

function renderSessions() {
    const list = $('#session-list');
    const focusKey = list.contains(document.activeElement) ? document.activeElement.dataset.focusKey : null;
    const shown = state.sessions
        .filter((s) => state.course === null || s.course_id === state.course)
        .sort((a, b) => String(b.scheduled_start).localeCompare(String(a.scheduled_start)));
    list.replaceChildren(...shown.map((s) => el('li', {},
        el('button', {
            type: 'button', class: 'pick', 'aria-pressed': String(state.session === s.id),
            dataset: { focusKey: `session:${s.id}` },
            onclick: () => pickSession(s.id),
        },
        el('span', { class: 'pick-title' }, s.title || t('session.untitled'), ' ', sessionBadge(s)),
        el('span', { class: 'pick-meta' },
            [s.course_code, formatRange(s.scheduled_start, s.scheduled_end)].filter(Boolean).join(' · '))))));
    if (!shown.length) list.append(el('li', { class: 'empty' }, t('coord.no_sessions')));
    if (focusKey) list.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`)?.focus();
}

function renderCourseSelect() {
    const select = $('#session-course-select');
    const previous = select.value;
    select.replaceChildren(...state.courses.map((c) =>
        el('option', { value: c.id }, `${c.code} — ${c.title}`)));
    const wanted = previous || (state.course !== null ? String(state.course) : '');
    if (wanted && state.courses.some((c) => String(c.id) === wanted)) select.value = wanted;
}

function table(caption, columns, rows) {
    const head = el('tr', {}, columns.map((c) => el('th', { scope: 'col', class: c.numeric ? 'num' : null }, c.label)));
    const body = rows.map((row) => el('tr', {}, columns.map((c, i) => {
        const value = c.value(row);
        return i === 0
            ? el('th', { scope: 'row' }, value)
            : el('td', { class: c.numeric ? 'num' : c.nowrap ? 'nowrap' : null }, value);
    })));
    return el('div', {
        class: 'table-wrap', role: 'region', tabindex: '0',
        'aria-label': t('coord.table_scroll', { name: caption }),
    }, el('table', { class: 'data' },
        el('caption', { class: 'visually-hidden' }, caption),
        el('thead', {}, head),
        el('tbody', {}, body)));
}

/* A time on the session's own day needs no date; the full date and time
 * stay in the tooltip and for assistive technology via <time>. */
function when(value, session) {
    if (!value) return t('common.none');
    const day = (v) => new Date(v).toDateString();
    const sameDay = session?.scheduled_start && day(value) === day(session.scheduled_start);
    return el('time', { datetime: value, title: formatDateTime(value) },
        sameDay ? formatTime(value) : formatDateTime(value));
}

/* A duration cell: readable words, the exact seconds for the curious. */
function duration(seconds) {
    if (seconds === null || seconds === undefined) return t('common.none');
    return el('span', { title: t('desk.seconds', { n: formatNumber(seconds) }) }, formatDuration(seconds));
}

function yesNo(value) {
    return el('span', { class: `badge ${value ? 'badge-yes' : 'badge-no'}` }, value ? t('common.yes') : t('common.no'));
}

function renderReport() {
    const body = $('#attendance-body');
    const actions = $('#attendance-actions');
    const title = $('#attendance-title');
    const courseLine = $('#attendance-course');
    const meta = $('#attendance-meta');
    const session = state.sessions.find((s) => s.id === state.session) ?? state.report?.session;
    actions.hidden = !state.session;
    if (!state.session) {
        title.textContent = t('coord.attendance');
        courseLine.textContent = '';
        meta.textContent = '';
        body.replaceChildren(el('p', { class: 'empty' }, t('coord.select_session')));
        $('#totals-card').hidden = true;
        renderTimeline();
        return;
    }
    title.textContent = `${t('coord.attendance')} — ${session?.title || t('session.untitled')}`;
    courseLine.textContent = [session?.course_code, session?.course_title].filter(Boolean).join(' · ');
    meta.textContent = session ? formatRange(session.scheduled_start, session.scheduled_end) : '';
    if (state.loadingReport && !state.report) {
        body.replaceChildren(el('p', { class: 'empty' }, t('common.loading')));
        return;
    }
    if (state.reportError) {
        body.replaceChildren(el('p', { class: 'form-message is-error' }, state.reportError));
        $('#totals-card').hidden = true;
        renderTimeline();
        return;
    }
    const report = state.report;
    if (!report) return;
    const rules = report.rules ?? {};
    const summary = el('p', { class: 'help report-rules' },
        t('coord.rules', {
            percent: formatNumber((rules.completion_threshold ?? 0) * 100),
            minutes: formatNumber(Math.round((rules.scheduled_seconds ?? 0) / 60)),
            grace: formatNumber(Math.round((rules.reconnect_grace_seconds ?? 0) / 60), 1),
        }), el('br'), t('coord.generated', { time: formatDateTime(report.generated_at) }));
    const rows = report.rows ?? [];
    const columns = [
        {
            // The organisation under the name: one column fewer, so the
            // table fits beside the session list on a 1280-pixel screen.
            label: t('coord.col_name'),
            value: (r) => [r.name, r.role && r.role !== 'trainee'
                ? el('span', { class: 'badge badge-role' }, t(`role.${r.role}`)) : null,
            r.org ? el('span', { class: 'cell-sub' }, r.org) : null],
        },
        { label: t('coord.col_modes'), value: (r) => (r.modes ?? []).map((m) => t(`mode.${m}`)).join(t('common.list_sep')) || t('common.none') },
        { label: t('coord.col_first'), nowrap: true, value: (r) => when(r.first_arrival, session) },
        { label: t('coord.col_last'), nowrap: true, value: (r) => when(r.last_departure, session) },
        { label: t('desk.col_credited'), numeric: true, value: (r) => duration(r.credited_seconds) },
        { label: t('desk.col_media'), numeric: true, value: (r) => duration(r.media_seconds) },
        { label: t('coord.col_completed'), nowrap: true, value: (r) => yesNo(r.completed) },
        { label: t('desk.col_late'), numeric: true, value: (r) => duration(r.late_seconds) },
        { label: t('coord.col_intervals'), numeric: true, value: (r) => formatNumber((r.intervals ?? []).length) },
    ];
    body.replaceChildren(summary, rows.length
        ? table(t('coord.attendance'), columns, rows)
        : el('p', { class: 'empty' }, t('coord.no_attendance')));
    renderTimeline();
    renderTotals();
}

function renderTimeline() {
    const card = $('#timeline-card');
    stopTimeline();
    stopTimeline = () => {};
    card.hidden = !state.report || state.reportError !== null || !state.session;
    if (card.hidden) return;
    stopTimeline = mountTimeline($('#timeline-body'), state.report);
}

function renderTotals() {
    const card = $('#totals-card');
    const totals = state.totals;
    if (!totals) {
        card.hidden = true;
        return;
    }
    card.hidden = false;
    const c = totals.course ?? {};
    $('#totals-title').textContent = t('coord.course_totals_for', { code: c.code ?? '' });
    $('#totals-meta').textContent = [c.title, c.category ? courseMeta(c) : null,
        t('coord.sessions_in_course', { count: c.sessions ?? 0 })].filter(Boolean).join(' · ');
    const rows = totals.rows ?? [];
    const columns = [
        { label: t('coord.col_name'), value: (r) => r.name },
        { label: t('coord.col_org'), value: (r) => r.org || t('common.none') },
        { label: t('coord.col_attended'), numeric: true, value: (r) => `${formatNumber(r.sessions_attended)} / ${formatNumber(r.sessions_total)}` },
        { label: t('coord.col_sessions_completed'), numeric: true, value: (r) => `${formatNumber(r.sessions_completed)} / ${formatNumber(r.sessions_total)}` },
        { label: t('coord.col_hours'), numeric: true, value: (r) => formatNumber(r.credited_hours, 2) },
        { label: t('coord.col_earned'), numeric: true, value: (r) => formatNumber(r.credit_hours_earned, 2) },
    ];
    $('#totals-body').replaceChildren(rows.length
        ? table(t('coord.course_totals'), columns, rows)
        : el('p', { class: 'empty' }, t('coord.no_course_rows')));
}

/* ---- choosing ---- */

function pickCourse(id) {
    state.course = id;
    renderCourses();
    renderSessions();
    renderCourseSelect();
}

function pickSession(id, scroll = true) {
    state.session = id;
    state.report = null;
    state.totals = null;
    renderSessions();
    loadReport();
    const session = state.sessions.find((s) => s.id === id);
    live.show({ id, state: session?.state ?? 'scheduled' });
    $('#recordings-card').hidden = false;
    recordings.show(id);
    // On a phone the report is below the lists: take the reader there.
    if (scroll && window.matchMedia('(max-width: 900px)').matches)
        $('#attendance-card').scrollIntoView({ behavior: 'smooth', block: 'start' });
}

/* ---- forms ---- */

/* datetime-local gives local wall time without an offset; the API wants
 * RFC 3339. The offset is the one in force at that moment (so a date
 * across a daylight-saving change gets its own). */
export function toRfc3339(value) {
    const date = new Date(value);
    if (!value || Number.isNaN(date.getTime())) return null;
    const pad = (n) => String(Math.trunc(n)).padStart(2, '0');
    const offset = -date.getTimezoneOffset();
    const sign = offset >= 0 ? '+' : '-';
    const abs = Math.abs(offset);
    return `${String(date.getFullYear()).padStart(4, '0')}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
        `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
        `${sign}${pad(abs / 60)}:${pad(abs % 60)}`;
}

function toLocalInput(date) {
    const pad = (n) => String(n).padStart(2, '0');
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function formMessage(node, text, isError) {
    node.textContent = text;
    node.classList.toggle('is-error', Boolean(isError));
}

/* The API names the field it refused ('field "credit_hours" must be …'):
 * mark that input and put the cursor there. */
function markServerField(form, err) {
    const name = /field "([a-z_]+)"/.exec(err?.message ?? '')?.[1];
    const aliases = { scheduled_start: 'start', scheduled_end: 'end' };
    const input = name ? form.elements[aliases[name] ?? name] : null;
    if (!input || typeof input.focus !== 'function') return;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
}

function requireFields(form, names, message) {
    for (const name of names) {
        const input = form.elements[name];
        const empty = !String(input.value).trim();
        input.setAttribute('aria-invalid', empty ? 'true' : 'false');
        if (empty) {
            formMessage(message, t('coord.required', { field: input.labels?.[0]?.textContent ?? name }), true);
            input.focus();
            return false;
        }
    }
    return true;
}

function wireForms() {
    const courseForm = $('#course-form');
    const courseMessage = $('#course-message');
    courseForm.addEventListener('submit', async (event) => {
        event.preventDefault();
        formMessage(courseMessage, '', false);
        if (!requireFields(courseForm, ['code', 'title', 'credit_hours'], courseMessage)) return;
        const hours = Number(courseForm.elements.credit_hours.value);
        const body = {
            code: courseForm.elements.code.value.trim(),
            title: courseForm.elements.title.value.trim(),
            category: courseForm.elements.category.value,
            delivery: courseForm.elements.delivery.value,
            credit_hours: hours,
        };
        const button = courseForm.querySelector('button[type="submit"]');
        button.disabled = true;
        try {
            const course = await api.post('/api/courses', body);
            courseForm.reset();
            $('#course-create').open = false;
            toast(t('coord.course_created', { code: course.code ?? body.code }), 'success');
            await loadCourses();
            if (course.id) $('#session-course-select').value = String(course.id);
        } catch (err) {
            // A taken code is the one conflict here: say it in words.
            formMessage(courseMessage, err.code === 'conflict'
                ? t('desk.course_exists', { code: body.code }) : describeError(err), true);
            if (err.code === 'conflict') {
                courseForm.elements.code.setAttribute('aria-invalid', 'true');
                courseForm.elements.code.focus();
            } else {
                markServerField(courseForm, err);
            }
        } finally {
            button.disabled = false;
        }
    });

    const sessionForm = $('#session-form');
    const sessionMessage = $('#session-message');
    const start = $('#session-start');
    const end = $('#session-end');
    $('#session-create').addEventListener('toggle', (event) => {
        if (!event.target.open || start.value) return;
        const next = new Date();
        next.setMinutes(0, 0, 0);
        next.setHours(next.getHours() + 1);
        start.value = toLocalInput(next);
        end.value = toLocalInput(new Date(next.getTime() + 3 * 3600 * 1000));
    });
    // Keep the length when the start moves.
    let lastStart = null;
    start.addEventListener('focus', () => { lastStart = start.value; });
    start.addEventListener('change', () => {
        const before = new Date(lastStart);
        const after = new Date(start.value);
        const finish = new Date(end.value);
        if (!Number.isNaN(before.getTime()) && !Number.isNaN(after.getTime()) && !Number.isNaN(finish.getTime()))
            end.value = toLocalInput(new Date(finish.getTime() + (after - before)));
        lastStart = start.value;
    });

    sessionForm.addEventListener('submit', async (event) => {
        event.preventDefault();
        formMessage(sessionMessage, '', false);
        if (!state.courses.length) {
            formMessage(sessionMessage, t('coord.need_course'), true);
            return;
        }
        if (!requireFields(sessionForm, ['course_id', 'title', 'start', 'end'], sessionMessage)) return;
        const scheduledStart = toRfc3339(start.value);
        const scheduledEnd = toRfc3339(end.value);
        if (!scheduledStart || !scheduledEnd || new Date(end.value) <= new Date(start.value)) {
            end.setAttribute('aria-invalid', 'true');
            formMessage(sessionMessage, t('coord.end_before_start'), true);
            end.focus();
            return;
        }
        end.setAttribute('aria-invalid', 'false');
        const body = {
            course_id: Number(sessionForm.elements.course_id.value),
            title: sessionForm.elements.title.value.trim(),
            scheduled_start: scheduledStart,
            scheduled_end: scheduledEnd,
            record: sessionForm.elements.record.checked,
        };
        const button = sessionForm.querySelector('button[type="submit"]');
        button.disabled = true;
        try {
            const created = await api.post('/api/sessions', body);
            sessionForm.elements.title.value = '';
            sessionForm.elements.record.checked = false;
            start.value = '';
            end.value = '';
            $('#session-create').open = false;
            toast(t('coord.session_created', { title: created.title ?? body.title }), 'success');
            await loadSessions();
            if (created.id) pickSession(created.id);
        } catch (err) {
            formMessage(sessionMessage, describeError(err), true);
            markServerField(sessionForm, err);
        } finally {
            button.disabled = false;
        }
    });

    $('#sessions-refresh').addEventListener('click', async () => {
        await Promise.all([loadCourses(), loadSessions()]);
        if (state.session) {
            loadReport();
            const session = selectedSession();
            if (session) live.show({ id: session.id, state: session.state });
        }
    });
    $('#attendance-refresh').addEventListener('click', loadReport);
    $('#attendance-csv').addEventListener('click', () => download(
        `/api/sessions/${state.session}/attendance?format=csv`,
        `attendance-session-${state.session}.csv`, $('#attendance-csv')));
    $('#totals-csv').addEventListener('click', () => {
        const id = state.totals?.course?.id;
        if (id) download(`/api/courses/${id}/attendance?format=csv`, `attendance-course-${id}.csv`, $('#totals-csv'));
    });
}

async function download(path, filename, button) {
    button.disabled = true;
    try {
        await api.download(path, filename);
    } catch (err) {
        toast(describeError(err), 'error');
    } finally {
        button.disabled = false;
        button.focus();
    }
}
