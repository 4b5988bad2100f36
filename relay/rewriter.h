/* rewriter.h — one subscriber slot's outgoing RTP numbering: a fixed SSRC
 * and sequence numbers and timestamps that stay continuous while the
 * source feeding the slot changes (the floor passes, a publisher
 * reconnects).
 *
 * Owned by one media worker; pure, time injected (monotonic µs), nothing
 * allocates. Implements RFC 3550 §5.1 for a stream spliced from several
 * sources: sequence numbers increment by one, timestamps advance with
 * real time, initial values are random.
 *
 * Within one source every packet maps by fixed offsets, out = in + offset
 * (mod 2^16 and 2^32), so reordered packets and upstream retransmissions
 * land on the numbers a receiver expects, and a subscriber's NACK maps
 * back (cr_rewriter_unmap_seq). The offsets are chosen when a source's
 * first packet is forwarded: its sequence number follows the last one
 * sent and its timestamp is the last one sent plus the wall time elapsed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How far behind the newest packet of the current source a packet may be
 * and still be forwarded (reordering, upstream retransmissions). Older
 * ones are dropped: far below 2^15, so an old packet can never read as a
 * new one on the receiver. */
#define CR_REWRITER_MAX_REORDER 4096

typedef enum {
    CR_REWRITE_FORWARD,            /* send with *out_seq and *out_ts */
    CR_REWRITE_DROP_WAIT_KEYFRAME, /* video: the new source has not sent a keyframe */
    CR_REWRITE_DROP_OLD,           /* before the source's first forwarded packet, or too old */
} CrRewriteResult;

typedef struct {
    guint32 out_ssrc;   /* fixed for the slot; the caller writes it into packets */
    guint32 clock_rate; /* Hz, RTP timestamp units */
    gboolean video;     /* a new source must start on a keyframe */

    gboolean have_source; /* source_id names the current source */
    gboolean mapped;      /* the offsets belong to source_id */
    gboolean waiting_keyframe;
    guint64 source_id; /* opaque, chosen by the caller */

    guint16 seq_offset; /* out_seq = in_seq + seq_offset (mod 2^16) */
    guint32 ts_offset;  /* out_ts = in_ts + ts_offset (mod 2^32) */
    guint16 max_in_seq; /* newest sequence number of the current source */
    guint16 span;       /* max_in_seq minus the source's first, capped at MAX_REORDER */

    gboolean sent_any;    /* last_out_* describe a forwarded packet */
    guint16 last_out_seq; /* newest sequence number sent (initial - 1 before any) */
    guint32 last_out_ts;  /* its timestamp (the initial one before any) */
    gint64 last_out_us;   /* when it was forwarded */

    guint64 packets; /* sent, for the SR sender info (RFC 3550 §6.4.1) */
    guint64 octets;  /* payload octets sent, same */
} CrRewriter;

/* Starts a slot with a random initial sequence number (below 2^15: a
 * receiver's SRTP rollover counter guess then survives early reordering)
 * and a random initial timestamp (RFC 3550 §5.1). */
void cr_rewriter_init(CrRewriter *rw, guint32 out_ssrc, guint32 clock_rate, gboolean video);

/* The same with the first packet's numbers given: the first packet ever
 * forwarded goes out as @initial_seq, @initial_ts. For tests and for a
 * slot that must continue numbers chosen elsewhere. */
void cr_rewriter_init_full(CrRewriter *rw, guint32 out_ssrc, guint32 clock_rate, gboolean video,
                           guint16 initial_seq, guint32 initial_ts);

/* Maps one packet of @source_id arriving at @now_us. A @source_id other
 * than the current one is a switch: from then on the old source's packets
 * would switch back, so the caller feeds a slot one source at a time.
 * On a switch, video waits (DROP_WAIT_KEYFRAME, and waiting_keyframe is
 * set: the caller asks the publisher for one) until a packet with
 * @keyframe set, the first packet of a keyframe (cr_rtp_vp8_is_keyframe,
 * cr_rtp_h264_is_keyframe); audio starts at once. The starting packet gets
 * last_out_seq + 1 and last_out_ts + max(1, elapsed × clock_rate / 10^6),
 * with the elapsed time since the last forward capped at 2^31 - 1 ticks so
 * the timestamp still reads as newer. Later packets of the source map by
 * the same offsets; one from before its starting packet, or more than
 * CR_REWRITER_MAX_REORDER behind its newest, is DROP_OLD. Duplicates map
 * like the original. @out_seq and @out_ts are written only on FORWARD. */
CrRewriteResult cr_rewriter_map(CrRewriter *rw, guint64 source_id, guint16 in_seq, guint32 in_ts,
                                gboolean keyframe, gint64 now_us, guint16 *out_seq,
                                guint32 *out_ts);

/* For a subscriber's NACK (RFC 4585 §6.2.1): the current source's sequence
 * number that went out as @out_seq. FALSE when nothing of the current
 * source went out as @out_seq: it is newer than the last sent, older than
 * the source's first forwarded packet (another source's) or more than
 * CR_REWRITER_MAX_REORDER old, or the source is not mapped yet. */
gboolean cr_rewriter_unmap_seq(const CrRewriter *rw, guint16 out_seq, guint16 *in_seq);

/* The outgoing timestamp for the current source's @in_ts: translates the
 * RTP timestamp of the publisher's SR (RFC 3550 §6.4.1) into the slot's
 * timeline. Meaningful only while rw->mapped. */
guint32 cr_rewriter_map_ts(const CrRewriter *rw, guint32 in_ts);

/* Counts a packet actually sent with @payload_len payload octets (header
 * and padding not counted, RFC 3550 §6.4.1). Separate from the mapping
 * because a forwarded packet can still fail to go out. */
void cr_rewriter_count(CrRewriter *rw, gsize payload_len);

G_END_DECLS
