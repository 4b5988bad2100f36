/* error.c — see error.h. */
#include "common/error.h"

G_DEFINE_QUARK(cr-error-quark, cr_error)

static const struct {
    const char *name;
    int http_status;
} codes[CR_ERROR_N_CODES] = {
    [CR_ERROR_BAD_REQUEST] = {"bad_request", 400},
    [CR_ERROR_UNAUTHORIZED] = {"unauthorized", 401},
    [CR_ERROR_FORBIDDEN] = {"forbidden", 403},
    [CR_ERROR_NOT_FOUND] = {"not_found", 404},
    [CR_ERROR_TOO_LARGE] = {"too_large", 413},
    [CR_ERROR_RATE_LIMITED] = {"rate_limited", 429},
    [CR_ERROR_CONFLICT] = {"conflict", 409},
    [CR_ERROR_INTERNAL] = {"internal", 500},
    [CR_ERROR_UNAVAILABLE] = {"unavailable", 503},
};

const char *
cr_error_code_name(int code)
{
    if (code < 0 || code >= CR_ERROR_N_CODES)
        code = CR_ERROR_INTERNAL;
    return codes[code].name;
}

int
cr_error_http_status(int code)
{
    if (code < 0 || code >= CR_ERROR_N_CODES)
        code = CR_ERROR_INTERNAL;
    return codes[code].http_status;
}

CrErrorCode
cr_error_code_of(const GError *error)
{
    if (error == NULL || error->domain != CR_ERROR || error->code < 0 ||
        error->code >= CR_ERROR_N_CODES)
        return CR_ERROR_INTERNAL;
    return (CrErrorCode)error->code;
}
