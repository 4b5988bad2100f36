/* peer-media.c — RTP and RTCP on a connected peer: a publisher's packets
 * become CrPackets for every worker with subscribers; a subscriber's slots
 * rewrite and protect them; RTCP reports, keyframe requests, NACKs and
 * REMB in both directions.
 *
 * Worker thread. RFC 3550 (RTP/RTCP), RFC 4585 (NACK, PLI), RFC 5104
 * (FIR), RFC 4588 (RTX), draft-alvestrand-rmcat-remb (REMB).
 */
#include "relay/relay-private.h"

#include <string.h>

/* No media for this long: not flowing. Receiver reports come every
 * 5 s x [0.5, 1.5] / 1.21828 (RFC 3550 §6.3.1), up to ~6.2 s apart, so a
 * subscriber needs more slack than a publisher's steady RTP. */
#define MEDIA_QUIET_US (5 * G_USEC_PER_SEC)
#define SUBSCRIBER_QUIET_US (15 * G_USEC_PER_SEC)
#define NTP_EPOCH_OFFSET G_GUINT64_CONSTANT(2208988800)

static CrCodecId
codec_id(const char *name)
{
    if (g_ascii_strcasecmp(name, "opus") == 0)
        return CR_CODEC_OPUS;
    if (g_ascii_strcasecmp(name, "VP8") == 0)
        return CR_CODEC_VP8;
    if (g_ascii_strcasecmp(name, "H264") == 0)
        return CR_CODEC_H264;
    return CR_CODEC_NONE;
}

/* The slots a subscriber receives: trainees everything, the classroom
 * (instructor) only the floor — it does not need its own media back. */
static gsize
subscriber_slots(const CrPeer *peer, CrSlot *out)
{
    static const CrSlot all[] = {CR_SLOT_CLASS_AUDIO, CR_SLOT_CLASS_VIDEO, CR_SLOT_SCREEN,
                                 CR_SLOT_FLOOR_AUDIO, CR_SLOT_FLOOR_VIDEO};
    static const CrSlot floor[] = {CR_SLOT_FLOOR_AUDIO, CR_SLOT_FLOOR_VIDEO};
    gboolean classroom = peer->role == CR_SOURCE_CLASSROOM;
    gsize n = classroom ? G_N_ELEMENTS(floor) : G_N_ELEMENTS(all);
    memcpy(out, classroom ? floor : all, n * sizeof *out);
    return n;
}

static gboolean
slot_is_video(CrSlot slot)
{
    return slot == CR_SLOT_CLASS_VIDEO || slot == CR_SLOT_SCREEN || slot == CR_SLOT_FLOOR_VIDEO;
}

static const char *const slot_names[CR_N_SLOTS] = {"class-audio", "class-video", "screen",
                                                    "floor-audio", "floor-video"};

gsize
cr_peer_offer_sections(CrPeer *peer, CrOfferSection *out)
{
    CrSlot slots[CR_N_SLOTS];
    gsize n = subscriber_slots(peer, slots);
    const CrRelayConfig *config = &peer->relay->config;
    for (gsize i = 0; i < n; i++) {
        CrSubSlot *s = &peer->slots[slots[i]];
        gboolean video = slot_is_video(slots[i]);
        if (s->ssrc == 0)
            s->ssrc = g_random_int() | 1;
        if (s->mid == NULL)
            s->mid = g_strdup_printf("%" G_GSIZE_FORMAT, i);
        const char *vcodec = config->video_codecs && config->video_codecs[0]
                                 ? config->video_codecs[0]
                                 : "VP8";
        gboolean h264 = g_ascii_strcasecmp(vcodec, "H264") == 0;
        out[i] = (CrOfferSection){
            .mid = s->mid,
            .kind = video ? CR_MEDIA_VIDEO : CR_MEDIA_AUDIO,
            .direction = CR_DIRECTION_SENDONLY,
            .codec = video ? (CrOfferCodec){h264 ? "H264" : "VP8", h264 ? 102 : 96, 90000, 0,
                                            h264 ? "level-asymmetry-allowed=1;packetization-"
                                                   "mode=1;profile-level-id=42e01f"
                                                 : NULL,
                                            CR_RTCP_FEEDBACK_NACK | CR_RTCP_FEEDBACK_NACK_PLI |
                                                CR_RTCP_FEEDBACK_CCM_FIR}
                           : (CrOfferCodec){"opus", 111, 48000, 2, "minptime=10;useinbandfec=1",
                                            0},
            .ssrc = s->ssrc,
            .cname = "classrelay",
            .msid_stream = slots[i] >= CR_SLOT_FLOOR_AUDIO ? "floor" : "classroom",
            .msid_track = slot_names[slots[i]],
        };
    }
    return n;
}

