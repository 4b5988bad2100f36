/* store-fixture.h — what the store's tests share: a fresh database per
 * test in its own temporary directory, awaiting asynchronous operations
 * (a GMainLoop run until the done callback fires, with a timeout that
 * fails the test), looking inside through the store's own connection
 * (cr_store_call, store-private.h), and the operations awaited.
 * Functions are static inline so that each test uses what it needs.
 *
 * All times fall on 2026-11-27 (UTC); the usual session runs 09:00–10:00.
 */
#pragma once

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

static inline void
wait_init(Wait *w, CopyFunc copy)
{
    memset(w, 0, sizeof *w);
    w->loop = g_main_loop_new(NULL, FALSE);
    w->copy = copy;
}

static inline void
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

static inline gboolean
on_timeout(gpointer data)
{
    Wait *w = data;
    w->timed_out = TRUE;
    g_main_loop_quit(w->loop);
    return G_SOURCE_REMOVE;
}

/* Runs the loop until the operation's done callback ran; returns its
 * (copied) result or sets @error. */
static inline gpointer
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

static inline gpointer
copy_json(gconstpointer result)
{
    return json_incref((json_t *)result);
}

static inline gpointer
copy_session(gconstpointer result)
{
    CrSessionInfo *copy = g_new0(CrSessionInfo, 1);
    cr_session_info_copy(copy, result);
    return copy;
}

static inline gpointer
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

static inline void
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

static inline void
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

static inline void
reopen(Fixture *f, gboolean recover)
{
    g_autoptr(GError) error = NULL;
    cr_store_close(f->store);
    f->store = cr_store_open(f->path, 5000, recover, &error);
    g_assert_no_error(error);
    g_assert_nonnull(f->store);
}

/* ---- looking inside --------------------------------------------------- */

static inline gpointer
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
static inline G_GNUC_PRINTF(2, 3) char *sql_text(Fixture *f, const char *format, ...)
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

G_GNUC_UNUSED static const char *const tables[] = {"courses",  "sessions",     "people",
                                     "attendance", "session_bans", "events"};
#define N_TABLES G_N_ELEMENTS(tables)

static inline void
count_rows(Fixture *f, gint64 counts[N_TABLES])
{
    for (gsize i = 0; i < N_TABLES; i++)
        counts[i] = sql_int(f, "SELECT count(*) FROM %s", tables[i]);
}

static inline void
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

static inline gint64
count_events(Fixture *f, const char *type)
{
    return sql_int(f, "SELECT count(*) FROM events WHERE type = '%s'", type);
}

/* ---- operations, awaited ---------------------------------------------- */

static inline json_t *
create_course_full(Fixture *f, const char *code, const char *category, const char *delivery,
                   double hours, GError **error)
{
    CrCourseInput in = {code, "Course title", category, delivery, hours};
    Wait w;
    wait_init(&w, copy_json);
    cr_store_create_course(f->store, &in, on_done, &w);
    return await(&w, error);
}

static inline gint64
json_id(const json_t *json)
{
    g_assert_nonnull(json);
    json_t *id = json_object_get(json, "id");
    g_assert_true(json_is_integer(id));
    return json_integer_value(id);
}

/* A course and its id; the test fails if it cannot be created. */
static inline gint64
new_course(Fixture *f, const char *code, double hours)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) course = create_course_full(f, code, "professional", "hybrid", hours,
                                                  &error);
    g_assert_no_error(error);
    return json_id(course);
}

static inline json_t *
create_session(Fixture *f, gint64 course_id, const char *title, gint64 start, gint64 end,
               GError **error)
{
    CrSessionInput in = {course_id, title, start, end, FALSE};
    Wait w;
    wait_init(&w, copy_json);
    cr_store_create_session(f->store, &in, on_done, &w);
    return await(&w, error);
}

static inline gint64
new_session(Fixture *f, gint64 course_id, const char *title, gint64 start, gint64 end)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) session = create_session(f, course_id, title, start, end, &error);
    g_assert_no_error(error);
    return json_id(session);
}

static inline CrSessionInfo *
get_session(Fixture *f, gint64 id, GError **error)
{
    Wait w;
    wait_init(&w, copy_session);
    cr_store_get_session(f->store, id, on_done, &w);
    return await(&w, error);
}

static inline CrJoinResult *
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
static inline gint64
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

static inline void
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

static inline CrSessionInfo *
end_session(Fixture *f, gint64 id, gint64 at, GError **error)
{
    Wait w;
    wait_init(&w, copy_session);
    cr_store_end_session(f->store, id, at, on_done, &w);
    return await(&w, error);
}

static inline json_t *
checkin(Fixture *f, gint64 session_id, const char *person, const char *name, gint64 at,
        GError **error)
{
    Wait w;
    wait_init(&w, copy_json);
    cr_store_checkin(f->store, session_id, person, name, NULL, "coordinator", at, on_done, &w);
    return await(&w, error);
}

static inline json_t *
checkout(Fixture *f, gint64 session_id, const char *person, gint64 at, GError **error)
{
    Wait w;
    wait_init(&w, copy_json);
    cr_store_checkout(f->store, session_id, person, "coordinator", at, on_done, &w);
    return await(&w, error);
}

static inline json_t *
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
static inline void
flush(Fixture *f)
{
    Wait w;
    wait_init(&w, copy_json);
    cr_store_list_courses(f->store, on_done, &w);
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) courses = await(&w, &error);
    g_assert_no_error(error);
}

static inline const char *
jstr(const json_t *object, const char *key)
{
    json_t *value = json_object_get(object, key);
    if (!json_is_string(value))
        g_error("\"%s\" is not a string", key);
    return json_string_value(value);
}

static inline gint64
jint(const json_t *object, const char *key)
{
    json_t *value = json_object_get(object, key);
    if (!json_is_integer(value))
        g_error("\"%s\" is not an integer", key);
    return json_integer_value(value);
}

static inline void
assert_time_field(const json_t *object, const char *key, gint64 expected)
{
    g_autofree char *text = cr_time_format(expected);
    g_assert_cmpstr(jstr(object, key), ==, text);
}
