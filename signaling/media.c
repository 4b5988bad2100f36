/* media.c — the WebSocket side of media: publish and subscribe
 * PeerConnections, trickle ICE, the relay's reports, and the floor rule
 * enforced at the relay (docs/protocol.md, "Media").
 *
 * Control loop thread only. Relay peers are found by id through
 * server->media_owners; connections by id through server->conns.
 */
#include "signaling/signaling-private.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/json.h"
#include "common/time.h"

static void
owner_free(gpointer data)
{
    CrMediaOwner *o = data;
    g_free(o->person);
    g_free(o);
}

/* Closes the owner's media interval, if one is open. */
/* The roster shows whether a person receives and sends media: each owner
 * counts once in its member while its peer's media flows. */
static void
count_flow(CrSignaling *server, CrMediaOwner *o, gboolean flowing)
{
    if (o->counted == flowing)
        return;
    o->counted = flowing;
    CrRoom *room = cr_room_lookup(server, o->session);
    if (room != NULL)
        cr_room_media_flow(room, o->person, o->subscribe, flowing);
}

static void
media_stopped(CrSignaling *server, CrMediaOwner *o, const char *reason)
{
    count_flow(server, o, FALSE);
    if (o->media_id != 0)
        cr_store_media_close(server->store, o->media_id, cr_time_now(), reason);
    o->media_id = 0;
}

static CrMediaOwner *
owner_of_peer(CrSignaling *server, guint64 peer)
{
    return server->media_owners != NULL ? g_hash_table_lookup(server->media_owners, &peer)
                                        : NULL;
}

CrMediaOwner *
cr_media_owner_add(CrSignaling *server, guint64 peer, guint64 conn_id, gboolean subscribe,
                   gint64 session, const char *person)
{
    if (server->media_owners == NULL)
        server->media_owners = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL,
                                                     owner_free);
    CrMediaOwner *o = g_new0(CrMediaOwner, 1);
    o->peer = peer;
    o->conn_id = conn_id;
    o->subscribe = subscribe;
    o->session = session;
    o->person = g_strdup(person);
    g_hash_table_insert(server->media_owners, &o->peer, o);
    return o;
}

void
cr_media_owner_remove(CrSignaling *server, guint64 peer)
{
    CrMediaOwner *o = owner_of_peer(server, peer);
    if (o == NULL)
        return;
    media_stopped(server, o, "closed");
    g_hash_table_remove(server->media_owners, &peer);
}

void
cr_media_heartbeat(CrSignaling *server, gint64 now)
{
    if (server->media_owners == NULL)
        return;
    g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(gint64));
    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init(&iter, server->media_owners);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        CrMediaOwner *o = value;
        if (o->media_id != 0)
            g_array_append_val(ids, o->media_id);
    }
    cr_store_media_touch(server->store, (gint64 *)(void *)ids->data, ids->len, now);
}


/* TURN REST API (draft-uberti-behave-turn-rest): username "expiry:person",
 * password base64(HMAC-SHA1(secret, username)), as coturn's
 * static-auth-secret expects. */
json_t *
cr_media_ice_servers(CrSignaling *server, const char *person)
{
    const CrConfig *config = server->config;
    json_t *list = json_array();
    gint64 expiry = cr_time_now() + config->media.turn_ttl_seconds;
    g_autofree char *username = g_strdup_printf("%" G_GINT64_FORMAT ":%s", expiry, person);
    guint8 mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    const char *secret = config->media.turn_secret;
    HMAC(EVP_sha1(), secret, (int)strlen(secret), (const guint8 *)username, strlen(username),
         mac, &mac_len);
    g_autofree char *credential = g_base64_encode(mac, mac_len);
    for (char **url = config->media.ice_servers; url != NULL && *url != NULL; url++) {
        json_t *entry = json_pack("{s:[s]}", "urls", *url);
        if (secret[0] != '\0' && (g_str_has_prefix(*url, "turn:") || g_str_has_prefix(*url, "turns:"))) {
            json_object_set_new(entry, "username", json_string(username));
            json_object_set_new(entry, "credential", json_string(credential));
        }
        json_array_append_new(list, entry);
    }
    return list;
}

/* ---- relay reports ---- */

static CrConn *
owner_conn(CrSignaling *server, const CrMediaOwner *o)
{
    return o != NULL && o->conn_id != 0 ? cr_conn_lookup(server, o->conn_id) : NULL;
}

static void
on_candidate(gpointer user, guint64 peer, const char *mid, guint mline, const char *candidate)
{
    CrSignaling *server = user;
    CrMediaOwner *o = owner_of_peer(server, peer);
    CrConn *conn = owner_conn(server, o);
    if (conn == NULL)
        return; /* WHIP/WHEP answers carry every candidate */
    json_t *c = candidate != NULL ? json_pack("{s:s, s:s, s:i}", "candidate", candidate, "sdpMid",
                                              mid, "sdpMLineIndex", (int)mline)
                                  : json_null();
    cr_conn_send(conn, json_pack("{s:s, s:s, s:o}", "type", "candidate", "pc",
                                 o->subscribe ? "subscribe" : "publish", "candidate", c));
}

