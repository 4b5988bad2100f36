/* test-credit.c — table tests for store/credit.c (docs/attendance.md).
 *
 * Single-threaded GTest. Every expected value below was worked out by hand
 * from the rules (the arithmetic is in the comment of each row), never by
 * calling the code under test. All times fall on 2026-11-27 (UTC); the
 * usual class runs 09:00–10:00 (3600 s, so 80 % is 2880 s).
 */
/* The tables leave trailing zero fields (require_media, media_seconds)
 * out: those are covered by test-credit-media.c. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "store/credit.h"

#include <string.h>

/* 2026-11-27T00:00:00Z */
#define DAY         G_GINT64_CONSTANT(1795737600)
#define HMS(h, m, s) (DAY + (h) * 3600 + (m) * 60 + (s))
#define AT(h, m)     HMS(h, m, 0)
#define OPEN         0

#define REMOTE(o, c)    {(o), (c), CR_MODE_REMOTE}
#define IN_PERSON(o, c) {(o), (c), CR_MODE_IN_PERSON}
#define BOTH            (CR_MODE_REMOTE | CR_MODE_IN_PERSON)

/* The class ran as scheduled and ended on time; the report is read later. */
#define ENDED {AT(9, 0), AT(10, 0), AT(10, 0), AT(10, 30)}
/* The defaults: 120 s grace, 80 % to complete. */
#define RULES {120, 0.8}

#define MAX_INTERVALS 4

typedef struct {
    const char *name;
    CrInterval intervals[MAX_INTERVALS];
    gsize n;
    CrCreditWindow window;
    CrCreditRules rules;
    CrCredit expected; /* credited, completed, late, first, last, modes */
} CreditCase;

