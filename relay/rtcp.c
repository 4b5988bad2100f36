/* rtcp.c — see rtcp.h.
 *
 * Pure, any thread; nothing here allocates. Implements RFC 3550 §6.1,
 * §6.4.1–6.4.2, §6.5.1 and Appendix A.2; RFC 4585 §6.1, §6.2.1, §6.3.1;
 * RFC 5104 §4.3.1; draft-alvestrand-rmcat-remb-03 §2.2.
 *
 * Readers take a CrRtcpPacket from the iterator, whose framing is already
 * checked, and read its body through explicit bounds checks against
 * pkt->len; multi-byte fields are assembled in network order, never by
 * casting a struct over the packet. Builders compute the whole length
 * first and write nothing when it does not fit.
 */
#include "relay/rtcp.h"

#include "common/bytes.h"

#include <string.h>

#include "relay/rtp.h"

#define SR_FIXED_LEN  28 /* header, SSRC, NTP(8), RTP ts, packets, octets */
#define RR_FIXED_LEN  8  /* header, SSRC */
#define REPORT_LEN    24
#define FB_HEADER_LEN 12 /* header, sender SSRC, media SSRC */
#define FIR_ENTRY_LEN 8
#define REMB_MIN_FCI  8                              /* 'REMB', Num SSRC, BR Exp, BR Mantissa */
#define MAX_LENGTH    ((gsize)(G_MAXUINT16 + 1) * 4) /* the 16-bit length field */
#define SDES_END      0
#define SDES_CNAME    1


void
cr_rtcp_iter_init(CrRtcpIter *it, const guint8 *data, gsize len)
{
    g_return_if_fail(it != NULL);
    it->data = data;
    it->len = data != NULL ? len : 0;
    it->offset = 0;
    it->malformed = FALSE;
}

static gboolean
iter_stop(CrRtcpIter *it)
{
    it->malformed = TRUE;
    return FALSE;
}

gboolean
cr_rtcp_iter_next(CrRtcpIter *it, CrRtcpPacket *out)
{
    g_return_val_if_fail(it != NULL && out != NULL, FALSE);

    if (it->malformed || it->offset >= it->len)
        return FALSE;
    const guint8 *p = it->data + it->offset;
    gsize left = it->len - it->offset;
    /* RFC 3550 §6.4.1: |V=2|P|RC(5)|PT(8)|length(16)|, the length in
     * 32-bit words minus one, header and padding included. */
    if (left < CR_RTCP_HEADER_LEN || p[0] >> 6 != 2)
        return iter_stop(it);
    gsize length = ((gsize)cr_read_be16(p + 2) + 1) * 4;
    if (length > left)
        return iter_stop(it);
    gsize len = length;
    guint8 padding = (p[0] >> 5) & 1;
    if (padding) {
        /* A.2: only the last packet of a compound may be padded; the last
         * octet counts the padding, itself included (§6.4.1). */
        guint8 pad = p[length - 1];
        if (length != left || pad == 0 || pad > length - CR_RTCP_HEADER_LEN)
            return iter_stop(it);
        len -= pad;
    }
    out->version = 2;
    out->padding = padding;
    out->count = p[0] & 0x1f;
    out->packet_type = p[1];
    out->length = length;
    out->offset = it->offset;
    out->data = p;
    out->len = len;
    it->offset += length;
    return TRUE;
}

/* RFC 3550 §6.4.1: one 24-byte report block. */
static void
read_report_block(const guint8 *p, CrRtcpReportBlock *rb)
{
    rb->ssrc = cr_read_be32(p);
    rb->fraction_lost = p[4];
    /* The cumulative number of packets lost is a 24-bit two's complement
     * number: it goes negative when duplicates outnumber losses. */
    guint32 lost = (guint32)p[5] << 16 | (guint32)p[6] << 8 | p[7];
    rb->cumulative_lost = (lost & 0x800000) ? (gint32)lost - 0x1000000 : (gint32)lost;
    rb->highest_seq = cr_read_be32(p + 8);
    rb->jitter = cr_read_be32(p + 12);
    rb->lsr = cr_read_be32(p + 16);
    rb->dlsr = cr_read_be32(p + 20);
}

static void
read_report_blocks(const guint8 *p, guint n, CrRtcpReportBlock *out)
{
    for (guint i = 0; i < n; i++)
        read_report_block(p + (gsize)i * REPORT_LEN, &out[i]);
}

