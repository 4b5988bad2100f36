/* test-token.c — unit tests for signaling/token.c (join tokens, HS256 JWT).
 *
 * Single-threaded GTest program. Defective tokens are hand-crafted here:
 * header and payload JSON written out, base64url-encoded and MACed with
 * OpenSSL directly, so that each case carries a valid signature and only
 * the defect under test.
 */
#include <string.h>

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/base64url.h"
#include "common/error.h"
#include "signaling/token.h"

#define NOW 1767225600 /* 2026-01-01T00:00:00Z */
#define LEEWAY 30
/* Payload times around NOW, as JSON text. */
#define IAT_OK "1767225590"
#define EXP_OK "1767229200"

/* Session 42, trainee "p-1": the payload most defect cases start from. */
#define PAYLOAD_OK                                                                         \
    "{\"sub\":\"p-1\",\"name\":\"Ana\",\"role\":\"trainee\",\"session\":\"42\",\"iat\":" \
    IAT_OK ",\"exp\":" EXP_OK "}"
#define HEADER_OK "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
/* Well-formed signatures of all-zero bytes: 31 bytes, and 32 bytes. */
#define ZERO_SIG_31 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define ZERO_SIG_32 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

/* 32-byte keys (RFC 7518 §3.2 minimum); the literals' NULs are not used. */
static const guint8 key[33] = "0123456789abcdef0123456789abcdef";
static const guint8 other_key[33] = "fedcba9876543210fedcba9876543210";
#define KEY_LEN 32

/* ---- helpers ------------------------------------------------------------ */

static char *
b64(const char *text)
{
    return cr_base64url_encode((const guint8 *)text, strlen(text));
}

/* h.p.HMAC-SHA-256(h.p) under @k, for parts given already encoded (or
 * deliberately mis-encoded). Independent of token.c. */
static char *
craft_parts(const char *h, const char *p, const guint8 *k)
{
    g_autofree char *input = g_strconcat(h, ".", p, NULL);
    guint8 mac[32];
    unsigned int mac_len = 0;
    g_assert_nonnull(HMAC(EVP_sha256(), k, KEY_LEN, (const guint8 *)input, strlen(input), mac,
                          &mac_len));
    g_assert_cmpuint(mac_len, ==, 32);
    g_autofree char *s = cr_base64url_encode(mac, mac_len);
    return g_strconcat(input, ".", s, NULL);
}

/* b64(header).b64(payload).HMAC-SHA-256 under @k. */
static char *
craft(const char *header, const char *payload, const guint8 *k)
{
    g_autofree char *h = b64(header);
    g_autofree char *p = b64(payload);
    return craft_parts(h, p, k);
}

static gboolean
claims_are_zero(const CrTokenClaims *c)
{
    static const CrTokenClaims zero = {0};
    return memcmp(c, &zero, sizeof zero) == 0;
}

/* Verifies @len bytes of @token expecting CR_ERROR @code, and checks that the
 * out struct is left zeroed even though it was dirty on entry. */
static void
assert_refused_len(const char *token, gsize len, const char *session, int code,
                   const char *message)
{
    CrTokenClaims out;
    memset(&out, 0xa5, sizeof out);
    g_autoptr(GError) error = NULL;
    gboolean ok = cr_token_verify(token, len, key, KEY_LEN, NOW, LEEWAY, session, &out,
                                  &error);
    g_assert_false(ok);
    g_assert_error(error, CR_ERROR, code);
    g_test_message("refused: %s", error->message);
    g_assert_true(claims_are_zero(&out));
    if (message != NULL)
        g_assert_cmpstr(error->message, ==, message);
}

static void
assert_refused(const char *token, int code, const char *message)
{
    assert_refused_len(token, strlen(token), NULL, code, message);
}

