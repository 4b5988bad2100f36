/* rtcp.h — RTCP: walk a compound packet, read the packets an SFU acts on,
 * build the ones it sends, and rewrite media SSRCs in feedback.
 *
 * Pure functions of their bytes, any thread; nothing allocates. Implements
 * RFC 3550 §6.1, §6.4 (SR, RR), §6.5 (SDES CNAME) and Appendix A.2
 * (header validity), RFC 4585 §6.1–6.3 (feedback header, NACK, PLI), RFC
 * 5104 §4.3.1 (FIR), draft-alvestrand-rmcat-remb-03 §2.2 (REMB), and
 * identifies transport-wide congestion control feedback
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1) without
 * interpreting it. RFC 5506 reduced-size RTCP (a packet not starting with
 * SR/RR) is accepted: the iterator checks framing, not composition.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Packet types (RFC 3550 §12.1, RFC 4585 §6.1). */
enum {
    CR_RTCP_SR = 200,
    CR_RTCP_RR = 201,
    CR_RTCP_SDES = 202,
    CR_RTCP_BYE = 203,
    CR_RTCP_APP = 204,
    CR_RTCP_RTPFB = 205,
    CR_RTCP_PSFB = 206,
};

/* Feedback message types, the FMT field (RFC 4585 §6.2, §6.3; RFC 5104
 * §4.3.1; the REMB draft; the transport-cc draft). */
enum {
    CR_RTCP_RTPFB_NACK = 1,
    CR_RTCP_RTPFB_TWCC = 15,
    CR_RTCP_PSFB_PLI = 1,
    CR_RTCP_PSFB_FIR = 4,
    CR_RTCP_PSFB_AFB = 15, /* application layer feedback: REMB */
};

#define CR_RTCP_HEADER_LEN        4
#define CR_RTCP_MAX_REPORT_BLOCKS 31  /* the 5-bit RC field */
#define CR_RTCP_MAX_REMB_SSRCS    255 /* the 8-bit Num SSRC field */
#define CR_RTCP_MAX_CNAME_LEN     255 /* the 8-bit SDES item length */

typedef struct {
    const guint8 *data;
    gsize len;
    gsize offset;       /* of the next packet */
    gboolean malformed; /* set when iteration stopped on bad framing */
} CrRtcpIter;

typedef struct {
    guint8 version;
    guint8 padding;     /* the P bit */
    guint8 count;       /* RC, SC or FMT: the 5 low bits of the first byte */
    guint8 packet_type; /* 200 SR, 201 RR, ... 206 PSFB */
    gsize length;       /* on the wire, in bytes: (length field + 1) * 4 */
    gsize offset;       /* of the packet in the iterated buffer */
    const guint8 *data; /* the packet, header included */
    gsize len;          /* bytes to read: length minus any padding */
} CrRtcpPacket;

typedef struct {
    guint32 ssrc; /* the source reported on */
    guint8 fraction_lost;
    gint32 cumulative_lost; /* 24-bit signed on the wire */
    guint32 highest_seq;    /* extended highest sequence number received */
    guint32 jitter;
    guint32 lsr;  /* middle 32 bits of the last SR's NTP timestamp */
    guint32 dlsr; /* delay since that SR, 1/65536 s */
} CrRtcpReportBlock;

typedef struct {
    guint32 ssrc; /* of the sender */
    guint64 ntp_timestamp;
    guint32 rtp_timestamp;
    guint32 packet_count;
    guint32 octet_count;
    guint n_reports;
    CrRtcpReportBlock reports[CR_RTCP_MAX_REPORT_BLOCKS];
} CrRtcpSr;

typedef struct {
    guint32 ssrc; /* of the packet sender */
    guint n_reports;
    CrRtcpReportBlock reports[CR_RTCP_MAX_REPORT_BLOCKS];
} CrRtcpRr;

typedef enum {
    CR_RTCP_FB_OTHER, /* a feedback message we do not act on */
    CR_RTCP_FB_NACK,  /* RTPFB 1 */
    CR_RTCP_FB_TWCC,  /* RTPFB 15, transport-wide congestion control */
    CR_RTCP_FB_PLI,   /* PSFB 1 */
    CR_RTCP_FB_FIR,   /* PSFB 4 */
    CR_RTCP_FB_REMB,  /* PSFB 15 with the 'REMB' identifier */
} CrRtcpFbKind;

