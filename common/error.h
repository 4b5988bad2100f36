/* error.h — the error codes classrelay shows to the outside.
 *
 * One GError domain for every error that reaches a client: the WebSocket
 * protocol's `{"type":"error","code":...}` and the HTTP API's
 * `{"error":{"code":...}}` both use these names (docs/protocol.md).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CR_ERROR (cr_error_quark())
GQuark cr_error_quark(void);

typedef enum {
    CR_ERROR_BAD_REQUEST,
    CR_ERROR_UNAUTHORIZED,
    CR_ERROR_FORBIDDEN,
    CR_ERROR_NOT_FOUND,
    CR_ERROR_TOO_LARGE,
    CR_ERROR_RATE_LIMITED,
    CR_ERROR_CONFLICT,
    CR_ERROR_INTERNAL,
    CR_ERROR_UNAVAILABLE, /* a resource is short (disk space): try later */
    CR_ERROR_N_CODES
} CrErrorCode;

/* "bad_request", "unauthorized", ... ("internal" for unknown codes). */
const char *cr_error_code_name(int code);

/* The HTTP status for a code: 400, 401, 403, 404, 413, 429, 409, 500. */
int cr_error_http_status(int code);

/* The code of @error if it is in CR_ERROR, else CR_ERROR_INTERNAL. */
CrErrorCode cr_error_code_of(const GError *error);

G_END_DECLS