static void
on_state(gpointer user, guint64 peer, CrPeerState state, const char *reason)
{
    CrSignaling *server = user;
    CrMediaOwner *o = owner_of_peer(server, peer);
    if (o == NULL || (state != CR_PEER_FAILED && state != CR_PEER_CLOSED))
        return;
    CrConn *conn = owner_conn(server, o);
    if (conn != NULL) {
        if (conn->publish_peer == peer)
            conn->publish_peer = 0;
        if (conn->subscribe_peer == peer)
            conn->subscribe_peer = 0;
        cr_conn_send(conn, json_pack("{s:s, s:s, s:s, s:s?}", "type", "media", "pc",
                                     o->subscribe ? "subscribe" : "publish", "state",
                                     state == CR_PEER_FAILED ? "failed" : "closed", "reason",
                                     reason));
    }
    if (o->whep && o->interval_id != 0) {
        CrLeaveInput in = {o->interval_id, cr_time_now(), "media_closed"};
        cr_store_leave(server->store, &in, NULL, NULL);
    }
    cr_relay_close_peer(server->relay, peer);
    cr_media_owner_remove(server, peer);
}

typedef struct {
    CrSignaling *server;
    guint64 peer;
} MediaOpen;

static void
media_opened(gpointer result, const GError *error, gpointer user_data)
{
    MediaOpen *m = user_data;
    CrMediaOwner *o = owner_of_peer(m->server, m->peer);
    gint64 id = result != NULL ? *(gint64 *)result : 0;
    if (o != NULL && o->media_opening) {
        o->media_opening = FALSE;
        o->media_id = id;
    } else if (id != 0) {
        /* The peer went away (or media stopped) while the row was written. */
        cr_store_media_close(m->server->store, id, cr_time_now(), "closed");
    }
    g_free(m);
}

/* Media intervals for attendance (docs/attendance.md): opened when the
 * relay sees media flow to (or from) the person, closed when it stops. */
static void
on_media(gpointer user, guint64 peer, gboolean flowing)
{
    CrSignaling *server = user;
    CrMediaOwner *o = owner_of_peer(server, peer);
    if (o == NULL)
        return;
    g_message("[class %" G_GINT64_FORMAT "/%s] media %s (%s)", o->session, o->person,
              flowing ? "flowing" : "stopped", o->subscribe ? "receiving" : "sending");
    if (flowing)
        count_flow(server, o, TRUE);
    if (flowing && o->media_id == 0 && !o->media_opening) {
        MediaOpen *m = g_new0(MediaOpen, 1);
        m->server = server;
        m->peer = peer;
        o->media_opening = TRUE;
        cr_store_media_open(server->store, o->session, o->person, o->subscribe, cr_time_now(),
                            media_opened, m);
    } else if (!flowing) {
        o->media_opening = FALSE;
        media_stopped(server, o, "stopped");
    }
}

void
cr_signaling_relay_callbacks(CrSignaling *server, CrRelayCallbacks *out)
{
    out->candidate = on_candidate;
    out->state = on_state;
    out->media = on_media;
    out->user = server;
}

void
cr_signaling_set_relay(CrSignaling *server, CrRelay *relay)
{
    server->relay = relay;
}

/* ---- WebSocket media messages ---- */

typedef struct {
    CrSignaling *server;
    guint64 conn_id;
    char *ref;
    gboolean subscribe;
} Pending;

static Pending *
pending_new(CrConn *conn, const char *ref, gboolean subscribe)
{
    Pending *p = g_new0(Pending, 1);
    p->server = conn->server;
    p->conn_id = conn->id;
    p->ref = g_strdup(ref);
    p->subscribe = subscribe;
    return p;
}

static void
sdp_done(guint64 peer, const char *sdp, const GError *error, gpointer user_data)
{
    Pending *p = user_data;
    CrConn *conn = cr_conn_lookup(p->server, p->conn_id);
    const char *pc = p->subscribe ? "subscribe" : "publish";
    if (conn != NULL && error != NULL)
        cr_conn_send_gerror(conn, error, p->ref);
    else if (conn != NULL)
        cr_conn_send(conn, json_pack("{s:s, s:s, s:s, s:s?}", "type",
                                     p->subscribe ? "offer" : "answer", "pc", pc, "sdp", sdp,
                                     "ref", p->ref));
    else if (peer != 0)
        cr_relay_close_peer(p->server->relay, peer);
    g_free(p->ref);
    g_free(p);
}

static void
close_peer(CrSignaling *server, guint64 *peer)
{
    if (*peer == 0)
        return;
    cr_relay_close_peer(server->relay, *peer);
    cr_media_owner_remove(server, *peer);
    *peer = 0;
}

