/* token.h — join tokens: JWT (RFC 7519) signed with HS256 (RFC 7518 §3.2).
 *
 * Pure functions of their inputs (bytes, key, time); any thread; fuzzed by
 * tests/fuzz/fuzz-token.c. The signing key is given by the caller:
 * signaling derives it from the configured secret. Keys shorter than 32
 * bytes are a programming error (g_return_val_if_fail): RFC 7518 §3.2
 * requires at least the hash size for HS256.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    CR_ROLE_NONE = 0,
    CR_ROLE_INSTRUCTOR,
    CR_ROLE_TRAINEE,
    CR_ROLE_COORDINATOR,
    /* A short-lived in-room check-in code (signed with a different key, see
     * signaling/auth.c): never accepted where a person's token is needed. */
    CR_ROLE_CHECKIN,
} CrRole;

/* "instructor", "trainee", "coordinator", "checkin"; NULL for NONE. */
const char *cr_role_name(CrRole role);
/* The role named @name; CR_ROLE_NONE when unknown. */
CrRole cr_role_from_name(const char *name);

/* Limits on claims, checked when signing and when verifying. */
#define CR_TOKEN_MAX_LEN 4096
#define CR_TOKEN_MAX_SUB 128
#define CR_TOKEN_MAX_NAME 200

typedef struct {
    char *sub;     /* person id; required; 1..CR_TOKEN_MAX_SUB bytes, no controls */
    char *name;    /* display name; required; 1..CR_TOKEN_MAX_NAME bytes */
    char *org;     /* organisation; optional (NULL) */
    CrRole role;   /* required */
    char *session; /* decimal session id; required unless role is coordinator */
    gint64 iat;    /* issued at, Unix seconds */
    gint64 nbf;    /* not before */
    gint64 exp;    /* expires */
} CrTokenClaims;

/* Frees the strings inside @claims and zeroes it; safe on a zeroed struct. */
void cr_token_claims_clear(CrTokenClaims *claims);

/* Signs @claims. Returns the compact JWS (header.payload.signature), newly
 * allocated; NULL with @error (CR_ERROR_BAD_REQUEST) when a claim breaks the
 * rules above. */
char *cr_token_sign(const CrTokenClaims *claims, const guint8 *key, gsize key_len,
                    GError **error);

/* Verifies @token (@len bytes, need not be NUL-terminated) and fills @out.
 *
 * Refuses, with CR_ERROR_UNAUTHORIZED and a message saying why: any length
 * over CR_TOKEN_MAX_LEN, anything but three base64url parts, a header that
 * is not {"alg":"HS256"} (optional "typ":"JWT"; "none" and every other alg
 * refused), a signature that does not match (compared in constant time),
 * malformed JSON or claims of the wrong type, a missing required claim,
 * exp <= now - leeway, nbf > now + leeway, an unknown role.
 * When @expected_session is not NULL and the token names another session
 * (or none), fails with CR_ERROR_FORBIDDEN.
 * On error @out is left zeroed. */
gboolean cr_token_verify(const char *token, gsize len, const guint8 *key, gsize key_len,
                         gint64 now, gint64 leeway, const char *expected_session,
                         CrTokenClaims *out, GError **error);

G_END_DECLS
