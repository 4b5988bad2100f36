/* fuzz-rtcp.c — libFuzzer harness for relay/rtcp.c.
 *
 * Single-threaded; no main here: libFuzzer supplies one under
 * -fsanitize=fuzzer, tests/fuzz/replay-main.c in the ordinary build. The
 * seed corpus in tests/fuzz/corpus/rtcp/ holds browser-like compound and
 * reduced-size packets (SR, RR, SDES, BYE, NACK, PLI, FIR, REMB, TWCC).
 *
 * Each input is iterated; every packet is copied to an exact-size block
 * (so ASan sees a reader stepping past the packet it was given) and
 * handed to every typed reader. Whatever a reader accepts is rebuilt with
 * the matching builder, and the rebuilt packet must iterate cleanly and
 * read back to the same values (a REMB's bitrate to within the precision
 * its 18-bit mantissa keeps). Feedback packets also get their media SSRC
 * rewritten on a copy.
 *
 * Checks, besides memory safety: the iterator's packets tile the input
 * (each starts where the last ended, lengths are whole words, padding
 * only on the last); a clean walk ends at the input's end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "relay/rtcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEQS   1024
#define MAX_FIR    64
#define MAX_PACKET ((gsize)65536 * 4)

static guint8 out[MAX_PACKET];

/* The only packet in @buf[0..len), which a builder has just written. */
static CrRtcpPacket
rebuilt(gsize len)
{
    if (len == 0)
        abort();
    CrRtcpIter it;
    cr_rtcp_iter_init(&it, out, len);
    CrRtcpPacket pkt, extra;
    if (!cr_rtcp_iter_next(&it, &pkt) || cr_rtcp_iter_next(&it, &extra) || it.malformed)
        abort();
    return pkt;
}

static gboolean
blocks_equal(const CrRtcpReportBlock *a, const CrRtcpReportBlock *b, guint n)
{
    for (guint i = 0; i < n; i++) {
        if (a[i].ssrc != b[i].ssrc || a[i].fraction_lost != b[i].fraction_lost ||
            a[i].cumulative_lost != b[i].cumulative_lost || a[i].highest_seq != b[i].highest_seq ||
            a[i].jitter != b[i].jitter || a[i].lsr != b[i].lsr || a[i].dlsr != b[i].dlsr)
            return FALSE;
    }
    return TRUE;
}

static void
check_sr_rr(const CrRtcpPacket *pkt)
{
    static CrRtcpSr sr, sr_back;
    static CrRtcpRr rr, rr_back;
    if (cr_rtcp_parse_sr(pkt, &sr)) {
        CrRtcpPacket p = rebuilt(cr_rtcp_write_sr(out, sizeof out, &sr));
        if (!cr_rtcp_parse_sr(&p, &sr_back) || sr_back.ssrc != sr.ssrc ||
            sr_back.ntp_timestamp != sr.ntp_timestamp ||
            sr_back.rtp_timestamp != sr.rtp_timestamp || sr_back.packet_count != sr.packet_count ||
            sr_back.octet_count != sr.octet_count || sr_back.n_reports != sr.n_reports ||
            !blocks_equal(sr.reports, sr_back.reports, sr.n_reports))
            abort();
    }
    if (cr_rtcp_parse_rr(pkt, &rr)) {
        CrRtcpPacket p = rebuilt(cr_rtcp_write_rr(out, sizeof out, &rr));
        if (!cr_rtcp_parse_rr(&p, &rr_back) || rr_back.ssrc != rr.ssrc ||
            rr_back.n_reports != rr.n_reports ||
            !blocks_equal(rr.reports, rr_back.reports, rr.n_reports))
            abort();
    }
}

static void
check_sdes(const CrRtcpPacket *pkt)
{
    guint32 ssrc = 0, ssrc_back = 0;
    const guint8 *cname = NULL, *cname_back = NULL;
    gsize len = 0, len_back = 0;
    if (!cr_rtcp_parse_sdes_cname(pkt, &ssrc, &cname, &len))
        return;
    if (cname < pkt->data || cname + len > pkt->data + pkt->len)
        abort();
    CrRtcpPacket p =
        rebuilt(cr_rtcp_write_sdes_cname(out, sizeof out, ssrc, (const char *)cname, len));
    if (!cr_rtcp_parse_sdes_cname(&p, &ssrc_back, &cname_back, &len_back) || ssrc_back != ssrc ||
        len_back != len || memcmp(cname_back, cname, len) != 0)
        abort();
}

/* The lost seqs of @pkt as a 65536-bit set; FALSE when not a whole NACK. */
static gboolean
nack_set(const CrRtcpPacket *pkt, guint8 *set, guint32 *sender, guint32 *media)
{
    static guint16 seqs[MAX_SEQS];
    gsize n = 0;
    if (!cr_rtcp_parse_nack(pkt, sender, media, seqs, MAX_SEQS, &n))
        return FALSE;
    if (n > MAX_SEQS)
        abort();
    memset(set, 0, 8192);
    for (gsize i = 0; i < n; i++)
        set[seqs[i] / 8] |= (guint8)(1u << (seqs[i] % 8));
    return n < MAX_SEQS;
}

