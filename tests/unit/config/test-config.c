/* test-config.c — tests for config/: the key table, defaults, loading,
 * validation, overrides and the sample file.
 *
 * Single-threaded GTest. The sample test keeps config/classrelay.conf.sample
 * equal to cr_config_sample(), so the table and the committed sample cannot
 * drift; regenerate it with `classrelay sample-config > config/classrelay.conf.sample`.
 */
#include "config/config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELD(config, key, type) ((type *)((char *)(config) + (key)->offset))

/* ---- helpers ---------------------------------------------------------- */

/* The table's list syntax, parsed here independently of config.c:
 * items separated by ';', trimmed, empty ones dropped. */
static GStrv
split_list(const char *text)
{
    GPtrArray *items = g_ptr_array_new();
    const char *p = text;
    for (;;) {
        const char *end = strchr(p, ';');
        gsize len = end != NULL ? (gsize)(end - p) : strlen(p);
        while (len > 0 && g_ascii_isspace(p[0])) {
            p++;
            len--;
        }
        while (len > 0 && g_ascii_isspace(p[len - 1]))
            len--;
        if (len > 0)
            g_ptr_array_add(items, g_strndup(p, len));
        if (end == NULL)
            break;
        p = end + 1;
    }
    g_ptr_array_add(items, NULL);
    return (GStrv)g_ptr_array_free(items, FALSE);
}

/* TRUE when @config's field for @key holds what @text means, @text being
 * parsed here by type (not by config.c). */
static gboolean
field_equals_text(const CrConfig *config, const CrConfigKey *key, const char *text)
{
    switch (key->type) {
    case CR_CONFIG_STRING:
        return g_strcmp0(*FIELD(config, key, char *const), text) == 0;
    case CR_CONFIG_INT: {
        char *end = NULL;
        gint64 v = g_ascii_strtoll(text, &end, 10);
        g_assert_true(end != text && *end == '\0');
        return *FIELD(config, key, const gint64) == v;
    }
    case CR_CONFIG_DOUBLE: {
        char *end = NULL;
        double v = g_ascii_strtod(text, &end);
        g_assert_true(end != text && *end == '\0');
        return *FIELD(config, key, const double) == v;
    }
    case CR_CONFIG_BOOL:
        g_assert_true(strcmp(text, "true") == 0 || strcmp(text, "false") == 0);
        return !!*FIELD(config, key, const gboolean) == (strcmp(text, "true") == 0);
    case CR_CONFIG_STRING_LIST: {
        g_auto(GStrv) expected = split_list(text);
        char **actual = *FIELD(config, key, char **const);
        return actual != NULL && g_strv_equal((const char *const *)actual,
                                              (const char *const *)expected);
    }
    }
    g_assert_not_reached();
}

static gboolean
field_equal(const CrConfig *a, const CrConfig *b, const CrConfigKey *key)
{
    switch (key->type) {
    case CR_CONFIG_STRING:
        return g_strcmp0(*FIELD(a, key, char *const), *FIELD(b, key, char *const)) == 0;
    case CR_CONFIG_INT:
        return *FIELD(a, key, const gint64) == *FIELD(b, key, const gint64);
    case CR_CONFIG_DOUBLE:
        return *FIELD(a, key, const double) == *FIELD(b, key, const double);
    case CR_CONFIG_BOOL:
        return *FIELD(a, key, const gboolean) == *FIELD(b, key, const gboolean);
    case CR_CONFIG_STRING_LIST: {
        char **x = *FIELD(a, key, char **const), **y = *FIELD(b, key, char **const);
        return x != NULL && y != NULL &&
               g_strv_equal((const char *const *)x, (const char *const *)y);
    }
    }
    g_assert_not_reached();
}

/* Compares every field in the table; fails naming the first difference. */
static void
assert_config_equal(const CrConfig *a, const CrConfig *b)
{
    gsize n;
    const CrConfigKey *keys = cr_config_keys(&n);
    for (gsize i = 0; i < n; i++) {
        if (!field_equal(a, b, &keys[i]))
            g_error("configurations differ at %s.%s", keys[i].section, keys[i].key);
    }
}

static CrConfig *
load_text(const char *text, GError **error)
{
    CrConfig *config = cr_config_new();
    if (!cr_config_load_data(config, text, strlen(text), "test.conf", error)) {
        cr_config_free(config);
        return NULL;
    }
    return config;
}

/* Loads @text onto defaults expecting failure; the message must contain
 * each of the NULL-terminated strings, and the config must be unchanged. */
static void
assert_load_refused(const char *text, ...)
{
    g_autoptr(CrConfig) config = cr_config_new();
    g_autoptr(CrConfig) pristine = cr_config_new();
    g_autoptr(GError) error = NULL;
    if (cr_config_load_data(config, text, strlen(text), "test.conf", &error))
        g_error("loading should fail:\n%s", text);
    g_assert_nonnull(error);
    g_assert_true(error->domain == G_KEY_FILE_ERROR);
    g_assert_true(g_str_has_prefix(error->message, "test.conf: "));
    va_list ap;
    va_start(ap, text);
    for (const char *want = va_arg(ap, const char *); want != NULL;
         want = va_arg(ap, const char *)) {
        if (strstr(error->message, want) == NULL)
            g_error("message \"%s\" lacks \"%s\"", error->message, want);
    }
    va_end(ap);
    assert_config_equal(config, pristine);
}

