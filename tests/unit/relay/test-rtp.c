/* test-rtp.c — tests for relay/rtp.c (RFC 3550 §5.1, RFC 8285, RFC 5761
 * §4, RFC 7983 §7, RFC 7741, RFC 6184).
 *
 * Single-threaded GTest. Every packet below is written out byte by byte
 * from the RFCs' diagrams, with the fields spelled out in comments; no
 * expected value comes from the code under test.
 */
#include "relay/rtp.h"

#include <string.h>

/* A Chrome-style video packet: one-byte extensions abs-send-time (id 2),
 * transport-wide-cc (id 3) and mid (id 9), a VP8 key frame start, and 4
 * bytes of padding. */
static const guint8 chrome_packet[] = {
    0xb0, 0xe0,             /* V=2 P=1 X=1 CC=0 | M=1 PT=96 */
    0x12, 0x34,             /* seq 0x1234 */
    0x00, 0x01, 0xe2, 0x40, /* timestamp 123456 */
    0x5e, 0xed, 0x12, 0x34, /* SSRC */
    0xbe, 0xde, 0x00, 0x03, /* one-byte profile, 3 words */
    0x22, 0x12, 0x34, 0x56, /* id 2, L=2: abs-send-time 0x123456 */
    0x31, 0x01, 0x02,       /* id 3, L=1: transport-wide seq 0x0102 */
    0x90, 0x31,             /* id 9, L=0: mid "1" */
    0x00, 0x00, 0x00,       /* padding to the word */
    /* payload (offset 28): VP8 descriptor X=1 S=1 PID=0 | I=1 | M=1 pic id 0x0123 */
    0x90, 0x80, 0x81, 0x23,
    /* VP8 payload header: Size0=0 H=1 VER=0 P=0, then the key frame start code */
    0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01,
    0x00, 0x00, 0x00, 0x04, /* RTP padding, count 4 */
};
#define CHROME_HEADER_LEN  28
#define CHROME_PAYLOAD_LEN 14

static void
test_parse_minimal(void)
{
    static const guint8 pkt[] = {
        0x80, 0x6f,             /* V=2, M=0 PT=111 (Opus) */
        0xff, 0xff,             /* seq 65535 */
        0xde, 0xad, 0xbe, 0xef, /* timestamp */
        0x01, 0x02, 0x03, 0x04, /* SSRC */
        0xf8, 0xff, 0xfe,       /* payload */
    };
    CrRtpHeader h;
    g_assert_true(cr_rtp_parse(pkt, sizeof pkt, &h));
    g_assert_cmpuint(h.version, ==, 2);
    g_assert_cmpuint(h.padding, ==, 0);
    g_assert_cmpuint(h.extension, ==, 0);
    g_assert_cmpuint(h.csrc_count, ==, 0);
    g_assert_cmpuint(h.marker, ==, 0);
    g_assert_cmpuint(h.payload_type, ==, 111);
    g_assert_cmpuint(h.seq, ==, 65535);
    g_assert_cmphex(h.timestamp, ==, 0xdeadbeef);
    g_assert_cmphex(h.ssrc, ==, 0x01020304);
    g_assert_cmpuint(h.header_len, ==, 12);
    g_assert_cmpuint(h.payload_offset, ==, 12);
    g_assert_cmpuint(h.payload_len, ==, 3);
    g_assert_cmpuint(h.ext_offset, ==, 0);
    g_assert_cmpuint(h.ext_len, ==, 0);
    g_assert_cmpuint(h.ext_profile, ==, 0);

    /* The fixed header alone is a valid, empty packet. */
    g_assert_true(cr_rtp_parse(pkt, 12, &h));
    g_assert_cmpuint(h.payload_len, ==, 0);
}