static const CreditCase cases[] = {
    {"no-intervals", {{0}}, 0, ENDED, RULES, {0, FALSE, -1, 0, 0, 0}},
    /* 09:10–09:50 = 2400 < 2880; late 10 min */
    {"inside", {REMOTE(AT(9, 10), AT(9, 50))}, 1, ENDED, RULES,
     {2400, FALSE, 600, AT(9, 10), AT(9, 50), CR_MODE_REMOTE}},
    /* 08:50–10:10 clipped to 09:00–10:00 = 3600 */
    {"clipped-both-ends", {REMOTE(AT(8, 50), AT(10, 10))}, 1, ENDED, RULES,
     {3600, TRUE, 0, AT(8, 50), AT(10, 10), CR_MODE_REMOTE}},
    /* gap 09:30–09:31 = 60 < 120, bridged: 09:00–10:00 = 3600 */
    {"reconnect-within-grace",
     {REMOTE(AT(9, 0), AT(9, 30)), REMOTE(AT(9, 31), AT(10, 0))}, 2, ENDED, RULES,
     {3600, TRUE, 0, AT(9, 0), AT(10, 0), CR_MODE_REMOTE}},
    /* gap 09:20–09:25 = 300, not bridged: 1200 + 1500 = 2700 < 2880 */
    {"reconnect-outside-grace",
     {REMOTE(AT(9, 0), AT(9, 20)), REMOTE(AT(9, 25), AT(9, 50))}, 2, ENDED, RULES,
     {2700, FALSE, 0, AT(9, 0), AT(9, 50), CR_MODE_REMOTE}},
    /* gap 09:30–09:32 = 120, not < 120: 1800 + 1680 = 3480 */
    {"gap-equal-to-grace",
     {REMOTE(AT(9, 0), AT(9, 30)), REMOTE(AT(9, 32), AT(10, 0))}, 2, ENDED, RULES,
     {3480, TRUE, 0, AT(9, 0), AT(10, 0), CR_MODE_REMOTE}},
    /* gap 09:30:00–09:31:59 = 119 < 120, bridged: 3600 */
    {"gap-one-below-grace",
     {REMOTE(AT(9, 0), AT(9, 30)), REMOTE(HMS(9, 31, 59), AT(10, 0))}, 2, ENDED, RULES,
     {3600, TRUE, 0, AT(9, 0), AT(10, 0), CR_MODE_REMOTE}},
    /* two tabs, 09:05–09:40 and 09:30–09:55, united 09:05–09:55 = 3000
     * (not 2100 + 1500 = 3600) */
    {"overlapping-tabs",
     {REMOTE(AT(9, 5), AT(9, 40)), REMOTE(AT(9, 30), AT(9, 55))}, 2, ENDED, RULES,
     {3000, TRUE, 300, AT(9, 5), AT(9, 55), CR_MODE_REMOTE}},
    /* 09:10–09:20 inside 09:00–09:50: 3000 */
    {"nested", {REMOTE(AT(9, 0), AT(9, 50)), REMOTE(AT(9, 10), AT(9, 20))}, 2, ENDED, RULES,
     {3000, TRUE, 0, AT(9, 0), AT(9, 50), CR_MODE_REMOTE}},
    /* united 09:00–09:50 (the nested one ends earlier); gap to 09:51 = 60,
     * bridged: 09:00–10:00 = 3600 */
    {"nested-then-reconnect",
     {REMOTE(AT(9, 0), AT(9, 50)), REMOTE(AT(9, 10), AT(9, 20)), REMOTE(AT(9, 51), AT(10, 0))},
     3, ENDED, RULES, {3600, TRUE, 0, AT(9, 0), AT(10, 0), CR_MODE_REMOTE}},
    /* 09:00–09:10, 09:11–09:20, 09:21–09:30 bridged (gaps 60) = 1800;
     * gap 09:30–09:35 = 300 not; 09:35–10:00 = 1500; total 3300 */
    {"chained-reconnects",
     {REMOTE(AT(9, 0), AT(9, 10)), REMOTE(AT(9, 11), AT(9, 20)), REMOTE(AT(9, 21), AT(9, 30)),
      REMOTE(AT(9, 35), AT(10, 0))},
     4, ENDED, RULES, {3300, TRUE, 0, AT(9, 0), AT(10, 0), CR_MODE_REMOTE}},
    /* running, now 09:40: open remote 09:05 runs to now, 2100; still present */
    {"running-remote-open", {REMOTE(AT(9, 5), OPEN)}, 1, {AT(9, 0), AT(10, 0), 0, AT(9, 40)},
     RULES, {2100, FALSE, 300, AT(9, 5), 0, CR_MODE_REMOTE}},
    /* not started, now 08:55: open since 08:50 runs to 08:55, all before 09:00 */
    {"running-before-start", {REMOTE(AT(8, 50), OPEN)}, 1, {AT(9, 0), AT(10, 0), 0, AT(8, 55)},
     RULES, {0, FALSE, 0, AT(8, 50), 0, CR_MODE_REMOTE}},
    /* running, now 09:50: 09:00–09:20 closed; 09:30 open to 09:50; gap 600:
     * 1200 + 1200 = 2400; one interval open, so no last departure */
    {"running-open-and-closed", {REMOTE(AT(9, 0), AT(9, 20)), REMOTE(AT(9, 30), OPEN)}, 2,
     {AT(9, 0), AT(10, 0), 0, AT(9, 50)}, RULES,
     {2400, FALSE, 0, AT(9, 0), 0, CR_MODE_REMOTE}},
    /* ended early at 09:45, now 10:30: open remote stops at 09:45, 2700;
     * completion is still against the scheduled 3600 (2700 < 2880) */
    {"ended-early-open-remote", {REMOTE(AT(9, 0), OPEN)}, 1,
     {AT(9, 0), AT(10, 0), AT(9, 45), AT(10, 30)}, RULES,
     {2700, FALSE, 0, AT(9, 0), 0, CR_MODE_REMOTE}},
    /* ended early at 09:45: check-in 08:58 runs to 09:45, clipped 09:00–09:45 */
    {"ended-early-open-in-person", {IN_PERSON(AT(8, 58), OPEN)}, 1,
     {AT(9, 0), AT(10, 0), AT(9, 45), AT(10, 30)}, RULES,
     {2700, FALSE, 0, AT(8, 58), 0, CR_MODE_IN_PERSON}},
    /* ended at 09:45 but the interval was closed at 09:46: a closed interval
     * keeps its close, 09:00–09:46 = 2760 */
    {"ended-early-closed-kept", {REMOTE(AT(9, 0), AT(9, 46))}, 1,
     {AT(9, 0), AT(10, 0), AT(9, 45), AT(10, 30)}, RULES,
     {2760, FALSE, 0, AT(9, 0), AT(9, 46), CR_MODE_REMOTE}},
    /* running past the schedule, now 10:20: check-in 08:58, no check-out,
     * runs to the scheduled end 10:00; clipped 09:00–10:00 = 3600 */
    {"in-person-no-checkout", {IN_PERSON(AT(8, 58), OPEN)}, 1,
     {AT(9, 0), AT(10, 0), 0, AT(10, 20)}, RULES,
     {3600, TRUE, 0, AT(8, 58), 0, CR_MODE_IN_PERSON}},
    /* running, now 09:30: the check-in runs to now, 09:00–09:30 = 1800 */
    {"in-person-no-checkout-capped-by-now", {IN_PERSON(AT(8, 58), OPEN)}, 1,
     {AT(9, 0), AT(10, 0), 0, AT(9, 30)}, RULES,
     {1800, FALSE, 0, AT(8, 58), 0, CR_MODE_IN_PERSON}},
    /* ended late at 10:15: the check-in runs to 10:15, clipped to 10:00 */
    {"in-person-ended-late", {IN_PERSON(AT(9, 0), OPEN)}, 1,
     {AT(9, 0), AT(10, 0), AT(10, 15), AT(10, 30)}, RULES,
     {3600, TRUE, 0, AT(9, 0), 0, CR_MODE_IN_PERSON}},
    /* remote 09:00–09:30 and in the room 09:25–10:00: united 09:00–10:00 */
    {"in-person-plus-remote",
     {REMOTE(AT(9, 0), AT(9, 30)), IN_PERSON(AT(9, 25), AT(10, 0))}, 2, ENDED, RULES,
     {3600, TRUE, 0, AT(9, 0), AT(10, 0), BOTH}},
    /* running, now 09:50: checked in at 09:00 (to now) and also remote
     * 09:10–09:20: united 09:00–09:50 = 3000 */
    {"in-person-open-plus-remote",
     {IN_PERSON(AT(9, 0), OPEN), REMOTE(AT(9, 10), AT(9, 20))}, 2,
     {AT(9, 0), AT(10, 0), 0, AT(9, 50)}, RULES, {3000, TRUE, 0, AT(9, 0), 0, BOTH}},
    /* 09:00–09:48 = 2880 = 0.8 × 3600 */
    {"threshold-exact", {REMOTE(AT(9, 0), AT(9, 48))}, 1, ENDED, RULES,
     {2880, TRUE, 0, AT(9, 0), AT(9, 48), CR_MODE_REMOTE}},
    /* 09:00–09:47:59 = 2879 */
    {"threshold-one-below", {REMOTE(AT(9, 0), HMS(9, 47, 59))}, 1, ENDED, RULES,
     {2879, FALSE, 0, AT(9, 0), HMS(9, 47, 59), CR_MODE_REMOTE}},
    /* 0.55 × 3600 = 1980 exactly (the double product is 1980.0000000000002);
     * 09:00–09:33 = 1980 */
    {"threshold-0.55-exact", {REMOTE(AT(9, 0), AT(9, 33))}, 1, ENDED, {120, 0.55},
     {1980, TRUE, 0, AT(9, 0), AT(9, 33), CR_MODE_REMOTE}},
    {"threshold-0.55-one-below", {REMOTE(AT(9, 0), HMS(9, 32, 59))}, 1, ENDED, {120, 0.55},
     {1979, FALSE, 0, AT(9, 0), HMS(9, 32, 59), CR_MODE_REMOTE}},
    /* 0.6666666 is read to the nearest millionth, 0.666667; 0.666667 × 3600
     * = 2400.0012, so 2401 s are needed: 09:00–09:40 = 2400 is not enough */
    {"threshold-millionths-2400", {REMOTE(AT(9, 0), AT(9, 40))}, 1, ENDED, {120, 0.6666666},
     {2400, FALSE, 0, AT(9, 0), AT(9, 40), CR_MODE_REMOTE}},
    {"threshold-millionths-2401", {REMOTE(AT(9, 0), HMS(9, 40, 1))}, 1, ENDED, {120, 0.6666666},
     {2401, TRUE, 0, AT(9, 0), HMS(9, 40, 1), CR_MODE_REMOTE}},
    /* 09:12:30–10:00 = 2850 < 2880; late 12.5 min = 750 */
    {"late-arrival", {REMOTE(HMS(9, 12, 30), AT(10, 0))}, 1, ENDED, RULES,
     {2850, FALSE, 750, HMS(9, 12, 30), AT(10, 0), CR_MODE_REMOTE}},
    /* 09:12–10:00 = 2880, completes; late 720 */
    {"late-but-completes", {REMOTE(AT(9, 12), AT(10, 0))}, 1, ENDED, RULES,
     {2880, TRUE, 720, AT(9, 12), AT(10, 0), CR_MODE_REMOTE}},
    /* sorted: 09:00–09:20, 09:21–09:39, 09:40–10:00; gaps 60, 60: 3600 */
    {"out-of-order",
     {REMOTE(AT(9, 40), AT(10, 0)), REMOTE(AT(9, 0), AT(9, 20)), REMOTE(AT(9, 21), AT(9, 39))},
     3, ENDED, RULES, {3600, TRUE, 0, AT(9, 0), AT(10, 0), CR_MODE_REMOTE}},
    /* connected and left in the same second: an arrival, no time */
    {"zero-length", {REMOTE(AT(9, 10), AT(9, 10))}, 1, ENDED, RULES,
     {0, FALSE, 600, AT(9, 10), AT(9, 10), CR_MODE_REMOTE}},
    /* a connection shorter than a second at 09:31 is presence: it splits
     * the 09:30–09:32 gap into two 60 s gaps, both bridged: 3600 */
    {"zero-length-is-presence",
     {REMOTE(AT(9, 0), AT(9, 30)), REMOTE(AT(9, 31), AT(9, 31)), REMOTE(AT(9, 32), AT(10, 0))},
     3, ENDED, RULES, {3600, TRUE, 0, AT(9, 0), AT(10, 0), CR_MODE_REMOTE}},
    /* left within the second it joined, back 60 s later: bridged from the
     * first join: 09:10–09:40 = 1800 */
    {"zero-length-then-reconnect",
     {REMOTE(AT(9, 10), AT(9, 10)), REMOTE(AT(9, 11), AT(9, 40))},
     2, ENDED, RULES, {1800, FALSE, 600, AT(9, 10), AT(9, 40), CR_MODE_REMOTE}},
    /* a close before the open (clock stepped back): no time; the recorded
     * times are reported as they are */
    {"closed-before-opened", {REMOTE(AT(9, 10), AT(9, 5))}, 1, ENDED, RULES,
     {0, FALSE, 600, AT(9, 10), AT(9, 5), CR_MODE_REMOTE}},
    /* 08:00–08:30, all before 09:00 */
    {"before-window", {REMOTE(AT(8, 0), AT(8, 30))}, 1, ENDED, RULES,
     {0, FALSE, 0, AT(8, 0), AT(8, 30), CR_MODE_REMOTE}},
    /* 10:10–10:20, all after 10:00; late 70 min = 4200 */
    {"after-window", {REMOTE(AT(10, 10), AT(10, 20))}, 1, ENDED, RULES,
     {0, FALSE, 4200, AT(10, 10), AT(10, 20), CR_MODE_REMOTE}},
    /* 08:50–08:59:30 and 09:00:30–09:30: gap 60 bridged to 08:50–09:30, then
     * clipped to 09:00–09:30 = 1800 (clipping first would give 1770) */
    {"bridged-across-start",
     {REMOTE(AT(8, 50), HMS(8, 59, 30)), REMOTE(HMS(9, 0, 30), AT(9, 30))}, 2, ENDED, RULES,
     {1800, FALSE, 0, AT(8, 50), AT(9, 30), CR_MODE_REMOTE}},
    /* 09:00–09:59:30 and 10:00:30–10:10: bridged, clipped 09:00–10:00 */
    {"bridged-across-end",
     {REMOTE(AT(9, 0), HMS(9, 59, 30)), REMOTE(HMS(10, 0, 30), AT(10, 10))}, 2, ENDED, RULES,
     {3600, TRUE, 0, AT(9, 0), AT(10, 10), CR_MODE_REMOTE}},
    /* threshold 0: any credited time completes; 60 s does */
    {"threshold-zero", {REMOTE(AT(9, 0), AT(9, 1))}, 1, ENDED, {120, 0.0},
     {60, TRUE, 0, AT(9, 0), AT(9, 1), CR_MODE_REMOTE}},
    /* threshold 0 but nothing inside the window: not completed */
    {"threshold-zero-outside-window", {REMOTE(AT(8, 0), AT(8, 30))}, 1, ENDED, {120, 0.0},
     {0, FALSE, 0, AT(8, 0), AT(8, 30), CR_MODE_REMOTE}},
    {"threshold-zero-no-intervals", {{0}}, 0, ENDED, {120, 0.0}, {0, FALSE, -1, 0, 0, 0}},
    /* threshold 1: 08:59–10:01 clipped to the whole 3600 */
    {"threshold-one", {REMOTE(AT(8, 59), AT(10, 1))}, 1, ENDED, {120, 1.0},
     {3600, TRUE, 0, AT(8, 59), AT(10, 1), CR_MODE_REMOTE}},
    {"threshold-one-short", {REMOTE(AT(9, 0), HMS(9, 59, 59))}, 1, ENDED, {120, 1.0},
     {3599, FALSE, 0, AT(9, 0), HMS(9, 59, 59), CR_MODE_REMOTE}},
    /* grace 0: touching intervals are one span, 3600 */
    {"grace-zero-touching", {REMOTE(AT(9, 0), AT(9, 30)), REMOTE(AT(9, 30), AT(10, 0))}, 2,
     ENDED, {0, 0.8}, {3600, TRUE, 0, AT(9, 0), AT(10, 0), CR_MODE_REMOTE}},
    /* grace 0: a 1 s gap is not bridged, 1800 + 1799 = 3599 */
    {"grace-zero-gap", {REMOTE(AT(9, 0), AT(9, 30)), REMOTE(HMS(9, 30, 1), AT(10, 0))}, 2,
     ENDED, {0, 0.8}, {3599, TRUE, 0, AT(9, 0), AT(10, 0), CR_MODE_REMOTE}},
    /* scheduled 09:00–09:00: no credit, never completed, arrival reported */
    {"zero-duration", {REMOTE(AT(8, 50), AT(9, 10))}, 1, {AT(9, 0), AT(9, 0), AT(9, 0), AT(10, 30)},
     RULES, {0, FALSE, 0, AT(8, 50), AT(9, 10), CR_MODE_REMOTE}},
    /* scheduled end before start; 09:10 is before the 10:00 "start": late 0 */
    {"negative-duration", {REMOTE(AT(9, 10), AT(9, 20))}, 1, {AT(10, 0), AT(9, 0), 0, AT(10, 30)},
     RULES, {0, FALSE, 0, AT(9, 10), AT(9, 20), CR_MODE_REMOTE}},
};

