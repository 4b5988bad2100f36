/* credit.c — see credit.h; the rules are explained for people in
 * docs/attendance.md and pinned by tests/unit/store/test-credit.c.
 *
 * Pure and reentrant: no globals, no clock (`now` comes in the window), no
 * I/O; safe from any thread. Works on a private sorted copy of the
 * intervals so the caller's array is never touched.
 */
#include "store/credit.h"

#include <math.h>
#include <stdlib.h>

/* One stretch of attendance, [start, end), in Unix seconds. */
typedef struct {
    gint64 start;
    gint64 end;
} Span;

/* The threshold is read to the nearest millionth so the comparison can be
 * done in integers: a double such as 0.55 times 3600 is 1980.0000000000002,
 * which would wrongly fail someone with exactly 1980 s. */
#define PPM 1000000

gint64
cr_credit_effective_close(const CrInterval *interval, const CrCreditWindow *window)
{
    g_return_val_if_fail(interval != NULL && window != NULL, 0);

    /* A closed interval is a recorded fact; clipping to the scheduled
     * window later decides how much of it counts. */
    if (interval->closed != 0)
        return interval->closed;

    gint64 close = window->now;
    if (interval->mode == CR_MODE_IN_PERSON) {
        /* Nobody checks out of a room reliably: an in-person interval is
         * assumed to last until the session ends. */
        gint64 session_end = window->actual_end != 0 ? window->actual_end : window->scheduled_end;
        close = MIN(close, session_end);
    }
    /* Credit never runs ahead of the clock nor past the end of a session
     * that has ended, whatever the mode. */
    if (window->actual_end != 0)
        close = MIN(close, window->actual_end);
    return close;
}

static int
span_compare(const void *a, const void *b)
{
    const Span *x = a;
    const Span *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return 0;
}

/* Fills @out's arrival fields (everything but the credit and completion).
 * Every interval counts here, even a zero-length one or one outside the
 * scheduled window: the person did connect or check in, and auditors want
 * to see it. */
static void
summarize_arrivals(const CrInterval *intervals, gsize n, const CrCreditWindow *window,
                   CrCredit *out)
{
    gboolean still_open = FALSE;

    for (gsize i = 0; i < n; i++) {
        const CrInterval *iv = &intervals[i];
        gint64 close = cr_credit_effective_close(iv, window);

        if (i == 0 || iv->opened < out->first_arrival)
            out->first_arrival = iv->opened;
        if (i == 0 || close > out->last_departure)
            out->last_departure = close;
        if (iv->closed == 0)
            still_open = TRUE;
        out->modes |= iv->mode;
    }
    if (n == 0) {
        out->late_seconds = -1;
        return;
    }
    out->late_seconds = MAX(0, out->first_arrival - window->scheduled_start);
    if (still_open)
        out->last_departure = 0;
}

/* Copies the intervals into @spans, sorted by start; returns how many.
 * Reversed intervals (a clock stepped back) are left out. A zero-length
 * one stays: timestamps have one-second resolution, so it is a connection
 * shorter than a second, real presence that may anchor a bridge (else the
 * same reconnect would be credited or not by where a second boundary
 * fell); it adds no time by itself. */
static gsize
collect_spans(const CrInterval *intervals, gsize n, const CrCreditWindow *window, Span *spans)
{
    gsize m = 0;

    for (gsize i = 0; i < n; i++) {
        gint64 close = cr_credit_effective_close(&intervals[i], window);
        if (close >= intervals[i].opened)
            spans[m++] = (Span){intervals[i].opened, close};
    }
    /* @spans is NULL when there were no intervals, and qsort() must not
     * see NULL even for zero elements. */
    if (m > 1)
        qsort(spans, m, sizeof *spans, span_compare);
    return m;
}

static gint64
clipped_length(Span span, gint64 from, gint64 to)
{
    gint64 start = MAX(span.start, from);
    gint64 end = MIN(span.end, to);
    return end > start ? end - start : 0;
}

/* Unites the sorted @spans, joins gaps shorter than @grace, then clips to
 * [@from, @to) and sums. Joining comes before clipping, so a gap that
 * straddles the scheduled start or end is bridged and then clipped. */
static gint64
bridged_total(const Span *spans, gsize m, gint64 grace, gint64 from, gint64 to)
{
    if (m == 0)
        return 0;

    gint64 total = 0;
    Span cur = spans[0];
    for (gsize i = 1; i < m; i++) {
        /* Overlap or touch: the same attendance seen twice (two tabs,
         * remote while checked in). Otherwise a gap, joined only when
         * strictly shorter than the grace. Written as a difference so a
         * large grace cannot overflow. */
        if (spans[i].start <= cur.end || spans[i].start - cur.end < grace) {
            cur.end = MAX(cur.end, spans[i].end);
            continue;
        }
        total += clipped_length(cur, from, to);
        cur = spans[i];
    }
    return total + clipped_length(cur, from, to);
}

