/* load-media.c — the load generator's media: a synthetic VP8 + Opus
 * publisher and the subscribers' accounting (loss by sequence numbers,
 * one-way latency from the send time in each payload, time to the first
 * key frame) and receiver reports.
 *
 * Worker threads (each peer on its own worker). RFC 3550 §6.4.2 and
 * Appendix A.1/A.3 (receiver reports, sequence bookkeeping), RFC 7741
 * §4.2–4.3 (what makes a VP8 packet a key frame start to the relay),
 * RFC 4585 §6.3.1 and RFC 5104 §4.3.1 (PLI and FIR answered with a key
 * frame).
 */
#include "bench/load.h"

#include <string.h>

#include "relay/rtcp.h"
#include "relay/rtp.h"

#define SEND_CAP (1500 + CR_SRTP_MAX_TRAILER_LEN)

static struct {
    guint key_bytes, delta_bytes; /* per frame */
    guint packet_bytes;
    gint64 frame_us, audio_us, keyframe_us;
    guint32 frame_ticks; /* 90 kHz */
} cfg;

void
load_publisher_configure(guint video_kbps, guint fps, guint packet_bytes, guint keyframe_seconds,
                         guint audio_pps)
{
    /* A key frame is 4 average frames, as camera encoders roughly do;
     * delta frames are smaller so the average stays at @video_kbps. */
    guint avg = video_kbps * 1000 / 8 / fps;
    guint k = MAX(fps * keyframe_seconds, 2u);
    cfg.key_bytes = 4 * avg;
    cfg.delta_bytes = (k * avg - cfg.key_bytes) / (k - 1);
    cfg.packet_bytes = packet_bytes;
    cfg.frame_us = 1000000 / fps;
    cfg.frame_ticks = 90000 / fps;
    cfg.audio_us = 1000000 / audio_pps;
    cfg.keyframe_us = (gint64)keyframe_seconds * 1000000;
}

static void
put_stamp(guint8 *payload, gint64 now)
{
    guint64 v = (guint64)now;
    for (int i = 0; i < 8; i++)
        payload[LOAD_STAMP_OFFSET + i] = (guint8)(v >> (56 - 8 * i));
}

static gint64
get_stamp(const guint8 *payload)
{
    guint64 v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | payload[LOAD_STAMP_OFFSET + i];
    return (gint64)v;
}

/* ---- the publisher ---- */

static void
send_rtp(LoadPeer *p, guint8 pt, gboolean marker, guint32 ssrc, guint16 seq, guint32 ts,
         const guint8 *payload, gsize plen)
{
    guint32 aligned[SEND_CAP / 4];
    guint8 *buf = (guint8 *)aligned;
    buf[0] = 0x80;
    buf[1] = (guint8)((marker ? 0x80 : 0) | pt);
    cr_rtp_set_seq(buf, seq);
    cr_rtp_set_timestamp(buf, ts);
    cr_rtp_set_ssrc(buf, ssrc);
    memcpy(buf + CR_RTP_HEADER_LEN, payload, plen);
    gsize len = CR_RTP_HEADER_LEN + plen;
    if (cr_srtp_protect_rtp(p->srtp, buf, &len, SEND_CAP) != CR_SRTP_OK) {
        p->send_errors++;
        return;
    }
    load_peer_send(p, buf, len);
    p->bytes_sent += len;
}

static void
send_frame(LoadPeer *p, gint64 now, gboolean key)
{
    guint bytes = key ? cfg.key_bytes : cfg.delta_bytes;
    guint n = (bytes + cfg.packet_bytes - 1) / cfg.packet_bytes;
    guint plen = MAX((bytes + n - 1) / n, (guint)LOAD_MIN_PAYLOAD);
    guint32 ts = (guint32)(p->frames * cfg.frame_ticks) + p->video_ssrc;
    guint8 payload[1500];
    memset(payload, 0x5a, plen);
    for (guint i = 0; i < n; i++) {
        /* RFC 7741 §4.2: X=0 N=0 S=1 PID=0 starts the frame; §4.3: P=0 is
         * a key frame, whose payload begins with the 0x9d012a start code. */
        payload[0] = i == 0 ? 0x10 : 0x00;
        if (i == 0) {
            payload[1] = key ? 0x00 : 0x01;
            payload[4] = 0x9d;
            payload[5] = 0x01;
            payload[6] = 0x2a;
        }
        put_stamp(payload, now);
        send_rtp(p, LOAD_VIDEO_PT, i == n - 1, p->video_ssrc, p->video_seq++, ts, payload, plen);
        p->video_packets++;
        if (g_atomic_int_get(&load_phase) == LOAD_PHASE_WINDOW)
            p->win_video_packets++;
    }
    p->frames++;
    if (key)
        p->keyframes++;
}

