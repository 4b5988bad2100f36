/* recorder.h — records classes: each session's classroom camera and
 * microphone, screen share and floor into one crash-safe WebM/Matroska
 * file per recording, without decoding, catalogued in the store.
 *
 * Threads: this interface runs on the control loop and reports there. A
 * recorder thread owns the files (recorder/webm.h); the relay's workers
 * feed the tracks' GStreamer pipelines (recorder/track.h) through the
 * relay's tap. See docs/architecture.md.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

#include "relay/relay.h"
#include "store/store.h"

G_BEGIN_DECLS

typedef struct _CrRecorder CrRecorder;

typedef struct {
    const char *dir;       /* the recordings directory (created if missing) */
    gint64 min_free_mb;    /* disk guard */
    gint64 queue_ms;       /* per-track buffering before packets are dropped */
    const char *video_codec; /* for video tracks nobody publishes yet: "VP8" or "H264" */
} CrRecorderConfig;

typedef struct {
    /* A recording of @session started ("recording"), stopped ("stopped")
     * or failed ("failed", with @reason); or, while it runs, dropped
     * packets ("dropping", an alert: @reason says how many). */
    void (*state)(gpointer user, gint64 session, gint64 recording, const char *state,
                  const char *reason);
    gpointer user;
} CrRecorderCallbacks;

/* Loads GStreamer's plugins and starts the recorder thread. Fails when a
 * needed GStreamer element is missing. */
CrRecorder *cr_recorder_new(const CrRecorderConfig *config, CrRelay *relay, CrStore *store,
                            const CrRecorderCallbacks *callbacks, GError **error);
/* Finishes every running recording (files complete, catalog updated),
 * then stops the thread. Runs the calling thread's main context while it
 * waits (at most a few seconds). */
void cr_recorder_free(CrRecorder *recorder);

/* Done callback: @recording is the catalog row (borrowed) or NULL with
 * @error: CONFLICT (already recording / not recording), UNAVAILABLE (disk
 * space below the guard), INTERNAL. */
typedef void (*CrRecorderDone)(json_t *recording, const GError *error, gpointer user_data);

void cr_recorder_start(CrRecorder *recorder, gint64 session, CrRecorderDone done,
                       gpointer user_data);
/* Stops and finishes the file; @done runs once the file is complete. */
void cr_recorder_stop(CrRecorder *recorder, gint64 session, const char *reason,
                      CrRecorderDone done, gpointer user_data);
/* The running recording's catalog id for @session, or 0. */
gint64 cr_recorder_current(CrRecorder *recorder, gint64 session);

typedef struct {
    guint active;
    guint64 started, completed, failed;
    guint64 dropped_packets; /* queue full: the disk or the pipeline fell behind */
    gboolean disk_low;       /* the disk guard refused or stopped a recording */
    gint64 free_mb;          /* at the last check, -1 unknown */
} CrRecorderStats;
void cr_recorder_stats(CrRecorder *recorder, CrRecorderStats *out);

/* At start, before serving: finishes the files of recordings a crash left
 * in state recording or finalizing, and marks them repaired (or failed,
 * with the reason). Logs progress. Returns how many were looked at. */
guint cr_recorder_repair_unfinished(CrStore *store, const char *dir);

typedef struct {
    double duration_seconds;
    gint64 size_bytes;
    char sha256[65];
    gboolean was_finished; /* nothing needed doing */
    gboolean truncated;    /* a torn last cluster was cut */
} CrRecordingFileInfo;
/* Finishes one recording file in place (recorder/webm.h) and fingerprints
 * it. For the command line and cr_recorder_repair_unfinished. */
gboolean cr_recording_repair_file(const char *path, CrRecordingFileInfo *info, GError **error);

G_END_DECLS
