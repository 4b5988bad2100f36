/* test-rtcp.c — tests for relay/rtcp.c (RFC 3550 §6, RFC 4585 §6, RFC
 * 5104 §4.3.1, draft-alvestrand-rmcat-remb-03, the transport-cc draft).
 *
 * Single-threaded GTest. Hand-written packets carry their fields in
 * comments, worked out from the RFC diagrams; builders are checked
 * against such bytes and then parsed back.
 */
#include "relay/rtcp.h"

#include <string.h>

/* What Chrome sends while receiving one video stream: RR with one report
 * block, then SDES with its 16-character CNAME. */
static const guint8 chrome_rr[] = {
    0x81, 0xc9, 0x00, 0x07, /* V=2 P=0 RC=1 | PT=201 RR | length 7: 32 bytes */
    0x00, 0x00, 0x00, 0x01, /* reporter SSRC 1 (a receive-only client) */
    0x5e, 0xed, 0x12, 0x34, /* SSRC of the source reported on */
    0x0a,                   /* fraction lost 10/256 */
    0x00, 0x00, 0x2a,       /* cumulative lost 42 */
    0x00, 0x01, 0x12, 0x34, /* extended highest seq: 1 cycle, seq 0x1234 */
    0x00, 0x00, 0x00, 0x57, /* interarrival jitter 87 */
    0x8f, 0x5c, 0x28, 0xf6, /* LSR: middle 32 bits of the last SR's NTP */
    0x00, 0x01, 0x80, 0x00, /* DLSR 1.5 s = 98304/65536 */
    0x81, 0xca, 0x00, 0x06, /* V=2 SC=1 | PT=202 SDES | length 6: 28 bytes */
    0x00, 0x00, 0x00, 0x01, /* chunk SSRC */
    0x01, 0x10,             /* CNAME, 16 bytes */
    '/', 'Z', 'P', 'b', 'S', 'G', 'A', 'h', 'H', '6', 'G', 'j', 'R', 'Z', '4', 'P',
    0x00, 0x00,             /* END, then zero to the word */
};

static const CrRtcpReportBlock sample_blocks[] = {
    {0x5eed1234, 10, 42, 0x00011234, 87, 0x8f5c28f6, 0x00018000},
    {0xfeedf00d, 255, -3, 0xffffffff, 0, 0, 0},
    {0x00000000, 0, 0x7fffff, 0, 0xffffffff, 0xffffffff, 0xffffffff},
    {0x12345678, 1, -0x800000, 65535, 1, 2, 3},
};

/* Iterates @data and stores at most @max packets; checks the walk ended
 * cleanly and returns how many there were. */
static gsize
iterate_all(const guint8 *data, gsize len, CrRtcpPacket *pkts, gsize max)
{
    CrRtcpIter it;
    cr_rtcp_iter_init(&it, data, len);
    gsize n = 0;
    CrRtcpPacket pkt;
    while (cr_rtcp_iter_next(&it, &pkt)) {
        g_assert_cmpuint(n, <, max);
        pkts[n++] = pkt;
    }
    g_assert_false(it.malformed);
    g_assert_cmpuint(it.offset, ==, len);
    return n;
}

/* The single packet in @data, which must be well framed. */
static CrRtcpPacket
only_packet(const guint8 *data, gsize len)
{
    CrRtcpPacket pkt;
    g_assert_cmpuint(iterate_all(data, len, &pkt, 1), ==, 1);
    return pkt;
}

static void
assert_blocks_equal(const CrRtcpReportBlock *a, const CrRtcpReportBlock *b, guint n)
{
    for (guint i = 0; i < n; i++) {
        g_assert_cmphex(a[i].ssrc, ==, b[i].ssrc);
        g_assert_cmpuint(a[i].fraction_lost, ==, b[i].fraction_lost);
        g_assert_cmpint(a[i].cumulative_lost, ==, b[i].cumulative_lost);
        g_assert_cmphex(a[i].highest_seq, ==, b[i].highest_seq);
        g_assert_cmpuint(a[i].jitter, ==, b[i].jitter);
        g_assert_cmphex(a[i].lsr, ==, b[i].lsr);
        g_assert_cmphex(a[i].dlsr, ==, b[i].dlsr);
    }
}

/* @call, a builder writing to `small` with capacity `cap`, refuses every
 * capacity short of @len and writes @len bytes given exactly that. */
#define ASSERT_NEEDS_EXACTLY(len, call)                                                            \
    do {                                                                                           \
        guint8 small[2048];                                                                        \
        for (gsize cap = 0; cap < (len); cap++)                                                    \
            g_assert_cmpuint((call), ==, 0);                                                       \
        gsize cap = (len);                                                                         \
        g_assert_cmpuint((call), ==, (len));                                                       \
    } while (0)

static void
test_chrome_rr(void)
{
    CrRtcpPacket pkts[2];
    g_assert_cmpuint(iterate_all(chrome_rr, sizeof chrome_rr, pkts, 2), ==, 2);
    g_assert_cmpuint(pkts[0].packet_type, ==, CR_RTCP_RR);
    g_assert_cmpuint(pkts[0].version, ==, 2);
    g_assert_cmpuint(pkts[0].count, ==, 1);
    g_assert_cmpuint(pkts[0].length, ==, 32);
    g_assert_cmpuint(pkts[0].len, ==, 32);
    g_assert_cmpuint(pkts[0].offset, ==, 0);
    g_assert_true(pkts[0].data == chrome_rr);
    g_assert_cmpuint(pkts[1].packet_type, ==, CR_RTCP_SDES);
    g_assert_cmpuint(pkts[1].offset, ==, 32);
    g_assert_cmpuint(pkts[1].length, ==, 28);

    CrRtcpRr rr;
    g_assert_true(cr_rtcp_parse_rr(&pkts[0], &rr));
    g_assert_cmphex(rr.ssrc, ==, 1);
    g_assert_cmpuint(rr.n_reports, ==, 1);
    g_assert_cmphex(rr.reports[0].ssrc, ==, 0x5eed1234);
    g_assert_cmpuint(rr.reports[0].fraction_lost, ==, 10);
    g_assert_cmpint(rr.reports[0].cumulative_lost, ==, 42);
    g_assert_cmphex(rr.reports[0].highest_seq, ==, 0x00011234);
    g_assert_cmpuint(rr.reports[0].jitter, ==, 87);
    g_assert_cmphex(rr.reports[0].lsr, ==, 0x8f5c28f6);
    g_assert_cmpuint(rr.reports[0].dlsr, ==, 98304);

    guint32 ssrc = 0;
    const guint8 *cname = NULL;
    gsize cname_len = 0;
    g_assert_true(cr_rtcp_parse_sdes_cname(&pkts[1], &ssrc, &cname, &cname_len));
    g_assert_cmphex(ssrc, ==, 1);
    g_assert_cmpmem(cname, cname_len, "/ZPbSGAhH6GjRZ4P", 16);

    /* Our builders give the very same bytes. */
    guint8 buf[64];
    gsize n = cr_rtcp_write_rr(buf, sizeof buf, &rr);
    n += cr_rtcp_write_sdes_cname(buf + n, sizeof buf - n, 1, "/ZPbSGAhH6GjRZ4P", 16);
    g_assert_cmpmem(buf, n, chrome_rr, sizeof chrome_rr);
}

