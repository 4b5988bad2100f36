/* test-relay.c — tests for relay/relay.c: the per-peer and per-session
 * statistics (cr_relay_peer_stats, cr_relay_session_stats,
 * cr_relay_sessions_stats).
 *
 * A real relay with one worker on 127.0.0.1; the peers negotiate but never
 * connect, so nothing on the worker counts. The test writes the counters
 * as a worker would (relay-private.h) and reads them through the public
 * API, on this thread, which is the relay's control loop: a main context
 * of each test's own, so that reports a freed relay left pending (closed
 * peers) are dropped with it and never reach the next test.
 */
#include "relay/relay-private.h"

#include <string.h>

#define FIXTURES CR_TEST_SRCDIR "/tests/unit/relay/sdp/"

static void
done_noop(guint64 peer, const char *sdp, const GError *error, gpointer user_data)
{
}

typedef struct {
    GMainContext *context;
    CrRelay *relay;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    char *addresses[] = {(char *)"127.0.0.1", NULL};
    CrRelayConfig config = {.workers = 1, .addresses = addresses};
    CrRelayCallbacks callbacks = {0};
    g_autoptr(GError) error = NULL;
    f->context = g_main_context_new();
    g_main_context_push_thread_default(f->context);
    f->relay = cr_relay_new(&config, &callbacks, &error);
    g_assert_no_error(error);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    cr_relay_free(f->relay);
    g_main_context_pop_thread_default(f->context);
    g_main_context_unref(f->context);
}

static guint64
subscriber(CrRelay *relay, gint64 session, const char *person)
{
    guint64 id = cr_relay_subscribe_offer(relay, session, CR_SOURCE_FLOOR, person, done_noop,
                                          NULL);
    g_assert_cmpuint(id, !=, 0);
    return id;
}

static guint64
publish_fixture(CrRelay *relay, gint64 session, const char *person, const char *fixture,
                CrRelaySdpDone done, gpointer user_data)
{
    g_autofree char *path = g_strconcat(FIXTURES, fixture, NULL);
    g_autofree char *offer = NULL;
    gsize len;
    g_autoptr(GError) error = NULL;
    g_assert_true(g_file_get_contents(path, &offer, &len, &error));
    guint64 id = cr_relay_publish(relay, session, CR_SOURCE_CLASSROOM, person, offer, len, FALSE,
                                  done, user_data);
    g_assert_cmpuint(id, !=, 0);
    return id;
}

static guint64
publisher(CrRelay *relay, gint64 session, const char *person)
{
    return publish_fixture(relay, session, person, "chrome-publish.sdp", done_noop, NULL);
}

static CrPeer *
peer_of(CrRelay *relay, guint64 id)
{
    CrPeer *peer = g_hash_table_lookup(relay->peers, &id);
    g_assert_nonnull(peer);
    return peer;
}

/* What a worker does for a peer that moved @packets: counters and the
 * published loss and round trip. */
static void
count(CrPeer *peer, guint64 packets, gint fraction_lost, gint64 rtt_us)
{
    cr_count(&peer->counters.packets_in, packets);
    cr_count(&peer->counters.bytes_in, packets * 1000);
    cr_count(&peer->counters.packets_out, 2 * packets);
    cr_count(&peer->counters.bytes_out, 2 * packets * 1000);
    cr_count(&peer->counters.nacks_in, 1);
    cr_count(&peer->counters.retransmits, 3);
    cr_counter_set(peer->publisher ? &peer->counters.lost_in : &peer->counters.lost_out,
                   packets / 10);
    g_atomic_int_set(&peer->pub_fraction_lost, fraction_lost);
    __atomic_store_n(&peer->pub_rtt_us, rtt_us, __ATOMIC_RELAXED);
}

