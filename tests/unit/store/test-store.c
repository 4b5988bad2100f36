/* test-store.c — tests for store/: the schema, courses and sessions, the
 * attendance ledger, crash recovery, reports and the event outbox.
 *
 * Every test gets a fresh database in its own temporary directory. The
 * asynchronous operations deliver on this thread's default GMainContext, so
 * each is awaited by running a GMainLoop until its done callback fires
 * (with a timeout that fails the test). Fire-and-forget operations (touch,
 * ban, event) are flushed by awaiting any later operation: the store runs
 * jobs in submission order. The database is inspected through the store's
 * own connection with cr_store_call (store-private.h).
 *
 * All times fall on 2026-11-27 (UTC); the usual session runs 09:00–10:00.
 */
#include "store/store-private.h"

#include <glib/gstdio.h>
#include <string.h>

#include "common/error.h"
#include "common/json.h"
#include "common/time.h"

/* 2026-11-27T00:00:00Z */
#define DAY          G_GINT64_CONSTANT(1795737600)
#define HMS(h, m, s) (DAY + (h) * 3600 + (m) * 60 + (s))
#define AT(h, m)     HMS(h, m, 0)
#define EARLY        3600 /* join_early_minutes = 60 */
#define WAIT_SECONDS 20

static const CrCreditRules rules = {120, 0.8, FALSE};

/* report.h has no autoptr for CrSessionInfo; an alias keeps this one from
 * clashing with one added there later. */
typedef CrSessionInfo SessionInfo;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SessionInfo, cr_session_info_free)

/* ---- awaiting asynchronous operations -------------------------------- */

typedef gpointer (*CopyFunc)(gconstpointer result);

typedef struct {
    GMainLoop *loop;
    gboolean done;
    gboolean timed_out;
    CopyFunc copy; /* results are freed after the callback: keep a copy */
    gpointer result;
    GError *error;
} Wait;

static void
wait_init(Wait *w, CopyFunc copy)
{
    memset(w, 0, sizeof *w);
    w->loop = g_main_loop_new(NULL, FALSE);
    w->copy = copy;
}

static void
on_done(gpointer result, const GError *error, gpointer user_data)
{
    Wait *w = user_data;
    g_assert_false(w->done); /* once */
    w->done = TRUE;
    if (error != NULL) {
        g_assert_null(result);
        w->error = g_error_copy(error);
    } else if (result != NULL && w->copy != NULL) {
        w->result = w->copy(result);
    }
    g_main_loop_quit(w->loop);
}

static gboolean
on_timeout(gpointer data)
{
    Wait *w = data;
    w->timed_out = TRUE;
    g_main_loop_quit(w->loop);
    return G_SOURCE_REMOVE;
}

/* Runs the loop until the operation's done callback ran; returns its
 * (copied) result or sets @error. */
static gpointer
await(Wait *w, GError **error)
{
    guint timer = g_timeout_add_seconds(WAIT_SECONDS, on_timeout, w);
    while (!w->done && !w->timed_out)
        g_main_loop_run(w->loop);
    if (w->timed_out)
        g_error("store operation did not complete within %d s", WAIT_SECONDS);
    g_source_remove(timer);
    g_main_loop_unref(w->loop);
    if (w->error != NULL)
        g_propagate_error(error, w->error);
    return w->result;
}

static gpointer
copy_json(gconstpointer result)
{
    return json_incref((json_t *)result);
}

static gpointer
copy_session(gconstpointer result)
{
    CrSessionInfo *copy = g_new0(CrSessionInfo, 1);
    cr_session_info_copy(copy, result);
    return copy;
}

static gpointer
copy_join(gconstpointer result)
{
    const CrJoinResult *from = result;
    CrJoinResult *copy = g_new0(CrJoinResult, 1);
    copy->interval_id = from->interval_id;
    cr_session_info_copy(&copy->session, &from->session);
    return copy;
}

/* ---- the fixture ------------------------------------------------------ */

typedef struct {
    char *dir;
    char *path;
    CrStore *store;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    f->dir = g_dir_make_tmp("cr-test-store-XXXXXX", &error);
    g_assert_no_error(error);
    f->path = g_build_filename(f->dir, "classrelay.db", NULL);
    f->store = cr_store_open(f->path, 5000, TRUE, &error);
    g_assert_no_error(error);
    g_assert_nonnull(f->store);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    cr_store_close(f->store);
    g_autoptr(GDir) dir = g_dir_open(f->dir, 0, NULL);
    const char *name;
    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *path = g_build_filename(f->dir, name, NULL);
        g_assert_cmpint(g_remove(path), ==, 0);
    }
    g_assert_cmpint(g_rmdir(f->dir), ==, 0);
    g_free(f->path);
    g_free(f->dir);
}

static void
reopen(Fixture *f, gboolean recover)
{
    g_autoptr(GError) error = NULL;
    cr_store_close(f->store);
    f->store = cr_store_open(f->path, 5000, recover, &error);
    g_assert_no_error(error);
    g_assert_nonnull(f->store);
}

/* ---- looking inside --------------------------------------------------- */

static gpointer
op_query_text(sqlite3 *db, gpointer input, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(db, input, error);
    if (stmt == NULL)
        return NULL;
    if (sqlite3_step(stmt) != SQLITE_ROW) {
        g_set_error(error, CR_ERROR, CR_ERROR_NOT_FOUND, "no row: %s", (const char *)input);
        return NULL;
    }
    const char *text = (const char *)sqlite3_column_text(stmt, 0);
    return g_strdup(text != NULL ? text : "NULL");
}

/* The first column of the first row of a query, as text ("NULL" for NULL). */
static G_GNUC_PRINTF(2, 3) char *sql_text(Fixture *f, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *sql = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_autoptr(GError) error = NULL;
    char *text = cr_store_call(f->store, op_query_text, sql, &error);
    g_assert_no_error(error);
    return text;
}

static G_GNUC_PRINTF(2, 3) gint64 sql_int(Fixture *f, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *sql = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_autoptr(GError) error = NULL;
    g_autofree char *text = cr_store_call(f->store, op_query_text, sql, &error);
    g_assert_no_error(error);
    char *end = NULL;
    gint64 v = g_ascii_strtoll(text, &end, 10);
    if (end == text || *end != '\0')
        g_error("\"%s\" gave \"%s\", not an integer", sql, text);
    return v;
}

static const char *const tables[] = {"courses",  "sessions",     "people",
                                     "attendance", "session_bans", "events"};
#define N_TABLES G_N_ELEMENTS(tables)

static void
count_rows(Fixture *f, gint64 counts[N_TABLES])
{
    for (gsize i = 0; i < N_TABLES; i++)
        counts[i] = sql_int(f, "SELECT count(*) FROM %s", tables[i]);
}

static void
assert_counts_unchanged(Fixture *f, const gint64 before[N_TABLES])
{
    gint64 after[N_TABLES];
    count_rows(f, after);
    for (gsize i = 0; i < N_TABLES; i++) {
        if (before[i] != after[i])
            g_error("table %s went from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT " rows",
                    tables[i], before[i], after[i]);
    }
}

static gint64
count_events(Fixture *f, const char *type)
{
    return sql_int(f, "SELECT count(*) FROM events WHERE type = '%s'", type);
}

/* ---- operations, awaited ---------------------------------------------- */

static json_t *
create_course_full(Fixture *f, const char *code, const char *category, const char *delivery,
                   double hours, GError **error)
{
    CrCourseInput in = {code, "Course title", category, delivery, hours};
    Wait w;
    wait_init(&w, copy_json);
    cr_store_create_course(f->store, &in, on_done, &w);
    return await(&w, error);
}

static gint64
json_id(const json_t *json)
{
    g_assert_nonnull(json);
    json_t *id = json_object_get(json, "id");
    g_assert_true(json_is_integer(id));
    return json_integer_value(id);
}

/* A course and its id; the test fails if it cannot be created. */
static gint64
new_course(Fixture *f, const char *code, double hours)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) course = create_course_full(f, code, "professional", "hybrid", hours,
                                                  &error);
    g_assert_no_error(error);
    return json_id(course);
}

static json_t *
create_session(Fixture *f, gint64 course_id, const char *title, gint64 start, gint64 end,
               GError **error)
{
    CrSessionInput in = {course_id, title, start, end, FALSE};
    Wait w;
    wait_init(&w, copy_json);
    cr_store_create_session(f->store, &in, on_done, &w);
    return await(&w, error);
}

static gint64
new_session(Fixture *f, gint64 course_id, const char *title, gint64 start, gint64 end)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) session = create_session(f, course_id, title, start, end, &error);
    g_assert_no_error(error);
    return json_id(session);
}

static CrSessionInfo *
get_session(Fixture *f, gint64 id, GError **error)
{
    Wait w;
    wait_init(&w, copy_session);
    cr_store_get_session(f->store, id, on_done, &w);
    return await(&w, error);
}

static CrJoinResult *
join_full(Fixture *f, gint64 session_id, const char *person, const char *name, const char *org,
          const char *role, const char *mode, gint64 now, GError **error)
{
    CrJoinInput in = {session_id, person, name, org, role, mode, "192.0.2.7", "test-agent/1.0",
                      now, EARLY};
    Wait w;
    wait_init(&w, copy_join);
    cr_store_join(f->store, &in, on_done, &w);
    return await(&w, error);
}

/* Joins (remote) and returns the interval id; the test fails on error. */
static gint64
join(Fixture *f, gint64 session_id, const char *person, const char *name, const char *role,
     gint64 now)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CrJoinResult) r =
        join_full(f, session_id, person, name, NULL, role, "remote", now, &error);
    g_assert_no_error(error);
    g_assert_nonnull(r);
    g_assert_cmpint(r->interval_id, >, 0);
    return r->interval_id;
}