gboolean
cr_rtcp_parse_sr(const CrRtcpPacket *pkt, CrRtcpSr *out)
{
    g_return_val_if_fail(pkt != NULL && out != NULL, FALSE);

    guint n = pkt->count;
    if (pkt->packet_type != CR_RTCP_SR || pkt->len < SR_FIXED_LEN + (gsize)n * REPORT_LEN)
        return FALSE;
    const guint8 *p = pkt->data;
    /* RFC 3550 §6.4.1: sender info after the header. */
    out->ssrc = cr_read_be32(p + 4);
    out->ntp_timestamp = (guint64)cr_read_be32(p + 8) << 32 | cr_read_be32(p + 12);
    out->rtp_timestamp = cr_read_be32(p + 16);
    out->packet_count = cr_read_be32(p + 20);
    out->octet_count = cr_read_be32(p + 24);
    out->n_reports = n;
    read_report_blocks(p + SR_FIXED_LEN, n, out->reports);
    return TRUE;
}

gboolean
cr_rtcp_parse_rr(const CrRtcpPacket *pkt, CrRtcpRr *out)
{
    g_return_val_if_fail(pkt != NULL && out != NULL, FALSE);

    guint n = pkt->count;
    if (pkt->packet_type != CR_RTCP_RR || pkt->len < RR_FIXED_LEN + (gsize)n * REPORT_LEN)
        return FALSE;
    /* RFC 3550 §6.4.2: the reporter's SSRC, then the blocks. */
    out->ssrc = cr_read_be32(pkt->data + 4);
    out->n_reports = n;
    read_report_blocks(pkt->data + RR_FIXED_LEN, n, out->reports);
    return TRUE;
}

gboolean
cr_rtcp_rtt(guint32 arrival_ntp_middle32, guint32 lsr, guint32 dlsr, guint32 *rtt_q16)
{
    g_return_val_if_fail(rtt_q16 != NULL, FALSE);

    *rtt_q16 = 0;
    if (lsr == 0)
        return FALSE;
    guint32 since_sr = arrival_ntp_middle32 - lsr; /* modulo 2^32 */
    if (since_sr > G_MAXINT32)
        return FALSE; /* the report arrived "before" our SR left */
    if (dlsr > since_sr) {
        if (dlsr - since_sr > CR_RTCP_RTT_SLACK)
            return FALSE;
        return TRUE; /* rounding on a sub-millisecond path: 0 */
    }
    *rtt_q16 = since_sr - dlsr;
    return TRUE;
}

/* Walks the items of the SDES chunk whose items start at *off (RFC 3550
 * §6.5: |type|length|text|, ended by a zero octet, then zeros up to the
 * next 32-bit boundary). Returns 1 with the CNAME found, 0 at the chunk's
 * end (*off moved to the next chunk), -1 when malformed. */
static int
sdes_chunk_cname(const guint8 *p, gsize len, gsize *off, const guint8 **cname, gsize *cname_len)
{
    while (*off < len) {
        guint8 type = p[*off];
        if (type == SDES_END) {
            *off = (*off + 4) & ~(gsize)3;
            return 0;
        }
        if (len - *off < 2 || p[*off + 1] > len - *off - 2)
            return -1;
        gsize item_len = p[*off + 1];
        if (type == SDES_CNAME) {
            *cname = p + *off + 2;
            *cname_len = item_len;
            return 1;
        }
        *off += 2 + item_len;
    }
    return -1;
}

gboolean
cr_rtcp_parse_sdes_cname(const CrRtcpPacket *pkt, guint32 *ssrc, const guint8 **cname,
                         gsize *cname_len)
{
    g_return_val_if_fail(pkt != NULL && ssrc != NULL, FALSE);
    g_return_val_if_fail(cname != NULL && cname_len != NULL, FALSE);

    if (pkt->packet_type != CR_RTCP_SDES)
        return FALSE;
    gsize off = CR_RTCP_HEADER_LEN;
    for (guint chunk = 0; chunk < pkt->count; chunk++) {
        if (off > pkt->len || pkt->len - off < 4)
            return FALSE;
        guint32 chunk_ssrc = cr_read_be32(pkt->data + off);
        off += 4;
        int found = sdes_chunk_cname(pkt->data, pkt->len, &off, cname, cname_len);
        if (found < 0)
            return FALSE;
        if (found > 0) {
            *ssrc = chunk_ssrc;
            return TRUE;
        }
    }
    return FALSE;
}

