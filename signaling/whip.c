/* whip.c — WHIP ingest (RFC 9725) and WHEP playback over HTTP.
 *
 *   POST   /whip/{session}        instructor token, SDP offer  -> 201 + answer
 *   POST   /whep/{session}        trainee or instructor token  -> 201 + answer
 *   PATCH  /whip|whep/{session}/{id}  application/trickle-ice-sdpfrag -> 204
 *   DELETE /whip|whep/{session}/{id}  -> 200
 *
 * Answers carry every server candidate (gathering is waited for), so
 * clients without trickle work. A WHEP viewer is in the attendance ledger
 * like a web page: an interval from POST to DELETE or media failure.
 * Control loop thread only.
 */
#include "signaling/signaling-private.h"

#include "common/json.h"
#include "common/time.h"
#include "relay/sdp.h"

#define ROLE(r) (1u << (r))

typedef struct {
    CrHttpRequest *req;
    gboolean whep;
    gint64 session;
    gint64 interval_id;
    CrJoinResult *joined;
} WhipCall;

static void
call_free(WhipCall *call)
{
    cr_http_request_unref(call->req);
    g_free(call);
}

static void
add_link_headers(CrHttpRequest *req)
{
    /* RFC 9725 §4.6: ICE servers as Link headers. */
    g_autoptr(json_t) servers = cr_media_ice_servers(req->server, req->claims.sub);
    size_t i;
    json_t *entry;
    json_array_foreach(servers, i, entry) {
        const char *url = json_string_value(json_array_get(json_object_get(entry, "urls"), 0));
        const char *user = json_string_value(json_object_get(entry, "username"));
        const char *cred = json_string_value(json_object_get(entry, "credential"));
        g_autofree char *link =
            user != NULL ? g_strdup_printf("<%s>; rel=\"ice-server\"; username=\"%s\"; "
                                           "credential=\"%s\"; credential-type=\"password\"",
                                           url, user, cred)
                         : g_strdup_printf("<%s>; rel=\"ice-server\"", url);
        cr_http_add_header(req, "link:", link);
    }
}

static void
answered(guint64 peer, const char *sdp, const GError *error, gpointer user_data)
{
    WhipCall *call = user_data;
    CrHttpRequest *req = call->req;
    CrSignaling *server = req->server;
    if (error != NULL) {
        if (call->interval_id != 0) {
            CrLeaveInput in = {call->interval_id, cr_time_now(), "media_failed"};
            cr_store_leave(server->store, &in, NULL, NULL);
        }
        cr_http_respond_gerror(req, error);
        call_free(call);
        return;
    }
    if (req->wsi == NULL) { /* the client went away meanwhile */
        cr_relay_close_peer(server->relay, peer);
        if (call->interval_id != 0) {
            CrLeaveInput in = {call->interval_id, cr_time_now(), "closed"};
            cr_store_leave(server->store, &in, NULL, NULL);
        }
        call_free(call);
        return;
    }
    CrMediaOwner *o = cr_media_owner_add(server, peer, 0, call->whep, call->session,
                                         req->claims.sub);
    o->whep = call->whep;
    o->interval_id = call->interval_id;
    g_autofree char *location = g_strdup_printf("/%s/%" G_GINT64_FORMAT "/%" G_GUINT64_FORMAT,
                                                call->whep ? "whep" : "whip", call->session, peer);
    cr_http_add_header(req, "location:", location);
    add_link_headers(req);
    cr_http_respond(req, 201, "application/sdp", g_bytes_new(sdp, strlen(sdp)));
    call_free(call);
}

static gboolean
check_sdp_request(CrHttpRequest *req)
{
    if (req->server->relay == NULL) {
        cr_http_respond_error(req, CR_ERROR_NOT_FOUND, "the media relay is not available");
        return FALSE;
    }
    if (req->content_type == NULL ||
        g_ascii_strncasecmp(req->content_type, "application/sdp", 15) != 0) {
        cr_http_respond_error(req, CR_ERROR_BAD_REQUEST, "Content-Type must be application/sdp");
        req->status = 415;
        return FALSE;
    }
    return TRUE;
}

void
cr_api_whip(CrHttpRequest *req, const char *const *args)
{
    gint64 session = cr_parse_id(args[0]);
    if (session == 0) {
        cr_http_respond_error(req, CR_ERROR_NOT_FOUND, "no such session");
        return;
    }
    if (!cr_api_authorize(req, ROLE(CR_ROLE_INSTRUCTOR), session) || !check_sdp_request(req))
        return;
    WhipCall *call = g_new0(WhipCall, 1);
    call->req = cr_http_request_ref(req);
    call->session = session;
    cr_relay_publish(req->server->relay, session, CR_SOURCE_CLASSROOM, req->claims.sub,
                     req->body->str, req->body->len, TRUE, answered, call);
}

