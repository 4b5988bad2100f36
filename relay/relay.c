/* relay.c — the relay's control side: configuration, the certificate,
 * the workers, the table of peers, and the session registry that says
 * which publisher feeds which slot.
 *
 * Public functions run on the control loop. The registry (sessions) is
 * guarded by relay->lock and is read by workers only to route keyframe
 * requests; forwarding reads the per-worker subscriber counts with atomics.
 * Statistics read each peer's worker-written counters with atomic loads
 * (relay-private.h) and never wait for a worker.
 */
#include "relay/relay-private.h"

#include <string.h>

static char **
strv_or(char **v, const char *const *fallback)
{
    return v != NULL && v[0] != NULL ? g_strdupv(v) : g_strdupv((char **)fallback);
}

static void
copy_config(CrRelayConfig *to, const CrRelayConfig *from)
{
    static const char *const audio[] = {"opus", NULL};
    static const char *const video[] = {"VP8", "H264", NULL};
    *to = *from;
    to->addresses = g_strdupv(from->addresses);
    to->stun_server = g_strdup(from->stun_server);
    to->public_ip = g_strdup(from->public_ip);
    to->audio_codecs = strv_or(from->audio_codecs, audio);
    to->video_codecs = strv_or(from->video_codecs, video);
    to->cert_file = g_strdup(from->cert_file);
    to->key_file = g_strdup(from->key_file);
    if (to->keyframe_interval_ms == 0)
        to->keyframe_interval_ms = 500;
    if (to->publisher_bitrate == 0)
        to->publisher_bitrate = 2500000;
}

static void
free_config(CrRelayConfig *c)
{
    g_strfreev(c->addresses);
    g_free(c->stun_server);
    g_free(c->public_ip);
    g_strfreev(c->audio_codecs);
    g_strfreev(c->video_codecs);
    g_free(c->cert_file);
    g_free(c->key_file);
}

static gboolean
load_cert(CrRelay *relay, GError **error)
{
    const CrRelayConfig *c = &relay->config;
    relay->cert = c->cert_file != NULL && c->cert_file[0] != '\0'
                      ? cr_cert_load(c->cert_file, c->key_file, error)
                      : cr_cert_generate(error);
    if (relay->cert == NULL)
        return FALSE;
    relay->dtls = cr_dtls_context_new(relay->cert, CR_DTLS_DEFAULT_PROFILES, error);
    if (relay->dtls == NULL)
        return FALSE;
    cr_cert_fingerprint_sha256(relay->cert, relay->fingerprint);
    relay->fingerprint_text = cr_cert_fingerprint_format(relay->fingerprint);
    return TRUE;
}

static void
session_media_free(gpointer data)
{
    CrSessionMedia *sm = data;
    g_mutex_clear(&sm->tap_lock);
    g_free(sm);
}

CrRelay *
cr_relay_new(const CrRelayConfig *config, const CrRelayCallbacks *callbacks, GError **error)
{
    /* transport-cc is left out on purpose: the relay does not send
     * transport-wide feedback, and a browser that negotiated it would
     * ignore the REMB the relay does send (docs/architecture.md). */
    static const char *const extmaps[] = {CR_EXTMAP_MID, CR_EXTMAP_ABS_SEND_TIME,
                                          CR_EXTMAP_AUDIO_LEVEL, NULL};
    if (!cr_srtp_global_init()) {
        g_set_error(error, CR_ERROR, CR_ERROR_INTERNAL, "cannot initialise libsrtp");
        return NULL;
    }
    CrRelay *relay = g_new0(CrRelay, 1);
    copy_config(&relay->config, config);
    relay->callbacks = *callbacks;
    relay->control = g_main_context_ref_thread_default();
    relay->policy.audio_codecs = (const char *const *)relay->config.audio_codecs;
    relay->policy.video_codecs = (const char *const *)relay->config.video_codecs;
    relay->policy.extmap_uris = extmaps;
    relay->peers = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, cr_peer_unref);
    relay->sessions = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, session_media_free);
    g_mutex_init(&relay->lock);
    if (!load_cert(relay, error)) {
        cr_relay_free(relay);
        return NULL;
    }
    guint n = config->workers > 0 ? config->workers : g_get_num_processors();
    relay->n_workers = MIN(MAX(n, 1u), CR_MAX_WORKERS);
    for (guint i = 0; i < relay->n_workers; i++)
        relay->workers[i] = cr_worker_new(relay, i);
    g_message("media relay: %u workers, certificate %s", relay->n_workers,
              relay->fingerprint_text);
    return relay;
}

