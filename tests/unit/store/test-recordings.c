/* test-recordings.c — tests for store/recordings.c (the recordings
 * catalog) and the schema migration that adds it, plus the file helpers
 * of recorder/catalog.c that only need a store and a directory (paths,
 * sha256, verify, retention).
 *
 * Each test gets a fresh database in its own temporary directory, with
 * one course and one session. Asynchronous operations are awaited by
 * running a GMainLoop until their done callback fires (a timeout fails
 * the test); the database is inspected through the store's own connection
 * with cr_store_call (store-private.h).
 */
#include "store/store-private.h"

#include <glib/gstdio.h>
#include <string.h>

#include "common/error.h"
#include "common/json.h"
#include "common/time.h"
#include "recorder/catalog.h"

/* 2026-11-27T09:00:00Z */
#define T0           G_GINT64_CONSTANT(1795770000)
#define WAIT_SECONDS 20

typedef struct {
    GMainLoop *loop;
    gboolean done;
    json_t *result;
    GError *error;
} Wait;

static void
on_done(gpointer result, const GError *error, gpointer user_data)
{
    Wait *w = user_data;
    g_assert_false(w->done);
    w->done = TRUE;
    if (error != NULL) {
        g_assert_null(result);
        w->error = g_error_copy(error);
    } else if (result != NULL) {
        w->result = json_incref(result);
    }
    g_main_loop_quit(w->loop);
}

static gboolean
on_timeout(gpointer data)
{
    g_error("store operation did not complete within %d s", WAIT_SECONDS);
    return G_SOURCE_REMOVE;
}

static void
wait_init(Wait *w)
{
    memset(w, 0, sizeof *w);
    w->loop = g_main_loop_new(NULL, FALSE);
}

static json_t *
await(Wait *w, GError **error)
{
    guint timer = g_timeout_add_seconds(WAIT_SECONDS, on_timeout, w);
    while (!w->done)
        g_main_loop_run(w->loop);
    g_source_remove(timer);
    g_main_loop_unref(w->loop);
    if (w->error != NULL)
        g_propagate_error(error, w->error);
    return w->result;
}

/* ---- fixture ---------------------------------------------------------- */

typedef struct {
    char *dir;
    char *rec_dir;
    char *path;
    CrStore *store;
    gint64 session;
    gint64 other_session;
} Fixture;

static void
remove_tree(const char *path)
{
    if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
        g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
        const char *name;
        while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            remove_tree(child);
        }
        g_assert_cmpint(g_rmdir(path), ==, 0);
    } else {
        g_assert_cmpint(g_remove(path), ==, 0);
    }
}

static gint64
new_session(Fixture *f, gint64 course)
{
    CrSessionInput in = {course, "Week 1", T0, T0 + 3600, TRUE};
    Wait w;
    wait_init(&w);
    cr_store_create_session(f->store, &in, on_done, &w);
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) session = await(&w, &error);
    g_assert_no_error(error);
    return json_integer_value(json_object_get(session, "id"));
}

static void
open_store(Fixture *f)
{
    g_autoptr(GError) error = NULL;
    f->store = cr_store_open(f->path, 5000, TRUE, &error);
    g_assert_no_error(error);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    f->dir = g_dir_make_tmp("cr-test-recordings-XXXXXX", &error);
    g_assert_no_error(error);
    f->path = g_build_filename(f->dir, "classrelay.db", NULL);
    f->rec_dir = g_build_filename(f->dir, "recordings", NULL);
    g_assert_cmpint(g_mkdir(f->rec_dir, 0700), ==, 0);
    open_store(f);
    CrCourseInput course = {"REC-1", "Recorded course", "general", "hybrid", 1.0};
    Wait w;
    wait_init(&w);
    cr_store_create_course(f->store, &course, on_done, &w);
    g_autoptr(json_t) c = await(&w, &error);
    g_assert_no_error(error);
    gint64 course_id = json_integer_value(json_object_get(c, "id"));
    f->session = new_session(f, course_id);
    f->other_session = new_session(f, course_id);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    cr_store_close(f->store);
    remove_tree(f->dir);
    g_free(f->path);
    g_free(f->rec_dir);
    g_free(f->dir);
}

