/* track.h — one recorded track: RTP in through a bounded appsrc, then
 * GStreamer's jitter buffer, depayloader and parser, frames out to a
 * callback. No decoding.
 *
 * cr_track_push runs on whichever thread has a packet (the relay's
 * workers) and never blocks: past the queue limit a packet is dropped
 * and counted. Frames come out on the track's GStreamer streaming thread.
 * Every track of a recording runs on the same clock with the same base
 * time, so buffer times are recording times (docs/architecture.md).
 */
#pragma once

#include <gst/gst.h>

#include "recorder/webm.h"

G_BEGIN_DECLS

typedef struct _CrTrack CrTrack;

/* Packets pushed into a track carry this payload type (the recording
 * rewrites it, as it rewrites SSRC, sequence numbers and timestamps). */
#define CR_TRACK_PAYLOAD_TYPE 96

/* A frame (a depayloaded access unit; the buffer's PTS is recording time)
 * or, with @frame NULL, the end of the track after cr_track_finish.
 * @caps is the output caps (codec data for H.264). Streaming thread. */
typedef void (*CrTrackOutput)(gpointer user, guint track, GstBuffer *frame, GstCaps *caps);

CrTrack *cr_track_new(guint track, CrWebmCodec codec, guint clock_rate, GstClock *clock,
                      GstClockTime base_time, gint64 queue_ms, CrTrackOutput output,
                      gpointer user, GError **error);
/* Queues one RTP packet that arrived at @arrival (clock time). FALSE when
 * the queue is full and the packet was dropped. Any thread. */
gboolean cr_track_push(CrTrack *track, const guint8 *rtp, gsize len, GstClockTime arrival);
/* Ends the input: what the jitter buffer holds comes out, then the end. */
void cr_track_finish(CrTrack *track);
guint64 cr_track_dropped(const CrTrack *track);
/* Stops the pipeline and frees it. No output after it returns. */
void cr_track_free(CrTrack *track);

G_END_DECLS
