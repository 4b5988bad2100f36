/* recorder.c — the recorder's control side: which session records, the
 * catalog rows, the disk guard, and the recorder thread that owns the
 * files. */
#include "recorder/recorder.h"

#include <errno.h>
#include <gst/gst.h>
#include <string.h>
#include <sys/statvfs.h>

#include "common/error.h"
#include "common/json.h"
#include "recorder/catalog.h"
#include "recorder/recording.h"

/* How often the recorder thread writes idle clusters, and how often the
 * control loop checks the free disk space and asks for keyframes (the
 * seeking granularity of a recording). */
#define CR_FLUSH_INTERVAL_MS 500
#define CR_DISK_CHECK_S 5

typedef struct {
    CrRecorder *recorder;
    gint64 session;
    CrRecording *recording; /* NULL while the catalog row is being made */
    json_t *row;            /* the catalog row */
    GSList *stop_waiters;   /* Waiter * */
    guint64 dropped_reported;
} Entry;

typedef struct {
    CrRecorderDone done;
    gpointer user_data;
} Waiter;

struct _CrRecorder {
    char *dir;
    gint64 min_free_mb;
    gint64 queue_ms;
    CrWebmCodec video_codec;
    CrRelay *relay;
    CrStore *store;
    CrRecorderCallbacks callbacks;
    GHashTable *sessions; /* session id -> Entry *; control loop */
    guint periodic_timer;
    /* the recorder thread */
    GThread *thread;
    GMainContext *context;
    GMainLoop *loop;
    GPtrArray *live; /* CrRecording * refs, recorder thread only */
    /* stats, control loop (read by /metrics on the same loop) */
    guint64 started, completed, failed, dropped_finished;
    gboolean disk_low;
    gint64 free_mb;
};

/* ---- the recorder thread ---------------------------------------------- */

static gboolean
flush_all(gpointer data)
{
    CrRecorder *rec = data;
    for (guint i = 0; i < rec->live->len; i++)
        cr_recording_flush(rec->live->pdata[i]);
    return G_SOURCE_CONTINUE;
}

static gpointer
thread_main(gpointer data)
{
    CrRecorder *rec = data;
    g_main_context_push_thread_default(rec->context);
    GSource *tick = g_timeout_source_new(CR_FLUSH_INTERVAL_MS);
    g_source_set_callback(tick, flush_all, rec, NULL);
    g_source_attach(tick, rec->context);
    g_main_loop_run(rec->loop);
    g_source_destroy(tick);
    g_source_unref(tick);
    g_main_context_pop_thread_default(rec->context);
    return NULL;
}

typedef struct {
    CrRecorder *recorder;
    CrRecording *recording;
    gboolean add;
} LiveOp;

static gboolean
live_op(gpointer data)
{
    LiveOp *op = data;
    if (op->add)
        g_ptr_array_add(op->recorder->live, cr_recording_ref(op->recording));
    else
        g_ptr_array_remove(op->recorder->live, op->recording);
    return G_SOURCE_REMOVE;
}

static void
live_op_free(gpointer data)
{
    LiveOp *op = data;
    cr_recording_unref(op->recording);
    g_free(op);
}

static void
set_live(CrRecorder *rec, CrRecording *r, gboolean add)
{
    LiveOp *op = g_new0(LiveOp, 1);
    op->recorder = rec;
    op->recording = cr_recording_ref(r);
    op->add = add;
    g_main_context_invoke_full(rec->context, G_PRIORITY_DEFAULT, live_op, op, live_op_free);
}

/* ---- the disk guard ---------------------------------------------------- */

static gint64
free_mb(const char *dir)
{
    struct statvfs st;
    if (statvfs(dir, &st) != 0)
        return -1;
    return (gint64)((guint64)st.f_bavail * st.f_frsize / (1024 * 1024));
}

static gboolean
disk_ok(CrRecorder *rec)
{
    rec->free_mb = free_mb(rec->dir);
    gboolean ok = rec->free_mb < 0 || rec->free_mb >= rec->min_free_mb;
    if (!ok && !rec->disk_low)
        g_warning("recording: %" G_GINT64_FORMAT " MiB free in %s, below recording.min_free_mb "
                  "= %" G_GINT64_FORMAT ": no recording runs until space is freed",
                  rec->free_mb, rec->dir, rec->min_free_mb);
    else if (ok && rec->disk_low)
        g_message("recording: disk space is back (%" G_GINT64_FORMAT " MiB free)", rec->free_mb);
    rec->disk_low = !ok;
    return ok;
}

