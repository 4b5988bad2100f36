/* handlers.c — what each client message does (docs/protocol.md).
 *
 * Control loop thread only. Dispatch is by table: each row names the
 * roles allowed to send the message, and whether a join must come first.
 * Every refusal is an error message with a code; none changes state.
 */
#include "signaling/signaling-private.h"

#include "common/json.h"
#include "common/time.h"

typedef void (*Handler)(CrConn *conn, const CrClientMessage *msg);

#define ROLE(r) (1u << (r))
#define PEOPLE (ROLE(CR_ROLE_INSTRUCTOR) | ROLE(CR_ROLE_TRAINEE))

typedef struct {
    Handler handler;
    guint roles; /* 0: allowed before joining (join itself) */
} Route;

/* ---- join ---- */

static void
send_welcome(CrConn *conn, const char *ref)
{
    const CrConfig *config = conn->server->config;
    const CrTokenClaims *c = &conn->claims;
    cr_conn_send(conn,
                 json_pack("{s:s, s:s?, s:{s:s, s:s, s:s?, s:s}, s:o, s:o, s:o, s:o, s:{s:I, "
                           "s:I, s:f, s:I}}",
                           "type", "welcome", "ref", ref, "you", "person", c->sub, "name",
                           c->name, "org", c->org, "role", cr_role_name(c->role), "session",
                           cr_room_session_json(conn->room), "roster",
                           cr_room_roster(conn->room), "ice_servers", cr_media_ice_servers(conn->server, c->sub),
                           "recording", cr_recording_state_json(conn->server, conn->session_id),
                           "limits", "heartbeat_seconds",
                           (json_int_t)config->server.heartbeat_seconds, "max_message_bytes",
                           (json_int_t)config->server.max_message_bytes,
                           "messages_per_second", config->server.messages_per_second,
                           "chat_max_chars", (json_int_t)config->classroom.chat_max_chars));
}

static void
joined(gpointer result, const GError *error, gpointer user_data)
{
    CrPending *p = user_data;
    CrConn *conn = cr_conn_lookup(p->server, p->conn_id);
    const CrJoinResult *res = result;
    if (conn == NULL || conn->state != CR_CONN_JOINING) {
        /* The socket went away while the join was being written: the
         * person did connect, so the interval stays, closed right away. */
        if (res != NULL) {
            CrLeaveInput in = {res->interval_id, cr_time_now(), "closed"};
            cr_store_leave(p->server->store, &in, NULL, NULL);
        }
    } else if (error != NULL) {
        conn->state = CR_CONN_NEW;
        cr_token_claims_clear(&conn->claims);
        cr_conn_send_gerror(conn, error, p->ref);
    } else {
        conn->state = CR_CONN_JOINED;
        conn->interval_id = res->interval_id;
        conn->session_id = res->session.id;
        p->server->metrics.joins++;
        CrRoom *room = cr_room_lookup(p->server, res->session.id);
        gboolean went_live = room != NULL && res->session.actual_start != 0 &&
                             !cr_room_is_live(room);
        room = cr_room_get(p->server, res->session.id, &res->session);
        gboolean first = cr_room_add(room, conn);
        send_welcome(conn, p->ref);
        cr_room_announce_member(room, conn->claims.sub, first);
        /* People waiting for the instructor learn the class has begun. */
        if (went_live)
            cr_room_broadcast(room, json_pack("{s:s, s:o}", "type", "session", "session",
                                              cr_room_session_json(room)));
        cr_media_start_subscribe(conn);
        cr_recording_class_live(p->server, &res->session);
        g_message("[class %" G_GINT64_FORMAT "/%s] joined as %s from %s", conn->session_id,
                  conn->claims.sub, cr_role_name(conn->claims.role), conn->addr);
    }
    cr_pending_free(p);
}

