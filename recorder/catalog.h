/* catalog.h — the recordings catalog's files: safe paths under the
 * recordings directory, fingerprints (size and sha256), verification of
 * the catalog against the disk, and retention.
 *
 * The rows live in the store (store.h, "Recordings"); this module is what
 * touches the files they name. Functions block on file I/O and, where they
 * take a CrStore, on synchronous store calls: call them from the main
 * thread or a command-line tool, never from the store thread.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

#include "store/store.h"

G_BEGIN_DECLS

/* DIR/RELATIVE, or NULL when @relative is empty, absolute, or has an
 * empty, "." or ".." segment or a backslash (so that a row can never name
 * a file outside @dir). Newly allocated. */
char *cr_recording_path(const char *dir, const char *relative);

/* Streams the file at @path through SHA-256 (64 KiB reads, constant
 * memory) and writes the lower-case hex digest to @out_hex and the number
 * of bytes read to @size (may be NULL). On error (G_FILE_ERROR from errno,
 * G_FILE_ERROR_NOENT when missing) returns FALSE. */
gboolean cr_recording_file_sha256(const char *path, char out_hex[65], gint64 *size, GError **error);

/* Removes a recording's file and then its session directory if that is
 * now empty. A file already gone is not an error. */
gboolean cr_recording_remove_file(const char *dir, const char *relative, GError **error);

typedef enum {
    CR_RECORDING_OK,
    CR_RECORDING_MISSING,    /* no file at the path (or an unsafe path) */
    CR_RECORDING_ALTERED,    /* size or sha256 differ from the catalog */
    CR_RECORDING_UNREADABLE, /* exists but cannot be read */
} CrRecordingCheck;

/* "ok", "missing", "altered", "unreadable". */
const char *cr_recording_check_name(CrRecordingCheck check);

typedef struct {
    gint64 id;
    gint64 session_id;
    char *path; /* absolute, or the stored relative path when unsafe */
    CrRecordingCheck check;
    char *detail; /* what differs, or the error; NULL when ok */
} CrRecordingVerdict;

typedef struct {
    GArray *verdicts; /* CrRecordingVerdict, by id, finished recordings only */
    guint ok;
    guint problems; /* missing + altered + unreadable */
    guint skipped;  /* recording, finalizing or failed: nothing to check */
} CrRecordingsVerifyReport;

void cr_recordings_verify_report_free(CrRecordingsVerifyReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrRecordingsVerifyReport, cr_recordings_verify_report_free)

/* Checks every complete or repaired recording in the catalog (of
 * @session_id, 0 = all) against its file under @dir: missing, size or
 * hash altered, else ok. Reads every file in full. NULL with @error only
 * when the catalog cannot be read. */
CrRecordingsVerifyReport *cr_recordings_verify(CrStore *store, const char *dir, gint64 session_id,
                                               GError **error);

/* Deletes the rows and then the files of finished recordings (complete,
 * repaired, failed) that ended (or, without an end, started) more than
 * @retention_days before @now, with one g_message per removal. Does
 * nothing when @retention_days is 0. Returns how many were removed. */
guint cr_recordings_retention_sweep(CrStore *store, const char *dir, gint64 retention_days,
                                    gint64 now);

/* Runs the sweep now and then every hour on the thread-default main
 * context. Returns the GSource id (g_source_remove stops it), 0 when
 * @retention_days is 0. @store must outlive the source. */
guint cr_recordings_retention_start(CrStore *store, const char *dir, gint64 retention_days);

G_END_DECLS