static void
assert_credit(const char *name, const CrCredit *got, const CrCredit *want)
{
    /* Name the row only when it fails: the rotations share one test path. */
    if (got->credited_seconds != want->credited_seconds || got->completed != want->completed ||
        got->late_seconds != want->late_seconds || got->first_arrival != want->first_arrival ||
        got->last_departure != want->last_departure || got->modes != want->modes)
        g_test_message("case %s", name);
    g_assert_cmpint(got->credited_seconds, ==, want->credited_seconds);
    g_assert_cmpint(got->completed, ==, want->completed);
    g_assert_cmpint(got->late_seconds, ==, want->late_seconds);
    g_assert_cmpint(got->first_arrival, ==, want->first_arrival);
    g_assert_cmpint(got->last_departure, ==, want->last_departure);
    g_assert_cmpuint(got->modes, ==, want->modes);
}

static void
test_case(gconstpointer data)
{
    const CreditCase *c = data;
    CrCredit got;

    /* Garbage in @out must not leak into the result. */
    memset(&got, 0xa5, sizeof got);
    cr_credit_compute(c->n > 0 ? c->intervals : NULL, c->n, &c->window, &c->rules, &got);
    assert_credit(c->name, &got, &c->expected);
}

/* The result must not depend on the order of the input: every rotation and
 * the reversal of each row give that row's hand-computed answer. */