static void
test_report_block_signs(void)
{
    /* RFC 3550 §6.4.1: cumulative lost is 24-bit signed. */
    static const struct {
        guint8 bytes[3];
        gint32 value;
    } cases[] = {
        {{0x00, 0x00, 0x00}, 0},          {{0x00, 0x00, 0x01}, 1},
        {{0x7f, 0xff, 0xff}, 8388607},    {{0xff, 0xff, 0xff}, -1},
        {{0xff, 0xff, 0xfe}, -2},         {{0x80, 0x00, 0x00}, -8388608},
        {{0x80, 0x00, 0x01}, -8388607},   {{0x01, 0x00, 0x00}, 65536},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        guint8 pkt[32];
        memcpy(pkt, chrome_rr, sizeof pkt);
        memcpy(pkt + 13, cases[i].bytes, 3);
        CrRtcpPacket p = only_packet(pkt, sizeof pkt);
        CrRtcpRr rr;
        g_assert_true(cr_rtcp_parse_rr(&p, &rr));
        g_assert_cmpint(rr.reports[0].cumulative_lost, ==, cases[i].value);
        /* And back. */
        guint8 out[32];
        g_assert_cmpuint(cr_rtcp_write_rr(out, sizeof out, &rr), ==, 32);
        g_assert_cmpmem(out, 32, pkt, 32);
    }

    /* Out-of-range counts saturate rather than wrap. */
    CrRtcpRr rr = {.ssrc = 9, .n_reports = 2};
    rr.reports[0].cumulative_lost = 0x7fffff + 10;
    rr.reports[1].cumulative_lost = -9000000;
    guint8 out[56];
    g_assert_cmpuint(cr_rtcp_write_rr(out, sizeof out, &rr), ==, 56);
    g_assert_cmpmem(out + 13, 3, "\x7f\xff\xff", 3);
    g_assert_cmpmem(out + 37, 3, "\x80\x00\x00", 3);
}

static void
test_sr_round_trip(void)
{
    CrRtcpSr sr = {
        .ssrc = 0x5eed1234,
        .ntp_timestamp = G_GUINT64_CONSTANT(0xe8a1b2c3d4e5f607),
        .rtp_timestamp = 0x00bc614e,
        .packet_count = 1234,
        .octet_count = 987654,
        .n_reports = 2,
    };
    sr.reports[0] = sample_blocks[0];
    sr.reports[1] = sample_blocks[1];
    guint8 buf[128];
    gsize n = cr_rtcp_write_sr(buf, sizeof buf, &sr);
    g_assert_cmpuint(n, ==, 28 + 2 * 24);
    static const guint8 head[28] = {
        0x82, 0xc8, 0x00, 0x12, /* RC=2 | SR | length 18: 76 bytes */
        0x5e, 0xed, 0x12, 0x34, 0xe8, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07,
        0x00, 0xbc, 0x61, 0x4e, 0x00, 0x00, 0x04, 0xd2, 0x00, 0x0f, 0x12, 0x06,
    };
    g_assert_cmpmem(buf, 28, head, 28);
    /* The second block's lost count, -3 in 24 bits. */
    g_assert_cmpmem(buf + 28 + 24 + 5, 3, "\xff\xff\xfd", 3);

    CrRtcpPacket pkt = only_packet(buf, n);
    CrRtcpSr back;
    g_assert_true(cr_rtcp_parse_sr(&pkt, &back));
    g_assert_cmphex(back.ssrc, ==, sr.ssrc);
    g_assert_cmphex(back.ntp_timestamp, ==, sr.ntp_timestamp);
    g_assert_cmphex(back.rtp_timestamp, ==, sr.rtp_timestamp);
    g_assert_cmpuint(back.packet_count, ==, sr.packet_count);
    g_assert_cmpuint(back.octet_count, ==, sr.octet_count);
    g_assert_cmpuint(back.n_reports, ==, 2);
    assert_blocks_equal(back.reports, sr.reports, 2);
    CrRtcpRr rr;
    g_assert_false(cr_rtcp_parse_rr(&pkt, &rr));

    ASSERT_NEEDS_EXACTLY(n, cr_rtcp_write_sr(small, cap, &sr));
    sr.n_reports = 32;
    g_assert_cmpuint(cr_rtcp_write_sr(buf, sizeof buf, &sr), ==, 0);
}

static void
test_rr_every_count(void)
{
    static CrRtcpRr rr;
    static guint8 buf[8 + 31 * 24];
    for (guint count = 0; count <= CR_RTCP_MAX_REPORT_BLOCKS; count++) {
        rr.ssrc = 0xabcd0000 + count;
        rr.n_reports = count;
        for (guint i = 0; i < count; i++) {
            rr.reports[i] = sample_blocks[i % G_N_ELEMENTS(sample_blocks)];
            rr.reports[i].ssrc += i;
        }
        gsize n = cr_rtcp_write_rr(buf, sizeof buf, &rr);
        g_assert_cmpuint(n, ==, 8 + 24 * count);
        g_assert_cmphex(buf[0], ==, 0x80 | count);
        CrRtcpPacket pkt = only_packet(buf, n);
        CrRtcpRr back;
        g_assert_true(cr_rtcp_parse_rr(&pkt, &back));
        g_assert_cmphex(back.ssrc, ==, rr.ssrc);
        g_assert_cmpuint(back.n_reports, ==, count);
        assert_blocks_equal(back.reports, rr.reports, count);
    }
    /* The empty RR Chrome sends before it receives anything. */
    static const guint8 empty[] = {0x80, 0xc9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01};
    rr.ssrc = 1;
    rr.n_reports = 0;
    g_assert_cmpuint(cr_rtcp_write_rr(buf, sizeof buf, &rr), ==, 8);
    g_assert_cmpmem(buf, 8, empty, 8);
    ASSERT_NEEDS_EXACTLY(8, cr_rtcp_write_rr(small, cap, &rr));
    rr.n_reports = 32;
    g_assert_cmpuint(cr_rtcp_write_rr(buf, sizeof buf, &rr), ==, 0);
}

