/* recording.c — one running recording: the relay's packets into the
 * tracks' pipelines (rewritten so each track stays one continuous stream
 * when its source changes), frames into the file on the recorder thread,
 * and finishing the file. */
#include "recorder/recording.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "common/bytes.h"
#include "recorder/catalog.h"

/* While a track waits for a new source's keyframe, ask at most this often. */
#define CR_KEYFRAME_RETRY_US (500 * 1000)
/* An audio track without a source is filled with Opus silence, so that
 * players never wait on it and the floor stays one continuous track: a
 * 20 ms CELT frame of silence (RFC 6716 §3.1: TOC config 31, one frame).
 * Filled only this far behind now: real frames leave the jitter buffer
 * about 300 ms late and must land after the silence. */
static const guint8 opus_silence[] = {0xF8, 0xFF, 0xFE};
#define CR_SILENCE_FRAME_MS 20
#define CR_SILENCE_BEHIND_MS 600

/* A cluster older than this (recording time) is written even if no newer
 * frame comes: a silent class still reaches the disk. */
#define CR_FLUSH_AGE_MS 1000

static const char *const kind_names[CR_N_TRACKS] = {"classroom", "classroom", "screen", "floor",
                                                    "floor"};

const char *
cr_webm_codec_name(CrWebmCodec codec)
{
    switch (codec) {
    case CR_WEBM_OPUS: return "opus";
    case CR_WEBM_VP8: return "VP8";
    case CR_WEBM_VP9: return "VP9";
    case CR_WEBM_H264: return "H264";
    }
    return "";
}

static gboolean
is_video(CrTrackKind kind)
{
    return kind == CR_TRACK_CLASS_VIDEO || kind == CR_TRACK_SCREEN ||
           kind == CR_TRACK_FLOOR_VIDEO;
}

CrRecording *
cr_recording_ref(CrRecording *r)
{
    g_atomic_int_inc(&r->refs);
    return r;
}

void
cr_recording_unref(CrRecording *r)
{
    if (r == NULL || !g_atomic_int_dec_and_test(&r->refs))
        return;
    for (int k = 0; k < CR_N_TRACKS; k++) {
        cr_track_free(r->kinds[k].track);
        g_mutex_clear(&r->kinds[k].lock);
    }
    cr_webm_writer_abandon(r->writer);
    gst_object_unref(r->clock);
    g_main_context_unref(r->thread);
    g_main_context_unref(r->control);
    g_free(r->failure);
    g_free(r->path);
    g_free(r->relative);
    g_free(r);
}

/* ---- frames: streaming threads → recorder thread --------------------- */

typedef struct {
    CrRecording *r;
    guint number;
    GstBuffer *frame; /* NULL: the track ended */
    GBytes *codec_data;
} FrameItem;

static void
frame_item_free(gpointer data)
{
    FrameItem *f = data;
    if (f->frame != NULL)
        gst_buffer_unref(f->frame);
    if (f->codec_data != NULL)
        g_bytes_unref(f->codec_data);
    cr_recording_unref(f->r);
    g_free(f);
}

static void finish_file(CrRecording *r);

static void
fail(CrRecording *r, const GError *error)
{
    if (r->failure == NULL) {
        g_warning("recording %" G_GINT64_FORMAT ": %s", r->id, error->message);
        r->failure = g_strdup(error->message);
    }
}

/* VP8 keyframes carry the picture size (RFC 6386 §9.1). */
static gboolean
vp8_size(const guint8 *d, gsize len, guint *w, guint *h)
{
    if (len < 10 || (d[0] & 1) != 0 || d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a)
        return FALSE;
    *w = (d[6] | d[7] << 8) & 0x3fff;
    *h = (d[8] | d[9] << 8) & 0x3fff;
    return *w > 0 && *h > 0;
}