static CrRtcpFbKind
fb_kind(guint8 packet_type, guint8 fmt, const guint8 *fci, gsize fci_len)
{
    if (packet_type == CR_RTCP_RTPFB && fmt == CR_RTCP_RTPFB_NACK)
        return CR_RTCP_FB_NACK;
    if (packet_type == CR_RTCP_RTPFB && fmt == CR_RTCP_RTPFB_TWCC)
        return CR_RTCP_FB_TWCC;
    if (packet_type == CR_RTCP_PSFB && fmt == CR_RTCP_PSFB_PLI)
        return CR_RTCP_FB_PLI;
    if (packet_type == CR_RTCP_PSFB && fmt == CR_RTCP_PSFB_FIR)
        return CR_RTCP_FB_FIR;
    /* The REMB draft §2.2: application layer feedback whose FCI starts
     * with the four ASCII characters 'R' 'E' 'M' 'B'. */
    if (packet_type == CR_RTCP_PSFB && fmt == CR_RTCP_PSFB_AFB && fci_len >= 4 &&
        memcmp(fci, "REMB", 4) == 0)
        return CR_RTCP_FB_REMB;
    return CR_RTCP_FB_OTHER;
}

gboolean
cr_rtcp_parse_fb_header(const CrRtcpPacket *pkt, CrRtcpFb *out)
{
    g_return_val_if_fail(pkt != NULL && out != NULL, FALSE);

    if (pkt->packet_type != CR_RTCP_RTPFB && pkt->packet_type != CR_RTCP_PSFB)
        return FALSE;
    if (pkt->len < FB_HEADER_LEN)
        return FALSE;
    /* RFC 4585 §6.1: |V=2|P|FMT|PT|length|, SSRC of packet sender, SSRC of
     * media source, then the FCI. */
    out->packet_type = pkt->packet_type;
    out->fmt = pkt->count;
    out->sender_ssrc = cr_read_be32(pkt->data + 4);
    out->media_ssrc = cr_read_be32(pkt->data + 8);
    out->fci = pkt->data + FB_HEADER_LEN;
    out->fci_len = pkt->len - FB_HEADER_LEN;
    out->kind = fb_kind(out->packet_type, out->fmt, out->fci, out->fci_len);
    return TRUE;
}

static gsize
append_seq(guint16 *seqs, gsize max, gsize n, guint16 seq)
{
    if (n < max)
        seqs[n++] = seq;
    return n;
}

gboolean
cr_rtcp_parse_nack(const CrRtcpPacket *pkt, guint32 *sender_ssrc, guint32 *media_ssrc,
                   guint16 *lost_seqs, gsize max, gsize *n)
{
    g_return_val_if_fail(sender_ssrc != NULL && media_ssrc != NULL && n != NULL, FALSE);
    g_return_val_if_fail(lost_seqs != NULL || max == 0, FALSE);

    CrRtcpFb fb;
    if (!cr_rtcp_parse_fb_header(pkt, &fb) || fb.kind != CR_RTCP_FB_NACK)
        return FALSE;
    /* RFC 4585 §6.2.1: one or more |PID(16)|BLP(16)|; bit i of BLP set
     * means PID + i + 1 is lost too. */
    if (fb.fci_len == 0 || fb.fci_len % 4 != 0)
        return FALSE;
    gsize k = 0;
    for (gsize off = 0; off < fb.fci_len; off += 4) {
        guint16 pid = cr_read_be16(fb.fci + off);
        guint16 blp = cr_read_be16(fb.fci + off + 2);
        k = append_seq(lost_seqs, max, k, pid);
        for (guint i = 0; i < 16; i++) {
            if (blp & (1u << i))
                k = append_seq(lost_seqs, max, k, (guint16)(pid + i + 1));
        }
    }
    *sender_ssrc = fb.sender_ssrc;
    *media_ssrc = fb.media_ssrc;
    *n = k;
    return TRUE;
}

gboolean
cr_rtcp_parse_fir(const CrRtcpPacket *pkt, guint32 *sender_ssrc, CrRtcpFirEntry *entries, gsize max,
                  gsize *n)
{
    g_return_val_if_fail(sender_ssrc != NULL && n != NULL, FALSE);
    g_return_val_if_fail(entries != NULL || max == 0, FALSE);

    CrRtcpFb fb;
    if (!cr_rtcp_parse_fb_header(pkt, &fb) || fb.kind != CR_RTCP_FB_FIR)
        return FALSE;
    /* RFC 5104 §4.3.1.1: entries of |SSRC(32)|Seq nr(8)|Reserved(24)|. */
    if (fb.fci_len == 0 || fb.fci_len % FIR_ENTRY_LEN != 0)
        return FALSE;
    gsize k = 0;
    for (gsize off = 0; off < fb.fci_len && k < max; off += FIR_ENTRY_LEN, k++) {
        entries[k].ssrc = cr_read_be32(fb.fci + off);
        entries[k].seq_nr = fb.fci[off + 4];
    }
    *sender_ssrc = fb.sender_ssrc;
    *n = k;
    return TRUE;
}

