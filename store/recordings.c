/* recordings.c — the recordings catalog: one row per recording file, its
 * tracks, state and fingerprint (size and sha256 of the finished file).
 *
 * Operation bodies run on the store thread inside one transaction each
 * (store-private.h); every change writes its outbox event in the same
 * transaction. Paths are stored relative to the recordings directory and
 * checked here so that no row can point outside it (recorder/catalog.c
 * checks again when it joins them).
 */
#include "store/store-private.h"

#include <string.h>

#include "common/json.h"
#include "common/time.h"

#define RECORDING_COLUMNS                                                                          \
    "id, session_id, state, reason, container, path, tracks, started_at, ended_at,"                \
    " duration_seconds, size_bytes, sha256"

static json_t *
tracks_from_text(const char *text)
{
    json_t *tracks = text != NULL ? json_loads(text, 0, NULL) : NULL;
    if (json_is_array(tracks))
        return tracks;
    json_decref(tracks);
    return json_array();
}

static json_t *
nullable_int(sqlite3_stmt *stmt, int col)
{
    return sqlite3_column_type(stmt, col) == SQLITE_NULL
               ? json_null()
               : json_integer((json_int_t)sqlite3_column_int64(stmt, col));
}

static json_t *
nullable_real(sqlite3_stmt *stmt, int col)
{
    return sqlite3_column_type(stmt, col) == SQLITE_NULL
               ? json_null()
               : json_real(sqlite3_column_double(stmt, col));
}

static json_t *
recording_from_row(sqlite3_stmt *stmt)
{
    return json_pack("{s:I, s:I, s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
                     (json_int_t)sqlite3_column_int64(stmt, 0), "session_id",
                     (json_int_t)sqlite3_column_int64(stmt, 1), "state",
                     (const char *)sqlite3_column_text(stmt, 2), "reason",
                     cr_json_string_or_null((const char *)sqlite3_column_text(stmt, 3)),
                     "container", (const char *)sqlite3_column_text(stmt, 4), "path",
                     (const char *)sqlite3_column_text(stmt, 5), "tracks",
                     tracks_from_text((const char *)sqlite3_column_text(stmt, 6)), "started_at",
                     cr_json_time(sqlite3_column_int64(stmt, 7)), "ended_at",
                     cr_json_time(sqlite3_column_int64(stmt, 8)), "duration_seconds",
                     nullable_real(stmt, 9), "size_bytes", nullable_int(stmt, 10), "sha256",
                     cr_json_string_or_null((const char *)sqlite3_column_text(stmt, 11)));
}

static json_t *
read_recording(sqlite3 *db, gint64 id, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt =
        cr_sql_prepare(db, "SELECT " RECORDING_COLUMNS " FROM recordings WHERE id = ?", error);
    if (stmt == NULL)
        return NULL;
    sqlite3_bind_int64(stmt, 1, id);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        return recording_from_row(stmt);
    if (rc == SQLITE_DONE)
        g_set_error(error, CR_ERROR, CR_ERROR_NOT_FOUND,
                    "recording %" G_GINT64_FORMAT " does not exist", id);
    else
        cr_sql_fail(db, "read recording", error);
    return NULL;
}

/* A stored path is relative to the recordings directory and stays inside
 * it: not absolute, no empty, "." or ".." segment, no backslash. */
static gboolean
path_ok(const char *path)
{
    if (path == NULL || path[0] == '\0' || path[0] == '/' || strchr(path, '\\') != NULL ||
        strlen(path) > 1024)
        return FALSE;
    g_auto(GStrv) parts = g_strsplit(path, "/", -1);
    for (char **p = parts; *p != NULL; p++) {
        if ((*p)[0] == '\0' || strcmp(*p, ".") == 0 || strcmp(*p, "..") == 0)
            return FALSE;
    }
    return TRUE;
}

static gboolean
event(sqlite3 *db, const json_t *recording, const char *type, gint64 at, GError **error)
{
    g_autoptr(json_t) data =
        json_pack("{s:O, s:O, s:O}", "recording", json_object_get(recording, "id"), "state",
                  json_object_get(recording, "state"), "path", json_object_get(recording, "path"));
    CrEventInput ev = {json_integer_value(json_object_get(recording, "session_id")), NULL, type,
                       data, at};
    return cr_store_append_event(db, &ev, error);
}

/* ---- create ---- */

typedef struct {
    gint64 session_id, started_at;
    char *path, *container, *tracks; /* tracks: compact JSON text */
    gboolean tracks_invalid;
} CreateIn;

static void
create_in_free(gpointer data)
{
    CreateIn *in = data;
    g_free(in->path);
    g_free(in->container);
    g_free(in->tracks);
    g_free(in);
}

