/* signaling-private.h — shared inside the signaling module only.
 *
 * Everything here lives on the control loop thread; nothing is locked.
 */
#pragma once

#include "signaling/signaling.h"

#include <jansson.h>
#include <libwebsockets.h>

#include "common/error.h"
#include "common/ratelimit.h"
#include "recorder/recorder.h"
#include "relay/relay.h"
#include "signaling/message.h"
#include "signaling/token.h"

typedef struct _CrRoom CrRoom;
typedef struct _CrConn CrConn;
typedef struct _CrHttpRequest CrHttpRequest;

/* lws per-connection user data: the HTTP request or the WebSocket
 * connection, owned by http.c and conn.c. */
typedef struct {
    CrHttpRequest *req;
    CrConn *conn;
} CrWsiData;

/* ---- metrics (metrics.c) ---- */

typedef struct {
    guint64 connections_open;
    guint64 connections_total;
    guint64 connections_refused;
    guint64 joins;
    guint64 leaves;
    guint64 messages_in;
    guint64 messages_out;
    guint64 errors[CR_ERROR_N_CODES];
    guint64 http_requests;
    guint64 http_by_class[6]; /* 1xx..5xx */
    guint64 closed_abuse;
    guint64 closed_timeout;
    guint64 closed_slow;
} CrMetrics;

/* ---- the server ---- */

struct _CrSignaling {
    const CrConfig *config;
    CrStore *store;
    CrAuthKeys keys;
    struct lws_context *context;
    struct lws_vhost *vhost;
    int port;
    char *web_root;
    GHashTable *rooms;          /* session id (gint64 *) -> CrRoom * */
    GHashTable *conns;          /* conn id (guint64 *) -> CrConn * */
    GHashTable *per_ip;         /* address -> IpState * */
    guint64 next_conn_id;
    guint heartbeat_source;
    gint64 started_at;
    CrMetrics metrics;
    gboolean stopping;
    CrRelay *relay;            /* NULL: no media on this server */
    CrRecorder *recorder;      /* NULL: this server does not record */
    GHashTable *media_owners;  /* peer id (guint64 *) -> CrMediaOwner * */
};

/* Who a relay peer belongs to: a WebSocket connection's publish or
 * subscribe PeerConnection, or a WHIP/WHEP resource. */
typedef struct {
    guint64 peer;
    guint64 conn_id;   /* 0 for WHIP/WHEP */
    gboolean subscribe;
    gint64 session;
    char *person;
    gint64 interval_id; /* WHEP viewers are in the attendance ledger */
    gboolean whep;
    gint64 media_id;    /* open media interval, 0 when none */
    gboolean counted;   /* counted in its room member's media state */
    gboolean media_opening;
} CrMediaOwner;

typedef struct {
    guint connections;
    CrRateLimit joins;
} IpState;

/* ---- connections (conn.c) ---- */

/* A request from a connection awaiting an asynchronous reply: the reply
 * finds the connection again by id (it may have gone) and answers @ref. */
typedef struct {
    CrSignaling *server;
    guint64 conn_id;
    char *ref;
} CrPending;
CrPending *cr_pending_new(CrConn *conn, const char *ref);
void cr_pending_free(CrPending *p);

typedef enum {
    CR_CONN_NEW,     /* waiting for join */
    CR_CONN_JOINING, /* join submitted to the store */
    CR_CONN_JOINED,
    CR_CONN_CLOSING, /* close requested; ignore input */
} CrConnState;

struct _CrConn {
    guint64 id;
    CrSignaling *server;
    struct lws *wsi; /* NULL once lws closed it */
    CrConnState state;
    char *addr;
    char *user_agent;
    char *url_token; /* ?token= on the URL, used as an implicit join */
    /* Set once joined. */
    gint64 session_id;
    CrTokenClaims claims;
    gint64 interval_id;
    CrRoom *room;
    /* Inbound assembly of one message. */
    GString *rx;
    gboolean rx_overflow;
    CrRateLimit rate;
    CrRateLimit abuse; /* refused messages; empty = close with 1008 */
    gint64 last_rx_us; /* monotonic */
    gint64 last_rx_unix;
    /* Outbound queue of text messages (GBytes), written one per WRITEABLE. */
    GQueue outq;
    gsize outq_bytes;
    gboolean ping_due;
    int close_code; /* >0: close after the queue drains */
    char *close_reason;
    const char *ledger_reason; /* why the interval closes when the socket does */
    gboolean peer_closed;      /* the client sent a close frame */
    guint64 publish_peer;   /* relay peers, 0 when none */
    guint64 subscribe_peer;
};

