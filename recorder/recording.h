/* recording.h — one running recording (private to the recorder).
 *
 * Ownership: created and ended on the control loop; the relay's workers
 * call its tap (each track's rewriter under the track's lock); frames come
 * from the tracks' streaming threads and are written on the recorder
 * thread, which alone owns the writer. Reference-counted: every frame in
 * flight holds a reference.
 */
#pragma once

#include <gst/gst.h>
#include <jansson.h>

#include "recorder/track.h"
#include "recorder/webm.h"
#include "relay/relay.h"
#include "relay/rewriter.h"

typedef struct _CrRecording CrRecording;

/* Runs on the control loop once the file is finished (or failed). */
typedef void (*CrRecordingFinished)(CrRecording *recording, gboolean ok, double duration,
                                    gint64 size, const char *sha256, const char *reason,
                                    gpointer user);

typedef struct {
    CrTrackKind kind;
    CrWebmCodec codec;
} CrRecordingTrack;

/* One track kind of a recording: its pipeline, its place in the file and
 * its numbering (written by the relay workers under `lock`). */
typedef struct {
    CrTrack *track;
    guint number; /* in the file; 0 = not recorded */
    const char *codec_name;
    GMutex lock;  /* the rewriter: a slot's source may change workers */
    CrRewriter rw;
    gint64 last_keyframe_request_us;
    /* the current source's time line (recording.c, track_time_us) */
    gboolean anchored;
    guint64 anchor_source;
    gint64 anchor_us;
    guint32 anchor_ts;
    guint64 mismatched; /* packets of another codec than the track's */
} CrRecordingKind;

struct _CrRecording {
    gint refs;
    gint64 session;
    gint64 id;        /* catalog row */
    char *path;       /* absolute */
    char *relative;   /* under the recordings directory */
    GMainContext *thread; /* the recorder thread's context */
    GMainContext *control;
    CrRelay *relay;
    GstClock *clock;
    GstClockTime base_time;
    CrRecordingTrack layout[CR_N_TRACKS]; /* file track i + 1 */
    guint n_tracks;
    CrRecordingKind kinds[CR_N_TRACKS]; /* per track kind */
    /* recorder thread only */
    CrWebmWriter *writer;
    gboolean size_known[CR_N_TRACKS + 1];
    gboolean private_known[CR_N_TRACKS + 1];
    gint64 audio_next_ms[CR_N_TRACKS + 1]; /* where an audio track's silence would go */
    guint ended_tracks;
    gboolean finished;
    char *failure;
    guint64 frames[CR_N_TRACKS + 1]; /* media frames (not silence) by file track */
    /* control loop only */
    gboolean stopping;
    CrRecordingFinished on_finished;
    gpointer on_finished_user;
};

/* Creates the file and the tracks' pipelines (not yet fed). */
CrRecording *cr_recording_new(CrRelay *relay, GMainContext *thread, gint64 session,
                              const char *dir, const char *relative,
                              const CrRecordingTrack *layout, guint n_tracks, gint64 queue_ms,
                              GError **error);
CrRecording *cr_recording_ref(CrRecording *r);
void cr_recording_unref(CrRecording *r);
/* Connects the relay's tap and asks for keyframes. Control loop. */
void cr_recording_begin(CrRecording *r);
/* Disconnects the tap and ends the tracks; @finished runs on the control
 * loop when the file is complete. Control loop; once. */
void cr_recording_end(CrRecording *r, CrRecordingFinished finished, gpointer user);
/* Recorder thread: writes the filling cluster if it is older than a second. */
void cr_recording_flush(CrRecording *r);
/* Packets dropped because a track's queue was full. Any thread. */
guint64 cr_recording_dropped(CrRecording *r);
/* The tracks that got frames, as catalog JSON. Control loop, after end. */
json_t *cr_recording_tracks_json(const CrRecording *r);
const char *cr_webm_codec_name(CrWebmCodec codec);
