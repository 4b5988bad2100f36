/* rtp.c — see rtp.h.
 *
 * Pure, any thread; nothing here allocates. Implements RFC 3550 §5.1,
 * RFC 8285 §4.1–4.3, RFC 5761 §4, RFC 7983 §7, RFC 7741 §4.2–4.3 and
 * RFC 6184 §5.3, §5.7.1, §5.8.
 *
 * Every byte is read after an explicit check against the length it lies
 * in; multi-byte fields are assembled in network order one byte at a
 * time, never by casting a struct over the packet.
 */
#include "relay/rtp.h"

#include "common/bytes.h"

#include <string.h>

/* RFC 6184 §5.4 table 1 and §5.3: NAL unit types that matter here. */
#define NAL_TYPE_IDR   5
#define NAL_TYPE_SPS   7
#define NAL_TYPE_STAPA 24
#define NAL_TYPE_FUA   28


/* RFC 3550 §5.3.1: after the CSRCs, 16 bits "defined by profile", a 16-bit
 * length in 32-bit words (the 4-byte extension header not counted), then
 * the extension data. Advances *off past it. */
static gboolean
parse_extension(const guint8 *data, gsize len, gsize *off, CrRtpHeader *out)
{
    if (len - *off < 4)
        return FALSE;
    out->ext_profile = cr_read_be16(data + *off);
    out->ext_len = (gsize)cr_read_be16(data + *off + 2) * 4;
    out->ext_offset = *off + 4;
    if (out->ext_len > len - out->ext_offset)
        return FALSE;
    *off = out->ext_offset + out->ext_len;
    return TRUE;
}

gboolean
cr_rtp_parse(const guint8 *data, gsize len, CrRtpHeader *out)
{
    g_return_val_if_fail(out != NULL, FALSE);

    if (data == NULL || len < CR_RTP_HEADER_LEN)
        return FALSE;
    /* RFC 3550 §5.1: |V=2|P|X|CC(4)|M|PT(7)|sequence(16)|timestamp|SSRC| */
    if (data[0] >> 6 != 2)
        return FALSE;
    memset(out, 0, sizeof *out);
    out->version = 2;
    out->padding = (data[0] >> 5) & 1;
    out->extension = (data[0] >> 4) & 1;
    out->csrc_count = data[0] & 0x0f;
    out->marker = data[1] >> 7;
    out->payload_type = data[1] & 0x7f;
    out->seq = cr_read_be16(data + 2);
    out->timestamp = cr_read_be32(data + 4);
    out->ssrc = cr_read_be32(data + 8);

    gsize off = CR_RTP_HEADER_LEN + 4 * (gsize)out->csrc_count;
    if (off > len)
        return FALSE;
    if (out->extension && !parse_extension(data, len, &off, out))
        return FALSE;
    out->header_len = off;
    out->payload_offset = off;

    gsize payload_len = len - off;
    if (out->padding) {
        /* RFC 3550 §5.1: the last octet counts the padding octets, itself
         * included, so it is at least 1 and lies after the header. */
        guint8 pad = data[len - 1];
        if (pad == 0 || pad > payload_len)
            return FALSE;
        payload_len -= pad;
    }
    out->payload_len = payload_len;
    return TRUE;
}

gboolean
cr_rtp_is_rtcp(const guint8 *data, gsize len)
{
    /* RFC 5761 §4: RTCP packet types 192..223 sit where RTP payload types
     * 64..95 with the marker bit would; those are not used for RTP. */
    if (data == NULL || len < 4)
        return FALSE;
    return data[0] >> 6 == 2 && data[1] >= 192 && data[1] <= 223;
}

CrPacketKind
cr_packet_kind(const guint8 *data, gsize len)
{
    if (data == NULL || len == 0)
        return CR_PACKET_UNKNOWN;
    /* RFC 7983 §7: 0..3 STUN, 16..19 ZRTP, 20..63 DTLS, 64..79 TURN
     * channel, 128..191 RTP/RTCP. We take no ZRTP, and ICE (libnice)
     * removes TURN framing before we see a packet. */
    guint8 b = data[0];
    if (b <= 3)
        return CR_PACKET_STUN;
    if (b >= 20 && b <= 63)
        return CR_PACKET_DTLS;
    if (b >= 128 && b <= 191)
        return cr_rtp_is_rtcp(data, len) ? CR_PACKET_RTCP : CR_PACKET_RTP;
    return CR_PACKET_UNKNOWN;
}

/* RFC 8285 §4.2: elements are |ID(4)|L(4)| then L+1 bytes. A zero byte is
 * padding; ID 15 ends processing; ID 0 with a length is not padding and
 * cannot be read past (as libwebrtc, we stop there). */
static gboolean
find_one_byte(const guint8 *ext, gsize ext_len, guint8 id, const guint8 **value, gsize *value_len)
{
    gsize off = 0;
    while (off < ext_len) {
        guint8 b = ext[off];
        if (b == 0) {
            off++;
            continue;
        }
        guint8 el_id = b >> 4;
        gsize el_len = (gsize)(b & 0x0f) + 1;
        if (el_id == 15 || el_id == 0 || el_len > ext_len - off - 1)
            return FALSE;
        if (el_id == id) {
            *value = ext + off + 1;
            *value_len = el_len;
            return TRUE;
        }
        off += 1 + el_len;
    }
    return FALSE;
}

/* RFC 8285 §4.3: elements are |ID(8)|L(8)| then L bytes (L may be 0). A
 * zero byte is padding (§4.1). */
