/* conn.c — one WebSocket connection: admission, message assembly, rate
 * limits, the outbound queue, heartbeats and closing.
 *
 * Control loop thread only. lws allows one write per WRITEABLE callback,
 * so everything sent goes through conn->outq. A CrConn is found by id
 * (server->conns) from asynchronous callbacks, never by a kept pointer,
 * because it may close while a store operation is in flight.
 */
#include "signaling/signaling-private.h"

#include "common/json.h"
#include "common/time.h"

#define OUTQ_MAX_BYTES (4u << 20) /* a client this far behind is dropped */

CrConn *
cr_conn_lookup(CrSignaling *server, guint64 id)
{
    return g_hash_table_lookup(server->conns, &id);
}

static IpState *
ip_state(CrSignaling *server, const char *addr)
{
    IpState *ip = g_hash_table_lookup(server->per_ip, addr);
    if (ip == NULL) {
        ip = g_new0(IpState, 1);
        double per_min = (double)server->config->server.joins_per_minute_per_ip;
        cr_ratelimit_init(&ip->joins, per_min / 60.0, per_min, g_get_monotonic_time());
        g_hash_table_insert(server->per_ip, g_strdup(addr), ip);
    }
    return ip;
}

static char *
peer_address(struct lws *wsi)
{
    char buf[64] = "";
    lws_get_peer_simple(wsi, buf, sizeof buf);
    return g_strdup(buf);
}

/* Refuses a WebSocket upgrade off /ws or over the connection limits. */
static int
filter_connection(CrSignaling *server, struct lws *wsi)
{
    g_autofree char *uri = cr_http_header(wsi, WSI_TOKEN_GET_URI, 1024);
    g_autofree char *addr = peer_address(wsi);
    IpState *ip = ip_state(server, addr);
    const char *why = NULL;
    if (server->stopping)
        why = "server stopping";
    else if (uri == NULL || strcmp(uri, "/ws") != 0)
        why = "WebSocket only at /ws";
    else if (ip->connections >= (guint)server->config->server.max_connections_per_ip)
        why = "too many connections from this address";
    else if (g_hash_table_size(server->conns) >= (guint)server->config->server.max_connections)
        why = "server full";
    if (why == NULL)
        return 0;
    server->metrics.connections_refused++;
    g_message("[ws %s] refused: %s", addr, why);
    return -1;
}

static CrConn *
conn_new(CrSignaling *server, struct lws *wsi)
{
    CrConn *conn = g_new0(CrConn, 1);
    const CrConfig *config = server->config;
    gint64 now = g_get_monotonic_time();
    conn->id = ++server->next_conn_id;
    conn->server = server;
    conn->wsi = wsi;
    conn->addr = peer_address(wsi);
    conn->user_agent = cr_http_header(wsi, WSI_TOKEN_HTTP_USER_AGENT, 512);
    char arg[CR_TOKEN_MAX_LEN + 8];
    const char *token = lws_get_urlarg_by_name(wsi, "token=", arg, sizeof arg);
    if (token != NULL && token[0] != '\0')
        conn->url_token = g_uri_unescape_string(token, NULL);
    conn->rx = g_string_new(NULL);
    cr_ratelimit_init(&conn->rate, config->server.messages_per_second,
                      (double)config->server.message_burst, now);
    cr_ratelimit_init(&conn->abuse, (double)config->server.abuse_limit / 60.0,
                      (double)config->server.abuse_limit, now);
    conn->last_rx_us = now;
    conn->last_rx_unix = cr_time_now();
    conn->ledger_reason = "closed";
    g_queue_init(&conn->outq);
    g_hash_table_insert(server->conns, &conn->id, conn);
    ip_state(server, conn->addr)->connections++;
    server->metrics.connections_open++;
    server->metrics.connections_total++;
    return conn;
}

static void
conn_free(CrConn *conn)
{
    CrSignaling *server = conn->server;
    IpState *ip = g_hash_table_lookup(server->per_ip, conn->addr);
    if (ip != NULL && ip->connections > 0)
        ip->connections--;
    g_hash_table_remove(server->conns, &conn->id);
    server->metrics.connections_open--;
    g_queue_clear_full(&conn->outq, (GDestroyNotify)g_bytes_unref);
    g_string_free(conn->rx, TRUE);
    cr_token_claims_clear(&conn->claims);
    g_free(conn->addr);
    g_free(conn->user_agent);
    g_free(conn->url_token);
    g_free(conn->close_reason);
    g_free(conn);
}

void
cr_conn_send_bytes(CrConn *conn, GBytes *bytes)
{
    gsize len = g_bytes_get_size(bytes);
    if (conn->wsi == NULL || conn->close_code != 0)
        return;
    if (conn->outq_bytes + len > OUTQ_MAX_BYTES) {
        conn->server->metrics.closed_slow++;
        cr_conn_close(conn, LWS_CLOSE_STATUS_POLICY_VIOLATION, "client too slow");
        return;
    }
    g_queue_push_tail(&conn->outq, g_bytes_ref(bytes));
    conn->outq_bytes += len;
    conn->server->metrics.messages_out++;
    lws_callback_on_writable(conn->wsi);
}

