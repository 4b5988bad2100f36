/* peer.c — one PeerConnection's transport: ICE (libnice), DTLS (relay/
 * dtls.c over memory), SRTP (relay/srtp.c), and its negotiation.
 *
 * Worker thread: the NiceAgent runs on the worker's GMainContext and every
 * function here except cr_peer_new/ref/unref runs on that worker.
 * RFC 8445 (ICE), RFC 7675 (consent freshness, from libnice), RFC 5764
 * (DTLS-SRTP), RFC 7983 §7 (demultiplexing), RFC 8842 (setup roles).
 */
#include "relay/relay-private.h"

#include <string.h>

CrPeer *
cr_peer_new(CrRelay *relay, CrNegotiation negotiation, gint64 session, const char *person,
            CrSourceRole role)
{
    CrPeer *peer = g_new0(CrPeer, 1);
    peer->refs = 1;
    peer->relay = relay;
    peer->negotiation = negotiation;
    peer->publisher = negotiation == CR_NEGOTIATE_PUBLISH;
    peer->session = session;
    peer->person = g_strdup(person);
    peer->person_tag = g_str_hash(person != NULL ? person : "");
    peer->role = role;
    peer->local_ssrc = g_random_int() | 1;
    peer->pub_rtt_us = -1;
    peer->local_candidates = g_ptr_array_new_with_free_func(g_free);
    return peer;
}

CrPeer *
cr_peer_ref(CrPeer *peer)
{
    g_atomic_int_inc(&peer->refs);
    return peer;
}

void
cr_peer_unref(gpointer data)
{
    CrPeer *peer = data;
    if (peer == NULL || !g_atomic_int_dec_and_test(&peer->refs))
        return;
    g_free(peer->person);
    g_free(peer->bundle_mid);
    g_free(peer->local_ufrag);
    g_free(peer->local_pwd);
    g_free(peer->remote_ufrag);
    g_ptr_array_unref(peer->local_candidates);
    if (peer->remote != NULL)
        cr_sdp_remote_free(peer->remote);
    for (guint i = 0; i < G_N_ELEMENTS(peer->streams); i++)
        g_free(peer->streams[i].mid);
    for (guint i = 0; i < CR_N_SLOTS; i++)
        g_free(peer->slots[i].mid);
    g_free(peer);
}

/* ---- DTLS ---- */

static void flush_dtls(CrPeer *peer);

static gboolean
dtls_timeout(gpointer data)
{
    CrPeer *peer = data;
    g_clear_pointer(&peer->dtls_timer, g_source_unref);
    if (peer->dtls != NULL) {
        cr_dtls_handle_timeout(peer->dtls, g_get_monotonic_time());
        flush_dtls(peer);
    }
    return G_SOURCE_REMOVE;
}

static void
schedule_dtls_timer(CrPeer *peer)
{
    if (peer->dtls_timer != NULL) {
        g_source_destroy(peer->dtls_timer);
        g_clear_pointer(&peer->dtls_timer, g_source_unref);
    }
    gint64 at = peer->dtls != NULL ? cr_dtls_next_timeout_us(peer->dtls) : -1;
    if (at < 0)
        return;
    gint64 delay_ms = MAX(0, (at - g_get_monotonic_time()) / 1000);
    peer->dtls_timer = g_timeout_source_new((guint)delay_ms);
    g_source_set_callback(peer->dtls_timer, dtls_timeout, peer, NULL);
    g_source_attach(peer->dtls_timer, cr_worker_context(peer->worker));
}

static void
dtls_connected(CrPeer *peer)
{
    CrSrtpKeys keys;
    g_autoptr(GError) error = NULL;
    if (!cr_dtls_srtp_keys(peer->dtls, &keys) || (peer->srtp = cr_srtp_new(&keys, &error)) == NULL) {
        cr_srtp_keys_clear(&keys);
        cr_peer_shutdown(peer, CR_PEER_FAILED, error ? error->message : "no SRTP keys");
        return;
    }
    cr_srtp_keys_clear(&keys);
    peer->state = CR_PEER_CONNECTED;
    g_atomic_int_set(&peer->pub_state, CR_PEER_CONNECTED);
    g_message("[peer %" G_GUINT64_FORMAT "] connected (%s)", peer->id,
              cr_srtp_profile_name(cr_srtp_profile(peer->srtp)));
    cr_relay_report_state(peer->relay, peer, CR_PEER_CONNECTED, NULL);
    peer->rtcp_timer = g_timeout_source_new(500);
    g_source_set_callback(peer->rtcp_timer, cr_peer_rtcp_tick, peer, NULL);
    g_source_attach(peer->rtcp_timer, cr_worker_context(peer->worker));
    if (!peer->publisher)
        for (int slot = 0; slot < CR_N_SLOTS; slot++)
            cr_relay_request_keyframe(peer->relay, peer, (CrSlot)slot);
}

