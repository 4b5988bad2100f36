/* base64url.h — base64url without padding (RFC 4648 §5), strict.
 *
 * Pure functions, any thread. Used by join tokens (RFC 7515 §2).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Encodes @len bytes; returns a newly allocated NUL-terminated string. */
char *cr_base64url_encode(const guint8 *data, gsize len);

/* Decodes @len characters of unpadded base64url. Refuses padding, characters
 * outside the url-safe alphabet, impossible lengths (len % 4 == 1) and
 * non-canonical trailing bits. On success returns a newly allocated buffer
 * (NUL-terminated for convenience, not counted in *out_len); on error NULL. */
guint8 *cr_base64url_decode(const char *text, gsize len, gsize *out_len);

G_END_DECLS