static void
test_peer_stats(Fixture *f, gconstpointer data)
{
    CrRelay *relay = f->relay;
    guint64 id = subscriber(relay, 7, "p1");
    CrPeerStats st;
    g_assert_true(cr_relay_peer_stats(relay, id, &st));
    g_assert_cmpint(st.session, ==, 7);
    g_assert_false(st.publisher);
    g_assert_cmpint(st.state, ==, CR_PEER_NEW);
    g_assert_false(st.flowing);
    g_assert_cmpuint(st.counters.packets_in, ==, 0);
    g_assert_cmpuint(st.counters.lost_out, ==, 0);
    g_assert_cmpuint(st.fraction_lost, ==, 0);
    g_assert_cmpint(st.rtt_us, ==, -1); /* not measured yet, not 0 */

    CrPeer *peer = peer_of(relay, id);
    count(peer, 100, 26, 12500);
    g_atomic_int_set(&peer->pub_flowing, TRUE);
    g_assert_true(cr_relay_peer_stats(relay, id, &st));
    g_assert_cmpuint(st.counters.packets_in, ==, 100);
    g_assert_cmpuint(st.counters.bytes_in, ==, 100000);
    g_assert_cmpuint(st.counters.packets_out, ==, 200);
    g_assert_cmpuint(st.counters.bytes_out, ==, 200000);
    g_assert_cmpuint(st.counters.nacks_in, ==, 1);
    g_assert_cmpuint(st.counters.retransmits, ==, 3);
    g_assert_cmpuint(st.counters.lost_out, ==, 10);
    g_assert_cmpuint(st.counters.lost_in, ==, 0);
    g_assert_cmpuint(st.fraction_lost, ==, 26);
    g_assert_cmpint(st.rtt_us, ==, 12500);
    g_assert_true(st.flowing);

    guint64 pub = publisher(relay, 7, "instr");
    g_assert_true(cr_relay_peer_stats(relay, pub, &st));
    g_assert_true(st.publisher);

    /* Unknown and closed peers: FALSE, and a zeroed answer. */
    g_assert_false(cr_relay_peer_stats(relay, 4242, &st));
    g_assert_cmpuint(st.counters.packets_in, ==, 0);
    g_assert_cmpint(st.rtt_us, ==, -1);
    cr_relay_close_peer(relay, id);
    g_assert_false(cr_relay_peer_stats(relay, id, &st));
}

static const CrSessionStats *
find_session(GArray *all, gint64 id)
{
    for (guint i = 0; i < all->len; i++)
        if (g_array_index(all, CrSessionStats, i).session == id)
            return &g_array_index(all, CrSessionStats, i);
    return NULL;
}

static void
test_session_stats(Fixture *f, gconstpointer data)
{
    CrRelay *relay = f->relay;
    guint64 pub = publisher(relay, 7, "instr");
    guint64 a = subscriber(relay, 7, "t1");
    guint64 b = subscriber(relay, 7, "t2");
    guint64 other = subscriber(relay, 8, "t3");
    count(peer_of(relay, pub), 1000, 5, -1); /* a publisher: no round trip */
    count(peer_of(relay, a), 100, 26, 12000);
    count(peer_of(relay, b), 10, 3, 40000);
    count(peer_of(relay, other), 1, 200, 900000);

    CrSessionStats st;
    g_assert_true(cr_relay_session_stats(relay, 7, &st));
    g_assert_cmpint(st.session, ==, 7);
    g_assert_cmpuint(st.peers, ==, 3);
    g_assert_cmpuint(st.publishers, ==, 1);
    g_assert_cmpuint(st.subscribers, ==, 2);
    g_assert_cmpuint(st.counters.packets_in, ==, 1110);
    g_assert_cmpuint(st.counters.packets_out, ==, 2220);
    g_assert_cmpuint(st.counters.bytes_in, ==, 1110000);
    g_assert_cmpuint(st.counters.nacks_in, ==, 3);
    g_assert_cmpuint(st.counters.retransmits, ==, 9);
    g_assert_cmpuint(st.counters.lost_in, ==, 100); /* the publisher's */
    g_assert_cmpuint(st.counters.lost_out, ==, 11); /* the subscribers' */
    g_assert_cmpuint(st.fraction_lost_max, ==, 26);
    g_assert_cmpint(st.rtt_max_us, ==, 40000);

    /* A subscriber leaves: the open counts drop, the counters do not. */
    cr_relay_close_peer(relay, b);
    g_assert_true(cr_relay_session_stats(relay, 7, &st));
    g_assert_cmpuint(st.peers, ==, 2);
    g_assert_cmpuint(st.subscribers, ==, 1);
    g_assert_cmpuint(st.counters.packets_in, ==, 1110);
    g_assert_cmpuint(st.counters.lost_out, ==, 11);
    g_assert_cmpint(st.rtt_max_us, ==, 12000); /* the worst of those still open */
    /* ... and the remaining ones keep counting on top. */
    cr_count(&peer_of(relay, a)->counters.packets_in, 5);
    g_assert_true(cr_relay_session_stats(relay, 7, &st));
    g_assert_cmpuint(st.counters.packets_in, ==, 1115);

    /* Every session with media, by id. */
    g_autoptr(GArray) all = cr_relay_sessions_stats(relay);
    g_assert_cmpuint(all->len, ==, 2);
    g_assert_cmpint(g_array_index(all, CrSessionStats, 0).session, ==, 7);
    g_assert_cmpint(g_array_index(all, CrSessionStats, 1).session, ==, 8);
    g_assert_cmpuint(find_session(all, 7)->counters.packets_in, ==, 1115);
    g_assert_cmpuint(find_session(all, 7)->peers, ==, 2);
    g_assert_cmpuint(find_session(all, 8)->counters.packets_in, ==, 1);
    g_assert_cmpint(find_session(all, 8)->rtt_max_us, ==, 900000);

    /* The last peer of 8 leaves: listed with its totals for a while ... */
    cr_relay_close_peer(relay, other);
    g_clear_pointer(&all, g_array_unref);
    all = cr_relay_sessions_stats(relay);
    const CrSessionStats *s8 = find_session(all, 8);
    g_assert_nonnull(s8);
    g_assert_cmpuint(s8->peers, ==, 0);
    g_assert_cmpuint(s8->counters.packets_in, ==, 1);
    g_assert_cmpint(s8->rtt_max_us, ==, -1);
    /* ... then no longer, though it can still be asked for by id. */
    gint64 id8 = 8;
    CrSessionMedia *sm = g_hash_table_lookup(relay->sessions, &id8);
    sm->last_left_us -= CR_RELAY_SESSION_LINGER_US;
    g_clear_pointer(&all, g_array_unref);
    all = cr_relay_sessions_stats(relay);
    g_assert_null(find_session(all, 8));
    g_assert_nonnull(find_session(all, 7));
    g_assert_true(cr_relay_session_stats(relay, 8, &st));
    g_assert_cmpuint(st.counters.packets_in, ==, 1);

    /* A session that never had a peer. */
    g_assert_false(cr_relay_session_stats(relay, 9, &st));
    g_assert_cmpint(st.session, ==, 9);
    g_assert_cmpuint(st.peers, ==, 0);
    g_assert_cmpuint(st.counters.packets_in, ==, 0);
    g_assert_cmpint(st.rtt_max_us, ==, -1);
}

