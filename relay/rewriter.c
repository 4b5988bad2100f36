/* rewriter.c — see rewriter.h.
 *
 * Owned by one media worker; pure, time injected, nothing allocates
 * (cr_rewriter_init draws its random start from GLib's locked global
 * generator, once per slot). RFC 3550 §5.1 numbering; §6.4.1 counters.
 *
 * All sequence and timestamp arithmetic is unsigned and wraps on purpose:
 * an offset is whatever makes in + offset equal the wanted output modulo
 * 2^16 (2^32), and distances are read with cr_seq_diff.
 */
#include "relay/rewriter.h"

#include "relay/rtp.h"

/* RFC 3550 §5.1 wants the initial sequence number random. Like libwebrtc
 * we keep it in 1..2^15-1: an SRTP receiver guesses the rollover counter
 * from the first packets, and a start just below 65535 plus reordering
 * would make it guess wrong. */
#define INITIAL_SEQ_MAX 0x7fff

/* The most a timestamp advances on a switch: a jump of 2^31 or more
 * would read as a step backwards (6.6 h at 90 kHz, 12.4 h at 48 kHz). */
#define MAX_ADVANCE ((guint64)G_MAXINT32)

void
cr_rewriter_init_full(CrRewriter *rw, guint32 out_ssrc, guint32 clock_rate, gboolean video,
                      guint16 initial_seq, guint32 initial_ts)
{
    g_return_if_fail(rw != NULL);

    *rw = (CrRewriter){0};
    rw->out_ssrc = out_ssrc;
    rw->clock_rate = clock_rate;
    rw->video = video;
    /* The first packet is numbered as if it followed these. */
    rw->last_out_seq = (guint16)(initial_seq - 1);
    rw->last_out_ts = initial_ts;
}

void
cr_rewriter_init(CrRewriter *rw, guint32 out_ssrc, guint32 clock_rate, gboolean video)
{
    guint16 seq = (guint16)g_random_int_range(1, INITIAL_SEQ_MAX + 1);
    cr_rewriter_init_full(rw, out_ssrc, clock_rate, video, seq, g_random_int());
}

/* Wall time in RTP ticks, floor(elapsed × rate / 10^6), at least 1 so the
 * new source's first timestamp differs from the old source's last, and
 * at most MAX_ADVANCE. Split into whole seconds and the rest so the
 * product cannot overflow. */
static guint32
elapsed_ticks(gint64 elapsed_us, guint32 clock_rate)
{
    if (elapsed_us <= 0)
        return 1;
    guint64 us = (guint64)elapsed_us;
    guint64 seconds = us / G_USEC_PER_SEC;
    if (seconds >= MAX_ADVANCE)
        return (guint32)MAX_ADVANCE;
    guint64 ticks = seconds * clock_rate + us % G_USEC_PER_SEC * clock_rate / G_USEC_PER_SEC;
    return (guint32)CLAMP(ticks, 1, MAX_ADVANCE);
}

/* Chooses the offsets that make (@in_seq, @in_ts), the current source's
 * first forwarded packet, follow the last packet sent. */
static void
start_source(CrRewriter *rw, guint16 in_seq, guint32 in_ts, gint64 now_us)
{
    guint16 out_seq = (guint16)(rw->last_out_seq + 1);
    guint32 out_ts = rw->last_out_ts;
    if (rw->sent_any)
        out_ts += elapsed_ticks(now_us - rw->last_out_us, rw->clock_rate);

    rw->seq_offset = (guint16)(out_seq - in_seq);
    rw->ts_offset = out_ts - in_ts;
    rw->max_in_seq = in_seq;
    rw->span = 0;
    rw->mapped = TRUE;
    rw->waiting_keyframe = FALSE;
}

CrRewriteResult
cr_rewriter_map(CrRewriter *rw, guint64 source_id, guint16 in_seq, guint32 in_ts, gboolean keyframe,
                gint64 now_us, guint16 *out_seq, guint32 *out_ts)
{
    g_return_val_if_fail(rw != NULL && out_seq != NULL && out_ts != NULL, CR_REWRITE_DROP_OLD);

    if (!rw->have_source || source_id != rw->source_id) {
        rw->have_source = TRUE;
        rw->source_id = source_id;
        rw->mapped = FALSE;
        rw->waiting_keyframe = rw->video;
    }

    gboolean started = FALSE;
    if (!rw->mapped) {
        if (rw->waiting_keyframe && !keyframe)
            return CR_REWRITE_DROP_WAIT_KEYFRAME;
        start_source(rw, in_seq, in_ts, now_us);
        started = TRUE;
    }

    /* Behind the newest: a reordered packet or a retransmission. It maps
     * like the rest unless it precedes the source's first forwarded
     * packet, whose number the previous source may have used, or is
     * more than MAX_REORDER old (span is capped there). */
    gint d = cr_seq_diff(in_seq, rw->max_in_seq);
    if (d < 0 && -d > rw->span)
        return CR_REWRITE_DROP_OLD;

    *out_seq = (guint16)(in_seq + rw->seq_offset);
    *out_ts = in_ts + rw->ts_offset;

    if (d > 0 || started) {
        rw->max_in_seq = in_seq;
        rw->span = (guint16)MIN((gint)rw->span + d, CR_REWRITER_MAX_REORDER);
        rw->last_out_seq = *out_seq;
        rw->last_out_ts = *out_ts;
        rw->last_out_us = now_us;
        rw->sent_any = TRUE;
    }
    return CR_REWRITE_FORWARD;
}

gboolean
cr_rewriter_unmap_seq(const CrRewriter *rw, guint16 out_seq, guint16 *in_seq)
{
    g_return_val_if_fail(rw != NULL && in_seq != NULL, FALSE);

    if (!rw->mapped)
        return FALSE;
    /* last_out_seq is the newest of the current source (mapped implies
     * its first packet went out), and span reaches back to its first. */
    gint d = cr_seq_diff(out_seq, rw->last_out_seq);
    if (d > 0 || -d > rw->span)
        return FALSE;
    *in_seq = (guint16)(out_seq - rw->seq_offset);
    return TRUE;
}

guint32
cr_rewriter_map_ts(const CrRewriter *rw, guint32 in_ts)
{
    g_return_val_if_fail(rw != NULL, in_ts);

    return in_ts + rw->ts_offset;
}

void
cr_rewriter_count(CrRewriter *rw, gsize payload_len)
{
    g_return_if_fail(rw != NULL);

    rw->packets++;
    rw->octets += payload_len;
}