static void
test_sdes(void)
{
    guint8 buf[300];
    char cname[256];
    for (gsize i = 0; i < sizeof cname; i++)
        cname[i] = (char)('a' + i % 26);
    for (gsize len = 0; len <= 255; len++) {
        gsize n = cr_rtcp_write_sdes_cname(buf, sizeof buf, 0x01020304, cname, len);
        /* header 4, SSRC 4, type and length 2, text, END, zeros to the word */
        g_assert_cmpuint(n, ==, (4 + 4 + 2 + len + 1 + 3) / 4 * 4);
        g_assert_cmphex(buf[0], ==, 0x81);
        g_assert_cmphex(buf[1], ==, 202);
        for (gsize k = 10 + len; k < n; k++)
            g_assert_cmphex(buf[k], ==, 0);
        CrRtcpPacket pkt = only_packet(buf, n);
        guint32 ssrc = 0;
        const guint8 *text = NULL;
        gsize text_len = 99;
        g_assert_true(cr_rtcp_parse_sdes_cname(&pkt, &ssrc, &text, &text_len));
        g_assert_cmphex(ssrc, ==, 0x01020304);
        g_assert_cmpmem(text, text_len, cname, len);
    }
    g_assert_cmpuint(cr_rtcp_write_sdes_cname(buf, sizeof buf, 1, cname, 256), ==, 0);
    ASSERT_NEEDS_EXACTLY(16, cr_rtcp_write_sdes_cname(small, cap, 1, "ab", 2));

    /* Two chunks; the first has only a NAME item (type 2). */
    static const guint8 two[] = {
        0x82, 0xca, 0x00, 0x06,             /* SC=2 | SDES | 28 bytes */
        0x00, 0x00, 0x00, 0x0a, 0x02, 0x02, 'h', 'i', 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x0b, 0x01, 0x03, 'x', 'y', 'z', 0x00, 0x00, 0x00,
    };
    CrRtcpPacket pkt = only_packet(two, sizeof two);
    guint32 ssrc = 0;
    const guint8 *text = NULL;
    gsize text_len = 0;
    g_assert_true(cr_rtcp_parse_sdes_cname(&pkt, &ssrc, &text, &text_len));
    g_assert_cmphex(ssrc, ==, 0x0b);
    g_assert_cmpmem(text, text_len, "xyz", 3);

    /* Malformed: the item runs past the packet; a chunk swallowing the
     * next; SC=0; no CNAME in the chunks counted, or before the count runs
     * past the chunks present; not an SDES. */
    guint8 bad[sizeof two];
    memcpy(bad, two, sizeof bad);
    bad[21] = 0x09;
    pkt = only_packet(bad, sizeof bad);
    g_assert_false(cr_rtcp_parse_sdes_cname(&pkt, &ssrc, &text, &text_len));
    memcpy(bad, two, sizeof bad);
    memset(bad + 12, 0x02, 4); /* the first chunk runs into the second */
    bad[13] = 0x0c;
    pkt = only_packet(bad, sizeof bad);
    g_assert_false(cr_rtcp_parse_sdes_cname(&pkt, &ssrc, &text, &text_len));
    memcpy(bad, two, sizeof bad);
    bad[0] = 0x80;
    pkt = only_packet(bad, sizeof bad);
    g_assert_false(cr_rtcp_parse_sdes_cname(&pkt, &ssrc, &text, &text_len));
    bad[0] = 0x81;
    pkt = only_packet(bad, sizeof bad);
    g_assert_false(cr_rtcp_parse_sdes_cname(&pkt, &ssrc, &text, &text_len));
    bad[0] = 0x83;
    bad[20] = 0x02;
    pkt = only_packet(bad, sizeof bad);
    g_assert_false(cr_rtcp_parse_sdes_cname(&pkt, &ssrc, &text, &text_len));
    pkt = only_packet(chrome_rr, 32);
    g_assert_false(cr_rtcp_parse_sdes_cname(&pkt, &ssrc, &text, &text_len));
}

/* Writes a NACK for @seqs, checks it against @expected_fci (PID/BLP
 * pairs), parses it back and checks the expansion is @expected. */
static void
assert_nack(const guint16 *seqs, gsize n, const guint8 *expected_fci, gsize fci_len,
            const guint16 *expected, gsize expected_n)
{
    guint8 buf[256];
    gsize len = cr_rtcp_write_nack(buf, sizeof buf, 0x11, 0x5eed1234, seqs, n);
    g_assert_cmpuint(len, ==, 12 + fci_len);
    g_assert_cmphex(buf[0], ==, 0x81); /* FMT=1 */
    g_assert_cmphex(buf[1], ==, 205);
    g_assert_cmpuint(buf[3], ==, len / 4 - 1);
    g_assert_cmpmem(buf + 12, len - 12, expected_fci, fci_len);

    CrRtcpPacket pkt = only_packet(buf, len);
    CrRtcpFb fb;
    g_assert_true(cr_rtcp_parse_fb_header(&pkt, &fb));
    g_assert_cmpint(fb.kind, ==, CR_RTCP_FB_NACK);
    guint32 sender = 0, media = 0;
    guint16 lost[64];
    gsize lost_n = 0;
    g_assert_true(cr_rtcp_parse_nack(&pkt, &sender, &media, lost, G_N_ELEMENTS(lost), &lost_n));
    g_assert_cmphex(sender, ==, 0x11);
    g_assert_cmphex(media, ==, 0x5eed1234);
    g_assert_cmpmem(lost, lost_n * 2, expected, expected_n * 2);
}

static void
test_nack(void)
{
    /* 101, 105, 116 are 1, 5, 16 after 100: bits 0, 4, 15 (0x8011); 117 is
     * 17 after, so it starts a pair; so does 200. */
    static const guint16 seqs[] = {100, 101, 105, 116, 117, 200};
    static const guint8 fci[] = {0x00, 0x64, 0x80, 0x11, 0x00, 0x75, 0x00,
                                 0x00, 0x00, 0xc8, 0x00, 0x00};
    assert_nack(seqs, 6, fci, sizeof fci, seqs, 6);

    /* Across the wrap: 65535, 0, 3, 10 are 5, 6, 9, 16 after 65530. */
    static const guint16 wrap[] = {65530, 65535, 0, 3, 10};
    static const guint8 wrap_fci[] = {0xff, 0xfa, 0x81, 0x30};
    assert_nack(wrap, 5, wrap_fci, sizeof wrap_fci, wrap, 5);
    /* 0 is 1 after 65535; 17 is 18 after: a new pair. */
    static const guint16 wrap2[] = {65535, 0, 17};
    static const guint8 wrap2_fci[] = {0xff, 0xff, 0x00, 0x01, 0x00, 0x11, 0x00, 0x00};
    assert_nack(wrap2, 3, wrap2_fci, sizeof wrap2_fci, wrap2, 3);

    /* Duplicates fold; an unsorted list costs pairs but loses nothing. */
    static const guint16 dups[] = {5, 5, 6, 6, 5};
    static const guint16 dups_back[] = {5, 6};
    static const guint8 dups_fci[] = {0x00, 0x05, 0x00, 0x01};
    assert_nack(dups, 5, dups_fci, sizeof dups_fci, dups_back, 2);
    static const guint16 unsorted[] = {10, 5, 6};
    static const guint8 unsorted_fci[] = {0x00, 0x0a, 0x00, 0x00, 0x00, 0x05, 0x00, 0x01};
    assert_nack(unsorted, 3, unsorted_fci, sizeof unsorted_fci, unsorted, 3);

    /* A full BLP: 17 seqs in one pair. */
    guint16 run[17];
    for (guint i = 0; i < 17; i++)
        run[i] = (guint16)(65528 + i);
    static const guint8 run_fci[] = {0xff, 0xf8, 0xff, 0xff};
    assert_nack(run, 17, run_fci, sizeof run_fci, run, 17);

    guint8 buf[64];
    g_assert_cmpuint(cr_rtcp_write_nack(buf, sizeof buf, 1, 2, seqs, 0), ==, 0);
    ASSERT_NEEDS_EXACTLY(24, cr_rtcp_write_nack(small, cap, 1, 2, seqs, 6));

    /* Parsing into a short array keeps the first ones. */
    gsize len = cr_rtcp_write_nack(buf, sizeof buf, 1, 2, seqs, 6);
    CrRtcpPacket pkt = only_packet(buf, len);
    guint32 sender, media;
    guint16 lost[3];
    gsize n = 99;
    g_assert_true(cr_rtcp_parse_nack(&pkt, &sender, &media, lost, 3, &n));
    g_assert_cmpuint(n, ==, 3);
    g_assert_cmpmem(lost, sizeof lost, seqs, sizeof lost);
    g_assert_true(cr_rtcp_parse_nack(&pkt, &sender, &media, NULL, 0, &n));
    g_assert_cmpuint(n, ==, 0);
}