static gpointer
op_create(sqlite3 *db, gpointer input, GError **error)
{
    CreateIn *in = input;
    CrSessionInfo session = {0};
    if (!cr_store_read_session(db, in->session_id, &session, error))
        return NULL;
    cr_session_info_clear(&session);
    if (in->tracks_invalid) {
        g_set_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST, "tracks must be a JSON array");
        return NULL;
    }
    if (!path_ok(in->path)) {
        g_set_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST,
                    "a recording's path must be relative to the recordings directory, without"
                    " \"..\"");
        return NULL;
    }
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db,
        "INSERT INTO recordings (session_id, path, container, tracks, state, started_at,"
        " created_at) VALUES (?, ?, ?, ?, 'recording', ?, ?)",
        error);
    if (stmt == NULL)
        return NULL;
    sqlite3_bind_int64(stmt, 1, in->session_id);
    cr_sql_bind_text(stmt, 2, in->path);
    cr_sql_bind_text(stmt, 3, in->container);
    cr_sql_bind_text(stmt, 4, in->tracks);
    sqlite3_bind_int64(stmt, 5, in->started_at);
    sqlite3_bind_int64(stmt, 6, cr_time_now());
    if (!cr_sql_step_done(db, stmt, error))
        return NULL;
    json_t *recording = read_recording(db, sqlite3_last_insert_rowid(db), error);
    if (recording == NULL || !event(db, recording, "recording_created", in->started_at, error)) {
        json_decref(recording);
        return NULL;
    }
    return recording;
}

void
cr_store_recording_create(CrStore *store, const CrRecordingInput *in, CrStoreDone done,
                          gpointer user_data)
{
    CreateIn *copy = g_new0(CreateIn, 1);
    copy->session_id = in->session_id;
    copy->started_at = in->started_at;
    copy->path = g_strdup(in->path);
    copy->container = g_strdup(in->container);
    copy->tracks = json_is_array(in->tracks) ? cr_json_to_string(in->tracks) : g_strdup("[]");
    copy->tracks_invalid = in->tracks != NULL && !json_is_array(in->tracks);
    cr_store_submit(store, op_create, copy, create_in_free, (GDestroyNotify)json_decref, done,
                    user_data);
}

/* ---- update ---- */

typedef struct {
    gint64 id, ended_at, size_bytes;
    double duration_seconds;
    char *state, *reason, *sha256, *tracks; /* NULL: unchanged */
    gboolean tracks_invalid;                /* given, but not an array */
} UpdateIn;

static void
update_in_free(gpointer data)
{
    UpdateIn *in = data;
    g_free(in->state);
    g_free(in->reason);
    g_free(in->sha256);
    g_free(in->tracks);
    g_free(in);
}

static UpdateIn *
update_in_copy(const CrRecordingUpdate *in)
{
    UpdateIn *copy = g_new0(UpdateIn, 1);
    copy->id = in->id;
    copy->ended_at = in->ended_at;
    copy->size_bytes = in->size_bytes;
    copy->duration_seconds = in->duration_seconds;
    copy->state = g_strdup(in->state);
    copy->reason = g_strdup(in->reason);
    copy->sha256 = g_strdup(in->sha256);
    copy->tracks = json_is_array(in->tracks) ? cr_json_to_string(in->tracks) : NULL;
    copy->tracks_invalid = in->tracks != NULL && !json_is_array(in->tracks);
    return copy;
}

static gboolean
update_valid(const UpdateIn *in, GError **error)
{
    /* The table's CHECKs refuse the rest; the hash is checked here so that
     * an upper-case or short one cannot later read as "altered". */
    if (in->sha256 != NULL &&
        (strlen(in->sha256) != 64 || strspn(in->sha256, "0123456789abcdef") != 64)) {
        g_set_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST,
                    "sha256 must be 64 lower-case hexadecimal digits");
        return FALSE;
    }
    if (in->tracks_invalid) {
        g_set_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST, "tracks must be a JSON array");
        return FALSE;
    }
    return TRUE;
}

static gpointer
op_update(sqlite3 *db, gpointer input, GError **error)
{
    UpdateIn *in = input;
    if (!update_valid(in, error))
        return NULL;
    /* A NULL parameter keeps the stored value (coalesce), so one statement
     * serves every combination of changed fields. */
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db,
        "UPDATE recordings SET state = coalesce(?2, state), reason = coalesce(?3, reason),"
        " ended_at = coalesce(?4, ended_at),"
        " duration_seconds = coalesce(?5, duration_seconds),"
        " size_bytes = coalesce(?6, size_bytes), sha256 = coalesce(?7, sha256),"
        " tracks = coalesce(?8, tracks) WHERE id = ?1",
        error);
    if (stmt == NULL)
        return NULL;
    sqlite3_bind_int64(stmt, 1, in->id);
    cr_sql_bind_text(stmt, 2, in->state);
    cr_sql_bind_text(stmt, 3, in->reason);
    if (in->ended_at != 0)
        sqlite3_bind_int64(stmt, 4, in->ended_at);
    if (in->duration_seconds >= 0)
        sqlite3_bind_double(stmt, 5, in->duration_seconds);
    if (in->size_bytes >= 0)
        sqlite3_bind_int64(stmt, 6, in->size_bytes);
    cr_sql_bind_text(stmt, 7, in->sha256);
    cr_sql_bind_text(stmt, 8, in->tracks);
    if (!cr_sql_step_done(db, stmt, error))
        return NULL;
    if (sqlite3_changes(db) == 0) {
        g_set_error(error, CR_ERROR, CR_ERROR_NOT_FOUND,
                    "recording %" G_GINT64_FORMAT " does not exist", in->id);
        return NULL;
    }
    json_t *recording = read_recording(db, in->id, error);
    if (recording == NULL || !event(db, recording, "recording_updated", cr_time_now(), error)) {
        json_decref(recording);
        return NULL;
    }
    return recording;
}

