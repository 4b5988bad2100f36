/* ledger.c — the attendance ledger and the event outbox: joins, leaves,
 * heartbeats, check-ins, bans and the end of a session.
 *
 * Operation bodies run on the store thread inside one transaction each
 * (store-private.h), so a join's interval, its person row and its "join"
 * event are committed together or not at all.
 */
#include "store/store-private.h"

#include "common/json.h"

gboolean
cr_store_append_event(sqlite3 *db, const CrEventInput *in, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db, "INSERT INTO events (at, session_id, person_id, type, data) VALUES (?, ?, ?, ?, ?)",
        error);
    if (stmt == NULL)
        return FALSE;
    g_autofree char *data = in->data != NULL ? cr_json_to_string(in->data) : g_strdup("{}");
    sqlite3_bind_int64(stmt, 1, in->at);
    if (in->session_id > 0)
        sqlite3_bind_int64(stmt, 2, in->session_id);
    else
        sqlite3_bind_null(stmt, 2);
    cr_sql_bind_text(stmt, 3, in->person);
    cr_sql_bind_text(stmt, 4, in->type);
    cr_sql_bind_text(stmt, 5, data);
    return cr_sql_step_done(db, stmt, error);
}

gboolean
cr_store_upsert_person(sqlite3 *db, const char *person, const char *name, const char *org,
                       gint64 at, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db,
        "INSERT INTO people (id, name, org, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?4)"
        " ON CONFLICT (id) DO UPDATE SET name = ?2, org = coalesce(?3, org), last_seen = ?4",
        error);
    if (stmt == NULL)
        return FALSE;
    cr_sql_bind_text(stmt, 1, person);
    cr_sql_bind_text(stmt, 2, name);
    cr_sql_bind_text(stmt, 3, org);
    sqlite3_bind_int64(stmt, 4, at);
    return cr_sql_step_done(db, stmt, error);
}

/* ---- join ---- */

typedef struct {
    gint64 session_id;
    char *person, *name, *org, *role, *mode, *addr, *ua;
    gint64 now, early;
} JoinIn;

static void
join_in_free(gpointer data)
{
    JoinIn *in = data;
    g_free(in->person);
    g_free(in->name);
    g_free(in->org);
    g_free(in->role);
    g_free(in->mode);
    g_free(in->addr);
    g_free(in->ua);
    g_free(in);
}

void
cr_join_result_free(CrJoinResult *result)
{
    if (result == NULL)
        return;
    cr_session_info_clear(&result->session);
    g_free(result);
}

static gboolean
is_banned(sqlite3 *db, gint64 session_id, const char *person, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db, "SELECT 1 FROM session_bans WHERE session_id = ? AND person_id = ?", error);
    if (stmt == NULL)
        return TRUE;
    sqlite3_bind_int64(stmt, 1, session_id);
    cr_sql_bind_text(stmt, 2, person);
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        g_set_error(error, CR_ERROR, CR_ERROR_FORBIDDEN,
                    "you were removed from this class by the instructor");
        return TRUE;
    }
    return FALSE;
}

static gboolean
check_joinable(const JoinIn *in, const CrSessionInfo *s, GError **error)
{
    if (g_strcmp0(s->state, "ended") == 0) {
        g_set_error(error, CR_ERROR, CR_ERROR_CONFLICT, "the class has ended");
        return FALSE;
    }
    if (in->now < s->scheduled_start - in->early) {
        g_set_error(error, CR_ERROR, CR_ERROR_CONFLICT, "the class has not started yet");
        return FALSE;
    }
    return TRUE;
}

static gint64
insert_interval(sqlite3 *db, const JoinIn *in, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db,
        "INSERT INTO attendance (session_id, person_id, role, mode, opened, last_seen,"
        " client_addr, user_agent) VALUES (?, ?, ?, ?, ?5, ?5, ?, ?)",
        error);
    if (stmt == NULL)
        return 0;
    sqlite3_bind_int64(stmt, 1, in->session_id);
    cr_sql_bind_text(stmt, 2, in->person);
    cr_sql_bind_text(stmt, 3, in->role);
    cr_sql_bind_text(stmt, 4, in->mode);
    sqlite3_bind_int64(stmt, 5, in->now);
    cr_sql_bind_text(stmt, 6, in->addr);
    cr_sql_bind_text(stmt, 7, in->ua);
    if (!cr_sql_step_done(db, stmt, error))
        return 0;
    return sqlite3_last_insert_rowid(db);
}

