/* cmd-report.c — `classrelay report`: an attendance report for a session
 * or a course, as CSV or JSON on stdout. Safe while the server runs: it
 * opens the database without crash recovery and only reads. Main thread. */
#include "app/app.h"

#include <stdio.h>

#include "common/json.h"
#include "common/time.h"
#include "store/store.h"

typedef struct {
    char *session, *course, *format;
} ReportOptions;

static char *
render(CrStore *store, const CrConfig *config, const ReportOptions *o, GError **error)
{
    gboolean csv = o->format == NULL || strcmp(o->format, "csv") == 0;
    gint64 session = o->session ? g_ascii_strtoll(o->session, NULL, 10) : 0;
    gint64 course = o->course ? g_ascii_strtoll(o->course, NULL, 10) : 0;
    CrCreditRules rules = {config->attendance.reconnect_grace_seconds,
                           config->attendance.completion_threshold,
                           config->attendance.require_media};
    if (session > 0) {
        g_autoptr(CrSessionReport) r =
            cr_store_session_report_sync(store, session, &rules, cr_time_now(), error);
        if (r == NULL)
            return NULL;
        if (csv)
            return cr_session_report_to_csv(r);
        g_autoptr(json_t) json = cr_session_report_to_json(r);
        return cr_json_to_string(json);
    }
    g_autoptr(CrCourseReport) r =
        cr_store_course_report_sync(store, course, &rules, cr_time_now(), error);
    if (r == NULL)
        return NULL;
    if (csv)
        return cr_course_report_to_csv(r);
    g_autoptr(json_t) json = cr_course_report_to_json(r);
    return cr_json_to_string(json);
}

static gboolean
check(const ReportOptions *o, GError **error)
{
    gboolean one = (o->session != NULL) != (o->course != NULL);
    const char *id = o->session != NULL ? o->session : o->course;
    if (!one || id == NULL || g_ascii_strtoll(id, NULL, 10) <= 0) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "give exactly one of --session ID or --course ID");
        return FALSE;
    }
    if (o->format != NULL && strcmp(o->format, "csv") != 0 && strcmp(o->format, "json") != 0) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--format must be csv or json");
        return FALSE;
    }
    return TRUE;
}

static int
report(const CrCommonOptions *options, const ReportOptions *o)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CrConfig) config = cr_app_load_config(options, NULL, &error);
    if (config == NULL || !check(o, &error)) {
        fprintf(stderr, "classrelay report: %s\n", error->message);
        return 2;
    }
    g_autofree char *path = cr_config_database_path(config);
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        fprintf(stderr, "classrelay report: no database at %s\n", path);
        return 1;
    }
    g_autoptr(CrStore) store =
        cr_store_open(path, config->storage.busy_timeout_ms, FALSE, &error);
    g_autofree char *text = store != NULL ? render(store, config, o, &error) : NULL;
    if (text == NULL) {
        fprintf(stderr, "classrelay report: %s\n", error->message);
        return 1;
    }
    fputs(text, stdout);
    if (o->format != NULL && strcmp(o->format, "json") == 0)
        fputc('\n', stdout);
    return 0;
}

int
cr_cmd_report(int argc, char **argv)
{
    CrCommonOptions options = {0};
    ReportOptions o = {0};
    GOptionEntry entries[] = {
        {"session", 0, 0, G_OPTION_ARG_STRING, &o.session, "Report on one session", "ID"},
        {"course", 0, 0, G_OPTION_ARG_STRING, &o.course, "Totals per person for a course",
         "ID"},
        {"format", 'f', 0, G_OPTION_ARG_STRING, &o.format, "csv (default) or json", "FORMAT"},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context =
        g_option_context_new("- print an attendance report on stdout");
    g_option_context_add_main_entries(context, entries, NULL);
    cr_app_add_common_options(context, &options);
    int status = cr_app_parse(context, &argc, &argv) ? report(&options, &o) : 2;
    cr_common_options_clear(&options);
    g_free(o.session);
    g_free(o.course);
    g_free(o.format);
    return status;
}
