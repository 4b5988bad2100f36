/* catalog.c — courses and sessions: create, list, read, and the demo seed.
 * Operation bodies run on the store thread (store-private.h). */
#include "store/store-private.h"

#include "common/json.h"
#include "common/time.h"

#define COURSE_COLUMNS "id, code, title, category, delivery, credit_hours, created_at"
#define SESSION_COLUMNS                                                                          \
    "s.id, s.course_id, c.code, c.title, s.title, s.scheduled_start, s.scheduled_end,"          \
    " s.actual_start, s.actual_end, s.state, s.record"

static json_t *
course_from_row(sqlite3_stmt *stmt)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:f, s:o}", "id",
                     (json_int_t)sqlite3_column_int64(stmt, 0), "code",
                     (const char *)sqlite3_column_text(stmt, 1), "title",
                     (const char *)sqlite3_column_text(stmt, 2), "category",
                     (const char *)sqlite3_column_text(stmt, 3), "delivery",
                     (const char *)sqlite3_column_text(stmt, 4), "credit_hours",
                     sqlite3_column_double(stmt, 5), "created_at",
                     cr_json_time(sqlite3_column_int64(stmt, 6)));
}

static void
session_from_row(sqlite3_stmt *stmt, CrSessionInfo *info)
{
    info->id = sqlite3_column_int64(stmt, 0);
    info->course_id = sqlite3_column_int64(stmt, 1);
    info->course_code = cr_sql_text(stmt, 2);
    info->course_title = cr_sql_text(stmt, 3);
    info->title = cr_sql_text(stmt, 4);
    info->scheduled_start = sqlite3_column_int64(stmt, 5);
    info->scheduled_end = sqlite3_column_int64(stmt, 6);
    info->actual_start = sqlite3_column_int64(stmt, 7);
    info->actual_end = sqlite3_column_int64(stmt, 8);
    info->state = cr_sql_text(stmt, 9);
    info->record = sqlite3_column_int(stmt, 10) != 0;
}

gboolean
cr_store_read_session(sqlite3 *db, gint64 session_id, CrSessionInfo *out, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db,
        "SELECT " SESSION_COLUMNS " FROM sessions s JOIN courses c ON c.id = s.course_id"
        " WHERE s.id = ?",
        error);
    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_int64(stmt, 1, session_id);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        g_set_error(error, CR_ERROR, CR_ERROR_NOT_FOUND, "session %" G_GINT64_FORMAT
                    " does not exist", session_id);
        return FALSE;
    }
    if (rc != SQLITE_ROW)
        return cr_sql_fail(db, "read session", error);
    session_from_row(stmt, out);
    return TRUE;
}

/* ---- courses ---- */

typedef struct {
    char *code, *title, *category, *delivery;
    double credit_hours;
} CourseIn;

static void
course_in_free(gpointer data)
{
    CourseIn *in = data;
    g_free(in->code);
    g_free(in->title);
    g_free(in->category);
    g_free(in->delivery);
    g_free(in);
}

static json_t *
read_course(sqlite3 *db, gint64 id, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt =
        cr_sql_prepare(db, "SELECT " COURSE_COLUMNS " FROM courses WHERE id = ?", error);
    if (stmt == NULL)
        return NULL;
    sqlite3_bind_int64(stmt, 1, id);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        return course_from_row(stmt);
    if (rc == SQLITE_DONE)
        g_set_error(error, CR_ERROR, CR_ERROR_NOT_FOUND,
                    "course %" G_GINT64_FORMAT " does not exist", id);
    else
        cr_sql_fail(db, "read course", error);
    return NULL;
}