/* Called from the lws callback for the WebSocket protocol. */
int cr_conn_callback(CrSignaling *server, struct lws *wsi, enum lws_callback_reasons reason,
                     void *user, void *in, size_t len);
/* Queues @json (stolen) for sending. */
void cr_conn_send(CrConn *conn, json_t *json);
/* Queues serialized text (a reference is taken): a broadcast is
 * serialized once and shared by every recipient. */
void cr_conn_send_bytes(CrConn *conn, GBytes *bytes);
/* Queues an error message. */
void cr_conn_send_error(CrConn *conn, CrErrorCode code, const char *message, const char *ref);
void cr_conn_send_gerror(CrConn *conn, const GError *error, const char *ref);
/* Sends what is queued, then closes with @code (1000 normal, 1008 policy). */
void cr_conn_close(CrConn *conn, int code, const char *reason);
/* Closes the connection's interval in the ledger with @reason (once). */
void cr_conn_leave_ledger(CrConn *conn, const char *reason, gint64 closed);
/* Counts a refused message; closes the connection when abuse is sustained. */
void cr_conn_violation(CrConn *conn);
/* The connection with @id, or NULL when it has gone. */
CrConn *cr_conn_lookup(CrSignaling *server, guint64 id);
/* Heartbeat: pings, silent-connection timeouts and last_seen updates. */
gboolean cr_conn_heartbeat(gpointer server);

/* ---- media (media.c, whip.c) ---- */

/* The media messages: publish, answer, candidate. */
void cr_media_handle(CrConn *conn, const CrClientMessage *msg);
/* After welcome: offers the subscribe PeerConnection. */
void cr_media_start_subscribe(CrConn *conn);
/* The connection is closing: its peers close. */
void cr_media_conn_closed(CrConn *conn);
/* @person lost the floor in @session: their publishing stops at once. */
void cr_media_floor_lost(CrSignaling *server, gint64 session, const char *person);
/* Owner bookkeeping. */
CrMediaOwner *cr_media_owner_add(CrSignaling *server, guint64 peer, guint64 conn_id,
                                 gboolean subscribe, gint64 session, const char *person);
void cr_media_owner_remove(CrSignaling *server, guint64 peer);
/* ICE servers for a person (TURN REST credentials when configured), as
 * the JSON of RTCConfiguration.iceServers. */
json_t *cr_media_ice_servers(CrSignaling *server, const char *person);
/* Heartbeat: last_seen of open media intervals. */
void cr_media_heartbeat(CrSignaling *server, gint64 now);
/* WHIP and WHEP endpoints. */
void cr_api_whip(CrHttpRequest *req, const char *const *args);
void cr_api_whep(CrHttpRequest *req, const char *const *args);
void cr_api_media_resource(CrHttpRequest *req, const char *const *args);

/* ---- message handlers (handlers.c) ---- */

void cr_handlers_dispatch(CrConn *conn, const CrClientMessage *msg);

/* ---- rooms (room.c) ---- */

/* The room of @session_id, created on first use. */
CrRoom *cr_room_get(CrSignaling *server, gint64 session_id, const CrSessionInfo *info);
CrRoom *cr_room_lookup(CrSignaling *server, gint64 session_id);
/* Adds a joined connection; TRUE when it is the person's first. */
gboolean cr_room_add(CrRoom *room, CrConn *conn);
/* Tells the room a person joined (@first) or has another connection. */
void cr_room_announce_member(CrRoom *room, const char *person, gboolean first);
/* Removes a connection; announces "left" when it was the person's last. */
void cr_room_remove(CrRoom *room, CrConn *conn);
/* The roster as JSON (array of people). */
json_t *cr_room_roster(CrRoom *room);
json_t *cr_room_session_json(CrRoom *room);
void cr_room_broadcast(CrRoom *room, json_t *json);
gboolean cr_room_raise_hand(CrRoom *room, const char *person, GError **error);
gboolean cr_room_lower_hand(CrRoom *room, const char *person, GError **error);
gboolean cr_room_grant_floor(CrRoom *room, const char *person, const char *by, GError **error);
gboolean cr_room_revoke_floor(CrRoom *room, const char *person, const char *by,
                              GError **error);