static void
assert_accepted(const char *token, const char *session, CrTokenClaims *out)
{
    g_autoptr(GError) error = NULL;
    gboolean ok = cr_token_verify(token, strlen(token), key, KEY_LEN, NOW, LEEWAY, session,
                                  out, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
}

/* A token signed by cr_token_sign for the usual trainee of session 42. */
static char *
sign_ok(void)
{
    CrTokenClaims c = {.sub = "p-1", .name = "Ana", .role = CR_ROLE_TRAINEE,
                       .session = "42", .iat = NOW - 10, .exp = NOW + 3600};
    g_autoptr(GError) error = NULL;
    char *token = cr_token_sign(&c, key, KEY_LEN, &error);
    g_assert_no_error(error);
    g_assert_nonnull(token);
    return token;
}

/* ---- roles and claims struct -------------------------------------------- */

static void
test_role_names(void)
{
    static const struct {
        CrRole role;
        const char *name;
    } roles[] = {
        {CR_ROLE_INSTRUCTOR, "instructor"},
        {CR_ROLE_TRAINEE, "trainee"},
        {CR_ROLE_COORDINATOR, "coordinator"},
        {CR_ROLE_CHECKIN, "checkin"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(roles); i++) {
        g_assert_cmpstr(cr_role_name(roles[i].role), ==, roles[i].name);
        g_assert_cmpint(cr_role_from_name(roles[i].name), ==, roles[i].role);
    }
    g_assert_null(cr_role_name(CR_ROLE_NONE));
    g_assert_null(cr_role_name((CrRole)99));
    g_assert_null(cr_role_name((CrRole)-1));
    g_assert_cmpint(cr_role_from_name(NULL), ==, CR_ROLE_NONE);
    g_assert_cmpint(cr_role_from_name(""), ==, CR_ROLE_NONE);
    g_assert_cmpint(cr_role_from_name("Instructor"), ==, CR_ROLE_NONE);
    g_assert_cmpint(cr_role_from_name("admin"), ==, CR_ROLE_NONE);
}

static void
test_claims_clear(void)
{
    CrTokenClaims c = {0};
    cr_token_claims_clear(&c); /* safe on a zeroed struct */
    cr_token_claims_clear(NULL);
    c.sub = g_strdup("a");
    c.name = g_strdup("b");
    c.org = g_strdup("c");
    c.session = g_strdup("1");
    c.role = CR_ROLE_TRAINEE;
    c.exp = 5;
    cr_token_claims_clear(&c);
    g_assert_true(claims_are_zero(&c));
}

/* ---- signing ------------------------------------------------------------ */

static void
test_round_trip(void)
{
    static const CrTokenClaims cases[] = {
        {.sub = "p-1", .name = "Ana Silva", .org = "Harbour Clinic", .role = CR_ROLE_TRAINEE,
         .session = "42", .iat = NOW - 10, .exp = NOW + 3600},
        {.sub = "p-2", .name = "Ben", .role = CR_ROLE_INSTRUCTOR, .session = "7",
         .iat = NOW, .exp = NOW + 60},
        {.sub = "c-1", .name = "Cleo", .role = CR_ROLE_COORDINATOR, .exp = NOW + 60},
        {.sub = "c-2", .name = "Dev", .role = CR_ROLE_COORDINATOR, .session = "9",
         .exp = NOW + 60},
        {.sub = "p-3", .name = "林美", .org = "台北", .role = CR_ROLE_TRAINEE,
         .session = "9223372036854775807", .exp = NOW + 60},
        {.sub = "k-1", .name = "Room 3", .role = CR_ROLE_CHECKIN, .session = "42",
         .nbf = NOW - 5, .exp = NOW + 300},
        {.sub = "p-4", .name = "Quote \" and \\ back", .org = "", .role = CR_ROLE_TRAINEE,
         .session = "1", .exp = NOW + 1},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        const CrTokenClaims *in = &cases[i];
        g_test_message("case %" G_GSIZE_FORMAT ": %s", i, in->name);
        g_autoptr(GError) error = NULL;
        g_autofree char *token = cr_token_sign(in, key, KEY_LEN, &error);
        g_assert_no_error(error);
        g_assert_nonnull(token);
        g_assert_cmpuint(strlen(token), <=, CR_TOKEN_MAX_LEN);

        CrTokenClaims out = {0};
        assert_accepted(token, in->session, &out);
        g_assert_cmpstr(out.sub, ==, in->sub);
        g_assert_cmpstr(out.name, ==, in->name);
        g_assert_cmpstr(out.org, ==, in->org);
        g_assert_cmpint(out.role, ==, in->role);
        g_assert_cmpstr(out.session, ==, in->session);
        g_assert_cmpint(out.iat, ==, in->iat);
        g_assert_cmpint(out.nbf, ==, in->nbf);
        g_assert_cmpint(out.exp, ==, in->exp);
        cr_token_claims_clear(&out);
        g_assert_true(claims_are_zero(&out));
    }
}

/* The header part is exactly {"alg":"HS256","typ":"JWT"}, and the session
 * travels as a JSON string. */
static void
test_sign_format(void)
{
    g_autofree char *token = sign_ok();
    g_auto(GStrv) parts = g_strsplit(token, ".", -1);
    g_assert_cmpuint(g_strv_length(parts), ==, 3);
    gsize len = 0;
    g_autofree guint8 *header = cr_base64url_decode(parts[0], strlen(parts[0]), &len);
    g_assert_nonnull(header);
    g_assert_cmpstr((const char *)header, ==, HEADER_OK);
    g_autofree guint8 *payload = cr_base64url_decode(parts[1], strlen(parts[1]), &len);
    g_assert_nonnull(payload);
    g_assert_nonnull(strstr((const char *)payload, "\"session\":\"42\""));
    g_autofree guint8 *sig = cr_base64url_decode(parts[2], strlen(parts[2]), &len);
    g_assert_nonnull(sig);
    g_assert_cmpuint(len, ==, 32);
    g_assert_null(strchr(token, '='));

    /* Same claims, same key: same token (HMAC is deterministic). */
    g_autofree char *again = sign_ok();
    g_assert_cmpstr(token, ==, again);
}

static void
test_sign_limits(void)
{
    g_autofree char *sub = g_strnfill(CR_TOKEN_MAX_SUB, 's');
    GString *name = g_string_new(NULL);
    while (name->len + 3 <= CR_TOKEN_MAX_NAME)
        g_string_append(name, "美"); /* 3 bytes each: limits are in bytes */
    while (name->len < CR_TOKEN_MAX_NAME)
        g_string_append_c(name, 'n');
    g_autofree char *name_text = g_string_free(name, FALSE);
    g_autofree char *org = g_strnfill(CR_TOKEN_MAX_NAME, '"'); /* escaped: doubles */
    CrTokenClaims c = {.sub = sub, .name = name_text, .org = org, .role = CR_ROLE_INSTRUCTOR,
                       .session = "9223372036854775807", .iat = NOW, .nbf = NOW,
                       .exp = G_MAXINT64};
    g_autoptr(GError) error = NULL;
    g_autofree char *token = cr_token_sign(&c, key, KEY_LEN, &error);
    g_assert_no_error(error);
    CrTokenClaims out = {0};
    assert_accepted(token, NULL, &out);
    g_assert_cmpstr(out.sub, ==, sub);
    g_assert_cmpstr(out.name, ==, name_text);
    g_assert_cmpstr(out.org, ==, org);
    g_assert_cmpint(out.exp, ==, G_MAXINT64);
    cr_token_claims_clear(&out);
}

typedef enum { F_SUB, F_NAME, F_ORG, F_SESSION, F_ROLE, F_EXP } Field;

static void
test_sign_refuses(void)
{
    g_autofree char *long_sub = g_strnfill(CR_TOKEN_MAX_SUB + 1, 's');
    g_autofree char *long_name = g_strnfill(CR_TOKEN_MAX_NAME + 1, 'n');
    /* Each case breaks one field of an otherwise valid trainee token. */
    const struct {
        Field field;
        const char *text; /* for string fields */
        gint64 number;    /* for role and exp */
    } cases[] = {
        {F_SUB, NULL, 0},        {F_SUB, "", 0},          {F_SUB, long_sub, 0},
        {F_SUB, "a\tb", 0},      {F_NAME, NULL, 0},       {F_NAME, "", 0},
        {F_NAME, long_name, 0},  {F_NAME, "A\nB", 0},     {F_NAME, "A\x7f", 0},
        {F_NAME, "A\xc2\x85", 0}, /* U+0085, a C1 control */
        {F_NAME, "A\xff", 0},    /* not UTF-8 */
        {F_ORG, long_name, 0},   {F_ORG, "\x1b[31m", 0},  {F_SESSION, NULL, 0},
        {F_SESSION, "4a", 0},    {F_SESSION, "", 0},      {F_SESSION, "0", 0},
        {F_SESSION, "042", 0},   {F_SESSION, "-4", 0},    {F_SESSION, "9223372036854775808", 0},
        {F_ROLE, NULL, CR_ROLE_NONE}, {F_ROLE, NULL, 99}, {F_EXP, NULL, 0},
        {F_EXP, NULL, -1},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_message("case %" G_GSIZE_FORMAT, i);
        CrTokenClaims c = {.sub = "s", .name = "A", .role = CR_ROLE_TRAINEE, .session = "1",
                           .exp = NOW};
        char *text = (char *)cases[i].text;
        switch (cases[i].field) {
        case F_SUB:
            c.sub = text;
            break;
        case F_NAME:
            c.name = text;
            break;
        case F_ORG:
            c.org = text;
            break;
        case F_SESSION:
            c.session = text;
            break;
        case F_ROLE:
            c.role = (CrRole)cases[i].number;
            break;
        case F_EXP:
            c.exp = cases[i].number;
            break;
        }
        g_autoptr(GError) error = NULL;
        char *token = cr_token_sign(&c, key, KEY_LEN, &error);
        g_assert_null(token);
        g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    }

    /* A session is required for every role but coordinator. */
    static const CrRole need_session[] = {CR_ROLE_INSTRUCTOR, CR_ROLE_CHECKIN};
    for (gsize i = 0; i < G_N_ELEMENTS(need_session); i++) {
        CrTokenClaims c = {.sub = "s", .name = "A", .role = need_session[i], .exp = NOW};
        g_autoptr(GError) error = NULL;
        g_assert_null(cr_token_sign(&c, key, KEY_LEN, &error));
        g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
        g_assert_cmpstr(error->message, ==, "invalid token claim \"session\" is missing");
    }
}

/* A key shorter than the hash output is a programming error (RFC 7518 §3.2). */
static void
test_short_key(void)
{
    if (g_test_subprocess()) {
        CrTokenClaims c = {.sub = "s", .name = "A", .role = CR_ROLE_COORDINATOR, .exp = NOW};
        g_assert_null(cr_token_sign(&c, key, 16, NULL));
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_stderr("*CRITICAL*");
}

/* ---- verifying: structure ------------------------------------------------ */

static void
test_structure(void)
{
    g_autofree char *good = sign_ok();
    const char *dot1 = strchr(good, '.');
    const char *dot2 = strchr(dot1 + 1, '.');
    gsize hlen = (gsize)(dot1 - good);
    g_autofree char *header = g_strndup(good, hlen);
    g_autofree char *payload = g_strndup(dot1 + 1, (gsize)(dot2 - dot1 - 1));
    const char *sig = dot2 + 1;

    g_autofree char *truncated = g_strndup(good, strlen(good) - 1);
    g_autofree char *half = g_strndup(good, strlen(good) / 2);
    g_autofree char *two = g_strconcat(header, ".", payload, NULL);
    g_autofree char *four = g_strconcat(good, ".", sig, NULL);
    g_autofree char *trailing_dot = g_strconcat(good, ".", NULL);
    g_autofree char *leading_dot = g_strconcat(".", good, NULL);
    g_autofree char *double_dot = g_strconcat(header, "..", payload, ".", sig, NULL);
    g_autofree char *pad_header = g_strconcat(header, "=.", payload, ".", sig, NULL);
    g_autofree char *pad_payload = g_strconcat(header, ".", payload, "==.", sig, NULL);
    g_autofree char *pad_sig = g_strconcat(good, "=", NULL);
    g_autofree char *plus = g_strdup(good);
    plus[3] = '+';
    g_autofree char *slash = g_strdup(good);
    slash[hlen + 3] = '/';
    g_autofree char *space = g_strconcat(good, " ", NULL);
    g_autofree char *newline = g_strconcat(good, "\n", NULL);
    g_autofree char *empty_header = g_strconcat(".", payload, ".", sig, NULL);
    g_autofree char *empty_payload = g_strconcat(header, "..", sig, NULL);

    const char *cases[] = {
        "", ".", "..", "...", "abc", "a.b.c",
        truncated, half, two, four, trailing_dot, leading_dot, double_dot,
        pad_header, pad_payload, pad_sig, plus, slash, space, newline,
        empty_header, empty_payload,
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_message("case %" G_GSIZE_FORMAT, i);
        assert_refused(cases[i], CR_ERROR_UNAUTHORIZED, NULL);
    }
    assert_refused(two, CR_ERROR_UNAUTHORIZED,
                   "malformed token: expected three dot-separated parts");

    /* Encoding defects in the payload under a valid signature, so that the
     * base64url decoder, not the MAC, is what refuses them. */
    g_autofree char *padded = g_strconcat(payload, "==", NULL);
    g_autofree char *with_plus = g_strdup(payload);
    with_plus[5] = '+';
    g_autofree char *with_space = g_strconcat(payload, " ", NULL);
    GString *odd_len = g_string_new(payload); /* a length no encoding has */
    while (odd_len->len % 4 != 1)
        g_string_append_c(odd_len, 'A');
    g_autofree char *odd = g_string_free(odd_len, FALSE);
    const char *bad_payloads[] = {padded, with_plus, with_space, odd};
    for (gsize i = 0; i < G_N_ELEMENTS(bad_payloads); i++) {
        g_autofree char *token = craft_parts(header, bad_payloads[i], key);
        assert_refused(token, CR_ERROR_UNAUTHORIZED,
                       "malformed token: payload is not a base64url JSON object");
    }
    assert_refused(four, CR_ERROR_UNAUTHORIZED,
                   "malformed token: expected three dot-separated parts");

    /* An embedded NUL inside the counted length. */
    g_autofree char *nul = g_strdup(good);
    nul[hlen + 2] = '\0';
    assert_refused_len(nul, strlen(good), NULL, CR_ERROR_UNAUTHORIZED, NULL);
    assert_refused_len(NULL, 0, NULL, CR_ERROR_UNAUTHORIZED, NULL);
}

/* @len bounds the token: the bytes after it are not read. */
static void
test_not_nul_terminated(void)
{
    g_autofree char *good = sign_ok();
    g_autofree char *buffer = g_strconcat(good, ".garbage", NULL);
    CrTokenClaims out = {0};
    g_autoptr(GError) error = NULL;
    g_assert_true(cr_token_verify(buffer, strlen(good), key, KEY_LEN, NOW, LEEWAY, "42",
                                  &out, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(out.sub, ==, "p-1");
    cr_token_claims_clear(&out);
}

static void
test_too_long(void)
{
    /* A correctly signed token whose length alone is the defect. */
    g_autofree char *filler = g_strnfill(CR_TOKEN_MAX_LEN, 'x');
    g_autofree char *payload = g_strdup_printf(
        "{\"sub\":\"p-1\",\"name\":\"Ana\",\"role\":\"trainee\",\"session\":\"42\","
        "\"exp\":" EXP_OK ",\"pad\":\"%s\"}", filler);
    g_autofree char *token = craft(HEADER_OK, payload, key);
    g_assert_cmpuint(strlen(token), >, CR_TOKEN_MAX_LEN);
    assert_refused(token, CR_ERROR_UNAUTHORIZED, "malformed token: too long");

    /* Exactly at the limit the length is fine (and the padding claim ignored):
     * find the payload size whose encoding makes the token 4096 bytes. */
    g_autofree char *h = b64(HEADER_OK);
    gsize target = CR_TOKEN_MAX_LEN - strlen(h) - 2 - 43;
    gsize n = 0;
    while ((n * 4 + 2) / 3 < target)
        n++;
    g_assert_cmpuint((n * 4 + 2) / 3, ==, target);
    g_autofree char *empty = g_strdup_printf(
        "{\"sub\":\"p-1\",\"name\":\"Ana\",\"role\":\"trainee\",\"session\":\"42\","
        "\"exp\":" EXP_OK ",\"pad\":\"%s\"}", "");
    g_autofree char *pad = g_strnfill(n - strlen(empty), 'x');
    g_autofree char *fit_payload = g_strdup_printf(
        "{\"sub\":\"p-1\",\"name\":\"Ana\",\"role\":\"trainee\",\"session\":\"42\","
        "\"exp\":" EXP_OK ",\"pad\":\"%s\"}", pad);
    g_autofree char *fit = craft(HEADER_OK, fit_payload, key);
    g_assert_cmpuint(strlen(fit), ==, CR_TOKEN_MAX_LEN);
    CrTokenClaims out = {0};
    assert_accepted(fit, "42", &out);
    cr_token_claims_clear(&out);
}

/* ---- verifying: header --------------------------------------------------- */

static void
test_header(void)
{
    static const struct {
        const char *header;
        const char *message; /* NULL: only the code is checked */
    } cases[] = {
        {"{\"alg\":\"HS512\",\"typ\":\"JWT\"}", "unsupported token algorithm \"HS512\""},
        {"{\"alg\":\"HS384\"}", "unsupported token algorithm \"HS384\""},
        {"{\"alg\":\"RS256\"}", "unsupported token algorithm \"RS256\""},
        {"{\"alg\":\"hs256\"}", "unsupported token algorithm \"hs256\""},
        {"{\"alg\":\"HS256 \"}", "unsupported token algorithm"},
        {"{\"alg\":\"none\"}", "unsupported token algorithm \"none\""},
        {"{\"typ\":\"JWT\"}", "malformed token: header has no \"alg\""},
        {"{}", "malformed token: header has no \"alg\""},
        {"{\"alg\":256}", "malformed token: \"alg\" is not a string"},
        {"{\"alg\":null}", "malformed token: \"alg\" is not a string"},
        {"{\"alg\":[\"HS256\"]}", "malformed token: \"alg\" is not a string"},
        {"{\"alg\":\"HS256\",\"typ\":\"JWS\"}", "unsupported token type"},
        {"{\"alg\":\"HS256\",\"typ\":1}", "unsupported token type"},
        {"{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", "unsupported token header \"crit\""},
        {"{\"alg\":\"HS256\",\"b64\":false}", "malformed token: unexpected header member"},
        {"{\"alg\":\"HS256\",\"kid\":\"1\"}", NULL},
        {"{\"alg\":\"HS256\",\"alg\":\"HS256\"}", NULL},
        {"{\"alg\":\"none\",\"alg\":\"HS256\"}", NULL},
        {"not json", NULL},
        {"[\"HS256\"]", NULL},
        {"\"HS256\"", NULL},
        {"{\"alg\":\"HS256\"} x", NULL},
        {"{\"alg\":\"HS256\"", NULL},
        {"", NULL},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_message("case: %s", cases[i].header);
        g_autofree char *token = craft(cases[i].header, PAYLOAD_OK, key);
        assert_refused(token, CR_ERROR_UNAUTHORIZED, cases[i].message);
    }

    /* The classic "alg":"none" forgery: no signature at all. */
    g_autofree char *h = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}");
    g_autofree char *p = b64(PAYLOAD_OK);
    g_autofree char *none = g_strconcat(h, ".", p, ".", NULL);
    assert_refused(none, CR_ERROR_UNAUTHORIZED, "unsupported token algorithm \"none\"");

    /* A header of just {"alg":"HS256"} (no typ) is accepted. */
    g_autofree char *bare = craft("{\"alg\":\"HS256\"}", PAYLOAD_OK, key);
    CrTokenClaims out = {0};
    assert_accepted(bare, "42", &out);
    cr_token_claims_clear(&out);
}

/* ---- verifying: signature ------------------------------------------------ */

static void
test_signature(void)
{
    g_autofree char *good = sign_ok();
    char *sig = strrchr(good, '.') + 1;
    g_assert_cmpuint(strlen(sig), ==, 43);

    g_autofree char *flipped = g_strdup(good);
    char *c = strrchr(flipped, '.') + 10;
    *c = *c == 'A' ? 'B' : 'A';
    g_autofree char *wrong_key = craft(HEADER_OK, PAYLOAD_OK, other_key);
    g_autofree char *prefix = g_strndup(good, (gsize)(sig - good));
    g_autofree char *short_sig = g_strconcat(prefix, ZERO_SIG_31, NULL);
    g_autofree char *long_sig = g_strconcat(good, "AAAA", NULL);
    g_autofree char *no_sig = g_strdup(prefix);
    g_autofree char *bad_bits = g_strdup(good);
    /* The 43rd character carries 4 data bits and 2 zero bits: 'B' sets one. */
    bad_bits[strlen(bad_bits) - 1] = (char)(sig[42] + 1);

    /* A different payload under the original signature. */
    g_autofree char *other = craft(HEADER_OK,
        "{\"sub\":\"p-1\",\"name\":\"Ana\",\"role\":\"instructor\",\"session\":\"42\","
        "\"exp\":" EXP_OK "}", key);
    g_autofree char *other_prefix = g_strndup(other, (gsize)(strrchr(other, '.') - other));
    g_autofree char *swapped = g_strconcat(other_prefix, ".", sig, NULL);

    const struct {
        const char *token;
        const char *message;
    } cases[] = {
        {flipped, "token signature does not match"},
        {wrong_key, "token signature does not match"},
        {swapped, "token signature does not match"},
        {short_sig, "malformed token: signature is not 32 bytes"},
        {long_sig, "malformed token: signature is not 32 bytes"},
        {no_sig, "malformed token: signature is not 32 bytes"},
        {bad_bits, NULL},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_message("case %" G_GSIZE_FORMAT, i);
        assert_refused(cases[i].token, CR_ERROR_UNAUTHORIZED, cases[i].message);
    }

    /* The other key's token verifies under that key: only the key differed. */
    CrTokenClaims out = {0};
    g_autoptr(GError) error = NULL;
    g_assert_true(cr_token_verify(wrong_key, strlen(wrong_key), other_key, KEY_LEN,
                                  NOW, LEEWAY, NULL, &out, &error));
    g_assert_no_error(error);
    cr_token_claims_clear(&out);
}

/* The signature is checked before the payload is even parsed: a forged
 * token learns nothing about which claim was wrong. */
static void
test_signature_before_payload(void)
{
    g_autofree char *h = b64(HEADER_OK);
    g_autofree char *p = b64("not json at all");
    g_autofree char *token = g_strconcat(h, ".", p, ".", ZERO_SIG_32, NULL);
    assert_refused(token, CR_ERROR_UNAUTHORIZED, "token signature does not match");

    g_autofree char *expired = craft(HEADER_OK,
        "{\"sub\":\"p-1\",\"name\":\"Ana\",\"role\":\"trainee\",\"session\":\"42\",\"exp\":1}",
        other_key);
    assert_refused(expired, CR_ERROR_UNAUTHORIZED, "token signature does not match");
}

/* ---- verifying: payload -------------------------------------------------- */

/* Payload members, each but the last with its trailing comma. */
#define J_SUB "\"sub\":\"p-1\","
#define J_NAME "\"name\":\"Ana\","
#define J_ROLE "\"role\":\"trainee\","
#define J_SESSION "\"session\":\"42\","
#define J_EXP "\"exp\":" EXP_OK
/* Everything a trainee needs but the session. */
#define P_BASE J_SUB J_NAME J_ROLE J_EXP

static void
test_payload_refused(void)
{
    static const struct {
        const char *payload;
        const char *message;
    } cases[] = {
        {"not json", "malformed token: payload is not a base64url JSON object"},
        {"[1,2,3]", "malformed token: payload is not a base64url JSON object"},
        {"\"token\"", NULL},
        {"42", NULL},
        {"", NULL},
        {"{" J_SESSION P_BASE "} trailing", NULL},
        {"{" J_SESSION P_BASE ",\"sub\":\"p-2\"}", NULL},
        {"{" J_SESSION P_BASE ",\"session\":\"43\"}", NULL},
        /* exp */
        {"{" J_SUB J_NAME J_ROLE J_SESSION "\"exp\":\"" EXP_OK "\"}",
         "malformed token: \"exp\" is not an integer"},
        {"{" J_SUB J_NAME J_ROLE J_SESSION "\"exp\":1767229200.0}",
         "malformed token: \"exp\" is not an integer"},
        {"{" J_SUB J_NAME J_ROLE J_SESSION "\"exp\":null}",
         "malformed token: \"exp\" is not an integer"},
        {"{" J_SUB J_NAME J_ROLE "\"session\":\"42\"}", "malformed token: \"exp\" is missing"},
        /* sub */
        {"{" J_NAME J_ROLE J_SESSION J_EXP "}", "malformed token: \"sub\" is missing"},
        {"{\"sub\":17," J_NAME J_ROLE J_SESSION J_EXP "}",
         "malformed token: \"sub\" is not a string"},
        {"{\"sub\":null," J_NAME J_ROLE J_SESSION J_EXP "}",
         "malformed token: \"sub\" is not a string"},
        {"{\"sub\":\"\"," J_NAME J_ROLE J_SESSION J_EXP "}", "malformed token: \"sub\" is empty"},
        {"{\"sub\":\"p\\tq\"," J_NAME J_ROLE J_SESSION J_EXP "}",
         "malformed token: \"sub\" contains a control character"},
        /* name */
        {"{" J_SUB J_ROLE J_SESSION J_EXP "}", "malformed token: \"name\" is missing"},
        {"{" J_SUB "\"name\":[\"Ana\"]," J_ROLE J_SESSION J_EXP "}",
         "malformed token: \"name\" is not a string"},
        {"{" J_SUB "\"name\":\"A\\u0007na\"," J_ROLE J_SESSION J_EXP "}",
         "malformed token: \"name\" contains a control character"},
        {"{" J_SUB "\"name\":\"A\\nna\"," J_ROLE J_SESSION J_EXP "}",
         "malformed token: \"name\" contains a control character"},
        {"{" J_SUB "\"name\":\"A\\u007fna\"," J_ROLE J_SESSION J_EXP "}",
         "malformed token: \"name\" contains a control character"},
        {"{" J_SUB "\"name\":\"A\\u0085na\"," J_ROLE J_SESSION J_EXP "}",
         "malformed token: \"name\" contains a control character"},
        {"{" J_SUB "\"name\":\"A\\u0000na\"," J_ROLE J_SESSION J_EXP "}", NULL},
        /* org */
        {"{" J_SESSION P_BASE ",\"org\":\"\\u001b[2J\"}",
         "malformed token: \"org\" contains a control character"},
        {"{" J_SESSION P_BASE ",\"org\":7}", "malformed token: \"org\" is not a string"},
        {"{" J_SESSION P_BASE ",\"org\":{}}", "malformed token: \"org\" is not a string"},
        /* role */
        {"{" J_SUB J_NAME J_SESSION J_EXP "}", "malformed token: \"role\" is missing"},
        {"{" J_SUB J_NAME "\"role\":\"admin\"," J_SESSION J_EXP "}",
         "malformed token: unknown role"},
        {"{" J_SUB J_NAME "\"role\":\"Trainee\"," J_SESSION J_EXP "}",
         "malformed token: unknown role"},
        {"{" J_SUB J_NAME "\"role\":2," J_SESSION J_EXP "}",
         "malformed token: \"role\" is not a string"},
        /* session */
        {"{" P_BASE "}", "malformed token: \"session\" is missing"},
        {"{" J_SUB J_NAME "\"role\":\"instructor\"," J_EXP "}",
         "malformed token: \"session\" is missing"},
        {"{" J_SUB J_NAME "\"role\":\"checkin\"," J_EXP "}",
         "malformed token: \"session\" is missing"},
        {"{" P_BASE ",\"session\":null}", "malformed token: \"session\" is not a string"},
        {"{" P_BASE ",\"session\":\"abc\"}",
         "malformed token: \"session\" is not a positive decimal id"},
        {"{" P_BASE ",\"session\":\"042\"}",
         "malformed token: \"session\" is not a positive decimal id"},
        {"{" P_BASE ",\"session\":\"0\"}",
         "malformed token: \"session\" is not a positive decimal id"},
        {"{" P_BASE ",\"session\":\"+42\"}",
         "malformed token: \"session\" is not a positive decimal id"},
        {"{" P_BASE ",\"session\":\" 42\"}",
         "malformed token: \"session\" is not a positive decimal id"},
        {"{" P_BASE ",\"session\":\"\"}", "malformed token: \"session\" is empty"},
        {"{" P_BASE ",\"session\":\"99999999999999999999\"}",
         "malformed token: \"session\" is too long"},
        {"{" P_BASE ",\"session\":0}", "malformed token: \"session\" is not a positive decimal id"},
        {"{" P_BASE ",\"session\":-42}",
         "malformed token: \"session\" is not a positive decimal id"},
        {"{" P_BASE ",\"session\":42.0}", "malformed token: \"session\" is not a string"},
        {"{" P_BASE ",\"session\":true}", "malformed token: \"session\" is not a string"},
        /* iat, nbf */
        {"{" J_SESSION P_BASE ",\"nbf\":\"1\"}", "malformed token: \"nbf\" is not an integer"},
        {"{" J_SESSION P_BASE ",\"nbf\":null}", "malformed token: \"nbf\" is not an integer"},
        {"{" J_SESSION P_BASE ",\"iat\":\"1\"}", "malformed token: \"iat\" is not an integer"},
        {"{" J_SESSION P_BASE ",\"iat\":1.5}", "malformed token: \"iat\" is not an integer"},
        {"{" J_SESSION P_BASE ",\"iat\":99999999999999999999}", NULL},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_message("case: %s", cases[i].payload);
        g_autofree char *token = craft(HEADER_OK, cases[i].payload, key);
        assert_refused(token, CR_ERROR_UNAUTHORIZED, cases[i].message);
    }
}

static void
test_payload_lengths(void)
{
    g_autofree char *sub = g_strnfill(CR_TOKEN_MAX_SUB + 1, 's');
    g_autofree char *name = g_strnfill(CR_TOKEN_MAX_NAME + 1, 'n');
    g_autofree char *p1 = g_strdup_printf("{" P_BASE ",\"session\":\"42\",\"sub\":\"%s\"}", sub);
    g_autofree char *p2 = g_strdup_printf(
        "{\"sub\":\"p\",\"name\":\"%s\",\"role\":\"trainee\",\"session\":\"42\",\"exp\":" EXP_OK
        "}", name);
    g_autofree char *p3 = g_strdup_printf("{" P_BASE ",\"session\":\"42\",\"org\":\"%s\"}", name);
    /* p1 has two "sub" members: rebuild it without the first. */
    g_autofree char *p1b = g_strdup_printf(
        "{\"sub\":\"%s\",\"name\":\"Ana\",\"role\":\"trainee\",\"session\":\"42\",\"exp\":" EXP_OK
        "}", sub);
    const struct {
        const char *payload;
        const char *message;
    } cases[] = {
        {p1, NULL}, /* duplicate key */
        {p1b, "malformed token: \"sub\" is too long"},
        {p2, "malformed token: \"name\" is too long"},
        {p3, "malformed token: \"org\" is too long"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *token = craft(HEADER_OK, cases[i].payload, key);
        assert_refused(token, CR_ERROR_UNAUTHORIZED, cases[i].message);
    }
}

static void
test_payload_accepted(void)
{
    static const struct {
        const char *payload;
        const char *session; /* expected out.session */
        const char *org;     /* expected out.org */
    } cases[] = {
        {"{" P_BASE ",\"session\":42}", "42", NULL},
        {"{" P_BASE ",\"session\":9223372036854775807}", "9223372036854775807", NULL},
        {"{" P_BASE ",\"session\":\"42\",\"org\":null}", "42", NULL},
        {"{" P_BASE ",\"session\":\"42\",\"org\":\"\"}", "42", ""},
        {"{" P_BASE ",\"session\":\"42\",\"aud\":\"x\",\"jti\":\"y\",\"extra\":{\"a\":[1]}}", "42",
         NULL},
        {"{\"sub\":\"c\",\"name\":\"C\",\"role\":\"coordinator\",\"exp\":" EXP_OK "}", NULL, NULL},
        {"{\"sub\":\"c\",\"name\":\"C\",\"role\":\"coordinator\",\"session\":\"5\",\"exp\":" EXP_OK
         "}", "5", NULL},
        {"{\"sub\":\"p\",\"name\":\"\\u6797\\u7f8e\",\"org\":\"\xe5\x8f\xb0\",\"role\":\"trainee\","
         "\"session\":\"1\",\"exp\":" EXP_OK "}", "1", "台"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_message("case: %s", cases[i].payload);
        g_autofree char *token = craft(HEADER_OK, cases[i].payload, key);
        CrTokenClaims out = {0};
        assert_accepted(token, NULL, &out);
        g_assert_cmpstr(out.session, ==, cases[i].session);
        g_assert_cmpstr(out.org, ==, cases[i].org);
        g_assert_cmpint(out.exp, ==, 1767229200);
        cr_token_claims_clear(&out);
    }
    g_autofree char *cjk = craft(HEADER_OK, cases[G_N_ELEMENTS(cases) - 1].payload, key);
    CrTokenClaims out = {0};
    assert_accepted(cjk, "1", &out);
    g_assert_cmpstr(out.name, ==, "林美");
    cr_token_claims_clear(&out);
}

/* ---- verifying: time and session ----------------------------------------- */

static void
test_time(void)
{
    static const struct {
        gint64 nbf, exp, leeway;
        const char *message; /* NULL: accepted */
    } cases[] = {
        {0, NOW + 1, 0, NULL},
        {0, NOW, 0, "token expired"},
        {0, NOW - 1, 0, "token expired"},
        {0, NOW - 1, LEEWAY, NULL},
        {0, NOW - LEEWAY + 1, LEEWAY, NULL},
        {0, NOW - LEEWAY, LEEWAY, "token expired"},
        {0, G_MININT64, LEEWAY, "token expired"},
        {0, G_MAXINT64, LEEWAY, NULL},
        {NOW, NOW + 60, 0, NULL},
        {NOW + 1, NOW + 60, 0, "token not yet valid"},
        {NOW + LEEWAY, NOW + 60, LEEWAY, NULL},
        {NOW + LEEWAY + 1, NOW + 60, LEEWAY, "token not yet valid"},
        {G_MAXINT64, G_MAXINT64, LEEWAY, "token not yet valid"},
        {G_MININT64, NOW + 60, LEEWAY, NULL},
        {NOW + 10, NOW - 10, 0, "token expired"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_message("case %" G_GSIZE_FORMAT, i);
        g_autofree char *payload = g_strdup_printf(
            "{\"sub\":\"p-1\",\"name\":\"Ana\",\"role\":\"trainee\",\"session\":\"42\","
            "\"nbf\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT "}",
            cases[i].nbf, cases[i].exp);
        g_autofree char *token = craft(HEADER_OK, payload, key);
        CrTokenClaims out;
        memset(&out, 0x5a, sizeof out);
        g_autoptr(GError) error = NULL;
        gboolean ok = cr_token_verify(token, strlen(token), key, KEY_LEN, NOW,
                                      cases[i].leeway, "42", &out, &error);
        if (cases[i].message == NULL) {
            g_assert_no_error(error);
            g_assert_true(ok);
            g_assert_cmpint(out.exp, ==, cases[i].exp);
            g_assert_cmpint(out.nbf, ==, cases[i].nbf);
            cr_token_claims_clear(&out);
        } else {
            g_assert_false(ok);
            g_assert_error(error, CR_ERROR, CR_ERROR_UNAUTHORIZED);
            g_assert_cmpstr(error->message, ==, cases[i].message);
            g_assert_true(claims_are_zero(&out));
        }
    }
}

static void
test_session(void)
{
    g_autofree char *trainee = sign_ok(); /* session "42" */
    g_autofree char *as_int = craft(HEADER_OK, "{" P_BASE ",\"session\":42}", key);
    g_autofree char *coordinator =
        craft(HEADER_OK, "{" J_SUB J_NAME "\"role\":\"coordinator\"," J_EXP "}", key);
    g_autofree char *expired_other =
        craft(HEADER_OK, "{" J_SUB J_NAME J_ROLE "\"session\":\"7\",\"exp\":1}", key);

    static const char forbidden[] = "token is for another session";
    assert_refused_len(trainee, strlen(trainee), "43", CR_ERROR_FORBIDDEN, forbidden);
    assert_refused_len(trainee, strlen(trainee), "420", CR_ERROR_FORBIDDEN, forbidden);
    assert_refused_len(trainee, strlen(trainee), "4", CR_ERROR_FORBIDDEN, forbidden);
    assert_refused_len(trainee, strlen(trainee), "", CR_ERROR_FORBIDDEN, forbidden);
    assert_refused_len(as_int, strlen(as_int), "43", CR_ERROR_FORBIDDEN, forbidden);
    assert_refused_len(coordinator, strlen(coordinator), "42", CR_ERROR_FORBIDDEN, forbidden);
    /* Expiry is reported before the session: the token is simply dead. */
    assert_refused_len(expired_other, strlen(expired_other), "42", CR_ERROR_UNAUTHORIZED,
                       "token expired");

    CrTokenClaims out = {0};
    assert_accepted(trainee, "42", &out);
    cr_token_claims_clear(&out);
    assert_accepted(as_int, "42", &out);
    g_assert_cmpstr(out.session, ==, "42");
    cr_token_claims_clear(&out);
    assert_accepted(coordinator, NULL, &out);
    g_assert_null(out.session);
    cr_token_claims_clear(&out);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/token/role-names", test_role_names);
    g_test_add_func("/token/claims-clear", test_claims_clear);
    g_test_add_func("/token/sign/round-trip", test_round_trip);
    g_test_add_func("/token/sign/format", test_sign_format);
    g_test_add_func("/token/sign/limits", test_sign_limits);
    g_test_add_func("/token/sign/refuses", test_sign_refuses);
    g_test_add_func("/token/sign/short-key", test_short_key);
    g_test_add_func("/token/verify/structure", test_structure);
    g_test_add_func("/token/verify/not-nul-terminated", test_not_nul_terminated);
    g_test_add_func("/token/verify/too-long", test_too_long);
    g_test_add_func("/token/verify/header", test_header);
    g_test_add_func("/token/verify/signature", test_signature);
    g_test_add_func("/token/verify/signature-before-payload", test_signature_before_payload);
    g_test_add_func("/token/verify/payload-refused", test_payload_refused);
    g_test_add_func("/token/verify/payload-lengths", test_payload_lengths);
    g_test_add_func("/token/verify/payload-accepted", test_payload_accepted);
    g_test_add_func("/token/verify/time", test_time);
    g_test_add_func("/token/verify/session", test_session);
    return g_test_run();
}
