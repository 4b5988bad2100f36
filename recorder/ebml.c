/* ebml.c — EBML element headers and values (RFC 8794). */
#include "recorder/ebml.h"

#include <string.h>

void
cr_ebml_put_id(GByteArray *out, guint32 id)
{
    guint8 b[4];
    guint n = id > 0xFFFFFF ? 4 : id > 0xFFFF ? 3 : id > 0xFF ? 2 : 1;
    for (guint i = 0; i < n; i++)
        b[i] = (guint8)(id >> (8 * (n - 1 - i)));
    g_byte_array_append(out, b, n);
}

void
cr_ebml_encode_size(guint8 *out, guint64 value, guint width)
{
    for (guint i = 0; i < width; i++)
        out[i] = (guint8)(value >> (8 * (width - 1 - i)));
    out[0] |= (guint8)(0x80 >> (width - 1));
}

static guint
shortest_width(guint64 size)
{
    /* A vint of w bytes holds 7w bits; all ones is reserved (unknown). */
    guint w = 1;
    while (w < 8 && size >= (G_GUINT64_CONSTANT(1) << (7 * w)) - 1)
        w++;
    return w;
}

void
cr_ebml_put_size(GByteArray *out, guint64 size, guint width)
{
    guint8 b[8];
    if (width == 0)
        width = shortest_width(size);
    cr_ebml_encode_size(b, size, width);
    g_byte_array_append(out, b, width);
}

void
cr_ebml_put_uint(GByteArray *out, guint32 id, guint64 value, guint width)
{
    if (width == 0) {
        width = 1;
        while (width < 8 && value >> (8 * width) != 0)
            width++;
    }
    guint8 b[8];
    for (guint i = 0; i < width; i++)
        b[i] = (guint8)(value >> (8 * (width - 1 - i)));
    cr_ebml_put_id(out, id);
    cr_ebml_put_size(out, width, 1);
    g_byte_array_append(out, b, width);
}

void
cr_ebml_put_int(GByteArray *out, guint32 id, gint64 value)
{
    cr_ebml_put_uint(out, id, (guint64)value, 8);
}

void
cr_ebml_put_float(GByteArray *out, guint32 id, double value)
{
    guint64 bits;
    memcpy(&bits, &value, sizeof bits);
    cr_ebml_put_uint(out, id, bits, 8);
}

void
cr_ebml_put_binary(GByteArray *out, guint32 id, const guint8 *data, gsize len)
{
    cr_ebml_put_id(out, id);
    cr_ebml_put_size(out, len, 0);
    g_byte_array_append(out, data, (guint)len);
}

void
cr_ebml_put_string(GByteArray *out, guint32 id, const char *value)
{
    cr_ebml_put_binary(out, id, (const guint8 *)value, strlen(value));
}

void
cr_ebml_put_void(GByteArray *out, gsize total)
{
    g_return_if_fail(total >= 2);
    /* One id byte, then a size field that makes the total come out exact. */
    guint width = total - 1 <= 127 ? 1 : 8;
    gsize payload = total - 1 - width;
    cr_ebml_put_id(out, CR_EBML_VOID);
    cr_ebml_put_size(out, payload, width);
    guint old = out->len;
    g_byte_array_set_size(out, old + (guint)payload);
    memset(out->data + old, 0, payload);
}

gsize
cr_ebml_open_master(GByteArray *out, guint32 id)
{
    cr_ebml_put_id(out, id);
    gsize at = out->len;
    cr_ebml_put_size(out, 0, 8);
    return at;
}

void
cr_ebml_close_master(GByteArray *out, gsize size_offset)
{
    cr_ebml_encode_size(out->data + size_offset, out->len - size_offset - 8, 8);
}

gboolean
cr_ebml_read_header(const guint8 *data, gsize len, guint32 *id, guint64 *size, gsize *header_len)
{
    if (len < 2)
        return FALSE;
    /* The id keeps its marker bits; its length comes from the first byte. */
    guint id_len = 1;
    while (id_len <= 4 && !(data[0] & (0x80 >> (id_len - 1))))
        id_len++;
    if (id_len > 4 || id_len >= len)
        return FALSE;
    guint32 v = 0;
    for (guint i = 0; i < id_len; i++)
        v = v << 8 | data[i];
    guint8 first = data[id_len];
    guint size_len = 1;
    while (size_len <= 8 && !(first & (0x80 >> (size_len - 1))))
        size_len++;
    if (size_len > 8 || id_len + size_len > len)
        return FALSE;
    guint64 s = first & (0xFF >> size_len);
    gboolean all_ones = s == (guint64)(0xFF >> size_len);
    for (guint i = 1; i < size_len; i++) {
        s = s << 8 | data[id_len + i];
        all_ones = all_ones && data[id_len + i] == 0xFF;
    }
    *id = v;
    *size = all_ones ? CR_EBML_UNKNOWN_SIZE : s;
    *header_len = id_len + size_len;
    return TRUE;
}

guint64
cr_ebml_read_uint(const guint8 *data, gsize len)
{
    guint64 v = 0;
    for (gsize i = 0; i < len && i < 8; i++)
        v = v << 8 | data[i];
    return v;
}

gboolean
cr_ebml_next_child(const guint8 *data, gsize len, gsize *offset, CrEbmlChild *child)
{
    guint64 size;
    gsize hl;
    gsize off = *offset;
    if (off >= len || !cr_ebml_read_header(data + off, len - off, &child->id, &size, &hl) ||
        size > len - off - hl)
        return FALSE;
    child->value = data + off + hl;
    child->size = (gsize)size;
    child->offset = off;
    *offset = off + hl + (gsize)size;
    return TRUE;
}