static gint64
insert_course(sqlite3 *db, const CourseIn *in, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db,
        "INSERT INTO courses (code, title, category, delivery, credit_hours, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        error);
    if (stmt == NULL)
        return 0;
    cr_sql_bind_text(stmt, 1, in->code);
    cr_sql_bind_text(stmt, 2, in->title);
    cr_sql_bind_text(stmt, 3, in->category);
    cr_sql_bind_text(stmt, 4, in->delivery);
    sqlite3_bind_double(stmt, 5, in->credit_hours);
    sqlite3_bind_int64(stmt, 6, cr_time_now());
    if (sqlite3_step(stmt) != SQLITE_DONE) {
        if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_UNIQUE)
            g_set_error(error, CR_ERROR, CR_ERROR_CONFLICT, "a course with code \"%s\" exists",
                        in->code);
        else
            cr_sql_fail(db, "insert course", error);
        return 0;
    }
    return sqlite3_last_insert_rowid(db);
}

static gpointer
op_create_course(sqlite3 *db, gpointer input, GError **error)
{
    gint64 id = insert_course(db, input, error);
    return id > 0 ? read_course(db, id, error) : NULL;
}

void
cr_store_create_course(CrStore *store, const CrCourseInput *in, CrStoreDone done,
                       gpointer user_data)
{
    CourseIn *copy = g_new0(CourseIn, 1);
    copy->code = g_strdup(in->code);
    copy->title = g_strdup(in->title);
    copy->category = g_strdup(in->category);
    copy->delivery = g_strdup(in->delivery);
    copy->credit_hours = in->credit_hours;
    cr_store_submit(store, op_create_course, copy, course_in_free, (GDestroyNotify)json_decref,
                    done, user_data);
}

static gpointer
op_list_courses(sqlite3 *db, gpointer input, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt =
        cr_sql_prepare(db, "SELECT " COURSE_COLUMNS " FROM courses ORDER BY code", error);
    if (stmt == NULL)
        return NULL;
    json_t *list = json_array();
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        json_array_append_new(list, course_from_row(stmt));
    if (rc != SQLITE_DONE) {
        json_decref(list);
        cr_sql_fail(db, "list courses", error);
        return NULL;
    }
    return json_pack("{s:o}", "courses", list);
}

void
cr_store_list_courses(CrStore *store, CrStoreDone done, gpointer user_data)
{
    cr_store_submit_read(store, op_list_courses, NULL, NULL, (GDestroyNotify)json_decref, done,
                    user_data);
}

static gpointer
op_get_course(sqlite3 *db, gpointer input, GError **error)
{
    return read_course(db, *(gint64 *)input, error);
}

void
cr_store_get_course(CrStore *store, gint64 course_id, CrStoreDone done, gpointer user_data)
{
    cr_store_submit_read(store, op_get_course, g_memdup2(&course_id, sizeof course_id), g_free,
                    (GDestroyNotify)json_decref, done, user_data);
}

/* ---- sessions ---- */

typedef struct {
    gint64 course_id;
    char *title;
    gint64 start, end;
    gboolean record;
} SessionIn;

static void
session_in_free(gpointer data)
{
    SessionIn *in = data;
    g_free(in->title);
    g_free(in);
}

static gint64
insert_session(sqlite3 *db, const SessionIn *in, GError **error)
{
    g_autoptr(json_t) course = read_course(db, in->course_id, error);
    if (course == NULL)
        return 0;
    if (in->end <= in->start) {
        g_set_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST,
                    "scheduled_end must be after scheduled_start");
        return 0;
    }
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db,
        "INSERT INTO sessions (course_id, title, scheduled_start, scheduled_end, record,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?)",
        error);
    if (stmt == NULL)
        return 0;
    sqlite3_bind_int64(stmt, 1, in->course_id);
    cr_sql_bind_text(stmt, 2, in->title);
    sqlite3_bind_int64(stmt, 3, in->start);
    sqlite3_bind_int64(stmt, 4, in->end);
    sqlite3_bind_int(stmt, 5, in->record ? 1 : 0);
    sqlite3_bind_int64(stmt, 6, cr_time_now());
    if (!cr_sql_step_done(db, stmt, error))
        return 0;
    return sqlite3_last_insert_rowid(db);
}