static void
test_length_field_limit(void)
{
    /* The 16-bit length field holds at most 65536 words: 65533 NACK pairs
     * or 32766 FIR entries after the 12-byte feedback header. */
    static guint8 big[65536 * 4 + 8]; /* room for one pair more than allowed */
    static guint16 alternating[65534];
    for (gsize i = 0; i < G_N_ELEMENTS(alternating); i++)
        alternating[i] = i % 2 ? 100 : 0; /* 100 after 0, 0 before 100: a pair each */
    gsize n = cr_rtcp_write_nack(big, sizeof big, 1, 2, alternating, 65533);
    g_assert_cmpuint(n, ==, 65536 * 4);
    g_assert_cmphex(big[2], ==, 0xff);
    g_assert_cmphex(big[3], ==, 0xff);
    CrRtcpPacket pkt = only_packet(big, n);
    guint32 sender, media;
    guint16 lost[4];
    gsize count = 0;
    g_assert_true(cr_rtcp_parse_nack(&pkt, &sender, &media, lost, 4, &count));
    g_assert_cmpuint(count, ==, 4);
    g_assert_cmpuint(lost[3], ==, 100);
    g_assert_cmpuint(cr_rtcp_write_nack(big, sizeof big, 1, 2, alternating, 65534), ==, 0);

    static CrRtcpFirEntry entries[32767];
    g_assert_cmpuint(cr_rtcp_write_fir(big, sizeof big, 1, entries, 32766), ==, 12 + 32766 * 8);
    g_assert_cmpuint(cr_rtcp_write_fir(big, sizeof big, 1, entries, 32767), ==, 0);
}

static void
test_nack_malformed(void)
{
    guint32 sender, media;
    guint16 lost[17];
    gsize n;
    /* No FCI at all (length 2). */
    static const guint8 empty[] = {0x81, 0xcd, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2};
    CrRtcpPacket pkt = only_packet(empty, sizeof empty);
    g_assert_false(cr_rtcp_parse_nack(&pkt, &sender, &media, lost, 17, &n));
    /* Padding leaving an FCI of 2 bytes. */
    static const guint8 odd[] = {0xa1, 0xcd, 0x00, 0x03, 0, 0, 0, 1,
                                 0,    0,    0,    2,    0x00, 0x05, 0x00, 0x02};
    pkt = only_packet(odd, sizeof odd);
    g_assert_cmpuint(pkt.len, ==, 14);
    g_assert_false(cr_rtcp_parse_nack(&pkt, &sender, &media, lost, 17, &n));
    /* Too short for the feedback header (length 1). */
    static const guint8 shortfb[] = {0x81, 0xcd, 0x00, 0x01, 0, 0, 0, 1};
    pkt = only_packet(shortfb, sizeof shortfb);
    CrRtcpFb fb;
    g_assert_false(cr_rtcp_parse_fb_header(&pkt, &fb));
    g_assert_false(cr_rtcp_parse_nack(&pkt, &sender, &media, lost, 17, &n));
    /* A PLI is not a NACK, nor an RR. */
    guint8 buf[12];
    pkt = only_packet(buf, cr_rtcp_write_pli(buf, sizeof buf, 1, 2));
    g_assert_false(cr_rtcp_parse_nack(&pkt, &sender, &media, lost, 17, &n));
    pkt = only_packet(chrome_rr, 32);
    g_assert_false(cr_rtcp_parse_nack(&pkt, &sender, &media, lost, 17, &n));
    g_assert_false(cr_rtcp_parse_fb_header(&pkt, &fb));
}

static void
test_pli(void)
{
    guint8 buf[16];
    gsize n = cr_rtcp_write_pli(buf, sizeof buf, 0x01, 0x5eed1234);
    static const guint8 expected[] = {0x81, 0xce, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01,
                                      0x5e, 0xed, 0x12, 0x34};
    g_assert_cmpmem(buf, n, expected, sizeof expected);
    CrRtcpPacket pkt = only_packet(buf, n);
    CrRtcpFb fb;
    g_assert_true(cr_rtcp_parse_fb_header(&pkt, &fb));
    g_assert_cmpint(fb.kind, ==, CR_RTCP_FB_PLI);
    g_assert_cmpuint(fb.packet_type, ==, CR_RTCP_PSFB);
    g_assert_cmpuint(fb.fmt, ==, 1);
    g_assert_cmphex(fb.sender_ssrc, ==, 1);
    g_assert_cmphex(fb.media_ssrc, ==, 0x5eed1234);
    g_assert_cmpuint(fb.fci_len, ==, 0);
    ASSERT_NEEDS_EXACTLY(12, cr_rtcp_write_pli(small, cap, 1, 2));
}

static void
test_fir(void)
{
    static const CrRtcpFirEntry entries[] = {{0x5eed1234, 7}, {0xabcdef01, 255}};
    guint8 buf[64];
    gsize n = cr_rtcp_write_fir(buf, sizeof buf, 0x01, entries, 2);
    static const guint8 expected[] = {
        0x84, 0xce, 0x00, 0x06, /* FMT=4 | PSFB | 28 bytes */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, /* media SSRC 0 */
        0x5e, 0xed, 0x12, 0x34, 0x07, 0x00, 0x00, 0x00,
        0xab, 0xcd, 0xef, 0x01, 0xff, 0x00, 0x00, 0x00,
    };
    g_assert_cmpmem(buf, n, expected, sizeof expected);
    CrRtcpPacket pkt = only_packet(buf, n);
    CrRtcpFb fb;
    g_assert_true(cr_rtcp_parse_fb_header(&pkt, &fb));
    g_assert_cmpint(fb.kind, ==, CR_RTCP_FB_FIR);
    g_assert_cmphex(fb.media_ssrc, ==, 0);
    guint32 sender = 0;
    CrRtcpFirEntry back[4];
    gsize count = 0;
    g_assert_true(cr_rtcp_parse_fir(&pkt, &sender, back, G_N_ELEMENTS(back), &count));
    g_assert_cmphex(sender, ==, 1);
    g_assert_cmpuint(count, ==, 2);
    g_assert_cmphex(back[0].ssrc, ==, 0x5eed1234);
    g_assert_cmpuint(back[0].seq_nr, ==, 7);
    g_assert_cmphex(back[1].ssrc, ==, 0xabcdef01);
    g_assert_cmpuint(back[1].seq_nr, ==, 255);
    g_assert_true(cr_rtcp_parse_fir(&pkt, &sender, back, 1, &count));
    g_assert_cmpuint(count, ==, 1);

    ASSERT_NEEDS_EXACTLY(28, cr_rtcp_write_fir(small, cap, 1, entries, 2));
    g_assert_cmpuint(cr_rtcp_write_fir(buf, sizeof buf, 1, entries, 0), ==, 0);
    /* An FCI that is not whole entries; a PLI is not a FIR. */
    buf[3] = 0x05; /* 24 bytes: one entry and a half */
    pkt = only_packet(buf, 24);
    g_assert_false(cr_rtcp_parse_fir(&pkt, &sender, back, 4, &count));
    pkt = only_packet(buf, cr_rtcp_write_pli(buf, sizeof buf, 1, 2));
    g_assert_false(cr_rtcp_parse_fir(&pkt, &sender, back, 4, &count));
}