void
cr_store_recording_update(CrStore *store, const CrRecordingUpdate *in, CrStoreDone done,
                          gpointer user_data)
{
    cr_store_submit(store, op_update, update_in_copy(in), update_in_free,
                    (GDestroyNotify)json_decref, done, user_data);
}

gboolean
cr_store_recording_update_sync(CrStore *store, const CrRecordingUpdate *in, GError **error)
{
    UpdateIn *copy = update_in_copy(in);
    json_t *recording = cr_store_call(store, op_update, copy, error);
    update_in_free(copy);
    json_decref(recording);
    return recording != NULL;
}

/* ---- list, get ---- */

static gpointer
op_list(sqlite3 *db, gpointer input, GError **error)
{
    gint64 session_id = *(gint64 *)input;
    if (session_id != 0) {
        CrSessionInfo session = {0};
        if (!cr_store_read_session(db, session_id, &session, error))
            return NULL;
        cr_session_info_clear(&session);
    }
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(db,
                                                  "SELECT " RECORDING_COLUMNS
                                                  " FROM recordings WHERE ?1 = 0 OR session_id = ?1"
                                                  " ORDER BY started_at DESC, id DESC",
                                                  error);
    if (stmt == NULL)
        return NULL;
    sqlite3_bind_int64(stmt, 1, session_id);
    json_t *list = json_array();
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        json_array_append_new(list, recording_from_row(stmt));
    if (rc != SQLITE_DONE) {
        json_decref(list);
        cr_sql_fail(db, "list recordings", error);
        return NULL;
    }
    return json_pack("{s:o}", "recordings", list);
}

void
cr_store_list_recordings(CrStore *store, gint64 session_id, CrStoreDone done, gpointer user_data)
{
    cr_store_submit_read(store, op_list, g_memdup2(&session_id, sizeof session_id), g_free,
                         (GDestroyNotify)json_decref, done, user_data);
}

json_t *
cr_store_list_recordings_sync(CrStore *store, gint64 session_id, GError **error)
{
    return cr_store_call_read(store, op_list, &session_id, error);
}

static gpointer
op_get(sqlite3 *db, gpointer input, GError **error)
{
    return read_recording(db, *(gint64 *)input, error);
}

void
cr_store_get_recording(CrStore *store, gint64 id, CrStoreDone done, gpointer user_data)
{
    cr_store_submit_read(store, op_get, g_memdup2(&id, sizeof id), g_free,
                         (GDestroyNotify)json_decref, done, user_data);
}

/* ---- delete ---- */

static gpointer
op_delete(sqlite3 *db, gpointer input, GError **error)
{
    gint64 id = *(gint64 *)input;
    g_autoptr(json_t) recording = read_recording(db, id, error);
    if (recording == NULL)
        return NULL;
    const char *state = json_string_value(json_object_get(recording, "state"));
    if (g_strcmp0(state, "recording") == 0 || g_strcmp0(state, "finalizing") == 0) {
        g_set_error(error, CR_ERROR, CR_ERROR_CONFLICT,
                    "recording %" G_GINT64_FORMAT " is still %s; stop it first", id, state);
        return NULL;
    }
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(db, "DELETE FROM recordings WHERE id = ?", error);
    if (stmt == NULL)
        return NULL;
    sqlite3_bind_int64(stmt, 1, id);
    if (!cr_sql_step_done(db, stmt, error) ||
        !event(db, recording, "recording_deleted", cr_time_now(), error))
        return NULL;
    return g_steal_pointer(&recording);
}

void
cr_store_delete_recording(CrStore *store, gint64 id, CrStoreDone done, gpointer user_data)
{
    cr_store_submit(store, op_delete, g_memdup2(&id, sizeof id), g_free,
                    (GDestroyNotify)json_decref, done, user_data);
}

gboolean
cr_store_delete_recording_sync(CrStore *store, gint64 id, GError **error)
{
    json_t *recording = cr_store_call(store, op_delete, &id, error);
    json_decref(recording);
    return recording != NULL;
}