typedef struct {
    CrRtcpFbKind kind;
    guint8 packet_type; /* 205 or 206 */
    guint8 fmt;
    guint32 sender_ssrc;
    guint32 media_ssrc;
    const guint8 *fci; /* feedback control information, after the header */
    gsize fci_len;
} CrRtcpFb;

typedef struct {
    guint32 ssrc; /* the media sender asked for a decoder refresh */
    guint8 seq_nr;
} CrRtcpFirEntry;

typedef struct {
    guint32 sender_ssrc;
    guint8 exp;       /* 6 bits */
    guint32 mantissa; /* 18 bits */
    guint64 bitrate;  /* mantissa * 2^exp bit/s, saturated at G_MAXUINT64 */
    guint n_ssrcs;
    guint32 ssrcs[CR_RTCP_MAX_REMB_SSRCS];
} CrRtcpRemb;

/* Iterates over the packets of the compound packet at @data. */
void cr_rtcp_iter_init(CrRtcpIter *it, const guint8 *data, gsize len);

/* Fills @out with the next packet and returns TRUE; FALSE at the end. It
 * stops for good with it->malformed set when (RFC 3550 §6.4.1, A.2): fewer
 * than 4 bytes are left, the version is not 2, the length field runs past
 * the end, the P bit is set on a packet that is not the last one, or the
 * padding count (last byte) is 0 or more than the packet's body. */
gboolean cr_rtcp_iter_next(CrRtcpIter *it, CrRtcpPacket *out);

/* RFC 3550 §6.4.1/§6.4.2. FALSE on another packet type or when the body is
 * shorter than the report count says. Bytes after the report blocks
 * (profile-specific extensions) are ignored. */
gboolean cr_rtcp_parse_sr(const CrRtcpPacket *pkt, CrRtcpSr *out);
gboolean cr_rtcp_parse_rr(const CrRtcpPacket *pkt, CrRtcpRr *out);

/* The first CNAME in an SDES packet (RFC 3550 §6.5.1): its chunk's SSRC and
 * the text (not NUL-terminated, pointing into the packet). FALSE when no
 * chunk has one or a chunk is malformed before it is found. */
gboolean cr_rtcp_parse_sdes_cname(const CrRtcpPacket *pkt, guint32 *ssrc, const guint8 **cname,
                                  gsize *cname_len);

/* Reads the common feedback header (RFC 4585 §6.1) of an RTPFB or PSFB
 * packet and names its kind: NACK, TWCC, PLI, FIR, REMB or OTHER. The
 * kind's own reader checks its FCI; a PLI has none to check. */
gboolean cr_rtcp_parse_fb_header(const CrRtcpPacket *pkt, CrRtcpFb *out);

/* Expands a Generic NACK (RFC 4585 §6.2.1): each PID, then PID+i+1 for
 * every bit i set in its BLP, in packet order, into @lost_seqs (at most
 * @max; more are dropped) and sets *n. FALSE when not a NACK or the FCI is
 * empty or not a multiple of 4 bytes. */
gboolean cr_rtcp_parse_nack(const CrRtcpPacket *pkt, guint32 *sender_ssrc, guint32 *media_ssrc,
                            guint16 *lost_seqs, gsize max, gsize *n);

/* The FCI entries of a FIR (RFC 5104 §4.3.1.1), at most @max of them.
 * FALSE when not a FIR or the FCI is empty or not a multiple of 8 bytes. */
gboolean cr_rtcp_parse_fir(const CrRtcpPacket *pkt, guint32 *sender_ssrc, CrRtcpFirEntry *entries,
                           gsize max, gsize *n);

/* REMB (draft-alvestrand-rmcat-remb-03 §2.2). FALSE when not a REMB or the
 * SSRC count runs past the packet. */
gboolean cr_rtcp_parse_remb(const CrRtcpPacket *pkt, CrRtcpRemb *out);

