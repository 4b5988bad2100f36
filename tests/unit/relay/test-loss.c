/* test-loss.c — tests for relay/loss.c: upstream loss detection for NACKs
 * (RFC 4585 §6.2.1) and receive statistics for RTCP receiver reports (RFC
 * 3550 §6.4.1, Appendix A.1, A.3, A.8).
 *
 * Single-threaded GTest. Loss scenarios are scripts of received seqs and
 * NACK polls with the expected NACK lists; the report values are worked
 * out by hand in the comments from the RFC's formulas.
 */
#include "relay/loss.h"

#include <string.h>

#define MS 1000

/* One event of a loss script: a received seq, or (poll) a call to
 * cr_loss_take_nacks expecting @nacks, @n of them. */
typedef struct {
    gint64 now_us;
    gboolean poll;
    guint16 seq;
    guint n;
    guint16 nacks[8];
} Event;

#define RECV(t, s)     {(t), FALSE, (s), 0, {0}}
#define POLL(t, n, ...) {(t), TRUE, 0, (n), {__VA_ARGS__}}

static void
run_events(const char *name, CrLoss *l, const Event *ev, gsize n_ev)
{
    for (gsize i = 0; i < n_ev; i++) {
        if (!ev[i].poll) {
            cr_loss_on_packet(l, ev[i].seq, ev[i].now_us);
            continue;
        }
        guint16 out[G_N_ELEMENTS(ev[i].nacks) + 1];
        gsize n = cr_loss_take_nacks(l, ev[i].now_us, out, G_N_ELEMENTS(out));
        gboolean same = n == ev[i].n;
        for (gsize k = 0; same && k < n; k++)
            same = out[k] == ev[i].nacks[k];
        if (!same) {
            GString *got = g_string_new(NULL);
            for (gsize k = 0; k < n; k++)
                g_string_append_printf(got, " %u", out[k]);
            g_error("%s event %zu: got %zu NACKs:%s; expected %u", name, i, n, got->str, ev[i].n);
        }
    }
}

static void
test_single_gap(void)
{
    CrLoss l;
    cr_loss_init(&l);
    static const Event ev[] = {
        RECV(0, 100),
        RECV(20 * MS, 101),
        RECV(40 * MS, 103),       /* 102 missing, due at 50 ms */
        POLL(40 * MS, 0),
        POLL(49999, 0),           /* the reordering delay is not over */
        POLL(50 * MS, 1, 102),
        POLL(50 * MS, 0),         /* not again before an RTT */
        POLL(149999, 0),
        POLL(150 * MS, 1, 102),   /* first retry, 100 ms later */
    };
    run_events("single", &l, ev, G_N_ELEMENTS(ev));
    g_assert_cmpuint(l.n_missing, ==, 1);
    g_assert_cmpuint(l.highest, ==, 103);
}

static void
test_burst(void)
{
    CrLoss l;
    cr_loss_init(&l);
    static const Event ev[] = {
        RECV(0, 10),
        RECV(1 * MS, 15),  /* 11..14 due at 11 ms */
        RECV(5 * MS, 16),
        RECV(6 * MS, 20),  /* 17..19 due at 16 ms */
        POLL(11 * MS, 4, 11, 12, 13, 14),
        POLL(16 * MS, 3, 17, 18, 19),
        RECV(20 * MS, 12), /* 12 arrives after all */
        POLL(111 * MS, 3, 11, 13, 14),
        POLL(116 * MS, 3, 17, 18, 19),
    };
    run_events("burst", &l, ev, G_N_ELEMENTS(ev));
    g_assert_cmpuint(l.n_missing, ==, 6);

    /* A small @max takes the oldest first and leaves the rest due. */
    guint16 out[2];
    cr_loss_init(&l);
    cr_loss_on_packet(&l, 10, 0);
    cr_loss_on_packet(&l, 15, 0);
    g_assert_cmpuint(cr_loss_take_nacks(&l, 10 * MS, out, 2), ==, 2);
    g_assert_cmpuint(out[0], ==, 11);
    g_assert_cmpuint(out[1], ==, 12);
    g_assert_cmpuint(cr_loss_take_nacks(&l, 10 * MS, out, 2), ==, 2);
    g_assert_cmpuint(out[0], ==, 13);
    g_assert_cmpuint(out[1], ==, 14);
    g_assert_cmpuint(cr_loss_take_nacks(&l, 10 * MS, out, 2), ==, 0);
    g_assert_cmpuint(cr_loss_take_nacks(&l, 10 * MS, NULL, 0), ==, 0);
}