static void
close_on_worker(CrWorker *worker, gpointer data)
{
    CrPeer *peer = data;
    cr_peer_media_teardown(peer);
    cr_peer_shutdown(peer, CR_PEER_CLOSED, "closed");
}

void
cr_relay_free(CrRelay *relay)
{
    if (relay == NULL)
        return;
    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init(&iter, relay->peers);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        CrPeer *peer = value;
        if (peer->worker != NULL)
            cr_worker_post(peer->worker, close_on_worker, cr_peer_ref(peer), cr_peer_unref);
    }
    for (guint i = 0; i < relay->n_workers; i++)
        cr_worker_free(relay->workers[i]);
    g_hash_table_destroy(relay->peers);
    GHashTableIter s;
    g_hash_table_iter_init(&s, relay->sessions);
    while (g_hash_table_iter_next(&s, NULL, &value)) {
        CrSessionMedia *sm = value;
        for (int i = 0; i < CR_N_SLOTS; i++)
            g_clear_pointer(&sm->publishers[i], cr_peer_unref);
    }
    g_hash_table_destroy(relay->sessions);
    g_mutex_clear(&relay->lock);
    if (relay->dtls != NULL)
        cr_dtls_context_unref(relay->dtls);
    if (relay->cert != NULL)
        cr_cert_unref(relay->cert);
    g_free(relay->fingerprint_text);
    free_config(&relay->config);
    g_main_context_unref(relay->control);
    g_free(relay);
}

const char *
cr_relay_fingerprint(const CrRelay *relay)
{
    return relay->fingerprint_text;
}

/* ---- the session registry ---- */

CrSessionMedia *
cr_relay_session_media(CrRelay *relay, gint64 id)
{
    CrSessionMedia *sm = g_hash_table_lookup(relay->sessions, &id);
    if (sm == NULL) {
        sm = g_new0(CrSessionMedia, 1);
        sm->id = id;
        g_mutex_init(&sm->tap_lock);
        g_hash_table_insert(relay->sessions, &sm->id, sm);
    }
    return sm;
}

void
cr_relay_set_publisher(CrRelay *relay, CrPeer *peer, CrSlot slot)
{
    g_mutex_lock(&relay->lock);
    CrPeer **p = &peer->media->publishers[slot];
    CrPeer *old = *p;
    *p = cr_peer_ref(peer);
    g_mutex_unlock(&relay->lock);
    cr_peer_unref(old);
}

void
cr_relay_clear_publisher(CrRelay *relay, CrPeer *peer, CrSlot slot)
{
    CrPeer *old = NULL;
    g_mutex_lock(&relay->lock);
    if (peer->media->publishers[slot] == peer) {
        old = peer->media->publishers[slot];
        peer->media->publishers[slot] = NULL;
    }
    g_mutex_unlock(&relay->lock);
    cr_peer_unref(old);
}

void
cr_relay_count_subscriber(CrRelay *relay, CrPeer *peer, gint delta)
{
    g_atomic_int_add(&peer->media->subscribers_on[cr_worker_index(peer->worker)], delta);
}

void
cr_relay_fan_out(CrRelay *relay, CrPeer *publisher, CrPacket *packet)
{
    CrSessionMedia *sm = publisher->media;
    if (g_atomic_int_get(&sm->tapped))
        cr_relay_tap_packet(relay, publisher, packet);
    for (guint i = 0; i < relay->n_workers; i++) {
        if (g_atomic_int_get(&sm->subscribers_on[i]) > 0)
            cr_worker_forward(relay->workers[i], cr_packet_ref(packet));
    }
    cr_packet_unref(packet);
}

