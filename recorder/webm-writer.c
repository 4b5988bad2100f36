/* webm-writer.c — the live Matroska/WebM writer (see webm.h for the
 * layout and why it exists). */
#include "recorder/webm-private.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

#include "cr-build-config.h"
#include "recorder/ebml.h"

/* A cluster is written once it spans this much time, and earlier when a
 * video keyframe comes after at least CR_CLUSTER_MIN_MS, so seeking lands
 * on keyframes. */
#define CR_CLUSTER_MS 1000
#define CR_CLUSTER_MIN_MS 250

struct _CrWebmWriter {
    int fd;
    char *path;
    CrWebmLayout layout;
    CrWebmTrackSpec tracks[CR_WEBM_MAX_TRACKS + 1]; /* by track number */
    guint n_tracks;
    guint cue_track;
    gboolean cue_is_video;
    gint64 size_at[CR_WEBM_MAX_TRACKS + 1];    /* PixelWidth's 2-byte value; height 4 bytes on */
    gint64 private_at[CR_WEBM_MAX_TRACKS + 1]; /* the Void kept for CodecPrivate */
    gint64 last_ms[CR_WEBM_MAX_TRACKS + 1];
    guint64 frames[CR_WEBM_MAX_TRACKS + 1];
    gint64 end; /* bytes on disk */
    GByteArray *cluster;
    gsize cluster_size_at;
    gint64 cluster_ms;
    guint cluster_frames;
    int cluster_seekable; /* -1 no cue-track block yet, else whether the first was a keyframe */
    gint64 max_ms;
    GArray *cues; /* CrWebmCue */
};

gboolean
cr_webm_pwrite(int fd, const void *data, gsize len, gint64 at, const char *what, GError **error)
{
    const guint8 *p = data;
    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : ENOSPC;
            g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "cannot write the %s: %s",
                        what, g_strerror(e));
            return FALSE;
        }
        p += n;
        len -= (gsize)n;
        at += n;
    }
    return TRUE;
}

static const char *
codec_id(CrWebmCodec codec)
{
    switch (codec) {
    case CR_WEBM_VP8: return "V_VP8";
    case CR_WEBM_VP9: return "V_VP9";
    case CR_WEBM_H264: return "V_MPEG4/ISO/AVC";
    case CR_WEBM_OPUS: return "A_OPUS";
    }
    return "";
}

static gboolean
is_video(CrWebmCodec codec)
{
    return codec != CR_WEBM_OPUS;
}

static void
put_opus_head(GByteArray *out, guint channels, guint rate)
{
    /* RFC 7845 §5.1: the identification header is Opus's codec private data. */
    guint8 head[19] = {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, (guint8)channels, 0, 0,
                       (guint8)rate, (guint8)(rate >> 8), (guint8)(rate >> 16),
                       (guint8)(rate >> 24), 0, 0, 0};
    cr_ebml_put_binary(out, CR_MKV_CODEC_PRIVATE, head, sizeof head);
}