static void
leave(Fixture *f, gint64 interval_id, gint64 at, const char *reason)
{
    CrLeaveInput in = {interval_id, at, reason};
    Wait w;
    wait_init(&w, NULL);
    cr_store_leave(f->store, &in, on_done, &w);
    g_autoptr(GError) error = NULL;
    await(&w, &error);
    g_assert_no_error(error);
}

static CrSessionInfo *
end_session(Fixture *f, gint64 id, gint64 at, GError **error)
{
    Wait w;
    wait_init(&w, copy_session);
    cr_store_end_session(f->store, id, at, on_done, &w);
    return await(&w, error);
}

static json_t *
checkin(Fixture *f, gint64 session_id, const char *person, const char *name, gint64 at,
        GError **error)
{
    Wait w;
    wait_init(&w, copy_json);
    cr_store_checkin(f->store, session_id, person, name, NULL, "coordinator", at, on_done, &w);
    return await(&w, error);
}

static json_t *
checkout(Fixture *f, gint64 session_id, const char *person, gint64 at, GError **error)
{
    Wait w;
    wait_init(&w, copy_json);
    cr_store_checkout(f->store, session_id, person, "coordinator", at, on_done, &w);
    return await(&w, error);
}

static json_t *
list_events(Fixture *f, gint64 after, gint64 limit)
{
    Wait w;
    wait_init(&w, copy_json);
    cr_store_list_events(f->store, after, limit, on_done, &w);
    g_autoptr(GError) error = NULL;
    json_t *result = await(&w, &error);
    g_assert_no_error(error);
    return result;
}

/* Waits until everything submitted so far has run. */
static void
flush(Fixture *f)
{
    Wait w;
    wait_init(&w, copy_json);
    cr_store_list_courses(f->store, on_done, &w);
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) courses = await(&w, &error);
    g_assert_no_error(error);
}

static const char *
jstr(const json_t *object, const char *key)
{
    json_t *value = json_object_get(object, key);
    if (!json_is_string(value))
        g_error("\"%s\" is not a string", key);
    return json_string_value(value);
}

static gint64
jint(const json_t *object, const char *key)
{
    json_t *value = json_object_get(object, key);
    if (!json_is_integer(value))
        g_error("\"%s\" is not an integer", key);
    return json_integer_value(value);
}

static void
assert_time_field(const json_t *object, const char *key, gint64 expected)
{
    g_autofree char *text = cr_time_format(expected);
    g_assert_cmpstr(jstr(object, key), ==, text);
}

/* ---- schema ----------------------------------------------------------- */

static void
test_open_schema(Fixture *f, gconstpointer data)
{
    g_assert_cmpint(sql_int(f, "PRAGMA user_version"), ==, 3);
    g_autofree char *journal = sql_text(f, "PRAGMA journal_mode");
    g_assert_cmpstr(journal, ==, "wal");
    g_assert_cmpint(sql_int(f, "PRAGMA foreign_keys"), ==, 1);
    g_assert_cmpint(sql_int(f, "PRAGMA synchronous"), ==, 2); /* FULL */
    for (gsize i = 0; i < N_TABLES; i++) {
        g_assert_cmpint(
            sql_int(f, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'",
                    tables[i]),
            ==, 1);
        g_assert_cmpint(sql_int(f, "SELECT count(*) FROM %s", tables[i]), ==, 0);
    }
    g_assert_cmpuint(cr_store_recovered_intervals(f->store), ==, 0);

    /* Foreign keys are enforced: a ban for a session that does not exist is
     * refused (ban is fire and forget, so look at the table). */
    cr_store_ban(f->store, 999, "u1", "t1", AT(9, 0));
    flush(f);
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM session_bans"), ==, 0);
    g_assert_cmpint(count_events(f, "kick"), ==, 0);

    /* Counters count jobs. */
    CrStoreStats stats;
    cr_store_stats(f->store, &stats);
    g_assert_cmpuint(stats.jobs, >=, 2);
    g_assert_cmpuint(stats.errors, ==, 0);

    /* Reopening an existing database migrates nothing and keeps the data. */
    new_course(f, "KEEP-1", 1.0);
    reopen(f, FALSE);
    g_assert_cmpint(sql_int(f, "PRAGMA user_version"), ==, 3);
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM courses"), ==, 1);

    /* A database from a newer classrelay is refused. */
    cr_store_close(f->store);
    f->store = NULL;
    sqlite3 *db = NULL;
    g_assert_cmpint(sqlite3_open(f->path, &db), ==, SQLITE_OK);
    g_assert_cmpint(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==,
                    SQLITE_OK);
    sqlite3_close(db);
    g_autoptr(GError) error = NULL;
    CrStore *newer = cr_store_open(f->path, 5000, FALSE, &error);
    g_assert_null(newer);
    g_assert_error(error, CR_ERROR, CR_ERROR_INTERNAL);
    g_assert_nonnull(strstr(error->message, "newer"));
    g_assert_nonnull(strstr(error->message, f->path));

    /* Put it back so that teardown has a store to close. */
    g_assert_cmpint(sqlite3_open(f->path, &db), ==, SQLITE_OK);
    g_assert_cmpint(sqlite3_exec(db, "PRAGMA user_version = 3", NULL, NULL, NULL), ==,
                    SQLITE_OK);
    sqlite3_close(db);
    g_clear_error(&error);
    f->store = cr_store_open(f->path, 5000, FALSE, &error);
    g_assert_no_error(error);
}

static void
test_open_fails(void)
{
    g_autoptr(GError) error = NULL;
    CrStore *store = cr_store_open("/nonexistent-dir/sub/classrelay.db", 100, TRUE, &error);
    g_assert_null(store);
    g_assert_error(error, CR_ERROR, CR_ERROR_INTERNAL);
}

/* ---- courses and sessions -------------------------------------------- */

