/* store.c — the store thread: it owns the sqlite3 connection and runs
 * submitted operations one at a time, each in a transaction.
 *
 * Threads: cr_store_open/close on the main thread; jobs on the store
 * thread; done callbacks on each submitter's GMainContext. The queue is
 * the only shared structure (a GAsyncQueue); the counters are guarded by
 * stats_lock, which is never held while calling out.
 */
#include "store/store-private.h"

typedef struct {
    CrStoreFunc fn; /* NULL: the stop sentinel */
    gpointer input;
    GDestroyNotify input_free;
    GDestroyNotify result_free;
    CrStoreDone done;
    gpointer user_data;
    GMainContext *context;
    gpointer result;
    GError *error;
    /* Synchronous calls wait on these. */
    GMutex *wait_lock;
    GCond *wait_cond;
    gboolean finished;
    /* Reads begin a deferred transaction: in WAL mode they then never wait
     * for, nor block, the writers. */
    gboolean read_only;
} Job;

struct _CrStore {
    sqlite3 *db;
    GThread *thread;
    GAsyncQueue *queue; /* Job * */
    guint recovered;
    GMutex stats_lock; /* guards stats */
    CrStoreStats stats;
};

static void
job_free(Job *job)
{
    if (job->result != NULL && job->result_free != NULL)
        job->result_free(job->result);
    g_clear_error(&job->error);
    if (job->context != NULL)
        g_main_context_unref(job->context);
    g_free(job);
}

static gboolean
deliver(gpointer data)
{
    Job *job = data;
    job->done(job->result, job->error, job->user_data);
    job_free(job);
    return G_SOURCE_REMOVE;
}

static void
run_job(CrStore *store, Job *job)
{
    gint64 started = g_get_monotonic_time();
    if (cr_sql_exec(store->db, job->read_only ? "BEGIN DEFERRED" : "BEGIN IMMEDIATE",
                    &job->error)) {
        job->result = job->fn(store->db, job->input, &job->error);
        if (job->error == NULL && cr_sql_exec(store->db, "COMMIT", &job->error)) {
            /* committed */
        } else {
            cr_sql_exec(store->db, "ROLLBACK", NULL);
            if (job->result != NULL && job->result_free != NULL)
                job->result_free(job->result);
            job->result = NULL;
            if (job->error == NULL)
                g_set_error(&job->error, CR_ERROR, CR_ERROR_INTERNAL, "database: failed");
        }
    }
    if (job->input_free != NULL && job->input != NULL)
        job->input_free(job->input);
    job->input = NULL;

    guint64 took = (guint64)(g_get_monotonic_time() - started);
    g_mutex_lock(&store->stats_lock);
    store->stats.jobs++;
    store->stats.errors += job->error != NULL && job->error->code == CR_ERROR_INTERNAL;
    store->stats.total_us += took;
    if (took > store->stats.max_us)
        store->stats.max_us = took;
    g_mutex_unlock(&store->stats_lock);
    if (job->error != NULL && job->error->code == CR_ERROR_INTERNAL)
        g_warning("store: %s", job->error->message);
}

static gpointer
store_thread(gpointer data)
{
    CrStore *store = data;
    for (;;) {
        Job *job = g_async_queue_pop(store->queue);
        if (job->fn == NULL) {
            g_free(job);
            return NULL;
        }
        run_job(store, job);
        if (job->wait_lock != NULL) {
            g_mutex_lock(job->wait_lock);
            job->finished = TRUE;
            g_cond_signal(job->wait_cond);
            g_mutex_unlock(job->wait_lock);
        } else if (job->done != NULL) {
            GSource *source = g_idle_source_new();
            g_source_set_priority(source, G_PRIORITY_DEFAULT);
            g_source_set_callback(source, deliver, job, NULL);
            g_source_attach(source, job->context);
            g_source_unref(source);
        } else {
            job_free(job);
        }
    }
}

