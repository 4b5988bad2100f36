/* tap.c — the recording tap: a session's plaintext RTP handed to the
 * recorder as the relay forwards it, and the session queries the
 * recorder needs (which codec feeds each track, keyframes on demand).
 *
 * The packet path reads one atomic flag per packet when no recording
 * runs. While one does, the publisher's worker takes the session's
 * tap_lock around the call: uncontended in practice (a session has a
 * handful of publishers), and it lets cr_relay_set_tap(NULL) wait for a
 * call in progress so the recorder may free its state right after. */
#include "relay/relay-private.h"

G_STATIC_ASSERT((int)CR_N_TRACKS == (int)CR_N_SLOTS);
G_STATIC_ASSERT((int)CR_TRACK_CLASS_AUDIO == (int)CR_SLOT_CLASS_AUDIO);
G_STATIC_ASSERT((int)CR_TRACK_FLOOR_VIDEO == (int)CR_SLOT_FLOOR_VIDEO);

static const char *
codec_name(CrCodecId codec)
{
    switch (codec) {
    case CR_CODEC_OPUS: return "opus";
    case CR_CODEC_VP8: return "VP8";
    case CR_CODEC_H264: return "H264";
    case CR_CODEC_NONE: break;
    }
    return NULL;
}

static CrSessionMedia *
find_session(CrRelay *relay, gint64 session)
{
    g_mutex_lock(&relay->lock);
    CrSessionMedia *sm = cr_relay_session_media(relay, session);
    g_mutex_unlock(&relay->lock);
    return sm;
}

void
cr_relay_set_tap(CrRelay *relay, gint64 session, CrRelayTap tap, gpointer user)
{
    CrSessionMedia *sm = find_session(relay, session);
    g_mutex_lock(&sm->tap_lock);
    sm->tap = tap;
    sm->tap_user = user;
    g_atomic_int_set(&sm->tapped, tap != NULL);
    g_mutex_unlock(&sm->tap_lock);
}

void
cr_relay_tap_packet(CrRelay *relay, CrPeer *publisher, const CrPacket *packet)
{
    CrSessionMedia *sm = publisher->media;
    const CrPubStream *stream = NULL;
    for (guint i = 0; i < publisher->n_streams; i++) {
        if (publisher->streams[i].slot == packet->slot)
            stream = &publisher->streams[i];
    }
    /* The capture time on our clock, from the stream's last SR (RFC 3550
     * §6.4.1: NTP and RTP timestamps of one instant) and the publisher's
     * NTP offset; the arrival time until an SR came. */
    gint64 capture_us = packet->arrival_us;
    if (stream != NULL && stream->last_sr_ntp != 0 && publisher->have_ntp_offset &&
        stream->clock_rate > 0) {
        gint32 ticks = (gint32)(packet->timestamp - stream->last_sr_rtp);
        capture_us = publisher->ntp_offset_us + cr_ntp_to_us(stream->last_sr_ntp) +
                     (gint64)ticks * G_USEC_PER_SEC / stream->clock_rate;
    }
    CrTapPacket t = {
        .session = packet->session,
        .source = packet->source,
        .track = (CrTrackKind)packet->slot,
        .codec = codec_name(packet->codec),
        .clock_rate = stream != NULL ? stream->clock_rate : 0,
        .keyframe = packet->keyframe,
        .seq = packet->seq,
        .timestamp = packet->timestamp,
        .arrival_us = packet->arrival_us,
        .capture_us = capture_us,
        .data = packet->data,
        .len = packet->len,
    };
    if (t.codec == NULL || t.clock_rate == 0)
        return;
    g_mutex_lock(&sm->tap_lock);
    if (sm->tap != NULL)
        sm->tap(sm->tap_user, &t);
    g_mutex_unlock(&sm->tap_lock);
}

void
cr_relay_request_keyframes(CrRelay *relay, gint64 session)
{
    CrSessionMedia *sm = find_session(relay, session);
    static const CrSlot video[] = {CR_SLOT_CLASS_VIDEO, CR_SLOT_SCREEN, CR_SLOT_FLOOR_VIDEO};
    for (gsize i = 0; i < G_N_ELEMENTS(video); i++) {
        g_mutex_lock(&relay->lock);
        CrPeer *publisher = sm->publishers[video[i]];
        if (publisher != NULL)
            cr_peer_ref(publisher);
        g_mutex_unlock(&relay->lock);
        /* Any peer of the session names it; the publisher is one. */
        if (publisher != NULL) {
            cr_relay_request_keyframe(relay, publisher, video[i]);
            cr_peer_unref(publisher);
        }
    }
}

void
cr_relay_track_codecs(CrRelay *relay, gint64 session, const char *out[CR_N_TRACKS])
{
    CrSessionMedia *sm = find_session(relay, session);
    g_mutex_lock(&relay->lock);
    for (int slot = 0; slot < CR_N_SLOTS; slot++) {
        const CrPeer *p = sm->publishers[slot];
        out[slot] = NULL;
        for (guint i = 0; p != NULL && i < p->n_streams; i++) {
            if (p->streams[i].slot == (CrSlot)slot)
                out[slot] = codec_name(p->streams[i].codec);
        }
    }
    g_mutex_unlock(&relay->lock);
}
