/* rtp.h — RTP packets: parse, demultiplex, header extensions, in-place
 * rewriting and keyframe detection.
 *
 * Pure functions of their bytes, any thread; nothing allocates. Implements
 * RFC 3550 §5.1 (fixed header), RFC 8285 (one- and two-byte header
 * extensions), RFC 5761 §4 and RFC 7983 §7 (demultiplexing), RFC 7741
 * §4.2–4.3 (VP8 payload) and RFC 6184 §5.2–5.8 (H.264 payload).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CR_RTP_HEADER_LEN 12 /* the fixed header, RFC 3550 §5.1 */

/* "defined by profile" values of the extension header (RFC 8285 §4.2/§4.3).
 * The two-byte form is 0x100 followed by 4 "appbits": 0x1000..0x100F. */
#define CR_RTP_EXT_ONE_BYTE      0xBEDE
#define CR_RTP_EXT_TWO_BYTE      0x1000
#define CR_RTP_EXT_TWO_BYTE_MASK 0xFFF0

typedef struct {
    guint8 version;
    guint8 padding;   /* the P bit */
    guint8 extension; /* the X bit */
    guint8 csrc_count;
    guint8 marker;
    guint8 payload_type;
    guint16 seq;
    guint32 timestamp, ssrc;
    gsize header_len;     /* incl. CSRCs and extension */
    gsize payload_offset; /* == header_len */
    gsize payload_len;    /* after removing padding */
    gsize ext_offset;     /* first byte of the extension elements; 0 without X */
    gsize ext_len;        /* bytes of extension elements (length field * 4) */
    guint16 ext_profile;  /* 0xBEDE, 0x100x, or another profile's value */
} CrRtpHeader;

typedef enum {
    CR_PACKET_UNKNOWN, /* empty, or a range we do not accept (ZRTP, TURN channel) */
    CR_PACKET_STUN,
    CR_PACKET_DTLS,
    CR_PACKET_RTP,
    CR_PACKET_RTCP,
} CrPacketKind;

/* Parses the RTP header of @len bytes at @data into @out. FALSE (and @out
 * unspecified) when: shorter than 12 bytes, version != 2, the CSRC list or
 * the extension runs past the end, or the P bit is set and the padding
 * count (last byte) is 0 or larger than what follows the header. A
 * padding-only packet (payload_len 0) is valid: Chrome probes with them. */
gboolean cr_rtp_parse(const guint8 *data, gsize len, CrRtpHeader *out);

/* RFC 5761 §4: an RTP-range first byte (version 2) with a second byte in
 * 192..223 (payload types 64–95 with the marker bit) is RTCP. Needs at
 * least the 4 bytes of an RTCP header. */
gboolean cr_rtp_is_rtcp(const guint8 *data, gsize len);

/* RFC 7983 §7, by the first byte: 0..3 STUN, 20..63 DTLS, 128..191 RTP or
 * RTCP (split by cr_rtp_is_rtcp); everything else UNKNOWN. Only a hint for
 * dispatch: each kind's parser still validates the packet. */
CrPacketKind cr_packet_kind(const guint8 *data, gsize len);

/* Finds header extension @id (1..14 one-byte, 1..255 two-byte) in @data,
 * which @h describes (cr_rtp_parse of the same bytes). On success points
 * @value into @data and sets @value_len (0 is possible in the two-byte
 * form). FALSE when absent, when the profile is neither form, or when the
 * elements are malformed before @id is reached. */
gboolean cr_rtp_find_extension(const guint8 *data, const CrRtpHeader *h, guint8 id,
                               const guint8 **value, gsize *value_len);

/* In-place writers. @data holds a packet that cr_rtp_parse accepted (so at
 * least the 12-byte fixed header); a CrRtpHeader parsed before is not
 * updated. The payload type keeps the marker bit. */
void cr_rtp_set_seq(guint8 *data, guint16 seq);
void cr_rtp_set_timestamp(guint8 *data, guint32 timestamp);
void cr_rtp_set_ssrc(guint8 *data, guint32 ssrc);
void cr_rtp_set_payload_type(guint8 *data, guint8 payload_type);

/* Overwrites the value of existing extension @id with @len bytes of
 * @value. FALSE (nothing written) when the extension is absent or its
 * length differs: elements are never added, removed or resized. */
gboolean cr_rtp_set_extension_value(guint8 *data, const CrRtpHeader *h, guint8 id,
                                    const guint8 *value, gsize len);

/* TRUE when @payload (the RTP payload, padding removed) is the first packet
 * of a VP8 key frame: S=1 and PID=0 in the payload descriptor (RFC 7741
 * §4.2) and P=0 in the VP8 payload header that follows (§4.3). */
gboolean cr_rtp_vp8_is_keyframe(const guint8 *payload, gsize len);

/* TRUE when @payload carries the start of an H.264 key frame (RFC 6184):
 * a single NAL unit of type 5 (IDR) or 7 (SPS), a STAP-A (24) aggregating
 * one, or the first fragment (S bit) of an FU-A (28) of one. A STAP-A
 * whose sizes run past the end is refused once the scan reaches them. */
gboolean cr_rtp_h264_is_keyframe(const guint8 *payload, gsize len);

/* Signed distance from @b to @a in 16-bit sequence space (RFC 3550
 * Appendix A.1 arithmetic): cr_seq_diff(0, 65535) == 1. In -32768..32767;
 * a distance of exactly half the space reads as -32768. */
static inline gint
cr_seq_diff(guint16 a, guint16 b)
{
    guint16 d = (guint16)(a - b);
    return d < 0x8000 ? (gint)d : (gint)d - 0x10000;
}

/* TRUE when @a comes after @b (cr_seq_diff(a, b) > 0). Half the space
 * apart, neither is newer. */
gboolean cr_seq_newer(guint16 a, guint16 b);

G_END_DECLS