static void
test_courses(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) course =
        create_course_full(f, "SAFE-201", "management", "online", 2.5, &error);
    g_assert_no_error(error);
    gint64 id = json_id(course);
    g_assert_cmpint(id, >, 0);
    g_assert_cmpstr(jstr(course, "code"), ==, "SAFE-201");
    g_assert_cmpstr(jstr(course, "title"), ==, "Course title");
    g_assert_cmpstr(jstr(course, "category"), ==, "management");
    g_assert_cmpstr(jstr(course, "delivery"), ==, "online");
    g_assert_cmpfloat(json_real_value(json_object_get(course, "credit_hours")), ==, 2.5);
    gint64 created = 0;
    g_assert_true(cr_time_parse(jstr(course, "created_at"), &created));
    g_assert_cmpint(ABS(created - cr_time_now()), <, 60);

    gint64 before[N_TABLES];
    count_rows(f, before);

    /* The same code again. */
    g_autoptr(json_t) dup = create_course_full(f, "SAFE-201", "general", "remote", 1, &error);
    g_assert_null(dup);
    g_assert_error(error, CR_ERROR, CR_ERROR_CONFLICT);
    g_assert_nonnull(strstr(error->message, "SAFE-201"));
    g_clear_error(&error);

    /* Values the schema's CHECK constraints refuse. */
    g_autoptr(json_t) bad_category =
        create_course_full(f, "BAD-1", "leisure", "hybrid", 1, &error);
    g_assert_null(bad_category);
    g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    g_clear_error(&error);
    g_autoptr(json_t) bad_delivery =
        create_course_full(f, "BAD-2", "general", "carrier-pigeon", 1, &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    g_clear_error(&error);
    g_autoptr(json_t) bad_hours = create_course_full(f, "BAD-3", "general", "hybrid", -1, &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    g_clear_error(&error);
    assert_counts_unchanged(f, before);

    /* Listing is by code. */
    new_course(f, "ALPHA-1", 1);
    new_course(f, "ZULU-9", 1);
    Wait w;
    wait_init(&w, copy_json);
    cr_store_list_courses(f->store, on_done, &w);
    g_autoptr(json_t) list = await(&w, &error);
    g_assert_no_error(error);
    json_t *courses = json_object_get(list, "courses");
    g_assert_cmpuint(json_array_size(courses), ==, 3);
    g_assert_cmpstr(jstr(json_array_get(courses, 0), "code"), ==, "ALPHA-1");
    g_assert_cmpstr(jstr(json_array_get(courses, 1), "code"), ==, "SAFE-201");
    g_assert_cmpstr(jstr(json_array_get(courses, 2), "code"), ==, "ZULU-9");

    /* Get one, and a missing one. */
    wait_init(&w, copy_json);
    cr_store_get_course(f->store, id, on_done, &w);
    g_autoptr(json_t) got = await(&w, &error);
    g_assert_no_error(error);
    g_assert_true(json_equal(got, course));
    wait_init(&w, copy_json);
    cr_store_get_course(f->store, 4242, on_done, &w);
    g_autoptr(json_t) missing = await(&w, &error);
    g_assert_null(missing);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
}

static void
test_sessions(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 other = new_course(f, "C-2", 1);
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) session = create_session(f, course, "Week 1", AT(9, 0), AT(10, 0), &error);
    g_assert_no_error(error);
    gint64 id = json_id(session);
    g_assert_cmpint(jint(session, "course_id"), ==, course);
    g_assert_cmpstr(jstr(session, "course_code"), ==, "C-1");
    g_assert_cmpstr(jstr(session, "course_title"), ==, "Course title");
    g_assert_cmpstr(jstr(session, "title"), ==, "Week 1");
    g_assert_cmpstr(jstr(session, "scheduled_start"), ==, "2026-11-27T09:00:00Z");
    g_assert_cmpstr(jstr(session, "scheduled_end"), ==, "2026-11-27T10:00:00Z");
    g_assert_true(json_is_null(json_object_get(session, "actual_start")));
    g_assert_true(json_is_null(json_object_get(session, "actual_end")));
    g_assert_cmpstr(jstr(session, "state"), ==, "scheduled");
    g_assert_true(json_is_false(json_object_get(session, "record")));

    gint64 before[N_TABLES];
    count_rows(f, before);
    g_autoptr(json_t) no_course = create_session(f, 999, "x", AT(9, 0), AT(10, 0), &error);
    g_assert_null(no_course);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
    g_clear_error(&error);
    g_autoptr(json_t) backwards = create_session(f, course, "x", AT(10, 0), AT(9, 0), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    g_clear_error(&error);
    g_autoptr(json_t) empty = create_session(f, course, "x", AT(9, 0), AT(9, 0), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    g_clear_error(&error);
    assert_counts_unchanged(f, before);

    /* Listing: by start time, optionally by course. */
    gint64 early = new_session(f, course, "Week 0", AT(7, 0), AT(8, 0));
    gint64 elsewhere = new_session(f, other, "Other", AT(8, 0), AT(9, 0));
    Wait w;
    wait_init(&w, copy_json);
    cr_store_list_sessions(f->store, 0, on_done, &w);
    g_autoptr(json_t) all = await(&w, &error);
    g_assert_no_error(error);
    json_t *list = json_object_get(all, "sessions");
    g_assert_cmpuint(json_array_size(list), ==, 3);
    g_assert_cmpint(json_id(json_array_get(list, 0)), ==, early);
    g_assert_cmpint(json_id(json_array_get(list, 1)), ==, elsewhere);
    g_assert_cmpint(json_id(json_array_get(list, 2)), ==, id);
    wait_init(&w, copy_json);
    cr_store_list_sessions(f->store, course, on_done, &w);
    g_autoptr(json_t) mine = await(&w, &error);
    list = json_object_get(mine, "sessions");
    g_assert_cmpuint(json_array_size(list), ==, 2);
    g_assert_cmpint(json_id(json_array_get(list, 0)), ==, early);
    g_assert_cmpint(json_id(json_array_get(list, 1)), ==, id);
    g_assert_true(json_equal(json_array_get(list, 1), session));

    /* Get. */
    g_autoptr(SessionInfo) info = get_session(f, id, &error);
    g_assert_no_error(error);
    g_assert_cmpint(info->id, ==, id);
    g_assert_cmpint(info->course_id, ==, course);
    g_assert_cmpstr(info->course_code, ==, "C-1");
    g_assert_cmpstr(info->title, ==, "Week 1");
    g_assert_cmpint(info->scheduled_start, ==, AT(9, 0));
    g_assert_cmpint(info->scheduled_end, ==, AT(10, 0));
    g_assert_cmpint(info->actual_start, ==, 0);
    g_assert_cmpint(info->actual_end, ==, 0);
    g_assert_cmpstr(info->state, ==, "scheduled");
    g_assert_false(info->record);
    g_autoptr(SessionInfo) none = get_session(f, 999, &error);
    g_assert_null(none);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
}

/* ---- the ledger ------------------------------------------------------- */

static void
test_join(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 session = new_session(f, course, "Week 1", AT(9, 0), AT(10, 0));
    g_autoptr(GError) error = NULL;

    /* A trainee, five minutes early: an open interval, a join event, the
     * session still scheduled. */
    g_autoptr(CrJoinResult) trainee = join_full(f, session, "u1", "Alice Ng", "Org A",
                                                "trainee", "remote", AT(8, 55), &error);
    g_assert_no_error(error);
    g_assert_cmpint(trainee->interval_id, >, 0);
    g_assert_cmpint(trainee->session.id, ==, session);
    g_assert_cmpstr(trainee->session.state, ==, "scheduled");
    g_assert_cmpint(trainee->session.actual_start, ==, 0);
    gint64 iv = trainee->interval_id;
    g_assert_cmpint(sql_int(f, "SELECT session_id FROM attendance WHERE id = %" G_GINT64_FORMAT,
                            iv),
                    ==, session);
    g_autofree char *row = sql_text(
        f,
        "SELECT person_id || '|' || role || '|' || mode || '|' || opened || '|' || last_seen"
        " || '|' || coalesce(closed, 'open') || '|' || client_addr || '|' || user_agent"
        " FROM attendance WHERE id = %" G_GINT64_FORMAT,
        iv);
    g_autofree char *expected_row = g_strdup_printf(
        "u1|trainee|remote|%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT "|open|192.0.2.7|test-agent/1.0",
        AT(8, 55), AT(8, 55));
    g_assert_cmpstr(row, ==, expected_row);
    g_autofree char *person = sql_text(f, "SELECT name || '|' || org FROM people WHERE id = 'u1'");
    g_assert_cmpstr(person, ==, "Alice Ng|Org A");
    g_assert_cmpint(count_events(f, "join"), ==, 1);
    g_autofree char *event = sql_text(
        f, "SELECT at || '|' || session_id || '|' || person_id || '|' || data FROM events"
           " WHERE type = 'join'");
    g_autofree char *expected_event =
        g_strdup_printf("%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT
                        "|u1|{\"interval\":%" G_GINT64_FORMAT
                        ",\"role\":\"trainee\",\"mode\":\"remote\"}",
                        AT(8, 55), session, iv);
    g_assert_cmpstr(event, ==, expected_event);
    g_assert_cmpint(count_events(f, "start"), ==, 0);

    /* The instructor: the session goes live, actual_start is the join time. */
    g_autoptr(CrJoinResult) instructor = join_full(f, session, "t1", "Zed Teacher", NULL,
                                                   "instructor", "remote", AT(8, 58), &error);
    g_assert_no_error(error);
    g_assert_cmpstr(instructor->session.state, ==, "live");
    g_assert_cmpint(instructor->session.actual_start, ==, AT(8, 58));
    g_autoptr(SessionInfo) info = get_session(f, session, &error);
    g_assert_cmpstr(info->state, ==, "live");
    g_assert_cmpint(info->actual_start, ==, AT(8, 58));
    g_assert_cmpint(count_events(f, "start"), ==, 1);
    g_assert_cmpint(count_events(f, "join"), ==, 2);

    /* A second instructor join changes neither. */
    join(f, session, "t2", "Yan Assistant", "instructor", AT(9, 5));
    g_autoptr(SessionInfo) again = get_session(f, session, &error);
    g_assert_cmpstr(again->state, ==, "live");
    g_assert_cmpint(again->actual_start, ==, AT(8, 58));
    g_assert_cmpint(count_events(f, "start"), ==, 1);

    /* Re-joining updates the person: a new name; a NULL org keeps the old. */
    join(f, session, "u1", "Alice Ng-Lee", "trainee", AT(9, 10));
    g_autofree char *renamed =
        sql_text(f, "SELECT name || '|' || org || '|' || first_seen || '|' || last_seen"
                    " FROM people WHERE id = 'u1'");
    g_autofree char *expected_person = g_strdup_printf(
        "Alice Ng-Lee|Org A|%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT, AT(8, 55), AT(9, 10));
    g_assert_cmpstr(renamed, ==, expected_person);
    g_assert_cmpint(
        sql_int(f, "SELECT count(*) FROM attendance WHERE person_id = 'u1' AND closed IS NULL"),
        ==, 2);
}

static void
test_join_refused(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 later = new_session(f, course, "Noon", AT(12, 0), AT(13, 0));
    gint64 ended = new_session(f, course, "Past", AT(7, 0), AT(8, 0));
    g_autoptr(GError) error = NULL;
    g_autoptr(SessionInfo) done = end_session(f, ended, AT(8, 0), &error);
    g_assert_no_error(error);

    gint64 before[N_TABLES];
    count_rows(f, before);

    g_autoptr(CrJoinResult) missing =
        join_full(f, 999, "u1", "A", NULL, "trainee", "remote", AT(9, 0), &error);
    g_assert_null(missing);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
    g_clear_error(&error);

    g_autoptr(CrJoinResult) over =
        join_full(f, ended, "u1", "A", NULL, "instructor", "remote", AT(9, 0), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_CONFLICT);
    g_clear_error(&error);

    /* 12:00 minus an hour is 11:00: one second before is too early. */
    g_autoptr(CrJoinResult) early =
        join_full(f, later, "u1", "A", NULL, "instructor", "remote", HMS(10, 59, 59), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_CONFLICT);
    g_clear_error(&error);
    g_autoptr(CrJoinResult) much_earlier =
        join_full(f, later, "u1", "A", NULL, "trainee", "remote", AT(9, 0), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_CONFLICT);
    g_clear_error(&error);

    /* Nothing was written by any refusal. */
    assert_counts_unchanged(f, before);
    g_autoptr(SessionInfo) still = get_session(f, later, &error);
    g_assert_cmpstr(still->state, ==, "scheduled");

    /* At exactly start - early it opens. */
    join(f, later, "u1", "A", "trainee", AT(11, 0));
}

static void
test_leave(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 session = new_session(f, course, "Week 1", AT(9, 0), AT(10, 0));
    gint64 iv = join(f, session, "u1", "Alice", "trainee", AT(9, 0));

    leave(f, iv, AT(9, 30), "leave");
    g_autofree char *row = sql_text(
        f, "SELECT closed || '|' || close_reason || '|' || last_seen FROM attendance"
           " WHERE id = %" G_GINT64_FORMAT, iv);
    g_autofree char *expected =
        g_strdup_printf("%" G_GINT64_FORMAT "|leave|%" G_GINT64_FORMAT, AT(9, 30), AT(9, 30));
    g_assert_cmpstr(row, ==, expected);
    g_assert_cmpint(count_events(f, "leave"), ==, 1);
    g_autofree char *event = sql_text(
        f, "SELECT at || '|' || person_id || '|' || data FROM events WHERE type = 'leave'");
    g_autofree char *expected_event = g_strdup_printf(
        "%" G_GINT64_FORMAT "|u1|{\"interval\":%" G_GINT64_FORMAT ",\"reason\":\"leave\"}",
        AT(9, 30), iv);
    g_assert_cmpstr(event, ==, expected_event);

    /* A second leave, even with another time and reason, changes nothing. */
    leave(f, iv, AT(9, 45), "timeout");
    g_autofree char *same = sql_text(
        f, "SELECT closed || '|' || close_reason || '|' || last_seen FROM attendance"
           " WHERE id = %" G_GINT64_FORMAT, iv);
    g_assert_cmpstr(same, ==, expected);
    g_assert_cmpint(count_events(f, "leave"), ==, 1);

    /* Leaving an interval that does not exist is a no-op, not an error. */
    leave(f, 4242, AT(9, 45), "leave");
    g_assert_cmpint(count_events(f, "leave"), ==, 1);

    /* A close time before the open time (clock trouble) closes at opened. */
    gint64 iv2 = join(f, session, "u2", "Bob", "trainee", AT(9, 20));
    leave(f, iv2, AT(9, 10), "closed");
    g_assert_cmpint(sql_int(f, "SELECT closed FROM attendance WHERE id = %" G_GINT64_FORMAT, iv2),
                    ==, AT(9, 20));

    /* Without a done callback (fire and forget). */
    gint64 iv3 = join(f, session, "u3", "Carol", "trainee", AT(9, 25));
    CrLeaveInput in = {iv3, AT(9, 40), "kicked"};
    cr_store_leave(f->store, &in, NULL, NULL);
    flush(f);
    g_autofree char *reason = sql_text(
        f, "SELECT close_reason FROM attendance WHERE id = %" G_GINT64_FORMAT, iv3);
    g_assert_cmpstr(reason, ==, "kicked");
    g_assert_cmpint(count_events(f, "leave"), ==, 3);
}

static void
test_touch(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 session = new_session(f, course, "Week 1", AT(9, 0), AT(10, 0));
    gint64 a = join(f, session, "u1", "Alice", "trainee", AT(9, 0));
    gint64 b = join(f, session, "u2", "Bob", "trainee", AT(9, 0));
    gint64 c = join(f, session, "u3", "Carol", "trainee", AT(9, 0));
    leave(f, c, AT(9, 2), "leave");

    gint64 ids[] = {a, b, c};
    gint64 seen[] = {AT(9, 5), AT(9, 6), AT(9, 7)};
    cr_store_touch(f->store, ids, seen, G_N_ELEMENTS(ids));
    flush(f);
    g_assert_cmpint(sql_int(f, "SELECT last_seen FROM attendance WHERE id = %" G_GINT64_FORMAT, a),
                    ==, AT(9, 5));
    g_assert_cmpint(sql_int(f, "SELECT last_seen FROM attendance WHERE id = %" G_GINT64_FORMAT, b),
                    ==, AT(9, 6));
    /* A closed interval is not touched. */
    g_assert_cmpint(sql_int(f, "SELECT last_seen FROM attendance WHERE id = %" G_GINT64_FORMAT, c),
                    ==, AT(9, 2));

    /* last_seen never goes back. */
    gint64 earlier[] = {AT(9, 1)};
    cr_store_touch(f->store, &a, earlier, 1);
    cr_store_touch(f->store, NULL, NULL, 0);
    flush(f);
    g_assert_cmpint(sql_int(f, "SELECT last_seen FROM attendance WHERE id = %" G_GINT64_FORMAT, a),
                    ==, AT(9, 5));
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM attendance WHERE closed IS NULL"), ==, 2);
}

static void
test_ban(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 session = new_session(f, course, "Week 1", AT(9, 0), AT(10, 0));
    gint64 iv = join(f, session, "u1", "Alice", "trainee", AT(9, 0));
    leave(f, iv, AT(9, 5), "kicked");
    cr_store_ban(f->store, session, "u1", "t1", AT(9, 5));
    flush(f);
    g_autofree char *ban = sql_text(
        f, "SELECT banned_at || '|' || banned_by FROM session_bans WHERE session_id = %"
           G_GINT64_FORMAT " AND person_id = 'u1'", session);
    g_autofree char *expected = g_strdup_printf("%" G_GINT64_FORMAT "|t1", AT(9, 5));
    g_assert_cmpstr(ban, ==, expected);
    g_autofree char *kick =
        sql_text(f, "SELECT person_id || '|' || data FROM events WHERE type = 'kick'");
    g_assert_cmpstr(kick, ==, "u1|{\"by\":\"t1\"}");

    gint64 before[N_TABLES];
    count_rows(f, before);
    g_autoptr(GError) error = NULL;
    g_autoptr(CrJoinResult) again =
        join_full(f, session, "u1", "Alice", NULL, "trainee", "remote", AT(9, 6), &error);
    g_assert_null(again);
    g_assert_error(error, CR_ERROR, CR_ERROR_FORBIDDEN);
    g_clear_error(&error);
    /* Nor in person. */
    g_autoptr(json_t) in_person = checkin(f, session, "u1", "Alice", AT(9, 7), &error);
    g_assert_null(in_person);
    g_assert_error(error, CR_ERROR, CR_ERROR_FORBIDDEN);
    assert_counts_unchanged(f, before);

    /* Banning twice keeps one row. Others still join; so does u1 elsewhere. */
    cr_store_ban(f->store, session, "u1", "t2", AT(9, 8));
    join(f, session, "u2", "Bob", "trainee", AT(9, 9));
    gint64 other = new_session(f, course, "Week 2", AT(9, 0), AT(10, 0));
    join(f, other, "u1", "Alice", "trainee", AT(9, 9));
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM session_bans"), ==, 1);
}

static void
test_end_session(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 session = new_session(f, course, "Week 1", AT(9, 0), AT(10, 0));
    gint64 t = join(f, session, "t1", "Teacher", "instructor", AT(8, 58));
    gint64 a = join(f, session, "u1", "Alice", "trainee", AT(9, 0));
    gint64 b = join(f, session, "u2", "Bob", "trainee", AT(9, 1));
    gint64 c = join(f, session, "u3", "Carol", "trainee", AT(9, 2));
    leave(f, c, AT(9, 30), "leave");
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) in = checkin(f, session, "u4", "Dan", AT(9, 3), &error);
    g_assert_no_error(error);
    /* An open interval in another session is not touched. */
    gint64 other = new_session(f, course, "Week 2", AT(9, 0), AT(10, 0));
    gint64 elsewhere = join(f, other, "u9", "Eve", "trainee", AT(9, 0));

    g_autoptr(SessionInfo) ended = end_session(f, session, AT(10, 0), &error);
    g_assert_no_error(error);
    g_assert_cmpstr(ended->state, ==, "ended");
    g_assert_cmpint(ended->actual_start, ==, AT(8, 58));
    g_assert_cmpint(ended->actual_end, ==, AT(10, 0));

    /* Every open interval of the session closed at the end, class_ended. */
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM attendance WHERE session_id = %"
                               G_GINT64_FORMAT " AND closed IS NULL", session),
                    ==, 0);
    gint64 closed_ids[] = {t, a, b};
    for (gsize i = 0; i < G_N_ELEMENTS(closed_ids); i++) {
        g_autofree char *row = sql_text(
            f, "SELECT closed || '|' || close_reason FROM attendance WHERE id = %"
               G_GINT64_FORMAT, closed_ids[i]);
        g_autofree char *expected = g_strdup_printf("%" G_GINT64_FORMAT "|class_ended", AT(10, 0));
        g_assert_cmpstr(row, ==, expected);
    }
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM attendance WHERE session_id = %"
                               G_GINT64_FORMAT " AND mode = 'in-person' AND closed = %"
                               G_GINT64_FORMAT " AND close_reason = 'class_ended'",
                            session, AT(10, 0)),
                    ==, 1);
    g_autofree char *left = sql_text(
        f, "SELECT close_reason FROM attendance WHERE id = %" G_GINT64_FORMAT, c);
    g_assert_cmpstr(left, ==, "leave");
    g_assert_cmpint(
        sql_int(f, "SELECT count(*) FROM events WHERE type = 'leave'"
                   " AND json_extract(data, '$.reason') = 'class_ended'"),
        ==, 4);
    g_assert_cmpint(count_events(f, "end"), ==, 1);
    g_assert_cmpint(
        sql_int(f, "SELECT closed IS NULL FROM attendance WHERE id = %" G_GINT64_FORMAT,
                elsewhere),
        ==, 1);

    /* Ending twice; joining and checking in after the end. */
    gint64 before[N_TABLES];
    count_rows(f, before);
    g_autoptr(SessionInfo) twice = end_session(f, session, AT(10, 5), &error);
    g_assert_null(twice);
    g_assert_error(error, CR_ERROR, CR_ERROR_CONFLICT);
    g_clear_error(&error);
    g_autoptr(CrJoinResult) late =
        join_full(f, session, "u5", "Late", NULL, "trainee", "remote", AT(10, 1), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_CONFLICT);
    g_clear_error(&error);
    g_autoptr(json_t) late_in = checkin(f, session, "u5", "Late", AT(10, 1), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_CONFLICT);
    g_clear_error(&error);
    assert_counts_unchanged(f, before);
    g_autoptr(SessionInfo) info = get_session(f, session, &error);
    g_assert_cmpint(info->actual_end, ==, AT(10, 0));

    /* A session nobody joined: ending it sets both actual times. */
    gint64 unused = new_session(f, course, "Week 3", AT(11, 0), AT(12, 0));
    g_autoptr(SessionInfo) quiet = end_session(f, unused, AT(11, 30), &error);
    g_assert_no_error(error);
    g_assert_cmpint(quiet->actual_start, ==, AT(11, 30));
    g_assert_cmpint(quiet->actual_end, ==, AT(11, 30));
    g_autoptr(SessionInfo) nothing = end_session(f, 999, AT(11, 30), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
}

