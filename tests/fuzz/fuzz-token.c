/* fuzz-token.c — libFuzzer harness for cr_token_verify (signaling/token.c).
 *
 * Single-threaded; no main here: libFuzzer supplies one under
 * -fsanitize=fuzzer, tests/fuzz/replay-main.c in the ordinary build. The
 * seed corpus in tests/fuzz/corpus/token/ holds tokens signed with the key
 * below for the time below, so the fuzzer starts past the signature check.
 *
 * Each input is verified as it is, and then once more with its signature
 * part replaced by the correct HMAC: mutations almost always break the
 * signature, and without the second pass the claim parser behind it would
 * only ever see the seeds.
 *
 * Checks, besides memory safety: a refusal sets a CR_ERROR and leaves the
 * claims zeroed; an accepted token's claims re-sign without error, and the
 * re-signed token verifies (for its own session) to the same claims.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/base64url.h"
#include "common/error.h"
#include "signaling/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Keep in step with the corpus (the seeds were signed with these). */
static const char fuzz_key_text[] = "classrelay-fuzz-key-0123456789ab";
#define FUZZ_KEY ((const guint8 *)fuzz_key_text)
#define FUZZ_KEY_LEN (sizeof fuzz_key_text - 1) /* 32 bytes, the NUL excluded */
#define FUZZ_NOW 1767225600 /* 2026-01-01T00:00:00Z */
#define FUZZ_LEEWAY 30

static gboolean
claims_equal(const CrTokenClaims *a, const CrTokenClaims *b)
{
    return g_strcmp0(a->sub, b->sub) == 0 && g_strcmp0(a->name, b->name) == 0 &&
           g_strcmp0(a->org, b->org) == 0 && a->role == b->role &&
           g_strcmp0(a->session, b->session) == 0 && a->iat == b->iat && a->nbf == b->nbf &&
           a->exp == b->exp;
}

static gboolean
claims_zero(const CrTokenClaims *c)
{
    static const CrTokenClaims zero = {0};
    return memcmp(c, &zero, sizeof zero) == 0;
}

/* Signs @claims again and checks the result verifies to the same claims. */
static void
check_resign(const CrTokenClaims *claims)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *token = cr_token_sign(claims, FUZZ_KEY, FUZZ_KEY_LEN, &error);
    if (token == NULL)
        abort(); /* verify accepted claims that sign refuses */

    CrTokenClaims again = {0};
    if (!cr_token_verify(token, strlen(token), FUZZ_KEY, FUZZ_KEY_LEN, FUZZ_NOW,
                         FUZZ_LEEWAY, claims->session, &again, &error))
        abort();
    gboolean same = claims_equal(claims, &again);
    cr_token_claims_clear(&again);
    if (!same)
        abort();
}

static void
verify_one(const char *token, gsize len)
{
    CrTokenClaims claims;
    memset(&claims, 0xa5, sizeof claims); /* verify must zero it either way */
    g_autoptr(GError) error = NULL;
    if (!cr_token_verify(token, len, FUZZ_KEY, FUZZ_KEY_LEN, FUZZ_NOW, FUZZ_LEEWAY, NULL,
                         &claims, &error)) {
        if (error == NULL || error->domain != CR_ERROR || !claims_zero(&claims))
            abort();
        return;
    }
    if (error != NULL)
        abort();
    check_resign(&claims);
    cr_token_claims_clear(&claims);
}

/* @data up to its second dot (the JWS Signing Input, RFC 7515 §5.1), then
 * "." and its HS256 MAC under the fuzz key; NULL when there is no dot. */
static GString *
with_valid_signature(const char *data, gsize size)
{
    const char *dot1 = size > 0 ? memchr(data, '.', size) : NULL;
    if (dot1 == NULL)
        return NULL;
    const char *dot2 = memchr(dot1 + 1, '.', size - (gsize)(dot1 + 1 - data));
    gsize input_len = dot2 != NULL ? (gsize)(dot2 - data) : size;
    if (input_len > CR_TOKEN_MAX_LEN)
        return NULL;
    guint8 mac[32];
    unsigned int mac_len = 0;
    if (HMAC(EVP_sha256(), FUZZ_KEY, (int)FUZZ_KEY_LEN, (const unsigned char *)data,
             input_len, mac, &mac_len) == NULL)
        abort();
    g_autofree char *mac_b64 = cr_base64url_encode(mac, mac_len);
    GString *token = g_string_new_len(data, (gssize)input_len);
    g_string_append_c(token, '.');
    g_string_append(token, mac_b64);
    return token;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* data is not NUL-terminated: the length alone bounds the token. */
    verify_one((const char *)data, size);
    GString *signed_token = with_valid_signature((const char *)data, size);
    if (signed_token != NULL) {
        verify_one(signed_token->str, signed_token->len);
        g_string_free(signed_token, TRUE);
    }
    return 0;
}
