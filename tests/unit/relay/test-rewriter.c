/* test-rewriter.c — tests for relay/rewriter.c (RFC 3550 §5.1 numbering
 * across source switches).
 *
 * Single-threaded GTest. Each scenario is a script of packets with the
 * result worked out by hand in the comments: a switch gives last_out_seq
 * + 1 and last_out_ts + floor(elapsed × rate / 10^6); packets of the
 * current source map by fixed offsets.
 */
#include "relay/rewriter.h"

#define SRC_A 0xa11ceULL
#define SRC_B 0xb0bULL

typedef struct {
    guint64 source;
    guint16 in_seq;
    guint32 in_ts;
    gboolean key;
    gint64 now_us;
    CrRewriteResult result;
    guint16 out_seq; /* checked only for FORWARD */
    guint32 out_ts;
} Step;

#define FWD  CR_REWRITE_FORWARD
#define WAIT CR_REWRITE_DROP_WAIT_KEYFRAME
#define OLD  CR_REWRITE_DROP_OLD
#define MS   1000

static void
run_steps(const char *name, CrRewriter *rw, const Step *steps, gsize n)
{
    for (gsize i = 0; i < n; i++) {
        const Step *s = &steps[i];
        guint16 out_seq = 0x5555;
        guint32 out_ts = 0x55555555;
        CrRewriteResult r = cr_rewriter_map(rw, s->source, s->in_seq, s->in_ts, s->key,
                                            s->now_us, &out_seq, &out_ts);
        if (r != s->result)
            g_error("%s step %zu: result %d, expected %d", name, i, r, s->result);
        if (r == FWD && (out_seq != s->out_seq || out_ts != s->out_ts))
            g_error("%s step %zu: out %u/%u, expected %u/%u", name, i, out_seq, out_ts,
                    s->out_seq, s->out_ts);
        if (r != FWD && (out_seq != 0x5555 || out_ts != 0x55555555))
            g_error("%s step %zu: outputs written on a drop", name, i);
    }
}

static void
test_first_packet(void)
{
    CrRewriter rw;
    cr_rewriter_init_full(&rw, 0x1234, 48000, FALSE, 1000, 5000);
    g_assert_cmphex(rw.out_ssrc, ==, 0x1234);
    g_assert_false(rw.mapped);
    static const Step steps[] = {
        /* The first packet ever goes out with the initial numbers. */
        {SRC_A, 7, 100, FALSE, 50 * MS, FWD, 1000, 5000},
        /* Then in + offset: 1000 - 7 = 993, 5000 - 100 = 4900. */
        {SRC_A, 8, 1060, FALSE, 70 * MS, FWD, 1001, 5960},
        {SRC_A, 9, 2020, FALSE, 90 * MS, FWD, 1002, 6920},
    };
    run_steps("first", &rw, steps, G_N_ELEMENTS(steps));
    g_assert_true(rw.mapped);
    g_assert_cmpuint(rw.last_out_seq, ==, 1002);
    g_assert_cmpuint(rw.last_out_ts, ==, 6920);
    g_assert_cmpint(rw.last_out_us, ==, 90 * MS);
}

static void
test_switch_continuity(void)
{
    CrRewriter rw;
    cr_rewriter_init_full(&rw, 1, 48000, FALSE, 1000, 5000);
    static const Step steps[] = {
        {SRC_A, 100, 0, FALSE, 0, FWD, 1000, 5000},
        {SRC_A, 101, 960, FALSE, 20 * MS, FWD, 1001, 5960},
        {SRC_A, 102, 1920, FALSE, 40 * MS, FWD, 1002, 6920},
        /* B takes over 60 ms after A's last: 60 ms × 48 kHz = 2880. */
        {SRC_B, 40000, 123456, FALSE, 100 * MS, FWD, 1003, 6920 + 2880},
        {SRC_B, 40001, 124416, FALSE, 120 * MS, FWD, 1004, 9800 + 960},
        /* Back to A, 80 ms later (3840 ticks), with A's numbers moved on:
         * new offsets, still continuous. */
        {SRC_A, 150, 50000, FALSE, 200 * MS, FWD, 1005, 10760 + 3840},
        {SRC_A, 151, 50960, FALSE, 220 * MS, FWD, 1006, 14600 + 960},
        /* B again right away: 1 ms is 48 ticks. */
        {SRC_B, 40100, 200000, FALSE, 221 * MS, FWD, 1007, 15560 + 48},
    };
    run_steps("switch", &rw, steps, G_N_ELEMENTS(steps));
    g_assert_cmpuint(rw.source_id, ==, SRC_B);
}

