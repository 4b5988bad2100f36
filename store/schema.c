/* schema.c — the database schema, its migrations and crash recovery.
 *
 * Runs on the opening thread before the store thread starts. The schema
 * version is PRAGMA user_version; each migration moves it up by one inside
 * a transaction, so a crash mid-migration leaves the previous version.
 * All timestamps are INTEGER Unix seconds (UTC).
 */
#include "store/store-private.h"

static const char *const migrations[] = {
    /* 1: the first schema. */
    "CREATE TABLE courses ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE,"
    "  title TEXT NOT NULL,"
    "  category TEXT NOT NULL CHECK (category IN ('general','professional','management')),"
    "  delivery TEXT NOT NULL CHECK (delivery IN ('in-person','online','remote','hybrid')),"
    "  credit_hours REAL NOT NULL CHECK (credit_hours >= 0),"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE sessions ("
    "  id INTEGER PRIMARY KEY,"
    "  course_id INTEGER NOT NULL REFERENCES courses(id),"
    "  title TEXT NOT NULL,"
    "  scheduled_start INTEGER NOT NULL,"
    "  scheduled_end INTEGER NOT NULL CHECK (scheduled_end > scheduled_start),"
    "  actual_start INTEGER,"
    "  actual_end INTEGER,"
    "  state TEXT NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled','live','ended')),"
    "  record INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL);"
    "CREATE INDEX sessions_course ON sessions(course_id);"
    "CREATE TABLE people ("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  org TEXT,"
    "  first_seen INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL);"
    "CREATE TABLE attendance ("
    "  id INTEGER PRIMARY KEY,"
    "  session_id INTEGER NOT NULL REFERENCES sessions(id),"
    "  person_id TEXT NOT NULL REFERENCES people(id),"
    "  role TEXT NOT NULL CHECK (role IN ('instructor','trainee')),"
    "  mode TEXT NOT NULL CHECK (mode IN ('remote','in-person')),"
    "  opened INTEGER NOT NULL,"
    "  closed INTEGER CHECK (closed IS NULL OR closed >= opened),"
    "  last_seen INTEGER NOT NULL,"
    "  close_reason TEXT,"
    "  client_addr TEXT,"
    "  user_agent TEXT);"
    "CREATE INDEX attendance_session ON attendance(session_id, person_id);"
    "CREATE INDEX attendance_open ON attendance(closed) WHERE closed IS NULL;"
    "CREATE TABLE session_bans ("
    "  session_id INTEGER NOT NULL REFERENCES sessions(id),"
    "  person_id TEXT NOT NULL,"
    "  banned_at INTEGER NOT NULL,"
    "  banned_by TEXT,"
    "  PRIMARY KEY (session_id, person_id));"
    "CREATE TABLE events ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  at INTEGER NOT NULL,"
    "  session_id INTEGER,"
    "  person_id TEXT,"
    "  type TEXT NOT NULL,"
    "  data TEXT NOT NULL DEFAULT '{}');",
    /* 2: media intervals: when media actually reached (or came from) a
     * person, reported by the relay; attendance.require_media credits
     * remote time only inside them. */
    "CREATE TABLE media_intervals ("
    "  id INTEGER PRIMARY KEY,"
    "  session_id INTEGER NOT NULL REFERENCES sessions(id),"
    "  person_id TEXT NOT NULL,"
    "  direction TEXT NOT NULL CHECK (direction IN ('receive','send')),"
    "  opened INTEGER NOT NULL,"
    "  closed INTEGER CHECK (closed IS NULL OR closed >= opened),"
    "  last_seen INTEGER NOT NULL,"
    "  close_reason TEXT);"
    "CREATE INDEX media_session ON media_intervals(session_id, person_id);",
    /* 3: the recordings catalog (store/recordings.c). A path is relative to
     * recording.dir and names one file only; mp4 is allowed for the
     * fragmented-MP4 path of H.264 recordings. */
    "CREATE TABLE recordings ("
    "  id INTEGER PRIMARY KEY,"
    "  session_id INTEGER NOT NULL REFERENCES sessions(id),"
    "  path TEXT NOT NULL UNIQUE,"
    "  container TEXT NOT NULL CHECK (container IN ('webm','mkv','mp4')),"
    "  tracks TEXT NOT NULL DEFAULT '[]',"
    "  state TEXT NOT NULL DEFAULT 'recording'"
    "    CHECK (state IN ('recording','finalizing','complete','repaired','failed')),"
    "  reason TEXT,"
    "  started_at INTEGER NOT NULL,"
    "  ended_at INTEGER,"
    "  duration_seconds REAL CHECK (duration_seconds IS NULL OR duration_seconds >= 0),"
    "  size_bytes INTEGER CHECK (size_bytes IS NULL OR size_bytes >= 0),"
    "  sha256 TEXT,"
    "  created_at INTEGER NOT NULL);"
    "CREATE INDEX recordings_session ON recordings(session_id, started_at);",
};

gboolean
cr_store_migrate(sqlite3 *db, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(db, "PRAGMA user_version", error);
    if (stmt == NULL || sqlite3_step(stmt) != SQLITE_ROW)
        return stmt == NULL ? FALSE : cr_sql_fail(db, "read schema version", error);
    int version = sqlite3_column_int(stmt, 0);
    int latest = (int)G_N_ELEMENTS(migrations);
    if (version > latest) {
        g_set_error(error, CR_ERROR, CR_ERROR_INTERNAL,
                    "database schema version %d is newer than this classrelay (%d)", version,
                    latest);
        return FALSE;
    }
    for (int v = version; v < latest; v++) {
        g_autofree char *bump = g_strdup_printf("PRAGMA user_version = %d", v + 1);
        if (!cr_sql_exec(db, "BEGIN IMMEDIATE", error))
            return FALSE;
        if (!cr_sql_exec(db, migrations[v], error) || !cr_sql_exec(db, bump, error)) {
            cr_sql_exec(db, "ROLLBACK", NULL);
            return FALSE;
        }
        if (!cr_sql_exec(db, "COMMIT", error))
            return FALSE;
        g_message("database schema migrated to version %d", v + 1);
    }
    return TRUE;
}

/* After a crash, remote intervals are still open: close each at the last
 * heartbeat that proved the person was there. In-person intervals have no
 * heartbeat; they stay open until check-out or the session's end. */
gint64
cr_store_recover(sqlite3 *db, GError **error)
{
    if (!cr_sql_exec(db, "BEGIN IMMEDIATE", error))
        return -1;
    if (!cr_sql_exec(db,
                     "INSERT INTO events (at, session_id, person_id, type, data)"
                     " SELECT last_seen, session_id, person_id, 'leave',"
                     "  json_object('interval', id, 'reason', 'server_restart')"
                     " FROM attendance WHERE closed IS NULL AND mode = 'remote'",
                     error) ||
        !cr_sql_exec(db,
                     "UPDATE attendance SET closed = last_seen, close_reason = 'server_restart'"
                     " WHERE closed IS NULL AND mode = 'remote'",
                     error)) {
        cr_sql_exec(db, "ROLLBACK", NULL);
        return -1;
    }
    gint64 closed = sqlite3_changes(db);
    if (!cr_sql_exec(db,
                     "UPDATE media_intervals SET closed = last_seen,"
                     " close_reason = 'server_restart' WHERE closed IS NULL",
                     error)) {
        cr_sql_exec(db, "ROLLBACK", NULL);
        return -1;
    }
    if (!cr_sql_exec(db, "COMMIT", error))
        return -1;
    return closed;
}
