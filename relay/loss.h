/* loss.h — what the relay learns from the packets a publisher sends it:
 * which sequence numbers are missing and due for a NACK upstream (RFC
 * 4585 §6.2.1), and the receive statistics of an RTCP receiver report
 * (RFC 3550 §6.4.1, Appendix A.1, A.3, A.8).
 *
 * Owned by one media worker; pure, time injected (monotonic µs), nothing
 * allocates: both are plain structs embedded in the publisher's stream.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ---- Loss detection for NACKs ---------------------------------------- */

#define CR_LOSS_WINDOW           512    /* seqs tracked behind the newest */
#define CR_LOSS_REORDER_DELAY_US 10000  /* a gap waits this long before its first NACK */
#define CR_LOSS_DEFAULT_RTT_US   100000 /* between NACKs of one seq, until set */
#define CR_LOSS_MAX_NACKS        3      /* NACKs per seq in all, then it is given up */

typedef struct {
    gint64 due_us; /* when the next NACK may go */
    guint16 seq;
    guint8 missing;
    guint8 nacks; /* sent so far */
} CrLossEntry;

typedef struct {
    CrLossEntry entries[CR_LOSS_WINDOW]; /* by seq modulo the window */
    gboolean started;
    guint16 highest; /* newest seq received */
    guint32 bad_seq; /* after a far step back: the seq that confirms it; > 65535 none */
    gint64 rtt_us;
    guint n_missing;
} CrLoss;

void cr_loss_init(CrLoss *l);

/* The round-trip time to the publisher, the interval between NACKs of one
 * seq. Raised to CR_LOSS_REORDER_DELAY_US; <= 0 restores the default. */
void cr_loss_set_rtt(CrLoss *l, gint64 rtt_us);

/* Feeds one received sequence number. A newer one marks the seqs skipped
 * since the newest as missing, due CR_LOSS_REORDER_DELAY_US from @now_us;
 * a missing one (late or retransmitted) is no longer missing. A jump
 * forward of more than CR_LOSS_WINDOW resets the state (nothing missing,
 * @seq the newest) rather than NACK thousands; so do two consecutive seqs
 * more than 3000 behind (the publisher restarted its numbering, detected
 * as in RFC 3550 A.1). A seq behind the window but not that far, or a
 * single one that far, is ignored. */
void cr_loss_on_packet(CrLoss *l, guint16 seq, gint64 now_us);

/* Writes up to @max missing seqs due at @now_us into @out, oldest first
 * (the order cr_rtcp_write_nack packs best), and schedules each one's next
 * NACK an RTT later. A seq already NACKed CR_LOSS_MAX_NACKS times and
 * still missing when due again is given up instead. Seqs that did not fit
 * stay due for the next call. Returns how many were written. */
gsize cr_loss_take_nacks(CrLoss *l, gint64 now_us, guint16 *out, gsize max);

/* ---- Receive statistics for RTCP RR ----------------------------------- */

typedef struct {
    gboolean started;
    guint16 max_seq;  /* highest seq seen */
    guint32 cycles;   /* seq wraps, times 65536 (A.1 "shifted count") */
    guint32 base_seq; /* the first seq */
    guint32 bad_seq;  /* last far-off seq + 1; > 65535 when none */
    guint32 received; /* packets, duplicates included (A.1) */
    guint32 expected_prior;
    guint32 received_prior;
    guint32 jitter_x16; /* interarrival jitter in RTP units, times 16 (A.8) */
    gboolean have_transit;
    gint64 last_arrival_us; /* of the last in-order packet */
    guint32 last_rtp_ts;    /* its RTP timestamp */
} CrRecvStats;

/* The fields of one report block (RFC 3550 §6.4.1) but the SSRC; the same
 * names as CrRtcpReportBlock. */
typedef struct {
    guint8 fraction_lost;   /* since the previous report, 1/256 */
    gint32 cumulative_lost; /* clamped to 24-bit signed */
    guint32 highest_seq;    /* extended: cycles + max_seq */
    guint32 jitter;         /* RTP units */
    guint32 lsr;            /* middle 32 bits of the last SR's NTP timestamp */
    guint32 dlsr;           /* since that SR arrived, 1/65536 s */
} CrReportValues;

void cr_recv_stats_init(CrRecvStats *s);

/* Counts one received packet (RFC 3550 A.1, without the probation of a new
 * source: the source is authenticated by SRTP, so its first packet
 * counts). A seq more than 3000 ahead or 100 behind is ignored unless the
 * next one follows it, which restarts the count. The jitter (A.8) is
 * updated for packets that advance max_seq, so a retransmission's late
 * arrival is not read as network jitter; @arrival_us is converted to
 * @clock_rate units (0: the jitter is left alone). */
void cr_recv_stats_update(CrRecvStats *s, guint16 seq, guint32 rtp_ts, gint64 arrival_us,
                          guint32 clock_rate);

/* Fills @out for a report sent at @now_us (RFC 3550 A.3) and starts the
 * next interval of the fraction lost, so call it once per report sent.
 * @last_sr_ntp_middle32 is 0 when no SR has arrived; LSR and DLSR are then
 * 0. FALSE (and @out zeroed) before the first packet: send no block. */
gboolean cr_recv_stats_report_block(CrRecvStats *s, gint64 now_us, guint32 last_sr_ntp_middle32,
                                    gint64 last_sr_arrival_us, CrReportValues *out);

G_END_DECLS