static void
put_track(CrWebmWriter *w, GByteArray *h, guint number, gboolean is_default)
{
    const CrWebmTrackSpec *t = &w->tracks[number];
    gsize entry = cr_ebml_open_master(h, CR_MKV_TRACK_ENTRY);
    cr_ebml_put_uint(h, CR_MKV_TRACK_NUMBER, number, 0);
    cr_ebml_put_uint(h, CR_MKV_TRACK_UID, g_random_int() | (guint64)number << 32, 8);
    cr_ebml_put_uint(h, CR_MKV_TRACK_TYPE, is_video(t->codec) ? 1 : 2, 0);
    cr_ebml_put_uint(h, CR_MKV_FLAG_LACING, 0, 0);
    cr_ebml_put_uint(h, CR_MKV_FLAG_DEFAULT, is_default ? 1 : 0, 0);
    if (t->name != NULL)
        cr_ebml_put_string(h, CR_MKV_NAME, t->name);
    cr_ebml_put_string(h, CR_MKV_CODEC_ID, codec_id(t->codec));
    if (t->codec == CR_WEBM_OPUS) {
        put_opus_head(h, t->channels, t->rate);
        cr_ebml_put_uint(h, CR_MKV_SEEK_PRE_ROLL, 80000000, 0); /* 80 ms, RFC 7845 */
        gsize audio = cr_ebml_open_master(h, CR_MKV_AUDIO);
        cr_ebml_put_float(h, CR_MKV_SAMPLING_FREQUENCY, t->rate);
        cr_ebml_put_uint(h, CR_MKV_CHANNELS, t->channels, 0);
        cr_ebml_close_master(h, audio);
    } else {
        if (t->codec == CR_WEBM_H264) {
            w->private_at[number] = h->len;
            cr_ebml_put_void(h, CR_WEBM_PRIVATE_ROOM);
        }
        gsize video = cr_ebml_open_master(h, CR_MKV_VIDEO);
        /* Fixed two-byte values, patched from the first keyframe; until
         * then a common size (players take the real one from the stream). */
        cr_ebml_put_uint(h, CR_MKV_PIXEL_WIDTH, 640, 2);
        w->size_at[number] = h->len - 2;
        cr_ebml_put_uint(h, CR_MKV_PIXEL_HEIGHT, 360, 2);
        cr_ebml_close_master(h, video);
    }
    cr_ebml_close_master(h, entry);
}

static GByteArray *
build_header(CrWebmWriter *w, gint64 date_unix_us)
{
    gboolean webm = TRUE;
    for (guint i = 1; i <= w->n_tracks; i++)
        webm = webm && w->tracks[i].codec != CR_WEBM_H264;
    GByteArray *h = g_byte_array_new();
    gsize ebml = cr_ebml_open_master(h, CR_EBML_HEADER);
    cr_ebml_put_uint(h, CR_EBML_VERSION, 1, 0);
    cr_ebml_put_uint(h, CR_EBML_READ_VERSION, 1, 0);
    cr_ebml_put_uint(h, CR_EBML_MAX_ID_LENGTH, 4, 0);
    cr_ebml_put_uint(h, CR_EBML_MAX_SIZE_LENGTH, 8, 0);
    cr_ebml_put_string(h, CR_EBML_DOCTYPE, webm ? "webm" : "matroska");
    cr_ebml_put_uint(h, CR_EBML_DOCTYPE_VERSION, 4, 0);
    cr_ebml_put_uint(h, CR_EBML_DOCTYPE_READ_VERSION, 2, 0);
    cr_ebml_close_master(h, ebml);

    cr_ebml_put_id(h, CR_MKV_SEGMENT);
    w->layout.segment_size_at = h->len;
    cr_ebml_put_size(h, CR_EBML_UNKNOWN_SIZE, 8);
    w->layout.segment_data = h->len;
    w->layout.void_at = h->len;
    w->layout.void_len = CR_WEBM_SEEK_ROOM;
    cr_ebml_put_void(h, CR_WEBM_SEEK_ROOM);

    w->layout.info_at = h->len;
    gsize info = cr_ebml_open_master(h, CR_MKV_INFO);
    cr_ebml_put_uint(h, CR_MKV_TIMECODE_SCALE, 1000000, 0);
    cr_ebml_put_string(h, CR_MKV_MUXING_APP, "classrelay");
    cr_ebml_put_string(h, CR_MKV_WRITING_APP, "classrelay " CR_VERSION);
    /* DateUTC counts nanoseconds from 2001-01-01T00:00:00Z. */
    cr_ebml_put_int(h, CR_MKV_DATE_UTC, (date_unix_us - G_GINT64_CONSTANT(978307200000000)) * 1000);
    cr_ebml_put_float(h, CR_MKV_DURATION, 0.0);
    w->layout.duration_at = h->len - 8;
    cr_ebml_close_master(h, info);

    w->layout.tracks_at = h->len;
    gsize tracks = cr_ebml_open_master(h, CR_MKV_TRACKS);
    gboolean have_video = FALSE, have_audio = FALSE;
    for (guint i = 1; i <= w->n_tracks; i++) {
        gboolean video = is_video(w->tracks[i].codec);
        gboolean first = video ? !have_video : !have_audio;
        if (video && !have_video)
            w->cue_track = i;
        have_video = have_video || video;
        have_audio = have_audio || !video;
        put_track(w, h, i, first);
    }
    w->cue_is_video = w->cue_track != 0;
    if (w->cue_track == 0)
        w->cue_track = 1;
    cr_ebml_close_master(h, tracks);
    return h;
}

