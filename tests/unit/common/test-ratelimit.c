/* test-ratelimit.c — tests for common/ratelimit.c, a token bucket with
 * injected time. Single-threaded GTest; no clock is read.
 */
#include "common/ratelimit.h"

#define T0     G_GINT64_CONSTANT(1000000000) /* an arbitrary monotonic start */
#define MS(ms) ((gint64)(ms) * 1000)
#define S(s)   ((gint64)(s) * G_USEC_PER_SEC)

/* Takes as many tokens as allowed at @now (stopping at @max). */
static int
drain(CrRateLimit *rl, gint64 now, int max)
{
    int taken = 0;
    while (taken < max && cr_ratelimit_take(rl, now))
        taken++;
    return taken;
}

static void
test_burst(void)
{
    CrRateLimit rl;
    cr_ratelimit_init(&rl, 2.0, 5.0, T0);
    /* A full bucket: exactly @burst at once, then refused. */
    g_assert_cmpint(drain(&rl, T0, 100), ==, 5);
    g_assert_false(cr_ratelimit_take(&rl, T0));
    g_assert_false(cr_ratelimit_take(&rl, T0));
}

static void
test_refill_rate(void)
{
    /* Rates and steps are chosen so that every token count is exact in
     * binary floating point (0.125 s x 4/s = 0.5). */
    CrRateLimit rl;
    cr_ratelimit_init(&rl, 4.0, 5.0, T0);
    g_assert_cmpint(drain(&rl, T0, 100), ==, 5);
    /* 4 per second: one token every 250 ms; half a token is not enough. */
    g_assert_false(cr_ratelimit_take(&rl, T0 + MS(125)));
    /* The half token is kept: 125 ms more completes it. */
    g_assert_true(cr_ratelimit_take(&rl, T0 + MS(250)));
    g_assert_false(cr_ratelimit_take(&rl, T0 + MS(250)));
    g_assert_true(cr_ratelimit_take(&rl, T0 + MS(500)));
    g_assert_false(cr_ratelimit_take(&rl, T0 + MS(500)));
    /* 750 ms later: three tokens. */
    g_assert_cmpint(drain(&rl, T0 + MS(1250), 100), ==, 3);

    /* A slow rate: 0.125 per second, one token every 8 s. */
    CrRateLimit slow;
    cr_ratelimit_init(&slow, 0.125, 1.0, T0);
    g_assert_true(cr_ratelimit_take(&slow, T0));
    g_assert_false(cr_ratelimit_take(&slow, T0 + S(7)));
    g_assert_true(cr_ratelimit_take(&slow, T0 + S(8)));
    g_assert_false(cr_ratelimit_take(&slow, T0 + S(8)));
    g_assert_false(cr_ratelimit_take(&slow, T0 + S(15)));
    g_assert_true(cr_ratelimit_take(&slow, T0 + S(16)));
}

static void
test_no_refill_beyond_burst(void)
{
    CrRateLimit rl;
    cr_ratelimit_init(&rl, 2.0, 5.0, T0);
    /* An hour idle fills the bucket, but only to @burst. */
    g_assert_cmpint(drain(&rl, T0 + S(3600), 100), ==, 5);
    /* Partly used, then idle: back to @burst, not more. */
    g_assert_true(cr_ratelimit_take(&rl, T0 + S(7200)));
    g_assert_true(cr_ratelimit_take(&rl, T0 + S(7200)));
    g_assert_cmpint(drain(&rl, T0 + S(7300), 100), ==, 5);
    g_assert_cmpfloat(rl.tokens, <=, rl.burst);
}

static void
test_time_going_backwards(void)
{
    CrRateLimit rl;
    cr_ratelimit_init(&rl, 2.0, 5.0, T0 + S(10));
    g_assert_cmpint(drain(&rl, T0 + S(10), 100), ==, 5);
    /* Earlier than the last call: no tokens appear from the jump... */
    g_assert_false(cr_ratelimit_take(&rl, T0));
    g_assert_false(cr_ratelimit_take(&rl, T0 + S(5)));
    /* ...and the jump back does not make the next refill larger: 500 ms
     * after the latest time seen gives one token, not the 5.5 s worth
     * measured from the earlier time. */
    g_assert_true(cr_ratelimit_take(&rl, T0 + S(10) + MS(500)));
    g_assert_false(cr_ratelimit_take(&rl, T0 + S(10) + MS(500)));
    /* Going back with tokens left still lets them be taken. */
    g_assert_cmpint(drain(&rl, T0 + S(20), 100), ==, 5);
    CrRateLimit spare;
    cr_ratelimit_init(&spare, 1.0, 3.0, T0 + S(100));
    g_assert_true(cr_ratelimit_take(&spare, T0 + S(50)));
    g_assert_cmpint(drain(&spare, T0 + S(50), 100), ==, 2);
}

static void
test_burst_below_one(void)
{
    /* A burst below 1 would never allow anything; it is raised to 1. */
    CrRateLimit rl;
    cr_ratelimit_init(&rl, 1.0, 0.0, T0);
    g_assert_true(cr_ratelimit_take(&rl, T0));
    g_assert_false(cr_ratelimit_take(&rl, T0));
    g_assert_true(cr_ratelimit_take(&rl, T0 + S(1)));
    g_assert_cmpint(drain(&rl, T0 + S(100), 100), ==, 1);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ratelimit/burst", test_burst);
    g_test_add_func("/ratelimit/refill-rate", test_refill_rate);
    g_test_add_func("/ratelimit/no-refill-beyond-burst", test_no_refill_beyond_burst);
    g_test_add_func("/ratelimit/time-going-backwards", test_time_going_backwards);
    g_test_add_func("/ratelimit/burst-below-one", test_burst_below_one);
    return g_test_run();
}