static void
write_frame(CrRecording *r, FrameItem *f)
{
    g_autoptr(GError) error = NULL;
    guint n = f->number;
    CrWebmCodec codec = r->layout[n - 1].codec;
    GstMapInfo map;
    if (!gst_buffer_map(f->frame, &map, GST_MAP_READ))
        return;
    gboolean keyframe = !GST_BUFFER_FLAG_IS_SET(f->frame, GST_BUFFER_FLAG_DELTA_UNIT);
    guint w, h;
    if (codec == CR_WEBM_VP8 && keyframe && !r->size_known[n] &&
        vp8_size(map.data, map.size, &w, &h)) {
        r->size_known[n] = cr_webm_writer_set_video_size(r->writer, n, w, h, &error);
    }
    if (codec == CR_WEBM_H264 && !r->private_known[n] && f->codec_data != NULL) {
        gsize len;
        const guint8 *d = g_bytes_get_data(f->codec_data, &len);
        r->private_known[n] = cr_webm_writer_set_codec_private(r->writer, n, d, len, &error);
    }
    GstClockTime pts = GST_BUFFER_PTS_IS_VALID(f->frame) ? GST_BUFFER_PTS(f->frame)
                                                         : GST_BUFFER_DTS(f->frame);
    gint64 ms = GST_CLOCK_TIME_IS_VALID(pts) ? (gint64)(pts / GST_MSECOND) : 0;
    if (error == NULL &&
        cr_webm_writer_add_frame(r->writer, n, ms, keyframe, map.data, map.size, &error))
        r->frames[n]++;
    if (codec == CR_WEBM_OPUS)
        r->audio_next_ms[n] = MAX(r->audio_next_ms[n], ms + CR_SILENCE_FRAME_MS);
    gst_buffer_unmap(f->frame, &map);
    if (error != NULL)
        fail(r, error);
}

static gboolean
on_frame(gpointer data)
{
    FrameItem *f = data;
    CrRecording *r = f->r;
    if (r->finished)
        return G_SOURCE_REMOVE;
    if (f->frame == NULL) {
        if (++r->ended_tracks == r->n_tracks)
            finish_file(r);
    } else if (r->failure == NULL) {
        write_frame(r, f);
    }
    return G_SOURCE_REMOVE;
}

/* Streaming thread of a track. */
static void
on_track_output(gpointer user, guint number, GstBuffer *frame, GstCaps *caps)
{
    CrRecording *r = user;
    FrameItem *f = g_new0(FrameItem, 1);
    f->r = cr_recording_ref(r);
    f->number = number;
    if (frame != NULL) {
        f->frame = gst_buffer_ref(frame);
        const GValue *v = caps != NULL ? gst_structure_get_value(gst_caps_get_structure(caps, 0),
                                                                 "codec_data")
                                       : NULL;
        if (v != NULL && GST_VALUE_HOLDS_BUFFER(v)) {
            GstBuffer *cd = gst_value_get_buffer(v);
            GstMapInfo map;
            if (gst_buffer_map(cd, &map, GST_MAP_READ)) {
                f->codec_data = g_bytes_new(map.data, map.size);
                gst_buffer_unmap(cd, &map);
            }
        }
    }
    g_main_context_invoke_full(r->thread, G_PRIORITY_DEFAULT, on_frame, f, frame_item_free);
}

void
cr_recording_flush(CrRecording *r)
{
    if (r->writer == NULL || r->finished || r->failure != NULL)
        return;
    g_autoptr(GError) error = NULL;
    gint64 now_ms = (gint64)((gst_clock_get_time(r->clock) - r->base_time) / GST_MSECOND);
    for (guint n = 1; n <= r->n_tracks && error == NULL; n++) {
        if (r->layout[n - 1].codec != CR_WEBM_OPUS)
            continue;
        while (error == NULL &&
               r->audio_next_ms[n] + CR_SILENCE_FRAME_MS <= now_ms - CR_SILENCE_BEHIND_MS) {
            cr_webm_writer_add_frame(r->writer, n, r->audio_next_ms[n], TRUE, opus_silence,
                                     sizeof opus_silence, &error);
            r->audio_next_ms[n] += CR_SILENCE_FRAME_MS;
        }
    }
    if (error == NULL)
        cr_webm_writer_flush_if_older(r->writer, now_ms, CR_FLUSH_AGE_MS, &error);
    if (error != NULL)
        fail(r, error);
}

/* ---- packets: relay workers → tracks --------------------------------- */

/* A packet's time on the recording's clock, linear in its RTP timestamp
 * for as long as one source feeds the track (no jumps for the jitter
 * buffer, which in mode none follows RTP timestamps from its first
 * packet). The line is fixed at the source's first packet: its capture
 * time from the publisher's sender reports (lip sync between a publisher's
 * tracks), unless that is implausibly far from its arrival (a sender whose
 * reports do not describe capture time), then the arrival time. */
#define CR_CAPTURE_PLAUSIBLE_US (500 * 1000)