/* cr_config_set expecting failure with a message containing @want (and
 * @want2 when not NULL); the config must be unchanged. */
static void
assert_set_refused(const char *name, const char *value, const char *want, const char *want2)
{
    g_autoptr(CrConfig) config = cr_config_new();
    g_autoptr(CrConfig) pristine = cr_config_new();
    g_autoptr(GError) error = NULL;
    if (cr_config_set(config, name, value, &error))
        g_error("setting %s = \"%s\" should fail", name, value);
    g_assert_nonnull(error);
    if (strstr(error->message, want) == NULL ||
        (want2 != NULL && strstr(error->message, want2) == NULL))
        g_error("message \"%s\" lacks \"%s\" or \"%s\"", error->message, want,
                want2 != NULL ? want2 : "");
    assert_config_equal(config, pristine);
}

/* Every key set to a valid value other than its default. */
static const char full_file[] =
    "# A complete configuration.\n"
    "\n"
    "[server]\n"
    "listen = [::1]:9000\n"
    "public_url = https://class.example.org/relay\n"
    "web_root = /srv/classrelay/web\n"
    "heartbeat_seconds = 15\n"
    "max_message_bytes = 131072\n"
    "messages_per_second = 12.5\n"
    "message_burst = 30\n"
    "abuse_limit = 20\n"
    "max_connections_per_ip = 10\n"
    "joins_per_minute_per_ip = 30\n"
    "max_http_body_bytes = 2048\n"
    "max_connections = 500\n"
    "\n"
    "[auth]\n"
    "secret = 0123456789abcdef0123456789abcdef\n"
    "leeway_seconds = 5\n"
    "checkin_ttl_seconds = 600\n"
    "link_ttl_seconds = 3600\n"
    "\n"
    "[attendance]\n"
    "reconnect_grace_seconds = 60\n"
    "completion_threshold = 0.75\n"
    "require_media = false\n"
    "join_early_minutes = 15\n"
    "\n"
    "[storage]\n"
    "data_dir = /var/lib/classrelay\n"
    "database = attendance.db\n"
    "busy_timeout_ms = 100\n"
    "\n"
    "[media]\n"
    "ice_servers = stun:stun.example.org:3478; turn:turn.example.org:3478?transport=tcp\n"
    "turn_secret = coturn-shared-secret\n"
    "turn_ttl_seconds = 3600\n"
    "workers = 4\n"
    "addresses = 127.0.0.1; 192.0.2.10\n"
    "port_min = 40000\n"
    "port_max = 40999\n"
    "ice_tcp = true\n"
    "ice_lite = true\n"
    "stun_server = stun.example.org:3478\n"
    "public_ip = 203.0.113.7\n"
    "audio_codecs = opus; PCMU\n"
    "video_codecs = H264; VP8\n"
    "keyframe_interval_ms = 1000\n"
    "publisher_bitrate = 1500000\n"
    "cert_file = /etc/classrelay/dtls.pem\n"
    "key_file = /etc/classrelay/dtls.key\n"
    "\n"
    "[recording]\n"
    "auto_start = yes\n"
    "dir = /srv/recordings\n"
    "min_free_mb = 2048\n"
    "retention_days = 365\n"
    "queue_ms = 3000\n"
    "\n"
    "[classroom]\n"
    "# Two at once.\n"
    "max_floor_holders = 2\n"
    "chat_max_chars = 500\n";

/* ---- the table and the defaults --------------------------------------- */

