/* credit.h — the attendance credit computation (docs/attendance.md).
 *
 * Pure: a person's intervals, the session window, the rules and `now` in,
 * the credit out. No I/O, no clock, any thread; table-tested in
 * tests/unit/store/test-credit.c.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    CR_MODE_REMOTE = 1 << 0,
    CR_MODE_IN_PERSON = 1 << 1,
} CrMode;

typedef struct {
    gint64 opened; /* Unix seconds */
    gint64 closed; /* Unix seconds; 0 while the interval is open */
    CrMode mode;
} CrInterval;

typedef struct {
    gint64 reconnect_grace;      /* seconds; gaps shorter than this count */
    double completion_threshold; /* 0..1 of the scheduled duration */
    /* Remote time counts only while media reached the person (their
     * media intervals); in-person time is unaffected. */
    gboolean require_media;
} CrCreditRules;

typedef struct {
    gint64 scheduled_start;
    gint64 scheduled_end;
    gint64 actual_end; /* 0 while the session has not ended */
    gint64 now;
} CrCreditWindow;

typedef struct {
    gint64 credited_seconds; /* 0 when the scheduled duration is <= 0 */
    gboolean completed;
    gint64 late_seconds;   /* -1 when the person never arrived */
    gint64 first_arrival;  /* 0 when never arrived */
    gint64 last_departure; /* 0 when never arrived or any interval is open */
    guint modes;           /* CrMode bits seen */
    gint64 media_seconds;  /* media intervals united, clipped to the window */
} CrCredit;

/* Where an interval ends for the computation. A closed one at its
 * `closed` time, as recorded (even past the actual end: clipping to the
 * scheduled window decides what counts). An open one: remote at `now`,
 * in-person at the session's end (actual, else scheduled); both never later
 * than `now` nor than the actual end. */
gint64 cr_credit_effective_close(const CrInterval *interval, const CrCreditWindow *window);

/* Computes @out from @n intervals (any order; the array is not modified;
 * @intervals may be NULL when @n is 0).
 *
 * Rules, in order: each interval runs from `opened` to its effective close
 * (above); intervals with close < opened are ignored; a zero-length one
 * adds no time but is presence that may bridge a gap; all are united (overlaps count once); a gap strictly shorter than
 * rules->reconnect_grace between consecutive united spans counts as
 * attended (bridging comes before clipping, so a gap straddling the
 * scheduled start or end is bridged, then clipped); the result is clipped
 * to [scheduled_start, scheduled_end]; credited_seconds is its length.
 *
 * completed: credited_seconds > 0 and credited_seconds >= ceil(threshold *
 * scheduled duration), the threshold taken to the nearest millionth and
 * clamped to 0..1, in integer arithmetic (80% of 3600 s is exactly 2880 s).
 * A scheduled duration <= 0 gives credit 0, never completed.
 *
 * Arrival fields count every interval, zero-length or outside the window
 * included (the person did connect): first_arrival is the earliest
 * `opened`; late_seconds is first_arrival - scheduled_start, never
 * negative; last_departure is the latest effective close, or 0 while any
 * interval is open; modes ORs every interval's mode. */
void cr_credit_compute(const CrInterval *intervals, gsize n, const CrCreditWindow *window,
                       const CrCreditRules *rules, CrCredit *out);

/* The same, with the person's media intervals (time in which media
 * actually reached them, mode ignored). media_seconds is always filled;
 * with rules->require_media each remote interval counts only where it
 * overlaps a media interval, before grace bridging and clipping. */
void cr_credit_compute_media(const CrInterval *intervals, gsize n, const CrInterval *media,
                             gsize n_media, const CrCreditWindow *window,
                             const CrCreditRules *rules, CrCredit *out);

G_END_DECLS