static gboolean
mark_live(sqlite3 *db, CrSessionInfo *s, gint64 now, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db, "UPDATE sessions SET state = 'live', actual_start = ? WHERE id = ?", error);
    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_int64(stmt, 1, now);
    sqlite3_bind_int64(stmt, 2, s->id);
    if (!cr_sql_step_done(db, stmt, error))
        return FALSE;
    g_free(s->state);
    s->state = g_strdup("live");
    s->actual_start = now;
    CrEventInput ev = {s->id, NULL, "start", NULL, now};
    return cr_store_append_event(db, &ev, error);
}

static gpointer
op_join(sqlite3 *db, gpointer input, GError **error)
{
    JoinIn *in = input;
    g_autoptr(CrJoinResult) result = g_new0(CrJoinResult, 1);
    if (!cr_store_read_session(db, in->session_id, &result->session, error) ||
        !check_joinable(in, &result->session, error) ||
        is_banned(db, in->session_id, in->person, error) ||
        !cr_store_upsert_person(db, in->person, in->name, in->org, in->now, error))
        return NULL;
    if (g_strcmp0(in->role, "instructor") == 0 &&
        g_strcmp0(result->session.state, "scheduled") == 0 &&
        !mark_live(db, &result->session, in->now, error))
        return NULL;
    result->interval_id = insert_interval(db, in, error);
    if (result->interval_id == 0)
        return NULL;
    g_autoptr(json_t) data = json_pack("{s:I, s:s, s:s}", "interval",
                                       (json_int_t)result->interval_id, "role", in->role, "mode",
                                       in->mode);
    CrEventInput ev = {in->session_id, in->person, "join", data, in->now};
    if (!cr_store_append_event(db, &ev, error))
        return NULL;
    return g_steal_pointer(&result);
}

void
cr_store_join(CrStore *store, const CrJoinInput *in, CrStoreDone done, gpointer user_data)
{
    JoinIn *copy = g_new0(JoinIn, 1);
    copy->session_id = in->session_id;
    copy->person = g_strdup(in->person);
    copy->name = g_strdup(in->name);
    copy->org = g_strdup(in->org);
    copy->role = g_strdup(in->role);
    copy->mode = g_strdup(in->mode);
    copy->addr = g_strdup(in->client_addr);
    copy->ua = g_strdup(in->user_agent);
    copy->now = in->now;
    copy->early = in->early_seconds;
    cr_store_submit(store, op_join, copy, join_in_free, (GDestroyNotify)cr_join_result_free,
                    done, user_data);
}

/* ---- leave ---- */

typedef struct {
    gint64 interval_id, closed;
    char *reason;
} LeaveIn;

static void
leave_in_free(gpointer data)
{
    LeaveIn *in = data;
    g_free(in->reason);
    g_free(in);
}

/* Closes one interval and records the event. Closing twice is a no-op. */
static gboolean
close_interval(sqlite3 *db, gint64 id, gint64 closed, const char *reason, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db,
        "UPDATE attendance SET closed = max(?1, opened), last_seen = max(last_seen, ?1),"
        " close_reason = ?2 WHERE id = ?3 AND closed IS NULL"
        " RETURNING session_id, person_id",
        error);
    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_int64(stmt, 1, closed);
    cr_sql_bind_text(stmt, 2, reason);
    sqlite3_bind_int64(stmt, 3, id);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE)
        return TRUE;
    if (rc != SQLITE_ROW)
        return cr_sql_fail(db, "close interval", error);
    gint64 session_id = sqlite3_column_int64(stmt, 0);
    g_autofree char *person = cr_sql_text(stmt, 1);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        return cr_sql_fail(db, "close interval", error);
    g_autoptr(json_t) data = json_pack("{s:I, s:s}", "interval", (json_int_t)id, "reason",
                                       reason);
    CrEventInput ev = {session_id, person, "leave", data, closed};
    return cr_store_append_event(db, &ev, error);
}