static void
test_table(void)
{
    gsize n = 0;
    const CrConfigKey *keys = cr_config_keys(&n);
    g_assert_cmpuint(n, >, 0);
    /* Which bytes of CrConfig the table's fields cover. */
    g_autofree guint8 *covered = g_new0(guint8, sizeof(CrConfig));
    for (gsize i = 0; i < n; i++) {
        const CrConfigKey *k = &keys[i];
        g_assert_nonnull(k->section);
        g_assert_nonnull(k->key);
        g_assert_nonnull(k->default_value);
        g_assert_nonnull(k->doc);
        g_assert_cmpstr(k->doc, !=, "");
        g_assert_null(strchr(k->doc, '\n'));
        /* Names are unique. */
        for (gsize j = 0; j < i; j++)
            g_assert_false(strcmp(keys[j].section, k->section) == 0 &&
                           strcmp(keys[j].key, k->key) == 0);
        /* Sections are contiguous (the sample prints each header once). */
        if (i > 0 && strcmp(keys[i - 1].section, k->section) != 0) {
            for (gsize j = 0; j + 1 < i; j++)
                g_assert_cmpstr(keys[j].section, !=, k->section);
        }
        if (k->type == CR_CONFIG_INT || k->type == CR_CONFIG_DOUBLE)
            g_assert_cmpfloat(k->min, <=, k->max);
        else
            g_assert_true(k->min == 0 && k->max == 0);
        if (k->check != NULL)
            g_assert_cmpint(k->type, ==, CR_CONFIG_STRING);
        gsize size = k->type == CR_CONFIG_STRING        ? sizeof(char *)
                     : k->type == CR_CONFIG_INT         ? sizeof(gint64)
                     : k->type == CR_CONFIG_DOUBLE      ? sizeof(double)
                     : k->type == CR_CONFIG_BOOL        ? sizeof(gboolean)
                                                        : sizeof(char **);
        g_assert_cmpuint(k->offset + size, <=, sizeof(CrConfig));
        g_assert_cmpuint(k->offset % size, ==, 0);
        /* No two keys share a byte of the struct. */
        for (gsize b = k->offset; b < k->offset + size; b++) {
            if (covered[b])
                g_error("%s.%s overlaps another key", k->section, k->key);
            covered[b] = 1;
        }
    }
    /* Every field of CrConfig is in the table: a gap of uncovered bytes can
     * only be alignment padding, shorter than 8 bytes and ending on an
     * 8-byte boundary (or at the end of the struct). */
    for (gsize b = 0; b < sizeof(CrConfig);) {
        if (covered[b]) {
            b++;
            continue;
        }
        gsize start = b;
        while (b < sizeof(CrConfig) && !covered[b])
            b++;
        if (b - start >= 8 || (b % 8 != 0 && b != sizeof(CrConfig)))
            g_error("bytes %" G_GSIZE_FORMAT "..%" G_GSIZE_FORMAT
                    " of CrConfig are not in the table", start, b - 1);
    }
}

static void
test_defaults(void)
{
    g_autoptr(CrConfig) config = cr_config_new();
    gsize n;
    const CrConfigKey *keys = cr_config_keys(&n);
    for (gsize i = 0; i < n; i++) {
        if (!field_equals_text(config, &keys[i], keys[i].default_value))
            g_error("%s.%s does not hold its default \"%s\"", keys[i].section, keys[i].key,
                    keys[i].default_value);
        /* A default is itself a valid value: setting it changes nothing. */
        g_autofree char *name = g_strdup_printf("%s.%s", keys[i].section, keys[i].key);
        g_autoptr(GError) error = NULL;
        g_autoptr(CrConfig) again = cr_config_new();
        g_assert_true(cr_config_set(again, name, keys[i].default_value, &error));
        g_assert_no_error(error);
        assert_config_equal(again, config);
    }
    /* A few spelled out, so a wrong table entry does not go unnoticed. */
    g_assert_cmpstr(config->server.listen, ==, "127.0.0.1:8080");
    g_assert_cmpint(config->server.heartbeat_seconds, ==, 10);
    g_assert_cmpfloat(config->attendance.completion_threshold, ==, 0.8);
    g_assert_cmpint(config->attendance.reconnect_grace_seconds, ==, 120);
    g_assert_false(config->recording.auto_start);
    g_assert_nonnull(config->media.ice_servers);
    g_assert_null(config->media.ice_servers[0]);
    g_autofree char *db = cr_config_database_path(config);
    g_assert_cmpstr(db, ==, "./var" G_DIR_SEPARATOR_S "classrelay.db");
}

/* ---- loading ---------------------------------------------------------- */