void
cr_media_start_subscribe(CrConn *conn)
{
    CrSignaling *server = conn->server;
    if (server->relay == NULL)
        return;
    CrSourceRole role = conn->claims.role == CR_ROLE_INSTRUCTOR ? CR_SOURCE_CLASSROOM
                                                                 : CR_SOURCE_FLOOR;
    close_peer(server, &conn->subscribe_peer);
    conn->subscribe_peer = cr_relay_subscribe_offer(server->relay, conn->session_id, role,
                                                    conn->claims.sub, sdp_done,
                                                    pending_new(conn, NULL, TRUE));
    if (conn->subscribe_peer != 0)
        cr_media_owner_add(server, conn->subscribe_peer, conn->id, TRUE, conn->session_id,
                           conn->claims.sub);
}

static void
handle_publish(CrConn *conn, const CrClientMessage *msg)
{
    CrSignaling *server = conn->server;
    const char *sdp = json_string_value(json_object_get(msg->body, "sdp"));
    CrSourceRole role = CR_SOURCE_CLASSROOM;
    if (conn->claims.role == CR_ROLE_TRAINEE) {
        if (!cr_room_has_floor(conn->room, conn->claims.sub)) {
            cr_conn_send_error(conn, CR_ERROR_FORBIDDEN,
                               "only a trainee who holds the floor may publish", msg->ref);
            return;
        }
        role = CR_SOURCE_FLOOR;
    }
    close_peer(server, &conn->publish_peer);
    conn->publish_peer = cr_relay_publish(server->relay, conn->session_id, role, conn->claims.sub,
                                          sdp, strlen(sdp), FALSE, sdp_done,
                                          pending_new(conn, msg->ref, FALSE));
    if (conn->publish_peer != 0)
        cr_media_owner_add(server, conn->publish_peer, conn->id, FALSE, conn->session_id,
                           conn->claims.sub);
}

static guint64
target_peer(CrConn *conn, const CrClientMessage *msg)
{
    return g_strcmp0(msg->pc, "subscribe") == 0 ? conn->subscribe_peer : conn->publish_peer;
}

static void
handle_answer(CrConn *conn, const CrClientMessage *msg)
{
    g_autoptr(GError) error = NULL;
    const char *sdp = json_string_value(json_object_get(msg->body, "sdp"));
    if (g_strcmp0(msg->pc, "subscribe") != 0) {
        cr_conn_send_error(conn, CR_ERROR_BAD_REQUEST,
                           "only the subscribe connection takes an answer", msg->ref);
        return;
    }
    if (!cr_relay_set_answer(conn->server->relay, conn->subscribe_peer, sdp, strlen(sdp), &error))
        cr_conn_send_gerror(conn, error, msg->ref);
}

static void
handle_candidate(CrConn *conn, const CrClientMessage *msg)
{
    g_autoptr(GError) error = NULL;
    json_t *c = json_object_get(msg->body, "candidate");
    const char *line = json_is_object(c) ? json_string_value(json_object_get(c, "candidate"))
                                         : NULL;
    /* A browser signals the end of candidates with null or "". */
    if (line != NULL && line[0] == '\0')
        line = NULL;
    guint64 peer = target_peer(conn, msg);
    if (peer == 0) {
        cr_conn_send_error(conn, CR_ERROR_NOT_FOUND, "that connection is not open", msg->ref);
        return;
    }
    if (!cr_relay_add_candidate(conn->server->relay, peer, line, &error))
        cr_conn_send_gerror(conn, error, msg->ref);
}

void
cr_media_handle(CrConn *conn, const CrClientMessage *msg)
{
    if (conn->server->relay == NULL) {
        cr_conn_send_error(conn, CR_ERROR_NOT_FOUND,
                           "the media relay is not available on this server", msg->ref);
        return;
    }
    if (msg->type == CR_MSG_UNPUBLISH) {
        /* The client stops sending (camera off, screen share ended): the
         * publish connection closes now, not when consent runs out. */
        gboolean had = conn->publish_peer != 0;
        close_peer(conn->server, &conn->publish_peer);
        if (had)
            cr_conn_send(conn, json_pack("{s:s, s:s?}", "type", "ok", "ref", msg->ref));
        else
            cr_conn_send_error(conn, CR_ERROR_CONFLICT, "nothing is being published", msg->ref);
    } else if (msg->type == CR_MSG_PUBLISH)
        handle_publish(conn, msg);
    else if (msg->type == CR_MSG_ANSWER)
        handle_answer(conn, msg);
    else
        handle_candidate(conn, msg);
}

void
cr_media_conn_closed(CrConn *conn)
{
    if (conn->server->relay == NULL)
        return;
    close_peer(conn->server, &conn->publish_peer);
    close_peer(conn->server, &conn->subscribe_peer);
}

void
cr_media_floor_lost(CrSignaling *server, gint64 session, const char *person)
{
    if (server->relay == NULL)
        return;
    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init(&iter, server->conns);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        CrConn *conn = value;
        if (conn->session_id != session || conn->publish_peer == 0 ||
            conn->claims.role != CR_ROLE_TRAINEE || g_strcmp0(conn->claims.sub, person) != 0)
            continue;
        /* Enforced here, not by the page: the relay stops forwarding now. */
        close_peer(server, &conn->publish_peer);
        cr_conn_send(conn, json_pack("{s:s, s:s, s:s, s:s}", "type", "media", "pc", "publish",
                                     "state", "closed", "reason", "floor_revoked"));
    }
}
