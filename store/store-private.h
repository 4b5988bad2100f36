/* store-private.h — shared inside the store module only.
 *
 * Operations are CrStoreFunc functions that run on the store thread inside
 * a transaction (store.c begins it, commits on success, rolls back on
 * error), so a refused request never changes what is stored.
 */
#pragma once

#include "store/store.h"

#include <sqlite3.h>

#include "common/error.h"

/* Runs on the store thread. Returns the result (may be NULL) or sets
 * @error. */
typedef gpointer (*CrStoreFunc)(sqlite3 *db, gpointer input, GError **error);

/* Queues @fn. When it has run (and committed or rolled back), @done runs
 * on the submitter's thread-default GMainContext with the result, then
 * @result_free frees the result (unless the done callback stole it by
 * returning... no: callbacks that keep a result copy it). @input_free
 * frees @input on the store thread after @fn ran. @done may be NULL. */
void cr_store_submit(CrStore *store, CrStoreFunc fn, gpointer input, GDestroyNotify input_free,
                     GDestroyNotify result_free, CrStoreDone done, gpointer user_data);

/* The same for an operation that only reads (a deferred transaction). */
void cr_store_submit_read(CrStore *store, CrStoreFunc fn, gpointer input,
                          GDestroyNotify input_free, GDestroyNotify result_free, CrStoreDone done,
                          gpointer user_data);

/* Runs @fn on the store thread and waits for it. The caller owns the
 * result. Must not be called from the store thread. */
gpointer cr_store_call(CrStore *store, CrStoreFunc fn, gpointer input, GError **error);
gpointer cr_store_call_read(CrStore *store, CrStoreFunc fn, gpointer input, GError **error);

/* Schema migrations and crash recovery (schema.c), on the opening thread
 * before the store thread starts. */
gboolean cr_store_migrate(sqlite3 *db, GError **error);
gint64 cr_store_recover(sqlite3 *db, GError **error);

/* ---- sqlite helpers (sql.c) ---- */

/* Sets @error from the connection's last error. */
gboolean cr_sql_fail(sqlite3 *db, const char *what, GError **error);
/* Executes SQL without results. */
gboolean cr_sql_exec(sqlite3 *db, const char *sql, GError **error);
/* Prepares @sql; NULL with @error on failure. */
sqlite3_stmt *cr_sql_prepare(sqlite3 *db, const char *sql, GError **error);
/* sqlite3_step expecting SQLITE_DONE. */
gboolean cr_sql_step_done(sqlite3 *db, sqlite3_stmt *stmt, GError **error);
/* Column text as a g_strdup'ed string (NULL for SQL NULL). */
char *cr_sql_text(sqlite3_stmt *stmt, int col);
/* Binds text or NULL. */
void cr_sql_bind_text(sqlite3_stmt *stmt, int idx, const char *text);

static inline void
cr_sql_finalize(sqlite3_stmt *stmt)
{
    sqlite3_finalize(stmt);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, cr_sql_finalize)

/* Reads the session row; NOT_FOUND when missing. */
gboolean cr_store_read_session(sqlite3 *db, gint64 session_id, CrSessionInfo *out,
                               GError **error);
/* Appends an outbox event. */
gboolean cr_store_append_event(sqlite3 *db, const CrEventInput *in, GError **error);
/* Upserts a person's name and organisation. */
gboolean cr_store_upsert_person(sqlite3 *db, const char *person, const char *name,
                                const char *org, gint64 at, GError **error);
/* Builds a session report (report-build.c). */
CrSessionReport *cr_store_build_session_report(sqlite3 *db, gint64 session_id,
                                               const CrCreditRules *rules, gint64 now,
                                               GError **error);
