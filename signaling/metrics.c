/* metrics.c — GET /metrics in the Prometheus text format (version 0.0.4).
 * Control loop thread; reads the server's counters, the store's and the
 * relay's (global, and per class session). */
#include "signaling/signaling-private.h"

#include <stddef.h>

static void
metric(GString *out, const char *name, const char *type, const char *help, guint64 value)
{
    g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %" G_GUINT64_FORMAT "\n", name,
                           help, name, type, name, value);
}

/* Per class session: one series per session with media now (or in the
 * last CR_RELAY_SESSION_LINGER_US), labelled session="id". Per-peer
 * series are left to the live view: peer ids are new at every reconnect,
 * so they would grow the series count without bound (docs/operations.md). */
typedef struct {
    const char *name, *help;
    gsize offset; /* of a guint64 in CrSessionStats */
} SessionCounter;

#define COUNTER(field) offsetof(CrSessionStats, counters) + offsetof(CrMediaCounters, field)
static const SessionCounter session_counters[] = {
    {"packets_in", "SRTP/SRTCP packets received from the session's peers.", COUNTER(packets_in)},
    {"packets_out", "RTP packets sent to the session's subscribers.", COUNTER(packets_out)},
    {"bytes_in", "Bytes received (decrypted).", COUNTER(bytes_in)},
    {"bytes_out", "Bytes sent (encrypted).", COUNTER(bytes_out)},
    {"nacks_in", "NACKs from the session's subscribers.", COUNTER(nacks_in)},
    {"nacks_out", "NACKs sent to the session's publishers.", COUNTER(nacks_out)},
    {"plis_in", "Keyframe requests (PLI/FIR) from subscribers.", COUNTER(plis_in)},
    {"plis_out", "Keyframe requests sent to publishers.", COUNTER(plis_out)},
    {"retransmits", "Packets resent from the NACK cache.", COUNTER(retransmits)},
    {"dropped", "Packets dropped: malformed, undecryptable, unknown stream.", COUNTER(dropped)},
    {"lost_in", "Packets lost between publishers and the relay.", COUNTER(lost_in)},
    {"lost_out", "Packets lost between the relay and subscribers (their reports).",
     COUNTER(lost_out)},
};
#undef COUNTER

static void
session_metrics(GString *out, CrRelay *relay)
{
    g_autoptr(GArray) sessions = cr_relay_sessions_stats(relay);
    const CrSessionStats *all = (const CrSessionStats *)(void *)sessions->data;
    g_string_append(out, "# HELP classrelay_session_peers Open PeerConnections, by class "
                         "session.\n# TYPE classrelay_session_peers gauge\n");
    for (guint i = 0; i < sessions->len; i++)
        g_string_append_printf(out,
                               "classrelay_session_peers{session=\"%" G_GINT64_FORMAT "\"} %u\n",
                               all[i].session, all[i].peers);
    for (gsize k = 0; k < G_N_ELEMENTS(session_counters); k++) {
        const SessionCounter *c = &session_counters[k];
        g_string_append_printf(out,
                               "# HELP classrelay_session_%s_total %s\n"
                               "# TYPE classrelay_session_%s_total counter\n",
                               c->name, c->help, c->name);
        for (guint i = 0; i < sessions->len; i++) {
            guint64 v = *(const guint64 *)(const void *)((const char *)&all[i] + c->offset);
            g_string_append_printf(out,
                                   "classrelay_session_%s_total{session=\"%" G_GINT64_FORMAT
                                   "\"} %" G_GUINT64_FORMAT "\n",
                                   c->name, all[i].session, v);
        }
    }
    g_string_append(out, "# HELP classrelay_session_loss_ratio The worst open peer's last "
                         "fraction lost (0 to 1).\n# TYPE classrelay_session_loss_ratio gauge\n");
    for (guint i = 0; i < sessions->len; i++)
        g_string_append_printf(
            out, "classrelay_session_loss_ratio{session=\"%" G_GINT64_FORMAT "\"} %.4f\n",
            all[i].session, all[i].fraction_lost_max / 256.0);
    g_string_append(out, "# HELP classrelay_session_rtt_seconds The longest round trip to a "
                         "subscriber, last samples.\n# TYPE classrelay_session_rtt_seconds "
                         "gauge\n");
    for (guint i = 0; i < sessions->len; i++)
        if (all[i].rtt_max_us >= 0)
            g_string_append_printf(
                out, "classrelay_session_rtt_seconds{session=\"%" G_GINT64_FORMAT "\"} %.6f\n",
                all[i].session, all[i].rtt_max_us / 1e6);
}

static void
recorder_metrics(GString *out, CrRecorder *recorder)
{
    CrRecorderStats r;
    cr_recorder_stats(recorder, &r);
    metric(out, "classrelay_recordings_active", "gauge", "Recordings running.", r.active);
    metric(out, "classrelay_recordings_started_total", "counter", "Recordings started.",
           r.started);
    metric(out, "classrelay_recordings_completed_total", "counter",
           "Recordings finished as complete files.", r.completed);
    metric(out, "classrelay_recordings_failed_total", "counter", "Recordings that failed.",
           r.failed);
    metric(out, "classrelay_recording_dropped_packets_total", "counter",
           "Packets a recording dropped because its queue was full (slow disk).",
           r.dropped_packets);
    metric(out, "classrelay_recording_disk_low", "gauge",
           "1 while free disk space is below recording.min_free_mb (alert).", r.disk_low ? 1 : 0);
    if (r.free_mb >= 0)
        metric(out, "classrelay_recording_disk_free_bytes", "gauge",
               "Free space in the recordings directory at the last check.",
               (guint64)r.free_mb * 1024 * 1024);
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
        metric(out, "classrelay_media_overload_dropped_total", "counter",
               "Packets a media worker dropped because its queue was full (add cores or "
               "workers).", r.overload_dropped);
        session_metrics(out, req->server->relay);
    }
    if (req->server->recorder != NULL)
        recorder_metrics(out, req->server->recorder);
    gsize len = out->len;
    cr_http_respond(req, 200, "text/plain; version=0.0.4; charset=utf-8",
                    g_bytes_new_take(g_string_free(out, FALSE), len));
}