/* Each running recording, every CR_DISK_CHECK_S: a keyframe is asked for
 * (browsers send them only when asked; without them seeking would decode
 * from the recording's start), and packets dropped since the last look
 * (its queue was full: the disk or the machine fell behind) raise an alert
 * (log, event). */
static void
tick_recordings(CrRecorder *rec)
{
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, rec->sessions);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        Entry *e = value;
        if (e->recording == NULL || e->recording->stopping)
            continue;
        cr_relay_request_keyframes(rec->relay, e->session);
        guint64 dropped = cr_recording_dropped(e->recording);
        if (dropped > e->dropped_reported) {
            g_autofree char *why = g_strdup_printf(
                "%" G_GUINT64_FORMAT " packets dropped: the disk or the machine is falling behind",
                dropped - e->dropped_reported);
            g_warning("recording %" G_GINT64_FORMAT ": %s", e->recording->id, why);
            if (rec->callbacks.state != NULL)
                rec->callbacks.state(rec->callbacks.user, e->session, e->recording->id,
                                     "dropping", why);
            e->dropped_reported = dropped;
        }
    }
}

/* Stops every recording (the table changes as they stop: ids first). */
static void
stop_all(CrRecorder *rec, const char *reason)
{
    g_autoptr(GArray) sessions = g_array_new(FALSE, FALSE, sizeof(gint64));
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, rec->sessions);
    while (g_hash_table_iter_next(&it, NULL, &value))
        g_array_append_val(sessions, ((Entry *)value)->session);
    for (guint i = 0; i < sessions->len; i++)
        cr_recorder_stop(rec, g_array_index(sessions, gint64, i), reason, NULL, NULL);
}

static gboolean
periodic(gpointer data)
{
    CrRecorder *rec = data;
    tick_recordings(rec);
    if (g_hash_table_size(rec->sessions) > 0 && !disk_ok(rec))
        stop_all(rec, "disk space low");
    return G_SOURCE_CONTINUE;
}

/* ---- start ----------------------------------------------------------- */

static CrWebmCodec
webm_codec(const char *name, CrWebmCodec fallback)
{
    if (name == NULL)
        return fallback;
    if (g_ascii_strcasecmp(name, "H264") == 0)
        return CR_WEBM_H264;
    if (g_ascii_strcasecmp(name, "VP9") == 0)
        return CR_WEBM_VP9;
    if (g_ascii_strcasecmp(name, "opus") == 0)
        return CR_WEBM_OPUS;
    return CR_WEBM_VP8;
}

/* Every track a class can have, declared up front (Matroska needs its
 * tracks before the first cluster; an unused one costs a few bytes). A
 * video track takes its publisher's codec, or the configured one. */
static guint
plan_tracks(CrRecorder *rec, gint64 session, CrRecordingTrack out[CR_N_TRACKS],
            const char **container)
{
    const char *codecs[CR_N_TRACKS];
    cr_relay_track_codecs(rec->relay, session, codecs);
    static const CrTrackKind order[] = {CR_TRACK_CLASS_VIDEO, CR_TRACK_CLASS_AUDIO,
                                        CR_TRACK_SCREEN, CR_TRACK_FLOOR_AUDIO,
                                        CR_TRACK_FLOOR_VIDEO};
    CrWebmCodec class_video = webm_codec(codecs[CR_TRACK_CLASS_VIDEO], rec->video_codec);
    gboolean webm = TRUE;
    for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
        CrTrackKind k = order[i];
        gboolean audio = k == CR_TRACK_CLASS_AUDIO || k == CR_TRACK_FLOOR_AUDIO;
        out[i].kind = k;
        out[i].codec = audio ? CR_WEBM_OPUS : webm_codec(codecs[k], class_video);
        webm = webm && out[i].codec != CR_WEBM_H264;
    }
    *container = webm ? "webm" : "mkv";
    return G_N_ELEMENTS(order);
}