static void
handle_join(CrConn *conn, const CrClientMessage *msg)
{
    CrSignaling *server = conn->server;
    g_autoptr(GError) error = NULL;
    if (conn->state != CR_CONN_NEW) {
        cr_conn_send_error(conn, CR_ERROR_CONFLICT,
                           conn->state == CR_CONN_JOINED ? "already joined" : "join in progress",
                           msg->ref);
        return;
    }
    IpState *ip = g_hash_table_lookup(server->per_ip, conn->addr);
    if (ip != NULL && !cr_ratelimit_take(&ip->joins, g_get_monotonic_time())) {
        cr_conn_send_error(conn, CR_ERROR_RATE_LIMITED, "too many join attempts; wait a minute",
                           msg->ref);
        cr_conn_violation(conn);
        return;
    }
    CrTokenClaims claims = {0};
    if (!cr_signaling_verify_token(server, msg->token, strlen(msg->token), NULL, &claims,
                                   &error)) {
        cr_conn_send_gerror(conn, error, msg->ref);
        cr_conn_violation(conn);
        return;
    }
    if (claims.role != CR_ROLE_INSTRUCTOR && claims.role != CR_ROLE_TRAINEE) {
        cr_token_claims_clear(&claims);
        cr_conn_send_error(conn, CR_ERROR_FORBIDDEN,
                           "only instructor and trainee tokens join a class", msg->ref);
        return;
    }
    conn->claims = claims;
    conn->state = CR_CONN_JOINING;
    CrJoinInput in = {cr_parse_id(claims.session), claims.sub, claims.name, claims.org,
                      cr_role_name(claims.role), "remote", conn->addr, conn->user_agent,
                      cr_time_now(), server->config->attendance.join_early_minutes * 60};
    cr_store_join(server->store, &in, joined, cr_pending_new(conn, msg->ref));
}

/* ---- hands and floor ---- */

static void
reply_result(CrConn *conn, const CrClientMessage *msg, gboolean ok, const GError *error)
{
    if (!ok)
        cr_conn_send_gerror(conn, error, msg->ref);
    else if (msg->ref != NULL)
        cr_conn_send(conn, json_pack("{s:s, s:s}", "type", "ok", "ref", msg->ref));
}

static void
handle_raise_hand(CrConn *conn, const CrClientMessage *msg)
{
    g_autoptr(GError) error = NULL;
    gboolean ok = cr_room_raise_hand(conn->room, conn->claims.sub, &error);
    reply_result(conn, msg, ok, error);
}

static void
handle_lower_hand(CrConn *conn, const CrClientMessage *msg)
{
    g_autoptr(GError) error = NULL;
    const char *person = msg->person != NULL ? msg->person : conn->claims.sub;
    if (strcmp(person, conn->claims.sub) != 0 && conn->claims.role != CR_ROLE_INSTRUCTOR) {
        cr_conn_send_error(conn, CR_ERROR_FORBIDDEN,
                           "only the instructor lowers another person's hand", msg->ref);
        return;
    }
    gboolean ok = cr_room_lower_hand(conn->room, person, &error);
    reply_result(conn, msg, ok, error);
}

static void
handle_grant_floor(CrConn *conn, const CrClientMessage *msg)
{
    g_autoptr(GError) error = NULL;
    gboolean ok = cr_room_grant_floor(conn->room, msg->person, conn->claims.sub, &error);
    reply_result(conn, msg, ok, error);
}

static void
handle_revoke_floor(CrConn *conn, const CrClientMessage *msg)
{
    g_autoptr(GError) error = NULL;
    /* A trainee may give the floor back; only the instructor takes it. */
    if (conn->claims.role != CR_ROLE_INSTRUCTOR && strcmp(msg->person, conn->claims.sub) != 0) {
        cr_conn_send_error(conn, CR_ERROR_FORBIDDEN,
                           "only the instructor takes the floor from someone else", msg->ref);
        return;
    }
    gboolean ok = cr_room_revoke_floor(conn->room, msg->person, conn->claims.sub, &error);
    reply_result(conn, msg, ok, error);
}

static void
handle_kick(CrConn *conn, const CrClientMessage *msg)
{
    if (strcmp(msg->person, conn->claims.sub) == 0) {
        cr_conn_send_error(conn, CR_ERROR_BAD_REQUEST, "you cannot remove yourself", msg->ref);
        return;
    }
    if (!cr_room_kick(conn->room, msg->person, conn->claims.sub, msg->text)) {
        g_autofree char *why = g_strdup_printf("%s is not in the class", msg->person);
        cr_conn_send_error(conn, CR_ERROR_NOT_FOUND, why, msg->ref);
        return;
    }
    cr_store_ban(conn->server->store, conn->session_id, msg->person, conn->claims.sub,
                 cr_time_now());
    reply_result(conn, msg, TRUE, NULL);
}

/* ---- end of class ---- */

static void
ended(gpointer result, const GError *error, gpointer user_data)
{
    CrPending *p = user_data;
    CrConn *conn = cr_conn_lookup(p->server, p->conn_id);
    if (error != NULL) {
        if (conn != NULL)
            cr_conn_send_gerror(conn, error, p->ref);
    } else {
        const CrSessionInfo *info = result;
        CrRoom *room = cr_room_lookup(p->server, info->id);
        g_message("[class %" G_GINT64_FORMAT "] ended", info->id);
        cr_recording_class_ended(p->server, info->id);
        if (room != NULL)
            cr_room_end(room, info);
    }
    cr_pending_free(p);
}