static gpointer
op_create_session(sqlite3 *db, gpointer input, GError **error)
{
    gint64 id = insert_session(db, input, error);
    if (id == 0)
        return NULL;
    CrSessionInfo info = {0};
    if (!cr_store_read_session(db, id, &info, error))
        return NULL;
    json_t *json = cr_session_info_to_json(&info);
    cr_session_info_clear(&info);
    return json;
}

void
cr_store_create_session(CrStore *store, const CrSessionInput *in, CrStoreDone done,
                        gpointer user_data)
{
    SessionIn *copy = g_new0(SessionIn, 1);
    copy->course_id = in->course_id;
    copy->title = g_strdup(in->title);
    copy->start = in->scheduled_start;
    copy->end = in->scheduled_end;
    copy->record = in->record;
    cr_store_submit(store, op_create_session, copy, session_in_free,
                    (GDestroyNotify)json_decref, done, user_data);
}

static gpointer
op_list_sessions(sqlite3 *db, gpointer input, GError **error)
{
    gint64 course_id = *(gint64 *)input;
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db,
        "SELECT " SESSION_COLUMNS " FROM sessions s JOIN courses c ON c.id = s.course_id"
        " WHERE ?1 = 0 OR s.course_id = ?1 ORDER BY s.scheduled_start, s.id",
        error);
    if (stmt == NULL)
        return NULL;
    sqlite3_bind_int64(stmt, 1, course_id);
    json_t *list = json_array();
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        CrSessionInfo info = {0};
        session_from_row(stmt, &info);
        json_array_append_new(list, cr_session_info_to_json(&info));
        cr_session_info_clear(&info);
    }
    if (rc != SQLITE_DONE) {
        json_decref(list);
        cr_sql_fail(db, "list sessions", error);
        return NULL;
    }
    return json_pack("{s:o}", "sessions", list);
}

void
cr_store_list_sessions(CrStore *store, gint64 course_id, CrStoreDone done, gpointer user_data)
{
    cr_store_submit_read(store, op_list_sessions, g_memdup2(&course_id, sizeof course_id), g_free,
                    (GDestroyNotify)json_decref, done, user_data);
}

static gpointer
op_get_session(sqlite3 *db, gpointer input, GError **error)
{
    CrSessionInfo *info = g_new0(CrSessionInfo, 1);
    if (!cr_store_read_session(db, *(gint64 *)input, info, error)) {
        cr_session_info_free(info);
        return NULL;
    }
    return info;
}

void
cr_store_get_session(CrStore *store, gint64 session_id, CrStoreDone done, gpointer user_data)
{
    cr_store_submit_read(store, op_get_session, g_memdup2(&session_id, sizeof session_id), g_free,
                    (GDestroyNotify)cr_session_info_free, done, user_data);
}

/* ---- demo seed ---- */

static gpointer
op_seed_demo(sqlite3 *db, gpointer input, GError **error)
{
    const gint64 *window = input;
    g_autoptr(sqlite3_stmt) count = cr_sql_prepare(db, "SELECT count(*) FROM courses", error);
    if (count == NULL || sqlite3_step(count) != SQLITE_ROW)
        return count == NULL ? NULL : (cr_sql_fail(db, "count courses", error), NULL);
    if (sqlite3_column_int64(count, 0) > 0)
        return g_new0(gint64, 1);
    CourseIn course = {"DEMO-101", "Demo course: working with classrelay", "general", "hybrid",
                       1.0};
    gint64 course_id = insert_course(db, &course, error);
    if (course_id == 0)
        return NULL;
    SessionIn session = {course_id, "Demo session", window[0], window[1], FALSE};
    gint64 id = insert_session(db, &session, error);
    return id > 0 ? g_memdup2(&id, sizeof id) : NULL;
}

gint64
cr_store_seed_demo_sync(CrStore *store, gint64 start, gint64 end, GError **error)
{
    gint64 window[2] = {start, end};
    g_autofree gint64 *id = cr_store_call(store, op_seed_demo, window, error);
    return id != NULL ? *id : -1;
}