static void
setup_publisher(CrPeer *peer, const CrSdpRemote *negotiated)
{
    guint audio = 0, video = 0;
    for (guint i = 0; i < negotiated->sections->len && peer->n_streams < 4; i++) {
        const CrMediaSection *m = g_ptr_array_index(negotiated->sections, i);
        if (m->rejected || m->codec.name == NULL)
            continue;
        gboolean is_video = m->kind == CR_MEDIA_VIDEO;
        CrSlot slot;
        if (peer->role == CR_SOURCE_FLOOR)
            slot = is_video ? CR_SLOT_FLOOR_VIDEO : CR_SLOT_FLOOR_AUDIO;
        else if (is_video)
            slot = video == 0 ? CR_SLOT_CLASS_VIDEO : CR_SLOT_SCREEN;
        else
            slot = CR_SLOT_CLASS_AUDIO;
        if ((is_video ? video++ : audio++) >= (is_video && peer->role == CR_SOURCE_CLASSROOM ? 2u : 1u))
            continue; /* more sections than slots: not forwarded */
        CrPubStream *st = &peer->streams[peer->n_streams++];
        st->slot = slot;
        st->codec = codec_id(m->codec.name);
        st->pt = (guint8)m->codec.payload_type;
        st->rtx_pt = (guint8)m->codec.rtx_payload_type;
        st->clock_rate = m->codec.clock_rate;
        st->ssrc = m->ssrc;
        st->rtx_ssrc = m->rtx_ssrc;
        st->mid = g_strdup(m->mid);
        st->video = is_video;
        cr_loss_init(&st->loss);
        cr_recv_stats_init(&st->stats);
    }
}

static void
setup_subscriber(CrPeer *peer, const CrSdpRemote *negotiated)
{
    CrSlot slots[CR_N_SLOTS];
    gsize n = subscriber_slots(peer, slots);
    guint audio_seen = 0, video_seen = 0;
    for (guint i = 0; i < negotiated->sections->len; i++) {
        const CrMediaSection *m = g_ptr_array_index(negotiated->sections, i);
        gboolean video = m->kind == CR_MEDIA_VIDEO;
        /* The k-th audio (video) section gets the k-th audio (video) slot. */
        guint want = video ? video_seen++ : audio_seen++, k = 0;
        for (gsize j = 0; j < n; j++) {
            if (slot_is_video(slots[j]) != video || k++ != want)
                continue;
            CrSubSlot *s = &peer->slots[slots[j]];
            if (m->rejected || m->codec.name == NULL)
                break;
            s->active = TRUE;
            s->video = video;
            if (s->ssrc == 0)
                s->ssrc = g_random_int() | 1;
            CrCodecId c = codec_id(m->codec.name);
            guint8 pt = (guint8)m->codec.payload_type;
            s->pt_opus = c == CR_CODEC_OPUS ? pt : 0;
            s->pt_vp8 = c == CR_CODEC_VP8 ? pt : 0;
            s->pt_h264 = c == CR_CODEC_H264 ? pt : 0;
            cr_rewriter_init(&s->rw, s->ssrc, video ? 90000 : 48000, video);
            break;
        }
    }
}

void
cr_peer_media_setup(CrPeer *peer, const CrSdpRemote *negotiated)
{
    if (peer->publisher) {
        setup_publisher(peer, negotiated);
        for (guint i = 0; i < peer->n_streams; i++)
            cr_relay_set_publisher(peer->relay, peer, peer->streams[i].slot);
    } else {
        setup_subscriber(peer, negotiated);
        g_ptr_array_add(cr_worker_subscribers(peer->worker, peer->session, TRUE), peer);
        cr_relay_count_subscriber(peer->relay, peer, 1);
        peer->subscribed = TRUE;
    }
}