static void
test_checkin(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 session = new_session(f, course, "Week 1", AT(9, 0), AT(10, 0));
    g_autoptr(GError) error = NULL;

    g_autoptr(json_t) first = checkin(f, session, "u1", "Alice", AT(8, 50), &error);
    g_assert_no_error(error);
    g_assert_cmpstr(jstr(first, "person"), ==, "u1");
    assert_time_field(first, "checked_in_at", AT(8, 50));
    g_assert_true(json_is_false(json_object_get(first, "already")));
    g_autofree char *row = sql_text(
        f, "SELECT role || '|' || mode || '|' || opened || '|' || user_agent FROM attendance"
           " WHERE person_id = 'u1'");
    g_autofree char *expected =
        g_strdup_printf("trainee|in-person|%" G_GINT64_FORMAT "|coordinator", AT(8, 50));
    g_assert_cmpstr(row, ==, expected);
    g_assert_cmpint(count_events(f, "checkin"), ==, 1);
    g_autofree char *by = sql_text(
        f, "SELECT json_extract(data, '$.by') FROM events WHERE type = 'checkin'");
    g_assert_cmpstr(by, ==, "coordinator");

    /* Twice: nothing new, already true, the original check-in time. */
    g_autoptr(json_t) second = checkin(f, session, "u1", "Alice", AT(9, 10), &error);
    g_assert_no_error(error);
    g_assert_true(json_is_true(json_object_get(second, "already")));
    assert_time_field(second, "checked_in_at", AT(8, 50));
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM attendance"), ==, 1);
    g_assert_cmpint(count_events(f, "checkin"), ==, 1);

    /* A remote interval does not count as checked in, and vice versa. */
    gint64 remote = join(f, session, "u2", "Bob", "trainee", AT(9, 0));
    g_autoptr(json_t) bob_out = checkout(f, session, "u2", AT(9, 5), &error);
    g_assert_null(bob_out);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
    g_clear_error(&error);
    g_autoptr(json_t) bob_in = checkin(f, session, "u2", "Bob", AT(9, 6), &error);
    g_assert_no_error(error);
    g_assert_true(json_is_false(json_object_get(bob_in, "already")));
    g_assert_cmpint(
        sql_int(f, "SELECT closed IS NULL FROM attendance WHERE id = %" G_GINT64_FORMAT, remote),
        ==, 1);

    /* Checkout. */
    g_autoptr(json_t) out = checkout(f, session, "u1", AT(9, 40), &error);
    g_assert_no_error(error);
    g_assert_cmpstr(jstr(out, "person"), ==, "u1");
    assert_time_field(out, "checked_out_at", AT(9, 40));
    g_autofree char *closed = sql_text(
        f, "SELECT closed || '|' || close_reason FROM attendance WHERE person_id = 'u1'");
    g_autofree char *expected_closed = g_strdup_printf("%" G_GINT64_FORMAT "|checkout", AT(9, 40));
    g_assert_cmpstr(closed, ==, expected_closed);

    /* Checkout again, or of someone never checked in. */
    gint64 before[N_TABLES];
    count_rows(f, before);
    g_autoptr(json_t) again = checkout(f, session, "u1", AT(9, 41), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
    g_clear_error(&error);
    g_autoptr(json_t) stranger = checkout(f, session, "nobody", AT(9, 41), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
    g_clear_error(&error);
    g_autoptr(json_t) no_session = checkin(f, 999, "u1", "Alice", AT(9, 41), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
    g_clear_error(&error);
    assert_counts_unchanged(f, before);

    /* Back in: a new interval. */
    g_autoptr(json_t) back = checkin(f, session, "u1", "Alice", AT(9, 45), &error);
    g_assert_no_error(error);
    g_assert_true(json_is_false(json_object_get(back, "already")));
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM attendance WHERE person_id = 'u1'"), ==, 2);
}

/* ---- crash recovery --------------------------------------------------- */

static void
test_recovery(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 session = new_session(f, course, "Week 1", AT(9, 0), AT(10, 0));
    gint64 a = join(f, session, "u1", "Alice", "trainee", AT(9, 0));
    gint64 b = join(f, session, "u2", "Bob", "trainee", AT(9, 5));
    gint64 d = join(f, session, "u4", "Dan", "trainee", AT(9, 0));
    leave(f, d, AT(9, 10), "leave");
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) c = checkin(f, session, "u3", "Carol", AT(9, 0), &error);
    g_assert_no_error(error);
    gint64 seen[] = {AT(9, 20)};
    cr_store_touch(f->store, &a, seen, 1);
    gint64 leaves = count_events(f, "leave");
    g_assert_cmpint(leaves, ==, 1);

    /* "Crash": close without leaving. Without recovery nothing is closed. */
    reopen(f, FALSE);
    g_assert_cmpuint(cr_store_recovered_intervals(f->store), ==, 0);
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM attendance WHERE closed IS NULL"), ==, 3);
    g_assert_cmpint(count_events(f, "leave"), ==, 1);

    /* With recovery: the remote intervals close at their last_seen. */
    reopen(f, TRUE);
    g_assert_cmpuint(cr_store_recovered_intervals(f->store), ==, 2);
    g_autofree char *ra = sql_text(
        f, "SELECT closed || '|' || close_reason FROM attendance WHERE id = %" G_GINT64_FORMAT, a);
    g_autofree char *ea = g_strdup_printf("%" G_GINT64_FORMAT "|server_restart", AT(9, 20));
    g_assert_cmpstr(ra, ==, ea);
    g_autofree char *rb = sql_text(
        f, "SELECT closed || '|' || close_reason FROM attendance WHERE id = %" G_GINT64_FORMAT, b);
    g_autofree char *eb = g_strdup_printf("%" G_GINT64_FORMAT "|server_restart", AT(9, 5));
    g_assert_cmpstr(rb, ==, eb);
    /* In person stays open; the closed one is unchanged. */
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM attendance WHERE closed IS NULL"
                               " AND mode = 'in-person' AND person_id = 'u3'"),
                    ==, 1);
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM attendance WHERE closed IS NULL"), ==, 1);
    g_autofree char *rd = sql_text(
        f, "SELECT closed || '|' || close_reason FROM attendance WHERE id = %" G_GINT64_FORMAT, d);
    g_autofree char *ed = g_strdup_printf("%" G_GINT64_FORMAT "|leave", AT(9, 10));
    g_assert_cmpstr(rd, ==, ed);
    /* One leave event each, at last_seen. */
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM events WHERE type = 'leave'"
                               " AND json_extract(data, '$.reason') = 'server_restart'"),
                    ==, 2);
    g_assert_cmpint(sql_int(f, "SELECT at FROM events WHERE type = 'leave'"
                               " AND json_extract(data, '$.interval') = %" G_GINT64_FORMAT, a),
                    ==, AT(9, 20));
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM events WHERE type = 'leave'"
                               " AND person_id = 'u2' AND session_id = %" G_GINT64_FORMAT,
                            session),
                    ==, 1);

    /* Nothing left to recover the next time. */
    reopen(f, TRUE);
    g_assert_cmpuint(cr_store_recovered_intervals(f->store), ==, 0);
    g_assert_cmpint(count_events(f, "leave"), ==, 3);
}