/* Closes every connection of @person with @reason. FALSE when absent. */
gboolean cr_room_kick(CrRoom *room, const char *person, const char *by, const char *text);
/* Tells everyone the class ended and closes their connections. */
void cr_room_end(CrRoom *room, const CrSessionInfo *info);
/* TRUE when @person holds the floor. */
gboolean cr_room_has_floor(CrRoom *room, const char *person);
/* TRUE once the session has started (an instructor joined). */
gboolean cr_room_is_live(const CrRoom *room);
/* Counts for /metrics and the live view. */
guint cr_room_people(const CrRoom *room);
void cr_room_free(CrRoom *room);
/* One of @person's media connections started (@flowing) or stopped
 * receiving (@receive) or sending media; the roster entry's "media" changes
 * when the person's first starts or last stops. */
void cr_room_media_flow(CrRoom *room, const char *person, gboolean receive, gboolean flowing);

/* ---- HTTP (http.c, api-*.c) ---- */

struct _CrHttpRequest {
    CrSignaling *server;
    struct lws *wsi; /* NULL once closed */
    int refs;        /* the wsi holds one; a pending store operation holds one */
    char *method;
    char *path;
    char *query; /* raw, may be NULL */
    char *authorization;
    char *content_type;
    GString *body;
    gboolean body_too_large;
    gboolean dispatched; /* routed once (request_complete) */
    CrTokenClaims claims; /* after authentication */
    /* Response. */
    int status;
    char *resp_type;
    char *resp_disposition;
    GPtrArray *resp_headers; /* "name:" then value, pairs; may be NULL */
    GBytes *resp_body;
    struct _CrHttpFileBody *resp_file; /* instead of resp_body (http-file.c) */
    gsize resp_sent;
    gboolean headers_sent;
    gboolean responded;
};

/* Helpers for API handlers (api.c). */
/* Parses the body as a JSON object; on failure responds and returns NULL. */
json_t *cr_api_body(CrHttpRequest *req);
/* Reads a string field; on failure responds and returns FALSE. */
gboolean cr_api_string(CrHttpRequest *req, json_t *obj, const char *name, gboolean required,
                       gsize max, const char **out);
/* A store done callback answering with the JSON result (status in
 * req->status, default 200) or the error; user_data is a ref'd request. */
void cr_api_reply_json(gpointer result, const GError *error, gpointer user_data);
/* Serves a file from the web root (static.c). */
void cr_static_serve(CrHttpRequest *req);

int cr_http_callback(CrSignaling *server, struct lws *wsi, enum lws_callback_reasons reason,
                     void *user, void *in, size_t len);
CrHttpRequest *cr_http_request_ref(CrHttpRequest *req);
void cr_http_request_unref(CrHttpRequest *req);
/* Sends a response (body stolen). Later calls are ignored. */
void cr_http_respond(CrHttpRequest *req, int status, const char *content_type, GBytes *body);
void cr_http_respond_json(CrHttpRequest *req, int status, json_t *json);
void cr_http_respond_error(CrHttpRequest *req, CrErrorCode code, const char *message);
void cr_http_respond_gerror(CrHttpRequest *req, const GError *error);
/* A request header's value (newly allocated), or NULL when it is absent
 * or longer than @max bytes. Shared by HTTP and WebSocket upgrades. */
char *cr_http_header(struct lws *wsi, enum lws_token_indexes token, int max);
/* Adds a response header ("location:", value) before cr_http_respond. */
void cr_http_add_header(CrHttpRequest *req, const char *name, const char *value);
/* The value of query parameter @name (URL-decoded), or NULL. */
char *cr_http_query_param(const CrHttpRequest *req, const char *name);

/* ---- file bodies and Range (http-file.c) ---- */

/* A response body read from a file a chunk at a time. */
typedef struct _CrHttpFileBody {
    int fd;         /* owned */
    guint64 offset; /* next byte to send */
    guint64 remain; /* bytes still to send */
    guint8 *frame;  /* LWS_PRE + one chunk, reused for every write */
} CrHttpFileBody;
void cr_http_file_body_free(CrHttpFileBody *body);
/* Responds with @length bytes of @fd (stolen) from @offset; Content-Length
 * is @length, and a HEAD request gets the headers only. */
void cr_http_respond_file(CrHttpRequest *req, int status, const char *content_type, int fd,
                          guint64 offset, guint64 length);