static void
test_parse_chrome(void)
{
    CrRtpHeader h;
    g_assert_true(cr_rtp_parse(chrome_packet, sizeof chrome_packet, &h));
    g_assert_cmpuint(h.padding, ==, 1);
    g_assert_cmpuint(h.extension, ==, 1);
    g_assert_cmpuint(h.marker, ==, 1);
    g_assert_cmpuint(h.payload_type, ==, 96);
    g_assert_cmpuint(h.seq, ==, 0x1234);
    g_assert_cmpuint(h.timestamp, ==, 123456);
    g_assert_cmphex(h.ssrc, ==, 0x5eed1234);
    g_assert_cmphex(h.ext_profile, ==, 0xbede);
    g_assert_cmpuint(h.ext_offset, ==, 16);
    g_assert_cmpuint(h.ext_len, ==, 12);
    g_assert_cmpuint(h.header_len, ==, CHROME_HEADER_LEN);
    g_assert_cmpuint(h.payload_offset, ==, CHROME_HEADER_LEN);
    g_assert_cmpuint(h.payload_len, ==, CHROME_PAYLOAD_LEN);
    g_assert_cmpuint(CHROME_HEADER_LEN + CHROME_PAYLOAD_LEN + 4, ==, sizeof chrome_packet);
    g_assert_true(cr_rtp_vp8_is_keyframe(chrome_packet + h.payload_offset, h.payload_len));
}

static void
test_parse_csrcs(void)
{
    static const guint8 pkt[] = {
        0x82, 0x08,             /* V=2 CC=2 | PT=8 (PCMA) */
        0x00, 0x07, 0x00, 0x00, 0x00, 0xa0, 0xaa, 0xbb, 0xcc, 0xdd,
        0x11, 0x11, 0x11, 0x11, /* CSRC 1 */
        0x22, 0x22, 0x22, 0x22, /* CSRC 2 */
        0xd5, 0xd5,             /* payload */
    };
    CrRtpHeader h;
    g_assert_true(cr_rtp_parse(pkt, sizeof pkt, &h));
    g_assert_cmpuint(h.csrc_count, ==, 2);
    g_assert_cmpuint(h.header_len, ==, 20);
    g_assert_cmpuint(h.payload_len, ==, 2);
    /* Exactly the CSRCs and nothing more. */
    g_assert_true(cr_rtp_parse(pkt, 20, &h));
    g_assert_cmpuint(h.payload_len, ==, 0);
}

static void
test_parse_padding_only(void)
{
    /* Chrome's bandwidth probes: P=1 and nothing but padding. */
    guint8 pkt[12 + 255] = {0xa0, 0x7f, 0x00, 0x01};
    pkt[sizeof pkt - 1] = 255;
    CrRtpHeader h;
    g_assert_true(cr_rtp_parse(pkt, sizeof pkt, &h));
    g_assert_cmpuint(h.payload_offset, ==, 12);
    g_assert_cmpuint(h.payload_len, ==, 0);

    /* One byte of padding: the count byte alone. */
    static const guint8 one[] = {0xa0, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xaa, 0x01};
    g_assert_true(cr_rtp_parse(one, sizeof one, &h));
    g_assert_cmpuint(h.payload_len, ==, 1);
}

static void
assert_refused(const guint8 *data, gsize len)
{
    CrRtpHeader h;
    if (cr_rtp_parse(data, len, &h))
        g_error("a malformed packet of %" G_GSIZE_FORMAT " bytes was accepted", len);
}