/* The round-trip time from a report block about one of our streams (RFC
 * 3550 §6.4.1): RTT = A - LSR - DLSR, all in 1/65536 s, where A is when
 * the report arrived as the middle 32 bits of an NTP timestamp on the
 * clock that stamped our SR (see cr_rtcp_ntp_middle32). Arithmetic is
 * modulo 2^32, so it holds across the 18-hour wrap of the middle bits.
 * A result a little below zero (at most CR_RTCP_RTT_SLACK) is rounding
 * on a very short path (LSR and A are truncated, DLSR is the reporter's
 * own rounding) and gives 0. FALSE when LSR is 0 (the reporter has had
 * no SR yet), or when A - LSR - DLSR is further below zero or A - LSR
 * is more than half the modulus: a stepped clock or a report on an SR
 * that is not ours. */
#define CR_RTCP_RTT_SLACK 66 /* ~1 ms in 1/65536 s */
gboolean cr_rtcp_rtt(guint32 arrival_ntp_middle32, guint32 lsr, guint32 dlsr, guint32 *rtt_q16);

/* The middle 32 bits of a 64-bit NTP timestamp: the LSR form (§6.4.1). */
static inline guint32
cr_rtcp_ntp_middle32(guint64 ntp)
{
    return (guint32)(ntp >> 16);
}

/* A 64-bit NTP timestamp (seconds since 1900 . 2^-32 fraction) in
 * microseconds since 1900. */
static inline gint64
cr_ntp_to_us(guint64 ntp)
{
    return (gint64)(ntp >> 32) * G_USEC_PER_SEC +
           (gint64)(((ntp & 0xFFFFFFFFu) * G_USEC_PER_SEC) >> 32);
}

/* 1/65536 s to microseconds, rounded to nearest. */
static inline gint64
cr_rtcp_q16_to_us(guint32 q16)
{
    return (gint64)(((guint64)q16 * G_USEC_PER_SEC + 32768) >> 16);
}

/* Builders: each writes one packet at @buf and returns its length in
 * bytes, or 0 (and @buf left unspecified) when it does not fit in @cap or
 * the input cannot be encoded. Concatenate them for a compound packet,
 * which RFC 3550 §6.1 wants to start with an SR or RR and to carry an
 * SDES CNAME (unless RFC 5506 reduced size was negotiated). */
gsize cr_rtcp_write_sr(guint8 *buf, gsize cap, const CrRtcpSr *sr);
gsize cr_rtcp_write_rr(guint8 *buf, gsize cap, const CrRtcpRr *rr);

/* One chunk (@ssrc, CNAME @cname of @cname_len <= 255 bytes, END). */
gsize cr_rtcp_write_sdes_cname(guint8 *buf, gsize cap, guint32 ssrc, const char *cname,
                               gsize cname_len);

/* Packs @n lost sequence numbers, in RTP order (wrap-aware, oldest
 * first), into PID/BLP pairs: a seq within 16 after the current PID goes
 * into its BLP, anything else starts a new pair. Duplicates are folded;
 * an unsorted list still encodes every seq, in more pairs. 0 when @n is 0. */
gsize cr_rtcp_write_nack(guint8 *buf, gsize cap, guint32 sender_ssrc, guint32 media_ssrc,
                         const guint16 *lost_seqs, gsize n);

gsize cr_rtcp_write_pli(guint8 *buf, gsize cap, guint32 sender_ssrc, guint32 media_ssrc);

/* The header's media SSRC is 0 as RFC 5104 §4.3.1.2 requires; @n >= 1. */
gsize cr_rtcp_write_fir(guint8 *buf, gsize cap, guint32 sender_ssrc, const CrRtcpFirEntry *entries,
                        gsize n);

/* @bitrate is rounded down to 18 significant bits; @n <= 255. */
gsize cr_rtcp_write_remb(guint8 *buf, gsize cap, guint32 sender_ssrc, guint64 bitrate,
                         const guint32 *ssrcs, gsize n);

/* Rewrites in place every media-source SSRC equal to @from in one
 * feedback packet (RTPFB or PSFB) to @to: the header's media source field
 * (RFC 4585 §6.1), each FIR entry's SSRC (RFC 5104 §4.3.1.1, where the
 * header field is 0) and the REMB SSRC list. @data and @len are the
 * packet's bytes in a writable buffer (buffer + pkt.offset, pkt.len).
 * Returns how many SSRCs were rewritten; 0 for other packets. The sender
 * SSRC is not touched. */
guint cr_rtcp_set_media_ssrc(guint8 *data, gsize len, guint32 from, guint32 to);

G_END_DECLS
