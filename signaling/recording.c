/* recording.c — recording control for the class: the instructor's
 * `record` message, the coordinators' start/stop endpoints, automatic
 * recording of sessions marked `record`, and telling everyone in the
 * class when recording starts and stops (docs/protocol.md, docs/api.md).
 * Control loop only.
 */
#include "signaling/signaling-private.h"

#include "common/error.h"
#include "common/json.h"
#include "common/time.h"

#include <string.h>

#define ROLE(r) (1u << (r))

json_t *
cr_recording_state_json(CrSignaling *server, gint64 session)
{
    gint64 id = server->recorder != NULL ? cr_recorder_current(server->recorder, session) : 0;
    if (id == 0)
        return json_pack("{s:s}", "state", "stopped");
    return json_pack("{s:s, s:I}", "state", "recording", "recording_id", (json_int_t)id);
}

/* The recorder's report: everyone in the class learns it; the outbox too. */
static void
on_state(gpointer user, gint64 session, gint64 recording, const char *state, const char *reason)
{
    CrSignaling *server = user;
    CrRoom *room = cr_room_lookup(server, session);
    /* "dropping" is an alert for operators (event, log), not a change the
     * class sees. */
    if (room != NULL && strcmp(state, "dropping") != 0)
        cr_room_broadcast(room, json_pack("{s:s, s:s, s:I, s:s?}", "type", "recording", "state",
                                          state, "recording_id", (json_int_t)recording, "reason",
                                          reason));
    g_autofree char *type = g_strdup_printf("recording_%s", state);
    g_autoptr(json_t) data = json_pack("{s:I, s:s?}", "recording_id", (json_int_t)recording,
                                       "reason", reason);
    CrEventInput ev = {.session_id = session, .type = type, .data = data, .at = cr_time_now()};
    cr_store_event(server->store, &ev);
}

void
cr_signaling_recorder_callbacks(CrSignaling *server, CrRecorderCallbacks *out)
{
    out->state = on_state;
    out->user = server;
}

void
cr_signaling_set_recorder(CrSignaling *server, CrRecorder *recorder)
{
    server->recorder = recorder;
}

static gboolean
have_recorder(CrSignaling *server, GError **error)
{
    if (server->recorder != NULL)
        return TRUE;
    g_set_error(error, CR_ERROR, CR_ERROR_UNAVAILABLE, "this server does not record");
    return FALSE;
}

/* ---- the instructor's `record` message ---- */

static void
replied(json_t *recording, const GError *error, gpointer user_data)
{
    CrPending *r = user_data;
    CrConn *conn = cr_conn_lookup(r->server, r->conn_id);
    if (conn != NULL && error != NULL)
        cr_conn_send_gerror(conn, error, r->ref);
    else if (conn != NULL)
        cr_conn_send(conn, json_pack("{s:s, s:s?, s:I}", "type", "ok", "ref", r->ref,
                                     "recording_id",
                                     json_integer_value(json_object_get(recording, "id"))));
    cr_pending_free(r);
}

void
cr_recording_handle(CrConn *conn, const CrClientMessage *msg)
{
    g_autoptr(GError) error = NULL;
    if (!have_recorder(conn->server, &error)) {
        cr_conn_send_gerror(conn, error, msg->ref);
        return;
    }
    if (g_strcmp0(msg->action, "start") == 0)
        cr_recorder_start(conn->server->recorder, conn->session_id, replied,
                          cr_pending_new(conn, msg->ref));
    else
        cr_recorder_stop(conn->server->recorder, conn->session_id, "stopped by the instructor",
                         replied, cr_pending_new(conn, msg->ref));
}

/* ---- POST /api/sessions/{id}/recording/start|stop ---- */

static void
api_done(json_t *recording, const GError *error, gpointer user_data)
{
    CrHttpRequest *req = user_data;
    if (error != NULL)
        cr_http_respond_gerror(req, error);
    else
        cr_http_respond_json(req, req->status, cr_api_recording_public(recording));
    cr_http_request_unref(req);
}

static gint64
session_arg(CrHttpRequest *req, const char *const *args)
{
    gint64 id =
        cr_api_session_arg(req, args, ROLE(CR_ROLE_COORDINATOR) | ROLE(CR_ROLE_INSTRUCTOR));
    g_autoptr(GError) error = NULL;
    if (id != 0 && !have_recorder(req->server, &error)) {
        cr_http_respond_gerror(req, error);
        return 0;
    }
    return id;
}

static void
session_checked(gpointer result, const GError *error, gpointer user_data)
{
    CrHttpRequest *req = user_data;
    CrSessionInfo *info = result;
    if (error != NULL) {
        cr_http_respond_gerror(req, error);
        cr_http_request_unref(req);
    } else if (g_strcmp0(info->state, "ended") == 0) {
        cr_http_respond_error(req, CR_ERROR_CONFLICT, "the class has ended");
        cr_http_request_unref(req);
    } else {
        req->status = 201;
        cr_recorder_start(req->server->recorder, info->id, api_done, req);
    }
}

void
cr_api_recording_start(CrHttpRequest *req, const char *const *args)
{
    gint64 id = session_arg(req, args);
    if (id != 0)
        cr_store_get_session(req->server->store, id, session_checked, cr_http_request_ref(req));
}

void
cr_api_recording_stop(CrHttpRequest *req, const char *const *args)
{
    gint64 id = session_arg(req, args);
    if (id == 0)
        return;
    req->status = 200;
    const char *why = req->claims.role == CR_ROLE_COORDINATOR ? "stopped by a coordinator"
                                                              : "stopped by the instructor";
    cr_recorder_stop(req->server->recorder, id, why, api_done, cr_http_request_ref(req));
}

/* ---- automatic recording ---- */

static void
auto_started(json_t *recording, const GError *error, gpointer user_data)
{
    gint64 *session = user_data;
    /* Already recording is fine: someone started it by hand. */
    if (error != NULL && !g_error_matches(error, CR_ERROR, CR_ERROR_CONFLICT))
        g_warning("[class %" G_GINT64_FORMAT "] automatic recording did not start: %s",
                  *session, error->message);
    g_free(session);
}

void
cr_recording_class_live(CrSignaling *server, const CrSessionInfo *info)
{
    if (server->recorder == NULL || !info->record || info->actual_start == 0 ||
        info->actual_end != 0 || cr_recorder_current(server->recorder, info->id) != 0)
        return;
    cr_recorder_start(server->recorder, info->id, auto_started, g_memdup2(&info->id, sizeof info->id));
}

void
cr_recording_class_ended(CrSignaling *server, gint64 session)
{
    if (server->recorder != NULL && cr_recorder_current(server->recorder, session) != 0)
        cr_recorder_stop(server->recorder, session, "the class ended", NULL, NULL);
}