/* Sends what DTLS produced, re-arms its timer, and acts on a state change. */
static void
flush_dtls(CrPeer *peer)
{
    guint8 buf[CR_DTLS_MTU + 64];
    gsize len;
    while (cr_dtls_take_output(peer->dtls, buf, sizeof buf, &len))
        cr_peer_send_raw(peer, buf, len);
    schedule_dtls_timer(peer);
    CrDtlsState state = cr_dtls_state(peer->dtls);
    if (state == CR_DTLS_CONNECTED && peer->srtp == NULL)
        dtls_connected(peer);
    else if (state == CR_DTLS_FAILED || (state == CR_DTLS_CLOSED && peer->state != CR_PEER_CLOSED))
        cr_peer_shutdown(peer, state == CR_DTLS_FAILED ? CR_PEER_FAILED : CR_PEER_CLOSED,
                         cr_dtls_failure_reason(peer->dtls));
}

/* ---- ICE ---- */

void
cr_peer_send_raw(CrPeer *peer, const guint8 *data, gsize len)
{
    if (peer->agent == NULL)
        return;
    if (nice_agent_send(peer->agent, peer->stream_id, 1, (guint)len, (const gchar *)data) < 0) {
        g_atomic_pointer_add(&peer->relay->dropped, 1);
        cr_count(&peer->counters.dropped, 1);
    }
}

static void
on_receive(NiceAgent *agent, guint stream_id, guint component_id, guint len, gchar *buf,
           gpointer data)
{
    CrPeer *peer = data;
    if (peer->state == CR_PEER_CLOSED || peer->state == CR_PEER_FAILED)
        return;
    switch (cr_packet_kind((guint8 *)buf, len)) {
    case CR_PACKET_DTLS:
        if (peer->dtls != NULL) {
            cr_dtls_receive(peer->dtls, (guint8 *)buf, len, g_get_monotonic_time());
            flush_dtls(peer);
        }
        break;
    case CR_PACKET_RTP:
    case CR_PACKET_RTCP:
        if (peer->srtp != NULL)
            cr_peer_on_srtp(peer, (guint8 *)buf, len,
                            cr_packet_kind((guint8 *)buf, len) == CR_PACKET_RTCP);
        break;
    default:
        g_atomic_pointer_add(&peer->relay->dropped, 1);
        cr_count(&peer->counters.dropped, 1);
        break;
    }
}

static void
on_state(NiceAgent *agent, guint stream_id, guint component_id, guint state, gpointer data)
{
    CrPeer *peer = data;
    if (state == NICE_COMPONENT_STATE_FAILED) {
        cr_peer_shutdown(peer, CR_PEER_FAILED, "ICE failed or consent lost");
    } else if ((state == NICE_COMPONENT_STATE_CONNECTED || state == NICE_COMPONENT_STATE_READY) &&
               peer->dtls != NULL && cr_dtls_role(peer->dtls) == CR_DTLS_CLIENT &&
               cr_dtls_state(peer->dtls) == CR_DTLS_CONNECTING) {
        cr_dtls_start(peer->dtls, g_get_monotonic_time());
        flush_dtls(peer);
    }
}

static char *
candidate_text(NiceAgent *agent, NiceCandidate *candidate)
{
    g_autofree char *sdp = nice_agent_generate_local_candidate_sdp(agent, candidate);
    /* libnice writes "a=candidate:..."; the trickle forms want "candidate:". */
    return g_strdup(g_str_has_prefix(sdp, "a=") ? sdp + 2 : sdp);
}

static void answer_ready(CrPeer *peer);

static void
on_candidate(NiceAgent *agent, NiceCandidate *candidate, gpointer data)
{
    CrPeer *peer = data;
    char *text = candidate_text(agent, candidate);
    g_ptr_array_add(peer->local_candidates, text);
    if (peer->answered)
        cr_relay_report_candidate(peer->relay, peer, text);
}

static void
on_gathering_done(NiceAgent *agent, guint stream_id, gpointer data)
{
    CrPeer *peer = data;
    if (!peer->answered && peer->wait_for_candidates)
        answer_ready(peer);
    else if (peer->answered)
        cr_relay_report_candidate(peer->relay, peer, NULL);
}