void
cr_peer_media_teardown(CrPeer *peer)
{
    if (peer->publisher) {
        for (guint i = 0; i < peer->n_streams; i++)
            cr_relay_clear_publisher(peer->relay, peer, peer->streams[i].slot);
        cr_worker_drop_caches(peer->worker, peer->id);
    } else if (peer->subscribed) {
        peer->subscribed = FALSE;
        GPtrArray *subs = cr_worker_subscribers(peer->worker, peer->session, FALSE);
        if (subs != NULL)
            g_ptr_array_remove_fast(subs, peer);
        cr_relay_count_subscriber(peer->relay, peer, -1);
    }
}

/* ---- sending ---- */

static void
send_rtcp(CrPeer *peer, guint8 *buf, gsize len)
{
    if (peer->srtp == NULL || cr_srtp_protect_rtcp(peer->srtp, buf, &len, CR_SEND_BUF) != CR_SRTP_OK)
        return;
    cr_peer_send_raw(peer, buf, len);
}

static void
mark_media(CrPeer *peer)
{
    peer->last_media_us = g_get_monotonic_time();
    if (!peer->media_flowing) {
        peer->media_flowing = TRUE;
        g_atomic_int_set(&peer->pub_flowing, TRUE);
        cr_relay_report_media(peer->relay, peer, TRUE);
    }
}

static guint8
payload_type_for(const CrSubSlot *s, CrCodecId codec)
{
    return codec == CR_CODEC_OPUS ? s->pt_opus : codec == CR_CODEC_VP8 ? s->pt_vp8
                                                : codec == CR_CODEC_H264 ? s->pt_h264
                                                                         : 0;
}

/* Rewrites @packet for @slot and sends it (a forward or a retransmission). */
static gboolean
send_packet(CrPeer *peer, CrSubSlot *s, const CrPacket *packet, guint16 seq, guint32 ts)
{
    guint8 *buf = peer->send_buf;
    gsize len = packet->len;
    if (packet->ext_end > packet->ext_start) {
        /* Header extension ids are negotiated per PeerConnection (RFC
         * 8285): the publisher's ids mean other things to this subscriber
         * (its mid would misroute the packet), so the block is dropped and
         * the subscriber matches streams by SSRC (a=ssrc in our SDP). */
        memcpy(buf, packet->data, packet->ext_start);
        memcpy(buf + packet->ext_start, packet->data + packet->ext_end,
               packet->len - packet->ext_end);
        len = packet->len - (packet->ext_end - packet->ext_start);
        buf[0] &= (guint8)~0x10; /* X bit off */
    } else {
        memcpy(buf, packet->data, len);
    }
    cr_rtp_set_ssrc(buf, s->ssrc);
    cr_rtp_set_seq(buf, seq);
    cr_rtp_set_timestamp(buf, ts);
    cr_rtp_set_payload_type(buf, payload_type_for(s, packet->codec));
    if (cr_srtp_protect_rtp(peer->srtp, buf, &len, CR_SEND_BUF) != CR_SRTP_OK)
        return FALSE;
    cr_peer_send_raw(peer, buf, len);
    g_atomic_pointer_add(&peer->relay->packets_out, 1);
    g_atomic_pointer_add(&peer->relay->bytes_out, (gssize)len);
    cr_count(&peer->counters.packets_out, 1);
    cr_count(&peer->counters.bytes_out, len);
    return TRUE;
}