/* ---- reports ---------------------------------------------------------- */

static const CrReportRow *
row_of(const CrSessionReport *report, const char *person)
{
    for (guint i = 0; i < report->rows->len; i++) {
        const CrReportRow *row = g_ptr_array_index(report->rows, i);
        if (strcmp(row->person, person) == 0)
            return row;
    }
    g_error("no row for %s", person);
}

static guint
row_index(const CrSessionReport *report, const char *person)
{
    for (guint i = 0; i < report->rows->len; i++) {
        if (strcmp(((CrReportRow *)g_ptr_array_index(report->rows, i))->person, person) == 0)
            return i;
    }
    g_error("no row for %s", person);
}

#define WANG  "Wang, \"Lily\" \xe7\x8e\x8b\xe4\xb8\xbd" /* Wang, "Lily" 王丽 */
#define EVIL  "=HYPERLINK(\"http://x\")"

/* The session of the report tests: 09:00–10:00, ended at 10:00.
 *   t1 instructor  08:55–10:00 (class_ended)
 *   u1 Alice       09:00–09:30, 09:31–10:00 (gap 60 s < 120 s: bridged) = 3600
 *   u2 Bob         09:10–09:50 = 2400, late 600
 *   u3 Carol       in person from 09:05, closed by the end = 3300, late 300
 *   u4 WANG        09:00–09:45 = 2700, org "Ministry, X"
 *   u5 EVIL        09:00–10:00 = 3600, org "@org"
 *   u6, u7 "Sam"   09:00–09:01 = 60 each (same name: ordered by person)
 */
static gint64
report_session(Fixture *f)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 s = new_session(f, course, "Week 1", AT(9, 0), AT(10, 0));
    g_autoptr(GError) error = NULL;
    join(f, s, "t1", "Zed Teacher", "instructor", AT(8, 55));
    gint64 a1 = join(f, s, "u1", "Alice Ng", "trainee", AT(9, 0));
    g_autoptr(CrJoinResult) alice_org =
        join_full(f, s, "u1", "Alice Ng", "Org A", "trainee", "remote", AT(9, 0), &error);
    g_assert_no_error(error);
    leave(f, alice_org->interval_id, AT(9, 0), "leave"); /* a zero-length one */
    leave(f, a1, AT(9, 30), "leave");
    join(f, s, "u1", "Alice Ng", "trainee", AT(9, 31));
    gint64 b = join(f, s, "u2", "Bob Li", "trainee", AT(9, 10));
    leave(f, b, AT(9, 50), "leave");
    g_autoptr(json_t) carol = checkin(f, s, "u3", "Carol", AT(9, 5), &error);
    g_assert_no_error(error);
    g_autoptr(CrJoinResult) wang =
        join_full(f, s, "u4", WANG, "Ministry, X", "trainee", "remote", AT(9, 0), &error);
    g_assert_no_error(error);
    leave(f, wang->interval_id, AT(9, 45), "leave");
    g_autoptr(CrJoinResult) evil =
        join_full(f, s, "u5", EVIL, "@org", "trainee", "remote", AT(9, 0), &error);
    g_assert_no_error(error);
    leave(f, evil->interval_id, AT(10, 0), "leave");
    leave(f, join(f, s, "u7", "Sam", "trainee", AT(9, 0)), AT(9, 1), "leave");
    leave(f, join(f, s, "u6", "Sam", "trainee", AT(9, 0)), AT(9, 1), "leave");
    return s;
}