static void
test_load_full_file(void)
{
    g_autofree char *dir = g_dir_make_tmp("cr-test-config-XXXXXX", NULL);
    g_assert_nonnull(dir);
    g_autofree char *path = g_build_filename(dir, "classrelay.conf", NULL);
    g_assert_true(g_file_set_contents(path, full_file, -1, NULL));

    g_autoptr(CrConfig) config = cr_config_new();
    g_autoptr(CrConfig) defaults = cr_config_new();
    g_autoptr(GError) error = NULL;
    g_assert_true(cr_config_load_file(config, path, &error));
    g_assert_no_error(error);

    g_assert_cmpstr(config->server.listen, ==, "[::1]:9000");
    g_assert_cmpstr(config->server.public_url, ==, "https://class.example.org/relay");
    g_assert_cmpstr(config->server.web_root, ==, "/srv/classrelay/web");
    g_assert_cmpint(config->server.heartbeat_seconds, ==, 15);
    g_assert_cmpint(config->server.max_message_bytes, ==, 131072);
    g_assert_cmpfloat(config->server.messages_per_second, ==, 12.5);
    g_assert_cmpint(config->server.message_burst, ==, 30);
    g_assert_cmpint(config->server.abuse_limit, ==, 20);
    g_assert_cmpint(config->server.max_connections_per_ip, ==, 10);
    g_assert_cmpint(config->server.joins_per_minute_per_ip, ==, 30);
    g_assert_cmpint(config->server.max_http_body_bytes, ==, 2048);
    g_assert_cmpint(config->server.max_connections, ==, 500);
    g_assert_cmpstr(config->auth.secret, ==, "0123456789abcdef0123456789abcdef");
    g_assert_cmpint(config->auth.leeway_seconds, ==, 5);
    g_assert_cmpint(config->auth.checkin_ttl_seconds, ==, 600);
    g_assert_cmpint(config->auth.link_ttl_seconds, ==, 3600);
    g_assert_cmpint(config->attendance.reconnect_grace_seconds, ==, 60);
    g_assert_cmpfloat(config->attendance.completion_threshold, ==, 0.75);
    g_assert_cmpint(config->attendance.join_early_minutes, ==, 15);
    g_assert_cmpstr(config->storage.data_dir, ==, "/var/lib/classrelay");
    g_assert_cmpstr(config->storage.database, ==, "attendance.db");
    g_assert_cmpint(config->storage.busy_timeout_ms, ==, 100);
    g_assert_cmpuint(g_strv_length(config->media.ice_servers), ==, 2);
    g_assert_cmpstr(config->media.ice_servers[0], ==, "stun:stun.example.org:3478");
    g_assert_cmpstr(config->media.ice_servers[1], ==, "turn:turn.example.org:3478?transport=tcp");
    g_assert_true(config->recording.auto_start);
    g_assert_cmpstr(config->recording.dir, ==, "/srv/recordings");
    g_assert_cmpint(config->recording.min_free_mb, ==, 2048);
    g_assert_cmpint(config->recording.retention_days, ==, 365);
    g_assert_cmpint(config->recording.queue_ms, ==, 3000);
    g_assert_cmpint(config->classroom.max_floor_holders, ==, 2);
    g_assert_cmpint(config->classroom.chat_max_chars, ==, 500);

    /* The file sets every key in the table to something else. */
    gsize n;
    const CrConfigKey *keys = cr_config_keys(&n);
    for (gsize i = 0; i < n; i++) {
        if (field_equal(config, defaults, &keys[i]))
            g_error("full_file leaves %s.%s at its default", keys[i].section, keys[i].key);
    }

    g_autofree char *db = cr_config_database_path(config);
    g_assert_cmpstr(db, ==, "/var/lib/classrelay/attendance.db");
    g_assert_true(cr_config_set(config, "storage.database", "/tmp/elsewhere.db", NULL));
    g_autofree char *absolute = cr_config_database_path(config);
    g_assert_cmpstr(absolute, ==, "/tmp/elsewhere.db");

    /* Loading is layered: a second file changes only what it names. */
    static const char overlay[] = "[server]\nheartbeat_seconds = 20\n";
    g_assert_true(cr_config_load_data(config, overlay, strlen(overlay), "overlay", NULL));
    g_assert_cmpint(config->server.heartbeat_seconds, ==, 20);
    g_assert_cmpstr(config->server.listen, ==, "[::1]:9000");

    /* An empty file and one of comments only are fine and change nothing. */
    g_autoptr(CrConfig) empty = load_text("", NULL);
    g_assert_nonnull(empty);
    assert_config_equal(empty, defaults);
    g_autoptr(CrConfig) comments = load_text("# nothing\n\n   # nor here\n", NULL);
    g_assert_nonnull(comments);
    assert_config_equal(comments, defaults);

    g_assert_cmpint(g_remove(path), ==, 0);
    g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void
test_load_missing_file(void)
{
    g_autoptr(CrConfig) config = cr_config_new();
    g_autoptr(CrConfig) pristine = cr_config_new();
    g_autoptr(GError) error = NULL;
    g_assert_false(cr_config_load_file(config, "/nonexistent/classrelay.conf", &error));
    g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
    assert_config_equal(config, pristine);
}

static void
test_invalid_values(void)
{
    /* Strings with a check. */
    assert_load_refused("[server]\nlisten = localhost:8080\n", "server.listen",
                        "localhost:8080", "ADDR:PORT", NULL);
    assert_load_refused("[server]\npublic_url = ftp://example.org\n", "server.public_url",
                        "http://", NULL);
    assert_load_refused("[auth]\nsecret = too-short\n", "auth.secret", "32", NULL);
    assert_load_refused("[storage]\ndata_dir =\n", "storage.data_dir", "must not be empty",
                        NULL);
    assert_load_refused("[storage]\ndatabase = \n", "storage.database", "must not be empty",
                        NULL);
    /* Integers. */
    assert_load_refused("[server]\nheartbeat_seconds = ten\n", "server.heartbeat_seconds",
                        "must be an integer", NULL);
    assert_load_refused("[server]\nheartbeat_seconds = 1.5\n", "server.heartbeat_seconds",
                        "must be an integer", NULL);
    assert_load_refused("[server]\nheartbeat_seconds = 10s\n", "server.heartbeat_seconds",
                        "must be an integer", NULL);
    assert_load_refused("[server]\nheartbeat_seconds =\n", "server.heartbeat_seconds",
                        "must be an integer", NULL);
    assert_load_refused("[server]\nmax_connections = 99999999999999999999\n",
                        "server.max_connections", "must be an integer", NULL);
    /* Numbers. */
    assert_load_refused("[server]\nmessages_per_second = fast\n",
                        "server.messages_per_second", "must be a number", NULL);
    assert_load_refused("[attendance]\ncompletion_threshold = nan\n",
                        "attendance.completion_threshold", "must be a number", NULL);
    assert_load_refused("[attendance]\ncompletion_threshold = 80%\n",
                        "attendance.completion_threshold", "must be a number", NULL);
    /* Booleans. */
    assert_load_refused("[recording]\nauto_start = maybe\n", "recording.auto_start",
                        "must be true or false", NULL);
    assert_load_refused("[recording]\nauto_start = 2\n", "recording.auto_start",
                        "must be true or false", NULL);
    /* Lists and plain strings refuse only invalid UTF-8, which cannot reach
     * them from a file (the whole file is checked first)... */
    assert_load_refused("[media]\nice_servers = stun:\xff\n", "not valid UTF-8", NULL);
    /* ...but can through cr_config_set. */
    assert_set_refused("media.ice_servers", "stun:\xc3\x28", "media.ice_servers", "UTF-8");
    assert_set_refused("server.web_root", "/srv/\xff", "server.web_root", "UTF-8");
    /* And the same value checks apply to cr_config_set. */
    assert_set_refused("server.heartbeat_seconds", "often", "server.heartbeat_seconds",
                       "must be an integer");
    assert_set_refused("recording.auto_start", "yes please", "recording.auto_start",
                       "true or false");
    assert_set_refused("server.listen", "127.0.0.1", "server.listen", "ADDR:PORT");
}

static void
test_out_of_range(void)
{
    assert_load_refused("[server]\nheartbeat_seconds = 0\n", "server.heartbeat_seconds",
                        "out of range", "allowed 1 to 300", NULL);
    assert_load_refused("[server]\nheartbeat_seconds = 301\n", "server.heartbeat_seconds",
                        "allowed 1 to 300", NULL);
    assert_load_refused("[server]\nheartbeat_seconds = -5\n", "allowed 1 to 300", NULL);
    /* Large bounds are written in full, not as 1.67772e+07. */
    assert_load_refused("[server]\nmax_message_bytes = 1023\n", "server.max_message_bytes",
                        "allowed 1024 to 16777216", NULL);
    assert_load_refused("[auth]\nlink_ttl_seconds = 31536001\n", "auth.link_ttl_seconds",
                        "allowed 60 to 31536000", NULL);
    assert_load_refused("[server]\nmax_connections = 1000001\n", "allowed 1 to 1000000",
                        NULL);
    assert_load_refused("[server]\nmessages_per_second = 0.05\n",
                        "server.messages_per_second", "allowed 0.1 to 10000", NULL);
    assert_load_refused("[attendance]\ncompletion_threshold = 1.01\n",
                        "attendance.completion_threshold", "allowed 0 to 1", NULL);
    assert_load_refused("[attendance]\ncompletion_threshold = -0.1\n", "allowed 0 to 1", NULL);
    assert_load_refused("[attendance]\ncompletion_threshold = inf\n", "allowed 0 to 1", NULL);
    assert_set_refused("classroom.max_floor_holders", "65", "classroom.max_floor_holders",
                       "allowed 1 to 64");

    /* The bounds themselves are allowed. */
    g_autoptr(GError) error = NULL;
    g_autoptr(CrConfig) edges = load_text("[server]\n"
                                          "heartbeat_seconds = 300\n"
                                          "max_message_bytes = 16777216\n"
                                          "messages_per_second = 0.1\n"
                                          "[auth]\n"
                                          "leeway_seconds = 0\n"
                                          "[attendance]\n"
                                          "completion_threshold = 1\n"
                                          "reconnect_grace_seconds = 0\n",
                                          &error);
    g_assert_no_error(error);
    g_assert_nonnull(edges);
    g_assert_cmpint(edges->server.heartbeat_seconds, ==, 300);
    g_assert_cmpint(edges->server.max_message_bytes, ==, 16777216);
    g_assert_cmpfloat(edges->server.messages_per_second, ==, 0.1);
    g_assert_cmpint(edges->auth.leeway_seconds, ==, 0);
    g_assert_cmpfloat(edges->attendance.completion_threshold, ==, 1.0);
    g_assert_true(cr_config_set(edges, "server.heartbeat_seconds", "1", NULL));
    g_assert_true(cr_config_set(edges, "attendance.completion_threshold", "0", NULL));
    g_assert_cmpint(edges->server.heartbeat_seconds, ==, 1);
    g_assert_cmpfloat(edges->attendance.completion_threshold, ==, 0.0);
}

static void
test_unknown_names(void)
{
    g_autoptr(CrConfig) config = cr_config_new();
    g_autoptr(CrConfig) pristine = cr_config_new();
    g_autoptr(GError) error = NULL;
    static const char text[] = "[server]\n"
                               "listen = 0.0.0.0:9999\n"
                               "nope = 1\n"
                               "[bogus]\n"
                               "x = 1\n"
                               "[auth]\n"
                               "whatever = 2\n"
                               "leeway_seconds = 1\n"
                               "[another]\n";
    g_assert_false(cr_config_load_data(config, text, strlen(text), "test.conf", &error));
    g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND);
    g_assert_true(g_str_has_prefix(error->message, "test.conf: "));
    /* All of them, each once, in file order. */
    g_assert_nonnull(strstr(error->message, "server.nope, [bogus], auth.whatever, [another]"));
    g_assert_null(strstr(error->message, "listen"));
    g_assert_null(strstr(error->message, "leeway_seconds"));
    g_assert_null(strstr(error->message, "bogus.x"));
    /* The valid keys in the same file were not applied. */
    assert_config_equal(config, pristine);

    /* Names are case-sensitive; a locale suffix is not a known key. */
    assert_load_refused("[Server]\n", "[Server]", NULL);
    assert_load_refused("[server]\nListen = 127.0.0.1:80\n", "server.Listen", NULL);
    assert_load_refused("[server]\nlisten[de] = 127.0.0.1:80\n", "server.listen[de]", NULL);
    /* One unknown key alone. */
    assert_load_refused("[classroom]\nmax_floor = 2\n", "unknown configuration keys",
                        "classroom.max_floor", NULL);
}