static void
handle_end_class(CrConn *conn, const CrClientMessage *msg)
{
    cr_store_end_session(conn->server->store, conn->session_id, cr_time_now(), ended,
                         cr_pending_new(conn, msg->ref));
}

/* ---- chat, leave, ping, media ---- */

static void
handle_chat(CrConn *conn, const CrClientMessage *msg)
{
    glong chars = g_utf8_strlen(msg->text, -1);
    if (chars > conn->server->config->classroom.chat_max_chars) {
        cr_conn_send_error(conn, CR_ERROR_TOO_LARGE, "chat message too long", msg->ref);
        return;
    }
    g_autofree char *at = cr_time_format(cr_time_now());
    cr_room_broadcast(conn->room,
                      json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "chat", "person",
                                conn->claims.sub, "name", conn->claims.name, "text", msg->text,
                                "at", at));
}

static void
left(gpointer result, const GError *error, gpointer user_data)
{
    CrPending *p = user_data;
    CrConn *conn = cr_conn_lookup(p->server, p->conn_id);
    if (conn != NULL) {
        /* Acknowledged only now that the interval's close is committed. */
        cr_conn_send(conn, json_pack("{s:s, s:s?}", "type", "bye", "ref", p->ref));
        cr_conn_close(conn, LWS_CLOSE_STATUS_NORMAL, "left");
    }
    cr_pending_free(p);
}

static void
handle_leave(CrConn *conn, const CrClientMessage *msg)
{
    CrLeaveInput in = {conn->interval_id, cr_time_now(), "leave"};
    cr_store_leave(conn->server->store, &in, left, cr_pending_new(conn, msg->ref));
    conn->interval_id = 0;
    conn->server->metrics.leaves++;
    conn->ledger_reason = "leave";
    conn->state = CR_CONN_CLOSING;
}

static void
handle_ping(CrConn *conn, const CrClientMessage *msg)
{
    g_autofree char *at = cr_time_format(cr_time_now());
    cr_conn_send(conn, json_pack("{s:s, s:s?, s:s}", "type", "pong", "ref", msg->ref, "time", at));
}


static const Route routes[CR_MSG_N_TYPES] = {
    [CR_MSG_JOIN] = {handle_join, 0},
    [CR_MSG_RAISE_HAND] = {handle_raise_hand, ROLE(CR_ROLE_TRAINEE)},
    [CR_MSG_LOWER_HAND] = {handle_lower_hand, PEOPLE},
    [CR_MSG_GRANT_FLOOR] = {handle_grant_floor, ROLE(CR_ROLE_INSTRUCTOR)},
    [CR_MSG_REVOKE_FLOOR] = {handle_revoke_floor, PEOPLE},
    [CR_MSG_KICK] = {handle_kick, ROLE(CR_ROLE_INSTRUCTOR)},
    [CR_MSG_END_CLASS] = {handle_end_class, ROLE(CR_ROLE_INSTRUCTOR)},
    [CR_MSG_CHAT] = {handle_chat, PEOPLE},
    [CR_MSG_LEAVE] = {handle_leave, PEOPLE},
    [CR_MSG_PING] = {handle_ping, 0},
    [CR_MSG_RECORD] = {cr_recording_handle, ROLE(CR_ROLE_INSTRUCTOR)},
    [CR_MSG_PUBLISH] = {cr_media_handle, PEOPLE},
    [CR_MSG_ANSWER] = {cr_media_handle, PEOPLE},
    [CR_MSG_CANDIDATE] = {cr_media_handle, PEOPLE},
    [CR_MSG_UNPUBLISH] = {cr_media_handle, PEOPLE},
};

void
cr_handlers_dispatch(CrConn *conn, const CrClientMessage *msg)
{
    const Route *route = &routes[msg->type];
    if (conn->state == CR_CONN_CLOSING)
        return;
    if (route->roles != 0 && conn->state != CR_CONN_JOINED) {
        cr_conn_send_error(conn, CR_ERROR_UNAUTHORIZED,
                           conn->state == CR_CONN_JOINING ? "join in progress"
                                                          : "send join with a token first",
                           msg->ref);
        cr_conn_violation(conn);
        return;
    }
    if (route->roles != 0 && (route->roles & ROLE(conn->claims.role)) == 0) {
        g_autofree char *why = g_strdup_printf("a %s may not send %s",
                                               cr_role_name(conn->claims.role),
                                               cr_message_type_name(msg->type));
        cr_conn_send_error(conn, CR_ERROR_FORBIDDEN, why, msg->ref);
        return;
    }
    route->handler(conn, msg);
}
