/* webm-private.h — what the writer and the repair share: where the
 * patchable parts of a file are, and the finishing step. */
#pragma once

#include "recorder/webm.h"

typedef struct {
    gint64 segment_size_at; /* offset of the Segment's 8-byte size field */
    gint64 segment_data;    /* offset of the Segment's first child */
    gint64 void_at;         /* the Void kept for the SeekHead */
    gint64 void_len;
    gint64 info_at, tracks_at; /* element offsets */
    gint64 duration_at;     /* offset of Duration's 8-byte value */
} CrWebmLayout;

typedef struct {
    gint64 time_ms;
    gint64 cluster_at; /* relative to segment_data */
} CrWebmCue;

/* Matroska has no per-frame duration for SimpleBlocks; the last frame of
 * the longest track counts this long. */
#define CR_WEBM_LAST_FRAME_MS 20

/* Room for a SeekHead of three entries (Info, Tracks, Cues). */
#define CR_WEBM_SEEK_ROOM 128

/* Writes the Cues (of @cue_track) at @end, the SeekHead into the Void,
 * Duration and the Segment size; cuts the file after the Cues; syncs. */
gboolean cr_webm_finish_file(int fd, const CrWebmLayout *layout, const GArray *cues,
                             guint cue_track, gint64 end, double duration_ms, gint64 *size,
                             GError **error);
/* pwrite of all of @len, or a GError naming @what. */
gboolean cr_webm_pwrite(int fd, const void *data, gsize len, gint64 at, const char *what,
                        GError **error);
