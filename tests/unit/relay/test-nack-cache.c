/* test-nack-cache.c — tests for relay/nack-cache.c (the retransmission
 * ring behind RFC 4585 §6.2.1 NACKs).
 *
 * Single-threaded GTest. Packets are a tiny refcounted type whose unref
 * counts every call and every free, so each test proves the cache drops
 * exactly the references it took: no leak, no double unref.
 */
#include "relay/nack-cache.h"

typedef struct {
    gint refs;
    guint16 seq;
} Pkt;

static guint n_created;
static guint n_refs; /* taken after creation */
static guint n_unrefs;
static guint n_freed;

static Pkt *
pkt_new(guint16 seq)
{
    Pkt *p = g_new0(Pkt, 1);
    p->refs = 1;
    p->seq = seq;
    n_created++;
    return p;
}

static Pkt *
pkt_ref(Pkt *p)
{
    p->refs++;
    n_refs++;
    return p;
}

static void
pkt_unref(gpointer data)
{
    Pkt *p = data;
    g_assert_cmpint(p->refs, >, 0);
    n_unrefs++;
    if (--p->refs == 0) {
        n_freed++;
        g_free(p);
    }
}

static void
reset_counts(void)
{
    n_created = n_refs = n_unrefs = n_freed = 0;
}

/* Every packet created was freed exactly once, and every reference taken
 * was dropped exactly once. */
static void
assert_all_freed(void)
{
    g_assert_cmpuint(n_freed, ==, n_created);
    g_assert_cmpuint(n_unrefs, ==, n_created + n_refs);
}

static void
test_put_get(void)
{
    CrNackCache c;
    reset_counts();
    cr_nack_cache_init(&c, CR_NACK_CACHE_DEFAULT_CAPACITY, CR_NACK_CACHE_DEFAULT_MAX_AGE_US,
                       pkt_unref);
    g_assert_cmpuint(c.capacity, ==, 1024);
    g_assert_null(cr_nack_cache_get(&c, 0, 0));

    /* A full ring of consecutive seqs, 0.5 ms apart (all within 1 s). */
    for (guint i = 0; i < 1024; i++)
        g_assert_true(cr_nack_cache_put(&c, (guint16)(5000 + i), pkt_new((guint16)(5000 + i)),
                                        i * 500));
    for (guint i = 0; i < 1024; i++) {
        Pkt *p = cr_nack_cache_get(&c, (guint16)(5000 + i), 1023 * 500);
        g_assert_nonnull(p);
        g_assert_cmpuint(p->seq, ==, 5000 + i);
        g_assert_cmpint(p->refs, ==, 1); /* borrowed: get takes no reference */
    }
    g_assert_null(cr_nack_cache_get(&c, 4999, 1023 * 500));
    g_assert_null(cr_nack_cache_get(&c, 5000 + 1024, 1023 * 500));
    g_assert_cmpuint(n_unrefs, ==, 0);

    /* One more evicts the oldest, which shares its slot. */
    g_assert_true(cr_nack_cache_put(&c, 5000 + 1024, pkt_new(5000 + 1024), 1024 * 500));
    g_assert_cmpuint(n_freed, ==, 1);
    g_assert_null(cr_nack_cache_get(&c, 5000, 1024 * 500));
    g_assert_nonnull(cr_nack_cache_get(&c, 5001, 1024 * 500));

    cr_nack_cache_destroy(&c);
    assert_all_freed();
    g_assert_null(c.slots);
}

