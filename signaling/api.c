/* api.c — routing of HTTP requests, bearer-token authorization and the
 * helpers the API handlers share (docs/api.md).
 *
 * Control loop thread only. Routes are a table of method + path pattern,
 * where "*" matches one path segment that is handed to the handler.
 */
#include "signaling/signaling-private.h"

#include "common/json.h"

#define ROLE(r) (1u << (r))
#define COORD ROLE(CR_ROLE_COORDINATOR)
#define COORD_OR_INSTR (COORD | ROLE(CR_ROLE_INSTRUCTOR))

typedef void (*ApiHandler)(CrHttpRequest *req, const char *const *args);

typedef struct {
    const char *method;
    const char *pattern;
    ApiHandler handler;
} Route;

static const Route routes[] = {
    {"GET", "/healthz", cr_api_healthz},
    {"GET", "/metrics", cr_api_metrics},
    {"GET", "/api/me", cr_api_whoami},
    {"GET", "/api/courses", cr_api_courses},
    {"POST", "/api/courses", cr_api_courses},
    {"GET", "/api/courses/*", cr_api_course},
    {"GET", "/api/courses/*/attendance", cr_api_course_attendance},
    {"GET", "/api/sessions", cr_api_sessions},
    {"POST", "/api/sessions", cr_api_sessions},
    {"GET", "/api/sessions/*", cr_api_session},
    {"GET", "/api/sessions/*/attendance", cr_api_session_attendance},
    {"GET", "/api/sessions/*/live", cr_api_session_live},
    {"POST", "/api/sessions/*/end", cr_api_session_end},
    {"POST", "/api/sessions/*/checkins", cr_api_checkins},
    {"POST", "/api/sessions/*/checkouts", cr_api_checkouts},
    {"POST", "/api/sessions/*/checkin-code", cr_api_checkin_code},
    {"POST", "/api/sessions/*/checkin", cr_api_self_checkin},
    {"GET", "/api/sessions/*/recordings", cr_api_session_recordings},
    {"POST", "/api/sessions/*/recording/start", cr_api_recording_start},
    {"POST", "/api/sessions/*/recording/stop", cr_api_recording_stop},
    {"GET", "/api/recordings/*", cr_api_recording},
    {"DELETE", "/api/recordings/*", cr_api_recording},
    {"GET", "/api/recordings/*/media", cr_api_recording_media},
    {"HEAD", "/api/recordings/*/media", cr_api_recording_media},
    {"GET", "/api/events", cr_api_events},
    {"POST", "/whip/*", cr_api_whip},
    {"POST", "/whep/*", cr_api_whep},
    {"PATCH", "/whip/*/*", cr_api_media_resource},
    {"DELETE", "/whip/*/*", cr_api_media_resource},
    {"PATCH", "/whep/*/*", cr_api_media_resource},
    {"DELETE", "/whep/*/*", cr_api_media_resource},
};

#define MAX_ARGS 4

/* Matches @path against @pattern; fills @args with the "*" segments. */
static gboolean
match(const char *pattern, const char *path, char **args)
{
    g_auto(GStrv) want = g_strsplit(pattern, "/", -1);
    g_auto(GStrv) have = g_strsplit(path, "/", 16);
    guint n = 0;
    if (g_strv_length(want) != g_strv_length(have))
        return FALSE;
    for (guint i = 0; want[i] != NULL; i++) {
        if (strcmp(want[i], "*") == 0 && have[i][0] != '\0' && n < MAX_ARGS)
            args[n++] = g_strdup(have[i]);
        else if (strcmp(want[i], have[i]) != 0)
            return FALSE;
    }
    return TRUE;
}

void
cr_api_dispatch(CrHttpRequest *req)
{
    gboolean path_known = FALSE;
    for (gsize i = 0; i < G_N_ELEMENTS(routes); i++) {
        char *args[MAX_ARGS + 1] = {0};
        gboolean hit = match(routes[i].pattern, req->path, args);
        if (hit && strcmp(routes[i].method, req->method) == 0) {
            routes[i].handler(req, (const char *const *)args);
            for (int a = 0; a < MAX_ARGS; a++)
                g_free(args[a]);
            return;
        }
        for (int a = 0; a < MAX_ARGS; a++)
            g_free(args[a]);
        path_known |= hit;
    }
    if (path_known) {
        cr_http_respond_error(req, CR_ERROR_BAD_REQUEST, "method not allowed on this path");
        req->status = 405;
    } else if (g_str_has_prefix(req->path, "/api/") || g_str_has_prefix(req->path, "/whip/") ||
               g_str_has_prefix(req->path, "/whep/")) {
        cr_http_respond_error(req, CR_ERROR_NOT_FOUND, "no such API endpoint");
    } else if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0) {
        cr_static_serve(req);
    } else {
        cr_http_respond_error(req, CR_ERROR_NOT_FOUND, "not found");
    }
}

