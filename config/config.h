/* config.h — classrelay's one configuration object.
 *
 * Built once at start from embedded defaults, then an INI file (GKeyFile),
 * then command-line overrides; validated; then read-only and shared by
 * every thread. One declarative table of keys (config-table.c) drives the
 * parsing, the validation, `--help`, the sample file and the docs. No other
 * module reads files or the environment for settings.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    struct {
        char *listen;     /* "ADDR:PORT"; port 0 picks a free port */
        char *public_url; /* base URL for printed links; "" = from listen */
        char *web_root;   /* "" = the installed or source web/ */
        gint64 heartbeat_seconds;
        gint64 max_message_bytes;
        double messages_per_second;
        gint64 message_burst;
        gint64 abuse_limit;
        gint64 max_connections_per_ip;
        gint64 joins_per_minute_per_ip;
        gint64 max_http_body_bytes;
        gint64 max_connections;
    } server;
    struct {
        char *secret;      /* "" = generated into the data directory */
        gint64 leeway_seconds;
        gint64 checkin_ttl_seconds;
        gint64 link_ttl_seconds;
    } auth;
    struct {
        gint64 reconnect_grace_seconds;
        double completion_threshold;
        gint64 join_early_minutes;
        gboolean require_media;
    } attendance;
    struct {
        char *data_dir;
        char *database;    /* relative to data_dir unless absolute */
        gint64 busy_timeout_ms;
    } storage;
    struct {
        char **ice_servers; /* "stun:host:port", "turn:host:port?transport=tcp" */
        char *turn_secret;  /* TURN REST API shared secret; "" = none */
        gint64 turn_ttl_seconds;
        gint64 workers;     /* 0 = one per core */
        char **addresses;   /* local addresses for ICE; empty = gather */
        gint64 port_min, port_max;
        gboolean ice_tcp;
        gboolean ice_lite;
        char *stun_server;
        char *public_ip;
        char **audio_codecs;
        char **video_codecs;
        gint64 keyframe_interval_ms;
        gint64 publisher_bitrate;
        char *cert_file, *key_file;
    } media;
    struct {
        gboolean auto_start;
        char *dir;           /* relative to storage.data_dir unless absolute */
        gint64 min_free_mb;  /* disk guard */
        gint64 retention_days; /* 0 = keep forever */
        gint64 queue_ms;     /* per-track buffer before packets are dropped */
    } recording;
    struct {
        gint64 max_floor_holders;
        gint64 chat_max_chars;
    } classroom;
} CrConfig;

typedef enum {
    CR_CONFIG_STRING,
    CR_CONFIG_INT,
    CR_CONFIG_DOUBLE,
    CR_CONFIG_BOOL,
    CR_CONFIG_STRING_LIST,
} CrConfigType;

typedef struct {
    const char *section;
    const char *key;
    CrConfigType type;
    const char *default_value; /* as written in the INI file */
    double min, max;           /* INT and DOUBLE: allowed range, inclusive */
    /* STRING: extra check of the value; NULL when any string is fine. */
    gboolean (*check)(const char *value, GError **error);
    const char *doc; /* one line */
    gsize offset;    /* of the field in CrConfig */
} CrConfigKey;

/* The table, in the order of the sample file. */
const CrConfigKey *cr_config_keys(gsize *n_keys);

/* A configuration holding the embedded defaults. Never fails. */
CrConfig *cr_config_new(void);
void cr_config_free(CrConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrConfig, cr_config_free)

/* Reads INI text (@path only names it in messages). Every key must be in
 * the table and every value valid; unknown sections or keys are an error
 * naming each of them. On error @config is unchanged. */
gboolean cr_config_load_data(CrConfig *config, const char *data, gsize len, const char *path,
                             GError **error);
/* Same, from a file. */
gboolean cr_config_load_file(CrConfig *config, const char *path, GError **error);

/* Sets "section.key" to @value as if written in the file. On error
 * @config is unchanged; the message names the key and the reason. */
gboolean cr_config_set(CrConfig *config, const char *name, const char *value, GError **error);

/* The documented sample file: every key, its doc and default. */
char *cr_config_sample(void);

/* docs/configuration.md: every key as Markdown tables. */
char *cr_config_markdown(void);

/* A `--help` block listing every key with its type, default and doc. */
char *cr_config_help(void);

/* The database path (storage.database resolved against storage.data_dir). */
char *cr_config_database_path(const CrConfig *config);
/* The recordings directory (recording.dir resolved against storage.data_dir). */
char *cr_config_recordings_dir(const CrConfig *config);

/* Splits "ADDR:PORT" or "[V6ADDR]:PORT"; FALSE when malformed. */
gboolean cr_config_split_listen(const char *listen, char **addr, int *port);

G_END_DECLS