static void
test_syntax_errors(void)
{
    assert_load_refused("[server\nlisten = 127.0.0.1:80\n", NULL);
    assert_load_refused("listen = 127.0.0.1:80\n", NULL);
    assert_load_refused("[server]\njust words\n", NULL);
    /* Not UTF-8, and an embedded NUL. */
    assert_load_refused("[server]\nweb_root = /srv/\xe9t\xe9\n", "not valid UTF-8", NULL);
    g_autoptr(CrConfig) config = cr_config_new();
    g_autoptr(GError) error = NULL;
    static const char nul[] = "[server]\nweb_root = a\0b\n";
    g_assert_false(cr_config_load_data(config, nul, sizeof nul - 1, "nul.conf", &error));
    g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE);
}

static void
test_failed_load_leaves_config_unchanged(void)
{
    /* Start from a configuration that differs from the defaults everywhere. */
    g_autoptr(CrConfig) config = load_text(full_file, NULL);
    g_autoptr(CrConfig) before = load_text(full_file, NULL);
    g_assert_nonnull(config);
    g_assert_nonnull(before);

    /* Valid settings first, an invalid one last: none may stick. */
    static const char bad_value[] = "[server]\n"
                                    "listen = 127.0.0.1:1\n"
                                    "heartbeat_seconds = 11\n"
                                    "[media]\n"
                                    "ice_servers = stun:a;stun:b;stun:c\n"
                                    "[storage]\n"
                                    "data_dir = /elsewhere\n"
                                    "busy_timeout_ms = -1\n";
    static const char unknown[] = "[server]\n"
                                  "listen = 127.0.0.1:2\n"
                                  "[recording]\n"
                                  "auto_start = false\n"
                                  "auto_stop = true\n";
    static const char syntax[] = "[server]\nlisten = 127.0.0.1:3\n[broken\n";
    const char *texts[] = {bad_value, unknown, syntax};
    for (gsize i = 0; i < G_N_ELEMENTS(texts); i++) {
        g_autoptr(GError) error = NULL;
        g_assert_false(
            cr_config_load_data(config, texts[i], strlen(texts[i]), "test.conf", &error));
        g_assert_nonnull(error);
        assert_config_equal(config, before);
    }
    g_assert_cmpstr(config->server.listen, ==, "[::1]:9000");
    g_assert_cmpuint(g_strv_length(config->media.ice_servers), ==, 2);

    /* The same for cr_config_set. */
    g_assert_false(cr_config_set(config, "server.heartbeat_seconds", "0", NULL));
    g_assert_false(cr_config_set(config, "server.listen", "nowhere", NULL));
    assert_config_equal(config, before);
}