static void
add_local_addresses(CrPeer *peer)
{
    const CrRelayConfig *config = &peer->relay->config;
    for (char **a = config->addresses; a != NULL && *a != NULL; a++) {
        NiceAddress addr;
        nice_address_init(&addr);
        if (nice_address_set_from_string(&addr, *a))
            nice_agent_add_local_address(peer->agent, &addr);
        else
            g_warning("media.addresses: \"%s\" is not an IP address", *a);
    }
}

static gboolean
create_agent(CrPeer *peer, gboolean controlling, GError **error)
{
    const CrRelayConfig *config = &peer->relay->config;
    NiceAgentOption options = NICE_AGENT_OPTION_ICE_TRICKLE | NICE_AGENT_OPTION_CONSENT_FRESHNESS;
    if (config->ice_lite)
        options |= NICE_AGENT_OPTION_LITE_MODE;
    peer->agent = nice_agent_new_full(cr_worker_context(peer->worker), NICE_COMPATIBILITY_RFC5245,
                                      options);
    g_object_set(peer->agent, "upnp", FALSE, "controlling-mode", controlling && !config->ice_lite,
                 "ice-tcp", config->ice_tcp, "ice-udp", TRUE, NULL);
    if (config->stun_server != NULL && config->stun_server[0] != '\0') {
        g_auto(GStrv) hp = g_strsplit(config->stun_server, ":", 2);
        g_object_set(peer->agent, "stun-server", hp[0], "stun-server-port",
                     hp[1] ? (guint)atoi(hp[1]) : 3478u, NULL);
    }
    add_local_addresses(peer);
    g_signal_connect(peer->agent, "component-state-changed", G_CALLBACK(on_state), peer);
    g_signal_connect(peer->agent, "new-candidate-full", G_CALLBACK(on_candidate), peer);
    g_signal_connect(peer->agent, "candidate-gathering-done", G_CALLBACK(on_gathering_done), peer);
    peer->stream_id = nice_agent_add_stream(peer->agent, 1);
    if (peer->stream_id == 0) {
        g_set_error(error, CR_ERROR, CR_ERROR_INTERNAL, "cannot create an ICE stream");
        return FALSE;
    }
    if (config->port_min > 0)
        nice_agent_set_port_range(peer->agent, peer->stream_id, 1, config->port_min,
                                  config->port_max);
    nice_agent_attach_recv(peer->agent, peer->stream_id, 1, cr_worker_context(peer->worker),
                           on_receive, peer);
    gchar *ufrag = NULL, *pwd = NULL;
    nice_agent_get_local_credentials(peer->agent, peer->stream_id, &ufrag, &pwd);
    peer->local_ufrag = ufrag;
    peer->local_pwd = pwd;
    return TRUE;
}

void
cr_peer_add_remote_candidate(CrPeer *peer, const char *candidate)
{
    if (peer->agent == NULL)
        return;
    if (candidate == NULL) {
        nice_agent_peer_candidate_gathering_done(peer->agent, peer->stream_id);
        return;
    }
    g_autofree char *line = g_str_has_prefix(candidate, "a=") ? g_strdup(candidate)
                                                               : g_strconcat("a=", candidate, NULL);
    NiceCandidate *c = nice_agent_parse_remote_candidate_sdp(peer->agent, peer->stream_id, line);
    if (c == NULL)
        return; /* mDNS names and unknown transports are skipped */
    /* rtcp-mux is required: an RTCP (component 2) candidate, as Firefox
     * still sends, would only add useless checks; libnice files every
     * candidate under the component given below, whatever its own. */
    if (c->component_id != 1) {
        nice_candidate_free(c);
        return;
    }
    GSList *list = g_slist_append(NULL, c);
    nice_agent_set_remote_candidates(peer->agent, peer->stream_id, 1, list);
    g_slist_free_full(list, (GDestroyNotify)nice_candidate_free);
}

static void
apply_remote_transport(CrPeer *peer, const CrSdpRemote *remote)
{
    nice_agent_set_remote_credentials(peer->agent, peer->stream_id, remote->ice_ufrag,
                                      remote->ice_pwd);
    for (guint i = 0; i < remote->candidates->len; i++) {
        const CrCandidate *c = g_ptr_array_index(remote->candidates, i);
        cr_peer_add_remote_candidate(peer, c->candidate);
    }
    if (remote->end_of_candidates)
        cr_peer_add_remote_candidate(peer, NULL);
}

