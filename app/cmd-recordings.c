/* cmd-recordings.c — `classrelay recordings list|verify|repair`: the
 * recordings catalog from the command line.
 *
 * list and verify only read (safe while the server runs: the database is
 * opened without crash recovery, in WAL mode). repair rewrites files and
 * rows, so it is meant for a stopped server (the server repairs what it
 * finds unfinished when it starts). Main thread.
 */
#include "app/app.h"

#include <stdio.h>

#include "common/json.h"
#include "common/time.h"
#include "recorder/catalog.h"
#include "recorder/recorder.h"
#include "store/store.h"

typedef struct {
    CrCommonOptions common;
    char *session;
    gboolean json;
} ListOptions;

/* Opens the configured database (never creating one). */
static CrStore *
open_store(const CrCommonOptions *options, CrConfig **config_out, const char *cmd)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CrConfig) config = cr_app_load_config(options, NULL, &error);
    if (config == NULL) {
        fprintf(stderr, "classrelay recordings %s: %s\n", cmd, error->message);
        return NULL;
    }
    g_autofree char *path = cr_config_database_path(config);
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        fprintf(stderr, "classrelay recordings %s: no database at %s\n", cmd, path);
        return NULL;
    }
    CrStore *store = cr_store_open(path, config->storage.busy_timeout_ms, FALSE, &error);
    if (store == NULL) {
        fprintf(stderr, "classrelay recordings %s: %s\n", cmd, error->message);
        return NULL;
    }
    *config_out = g_steal_pointer(&config);
    return store;
}

static const char *
text_or(const json_t *obj, const char *key, const char *fallback)
{
    const char *text = json_string_value(json_object_get(obj, key));
    return text != NULL ? text : fallback;
}

static void
print_table(const json_t *recs)
{
    printf("%-6s %-8s %-10s %-20s %10s %12s  %s\n", "ID", "SESSION", "STATE", "STARTED", "SECONDS",
           "BYTES", "PATH");
    json_t *rec;
    size_t i;
    json_array_foreach(recs, i, rec)
    {
        json_t *duration = json_object_get(rec, "duration_seconds");
        json_t *size = json_object_get(rec, "size_bytes");
        g_autofree char *dur = json_is_number(duration)
                                   ? g_strdup_printf("%.1f", json_number_value(duration))
                                   : g_strdup("-");
        g_autofree char *bytes = json_is_integer(size) ? g_strdup_printf("%" JSON_INTEGER_FORMAT,
                                                                         json_integer_value(size))
                                                       : g_strdup("-");
        printf("%-6" JSON_INTEGER_FORMAT " %-8" JSON_INTEGER_FORMAT " %-10s %-20s %10s %12s  %s",
               json_integer_value(json_object_get(rec, "id")),
               json_integer_value(json_object_get(rec, "session_id")), text_or(rec, "state", "?"),
               text_or(rec, "started_at", "-"), dur, bytes, text_or(rec, "path", "?"));
        const char *reason = text_or(rec, "reason", NULL);
        printf(reason != NULL ? "  (%s)\n" : "\n", reason);
    }
}

static gboolean
session_option(const char *text, gint64 *out)
{
    *out = 0;
    if (text == NULL)
        return TRUE;
    char *end = NULL;
    gint64 v = g_ascii_strtoll(text, &end, 10);
    if (end == text || *end != '\0' || v <= 0) {
        fprintf(stderr, "classrelay recordings: --session must be a positive integer\n");
        return FALSE;
    }
    *out = v;
    return TRUE;
}

static int
do_list(const ListOptions *o)
{
    gint64 session = 0;
    if (!session_option(o->session, &session))
        return 2;
    g_autoptr(CrConfig) config = NULL;
    g_autoptr(CrStore) store = open_store(&o->common, &config, "list");
    if (store == NULL)
        return 1;
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) list = cr_store_list_recordings_sync(store, session, &error);
    if (list == NULL) {
        fprintf(stderr, "classrelay recordings list: %s\n", error->message);
        return 1;
    }
    if (o->json) {
        g_autofree char *text = cr_json_to_string(list);
        printf("%s\n", text);
    } else {
        print_table(json_object_get(list, "recordings"));
    }
    return 0;
}