/* ---- overrides -------------------------------------------------------- */

static void
test_set(void)
{
    g_autoptr(CrConfig) config = cr_config_new();
    g_autoptr(GError) error = NULL;
    g_assert_true(cr_config_set(config, "server.heartbeat_seconds", "25", &error));
    g_assert_no_error(error);
    g_assert_cmpint(config->server.heartbeat_seconds, ==, 25);
    g_assert_true(cr_config_set(config, "server.listen", "0.0.0.0:0", &error));
    g_assert_cmpstr(config->server.listen, ==, "0.0.0.0:0");
    g_assert_true(cr_config_set(config, "attendance.completion_threshold", "0.5", &error));
    g_assert_cmpfloat(config->attendance.completion_threshold, ==, 0.5);
    g_assert_true(cr_config_set(config, "storage.data_dir", "/data", &error));
    g_autofree char *db = cr_config_database_path(config);
    g_assert_cmpstr(db, ==, "/data/classrelay.db");
    g_assert_true(cr_config_set(config, "media.ice_servers", "stun:x:3478", &error));
    g_assert_cmpuint(g_strv_length(config->media.ice_servers), ==, 1);
    /* Setting again replaces (the old values are freed: see ASan). */
    g_assert_true(cr_config_set(config, "media.ice_servers", "", &error));
    g_assert_cmpuint(g_strv_length(config->media.ice_servers), ==, 0);
    g_assert_true(cr_config_set(config, "server.listen", "[::]:80", &error));
    g_assert_no_error(error);

    /* Booleans in every accepted spelling. */
    static const char *const yes[] = {"true", "TRUE", "True", "yes", "Yes", "on", "ON", "1"};
    static const char *const no[] = {"false", "FALSE", "no", "No", "off", "OFF", "0"};
    for (gsize i = 0; i < G_N_ELEMENTS(yes); i++) {
        g_assert_true(cr_config_set(config, "recording.auto_start", "false", NULL));
        g_assert_true(cr_config_set(config, "recording.auto_start", yes[i], NULL));
        g_assert_true(config->recording.auto_start);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(no); i++) {
        g_assert_true(cr_config_set(config, "recording.auto_start", "true", NULL));
        g_assert_true(cr_config_set(config, "recording.auto_start", no[i], NULL));
        g_assert_false(config->recording.auto_start);
    }

    /* Names that are not section.key of a known key. */
    static const char *const bad_names[] = {"nokey",        "server.nope", "nope.listen",
                                            "",             ".listen",     "server.",
                                            "server.listen.x", "listen",    "Server.listen",
                                            "server .listen"};
    for (gsize i = 0; i < G_N_ELEMENTS(bad_names); i++) {
        g_autoptr(GError) local = NULL;
        g_autoptr(CrConfig) pristine = cr_config_new();
        g_autoptr(CrConfig) other = cr_config_new();
        g_assert_false(cr_config_set(other, bad_names[i], "1", &local));
        g_assert_error(local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND);
        g_autofree char *quoted = g_strdup_printf("\"%s\"", bad_names[i]);
        g_assert_nonnull(strstr(local->message, quoted));
        assert_config_equal(other, pristine);
    }
}