static void
test_overwrite(void)
{
    CrNackCache c;
    reset_counts();
    cr_nack_cache_init(&c, 8, G_USEC_PER_SEC, pkt_unref);

    /* 3 and 11 share slot 3. */
    Pkt *p3 = pkt_new(3);
    g_assert_true(cr_nack_cache_put(&c, 3, p3, 0));
    g_assert_true(cr_nack_cache_get(&c, 3, 0) == p3);
    g_assert_true(cr_nack_cache_put(&c, 11, pkt_new(11), 1000));
    g_assert_cmpuint(n_freed, ==, 1);
    g_assert_null(cr_nack_cache_get(&c, 3, 1000));
    g_assert_cmpuint(((Pkt *)cr_nack_cache_get(&c, 11, 1000))->seq, ==, 11);

    /* A late 3 must not evict the live, newer 11: refused and released. */
    g_assert_false(cr_nack_cache_put(&c, 3, pkt_new(3), 2000));
    g_assert_cmpuint(n_freed, ==, 2);
    g_assert_nonnull(cr_nack_cache_get(&c, 11, 2000));
    g_assert_null(cr_nack_cache_get(&c, 3, 2000));

    /* Once 11 has aged out, the slot is free for anyone. */
    g_assert_true(cr_nack_cache_put(&c, 3, pkt_new(3), 1000 + G_USEC_PER_SEC + 1));
    g_assert_cmpuint(n_freed, ==, 3);
    g_assert_nonnull(cr_nack_cache_get(&c, 3, 1000 + G_USEC_PER_SEC + 1));

    /* The same seq again (a duplicate or a retransmission) replaces it. */
    Pkt *dup = pkt_new(3);
    g_assert_true(cr_nack_cache_put(&c, 3, dup, 3 * G_USEC_PER_SEC));
    g_assert_cmpuint(n_freed, ==, 4);
    g_assert_true(cr_nack_cache_get(&c, 3, 3 * G_USEC_PER_SEC) == dup);

    /* The very packet again, with the reference the put takes over: the
     * old reference goes, the packet stays. */
    g_assert_true(cr_nack_cache_put(&c, 3, pkt_ref(dup), 3 * G_USEC_PER_SEC + 5));
    g_assert_cmpint(dup->refs, ==, 1);
    g_assert_true(cr_nack_cache_get(&c, 3, 3 * G_USEC_PER_SEC + 5) == dup);
    g_assert_cmpuint(n_freed, ==, 4);

    cr_nack_cache_destroy(&c);
    assert_all_freed();
}

static void
test_age(void)
{
    static const struct {
        gint64 now_us;
        gboolean found;
    } cases[] = {
        {1000000, TRUE},  /* just stored */
        {1999999, TRUE},
        {2000000, TRUE},  /* exactly max_age old: still served */
        {2000001, FALSE}, /* older than max_age */
        {9000000, FALSE},
    };
    CrNackCache c;
    reset_counts();
    cr_nack_cache_init(&c, 16, G_USEC_PER_SEC, pkt_unref);
    g_assert_true(cr_nack_cache_put(&c, 100, pkt_new(100), 1000000));
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        gboolean found = cr_nack_cache_get(&c, 100, cases[i].now_us) != NULL;
        if (found != cases[i].found)
            g_error("age %zu: found %d", i, found);
    }
    /* An aged entry is released when its slot is reused, not on get. */
    g_assert_cmpuint(n_unrefs, ==, 0);
    g_assert_true(cr_nack_cache_put(&c, 116, pkt_new(116), 9000000));
    g_assert_cmpuint(n_freed, ==, 1);
    cr_nack_cache_destroy(&c);
    assert_all_freed();
}

static void
test_wrap(void)
{
    CrNackCache c;
    reset_counts();
    cr_nack_cache_init(&c, 1024, G_USEC_PER_SEC, pkt_unref);

    /* Across 65535 -> 0 each seq keeps its own slot (1024 divides 65536). */
    for (guint i = 0; i < 20; i++) {
        guint16 seq = (guint16)(65526 + i);
        g_assert_true(cr_nack_cache_put(&c, seq, pkt_new(seq), i));
    }
    for (guint i = 0; i < 20; i++) {
        guint16 seq = (guint16)(65526 + i);
        Pkt *p = cr_nack_cache_get(&c, seq, 100);
        g_assert_nonnull(p);
        g_assert_cmpuint(p->seq, ==, seq);
    }
    /* 65535 is newer than 1023 (its slot-mate), 0 newer than 64512. */
    g_assert_null(cr_nack_cache_get(&c, 1023, 100));
    g_assert_false(cr_nack_cache_put(&c, 64512, pkt_new(64512), 200));
    /* And 1023 (1024 after 65535) is newer, so it takes the slot. */
    g_assert_true(cr_nack_cache_put(&c, 1023, pkt_new(1023), 300));
    g_assert_null(cr_nack_cache_get(&c, 65535, 300));
    g_assert_cmpuint(n_freed, ==, 2);

    cr_nack_cache_destroy(&c);
    assert_all_freed();
}