static void
test_reorder(void)
{
    CrLoss l;
    cr_loss_init(&l);
    static const Event ev[] = {
        RECV(0, 50),
        RECV(1 * MS, 52),
        RECV(2 * MS, 54),
        RECV(5 * MS, 51), /* within the 10 ms: never NACKed */
        RECV(9 * MS, 53),
        RECV(9 * MS, 53), /* a duplicate changes nothing */
        RECV(9 * MS, 54),
        POLL(20 * MS, 0),
        POLL(500 * MS, 0),
    };
    run_events("reorder", &l, ev, G_N_ELEMENTS(ev));
    g_assert_cmpuint(l.n_missing, ==, 0);
}

static void
test_retry_give_up(void)
{
    CrLoss l;
    cr_loss_init(&l);
    static const Event ev[] = {
        RECV(0, 1000),
        RECV(0, 1002),
        POLL(10 * MS, 1, 1001),  /* 1st NACK */
        POLL(109 * MS, 0),
        POLL(110 * MS, 1, 1001), /* 2nd, one RTT later */
        POLL(210 * MS, 1, 1001), /* 3rd */
        POLL(309 * MS, 0),
        POLL(310 * MS, 0),       /* given up */
        POLL(2000 * MS, 0),
    };
    run_events("give up", &l, ev, G_N_ELEMENTS(ev));
    g_assert_cmpuint(l.n_missing, ==, 0);

    /* With a measured RTT of 40 ms the retries follow it. */
    cr_loss_init(&l);
    cr_loss_set_rtt(&l, 40 * MS);
    static const Event rtt[] = {
        RECV(0, 7),
        RECV(0, 9),
        POLL(10 * MS, 1, 8),
        POLL(49 * MS, 0),
        POLL(50 * MS, 1, 8),
        POLL(90 * MS, 1, 8),
        POLL(130 * MS, 0),
    };
    run_events("rtt", &l, rtt, G_N_ELEMENTS(rtt));
}

static void
test_set_rtt(void)
{
    static const struct {
        gint64 rtt;
        gint64 expect;
    } cases[] = {
        {40 * MS, 40 * MS},
        {1 * MS, CR_LOSS_REORDER_DELAY_US}, /* raised to the reordering delay */
        {0, CR_LOSS_DEFAULT_RTT_US},
        {-5, CR_LOSS_DEFAULT_RTT_US},
        {3000 * MS, 3000 * MS},
    };
    CrLoss l;
    cr_loss_init(&l);
    g_assert_cmpint(l.rtt_us, ==, CR_LOSS_DEFAULT_RTT_US);
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        cr_loss_set_rtt(&l, cases[i].rtt);
        g_assert_cmpint(l.rtt_us, ==, cases[i].expect);
    }
}

static void
test_recovery(void)
{
    CrLoss l;
    cr_loss_init(&l);
    static const Event ev[] = {
        RECV(0, 300),
        RECV(0, 304),                 /* 301..303 */
        POLL(10 * MS, 3, 301, 302, 303),
        RECV(30 * MS, 302),           /* retransmitted */
        POLL(110 * MS, 2, 301, 303),
        RECV(120 * MS, 301),
        RECV(120 * MS, 303),
        POLL(210 * MS, 0),
        POLL(310 * MS, 0),
    };
    run_events("recovery", &l, ev, G_N_ELEMENTS(ev));
    g_assert_cmpuint(l.n_missing, ==, 0);
}