void
cr_peer_forward(CrPeer *peer, CrPacket *packet)
{
    CrSubSlot *s = &peer->slots[packet->slot];
    if (peer->srtp == NULL || !s->active || payload_type_for(s, packet->codec) == 0 ||
        packet->person_tag == peer->person_tag)
        return;
    guint16 seq;
    guint32 ts;
    switch (cr_rewriter_map(&s->rw, packet->source, packet->seq, packet->timestamp,
                            packet->keyframe, g_get_monotonic_time(), &seq, &ts)) {
    case CR_REWRITE_FORWARD:
        break;
    case CR_REWRITE_DROP_WAIT_KEYFRAME: {
        /* Every packet before the keyframe lands here; ask at most every
         * 250 ms (the publisher throttles again, per stream). */
        gint64 now = g_get_monotonic_time();
        if (now - s->last_keyframe_request_us >= 250000) {
            s->last_keyframe_request_us = now;
            cr_relay_request_keyframe(peer->relay, peer, packet->slot);
        }
        return;
    }
    default:
        return;
    }
    if (send_packet(peer, s, packet, seq, ts))
        cr_rewriter_count(&s->rw, packet->payload_len);
}

/* ---- a publisher's packets ---- */

static CrPubStream *
stream_for(CrPeer *peer, const guint8 *data, const CrRtpHeader *h, gboolean *rtx)
{
    *rtx = FALSE;
    for (guint i = 0; i < peer->n_streams; i++) {
        CrPubStream *st = &peer->streams[i];
        if (st->ssrc == h->ssrc)
            return st;
        if (st->rtx_ssrc != 0 && st->rtx_ssrc == h->ssrc) {
            *rtx = TRUE;
            return st;
        }
    }
    /* No a=ssrc in the SDP: bind the SSRC by payload type, first come. A
     * payload type shared by two sections (camera and screen) binds in
     * section order. */
    for (guint i = 0; i < peer->n_streams; i++) {
        CrPubStream *st = &peer->streams[i];
        if (st->ssrc == 0 && st->pt == h->payload_type) {
            st->ssrc = h->ssrc;
            return st;
        }
        if (st->rtx_ssrc == 0 && st->rtx_pt != 0 && st->rtx_pt == h->payload_type) {
            st->rtx_ssrc = h->ssrc;
            *rtx = TRUE;
            return st;
        }
    }
    return NULL;
}

/* RFC 4588 §4: an RTX packet carries the original sequence number in its
 * first two payload bytes; rebuild the original packet in place. */
static gboolean
unwrap_rtx(guint8 *data, gsize *len, CrRtpHeader *h, const CrPubStream *st)
{
    if (h->payload_len < 2)
        return FALSE; /* padding-only probe */
    guint8 *p = data + h->payload_offset;
    guint16 osn = (guint16)(p[0] << 8 | p[1]);
    memmove(p, p + 2, *len - h->payload_offset - 2);
    *len -= 2;
    cr_rtp_set_seq(data, osn);
    cr_rtp_set_ssrc(data, st->ssrc);
    cr_rtp_set_payload_type(data, st->pt);
    return cr_rtp_parse(data, *len, h);
}

static gboolean
is_keyframe(const CrPubStream *st, const guint8 *data, const CrRtpHeader *h)
{
    const guint8 *payload = data + h->payload_offset;
    if (st->codec == CR_CODEC_VP8)
        return cr_rtp_vp8_is_keyframe(payload, h->payload_len);
    if (st->codec == CR_CODEC_H264)
        return cr_rtp_h264_is_keyframe(payload, h->payload_len);
    return FALSE;
}

/* How often the packet path looks for due NACKs (send_due_nacks). */
#define CR_NACK_CHECK_US (20 * 1000)

static void send_due_nacks(CrPeer *peer, gint64 now);

static void
on_rtp(CrPeer *peer, guint8 *data, gsize len)
{
    CrRtpHeader h;
    gboolean rtx;
    CrPubStream *st;
    if (!peer->publisher || !cr_rtp_parse(data, len, &h) ||
        (st = stream_for(peer, data, &h, &rtx)) == NULL ||
        (rtx && !unwrap_rtx(data, &len, &h, st)) || h.payload_len == 0) {
        g_atomic_pointer_add(&peer->relay->dropped, 1);
        cr_count(&peer->counters.dropped, 1);
        return;
    }
    gint64 now = g_get_monotonic_time();
    cr_loss_on_packet(&st->loss, h.seq, now);
    cr_recv_stats_update(&st->stats, h.seq, h.timestamp, now, st->clock_rate);
    mark_media(peer);
    CrPacket *packet = cr_packet_new(data, len);
    packet->session = peer->session;
    packet->source = peer->id;
    packet->person_tag = peer->person_tag;
    packet->slot = st->slot;
    packet->codec = st->codec;
    packet->seq = h.seq;
    packet->timestamp = h.timestamp;
    packet->keyframe = st->video && is_keyframe(st, data, &h);
    packet->arrival_us = now;
    packet->payload_len = h.payload_len;
    if (h.extension) {
        packet->ext_start = 12 + 4u * h.csrc_count; /* the 4-byte extension header */
        packet->ext_end = h.ext_offset + h.ext_len;
    }
    cr_relay_fan_out(peer->relay, peer, packet);
    if (now - peer->last_nack_check_us >= CR_NACK_CHECK_US) {
        peer->last_nack_check_us = now;
        send_due_nacks(peer, now);
    }
}