static gboolean
configure(sqlite3 *db, gint64 busy_timeout_ms, GError **error)
{
    sqlite3_busy_timeout(db, (int)busy_timeout_ms);
    /* WAL lets `classrelay report` read while the server writes;
     * synchronous=FULL makes a commit durable before we acknowledge it. */
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(db, "PRAGMA journal_mode = WAL", error);
    if (stmt == NULL)
        return FALSE;
    if (sqlite3_step(stmt) != SQLITE_ROW ||
        g_strcmp0((const char *)sqlite3_column_text(stmt, 0), "wal") != 0) {
        g_set_error(error, CR_ERROR, CR_ERROR_INTERNAL, "database: cannot enable WAL mode");
        return FALSE;
    }
    return cr_sql_exec(db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;", error);
}

CrStore *
cr_store_open(const char *path, gint64 busy_timeout_ms, gboolean recover, GError **error)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                            SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        g_set_error(error, CR_ERROR, CR_ERROR_INTERNAL, "cannot open database %s: %s", path,
                    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return NULL;
    }
    gint64 recovered = 0;
    if (!configure(db, busy_timeout_ms, error) || !cr_store_migrate(db, error) ||
        (recover && (recovered = cr_store_recover(db, error)) < 0)) {
        g_prefix_error(error, "%s: ", path);
        sqlite3_close(db);
        return NULL;
    }
    CrStore *store = g_new0(CrStore, 1);
    store->db = db;
    store->recovered = (guint)recovered;
    store->queue = g_async_queue_new();
    g_mutex_init(&store->stats_lock);
    store->thread = g_thread_new("cr-store", store_thread, store);
    return store;
}

void
cr_store_close(CrStore *store)
{
    if (store == NULL)
        return;
    g_async_queue_push(store->queue, g_new0(Job, 1));
    g_thread_join(store->thread);
    g_async_queue_unref(store->queue);
    sqlite3_close(store->db);
    g_mutex_clear(&store->stats_lock);
    g_free(store);
}

guint
cr_store_recovered_intervals(const CrStore *store)
{
    return store->recovered;
}

void
cr_store_stats(CrStore *store, CrStoreStats *out)
{
    g_mutex_lock(&store->stats_lock);
    *out = store->stats;
    g_mutex_unlock(&store->stats_lock);
    out->queued = (guint)MAX(0, g_async_queue_length(store->queue));
}

static void
submit(CrStore *store, gboolean read_only, CrStoreFunc fn, gpointer input,
       GDestroyNotify input_free, GDestroyNotify result_free, CrStoreDone done,
       gpointer user_data)
{
    Job *job = g_new0(Job, 1);
    job->read_only = read_only;
    job->fn = fn;
    job->input = input;
    job->input_free = input_free;
    job->result_free = result_free;
    job->done = done;
    job->user_data = user_data;
    job->context = g_main_context_ref_thread_default();
    g_async_queue_push(store->queue, job);
}

void
cr_store_submit(CrStore *store, CrStoreFunc fn, gpointer input, GDestroyNotify input_free,
                GDestroyNotify result_free, CrStoreDone done, gpointer user_data)
{
    submit(store, FALSE, fn, input, input_free, result_free, done, user_data);
}

void
cr_store_submit_read(CrStore *store, CrStoreFunc fn, gpointer input, GDestroyNotify input_free,
                     GDestroyNotify result_free, CrStoreDone done, gpointer user_data)
{
    submit(store, TRUE, fn, input, input_free, result_free, done, user_data);
}

static gpointer
call(CrStore *store, gboolean read_only, CrStoreFunc fn, gpointer input, GError **error)
{
    GMutex lock;
    GCond cond;
    g_mutex_init(&lock);
    g_cond_init(&cond);
    Job *job = g_new0(Job, 1);
    job->fn = fn;
    job->input = input;
    job->read_only = read_only;
    job->wait_lock = &lock;
    job->wait_cond = &cond;
    g_async_queue_push(store->queue, job);
    g_mutex_lock(&lock);
    while (!job->finished)
        g_cond_wait(&cond, &lock);
    g_mutex_unlock(&lock);
    g_mutex_clear(&lock);
    g_cond_clear(&cond);
    gpointer result = job->result;
    if (job->error != NULL)
        g_propagate_error(error, g_steal_pointer(&job->error));
    g_free(job);
    return result;
}

gpointer
cr_store_call(CrStore *store, CrStoreFunc fn, gpointer input, GError **error)
{
    return call(store, FALSE, fn, input, error);
}

gpointer
cr_store_call_read(CrStore *store, CrStoreFunc fn, gpointer input, GError **error)
{
    return call(store, TRUE, fn, input, error);
}