static void
entry_free(gpointer data)
{
    Entry *e = data;
    if (e->recording != NULL)
        cr_recording_unref(e->recording);
    if (e->row != NULL)
        json_decref(e->row);
    g_slist_free_full(e->stop_waiters, g_free);
    g_free(e);
}

typedef struct {
    CrRecorder *recorder;
    gint64 session;
    CrRecorderDone done;
    gpointer user_data;
    char *relative;
    CrRecordingTrack layout[CR_N_TRACKS];
    guint n_tracks;
} StartOp;

static void
respond(CrRecorderDone done, gpointer user_data, json_t *row, const GError *error)
{
    if (done != NULL)
        done(row, error, user_data);
}

static void
mark_failed(CrRecorder *rec, gint64 id, const char *reason)
{
    CrRecordingUpdate up = {.id = id, .state = "failed", .reason = reason,
                            .ended_at = g_get_real_time() / G_USEC_PER_SEC,
                            .duration_seconds = -1, .size_bytes = -1};
    cr_store_recording_update(rec->store, &up, NULL, NULL);
    rec->failed++;
}

static void
row_created(gpointer result, const GError *error, gpointer user_data)
{
    StartOp *op = user_data;
    CrRecorder *rec = op->recorder;
    Entry *e = g_hash_table_lookup(rec->sessions, &op->session);
    json_t *row = result;
    if (error != NULL) {
        g_hash_table_remove(rec->sessions, &op->session);
        respond(op->done, op->user_data, NULL, error);
        goto out;
    }
    gint64 id = json_integer_value(json_object_get(row, "id"));
    g_autoptr(GError) err = NULL;
    CrRecording *r = cr_recording_new(rec->relay, rec->context, op->session, rec->dir,
                                      op->relative, op->layout, op->n_tracks, rec->queue_ms, &err);
    if (r == NULL) {
        g_warning("recording of session %" G_GINT64_FORMAT " cannot start: %s", op->session,
                  err->message);
        mark_failed(rec, id, err->message);
        g_hash_table_remove(rec->sessions, &op->session);
        g_autoptr(GError) internal =
            g_error_new(CR_ERROR, CR_ERROR_INTERNAL, "recording cannot start: %s", err->message);
        respond(op->done, op->user_data, NULL, internal);
        goto out;
    }
    r->id = id;
    e->recording = r;
    e->row = json_incref(row);
    set_live(rec, r, TRUE);
    cr_recording_begin(r);
    rec->started++;
    g_message("recording %" G_GINT64_FORMAT " of session %" G_GINT64_FORMAT " started: %s", id,
              op->session, r->path);
    if (rec->callbacks.state != NULL)
        rec->callbacks.state(rec->callbacks.user, op->session, id, "recording", NULL);
    respond(op->done, op->user_data, row, NULL);
out:
    g_free(op->relative);
    g_free(op);
}

void
cr_recorder_start(CrRecorder *rec, gint64 session, CrRecorderDone done, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    if (g_hash_table_contains(rec->sessions, &session)) {
        error = g_error_new(CR_ERROR, CR_ERROR_CONFLICT, "the class is already being recorded");
    } else if (!disk_ok(rec)) {
        error = g_error_new(CR_ERROR, CR_ERROR_UNAVAILABLE,
                            "not enough free disk space to record (%" G_GINT64_FORMAT
                            " MiB free, recording.min_free_mb = %" G_GINT64_FORMAT ")",
                            rec->free_mb, rec->min_free_mb);
    }
    if (error != NULL) {
        respond(done, user_data, NULL, error);
        return;
    }
    StartOp *op = g_new0(StartOp, 1);
    op->recorder = rec;
    op->session = session;
    op->done = done;
    op->user_data = user_data;
    const char *container;
    op->n_tracks = plan_tracks(rec, session, op->layout, &container);
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");
    op->relative = g_strdup_printf("session-%" G_GINT64_FORMAT "/%s-%04x.%s", session, stamp,
                                   g_random_int_range(0, 0x10000), container);
    Entry *e = g_new0(Entry, 1);
    e->recorder = rec;
    e->session = session;
    g_hash_table_insert(rec->sessions, &e->session, e);

    /* The planned tracks, as the catalog lists them until the end. */
    json_t *tracks = json_array();
    for (guint i = 0; i < op->n_tracks; i++) {
        CrTrackKind k = op->layout[i].kind;
        gboolean audio = op->layout[i].codec == CR_WEBM_OPUS;
        json_array_append_new(tracks, json_pack("{s:s, s:s, s:s}", "kind",
                                                audio ? "audio" : "video", "source",
                                                k == CR_TRACK_SCREEN ? "screen"
                                                : (k == CR_TRACK_FLOOR_AUDIO ||
                                                   k == CR_TRACK_FLOOR_VIDEO)
                                                    ? "floor"
                                                    : "classroom",
                                                "codec", cr_webm_codec_name(op->layout[i].codec)));
    }
    CrRecordingInput in = {.session_id = session, .path = op->relative, .container = container,
                           .tracks = tracks, .started_at = g_get_real_time() / G_USEC_PER_SEC};
    cr_store_recording_create(rec->store, &in, row_created, op);
    json_decref(tracks);
}