/* ---- RTCP in ---- */

static CrSubSlot *
slot_by_ssrc(CrPeer *peer, guint32 ssrc, CrSlot *which)
{
    for (int i = 0; i < CR_N_SLOTS; i++) {
        if (peer->slots[i].active && peer->slots[i].ssrc == ssrc) {
            *which = (CrSlot)i;
            return &peer->slots[i];
        }
    }
    return NULL;
}

static void
answer_nack(CrPeer *peer, const CrRtcpPacket *pkt)
{
    guint16 lost[64];
    gsize n = 0;
    guint32 sender, media;
    CrSlot which;
    CrSubSlot *s;
    if (!cr_rtcp_parse_nack(pkt, &sender, &media, lost, G_N_ELEMENTS(lost), &n) ||
        (s = slot_by_ssrc(peer, media, &which)) == NULL)
        return;
    g_atomic_pointer_add(&peer->relay->nacks_in, 1);
    cr_count(&peer->counters.nacks_in, 1);
    CrNackCache *cache = cr_worker_cache(peer->worker, s->rw.source_id, which, FALSE);
    gint64 now = g_get_monotonic_time();
    for (gsize i = 0; i < n && cache != NULL; i++) {
        guint16 in_seq;
        const CrPacket *packet;
        if (!cr_rewriter_unmap_seq(&s->rw, lost[i], &in_seq) ||
            (packet = cr_nack_cache_get(cache, in_seq, now)) == NULL)
            continue;
        /* The same bytes as the first time (same seq, same payload), so
         * SRTP may protect them again (relay/srtp.c allows repeats). */
        if (send_packet(peer, s, packet, lost[i], cr_rewriter_map_ts(&s->rw, packet->timestamp))) {
            g_atomic_pointer_add(&peer->relay->retransmits, 1);
            cr_count(&peer->counters.retransmits, 1);
        }
    }
}

static void
on_feedback(CrPeer *peer, const CrRtcpPacket *pkt)
{
    CrRtcpFb fb;
    CrSlot which;
    if (!cr_rtcp_parse_fb_header(pkt, &fb))
        return;
    switch (fb.kind) {
    case CR_RTCP_FB_NACK:
        if (!peer->publisher)
            answer_nack(peer, pkt);
        break;
    case CR_RTCP_FB_PLI:
    case CR_RTCP_FB_FIR:
        g_atomic_pointer_add(&peer->relay->plis_in, 1);
        cr_count(&peer->counters.plis_in, 1);
        if (!peer->publisher && slot_by_ssrc(peer, fb.media_ssrc, &which) != NULL)
            cr_relay_request_keyframe(peer->relay, peer, which);
        else if (!peer->publisher && fb.kind == CR_RTCP_FB_FIR)
            for (int i = 0; i < CR_N_SLOTS; i++)
                if (peer->slots[i].active && peer->slots[i].video)
                    cr_relay_request_keyframe(peer->relay, peer, (CrSlot)i);
        break;
    default:
        /* REMB and transport-cc from subscribers: with one encoding per
         * source there is nothing to adapt; they are not forwarded. */
        break;
    }
}

static guint64 ntp_now(void);

/* A subscriber's RR (or SR) blocks on our slots: its loss, and the round
 * trip from the LSR/DLSR of our SRs (RFC 3550 §6.4.1), published for
 * cr_relay_peer_stats. Blocks on other SSRCs are ignored. */
