/* track.c — one recorded track's GStreamer pipeline:
 *   appsrc ! rtpjitterbuffer ! <depayloader> [! h264parse] ! appsink
 */
#include "recorder/track.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

/* Long enough to put reordered packets and NACK retransmissions back in
 * order, short enough for the crash budget (webm.h: at most ~2 s lost). */
#define CR_JITTER_MS 300

struct _CrTrack {
    guint index;
    GstElement *pipeline;
    GstAppSrc *src;
    GstClockTime queue_limit;
    guint64 dropped; /* atomic */
    CrTrackOutput output;
    gpointer user;
};

static const char *
chain(CrWebmCodec codec)
{
    switch (codec) {
    case CR_WEBM_OPUS: return "rtpopusdepay";
    case CR_WEBM_VP8: return "rtpvp8depay";
    case CR_WEBM_VP9: return "rtpvp9depay";
    case CR_WEBM_H264:
        return "rtph264depay ! h264parse ! video/x-h264,stream-format=avc,alignment=au";
    }
    return NULL;
}

static const char *
encoding_name(CrWebmCodec codec)
{
    switch (codec) {
    case CR_WEBM_OPUS: return "OPUS";
    case CR_WEBM_VP8: return "VP8";
    case CR_WEBM_VP9: return "VP9";
    case CR_WEBM_H264: return "H264";
    }
    return NULL;
}

static GstFlowReturn
on_sample(GstAppSink *sink, gpointer data)
{
    CrTrack *t = data;
    GstSample *sample = gst_app_sink_pull_sample(sink);
    if (sample == NULL)
        return GST_FLOW_EOS;
    t->output(t->user, t->index, gst_sample_get_buffer(sample), gst_sample_get_caps(sample));
    gst_sample_unref(sample);
    return GST_FLOW_OK;
}

static void
on_eos(GstAppSink *sink, gpointer data)
{
    CrTrack *t = data;
    t->output(t->user, t->index, NULL, NULL);
}

CrTrack *
cr_track_new(guint index, CrWebmCodec codec, guint clock_rate, GstClock *clock,
             GstClockTime base_time, gint64 queue_ms, CrTrackOutput output, gpointer user,
             GError **error)
{
    g_autofree char *desc = g_strdup_printf(
        "appsrc name=src is-live=true format=time do-timestamp=false leaky-type=downstream "
        "caps=\"application/x-rtp,media=%s,clock-rate=%u,encoding-name=%s,payload=%u\" "
        "! rtpjitterbuffer latency=%d mode=none "
        "! %s ! appsink name=sink sync=false async=false max-buffers=0 emit-signals=false",
        codec == CR_WEBM_OPUS ? "audio" : "video", clock_rate, encoding_name(codec),
        CR_TRACK_PAYLOAD_TYPE, CR_JITTER_MS, chain(codec));
    GstElement *pipeline = gst_parse_launch(desc, error);
    if (pipeline == NULL)
        return NULL;
    CrTrack *t = g_new0(CrTrack, 1);
    t->index = index;
    t->pipeline = pipeline;
    t->output = output;
    t->user = user;
    t->queue_limit = (GstClockTime)queue_ms * GST_MSECOND;
    t->src = GST_APP_SRC(gst_bin_get_by_name(GST_BIN(pipeline), "src"));
    g_object_set(t->src, "max-time", t->queue_limit, "max-bytes", (guint64)0, NULL);
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    GstAppSinkCallbacks callbacks = {.eos = on_eos, .new_sample = on_sample};
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, t, NULL);
    gst_object_unref(sink);
    /* One clock and one base time for every track of a recording: buffer
     * times are then recording times, and the tracks stay in sync. */
    gst_pipeline_use_clock(GST_PIPELINE(pipeline), clock);
    gst_element_set_base_time(pipeline, base_time);
    gst_element_set_start_time(pipeline, GST_CLOCK_TIME_NONE);
    if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
                    "cannot start the %s recording pipeline", encoding_name(codec));
        cr_track_free(t);
        return NULL;
    }
    return t;
}

gboolean
cr_track_push(CrTrack *t, const guint8 *rtp, gsize len, GstClockTime arrival)
{
    /* appsrc would drop too (leaky), but silently: count it here. */
    if (gst_app_src_get_current_level_time(t->src) >= t->queue_limit) {
        __atomic_fetch_add(&t->dropped, 1, __ATOMIC_RELAXED);
        return FALSE;
    }
    GstBuffer *b = gst_buffer_new_memdup(rtp, len);
    GST_BUFFER_DTS(b) = arrival;
    GST_BUFFER_PTS(b) = arrival;
    return gst_app_src_push_buffer(t->src, b) == GST_FLOW_OK;
}

void
cr_track_finish(CrTrack *t)
{
    gst_app_src_end_of_stream(t->src);
}

guint64
cr_track_dropped(const CrTrack *t)
{
    return __atomic_load_n(&t->dropped, __ATOMIC_RELAXED);
}

void
cr_track_free(CrTrack *t)
{
    if (t == NULL)
        return;
    gst_element_set_state(t->pipeline, GST_STATE_NULL);
    gst_object_unref(t->src);
    gst_object_unref(t->pipeline);
    g_free(t);
}