static void
test_session_report(Fixture *f, gconstpointer data)
{
    gint64 s = report_session(f);
    g_autoptr(GError) error = NULL;

    /* While live: Carol's in-person interval is open and counts up to now. */
    g_autoptr(CrSessionReport) live = cr_store_session_report_sync(f->store, s, &rules,
                                                                   AT(9, 40), &error);
    g_assert_no_error(error);
    g_assert_cmpstr(live->session.state, ==, "live");
    const CrReportRow *carol_live = row_of(live, "u3");
    g_assert_cmpint(carol_live->credit.credited_seconds, ==, 35 * 60);
    g_assert_cmpint(carol_live->credit.last_departure, ==, 0);
    g_assert_false(carol_live->credit.completed);

    g_autoptr(SessionInfo) ended = end_session(f, s, AT(10, 0), &error);
    g_assert_no_error(error);
    g_autoptr(CrSessionReport) report =
        cr_store_session_report_sync(f->store, s, &rules, AT(10, 30), &error);
    g_assert_no_error(error);
    g_assert_cmpint(report->session.id, ==, s);
    g_assert_cmpstr(report->session.state, ==, "ended");
    g_assert_cmpint(report->generated_at, ==, AT(10, 30));
    g_assert_cmpint(report->rules.reconnect_grace, ==, 120);
    g_assert_cmpuint(report->rows->len, ==, 8);

    const CrReportRow *t1 = row_of(report, "t1");
    g_assert_cmpstr(t1->role, ==, "instructor");
    g_assert_cmpint(t1->credit.credited_seconds, ==, 3600);
    g_assert_cmpint(t1->credit.late_seconds, ==, 0);
    g_assert_cmpint(t1->credit.first_arrival, ==, AT(8, 55));

    const CrReportRow *alice = row_of(report, "u1");
    g_assert_cmpstr(alice->name, ==, "Alice Ng");
    g_assert_cmpstr(alice->org, ==, "Org A");
    g_assert_cmpstr(alice->role, ==, "trainee");
    g_assert_cmpuint(alice->intervals->len, ==, 3);
    g_assert_cmpint(alice->credit.credited_seconds, ==, 3600);
    g_assert_true(alice->credit.completed);
    g_assert_cmpint(alice->credit.late_seconds, ==, 0);
    g_assert_cmpint(alice->credit.first_arrival, ==, AT(9, 0));
    g_assert_cmpint(alice->credit.last_departure, ==, AT(10, 0));
    g_assert_cmpuint(alice->credit.modes, ==, CR_MODE_REMOTE);
    /* Intervals by opened; the last was closed by the end. */
    const CrReportInterval *last = &g_array_index(alice->intervals, CrReportInterval, 2);
    g_assert_cmpint(last->opened, ==, AT(9, 31));
    g_assert_cmpint(last->closed, ==, AT(10, 0));
    g_assert_cmpstr(last->close_reason, ==, "class_ended");
    for (guint i = 1; i < alice->intervals->len; i++)
        g_assert_cmpint(g_array_index(alice->intervals, CrReportInterval, i - 1).opened, <=,
                        g_array_index(alice->intervals, CrReportInterval, i).opened);

    const CrReportRow *bob = row_of(report, "u2");
    g_assert_null(bob->org);
    g_assert_cmpint(bob->credit.credited_seconds, ==, 2400);
    g_assert_false(bob->credit.completed);
    g_assert_cmpint(bob->credit.late_seconds, ==, 600);
    g_assert_cmpint(bob->credit.last_departure, ==, AT(9, 50));

    const CrReportRow *carol = row_of(report, "u3");
    g_assert_cmpint(carol->credit.credited_seconds, ==, 3300);
    g_assert_true(carol->credit.completed); /* 3300 >= 2880 */
    g_assert_cmpint(carol->credit.late_seconds, ==, 300);
    g_assert_cmpuint(carol->credit.modes, ==, CR_MODE_IN_PERSON);
    g_assert_cmpint(g_array_index(carol->intervals, CrReportInterval, 0).mode, ==,
                    CR_MODE_IN_PERSON);

    const CrReportRow *wang = row_of(report, "u4");
    g_assert_cmpstr(wang->name, ==, WANG);
    g_assert_cmpint(wang->credit.credited_seconds, ==, 2700);
    g_assert_false(wang->credit.completed);

    /* Sorted by name, then person: among the ASCII names (the place of a
     * Chinese name depends on the locale's collation). */
    static const char *const order[] = {"u5", "u1", "u2", "u3", "u6", "u7", "t1"};
    for (gsize i = 1; i < G_N_ELEMENTS(order); i++)
        g_assert_cmpuint(row_index(report, order[i - 1]), <, row_index(report, order[i]));

    g_autoptr(CrSessionReport) missing =
        cr_store_session_report_sync(f->store, 999, &rules, AT(10, 30), &error);
    g_assert_null(missing);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
    g_clear_error(&error);

    /* The asynchronous form gives the same rows. */
    Wait w;
    wait_init(&w, NULL);
    cr_store_session_report(f->store, s, &rules, AT(10, 30), on_done, &w);
    await(&w, &error);
    g_assert_no_error(error);
}

/* Splits CSV text into lines at CRLF; checks no bare LF ends a line. */
static GStrv
csv_lines(const char *csv)
{
    g_auto(GStrv) lines = g_strsplit(csv, "\r\n", -1);
    guint n = g_strv_length(lines);
    g_assert_cmpuint(n, >=, 2);
    g_assert_cmpstr(lines[n - 1], ==, ""); /* ends with CRLF */
    g_free(lines[n - 1]);
    lines[n - 1] = NULL;
    return g_steal_pointer(&lines);
}

static const char *
line_for(char **lines, const char *needle)
{
    const char *found = NULL;
    for (char **l = lines; *l != NULL; l++) {
        if (strstr(*l, needle) != NULL) {
            g_assert_null(found);
            found = *l;
        }
    }
    if (found == NULL)
        g_error("no CSV line contains %s", needle);
    return found;
}

static void
test_session_report_csv(Fixture *f, gconstpointer data)
{
    gint64 s = report_session(f);
    g_autoptr(GError) error = NULL;
    g_autoptr(SessionInfo) ended = end_session(f, s, AT(10, 0), &error);
    g_autoptr(CrSessionReport) report =
        cr_store_session_report_sync(f->store, s, &rules, AT(10, 30), &error);
    g_assert_no_error(error);
    g_autofree char *csv = cr_session_report_to_csv(report);
    g_assert_true(g_utf8_validate(csv, -1, NULL));

    /* A UTF-8 byte order mark, then the header. */
    g_assert_true(g_str_has_prefix(csv, "\xEF\xBB\xBF"));
    g_auto(GStrv) lines = csv_lines(csv + 3);
    g_assert_cmpstr(lines[0], ==,
                    "session_id,session_title,person,name,org,role,modes,first_arrival,"
                    "last_departure,credited_seconds,credited_minutes,media_seconds,completed,late_seconds,"
                    "intervals");
    g_assert_cmpuint(g_strv_length(lines), ==, 1 + report->rows->len);
    /* No line break except CRLF between records. */
    for (char **l = lines; *l != NULL; l++)
        g_assert_null(strchr(*l, '\n'));

    g_autofree char *alice = g_strdup_printf(
        "%" G_GINT64_FORMAT ",Week 1,u1,Alice Ng,Org A,trainee,remote,2026-11-27T09:00:00Z,"
        "2026-11-27T10:00:00Z,3600,60.0,0,true,0,3", s);
    g_assert_cmpstr(line_for(lines, ",u1,"), ==, alice);
    /* No org: an empty field. */
    g_autofree char *bob = g_strdup_printf(
        "%" G_GINT64_FORMAT ",Week 1,u2,Bob Li,,trainee,remote,2026-11-27T09:10:00Z,"
        "2026-11-27T09:50:00Z,2400,40.0,0,false,600,1", s);
    g_assert_cmpstr(line_for(lines, ",u2,"), ==, bob);
    g_autofree char *carol = g_strdup_printf(
        "%" G_GINT64_FORMAT ",Week 1,u3,Carol,,trainee,in-person,2026-11-27T09:05:00Z,"
        "2026-11-27T10:00:00Z,3300,55.0,0,true,300,1", s);
    g_assert_cmpstr(line_for(lines, ",u3,"), ==, carol);
    /* A comma, quotes and Chinese: quoted, quotes doubled, bytes kept. */
    g_autofree char *wang = g_strdup_printf(
        "%" G_GINT64_FORMAT ",Week 1,u4,\"Wang, \"\"Lily\"\" \xe7\x8e\x8b\xe4\xb8\xbd\","
        "\"Ministry, X\",trainee,remote,2026-11-27T09:00:00Z,2026-11-27T09:45:00Z,2700,45.0,0,"
        "false,0,1", s);
    g_assert_cmpstr(line_for(lines, ",u4,"), ==, wang);
    /* Formula injection: a leading =, @ gets an apostrophe (and quotes). */
    g_autofree char *evil = g_strdup_printf(
        "%" G_GINT64_FORMAT ",Week 1,u5,\"'=HYPERLINK(\"\"http://x\"\")\",\"'@org\",trainee,"
        "remote,2026-11-27T09:00:00Z,2026-11-27T10:00:00Z,3600,60.0,0,true,0,1", s);
    g_assert_cmpstr(line_for(lines, ",u5,"), ==, evil);
    g_autofree char *teacher = g_strdup_printf(
        "%" G_GINT64_FORMAT ",Week 1,t1,Zed Teacher,,instructor,remote,", s);
    g_assert_true(g_str_has_prefix(line_for(lines, ",t1,"), teacher));

    /* Rows in the report's order. */
    for (guint i = 0; i < report->rows->len; i++) {
        const CrReportRow *row = g_ptr_array_index(report->rows, i);
        g_autofree char *needle = g_strdup_printf(",%s,", row->person);
        g_assert_nonnull(strstr(lines[i + 1], needle));
    }
}