static void
on_subscriber_report(CrPeer *peer, const CrRtcpPacket *pkt)
{
    CrRtcpSr sr;
    CrRtcpRr rr;
    const CrRtcpReportBlock *blocks;
    guint n;
    if (pkt->packet_type == CR_RTCP_SR && cr_rtcp_parse_sr(pkt, &sr)) {
        blocks = sr.reports;
        n = sr.n_reports;
    } else if (pkt->packet_type == CR_RTCP_RR && cr_rtcp_parse_rr(pkt, &rr)) {
        blocks = rr.reports;
        n = rr.n_reports;
    } else {
        return;
    }
    guint32 arrival = cr_rtcp_ntp_middle32(ntp_now());
    gboolean ours = FALSE;
    guint worst = 0; /* of this report: a slot it no longer mentions gets no media */
    for (guint i = 0; i < n; i++) {
        CrSlot which;
        CrSubSlot *s = slot_by_ssrc(peer, blocks[i].ssrc, &which);
        guint32 rtt;
        if (s == NULL)
            continue;
        ours = TRUE;
        s->rr_lost = MAX(s->rr_lost, (guint32)MAX(blocks[i].cumulative_lost, 0));
        worst = MAX(worst, blocks[i].fraction_lost);
        if (cr_rtcp_rtt(arrival, blocks[i].lsr, blocks[i].dlsr, &rtt))
            __atomic_store_n(&peer->pub_rtt_us, cr_rtcp_q16_to_us(rtt), __ATOMIC_RELAXED);
    }
    if (!ours)
        return;
    guint64 lost = 0;
    for (int i = 0; i < CR_N_SLOTS; i++)
        lost += peer->slots[i].rr_lost;
    cr_counter_set(&peer->counters.lost_out, lost);
    g_atomic_int_set(&peer->pub_fraction_lost, (gint)worst);
}

static void
on_rtcp(CrPeer *peer, const guint8 *data, gsize len)
{
    CrRtcpIter it;
    CrRtcpPacket pkt;
    cr_rtcp_iter_init(&it, data, len);
    while (cr_rtcp_iter_next(&it, &pkt)) {
        if (pkt.packet_type == 200 && peer->publisher) {
            CrRtcpSr sr;
            if (!cr_rtcp_parse_sr(&pkt, &sr))
                continue;
            for (guint i = 0; i < peer->n_streams; i++) {
                if (peer->streams[i].ssrc == sr.ssrc) {
                    gint64 now = g_get_monotonic_time();
                    peer->streams[i].last_sr_ntp = sr.ntp_timestamp;
                    peer->streams[i].last_sr_rtp = sr.rtp_timestamp;
                    peer->streams[i].last_sr_arrival_us = now;
                    /* One offset for all of a publisher's streams: their
                     * capture times then keep the sender's own relation
                     * (lip sync for the recorder, tap.c). */
                    if (!peer->have_ntp_offset) {
                        peer->ntp_offset_us = now - cr_ntp_to_us(sr.ntp_timestamp);
                        peer->have_ntp_offset = TRUE;
                    }
                }
            }
        } else if ((pkt.packet_type == 201 || pkt.packet_type == 200) && !peer->publisher) {
            /* Receiver reports prove the subscriber is getting media. */
            mark_media(peer);
            on_subscriber_report(peer, &pkt);
        } else if (pkt.packet_type == 205 || pkt.packet_type == 206) {
            on_feedback(peer, &pkt);
        }
    }
}

