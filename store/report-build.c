/* report-build.c — builds attendance reports from the ledger.
 * Store thread: reads inside the operation's transaction, so a report is
 * one consistent snapshot. */
#include "store/store-private.h"

static void
row_free(gpointer data)
{
    CrReportRow *row = data;
    g_free(row->person);
    g_free(row->name);
    g_free(row->org);
    g_free(row->role);
    for (guint i = 0; row->intervals != NULL && i < row->intervals->len; i++)
        g_free(g_array_index(row->intervals, CrReportInterval, i).close_reason);
    if (row->intervals != NULL)
        g_array_unref(row->intervals);
    if (row->media != NULL)
        g_array_unref(row->media);
    g_free(row);
}

static void
compute_row(CrReportRow *row, const CrSessionReport *report, gint64 now)
{
    CrCreditWindow window = {report->session.scheduled_start, report->session.scheduled_end,
                             report->session.actual_end, now};
    g_autofree CrInterval *iv = g_new0(CrInterval, MAX(row->intervals->len, 1));
    for (guint i = 0; i < row->intervals->len; i++) {
        const CrReportInterval *r = &g_array_index(row->intervals, CrReportInterval, i);
        iv[i] = (CrInterval){r->opened, r->closed, r->mode};
    }
    cr_credit_compute_media(iv, row->intervals->len, (const CrInterval *)(void *)row->media->data,
                            row->media->len, &window, &report->rules, &row->credit);
}

static gint
compare_rows(gconstpointer a, gconstpointer b)
{
    const CrReportRow *x = *(CrReportRow *const *)a, *y = *(CrReportRow *const *)b;
    int by_name = g_utf8_collate(x->name, y->name);
    return by_name != 0 ? by_name : strcmp(x->person, y->person);
}

static CrReportRow *
new_row(sqlite3_stmt *stmt)
{
    CrReportRow *row = g_new0(CrReportRow, 1);
    row->person = cr_sql_text(stmt, 0);
    row->name = cr_sql_text(stmt, 1);
    row->org = cr_sql_text(stmt, 2);
    row->role = g_strdup("trainee");
    row->intervals = g_array_new(FALSE, TRUE, sizeof(CrReportInterval));
    row->media = g_array_new(FALSE, TRUE, sizeof(CrInterval));
    return row;
}

/* Adds each person's media intervals (receiving, or sending for the
 * classroom) to their row. */
static gboolean
read_media(sqlite3 *db, CrSessionReport *report, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db, "SELECT person_id, opened, closed FROM media_intervals WHERE session_id = ?", error);
    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_int64(stmt, 1, report->session.id);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *person = (const char *)sqlite3_column_text(stmt, 0);
        for (guint i = 0; i < report->rows->len; i++) {
            CrReportRow *row = g_ptr_array_index(report->rows, i);
            if (strcmp(row->person, person) != 0)
                continue;
            CrInterval iv = {sqlite3_column_int64(stmt, 1), sqlite3_column_int64(stmt, 2),
                             CR_MODE_REMOTE};
            g_array_append_val(row->media, iv);
            break;
        }
    }
    return rc == SQLITE_DONE ? TRUE : cr_sql_fail(db, "read media", error);
}

static gboolean
read_rows(sqlite3 *db, CrSessionReport *report, gint64 now, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db,
        "SELECT a.person_id, p.name, p.org, a.role, a.mode, a.opened, a.closed, a.close_reason"
        " FROM attendance a JOIN people p ON p.id = a.person_id"
        " WHERE a.session_id = ? ORDER BY a.person_id, a.opened, a.id",
        error);
    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_int64(stmt, 1, report->session.id);
    CrReportRow *row = NULL;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *person = (const char *)sqlite3_column_text(stmt, 0);
        if (row == NULL || strcmp(row->person, person) != 0) {
            row = new_row(stmt);
            g_ptr_array_add(report->rows, row);
        }
        if (g_strcmp0((const char *)sqlite3_column_text(stmt, 3), "instructor") == 0) {
            g_free(row->role);
            row->role = g_strdup("instructor");
        }
        CrReportInterval iv = {
            sqlite3_column_int64(stmt, 5), sqlite3_column_int64(stmt, 6),
            g_strcmp0((const char *)sqlite3_column_text(stmt, 4), "in-person") == 0
                ? CR_MODE_IN_PERSON
                : CR_MODE_REMOTE,
            cr_sql_text(stmt, 7)};
        g_array_append_val(row->intervals, iv);
    }
    if (rc != SQLITE_DONE)
        return cr_sql_fail(db, "read attendance", error);
    if (!read_media(db, report, error))
        return FALSE;
    for (guint i = 0; i < report->rows->len; i++)
        compute_row(g_ptr_array_index(report->rows, i), report, now);
    g_ptr_array_sort(report->rows, compare_rows);
    return TRUE;
}

CrSessionReport *
cr_store_build_session_report(sqlite3 *db, gint64 session_id, const CrCreditRules *rules,
                              gint64 now, GError **error)
{
    g_autoptr(CrSessionReport) report = g_new0(CrSessionReport, 1);
    report->rules = *rules;
    report->generated_at = now;
    report->rows = g_ptr_array_new_with_free_func(row_free);
    if (!cr_store_read_session(db, session_id, &report->session, error) ||
        !read_rows(db, report, now, error))
        return NULL;
    return g_steal_pointer(&report);
}