/* mantissa * 2^exp without overflowing 64 bits (an 18-bit mantissa fits
 * any exponent up to 46; the field allows 63). */
static guint64
remb_bitrate(guint8 exp, guint32 mantissa)
{
    if (mantissa == 0)
        return 0;
    if (exp > 46 && (mantissa >> (64 - exp)) != 0)
        return G_MAXUINT64;
    return (guint64)mantissa << exp;
}

gboolean
cr_rtcp_parse_remb(const CrRtcpPacket *pkt, CrRtcpRemb *out)
{
    g_return_val_if_fail(out != NULL, FALSE);

    CrRtcpFb fb;
    if (!cr_rtcp_parse_fb_header(pkt, &fb) || fb.kind != CR_RTCP_FB_REMB)
        return FALSE;
    /* REMB draft §2.2: 'REMB', |Num SSRC(8)|BR Exp(6)|BR Mantissa(18)|,
     * then Num SSRC feedback SSRCs. */
    if (fb.fci_len < REMB_MIN_FCI)
        return FALSE;
    guint n = fb.fci[4];
    if (fb.fci_len - REMB_MIN_FCI < (gsize)n * 4)
        return FALSE;
    out->sender_ssrc = fb.sender_ssrc;
    out->exp = fb.fci[5] >> 2;
    out->mantissa = (guint32)(fb.fci[5] & 0x03) << 16 | (guint32)fb.fci[6] << 8 | fb.fci[7];
    out->bitrate = remb_bitrate(out->exp, out->mantissa);
    out->n_ssrcs = n;
    for (guint i = 0; i < n; i++)
        out->ssrcs[i] = cr_read_be32(fb.fci + REMB_MIN_FCI + (gsize)i * 4);
    return TRUE;
}

/* The common header (RFC 3550 §6.4.1) for a packet of @length bytes, a
 * multiple of 4 no larger than MAX_LENGTH. */
static void
write_header(guint8 *p, guint8 count, guint8 packet_type, gsize length)
{
    p[0] = (guint8)(0x80 | (count & 0x1f));
    p[1] = packet_type;
    cr_write_be16(p + 2, (guint16)(length / 4 - 1));
}

static void
write_report_block(guint8 *p, const CrRtcpReportBlock *rb)
{
    /* RFC 3550 §6.4.1: the 24-bit signed count saturates (Appendix A.3
     * clamps it the same way). */
    gint32 lost = CLAMP(rb->cumulative_lost, -0x800000, 0x7fffff);
    guint32 lost24 = (guint32)lost & 0xffffff;
    cr_write_be32(p, rb->ssrc);
    p[4] = rb->fraction_lost;
    p[5] = (guint8)(lost24 >> 16);
    p[6] = (guint8)(lost24 >> 8);
    p[7] = (guint8)lost24;
    cr_write_be32(p + 8, rb->highest_seq);
    cr_write_be32(p + 12, rb->jitter);
    cr_write_be32(p + 16, rb->lsr);
    cr_write_be32(p + 20, rb->dlsr);
}

gsize
cr_rtcp_write_sr(guint8 *buf, gsize cap, const CrRtcpSr *sr)
{
    g_return_val_if_fail(sr != NULL && (buf != NULL || cap == 0), 0);

    if (sr->n_reports > CR_RTCP_MAX_REPORT_BLOCKS)
        return 0;
    gsize length = SR_FIXED_LEN + (gsize)sr->n_reports * REPORT_LEN;
    if (length > cap)
        return 0;
    write_header(buf, (guint8)sr->n_reports, CR_RTCP_SR, length);
    cr_write_be32(buf + 4, sr->ssrc);
    cr_write_be32(buf + 8, (guint32)(sr->ntp_timestamp >> 32));
    cr_write_be32(buf + 12, (guint32)sr->ntp_timestamp);
    cr_write_be32(buf + 16, sr->rtp_timestamp);
    cr_write_be32(buf + 20, sr->packet_count);
    cr_write_be32(buf + 24, sr->octet_count);
    for (guint i = 0; i < sr->n_reports; i++)
        write_report_block(buf + SR_FIXED_LEN + (gsize)i * REPORT_LEN, &sr->reports[i]);
    return length;
}

