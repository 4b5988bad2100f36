/* checkin-code.c — see checkin-code.h. */
#include "signaling/checkin-code.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "common/base64url.h"

#define MAC_BYTES 16

static gboolean
mac_of(const guint8 *key, gsize key_len, gint64 session, gint64 expires, guint8 out[MAC_BYTES])
{
    g_autofree char *msg = g_strdup_printf("classrelay check-in\n%" G_GINT64_FORMAT
                                           "\n%" G_GINT64_FORMAT, session, expires);
    guint8 full[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg, strlen(msg), full,
             &n) == NULL || n < MAC_BYTES)
        return FALSE;
    memcpy(out, full, MAC_BYTES);
    return TRUE;
}

static char *
base36(gint64 v)
{
    char buf[16];
    int i = sizeof buf;
    buf[--i] = '\0';
    do {
        buf[--i] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
        v /= 36;
    } while (v > 0 && i > 0);
    return g_strdup(buf + i);
}

char *
cr_checkin_code_make(const guint8 *key, gsize key_len, gint64 session, gint64 expires)
{
    guint8 mac[MAC_BYTES];
    if (expires < 0 || !mac_of(key, key_len, session, expires, mac))
        return NULL;
    g_autofree char *when = base36(expires);
    g_autofree char *tag = cr_base64url_encode(mac, sizeof mac);
    return g_strconcat(when, ".", tag, NULL);
}

/* Base 36, lower case, no sign, at most 10 digits (beyond year 5000). */
static gboolean
parse_base36(const char *s, gsize len, gint64 *out)
{
    if (len == 0 || len > 10)
        return FALSE;
    gint64 v = 0;
    for (gsize i = 0; i < len; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 : -1;
        if (d < 0)
            return FALSE;
        v = v * 36 + d;
    }
    *out = v;
    return TRUE;
}

gboolean
cr_checkin_code_check(const guint8 *key, gsize key_len, gint64 session, const char *code,
                      gsize len, gint64 now, gint64 leeway)
{
    if (code == NULL || len > CR_CHECKIN_CODE_MAX_LEN)
        return FALSE;
    const char *dot = memchr(code, '.', len);
    gint64 expires;
    if (dot == NULL || !parse_base36(code, (gsize)(dot - code), &expires) ||
        now > expires + leeway)
        return FALSE;
    gsize tag_len = len - (gsize)(dot - code) - 1;
    gsize got = 0;
    g_autofree guint8 *tag = cr_base64url_decode(dot + 1, tag_len, &got);
    guint8 mac[MAC_BYTES];
    return tag != NULL && got == MAC_BYTES && mac_of(key, key_len, session, expires, mac) &&
           CRYPTO_memcmp(tag, mac, MAC_BYTES) == 0;
}