/* ---- helpers ------------------------------------------------------------ */

static gpointer
op_query_int(sqlite3 *db, gpointer input, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = cr_sql_prepare(db, input, error);
    if (stmt == NULL || sqlite3_step(stmt) != SQLITE_ROW) {
        if (stmt != NULL)
            g_set_error(error, CR_ERROR, CR_ERROR_NOT_FOUND, "no row");
        return NULL;
    }
    gint64 v = sqlite3_column_int64(stmt, 0);
    return g_memdup2(&v, sizeof v);
}

static G_GNUC_PRINTF(2, 3) gint64 sql_int(Fixture *f, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *sql = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_autoptr(GError) error = NULL;
    g_autofree gint64 *v = cr_store_call(f->store, op_query_int, sql, &error);
    g_assert_no_error(error);
    return *v;
}

static json_t *
create(Fixture *f, gint64 session, const char *path, const char *container, json_t *tracks,
       gint64 started, GError **error)
{
    CrRecordingInput in = {session, path, container, tracks, started};
    Wait w;
    wait_init(&w);
    cr_store_recording_create(f->store, &in, on_done, &w);
    return await(&w, error);
}

static json_t *
update(Fixture *f, const CrRecordingUpdate *up, GError **error)
{
    Wait w;
    wait_init(&w);
    cr_store_recording_update(f->store, up, on_done, &w);
    return await(&w, error);
}

static json_t *
get(Fixture *f, gint64 id, GError **error)
{
    Wait w;
    wait_init(&w);
    cr_store_get_recording(f->store, id, on_done, &w);
    return await(&w, error);
}

static json_t *
list(Fixture *f, gint64 session, GError **error)
{
    Wait w;
    wait_init(&w);
    cr_store_list_recordings(f->store, session, on_done, &w);
    return await(&w, error);
}

static json_t *delete (Fixture *f, gint64 id, GError **error)
{
    Wait w;
    wait_init(&w);
    cr_store_delete_recording(f->store, id, on_done, &w);
    return await(&w, error);
}

static gint64
jid(const json_t *obj)
{
    g_assert_nonnull(obj);
    return json_integer_value(json_object_get(obj, "id"));
}

static const char *
jstr(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static json_t *
av_tracks(void)
{
    return json_pack("[{s:s,s:s,s:s},{s:s,s:s,s:s}]", "kind", "video", "source", "classroom",
                     "codec", "VP8", "kind", "audio", "source", "classroom", "codec", "opus");
}

/* A recording created and then finished as the recorder will: complete,
 * with its end, duration, size and hash. */
static gint64
finished(Fixture *f, const char *path, gint64 started, gint64 ended, gint64 size,
         const char *sha256)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) rec = create(f, f->session, path, "webm", NULL, started, &error);
    g_assert_no_error(error);
    CrRecordingUpdate up = {jid(rec), "complete", NULL, ended, (double)(ended - started),
                            size,     sha256,     NULL};
    g_assert_true(cr_store_recording_update_sync(f->store, &up, &error));
    g_assert_no_error(error);
    return jid(rec);
}

static void
write_file(Fixture *f, const char *relative, const char *content, gsize len)
{
    g_autofree char *path = g_build_filename(f->rec_dir, relative, NULL);
    g_autofree char *parent = g_path_get_dirname(path);
    g_assert_cmpint(g_mkdir_with_parents(parent, 0700), ==, 0);
    g_autoptr(GError) error = NULL;
    g_assert_true(g_file_set_contents(path, content, (gssize)len, &error));
    g_assert_no_error(error);
}

/* ---- tests: the store ------------------------------------------------- */