static CrRtcpRemb
remb_round_trip(guint64 bitrate, const guint32 *ssrcs, gsize n)
{
    static guint8 buf[20 + 255 * 4];
    gsize len = cr_rtcp_write_remb(buf, sizeof buf, 0x01, bitrate, ssrcs, n);
    g_assert_cmpuint(len, ==, 20 + 4 * n);
    CrRtcpPacket pkt = only_packet(buf, len);
    CrRtcpFb fb;
    g_assert_true(cr_rtcp_parse_fb_header(&pkt, &fb));
    g_assert_cmpint(fb.kind, ==, CR_RTCP_FB_REMB);
    CrRtcpRemb remb;
    g_assert_true(cr_rtcp_parse_remb(&pkt, &remb));
    g_assert_cmphex(remb.sender_ssrc, ==, 1);
    g_assert_cmpuint(remb.n_ssrcs, ==, n);
    g_assert_cmpmem(remb.ssrcs, remb.n_ssrcs * 4, ssrcs, n * 4);
    return remb;
}

static void
test_remb(void)
{
    static const guint32 ssrcs[] = {0x5eed1234, 0x5eed5678};
    guint8 buf[64];
    gsize n = cr_rtcp_write_remb(buf, sizeof buf, 0x01, 1000000, ssrcs, 2);
    /* 1 000 000 = 250 000 * 2^2; 250 000 = 0x3d090. */
    static const guint8 expected[] = {
        0x8f, 0xce, 0x00, 0x06, /* FMT=15 | PSFB | 28 bytes */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 'R', 'E', 'M', 'B',
        0x02,                   /* Num SSRC */
        0x0b, 0xd0, 0x90,       /* exp 2 (000010) | mantissa 11 1101 0000 1001 0000 */
        0x5e, 0xed, 0x12, 0x34, 0x5e, 0xed, 0x56, 0x78,
    };
    g_assert_cmpmem(buf, n, expected, sizeof expected);
    CrRtcpRemb remb = remb_round_trip(1000000, ssrcs, 2);
    g_assert_cmpuint(remb.exp, ==, 2);
    g_assert_cmpuint(remb.mantissa, ==, 250000);
    g_assert_cmpuint(remb.bitrate, ==, 1000000);

    static const struct {
        guint64 in, out;
        guint exp;
    } rates[] = {
        {0, 0, 0},
        {262143, 262143, 0},
        {262144, 262144, 1},
        {262145, 262144, 1}, /* rounded down */
        {G_MAXUINT64, G_GUINT64_CONSTANT(0x3ffff) << 46, 46},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(rates); i++) {
        remb = remb_round_trip(rates[i].in, ssrcs, 1);
        g_assert_cmpuint(remb.bitrate, ==, rates[i].out);
        g_assert_cmpuint(remb.exp, ==, rates[i].exp);
    }
    guint32 many[255];
    for (guint i = 0; i < 255; i++)
        many[i] = 0x1000 + i;
    remb_round_trip(300000, many, 255);
    remb_round_trip(300000, NULL, 0);
    g_assert_cmpuint(cr_rtcp_write_remb(buf, sizeof buf, 1, 1, many, 256), ==, 0);
    ASSERT_NEEDS_EXACTLY(28, cr_rtcp_write_remb(small, cap, 1, 1000000, ssrcs, 2));
}