static void
test_string_list(void)
{
    static const struct {
        const char *text;
        const char *items[4];
    } cases[] = {
        {"a; b;;c", {"a", "b", "c", NULL}},
        {"", {NULL}},
        {" ; ;;", {NULL}},
        {"stun:stun.example.org:3478", {"stun:stun.example.org:3478", NULL}},
        {"  one  ;two;", {"one", "two", NULL}},
        {"x y; z", {"x y", "z", NULL}},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(CrConfig) config = cr_config_new();
        g_assert_true(cr_config_set(config, "media.ice_servers", cases[i].text, NULL));
        g_assert_nonnull(config->media.ice_servers);
        g_assert_true(g_strv_equal((const char *const *)config->media.ice_servers,
                                   cases[i].items));
        /* The same through a file. */
        g_autofree char *text = g_strdup_printf("[media]\nice_servers = %s\n", cases[i].text);
        g_autoptr(CrConfig) loaded = load_text(text, NULL);
        g_assert_nonnull(loaded);
        g_assert_true(g_strv_equal((const char *const *)loaded->media.ice_servers,
                                   cases[i].items));
    }
    g_autoptr(CrConfig) three = cr_config_new();
    g_assert_true(cr_config_set(three, "media.ice_servers", "a; b;;c", NULL));
    g_assert_cmpuint(g_strv_length(three->media.ice_servers), ==, 3);
}

static void
test_split_listen(void)
{
    static const struct {
        const char *text;
        const char *addr;
        int port;
    } good[] = {
        {"127.0.0.1:8080", "127.0.0.1", 8080},
        {"0.0.0.0:0", "0.0.0.0", 0},
        {"[::1]:9000", "::1", 9000},
        {"[::]:80", "::", 80},
        {"[fe80::1]:443", "fe80::1", 443},
        {"192.168.10.20:65535", "192.168.10.20", 65535},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autofree char *addr = NULL;
        int port = -1;
        if (!cr_config_split_listen(good[i].text, &addr, &port))
            g_error("\"%s\" should split", good[i].text);
        g_assert_cmpstr(addr, ==, good[i].addr);
        g_assert_cmpint(port, ==, good[i].port);
    }
    static const char *const bad[] = {
        "localhost:8080",   /* host names are not resolved */
        "example.org:80",
        "127.0.0.1",        /* no port */
        "127.0.0.1:",
        ":8080",
        "",
        "127.0.0.1:65536",  /* port out of range */
        "127.0.0.1:99999999999999999999",
        "127.0.0.1:-1",
        "127.0.0.1:+80",
        "127.0.0.1: 80",
        "127.0.0.1:80 ",
        "127.0.0.1:8o",
        "::1:80",           /* IPv6 needs brackets */
        "::1",
        "[::1]",
        "[::1]:",
        "[::1:80",
        "::1]:80",
        "[]:80",
        "[127.0.0.1]:80",   /* IPv4 does not take brackets */
        "256.1.1.1:80",
        "1.2.3:80",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *addr = NULL;
        int port = -1;
        if (cr_config_split_listen(bad[i], &addr, &port))
            g_error("\"%s\" should be refused (gave %s, %d)", bad[i], addr, port);
        g_assert_null(addr);
        g_assert_cmpint(port, ==, -1);
    }
}

