/* token.c — join tokens: a JWT (RFC 7519) in JWS compact serialization
 * (RFC 7515 §7.1), MACed with HS256 (RFC 7518 §3.2).
 *
 * Pure functions of their inputs; any thread; no state. Everything read from
 * a token is untrusted until the signature matches, and the payload is not
 * even parsed before that. Fuzzed by tests/fuzz/fuzz-token.c.
 */
#include "signaling/token.h"

#include <limits.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/base64url.h"
#include "common/error.h"
#include "common/json.h"

/* HMAC-SHA-256 output size; also the smallest key RFC 7518 §3.2 allows
 * ("a key of the same size as the hash output ... or larger MUST be used"). */
#define HS256_LEN 32

/* The only JOSE header we issue. RFC 7515 §4.1.1 "alg", RFC 7519 §5.1 "typ". */
static const char issued_header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

/* Decimal digits of G_MAXINT64: the longest session id we accept. */
#define SESSION_MAX_DIGITS 19

/* Clears a token's claims on every early return in cr_token_verify. */
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CrTokenClaims, cr_token_claims_clear)

static const char *const role_names[] = {
    [CR_ROLE_INSTRUCTOR] = "instructor",
    [CR_ROLE_TRAINEE] = "trainee",
    [CR_ROLE_COORDINATOR] = "coordinator",
    [CR_ROLE_CHECKIN] = "checkin",
};

const char *
cr_role_name(CrRole role)
{
    if ((guint)role >= G_N_ELEMENTS(role_names))
        return NULL;
    return role_names[role]; /* NULL for CR_ROLE_NONE */
}

CrRole
cr_role_from_name(const char *name)
{
    if (name == NULL)
        return CR_ROLE_NONE;
    for (guint i = CR_ROLE_NONE + 1; i < G_N_ELEMENTS(role_names); i++) {
        if (strcmp(name, role_names[i]) == 0)
            return (CrRole)i;
    }
    return CR_ROLE_NONE;
}

void
cr_token_claims_clear(CrTokenClaims *claims)
{
    if (claims == NULL)
        return;
    g_free(claims->sub);
    g_free(claims->name);
    g_free(claims->org);
    g_free(claims->session);
    memset(claims, 0, sizeof *claims);
}

/* ---- Claim rules, shared by signing and verifying ---------------------- */

/* Why @text (@len bytes) is not an acceptable claim string, or NULL. Control
 * characters are refused because names end up in logs, the roster and
 * attendance exports, where they could forge lines or hide text. */
static const char *
text_problem(const char *text, gsize len, gsize min_len, gsize max_len)
{
    if (len < min_len)
        return "is empty";
    if (len > max_len)
        return "is too long";
    /* jansson guarantees UTF-8 when verifying; signing takes C strings. */
    if (!g_utf8_validate_len(text, len, NULL))
        return "is not valid UTF-8";
    for (const char *p = text; p < text + len; p = g_utf8_next_char(p)) {
        /* Cc: U+0000–U+001F, U+007F and the C1 range U+0080–U+009F. */
        if (g_unichar_iscntrl(g_utf8_get_char(p)))
            return "contains a control character";
    }
    return NULL;
}

/* Why @text is not a session id, or NULL. Only the canonical decimal form
 * of a positive 64-bit integer is accepted, so that string comparison with
 * expected_session is exact ("007" and "7" are not two spellings). */
static const char *
session_problem(const char *text, gsize len)
{
    if (len == 0)
        return "is empty";
    if (len > SESSION_MAX_DIGITS)
        return "is too long";
    guint64 value = 0;
    if (text[0] == '0' || strspn(text, "0123456789") != len ||
        !g_ascii_string_to_unsigned(text, 10, 1, G_MAXINT64, &value, NULL))
        return "is not a positive decimal id";
    return NULL;
}

/* Checks what a CrTokenClaims must hold; on failure fills @error with
 * @code and a message starting with @prefix. */
