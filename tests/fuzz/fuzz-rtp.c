/* fuzz-rtp.c — libFuzzer harness for relay/rtp.c.
 *
 * Single-threaded; no main here: libFuzzer supplies one under
 * -fsanitize=fuzzer, tests/fuzz/replay-main.c in the ordinary build. The
 * seed corpus in tests/fuzz/corpus/rtp/ holds browser-like packets (Opus,
 * VP8, H.264, one- and two-byte extensions, padding, CSRCs).
 *
 * Each input is classified (demultiplexing), parsed, and when accepted:
 * every extension id 0..15 (and a few two-byte ids) is looked up, the
 * keyframe detectors run on the payload copied to an exact-size block (so
 * ASan sees any read into the padding or past it), and the in-place
 * writers run on a copy which must parse again to the written values.
 *
 * Checks, besides memory safety: the header's offsets add up to the input
 * length; found extension values lie inside the extension block; the
 * demultiplexer agrees with cr_rtp_is_rtcp; rewriting fields or an
 * extension's value changes those bytes and nothing else.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "relay/rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_header(const guint8 *data, gsize size, const CrRtpHeader *h)
{
    gsize fixed = CR_RTP_HEADER_LEN + 4 * (gsize)h->csrc_count;
    if (h->version != 2 || h->payload_offset != h->header_len || h->header_len < fixed)
        abort();
    if (h->payload_offset + h->payload_len > size)
        abort();
    gsize pad = size - h->payload_offset - h->payload_len;
    if (h->padding ? (pad == 0 || pad != data[size - 1]) : pad != 0)
        abort();
    if (h->extension) {
        if (h->ext_offset != fixed + 4 || h->ext_offset + h->ext_len != h->header_len)
            abort();
    } else if (h->header_len != fixed || h->ext_len != 0 || h->ext_offset != 0) {
        abort();
    }
}

/* Looks up @id; a found value must lie inside the extension block and fit
 * the form's length field. Returns whether it was found. */
static gboolean
check_extension(const guint8 *data, const CrRtpHeader *h, guint8 id)
{
    const guint8 *value = NULL;
    gsize value_len = 0;
    if (!cr_rtp_find_extension(data, h, id, &value, &value_len))
        return FALSE;
    const guint8 *ext = data + h->ext_offset;
    if (id == 0 || value < ext || value + value_len > ext + h->ext_len)
        abort();
    gsize max = h->ext_profile == CR_RTP_EXT_ONE_BYTE ? 16 : 255;
    if (value_len > max || (h->ext_profile == CR_RTP_EXT_ONE_BYTE && (id > 14 || value_len == 0)))
        abort();
    return TRUE;
}

/* Overwrites extension @id of @copy with its bytes reversed, then checks
 * that only those bytes changed. */
static void
check_set_extension(const guint8 *data, gsize size, guint8 *copy, const CrRtpHeader *h, guint8 id)
{
    const guint8 *value = NULL;
    gsize value_len = 0;
    if (!cr_rtp_find_extension(data, h, id, &value, &value_len))
        return;
    guint8 reversed[255];
    for (gsize i = 0; i < value_len; i++)
        reversed[i] = value[value_len - 1 - i];
    if (!cr_rtp_set_extension_value(copy, h, id, reversed, value_len))
        abort();
    if (value_len < 255 && cr_rtp_set_extension_value(copy, h, id, reversed, value_len + 1))
        abort();
    gsize at = (gsize)(value - data);
    if (memcmp(copy + at, reversed, value_len) != 0 || memcmp(copy, data, at) != 0 ||
        memcmp(copy + at + value_len, data + at + value_len, size - at - value_len) != 0)
        abort();
    memcpy(copy, data, size);
}

static void
check_writers(const guint8 *data, gsize size, const CrRtpHeader *h)
{
    guint8 *copy = g_memdup2(data, size);
    for (guint8 id = 1; id <= 15; id++)
        check_set_extension(data, size, copy, h, id);

    guint16 seq = (guint16)(h->seq ^ 0xffff);
    guint32 timestamp = h->timestamp ^ 0xffffffff;
    guint32 ssrc = h->ssrc ^ 0x5a5a5a5a;
    guint8 payload_type = (guint8)(h->payload_type + 1);
    cr_rtp_set_seq(copy, seq);
    cr_rtp_set_timestamp(copy, timestamp);
    cr_rtp_set_ssrc(copy, ssrc);
    cr_rtp_set_payload_type(copy, payload_type);
    CrRtpHeader again;
    if (!cr_rtp_parse(copy, size, &again))
        abort();
    if (again.seq != seq || again.timestamp != timestamp || again.ssrc != ssrc ||
        again.payload_type != (payload_type & 0x7f) || again.marker != h->marker ||
        again.header_len != h->header_len || again.payload_len != h->payload_len)
        abort();
    if (memcmp(copy + CR_RTP_HEADER_LEN, data + CR_RTP_HEADER_LEN, size - CR_RTP_HEADER_LEN) != 0)
        abort();
    g_free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CrPacketKind kind = cr_packet_kind(data, size);
    if (cr_rtp_is_rtcp(data, size) != (kind == CR_PACKET_RTCP))
        abort();

    CrRtpHeader h;
    if (!cr_rtp_parse(data, size, &h))
        return 0;
    if (kind != CR_PACKET_RTP && kind != CR_PACKET_RTCP)
        abort(); /* version 2 means a first byte of 128..191 */
    check_header(data, size, &h);

    for (guint id = 0; id <= 15; id++)
        check_extension(data, &h, (guint8)id);
    static const guint8 two_byte_ids[] = {16, 100, 255};
    for (gsize i = 0; i < G_N_ELEMENTS(two_byte_ids); i++)
        check_extension(data, &h, two_byte_ids[i]);

    guint8 *payload = g_memdup2(data + h.payload_offset, h.payload_len);
    (void)cr_rtp_vp8_is_keyframe(payload, h.payload_len);
    (void)cr_rtp_h264_is_keyframe(payload, h.payload_len);
    g_free(payload);

    check_writers(data, size, &h);

    if (cr_seq_diff(h.seq, h.seq) != 0 || !cr_seq_newer((guint16)(h.seq + 1), h.seq))
        abort();
    return 0;
}