void
cr_peer_on_srtp(CrPeer *peer, guint8 *data, gsize len, gboolean rtcp)
{
    /* libsrtp wants 4-byte alignment and room; libnice's buffer promises
     * neither, so decrypt a copy. */
    guint8 buf[CR_SEND_BUF] __attribute__((aligned(8)));
    if (len > CR_PACKET_MAX + 64) {
        g_atomic_pointer_add(&peer->relay->dropped, 1);
        cr_count(&peer->counters.dropped, 1);
        return;
    }
    memcpy(buf, data, len);
    CrSrtpStatus st = rtcp ? cr_srtp_unprotect_rtcp(peer->srtp, buf, &len)
                           : cr_srtp_unprotect_rtp(peer->srtp, buf, &len);
    if (st != CR_SRTP_OK) {
        g_atomic_pointer_add(&peer->relay->dropped, 1);
        cr_count(&peer->counters.dropped, 1);
        return;
    }
    g_atomic_pointer_add(&peer->relay->packets_in, 1);
    g_atomic_pointer_add(&peer->relay->bytes_in, (gssize)len);
    cr_count(&peer->counters.packets_in, 1);
    cr_count(&peer->counters.bytes_in, len);
    if (rtcp)
        on_rtcp(peer, buf, len);
    else
        on_rtp(peer, buf, len);
}

/* ---- RTCP out ---- */