void
cr_conn_send(CrConn *conn, json_t *json)
{
    if (conn->wsi == NULL || conn->close_code != 0) {
        json_decref(json);
        return;
    }
    char *text = cr_json_to_string(json);
    json_decref(json);
    g_autoptr(GBytes) bytes = g_bytes_new_take(text, strlen(text));
    cr_conn_send_bytes(conn, bytes);
}

void
cr_conn_send_error(CrConn *conn, CrErrorCode code, const char *message, const char *ref)
{
    conn->server->metrics.errors[code]++;
    cr_conn_send(conn, json_pack("{s:s, s:s, s:s, s:s?}", "type", "error", "code",
                                 cr_error_code_name(code), "message", message, "ref", ref));
}

void
cr_conn_send_gerror(CrConn *conn, const GError *error, const char *ref)
{
    cr_conn_send_error(conn, cr_error_code_of(error), error->message, ref);
}

void
cr_conn_close(CrConn *conn, int code, const char *reason)
{
    if (conn->close_code != 0 || conn->wsi == NULL)
        return;
    conn->state = CR_CONN_CLOSING;
    conn->close_code = code;
    conn->close_reason = g_strdup(reason);
    lws_callback_on_writable(conn->wsi);
    /* A peer that does not read could keep the queue from draining. */
    lws_set_timeout(conn->wsi, PENDING_TIMEOUT_CLOSE_SEND, 5);
}

void
cr_conn_violation(CrConn *conn)
{
    if (!cr_ratelimit_take(&conn->abuse, g_get_monotonic_time())) {
        conn->server->metrics.closed_abuse++;
        g_message("[ws %s] closing: sustained abuse", conn->addr);
        cr_conn_close(conn, LWS_CLOSE_STATUS_POLICY_VIOLATION, "too many refused messages");
    }
}

void
cr_conn_leave_ledger(CrConn *conn, const char *reason, gint64 closed)
{
    if (conn->interval_id == 0)
        return;
    CrLeaveInput in = {conn->interval_id, closed, reason};
    cr_store_leave(conn->server->store, &in, NULL, NULL);
    conn->interval_id = 0;
    conn->server->metrics.leaves++;
}

static void
handle_text(CrConn *conn, const char *data, gsize len)
{
    CrClientMessage msg = {0};
    g_autoptr(GError) error = NULL;
    conn->server->metrics.messages_in++;
    if (!cr_ratelimit_take(&conn->rate, g_get_monotonic_time())) {
        cr_conn_send_error(conn, CR_ERROR_RATE_LIMITED, "too many messages; slow down", NULL);
        cr_conn_violation(conn);
        return;
    }
    if (!cr_message_decode(data, len, &msg, &error)) {
        cr_conn_send_gerror(conn, error, msg.ref);
        cr_conn_violation(conn);
    } else {
        cr_handlers_dispatch(conn, &msg);
    }
    cr_client_message_clear(&msg);
}

/* Assembles fragments into one message of at most max_message_bytes. */
static void
receive(CrConn *conn, const char *in, size_t len)
{
    gsize max = (gsize)conn->server->config->server.max_message_bytes;
    conn->last_rx_us = g_get_monotonic_time();
    conn->last_rx_unix = cr_time_now();
    if (conn->state == CR_CONN_CLOSING)
        return;
    if (!conn->rx_overflow && conn->rx->len + len <= max)
        g_string_append_len(conn->rx, in, (gssize)len);
    else
        conn->rx_overflow = TRUE;
    if (!lws_is_final_fragment(conn->wsi) || lws_remaining_packet_payload(conn->wsi) > 0)
        return;
    if (conn->rx_overflow) {
        g_autofree char *why = g_strdup_printf("message larger than %" G_GSIZE_FORMAT " bytes",
                                               max);
        cr_conn_send_error(conn, CR_ERROR_TOO_LARGE, why, NULL);
        cr_conn_violation(conn);
    } else if (lws_frame_is_binary(conn->wsi)) {
        cr_conn_send_error(conn, CR_ERROR_BAD_REQUEST, "binary messages are not accepted",
                           NULL);
        cr_conn_violation(conn);
    } else {
        handle_text(conn, conn->rx->str, conn->rx->len);
    }
    g_string_truncate(conn->rx, 0);
    conn->rx_overflow = FALSE;
}

