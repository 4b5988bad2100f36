/* load-peer.c — one WebRTC client of the load generator: a libnice agent
 * (ICE, controlling, RFC 8445), the relay's DTLS engine (RFC 5764) and
 * SRTP (relay/srtp.h), with the SDP offer it sends and the few answer
 * fields it needs. Media is in load-media.c.
 *
 * Owner: the peer's LoadWorker thread, once load_peer_start ran; before
 * that the main thread builds it (libnice's API is thread-safe).
 */
#include "bench/load.h"

#include <string.h>

#include "relay/rtp.h"

gint load_phase = LOAD_PHASE_WARMUP;

/* ---- workers ---- */

static gpointer
worker_main(gpointer data)
{
    LoadWorker *w = data;
    g_main_context_push_thread_default(w->ctx);
    g_main_loop_run(w->loop);
    g_main_context_pop_thread_default(w->ctx);
    return NULL;
}

static gboolean
on_tick(gpointer data)
{
    load_worker_tick(data);
    return G_SOURCE_CONTINUE;
}

LoadWorker *
load_worker_new(const char *name)
{
    LoadWorker *w = g_new0(LoadWorker, 1);
    w->ctx = g_main_context_new();
    w->loop = g_main_loop_new(w->ctx, FALSE);
    w->peers = g_ptr_array_new();
    g_mutex_init(&w->peers_lock);
    w->latency_hist = g_new0(guint32, LOAD_HIST_BINS);
    /* 2 ms: the publisher's pacing resolution; subscribers only check
     * timers in it, which costs nothing measurable. */
    GSource *tick = g_timeout_source_new(2);
    g_source_set_callback(tick, on_tick, w, NULL);
    g_source_attach(tick, w->ctx);
    g_source_unref(tick);
    w->thread = g_thread_new(name, worker_main, w);
    return w;
}

void
load_worker_stop(LoadWorker *w)
{
    g_main_loop_quit(w->loop);
    g_thread_join(w->thread);
}

/* ---- the offer ---- */

static void
append_section(GString *sdp, LoadPeer *p, const char *ufrag, const char *pwd, const char *fp,
               const char *candidates, gboolean video)
{
    const gboolean pub = p->role == LOAD_PUBLISHER;
    g_string_append_printf(sdp,
                           "m=%s 9 UDP/TLS/RTP/SAVPF %d\r\n"
                           "c=IN IP4 0.0.0.0\r\n"
                           "a=ice-ufrag:%s\r\n"
                           "a=ice-pwd:%s\r\n"
                           "a=fingerprint:sha-256 %s\r\n"
                           "a=setup:actpass\r\n"
                           "a=mid:%d\r\n"
                           "a=%s\r\n"
                           "a=rtcp-mux\r\n",
                           video ? "video" : "audio", video ? LOAD_VIDEO_PT : LOAD_AUDIO_PT, ufrag,
                           pwd, fp, video ? 1 : 0, pub ? "sendonly" : "recvonly");
    if (video)
        g_string_append_printf(sdp,
                               "a=rtpmap:%d VP8/90000\r\n"
                               "a=rtcp-fb:%d nack\r\n"
                               "a=rtcp-fb:%d nack pli\r\n"
                               "a=rtcp-fb:%d ccm fir\r\n",
                               LOAD_VIDEO_PT, LOAD_VIDEO_PT, LOAD_VIDEO_PT, LOAD_VIDEO_PT);
    else
        g_string_append_printf(sdp,
                               "a=rtpmap:%d opus/48000/2\r\n"
                               "a=fmtp:%d minptime=10;useinbandfec=1\r\n",
                               LOAD_AUDIO_PT, LOAD_AUDIO_PT);
    if (pub)
        g_string_append_printf(sdp, "a=msid:bench %s\r\na=ssrc:%u cname:bench-pub\r\n",
                               video ? "video" : "audio", video ? p->video_ssrc : p->audio_ssrc);
    g_string_append(sdp, candidates);
    g_string_append(sdp, "a=end-of-candidates\r\n");
}