/* ---- stop ------------------------------------------------------------ */

/* The catalog row after the last update: the answer to who asked to stop. */
static void
row_updated(gpointer result, const GError *error, gpointer user_data)
{
    GSList *waiters = user_data;
    for (GSList *l = waiters; l != NULL; l = l->next) {
        Waiter *w = l->data;
        respond(w->done, w->user_data, result, error);
    }
    g_slist_free_full(waiters, g_free);
}

static void
finished(CrRecording *r, gboolean ok, double duration, gint64 size, const char *sha256,
         const char *reason, gpointer user)
{
    CrRecorder *rec = user;
    set_live(rec, r, FALSE);
    g_autoptr(json_t) tracks = cr_recording_tracks_json(r);
    guint64 dropped = cr_recording_dropped(r);
    rec->dropped_finished += dropped;
    if (ok)
        rec->completed++;
    else
        rec->failed++;
    g_message("recording %" G_GINT64_FORMAT " of session %" G_GINT64_FORMAT " %s: %.1f s, "
              "%" G_GINT64_FORMAT " bytes, %" G_GUINT64_FORMAT " packets dropped%s%s",
              r->id, r->session, ok ? "complete" : "failed", duration, size, dropped,
              reason != NULL ? ": " : "", reason != NULL ? reason : "");
    CrRecordingUpdate up = {.id = r->id, .state = ok ? "complete" : "failed", .reason = reason,
                            .ended_at = g_get_real_time() / G_USEC_PER_SEC,
                            .duration_seconds = duration, .size_bytes = ok ? size : -1,
                            .sha256 = sha256, .tracks = tracks};
    Entry *e = g_hash_table_lookup(rec->sessions, &r->session);
    GSList *waiters = e != NULL ? g_steal_pointer(&e->stop_waiters) : NULL;
    cr_store_recording_update(rec->store, &up, waiters != NULL ? row_updated : NULL, waiters);
    gint64 session = r->session, id = r->id;
    g_hash_table_remove(rec->sessions, &session); /* drops the last control reference */
    if (rec->callbacks.state != NULL)
        rec->callbacks.state(rec->callbacks.user, session, id, ok ? "stopped" : "failed", reason);
}

void
cr_recorder_stop(CrRecorder *rec, gint64 session, const char *reason, CrRecorderDone done,
                 gpointer user_data)
{
    Entry *e = g_hash_table_lookup(rec->sessions, &session);
    if (e == NULL || e->recording == NULL) {
        g_autoptr(GError) error =
            g_error_new(CR_ERROR, CR_ERROR_CONFLICT,
                        e == NULL ? "the class is not being recorded" : "the recording is starting");
        respond(done, user_data, NULL, error);
        return;
    }
    if (done != NULL) {
        Waiter *w = g_new0(Waiter, 1);
        w->done = done;
        w->user_data = user_data;
        e->stop_waiters = g_slist_append(e->stop_waiters, w);
    }
    if (e->recording->stopping)
        return;
    g_message("recording %" G_GINT64_FORMAT " of session %" G_GINT64_FORMAT " stopping%s%s",
              e->recording->id, session, reason != NULL ? ": " : "", reason != NULL ? reason : "");
    CrRecordingUpdate up = {.id = e->recording->id, .state = "finalizing",
                            .duration_seconds = -1, .size_bytes = -1};
    cr_store_recording_update(rec->store, &up, NULL, NULL);
    cr_recording_end(e->recording, finished, rec);
}

