/* loss.c — see loss.h.
 *
 * Owned by one media worker; pure, time injected, nothing allocates.
 * Implements RFC 4585 §6.2.1 (which seqs a Generic NACK asks for; the
 * timing is ours) and RFC 3550 §6.4.1 with Appendix A.1 (sequence number
 * validation, without probation), A.3 (expected and lost packets) and A.8
 * (interarrival jitter, in the integer form with the estimate kept times
 * 16).
 *
 * Loss: entry seq % CR_LOSS_WINDOW belongs to the one seq of that residue
 * in (highest - WINDOW, highest]; advancing the newest rewrites exactly
 * the entries of the seqs it passes, so an entry never describes a seq
 * outside the window.
 */
#include "relay/loss.h"

#include "relay/rtp.h"

#include <string.h>

#define RTP_SEQ_MOD  65536u
#define NO_BAD_SEQ   (RTP_SEQ_MOD + 1)
#define MAX_DROPOUT  3000 /* RFC 3550 A.1: a jump ahead this far is suspect */
#define MAX_MISORDER 100  /* RFC 3550 A.1: a step back this far is suspect */

/* ---- Loss detection ----------------------------------------------------- */

static void
loss_reset(CrLoss *l, guint16 seq)
{
    memset(l->entries, 0, sizeof l->entries);
    l->n_missing = 0;
    l->started = TRUE;
    l->highest = seq;
    l->bad_seq = NO_BAD_SEQ;
}

void
cr_loss_init(CrLoss *l)
{
    g_return_if_fail(l != NULL);

    memset(l, 0, sizeof *l);
    l->bad_seq = NO_BAD_SEQ;
    l->rtt_us = CR_LOSS_DEFAULT_RTT_US;
}

void
cr_loss_set_rtt(CrLoss *l, gint64 rtt_us)
{
    g_return_if_fail(l != NULL);

    if (rtt_us <= 0)
        l->rtt_us = CR_LOSS_DEFAULT_RTT_US;
    else
        l->rtt_us = MAX(rtt_us, CR_LOSS_REORDER_DELAY_US);
}

static void
set_entry(CrLoss *l, guint16 seq, gboolean missing, gint64 due_us)
{
    CrLossEntry *e = &l->entries[seq % CR_LOSS_WINDOW];
    if (e->missing)
        l->n_missing--;
    *e = (CrLossEntry){.due_us = due_us, .seq = seq, .missing = missing != FALSE};
    if (missing)
        l->n_missing++;
}

static void
clear_missing(CrLoss *l, CrLossEntry *e)
{
    e->missing = FALSE;
    l->n_missing--;
}

void
cr_loss_on_packet(CrLoss *l, guint16 seq, gint64 now_us)
{
    g_return_if_fail(l != NULL);

    if (!l->started) {
        loss_reset(l, seq);
        return;
    }
    gint d = cr_seq_diff(seq, l->highest);
    if (d > CR_LOSS_WINDOW) {
        loss_reset(l, seq);
        return;
    }
    if (d > 0) {
        /* Every seq passed gets its entry: skipped ones become missing,
         * which also retires the entry's previous, now out-of-window seq. */
        gint64 due_us = now_us + CR_LOSS_REORDER_DELAY_US;
        for (guint16 s = (guint16)(l->highest + 1); s != seq; s++)
            set_entry(l, s, TRUE, due_us);
        set_entry(l, seq, FALSE, 0);
        l->highest = seq;
        l->bad_seq = NO_BAD_SEQ;
        return;
    }
    if (d == 0)
        return;
    if (-d < CR_LOSS_WINDOW) {
        CrLossEntry *e = &l->entries[seq % CR_LOSS_WINDOW];
        if (e->missing && e->seq == seq)
            clear_missing(l, e);
        return;
    }
    /* Behind the window. Far behind twice in a row is a restart. */
    if (-d > MAX_DROPOUT) {
        if (seq == l->bad_seq)
            loss_reset(l, seq);
        else
            l->bad_seq = (seq + 1) % RTP_SEQ_MOD;
    }
}

gsize
cr_loss_take_nacks(CrLoss *l, gint64 now_us, guint16 *out, gsize max)
{
    g_return_val_if_fail(l != NULL && (out != NULL || max == 0), 0);

    gsize n = 0;
    if (!l->started)
        return 0;
    /* Oldest first; the newest itself was received. */
    for (guint back = CR_LOSS_WINDOW - 1; back > 0 && n < max; back--) {
        guint16 s = (guint16)(l->highest - back);
        CrLossEntry *e = &l->entries[s % CR_LOSS_WINDOW];
        if (!e->missing || e->seq != s || e->due_us > now_us)
            continue;
        if (e->nacks >= CR_LOSS_MAX_NACKS) {
            clear_missing(l, e);
            continue;
        }
        out[n++] = s;
        e->nacks++;
        e->due_us = now_us + l->rtt_us;
    }
    return n;
}

/* ---- Receive statistics ------------------------------------------------- */

void
cr_recv_stats_init(CrRecvStats *s)
{
    g_return_if_fail(s != NULL);

    memset(s, 0, sizeof *s);
    s->bad_seq = NO_BAD_SEQ;
}

