// timeline.mjs — each person's presence over a session, as an SVG chart
// with a table for those who cannot see it.
//
// One row per person: a bar for each attendance interval (remote solid,
// in person hatched, so the two differ without colour), a thin bar under
// it for each media interval when the report carries them, the scheduled
// start and end marked across all rows, and "now" while intervals are
// open. The SVG is drawn in real pixels at the width of its container and
// redrawn when that changes (text inside a stretched viewBox would be
// distorted). Everything from the server goes in as text nodes.

import { el, formatDateTime } from './dom.mjs';
import { locale, t } from './i18n.mjs';

const NS = 'http://www.w3.org/2000/svg';
const AXIS_H = 30;
const ROW_H = 34;
const BAR_H = 16;
const MEDIA_H = 5;
const PAD_RIGHT = 14;

let chartCount = 0;
let fitChoice = 'schedule'; // kept while the page lives, for every session

function svg(tag, attrs = {}, ...children) {
    const node = document.createElementNS(NS, tag);
    for (const [key, value] of Object.entries(attrs)) {
        if (value === null || value === undefined || value === false) continue;
        node.setAttribute(key, String(value));
    }
    for (const child of children.flat()) {
        if (child === null || child === undefined || child === false) continue;
        node.append(child instanceof Node ? child : String(child));
    }
    return node;
}

const seconds = (value) => {
    const ms = value ? Date.parse(value) : NaN;
    return Number.isNaN(ms) ? null : ms / 1000;
};

/* Media intervals of a report row, under whichever name the report uses
 * (docs/api.md has none yet; "media_intervals" is the one asked for). */
export function mediaIntervalsOf(row) {
    if (Array.isArray(row.media_intervals)) return row.media_intervals;
    if (Array.isArray(row.media)) return row.media;
    return [];
}

/* The rows and time window to draw, from an attendance report. Open
 * intervals run to the report's generated_at (the server's clock, so a
 * wrong clock on this PC does not stretch them). @fit 'schedule' spans the
 * scheduled time and every interval; 'attendance' only the intervals
 * (a class that ended early, or a late arrival, readable at a glance). */
export function timelineModel(report, fit = 'schedule') {
    const session = report.session ?? {};
    const now = seconds(report.generated_at) ?? Date.now() / 1000;
    const start = seconds(session.scheduled_start);
    const end = seconds(session.scheduled_end);
    let lo = start ?? Infinity;
    let hi = end ?? -Infinity;
    let open = false;
    const span = (iv) => {
        const a = seconds(iv.opened);
        if (a === null) return null;
        const closed = seconds(iv.closed);
        if (closed === null) open = true;
        const b = Math.max(a, closed ?? now);
        lo = Math.min(lo, a);
        hi = Math.max(hi, b);
        return { ...iv, from: a, to: b, open: closed === null };
    };
    const rows = (report.rows ?? []).map((row) => ({
        person: row.person,
        name: row.name || row.person,
        role: row.role,
        intervals: (row.intervals ?? []).map(span).filter(Boolean),
        media: mediaIntervalsOf(row).map(span).filter(Boolean),
    }));
    if (fit === 'attendance') {
        const all = rows.flatMap((r) => [...r.intervals, ...r.media]);
        if (all.length) {
            const a = Math.min(...all.map((iv) => iv.from));
            const b = Math.max(...all.map((iv) => iv.to));
            const pad = Math.max(5, (b - a) * 0.04);
            lo = a - pad;
            hi = b + pad;
        }
    }
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi <= lo) {
        lo = start ?? now - 3600;
        hi = Math.max(lo + 60, end ?? now);
    }
    return { rows, lo, hi, start, end, now: open ? now : null };
}

/* A tick step that gives roughly @wanted ticks over @span seconds. */
function tickStep(span, wanted) {
    const steps = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
    return steps.find((s) => span / s <= wanted) ?? steps[steps.length - 1];
}

function clock(secondsValue, withSeconds) {
    return new Intl.DateTimeFormat(locale(), {
        hour: 'numeric', minute: '2-digit', second: withSeconds ? '2-digit' : undefined,
    }).format(new Date(secondsValue * 1000));
}

/* "1 h 05 min", "12 min 05 s", "42 s". */
export function formatDuration(total) {
    if (total === null || total === undefined || Number.isNaN(Number(total))) return t('common.none');
    const s = Math.max(0, Math.round(Number(total)));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const pad = (n) => String(n).padStart(2, '0');
    if (h > 0) return t('desk.dur_h', { h, m: pad(m) });
    if (m > 0) return t('desk.dur_m', { m, s: pad(s % 60) });
    return t('desk.dur_s', { s });
}

function modeLabel(iv) {
    return iv.mode === 'in-person' ? t('mode.in-person') : t('mode.remote');
}

function mediaLabel(iv) {
    if (iv.direction === 'send') return t('desk.tl_media_send');
    if (iv.direction === 'receive') return t('desk.tl_media_receive');
    return t('desk.tl_media');
}

function intervalText(iv, withSeconds, label) {
    const range = `${clock(iv.from, withSeconds)} – ${iv.open ? t('desk.tl_now') : clock(iv.to, withSeconds)}`;
    return `${label}: ${range} (${formatDuration(iv.to - iv.from)})`;
}