typedef struct {
    CrPeer *peer;
    CrSlot slot;
} KeyframeRequest;

static void
keyframe_on_worker(CrWorker *worker, gpointer data)
{
    KeyframeRequest *r = data;
    cr_peer_request_keyframe(r->peer, r->slot);
}

static void
keyframe_request_free(gpointer data)
{
    KeyframeRequest *r = data;
    cr_peer_unref(r->peer);
    g_free(r);
}

void
cr_relay_request_keyframe(CrRelay *relay, CrPeer *from, CrSlot slot)
{
    g_mutex_lock(&relay->lock);
    CrPeer *publisher = from->media->publishers[slot];
    if (publisher != NULL)
        cr_peer_ref(publisher);
    g_mutex_unlock(&relay->lock);
    if (publisher == NULL || publisher->worker == NULL) {
        cr_peer_unref(publisher);
        return;
    }
    KeyframeRequest *r = g_new0(KeyframeRequest, 1);
    r->peer = publisher;
    r->slot = slot;
    cr_worker_post(publisher->worker, keyframe_on_worker, r, keyframe_request_free);
}

/* ---- reports to the control loop ---- */

typedef struct {
    CrRelay *relay;
    guint64 peer;
    int what; /* 0 state, 1 media, 2 candidate */
    CrPeerState state;
    gboolean flowing;
    char *text; /* reason or candidate */
    char *mid;
} Report;

static void
report_free(gpointer data)
{
    Report *r = data;
    g_free(r->text);
    g_free(r->mid);
    g_free(r);
}

static gboolean
deliver_report(gpointer data)
{
    Report *r = data;
    const CrRelayCallbacks *cb = &r->relay->callbacks;
    if (r->what == 0) {
        if (cb->state != NULL)
            cb->state(cb->user, r->peer, r->state, r->text);
    } else if (r->what == 1) {
        if (cb->media != NULL)
            cb->media(cb->user, r->peer, r->flowing);
    } else if (cb->candidate != NULL) {
        cb->candidate(cb->user, r->peer, r->mid, 0, r->text);
    }
    return G_SOURCE_REMOVE;
}

void
cr_relay_to_control(CrRelay *relay, GSourceFunc fn, gpointer data, GDestroyNotify free)
{
    GSource *source = g_idle_source_new();
    g_source_set_priority(source, G_PRIORITY_DEFAULT);
    g_source_set_callback(source, fn, data, free);
    g_source_attach(source, relay->control);
    g_source_unref(source);
}

static void
report(CrRelay *relay, CrPeer *peer, Report *r)
{
    r->relay = relay;
    r->peer = peer->id;
    cr_relay_to_control(relay, deliver_report, r, report_free);
}

void
cr_relay_report_state(CrRelay *relay, CrPeer *peer, CrPeerState state, const char *reason)
{
    Report *r = g_new0(Report, 1);
    r->what = 0;
    r->state = state;
    r->text = g_strdup(reason);
    report(relay, peer, r);
}

void
cr_relay_report_media(CrRelay *relay, CrPeer *peer, gboolean flowing)
{
    Report *r = g_new0(Report, 1);
    r->what = 1;
    r->flowing = flowing;
    report(relay, peer, r);
}

void
cr_relay_report_candidate(CrRelay *relay, CrPeer *peer, const char *candidate)
{
    Report *r = g_new0(Report, 1);
    r->what = 2;
    r->text = g_strdup(candidate);
    /* BUNDLE: every candidate belongs to the first m-line's transport. */
    r->mid = g_strdup(peer->bundle_mid != NULL ? peer->bundle_mid : "0");
    report(relay, peer, r);
}

/* ---- peers ---- */

static CrPeer *
add_peer(CrRelay *relay, CrNegotiation negotiation, gint64 session, const char *person,
         CrSourceRole role, CrRelaySdpDone done, gpointer user_data)
{
    CrPeer *peer = cr_peer_new(relay, negotiation, session, person, role);
    peer->id = ++relay->next_peer_id;
    peer->done = done;
    peer->done_data = user_data;
    g_mutex_lock(&relay->lock);
    peer->media = cr_relay_session_media(relay, session);
    g_mutex_unlock(&relay->lock);
    peer->worker = relay->workers[relay->next_worker++ % relay->n_workers];
    g_hash_table_insert(relay->peers, &peer->id, peer);
    g_atomic_int_inc(&relay->peer_count);
    peer->media->open_peers++;
    return peer;
}

