/* webm-repair.c — finishing a file the writer left behind when the server
 * died: find its parts, cut a torn last cluster, rebuild the cue index
 * from the clusters, and finish it like the writer would. */
#include "recorder/webm-private.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

#include "recorder/ebml.h"

/* Clusters are at most a few seconds of media; anything bigger than this
 * is not one of ours. */
#define CR_MAX_CLUSTER (64 * 1024 * 1024)

typedef struct {
    int fd;
    gint64 file_size;
    CrWebmLayout layout;
    GArray *cues;
    guint cue_track;
    gint64 max_ms;
    CrWebmRepairInfo *info;
} Repair;

static gboolean
read_at(const Repair *r, gint64 at, guint8 *buf, gsize len, gsize *got)
{
    gsize n = 0;
    while (n < len) {
        ssize_t k = pread(r->fd, buf + n, len - n, at + (gint64)n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        n += (gsize)k;
    }
    *got = n;
    return n > 0;
}

/* The element header at @at: FALSE when it is torn or malformed. */
static gboolean
header_at(const Repair *r, gint64 at, guint32 *id, guint64 *size, gsize *hl)
{
    guint8 buf[12];
    gsize got = 0;
    return read_at(r, at, buf, sizeof buf, &got) && cr_ebml_read_header(buf, got, id, size, hl);
}

static gboolean
fail(GError **error, const char *why)
{
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a classrelay recording: %s", why);
    return FALSE;
}

/* Reads an element's body (at most CR_MAX_CLUSTER bytes). */
static gboolean
read_body(const Repair *r, gint64 at, guint64 size, guint8 **body)
{
    if (size > CR_MAX_CLUSTER)
        return FALSE;
    *body = g_malloc(size + 1);
    gsize got = 0;
    if (size == 0 || (read_at(r, at, *body, size, &got) && got == size))
        return TRUE;
    g_clear_pointer(body, g_free);
    return FALSE;
}

static void
scan_info(Repair *r, gint64 body_at, const guint8 *b, gsize size)
{
    CrEbmlChild c;
    for (gsize off = 0; cr_ebml_next_child(b, size, &off, &c);) {
        if (c.id == CR_MKV_DURATION && c.size == 8)
            r->layout.duration_at = body_at + (gint64)(c.value - b);
    }
}

static void
scan_tracks(Repair *r, const guint8 *b, gsize size)
{
    CrEbmlChild entry, c;
    for (gsize off = 0; cr_ebml_next_child(b, size, &off, &entry);) {
        if (entry.id != CR_MKV_TRACK_ENTRY)
            continue;
        guint64 number = 0, type = 0;
        for (gsize o = 0; cr_ebml_next_child(entry.value, entry.size, &o, &c);) {
            if (c.id == CR_MKV_TRACK_NUMBER)
                number = cr_ebml_read_uint(c.value, c.size);
            else if (c.id == CR_MKV_TRACK_TYPE)
                type = cr_ebml_read_uint(c.value, c.size);
        }
        if (type == 1 && r->cue_track == 0 && number <= CR_WEBM_MAX_TRACKS)
            r->cue_track = (guint)number;
    }
}

/* One cluster: its time, its frames, and a cue pointing at it when a
 * player can start there. */
static void
scan_cluster(Repair *r, gint64 at, const guint8 *b, gsize size)
{
    gint64 cluster_ms = 0;
    gboolean cued = FALSE;
    CrEbmlChild c;
    for (gsize off = 0; cr_ebml_next_child(b, size, &off, &c);) {
        const guint8 *v = c.value;
        if (c.id == CR_MKV_TIMECODE) {
            cluster_ms = (gint64)cr_ebml_read_uint(v, c.size);
        } else if (c.id == CR_MKV_SIMPLE_BLOCK && c.size >= 4 && (v[0] & 0x80)) {
            guint track = v[0] & 0x7F;
            gint64 t = cluster_ms + (gint16)(v[1] << 8 | v[2]);
            if (track <= CR_WEBM_MAX_TRACKS)
                r->info->frames[track]++;
            r->max_ms = MAX(r->max_ms, t);
            /* As the writer does: a cue where the cue track's first block
             * in the cluster is a keyframe (flag 0x80). */
            if (!cued && (track == r->cue_track || r->cue_track == 0)) {
                if (v[3] & 0x80) {
                    CrWebmCue cue = {cluster_ms, at - r->layout.segment_data};
                    g_array_append_val(r->cues, cue);
                }
                cued = TRUE;
            }
        }
    }
    r->info->n_clusters++;
}

/* Walks the segment's children; returns where the good part ends. */
static gboolean
walk(Repair *r, gint64 *end, GError **error)
{
    gint64 at = r->layout.segment_data;
    while (at < r->file_size) {
        guint32 id;
        guint64 size;
        gsize hl;
        if (!header_at(r, at, &id, &size, &hl) || size == CR_EBML_UNKNOWN_SIZE ||
            (gint64)size > r->file_size - at - (gint64)hl) {
            r->info->truncated = TRUE; /* a torn element: cut it */
            break;
        }
        gint64 body_at = at + (gint64)hl;
        g_autofree guint8 *body = NULL;
        switch (id) {
        case CR_EBML_VOID:
            if (r->layout.void_at == 0) {
                r->layout.void_at = at;
                r->layout.void_len = (gint64)(hl + size);
            }
            break;
        case CR_MKV_SEEK_HEAD:
            if (r->layout.void_at == 0) {
                r->layout.void_at = at; /* a finished file: the SeekHead fills the room */
                r->layout.void_len = (gint64)(hl + size);
            }
            break;
        case CR_MKV_CUES:
            r->info->was_finished = TRUE;
            break;
        case CR_MKV_INFO:
        case CR_MKV_TRACKS:
        case CR_MKV_CLUSTER:
            if (!read_body(r, body_at, size, &body)) {
                r->info->truncated = TRUE;
                *end = at;
                return TRUE;
            }
            if (id == CR_MKV_INFO) {
                r->layout.info_at = at;
                scan_info(r, body_at, body, size);
            } else if (id == CR_MKV_TRACKS) {
                r->layout.tracks_at = at;
                scan_tracks(r, body, size);
            } else {
                scan_cluster(r, at, body, size);
            }
            break;
        default:
            break;
        }
        at = body_at + (gint64)size;
        if (r->info->was_finished)
            break;
    }
    *end = MIN(at, r->file_size);
    if (r->layout.void_at == 0 || r->layout.info_at == 0 || r->layout.tracks_at == 0 ||
        r->layout.duration_at == 0)
        return fail(error, "its header has no room kept for finishing");
    return TRUE;
}

static gboolean
open_segment(Repair *r, GError **error)
{
    guint32 id;
    guint64 size;
    gsize hl;
    if (!header_at(r, 0, &id, &size, &hl) || id != CR_EBML_HEADER || size > 256)
        return fail(error, "no EBML header");
    gint64 at = (gint64)(hl + size);
    if (!header_at(r, at, &id, &size, &hl) || id != CR_MKV_SEGMENT || hl != 12)
        return fail(error, "no segment with an 8-byte size");
    r->layout.segment_size_at = at + 4;
    r->layout.segment_data = at + 12;
    return TRUE;
}

gboolean
cr_webm_repair(const char *path, CrWebmRepairInfo *info, GError **error)
{
    memset(info, 0, sizeof *info);
    Repair r = {.info = info, .max_ms = -1};
    r.fd = open(path, O_RDWR | O_CLOEXEC);
    if (r.fd < 0) {
        int e = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "cannot open %s: %s", path,
                    g_strerror(e));
        return FALSE;
    }
    r.file_size = lseek(r.fd, 0, SEEK_END);
    r.cues = g_array_new(FALSE, FALSE, sizeof(CrWebmCue));
    gint64 end = 0;
    gboolean ok = open_segment(&r, error) && walk(&r, &end, error);
    if (ok) {
        info->duration_seconds = r.max_ms < 0 ? 0 : (r.max_ms + CR_WEBM_LAST_FRAME_MS) / 1000.0;
        if (info->was_finished) {
            info->size_bytes = r.file_size;
        } else {
            ok = cr_webm_finish_file(r.fd, &r.layout, r.cues, r.cue_track ? r.cue_track : 1, end,
                                     r.max_ms < 0 ? 0 : (double)(r.max_ms + CR_WEBM_LAST_FRAME_MS),
                                     &info->size_bytes, error);
        }
    }
    g_array_unref(r.cues);
    close(r.fd);
    return ok;
}