static void
whep_joined(gpointer result, const GError *error, gpointer user_data)
{
    WhipCall *call = user_data;
    CrHttpRequest *req = call->req;
    if (error != NULL) {
        cr_http_respond_gerror(req, error);
        call_free(call);
        return;
    }
    const CrJoinResult *res = result;
    call->interval_id = res->interval_id;
    CrSourceRole role = req->claims.role == CR_ROLE_INSTRUCTOR ? CR_SOURCE_CLASSROOM
                                                                : CR_SOURCE_FLOOR;
    cr_relay_subscribe_answer(req->server->relay, call->session, role, req->claims.sub,
                              req->body->str, req->body->len, TRUE, answered, call);
}

void
cr_api_whep(CrHttpRequest *req, const char *const *args)
{
    gint64 session = cr_parse_id(args[0]);
    if (session == 0) {
        cr_http_respond_error(req, CR_ERROR_NOT_FOUND, "no such session");
        return;
    }
    guint people = ROLE(CR_ROLE_INSTRUCTOR) | ROLE(CR_ROLE_TRAINEE);
    if (!cr_api_authorize(req, people, session) || !check_sdp_request(req))
        return;
    WhipCall *call = g_new0(WhipCall, 1);
    call->req = cr_http_request_ref(req);
    call->session = session;
    call->whep = TRUE;
    const CrTokenClaims *c = &req->claims;
    CrJoinInput in = {session, c->sub, c->name, c->org, cr_role_name(c->role), "remote",
                      "whep", "WHEP player", cr_time_now(),
                      req->server->config->attendance.join_early_minutes * 60};
    cr_store_join(req->server->store, &in, whep_joined, call);
}

/* An ICE restart's answer: 200 with our new credentials and candidates. */
static void
restarted(const char *sdpfrag, const GError *error, gpointer user_data)
{
    CrHttpRequest *req = user_data;
    if (error != NULL)
        cr_http_respond_gerror(req, error);
    else
        cr_http_respond(req, 200, "application/trickle-ice-sdpfrag",
                        g_bytes_new(sdpfrag, strlen(sdpfrag)));
    cr_http_request_unref(req);
}

/* PATCH (trickle, ICE restart) and DELETE on /whip|whep/{session}/{id}. */
void
cr_api_media_resource(CrHttpRequest *req, const char *const *args)
{
    gint64 session = cr_parse_id(args[0]);
    guint64 peer = (guint64)cr_parse_id(args[1]);
    guint people = ROLE(CR_ROLE_INSTRUCTOR) | ROLE(CR_ROLE_TRAINEE);
    if (!cr_api_authorize(req, people, session))
        return;
    CrMediaOwner *o = req->server->media_owners != NULL
                          ? g_hash_table_lookup(req->server->media_owners, &peer)
                          : NULL;
    if (o == NULL || o->conn_id != 0 || o->session != session ||
        g_strcmp0(o->person, req->claims.sub) != 0) {
        cr_http_respond_error(req, CR_ERROR_NOT_FOUND, "no such resource");
        return;
    }
    if (strcmp(req->method, "DELETE") == 0) {
        if (o->whep && o->interval_id != 0) {
            CrLeaveInput in = {o->interval_id, cr_time_now(), "leave"};
            cr_store_leave(req->server->store, &in, NULL, NULL);
        }
        cr_relay_close_peer(req->server->relay, peer);
        cr_media_owner_remove(req->server, peer);
        cr_http_respond(req, 200, "text/plain", g_bytes_new_static("", 0));
        return;
    }
    g_autoptr(GError) error = NULL;
    g_autoptr(CrSdpTrickle) trickle = NULL;
    const char *current = cr_relay_remote_ufrag(req->server->relay, peer);
    if (!cr_sdp_parse_trickle_sdpfrag(req->body->str, req->body->len, current, NULL, &trickle,
                                      &error)) {
        cr_http_respond_gerror(req, error);
        return;
    }
    gboolean restart = trickle->ice_restart;
    if (restart)
        cr_relay_restart_ice(req->server->relay, peer, trickle->ice_ufrag, trickle->ice_pwd,
                             restarted, cr_http_request_ref(req));
    for (guint i = 0; i < trickle->candidates->len; i++) {
        const CrCandidate *c = g_ptr_array_index(trickle->candidates, i);
        cr_relay_add_candidate(req->server->relay, peer, c->candidate, NULL);
    }
    if (trickle->end_of_candidates)
        cr_relay_add_candidate(req->server->relay, peer, NULL, NULL);
    if (!restart)
        cr_http_respond(req, 204, "text/plain", g_bytes_new_static("", 0));
}
