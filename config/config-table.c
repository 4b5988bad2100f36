/* config-table.c — the declarative table of every configuration key.
 *
 * Add a key here and it is parsed, validated, listed by `--help`, written
 * to the sample file and checked against config/classrelay.conf.sample by
 * tests/unit/config/test-config.c. Read-only data; any thread.
 */
#include "config/config-private.h"

#include <stddef.h>

#define F(field) offsetof(CrConfig, field)

static gboolean
check_listen(const char *value, GError **error)
{
    g_autofree char *addr = NULL;
    int port = 0;
    if (!cr_config_split_listen(value, &addr, &port)) {
        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                    "must be ADDR:PORT (e.g. 127.0.0.1:8080, [::1]:8080, 0.0.0.0:0)");
        return FALSE;
    }
    return TRUE;
}

static gboolean
check_url(const char *value, GError **error)
{
    if (*value == '\0' || g_str_has_prefix(value, "http://") ||
        g_str_has_prefix(value, "https://"))
        return TRUE;
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                "must be empty or start with http:// or https://");
    return FALSE;
}

static gboolean
check_secret(const char *value, GError **error)
{
    if (*value == '\0' || strlen(value) >= 32)
        return TRUE;
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                "must be empty (generate one) or at least 32 characters");
    return FALSE;
}

static gboolean
check_not_empty(const char *value, GError **error)
{
    if (*value != '\0')
        return TRUE;
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "must not be empty");
    return FALSE;
}