static void
test_session_report_csv_guard(void)
{
    /* Every formula lead character, on a report built by hand. */
    static const char *const leads[] = {"=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"};
    for (gsize i = 0; i < G_N_ELEMENTS(leads); i++) {
        g_autoptr(CrSessionReport) report = g_new0(CrSessionReport, 1);
        report->session.id = 7;
        report->session.title = g_strdup("T");
        report->rows = g_ptr_array_new();
        CrReportRow row = {(char *)"p", (char *)leads[i], NULL, (char *)"trainee",
                           g_array_new(FALSE, TRUE, sizeof(CrReportInterval)),
                           g_array_new(FALSE, TRUE, sizeof(CrInterval)),
                           {0, FALSE, -1, 0, 0, 0, 0}};
        g_ptr_array_add(report->rows, &row);
        g_autofree char *csv = cr_session_report_to_csv(report);
        g_autofree char *expected = g_strdup_printf(",p,\"'%s\",", leads[i]);
        if (strstr(csv, expected) == NULL)
            g_error("\"%s\" not guarded in:\n%s", leads[i], csv);
        /* Never arrived: empty times and an empty late_seconds. */
        g_assert_nonnull(strstr(csv, ",trainee,,,,0,0.0,0,false,,0\r\n"));
        g_array_unref(row.intervals);
        g_array_unref(row.media);
    }
}

static void
test_session_report_json(Fixture *f, gconstpointer data)
{
    gint64 s = report_session(f);
    g_autoptr(GError) error = NULL;
    g_autoptr(CrSessionReport) live =
        cr_store_session_report_sync(f->store, s, &rules, AT(9, 40), &error);
    g_assert_no_error(error);
    g_autoptr(json_t) json = cr_session_report_to_json(live);

    json_t *session = json_object_get(json, "session");
    g_assert_cmpint(json_id(session), ==, s);
    g_assert_cmpstr(jstr(session, "state"), ==, "live");
    g_assert_cmpstr(jstr(session, "scheduled_start"), ==, "2026-11-27T09:00:00Z");
    assert_time_field(session, "actual_start", AT(8, 55));
    g_assert_true(json_is_null(json_object_get(session, "actual_end")));
    g_assert_cmpstr(jstr(json, "generated_at"), ==, "2026-11-27T09:40:00Z");
    json_t *r = json_object_get(json, "rules");
    g_assert_cmpint(jint(r, "reconnect_grace_seconds"), ==, 120);
    g_assert_cmpfloat(json_real_value(json_object_get(r, "completion_threshold")), ==, 0.8);
    g_assert_cmpint(jint(r, "scheduled_seconds"), ==, 3600);

    json_t *rows = json_object_get(json, "rows");
    g_assert_cmpuint(json_array_size(rows), ==, live->rows->len);
    json_t *carol = json_array_get(rows, row_index(live, "u3"));
    g_assert_cmpstr(jstr(carol, "person"), ==, "u3");
    g_assert_cmpstr(jstr(carol, "name"), ==, "Carol");
    g_assert_true(json_is_null(json_object_get(carol, "org")));
    g_assert_cmpstr(jstr(carol, "role"), ==, "trainee");
    g_autoptr(json_t) in_person = json_pack("[s]", "in-person");
    g_assert_true(json_equal(json_object_get(carol, "modes"), in_person));
    assert_time_field(carol, "first_arrival", AT(9, 5));
    /* Still present. */
    g_assert_true(json_is_null(json_object_get(carol, "last_departure")));
    g_assert_cmpint(jint(carol, "credited_seconds"), ==, 35 * 60);
    g_assert_true(json_is_false(json_object_get(carol, "completed")));
    g_assert_cmpint(jint(carol, "late_seconds"), ==, 300);
    json_t *intervals = json_object_get(carol, "intervals");
    g_assert_cmpuint(json_array_size(intervals), ==, 1);
    json_t *iv = json_array_get(intervals, 0);
    assert_time_field(iv, "opened", AT(9, 5));
    g_assert_true(json_is_null(json_object_get(iv, "closed")));
    g_assert_cmpstr(jstr(iv, "mode"), ==, "in-person");
    g_assert_true(json_is_null(json_object_get(iv, "close_reason")));

    json_t *bob = json_array_get(rows, row_index(live, "u2"));
    assert_time_field(bob, "last_departure", AT(9, 50));
    g_assert_cmpint(jint(bob, "late_seconds"), ==, 600);
    json_t *bob_iv = json_array_get(json_object_get(bob, "intervals"), 0);
    assert_time_field(bob_iv, "closed", AT(9, 50));
    g_assert_cmpstr(jstr(bob_iv, "close_reason"), ==, "leave");
    g_autoptr(json_t) remote = json_pack("[s]", "remote");
    g_assert_true(json_equal(json_object_get(bob, "modes"), remote));

    json_t *wang = json_array_get(rows, row_index(live, "u4"));
    g_assert_cmpstr(jstr(wang, "name"), ==, WANG);
    g_assert_cmpstr(jstr(wang, "org"), ==, "Ministry, X");

    /* Someone in both modes. */
    g_autoptr(json_t) also = checkin(f, s, "u2", "Bob Li", AT(9, 55), &error);
    g_assert_no_error(error);
    g_autoptr(CrSessionReport) later =
        cr_store_session_report_sync(f->store, s, &rules, AT(9, 58), &error);
    g_autoptr(json_t) later_json = cr_session_report_to_json(later);
    json_t *bob_both = json_array_get(json_object_get(later_json, "rows"), row_index(later, "u2"));
    g_autoptr(json_t) both = json_pack("[s, s]", "remote", "in-person");
    g_assert_true(json_equal(json_object_get(bob_both, "modes"), both));
}

static void
test_course_report(Fixture *f, gconstpointer data)
{
    /* 6 credit hours over 4 sessions (docs/attendance.md's example). */
    gint64 course = new_course(f, "C-6", 6.0);
    gint64 sessions[4];
    for (int i = 0; i < 4; i++) {
        g_autofree char *title = g_strdup_printf("Part %d", i + 1);
        sessions[i] = new_session(f, course, title, AT(9 + i, 0), AT(10 + i, 0));
    }
    /* Alice completes 1-3 and half of 4; Bob completes 1 only. */
    for (int i = 0; i < 4; i++) {
        leave(f, join(f, sessions[i], "t1", "Teacher", "instructor", AT(9 + i, 0)),
              AT(10 + i, 0), "leave");
        leave(f, join(f, sessions[i], "u1", "Alice", "trainee", AT(9 + i, 0)),
              i < 3 ? AT(10 + i, 0) : AT(9 + i, 30), "leave");
    }
    leave(f, join(f, sessions[0], "u2", "Bob", "trainee", AT(9, 0)), AT(10, 0), "leave");
    /* Another course's session does not count. */
    gint64 other = new_course(f, "C-X", 1.0);
    gint64 elsewhere = new_session(f, other, "X", AT(9, 0), AT(10, 0));
    leave(f, join(f, elsewhere, "u2", "Bob", "trainee", AT(9, 0)), AT(10, 0), "leave");

    g_autoptr(GError) error = NULL;
    g_autoptr(CrCourseReport) report =
        cr_store_course_report_sync(f->store, course, &rules, AT(14, 0), &error);
    g_assert_no_error(error);
    g_assert_cmpint(report->id, ==, course);
    g_assert_cmpstr(report->code, ==, "C-6");
    g_assert_cmpstr(report->category, ==, "professional");
    g_assert_cmpstr(report->delivery, ==, "hybrid");
    g_assert_cmpfloat(report->credit_hours, ==, 6.0);
    g_assert_cmpuint(report->sessions, ==, 4);
    g_assert_cmpint(report->generated_at, ==, AT(14, 0));
    /* Trainees only, by name. */
    g_assert_cmpuint(report->rows->len, ==, 2);
    const CrCourseRow *alice = g_ptr_array_index(report->rows, 0);
    const CrCourseRow *bob = g_ptr_array_index(report->rows, 1);
    g_assert_cmpstr(alice->person, ==, "u1");
    g_assert_cmpstr(bob->person, ==, "u2");
    g_assert_cmpint(alice->credited_seconds, ==, 3 * 3600 + 1800);
    g_assert_cmpuint(alice->sessions_attended, ==, 4);
    g_assert_cmpuint(alice->sessions_completed, ==, 3);
    g_assert_cmpfloat(cr_course_row_credit_hours(report, alice), ==, 4.5); /* 6 x 3 / 4 */
    g_assert_cmpint(bob->credited_seconds, ==, 3600);
    g_assert_cmpuint(bob->sessions_attended, ==, 1);
    g_assert_cmpuint(bob->sessions_completed, ==, 1);
    g_assert_cmpfloat(cr_course_row_credit_hours(report, bob), ==, 1.5);

    g_autoptr(json_t) json = cr_course_report_to_json(report);
    json_t *head = json_object_get(json, "course");
    g_assert_cmpstr(jstr(head, "code"), ==, "C-6");
    g_assert_cmpint(jint(head, "sessions"), ==, 4);
    g_assert_cmpstr(jstr(json, "generated_at"), ==, "2026-11-27T14:00:00Z");
    json_t *first = json_array_get(json_object_get(json, "rows"), 0);
    g_assert_cmpstr(jstr(first, "person"), ==, "u1");
    g_assert_cmpint(jint(first, "credited_seconds"), ==, 12600);
    g_assert_cmpfloat(json_real_value(json_object_get(first, "credited_hours")), ==, 3.5);
    g_assert_cmpint(jint(first, "sessions_attended"), ==, 4);
    g_assert_cmpint(jint(first, "sessions_completed"), ==, 3);
    g_assert_cmpint(jint(first, "sessions_total"), ==, 4);
    g_assert_cmpfloat(json_real_value(json_object_get(first, "credit_hours_earned")), ==, 4.5);

    g_autofree char *csv = cr_course_report_to_csv(report);
    g_assert_true(g_str_has_prefix(csv, "\xEF\xBB\xBF"));
    g_auto(GStrv) lines = csv_lines(csv + 3);
    g_assert_cmpuint(g_strv_length(lines), ==, 3);
    g_assert_cmpstr(lines[0], ==,
                    "course_code,person,name,org,credited_seconds,credited_hours,"
                    "sessions_attended,sessions_completed,sessions_total,credit_hours_earned");
    g_assert_cmpstr(lines[1], ==, "C-6,u1,Alice,,12600,3.50,4,3,4,4.50");
    g_assert_cmpstr(lines[2], ==, "C-6,u2,Bob,,3600,1.00,1,1,4,1.50");

    g_autoptr(CrCourseReport) missing =
        cr_store_course_report_sync(f->store, 999, &rules, AT(14, 0), &error);
    g_assert_null(missing);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
}