static char *
build_offer(LoadPeer *p, const char *fingerprint_text)
{
    gchar *ufrag = NULL, *pwd = NULL;
    nice_agent_get_local_credentials(p->agent, p->stream_id, &ufrag, &pwd);
    GString *cands = g_string_new(NULL);
    GSList *local = nice_agent_get_local_candidates(p->agent, p->stream_id, 1);
    for (GSList *l = local; l != NULL; l = l->next) {
        gchar *line = nice_agent_generate_local_candidate_sdp(p->agent, l->data);
        g_string_append_printf(cands, "%s\r\n", line);
        g_free(line);
    }
    g_slist_free_full(local, (GDestroyNotify)nice_candidate_free);
    GString *sdp = g_string_new(NULL);
    g_string_append_printf(sdp,
                           "v=0\r\n"
                           "o=- %u 2 IN IP4 127.0.0.1\r\n"
                           "s=-\r\n"
                           "t=0 0\r\n"
                           "a=group:BUNDLE 0 1\r\n"
                           "a=msid-semantic: WMS bench\r\n",
                           g_random_int());
    append_section(sdp, p, ufrag, pwd, fingerprint_text, cands->str, FALSE);
    append_section(sdp, p, ufrag, pwd, fingerprint_text, cands->str, TRUE);
    g_string_free(cands, TRUE);
    g_free(ufrag);
    g_free(pwd);
    return g_string_free(sdp, FALSE);
}

/* ---- I/O ---- */

void
load_peer_send(LoadPeer *p, const guint8 *data, gsize len)
{
    if (nice_agent_send(p->agent, p->stream_id, 1, (guint)len, (const gchar *)data) < 0)
        p->send_errors++;
}

static void
flush_dtls(LoadPeer *p)
{
    guint8 buf[CR_DTLS_MTU];
    gsize len;
    while (cr_dtls_take_output(p->dtls, buf, sizeof buf, &len))
        load_peer_send(p, buf, len);
}

static void
fail(LoadPeer *p, const char *reason)
{
    if (g_atomic_int_get(&p->failed))
        return;
    p->fail_reason = g_strdup(reason);
    g_atomic_int_set(&p->failed, 1);
}

static void
check_dtls(LoadPeer *p)
{
    switch (cr_dtls_state(p->dtls)) {
    case CR_DTLS_CONNECTED: {
        if (p->srtp != NULL)
            return;
        CrSrtpKeys keys;
        g_autoptr(GError) error = NULL;
        if (!cr_dtls_srtp_keys(p->dtls, &keys)) {
            fail(p, "no SRTP keys after the handshake");
            return;
        }
        p->srtp = cr_srtp_new(&keys, &error);
        cr_srtp_keys_clear(&keys);
        if (p->srtp == NULL) {
            fail(p, error->message);
            return;
        }
        p->dtls_done_us = g_get_monotonic_time();
        p->next_rr_us = p->dtls_done_us + 1000000 + g_random_int_range(0, 1000000);
        g_atomic_int_set(&p->connected, 1);
        return;
    }
    case CR_DTLS_FAILED:
        fail(p, cr_dtls_failure_reason(p->dtls));
        return;
    case CR_DTLS_CLOSED:
        fail(p, "DTLS closed by the relay");
        return;
    default:
        return;
    }
}

static void
on_receive(NiceAgent *agent, guint stream_id, guint component_id, guint len, gchar *buf,
           gpointer data)
{
    LoadPeer *p = data;
    /* SRTP works in place on a 4-byte aligned buffer. */
    guint32 aligned[(1500 + CR_SRTP_MAX_TRAILER_LEN) / 4];
    if (len == 0 || len > 1500)
        return;
    memcpy(aligned, buf, len);
    guint8 *pkt = (guint8 *)aligned;
    switch (cr_packet_kind(pkt, len)) {
    case CR_PACKET_DTLS:
        if (p->dtls == NULL)
            return;
        cr_dtls_receive(p->dtls, pkt, len, g_get_monotonic_time());
        flush_dtls(p);
        check_dtls(p);
        return;
    case CR_PACKET_RTP:
        if (p->srtp != NULL)
            load_media_on_rtp(p, pkt, len);
        return;
    case CR_PACKET_RTCP:
        if (p->srtp != NULL)
            load_media_on_rtcp(p, pkt, len);
        return;
    default:
        return;
    }
}