static void
test_seq_wrap(void)
{
    CrRewriter rw;

    /* On input: 65534, 65535, 0, 1 map one-to-one. */
    cr_rewriter_init_full(&rw, 1, 48000, FALSE, 300, 0);
    static const Step in_wrap[] = {
        {SRC_A, 65534, 0, FALSE, 0, FWD, 300, 0},
        {SRC_A, 65535, 960, FALSE, 20 * MS, FWD, 301, 960},
        {SRC_A, 0, 1920, FALSE, 40 * MS, FWD, 302, 1920},
        {SRC_A, 1, 2880, FALSE, 60 * MS, FWD, 303, 2880},
        /* A late 65535 still maps to 301. */
        {SRC_A, 65535, 960, FALSE, 61 * MS, FWD, 301, 960},
    };
    run_steps("input wrap", &rw, in_wrap, G_N_ELEMENTS(in_wrap));

    /* On output: initial 65534, and a switch lands on 0. */
    cr_rewriter_init_full(&rw, 1, 48000, FALSE, 65534, 0);
    static const Step out_wrap[] = {
        {SRC_A, 10, 0, FALSE, 0, FWD, 65534, 0},
        {SRC_A, 11, 960, FALSE, 20 * MS, FWD, 65535, 960},
        {SRC_B, 5000, 777, FALSE, 40 * MS, FWD, 0, 960 + 960},
        {SRC_B, 5001, 1737, FALSE, 60 * MS, FWD, 1, 2880},
        /* Reordered across the output wrap. */
        {SRC_B, 5000, 777, FALSE, 61 * MS, FWD, 0, 1920},
    };
    run_steps("output wrap", &rw, out_wrap, G_N_ELEMENTS(out_wrap));
    g_assert_cmpuint(rw.last_out_seq, ==, 1);
}

static void
test_ts_wrap(void)
{
    CrRewriter rw;
    cr_rewriter_init_full(&rw, 1, 48000, FALSE, 1, 0xffffff00u);
    static const Step steps[] = {
        /* Output wraps: 0xffffff00 + 960 = 2^32 + 704. */
        {SRC_A, 1, 0, FALSE, 0, FWD, 1, 0xffffff00u},
        {SRC_A, 2, 960, FALSE, 20 * MS, FWD, 2, 704},
        /* Input wraps too: offset 0xffffff00 still applies. */
        {SRC_B, 9, 0xfffffe00u, FALSE, 40 * MS, FWD, 3, 704 + 960},
        {SRC_B, 10, 0xfffffe00u + 960, FALSE, 60 * MS, FWD, 4, 1664 + 960},
        {SRC_B, 11, 0xfffffe00u + 1920 /* 0x580 */, FALSE, 80 * MS, FWD, 5, 2624 + 960},
    };
    run_steps("ts wrap", &rw, steps, G_N_ELEMENTS(steps));
}

static void
test_reorder(void)
{
    CrRewriter rw;
    cr_rewriter_init_full(&rw, 1, 90000, FALSE, 1000, 0);
    static const Step steps[] = {
        {SRC_A, 10, 9000, FALSE, 0, FWD, 1000, 0},
        {SRC_A, 12, 9000, FALSE, 1 * MS, FWD, 1002, 0},
        {SRC_A, 11, 9000, FALSE, 2 * MS, FWD, 1001, 0},
        {SRC_A, 13, 12000, FALSE, 3 * MS, FWD, 1003, 3000},
        /* A duplicate and a retransmission map like the original. */
        {SRC_A, 13, 12000, FALSE, 4 * MS, FWD, 1003, 3000},
        {SRC_A, 11, 9000, FALSE, 90 * MS, FWD, 1001, 0},
        /* The switch follows the newest (1003, sent at 3 ms), not the
         * last forwarded: 97 ms × 90 kHz = 8730. */
        {SRC_B, 500, 1, FALSE, 100 * MS, FWD, 1004, 3000 + 8730},
        /* B's packets from before its first are another source's numbers. */
        {SRC_B, 499, 0, FALSE, 101 * MS, OLD, 0, 0},
        {SRC_B, 400, 0, FALSE, 101 * MS, OLD, 0, 0},
        /* B's offset is 11730 - 1 = 11729. */
        {SRC_B, 502, 8, FALSE, 102 * MS, FWD, 1006, 11737},
        {SRC_B, 501, 5, FALSE, 103 * MS, FWD, 1005, 11734},
    };
    run_steps("reorder", &rw, steps, G_N_ELEMENTS(steps));
    g_assert_cmpuint(rw.last_out_seq, ==, 1006);
    g_assert_cmpuint(rw.last_out_ts, ==, 11737);
    g_assert_cmpint(rw.last_out_us, ==, 102 * MS);
}

