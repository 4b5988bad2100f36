/* http.c — HTTP requests on libwebsockets: collecting the request and
 * its body, and writing a response that may be produced later (after a
 * store operation) than the callback that received the request.
 *
 * Control loop thread only. A CrHttpRequest is reference counted: the lws
 * connection holds one reference until CLOSED_HTTP, and each pending
 * asynchronous operation holds one, so a reply arriving after the client
 * left finds req->wsi == NULL and is dropped.
 */
#include "signaling/signaling-private.h"

#include "common/json.h"

#define CHUNK 16384

CrHttpRequest *
cr_http_request_ref(CrHttpRequest *req)
{
    req->refs++;
    return req;
}

void
cr_http_request_unref(CrHttpRequest *req)
{
    if (--req->refs > 0)
        return;
    g_free(req->method);
    g_free(req->path);
    g_free(req->query);
    g_free(req->authorization);
    g_free(req->content_type);
    if (req->body != NULL)
        g_string_free(req->body, TRUE);
    cr_token_claims_clear(&req->claims);
    g_free(req->resp_type);
    g_free(req->resp_disposition);
    if (req->resp_headers != NULL)
        g_ptr_array_unref(req->resp_headers);
    if (req->resp_body != NULL)
        g_bytes_unref(req->resp_body);
    cr_http_file_body_free(req->resp_file);
    g_free(req);
}

char *
cr_http_header(struct lws *wsi, enum lws_token_indexes token, int max)
{
    int len = lws_hdr_total_length(wsi, token);
    if (len <= 0 || len > max)
        return NULL;
    char *buf = g_malloc((gsize)len + 1);
    if (lws_hdr_copy(wsi, buf, len + 1, token) < 0) {
        g_free(buf);
        return NULL;
    }
    return buf;
}

static const struct {
    enum lws_token_indexes token;
    const char *method;
} methods[] = {
    {WSI_TOKEN_GET_URI, "GET"},         {WSI_TOKEN_POST_URI, "POST"},
    {WSI_TOKEN_PUT_URI, "PUT"},         {WSI_TOKEN_PATCH_URI, "PATCH"},
    {WSI_TOKEN_DELETE_URI, "DELETE"},   {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
    {WSI_TOKEN_HEAD_URI, "HEAD"},
};

static CrHttpRequest *
request_new(CrSignaling *server, struct lws *wsi)
{
    CrHttpRequest *req = g_new0(CrHttpRequest, 1);
    req->server = server;
    req->wsi = wsi;
    req->refs = 1;
    for (gsize i = 0; i < G_N_ELEMENTS(methods) && req->method == NULL; i++) {
        req->path = cr_http_header(wsi, methods[i].token, 2048);
        if (req->path != NULL)
            req->method = g_strdup(methods[i].method);
    }
    char *q = req->path != NULL ? strchr(req->path, '?') : NULL;
    if (q != NULL) {
        req->query = g_strdup(q + 1);
        *q = '\0';
    }
    /* lws keeps the query apart from the URI; join its fragments back. */
    if (req->query == NULL && lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS) > 0) {
        GString *args = g_string_new(NULL);
        char frag[4096];
        for (int i = 0; lws_hdr_copy_fragment(wsi, frag, sizeof frag,
                                              WSI_TOKEN_HTTP_URI_ARGS, i) > 0;
             i++)
            g_string_append_printf(args, "%s%s", i > 0 ? "&" : "", frag);
        req->query = g_string_free(args, FALSE);
    }
    req->authorization = cr_http_header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, 8192);
    req->content_type = cr_http_header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, 256);
    req->body = g_string_new(NULL);
    return req;
}

void
cr_http_add_header(CrHttpRequest *req, const char *name, const char *value)
{
    if (req->resp_headers == NULL)
        req->resp_headers = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(req->resp_headers, g_strdup(name));
    g_ptr_array_add(req->resp_headers, g_strdup(value));
}

char *
cr_http_query_param(const CrHttpRequest *req, const char *name)
{
    if (req->query == NULL)
        return NULL;
    g_auto(GStrv) pairs = g_strsplit(req->query, "&", 64);
    gsize name_len = strlen(name);
    for (char **p = pairs; *p != NULL; p++) {
        if (strncmp(*p, name, name_len) == 0 && (*p)[name_len] == '=')
            return g_uri_unescape_string((*p) + name_len + 1, NULL);
    }
    return NULL;
}

void
cr_http_respond(CrHttpRequest *req, int status, const char *content_type, GBytes *body)
{
    if (req->responded) {
        g_bytes_unref(body);
        return;
    }
    req->responded = TRUE;
    req->status = status;
    req->resp_type = g_strdup(content_type);
    req->resp_body = body;
    req->server->metrics.http_by_class[MIN(status / 100, 5)]++;
    if (req->wsi != NULL)
        lws_callback_on_writable(req->wsi);
}

void
cr_http_respond_json(CrHttpRequest *req, int status, json_t *json)
{
    char *text = cr_json_to_string(json);
    json_decref(json);
    gsize len = strlen(text);
    /* A newline at the end keeps curl output and logs tidy. */
    char *with_nl = g_realloc(text, len + 2);
    with_nl[len] = '\n';
    with_nl[len + 1] = '\0';
    cr_http_respond(req, status, "application/json; charset=utf-8",
                    g_bytes_new_take(with_nl, len + 1));
}

void
cr_http_respond_error(CrHttpRequest *req, CrErrorCode code, const char *message)
{
    req->server->metrics.errors[code]++;
    cr_http_respond_json(req, cr_error_http_status(code),
                         json_pack("{s:{s:s, s:s}}", "error", "code", cr_error_code_name(code),
                                   "message", message));
}