static gboolean
find_two_byte(const guint8 *ext, gsize ext_len, guint8 id, const guint8 **value, gsize *value_len)
{
    gsize off = 0;
    while (off < ext_len) {
        guint8 el_id = ext[off];
        if (el_id == 0) {
            off++;
            continue;
        }
        if (ext_len - off < 2)
            return FALSE;
        gsize el_len = ext[off + 1];
        if (el_len > ext_len - off - 2)
            return FALSE;
        if (el_id == id) {
            *value = ext + off + 2;
            *value_len = el_len;
            return TRUE;
        }
        off += 2 + el_len;
    }
    return FALSE;
}

gboolean
cr_rtp_find_extension(const guint8 *data, const CrRtpHeader *h, guint8 id, const guint8 **value,
                      gsize *value_len)
{
    g_return_val_if_fail(data != NULL && h != NULL, FALSE);
    g_return_val_if_fail(value != NULL && value_len != NULL, FALSE);

    if (!h->extension || id == 0)
        return FALSE;
    const guint8 *ext = data + h->ext_offset;
    if (h->ext_profile == CR_RTP_EXT_ONE_BYTE)
        return id <= 14 && find_one_byte(ext, h->ext_len, id, value, value_len);
    if ((h->ext_profile & CR_RTP_EXT_TWO_BYTE_MASK) == CR_RTP_EXT_TWO_BYTE)
        return find_two_byte(ext, h->ext_len, id, value, value_len);
    return FALSE;
}

void
cr_rtp_set_seq(guint8 *data, guint16 seq)
{
    cr_write_be16(data + 2, seq);
}

void
cr_rtp_set_timestamp(guint8 *data, guint32 timestamp)
{
    cr_write_be32(data + 4, timestamp);
}

void
cr_rtp_set_ssrc(guint8 *data, guint32 ssrc)
{
    cr_write_be32(data + 8, ssrc);
}

void
cr_rtp_set_payload_type(guint8 *data, guint8 payload_type)
{
    /* RFC 3550 §5.1: |M|PT(7)|; the marker bit stays. */
    data[1] = (guint8)((data[1] & 0x80) | (payload_type & 0x7f));
}

gboolean
cr_rtp_set_extension_value(guint8 *data, const CrRtpHeader *h, guint8 id, const guint8 *value,
                           gsize len)
{
    const guint8 *current = NULL;
    gsize current_len = 0;
    if (!cr_rtp_find_extension(data, h, id, &current, &current_len) || current_len != len)
        return FALSE;
    if (len > 0)
        memmove(data + (current - data), value, len);
    return TRUE;
}

/* Length of the VP8 payload descriptor at @p (RFC 7741 §4.2), or 0 when it
 * runs past @len:
 *      |X|R|N|S|R| PID |
 *   X: |I|L|T|K| RSV   |
 *   I: |M| PictureID   |  (+1 byte when M: 15-bit picture id)
 *   L: |   TL0PICIDX   |
 * T/K: |TID|Y| KEYIDX  |  (one byte shared by T and K) */
static gsize
vp8_descriptor_len(const guint8 *p, gsize len)
{
    gsize off = 1;
    if (p[0] & 0x80) {
        if (off >= len)
            return 0;
        guint8 x = p[off++];
        if (x & 0x80) {
            if (off >= len)
                return 0;
            off += (p[off] & 0x80) ? 2 : 1;
        }
        if (x & 0x40)
            off++;
        if (x & 0x30)
            off++;
    }
    return off <= len ? off : 0;
}

gboolean
cr_rtp_vp8_is_keyframe(const guint8 *payload, gsize len)
{
    if (payload == NULL || len == 0)
        return FALSE;
    /* S=1 and PID=0: the start of the frame's first partition. */
    if ((payload[0] & 0x10) == 0 || (payload[0] & 0x07) != 0)
        return FALSE;
    gsize off = vp8_descriptor_len(payload, len);
    if (off == 0 || off >= len)
        return FALSE;
    /* RFC 7741 §4.3: |Size0|H|VER|P|; P is the inverse key frame flag. */
    return (payload[off] & 0x01) == 0;
}

static gboolean
h264_is_key_nal_type(guint8 type)
{
    return type == NAL_TYPE_IDR || type == NAL_TYPE_SPS;
}

/* RFC 6184 §5.7.1: after the STAP-A NAL header, units of |size(16)|NALU|. */
static gboolean
stap_a_has_key(const guint8 *p, gsize len)
{
    gsize off = 0;
    while (off < len) {
        if (len - off < 2)
            return FALSE;
        gsize size = cr_read_be16(p + off);
        off += 2;
        if (size == 0 || size > len - off)
            return FALSE;
        if (h264_is_key_nal_type(p[off] & 0x1f))
            return TRUE;
        off += size;
    }
    return FALSE;
}

gboolean
cr_rtp_h264_is_keyframe(const guint8 *payload, gsize len)
{
    if (payload == NULL || len == 0)
        return FALSE;
    /* RFC 6184 §5.3: the NAL unit header is |F|NRI(2)|Type(5)|. */
    guint8 type = payload[0] & 0x1f;
    if (type == NAL_TYPE_STAPA)
        return stap_a_has_key(payload + 1, len - 1);
    if (type == NAL_TYPE_FUA) {
        /* RFC 6184 §5.8: FU indicator, then FU header |S|E|R|Type(5)|. */
        if (len < 2)
            return FALSE;
        return (payload[1] & 0x80) != 0 && h264_is_key_nal_type(payload[1] & 0x1f);
    }
    return h264_is_key_nal_type(type);
}

gboolean
cr_seq_newer(guint16 a, guint16 b)
{
    return cr_seq_diff(a, b) > 0;
}