static guint64
start(CrRelay *relay, CrPeer *peer)
{
    cr_worker_post(peer->worker, cr_peer_start, cr_peer_ref(peer), cr_peer_unref);
    return peer->id;
}

static guint64
answer_offer(CrRelay *relay, CrNegotiation negotiation, gint64 session, CrSourceRole role,
             const char *person, const char *offer, gsize len, gboolean wait,
             CrRelaySdpDone done, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    CrSdpRemote *remote = NULL;
    if (!cr_sdp_parse_offer(offer, len, &remote, &error)) {
        done(0, NULL, error, user_data);
        return 0;
    }
    CrPeer *peer = add_peer(relay, negotiation, session, person, role, done, user_data);
    peer->remote = remote;
    peer->bundle_mid = g_strdup(remote->bundle_mid);
    peer->remote_ufrag = g_strdup(remote->ice_ufrag);
    peer->wait_for_candidates = wait;
    return start(relay, peer);
}

guint64
cr_relay_publish(CrRelay *relay, gint64 session, CrSourceRole role, const char *person,
                 const char *offer, gsize len, gboolean wait_for_candidates, CrRelaySdpDone done,
                 gpointer user_data)
{
    return answer_offer(relay, CR_NEGOTIATE_PUBLISH, session, role, person, offer, len,
                        wait_for_candidates, done, user_data);
}

guint64
cr_relay_subscribe_answer(CrRelay *relay, gint64 session, CrSourceRole role, const char *person,
                          const char *offer, gsize len, gboolean wait_for_candidates,
                          CrRelaySdpDone done, gpointer user_data)
{
    return answer_offer(relay, CR_NEGOTIATE_ANSWER_SUBSCRIBE, session, role, person, offer, len,
                        wait_for_candidates, done, user_data);
}

guint64
cr_relay_subscribe_offer(CrRelay *relay, gint64 session, CrSourceRole role, const char *person,
                         CrRelaySdpDone done, gpointer user_data)
{
    CrPeer *peer = add_peer(relay, CR_NEGOTIATE_OFFER_SUBSCRIBE, session, person, role, done,
                            user_data);
    peer->bundle_mid = g_strdup("0");
    return start(relay, peer);
}

typedef struct {
    CrPeer *peer;
    CrSdpRemote *answer;
    char *candidate;
} PeerOp;

static void
peer_op_free(gpointer data)
{
    PeerOp *op = data;
    cr_peer_unref(op->peer);
    if (op->answer != NULL)
        cr_sdp_remote_free(op->answer);
    g_free(op->candidate);
    g_free(op);
}

static void
answer_on_worker(CrWorker *worker, gpointer data)
{
    PeerOp *op = data;
    cr_peer_apply_answer(op->peer, op->answer);
}

static CrPeer *
find_peer(CrRelay *relay, guint64 id, GError **error)
{
    CrPeer *peer = g_hash_table_lookup(relay->peers, &id);
    if (peer == NULL)
        g_set_error(error, CR_ERROR, CR_ERROR_NOT_FOUND, "no such media connection");
    return peer;
}

gboolean
cr_relay_set_answer(CrRelay *relay, guint64 id, const char *answer, gsize len, GError **error)
{
    CrPeer *peer = find_peer(relay, id, error);
    if (peer == NULL)
        return FALSE;
    if (peer->negotiation != CR_NEGOTIATE_OFFER_SUBSCRIBE || !peer->offered) {
        g_set_error(error, CR_ERROR, CR_ERROR_CONFLICT, "no offer is waiting for an answer");
        return FALSE;
    }
    CrOfferSection sections[CR_N_SLOTS];
    gsize n = cr_peer_offer_sections(peer, sections);
    CrSdpRemote *remote = NULL;
    if (!cr_sdp_parse_answer(answer, len, &relay->policy, sections, n, &remote, error))
        return FALSE;
    g_free(peer->remote_ufrag);
    peer->remote_ufrag = g_strdup(remote->ice_ufrag);
    PeerOp *op = g_new0(PeerOp, 1);
    op->peer = cr_peer_ref(peer);
    op->answer = remote;
    cr_worker_post(peer->worker, answer_on_worker, op, peer_op_free);
    return TRUE;
}