static void
test_wrap(void)
{
    CrLoss l;
    cr_loss_init(&l);
    static const Event ev[] = {
        RECV(0, 65533),
        RECV(0, 65534),
        RECV(1 * MS, 1), /* 65535 and 0 missing, in that order */
        POLL(11 * MS, 2, 65535, 0),
        RECV(12 * MS, 0),
        POLL(111 * MS, 1, 65535),
    };
    run_events("wrap", &l, ev, G_N_ELEMENTS(ev));
    g_assert_cmpuint(l.highest, ==, 1);
    g_assert_cmpuint(l.n_missing, ==, 1);
}

static void
test_large_jump(void)
{
    CrLoss l;
    guint16 out[CR_LOSS_WINDOW];
    cr_loss_init(&l);

    /* More than the window ahead: a reset, nothing to NACK. */
    cr_loss_on_packet(&l, 100, 0);
    cr_loss_on_packet(&l, 102, 0);
    cr_loss_on_packet(&l, 102 + CR_LOSS_WINDOW + 1, 0);
    g_assert_cmpuint(l.n_missing, ==, 0);
    g_assert_cmpuint(l.highest, ==, 102 + CR_LOSS_WINDOW + 1);
    g_assert_cmpuint(cr_loss_take_nacks(&l, 1000 * MS, out, G_N_ELEMENTS(out)), ==, 0);

    /* Exactly the window ahead: the 511 seqs between are missing. */
    cr_loss_init(&l);
    cr_loss_on_packet(&l, 65000, 0);
    cr_loss_on_packet(&l, (guint16)(65000 + CR_LOSS_WINDOW), 0);
    g_assert_cmpuint(l.n_missing, ==, CR_LOSS_WINDOW - 1);
    gsize n = cr_loss_take_nacks(&l, 10 * MS, out, G_N_ELEMENTS(out));
    g_assert_cmpuint(n, ==, CR_LOSS_WINDOW - 1);
    for (gsize i = 0; i < n; i++)
        g_assert_cmpuint(out[i], ==, (guint16)(65001 + i));
}

static void
test_window_slides(void)
{
    CrLoss l;
    guint16 out[4];
    cr_loss_init(&l);
    cr_loss_on_packet(&l, 10, 0);
    cr_loss_on_packet(&l, 12, 0); /* 11 missing */
    /* In order up to 522: 11 is still the window's oldest (522 - 511). */
    for (guint16 s = 13; s <= 522; s++)
        cr_loss_on_packet(&l, s, 0);
    g_assert_cmpuint(l.n_missing, ==, 1);
    /* 523 pushes it out: no NACK for a seq that left the window. */
    cr_loss_on_packet(&l, 523, 0);
    g_assert_cmpuint(l.n_missing, ==, 0);
    g_assert_cmpuint(cr_loss_take_nacks(&l, 1000 * MS, out, G_N_ELEMENTS(out)), ==, 0);
    /* And a late 11 is no longer tracked. */
    cr_loss_on_packet(&l, 11, 0);
    g_assert_cmpuint(l.n_missing, ==, 0);
    g_assert_cmpuint(l.highest, ==, 523);
}

static void
test_step_back(void)
{
    CrLoss l;
    cr_loss_init(&l);
    cr_loss_on_packet(&l, 5000, 0);
    cr_loss_on_packet(&l, 5002, 0); /* 5001 missing */

    /* Behind the window but within 3000: ignored, also twice. */
    cr_loss_on_packet(&l, 4000, 0);
    cr_loss_on_packet(&l, 4001, 0);
    g_assert_cmpuint(l.highest, ==, 5002);
    g_assert_cmpuint(l.n_missing, ==, 1);

    /* One packet far behind is a stray: ignored. */
    cr_loss_on_packet(&l, 1000, 0);
    cr_loss_on_packet(&l, 5003, 0);
    g_assert_cmpuint(l.highest, ==, 5003);
    g_assert_cmpuint(l.n_missing, ==, 1);

    /* Two in a row far behind: the publisher restarted its numbering. */
    cr_loss_on_packet(&l, 1000, 0);
    cr_loss_on_packet(&l, 1001, 0);
    g_assert_cmpuint(l.highest, ==, 1001);
    g_assert_cmpuint(l.n_missing, ==, 0);
    cr_loss_on_packet(&l, 1003, 0);
    g_assert_cmpuint(l.n_missing, ==, 1);
}

/* ---- Receive statistics ------------------------------------------------- */