CrWebmWriter *
cr_webm_writer_new(const char *path, const CrWebmTrackSpec *tracks, guint n_tracks,
                   gint64 date_unix_us, GError **error)
{
    g_return_val_if_fail(n_tracks >= 1 && n_tracks <= CR_WEBM_MAX_TRACKS, NULL);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "cannot create %s: %s", path,
                    g_strerror(e));
        return NULL;
    }
    CrWebmWriter *w = g_new0(CrWebmWriter, 1);
    w->fd = fd;
    w->path = g_strdup(path);
    w->n_tracks = n_tracks;
    for (guint i = 0; i < n_tracks; i++)
        w->tracks[i + 1] = tracks[i];
    w->cluster = g_byte_array_new();
    w->cues = g_array_new(FALSE, FALSE, sizeof(CrWebmCue));
    w->max_ms = -1;
    g_autoptr(GByteArray) h = build_header(w, date_unix_us);
    if (!cr_webm_pwrite(fd, h->data, h->len, 0, "header", error)) {
        cr_webm_writer_abandon(w);
        return NULL;
    }
    w->end = h->len;
    return w;
}

static gboolean
check_track(const CrWebmWriter *w, guint track, gboolean video, GError **error)
{
    if (track >= 1 && track <= w->n_tracks && is_video(w->tracks[track].codec) == video)
        return TRUE;
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "no %s track %u",
                video ? "video" : "audio", track);
    return FALSE;
}

gboolean
cr_webm_writer_set_video_size(CrWebmWriter *w, guint track, guint width, guint height,
                              GError **error)
{
    if (!check_track(w, track, TRUE, error))
        return FALSE;
    guint8 v[6] = {(guint8)(width >> 8), (guint8)width, 0, 0, 0, 0};
    /* PixelHeight follows as id (1) + size (1) + value (2). */
    guint8 id_size[2] = {CR_MKV_PIXEL_HEIGHT, 0x82};
    memcpy(v + 2, id_size, 2);
    v[4] = (guint8)(height >> 8);
    v[5] = (guint8)height;
    return cr_webm_pwrite(w->fd, v, sizeof v, w->size_at[track], "picture size", error);
}

gboolean
cr_webm_writer_set_codec_private(CrWebmWriter *w, guint track, const guint8 *data, gsize len,
                                 GError **error)
{
    if (!check_track(w, track, TRUE, error))
        return FALSE;
    if (w->private_at[track] == 0 || len + 16 > CR_WEBM_PRIVATE_ROOM) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "no room for %zu bytes of codec data in track %u", len, track);
        return FALSE;
    }
    g_autoptr(GByteArray) b = g_byte_array_new();
    cr_ebml_put_binary(b, CR_MKV_CODEC_PRIVATE, data, len);
    cr_ebml_put_void(b, CR_WEBM_PRIVATE_ROOM - b->len);
    return cr_webm_pwrite(w->fd, b->data, b->len, w->private_at[track], "codec data", error);
}