static void
test_parse_malformed(void)
{
    guint8 pkt[64];
    memcpy(pkt, chrome_packet, sizeof chrome_packet);

    /* Short: anything under the 12-byte fixed header, and NULL. */
    for (gsize len = 0; len < 12; len++)
        assert_refused(pkt, len);
    assert_refused(NULL, 0);

    /* Version 0, 1 and 3. */
    static const guint8 versions[] = {0x00, 0x40, 0xc0};
    for (gsize i = 0; i < G_N_ELEMENTS(versions); i++) {
        guint8 bad[12] = {versions[i], 0x60};
        assert_refused(bad, sizeof bad);
    }

    /* CSRC count past the end: CC=15 needs 72 bytes, CC=1 needs 16. */
    guint8 csrc[15] = {0x8f, 0x60};
    assert_refused(csrc, sizeof csrc);
    csrc[0] = 0x81;
    assert_refused(csrc, sizeof csrc);

    /* X set but no room for the extension header. */
    guint8 xhdr[15] = {0x90, 0x60};
    assert_refused(xhdr, sizeof xhdr);

    /* Extension length past the end: 4 words declared, 3 present (the
     * chrome packet without padding, trimmed after the elements). */
    guint8 ext[28];
    memcpy(ext, chrome_packet, sizeof ext);
    ext[0] = 0x90;
    ext[15] = 4;
    assert_refused(ext, sizeof ext);
    ext[15] = 3;
    CrRtpHeader h;
    g_assert_true(cr_rtp_parse(ext, sizeof ext, &h));
    ext[14] = 0x01; /* 259 words */
    assert_refused(ext, sizeof ext);

    /* Padding count 0, and larger than the payload. */
    gsize len = sizeof chrome_packet;
    pkt[len - 1] = 0;
    assert_refused(pkt, len);
    pkt[len - 1] = CHROME_PAYLOAD_LEN + 4 + 1;
    assert_refused(pkt, len);
    pkt[len - 1] = CHROME_PAYLOAD_LEN + 4; /* exactly the payload: padding only */
    g_assert_true(cr_rtp_parse(pkt, len, &h));
    g_assert_cmpuint(h.payload_len, ==, 0);

    /* P set on a header-only packet: the count byte would be a header byte. */
    guint8 bare[12] = {0xa0, 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    assert_refused(bare, sizeof bare);
}

static void
test_parse_every_prefix(void)
{
    /* Every prefix either fails or parses to a consistent split. */
    for (gsize len = 0; len <= sizeof chrome_packet; len++) {
        CrRtpHeader h;
        guint8 *copy = g_memdup2(chrome_packet, len);
        if (cr_rtp_parse(copy, len, &h)) {
            g_assert_cmpuint(len, >=, CHROME_HEADER_LEN);
            g_assert_cmpuint(h.payload_offset + h.payload_len, <=, len);
            gsize pad = len - h.payload_offset - h.payload_len;
            g_assert_cmpuint(pad, ==, copy[len - 1]);
        }
        g_free(copy);
    }
}

static void
test_demux(void)
{
    static const struct {
        guint8 b0, b1;
        CrPacketKind kind;
    } cases[] = {
        {0x00, 0x01, CR_PACKET_STUN},    /* Binding Request */
        {0x01, 0x01, CR_PACKET_STUN},    /* Binding Success */
        {0x03, 0x00, CR_PACKET_STUN},
        {0x04, 0x00, CR_PACKET_UNKNOWN},
        {0x10, 0x00, CR_PACKET_UNKNOWN}, /* ZRTP */
        {0x13, 0x00, CR_PACKET_UNKNOWN},
        {0x14, 0xfe, CR_PACKET_DTLS},    /* ChangeCipherSpec */
        {0x16, 0xfe, CR_PACKET_DTLS},    /* Handshake, DTLS 1.2 */
        {0x17, 0xfe, CR_PACKET_DTLS},    /* application data */
        {0x3f, 0x00, CR_PACKET_DTLS},
        {0x40, 0x00, CR_PACKET_UNKNOWN}, /* TURN channel */
        {0x7f, 0x00, CR_PACKET_UNKNOWN},
        {0x80, 0x60, CR_PACKET_RTP},     /* PT 96 */
        {0x80, 0xe0, CR_PACKET_RTP},     /* PT 96 with the marker: 224 */
        {0x80, 0xbf, CR_PACKET_RTP},     /* PT 63 with the marker: 191 */
        {0x80, 0xc0, CR_PACKET_RTCP},    /* 192: FIR (RFC 2032) */
        {0x80, 0xc8, CR_PACKET_RTCP},    /* SR */
        {0x81, 0xc9, CR_PACKET_RTCP},    /* RR, RC=1 */
        {0x8f, 0xce, CR_PACKET_RTCP},    /* PSFB, FMT=15 */
        {0x80, 0xdf, CR_PACKET_RTCP},    /* 223 */
        {0xbf, 0xc8, CR_PACKET_RTCP},    /* 191: still version 2 */
        {0xc0, 0xc8, CR_PACKET_UNKNOWN}, /* version 3 */
        {0xff, 0x00, CR_PACKET_UNKNOWN},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        guint8 pkt[12] = {cases[i].b0, cases[i].b1};
        g_assert_cmpint(cr_packet_kind(pkt, sizeof pkt), ==, cases[i].kind);
        g_assert_cmpint(cr_rtp_is_rtcp(pkt, sizeof pkt), ==, cases[i].kind == CR_PACKET_RTCP);
    }
    static const guint8 rr[] = {0x80, 0xc9, 0x00, 0x01};
    g_assert_true(cr_rtp_is_rtcp(rr, 4));
    g_assert_false(cr_rtp_is_rtcp(rr, 3)); /* shorter than an RTCP header */
    g_assert_cmpint(cr_packet_kind(rr, 3), ==, CR_PACKET_RTP);
    g_assert_cmpint(cr_packet_kind(rr, 0), ==, CR_PACKET_UNKNOWN);
    g_assert_cmpint(cr_packet_kind(NULL, 0), ==, CR_PACKET_UNKNOWN);
    g_assert_false(cr_rtp_is_rtcp(NULL, 0));
}

/* Looks up @id and checks its value against @expected (NULL: absent). */
static void
assert_ext(const guint8 *pkt, const CrRtpHeader *h, guint8 id, const char *expected,
           gsize expected_len)
{
    const guint8 *value = NULL;
    gsize value_len = 0;
    gboolean found = cr_rtp_find_extension(pkt, h, id, &value, &value_len);
    if (expected == NULL) {
        g_assert_false(found);
        return;
    }
    g_assert_true(found);
    g_assert_cmpmem(value, value_len, expected, expected_len);
}

static void
test_ext_one_byte(void)
{
    CrRtpHeader h;
    g_assert_true(cr_rtp_parse(chrome_packet, sizeof chrome_packet, &h));
    assert_ext(chrome_packet, &h, 2, "\x12\x34\x56", 3);
    assert_ext(chrome_packet, &h, 3, "\x01\x02", 2);
    assert_ext(chrome_packet, &h, 9, "1", 1);
    for (guint8 id = 0; id < 16; id++) {
        if (id != 2 && id != 3 && id != 9)
            assert_ext(chrome_packet, &h, id, NULL, 0);
    }
    assert_ext(chrome_packet, &h, 255, NULL, 0); /* not a one-byte id */

    /* Padding between elements; id 14 with 16 bytes (L=15). */
    guint8 pkt[12 + 4 + 24] = {0x90, 0x60};
    static const guint8 ext[] = {
        0xbe, 0xde, 0x00, 0x06, 0x00, 0x00, 0x10, 0xaa, 0x00, 0xef, 'a', 'b', 'c', 'd',
        'e',  'f',  'g',  'h',  'i',  'j',  'k',  'l',  'm',  'n',  'o', 'p', 0x00, 0x00,
    };
    memcpy(pkt + 12, ext, sizeof ext);
    g_assert_true(cr_rtp_parse(pkt, sizeof pkt, &h));
    assert_ext(pkt, &h, 1, "\xaa", 1);
    assert_ext(pkt, &h, 14, "abcdefghijklmnop", 16);

    /* Id 15 ends processing: what comes after it is not seen. */
    pkt[16 + 2] = 0xf0;
    assert_ext(pkt, &h, 1, NULL, 0);
    assert_ext(pkt, &h, 14, NULL, 0);
    pkt[16 + 2] = 0x10;
    pkt[16 + 4] = 0xf3; /* after id 1, before id 14 */
    assert_ext(pkt, &h, 1, "\xaa", 1);
    assert_ext(pkt, &h, 14, NULL, 0);
    /* Id 0 with a length is not padding: stop there too. */
    pkt[16 + 4] = 0x05;
    assert_ext(pkt, &h, 14, NULL, 0);
    pkt[16 + 4] = 0x00;
    assert_ext(pkt, &h, 14, "abcdefghijklmnop", 16);
    /* An element running past the extension: moved to byte 8, L=15 needs
     * 16 bytes where 15 are left. */
    pkt[16 + 5] = pkt[16 + 6] = pkt[16 + 7] = 0x00;
    pkt[16 + 8] = 0xef;
    assert_ext(pkt, &h, 14, NULL, 0);
    assert_ext(pkt, &h, 1, "\xaa", 1);
}

static void
test_ext_two_byte(void)
{
    guint8 pkt[12 + 4 + 16 + 2] = {0x90, 0x60};
    static const guint8 ext[] = {
        0x10, 0x00, 0x00, 0x04, /* two-byte profile, appbits 0, 4 words */
        0x01, 0x00,             /* id 1, zero length */
        0x00,                   /* padding */
        0xff, 0x03, 'x', 'y', 'z', /* id 255, 3 bytes */
        0x0f, 0x11,             /* id 15 (fine in this form), 17 bytes */
    };
    memcpy(pkt + 12, ext, sizeof ext);
    pkt[sizeof pkt - 2] = 0xaa;
    pkt[sizeof pkt - 1] = 0xbb;
    CrRtpHeader h;
    g_assert_true(cr_rtp_parse(pkt, sizeof pkt, &h));
    g_assert_cmphex(h.ext_profile, ==, 0x1000);
    g_assert_cmpuint(h.payload_len, ==, 2);
    assert_ext(pkt, &h, 1, "", 0);
    assert_ext(pkt, &h, 255, "xyz", 3);
    /* Id 15 claims 17 bytes where 6 are left in the extension. */
    assert_ext(pkt, &h, 15, NULL, 0);
    assert_ext(pkt, &h, 2, NULL, 0);
    pkt[16 + 9] = 0x02;
    assert_ext(pkt, &h, 15, "\0\0", 2);

    /* The appbits do not change the form (RFC 8285 §4.3). */
    pkt[13] = 0x0f;
    g_assert_true(cr_rtp_parse(pkt, sizeof pkt, &h));
    assert_ext(pkt, &h, 255, "xyz", 3);
    /* An element header cut by the end: a lone id byte. */
    pkt[16 + 15] = 0x07;
    assert_ext(pkt, &h, 7, NULL, 0);

    /* Another profile: no lookups. */
    pkt[12] = 0x12;
    g_assert_true(cr_rtp_parse(pkt, sizeof pkt, &h));
    assert_ext(pkt, &h, 1, NULL, 0);
    /* No extension at all. */
    pkt[0] = 0x80;
    g_assert_true(cr_rtp_parse(pkt, sizeof pkt, &h));
    assert_ext(pkt, &h, 1, NULL, 0);
}

static void
test_write_fields(void)
{
    guint8 pkt[sizeof chrome_packet];
    memcpy(pkt, chrome_packet, sizeof pkt);
    cr_rtp_set_seq(pkt, 0xfffe);
    cr_rtp_set_timestamp(pkt, 0xcafef00d);
    cr_rtp_set_ssrc(pkt, 0x0a0b0c0d);
    cr_rtp_set_payload_type(pkt, 0xff); /* only 7 bits are taken: 127 */
    static const guint8 expected[12] = {0xb0, 0xff, 0xff, 0xfe, 0xca, 0xfe,
                                        0xf0, 0x0d, 0x0a, 0x0b, 0x0c, 0x0d};
    g_assert_cmpmem(pkt, 12, expected, 12);
    g_assert_cmpmem(pkt + 12, sizeof pkt - 12, chrome_packet + 12, sizeof pkt - 12);

    cr_rtp_set_payload_type(pkt, 100);
    CrRtpHeader h;
    g_assert_true(cr_rtp_parse(pkt, sizeof pkt, &h));
    g_assert_cmpuint(h.payload_type, ==, 100);
    g_assert_cmpuint(h.marker, ==, 1); /* kept */
    g_assert_cmpuint(h.seq, ==, 0xfffe);
    g_assert_cmphex(h.timestamp, ==, 0xcafef00d);
    g_assert_cmphex(h.ssrc, ==, 0x0a0b0c0d);

    pkt[1] = 0x60; /* marker clear stays clear */
    cr_rtp_set_payload_type(pkt, 111);
    g_assert_cmphex(pkt[1], ==, 111);
}

static void
test_write_extension(void)
{
    guint8 pkt[sizeof chrome_packet];
    memcpy(pkt, chrome_packet, sizeof pkt);
    CrRtpHeader h;
    g_assert_true(cr_rtp_parse(pkt, sizeof pkt, &h));

    /* Rewrite the transport-wide sequence number. */
    g_assert_true(cr_rtp_set_extension_value(pkt, &h, 3, (const guint8 *)"\xbe\xef", 2));
    assert_ext(pkt, &h, 3, "\xbe\xef", 2);
    g_assert_cmphex(pkt[21], ==, 0xbe);
    g_assert_cmphex(pkt[22], ==, 0xef);
    /* Neighbours untouched. */
    assert_ext(pkt, &h, 2, "\x12\x34\x56", 3);
    assert_ext(pkt, &h, 9, "1", 1);
    g_assert_cmpmem(pkt + 23, sizeof pkt - 23, chrome_packet + 23, sizeof pkt - 23);

    /* Same length only; absent ids are not added. */
    g_assert_false(cr_rtp_set_extension_value(pkt, &h, 3, (const guint8 *)"\x01", 1));
    g_assert_false(cr_rtp_set_extension_value(pkt, &h, 3, (const guint8 *)"\x01\x02\x03", 3));
    g_assert_false(cr_rtp_set_extension_value(pkt, &h, 4, (const guint8 *)"\x01", 1));
    assert_ext(pkt, &h, 3, "\xbe\xef", 2);
    g_assert_true(cr_rtp_set_extension_value(pkt, &h, 9, (const guint8 *)"2", 1));
    assert_ext(pkt, &h, 9, "2", 1);
}

static void
test_vp8(void)
{
    static const struct {
        const char *name;
        guint8 bytes[8];
        gsize len;
        gboolean key;
    } cases[] = {
        /* No X: S=1 PID=0, then P=0. */
        {"plain-key", {0x10, 0x10, 0x02, 0x00}, 4, TRUE},
        {"plain-delta", {0x10, 0x11, 0x02, 0x00}, 4, FALSE},
        /* X, I, 7-bit picture id 0x45. */
        {"pid7-key", {0x90, 0x80, 0x45, 0x10}, 4, TRUE},
        {"pid7-delta", {0x90, 0x80, 0x45, 0x31}, 4, FALSE},
        /* X, I, M: 15-bit picture id 0x7fff; the second id byte has bit 0
         * clear, which must not be taken for the P bit. */
        {"pid15-key", {0x90, 0x80, 0xff, 0xfe, 0x10}, 5, TRUE},
        {"pid15-delta", {0x90, 0x80, 0xff, 0xfe, 0x11}, 5, FALSE},
        /* X with I, L, T and K: pic id, TL0PICIDX, TID/Y/KEYIDX. */
        {"all-fields-key", {0x90, 0xf0, 0x81, 0x02, 0x07, 0x20, 0x10}, 7, TRUE},
        {"all-fields-delta", {0x90, 0xf0, 0x81, 0x02, 0x07, 0x20, 0x01}, 7, FALSE},
        /* K alone still takes the shared byte. */
        {"k-only-key", {0x90, 0x10, 0x21, 0x10}, 4, TRUE},
        /* Not the start of the frame: S=0, or another partition. */
        {"continuation", {0x80, 0x80, 0x45, 0x10}, 4, FALSE},
        {"partition-1", {0x91, 0x80, 0x45, 0x10}, 4, FALSE},
        /* N (non-reference) does not matter. */
        {"non-reference-key", {0x30, 0x10}, 2, TRUE},
        /* Cut short: descriptor only, or inside it. */
        {"no-payload-header", {0x90, 0x80, 0x45}, 3, FALSE},
        {"x-cut", {0x90}, 1, FALSE},
        {"i-cut", {0x90, 0x80}, 2, FALSE},
        {"m-cut", {0x90, 0x80, 0x81}, 3, FALSE},
        {"l-cut", {0x90, 0x40}, 2, FALSE},
        {"empty", {0}, 0, FALSE},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        guint8 *exact = g_memdup2(cases[i].bytes, cases[i].len);
        if (cr_rtp_vp8_is_keyframe(exact, cases[i].len) != cases[i].key)
            g_error("vp8 %s: expected %d", cases[i].name, cases[i].key);
        g_free(exact);
    }
    g_assert_false(cr_rtp_vp8_is_keyframe(NULL, 0));
}

static void
test_h264(void)
{
    static const struct {
        const char *name;
        guint8 bytes[40];
        gsize len;
        gboolean key;
    } cases[] = {
        /* Single NAL units: |F|NRI|Type|. */
        {"idr", {0x65, 0x88, 0x84}, 3, TRUE},
        {"sps", {0x67, 0x42, 0xc0, 0x1f}, 4, TRUE},
        {"pps", {0x68, 0xce, 0x3c, 0x80}, 4, FALSE},
        {"non-idr", {0x41, 0x9a}, 2, FALSE},
        {"sei", {0x06, 0x05}, 2, FALSE},
        /* STAP-A (24): SPS(4) PPS(4) IDR(3), sizes big-endian. */
        {"stap-a-sps-pps-idr",
         {0x78, 0x00, 0x04, 0x67, 0x42, 0xc0, 0x1f, 0x00, 0x04, 0x68, 0xce, 0x3c, 0x80, 0x00,
          0x03, 0x65, 0x88, 0x84},
         18, TRUE},
        /* The IDR last, after non-key units. */
        {"stap-a-idr-last",
         {0x78, 0x00, 0x02, 0x06, 0x05, 0x00, 0x04, 0x68, 0xce, 0x3c, 0x80, 0x00, 0x02, 0x65,
          0x88},
         15, TRUE},
        {"stap-a-no-key", {0x78, 0x00, 0x02, 0x41, 0x9a, 0x00, 0x02, 0x06, 0x05}, 9, FALSE},
        /* A size running past the end before any key unit. */
        {"stap-a-overrun", {0x78, 0x00, 0x09, 0x68, 0xce, 0x00, 0x02, 0x65, 0x88}, 9, FALSE},
        {"stap-a-zero-size", {0x78, 0x00, 0x00, 0x00, 0x01, 0x65}, 6, FALSE},
        {"stap-a-cut-size", {0x78, 0x00, 0x02, 0x41, 0x9a, 0x00}, 6, FALSE},
        {"stap-a-empty", {0x78}, 1, FALSE},
        /* FU-A (28): indicator, then |S|E|R|Type|. */
        {"fu-a-idr-start", {0x7c, 0x85, 0xb8, 0x00}, 4, TRUE},
        {"fu-a-idr-middle", {0x7c, 0x05, 0x11}, 3, FALSE},
        {"fu-a-idr-end", {0x7c, 0x45, 0x22}, 3, FALSE},
        {"fu-a-non-idr-start", {0x5c, 0x81, 0x9a}, 3, FALSE},
        {"fu-a-cut", {0x7c}, 1, FALSE},
        {"empty", {0}, 0, FALSE},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        guint8 *exact = g_memdup2(cases[i].bytes, cases[i].len);
        if (cr_rtp_h264_is_keyframe(exact, cases[i].len) != cases[i].key)
            g_error("h264 %s: expected %d", cases[i].name, cases[i].key);
        g_free(exact);
    }
    g_assert_false(cr_rtp_h264_is_keyframe(NULL, 0));
}

static void
test_seq(void)
{
    g_assert_cmpint(cr_seq_diff(0, 65535), ==, 1);
    g_assert_cmpint(cr_seq_diff(65535, 0), ==, -1);
    g_assert_cmpint(cr_seq_diff(5, 65530), ==, 11);
    g_assert_cmpint(cr_seq_diff(7, 7), ==, 0);
    g_assert_cmpint(cr_seq_diff(1000, 10), ==, 990);
    g_assert_cmpint(cr_seq_diff(10, 1000), ==, -990);
    g_assert_cmpint(cr_seq_diff(32767, 0), ==, 32767);
    g_assert_cmpint(cr_seq_diff(32768, 0), ==, -32768);
    g_assert_cmpint(cr_seq_diff(0, 32768), ==, -32768);
    g_assert_cmpint(cr_seq_diff(0, 32769), ==, 32767);

    g_assert_true(cr_seq_newer(0, 65535));
    g_assert_false(cr_seq_newer(65535, 0));
    g_assert_true(cr_seq_newer(100, 65500));
    g_assert_false(cr_seq_newer(9, 9));
    g_assert_true(cr_seq_newer(32767, 0));
    /* Exactly half the space apart: neither is newer. */
    g_assert_false(cr_seq_newer(32768, 0));
    g_assert_false(cr_seq_newer(0, 32768));

    /* Counting forward through the wrap: each is newer than the last. */
    guint16 s = 65530;
    for (int i = 0; i < 12; i++, s++)
        g_assert_true(cr_seq_newer((guint16)(s + 1), s));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rtp/parse/minimal", test_parse_minimal);
    g_test_add_func("/rtp/parse/chrome", test_parse_chrome);
    g_test_add_func("/rtp/parse/csrcs", test_parse_csrcs);
    g_test_add_func("/rtp/parse/padding-only", test_parse_padding_only);
    g_test_add_func("/rtp/parse/malformed", test_parse_malformed);
    g_test_add_func("/rtp/parse/every-prefix", test_parse_every_prefix);
    g_test_add_func("/rtp/demux", test_demux);
    g_test_add_func("/rtp/ext/one-byte", test_ext_one_byte);
    g_test_add_func("/rtp/ext/two-byte", test_ext_two_byte);
    g_test_add_func("/rtp/write/fields", test_write_fields);
    g_test_add_func("/rtp/write/extension", test_write_extension);
    g_test_add_func("/rtp/keyframe/vp8", test_vp8);
    g_test_add_func("/rtp/keyframe/h264", test_h264);
    g_test_add_func("/rtp/seq", test_seq);
    return g_test_run();
}
