/* catalog.c — see catalog.h. Blocking file I/O and synchronous store
 * calls; main thread or command-line tools. */
#include "recorder/catalog.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "common/error.h"
#include "common/json.h"
#include "common/time.h"

#define READ_CHUNK             (64 * 1024)
#define SWEEP_INTERVAL_SECONDS 3600

char *
cr_recording_path(const char *dir, const char *relative)
{
    if (dir == NULL || relative == NULL || relative[0] == '\0' || relative[0] == '/' ||
        strchr(relative, '\\') != NULL)
        return NULL;
    g_auto(GStrv) parts = g_strsplit(relative, "/", -1);
    for (char **p = parts; *p != NULL; p++) {
        if ((*p)[0] == '\0' || strcmp(*p, ".") == 0 || strcmp(*p, "..") == 0)
            return NULL;
    }
    return g_build_filename(dir, relative, NULL);
}

static gboolean
errno_fail(int err, const char *what, const char *path, GError **error)
{
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "cannot %s %s: %s", what, path,
                g_strerror(err));
    return FALSE;
}

gboolean
cr_recording_file_sha256(const char *path, char out_hex[65], gint64 *size, GError **error)
{
    int fd = g_open(path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return errno_fail(errno, "open", path, error);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    g_autofree guint8 *buf = g_malloc(READ_CHUNK);
    gint64 total = 0;
    gboolean ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    while (ok) {
        ssize_t n = read(fd, buf, READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            EVP_MD_CTX_free(ctx);
            close(fd);
            return errno_fail(err, "read", path, error);
        }
        if (n == 0)
            break;
        ok = EVP_DigestUpdate(ctx, buf, (size_t)n) == 1;
        total += n;
    }
    guint8 digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    ok = ok && EVP_DigestFinal_ex(ctx, digest, &len) == 1 && len == 32;
    EVP_MD_CTX_free(ctx);
    close(fd);
    if (!ok) {
        g_set_error(error, CR_ERROR, CR_ERROR_INTERNAL, "sha256 of %s failed", path);
        return FALSE;
    }
    for (unsigned int i = 0; i < len; i++)
        g_snprintf(out_hex + 2 * i, 3, "%02x", digest[i]);
    if (size != NULL)
        *size = total;
    return TRUE;
}

gboolean
cr_recording_remove_file(const char *dir, const char *relative, GError **error)
{
    g_autofree char *path = cr_recording_path(dir, relative);
    if (path == NULL) {
        g_set_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST,
                    "refusing to remove \"%s\": not a path inside %s", relative, dir);
        return FALSE;
    }
    if (g_unlink(path) != 0 && errno != ENOENT)
        return errno_fail(errno, "remove", path, error);
    /* "session-3/rec-7.webm": drop "session-3" once its last file went;
     * rmdir refuses a directory that still has files, which is the test. */
    g_autofree char *parent = g_path_get_dirname(path);
    g_autofree char *canonical_dir = g_canonicalize_filename(dir, NULL);
    g_autofree char *canonical_parent = g_canonicalize_filename(parent, NULL);
    if (strcmp(canonical_parent, canonical_dir) != 0)
        g_rmdir(parent);
    return TRUE;
}

/* ---- verification ---- */

const char *
cr_recording_check_name(CrRecordingCheck check)
{
    static const char *const names[] = {"ok", "missing", "altered", "unreadable"};
    return (guint)check < G_N_ELEMENTS(names) ? names[check] : "unknown";
}

static void
verdict_clear(gpointer data)
{
    CrRecordingVerdict *v = data;
    g_free(v->path);
    g_free(v->detail);
}

void
cr_recordings_verify_report_free(CrRecordingsVerifyReport *report)
{
    if (report == NULL)
        return;
    g_array_unref(report->verdicts);
    g_free(report);
}

static gint64
json_int_field(const json_t *obj, const char *key, gint64 fallback)
{
    json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? json_integer_value(v) : fallback;
}

/* Compares one file with its row. */
static void
check_file(const char *path, const json_t *rec, CrRecordingVerdict *v)
{
    g_autoptr(GError) error = NULL;
    char hex[65];
    gint64 size = 0;
    if (!cr_recording_file_sha256(path, hex, &size, &error)) {
        gboolean gone = g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT) ||
                        g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR);
        v->check = gone ? CR_RECORDING_MISSING : CR_RECORDING_UNREADABLE;
        v->detail = g_strdup(error->message);
        return;
    }
    gint64 want_size = json_int_field(rec, "size_bytes", -1);
    const char *want_hash = json_string_value(json_object_get(rec, "sha256"));
    if (want_size >= 0 && size != want_size) {
        v->check = CR_RECORDING_ALTERED;
        v->detail = g_strdup_printf(
            "size %" G_GINT64_FORMAT " bytes, catalog says %" G_GINT64_FORMAT, size, want_size);
    } else if (want_hash != NULL && strcmp(hex, want_hash) != 0) {
        v->check = CR_RECORDING_ALTERED;
        v->detail = g_strdup_printf("sha256 %s, catalog says %s", hex, want_hash);
    } else {
        /* A row without size or hash (never fingerprinted) can only be
         * checked for existence, which it passed. */
        v->check = CR_RECORDING_OK;
    }
}