static void
send_audio(LoadPeer *p, gint64 now)
{
    guint8 payload[160];
    memset(payload, 0x33, sizeof payload);
    payload[0] = 0x78; /* an Opus TOC byte: SILK/CELT hybrid, 20 ms */
    put_stamp(payload, now);
    guint32 ts = (guint32)(p->audio_packets * (48000 * cfg.audio_us / 1000000)) + p->audio_ssrc;
    send_rtp(p, LOAD_AUDIO_PT, FALSE, p->audio_ssrc, p->audio_seq++, ts, payload, sizeof payload);
    p->audio_packets++;
    if (g_atomic_int_get(&load_phase) == LOAD_PHASE_WINDOW)
        p->win_audio_packets++;
}

static void
publish_due(LoadPeer *p, gint64 now)
{
    if (p->next_frame_us == 0 || now - p->next_frame_us > 1000000) {
        p->next_frame_us = p->next_audio_us = now; /* start, or resync after a stall */
        p->next_keyframe_us = now;
    }
    while (p->next_frame_us <= now) {
        gboolean key = p->want_keyframe || p->next_frame_us >= p->next_keyframe_us;
        if (key) {
            p->want_keyframe = FALSE;
            p->next_keyframe_us = p->next_frame_us + cfg.keyframe_us;
        }
        send_frame(p, now, key);
        p->next_frame_us += cfg.frame_us;
    }
    while (p->next_audio_us <= now) {
        send_audio(p, now);
        p->next_audio_us += cfg.audio_us;
    }
}

/* ---- subscribers ---- */

/* The extended sequence number of @seq (RFC 3550 Appendix A.1). */
static guint32
stream_update(LoadStream *s, guint32 ssrc, guint16 seq)
{
    if (!s->seen || s->ssrc != ssrc) {
        memset(s, 0, sizeof *s);
        s->seen = TRUE;
        s->ssrc = ssrc;
        s->max_seq = seq;
        s->base_ext = seq;
        s->received = 1;
        return seq;
    }
    s->received++;
    gint d = cr_seq_diff(seq, s->max_seq);
    if (d > 0) {
        if (seq < s->max_seq)
            s->cycles += 65536;
        s->max_seq = seq;
        return s->cycles + seq;
    }
    /* Old or repeated: from this cycle or the one before. */
    return seq <= s->max_seq || s->cycles == 0 ? s->cycles + seq : s->cycles - 65536 + seq;
}

static void
count_window(LoadStream *s, guint32 ext)
{
    if (!s->win_seen) {
        s->win_seen = TRUE;
        s->win_first_ext = s->win_max_ext = ext;
    } else if (ext > s->win_max_ext) {
        s->win_max_ext = ext;
    }
    s->win_received++;
}

void
load_media_on_rtp(LoadPeer *p, guint8 *pkt, gsize len)
{
    if (cr_srtp_unprotect_rtp(p->srtp, pkt, &len) != CR_SRTP_OK) {
        p->undecryptable++;
        return;
    }
    CrRtpHeader h;
    if (!cr_rtp_parse(pkt, len, &h)) {
        p->undecryptable++;
        return;
    }
    gint64 now = g_get_monotonic_time();
    p->last_rtp_us = now;
    const guint8 *payload = pkt + h.payload_offset;
    LoadStream *s;
    if (h.payload_type == LOAD_VIDEO_PT) {
        s = &p->video;
        if (p->first_video_us == 0)
            p->first_video_us = now;
        if (p->first_key_us == 0 && cr_rtp_vp8_is_keyframe(payload, h.payload_len)) {
            p->first_key_us = now;
            g_atomic_int_set(&p->got_key, 1);
        }
    } else if (h.payload_type == LOAD_AUDIO_PT) {
        s = &p->audio;
    } else {
        p->other_pt++;
        return;
    }
    guint32 ext = stream_update(s, h.ssrc, h.seq);
    if (g_atomic_int_get(&load_phase) != LOAD_PHASE_WINDOW)
        return;
    count_window(s, ext);
    if (h.payload_len >= LOAD_MIN_PAYLOAD) {
        gint64 lat = now - get_stamp(payload);
        guint bin = lat < 0 ? 0 : (guint)MIN(lat / LOAD_HIST_BIN_US, LOAD_HIST_BINS - 1);
        p->worker->latency_hist[bin]++;
    }
}