static void
on_state(NiceAgent *agent, guint stream_id, guint component_id, guint state, gpointer data)
{
    LoadPeer *p = data;
    if (state == NICE_COMPONENT_STATE_FAILED) {
        fail(p, "ICE failed");
        return;
    }
    if (state != NICE_COMPONENT_STATE_READY || p->dtls != NULL)
        return;
    p->ice_ready_us = g_get_monotonic_time();
    /* a=setup:passive in the answer makes us the DTLS client (RFC 8842). */
    CrDtlsRole role = g_strcmp0(p->answer.setup, "active") == 0 ? CR_DTLS_SERVER : CR_DTLS_CLIENT;
    g_autoptr(GError) error = NULL;
    p->dtls = cr_dtls_new(p->dtls_ctx, role, p->answer.fingerprint, &error);
    if (p->dtls == NULL) {
        fail(p, error->message);
        return;
    }
    cr_dtls_start(p->dtls, g_get_monotonic_time());
    flush_dtls(p);
}

/* On the worker: DTLS retransmission timer. */
void
load_peer_check_timers(LoadPeer *p, gint64 now)
{
    if (p->dtls == NULL || p->srtp != NULL)
        return;
    gint64 due = cr_dtls_next_timeout_us(p->dtls);
    if (due >= 0 && due <= now) {
        cr_dtls_handle_timeout(p->dtls, now);
        flush_dtls(p);
        check_dtls(p);
    }
}

/* ---- life ---- */

LoadPeer *
load_peer_new(LoadWorker *w, LoadRole role, guint index, CrDtlsContext *dtls_ctx,
              const char *fingerprint_text, const char *local_address, GError **error)
{
    LoadPeer *p = g_new0(LoadPeer, 1);
    p->role = role;
    p->index = index;
    p->worker = w;
    p->dtls_ctx = cr_dtls_context_ref(dtls_ctx);
    p->local_ssrc = g_random_int() | 1;
    p->video_ssrc = g_random_int() | 2;
    p->audio_ssrc = p->video_ssrc + 1;
    p->video_seq = (guint16)g_random_int();
    p->audio_seq = (guint16)g_random_int();
    p->agent = nice_agent_new_full(w->ctx, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_NONE);
    g_object_set(p->agent, "upnp", FALSE, "controlling-mode", TRUE, "ice-tcp", FALSE, NULL);
    NiceAddress addr;
    nice_address_init(&addr);
    if (!nice_address_set_from_string(&addr, local_address)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad local address %s",
                    local_address);
        load_peer_free(p);
        return NULL;
    }
    nice_agent_add_local_address(p->agent, &addr);
    g_signal_connect(p->agent, "component-state-changed", G_CALLBACK(on_state), p);
    p->stream_id = nice_agent_add_stream(p->agent, 1);
    nice_agent_attach_recv(p->agent, p->stream_id, 1, w->ctx, on_receive, p);
    /* Host candidates on a given address are made synchronously. */
    if (p->stream_id == 0 || !nice_agent_gather_candidates(p->agent, p->stream_id)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "ICE gathering failed on %s",
                    local_address);
        load_peer_free(p);
        return NULL;
    }
    p->offer = build_offer(p, fingerprint_text);
    g_mutex_lock(&w->peers_lock);
    g_ptr_array_add(w->peers, p);
    g_mutex_unlock(&w->peers_lock);
    return p;
}