static gint64
track_time_us(CrRecordingKind *k, const CrTapPacket *p)
{
    if (!k->anchored || k->anchor_source != p->source) {
        gint64 skew = p->capture_us - p->arrival_us;
        k->anchor_us = ABS(skew) <= CR_CAPTURE_PLAUSIBLE_US ? p->capture_us : p->arrival_us;
        k->anchor_ts = p->timestamp;
        k->anchor_source = p->source;
        k->anchored = TRUE;
    }
    gint32 ticks = (gint32)(p->timestamp - k->anchor_ts);
    return k->anchor_us + (gint64)ticks * G_USEC_PER_SEC / (gint64)p->clock_rate;
}

static void
on_tap(gpointer user, const CrTapPacket *p)
{
    CrRecording *r = user;
    if (p->track >= CR_N_TRACKS || p->len > 1500 || p->len < 12)
        return;
    CrRecordingKind *k = &r->kinds[p->track];
    if (k->track == NULL)
        return;
    if (strcmp(p->codec, k->codec_name) != 0) {
        /* A publisher with another codec than the file's track: the
         * container cannot switch codecs mid-track. Counted, not written. */
        __atomic_fetch_add(&k->mismatched, 1, __ATOMIC_RELAXED);
        return;
    }
    guint8 buf[1500];
    gboolean ask = FALSE;
    g_mutex_lock(&k->lock);
    guint16 seq;
    guint32 ts;
    CrRewriteResult res = cr_rewriter_map(&k->rw, p->source, p->seq, p->timestamp, p->keyframe,
                                          p->arrival_us, &seq, &ts);
    if (res == CR_REWRITE_FORWARD) {
        memcpy(buf, p->data, p->len);
        buf[1] = (guint8)((buf[1] & 0x80) | CR_TRACK_PAYLOAD_TYPE);
        cr_write_be16(buf + 2, seq);
        cr_write_be32(buf + 4, ts);
        cr_write_be32(buf + 8, k->rw.out_ssrc);
        GstClockTime at = (GstClockTime)MAX(track_time_us(k, p), 0) * 1000;
        cr_track_push(k->track, buf, p->len, at > r->base_time ? at - r->base_time : 0);
    } else if (res == CR_REWRITE_DROP_WAIT_KEYFRAME &&
               p->arrival_us - k->last_keyframe_request_us >= CR_KEYFRAME_RETRY_US) {
        k->last_keyframe_request_us = p->arrival_us;
        ask = TRUE;
    }
    g_mutex_unlock(&k->lock);
    if (ask)
        cr_relay_request_keyframes(r->relay, r->session);
}

/* ---- life cycle ------------------------------------------------------- */

CrRecording *
cr_recording_new(CrRelay *relay, GMainContext *thread, gint64 session, const char *dir,
                 const char *relative, const CrRecordingTrack *layout, guint n_tracks,
                 gint64 queue_ms, GError **error)
{
    CrRecording *r = g_new0(CrRecording, 1);
    r->refs = 1;
    r->session = session;
    r->relay = relay;
    r->thread = g_main_context_ref(thread);
    r->control = g_main_context_ref_thread_default();
    r->relative = g_strdup(relative);
    r->path = g_build_filename(dir, relative, NULL);
    r->clock = gst_system_clock_obtain();
    r->base_time = gst_clock_get_time(r->clock);
    r->n_tracks = n_tracks;
    memcpy(r->layout, layout, n_tracks * sizeof *layout);
    for (int k = 0; k < CR_N_TRACKS; k++)
        g_mutex_init(&r->kinds[k].lock);

    CrWebmTrackSpec specs[CR_N_TRACKS];
    for (guint i = 0; i < n_tracks; i++) {
        gboolean audio = layout[i].codec == CR_WEBM_OPUS;
        specs[i] = (CrWebmTrackSpec){layout[i].codec, kind_names[layout[i].kind], audio ? 2 : 0,
                                     audio ? 48000 : 0};
    }
    g_autofree char *parent = g_path_get_dirname(r->path);
    if (g_mkdir_with_parents(parent, 0750) != 0) {
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "cannot create %s: %s", parent, g_strerror(errno));
        cr_recording_unref(r);
        return NULL;
    }
    r->writer = cr_webm_writer_new(r->path, specs, n_tracks, g_get_real_time(), error);
    if (r->writer == NULL) {
        cr_recording_unref(r);
        return NULL;
    }
    for (guint i = 0; i < n_tracks; i++) {
        CrTrackKind kind = layout[i].kind;
        gboolean audio = layout[i].codec == CR_WEBM_OPUS;
        guint rate = audio ? 48000 : 90000;
        r->kinds[kind].number = i + 1;
        r->kinds[kind].codec_name = cr_webm_codec_name(layout[i].codec);
        cr_rewriter_init(&r->kinds[kind].rw, g_random_int(), rate, is_video(kind));
        r->kinds[kind].track = cr_track_new(i + 1, layout[i].codec, rate, r->clock, r->base_time,
                                            queue_ms, on_track_output, r, error);
        if (r->kinds[kind].track == NULL) {
            cr_webm_writer_abandon(r->writer);
            r->writer = NULL;
            g_unlink(r->path);
            cr_recording_unref(r);
            return NULL;
        }
    }
    return r;
}