static int
do_verify(const ListOptions *o)
{
    gint64 session = 0;
    if (!session_option(o->session, &session))
        return 2;
    g_autoptr(CrConfig) config = NULL;
    g_autoptr(CrStore) store = open_store(&o->common, &config, "verify");
    if (store == NULL)
        return 1;
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = cr_config_recordings_dir(config);
    g_autoptr(CrRecordingsVerifyReport) report = cr_recordings_verify(store, dir, session, &error);
    if (report == NULL) {
        fprintf(stderr, "classrelay recordings verify: %s\n", error->message);
        return 1;
    }
    for (guint i = 0; i < report->verdicts->len; i++) {
        const CrRecordingVerdict *v = &g_array_index(report->verdicts, CrRecordingVerdict, i);
        if (v->check != CR_RECORDING_OK)
            printf("recording %" G_GINT64_FORMAT ": %s: %s: %s\n", v->id,
                   cr_recording_check_name(v->check), v->path, v->detail ? v->detail : "");
    }
    printf("%u ok, %u with problems, %u not finished (not checked)\n", report->ok, report->problems,
           report->skipped);
    return report->problems > 0 ? 1 : 0;
}

/* ---- repair ---- */

/* With no ids: every recording a crash left unfinished. */
static gboolean
wanted(const json_t *rec, char **ids)
{
    if (ids == NULL || ids[0] == NULL) {
        const char *state = text_or(rec, "state", "");
        return strcmp(state, "recording") == 0 || strcmp(state, "finalizing") == 0;
    }
    gint64 id = json_integer_value(json_object_get(rec, "id"));
    for (char **p = ids; *p != NULL; p++) {
        if (g_ascii_strtoll(*p, NULL, 10) == id)
            return TRUE;
    }
    return FALSE;
}

static gboolean
repair_one(CrStore *store, const char *dir, const json_t *rec, GError **error)
{
    gint64 id = json_integer_value(json_object_get(rec, "id"));
    g_autofree char *path = cr_recording_path(dir, text_or(rec, "path", NULL));
    if (path == NULL) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "unsafe path in the catalog");
        return FALSE;
    }
    CrRecordingFileInfo info = {0};
    if (!cr_recording_repair_file(path, &info, error))
        return FALSE;
    /* A crash left no end time: the media says how long it ran. */
    gint64 started = 0, ended = 0;
    if (!json_is_string(json_object_get(rec, "ended_at")) &&
        cr_time_parse(text_or(rec, "started_at", ""), &started))
        ended = started + (gint64)(info.duration_seconds + 0.5);
    /* A complete file that needed nothing stays complete. */
    gboolean untouched = info.was_finished && strcmp(text_or(rec, "state", ""), "complete") == 0;
    CrRecordingUpdate up = {id,
                            untouched ? NULL : "repaired",
                            untouched        ? NULL
                            : info.truncated ? "repaired from the command line; a torn last"
                                               " cluster was cut"
                                             : "repaired from the command line",
                            ended,
                            info.duration_seconds,
                            info.size_bytes,
                            info.sha256,
                            NULL};
    return cr_store_recording_update_sync(store, &up, error);
}