static void
test_create(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) tracks = av_tracks();
    g_autoptr(json_t) rec =
        create(f, f->session, "session-1/rec-1.webm", "webm", tracks, T0 + 60, &error);
    g_assert_no_error(error);
    g_assert_cmpint(jid(rec), >, 0);
    g_assert_cmpint(json_integer_value(json_object_get(rec, "session_id")), ==, f->session);
    g_assert_cmpstr(jstr(rec, "state"), ==, "recording");
    g_assert_true(json_is_null(json_object_get(rec, "reason")));
    g_assert_cmpstr(jstr(rec, "container"), ==, "webm");
    g_assert_cmpstr(jstr(rec, "path"), ==, "session-1/rec-1.webm");
    g_assert_true(json_equal(json_object_get(rec, "tracks"), tracks));
    g_autofree char *start = cr_time_format(T0 + 60);
    g_assert_cmpstr(jstr(rec, "started_at"), ==, start);
    g_assert_true(json_is_null(json_object_get(rec, "ended_at")));
    g_assert_true(json_is_null(json_object_get(rec, "duration_seconds")));
    g_assert_true(json_is_null(json_object_get(rec, "size_bytes")));
    g_assert_true(json_is_null(json_object_get(rec, "sha256")));
    g_assert_cmpuint(json_object_size(rec), ==, 12);
    /* Stored as Unix seconds, like every other table; an outbox event. */
    g_assert_cmpint(sql_int(f, "SELECT started_at FROM recordings"), ==, T0 + 60);
    g_assert_cmpint(sql_int(f,
                            "SELECT count(*) FROM events WHERE type = 'recording_created'"
                            " AND session_id = %" G_GINT64_FORMAT
                            " AND json_extract(data, '$.recording') = %" G_GINT64_FORMAT,
                            f->session, jid(rec)),
                    ==, 1);

    /* No tracks given: an empty list. */
    g_autoptr(json_t) bare = create(f, f->session, "session-1/rec-2.mkv", "mkv", NULL, T0, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(json_array_size(json_object_get(bare, "tracks")), ==, 0);
}

static void
test_create_refused(Fixture *f, gconstpointer data)
{
    static const struct {
        gint64 session_offset; /* added to f->session; large = missing */
        const char *path, *container;
        int code;
    } cases[] = {
        {1000, "s/a.webm", "webm", CR_ERROR_NOT_FOUND},
        {0, "/etc/passwd", "webm", CR_ERROR_BAD_REQUEST},
        {0, "../outside.webm", "webm", CR_ERROR_BAD_REQUEST},
        {0, "s/../../outside.webm", "webm", CR_ERROR_BAD_REQUEST},
        {0, "s//a.webm", "webm", CR_ERROR_BAD_REQUEST},
        {0, "s/./a.webm", "webm", CR_ERROR_BAD_REQUEST},
        {0, "s\\a.webm", "webm", CR_ERROR_BAD_REQUEST},
        {0, "", "webm", CR_ERROR_BAD_REQUEST},
        {0, "s/a.avi", "avi", CR_ERROR_BAD_REQUEST},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(json_t) rec = create(f, f->session + cases[i].session_offset, cases[i].path,
                                       cases[i].container, NULL, T0, &error);
        g_assert_null(rec);
        g_assert_error(error, CR_ERROR, cases[i].code);
    }
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) not_array = json_object();
    g_autoptr(json_t) rec = create(f, f->session, "s/a.webm", "webm", not_array, T0, &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    g_clear_error(&error);
    /* Nothing was stored, no event written. */
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM recordings"), ==, 0);
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM events WHERE type LIKE 'recording%%'"), ==, 0);
    /* Two rows may not share a file. */
    g_autoptr(json_t) first = create(f, f->session, "s/a.webm", "webm", NULL, T0, &error);
    g_assert_no_error(error);
    g_autoptr(json_t) again = create(f, f->other_session, "s/a.webm", "webm", NULL, T0, &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_CONFLICT);
}