gboolean
cr_api_authorize(CrHttpRequest *req, guint roles, gint64 session)
{
    g_autoptr(GError) error = NULL;
    const char *auth = req->authorization;
    if (auth == NULL || g_ascii_strncasecmp(auth, "Bearer ", 7) != 0) {
        cr_http_respond_error(req, CR_ERROR_UNAUTHORIZED,
                              "send Authorization: Bearer <token>");
        return FALSE;
    }
    const char *token = auth + 7;
    cr_token_claims_clear(&req->claims);
    if (!cr_signaling_verify_token(req->server, token, strlen(token), NULL, &req->claims,
                                   &error)) {
        cr_http_respond_gerror(req, error);
        return FALSE;
    }
    if ((roles & ROLE(req->claims.role)) == 0) {
        g_autofree char *why = g_strdup_printf("a %s token may not do this",
                                               cr_role_name(req->claims.role));
        cr_http_respond_error(req, CR_ERROR_FORBIDDEN, why);
        return FALSE;
    }
    if (req->claims.role != CR_ROLE_COORDINATOR && session != 0 &&
        cr_parse_id(req->claims.session) != session) {
        cr_http_respond_error(req, CR_ERROR_FORBIDDEN, "token is for another session");
        return FALSE;
    }
    return TRUE;
}

gint64
cr_api_session_arg(CrHttpRequest *req, const char *const *args, guint roles)
{
    gint64 id = cr_parse_id(args[0]);
    if (!cr_api_authorize(req, roles, id))
        return 0;
    if (id == 0)
        cr_http_respond_error(req, CR_ERROR_NOT_FOUND, "no such session");
    return id;
}

json_t *
cr_api_body(CrHttpRequest *req)
{
    json_error_t jerr;
    json_t *json = json_loadb(req->body->str, req->body->len, JSON_REJECT_DUPLICATES, &jerr);
    if (json == NULL) {
        g_autofree char *why = g_strdup_printf("body is not valid JSON: %s (line %d, column %d)",
                                               jerr.text, jerr.line, jerr.column);
        cr_http_respond_error(req, CR_ERROR_BAD_REQUEST, why);
        return NULL;
    }
    if (!json_is_object(json)) {
        json_decref(json);
        cr_http_respond_error(req, CR_ERROR_BAD_REQUEST, "body must be a JSON object");
        return NULL;
    }
    return json;
}

gboolean
cr_api_string(CrHttpRequest *req, json_t *obj, const char *name, gboolean required, gsize max,
              const char **out)
{
    json_t *value = json_object_get(obj, name);
    *out = NULL;
    if (value == NULL || json_is_null(value)) {
        if (!required)
            return TRUE;
        g_autofree char *why = g_strdup_printf("field \"%s\" is required", name);
        cr_http_respond_error(req, CR_ERROR_BAD_REQUEST, why);
        return FALSE;
    }
    const char *text = json_string_value(value);
    gsize len = text != NULL ? strlen(text) : 0;
    gboolean controls = FALSE;
    for (gsize i = 0; i < len; i++)
        controls |= (guchar)text[i] < 0x20 || text[i] == 0x7f;
    if (text == NULL || len == 0 || len > max || controls ||
        json_string_length(value) != len) {
        g_autofree char *why = g_strdup_printf(
            "field \"%s\" must be a non-empty string of at most %" G_GSIZE_FORMAT
            " bytes without control characters",
            name, max);
        cr_http_respond_error(req, CR_ERROR_BAD_REQUEST, why);
        return FALSE;
    }
    *out = text;
    return TRUE;
}

void
cr_api_reply_json(gpointer result, const GError *error, gpointer user_data)
{
    CrHttpRequest *req = user_data;
    if (error != NULL)
        cr_http_respond_gerror(req, error);
    else
        cr_http_respond_json(req, req->status != 0 ? req->status : 200,
                             json_incref(result));
    cr_http_request_unref(req);
}