typedef struct {
    gint64 id, now;
    CrCreditRules rules;
} ReportIn;

static gpointer
op_session_report(sqlite3 *db, gpointer input, GError **error)
{
    ReportIn *in = input;
    return cr_store_build_session_report(db, in->id, &in->rules, in->now, error);
}

static ReportIn *
report_in(gint64 id, const CrCreditRules *rules, gint64 now)
{
    ReportIn *in = g_new0(ReportIn, 1);
    in->id = id;
    in->rules = *rules;
    in->now = now;
    return in;
}

void
cr_store_session_report(CrStore *store, gint64 session_id, const CrCreditRules *rules,
                        gint64 now, CrStoreDone done, gpointer user_data)
{
    cr_store_submit_read(store, op_session_report, report_in(session_id, rules, now), g_free,
                    (GDestroyNotify)cr_session_report_free, done, user_data);
}

CrSessionReport *
cr_store_session_report_sync(CrStore *store, gint64 session_id, const CrCreditRules *rules,
                             gint64 now, GError **error)
{
    g_autofree ReportIn *in = report_in(session_id, rules, now);
    return cr_store_call_read(store, op_session_report, in, error);
}

/* ---- course totals ---- */

static void
course_row_free(gpointer data)
{
    CrCourseRow *row = data;
    g_free(row->person);
    g_free(row->name);
    g_free(row->org);
    g_free(row);
}

static gboolean
read_course_head(sqlite3 *db, CrCourseReport *report, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db,
        "SELECT code, title, category, delivery, credit_hours,"
        " (SELECT count(*) FROM sessions WHERE course_id = c.id) FROM courses c WHERE id = ?",
        error);
    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_int64(stmt, 1, report->id);
    if (sqlite3_step(stmt) != SQLITE_ROW) {
        g_set_error(error, CR_ERROR, CR_ERROR_NOT_FOUND,
                    "course %" G_GINT64_FORMAT " does not exist", report->id);
        return FALSE;
    }
    report->code = cr_sql_text(stmt, 0);
    report->title = cr_sql_text(stmt, 1);
    report->category = cr_sql_text(stmt, 2);
    report->delivery = cr_sql_text(stmt, 3);
    report->credit_hours = sqlite3_column_double(stmt, 4);
    report->sessions = (guint)sqlite3_column_int(stmt, 5);
    return TRUE;
}

/* Adds one session's trainee rows into the per-person totals. */
static void
accumulate(CrCourseReport *report, GHashTable *by_person, const CrSessionReport *session)
{
    for (guint i = 0; i < session->rows->len; i++) {
        const CrReportRow *r = g_ptr_array_index(session->rows, i);
        if (strcmp(r->role, "trainee") != 0)
            continue;
        CrCourseRow *row = g_hash_table_lookup(by_person, r->person);
        if (row == NULL) {
            row = g_new0(CrCourseRow, 1);
            row->person = g_strdup(r->person);
            g_ptr_array_add(report->rows, row);
            g_hash_table_insert(by_person, row->person, row);
        }
        g_free(row->name);
        g_free(row->org);
        row->name = g_strdup(r->name);
        row->org = g_strdup(r->org);
        row->credited_seconds += r->credit.credited_seconds;
        row->sessions_attended += r->credit.first_arrival != 0;
        row->sessions_completed += r->credit.completed ? 1 : 0;
    }
}

static gint
compare_course_rows(gconstpointer a, gconstpointer b)
{
    const CrCourseRow *x = *(CrCourseRow *const *)a, *y = *(CrCourseRow *const *)b;
    int by_name = g_utf8_collate(x->name, y->name);
    return by_name != 0 ? by_name : strcmp(x->person, y->person);
}

static gpointer
op_course_report(sqlite3 *db, gpointer input, GError **error)
{
    ReportIn *in = input;
    g_autoptr(CrCourseReport) report = g_new0(CrCourseReport, 1);
    report->id = in->id;
    report->generated_at = in->now;
    report->rows = g_ptr_array_new_with_free_func(course_row_free);
    if (!read_course_head(db, report, error))
        return NULL;
    g_autoptr(sqlite3_stmt) stmt =
        cr_sql_prepare(db, "SELECT id FROM sessions WHERE course_id = ? ORDER BY id", error);
    if (stmt == NULL)
        return NULL;
    sqlite3_bind_int64(stmt, 1, in->id);
    g_autoptr(GHashTable) by_person = g_hash_table_new(g_str_hash, g_str_equal);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        g_autoptr(CrSessionReport) session = cr_store_build_session_report(
            db, sqlite3_column_int64(stmt, 0), &in->rules, in->now, error);
        if (session == NULL)
            return NULL;
        accumulate(report, by_person, session);
    }
    g_ptr_array_sort(report->rows, compare_course_rows);
    return g_steal_pointer(&report);
}

void
cr_store_course_report(CrStore *store, gint64 course_id, const CrCreditRules *rules, gint64 now,
                       CrStoreDone done, gpointer user_data)
{
    cr_store_submit_read(store, op_course_report, report_in(course_id, rules, now), g_free,
                    (GDestroyNotify)cr_course_report_free, done, user_data);
}

CrCourseReport *
cr_store_course_report_sync(CrStore *store, gint64 course_id, const CrCreditRules *rules,
                            gint64 now, GError **error)
{
    g_autofree ReportIn *in = report_in(course_id, rules, now);
    return cr_store_call_read(store, op_course_report, in, error);
}