static void
test_order_independent(void)
{
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        const CreditCase *c = &cases[i];
        CrInterval shuffled[MAX_INTERVALS];
        CrCredit got;

        for (gsize r = 1; r < c->n; r++) {
            for (gsize k = 0; k < c->n; k++)
                shuffled[k] = c->intervals[(k + r) % c->n];
            cr_credit_compute(shuffled, c->n, &c->window, &c->rules, &got);
            assert_credit(c->name, &got, &c->expected);
        }
        for (gsize k = 0; k < c->n; k++)
            shuffled[k] = c->intervals[c->n - 1 - k];
        if (c->n > 1) {
            cr_credit_compute(shuffled, c->n, &c->window, &c->rules, &got);
            assert_credit(c->name, &got, &c->expected);
        }
    }
}

static void
test_input_unchanged(void)
{
    /* Out of order, overlapping, one open and one zero-length: everything
     * the computation might be tempted to sort or fix in place. */
    CrInterval intervals[] = {
        REMOTE(AT(9, 40), OPEN),
        IN_PERSON(AT(9, 0), AT(9, 20)),
        REMOTE(AT(9, 10), AT(9, 10)),
        REMOTE(AT(8, 50), AT(9, 15)),
    };
    CrInterval before[G_N_ELEMENTS(intervals)];
    CrCreditWindow window = {AT(9, 0), AT(10, 0), 0, AT(9, 50)};
    CrCreditRules rules = RULES;
    CrCredit got;

    memcpy(before, intervals, sizeof intervals);
    cr_credit_compute(intervals, G_N_ELEMENTS(intervals), &window, &rules, &got);
    g_assert_cmpmem(intervals, sizeof intervals, before, sizeof before);
    /* 08:50–09:20 united, gap 1200, 09:40–09:50 (now): 1200 + 600 */
    g_assert_cmpint(got.credited_seconds, ==, 1800);
}