static gboolean
check_claims(const CrTokenClaims *c, int code, const char *prefix, GError **error)
{
    const char *problem = NULL;
    const char *claim = NULL;

    if (c->sub == NULL || (problem = text_problem(c->sub, strlen(c->sub), 1,
                                                  CR_TOKEN_MAX_SUB)) != NULL)
        claim = "sub";
    else if (c->name == NULL || (problem = text_problem(c->name, strlen(c->name), 1,
                                                        CR_TOKEN_MAX_NAME)) != NULL)
        claim = "name";
    else if (c->org != NULL && (problem = text_problem(c->org, strlen(c->org), 0,
                                                       CR_TOKEN_MAX_NAME)) != NULL)
        claim = "org";
    else if (cr_role_name(c->role) == NULL)
        claim = "role";
    else if (c->session != NULL &&
             (problem = session_problem(c->session, strlen(c->session))) != NULL)
        claim = "session";
    else if (c->session == NULL && c->role != CR_ROLE_COORDINATOR)
        claim = "session";

    if (claim == NULL)
        return TRUE;
    if (problem == NULL)
        problem = strcmp(claim, "role") == 0 ? "is not a known role" : "is missing";
    g_set_error(error, CR_ERROR, code, "%s\"%s\" %s", prefix, claim, problem);
    return FALSE;
}

/* ---- HS256 ------------------------------------------------------------- */

/* HMAC-SHA-256 of @data (RFC 7518 §3.2; the JWS Signing Input of
 * RFC 7515 §5.1 step 5). */
static gboolean
hs256(const guint8 *key, gsize key_len, const char *data, gsize len, guint8 mac[HS256_LEN])
{
    unsigned int mac_len = 0;
    if (HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)data, len, mac,
             &mac_len) == NULL)
        return FALSE;
    return mac_len == HS256_LEN;
}

char *
cr_token_sign(const CrTokenClaims *claims, const guint8 *key, gsize key_len, GError **error)
{
    g_return_val_if_fail(claims != NULL, NULL);
    g_return_val_if_fail(key != NULL && key_len >= HS256_LEN && key_len <= INT_MAX, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!check_claims(claims, CR_ERROR_BAD_REQUEST, "invalid token claim ", error))
        return NULL;
    /* exp is what bounds a leaked token's use (RFC 7519 §4.1.4); 0 is
     * "not set" in our structs, so a token without it is never issued. */
    if (claims->exp <= 0) {
        g_set_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST,
                    "invalid token claim \"exp\" is missing");
        return NULL;
    }

    g_autoptr(json_t) payload = json_object();
    json_object_set_new(payload, "sub", json_string(claims->sub));
    json_object_set_new(payload, "name", json_string(claims->name));
    if (claims->org != NULL)
        json_object_set_new(payload, "org", json_string(claims->org));
    json_object_set_new(payload, "role", json_string(cr_role_name(claims->role)));
    /* A string, not a number: ids up to 2^63-1 would lose precision in the
     * browser's IEEE doubles. */
    if (claims->session != NULL)
        json_object_set_new(payload, "session", json_string(claims->session));
    if (claims->iat != 0)
        json_object_set_new(payload, "iat", json_integer(claims->iat));
    if (claims->nbf != 0)
        json_object_set_new(payload, "nbf", json_integer(claims->nbf));
    json_object_set_new(payload, "exp", json_integer(claims->exp));

    g_autofree char *payload_text = cr_json_to_string(payload);
    g_autofree char *header_b64 =
        cr_base64url_encode((const guint8 *)issued_header, strlen(issued_header));
    g_autofree char *payload_b64 =
        cr_base64url_encode((const guint8 *)payload_text, strlen(payload_text));
    /* RFC 7515 §5.1 steps 5–7 and §7.1: header.payload.signature. */
    GString *token = g_string_new(header_b64);
    g_string_append_c(token, '.');
    g_string_append(token, payload_b64);

    guint8 mac[HS256_LEN];
    if (!hs256(key, key_len, token->str, token->len, mac)) {
        g_string_free(token, TRUE);
        g_set_error(error, CR_ERROR, CR_ERROR_INTERNAL, "cannot compute HMAC-SHA-256");
        return NULL;
    }
    g_autofree char *mac_b64 = cr_base64url_encode(mac, sizeof mac);
    g_string_append_c(token, '.');
    g_string_append(token, mac_b64);
    OPENSSL_cleanse(mac, sizeof mac);

    if (token->len > CR_TOKEN_MAX_LEN) { /* the limits above keep it near 2 KiB */
        g_string_free(token, TRUE);
        g_set_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST, "token would be too long");
        return NULL;
    }
    return g_string_free(token, FALSE);
}