/* The chart for @model at @width pixels. */
function drawSvg(model, width, ids) {
    const narrow = width < 560;
    const labelW = Math.round(Math.min(200, Math.max(100, width * (narrow ? 0.32 : 0.2))));
    const left = labelW + 8;
    const trackW = Math.max(60, width - left - PAD_RIGHT);
    const height = AXIS_H + model.rows.length * ROW_H + 8;
    const span = model.hi - model.lo;
    const x = (s) => left + ((s - model.lo) / span) * trackW;
    const step = tickStep(span, Math.max(2, Math.floor(trackW / (narrow ? 70 : 90))));
    const withSeconds = step < 60;

    const defs = svg('defs', {},
        svg('pattern', {
            id: ids.hatch, width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)',
        }, svg('rect', { width: 6, height: 6, class: 'tl-hatch-bg' }),
        svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, class: 'tl-hatch-line' })),
        svg('clipPath', { id: ids.clip }, svg('rect', { x: 0, y: 0, width: labelW, height })));

    // Scheduled window, ticks and grid.
    const back = [];
    if (model.start !== null && model.end !== null && model.end > model.lo && model.start < model.hi) {
        const a = x(Math.max(model.start, model.lo));
        back.push(svg('rect', {
            class: 'tl-scheduled', x: a, y: AXIS_H - 4,
            width: Math.max(1, x(Math.min(model.end, model.hi)) - a), height: height - AXIS_H,
        }));
    }
    const first = Math.ceil(model.lo / step) * step;
    for (let s = first; s <= model.hi + 0.001; s += step) {
        const px = x(s);
        back.push(svg('line', { class: 'tl-grid', x1: px, x2: px, y1: AXIS_H - 6, y2: height - 4 }));
        // Keep the labels inside the track.
        const anchor = px - left < 24 ? 'start' : left + trackW - px < 24 ? 'end' : 'middle';
        back.push(svg('text', { class: 'tl-tick', x: px, y: AXIS_H - 12, 'text-anchor': anchor }, clock(s, withSeconds)));
    }

    const rows = model.rows.map((row, i) => {
        const top = AXIS_H + i * ROW_H;
        const barY = top + (ROW_H - BAR_H - MEDIA_H - 3) / 2;
        const parts = [
            svg('rect', { class: i % 2 ? 'tl-row tl-row-odd' : 'tl-row', x: 0, y: top, width, height: ROW_H }),
            // The whole name as a tooltip, for one cut off at the edge.
            svg('g', { class: 'tl-label' }, svg('title', {}, row.name),
                svg('text', { class: 'tl-name', x: 4, y: top + ROW_H / 2, 'dominant-baseline': 'central', 'clip-path': `url(#${ids.clip})` },
                    row.name)),
        ];
        for (const iv of row.intervals) {
            const inPerson = iv.mode === 'in-person';
            const x0 = x(Math.max(iv.from, model.lo));
            parts.push(svg('rect', {
                class: `tl-bar ${inPerson ? 'tl-in-person' : 'tl-remote'}${iv.open ? ' tl-open' : ''}`,
                x: x0, y: barY, width: Math.max(2, x(Math.min(iv.to, model.hi)) - x0), height: BAR_H, rx: 3,
                fill: inPerson ? `url(#${ids.hatch})` : null,
                'data-mode': iv.mode,
            }, svg('title', {}, `${row.name} — ${intervalText(iv, withSeconds, modeLabel(iv))}`)));
        }
        for (const iv of row.media) {
            const x0 = x(Math.max(iv.from, model.lo));
            parts.push(svg('rect', {
                class: 'tl-media', x: x0, y: barY + BAR_H + 3, width: Math.max(2, x(Math.min(iv.to, model.hi)) - x0), height: MEDIA_H, rx: 1.5,
            }, svg('title', {}, `${row.name} — ${intervalText(iv, withSeconds, mediaLabel(iv))}`)));
        }
        return svg('g', { class: 'tl-person', 'data-person': row.person }, parts);
    });

    const marks = [];
    const mark = (s, cls, label) => {
        if (s === null || s < model.lo || s > model.hi) return;
        const px = x(s);
        marks.push(svg('line', { class: cls, x1: px, x2: px, y1: AXIS_H - 4, y2: height - 4 },
            svg('title', {}, label)));
    };
    mark(model.start, 'tl-mark tl-start', `${t('desk.tl_start')} ${clock(model.start ?? 0, withSeconds)}`);
    mark(model.end, 'tl-mark tl-end', `${t('desk.tl_end')} ${clock(model.end ?? 0, withSeconds)}`);
    if (model.now !== null) mark(model.now, 'tl-now', t('desk.tl_now'));

    return svg('svg', {
        class: 'tl-svg', width, height, viewBox: `0 0 ${width} ${height}`,
        role: 'img', 'aria-labelledby': ids.title, 'aria-describedby': ids.desc, focusable: 'false',
    }, svg('title', { id: ids.title }, t('desk.tl_summary', {
        count: model.rows.length,
        range: `${clock(model.start ?? model.lo, false)} – ${clock(model.end ?? model.hi, false)}`,
    })), defs, back, rows, marks);
}