typedef struct {
    const char *name;
    CrInterval interval;
    CrCreditWindow window;
    gint64 expected;
} CloseCase;

static const CloseCase close_cases[] = {
    {"remote-open-running", REMOTE(AT(9, 0), OPEN), {AT(9, 0), AT(10, 0), 0, AT(9, 40)}, AT(9, 40)},
    {"remote-open-ended-early", REMOTE(AT(9, 0), OPEN), {AT(9, 0), AT(10, 0), AT(9, 45), AT(10, 30)},
     AT(9, 45)},
    {"remote-open-overrun", REMOTE(AT(9, 0), OPEN), {AT(9, 0), AT(10, 0), 0, AT(10, 20)},
     AT(10, 20)},
    {"in-person-open-running", IN_PERSON(AT(9, 0), OPEN), {AT(9, 0), AT(10, 0), 0, AT(9, 30)},
     AT(9, 30)},
    {"in-person-open-overrun", IN_PERSON(AT(9, 0), OPEN), {AT(9, 0), AT(10, 0), 0, AT(10, 20)},
     AT(10, 0)},
    {"in-person-open-ended-early", IN_PERSON(AT(9, 0), OPEN),
     {AT(9, 0), AT(10, 0), AT(9, 45), AT(10, 30)}, AT(9, 45)},
    {"in-person-open-ended-late", IN_PERSON(AT(9, 0), OPEN),
     {AT(9, 0), AT(10, 0), AT(10, 15), AT(10, 30)}, AT(10, 15)},
    {"closed-kept", REMOTE(AT(9, 0), AT(9, 20)), ENDED, AT(9, 20)},
    {"closed-after-actual-end-kept", IN_PERSON(AT(9, 0), AT(9, 50)),
     {AT(9, 0), AT(10, 0), AT(9, 45), AT(10, 30)}, AT(9, 50)},
};

static void
test_effective_close(gconstpointer data)
{
    const CloseCase *c = data;

    g_assert_cmpint(cr_credit_effective_close(&c->interval, &c->window), ==, c->expected);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/credit/compute/%s", cases[i].name);
        g_test_add_data_func(path, &cases[i], test_case);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(close_cases); i++) {
        g_autofree char *path = g_strdup_printf("/credit/effective-close/%s", close_cases[i].name);
        g_test_add_data_func(path, &close_cases[i], test_effective_close);
    }
    g_test_add_func("/credit/order-independent", test_order_independent);
    g_test_add_func("/credit/input-unchanged", test_input_unchanged);
    return g_test_run();
}
