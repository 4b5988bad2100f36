/* api-recordings.c — the recordings catalog over HTTP (docs/api.md,
 * "Recordings"): list, read, delete, and the media file with Range
 * support so that a browser <video> can seek.
 *
 * Control loop thread only. Who may see a recording is known only once its
 * row is read (its session), so a recording endpoint authorizes the role
 * first and the session in the store's done callback. The file is streamed
 * by http-file.c, never read into memory.
 */
#include "signaling/signaling-private.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "common/json.h"
#include "recorder/catalog.h"

#define ROLE(r)        (1u << (r))
#define COORD          ROLE(CR_ROLE_COORDINATOR)
#define COORD_OR_INSTR (COORD | ROLE(CR_ROLE_INSTRUCTOR))

/* The recording as the API shows it: the internal path replaced by the
 * URL of its media. */
json_t *
cr_api_recording_public(const json_t *recording)
{
    json_t *out = json_deep_copy(recording);
    json_object_del(out, "path");
    g_autofree char *url = g_strdup_printf("/api/recordings/%" JSON_INTEGER_FORMAT "/media",
                                           json_integer_value(json_object_get(recording, "id")));
    json_object_set_new(out, "media_url", json_string(url));
    return out;
}

static gint64
recording_session(const json_t *recording)
{
    return json_integer_value(json_object_get(recording, "session_id"));
}

/* An instructor sees their own session's recordings only. */
static gboolean
may_see(CrHttpRequest *req, const json_t *recording)
{
    if (req->claims.role == CR_ROLE_COORDINATOR ||
        cr_parse_id(req->claims.session) == recording_session(recording))
        return TRUE;
    cr_http_respond_error(req, CR_ERROR_FORBIDDEN, "token is for another session");
    return FALSE;
}

/* ---- GET /api/sessions/{id}/recordings ---- */

static void
list_done(gpointer result, const GError *error, gpointer user_data)
{
    CrHttpRequest *req = user_data;
    if (error != NULL) {
        cr_http_respond_gerror(req, error);
    } else {
        json_t *list = json_array();
        json_t *rec;
        size_t i;
        json_array_foreach(json_object_get(result, "recordings"), i, rec)
            json_array_append_new(list, cr_api_recording_public(rec));
        cr_http_respond_json(req, 200, json_pack("{s:o}", "recordings", list));
    }
    cr_http_request_unref(req);
}

void
cr_api_session_recordings(CrHttpRequest *req, const char *const *args)
{
    gint64 id = cr_api_session_arg(req, args, COORD_OR_INSTR);
    if (id == 0)
        return;
    cr_store_list_recordings(req->server->store, id, list_done, cr_http_request_ref(req));
}

/* ---- GET and DELETE /api/recordings/{id} ---- */

/* Authorizes and parses the id; 0 when it answered already. */
static gint64
recording_arg(CrHttpRequest *req, const char *const *args, guint roles)
{
    gint64 id = cr_parse_id(args[0]);
    if (!cr_api_authorize(req, roles, 0))
        return 0;
    if (id == 0)
        cr_http_respond_error(req, CR_ERROR_NOT_FOUND, "no such recording");
    return id;
}

static void
get_done(gpointer result, const GError *error, gpointer user_data)
{
    CrHttpRequest *req = user_data;
    if (error != NULL)
        cr_http_respond_gerror(req, error);
    else if (may_see(req, result))
        cr_http_respond_json(req, 200, cr_api_recording_public(result));
    cr_http_request_unref(req);
}

static void
delete_done(gpointer result, const GError *error, gpointer user_data)
{
    CrHttpRequest *req = user_data;
    g_autoptr(GError) file_error = NULL;
    if (error != NULL) {
        cr_http_respond_gerror(req, error);
    } else {
        /* The row is gone (and the deletion in the outbox): the file goes
         * next. A file that cannot be removed is an orphan to log, not a
         * reason to tell the client the recording still exists. */
        g_autofree char *dir = cr_config_recordings_dir(req->server->config);
        const char *relative = json_string_value(json_object_get(result, "path"));
        if (!cr_recording_remove_file(dir, relative, &file_error))
            g_warning("[recordings] recording %" JSON_INTEGER_FORMAT " deleted, file kept: %s",
                      json_integer_value(json_object_get(result, "id")), file_error->message);
        else
            g_message("[recordings] recording %" JSON_INTEGER_FORMAT " deleted by %s (%s)",
                      json_integer_value(json_object_get(result, "id")), req->claims.sub, relative);
        cr_http_respond(req, 204, "text/plain", g_bytes_new_static("", 0));
    }
    cr_http_request_unref(req);
}