static gboolean
create_dtls(CrPeer *peer, const char *local_setup, const CrSdpRemote *remote, GError **error)
{
    CrDtlsRole role = g_strcmp0(local_setup, "active") == 0 ? CR_DTLS_CLIENT : CR_DTLS_SERVER;
    peer->dtls = cr_dtls_new(peer->relay->dtls, role, remote->fingerprint, error);
    return peer->dtls != NULL;
}

/* ---- negotiation ---- */

typedef struct {
    CrPeer *peer;
    char *sdp;
    GError *error;
} SdpResult;

static void
sdp_result_free(gpointer data)
{
    SdpResult *r = data;
    cr_peer_unref(r->peer);
    g_free(r->sdp);
    g_clear_error(&r->error);
    g_free(r);
}

static gboolean
deliver_sdp(gpointer data)
{
    SdpResult *r = data;
    if (r->peer->done != NULL)
        r->peer->done(r->error != NULL ? 0 : r->peer->id, r->sdp, r->error, r->peer->done_data);
    r->peer->done = NULL;
    /* A refused negotiation leaves no peer behind: the caller got id 0 and
     * would never close it, and it would count as open in the statistics. */
    if (r->error != NULL)
        cr_relay_close_peer(r->peer->relay, r->peer->id);
    return G_SOURCE_REMOVE;
}

static void
post_sdp(CrPeer *peer, char *sdp, GError *error)
{
    SdpResult *r = g_new0(SdpResult, 1);
    r->peer = cr_peer_ref(peer);
    r->sdp = sdp;
    r->error = error;
    cr_relay_to_control(peer->relay, deliver_sdp, r, sdp_result_free);
}

static void
fill_local(CrPeer *peer, CrSdpLocal *local, gboolean with_candidates)
{
    memset(local, 0, sizeof *local);
    local->ice_ufrag = peer->local_ufrag;
    local->ice_pwd = peer->local_pwd;
    local->ice_lite = peer->relay->config.ice_lite;
    memcpy(local->fingerprint, peer->relay->fingerprint, sizeof local->fingerprint);
    local->session_id = g_random_int();
    if (with_candidates && peer->local_candidates->len > 0) {
        g_ptr_array_add(peer->local_candidates, NULL);
        local->candidates = (const char *const *)peer->local_candidates->pdata;
        g_ptr_array_set_size(peer->local_candidates, peer->local_candidates->len - 1);
    }
    local->end_of_candidates = with_candidates && peer->wait_for_candidates;
}

static void
make_answer(CrPeer *peer)
{
    CrSdpLocal local;
    CrLocalStream streams[CR_N_SLOTS];
    CrOfferSection sections[CR_N_SLOTS];
    g_autoptr(GError) error = NULL;
    g_autoptr(CrSdpRemote) negotiated = NULL;
    fill_local(peer, &local, TRUE);
    if (!peer->publisher) {
        gsize n = cr_peer_offer_sections(peer, sections);
        for (gsize i = 0; i < n; i++)
            streams[i] = (CrLocalStream){NULL, sections[i].kind, sections[i].ssrc, 0,
                                         sections[i].cname, sections[i].msid_stream,
                                         sections[i].msid_track};
        local.streams = streams;
        local.n_streams = n;
    }
    char *answer = cr_sdp_answer(peer->remote, &peer->relay->policy, &local, &negotiated, &error);
    if (answer == NULL || !create_dtls(peer, negotiated->local_setup, negotiated, &error)) {
        g_free(answer);
        post_sdp(peer, NULL, g_steal_pointer(&error));
        cr_peer_shutdown(peer, CR_PEER_FAILED, "negotiation failed");
        return;
    }
    cr_peer_media_setup(peer, negotiated);
    peer->answered = TRUE;
    post_sdp(peer, answer, NULL);
}

static void
make_offer(CrPeer *peer)
{
    CrSdpLocal local;
    CrOfferSection sections[CR_N_SLOTS];
    g_autoptr(GError) error = NULL;
    fill_local(peer, &local, FALSE);
    gsize n = cr_peer_offer_sections(peer, sections);
    char *offer = cr_sdp_offer(&local, &peer->relay->policy, sections, n, 1, &error);
    if (offer == NULL) {
        post_sdp(peer, NULL, g_steal_pointer(&error));
        cr_peer_shutdown(peer, CR_PEER_FAILED, "cannot build an offer");
        return;
    }
    peer->answered = TRUE;
    peer->offered = TRUE;
    post_sdp(peer, offer, NULL);
    /* Candidates gathered before the offer left trickle after it. */
    for (guint i = 0; i < peer->local_candidates->len; i++)
        cr_relay_report_candidate(peer->relay, peer, g_ptr_array_index(peer->local_candidates, i));
}

