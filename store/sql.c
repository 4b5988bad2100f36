/* sql.c — small sqlite3 helpers that turn failures into GErrors.
 * Store thread (or the opening thread before it starts). */
#include "store/store-private.h"

gboolean
cr_sql_fail(sqlite3 *db, const char *what, GError **error)
{
    int code = sqlite3_extended_errcode(db);
    /* A CHECK or NOT NULL failure is an invalid field (store.h: BAD_REQUEST);
     * other constraints (unique, foreign key) clash with what is stored. */
    int kind = code == SQLITE_CONSTRAINT_CHECK || code == SQLITE_CONSTRAINT_NOTNULL
                   ? CR_ERROR_BAD_REQUEST
               : (code & 0xff) == SQLITE_CONSTRAINT ? CR_ERROR_CONFLICT
                                                    : CR_ERROR_INTERNAL;
    g_set_error(error, CR_ERROR, kind, "database: %s: %s", what, sqlite3_errmsg(db));
    return FALSE;
}

gboolean
cr_sql_exec(sqlite3 *db, const char *sql, GError **error)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return cr_sql_fail(db, "exec", error);
    return TRUE;
}

sqlite3_stmt *
cr_sql_prepare(sqlite3 *db, const char *sql, GError **error)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        cr_sql_fail(db, "prepare", error);
        return NULL;
    }
    return stmt;
}

gboolean
cr_sql_step_done(sqlite3 *db, sqlite3_stmt *stmt, GError **error)
{
    if (sqlite3_step(stmt) != SQLITE_DONE)
        return cr_sql_fail(db, "step", error);
    return TRUE;
}

char *
cr_sql_text(sqlite3_stmt *stmt, int col)
{
    const unsigned char *text = sqlite3_column_text(stmt, col);
    return text != NULL ? g_strdup((const char *)text) : NULL;
}

void
cr_sql_bind_text(sqlite3_stmt *stmt, int idx, const char *text)
{
    if (text != NULL)
        sqlite3_bind_text(stmt, idx, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(stmt, idx);
}