static void
test_too_old(void)
{
    CrRewriter rw;
    guint16 out_seq;
    guint32 out_ts;
    cr_rewriter_init_full(&rw, 1, 90000, FALSE, 0, 0);

    /* 10000 packets from 60000 on (through the wrap): the span caps at
     * CR_REWRITER_MAX_REORDER. */
    for (guint i = 0; i < 10000; i++) {
        guint16 seq = (guint16)(60000 + i);
        g_assert_cmpint(cr_rewriter_map(&rw, SRC_A, seq, i, FALSE, i, &out_seq, &out_ts), ==,
                        FWD);
        g_assert_cmpuint(out_seq, ==, (guint16)i);
    }
    g_assert_cmpuint(rw.span, ==, CR_REWRITER_MAX_REORDER);
    guint16 newest = (guint16)(60000 + 9999);
    g_assert_cmpint(cr_rewriter_map(&rw, SRC_A, (guint16)(newest - CR_REWRITER_MAX_REORDER), 0,
                                    FALSE, 20000, &out_seq, &out_ts),
                    ==, FWD);
    g_assert_cmpuint(out_seq, ==, 9999 - CR_REWRITER_MAX_REORDER);
    g_assert_cmpint(cr_rewriter_map(&rw, SRC_A, (guint16)(newest - CR_REWRITER_MAX_REORDER - 1),
                                    0, FALSE, 20000, &out_seq, &out_ts),
                    ==, OLD);
    /* Half the space behind reads as behind, and is dropped. */
    g_assert_cmpint(cr_rewriter_map(&rw, SRC_A, (guint16)(newest - 0x8000), 0, FALSE, 20000,
                                    &out_seq, &out_ts),
                    ==, OLD);
    g_assert_cmpuint(rw.last_out_seq, ==, 9999);
}

static void
test_keyframe_gating(void)
{
    CrRewriter rw;
    cr_rewriter_init_full(&rw, 1, 90000, TRUE, 500, 1000000);
    static const Step first[] = {
        /* Video starts nothing before a keyframe, not even the first. */
        {SRC_A, 19, 8000, FALSE, 0, WAIT, 0, 0},
        {SRC_A, 20, 9000, TRUE, 10 * MS, FWD, 500, 1000000},
        {SRC_A, 21, 9000, FALSE, 11 * MS, FWD, 501, 1000000},
        {SRC_A, 22, 12000, FALSE, 40 * MS, FWD, 502, 1003000},
        /* The floor passes: B's delta frames wait, A's keep the slot no more. */
        {SRC_B, 300, 70000, FALSE, 50 * MS, WAIT, 0, 0},
        {SRC_B, 301, 70000, FALSE, 51 * MS, WAIT, 0, 0},
        /* B's keyframe 60 ms after A's last: 60 × 90 = 5400. */
        {SRC_B, 302, 73000, TRUE, 100 * MS, FWD, 503, 1003000 + 5400},
        {SRC_B, 303, 73000, FALSE, 101 * MS, FWD, 504, 1008400},
        /* A packet B sent before its keyframe is from before the switch. */
        {SRC_B, 301, 70000, FALSE, 102 * MS, OLD, 0, 0},
        /* A keyframe of the current source changes nothing. */
        {SRC_B, 304, 76000, TRUE, 133 * MS, FWD, 505, 1011400},
    };
    run_steps("gating", &rw, first, G_N_ELEMENTS(first));
    g_assert_false(rw.waiting_keyframe);

    guint16 out_seq;
    guint32 out_ts;
    g_assert_cmpint(cr_rewriter_map(&rw, SRC_A, 23, 15000, FALSE, 200 * MS, &out_seq, &out_ts),
                    ==, WAIT);
    g_assert_true(rw.waiting_keyframe);
    g_assert_false(rw.mapped);
}