gint64
cr_recorder_current(CrRecorder *rec, gint64 session)
{
    Entry *e = g_hash_table_lookup(rec->sessions, &session);
    return e != NULL && e->recording != NULL && !e->recording->stopping ? e->recording->id : 0;
}

void
cr_recorder_stats(CrRecorder *rec, CrRecorderStats *out)
{
    memset(out, 0, sizeof *out);
    out->active = g_hash_table_size(rec->sessions);
    out->started = rec->started;
    out->completed = rec->completed;
    out->failed = rec->failed;
    out->dropped_packets = rec->dropped_finished;
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, rec->sessions);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        Entry *e = value;
        if (e->recording != NULL)
            out->dropped_packets += cr_recording_dropped(e->recording);
    }
    out->disk_low = rec->disk_low;
    out->free_mb = rec->free_mb;
}

/* ---- life cycle ------------------------------------------------------- */

CrRecorder *
cr_recorder_new(const CrRecorderConfig *config, CrRelay *relay, CrStore *store,
                const CrRecorderCallbacks *callbacks, GError **error)
{
    gst_init(NULL, NULL);
    static const char *const needed[] = {"appsrc", "appsink", "rtpjitterbuffer", "rtpopusdepay",
                                         "rtpvp8depay", "rtph264depay", "h264parse"};
    for (gsize i = 0; i < G_N_ELEMENTS(needed); i++) {
        GstElementFactory *f = gst_element_factory_find(needed[i]);
        if (f == NULL) {
            g_set_error(error, CR_ERROR, CR_ERROR_INTERNAL,
                        "GStreamer element %s is missing: install the packages in "
                        "scripts/debian-packages.txt",
                        needed[i]);
            return NULL;
        }
        gst_object_unref(f);
    }
    if (g_mkdir_with_parents(config->dir, 0750) != 0) {
        g_set_error(error, CR_ERROR, CR_ERROR_INTERNAL, "cannot create %s: %s", config->dir,
                    g_strerror(errno));
        return NULL;
    }
    CrRecorder *rec = g_new0(CrRecorder, 1);
    rec->dir = g_strdup(config->dir);
    rec->min_free_mb = config->min_free_mb;
    rec->queue_ms = config->queue_ms > 0 ? config->queue_ms : 2000;
    rec->video_codec = webm_codec(config->video_codec, CR_WEBM_VP8);
    rec->relay = relay;
    rec->store = store;
    rec->callbacks = *callbacks;
    rec->sessions = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, entry_free);
    rec->free_mb = -1;
    rec->live = g_ptr_array_new_with_free_func((GDestroyNotify)cr_recording_unref);
    rec->context = g_main_context_new();
    rec->loop = g_main_loop_new(rec->context, FALSE);
    rec->thread = g_thread_new("cr-recorder", thread_main, rec);
    rec->periodic_timer = g_timeout_add_seconds(CR_DISK_CHECK_S, periodic, rec);
    disk_ok(rec);
    return rec;
}

void
cr_recorder_free(CrRecorder *rec)
{
    if (rec == NULL)
        return;
    g_source_remove(rec->periodic_timer);
    stop_all(rec, "server stopping");
    /* Let the files finish: the answers come back on this context. */
    gint64 deadline = g_get_monotonic_time() + 8 * G_USEC_PER_SEC;
    GMainContext *here = g_main_context_ref_thread_default();
    while (g_hash_table_size(rec->sessions) > 0 && g_get_monotonic_time() < deadline) {
        if (!g_main_context_iteration(here, FALSE))
            g_usleep(2000);
    }
    g_main_context_unref(here);
    g_main_loop_quit(rec->loop);
    g_thread_join(rec->thread);
    g_ptr_array_unref(rec->live);
    g_main_loop_unref(rec->loop);
    g_main_context_unref(rec->context);
    g_hash_table_destroy(rec->sessions);
    g_free(rec->dir);
    g_free(rec);
}