static void
test_update(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) rec = create(f, f->session, "s/r.webm", "webm", NULL, T0, &error);
    gint64 id = jid(rec);
    /* Only the state: everything else unchanged. */
    CrRecordingUpdate up = {id, "finalizing", NULL, 0, -1, -1, NULL, NULL};
    g_autoptr(json_t) r1 = update(f, &up, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(jstr(r1, "state"), ==, "finalizing");
    g_assert_true(json_is_null(json_object_get(r1, "size_bytes")));

    g_autoptr(json_t) tracks = av_tracks();
    const char *hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    CrRecordingUpdate done = {id, "complete", NULL, T0 + 125, 124.5, 123456, hash, tracks};
    g_autoptr(json_t) r2 = update(f, &done, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(jstr(r2, "state"), ==, "complete");
    g_autofree char *end = cr_time_format(T0 + 125);
    g_assert_cmpstr(jstr(r2, "ended_at"), ==, end);
    g_assert_cmpfloat(json_real_value(json_object_get(r2, "duration_seconds")), ==, 124.5);
    g_assert_cmpint(json_integer_value(json_object_get(r2, "size_bytes")), ==, 123456);
    g_assert_cmpstr(jstr(r2, "sha256"), ==, hash);
    g_assert_true(json_equal(json_object_get(r2, "tracks"), tracks));

    /* A failure reason, the rest kept. */
    CrRecordingUpdate fail = {id, "failed", "disk full", 0, -1, -1, NULL, NULL};
    g_autoptr(json_t) r3 = update(f, &fail, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(jstr(r3, "reason"), ==, "disk full");
    g_assert_cmpstr(jstr(r3, "sha256"), ==, hash);
    g_assert_cmpint(json_integer_value(json_object_get(r3, "size_bytes")), ==, 123456);
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM events WHERE type = 'recording_updated'"), ==,
                    3);

    /* Refusals change nothing. */
    CrRecordingUpdate bad_state = {id, "paused", NULL, 0, -1, -1, NULL, NULL};
    g_autoptr(json_t) r4 = update(f, &bad_state, &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    g_clear_error(&error);
    CrRecordingUpdate bad_hash = {id, NULL, NULL, 0, -1, -1, "ABC", NULL};
    g_assert_false(cr_store_recording_update_sync(f->store, &bad_hash, &error));
    g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    g_clear_error(&error);
    CrRecordingUpdate missing = {id + 100, "complete", NULL, 0, -1, -1, NULL, NULL};
    g_assert_false(cr_store_recording_update_sync(f->store, &missing, &error));
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
    g_clear_error(&error);
    g_autoptr(json_t) now = get(f, id, &error);
    g_assert_cmpstr(jstr(now, "state"), ==, "failed");
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM events WHERE type = 'recording_updated'"), ==,
                    3);

    /* @done may be NULL (fire and forget); a later read sees it. */
    CrRecordingUpdate quiet = {id, "repaired", "remuxed at start", 0, -1, -1, NULL, NULL};
    cr_store_recording_update(f->store, &quiet, NULL, NULL);
    g_autoptr(json_t) after = get(f, id, &error);
    g_assert_cmpstr(jstr(after, "state"), ==, "repaired");
}

static void
test_list_get(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) a = create(f, f->session, "s1/a.webm", "webm", NULL, T0, &error);
    g_autoptr(json_t) b = create(f, f->session, "s1/b.webm", "webm", NULL, T0 + 600, &error);
    g_autoptr(json_t) c = create(f, f->other_session, "s2/c.mkv", "mkv", NULL, T0 + 300, &error);
    g_assert_no_error(error);

    g_autoptr(json_t) mine = list(f, f->session, &error);
    g_assert_no_error(error);
    json_t *recs = json_object_get(mine, "recordings");
    g_assert_cmpuint(json_array_size(recs), ==, 2);
    g_assert_cmpint(jid(json_array_get(recs, 0)), ==, jid(b)); /* newest first */
    g_assert_cmpint(jid(json_array_get(recs, 1)), ==, jid(a));

    g_autoptr(json_t) all = list(f, 0, &error);
    recs = json_object_get(all, "recordings");
    g_assert_cmpuint(json_array_size(recs), ==, 3);
    g_assert_cmpint(jid(json_array_get(recs, 1)), ==, jid(c));
    g_autoptr(json_t) sync = cr_store_list_recordings_sync(f->store, 0, &error);
    g_assert_true(json_equal(sync, all));

    g_autoptr(json_t) got = get(f, jid(c), &error);
    g_assert_no_error(error);
    g_assert_true(json_equal(got, c));

    g_autoptr(json_t) none = get(f, jid(c) + 100, &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
    g_clear_error(&error);
    g_autoptr(json_t) no_session = list(f, f->session + 1000, &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
    g_clear_error(&error);
    g_autoptr(json_t) empty_session = list(f, f->other_session, &error);
    g_assert_cmpuint(json_array_size(json_object_get(empty_session, "recordings")), ==, 1);
}

static void
test_delete(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) rec = create(f, f->session, "s/d.webm", "webm", NULL, T0, &error);
    gint64 id = jid(rec);
    /* While it is being written, or finalized: refused. */
    static const char *const busy[] = {"recording", "finalizing"};
    for (gsize i = 0; i < G_N_ELEMENTS(busy); i++) {
        CrRecordingUpdate up = {id, busy[i], NULL, 0, -1, -1, NULL, NULL};
        g_assert_true(cr_store_recording_update_sync(f->store, &up, &error));
        g_autoptr(json_t) refused = delete (f, id, &error);
        g_assert_null(refused);
        g_assert_error(error, CR_ERROR, CR_ERROR_CONFLICT);
        g_clear_error(&error);
        g_assert_false(cr_store_delete_recording_sync(f->store, id, &error));
        g_assert_error(error, CR_ERROR, CR_ERROR_CONFLICT);
        g_clear_error(&error);
    }
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM recordings"), ==, 1);

    CrRecordingUpdate up = {id, "complete", NULL, T0 + 10, 10, 5, NULL, NULL};
    g_assert_true(cr_store_recording_update_sync(f->store, &up, &error));
    g_autoptr(json_t) gone = delete (f, id, &error);
    g_assert_no_error(error);
    g_assert_cmpint(jid(gone), ==, id);
    g_assert_cmpstr(jstr(gone, "path"), ==, "s/d.webm"); /* the caller removes the file */
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM recordings"), ==, 0);
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM events WHERE type = 'recording_deleted'"), ==,
                    1);
    g_autoptr(json_t) twice = delete (f, id, &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
    g_clear_error(&error);

    /* The sync form. */
    gint64 other = finished(f, "s/e.webm", T0, T0 + 5, 1, NULL);
    g_assert_true(cr_store_delete_recording_sync(f->store, other, &error));
    g_assert_no_error(error);
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM recordings"), ==, 0);
}

/* A database written by the previous classrelay (schema 2) gains the
 * table and keeps its data. */
static void
test_migration_from_v2(Fixture *f, gconstpointer data)
{
    cr_store_close(f->store);
    f->store = NULL;
    sqlite3 *db = NULL;
    g_assert_cmpint(sqlite3_open(f->path, &db), ==, SQLITE_OK);
    /* Migrations 1 and 2 made exactly this; drop what 3 added. */
    g_assert_cmpint(sqlite3_exec(db,
                                 "DROP INDEX recordings_session; DROP TABLE recordings;"
                                 " PRAGMA user_version = 2;",
                                 NULL, NULL, NULL),
                    ==, SQLITE_OK);
    sqlite3_close(db);
    open_store(f);
    g_assert_cmpint(sql_int(f, "PRAGMA user_version"), ==, 3);
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM sessions"), ==, 2);
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM recordings"), ==, 0);
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) rec = create(f, f->session, "s/m.webm", "webm", NULL, T0, &error);
    g_assert_no_error(error);
    /* Foreign keys hold in the new table. */
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM pragma_foreign_key_list('recordings')"), ==,
                    1);
}