void
cr_api_recording(CrHttpRequest *req, const char *const *args)
{
    gboolean delete = strcmp(req->method, "DELETE") == 0;
    gint64 id = recording_arg(req, args, delete ? COORD : COORD_OR_INSTR);
    if (id == 0)
        return;
    if (delete)
        cr_store_delete_recording(req->server->store, id, delete_done, cr_http_request_ref(req));
    else
        cr_store_get_recording(req->server->store, id, get_done, cr_http_request_ref(req));
}

/* ---- GET and HEAD /api/recordings/{id}/media ---- */

static const char *
media_type(const char *container)
{
    if (g_strcmp0(container, "webm") == 0)
        return "video/webm";
    if (g_strcmp0(container, "mp4") == 0)
        return "video/mp4";
    return "video/x-matroska";
}

/* Opens the recording's file; on failure responds and returns -1. */
static int
open_media(CrHttpRequest *req, const json_t *recording, guint64 *size)
{
    g_autofree char *dir = cr_config_recordings_dir(req->server->config);
    const char *relative = json_string_value(json_object_get(recording, "path"));
    g_autofree char *path = cr_recording_path(dir, relative);
    int fd = path != NULL ? g_open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0) : -1;
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
    }
    if (fd < 0) {
        g_warning("[recordings] recording %" JSON_INTEGER_FORMAT ": cannot open %s",
                  json_integer_value(json_object_get(recording, "id")),
                  path != NULL ? path : relative);
        cr_http_respond_error(req, CR_ERROR_NOT_FOUND, "the recording's file is missing");
        return -1;
    }
    *size = (guint64)st.st_size;
    return fd;
}

/* The Range header is read when the request arrives: lws's header table is
 * not promised to outlive the callback that delivered it. */
typedef struct {
    CrHttpRequest *req; /* a reference */
    char *range;        /* NULL: none */
} MediaCtx;

static void
serve_media(CrHttpRequest *req, const json_t *recording, const char *range)
{
    const char *state = json_string_value(json_object_get(recording, "state"));
    if (g_strcmp0(state, "recording") == 0 || g_strcmp0(state, "finalizing") == 0) {
        cr_http_respond_error(req, CR_ERROR_CONFLICT,
                              "the recording is still being written; try when it has finished");
        return;
    }
    guint64 size = 0;
    int fd = open_media(req, recording, &size);
    if (fd < 0)
        return;
    guint64 first = 0, last = 0;
    CrHttpRange kind = cr_http_range_parse(range, size, &first, &last);
    g_autofree char *name =
        g_strdup_printf("inline; filename=\"recording-%" JSON_INTEGER_FORMAT ".%s\"",
                        json_integer_value(json_object_get(recording, "id")),
                        json_string_value(json_object_get(recording, "container")));
    cr_http_add_header(req, "accept-ranges:", "bytes");
    if (kind == CR_HTTP_RANGE_UNSATISFIABLE) {
        close(fd);
        g_autofree char *cr = g_strdup_printf("bytes */%" G_GUINT64_FORMAT, size);
        cr_http_add_header(req, "content-range:", cr);
        cr_http_respond_error(req, CR_ERROR_BAD_REQUEST, "range not satisfiable");
        req->status = 416;
        return;
    }
    req->resp_disposition = g_steal_pointer(&name);
    const char *type = media_type(json_string_value(json_object_get(recording, "container")));
    if (kind == CR_HTTP_RANGE_OK) {
        g_autofree char *cr =
            g_strdup_printf("bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
                            first, last, size);
        cr_http_add_header(req, "content-range:", cr);
        cr_http_respond_file(req, 206, type, fd, first, last - first + 1);
    } else {
        cr_http_respond_file(req, 200, type, fd, 0, size);
    }
}

static void
media_done(gpointer result, const GError *error, gpointer user_data)
{
    MediaCtx *ctx = user_data;
    CrHttpRequest *req = ctx->req;
    if (error != NULL)
        cr_http_respond_gerror(req, error);
    else if (req->wsi != NULL && may_see(req, result))
        serve_media(req, result, ctx->range);
    cr_http_request_unref(req);
    g_free(ctx->range);
    g_free(ctx);
}

void
cr_api_recording_media(CrHttpRequest *req, const char *const *args)
{
    /* A <video src> cannot send a header: the page puts its token in the
     * query instead (the response says no-referrer, so it does not leak
     * onwards). */
    if (req->authorization == NULL) {
        g_autofree char *token = cr_http_query_param(req, "token");
        if (token != NULL)
            req->authorization = g_strconcat("Bearer ", token, NULL);
    }
    gint64 id = recording_arg(req, args, COORD_OR_INSTR);
    if (id == 0)
        return;
    MediaCtx *ctx = g_new0(MediaCtx, 1);
    ctx->req = cr_http_request_ref(req);
    /* Longer than any two 20-digit positions: not a range we would serve. */
    ctx->range = cr_http_header(req->wsi, WSI_TOKEN_HTTP_RANGE, 128);
    cr_store_get_recording(req->server->store, id, media_done, ctx);
}