/* RFC 3550 A.1 init_seq(); the jitter estimate carries over, its transit
 * reference does not (a restarted source restarts its timestamps too). */
static void
init_seq(CrRecvStats *s, guint16 seq)
{
    s->started = TRUE;
    s->base_seq = seq;
    s->max_seq = seq;
    s->bad_seq = NO_BAD_SEQ;
    s->cycles = 0;
    s->received = 0;
    s->received_prior = 0;
    s->expected_prior = 0;
    s->have_transit = FALSE;
}

/* @us in @clock_rate ticks, rounded toward zero. Whole seconds and the
 * rest are converted apart, and the span is capped at 10^6 s, so nothing
 * overflows. */
static gint64
us_to_ticks(gint64 us, guint32 clock_rate)
{
    const gint64 cap = (gint64)G_USEC_PER_SEC * G_USEC_PER_SEC;
    us = CLAMP(us, -cap, cap);
    return us / G_USEC_PER_SEC * clock_rate + us % G_USEC_PER_SEC * clock_rate / G_USEC_PER_SEC;
}

/* RFC 3550 A.8: D = (Rj - Ri) - (Sj - Si) between consecutive in-order
 * packets, J += (|D| - J) / 16, here as J16 += |D| - round(J16 / 16).
 * Differences are taken before converting, so the absolute clock never
 * needs to fit in RTP units. */
static void
update_jitter(CrRecvStats *s, guint32 rtp_ts, gint64 arrival_us, guint32 clock_rate)
{
    if (clock_rate == 0)
        return;
    if (s->have_transit) {
        gint64 d = us_to_ticks(arrival_us - s->last_arrival_us, clock_rate) -
                   (gint32)(rtp_ts - s->last_rtp_ts);
        if (d < 0)
            d = -d;
        gint64 j = (gint64)s->jitter_x16 + d - ((s->jitter_x16 + 8) >> 4);
        s->jitter_x16 = (guint32)MIN(j, (gint64)G_MAXUINT32);
    }
    s->have_transit = TRUE;
    s->last_arrival_us = arrival_us;
    s->last_rtp_ts = rtp_ts;
}

void
cr_recv_stats_update(CrRecvStats *s, guint16 seq, guint32 rtp_ts, gint64 arrival_us,
                     guint32 clock_rate)
{
    g_return_if_fail(s != NULL);

    if (!s->started) {
        init_seq(s, seq);
        update_jitter(s, rtp_ts, arrival_us, clock_rate);
        s->received = 1;
        return;
    }
    guint16 udelta = (guint16)(seq - s->max_seq);
    if (udelta < MAX_DROPOUT) {
        /* In order, with a permissible gap. */
        if (seq < s->max_seq)
            s->cycles += RTP_SEQ_MOD;
        s->max_seq = seq;
        if (udelta > 0)
            update_jitter(s, rtp_ts, arrival_us, clock_rate);
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
        /* A very large jump: a restart if the next packet follows it. */
        if (seq != s->bad_seq) {
            s->bad_seq = (seq + 1) % RTP_SEQ_MOD;
            return;
        }
        init_seq(s, seq);
        update_jitter(s, rtp_ts, arrival_us, clock_rate);
    }
    /* else a duplicate or a reordered packet: counted, nothing else. */
    s->received++;
}

/* 1/65536 s since the last SR arrived (RFC 3550 §6.4.1), saturated. */
static guint32
dlsr_units(gint64 now_us, gint64 last_sr_arrival_us)
{
    gint64 delay = now_us - last_sr_arrival_us;
    if (delay <= 0)
        return 0;
    if (delay / G_USEC_PER_SEC >= 65536)
        return G_MAXUINT32;
    return (guint32)(delay * 65536 / G_USEC_PER_SEC);
}

gboolean
cr_recv_stats_report_block(CrRecvStats *s, gint64 now_us, guint32 last_sr_ntp_middle32,
                           gint64 last_sr_arrival_us, CrReportValues *out)
{
    g_return_val_if_fail(s != NULL && out != NULL, FALSE);

    *out = (CrReportValues){0};
    if (!s->started)
        return FALSE;

    /* RFC 3550 A.3. */
    guint32 extended_max = s->cycles + s->max_seq;
    guint32 expected = extended_max - s->base_seq + 1;
    gint64 lost = (gint64)expected - s->received;
    guint32 expected_interval = expected - s->expected_prior;
    guint32 received_interval = s->received - s->received_prior;
    gint64 lost_interval = (gint64)expected_interval - received_interval;
    s->expected_prior = expected;
    s->received_prior = s->received;

    if (expected_interval > 0 && lost_interval > 0)
        out->fraction_lost = (guint8)MIN((lost_interval << 8) / expected_interval, 255);
    out->cumulative_lost = (gint32)CLAMP(lost, -0x800000, 0x7fffff);
    out->highest_seq = extended_max;
    out->jitter = s->jitter_x16 >> 4;
    if (last_sr_ntp_middle32 != 0) {
        out->lsr = last_sr_ntp_middle32;
        out->dlsr = dlsr_units(now_us, last_sr_arrival_us);
    }
    return TRUE;
}