/* ---- tests: recorder/catalog.c ------------------------------------------ */

static void
test_paths(void)
{
    static const struct {
        const char *relative;
        const char *expect; /* NULL: refused */
    } cases[] = {
        {"session-3/rec-7.webm", "/r/session-3/rec-7.webm"},
        {"rec.mkv", "/r/rec.mkv"},
        {"a..b/c..webm", "/r/a..b/c..webm"},
        {"", NULL},
        {"/etc/passwd", NULL},
        {"..", NULL},
        {"../etc/passwd", NULL},
        {"a/../../etc/passwd", NULL},
        {"a/..", NULL},
        {"./a", NULL},
        {"a//b", NULL},
        {"a/", NULL},
        {"a\\..\\b", NULL},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = cr_recording_path("/r", cases[i].relative);
        g_assert_cmpstr(got, ==, cases[i].expect);
    }
    g_assert_null(cr_recording_path("/r", NULL));
}

static void
test_sha256(Fixture *f, gconstpointer data)
{
    /* FIPS 180-2 test vector; and a file over several read chunks. */
    write_file(f, "abc", "abc", 3);
    g_autofree char *path = g_build_filename(f->rec_dir, "abc", NULL);
    char hex[65];
    gint64 size = -1;
    g_autoptr(GError) error = NULL;
    g_assert_true(cr_recording_file_sha256(path, hex, &size, &error));
    g_assert_cmpstr(hex, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    g_assert_cmpint(size, ==, 3);

    gsize big = 200 * 1024 + 7;
    g_autofree char *content = g_malloc(big);
    for (gsize i = 0; i < big; i++)
        content[i] = (char)(i * 31 + 7);
    write_file(f, "big", content, big);
    g_autofree char *big_path = g_build_filename(f->rec_dir, "big", NULL);
    g_autofree char *want = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (guchar *)content, big);
    g_assert_true(cr_recording_file_sha256(big_path, hex, &size, &error));
    g_assert_cmpstr(hex, ==, want);
    g_assert_cmpint(size, ==, (gint64)big);

    g_autofree char *missing = g_build_filename(f->rec_dir, "nope", NULL);
    g_assert_false(cr_recording_file_sha256(missing, hex, NULL, &error));
    g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

static void
test_verify(Fixture *f, gconstpointer data)
{
    const char *text = "pretend this is a WebM file";
    gsize len = strlen(text);
    g_autofree char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);
    write_file(f, "s/ok.webm", text, len);
    write_file(f, "s/altered.webm", text, len);
    write_file(f, "s/resized.webm", text, len);
    gint64 ok = finished(f, "s/ok.webm", T0, T0 + 60, (gint64)len, hash);
    gint64 altered = finished(f, "s/altered.webm", T0, T0 + 60, (gint64)len, hash);
    gint64 resized = finished(f, "s/resized.webm", T0, T0 + 60, (gint64)len, hash);
    gint64 missing = finished(f, "s/missing.webm", T0, T0 + 60, (gint64)len, hash);
    g_autoptr(GError) error = NULL;
    /* Still recording: not checked (its file changes). */
    g_autoptr(json_t) live = create(f, f->session, "s/live.webm", "webm", NULL, T0, &error);

    g_autoptr(CrRecordingsVerifyReport) clean =
        cr_recordings_verify(f->store, f->rec_dir, 0, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(clean->ok, ==, 3);
    g_assert_cmpuint(clean->problems, ==, 1);
    g_assert_cmpuint(clean->skipped, ==, 1);

    /* One byte changed, same size: the hash tells. One byte more: the size. */
    write_file(f, "s/altered.webm", "Pretend this is a WebM file", len);
    write_file(f, "s/resized.webm", "pretend this is a WebM file!", len + 1);
    g_autoptr(CrRecordingsVerifyReport) r = cr_recordings_verify(f->store, f->rec_dir, 0, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(r->verdicts->len, ==, 4);
    g_assert_cmpuint(r->ok, ==, 1);
    g_assert_cmpuint(r->problems, ==, 3);
    const struct {
        gint64 id;
        CrRecordingCheck check;
        const char *detail;
    } want[] = {
        {ok, CR_RECORDING_OK, NULL},
        {altered, CR_RECORDING_ALTERED, "sha256"},
        {resized, CR_RECORDING_ALTERED, "size 28 bytes"},
        {missing, CR_RECORDING_MISSING, "missing.webm"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
        const CrRecordingVerdict *v = &g_array_index(r->verdicts, CrRecordingVerdict, i);
        g_assert_cmpint(v->id, ==, want[i].id);
        g_assert_cmpint(v->check, ==, want[i].check);
        if (want[i].detail == NULL)
            g_assert_null(v->detail);
        else
            g_assert_nonnull(strstr(v->detail, want[i].detail));
    }
    g_assert_cmpstr(cr_recording_check_name(CR_RECORDING_ALTERED), ==, "altered");

    /* One session only. */
    g_autoptr(CrRecordingsVerifyReport) other =
        cr_recordings_verify(f->store, f->rec_dir, f->other_session, &error);
    g_assert_cmpuint(other->verdicts->len, ==, 0);
}

static void
test_retention(Fixture *f, gconstpointer data)
{
    gint64 now = T0 + 40 * 86400;
    write_file(f, "s1/old.webm", "old", 3);
    write_file(f, "s1/new.webm", "new", 3);
    write_file(f, "s1/keep-dir-alive.txt", "x", 1);
    write_file(f, "s2/old-failed.webm", "f", 1);
    gint64 old = finished(f, "s1/old.webm", T0, T0 + 3600, 3, NULL);
    gint64 fresh = finished(f, "s1/new.webm", now - 86400, now - 86000, 3, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) failed =
        create(f, f->session, "s2/old-failed.webm", "webm", NULL, T0, &error);
    CrRecordingUpdate fail = {jid(failed), "failed", "pipeline error", 0, -1, -1, NULL, NULL};
    g_assert_true(cr_store_recording_update_sync(f->store, &fail, &error));
    /* Old but still recording (a very long class): kept. */
    g_autoptr(json_t) live = create(f, f->session, "s3/live.webm", "webm", NULL, T0, &error);
    g_assert_no_error(error);

    /* 0 days = keep forever. */
    g_assert_cmpuint(cr_recordings_retention_sweep(f->store, f->rec_dir, 0, now), ==, 0);
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM recordings"), ==, 4);

    g_test_expect_message("cr-recorder", G_LOG_LEVEL_MESSAGE, "*removed recording*");
    g_test_expect_message("cr-recorder", G_LOG_LEVEL_MESSAGE, "*removed recording*");
    g_assert_cmpuint(cr_recordings_retention_sweep(f->store, f->rec_dir, 30, now), ==, 2);
    g_test_assert_expected_messages();
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM recordings"), ==, 2);
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM recordings WHERE id = %" G_GINT64_FORMAT, old),
                    ==, 0);
    g_assert_cmpint(
        sql_int(f, "SELECT count(*) FROM recordings WHERE id = %" G_GINT64_FORMAT, fresh), ==, 1);
    g_autofree char *old_path = g_build_filename(f->rec_dir, "s1", "old.webm", NULL);
    g_autofree char *new_path = g_build_filename(f->rec_dir, "s1", "new.webm", NULL);
    g_autofree char *s2 = g_build_filename(f->rec_dir, "s2", NULL);
    g_assert_false(g_file_test(old_path, G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(new_path, G_FILE_TEST_EXISTS));
    /* s2 became empty and went; s1 still has files and stays. */
    g_assert_false(g_file_test(s2, G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(f->rec_dir, G_FILE_TEST_IS_DIR));

    /* Nothing more to do the second time. */
    g_assert_cmpuint(cr_recordings_retention_sweep(f->store, f->rec_dir, 30, now), ==, 0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/recordings/create", test_create);
    ADD("/recordings/create-refused", test_create_refused);
    ADD("/recordings/update", test_update);
    ADD("/recordings/list-get", test_list_get);
    ADD("/recordings/delete", test_delete);
    ADD("/recordings/migration-from-v2", test_migration_from_v2);
    g_test_add_func("/recordings/paths", test_paths);
    ADD("/recordings/sha256", test_sha256);
    ADD("/recordings/verify", test_verify);
    ADD("/recordings/retention", test_retention);
    return g_test_run();
}