function legend(model, ids) {
    const swatch = (cls, label, fill) => el('li', {},
        el('span', { class: `tl-swatch ${cls}`, style: fill ? `background-image: ${fill}` : null, 'aria-hidden': 'true' }), label);
    const hasMedia = model.rows.some((r) => r.media.length);
    return el('ul', { class: 'tl-legend', 'aria-label': t('desk.tl_legend') },
        swatch('tl-swatch-remote', t('mode.remote')),
        swatch('tl-swatch-in-person', t('mode.in-person')),
        hasMedia ? swatch('tl-swatch-media', t('desk.tl_media')) : null,
        swatch('tl-swatch-scheduled', t('desk.tl_scheduled')),
        model.now !== null ? swatch('tl-swatch-now', t('desk.tl_now')) : null,
        el('li', { class: 'visually-hidden', id: ids.desc }, t('desk.tl_table_note')));
}

/* The same information as a table. */
function textTable(model) {
    const withSeconds = model.hi - model.lo < 1800;
    const rows = [];
    for (const row of model.rows) {
        const items = [
            ...row.intervals.map((iv) => ({ iv, label: modeLabel(iv), reason: iv.close_reason })),
            ...row.media.map((iv) => ({ iv, label: mediaLabel(iv), reason: iv.close_reason })),
        ].sort((a, b) => a.iv.from - b.iv.from);
        if (!items.length) {
            rows.push(el('tr', {}, el('th', { scope: 'row' }, row.name), el('td', { colspan: 5 }, t('desk.tl_no_intervals'))));
            continue;
        }
        items.forEach(({ iv, label, reason }, i) => rows.push(el('tr', {},
            i === 0 ? el('th', { scope: 'row', rowspan: items.length }, row.name) : null,
            el('td', {}, label),
            el('td', { class: 'nowrap' }, el('time', { datetime: iv.opened, title: formatDateTime(iv.opened) }, clock(iv.from, withSeconds))),
            el('td', { class: 'nowrap' }, iv.open ? t('desk.tl_still_here')
                : el('time', { datetime: iv.closed, title: formatDateTime(iv.closed) }, clock(iv.to, withSeconds))),
            el('td', { class: 'num' }, formatDuration(iv.to - iv.from)),
            el('td', {}, reason ? t(`desk.reason.${reason}`) === `desk.reason.${reason}` ? reason : t(`desk.reason.${reason}`) : t('common.none')))));
    }
    return el('div', { class: 'table-wrap', role: 'region', tabindex: '0', 'aria-label': t('desk.tl_table') },
        el('table', { class: 'data tl-table' },
            el('caption', { class: 'visually-hidden' }, t('desk.tl_table')),
            el('thead', {}, el('tr', {},
                [t('coord.col_name'), t('desk.tl_col_kind'), t('desk.tl_col_from'), t('desk.tl_col_to'),
                    t('desk.tl_col_length'), t('desk.tl_col_reason')]
                    .map((label, i) => el('th', { scope: 'col', class: i === 4 ? 'num' : null }, label)))),
            el('tbody', {}, rows)));
}

/* Fills @container with the chart for @report. Returns a function that
 * stops following the container's size. */
export function mountTimeline(container, report) {
    let model = timelineModel(report, fitChoice);
    chartCount += 1;
    const ids = {
        hatch: `tl-hatch-${chartCount}`, clip: `tl-clip-${chartCount}`,
        title: `tl-title-${chartCount}`, desc: `tl-desc-${chartCount}`,
    };
    if (!model.rows.length) {
        container.replaceChildren(el('p', { class: 'empty' }, t('coord.no_attendance')));
        return () => {};
    }
    const figure = el('div', { class: 'tl-figure' });
    const details = el('details', { class: 'tl-details' },
        el('summary', {}, t('desk.tl_show_table')), textTable(model));
    let drawnWidth = 0;
    const draw = (force = false) => {
        const width = Math.floor(figure.clientWidth);
        if (width <= 0 || (width === drawnWidth && !force)) return;
        drawnWidth = width;
        figure.replaceChildren(drawSvg(model, width, ids));
    };
    // Two radio buttons: arrow keys move between them, as everywhere.
    const choice = (value, label) => el('label', { class: 'tl-fit-option' },
        el('input', {
            type: 'radio', name: `tl-fit-${chartCount}`, value, checked: fitChoice === value,
            onchange: () => {
                fitChoice = value;
                model = timelineModel(report, fitChoice);
                draw(true);
            },
        }), label);
    const fit = el('fieldset', { class: 'tl-fit' },
        el('legend', {}, t('desk.tl_range')),
        choice('schedule', t('desk.tl_fit_schedule')),
        choice('attendance', t('desk.tl_fit_attendance')));
    container.replaceChildren(el('div', { class: 'tl-toolbar' }, legend(model, ids), fit), figure, details);
    const observer = new ResizeObserver(() => draw());
    observer.observe(figure);
    draw();
    return () => observer.disconnect();
}