/* ---- the sample file -------------------------------------------------- */

static void
test_help(void)
{
    g_autofree char *help = cr_config_help();
    gsize n;
    const CrConfigKey *keys = cr_config_keys(&n);
    for (gsize i = 0; i < n; i++) {
        g_autofree char *name = g_strdup_printf("%s.%s", keys[i].section, keys[i].key);
        g_assert_nonnull(strstr(help, name));
        g_assert_nonnull(strstr(help, keys[i].doc));
    }
}

/* Uncomments every "#key = value" line (not the "# doc" lines). */
static char *
uncomment_sample(const char *sample, guint *uncommented)
{
    g_auto(GStrv) lines = g_strsplit(sample, "\n", -1);
    *uncommented = 0;
    for (char **l = lines; *l != NULL; l++) {
        if ((*l)[0] == '#' && g_ascii_islower((*l)[1]) && strstr(*l, " = ") != NULL) {
            memmove(*l, *l + 1, strlen(*l));
            (*uncommented)++;
        }
    }
    return g_strjoinv("\n", lines);
}

static void
test_sample(void)
{
    g_autofree char *path = g_build_filename(CR_TEST_SRCDIR, "config", "classrelay.conf.sample",
                                             NULL);
    g_autofree char *file = NULL;
    gsize file_len = 0;
    g_autoptr(GError) error = NULL;
    g_assert_true(g_file_get_contents(path, &file, &file_len, &error));
    g_assert_no_error(error);
    g_autofree char *sample = cr_config_sample();

    /* Byte for byte; on a difference, say where, and how to regenerate. */
    if (file_len != strlen(sample) || memcmp(file, sample, file_len) != 0) {
        gsize i = 0, line = 1;
        while (i < file_len && sample[i] != '\0' && file[i] == sample[i]) {
            if (file[i] == '\n')
                line++;
            i++;
        }
        g_error("%s differs from cr_config_sample() at line %" G_GSIZE_FORMAT
                " (file %" G_GSIZE_FORMAT " bytes, table %" G_GSIZE_FORMAT
                " bytes); regenerate it: classrelay sample-config > %s",
                path, line, file_len, strlen(sample), path);
    }

    /* Every key appears once, commented out, in its section. */
    gsize n;
    const CrConfigKey *keys = cr_config_keys(&n);
    for (gsize i = 0; i < n; i++) {
        g_autofree char *line =
            g_strdup_printf("\n#%s = %s\n", keys[i].key, keys[i].default_value);
        const char *at = strstr(sample, line);
        g_assert_nonnull(at);
        g_assert_null(strstr(at + 1, line));
        g_autofree char *header = g_strdup_printf("\n[%s]\n", keys[i].section);
        const char *section = g_strrstr_len(sample, at - sample, "\n[");
        g_assert_nonnull(section);
        g_assert_true(g_str_has_prefix(section, header));
    }

    /* As shipped (all commented) it loads and gives the defaults. */
    g_autoptr(CrConfig) defaults = cr_config_new();
    g_autoptr(CrConfig) as_shipped = load_text(sample, &error);
    g_assert_no_error(error);
    assert_config_equal(as_shipped, defaults);

    /* Uncommented, it sets every key to its default: loaded on top of a
     * configuration that differs everywhere, it gives the defaults back. */
    guint uncommented = 0;
    g_autofree char *live = uncomment_sample(sample, &uncommented);
    g_assert_cmpuint(uncommented, ==, n);
    g_autoptr(CrConfig) config = load_text(full_file, NULL);
    g_assert_nonnull(config);
    g_assert_true(cr_config_load_data(config, live, strlen(live), "uncommented", &error));
    g_assert_no_error(error);
    assert_config_equal(config, defaults);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/config/table", test_table);
    g_test_add_func("/config/defaults", test_defaults);
    g_test_add_func("/config/load-full-file", test_load_full_file);
    g_test_add_func("/config/load-missing-file", test_load_missing_file);
    g_test_add_func("/config/invalid-values", test_invalid_values);
    g_test_add_func("/config/out-of-range", test_out_of_range);
    g_test_add_func("/config/unknown-names", test_unknown_names);
    g_test_add_func("/config/syntax-errors", test_syntax_errors);
    g_test_add_func("/config/failed-load-leaves-config-unchanged",
                    test_failed_load_leaves_config_unchanged);
    g_test_add_func("/config/set", test_set);
    g_test_add_func("/config/string-list", test_string_list);
    g_test_add_func("/config/split-listen", test_split_listen);
    g_test_add_func("/config/help", test_help);
    g_test_add_func("/config/sample", test_sample);
    return g_test_run();
}