static gpointer
op_leave(sqlite3 *db, gpointer input, GError **error)
{
    LeaveIn *in = input;
    close_interval(db, in->interval_id, in->closed, in->reason, error);
    return NULL;
}

void
cr_store_leave(CrStore *store, const CrLeaveInput *in, CrStoreDone done, gpointer user_data)
{
    LeaveIn *copy = g_new0(LeaveIn, 1);
    copy->interval_id = in->interval_id;
    copy->closed = in->closed;
    copy->reason = g_strdup(in->reason);
    cr_store_submit(store, op_leave, copy, leave_in_free, NULL, done, user_data);
}

/* ---- heartbeat ---- */

typedef struct {
    gsize n;
    gint64 *ids;
    gint64 *seen;
} TouchIn;

static void
touch_in_free(gpointer data)
{
    TouchIn *in = data;
    g_free(in->ids);
    g_free(in->seen);
    g_free(in);
}

static gpointer
op_touch(sqlite3 *db, gpointer input, GError **error)
{
    TouchIn *in = input;
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db,
        "UPDATE attendance SET last_seen = max(last_seen, ?) WHERE id = ? AND closed IS NULL",
        error);
    for (gsize i = 0; stmt != NULL && i < in->n; i++) {
        sqlite3_bind_int64(stmt, 1, in->seen[i]);
        sqlite3_bind_int64(stmt, 2, in->ids[i]);
        if (!cr_sql_step_done(db, stmt, error))
            return NULL;
        sqlite3_reset(stmt);
    }
    return NULL;
}

void
cr_store_touch(CrStore *store, const gint64 *interval_ids, const gint64 *seen, gsize n)
{
    if (n == 0)
        return;
    TouchIn *in = g_new0(TouchIn, 1);
    in->n = n;
    in->ids = g_memdup2(interval_ids, n * sizeof *interval_ids);
    in->seen = g_memdup2(seen, n * sizeof *seen);
    cr_store_submit(store, op_touch, in, touch_in_free, NULL, NULL, NULL);
}

/* ---- events and bans ---- */

typedef struct {
    gint64 session_id, at;
    char *person, *type, *by;
    json_t *data;
} EventIn;

static void
event_in_free(gpointer data)
{
    EventIn *in = data;
    g_free(in->person);
    g_free(in->type);
    g_free(in->by);
    if (in->data != NULL)
        json_decref(in->data);
    g_free(in);
}

static gpointer
op_event(sqlite3 *db, gpointer input, GError **error)
{
    EventIn *in = input;
    CrEventInput ev = {in->session_id, in->person, in->type, in->data, in->at};
    cr_store_append_event(db, &ev, error);
    return NULL;
}

void
cr_store_event(CrStore *store, const CrEventInput *in)
{
    EventIn *copy = g_new0(EventIn, 1);
    copy->session_id = in->session_id;
    copy->at = in->at;
    copy->person = g_strdup(in->person);
    copy->type = g_strdup(in->type);
    copy->data = in->data != NULL ? json_deep_copy(in->data) : NULL;
    cr_store_submit(store, op_event, copy, event_in_free, NULL, NULL, NULL);
}

static gpointer
op_ban(sqlite3 *db, gpointer input, GError **error)
{
    EventIn *in = input;
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db,
        "INSERT OR IGNORE INTO session_bans (session_id, person_id, banned_at, banned_by)"
        " VALUES (?, ?, ?, ?)",
        error);
    if (stmt == NULL)
        return NULL;
    sqlite3_bind_int64(stmt, 1, in->session_id);
    cr_sql_bind_text(stmt, 2, in->person);
    sqlite3_bind_int64(stmt, 3, in->at);
    cr_sql_bind_text(stmt, 4, in->by);
    if (!cr_sql_step_done(db, stmt, error))
        return NULL;
    g_autoptr(json_t) data = json_pack("{s:s?}", "by", in->by);
    CrEventInput ev = {in->session_id, in->person, "kick", data, in->at};
    cr_store_append_event(db, &ev, error);
    return NULL;
}