typedef struct {
    gboolean called;
    guint64 peer;
    GError *error;
} Done;

static void
done_record(guint64 peer, const char *sdp, const GError *error, gpointer user_data)
{
    Done *d = user_data;
    d->called = TRUE;
    d->peer = peer;
    d->error = error != NULL ? g_error_copy(error) : NULL;
}

static gboolean
timed_out(gpointer flag)
{
    *(gboolean *)flag = TRUE;
    return G_SOURCE_REMOVE;
}

/* An offer that parses but cannot be answered (no common video codec)
 * fails on the worker: the peer must not stay behind as an open one. */
static void
test_refused_negotiation(Fixture *f, gconstpointer data)
{
    CrRelay *relay = f->relay;
    Done done = {0};
    gboolean expired = FALSE;
    guint64 id = publish_fixture(relay, 5, "instr", "refused-vp9-av1-only.sdp", done_record,
                                 &done);
    CrSessionStats st;
    g_assert_true(cr_relay_session_stats(relay, 5, &st));
    g_assert_cmpuint(st.peers, ==, 1); /* until the worker answers */
    GSource *timer = g_timeout_source_new_seconds(10);
    g_source_set_callback(timer, timed_out, &expired, NULL);
    g_source_attach(timer, f->context);
    while (!done.called && !expired)
        g_main_context_iteration(f->context, TRUE);
    g_assert_true(done.called);
    g_source_destroy(timer);
    g_source_unref(timer);
    g_assert_cmpuint(done.peer, ==, 0);
    g_assert_error(done.error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    g_clear_error(&done.error);
    CrPeerStats ps;
    g_assert_false(cr_relay_peer_stats(relay, id, &ps));
    g_assert_true(cr_relay_session_stats(relay, 5, &st));
    g_assert_cmpuint(st.peers, ==, 0);
    CrRelayStats all;
    cr_relay_stats(relay, &all);
    g_assert_cmpuint(all.peers, ==, 0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/relay/stats/peer", Fixture, NULL, fixture_setup, test_peer_stats,
               fixture_teardown);
    g_test_add("/relay/stats/session", Fixture, NULL, fixture_setup, test_session_stats,
               fixture_teardown);
    g_test_add("/relay/stats/refused-negotiation", Fixture, NULL, fixture_setup,
               test_refused_negotiation, fixture_teardown);
    return g_test_run();
}