static guint64
ntp_now(void)
{
    gint64 us = g_get_real_time();
    guint64 secs = (guint64)(us / G_USEC_PER_SEC) + NTP_EPOCH_OFFSET;
    guint64 frac = ((guint64)(us % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC;
    return secs << 32 | frac;
}

void
cr_peer_request_keyframe(CrPeer *peer, CrSlot slot)
{
    gint64 now = g_get_monotonic_time();
    guint interval_us = peer->relay->config.keyframe_interval_ms * 1000u;
    for (guint i = 0; i < peer->n_streams; i++) {
        CrPubStream *st = &peer->streams[i];
        if (st->slot != slot || !st->video || st->ssrc == 0 || peer->srtp == NULL ||
            now - st->last_keyframe_request_us < (gint64)interval_us)
            continue;
        st->last_keyframe_request_us = now;
        guint8 *buf = peer->send_buf;
        CrRtcpRr rr = {peer->local_ssrc, 0, {{0}}};
        gsize n = cr_rtcp_write_rr(buf, CR_SEND_BUF, &rr);
        n += cr_rtcp_write_pli(buf + n, CR_SEND_BUF - n, peer->local_ssrc, st->ssrc);
        g_atomic_pointer_add(&peer->relay->plis_out, 1);
        cr_count(&peer->counters.plis_out, 1);
        send_rtcp(peer, buf, n);
    }
}

/* Publishes what the RR we are about to send @st's sender says: the
 * peer's loss is the sum of its streams' (a count that only grows) and the
 * worst stream's last fraction. */
static void
note_publisher_loss(CrPeer *peer, CrPubStream *st, const CrReportValues *v)
{
    st->lost = MAX(st->lost, (guint32)MAX(v->cumulative_lost, 0));
    st->fraction_lost = v->fraction_lost;
    guint64 lost = 0;
    guint worst = 0;
    for (guint i = 0; i < peer->n_streams; i++) {
        lost += peer->streams[i].lost;
        worst = MAX(worst, peer->streams[i].fraction_lost);
    }
    cr_counter_set(&peer->counters.lost_in, lost);
    g_atomic_int_set(&peer->pub_fraction_lost, (gint)worst);
}

/* Appends a NACK for every stream with losses due at @now; returns the
 * new length. */
static gsize
append_nacks(CrPeer *peer, guint8 *buf, gsize n, gint64 now)
{
    for (guint i = 0; i < peer->n_streams; i++) {
        guint16 lost[32];
        gsize k = cr_loss_take_nacks(&peer->streams[i].loss, now, lost, G_N_ELEMENTS(lost));
        if (k > 0) {
            n += cr_rtcp_write_nack(buf + n, CR_SEND_BUF - n, peer->local_ssrc,
                                    peer->streams[i].ssrc, lost, k);
            g_atomic_pointer_add(&peer->relay->nacks_out, 1);
            cr_count(&peer->counters.nacks_out, 1);
        }
    }
    return n;
}

static void
publisher_reports(CrPeer *peer, gint64 now)
{
    guint8 *buf = peer->send_buf;
    CrRtcpRr rr = {peer->local_ssrc, 0, {{0}}};
    guint32 ssrcs[4];
    gsize n_ssrcs = 0;
    for (guint i = 0; i < peer->n_streams && rr.n_reports < CR_RTCP_MAX_REPORT_BLOCKS; i++) {
        CrPubStream *st = &peer->streams[i];
        CrReportValues v;
        if (st->ssrc == 0 ||
            !cr_recv_stats_report_block(&st->stats, now, (guint32)(st->last_sr_ntp >> 16),
                                        st->last_sr_arrival_us, &v))
            continue;
        ssrcs[n_ssrcs++] = st->ssrc;
        note_publisher_loss(peer, st, &v);
        rr.reports[rr.n_reports++] = (CrRtcpReportBlock){st->ssrc, v.fraction_lost,
                                                         v.cumulative_lost, v.highest_seq,
                                                         v.jitter, v.lsr, v.dlsr};
    }
    gsize n = cr_rtcp_write_rr(buf, CR_SEND_BUF, &rr);
    n += cr_rtcp_write_sdes_cname(buf + n, CR_SEND_BUF - n, peer->local_ssrc, "classrelay", 10);
    /* The relay does no bandwidth estimation of its own; REMB tells the
     * publisher's encoder the configured rate (media.publisher_bitrate). */
    if (n_ssrcs > 0)
        n += cr_rtcp_write_remb(buf + n, CR_SEND_BUF - n, peer->local_ssrc,
                                peer->relay->config.publisher_bitrate, ssrcs, n_ssrcs);
    n = append_nacks(peer, buf, n, now);
    send_rtcp(peer, buf, n);
}

/* Publisher's packet path: NACKs as soon as a gap is due (the loss
 * tracker's reorder delay), not only with the 500 ms reports, so that the
 * retransmission beats the subscribers' jitter buffers. A compound packet
 * (RFC 3550 §6.1): an empty RR, then the NACKs. */
static void
send_due_nacks(CrPeer *peer, gint64 now)
{
    guint8 *buf = peer->send_buf;
    CrRtcpRr rr = {peer->local_ssrc, 0, {{0}}};
    gsize head = cr_rtcp_write_rr(buf, CR_SEND_BUF, &rr);
    gsize n = append_nacks(peer, buf, head, now);
    if (n > head)
        send_rtcp(peer, buf, n);
}

static void
subscriber_reports(CrPeer *peer)
{
    guint8 *buf = peer->send_buf;
    gsize n = 0;
    guint64 ntp = ntp_now();
    gint64 now = g_get_monotonic_time();
    for (int i = 0; i < CR_N_SLOTS; i++) {
        CrSubSlot *s = &peer->slots[i];
        if (!s->active || !s->rw.sent_any)
            continue;
        /* RFC 3550 §6.4.1: the RTP time that corresponds to now on the
         * slot's timeline, extrapolated from the last packet sent. */
        gint64 ticks = (now - s->rw.last_out_us) * (gint64)s->rw.clock_rate / G_USEC_PER_SEC;
        CrRtcpSr sr = {s->ssrc, ntp, s->rw.last_out_ts + (guint32)ticks, (guint32)s->rw.packets,
                       (guint32)s->rw.octets, 0, {{0}}};
        n += cr_rtcp_write_sr(buf + n, CR_SEND_BUF - n, &sr);
    }
    if (n == 0)
        return;
    n += cr_rtcp_write_sdes_cname(buf + n, CR_SEND_BUF - n, peer->slots[0].ssrc ? peer->slots[0].ssrc : peer->local_ssrc, "classrelay", 10);
    send_rtcp(peer, buf, n);
}

gboolean
cr_peer_rtcp_tick(gpointer data)
{
    CrPeer *peer = data;
    gint64 now = g_get_monotonic_time();
    if (peer->srtp == NULL)
        return G_SOURCE_CONTINUE;
    if (peer->publisher)
        publisher_reports(peer, now);
    else
        subscriber_reports(peer);
    gint64 quiet = peer->publisher ? MEDIA_QUIET_US : SUBSCRIBER_QUIET_US;
    if (peer->media_flowing && now - peer->last_media_us > quiet) {
        peer->media_flowing = FALSE;
        g_atomic_int_set(&peer->pub_flowing, FALSE);
        cr_relay_report_media(peer->relay, peer, FALSE);
    }
    return G_SOURCE_CONTINUE;
}