static void
test_course_row_credit_hours(void)
{
    CrCourseReport report = {0};
    CrCourseRow row = {0};
    /* 5 x 2 / 3 = 3.333... -> 3.33 */
    report.credit_hours = 5;
    report.sessions = 3;
    row.sessions_completed = 2;
    g_assert_cmpfloat(cr_course_row_credit_hours(&report, &row), ==, 3.33);
    /* 1 x 2 / 3 = 0.666... -> 0.67 */
    report.credit_hours = 1;
    g_assert_cmpfloat(cr_course_row_credit_hours(&report, &row), ==, 0.67);
    row.sessions_completed = 3;
    g_assert_cmpfloat(cr_course_row_credit_hours(&report, &row), ==, 1.0);
    row.sessions_completed = 0;
    g_assert_cmpfloat(cr_course_row_credit_hours(&report, &row), ==, 0.0);
    /* A course without sessions earns nothing (no division by zero). */
    report.sessions = 0;
    row.sessions_completed = 0;
    g_assert_cmpfloat(cr_course_row_credit_hours(&report, &row), ==, 0.0);
}

/* ---- the outbox and the seed ----------------------------------------- */

static void
test_list_events(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 s = new_session(f, course, "Week 1", AT(9, 0), AT(10, 0));
    join(f, s, "t1", "Teacher", "instructor", AT(9, 0));           /* start, join */
    gint64 iv = join(f, s, "u1", "Alice", "trainee", AT(9, 1));    /* join */
    g_autoptr(json_t) hand = json_pack("{s:b}", "up", 1);
    CrEventInput ev = {s, "u1", "hand_raised", hand, AT(9, 2)};
    cr_store_event(f->store, &ev);                                  /* hand_raised */
    CrEventInput global = {0, NULL, "server_note", NULL, AT(9, 3)};
    cr_store_event(f->store, &global);                              /* server_note */
    leave(f, iv, AT(9, 4), "leave");                                /* leave */

    static const char *const types[] = {"start", "join", "join", "hand_raised", "server_note",
                                        "leave"};
    g_autoptr(json_t) all = list_events(f, 0, 1000);
    json_t *events = json_object_get(all, "events");
    g_assert_cmpuint(json_array_size(events), ==, G_N_ELEMENTS(types));
    gint64 previous = 0;
    for (gsize i = 0; i < G_N_ELEMENTS(types); i++) {
        json_t *e = json_array_get(events, i);
        g_assert_cmpstr(jstr(e, "type"), ==, types[i]);
        g_assert_cmpint(jint(e, "seq"), >, previous);
        previous = jint(e, "seq");
        g_assert_true(json_is_object(json_object_get(e, "data")));
    }
    g_assert_cmpint(jint(all, "next"), ==, previous);

    json_t *start = json_array_get(events, 0);
    g_assert_cmpint(jint(start, "session"), ==, s);
    g_assert_true(json_is_null(json_object_get(start, "person")));
    g_assert_cmpuint(json_object_size(json_object_get(start, "data")), ==, 0);
    json_t *raised = json_array_get(events, 3);
    g_assert_cmpstr(jstr(raised, "person"), ==, "u1");
    assert_time_field(raised, "at", AT(9, 2));
    g_assert_true(json_equal(json_object_get(raised, "data"), hand));
    json_t *note = json_array_get(events, 4);
    g_assert_true(json_is_null(json_object_get(note, "session")));
    g_assert_true(json_is_null(json_object_get(note, "person")));
    json_t *left = json_array_get(events, 5);
    g_assert_cmpint(jint(json_object_get(left, "data"), "interval"), ==, iv);

    /* Pages: two at a time, each continuing after the previous next. */
    gint64 after = 0;
    gsize seen = 0;
    for (int page = 0; page < 4; page++) {
        g_autoptr(json_t) part = list_events(f, after, 2);
        json_t *list = json_object_get(part, "events");
        g_assert_cmpuint(json_array_size(list), ==, page < 3 ? 2 : 0);
        for (gsize i = 0; i < json_array_size(list); i++) {
            g_assert_cmpint(jint(json_array_get(list, i), "seq"), ==,
                            jint(json_array_get(events, seen), "seq"));
            seen++;
        }
        /* With nothing after, next stays where it was. */
        if (page == 3)
            g_assert_cmpint(jint(part, "next"), ==, after);
        after = jint(part, "next");
    }
    g_assert_cmpuint(seen, ==, G_N_ELEMENTS(types));
}

static void
test_seed(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    gint64 id = cr_store_seed_demo_sync(f->store, AT(9, 0), AT(10, 0), &error);
    g_assert_no_error(error);
    g_assert_cmpint(id, >, 0);
    g_autoptr(SessionInfo) info = get_session(f, id, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(info->course_code, ==, "DEMO-101");
    g_assert_cmpint(info->scheduled_start, ==, AT(9, 0));
    g_assert_cmpint(info->scheduled_end, ==, AT(10, 0));
    g_assert_cmpstr(info->state, ==, "scheduled");

    gint64 before[N_TABLES];
    count_rows(f, before);
    g_assert_cmpint(cr_store_seed_demo_sync(f->store, AT(9, 0), AT(10, 0), &error), ==, 0);
    g_assert_no_error(error);
    assert_counts_unchanged(f, before);

    /* An invalid window on an empty database: an error, and the course
     * inserted before the failure is rolled back. */
    g_autofree char *path = g_build_filename(f->dir, "other.db", NULL);
    g_autoptr(CrStore) other = cr_store_open(path, 5000, FALSE, &error);
    g_assert_no_error(error);
    g_assert_cmpint(cr_store_seed_demo_sync(other, AT(10, 0), AT(9, 0), &error), ==, -1);
    g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    g_clear_error(&error);
    CrStore *keep = f->store;
    f->store = other;
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM courses"), ==, 0);
    f->store = keep;
}

/* ---- transactions ----------------------------------------------------- */

static void
test_rollback(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 s = new_session(f, course, "Week 1", AT(9, 0), AT(10, 0));
    join(f, s, "u1", "Alice", "trainee", AT(9, 0));
    gint64 before[N_TABLES];
    count_rows(f, before);
    g_autoptr(GError) error = NULL;

    /* Refused before writing anything. */
    g_autoptr(json_t) dup = create_course_full(f, "C-1", "general", "online", 1, &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_CONFLICT);
    g_clear_error(&error);
    assert_counts_unchanged(f, before);

    /* Refused after writing: an instructor's join upserts the person, makes
     * the session live and writes a start event before the interval insert
     * fails (the mode is not one the schema allows). All of it is undone. */
    g_autoptr(CrJoinResult) bad = join_full(f, s, "t9", "New Teacher", "Org", "instructor",
                                            "telepathy", AT(9, 1), &error);
    g_assert_null(bad);
    g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    g_clear_error(&error);
    assert_counts_unchanged(f, before);
    g_autoptr(SessionInfo) info = get_session(f, s, &error);
    g_assert_cmpstr(info->state, ==, "scheduled");
    g_assert_cmpint(info->actual_start, ==, 0);
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM people WHERE id = 't9'"), ==, 0);

    /* The store still works afterwards. */
    join(f, s, "t1", "Teacher", "instructor", AT(9, 2));
    g_autoptr(SessionInfo) live = get_session(f, s, &error);
    g_assert_cmpstr(live->state, ==, "live");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/store/open-schema", test_open_schema);
    g_test_add_func("/store/open-fails", test_open_fails);
    ADD("/store/courses", test_courses);
    ADD("/store/sessions", test_sessions);
    ADD("/store/join", test_join);
    ADD("/store/join-refused", test_join_refused);
    ADD("/store/leave", test_leave);
    ADD("/store/touch", test_touch);
    ADD("/store/ban", test_ban);
    ADD("/store/end-session", test_end_session);
    ADD("/store/checkin", test_checkin);
    ADD("/store/recovery", test_recovery);
    ADD("/store/session-report", test_session_report);
    ADD("/store/session-report-csv", test_session_report_csv);
    g_test_add_func("/store/session-report-csv-guard", test_session_report_csv_guard);
    ADD("/store/session-report-json", test_session_report_json);
    ADD("/store/course-report", test_course_report);
    g_test_add_func("/store/course-row-credit-hours", test_course_row_credit_hours);
    ADD("/store/list-events", test_list_events);
    ADD("/store/seed", test_seed);
    ADD("/store/rollback", test_rollback);
#undef ADD
    return g_test_run();
}
