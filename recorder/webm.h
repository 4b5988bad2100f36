/* webm.h — a live Matroska/WebM writer built for crash safety, and the
 * repair of a file it left unfinished.
 *
 * Why our own writer rather than GStreamer's matroskamux: in GStreamer
 * 1.22 matroskamux collects a buffer on every pad before it writes
 * anything, and drops GAP events. A classroom's tracks are sparse (no
 * screen share for an hour, the floor silent between questions), so the
 * muxer would hold the whole class in memory and a crash would lose it.
 * The depayloading, parsing and jitter buffering stay in GStreamer
 * (recorder/track.c); this file only lays out bytes (docs/architecture.md).
 *
 * The file is written so that it is playable at every moment:
 *   EBML header | Segment (size unknown until finished)
 *     Void (room for the SeekHead) | Info (Duration patched at the end)
 *     Tracks (codec private data and picture size patched when known)
 *     Cluster, Cluster, ... each written whole, with its size, in one
 *     write() once it spans a second (or a keyframe starts a new one)
 *     Cues (at the end)
 * A kill -9 loses the cluster being filled (at most about a second) plus
 * what the jitter buffers held. Finishing, and repairing after a crash,
 * are the same step: cut a torn last cluster, append Cues, write the
 * SeekHead, patch Duration and the Segment size (cr_webm_repair).
 *
 * One thread owns a writer. Times are milliseconds from the recording's
 * start (TimecodeScale 1 ms).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CrWebmWriter CrWebmWriter;

typedef enum {
    CR_WEBM_VP8,
    CR_WEBM_VP9,
    CR_WEBM_H264, /* AVC in Matroska: needs the avcC record (cr_webm_writer_set_codec_private) */
    CR_WEBM_OPUS,
} CrWebmCodec;

typedef struct {
    CrWebmCodec codec;
    const char *name; /* "classroom", "screen", "floor" */
    guint channels;   /* audio */
    guint rate;       /* audio */
} CrWebmTrackSpec;

#define CR_WEBM_MAX_TRACKS 8
/* Room kept in a track entry for the codec private data of H.264. */
#define CR_WEBM_PRIVATE_ROOM 512

/* Creates @path (which must not exist) and writes the header with the
 * given tracks, numbered from 1 in order. WebM doctype when every codec is
 * VP8, VP9 or Opus, else Matroska. */
CrWebmWriter *cr_webm_writer_new(const char *path, const CrWebmTrackSpec *tracks, guint n_tracks,
                                 gint64 date_unix_us, GError **error);
/* Patches the picture size of a video @track (1-based). */
gboolean cr_webm_writer_set_video_size(CrWebmWriter *w, guint track, guint width, guint height,
                                       GError **error);
/* Patches the codec private data of @track (at most CR_WEBM_PRIVATE_ROOM - 16 bytes). */
gboolean cr_webm_writer_set_codec_private(CrWebmWriter *w, guint track, const guint8 *data,
                                          gsize len, GError **error);
/* Appends one frame. A frame older than the track's last one is written
 * at the last one's time (players need each track in order). */
gboolean cr_webm_writer_add_frame(CrWebmWriter *w, guint track, gint64 time_ms, gboolean keyframe,
                                  const guint8 *data, gsize len, GError **error);
/* Writes the cluster being filled if it holds frames and is older than
 * @max_age_ms of recording time compared with @now_ms. Call it regularly
 * so a silent class still reaches the disk. */
gboolean cr_webm_writer_flush_if_older(CrWebmWriter *w, gint64 now_ms, gint64 max_age_ms,
                                       GError **error);
/* Bytes written so far, and frames per track. */
gint64 cr_webm_writer_size(const CrWebmWriter *w);
guint64 cr_webm_writer_frames(const CrWebmWriter *w, guint track);
/* Writes the last cluster, the Cues, the SeekHead, Duration and the
 * Segment size, and closes the file. Frees @w whatever happens. */
gboolean cr_webm_writer_finish(CrWebmWriter *w, double *duration_seconds, GError **error);
/* Closes without finishing (tests of crash recovery; shutdown on error). */
void cr_webm_writer_abandon(CrWebmWriter *w);

typedef struct {
    double duration_seconds;
    gint64 size_bytes;
    guint n_clusters;
    guint64 frames[CR_WEBM_MAX_TRACKS + 1]; /* by track number */
    gboolean was_finished; /* the file already had its Cues: nothing to do */
    gboolean truncated;    /* a torn cluster was cut off */
} CrWebmRepairInfo;

/* Makes a file this writer left unfinished (the server died) complete:
 * cuts a torn last cluster, then finishes it as cr_webm_writer_finish
 * would. A finished file is left as it is. Files from other writers are
 * refused (their layout has no room kept for the SeekHead). */
gboolean cr_webm_repair(const char *path, CrWebmRepairInfo *info, GError **error);

G_END_DECLS