void
cr_recording_begin(CrRecording *r)
{
    cr_relay_set_tap(r->relay, r->session, on_tap, r);
    cr_relay_request_keyframes(r->relay, r->session);
}

typedef struct {
    CrRecording *r;
    gboolean ok;
    double duration;
    gint64 size;
    char sha256[65];
    char *reason;
} Finished;

static gboolean
deliver_finished(gpointer data)
{
    Finished *f = data;
    CrRecording *r = f->r;
    if (r->on_finished != NULL)
        r->on_finished(r, f->ok, f->duration, f->size, f->ok ? f->sha256 : NULL, f->reason,
                       r->on_finished_user);
    return G_SOURCE_REMOVE;
}

static void
finished_free(gpointer data)
{
    Finished *f = data;
    cr_recording_unref(f->r);
    g_free(f->reason);
    g_free(f);
}

/* Recorder thread: the last cluster, the cues, the fingerprint. */
static void
finish_file(CrRecording *r)
{
    if (r->finished)
        return;
    r->finished = TRUE;
    Finished *f = g_new0(Finished, 1);
    f->r = cr_recording_ref(r);
    g_autoptr(GError) error = NULL;
    /* Finished even after a write error: what reached the disk stays
     * playable; the catalog then says failed, with the reason. */
    gboolean written = cr_webm_writer_finish(g_steal_pointer(&r->writer), &f->duration, &error) &&
                       cr_recording_file_sha256(r->path, f->sha256, &f->size, &error);
    if (!written)
        fail(r, error);
    f->ok = r->failure == NULL;
    f->reason = g_strdup(r->failure);
    g_main_context_invoke_full(r->control, G_PRIORITY_DEFAULT, deliver_finished, f,
                               finished_free);
}

static gboolean
finish_now(gpointer data)
{
    /* Ends that never came (a pipeline stuck): finish with what arrived. */
    finish_file(data);
    return G_SOURCE_REMOVE;
}

void
cr_recording_end(CrRecording *r, CrRecordingFinished finished, gpointer user)
{
    g_return_if_fail(!r->stopping);
    r->stopping = TRUE;
    r->on_finished = finished;
    r->on_finished_user = user;
    cr_relay_set_tap(r->relay, r->session, NULL, NULL);
    for (int k = 0; k < CR_N_TRACKS; k++) {
        if (r->kinds[k].track != NULL)
            cr_track_finish(r->kinds[k].track);
    }
    GSource *timeout = g_timeout_source_new(3000);
    g_source_set_callback(timeout, finish_now, cr_recording_ref(r), (GDestroyNotify)cr_recording_unref);
    g_source_attach(timeout, r->thread);
    g_source_unref(timeout);
}

guint64
cr_recording_dropped(CrRecording *r)
{
    guint64 n = 0;
    for (int k = 0; k < CR_N_TRACKS; k++) {
        if (r->kinds[k].track != NULL)
            n += cr_track_dropped(r->kinds[k].track);
    }
    return n;
}

json_t *
cr_recording_tracks_json(const CrRecording *r)
{
    json_t *tracks = json_array();
    for (guint i = 0; i < r->n_tracks; i++) {
        CrTrackKind kind = r->layout[i].kind;
        /* The file declares every possible track; the catalog lists those
         * that hold media (before the end: all of them). */
        if (r->finished && r->frames[i + 1] == 0)
            continue;
        json_array_append_new(
            tracks, json_pack("{s:s, s:s, s:s, s:I}", "kind", is_video(kind) ? "video" : "audio",
                              "source", kind_names[kind], "codec",
                              cr_webm_codec_name(r->layout[i].codec), "frames",
                              (json_int_t)r->frames[i + 1]));
    }
    return tracks;
}