static void
answer_ready(CrPeer *peer)
{
    if (peer->answered || peer->state != CR_PEER_NEW)
        return;
    if (peer->negotiation == CR_NEGOTIATE_OFFER_SUBSCRIBE)
        make_offer(peer);
    else
        make_answer(peer);
}

void
cr_peer_start(CrWorker *worker, gpointer data)
{
    CrPeer *peer = data;
    g_autoptr(GError) error = NULL;
    peer->worker = worker;
    gboolean controlling = peer->negotiation == CR_NEGOTIATE_OFFER_SUBSCRIBE;
    if (!create_agent(peer, controlling, &error)) {
        post_sdp(peer, NULL, g_steal_pointer(&error));
        cr_peer_shutdown(peer, CR_PEER_FAILED, "ICE set-up failed");
        return;
    }
    if (peer->remote != NULL)
        apply_remote_transport(peer, peer->remote);
    if (!nice_agent_gather_candidates(peer->agent, peer->stream_id)) {
        g_set_error(&error, CR_ERROR, CR_ERROR_INTERNAL, "cannot gather ICE candidates");
        post_sdp(peer, NULL, g_steal_pointer(&error));
        cr_peer_shutdown(peer, CR_PEER_FAILED, "ICE gathering failed");
        return;
    }
    /* Gathering may have finished inside gather_candidates (host only). */
    if (!peer->wait_for_candidates)
        answer_ready(peer);
}

void
cr_peer_apply_answer(CrPeer *peer, CrSdpRemote *answer)
{
    g_autoptr(GError) error = NULL;
    if (peer->agent == NULL || peer->dtls != NULL)
        return;
    apply_remote_transport(peer, answer);
    /* Our offer said actpass: the answerer chose. active → we are server. */
    const char *ours = g_strcmp0(answer->setup, "passive") == 0 ? "active" : "passive";
    if (!create_dtls(peer, ours, answer, &error)) {
        cr_peer_shutdown(peer, CR_PEER_FAILED, error->message);
        return;
    }
    cr_peer_media_setup(peer, answer);
    NiceComponentState st = nice_agent_get_component_state(peer->agent, peer->stream_id, 1);
    if (cr_dtls_role(peer->dtls) == CR_DTLS_CLIENT &&
        (st == NICE_COMPONENT_STATE_CONNECTED || st == NICE_COMPONENT_STATE_READY)) {
        cr_dtls_start(peer->dtls, g_get_monotonic_time());
        flush_dtls(peer);
    }
}

static void
destroy_source(GSource **source)
{
    if (*source != NULL) {
        g_source_destroy(*source);
        g_clear_pointer(source, g_source_unref);
    }
}

void
cr_peer_shutdown(CrPeer *peer, CrPeerState state, const char *reason)
{
    if (peer->state == CR_PEER_CLOSED || peer->state == CR_PEER_FAILED)
        return;
    peer->state = state;
    g_atomic_int_set(&peer->pub_state, state);
    g_atomic_int_set(&peer->closed, 1);
    if (state == CR_PEER_FAILED)
        g_message("[peer %" G_GUINT64_FORMAT "] failed: %s", peer->id, reason ? reason : "?");
    destroy_source(&peer->dtls_timer);
    destroy_source(&peer->rtcp_timer);
    if (peer->dtls != NULL && cr_dtls_state(peer->dtls) == CR_DTLS_CONNECTED) {
        cr_dtls_close(peer->dtls);
        guint8 buf[CR_DTLS_MTU + 64];
        gsize len;
        while (cr_dtls_take_output(peer->dtls, buf, sizeof buf, &len))
            cr_peer_send_raw(peer, buf, len);
    }
    g_clear_pointer(&peer->dtls, cr_dtls_free);
    g_clear_pointer(&peer->srtp, cr_srtp_free);
    if (peer->agent != NULL) {
        nice_agent_attach_recv(peer->agent, peer->stream_id, 1, cr_worker_context(peer->worker),
                               NULL, NULL);
        g_signal_handlers_disconnect_by_data(peer->agent, peer);
        nice_agent_remove_stream(peer->agent, peer->stream_id);
        g_clear_object(&peer->agent);
    }
    if (peer->media_flowing) {
        peer->media_flowing = FALSE;
        g_atomic_int_set(&peer->pub_flowing, FALSE);
        cr_relay_report_media(peer->relay, peer, FALSE);
    }
    cr_relay_report_state(peer->relay, peer, state, reason);
}
