/* cmd-serve.c — `classrelay serve`: wires the modules together, runs the
 * control loop, and shuts down in order (signaling, then the store, so
 * that every leave is committed). Main thread. */
#include "app/app.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/time.h"
#include "recorder/catalog.h"
#include "recorder/recorder.h"
#include "relay/relay.h"
#include "signaling/token.h"
#include "store/store.h"

/* One server per database: a second one would close the first one's open
 * intervals as if it had crashed. The lock sits next to the database, not
 * in the data directory, since two data dirs may name one database. */
static int
lock_data_dir(const CrConfig *config, GError **error)
{
    g_autofree char *db_path = cr_config_database_path(config);
    g_autofree char *path = g_strconcat(db_path, ".lock", NULL);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                    "another classrelay is using %s (%s)", db_path, g_strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static char *
base_url(const CrConfig *config, int port)
{
    if (config->server.public_url[0] != '\0')
        return g_strdup(config->server.public_url);
    g_autofree char *addr = NULL;
    int unused;
    cr_config_split_listen(config->server.listen, &addr, &unused);
    const char *host = strcmp(addr, "0.0.0.0") == 0 ? "127.0.0.1"
                       : strcmp(addr, "::") == 0    ? "[::1]"
                                                    : addr;
    if (strchr(host, ':') != NULL && host[0] != '[')
        return g_strdup_printf("http://[%s]:%d", host, port);
    return g_strdup_printf("http://%s:%d", host, port);
}

static char *
demo_token(const CrAuthKeys *keys, const CrConfig *config, CrRole role, const char *sub,
           const char *name, gint64 session)
{
    gint64 now = cr_time_now();
    g_autofree char *session_text = g_strdup_printf("%" G_GINT64_FORMAT, session);
    CrTokenClaims claims = {(char *)sub,
                            (char *)name,
                            "Demo Agency",
                            role,
                            role == CR_ROLE_COORDINATOR ? NULL : session_text,
                            now,
                            now,
                            now + config->auth.link_ttl_seconds};
    return cr_token_sign(&claims, keys->join, sizeof keys->join, NULL);
}

static void
print_demo_links(const CrConfig *config, const CrAuthKeys *keys, gint64 session, int port)
{
    g_autofree char *base = base_url(config, port);
    g_autofree char *instructor =
        demo_token(keys, config, CR_ROLE_INSTRUCTOR, "demo-instructor", "Demo Instructor", session);
    g_autofree char *trainee =
        demo_token(keys, config, CR_ROLE_TRAINEE, "demo-trainee", "Demo Trainee", session);
    g_autofree char *coordinator =
        demo_token(keys, config, CR_ROLE_COORDINATOR, "demo-coordinator", "Demo Coordinator", 0);
    printf("\nA demo course and session were created. Open these links:\n"
           "  instructor:  %s/class/%" G_GINT64_FORMAT "?token=%s\n"
           "  trainee:     %s/join/%" G_GINT64_FORMAT "?token=%s\n"
           "  coordinator: %s/coordinator?token=%s\n"
           "More tokens: classrelay token --help\n\n",
           base, session, instructor, base, session, trainee, base, coordinator);
}

static char *
empty_to_null(const char *text)
{
    return text != NULL && text[0] != '\0' ? g_strdup(text) : NULL;
}

static CrRelay *
start_relay(const CrConfig *config, CrSignaling *signaling, GError **error)
{
    CrRelayConfig rc = {
        .workers = (guint)config->media.workers,
        .addresses = config->media.addresses,
        .port_min = (guint)config->media.port_min,
        .port_max = (guint)config->media.port_max,
        .ice_tcp = config->media.ice_tcp,
        .ice_lite = config->media.ice_lite,
        .stun_server = empty_to_null(config->media.stun_server),
        .public_ip = empty_to_null(config->media.public_ip),
        .audio_codecs = config->media.audio_codecs,
        .video_codecs = config->media.video_codecs,
        .keyframe_interval_ms = (guint)config->media.keyframe_interval_ms,
        .publisher_bitrate = (guint64)config->media.publisher_bitrate,
        .cert_file = empty_to_null(config->media.cert_file),
        .key_file = empty_to_null(config->media.key_file),
    };
    CrRelayCallbacks callbacks;
    cr_signaling_relay_callbacks(signaling, &callbacks);
    CrRelay *relay = cr_relay_new(&rc, &callbacks, error);
    g_free(rc.stun_server);
    g_free(rc.public_ip);
    g_free(rc.cert_file);
    g_free(rc.key_file);
    return relay;
}

/* The recorder: files finished after a crash first, then the thread that
 * records, then the retention sweep. */
static CrRecorder *
start_recorder(const CrConfig *config, CrStore *store, CrRelay *relay, CrSignaling *signaling,
               guint *retention, GError **error)
{
    g_autofree char *dir = cr_config_recordings_dir(config);
    guint repaired = cr_recorder_repair_unfinished(store, dir);
    if (repaired > 0)
        g_message("looked at %u recording(s) left unfinished by an unclean stop", repaired);
    const char *video = config->media.video_codecs != NULL && config->media.video_codecs[0] != NULL
                            ? config->media.video_codecs[0]
                            : "VP8";
    CrRecorderConfig rc = {
        .dir = dir,
        .min_free_mb = config->recording.min_free_mb,
        .queue_ms = config->recording.queue_ms,
        .video_codec = video,
    };
    CrRecorderCallbacks callbacks;
    cr_signaling_recorder_callbacks(signaling, &callbacks);
    CrRecorder *recorder = cr_recorder_new(&rc, relay, store, &callbacks, error);
    if (recorder != NULL)
        *retention = cr_recordings_retention_start(store, dir, config->recording.retention_days);
    return recorder;
}

static gboolean
on_signal(gpointer loop)
{
    g_message("stopping");
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

static int
run(const CrConfig *config)
{
    g_autoptr(GError) error = NULL;
    CrAuthKeys keys;
    int lock_fd = -1;
    if (!cr_app_prepare_data_dir(config, &error) ||
        (lock_fd = lock_data_dir(config, &error)) < 0 ||
        !cr_app_load_keys(config, &keys, &error)) {
        fprintf(stderr, "classrelay: %s\n", error->message);
        return 1;
    }
    g_autofree char *db_path = cr_config_database_path(config);
    g_autoptr(CrStore) store =
        cr_store_open(db_path, config->storage.busy_timeout_ms, TRUE, &error);
    if (store == NULL) {
        fprintf(stderr, "classrelay: %s\n", error->message);
        return 1;
    }
    if (cr_store_recovered_intervals(store) > 0)
        g_message("closed %u attendance intervals left open by an unclean stop, at their last "
                  "heartbeat", cr_store_recovered_intervals(store));
    gint64 now = cr_time_now();
    gint64 seeded = cr_store_seed_demo_sync(store, now, now + 3600, &error);
    if (seeded < 0) {
        fprintf(stderr, "classrelay: %s\n", error->message);
        return 1;
    }
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    CrSignaling *signaling = cr_signaling_new(config, store, &keys, loop, &error);
    if (signaling == NULL) {
        fprintf(stderr, "classrelay: %s\n", error->message);
        return 1;
    }
    g_autoptr(CrRelay) relay = start_relay(config, signaling, &error);
    if (relay == NULL) {
        fprintf(stderr, "classrelay: %s\n", error->message);
        cr_signaling_free(signaling);
        return 1;
    }
    cr_signaling_set_relay(signaling, relay);
    guint retention = 0;
    CrRecorder *recorder = start_recorder(config, store, relay, signaling, &retention, &error);
    if (recorder == NULL) {
        fprintf(stderr, "classrelay: %s\n", error->message);
        cr_signaling_free(signaling);
        return 1;
    }
    cr_signaling_set_recorder(signaling, recorder);
    int port = cr_signaling_port(signaling);
    g_autofree char *base = base_url(config, port);
    printf("classrelay: listening on %s (data in %s)\n", base, config->storage.data_dir);
    if (seeded > 0)
        print_demo_links(config, &keys, seeded, port);
    fflush(stdout);
    g_unix_signal_add(SIGINT, on_signal, loop);
    g_unix_signal_add(SIGTERM, on_signal, loop);
    g_main_loop_run(loop);
    /* The recorder first (its files finished while the class can still be
     * told), then signaling (it closes every peer and interval), then the
     * relay (its workers), then the store, which commits what is queued. */
    if (retention != 0)
        g_source_remove(retention);
    cr_signaling_set_recorder(signaling, NULL);
    cr_recorder_free(recorder);
    cr_signaling_free(signaling);
    g_clear_pointer(&relay, cr_relay_free);
    g_clear_pointer(&store, cr_store_close);
    close(lock_fd);
    return 0;
}

int
cr_cmd_serve(int argc, char **argv)
{
    CrCommonOptions options = {0};
    char *listen = NULL;
    GOptionEntry entries[] = {
        {"listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
         "Listen on ADDR:PORT (server.listen); port 0 picks a free one", "ADDR:PORT"},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context = g_option_context_new("- run the classrelay server");
    g_option_context_add_main_entries(context, entries, NULL);
    cr_app_add_common_options(context, &options);
    if (!cr_app_parse(context, &argc, &argv)) {
        cr_common_options_clear(&options);
        g_free(listen);
        return 2;
    }
    g_autofree char *listen_set = listen ? g_strdup_printf("server.listen=%s", listen) : NULL;
    const char *extra[] = {listen_set, NULL};
    g_autoptr(GError) error = NULL;
    g_autoptr(CrConfig) config = cr_app_load_config(&options, extra, &error);
    cr_common_options_clear(&options);
    g_free(listen);
    if (config == NULL) {
        fprintf(stderr, "classrelay: %s\n", error->message);
        return 2;
    }
    return run(config);
}