/* http.c's WRITEABLE handler for a file body, once the headers are out. */
int cr_http_file_write(CrHttpRequest *req);

typedef enum {
    CR_HTTP_RANGE_NONE,          /* no Range, or one to ignore: send it all (200) */
    CR_HTTP_RANGE_OK,            /* send [first, last] (206) */
    CR_HTTP_RANGE_UNSATISFIABLE, /* 416 with Content-Range: bytes STAR/size */
} CrHttpRange;
/* Parses a Range header value (NULL: none) against a representation of
 * @size bytes: one "bytes=a-b", "bytes=a-" or "bytes=-n". A list of
 * ranges, another unit, or a malformed or reversed range is ignored
 * (RFC 9110 §14.2). Pure; tests/unit/signaling/test-http-file.c. */
CrHttpRange cr_http_range_parse(const char *header, guint64 size, guint64 *first,
                                guint64 *last);

/* Routes a complete request (api.c). */
void cr_api_dispatch(CrHttpRequest *req);

/* Authenticates the bearer token; on failure responds and returns FALSE.
 * @roles is a bitmask of (1 << CrRole). @session: the session the request
 * is about (0: none), which instructor tokens must name. */
gboolean cr_api_authorize(CrHttpRequest *req, guint roles, gint64 session);
/* The session id of a /api/sessions/{id}/... route, authorized for @roles;
 * 0 when it answered already (401/403, or 404 for a malformed id). */
gint64 cr_api_session_arg(CrHttpRequest *req, const char *const *args, guint roles);

/* Handlers (api-catalog.c, api-attendance.c). */
void cr_api_courses(CrHttpRequest *req, const char *const *args);
void cr_api_course(CrHttpRequest *req, const char *const *args);
void cr_api_course_attendance(CrHttpRequest *req, const char *const *args);
void cr_api_sessions(CrHttpRequest *req, const char *const *args);
void cr_api_session(CrHttpRequest *req, const char *const *args);
void cr_api_session_attendance(CrHttpRequest *req, const char *const *args);
void cr_api_session_end(CrHttpRequest *req, const char *const *args);
void cr_api_session_live(CrHttpRequest *req, const char *const *args);
void cr_api_checkins(CrHttpRequest *req, const char *const *args);
void cr_api_checkouts(CrHttpRequest *req, const char *const *args);
void cr_api_checkin_code(CrHttpRequest *req, const char *const *args);
void cr_api_self_checkin(CrHttpRequest *req, const char *const *args);
void cr_api_events(CrHttpRequest *req, const char *const *args);
void cr_api_whoami(CrHttpRequest *req, const char *const *args);
void cr_api_healthz(CrHttpRequest *req, const char *const *args);
void cr_api_metrics(CrHttpRequest *req, const char *const *args);
/* Recordings (api-recordings.c). */
void cr_api_session_recordings(CrHttpRequest *req, const char *const *args);
void cr_api_recording(CrHttpRequest *req, const char *const *args);
void cr_api_recording_media(CrHttpRequest *req, const char *const *args);

/* The credit rules from the configuration. */
void cr_signaling_credit_rules(const CrSignaling *server, CrCreditRules *rules);
/* Verifies a person's token (join key). */
gboolean cr_signaling_verify_token(CrSignaling *server, const char *token, gsize len,
                                   const char *expected_session, CrTokenClaims *out,
                                   GError **error);
/* Parses a positive decimal id; 0 when malformed. */
gint64 cr_parse_id(const char *text);

/* ---- recording control (recording.c) ---- */

/* {"state":"recording","recording_id":N} or {"state":"stopped"}: for welcome. */
json_t *cr_recording_state_json(CrSignaling *server, gint64 session);
/* The instructor's {"type":"record","action":...}. */
void cr_recording_handle(CrConn *conn, const CrClientMessage *msg);
void cr_api_recording_start(CrHttpRequest *req, const char *const *args);
void cr_api_recording_stop(CrHttpRequest *req, const char *const *args);
/* The class went live (starts recording if the session says so) or ended. */
void cr_recording_class_live(CrSignaling *server, const CrSessionInfo *info);
void cr_recording_class_ended(CrSignaling *server, gint64 session);
/* A catalog row as the API shows it (api-recordings.c). */
json_t *cr_api_recording_public(const json_t *recording);