gsize
cr_rtcp_write_rr(guint8 *buf, gsize cap, const CrRtcpRr *rr)
{
    g_return_val_if_fail(rr != NULL && (buf != NULL || cap == 0), 0);

    if (rr->n_reports > CR_RTCP_MAX_REPORT_BLOCKS)
        return 0;
    gsize length = RR_FIXED_LEN + (gsize)rr->n_reports * REPORT_LEN;
    if (length > cap)
        return 0;
    write_header(buf, (guint8)rr->n_reports, CR_RTCP_RR, length);
    cr_write_be32(buf + 4, rr->ssrc);
    for (guint i = 0; i < rr->n_reports; i++)
        write_report_block(buf + RR_FIXED_LEN + (gsize)i * REPORT_LEN, &rr->reports[i]);
    return length;
}

gsize
cr_rtcp_write_sdes_cname(guint8 *buf, gsize cap, guint32 ssrc, const char *cname, gsize cname_len)
{
    g_return_val_if_fail(cname != NULL || cname_len == 0, 0);
    g_return_val_if_fail(buf != NULL || cap == 0, 0);

    if (cname_len > CR_RTCP_MAX_CNAME_LEN)
        return 0;
    /* RFC 3550 §6.5: one chunk: SSRC, |CNAME=1|length|text|, then the END
     * octet and zeros to the next 32-bit boundary. */
    gsize chunk = (4 + 2 + cname_len + 1 + 3) & ~(gsize)3;
    gsize length = CR_RTCP_HEADER_LEN + chunk;
    if (length > cap)
        return 0;
    write_header(buf, 1, CR_RTCP_SDES, length);
    cr_write_be32(buf + 4, ssrc);
    buf[8] = SDES_CNAME;
    buf[9] = (guint8)cname_len;
    if (cname_len > 0)
        memcpy(buf + 10, cname, cname_len);
    memset(buf + 10 + cname_len, 0, length - 10 - cname_len);
    return length;
}

/* Packs @seqs into PID/BLP pairs (RFC 4585 §6.2.1) at @fci, or only counts
 * them when @fci is NULL. Returns the number of pairs. */
static gsize
pack_nack(const guint16 *seqs, gsize n, guint8 *fci)
{
    gsize pairs = 0;
    guint16 pid = 0;
    guint16 blp = 0;
    for (gsize i = 0; i < n; i++) {
        gint d = pairs > 0 ? cr_seq_diff(seqs[i], pid) : -1;
        if (d == 0)
            continue;
        if (d >= 1 && d <= 16) {
            blp |= (guint16)(1u << (d - 1));
        } else {
            pid = seqs[i];
            blp = 0;
            pairs++;
        }
        if (fci != NULL) {
            cr_write_be16(fci + (pairs - 1) * 4, pid);
            cr_write_be16(fci + (pairs - 1) * 4 + 2, blp);
        }
    }
    return pairs;
}

gsize
cr_rtcp_write_nack(guint8 *buf, gsize cap, guint32 sender_ssrc, guint32 media_ssrc,
                   const guint16 *lost_seqs, gsize n)
{
    g_return_val_if_fail(lost_seqs != NULL || n == 0, 0);
    g_return_val_if_fail(buf != NULL || cap == 0, 0);

    gsize pairs = pack_nack(lost_seqs, n, NULL);
    if (pairs == 0 || pairs > (MAX_LENGTH - FB_HEADER_LEN) / 4)
        return 0;
    gsize length = FB_HEADER_LEN + pairs * 4;
    if (length > cap)
        return 0;
    write_header(buf, CR_RTCP_RTPFB_NACK, CR_RTCP_RTPFB, length);
    cr_write_be32(buf + 4, sender_ssrc);
    cr_write_be32(buf + 8, media_ssrc);
    pack_nack(lost_seqs, n, buf + FB_HEADER_LEN);
    return length;
}

gsize
cr_rtcp_write_pli(guint8 *buf, gsize cap, guint32 sender_ssrc, guint32 media_ssrc)
{
    g_return_val_if_fail(buf != NULL || cap == 0, 0);

    /* RFC 4585 §6.3.1: no FCI. */
    if (cap < FB_HEADER_LEN)
        return 0;
    write_header(buf, CR_RTCP_PSFB_PLI, CR_RTCP_PSFB, FB_HEADER_LEN);
    cr_write_be32(buf + 4, sender_ssrc);
    cr_write_be32(buf + 8, media_ssrc);
    return FB_HEADER_LEN;
}