typedef struct {
    guint16 seq;
    guint32 ts;
    gint64 arrival_us;
} Arrival;

static void
feed(CrRecvStats *s, const Arrival *a, gsize n, guint32 clock_rate)
{
    for (gsize i = 0; i < n; i++)
        cr_recv_stats_update(s, a[i].seq, a[i].ts, a[i].arrival_us, clock_rate);
}

static void
assert_report(const CrReportValues *v, guint8 fraction, gint32 cumulative, guint32 highest,
              guint32 jitter)
{
    g_assert_cmpuint(v->fraction_lost, ==, fraction);
    g_assert_cmpint(v->cumulative_lost, ==, cumulative);
    g_assert_cmpuint(v->highest_seq, ==, highest);
    g_assert_cmpuint(v->jitter, ==, jitter);
}

static void
test_rr_known_sequence(void)
{
    /* 8 kHz (125 µs a tick), a packet every 20 ms (160 ticks); 103 is
     * lost. D = arrival gap in ticks - timestamp gap; J16 += |D| -
     * ((J16 + 8) >> 4), reported J16 >> 4. */
    static const Arrival first[] = {
        {100, 1000, 1000000}, /* transit reference */
        {101, 1160, 1020000}, /* 160 - 160 = 0:       J16 = 0 */
        {102, 1320, 1050000}, /* 240 - 160 = 80:      J16 = 0 + 80 - 0 = 80 */
        {104, 1640, 1080000}, /* 240 - 320 = -80:     J16 = 80 + 80 - 5 = 155 */
        {105, 1800, 1090000}, /* 80 - 160 = -80:      J16 = 155 + 80 - 10 = 225 */
    };
    /* The float form of A.8 agrees: J = 0, 5, 9.69, 14.08 -> 14. */
    CrRecvStats s;
    CrReportValues v;
    cr_recv_stats_init(&s);
    feed(&s, first, G_N_ELEMENTS(first), 8000);
    g_assert_cmpuint(s.jitter_x16, ==, 225);

    /* expected 105 - 100 + 1 = 6, received 5: lost 1, fraction 256/6 =
     * 42.67 -> 42. The SR arrived 1.5 s ago: DLSR 1.5 × 65536 = 98304. */
    g_assert_true(cr_recv_stats_report_block(&s, 2500000, 0x12345678, 1000000, &v));
    assert_report(&v, 42, 1, 105, 14);
    g_assert_cmphex(v.lsr, ==, 0x12345678);
    g_assert_cmpuint(v.dlsr, ==, 98304);

    static const Arrival second[] = {
        {103, 1480, 1200000}, /* the retransmission: counted, no jitter */
        {106, 1960, 1210000}, /* 960 - 160 = 800:    J16 = 225 + 800 - 14 = 1011 */
    };
    feed(&s, second, G_N_ELEMENTS(second), 8000);
    g_assert_cmpuint(s.jitter_x16, ==, 1011);
    /* expected 7, received 7: nothing lost; this interval expected 1 and
     * received 2, so its fraction is 0, not negative. */
    g_assert_true(cr_recv_stats_report_block(&s, 3000000, 0x12345678, 2000000, &v));
    assert_report(&v, 0, 0, 106, 63);
    g_assert_cmpuint(v.dlsr, ==, 65536);

    /* A duplicate: received 8 of 7 expected, cumulative lost -1. */
    cr_recv_stats_update(&s, 106, 1960, 1220000, 8000);
    g_assert_true(cr_recv_stats_report_block(&s, 3100000, 0, 0, &v));
    assert_report(&v, 0, -1, 106, 63);
    g_assert_cmpuint(v.lsr, ==, 0); /* no SR yet: LSR and DLSR 0 */
    g_assert_cmpuint(v.dlsr, ==, 0);
}