void
cr_store_ban(CrStore *store, gint64 session_id, const char *person, const char *by, gint64 at)
{
    EventIn *in = g_new0(EventIn, 1);
    in->session_id = session_id;
    in->person = g_strdup(person);
    in->by = g_strdup(by);
    in->at = at;
    cr_store_submit(store, op_ban, in, event_in_free, NULL, NULL, NULL);
}

/* ---- end of a session ---- */

static gboolean
close_all_open(sqlite3 *db, gint64 session_id, gint64 at, GError **error)
{
    g_autoptr(sqlite3_stmt) open = cr_sql_prepare(
        db, "SELECT id FROM attendance WHERE session_id = ? AND closed IS NULL", error);
    if (open == NULL)
        return FALSE;
    sqlite3_bind_int64(open, 1, session_id);
    while (sqlite3_step(open) == SQLITE_ROW) {
        if (!close_interval(db, sqlite3_column_int64(open, 0), at, "class_ended", error))
            return FALSE;
    }
    return TRUE;
}

static gboolean
end_session(sqlite3 *db, gint64 session_id, gint64 at, GError **error)
{
    CrSessionInfo info = {0};
    if (!cr_store_read_session(db, session_id, &info, error))
        return FALSE;
    gboolean ended = g_strcmp0(info.state, "ended") == 0;
    cr_session_info_clear(&info);
    if (ended) {
        g_set_error(error, CR_ERROR, CR_ERROR_CONFLICT, "the class has already ended");
        return FALSE;
    }
    if (!close_all_open(db, session_id, at, error))
        return FALSE;
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db,
        "UPDATE sessions SET state = 'ended', actual_end = ?1,"
        " actual_start = coalesce(actual_start, ?1) WHERE id = ?2",
        error);
    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_int64(stmt, 1, at);
    sqlite3_bind_int64(stmt, 2, session_id);
    CrEventInput ev = {session_id, NULL, "end", NULL, at};
    return cr_sql_step_done(db, stmt, error) && cr_store_append_event(db, &ev, error);
}

static gpointer
op_end_session(sqlite3 *db, gpointer input, GError **error)
{
    const gint64 *args = input; /* session id, at */
    if (!end_session(db, args[0], args[1], error))
        return NULL;
    CrSessionInfo *info = g_new0(CrSessionInfo, 1);
    if (!cr_store_read_session(db, args[0], info, error)) {
        cr_session_info_free(info);
        return NULL;
    }
    return info;
}

void
cr_store_end_session(CrStore *store, gint64 session_id, gint64 at, CrStoreDone done,
                     gpointer user_data)
{
    gint64 args[2] = {session_id, at};
    cr_store_submit(store, op_end_session, g_memdup2(args, sizeof args), g_free,
                    (GDestroyNotify)cr_session_info_free, done, user_data);
}

/* ---- in-person check-in and check-out ---- */

static gint64
open_in_person(sqlite3 *db, gint64 session_id, const char *person, gint64 *opened,
               GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db,
        "SELECT id, opened FROM attendance WHERE session_id = ? AND person_id = ?"
        " AND mode = 'in-person' AND closed IS NULL",
        error);
    if (stmt == NULL)
        return -1;
    sqlite3_bind_int64(stmt, 1, session_id);
    cr_sql_bind_text(stmt, 2, person);
    if (sqlite3_step(stmt) != SQLITE_ROW)
        return 0;
    if (opened != NULL)
        *opened = sqlite3_column_int64(stmt, 1);
    return sqlite3_column_int64(stmt, 0);
}

static gpointer
op_checkin(sqlite3 *db, gpointer input, GError **error)
{
    JoinIn *in = input;
    CrSessionInfo session = {0};
    gboolean ok = cr_store_read_session(db, in->session_id, &session, error) &&
                  check_joinable(in, &session, error);
    cr_session_info_clear(&session);
    if (!ok || is_banned(db, in->session_id, in->person, error))
        return NULL;
    gint64 opened = 0;
    gint64 existing = open_in_person(db, in->session_id, in->person, &opened, error);
    if (existing < 0)
        return NULL;
    if (existing > 0)
        return json_pack("{s:s, s:o, s:b}", "person", in->person, "checked_in_at",
                         cr_json_time(opened), "already", 1);
    if (!cr_store_upsert_person(db, in->person, in->name, in->org, in->now, error))
        return NULL;
    gint64 id = insert_interval(db, in, error);
    if (id == 0)
        return NULL;
    g_autoptr(json_t) data = json_pack("{s:I, s:s?}", "interval", (json_int_t)id, "by", in->ua);
    CrEventInput ev = {in->session_id, in->person, "checkin", data, in->now};
    if (!cr_store_append_event(db, &ev, error))
        return NULL;
    return json_pack("{s:s, s:o, s:b}", "person", in->person, "checked_in_at",
                     cr_json_time(in->now), "already", 0);
}