static void
test_audio_no_gating(void)
{
    CrRewriter rw;
    cr_rewriter_init_full(&rw, 1, 48000, FALSE, 10, 0);
    static const Step steps[] = {
        {SRC_A, 1, 0, FALSE, 0, FWD, 10, 0},
        {SRC_B, 77, 5, FALSE, 20 * MS, FWD, 11, 960},
    };
    run_steps("audio", &rw, steps, G_N_ELEMENTS(steps));
    g_assert_false(rw.waiting_keyframe);
}

static void
test_unmap(void)
{
    CrRewriter rw;
    guint16 in_seq = 0;
    cr_rewriter_init_full(&rw, 1, 90000, TRUE, 65534, 0);
    g_assert_false(cr_rewriter_unmap_seq(&rw, 65534, &in_seq));

    static const Step a[] = {
        {SRC_A, 100, 0, TRUE, 0, FWD, 65534, 0},
        {SRC_A, 101, 0, FALSE, 1 * MS, FWD, 65535, 0},
        {SRC_A, 102, 0, FALSE, 2 * MS, FWD, 0, 0},
    };
    run_steps("unmap a", &rw, a, G_N_ELEMENTS(a));
    static const struct {
        guint16 out;
        gboolean ok;
        guint16 in;
    } cases_a[] = {
        {65534, TRUE, 100}, {65535, TRUE, 101}, {0, TRUE, 102},
        {1, FALSE, 0},      /* not sent yet */
        {65533, FALSE, 0},  /* before the source's first */
        {32768, FALSE, 0},  /* far off */
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases_a); i++) {
        in_seq = 0;
        gboolean ok = cr_rewriter_unmap_seq(&rw, cases_a[i].out, &in_seq);
        if (ok != cases_a[i].ok || (ok && in_seq != cases_a[i].in))
            g_error("unmap a %zu: %d %u", i, ok, in_seq);
    }

    /* While B waits for its keyframe nothing unmaps, A's numbers included. */
    static const Step b_wait[] = {{SRC_B, 7000, 0, FALSE, 3 * MS, WAIT, 0, 0}};
    run_steps("unmap wait", &rw, b_wait, 1);
    g_assert_false(cr_rewriter_unmap_seq(&rw, 0, &in_seq));

    static const Step b[] = {
        {SRC_B, 7001, 0, TRUE, 4 * MS, FWD, 1, 180},
        {SRC_B, 7002, 0, FALSE, 5 * MS, FWD, 2, 180},
    };
    run_steps("unmap b", &rw, b, G_N_ELEMENTS(b));
    g_assert_true(cr_rewriter_unmap_seq(&rw, 1, &in_seq));
    g_assert_cmpuint(in_seq, ==, 7001);
    g_assert_true(cr_rewriter_unmap_seq(&rw, 2, &in_seq));
    g_assert_cmpuint(in_seq, ==, 7002);
    /* 0 went out for A's 102: not B's to retransmit. */
    g_assert_false(cr_rewriter_unmap_seq(&rw, 0, &in_seq));
    g_assert_false(cr_rewriter_unmap_seq(&rw, 3, &in_seq));
}

static void
test_map_ts(void)
{
    CrRewriter rw;
    cr_rewriter_init_full(&rw, 1, 48000, FALSE, 1000, 5000);
    static const Step steps[] = {
        {SRC_A, 100, 0, FALSE, 0, FWD, 1000, 5000},
        {SRC_B, 40000, 123456, FALSE, 60 * MS, FWD, 1001, 5000 + 2880},
    };
    run_steps("map ts", &rw, steps, G_N_ELEMENTS(steps));
    /* B's SR carries RTP time 123456 + 1 s: in the slot's timeline it is
     * the first packet's 7880 + 48000. */
    g_assert_cmpuint(cr_rewriter_map_ts(&rw, 123456 + 48000), ==, 7880 + 48000);
    /* Wrapping both ways. */
    g_assert_cmpuint(cr_rewriter_map_ts(&rw, 123456 - 10000), ==, (guint32)(7880 - 10000));
}

