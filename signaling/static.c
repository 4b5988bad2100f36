/* static.c — serving the web app's files from the web root.
 *
 * Control loop thread only. Page routes map to their HTML file
 * (/class/{session} -> class.html); everything else must name a file
 * under the web root by a plain path (no "..", no hidden files).
 */
#include "signaling/signaling-private.h"

static const struct {
    const char *prefix; /* path, or path prefix ending in '/' */
    const char *file;
} pages[] = {
    {"/", "index.html"},
    {"/class/", "class.html"},
    {"/join/", "join.html"},
    {"/checkin/", "checkin.html"},
    {"/coordinator", "coordinator.html"},
};

static const struct {
    const char *ext;
    const char *mime;
} mimes[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
};

static const char *
page_file(const char *path)
{
    for (gsize i = 0; i < G_N_ELEMENTS(pages); i++) {
        const char *prefix = pages[i].prefix;
        gsize len = strlen(prefix);
        gboolean is_prefix = len > 1 && prefix[len - 1] == '/';
        if (is_prefix ? (strncmp(path, prefix, len) == 0 && cr_parse_id(path + len) > 0)
                      : strcmp(path, prefix) == 0)
            return pages[i].file;
    }
    return NULL;
}

/* A path is safe when every segment is non-empty, does not start with a
 * dot, and uses only [A-Za-z0-9._-]. */
static gboolean
safe_path(const char *path)
{
    if (path[0] != '/' || path[1] == '\0')
        return FALSE;
    gboolean segment_start = TRUE;
    for (const char *p = path + 1; *p != '\0'; p++) {
        if (*p == '/') {
            if (segment_start)
                return FALSE;
            segment_start = TRUE;
            continue;
        }
        if (segment_start && *p == '.')
            return FALSE;
        if (!g_ascii_isalnum(*p) && *p != '.' && *p != '_' && *p != '-')
            return FALSE;
        segment_start = FALSE;
    }
    return !segment_start;
}

static const char *
mime_of(const char *file)
{
    for (gsize i = 0; i < G_N_ELEMENTS(mimes); i++) {
        if (g_str_has_suffix(file, mimes[i].ext))
            return mimes[i].mime;
    }
    return NULL;
}

void
cr_static_serve(CrHttpRequest *req)
{
    const char *page = page_file(req->path);
    g_autofree char *rel = page != NULL ? g_strdup(page)
                           : safe_path(req->path) ? g_strdup(req->path + 1)
                                                  : NULL;
    const char *mime = rel != NULL ? mime_of(rel) : NULL;
    g_autofree char *file = rel != NULL ? g_build_filename(req->server->web_root, rel, NULL)
                                        : NULL;
    if (mime == NULL || !g_file_test(file, G_FILE_TEST_IS_REGULAR)) {
        cr_http_respond_error(req, CR_ERROR_NOT_FOUND, "not found");
        return;
    }
    static const char extra[] = "x-content-type-options: nosniff\r\n"
                                "referrer-policy: no-referrer\r\n"
                                "cache-control: no-cache\r\n";
    req->responded = TRUE;
    req->server->metrics.http_by_class[2]++;
    int n = lws_serve_http_file(req->wsi, file, mime, extra, (int)strlen(extra));
    if (n < 0 || (n > 0 && lws_http_transaction_completed(req->wsi)))
        lws_set_timeout(req->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}
