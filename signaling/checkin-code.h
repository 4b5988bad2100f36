/* checkin-code.h — short in-room check-in codes.
 *
 * A code is "<expiry>.<mac>": the expiry in Unix seconds, base 36, and the
 * first 16 bytes (128 bits) of HMAC-SHA-256(check-in key, "classrelay
 * check-in\n<session>\n<expiry>"), base64url — about 30 characters, so the
 * QR code on the classroom screen stays small enough to scan from the back
 * of the room (a signed JWT made a version-13 code). The session is not in
 * the code: it is in the URL, and the MAC binds the code to it.
 *
 * Pure; any thread; fuzzed by tests/fuzz/fuzz-checkin-code.c.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CR_CHECKIN_CODE_MAX_LEN 64

char *cr_checkin_code_make(const guint8 *key, gsize key_len, gint64 session, gint64 expires);
/* TRUE when @code (@len bytes) is a well-formed code for @session, made
 * with @key, not expired at @now (with @leeway seconds). */
gboolean cr_checkin_code_check(const guint8 *key, gsize key_len, gint64 session, const char *code,
                               gsize len, gint64 now, gint64 leeway);

G_END_DECLS