static void
test_rr_fraction(void)
{
    /* Per-interval fraction: 10 expected, 7 received -> 3 × 256 / 10 =
     * 76.8 -> 76; then 4 expected, 1 received -> 192. */
    CrRecvStats s;
    CrReportValues v;
    cr_recv_stats_init(&s);
    static const guint16 first[] = {0, 1, 2, 4, 5, 7, 9};
    for (gsize i = 0; i < G_N_ELEMENTS(first); i++)
        cr_recv_stats_update(&s, first[i], 0, 0, 0);
    cr_recv_stats_report_block(&s, 0, 0, 0, &v);
    assert_report(&v, 76, 3, 9, 0);
    cr_recv_stats_update(&s, 13, 0, 0, 0);
    cr_recv_stats_report_block(&s, 0, 0, 0, &v);
    assert_report(&v, 192, 6, 13, 0);
    /* Nothing new: an empty interval reports 0. */
    cr_recv_stats_report_block(&s, 0, 0, 0, &v);
    assert_report(&v, 0, 6, 13, 0);
}

static void
test_rr_wrap(void)
{
    CrRecvStats s;
    CrReportValues v;
    cr_recv_stats_init(&s);
    static const guint16 seqs[] = {65534, 65535, 0, 1, 65535 /* late duplicate */, 3};
    for (gsize i = 0; i < G_N_ELEMENTS(seqs); i++)
        cr_recv_stats_update(&s, seqs[i], 0, 0, 0);
    g_assert_cmpuint(s.cycles, ==, 65536);
    /* Extended highest 65536 + 3; expected 65539 - 65534 + 1 = 6 and
     * received 6: 2 is lost, but the duplicate 65535 counts as received
     * (A.1), so cumulative lost is 0. */
    cr_recv_stats_report_block(&s, 0, 0, 0, &v);
    assert_report(&v, 0, 0, 0x00010003, 0);
}

static void
test_rr_restart(void)
{
    CrRecvStats s;
    CrReportValues v;
    cr_recv_stats_init(&s);

    /* A stray far-off packet is not counted. */
    static const guint16 stray[] = {100, 101, 30000, 102};
    for (gsize i = 0; i < G_N_ELEMENTS(stray); i++)
        cr_recv_stats_update(&s, stray[i], 0, 0, 0);
    cr_recv_stats_report_block(&s, 0, 0, 0, &v);
    assert_report(&v, 0, 0, 102, 0);

    /* Two in a row: a restart, counting from the second. */
    cr_recv_stats_update(&s, 20000, 0, 0, 0);
    cr_recv_stats_update(&s, 20001, 0, 0, 0);
    cr_recv_stats_update(&s, 20003, 0, 0, 0);
    cr_recv_stats_report_block(&s, 0, 0, 0, &v);
    /* expected 20003 - 20001 + 1 = 3, received 2 */
    assert_report(&v, 85, 1, 20003, 0);
    g_assert_cmpuint(s.base_seq, ==, 20001);

    /* Within A.1's limits nothing restarts: 2999 ahead is a gap, 99
     * behind a reordered packet (100 behind would be a suspect jump). */
    cr_recv_stats_update(&s, 20003 + 2999, 0, 0, 0);
    cr_recv_stats_update(&s, 20003 + 2999 - 99, 0, 0, 0);
    g_assert_cmpuint(s.max_seq, ==, 23002);
    g_assert_cmpuint(s.base_seq, ==, 20001);
    g_assert_cmpuint(s.received, ==, 4);
    cr_recv_stats_update(&s, 23002 - 100, 0, 0, 0);
    g_assert_cmpuint(s.received, ==, 4);
    g_assert_cmpuint(s.bad_seq, ==, 22903);
}

static void
test_rr_clamp(void)
{
    CrRecvStats s;
    CrReportValues v;

    /* 200 cycles with one packet received: 13107200 lost, more than 24
     * signed bits hold. The fields are set by hand: feeding 13 million
     * packets would prove nothing more. */
    cr_recv_stats_init(&s);
    cr_recv_stats_update(&s, 0, 0, 0, 0);
    s.cycles = 200 * 65536;
    cr_recv_stats_report_block(&s, 0, 0, 0, &v);
    g_assert_cmpint(v.cumulative_lost, ==, 0x7fffff);
    g_assert_cmpuint(v.fraction_lost, ==, 255); /* 13107200 × 256 / 13107201 = 255.99 */

    cr_recv_stats_init(&s);
    cr_recv_stats_update(&s, 0, 0, 0, 0);
    s.received = 0x900000;
    cr_recv_stats_report_block(&s, 0, 0, 0, &v);
    g_assert_cmpint(v.cumulative_lost, ==, -0x800000);
    g_assert_cmpuint(v.fraction_lost, ==, 0);
}