static void
test_clear(void)
{
    CrNackCache c;
    reset_counts();
    cr_nack_cache_init(&c, 64, G_USEC_PER_SEC, pkt_unref);
    for (guint16 s = 0; s < 40; s++)
        cr_nack_cache_put(&c, s, pkt_new(s), 0);
    /* A packet the caller still holds survives the clear. */
    Pkt *kept = pkt_ref(cr_nack_cache_get(&c, 7, 0));
    cr_nack_cache_clear(&c);
    g_assert_cmpuint(n_unrefs, ==, 40);
    g_assert_cmpuint(n_freed, ==, 39);
    g_assert_cmpint(kept->refs, ==, 1);
    for (guint16 s = 0; s < 40; s++)
        g_assert_null(cr_nack_cache_get(&c, s, 0));

    /* The ring is reused after a clear; clearing twice releases nothing twice. */
    cr_nack_cache_clear(&c);
    g_assert_cmpuint(n_unrefs, ==, 40);
    g_assert_true(cr_nack_cache_put(&c, 7, kept, 10));
    g_assert_true(cr_nack_cache_get(&c, 7, 10) == kept);

    cr_nack_cache_destroy(&c);
    assert_all_freed();
    /* Destroy leaves an empty cache: get finds nothing, destroy again is harmless. */
    g_assert_null(cr_nack_cache_get(&c, 7, 10));
    cr_nack_cache_destroy(&c);
}

static void
test_no_unref(void)
{
    /* Without an unref function the cache owns nothing. */
    static int values[4] = {10, 11, 12, 13};
    CrNackCache c;
    cr_nack_cache_init(&c, 2, G_USEC_PER_SEC, NULL);
    for (guint16 s = 0; s < 4; s++)
        cr_nack_cache_put(&c, s, &values[s], 0);
    g_assert_null(cr_nack_cache_get(&c, 0, 0));
    g_assert_true(cr_nack_cache_get(&c, 2, 0) == &values[2]);
    g_assert_true(cr_nack_cache_get(&c, 3, 0) == &values[3]);
    cr_nack_cache_destroy(&c);
}

static void
test_bad_capacity(void)
{
    /* A bad capacity is a programming error (a critical), and leaves a
     * cache that stores nothing rather than one that corrupts memory. */
    static const guint bad[] = {0, 3, 1000, 131072};
    if (g_test_subprocess()) {
        g_log_set_always_fatal(G_LOG_FATAL_MASK);
        reset_counts();
        for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
            CrNackCache c;
            cr_nack_cache_init(&c, bad[i], G_USEC_PER_SEC, pkt_unref);
            g_assert_cmpuint(c.capacity, ==, 0);
            g_assert_null(c.slots);
            g_assert_false(cr_nack_cache_put(&c, 1, pkt_new(1), 0));
            g_assert_null(cr_nack_cache_get(&c, 1, 0));
            cr_nack_cache_destroy(&c);
        }
        assert_all_freed();
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("*capacity*capacity*capacity*capacity*");

    /* Powers of two up to the whole sequence space are fine. */
    static const guint good[] = {1, 2, 1024, 65536};
    for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
        CrNackCache c;
        reset_counts();
        cr_nack_cache_init(&c, good[i], G_USEC_PER_SEC, pkt_unref);
        g_assert_cmpuint(c.capacity, ==, good[i]);
        g_assert_true(cr_nack_cache_put(&c, 65535, pkt_new(65535), 0));
        g_assert_nonnull(cr_nack_cache_get(&c, 65535, 0));
        cr_nack_cache_destroy(&c);
        assert_all_freed();
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/nack-cache/put-get", test_put_get);
    g_test_add_func("/nack-cache/overwrite", test_overwrite);
    g_test_add_func("/nack-cache/age", test_age);
    g_test_add_func("/nack-cache/wrap", test_wrap);
    g_test_add_func("/nack-cache/clear", test_clear);
    g_test_add_func("/nack-cache/no-unref", test_no_unref);
    g_test_add_func("/nack-cache/bad-capacity", test_bad_capacity);
    return g_test_run();
}