/* ---- Verifying --------------------------------------------------------- */

static gboolean
refuse(GError **error, const char *message)
{
    g_set_error_literal(error, CR_ERROR, CR_ERROR_UNAUTHORIZED, message);
    return FALSE;
}

/* Whether untrusted @text is safe to quote in an error message, which may
 * reach logs and the client. */
static gboolean
quotable(const char *text)
{
    gsize len = strlen(text);
    if (len == 0 || len > 16)
        return FALSE;
    for (gsize i = 0; i < len; i++) {
        if (!g_ascii_isalnum(text[i]) && text[i] != '-' && text[i] != '_')
            return FALSE;
    }
    return TRUE;
}

/* Decodes a base64url part and parses it as a JSON object. RFC 7515 §5.2
 * steps 2–4 and RFC 7519 §7.2 steps 9–10; duplicate members are refused
 * (RFC 7515 §5.2 step 4 allows refusing them, and they let two parsers
 * disagree about a token). */
static json_t *
decode_object(const char *b64, gsize len)
{
    gsize raw_len = 0;
    g_autofree guint8 *raw = cr_base64url_decode(b64, len, &raw_len);
    if (raw == NULL)
        return NULL;
    json_t *json = json_loadb((const char *)raw, raw_len, JSON_REJECT_DUPLICATES, NULL);
    if (json != NULL && !json_is_object(json)) {
        json_decref(json);
        return NULL;
    }
    return json;
}

/* The JOSE header must be exactly what we issue: "alg" "HS256" (RFC 7518
 * §3.1; "none" and every other algorithm refused, RFC 7515 §10.7 and
 * RFC 8725 §3.1), optionally "typ" "JWT" (RFC 7519 §5.1). Any other member
 * is refused, in particular "crit" (RFC 7515 §4.1.11: extensions we do not
 * understand must make the JWS invalid). */
static gboolean
check_header(const char *b64, gsize len, GError **error)
{
    g_autoptr(json_t) header = decode_object(b64, len);
    if (header == NULL)
        return refuse(error, "malformed token: header is not a base64url JSON object");

    json_t *alg = json_object_get(header, "alg");
    if (alg == NULL)
        return refuse(error, "malformed token: header has no \"alg\"");
    if (!json_is_string(alg))
        return refuse(error, "malformed token: \"alg\" is not a string");
    const char *name = json_string_value(alg);
    if (strcmp(name, "HS256") != 0) {
        if (quotable(name))
            g_set_error(error, CR_ERROR, CR_ERROR_UNAUTHORIZED,
                        "unsupported token algorithm \"%s\"", name);
        else
            g_set_error_literal(error, CR_ERROR, CR_ERROR_UNAUTHORIZED,
                                "unsupported token algorithm");
        return FALSE;
    }

    json_t *typ = json_object_get(header, "typ");
    if (typ != NULL && !(json_is_string(typ) && strcmp(json_string_value(typ), "JWT") == 0))
        return refuse(error, "unsupported token type");

    const char *key;
    json_t *value;
    json_object_foreach (header, key, value) {
        if (strcmp(key, "alg") == 0 || strcmp(key, "typ") == 0)
            continue;
        if (strcmp(key, "crit") == 0)
            return refuse(error, "unsupported token header \"crit\"");
        return refuse(error, "malformed token: unexpected header member");
    }
    return TRUE;
}

