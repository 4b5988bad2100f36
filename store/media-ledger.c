/* media-ledger.c — media intervals: when the relay saw media reach (or
 * come from) a person. Store thread; each operation one transaction. */
#include "store/store-private.h"

typedef struct {
    gint64 session_id, at, id;
    char *person, *direction, *reason;
} MediaIn;

static void
media_in_free(gpointer data)
{
    MediaIn *in = data;
    g_free(in->person);
    g_free(in->direction);
    g_free(in->reason);
    g_free(in);
}

static gpointer
op_media_open(sqlite3 *db, gpointer input, GError **error)
{
    MediaIn *in = input;
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db,
        "INSERT INTO media_intervals (session_id, person_id, direction, opened, last_seen)"
        " VALUES (?, ?, ?, ?4, ?4)",
        error);
    if (stmt == NULL)
        return NULL;
    sqlite3_bind_int64(stmt, 1, in->session_id);
    cr_sql_bind_text(stmt, 2, in->person);
    cr_sql_bind_text(stmt, 3, in->direction);
    sqlite3_bind_int64(stmt, 4, in->at);
    if (!cr_sql_step_done(db, stmt, error))
        return NULL;
    gint64 id = sqlite3_last_insert_rowid(db);
    return g_memdup2(&id, sizeof id);
}

void
cr_store_media_open(CrStore *store, gint64 session_id, const char *person, gboolean receive,
                    gint64 at, CrStoreDone done, gpointer user_data)
{
    MediaIn *in = g_new0(MediaIn, 1);
    in->session_id = session_id;
    in->person = g_strdup(person);
    in->direction = g_strdup(receive ? "receive" : "send");
    in->at = at;
    cr_store_submit(store, op_media_open, in, media_in_free, g_free, done, user_data);
}

static gpointer
op_media_close(sqlite3 *db, gpointer input, GError **error)
{
    MediaIn *in = input;
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db,
        "UPDATE media_intervals SET closed = max(?1, opened), last_seen = max(last_seen, ?1),"
        " close_reason = ?2 WHERE id = ?3 AND closed IS NULL",
        error);
    if (stmt == NULL)
        return NULL;
    sqlite3_bind_int64(stmt, 1, in->at);
    cr_sql_bind_text(stmt, 2, in->reason);
    sqlite3_bind_int64(stmt, 3, in->id);
    cr_sql_step_done(db, stmt, error);
    return NULL;
}

void
cr_store_media_close(CrStore *store, gint64 media_id, gint64 at, const char *reason)
{
    MediaIn *in = g_new0(MediaIn, 1);
    in->id = media_id;
    in->at = at;
    in->reason = g_strdup(reason);
    cr_store_submit(store, op_media_close, in, media_in_free, NULL, NULL, NULL);
}

static gpointer
op_media_touch(sqlite3 *db, gpointer input, GError **error)
{
    GArray *ids = input; /* pairs: id, seen */
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(
        db,
        "UPDATE media_intervals SET last_seen = max(last_seen, ?) WHERE id = ? AND closed IS NULL",
        error);
    for (guint i = 0; stmt != NULL && i + 1 < ids->len; i += 2) {
        sqlite3_bind_int64(stmt, 1, g_array_index(ids, gint64, i + 1));
        sqlite3_bind_int64(stmt, 2, g_array_index(ids, gint64, i));
        if (!cr_sql_step_done(db, stmt, error))
            return NULL;
        sqlite3_reset(stmt);
    }
    return NULL;
}

void
cr_store_media_touch(CrStore *store, const gint64 *media_ids, gsize n, gint64 seen)
{
    if (n == 0)
        return;
    GArray *pairs = g_array_sized_new(FALSE, FALSE, sizeof(gint64), (guint)(2 * n));
    for (gsize i = 0; i < n; i++) {
        g_array_append_val(pairs, media_ids[i]);
        g_array_append_val(pairs, seen);
    }
    cr_store_submit(store, op_media_touch, pairs, (GDestroyNotify)g_array_unref, NULL, NULL,
                    NULL);
}