static void
test_elapsed(void)
{
    static const struct {
        guint32 rate;
        gint64 elapsed_us;
        guint32 advance;
    } cases[] = {
        {90000, 0, 1},                                 /* same instant: still newer */
        {90000, -5 * MS, 1},                           /* never backwards */
        {90000, 5, 1},                                 /* 0.45 tick, floored, then 1 */
        {90000, 12, 1},                                /* 1.08 ticks */
        {90000, 23, 2},                                /* 2.07 ticks */
        {90000, 1500 * MS, 135000},                    /* 1.5 s */
        {48000, 20 * MS, 960},                         /* one Opus frame */
        {8000, 3 * G_USEC_PER_SEC + 125, 24001},       /* 3 s and one tick */
        {90000, (gint64)10 * 86400 * G_USEC_PER_SEC, G_MAXINT32}, /* ten days: capped */
        {90000, G_MAXINT64 / 2, G_MAXINT32},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        CrRewriter rw;
        guint16 out_seq;
        guint32 out_ts;
        cr_rewriter_init_full(&rw, 1, cases[i].rate, FALSE, 1, 1000);
        g_assert_cmpint(cr_rewriter_map(&rw, SRC_A, 1, 0, FALSE, 1000, &out_seq, &out_ts), ==,
                        FWD);
        g_assert_cmpint(cr_rewriter_map(&rw, SRC_B, 1, 0, FALSE, 1000 + cases[i].elapsed_us,
                                        &out_seq, &out_ts),
                        ==, FWD);
        if (out_ts - 1000 != cases[i].advance)
            g_error("elapsed %zu: advance %u, expected %u", i, out_ts - 1000, cases[i].advance);
        g_assert_cmpuint(out_seq, ==, 2);
    }
}

static void
test_random_init(void)
{
    for (int i = 0; i < 200; i++) {
        CrRewriter rw;
        guint16 out_seq;
        guint32 out_ts;
        cr_rewriter_init(&rw, 42, 90000, FALSE);
        guint16 expect = (guint16)(rw.last_out_seq + 1);
        g_assert_cmpuint(expect, >=, 1);
        g_assert_cmpuint(expect, <=, 0x7fff);
        g_assert_cmpint(cr_rewriter_map(&rw, SRC_A, 9, 9, FALSE, 0, &out_seq, &out_ts), ==, FWD);
        g_assert_cmpuint(out_seq, ==, expect);
        g_assert_cmpuint(rw.out_ssrc, ==, 42);
    }
}

static void
test_count(void)
{
    CrRewriter rw;
    cr_rewriter_init_full(&rw, 1, 90000, FALSE, 1, 1);
    g_assert_cmpuint(rw.packets, ==, 0);
    cr_rewriter_count(&rw, 1200);
    cr_rewriter_count(&rw, 0);
    cr_rewriter_count(&rw, 33);
    g_assert_cmpuint(rw.packets, ==, 3);
    g_assert_cmpuint(rw.octets, ==, 1233);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rewriter/first-packet", test_first_packet);
    g_test_add_func("/rewriter/switch/continuity", test_switch_continuity);
    g_test_add_func("/rewriter/wrap/seq", test_seq_wrap);
    g_test_add_func("/rewriter/wrap/ts", test_ts_wrap);
    g_test_add_func("/rewriter/reorder", test_reorder);
    g_test_add_func("/rewriter/too-old", test_too_old);
    g_test_add_func("/rewriter/keyframe/video-gates", test_keyframe_gating);
    g_test_add_func("/rewriter/keyframe/audio-does-not", test_audio_no_gating);
    g_test_add_func("/rewriter/unmap", test_unmap);
    g_test_add_func("/rewriter/map-ts", test_map_ts);
    g_test_add_func("/rewriter/elapsed", test_elapsed);
    g_test_add_func("/rewriter/random-init", test_random_init);
    g_test_add_func("/rewriter/count", test_count);
    return g_test_run();
}