static gboolean
finished_ok(const char *state)
{
    return g_strcmp0(state, "complete") == 0 || g_strcmp0(state, "repaired") == 0;
}

CrRecordingsVerifyReport *
cr_recordings_verify(CrStore *store, const char *dir, gint64 session_id, GError **error)
{
    g_autoptr(json_t) list = cr_store_list_recordings_sync(store, session_id, error);
    if (list == NULL)
        return NULL;
    CrRecordingsVerifyReport *report = g_new0(CrRecordingsVerifyReport, 1);
    report->verdicts = g_array_new(FALSE, TRUE, sizeof(CrRecordingVerdict));
    g_array_set_clear_func(report->verdicts, verdict_clear);
    json_t *recs = json_object_get(list, "recordings");
    /* The list is newest first; a report reads better by id. */
    for (gssize i = (gssize)json_array_size(recs) - 1; i >= 0; i--) {
        json_t *rec = json_array_get(recs, (size_t)i);
        if (!finished_ok(json_string_value(json_object_get(rec, "state")))) {
            report->skipped++;
            continue;
        }
        const char *relative = json_string_value(json_object_get(rec, "path"));
        CrRecordingVerdict v = {json_int_field(rec, "id", 0), json_int_field(rec, "session_id", 0),
                                cr_recording_path(dir, relative), CR_RECORDING_OK, NULL};
        if (v.path == NULL) {
            v.path = g_strdup(relative);
            v.check = CR_RECORDING_MISSING;
            v.detail = g_strdup("the catalog's path leaves the recordings directory");
        } else {
            check_file(v.path, rec, &v);
        }
        if (v.check == CR_RECORDING_OK)
            report->ok++;
        else
            report->problems++;
        g_array_append_val(report->verdicts, v);
    }
    return report;
}

/* ---- retention ---- */

static gboolean
expired(const json_t *rec, gint64 cutoff)
{
    const char *state = json_string_value(json_object_get(rec, "state"));
    if (!finished_ok(state) && g_strcmp0(state, "failed") != 0)
        return FALSE;
    json_t *ended = json_object_get(rec, "ended_at");
    const char *when =
        json_string_value(json_is_string(ended) ? ended : json_object_get(rec, "started_at"));
    gint64 at = 0;
    return when != NULL && cr_time_parse(when, &at) && at < cutoff;
}

guint
cr_recordings_retention_sweep(CrStore *store, const char *dir, gint64 retention_days, gint64 now)
{
    if (retention_days <= 0)
        return 0;
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) list = cr_store_list_recordings_sync(store, 0, &error);
    if (list == NULL) {
        g_warning("recordings retention: cannot read the catalog: %s", error->message);
        return 0;
    }
    gint64 cutoff = now - retention_days * 86400;
    guint removed = 0;
    json_t *rec;
    size_t i;
    json_array_foreach(json_object_get(list, "recordings"), i, rec)
    {
        if (!expired(rec, cutoff))
            continue;
        gint64 id = json_int_field(rec, "id", 0);
        const char *relative = json_string_value(json_object_get(rec, "path"));
        g_clear_error(&error);
        /* Row first: a crash in between leaves an orphan file, never a
         * row that points at nothing. */
        if (!cr_store_delete_recording_sync(store, id, &error) ||
            !cr_recording_remove_file(dir, relative, &error)) {
            g_warning("recordings retention: recording %" G_GINT64_FORMAT ": %s", id,
                      error->message);
            continue;
        }
        g_message("recordings retention: removed recording %" G_GINT64_FORMAT
                  " of session %" G_GINT64_FORMAT " (%s), older than %" G_GINT64_FORMAT " days",
                  id, json_int_field(rec, "session_id", 0), relative, retention_days);
        removed++;
    }
    return removed;
}

typedef struct {
    CrStore *store;
    char *dir;
    gint64 retention_days;
} Sweep;

static void
sweep_free(gpointer data)
{
    Sweep *s = data;
    g_free(s->dir);
    g_free(s);
}

static gboolean
sweep_tick(gpointer data)
{
    Sweep *s = data;
    cr_recordings_retention_sweep(s->store, s->dir, s->retention_days, cr_time_now());
    return G_SOURCE_CONTINUE;
}

guint
cr_recordings_retention_start(CrStore *store, const char *dir, gint64 retention_days)
{
    if (retention_days <= 0)
        return 0;
    Sweep *s = g_new0(Sweep, 1);
    s->store = store;
    s->dir = g_strdup(dir);
    s->retention_days = retention_days;
    sweep_tick(s);
    GSource *source = g_timeout_source_new_seconds(SWEEP_INTERVAL_SECONDS);
    g_source_set_callback(source, sweep_tick, s, sweep_free);
    guint id = g_source_attach(source, g_main_context_get_thread_default());
    g_source_unref(source);
    return id;
}