static void
candidate_on_worker(CrWorker *worker, gpointer data)
{
    PeerOp *op = data;
    cr_peer_add_remote_candidate(op->peer, op->candidate);
}

gboolean
cr_relay_add_candidate(CrRelay *relay, guint64 id, const char *candidate, GError **error)
{
    CrPeer *peer = find_peer(relay, id, error);
    if (peer == NULL)
        return FALSE;
    if (candidate != NULL && (strlen(candidate) > 512 || !g_str_has_prefix(candidate, "candidate:"))) {
        g_set_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST,
                    "a candidate must be a \"candidate:...\" line of at most 512 bytes");
        return FALSE;
    }
    PeerOp *op = g_new0(PeerOp, 1);
    op->peer = cr_peer_ref(peer);
    op->candidate = g_strdup(candidate);
    cr_worker_post(peer->worker, candidate_on_worker, op, peer_op_free);
    return TRUE;
}

/* ---- per-peer and per-session statistics (control loop) ---- */

/* CrMediaCounters is nothing but guint64 counters, summed and loaded
 * field by field through this view. */
#define N_COUNTERS (sizeof(CrMediaCounters) / sizeof(guint64))
G_STATIC_ASSERT(sizeof(CrMediaCounters) == N_COUNTERS * sizeof(guint64));

static void
counters_add(CrMediaCounters *to, const CrMediaCounters *from)
{
    guint64 *t = (guint64 *)to;
    const guint64 *f = (const guint64 *)from;
    for (gsize i = 0; i < N_COUNTERS; i++)
        t[i] += f[i];
}

static void
peer_stats_load(CrPeer *peer, CrPeerStats *out)
{
    const guint64 *from = (const guint64 *)&peer->counters;
    guint64 *to = (guint64 *)&out->counters;
    for (gsize i = 0; i < N_COUNTERS; i++)
        to[i] = cr_counter_get(&from[i]);
    out->session = peer->session;
    out->publisher = peer->publisher;
    out->state = (CrPeerState)g_atomic_int_get(&peer->pub_state);
    out->flowing = g_atomic_int_get(&peer->pub_flowing) != 0;
    out->fraction_lost = (guint)g_atomic_int_get(&peer->pub_fraction_lost);
    out->rtt_us = __atomic_load_n(&peer->pub_rtt_us, __ATOMIC_RELAXED);
}

/* A closed peer's counters stay in its session's totals. Packets its
 * worker still counts before it stops (a few at most) are not seen. */
static void
fold_closed_peer(CrPeer *peer)
{
    CrPeerStats st;
    peer_stats_load(peer, &st);
    counters_add(&peer->media->closed, &st.counters);
    peer->media->open_peers--;
    peer->media->last_left_us = g_get_monotonic_time();
}

gboolean
cr_relay_peer_stats(CrRelay *relay, guint64 id, CrPeerStats *out)
{
    memset(out, 0, sizeof *out);
    out->rtt_us = -1;
    CrPeer *peer = g_hash_table_lookup(relay->peers, &id);
    if (peer == NULL)
        return FALSE;
    peer_stats_load(peer, out);
    return TRUE;
}

static void
session_stats_init(CrSessionStats *out, const CrSessionMedia *sm)
{
    memset(out, 0, sizeof *out);
    out->session = sm->id;
    out->counters = sm->closed;
    out->rtt_max_us = -1;
}