static gboolean
apply_answer(gpointer data)
{
    LoadPeer *p = data;
    nice_agent_set_remote_credentials(p->agent, p->stream_id, p->answer.ufrag, p->answer.pwd);
    GSList *list = NULL;
    for (guint i = 0; i < p->answer.candidates->len; i++) {
        NiceCandidate *c = nice_agent_parse_remote_candidate_sdp(
            p->agent, p->stream_id, g_ptr_array_index(p->answer.candidates, i));
        if (c != NULL)
            list = g_slist_append(list, c);
    }
    if (list == NULL)
        fail(p, "no usable candidate in the answer");
    else
        nice_agent_set_remote_candidates(p->agent, p->stream_id, 1, list);
    g_slist_free_full(list, (GDestroyNotify)nice_candidate_free);
    return G_SOURCE_REMOVE;
}

void
load_peer_start(LoadPeer *p)
{
    g_main_context_invoke(p->worker->ctx, apply_answer, p);
}

/* After the worker stopped. */
void
load_peer_free(LoadPeer *p)
{
    if (p == NULL)
        return;
    if (p->agent != NULL) {
        if (p->stream_id != 0)
            nice_agent_remove_stream(p->agent, p->stream_id);
        g_object_unref(p->agent);
    }
    cr_srtp_free(p->srtp);
    cr_dtls_free(p->dtls);
    cr_dtls_context_unref(p->dtls_ctx);
    g_free(p->answer.ufrag);
    g_free(p->answer.pwd);
    g_free(p->answer.setup);
    if (p->answer.candidates != NULL)
        g_ptr_array_unref(p->answer.candidates);
    g_free(p->offer);
    g_free(p->fail_reason);
    g_free(p);
}

/* ---- the answer ---- */

static gboolean
parse_fingerprint(const char *value, guint8 out[CR_CERT_FINGERPRINT_LEN])
{
    if (g_ascii_strncasecmp(value, "sha-256 ", 8) != 0)
        return FALSE;
    const char *s = value + 8;
    for (int i = 0; i < CR_CERT_FINGERPRINT_LEN; i++) {
        int hi = g_ascii_xdigit_value(s[0]), lo = g_ascii_xdigit_value(s[1]);
        if (hi < 0 || lo < 0)
            return FALSE;
        out[i] = (guint8)(hi << 4 | lo);
        s += 2;
        if (i < CR_CERT_FINGERPRINT_LEN - 1 && *s++ != ':')
            return FALSE;
    }
    return TRUE;
}

gboolean
load_answer_parse(const char *sdp, LoadAnswer *out, GError **error)
{
    out->candidates = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) lines = g_strsplit(sdp, "\n", -1);
    for (char **l = lines; *l != NULL; l++) {
        g_strchomp(*l);
        const char *v;
        if ((v = g_str_has_prefix(*l, "a=ice-ufrag:") ? *l + 12 : NULL) && out->ufrag == NULL)
            out->ufrag = g_strdup(v);
        else if ((v = g_str_has_prefix(*l, "a=ice-pwd:") ? *l + 10 : NULL) && out->pwd == NULL)
            out->pwd = g_strdup(v);
        else if ((v = g_str_has_prefix(*l, "a=setup:") ? *l + 8 : NULL) && out->setup == NULL)
            out->setup = g_strdup(v);
        else if ((v = g_str_has_prefix(*l, "a=fingerprint:") ? *l + 14 : NULL) &&
                 !out->has_fingerprint)
            out->has_fingerprint = parse_fingerprint(v, out->fingerprint);
        else if (g_str_has_prefix(*l, "a=candidate:")) {
            /* Only the first m-line's (BUNDLE): the rest repeat them. */
            gboolean dup = FALSE;
            for (guint i = 0; i < out->candidates->len && !dup; i++)
                dup = strcmp(g_ptr_array_index(out->candidates, i), *l) == 0;
            if (!dup)
                g_ptr_array_add(out->candidates, g_strdup(*l));
        }
    }
    if (out->ufrag == NULL || out->pwd == NULL || !out->has_fingerprint) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "answer lacks ICE credentials or a sha-256 fingerprint");
        return FALSE;
    }
    return TRUE;
}