void
cr_store_checkin(CrStore *store, gint64 session_id, const char *person, const char *name,
                 const char *org, const char *by, gint64 at, CrStoreDone done,
                 gpointer user_data)
{
    JoinIn *in = g_new0(JoinIn, 1);
    in->session_id = session_id;
    in->person = g_strdup(person);
    in->name = g_strdup(name);
    in->org = g_strdup(org);
    in->role = g_strdup("trainee");
    in->mode = g_strdup("in-person");
    /* The interval's user_agent column records who checked the person in. */
    in->ua = g_strdup(by);
    in->now = at;
    in->early = G_MAXINT32;
    cr_store_submit(store, op_checkin, in, join_in_free, (GDestroyNotify)json_decref, done,
                    user_data);
}

static gpointer
op_checkout(sqlite3 *db, gpointer input, GError **error)
{
    EventIn *in = input;
    gint64 id = open_in_person(db, in->session_id, in->person, NULL, error);
    if (id < 0)
        return NULL;
    if (id == 0) {
        g_set_error(error, CR_ERROR, CR_ERROR_NOT_FOUND, "%s is not checked in", in->person);
        return NULL;
    }
    if (!close_interval(db, id, in->at, "checkout", error))
        return NULL;
    return json_pack("{s:s, s:o}", "person", in->person, "checked_out_at", cr_json_time(in->at));
}

void
cr_store_checkout(CrStore *store, gint64 session_id, const char *person, const char *by,
                  gint64 at, CrStoreDone done, gpointer user_data)
{
    EventIn *in = g_new0(EventIn, 1);
    in->session_id = session_id;
    in->person = g_strdup(person);
    in->by = g_strdup(by);
    in->at = at;
    cr_store_submit(store, op_checkout, in, event_in_free, (GDestroyNotify)json_decref, done,
                    user_data);
}

/* ---- outbox ---- */

static gpointer
op_list_events(sqlite3 *db, gpointer input, GError **error)
{
    const gint64 *args = input; /* after, limit */
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db,
        "SELECT seq, at, session_id, person_id, type, data FROM events WHERE seq > ?"
        " ORDER BY seq LIMIT ?",
        error);
    if (stmt == NULL)
        return NULL;
    sqlite3_bind_int64(stmt, 1, args[0]);
    sqlite3_bind_int64(stmt, 2, args[1]);
    json_t *list = json_array();
    gint64 next = args[0];
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        next = sqlite3_column_int64(stmt, 0);
        const char *text = (const char *)sqlite3_column_text(stmt, 5);
        json_t *data = json_loads(text != NULL ? text : "{}", 0, NULL);
        json_array_append_new(
            list, json_pack("{s:I, s:o, s:o, s:o, s:s, s:o}", "seq", (json_int_t)next, "at",
                            cr_json_time(sqlite3_column_int64(stmt, 1)), "session",
                            sqlite3_column_type(stmt, 2) == SQLITE_NULL
                                ? json_null()
                                : json_integer(sqlite3_column_int64(stmt, 2)),
                            "person",
                            cr_json_string_or_null((const char *)sqlite3_column_text(stmt, 3)),
                            "type", (const char *)sqlite3_column_text(stmt, 4), "data",
                            data != NULL ? data : json_object()));
    }
    return json_pack("{s:o, s:I}", "events", list, "next", (json_int_t)next);
}

void
cr_store_list_events(CrStore *store, gint64 after, gint64 limit, CrStoreDone done,
                     gpointer user_data)
{
    gint64 args[2] = {after, limit};
    cr_store_submit_read(store, op_list_events, g_memdup2(args, sizeof args), g_free,
                    (GDestroyNotify)json_decref, done, user_data);
}