static void
session_stats_add(CrSessionStats *s, CrPeer *peer)
{
    CrPeerStats st;
    peer_stats_load(peer, &st);
    s->peers++;
    if (st.publisher)
        s->publishers++;
    else
        s->subscribers++;
    counters_add(&s->counters, &st.counters);
    s->fraction_lost_max = MAX(s->fraction_lost_max, st.fraction_lost);
    s->rtt_max_us = MAX(s->rtt_max_us, st.rtt_us);
}

gboolean
cr_relay_session_stats(CrRelay *relay, gint64 session, CrSessionStats *out)
{
    g_mutex_lock(&relay->lock);
    CrSessionMedia *sm = g_hash_table_lookup(relay->sessions, &session);
    g_mutex_unlock(&relay->lock);
    if (sm == NULL) {
        memset(out, 0, sizeof *out);
        out->session = session;
        out->rtt_max_us = -1;
        return FALSE;
    }
    session_stats_init(out, sm);
    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init(&iter, relay->peers);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        CrPeer *peer = value;
        if (peer->session == session)
            session_stats_add(out, peer);
    }
    return TRUE;
}

static gint
by_session(gconstpointer a, gconstpointer b)
{
    gint64 x = ((const CrSessionStats *)a)->session, y = ((const CrSessionStats *)b)->session;
    return x < y ? -1 : x > y;
}

GArray *
cr_relay_sessions_stats(CrRelay *relay)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(CrSessionStats));
    g_autoptr(GHashTable) index = g_hash_table_new(g_int64_hash, g_int64_equal);
    gint64 now = g_get_monotonic_time();
    GHashTableIter iter;
    gpointer value;
    /* One pass over the sessions picks those to list, one over the peers
     * adds them up; positions are fixed before the array is sorted. */
    g_mutex_lock(&relay->lock);
    g_hash_table_iter_init(&iter, relay->sessions);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        CrSessionMedia *sm = value;
        if (sm->open_peers == 0 &&
            (sm->last_left_us == 0 || now - sm->last_left_us >= CR_RELAY_SESSION_LINGER_US))
            continue; /* no peer yet (a recording tap made it), or gone long enough */
        CrSessionStats st;
        session_stats_init(&st, sm);
        g_hash_table_insert(index, &sm->id, GUINT_TO_POINTER(out->len + 1));
        g_array_append_val(out, st);
    }
    g_mutex_unlock(&relay->lock);
    g_hash_table_iter_init(&iter, relay->peers);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        CrPeer *peer = value;
        guint at = GPOINTER_TO_UINT(g_hash_table_lookup(index, &peer->session));
        if (at != 0)
            session_stats_add(&g_array_index(out, CrSessionStats, at - 1), peer);
    }
    g_array_sort(out, by_session);
    return out;
}

void
cr_relay_close_peer(CrRelay *relay, guint64 id)
{
    CrPeer *peer = g_hash_table_lookup(relay->peers, &id);
    if (peer == NULL)
        return;
    g_atomic_int_set(&peer->closed, 1);
    cr_worker_post(peer->worker, close_on_worker, cr_peer_ref(peer), cr_peer_unref);
    fold_closed_peer(peer);
    g_hash_table_remove(relay->peers, &id);
    g_atomic_int_add(&relay->peer_count, -1);
}

void
cr_relay_stats(CrRelay *relay, CrRelayStats *out)
{
    out->peers = (guint)g_atomic_int_get(&relay->peer_count);
    out->packets_in = g_atomic_pointer_get(&relay->packets_in);
    out->packets_out = g_atomic_pointer_get(&relay->packets_out);
    out->bytes_in = g_atomic_pointer_get(&relay->bytes_in);
    out->bytes_out = g_atomic_pointer_get(&relay->bytes_out);
    out->nacks_in = g_atomic_pointer_get(&relay->nacks_in);
    out->nacks_out = g_atomic_pointer_get(&relay->nacks_out);
    out->plis_in = g_atomic_pointer_get(&relay->plis_in);
    out->plis_out = g_atomic_pointer_get(&relay->plis_out);
    out->retransmits = g_atomic_pointer_get(&relay->retransmits);
    out->dropped = g_atomic_pointer_get(&relay->dropped);
    out->overload_dropped = g_atomic_pointer_get(&relay->overload_dropped);
}
