/* base64url.c — see base64url.h. RFC 4648 §5. */
#include "common/base64url.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *
cr_base64url_encode(const guint8 *data, gsize len)
{
    GString *out = g_string_sized_new(len * 4 / 3 + 4);
    gsize i = 0;
    for (; i + 2 < len; i += 3) {
        guint32 v = (guint32)data[i] << 16 | (guint32)data[i + 1] << 8 | data[i + 2];
        g_string_append_c(out, alphabet[(v >> 18) & 63]);
        g_string_append_c(out, alphabet[(v >> 12) & 63]);
        g_string_append_c(out, alphabet[(v >> 6) & 63]);
        g_string_append_c(out, alphabet[v & 63]);
    }
    if (len - i == 1) {
        guint32 v = (guint32)data[i] << 16;
        g_string_append_c(out, alphabet[(v >> 18) & 63]);
        g_string_append_c(out, alphabet[(v >> 12) & 63]);
    } else if (len - i == 2) {
        guint32 v = (guint32)data[i] << 16 | (guint32)data[i + 1] << 8;
        g_string_append_c(out, alphabet[(v >> 18) & 63]);
        g_string_append_c(out, alphabet[(v >> 12) & 63]);
        g_string_append_c(out, alphabet[(v >> 6) & 63]);
    }
    return g_string_free(out, FALSE);
}

static int
sextet(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

guint8 *
cr_base64url_decode(const char *text, gsize len, gsize *out_len)
{
    if (len % 4 == 1)
        return NULL;
    guint8 *out = g_malloc(len * 3 / 4 + 1);
    gsize n = 0;
    guint32 acc = 0;
    int bits = 0;
    for (gsize i = 0; i < len; i++) {
        int v = sextet(text[i]);
        if (v < 0) {
            g_free(out);
            return NULL;
        }
        acc = (acc << 6) | (guint32)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (guint8)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* Leftover bits must be zero, or two encodings would decode alike. */
    if (acc != 0) {
        g_free(out);
        return NULL;
    }
    out[n] = 0;
    *out_len = n;
    return out;
}