static void
fill_block(LoadStream *s, CrRtcpReportBlock *b)
{
    guint32 ext_max = s->cycles + s->max_seq;
    guint32 expected = ext_max - s->base_ext + 1;
    gint64 lost = (gint64)expected - (gint64)s->received;
    guint32 exp_int = expected - s->rr_expected_prior;
    gint64 lost_int = (gint64)exp_int - (gint64)(s->received - s->rr_received_prior);
    s->rr_expected_prior = expected;
    s->rr_received_prior = s->received;
    memset(b, 0, sizeof *b);
    b->ssrc = s->ssrc;
    b->fraction_lost = exp_int == 0 || lost_int <= 0 ? 0 : (guint8)((lost_int << 8) / exp_int);
    b->cumulative_lost = (gint32)CLAMP(lost, -0x800000, 0x7fffff);
    b->highest_seq = ext_max;
}

static void
send_receiver_report(LoadPeer *p)
{
    CrRtcpRr rr = {.ssrc = p->local_ssrc};
    if (p->audio.seen)
        fill_block(&p->audio, &rr.reports[rr.n_reports++]);
    if (p->video.seen)
        fill_block(&p->video, &rr.reports[rr.n_reports++]);
    guint32 aligned[512 / 4];
    guint8 *buf = (guint8 *)aligned;
    gsize n = cr_rtcp_write_rr(buf, sizeof aligned - CR_SRTP_MAX_TRAILER_LEN, &rr);
    if (n == 0)
        return;
    gsize m = cr_rtcp_write_sdes_cname(buf + n, sizeof aligned - CR_SRTP_MAX_TRAILER_LEN - n,
                                       p->local_ssrc, "bench-sub", 9);
    gsize len = n + m;
    if (m == 0 || cr_srtp_protect_rtcp(p->srtp, buf, &len, sizeof aligned) != CR_SRTP_OK) {
        p->send_errors++;
        return;
    }
    load_peer_send(p, buf, len);
}

/* ---- RTCP in ---- */

void
load_media_on_rtcp(LoadPeer *p, guint8 *pkt, gsize len)
{
    if (p->role != LOAD_PUBLISHER)
        return; /* the relay's sender reports to subscribers are not needed */
    if (cr_srtp_unprotect_rtcp(p->srtp, pkt, &len) != CR_SRTP_OK)
        return;
    CrRtcpIter it;
    CrRtcpPacket rp;
    cr_rtcp_iter_init(&it, pkt, len);
    while (cr_rtcp_iter_next(&it, &rp)) {
        CrRtcpFb fb;
        if (!cr_rtcp_parse_fb_header(&rp, &fb))
            continue;
        switch (fb.kind) {
        case CR_RTCP_FB_PLI:
            p->plis++;
            p->want_keyframe = TRUE;
            break;
        case CR_RTCP_FB_FIR:
            p->firs++;
            p->want_keyframe = TRUE;
            break;
        case CR_RTCP_FB_NACK:
            p->nacks++; /* not answered: no RTX was negotiated, over a veth */
            break;
        default:
            break;
        }
    }
}

/* ---- the worker's tick ---- */

void
load_worker_tick(LoadWorker *w)
{
    gint64 now = g_get_monotonic_time();
    if (w->last_tick_us != 0 && now - w->last_tick_us > w->max_tick_gap_us)
        w->max_tick_gap_us = now - w->last_tick_us;
    w->last_tick_us = now;
    g_mutex_lock(&w->peers_lock);
    for (guint i = 0; i < w->peers->len; i++) {
        LoadPeer *p = g_ptr_array_index(w->peers, i);
        load_peer_check_timers(p, now);
        if (!g_atomic_int_get(&p->connected) || g_atomic_int_get(&p->failed))
            continue;
        if (p->role == LOAD_PUBLISHER) {
            publish_due(p, now);
        } else if (now >= p->next_rr_us) {
            send_receiver_report(p);
            p->next_rr_us += 1000000;
        }
    }
    g_mutex_unlock(&w->peers_lock);
}