/* RFC 7515 §5.2 step 8 with RFC 7518 §3.2: the signature must be exactly
 * 32 bytes and equal the HMAC of the signing input, compared in constant
 * time so that timing does not reveal how many leading bytes matched. */
static gboolean
check_signature(const char *signing_input, gsize input_len, const char *b64, gsize len,
                const guint8 *key, gsize key_len, GError **error)
{
    gsize sig_len = 0;
    g_autofree guint8 *sig = cr_base64url_decode(b64, len, &sig_len);
    if (sig == NULL)
        return refuse(error, "malformed token: signature is not base64url");
    if (sig_len != HS256_LEN)
        return refuse(error, "malformed token: signature is not 32 bytes");

    guint8 mac[HS256_LEN];
    if (!hs256(key, key_len, signing_input, input_len, mac)) {
        g_set_error_literal(error, CR_ERROR, CR_ERROR_INTERNAL, "cannot compute HMAC-SHA-256");
        return FALSE;
    }
    gboolean same = CRYPTO_memcmp(mac, sig, HS256_LEN) == 0;
    OPENSSL_cleanse(mac, sizeof mac);
    if (!same)
        return refuse(error, "token signature does not match");
    return TRUE;
}

/* Reads optional string member @claim of @payload into *@out (left NULL
 * when absent, or JSON null if @null_ok). Content rules are check_claims'. */
static gboolean
get_string(json_t *payload, const char *claim, gboolean null_ok, char **out, GError **error)
{
    json_t *value = json_object_get(payload, claim);
    if (value == NULL || (null_ok && json_is_null(value)))
        return TRUE;
    if (!json_is_string(value)) {
        g_set_error(error, CR_ERROR, CR_ERROR_UNAUTHORIZED,
                    "malformed token: \"%s\" is not a string", claim);
        return FALSE;
    }
    /* JSON_ALLOW_NUL is off, so the value holds no NUL: strlen is exact. */
    *out = g_strdup(json_string_value(value));
    return TRUE;
}

/* Reads integer member @claim into *@out; a NumericDate (RFC 7519 §2)
 * may be fractional, but we issue and accept only whole seconds. */
static gboolean
get_time(json_t *payload, const char *claim, gboolean required, gint64 *out, GError **error)
{
    json_t *value = json_object_get(payload, claim);
    if (value == NULL && !required)
        return TRUE;
    if (value == NULL) {
        g_set_error(error, CR_ERROR, CR_ERROR_UNAUTHORIZED,
                    "malformed token: \"%s\" is missing", claim);
        return FALSE;
    }
    if (!json_is_integer(value)) {
        g_set_error(error, CR_ERROR, CR_ERROR_UNAUTHORIZED,
                    "malformed token: \"%s\" is not an integer", claim);
        return FALSE;
    }
    *out = json_integer_value(value);
    return TRUE;
}

/* "session" is a decimal string; an integer is tolerated from other
 * issuers and turned into the same text (canonical, so comparisons hold). */
static gboolean
get_session(json_t *payload, char **out, GError **error)
{
    json_t *value = json_object_get(payload, "session");
    if (json_is_integer(value) && json_integer_value(value) > 0) {
        *out = g_strdup_printf("%" JSON_INTEGER_FORMAT, json_integer_value(value));
        return TRUE;
    }
    if (json_is_integer(value))
        return refuse(error, "malformed token: \"session\" is not a positive decimal id");
    return get_string(payload, "session", FALSE, out, error);
}

/* Fills @c from the payload (RFC 7519 §4.1 registered claims plus ours).
 * Claims we do not know are ignored, as RFC 7519 §4 requires. */