static void
check_nack(const CrRtcpPacket *pkt)
{
    static guint16 seqs[MAX_SEQS];
    static guint8 set[8192], set_back[8192];
    guint32 sender, media, sender_back, media_back;
    gsize n = 0;
    if (!nack_set(pkt, set, &sender, &media))
        return;
    if (!cr_rtcp_parse_nack(pkt, &sender, &media, seqs, MAX_SEQS, &n))
        abort();
    /* The packed list encodes the same set, in no more pairs than seqs. */
    gsize len = cr_rtcp_write_nack(out, sizeof out, sender, media, seqs, n);
    if (len > 12 + 4 * n)
        abort();
    CrRtcpPacket p = rebuilt(len);
    if (!nack_set(&p, set_back, &sender_back, &media_back) || sender_back != sender ||
        media_back != media || memcmp(set, set_back, sizeof set) != 0)
        abort();
}

static void
check_fir(const CrRtcpPacket *pkt)
{
    static CrRtcpFirEntry entries[MAX_FIR], back[MAX_FIR];
    guint32 sender, sender_back;
    gsize n = 0, n_back = 0;
    if (!cr_rtcp_parse_fir(pkt, &sender, entries, MAX_FIR, &n))
        return;
    if (n == 0 || n > MAX_FIR)
        abort();
    CrRtcpPacket p = rebuilt(cr_rtcp_write_fir(out, sizeof out, sender, entries, n));
    if (!cr_rtcp_parse_fir(&p, &sender_back, back, MAX_FIR, &n_back) || n_back != n ||
        sender_back != sender)
        abort();
    for (gsize i = 0; i < n; i++) {
        if (back[i].ssrc != entries[i].ssrc || back[i].seq_nr != entries[i].seq_nr)
            abort();
    }
}

static void
check_remb(const CrRtcpPacket *pkt)
{
    static CrRtcpRemb remb, back;
    if (!cr_rtcp_parse_remb(pkt, &remb))
        return;
    CrRtcpPacket p = rebuilt(cr_rtcp_write_remb(out, sizeof out, remb.sender_ssrc, remb.bitrate,
                                                remb.ssrcs, remb.n_ssrcs));
    if (!cr_rtcp_parse_remb(&p, &back) || back.sender_ssrc != remb.sender_ssrc ||
        back.n_ssrcs != remb.n_ssrcs ||
        memcmp(back.ssrcs, remb.ssrcs, remb.n_ssrcs * sizeof(guint32)) != 0)
        abort();
    /* Rounded down, by less than one unit of the new exponent. */
    if (back.bitrate > remb.bitrate || back.exp > 46 || back.mantissa > 0x3ffff ||
        remb.bitrate - back.bitrate >= (G_GUINT64_CONSTANT(1) << back.exp))
        abort();
}

static void
check_feedback(const CrRtcpPacket *pkt)
{
    CrRtcpFb fb;
    if (!cr_rtcp_parse_fb_header(pkt, &fb))
        return;
    if (fb.fci != pkt->data + 12 || fb.fci_len != pkt->len - 12)
        abort();
    if (fb.kind == CR_RTCP_FB_PLI) {
        CrRtcpPacket p = rebuilt(cr_rtcp_write_pli(out, sizeof out, fb.sender_ssrc, fb.media_ssrc));
        CrRtcpFb back;
        if (!cr_rtcp_parse_fb_header(&p, &back) || back.kind != CR_RTCP_FB_PLI ||
            back.sender_ssrc != fb.sender_ssrc || back.media_ssrc != fb.media_ssrc)
            abort();
    }
    /* Rewriting the media SSRC changes at least the header field. */
    guint8 *copy = g_memdup2(pkt->data, pkt->len);
    if (cr_rtcp_set_media_ssrc(copy, pkt->len, fb.media_ssrc, ~fb.media_ssrc) == 0)
        abort();
    CrRtcpPacket mapped = *pkt;
    mapped.data = copy;
    CrRtcpFb fb_mapped;
    if (!cr_rtcp_parse_fb_header(&mapped, &fb_mapped) || fb_mapped.media_ssrc != ~fb.media_ssrc ||
        fb_mapped.sender_ssrc != fb.sender_ssrc)
        abort();
    g_free(copy);
}

static void
check_packet(const CrRtcpPacket *pkt)
{
    /* An exact-size copy: a reader reading past pkt->len trips ASan. */
    CrRtcpPacket exact = *pkt;
    guint8 *copy = g_memdup2(pkt->data, pkt->len);
    exact.data = copy;
    check_sr_rr(&exact);
    check_sdes(&exact);
    check_feedback(&exact);
    check_nack(&exact);
    check_fir(&exact);
    check_remb(&exact);
    g_free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CrRtcpIter it;
    cr_rtcp_iter_init(&it, data, size);
    CrRtcpPacket pkt;
    gsize expected_offset = 0;
    while (cr_rtcp_iter_next(&it, &pkt)) {
        if (pkt.offset != expected_offset || pkt.data != data + pkt.offset || pkt.length % 4 != 0 ||
            pkt.length < 4 || pkt.len > pkt.length || pkt.len < 4 ||
            pkt.offset + pkt.length > size || pkt.version != 2 || pkt.count > 31)
            abort();
        if (pkt.padding ? pkt.offset + pkt.length != size : pkt.len != pkt.length)
            abort();
        expected_offset += pkt.length;
        check_packet(&pkt);
    }
    if (!it.malformed && it.offset != size)
        abort();
    return 0;
}
