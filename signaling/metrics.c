/* metrics.c — GET /metrics in the Prometheus text format (version 0.0.4).
 * Control loop thread; reads the server's counters and the store's. */
#include "signaling/signaling-private.h"

static void
metric(GString *out, const char *name, const char *type, const char *help, guint64 value)
{
    g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %" G_GUINT64_FORMAT "\n", name,
                           help, name, type, name, value);
}

void
cr_api_metrics(CrHttpRequest *req, const char *const *args)
{
    const CrMetrics *m = &req->server->metrics;
    GString *out = g_string_new(NULL);
    metric(out, "classrelay_connections", "gauge", "Open WebSocket connections.",
           m->connections_open);
    metric(out, "classrelay_connections_total", "counter", "WebSocket connections accepted.",
           m->connections_total);
    metric(out, "classrelay_connections_refused_total", "counter",
           "WebSocket upgrades refused (path, per-address or total limits).",
           m->connections_refused);
    metric(out, "classrelay_joins_total", "counter", "Joins committed to the ledger.", m->joins);
    metric(out, "classrelay_leaves_total", "counter", "Attendance intervals closed.", m->leaves);
    metric(out, "classrelay_messages_received_total", "counter", "WebSocket messages received.",
           m->messages_in);
    metric(out, "classrelay_messages_sent_total", "counter", "WebSocket messages queued.",
           m->messages_out);
    metric(out, "classrelay_rooms", "gauge", "Classes with someone connected.",
           g_hash_table_size(req->server->rooms));
    g_string_append(out, "# HELP classrelay_errors_total Errors answered, by code.\n"
                         "# TYPE classrelay_errors_total counter\n");
    for (int c = 0; c < CR_ERROR_N_CODES; c++)
        g_string_append_printf(out, "classrelay_errors_total{code=\"%s\"} %" G_GUINT64_FORMAT "\n",
                               cr_error_code_name(c), m->errors[c]);
    g_string_append(out, "# HELP classrelay_closed_total Connections closed by the server.\n"
                         "# TYPE classrelay_closed_total counter\n");
    g_string_append_printf(out, "classrelay_closed_total{reason=\"abuse\"} %" G_GUINT64_FORMAT
                                "\nclassrelay_closed_total{reason=\"timeout\"} %" G_GUINT64_FORMAT
                                "\nclassrelay_closed_total{reason=\"slow\"} %" G_GUINT64_FORMAT
                                "\n",
                           m->closed_abuse, m->closed_timeout, m->closed_slow);
    g_string_append(out, "# HELP classrelay_http_responses_total HTTP responses by class.\n"
                         "# TYPE classrelay_http_responses_total counter\n");
    for (int c = 1; c <= 5; c++)
        g_string_append_printf(out,
                               "classrelay_http_responses_total{code=\"%dxx\"} %" G_GUINT64_FORMAT
                               "\n",
                               c, m->http_by_class[c]);
    CrStoreStats db;
    cr_store_stats(req->server->store, &db);
    metric(out, "classrelay_db_operations_total", "counter", "Database operations run.", db.jobs);
    metric(out, "classrelay_db_errors_total", "counter", "Database operations that failed.",
           db.errors);
    g_string_append_printf(out,
                           "# HELP classrelay_db_seconds_total Time spent in database operations.\n"
                           "# TYPE classrelay_db_seconds_total counter\n"
                           "classrelay_db_seconds_total %.6f\n"
                           "# HELP classrelay_db_max_seconds Slowest database operation.\n"
                           "# TYPE classrelay_db_max_seconds gauge\n"
                           "classrelay_db_max_seconds %.6f\n",
                           db.total_us / 1e6, db.max_us / 1e6);
    metric(out, "classrelay_db_queue", "gauge", "Database operations waiting.", db.queued);
    if (req->server->relay != NULL) {
        CrRelayStats r;
        cr_relay_stats(req->server->relay, &r);
        metric(out, "classrelay_media_peers", "gauge", "Open WebRTC PeerConnections.", r.peers);
        metric(out, "classrelay_media_packets_in_total", "counter",
               "SRTP/SRTCP packets received and decrypted.", r.packets_in);
        metric(out, "classrelay_media_packets_out_total", "counter", "RTP packets forwarded.",
               r.packets_out);
        metric(out, "classrelay_media_bytes_in_total", "counter", "Bytes received (decrypted).",
               r.bytes_in);
        metric(out, "classrelay_media_bytes_out_total", "counter", "Bytes sent (encrypted).",
               r.bytes_out);
        metric(out, "classrelay_media_nacks_in_total", "counter", "NACKs from subscribers.",
               r.nacks_in);
        metric(out, "classrelay_media_nacks_out_total", "counter", "NACKs sent to publishers.",
               r.nacks_out);
        metric(out, "classrelay_media_retransmits_total", "counter",
               "Packets resent from the NACK cache.", r.retransmits);
        metric(out, "classrelay_media_plis_in_total", "counter",
               "Keyframe requests (PLI/FIR) from subscribers.", r.plis_in);
        metric(out, "classrelay_media_plis_out_total", "counter",
               "Keyframe requests sent to publishers (after throttling).", r.plis_out);
        metric(out, "classrelay_media_dropped_total", "counter",
               "Packets dropped: malformed, undecryptable, unknown stream.", r.dropped);
    }
    gsize len = out->len;
    cr_http_respond(req, 200, "text/plain; version=0.0.4; charset=utf-8",
                    g_bytes_new_take(g_string_free(out, FALSE), len));
}