static int
writeable(CrConn *conn)
{
    guint8 buf[LWS_PRE + 16];
    if (conn->ping_due) {
        conn->ping_due = FALSE;
        /* Not empty: lws 4.x drops an empty pong before RECEIVE_PONG, so
         * an empty ping would never count as the peer being heard. */
        memcpy(buf + LWS_PRE, "hb", 2);
        if (lws_write(conn->wsi, buf + LWS_PRE, 2, LWS_WRITE_PING) < 0)
            return -1;
    } else if (!g_queue_is_empty(&conn->outq)) {
        g_autoptr(GBytes) bytes = g_queue_pop_head(&conn->outq);
        gsize len;
        const guint8 *data = g_bytes_get_data(bytes, &len);
        conn->outq_bytes -= len;
        /* lws needs LWS_PRE writable bytes before the payload. */
        g_autofree guint8 *frame = g_malloc(LWS_PRE + len);
        memcpy(frame + LWS_PRE, data, len);
        if (lws_write(conn->wsi, frame + LWS_PRE, len, LWS_WRITE_TEXT) < (int)len)
            return -1;
    } else if (conn->close_code != 0) {
        const char *reason = conn->close_reason != NULL ? conn->close_reason : "";
        lws_close_reason(conn->wsi, (enum lws_close_status)conn->close_code,
                         (unsigned char *)reason, strlen(reason));
        return -1;
    }
    if (!g_queue_is_empty(&conn->outq) || conn->close_code != 0)
        lws_callback_on_writable(conn->wsi);
    return 0;
}

static void
closed(CrConn *conn)
{
    conn->wsi = NULL;
    cr_media_conn_closed(conn);
    cr_conn_leave_ledger(conn, conn->ledger_reason, cr_time_now());
    if (conn->room != NULL)
        cr_room_remove(conn->room, conn);
    conn_free(conn);
}

int
cr_conn_callback(CrSignaling *server, struct lws *wsi, enum lws_callback_reasons reason,
                 void *user, void *in, size_t len)
{
    CrWsiData *data = user;
    CrConn *conn = data != NULL ? data->conn : NULL;
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return filter_connection(server, wsi);
    case LWS_CALLBACK_ESTABLISHED:
        conn = data->conn = conn_new(server, wsi);
        if (conn->url_token != NULL) {
            /* A token on the URL is an implicit first join message. */
            CrClientMessage msg = {.type = CR_MSG_JOIN, .token = conn->url_token};
            cr_handlers_dispatch(conn, &msg);
        }
        return 0;
    case LWS_CALLBACK_RECEIVE:
        if (conn != NULL)
            receive(conn, in, len);
        return 0;
    case LWS_CALLBACK_RECEIVE_PONG:
        if (conn != NULL) {
            conn->last_rx_us = g_get_monotonic_time();
            conn->last_rx_unix = cr_time_now();
        }
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return conn != NULL ? writeable(conn) : 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (conn != NULL)
            conn->peer_closed = TRUE; /* a clean close: the tab closed, not a lost network */
        return 0;
    case LWS_CALLBACK_CLOSED:
        if (conn != NULL) {
            data->conn = NULL;
            closed(conn);
        }
        return 0;
    default:
        return 0;
    }
}

/* Every heartbeat: close connections silent for three beats (their
 * interval ends when they were last heard), ping the others, and record
 * last_seen = now for those heard within the last beat, so that a crash
 * loses at most one heartbeat of attendance. */
gboolean
cr_conn_heartbeat(gpointer data)
{
    CrSignaling *server = data;
    gint64 beat_us = server->config->server.heartbeat_seconds * G_USEC_PER_SEC;
    gint64 mono = g_get_monotonic_time();
    gint64 now = cr_time_now();
    g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_autoptr(GArray) seen = g_array_new(FALSE, FALSE, sizeof(gint64));
    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init(&iter, server->conns);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        CrConn *conn = value;
        gint64 silent = mono - conn->last_rx_us;
        if (silent > 3 * beat_us) {
            server->metrics.closed_timeout++;
            cr_conn_leave_ledger(conn, "timeout", conn->last_rx_unix);
            cr_conn_close(conn, LWS_CLOSE_STATUS_GOINGAWAY, "no answer to heartbeats");
            if (conn->wsi != NULL)
                lws_set_timeout(conn->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
            continue;
        }
        if (conn->interval_id != 0 && silent <= beat_us + G_USEC_PER_SEC) {
            g_array_append_val(ids, conn->interval_id);
            g_array_append_val(seen, now);
        }
        if (conn->wsi != NULL && conn->close_code == 0) {
            conn->ping_due = TRUE;
            lws_callback_on_writable(conn->wsi);
        }
    }
    cr_store_touch(server->store, (gint64 *)(void *)ids->data, (gint64 *)(void *)seen->data,
                   ids->len);
    cr_media_heartbeat(server, now);
    return G_SOURCE_CONTINUE;
}

CrPending *
cr_pending_new(CrConn *conn, const char *ref)
{
    CrPending *p = g_new0(CrPending, 1);
    p->server = conn->server;
    p->conn_id = conn->id;
    p->ref = g_strdup(ref);
    return p;
}

void
cr_pending_free(CrPending *p)
{
    g_free(p->ref);
    g_free(p);
}