/* The threshold in millionths, rounded to nearest. Config keeps it in
 * 0..1; anything else is clamped, and NaN counts as 1 so a broken setting
 * never hands out credit. */
static gint64
threshold_ppm(double threshold)
{
    if (isnan(threshold) || threshold >= 1.0)
        return PPM;
    if (threshold <= 0.0)
        return 0;
    return (gint64)(threshold * PPM + 0.5);
}

/* The fewest whole seconds that complete a session of @duration seconds:
 * ceil(ppm * duration / PPM), since credit is counted in whole seconds.
 * Split by PPM so the product cannot overflow for any duration. */
static gint64
required_seconds(gint64 ppm, gint64 duration)
{
    gint64 q = duration / PPM;
    gint64 r = duration % PPM;
    return q * ppm + (r * ppm + PPM - 1) / PPM;
}

/* Unites sorted @spans in place (overlaps and touches only, no grace);
 * returns how many remain. */
static gsize
unite(Span *spans, gsize m)
{
    gsize k = 0;
    for (gsize i = 0; i < m; i++) {
        if (k > 0 && spans[i].start <= spans[k - 1].end)
            spans[k - 1].end = MAX(spans[k - 1].end, spans[i].end);
        else
            spans[k++] = spans[i];
    }
    return k;
}

/* Keeps of each remote span only what overlaps the united @media spans;
 * in-person spans stay whole. @spans has room for m * (n_media + 1). */
static gsize
restrict_to_media(const CrInterval *intervals, gsize n, const CrCreditWindow *window,
                  const Span *media, gsize n_media, Span *spans)
{
    gsize m = 0;
    for (gsize i = 0; i < n; i++) {
        gint64 open = intervals[i].opened;
        gint64 close = cr_credit_effective_close(&intervals[i], window);
        if (close < open)
            continue;
        if (intervals[i].mode == CR_MODE_IN_PERSON) {
            spans[m++] = (Span){open, close};
            continue;
        }
        for (gsize j = 0; j < n_media; j++) {
            gint64 a = MAX(open, media[j].start), b = MIN(close, media[j].end);
            if (b > a)
                spans[m++] = (Span){a, b};
        }
    }
    if (m > 1)
        qsort(spans, m, sizeof *spans, span_compare);
    return m;
}

void
cr_credit_compute(const CrInterval *intervals, gsize n, const CrCreditWindow *window,
                  const CrCreditRules *rules, CrCredit *out)
{
    CrCreditRules no_media = *rules;
    no_media.require_media = FALSE;
    cr_credit_compute_media(intervals, n, NULL, 0, window, &no_media, out);
}

void
cr_credit_compute_media(const CrInterval *intervals, gsize n, const CrInterval *media,
                        gsize n_media, const CrCreditWindow *window, const CrCreditRules *rules,
                        CrCredit *out)
{
    g_return_if_fail(window != NULL && rules != NULL && out != NULL);
    g_return_if_fail(intervals != NULL || n == 0);
    g_return_if_fail(media != NULL || n_media == 0);

    *out = (CrCredit){0};
    summarize_arrivals(intervals, n, window, out);

    gint64 duration = window->scheduled_end - window->scheduled_start;
    if (duration <= 0)
        return;

    g_autofree Span *media_spans = g_new(Span, n_media + 1);
    gsize k = unite(media_spans, collect_spans(media, n_media, window, media_spans));
    for (gsize i = 0; i < k; i++)
        out->media_seconds +=
            clipped_length(media_spans[i], window->scheduled_start, window->scheduled_end);

    g_autofree Span *spans = g_new(Span, rules->require_media ? n * (k + 1) + 1 : n + 1);
    gsize m = rules->require_media
                  ? restrict_to_media(intervals, n, window, media_spans, k, spans)
                  : collect_spans(intervals, n, window, spans);
    gint64 grace = MAX(0, rules->reconnect_grace);
    out->credited_seconds =
        bridged_total(spans, m, grace, window->scheduled_start, window->scheduled_end);

    /* Completion needs some credited time: with a threshold of 0 the
     * requirement is "attended at all", not "was on the list". */
    gint64 required = required_seconds(threshold_ppm(rules->completion_threshold), duration);
    out->completed = out->credited_seconds > 0 && out->credited_seconds >= required;
}