static const CrConfigKey keys[] = {
    {"server", "listen", CR_CONFIG_STRING, "127.0.0.1:8080", 0, 0, check_listen,
     "Address and port for HTTP and WebSocket; port 0 picks a free port", F(server.listen)},
    {"server", "public_url", CR_CONFIG_STRING, "", 0, 0, check_url,
     "Base URL people use to reach this server (for printed links); empty = from listen",
     F(server.public_url)},
    {"server", "web_root", CR_CONFIG_STRING, "", 0, 0, NULL,
     "Directory of the web app; empty = the installed copy, else the source tree's web/",
     F(server.web_root)},
    {"server", "heartbeat_seconds", CR_CONFIG_INT, "10", 1, 300, NULL,
     "Ping every connection and record last-seen this often; 3 silent beats close it",
     F(server.heartbeat_seconds)},
    {"server", "max_message_bytes", CR_CONFIG_INT, "65536", 1024, 16777216, NULL,
     "Largest WebSocket message accepted (bytes); larger gets too_large",
     F(server.max_message_bytes)},
    {"server", "messages_per_second", CR_CONFIG_DOUBLE, "20", 0.1, 10000, NULL,
     "Sustained messages per second allowed per connection", F(server.messages_per_second)},
    {"server", "message_burst", CR_CONFIG_INT, "40", 1, 100000, NULL,
     "Messages a connection may send at once above the sustained rate", F(server.message_burst)},
    {"server", "abuse_limit", CR_CONFIG_INT, "50", 1, 100000, NULL,
     "Refused messages (rate, size, malformed) after which a connection is closed with 1008",
     F(server.abuse_limit)},
    {"server", "max_connections_per_ip", CR_CONFIG_INT, "500", 1, 100000, NULL,
     "Concurrent WebSocket connections from one address (a whole agency may share one NAT)",
     F(server.max_connections_per_ip)},
    {"server", "joins_per_minute_per_ip", CR_CONFIG_INT, "600", 1, 100000, NULL,
     "Join attempts allowed per address per minute", F(server.joins_per_minute_per_ip)},
    {"server", "max_http_body_bytes", CR_CONFIG_INT, "65536", 1024, 16777216, NULL,
     "Largest HTTP request body accepted (bytes)", F(server.max_http_body_bytes)},
    {"server", "max_connections", CR_CONFIG_INT, "10000", 1, 1000000, NULL,
     "Concurrent WebSocket connections allowed in all", F(server.max_connections)},

    {"auth", "secret", CR_CONFIG_STRING, "", 0, 0, check_secret,
     "HS256 key for join tokens; empty = a random one kept in DATA_DIR/secret (mode 0600)",
     F(auth.secret)},
    {"auth", "leeway_seconds", CR_CONFIG_INT, "30", 0, 600, NULL,
     "Clock skew tolerated on token exp and nbf", F(auth.leeway_seconds)},
    {"auth", "checkin_ttl_seconds", CR_CONFIG_INT, "300", 30, 86400, NULL,
     "Lifetime of an in-room check-in link", F(auth.checkin_ttl_seconds)},
    {"auth", "link_ttl_seconds", CR_CONFIG_INT, "86400", 60, 31536000, NULL,
     "Lifetime of the demo links printed at first start", F(auth.link_ttl_seconds)},

    {"attendance", "reconnect_grace_seconds", CR_CONFIG_INT, "120", 0, 3600, NULL,
     "Gaps between a person's intervals shorter than this count as attended",
     F(attendance.reconnect_grace_seconds)},
    {"attendance", "completion_threshold", CR_CONFIG_DOUBLE, "0.8", 0, 1, NULL,
     "Share of the scheduled duration a person must attend to complete a session",
     F(attendance.completion_threshold)},
    {"attendance", "require_media", CR_CONFIG_BOOL, "true", 0, 0, NULL,
     "Remote time counts only while media reached the person (docs/attendance.md)",
     F(attendance.require_media)},
    {"attendance", "join_early_minutes", CR_CONFIG_INT, "60", 0, 1440, NULL,
     "How long before the scheduled start people may join", F(attendance.join_early_minutes)},

    {"storage", "data_dir", CR_CONFIG_STRING, "./var", 0, 0, check_not_empty,
     "Directory for the database, the generated secret and recordings", F(storage.data_dir)},
    {"storage", "database", CR_CONFIG_STRING, "classrelay.db", 0, 0, check_not_empty,
     "sqlite database file, relative to data_dir unless absolute", F(storage.database)},
    {"storage", "busy_timeout_ms", CR_CONFIG_INT, "5000", 0, 600000, NULL,
     "How long a database write waits for a lock held by another process (e.g. `report`)",
     F(storage.busy_timeout_ms)},

    {"media", "ice_servers", CR_CONFIG_STRING_LIST, "", 0, 0, NULL,
     "STUN/TURN URLs given to clients (welcome, WHIP/WHEP Link headers), separated by ';'",
     F(media.ice_servers)},
    {"media", "turn_secret", CR_CONFIG_STRING, "", 0, 0, NULL,
     "coturn static-auth-secret: TURN URLs get time-limited credentials (TURN REST API)",
     F(media.turn_secret)},
    {"media", "turn_ttl_seconds", CR_CONFIG_INT, "86400", 60, 604800, NULL,
     "Lifetime of generated TURN credentials", F(media.turn_ttl_seconds)},
    {"media", "workers", CR_CONFIG_INT, "0", 0, 64, NULL,
     "Media worker threads; 0 = one per core", F(media.workers)},
    {"media", "addresses", CR_CONFIG_STRING_LIST, "", 0, 0, NULL,
     "Local IP addresses for ICE, separated by ';' (127.0.0.1 included if wanted); empty = all "
     "interfaces but loopback",
     F(media.addresses)},
    {"media", "port_min", CR_CONFIG_INT, "0", 0, 65535, NULL,
     "Lowest UDP port for media; 0 = any", F(media.port_min)},
    {"media", "port_max", CR_CONFIG_INT, "0", 0, 65535, NULL,
     "Highest UDP port for media; 0 = any", F(media.port_max)},
    {"media", "ice_tcp", CR_CONFIG_BOOL, "false", 0, 0, NULL,
     "Also offer passive ICE-TCP candidates (networks that block UDP)", F(media.ice_tcp)},
    {"media", "ice_lite", CR_CONFIG_BOOL, "false", 0, 0, NULL,
     "Run ICE-lite instead of full ICE (a server with a public address only)",
     F(media.ice_lite)},
    {"media", "stun_server", CR_CONFIG_STRING, "", 0, 0, NULL,
     "STUN server HOST:PORT the relay uses to learn its public address", F(media.stun_server)},
    {"media", "public_ip", CR_CONFIG_STRING, "", 0, 0, NULL,
     "Public address to announce (1:1 NAT); empty = none", F(media.public_ip)},
    {"media", "audio_codecs", CR_CONFIG_STRING_LIST, "opus", 0, 0, NULL,
     "Audio codecs accepted, preferred first", F(media.audio_codecs)},
    {"media", "video_codecs", CR_CONFIG_STRING_LIST, "VP8;H264", 0, 0, NULL,
     "Video codecs accepted, preferred first (VP8, H264)", F(media.video_codecs)},
    {"media", "keyframe_interval_ms", CR_CONFIG_INT, "500", 50, 10000, NULL,
     "Minimum time between keyframe requests to one publisher stream",
     F(media.keyframe_interval_ms)},
    {"media", "publisher_bitrate", CR_CONFIG_INT, "2500000", 100000, 50000000, NULL,
     "Bitrate (bit/s) announced to publishers with REMB", F(media.publisher_bitrate)},
    {"media", "cert_file", CR_CONFIG_STRING, "", 0, 0, NULL,
     "DTLS certificate (PEM); empty = an ECDSA P-256 one generated at start",
     F(media.cert_file)},
    {"media", "key_file", CR_CONFIG_STRING, "", 0, 0, NULL,
     "Private key of cert_file (PEM)", F(media.key_file)},

    {"recording", "auto_start", CR_CONFIG_BOOL, "false", 0, 0, NULL,
     "Record new sessions automatically unless a session says otherwise",
     F(recording.auto_start)},
    {"recording", "dir", CR_CONFIG_STRING, "recordings", 0, 0, NULL,
     "Directory of the recording files; relative to data_dir unless absolute",
     F(recording.dir)},
    {"recording", "min_free_mb", CR_CONFIG_INT, "1024", 0, 10000000, NULL,
     "Free disk space (MiB) below which no recording starts and running ones finish",
     F(recording.min_free_mb)},
    {"recording", "retention_days", CR_CONFIG_INT, "0", 0, 36500, NULL,
     "Recordings older than this many days are removed; 0 keeps them forever",
     F(recording.retention_days)},
    {"recording", "queue_ms", CR_CONFIG_INT, "2000", 100, 30000, NULL,
     "Media a recording may buffer before it drops packets (a slow disk never stalls forwarding)",
     F(recording.queue_ms)},

    {"classroom", "max_floor_holders", CR_CONFIG_INT, "1", 1, 64, NULL,
     "Trainees who may hold the floor at once; granting beyond it takes it from the earliest",
     F(classroom.max_floor_holders)},
    {"classroom", "chat_max_chars", CR_CONFIG_INT, "2000", 1, 16000, NULL,
     "Longest chat message, in characters", F(classroom.chat_max_chars)},
};

const CrConfigKey *
cr_config_keys(gsize *n_keys)
{
    *n_keys = G_N_ELEMENTS(keys);
    return keys;
}