static gboolean
parse_claims(const char *b64, gsize len, CrTokenClaims *c, GError **error)
{
    g_autoptr(json_t) payload = decode_object(b64, len);
    if (payload == NULL)
        return refuse(error, "malformed token: payload is not a base64url JSON object");

    g_autofree char *role = NULL;
    if (!get_string(payload, "sub", FALSE, &c->sub, error) ||
        !get_string(payload, "name", FALSE, &c->name, error) ||
        !get_string(payload, "org", TRUE, &c->org, error) ||
        !get_string(payload, "role", FALSE, &role, error) ||
        !get_session(payload, &c->session, error) ||
        !get_time(payload, "iat", FALSE, &c->iat, error) ||
        !get_time(payload, "nbf", FALSE, &c->nbf, error) ||
        !get_time(payload, "exp", TRUE, &c->exp, error))
        return FALSE;
    if (role == NULL)
        return refuse(error, "malformed token: \"role\" is missing");
    c->role = cr_role_from_name(role);
    if (c->role == CR_ROLE_NONE)
        return refuse(error, "malformed token: unknown role");
    return check_claims(c, CR_ERROR_UNAUTHORIZED, "malformed token: ", error);
}

/* a + b for b >= 0, saturating instead of overflowing on hostile exp/nbf. */
static gint64
add_saturating(gint64 a, gint64 b)
{
    return a > G_MAXINT64 - b ? G_MAXINT64 : a + b;
}

/* RFC 7519 §4.1.4 (now must be before exp) and §4.1.5 (not before nbf),
 * each with @leeway seconds of clock skew ("some small leeway"). */
static gboolean
check_time(const CrTokenClaims *c, gint64 now, gint64 leeway, GError **error)
{
    if (now >= add_saturating(c->exp, leeway))
        return refuse(error, "token expired");
    if (c->nbf > add_saturating(now, leeway))
        return refuse(error, "token not yet valid");
    return TRUE;
}

gboolean
cr_token_verify(const char *token, gsize len, const guint8 *key, gsize key_len, gint64 now,
                gint64 leeway, const char *expected_session, CrTokenClaims *out,
                GError **error)
{
    g_return_val_if_fail(out != NULL, FALSE);
    memset(out, 0, sizeof *out);
    g_return_val_if_fail(token != NULL || len == 0, FALSE);
    g_return_val_if_fail(key != NULL && key_len >= HS256_LEN && key_len <= INT_MAX, FALSE);
    g_return_val_if_fail(leeway >= 0, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (len > CR_TOKEN_MAX_LEN)
        return refuse(error, "malformed token: too long");
    /* RFC 7515 §7.1: exactly three parts, so exactly two dots. */
    const char *dot1 = len > 0 ? memchr(token, '.', len) : NULL;
    const char *dot2 = dot1 != NULL ? memchr(dot1 + 1, '.', len - (gsize)(dot1 + 1 - token))
                                    : NULL;
    if (dot2 == NULL)
        return refuse(error, "malformed token: expected three dot-separated parts");
    const char *end = token + len;
    if (memchr(dot2 + 1, '.', (gsize)(end - dot2 - 1)) != NULL)
        return refuse(error, "malformed token: expected three dot-separated parts");

    if (!check_header(token, (gsize)(dot1 - token), error) ||
        !check_signature(token, (gsize)(dot2 - token), dot2 + 1, (gsize)(end - dot2 - 1), key,
                         key_len, error))
        return FALSE;

    g_auto(CrTokenClaims) claims = {0};
    if (!parse_claims(dot1 + 1, (gsize)(dot2 - dot1 - 1), &claims, error) ||
        !check_time(&claims, now, leeway, error))
        return FALSE;
    if (expected_session != NULL &&
        (claims.session == NULL || strcmp(claims.session, expected_session) != 0)) {
        g_set_error_literal(error, CR_ERROR, CR_ERROR_FORBIDDEN, "token is for another session");
        return FALSE;
    }
    *out = claims;
    memset(&claims, 0, sizeof claims); /* ownership moved to @out */
    return TRUE;
}