gsize
cr_rtcp_write_fir(guint8 *buf, gsize cap, guint32 sender_ssrc, const CrRtcpFirEntry *entries,
                  gsize n)
{
    g_return_val_if_fail(entries != NULL || n == 0, 0);
    g_return_val_if_fail(buf != NULL || cap == 0, 0);

    if (n == 0 || n > (MAX_LENGTH - FB_HEADER_LEN) / FIR_ENTRY_LEN)
        return 0;
    gsize length = FB_HEADER_LEN + n * FIR_ENTRY_LEN;
    if (length > cap)
        return 0;
    write_header(buf, CR_RTCP_PSFB_FIR, CR_RTCP_PSFB, length);
    cr_write_be32(buf + 4, sender_ssrc);
    cr_write_be32(buf + 8, 0); /* RFC 5104 §4.3.1.2: the media SSRC is unused */
    for (gsize i = 0; i < n; i++) {
        guint8 *e = buf + FB_HEADER_LEN + i * FIR_ENTRY_LEN;
        cr_write_be32(e, entries[i].ssrc);
        e[4] = entries[i].seq_nr;
        e[5] = e[6] = e[7] = 0;
    }
    return length;
}

gsize
cr_rtcp_write_remb(guint8 *buf, gsize cap, guint32 sender_ssrc, guint64 bitrate,
                   const guint32 *ssrcs, gsize n)
{
    g_return_val_if_fail(ssrcs != NULL || n == 0, 0);
    g_return_val_if_fail(buf != NULL || cap == 0, 0);

    if (n > CR_RTCP_MAX_REMB_SSRCS)
        return 0;
    gsize length = FB_HEADER_LEN + REMB_MIN_FCI + n * 4;
    if (length > cap)
        return 0;
    /* The smallest exponent that fits the mantissa in 18 bits; at most
     * 46 for any 64-bit rate. */
    guint8 exp = 0;
    while ((bitrate >> exp) > 0x3ffff)
        exp++;
    guint32 mantissa = (guint32)(bitrate >> exp);
    write_header(buf, CR_RTCP_PSFB_AFB, CR_RTCP_PSFB, length);
    cr_write_be32(buf + 4, sender_ssrc);
    cr_write_be32(buf + 8, 0); /* the REMB draft §2.2: the media SSRC is always 0 */
    memcpy(buf + 12, "REMB", 4);
    buf[16] = (guint8)n;
    buf[17] = (guint8)((guint32)exp << 2 | mantissa >> 16);
    buf[18] = (guint8)(mantissa >> 8);
    buf[19] = (guint8)mantissa;
    for (gsize i = 0; i < n; i++)
        cr_write_be32(buf + 20 + i * 4, ssrcs[i]);
    return length;
}

static guint
replace_ssrc(guint8 *p, guint32 from, guint32 to)
{
    if (cr_read_be32(p) != from)
        return 0;
    cr_write_be32(p, to);
    return 1;
}

guint
cr_rtcp_set_media_ssrc(guint8 *data, gsize len, guint32 from, guint32 to)
{
    g_return_val_if_fail(data != NULL || len == 0, 0);

    if (len < FB_HEADER_LEN || data[0] >> 6 != 2)
        return 0;
    guint8 fmt = data[0] & 0x1f;
    guint8 pt = data[1];
    if (pt != CR_RTCP_RTPFB && pt != CR_RTCP_PSFB)
        return 0;
    guint count = replace_ssrc(data + 8, from, to);
    if (pt == CR_RTCP_PSFB && fmt == CR_RTCP_PSFB_FIR) {
        for (gsize off = FB_HEADER_LEN; len - off >= FIR_ENTRY_LEN; off += FIR_ENTRY_LEN)
            count += replace_ssrc(data + off, from, to);
    } else if (pt == CR_RTCP_PSFB && fmt == CR_RTCP_PSFB_AFB && len >= FB_HEADER_LEN + 8 &&
               memcmp(data + FB_HEADER_LEN, "REMB", 4) == 0) {
        /* len >= 20 here; the list is clipped to the packet. */
        gsize n = MIN((gsize)data[FB_HEADER_LEN + 4], (len - 20) / 4);
        for (gsize i = 0; i < n; i++)
            count += replace_ssrc(data + 20 + i * 4, from, to);
    }
    return count;
}