void
cr_http_respond_gerror(CrHttpRequest *req, const GError *error)
{
    cr_http_respond_error(req, cr_error_code_of(error), error->message);
}

static int
write_headers(CrHttpRequest *req)
{
    guint8 buf[LWS_PRE + 8192];
    guint8 *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
    guint64 len = req->resp_file != NULL   ? req->resp_file->remain
                  : req->resp_body != NULL ? g_bytes_get_size(req->resp_body)
                                           : 0;
    static const char *const security[][2] = {
        {"x-content-type-options:", "nosniff"},
        {"referrer-policy:", "no-referrer"},
        {"cache-control:", "no-store"},
    };
    if (lws_add_http_common_headers(req->wsi, (unsigned int)req->status, req->resp_type,
                                    (lws_filepos_t)len, &p, end))
        return -1;
    for (gsize i = 0; i < G_N_ELEMENTS(security); i++) {
        if (lws_add_http_header_by_name(req->wsi, (const guint8 *)security[i][0],
                                        (const guint8 *)security[i][1],
                                        (int)strlen(security[i][1]), &p, end))
            return -1;
    }
    if (req->resp_disposition != NULL &&
        lws_add_http_header_by_name(req->wsi, (const guint8 *)"content-disposition:",
                                    (const guint8 *)req->resp_disposition,
                                    (int)strlen(req->resp_disposition), &p, end))
        return -1;
    for (guint i = 0; req->resp_headers != NULL && i + 1 < req->resp_headers->len; i += 2) {
        const char *name = g_ptr_array_index(req->resp_headers, i);
        const char *value = g_ptr_array_index(req->resp_headers, i + 1);
        if (lws_add_http_header_by_name(req->wsi, (const guint8 *)name, (const guint8 *)value,
                                        (int)strlen(value), &p, end))
            return -1;
    }
    if (lws_finalize_write_http_header(req->wsi, start, &p, end))
        return -1;
    req->headers_sent = TRUE;
    return 0;
}

/* Writes the headers, then the body in chunks, one write per callback. */
static int
writeable(CrHttpRequest *req)
{
    if (!req->responded)
        return 0;
    if (!req->headers_sent) {
        if (write_headers(req) < 0)
            return -1;
        lws_callback_on_writable(req->wsi);
        return 0;
    }
    if (req->resp_file != NULL)
        return cr_http_file_write(req);
    gsize total = 0;
    const guint8 *data = req->resp_body ? g_bytes_get_data(req->resp_body, &total) : NULL;
    gsize n = MIN(total - req->resp_sent, CHUNK);
    gboolean last = req->resp_sent + n >= total;
    g_autofree guint8 *frame = g_malloc(LWS_PRE + n + 1);
    if (n > 0)
        memcpy(frame + LWS_PRE, data + req->resp_sent, n);
    if (lws_write(req->wsi, frame + LWS_PRE, n,
                  last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
        return -1;
    req->resp_sent += n;
    if (!last) {
        lws_callback_on_writable(req->wsi);
        return 0;
    }
    return lws_http_transaction_completed(req->wsi) ? -1 : 0;
}

static gboolean
has_body(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
           strcmp(method, "PATCH") == 0;
}

/* No Content-Length, or zero: lws may send no BODY_COMPLETION then. */
static gboolean
body_absent(struct lws *wsi)
{
    g_autofree char *value = cr_http_header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, 32);
    return value == NULL || strcmp(value, "0") == 0;
}

static void
request_complete(CrHttpRequest *req)
{
    /* Some lws versions also send BODY_COMPLETION for "Content-Length: 0":
     * a request is dispatched once, whichever comes first. */
    if (req->dispatched)
        return;
    req->dispatched = TRUE;
    req->server->metrics.http_requests++;
    if (req->body_too_large)
        cr_http_respond_error(req, CR_ERROR_TOO_LARGE, "request body too large");
    else
        cr_api_dispatch(req);
}

int
cr_http_callback(CrSignaling *server, struct lws *wsi, enum lws_callback_reasons reason,
                 void *user, void *in, size_t len)
{
    CrWsiData *data = user;
    CrHttpRequest *req = data != NULL ? data->req : NULL;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        if (req != NULL) { /* keep-alive: the previous request is done */
            req->wsi = NULL;
            cr_http_request_unref(req);
        }
        req = data->req = request_new(server, wsi);
        if (req->method == NULL || req->path == NULL) {
            req->method = g_strdup("GET");
            req->path = g_strdup("/");
            cr_http_respond_error(req, CR_ERROR_BAD_REQUEST, "unsupported HTTP method");
        } else if (!has_body(req->method) || body_absent(wsi)) {
            request_complete(req);
        }
        return 0;
    case LWS_CALLBACK_HTTP_BODY:
        if (req != NULL && !req->body_too_large) {
            if (req->body->len + len > (gsize)server->config->server.max_http_body_bytes)
                req->body_too_large = TRUE;
            else
                g_string_append_len(req->body, in, (gssize)len);
        }
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (req != NULL)
            request_complete(req);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return req != NULL && req->wsi != NULL ? writeable(req) : 0;
    case LWS_CALLBACK_HTTP_FILE_COMPLETION:
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        /* DROP_PROTOCOL comes when lws frees the per-connection data, also
         * for kept-alive connections that never see CLOSED_HTTP. */
        if (req != NULL) {
            req->wsi = NULL;
            data->req = NULL;
            cr_http_request_unref(req);
        }
        return 0;
    default:
        return 0;
    }
}
