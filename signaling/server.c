/* server.c — the libwebsockets context on the GLib control loop, and the
 * one callback that hands each event to HTTP (http.c) or WebSocket
 * (conn.c) handling.
 *
 * Control loop thread only. lws runs on GLib through its glib event-lib
 * plugin (LWS_SERVER_OPTION_GLIB + foreign_loops), so our timers, the
 * store's replies and lws share one thread and need no locks.
 */
#include "signaling/signaling-private.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/time.h"
#include "cr-build-config.h"

static int
server_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                size_t len)
{
    struct lws_vhost *vhost = lws_get_vhost(wsi);
    CrSignaling *server = vhost != NULL ? lws_vhost_user(vhost) : NULL;
    if (server == NULL)
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
    case LWS_CALLBACK_ESTABLISHED:
    case LWS_CALLBACK_RECEIVE:
    case LWS_CALLBACK_RECEIVE_PONG:
    case LWS_CALLBACK_SERVER_WRITEABLE:
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
    case LWS_CALLBACK_CLOSED:
        return cr_conn_callback(server, wsi, reason, user, in, len);
    case LWS_CALLBACK_HTTP:
    case LWS_CALLBACK_HTTP_BODY:
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    case LWS_CALLBACK_HTTP_WRITEABLE:
    case LWS_CALLBACK_HTTP_FILE_COMPLETION:
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        return cr_http_callback(server, wsi, reason, user, in, len);
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    {"classrelay", server_callback, sizeof(CrWsiData), 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void
lws_log(int level, const char *line)
{
    g_autofree char *trimmed = g_strchomp(g_strdup(line));
    if (level & LLL_ERR)
        g_warning("lws: %s", trimmed);
    else if (level & LLL_WARN)
        g_message("lws: %s", trimmed);
    else
        g_debug("lws: %s", trimmed);
}

void
cr_auth_keys_derive(CrAuthKeys *keys, const char *secret, gsize len)
{
    /* Two independent keys from one secret, so that a check-in code (shown
     * on a projector) can never pass as a person's token. */
    static const char join_label[] = "classrelay join token v1";
    static const char checkin_label[] = "classrelay check-in code v1";
    unsigned int out_len = 32;
    HMAC(EVP_sha256(), secret, (int)len, (const guint8 *)join_label, sizeof join_label - 1,
         keys->join, &out_len);
    out_len = 32;
    HMAC(EVP_sha256(), secret, (int)len, (const guint8 *)checkin_label,
         sizeof checkin_label - 1, keys->checkin, &out_len);
}

static char *
pick_web_root(const CrConfig *config)
{
    if (config->server.web_root[0] != '\0')
        return g_strdup(config->server.web_root);
    if (g_file_test(CR_WEB_ROOT_INSTALLED, G_FILE_TEST_IS_DIR))
        return g_strdup(CR_WEB_ROOT_INSTALLED);
    return g_strdup(CR_WEB_ROOT_SOURCE);
}

static gboolean
create_context(CrSignaling *server, GMainLoop *loop, GError **error)
{
    g_autofree char *addr = NULL;
    int port = 0;
    if (!cr_config_split_listen(server->config->server.listen, &addr, &port)) {
        g_set_error(error, CR_ERROR, CR_ERROR_INTERNAL, "bad listen address");
        return FALSE;
    }
    void *foreign[1] = {loop};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = port;
    info.iface = addr;
    info.protocols = protocols;
    info.vhost_name = "classrelay";
    info.user = server;
    info.foreign_loops = foreign;
    info.max_http_header_data = 8192;
    info.timeout_secs = 20;
    info.options = LWS_SERVER_OPTION_GLIB | LWS_SERVER_OPTION_VALIDATE_UTF8 |
                   LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
    /* lws binds to every address when IPv6 is on; turn it off for an IPv4
     * listen address so 127.0.0.1 means loopback only. */
    if (strchr(addr, ':') == NULL)
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log);
    server->context = lws_create_context(&info);
    if (server->context == NULL) {
        g_set_error(error, CR_ERROR, CR_ERROR_INTERNAL, "cannot start the HTTP server");
        return FALSE;
    }
    server->vhost = lws_create_vhost(server->context, &info);
    if (server->vhost == NULL) {
        g_set_error(error, CR_ERROR, CR_ERROR_INTERNAL, "cannot listen on %s",
                    server->config->server.listen);
        return FALSE;
    }
    server->port = lws_get_vhost_listen_port(server->vhost);
    return TRUE;
}

CrSignaling *
cr_signaling_new(const CrConfig *config, CrStore *store, const CrAuthKeys *keys,
                 GMainLoop *loop, GError **error)
{
    CrSignaling *server = g_new0(CrSignaling, 1);
    server->config = config;
    server->store = store;
    server->keys = *keys;
    server->web_root = pick_web_root(config);
    server->started_at = cr_time_now();
    server->rooms = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL,
                                          (GDestroyNotify)cr_room_free);
    server->conns = g_hash_table_new(g_int64_hash, g_int64_equal);
    server->per_ip = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    if (!create_context(server, loop, error)) {
        cr_signaling_free(server);
        return NULL;
    }
    server->heartbeat_source = g_timeout_add_seconds(
        (guint)config->server.heartbeat_seconds, cr_conn_heartbeat, server);
    return server;
}

int
cr_signaling_port(const CrSignaling *server)
{
    return server->port;
}

void
cr_signaling_free(CrSignaling *server)
{
    if (server == NULL)
        return;
    server->stopping = TRUE;
    if (server->heartbeat_source != 0)
        g_source_remove(server->heartbeat_source);
    /* Close every interval before the store stops: these are real leaves. */
    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init(&iter, server->conns);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        cr_conn_leave_ledger(value, "server_stop", cr_time_now());
        cr_conn_close(value, LWS_CLOSE_STATUS_GOINGAWAY, "server restarting");
    }
    /* Give the close frames a moment to go out, so clients see 1001 and
     * reconnect rather than guessing from a dropped socket. */
    gint64 deadline = g_get_monotonic_time() + G_USEC_PER_SEC / 2;
    while (g_hash_table_size(server->conns) > 0 && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, FALSE);
    if (server->context != NULL)
        lws_context_destroy(server->context);
    g_hash_table_destroy(server->rooms);
    g_hash_table_destroy(server->conns);
    g_hash_table_destroy(server->per_ip);
    g_free(server->web_root);
    g_free(server);
}

void
cr_signaling_credit_rules(const CrSignaling *server, CrCreditRules *rules)
{
    rules->reconnect_grace = server->config->attendance.reconnect_grace_seconds;
    rules->completion_threshold = server->config->attendance.completion_threshold;
    rules->require_media = server->config->attendance.require_media;
}

gboolean
cr_signaling_verify_token(CrSignaling *server, const char *token, gsize len,
                          const char *expected_session, CrTokenClaims *out, GError **error)
{
    return cr_token_verify(token, len, server->keys.join, sizeof server->keys.join,
                           cr_time_now(), server->config->auth.leeway_seconds, expected_session,
                           out, error);
}

gint64
cr_parse_id(const char *text)
{
    if (text == NULL || text[0] < '1' || text[0] > '9' || strlen(text) > 15)
        return 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (!g_ascii_isdigit(*p))
            return 0;
    }
    return g_ascii_strtoll(text, NULL, 10);
}