static gboolean
flush_cluster(CrWebmWriter *w, GError **error)
{
    if (w->cluster_frames == 0)
        return TRUE;
    cr_ebml_close_master(w->cluster, w->cluster_size_at);
    if (!cr_webm_pwrite(w->fd, w->cluster->data, w->cluster->len, w->end, "recording", error))
        return FALSE;
    /* A cue only where a player can start decoding: a cluster whose first
     * block of the main video track is a keyframe (or an audio-only file). */
    if (w->cluster_seekable == 1 || (w->cluster_seekable == -1 && !w->cue_is_video)) {
        CrWebmCue cue = {w->cluster_ms, w->end - w->layout.segment_data};
        g_array_append_val(w->cues, cue);
    }
    w->end += w->cluster->len;
    g_byte_array_set_size(w->cluster, 0);
    w->cluster_frames = 0;
    return TRUE;
}

static void
open_cluster(CrWebmWriter *w, gint64 time_ms)
{
    w->cluster_size_at = cr_ebml_open_master(w->cluster, CR_MKV_CLUSTER);
    cr_ebml_put_uint(w->cluster, CR_MKV_TIMECODE, (guint64)time_ms, 0);
    w->cluster_ms = time_ms;
    w->cluster_seekable = -1;
}

gboolean
cr_webm_writer_add_frame(CrWebmWriter *w, guint track, gint64 time_ms, gboolean keyframe,
                         const guint8 *data, gsize len, GError **error)
{
    if (track < 1 || track > w->n_tracks) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "no track %u", track);
        return FALSE;
    }
    time_ms = MAX(time_ms, MAX(w->last_ms[track], 0));
    gboolean video = is_video(w->tracks[track].codec);
    if (w->cluster_frames > 0) {
        gint64 age = time_ms - w->cluster_ms;
        if (age >= CR_CLUSTER_MS || age < G_MININT16 ||
            (video && keyframe && track == w->cue_track && age >= CR_CLUSTER_MIN_MS)) {
            if (!flush_cluster(w, error))
                return FALSE;
        }
    }
    if (w->cluster_frames == 0) {
        g_byte_array_set_size(w->cluster, 0);
        open_cluster(w, time_ms);
    }
    gint64 rel = time_ms - w->cluster_ms; /* >= G_MININT16 and < CR_CLUSTER_MS here */
    guint8 head[4] = {(guint8)(0x80 | track), (guint8)((guint16)rel >> 8), (guint8)rel,
                      (guint8)(keyframe || !video ? 0x80 : 0)};
    cr_ebml_put_id(w->cluster, CR_MKV_SIMPLE_BLOCK);
    cr_ebml_put_size(w->cluster, len + sizeof head, 0);
    g_byte_array_append(w->cluster, head, sizeof head);
    g_byte_array_append(w->cluster, data, (guint)len);
    if (track == w->cue_track && w->cluster_seekable == -1)
        w->cluster_seekable = keyframe || !video;
    w->cluster_frames++;
    w->frames[track]++;
    w->last_ms[track] = time_ms;
    w->max_ms = MAX(w->max_ms, time_ms);
    return TRUE;
}

gboolean
cr_webm_writer_flush_if_older(CrWebmWriter *w, gint64 now_ms, gint64 max_age_ms, GError **error)
{
    if (w->cluster_frames == 0 || now_ms - w->cluster_ms < max_age_ms)
        return TRUE;
    return flush_cluster(w, error);
}

gint64
cr_webm_writer_size(const CrWebmWriter *w)
{
    return w->end + w->cluster->len;
}

guint64
cr_webm_writer_frames(const CrWebmWriter *w, guint track)
{
    return track >= 1 && track <= w->n_tracks ? w->frames[track] : 0;
}