static void
test_remb_exponents(void)
{
    guint8 pkt[24] = {0x8f, 0xce, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B', 0x01};
    static const struct {
        guint8 b17, b18, b19;
        guint64 bitrate;
    } cases[] = {
        {0xfc, 0x00, 0x01, G_GUINT64_CONSTANT(1) << 63}, /* exp 63, mantissa 1 */
        {0xfc, 0x00, 0x02, G_MAXUINT64},                 /* 2^64: saturated */
        {0xbf, 0xff, 0xff, G_MAXUINT64},                 /* exp 47, full mantissa */
        {0xbb, 0xff, 0xff, G_GUINT64_CONSTANT(0x3ffff) << 46},
        {0x00, 0x00, 0x00, 0},
        {0xfc, 0x00, 0x00, 0}, /* exp 63, mantissa 0 */
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        pkt[17] = cases[i].b17;
        pkt[18] = cases[i].b18;
        pkt[19] = cases[i].b19;
        CrRtcpPacket p = only_packet(pkt, sizeof pkt);
        CrRtcpRemb remb;
        g_assert_true(cr_rtcp_parse_remb(&p, &remb));
        g_assert_cmphex(remb.bitrate, ==, cases[i].bitrate);
    }
    /* Num SSRC 2 with one SSRC present. */
    pkt[16] = 2;
    CrRtcpPacket p = only_packet(pkt, sizeof pkt);
    CrRtcpRemb remb;
    g_assert_false(cr_rtcp_parse_remb(&p, &remb));
    /* Another application's feedback. */
    pkt[16] = 1;
    pkt[12] = 'G';
    p = only_packet(pkt, sizeof pkt);
    CrRtcpFb fb;
    g_assert_true(cr_rtcp_parse_fb_header(&p, &fb));
    g_assert_cmpint(fb.kind, ==, CR_RTCP_FB_OTHER);
    g_assert_false(cr_rtcp_parse_remb(&p, &remb));
    /* 'REMB' with no room for the rest. */
    static const guint8 cut[] = {0x8f, 0xce, 0x00, 0x03, 0, 0, 0, 1,
                                 0,    0,    0,    0,    'R', 'E', 'M', 'B'};
    p = only_packet(cut, sizeof cut);
    g_assert_true(cr_rtcp_parse_fb_header(&p, &fb));
    g_assert_cmpint(fb.kind, ==, CR_RTCP_FB_REMB);
    g_assert_false(cr_rtcp_parse_remb(&p, &remb));
}

static void
test_twcc(void)
{
    /* Transport-wide feedback (RTPFB FMT=15) with the P bit: 13 FCI bytes
     * and 3 bytes of RTCP padding. We only name it and hand over bytes. */
    static const guint8 pkt[] = {
        0xaf, 0xcd, 0x00, 0x06, /* P=1 FMT=15 | RTPFB | 28 bytes */
        0x00, 0x00, 0x00, 0x01, /* sender SSRC */
        0x5e, 0xed, 0x12, 0x34, /* media SSRC */
        0x01, 0x02, 0x00, 0x03, /* base seq 0x0102, status count 3 */
        0x00, 0x00, 0x10, 0x00, /* reference time 16, feedback count 0 */
        0x20, 0x03,             /* run length chunk: small delta, 3 */
        0x04, 0x04, 0x04,       /* receive deltas */
        0x00, 0x00, 0x03,       /* RTCP padding, count 3 */
    };
    CrRtcpPacket p = only_packet(pkt, sizeof pkt);
    g_assert_cmpuint(p.padding, ==, 1);
    g_assert_cmpuint(p.length, ==, 28);
    g_assert_cmpuint(p.len, ==, 25);
    CrRtcpFb fb;
    g_assert_true(cr_rtcp_parse_fb_header(&p, &fb));
    g_assert_cmpint(fb.kind, ==, CR_RTCP_FB_TWCC);
    g_assert_cmphex(fb.media_ssrc, ==, 0x5eed1234);
    g_assert_cmpmem(fb.fci, fb.fci_len, pkt + 12, 13);
    guint32 s, m;
    guint16 lost[4];
    gsize n;
    g_assert_false(cr_rtcp_parse_nack(&p, &s, &m, lost, 4, &n));
}

static void
test_compound(void)
{
    guint8 buf[512];
    gsize off = 0;
    CrRtcpSr sr = {.ssrc = 0xa, .ntp_timestamp = 1, .rtp_timestamp = 2, .n_reports = 1};
    sr.reports[0] = sample_blocks[0];
    static const guint16 lost[] = {65534, 1, 2, 40};
    static const guint32 remb_ssrcs[] = {0xb};
    off += cr_rtcp_write_sr(buf + off, sizeof buf - off, &sr);
    off += cr_rtcp_write_sdes_cname(buf + off, sizeof buf - off, 0xa, "sfu", 3);
    off += cr_rtcp_write_nack(buf + off, sizeof buf - off, 0xa, 0xb, lost, 4);
    off += cr_rtcp_write_remb(buf + off, sizeof buf - off, 0xa, 2500000, remb_ssrcs, 1);
    /* SR with a block 52, SDES 16 (4 + 4 + 2 + 3 + END, to the word), NACK
     * with two pairs 20 (65534 with 1 and 2; then 40), REMB 24. */
    g_assert_cmpuint(off, ==, 52 + 16 + 20 + 24);

    CrRtcpPacket pkts[4];
    g_assert_cmpuint(iterate_all(buf, off, pkts, 4), ==, 4);
    g_assert_cmpuint(pkts[0].packet_type, ==, CR_RTCP_SR);
    g_assert_cmpuint(pkts[1].packet_type, ==, CR_RTCP_SDES);
    g_assert_cmpuint(pkts[2].packet_type, ==, CR_RTCP_RTPFB);
    g_assert_cmpuint(pkts[3].packet_type, ==, CR_RTCP_PSFB);
    g_assert_cmpuint(pkts[1].offset, ==, 52);
    g_assert_cmpuint(pkts[2].offset, ==, 68);
    g_assert_cmpuint(pkts[3].offset, ==, 88);

    CrRtcpSr back;
    g_assert_true(cr_rtcp_parse_sr(&pkts[0], &back));
    g_assert_cmpuint(back.n_reports, ==, 1);
    assert_blocks_equal(back.reports, sr.reports, 1);
    guint32 ssrc;
    const guint8 *cname;
    gsize cname_len;
    g_assert_true(cr_rtcp_parse_sdes_cname(&pkts[1], &ssrc, &cname, &cname_len));
    g_assert_cmpmem(cname, cname_len, "sfu", 3);
    guint32 sender, media;
    guint16 seqs[32];
    gsize n;
    g_assert_true(cr_rtcp_parse_nack(&pkts[2], &sender, &media, seqs, 32, &n));
    g_assert_cmpmem(seqs, n * 2, lost, sizeof lost);
    g_assert_cmpuint(pkts[2].length, ==, 20);
    CrRtcpRemb remb;
    g_assert_true(cr_rtcp_parse_remb(&pkts[3], &remb));
    g_assert_cmpuint(remb.bitrate, ==, 2500000);
    g_assert_cmphex(remb.ssrcs[0], ==, 0xb);

    /* Every reader refuses the other types. */
    CrRtcpRr rr;
    CrRtcpFb fb;
    CrRtcpFirEntry fir[1];
    for (gsize i = 0; i < 4; i++) {
        g_assert_cmpint(cr_rtcp_parse_sr(&pkts[i], &back), ==, i == 0);
        g_assert_false(cr_rtcp_parse_rr(&pkts[i], &rr));
        g_assert_cmpint(cr_rtcp_parse_sdes_cname(&pkts[i], &ssrc, &cname, &cname_len), ==, i == 1);
        g_assert_cmpint(cr_rtcp_parse_fb_header(&pkts[i], &fb), ==, i >= 2);
        g_assert_cmpint(cr_rtcp_parse_nack(&pkts[i], &sender, &media, seqs, 32, &n), ==, i == 2);
        g_assert_false(cr_rtcp_parse_fir(&pkts[i], &sender, fir, 1, &n));
        g_assert_cmpint(cr_rtcp_parse_remb(&pkts[i], &remb), ==, i == 3);
    }

    /* Reduced size (RFC 5506): a lone PLI walks fine. */
    gsize len = cr_rtcp_write_pli(buf, sizeof buf, 1, 2);
    g_assert_cmpuint(iterate_all(buf, len, pkts, 1), ==, 1);
}

/* Iterates @data; checks that exactly @good packets come out before the
 * walk stops as malformed, and that it stays stopped. */
static void
assert_malformed_after(const guint8 *data, gsize len, gsize good)
{
    guint8 *exact = g_memdup2(data, len);
    CrRtcpIter it;
    cr_rtcp_iter_init(&it, exact, len);
    CrRtcpPacket pkt;
    for (gsize i = 0; i < good; i++)
        g_assert_true(cr_rtcp_iter_next(&it, &pkt));
    g_assert_false(cr_rtcp_iter_next(&it, &pkt));
    g_assert_true(it.malformed);
    g_assert_false(cr_rtcp_iter_next(&it, &pkt));
    g_assert_true(it.malformed);
    g_free(exact);
}

static void
test_iter_malformed(void)
{
    guint8 buf[64];
    memcpy(buf, chrome_rr, 32);

    /* The RR's length says 32 bytes: every shorter buffer is cut. */
    for (gsize len = 1; len < 32; len++)
        assert_malformed_after(buf, len, 0);
    /* Version 0, 1, 3. */
    for (guint v = 0; v < 4; v++) {
        if (v == 2)
            continue;
        buf[0] = (guint8)(v << 6 | 1);
        assert_malformed_after(buf, 32, 0);
    }
    buf[0] = 0x81;
    /* A valid RR, then 1..3 trailing bytes (and a zero-length trailer
     * made of zeros, which reads as version 0). */
    memset(buf + 32, 0, 8);
    for (gsize extra = 1; extra <= 8; extra++)
        assert_malformed_after(buf, 32 + extra, 1);
    /* The second packet's length runs past the end. */
    memcpy(buf, chrome_rr, sizeof chrome_rr);
    buf[35] = 0x07;
    assert_malformed_after(buf, sizeof chrome_rr, 1);

    /* Padding on a packet that is not last (RFC 3550 A.2). */
    memcpy(buf, chrome_rr, sizeof chrome_rr);
    buf[0] = 0xa1;
    buf[31] = 0x04;
    assert_malformed_after(buf, sizeof chrome_rr, 0);
    /* The same as the last packet is fine: 4 bytes fewer to read. */
    CrRtcpPacket pkt = only_packet(buf, 32);
    g_assert_cmpuint(pkt.len, ==, 28);
    g_assert_cmpuint(pkt.length, ==, 32);
    /* The report block now ends past pkt.len. */
    CrRtcpRr rr;
    g_assert_false(cr_rtcp_parse_rr(&pkt, &rr));
    /* Padding count 0, and more than the body. */
    buf[31] = 0;
    assert_malformed_after(buf, 32, 0);
    buf[31] = 29;
    assert_malformed_after(buf, 32, 0);
    buf[31] = 28;
    pkt = only_packet(buf, 32);
    g_assert_cmpuint(pkt.len, ==, 4);

    /* Length 0 (a BYE with no SSRCs) is a whole, 4-byte packet. */
    static const guint8 bye[] = {0x80, 0xcb, 0x00, 0x00, 0x80, 0xcb, 0x00, 0x00};
    CrRtcpPacket two[2];
    g_assert_cmpuint(iterate_all(bye, sizeof bye, two, 2), ==, 2);
    g_assert_cmpuint(two[1].length, ==, 4);
    /* Empty input: the end, not an error. */
    CrRtcpIter it;
    cr_rtcp_iter_init(&it, NULL, 0);
    g_assert_false(cr_rtcp_iter_next(&it, &pkt));
    g_assert_false(it.malformed);
}

static void
test_reader_short_bodies(void)
{
    /* SR with RC=2 but room for one block. */
    CrRtcpSr sr = {.ssrc = 1, .n_reports = 1};
    guint8 buf[128];
    gsize n = cr_rtcp_write_sr(buf, sizeof buf, &sr);
    buf[0] = 0x82;
    CrRtcpPacket pkt = only_packet(buf, n);
    CrRtcpSr back;
    g_assert_false(cr_rtcp_parse_sr(&pkt, &back));
    buf[0] = 0x81;
    pkt = only_packet(buf, n);
    g_assert_true(cr_rtcp_parse_sr(&pkt, &back));
    /* SR without sender info (length 1). */
    static const guint8 bare_sr[] = {0x80, 0xc8, 0x00, 0x01, 0, 0, 0, 1};
    pkt = only_packet(bare_sr, sizeof bare_sr);
    g_assert_false(cr_rtcp_parse_sr(&pkt, &back));
    /* RR with RC=1 and no block; RR with no SSRC. */
    static const guint8 rr1[] = {0x81, 0xc9, 0x00, 0x01, 0, 0, 0, 1};
    static const guint8 rr0[] = {0x80, 0xc9, 0x00, 0x00};
    CrRtcpRr rr;
    pkt = only_packet(rr1, sizeof rr1);
    g_assert_false(cr_rtcp_parse_rr(&pkt, &rr));
    pkt = only_packet(rr0, sizeof rr0);
    g_assert_false(cr_rtcp_parse_rr(&pkt, &rr));
    /* Trailing profile-specific words after the blocks are ignored. */
    memcpy(buf, chrome_rr, 32);
    memset(buf + 32, 0xee, 8);
    buf[3] = 0x09;
    pkt = only_packet(buf, 40);
    g_assert_true(cr_rtcp_parse_rr(&pkt, &rr));
    g_assert_cmpuint(rr.n_reports, ==, 1);
}

static void
test_set_media_ssrc(void)
{
    guint8 buf[64];
    static const guint16 lost[] = {7};
    gsize n = cr_rtcp_write_nack(buf, sizeof buf, 0xa, 0x11111111, lost, 1);
    g_assert_cmpuint(cr_rtcp_set_media_ssrc(buf, n, 0x33333333, 0x22222222), ==, 0);
    g_assert_cmpuint(cr_rtcp_set_media_ssrc(buf, n, 0x11111111, 0x22222222), ==, 1);
    CrRtcpPacket pkt = only_packet(buf, n);
    CrRtcpFb fb;
    g_assert_true(cr_rtcp_parse_fb_header(&pkt, &fb));
    g_assert_cmphex(fb.media_ssrc, ==, 0x22222222);
    g_assert_cmphex(fb.sender_ssrc, ==, 0xa); /* untouched */

    n = cr_rtcp_write_pli(buf, sizeof buf, 0xa, 0x11111111);
    g_assert_cmpuint(cr_rtcp_set_media_ssrc(buf, n, 0x11111111, 0x44), ==, 1);
    g_assert_cmpmem(buf + 8, 4, "\x00\x00\x00\x44", 4);

    /* FIR: the entries carry the SSRCs; the header's 0 stays. */
    static const CrRtcpFirEntry entries[] = {{0x11, 1}, {0x55, 2}, {0x11, 3}};
    n = cr_rtcp_write_fir(buf, sizeof buf, 0xa, entries, 3);
    g_assert_cmpuint(cr_rtcp_set_media_ssrc(buf, n, 0x11, 0x99), ==, 2);
    pkt = only_packet(buf, n);
    guint32 sender;
    CrRtcpFirEntry back[3];
    gsize count;
    g_assert_true(cr_rtcp_parse_fir(&pkt, &sender, back, 3, &count));
    g_assert_cmphex(back[0].ssrc, ==, 0x99);
    g_assert_cmphex(back[1].ssrc, ==, 0x55);
    g_assert_cmphex(back[2].ssrc, ==, 0x99);
    g_assert_cmpuint(back[2].seq_nr, ==, 3);
    g_assert_true(cr_rtcp_parse_fb_header(&pkt, &fb));
    g_assert_cmphex(fb.media_ssrc, ==, 0);

    /* REMB: the SSRC list. */
    static const guint32 ssrcs[] = {0x11, 0x12, 0x11};
    n = cr_rtcp_write_remb(buf, sizeof buf, 0xa, 64000, ssrcs, 3);
    g_assert_cmpuint(cr_rtcp_set_media_ssrc(buf, n, 0x11, 0x77), ==, 2);
    pkt = only_packet(buf, n);
    CrRtcpRemb remb;
    g_assert_true(cr_rtcp_parse_remb(&pkt, &remb));
    g_assert_cmphex(remb.ssrcs[0], ==, 0x77);
    g_assert_cmphex(remb.ssrcs[1], ==, 0x12);
    g_assert_cmphex(remb.ssrcs[2], ==, 0x77);
    /* A REMB claiming more SSRCs than it holds is clipped, not overrun. */
    buf[16] = 200;
    g_assert_cmpuint(cr_rtcp_set_media_ssrc(buf, n, 0x12, 0x13), ==, 1);

    /* Not feedback, or too short: nothing. */
    memcpy(buf, chrome_rr, 32);
    g_assert_cmpuint(cr_rtcp_set_media_ssrc(buf, 32, 0x5eed1234, 1), ==, 0);
    g_assert_cmpmem(buf, 32, chrome_rr, 32);
    n = cr_rtcp_write_pli(buf, sizeof buf, 0xa, 0x11);
    g_assert_cmpuint(cr_rtcp_set_media_ssrc(buf, 11, 0x11, 1), ==, 0);
    g_assert_cmpuint(cr_rtcp_set_media_ssrc(NULL, 0, 0x11, 1), ==, 0);
}

/* RFC 3550 §6.4.1's own example, then Chrome's report block against our
 * SR, the wrap of the middle 32 bits, rounding and nonsense. */
static void
test_rtt(void)
{
    guint32 rtt = 99;
    /* A = 0xb710:8000 (46864.500 s), LSR = 0xb705:2000 (46853.125 s),
     * DLSR = 0x0005:4000 (5.250 s): A - LSR - DLSR = 0x0006:2000, 6.125 s. */
    g_assert_true(cr_rtcp_rtt(0xb7108000, 0xb7052000, 0x00054000, &rtt));
    g_assert_cmphex(rtt, ==, 0x00062000);
    g_assert_cmpint(cr_rtcp_q16_to_us(rtt), ==, 6125000);

    /* The block of chrome_rr (LSR 0x8f5c28f6, DLSR 1.5 s) reaching us
     * 1.5 s + 100 ms after that SR left: 100 ms. */
    CrRtcpPacket pkts[2];
    g_assert_cmpuint(iterate_all(chrome_rr, sizeof chrome_rr, pkts, 2), ==, 2);
    CrRtcpRr rr;
    g_assert_true(cr_rtcp_parse_rr(&pkts[0], &rr));
    const CrRtcpReportBlock *b = &rr.reports[0];
    g_assert_true(cr_rtcp_rtt(b->lsr + b->dlsr + 6554, b->lsr, b->dlsr, &rtt));
    g_assert_cmpuint(rtt, ==, 6554);
    g_assert_cmpint(cr_rtcp_q16_to_us(rtt), ==, 100006);

    /* The middle 32 bits wrap every 65536 s: an SR just before, the
     * report just after. 0x20 + 0x10000 - 0xfffffff0 - 0x8000 = 0x8030. */
    g_assert_true(cr_rtcp_rtt(0x00000020 + 0x10000, 0xfffffff0, 0x8000, &rtt));
    g_assert_cmphex(rtt, ==, 0x8030);

    /* Loopback: DLSR a little more than A - LSR from rounding gives 0;
     * exactly the slack still does, one more does not. */
    g_assert_true(cr_rtcp_rtt(0x10000100, 0x10000000, 0x102, &rtt));
    g_assert_cmpuint(rtt, ==, 0);
    g_assert_true(cr_rtcp_rtt(0x10000100, 0x10000000, 0x100 + CR_RTCP_RTT_SLACK, &rtt));
    g_assert_cmpuint(rtt, ==, 0);
    rtt = 99;
    g_assert_false(cr_rtcp_rtt(0x10000100, 0x10000000, 0x100 + CR_RTCP_RTT_SLACK + 1, &rtt));
    g_assert_cmpuint(rtt, ==, 0);

    /* No SR seen yet (LSR 0); a report "before" our SR (clock stepped
     * back, or an LSR that is not ours). */
    g_assert_false(cr_rtcp_rtt(0x12345678, 0, 0, &rtt));
    g_assert_false(cr_rtcp_rtt(0x10000000, 0x10000100, 0, &rtt));
    g_assert_false(cr_rtcp_rtt(0x10000000, 0x90000000, 0, &rtt)); /* 2^31 ahead */
    /* Exactly at the half: still a (very long) round trip. */
    g_assert_true(cr_rtcp_rtt(0x7fffffff + 1u, 1, 0, &rtt));
    g_assert_cmphex(rtt, ==, 0x7fffffff);

    /* The LSR form of an NTP timestamp, and the conversion's rounding. */
    g_assert_cmphex(cr_rtcp_ntp_middle32(G_GUINT64_CONSTANT(0xb7108000abcd1234)), ==,
                    0x8000abcd);
    g_assert_cmpint(cr_rtcp_q16_to_us(1), ==, 15);  /* 15.26 µs */
    g_assert_cmpint(cr_rtcp_q16_to_us(0x10000), ==, G_USEC_PER_SEC);
    g_assert_cmpint(cr_rtcp_q16_to_us(G_MAXUINT32), ==, G_GINT64_CONSTANT(65535999985));
}

/* NTP timestamps to microseconds: whole seconds and the 2^-32 fraction. */
static void
test_ntp_to_us(void)
{
    g_assert_cmpint(cr_ntp_to_us(0), ==, 0);
    g_assert_cmpint(cr_ntp_to_us(G_GUINT64_CONSTANT(3913056000) << 32), ==,
                    G_GINT64_CONSTANT(3913056000000000));
    g_assert_cmpint(cr_ntp_to_us((G_GUINT64_CONSTANT(3913056000) << 32) | 0x80000000u), ==,
                    G_GINT64_CONSTANT(3913056000500000));
    /* One fraction unit is 0.23 ns: below a microsecond, rounded down. */
    g_assert_cmpint(cr_ntp_to_us(0x0000000100000001), ==, 1000000);
    g_assert_cmpint(cr_ntp_to_us(0x00000001FFFFFFFF), ==, 1999999);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rtcp/rr/chrome", test_chrome_rr);
    g_test_add_func("/rtcp/rr/every-count", test_rr_every_count);
    g_test_add_func("/rtcp/report-block/signs", test_report_block_signs);
    g_test_add_func("/rtcp/sr/round-trip", test_sr_round_trip);
    g_test_add_func("/rtcp/sdes", test_sdes);
    g_test_add_func("/rtcp/nack", test_nack);
    g_test_add_func("/rtcp/nack/malformed", test_nack_malformed);
    g_test_add_func("/rtcp/length-field-limit", test_length_field_limit);
    g_test_add_func("/rtcp/pli", test_pli);
    g_test_add_func("/rtcp/fir", test_fir);
    g_test_add_func("/rtcp/remb", test_remb);
    g_test_add_func("/rtcp/remb/exponents", test_remb_exponents);
    g_test_add_func("/rtcp/twcc", test_twcc);
    g_test_add_func("/rtcp/compound", test_compound);
    g_test_add_func("/rtcp/iter/malformed", test_iter_malformed);
    g_test_add_func("/rtcp/readers/short-bodies", test_reader_short_bodies);
    g_test_add_func("/rtcp/set-media-ssrc", test_set_media_ssrc);
    g_test_add_func("/rtcp/rtt", test_rtt);
    g_test_add_func("/rtcp/ntp-to-us", test_ntp_to_us);
    return g_test_run();
}