static void
test_rr_empty_and_dlsr(void)
{
    CrRecvStats s;
    CrReportValues v;
    memset(&v, 0xab, sizeof v);
    cr_recv_stats_init(&s);
    g_assert_false(cr_recv_stats_report_block(&s, 0, 0x1, 0, &v));
    assert_report(&v, 0, 0, 0, 0);
    g_assert_cmpuint(v.lsr, ==, 0);

    static const struct {
        gint64 delay_us;
        guint32 dlsr;
    } cases[] = {
        {0, 0},
        {-100, 0},             /* a clock quirk: never negative */
        {15, 0},               /* 0.98 of a unit */
        {16, 1},               /* 1.05 */
        {250000, 16384},       /* a quarter second */
        {5 * G_USEC_PER_SEC, 327680},
        {(gint64)65535 * G_USEC_PER_SEC, 0xffff0000u},
        {(gint64)65536 * G_USEC_PER_SEC, G_MAXUINT32}, /* saturates */
    };
    cr_recv_stats_update(&s, 1, 0, 0, 90000);
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        gint64 sr_at = 7 * G_USEC_PER_SEC;
        cr_recv_stats_report_block(&s, sr_at + cases[i].delay_us, 0xcafe, sr_at, &v);
        g_assert_cmpuint(v.lsr, ==, 0xcafe);
        if (v.dlsr != cases[i].dlsr)
            g_error("dlsr %zu: %u, expected %u", i, v.dlsr, cases[i].dlsr);
    }
}

static void
test_rr_jitter_90k(void)
{
    /* Video at 90 kHz: a frame every 33 ms of media (2970 ticks) arriving
     * with alternating 30 and 36 ms gaps (2700 and 3240 ticks): |D| = 270
     * every time. J16: 270, 270+270-17 = 523, 523+270-33 = 760, 760+270-48
     * = 982. A clock rate of 0 leaves the jitter alone. */
    static const Arrival a[] = {
        {1, 0, 0},
        {2, 2970, 30000},
        {3, 5940, 66000},
        {4, 8910, 96000},
        {5, 11880, 132000},
    };
    CrRecvStats s;
    CrReportValues v;
    cr_recv_stats_init(&s);
    feed(&s, a, G_N_ELEMENTS(a), 90000);
    g_assert_cmpuint(s.jitter_x16, ==, 982);
    cr_recv_stats_update(&s, 6, 0, 10000000, 0);
    g_assert_cmpuint(s.jitter_x16, ==, 982);
    cr_recv_stats_report_block(&s, 0, 0, 0, &v);
    assert_report(&v, 0, 0, 6, 61);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/loss/single-gap", test_single_gap);
    g_test_add_func("/loss/burst", test_burst);
    g_test_add_func("/loss/reorder", test_reorder);
    g_test_add_func("/loss/retry-give-up", test_retry_give_up);
    g_test_add_func("/loss/set-rtt", test_set_rtt);
    g_test_add_func("/loss/recovery", test_recovery);
    g_test_add_func("/loss/wrap", test_wrap);
    g_test_add_func("/loss/large-jump", test_large_jump);
    g_test_add_func("/loss/window-slides", test_window_slides);
    g_test_add_func("/loss/step-back", test_step_back);
    g_test_add_func("/recv-stats/known-sequence", test_rr_known_sequence);
    g_test_add_func("/recv-stats/fraction", test_rr_fraction);
    g_test_add_func("/recv-stats/wrap", test_rr_wrap);
    g_test_add_func("/recv-stats/restart", test_rr_restart);
    g_test_add_func("/recv-stats/clamp", test_rr_clamp);
    g_test_add_func("/recv-stats/empty-and-dlsr", test_rr_empty_and_dlsr);
    g_test_add_func("/recv-stats/jitter-90k", test_rr_jitter_90k);
    return g_test_run();
}