gboolean
cr_webm_finish_file(int fd, const CrWebmLayout *l, const GArray *cues, guint cue_track,
                    gint64 end, double duration_ms, gint64 *size, GError **error)
{
    g_autoptr(GByteArray) c = g_byte_array_new();
    gsize all = cr_ebml_open_master(c, CR_MKV_CUES);
    for (guint i = 0; i < cues->len; i++) {
        const CrWebmCue *cue = &g_array_index(cues, CrWebmCue, i);
        gsize point = cr_ebml_open_master(c, CR_MKV_CUE_POINT);
        cr_ebml_put_uint(c, CR_MKV_CUE_TIME, (guint64)cue->time_ms, 0);
        gsize pos = cr_ebml_open_master(c, CR_MKV_CUE_TRACK_POSITIONS);
        cr_ebml_put_uint(c, CR_MKV_CUE_TRACK, cue_track, 0);
        cr_ebml_put_uint(c, CR_MKV_CUE_CLUSTER_POSITION, (guint64)cue->cluster_at, 0);
        cr_ebml_close_master(c, pos);
        cr_ebml_close_master(c, point);
    }
    cr_ebml_close_master(c, all);
    if (!cr_webm_pwrite(fd, c->data, c->len, end, "cues", error))
        return FALSE;
    gint64 total = end + c->len;

    g_autoptr(GByteArray) s = g_byte_array_new();
    const struct {
        guint32 id;
        gint64 at;
    } seeks[] = {{CR_MKV_INFO, l->info_at}, {CR_MKV_TRACKS, l->tracks_at}, {CR_MKV_CUES, end}};
    gsize head = cr_ebml_open_master(s, CR_MKV_SEEK_HEAD);
    for (gsize i = 0; i < G_N_ELEMENTS(seeks); i++) {
        gsize seek = cr_ebml_open_master(s, CR_MKV_SEEK);
        guint8 id[4] = {(guint8)(seeks[i].id >> 24), (guint8)(seeks[i].id >> 16),
                        (guint8)(seeks[i].id >> 8), (guint8)seeks[i].id};
        cr_ebml_put_binary(s, CR_MKV_SEEK_ID, id, 4);
        cr_ebml_put_uint(s, CR_MKV_SEEK_POSITION, (guint64)(seeks[i].at - l->segment_data), 8);
        cr_ebml_close_master(s, seek);
    }
    cr_ebml_close_master(s, head);
    if ((gint64)s->len + 2 > l->void_len) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "no room for the seek head");
        return FALSE;
    }
    cr_ebml_put_void(s, (gsize)l->void_len - s->len);
    if (!cr_webm_pwrite(fd, s->data, s->len, l->void_at, "seek head", error))
        return FALSE;

    guint64 bits;
    memcpy(&bits, &duration_ms, sizeof bits);
    guint8 d[8];
    for (int i = 0; i < 8; i++)
        d[i] = (guint8)(bits >> (56 - 8 * i));
    guint8 seg[8];
    cr_ebml_encode_size(seg, (guint64)(total - l->segment_data), 8);
    if (!cr_webm_pwrite(fd, d, 8, l->duration_at, "duration", error) ||
        !cr_webm_pwrite(fd, seg, 8, l->segment_size_at, "segment size", error))
        return FALSE;
    if (ftruncate(fd, total) != 0 || fsync(fd) != 0) {
        int e = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "cannot finish the file: %s",
                    g_strerror(e));
        return FALSE;
    }
    *size = total;
    return TRUE;
}

gboolean
cr_webm_writer_finish(CrWebmWriter *w, double *duration_seconds, GError **error)
{
    gint64 size = 0;
    double duration_ms = w->max_ms < 0 ? 0 : (double)(w->max_ms + CR_WEBM_LAST_FRAME_MS);
    gboolean ok = flush_cluster(w, error) &&
                  cr_webm_finish_file(w->fd, &w->layout, w->cues, w->cue_track, w->end,
                                      duration_ms, &size, error);
    if (ok && duration_seconds != NULL)
        *duration_seconds = duration_ms / 1000.0;
    cr_webm_writer_abandon(w);
    return ok;
}

void
cr_webm_writer_abandon(CrWebmWriter *w)
{
    if (w == NULL)
        return;
    close(w->fd);
    g_free(w->path);
    g_byte_array_unref(w->cluster);
    g_array_unref(w->cues);
    g_free(w);
}
