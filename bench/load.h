/* load.h — the pieces of the media load generator (bench/relay_load.c):
 * a WebRTC client without a browser (libnice ICE, the relay's own DTLS and
 * SRTP engines, synthetic RTP), a tiny blocking HTTP client for WHIP/WHEP,
 * and the counters the measurement reads.
 *
 * Threads: the main thread does signaling (HTTP) and measurement; every
 * LoadPeer belongs to one LoadWorker thread (a GMainContext) which runs
 * its ICE agent, DTLS, SRTP and packet counters. The main thread hands a
 * peer its answer through g_main_context_invoke and reads counters only
 * after the workers were joined, except the few atomics named below.
 */
#pragma once

#include <glib.h>
#include <nice/agent.h>

#include "relay/cert.h"
#include "relay/dtls.h"
#include "relay/srtp.h"

G_BEGIN_DECLS

#define LOAD_VIDEO_PT 96
#define LOAD_AUDIO_PT 111
/* Where a payload carries its send time (CLOCK_MONOTONIC µs, big endian):
 * after the VP8 payload descriptor and 3-byte payload header (RFC 7741
 * §4.2–4.3) and the 3-byte key frame start code; the same offset in audio. */
#define LOAD_STAMP_OFFSET 8
#define LOAD_MIN_PAYLOAD  (LOAD_STAMP_OFFSET + 8)
/* Latency histogram: 10 µs bins up to 2 s; later arrivals land in the last. */
#define LOAD_HIST_BIN_US 10
#define LOAD_HIST_BINS   200000

/* Measurement phases, read by the workers on every packet (atomic). */
enum { LOAD_PHASE_WARMUP, LOAD_PHASE_WINDOW, LOAD_PHASE_DONE };
extern gint load_phase;

typedef struct {
    GMainContext *ctx;
    GMainLoop *loop;
    GThread *thread;
    GPtrArray *peers; /* LoadPeer *, appended by the main thread before invoke */
    GMutex peers_lock;
    guint32 *latency_hist; /* LOAD_HIST_BINS, window only; this thread writes */
    gint64 last_tick_us;
    gint64 max_tick_gap_us; /* the longest the thread went without its 2 ms tick */
} LoadWorker;

/* One received stream (RFC 3550 Appendix A.1 sequence bookkeeping). */
typedef struct {
    guint32 ssrc;
    gboolean seen;
    guint16 max_seq;
    guint32 cycles;   /* wraps, << 16 */
    guint32 base_ext; /* first extended seq ever */
    guint64 received; /* ever */
    /* The window: the extended seqs of its first and last packets. */
    gboolean win_seen;
    guint32 win_first_ext, win_max_ext;
    guint64 win_received;
    /* For receiver reports: at the previous report. */
    guint32 rr_expected_prior;
    guint64 rr_received_prior;
} LoadStream;

typedef enum {
    LOAD_PUBLISHER,
    LOAD_SUBSCRIBER,
} LoadRole;

typedef struct {
    char *ufrag, *pwd;
    char *setup; /* "active", "passive" */
    guint8 fingerprint[CR_CERT_FINGERPRINT_LEN];
    gboolean has_fingerprint;
    GPtrArray *candidates; /* "a=candidate:..." */
} LoadAnswer;

typedef struct _LoadPeer LoadPeer;
struct _LoadPeer {
    LoadRole role;
    guint index;
    LoadWorker *worker;
    CrDtlsContext *dtls_ctx;
    NiceAgent *agent;
    guint stream_id;
    char *offer;
    LoadAnswer answer;
    CrDtls *dtls;
    CrSrtp *srtp;
    guint32 local_ssrc;
    gint connected; /* atomic: SRTP keyed */
    gint failed;    /* atomic */
    gint got_key;   /* atomic: first_key_us is set */
    char *fail_reason;

    /* Timeline (g_get_monotonic_time µs); written by the worker, except
     * post_us and answer_us by the main thread before the invoke. */
    gint64 post_us, answer_us, ice_ready_us, dtls_done_us, first_video_us, first_key_us;

    /* Subscriber counters. */
    LoadStream video, audio;
    guint64 undecryptable, other_pt, late;
    gint64 last_rtp_us;
    gint64 next_rr_us;

    /* Publisher state (its own worker only). */
    guint32 video_ssrc, audio_ssrc;
    guint16 video_seq, audio_seq;
    guint64 frames, video_packets, audio_packets, bytes_sent;
    guint64 win_video_packets, win_audio_packets;
    guint64 plis, firs, nacks, keyframes;
    gboolean want_keyframe;
    gint64 next_frame_us, next_audio_us, next_keyframe_us;
    guint64 send_errors;
};

/* A worker thread running its own GMainContext. */
LoadWorker *load_worker_new(const char *name);
void load_worker_stop(LoadWorker *w);

/* Creates the agent on @w (controlling, upnp off, host candidates on
 * @local_address only) and the SDP offer: for a publisher sendonly Opus +
 * VP8 with fixed SSRCs, for a subscriber recvonly. */
LoadPeer *load_peer_new(LoadWorker *w, LoadRole role, guint index, CrDtlsContext *dtls_ctx,
                        const char *fingerprint_text, const char *local_address, GError **error);
/* Reads ICE credentials, fingerprint, setup and candidates of @sdp. */
gboolean load_answer_parse(const char *sdp, LoadAnswer *out, GError **error);
/* Hands the parsed answer to the peer's worker, which starts ICE. */
void load_peer_start(LoadPeer *p);
void load_peer_free(LoadPeer *p);

/* Publisher: sends whatever frames and audio are due (its worker). */
void load_publisher_configure(guint video_kbps, guint fps, guint packet_bytes,
                              guint keyframe_seconds, guint audio_pps);
/* A periodic check on a worker: DTLS timers, receiver reports, media. */
void load_worker_tick(LoadWorker *w);

/* Between load-peer.c and load-media.c (the peer's worker). */
void load_peer_send(LoadPeer *p, const guint8 *data, gsize len);
void load_peer_check_timers(LoadPeer *p, gint64 now);
void load_media_on_rtp(LoadPeer *p, guint8 *pkt, gsize len);
void load_media_on_rtcp(LoadPeer *p, guint8 *pkt, gsize len);

/* Blocking HTTP/1.1 to @host:@port; the whole response is read.
 * @token and @content_type may be NULL; @body may be NULL. */
gboolean load_http(const char *host, guint16 port, const char *method, const char *path,
                   const char *token, const char *content_type, const char *body, guint *status,
                   char **location, char **response, GError **error);

G_END_DECLS