static int
do_repair(const CrCommonOptions *common, char **ids)
{
    for (char **p = ids; p != NULL && *p != NULL; p++) {
        char *end = NULL;
        if (g_ascii_strtoll(*p, &end, 10) <= 0 || *end != '\0') {
            fprintf(stderr, "classrelay recordings repair: \"%s\" is not a recording id\n", *p);
            return 2;
        }
    }
    g_autoptr(CrConfig) config = NULL;
    g_autoptr(CrStore) store = open_store(common, &config, "repair");
    if (store == NULL)
        return 1;
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) list = cr_store_list_recordings_sync(store, 0, &error);
    if (list == NULL) {
        fprintf(stderr, "classrelay recordings repair: %s\n", error->message);
        return 1;
    }
    g_autofree char *dir = cr_config_recordings_dir(config);
    int status = 0;
    for (char **p = ids; p != NULL && *p != NULL; p++) {
        gint64 want = g_ascii_strtoll(*p, NULL, 10);
        gboolean found = FALSE;
        json_t *rec;
        size_t i;
        json_array_foreach(json_object_get(list, "recordings"), i, rec) found |=
            json_integer_value(json_object_get(rec, "id")) == want;
        if (!found) {
            printf("recording %" G_GINT64_FORMAT ": no such recording\n", want);
            status = 1;
        }
    }
    json_t *rec;
    size_t i;
    json_array_foreach(json_object_get(list, "recordings"), i, rec)
    {
        if (!wanted(rec, ids))
            continue;
        g_clear_error(&error);
        gint64 id = json_integer_value(json_object_get(rec, "id"));
        if (repair_one(store, dir, rec, &error)) {
            printf("recording %" G_GINT64_FORMAT ": repaired\n", id);
        } else {
            printf("recording %" G_GINT64_FORMAT ": not repaired: %s\n", id, error->message);
            status = 1;
        }
    }
    return status;
}

/* repair takes recording ids after its options. */
static int
run_repair(int argc, char **argv)
{
    CrCommonOptions common = {0};
    g_autoptr(GOptionContext) context =
        g_option_context_new("[ID...] - remux unfinished recordings (or the IDs given)");
    cr_app_add_common_options(context, &common);
    g_autoptr(GError) error = NULL;
    int status = 2;
    if (!g_option_context_parse(context, &argc, &argv, &error))
        fprintf(stderr, "classrelay recordings repair: %s\n", error->message);
    else
        status = do_repair(&common, argc > 1 ? argv + 1 : NULL);
    cr_common_options_clear(&common);
    return status;
}

static const char actions_help[] = "Actions:\n"
                                   "  list     the catalog, newest first\n"
                                   "  verify   recompute sizes and hashes; exit 1 when a file "
                                   "is missing or altered\n"
                                   "  repair   remux unfinished recordings (or the IDs given); "
                                   "run with the server stopped\n";

static int
run_action(const char *action, int argc, char **argv)
{
    ListOptions o = {0};
    GOptionEntry entries[] = {
        {"session", 0, 0, G_OPTION_ARG_STRING, &o.session, "Only this session's recordings", "ID"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &o.json, "list: print JSON instead of a table", NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_autofree char *summary = g_strdup_printf("%s - the recordings catalog", action);
    g_autoptr(GOptionContext) context = g_option_context_new(summary);
    g_option_context_set_summary(context, actions_help);
    g_option_context_add_main_entries(context, entries, NULL);
    cr_app_add_common_options(context, &o.common);
    int status = 2;
    if (cr_app_parse(context, &argc, &argv))
        status = strcmp(action, "list") == 0 ? do_list(&o) : do_verify(&o);
    cr_common_options_clear(&o.common);
    g_free(o.session);
    return status;
}

int
cr_cmd_recordings(int argc, char **argv)
{
    const char *action = argc > 1 ? argv[1] : NULL;
    if (action != NULL && (strcmp(action, "list") == 0 || strcmp(action, "verify") == 0))
        return run_action(action, argc - 1, argv + 1);
    if (action != NULL && strcmp(action, "repair") == 0)
        return run_repair(argc - 1, argv + 1);
    FILE *out = action != NULL && (strcmp(action, "--help") == 0 || strcmp(action, "-h") == 0)
                    ? stdout
                    : stderr;
    if (out == stderr && action != NULL)
        fprintf(stderr, "classrelay recordings: unknown action \"%s\"\n\n", action);
    fprintf(out,
            "Usage: classrelay recordings ACTION [OPTIONS]\n\n%s\n"
            "Run `classrelay recordings ACTION --help` for its options.\n",
            actions_help);
    return out == stdout ? 0 : 2;
}
