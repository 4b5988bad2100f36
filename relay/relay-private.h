/* relay-private.h — shared inside the relay module only.
 *
 * Ownership and threads:
 *  - CrRelay: created and used on the control loop; its `lock` guards the
 *    session registry (which publisher feeds which slot), read by workers
 *    when they route keyframe requests, never on the per-packet path.
 *  - CrWorker: a thread with its own GMainContext; it owns the peers
 *    assigned to it and its per-session subscriber lists.
 *  - CrPeer: created on the control loop, then touched only on its
 *    worker, except the reference count and `closed` (atomics) and its
 *    published counters (below), which only the worker writes and the
 *    control loop reads for cr_relay_peer_stats().
 *  - CrPacket: an immutable, reference-counted plaintext RTP packet; a
 *    publisher's worker posts one reference to each worker that has
 *    subscribers in the session: it crosses once per worker.
 */
#pragma once

#include "relay/relay.h"

#include <agent.h>

#include "common/error.h"
#include "relay/dtls.h"
#include "relay/loss.h"
#include "relay/nack-cache.h"
#include "relay/rewriter.h"
#include "relay/rtcp.h"
#include "relay/rtp.h"
#include "relay/sdp.h"
#include "relay/srtp.h"

#define CR_MAX_WORKERS 64
#define CR_PACKET_MAX 1500
/* Room for the SRTP trailer and 4-byte alignment (relay/srtp.h). */
#define CR_SEND_BUF (CR_PACKET_MAX + 160)

typedef enum {
    CR_SLOT_CLASS_AUDIO,
    CR_SLOT_CLASS_VIDEO,
    CR_SLOT_SCREEN,
    CR_SLOT_FLOOR_AUDIO,
    CR_SLOT_FLOOR_VIDEO,
    CR_N_SLOTS
} CrSlot;

typedef enum {
    CR_CODEC_NONE,
    CR_CODEC_OPUS,
    CR_CODEC_VP8,
    CR_CODEC_H264,
} CrCodecId;

typedef struct _CrWorker CrWorker;
typedef struct _CrPeer CrPeer;
typedef struct _CrSessionMedia CrSessionMedia;

typedef struct {
    gint refs;
    gint64 session;
    guint64 source; /* publisher peer id */
    guint person_tag; /* hash of the publisher's person: nobody gets their own media */
    CrSlot slot;
    CrCodecId codec;
    gboolean keyframe;
    guint16 seq;
    guint32 timestamp;
    gint64 arrival_us;
    gsize payload_len; /* parsed once by the publisher's worker */
    gsize ext_start;   /* the header extension block [ext_start, ext_end); */
    gsize ext_end;     /* equal when there is none */
    gsize len;
    guint8 data[];
} CrPacket;

CrPacket *cr_packet_new(const guint8 *data, gsize len);
CrPacket *cr_packet_ref(CrPacket *packet);
void cr_packet_unref(gpointer packet);

struct _CrSessionMedia {
    gint64 id;
    CrPeer *publishers[CR_N_SLOTS]; /* a reference each; under relay->lock */
    gint subscribers_on[CR_MAX_WORKERS]; /* atomic counts per worker */
    /* The recording tap (tap.c): `tapped` is read without the lock on the
     * packet path; the call itself holds tap_lock so removal can wait. */
    gint tapped;
    GMutex tap_lock;
    CrRelayTap tap;
    gpointer tap_user;
    /* Control loop only: the session's open peers, and the counters of
     * those closed (folded in by cr_relay_close_peer) so that the session's
     * totals only grow; when the last peer left, for how long to list it. */
    guint open_peers;
    CrMediaCounters closed;
    gint64 last_left_us;
};

/* Per-peer counters are written by the peer's worker alone, so a relaxed
 * atomic load and store is enough: no locked instruction on the packet
 * path (on x86-64 a plain add to memory), and readers on other threads
 * see whole 64-bit values, never a torn one. Readers use cr_counter_get. */
static inline void
cr_count(guint64 *counter, guint64 n)
{
    __atomic_store_n(counter, __atomic_load_n(counter, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

static inline void
cr_counter_set(guint64 *counter, guint64 value)
{
    __atomic_store_n(counter, value, __ATOMIC_RELAXED);
}

static inline guint64
cr_counter_get(const guint64 *counter)
{
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

struct _CrRelay {
    CrRelayConfig config;
    CrRelayCallbacks callbacks;
    GMainContext *control; /* where callbacks run */
    CrCert *cert;
    CrDtlsContext *dtls;
    char *fingerprint_text;
    guint8 fingerprint[CR_CERT_FINGERPRINT_LEN];
    CrSdpPolicy policy;
    guint n_workers;
    CrWorker *workers[CR_MAX_WORKERS];
    guint next_worker;
    guint64 next_peer_id;
    GHashTable *peers; /* id -> CrPeer * (a reference); control loop only */
    GMutex lock;        /* guards sessions */
    GHashTable *sessions; /* session id -> CrSessionMedia * */
    /* counters, atomics */
    gint peer_count;
    guint64 packets_in, packets_out, bytes_in, bytes_out;
    guint64 nacks_in, nacks_out, plis_in, plis_out, retransmits, dropped;
    guint64 overload_dropped; /* packets a worker had no room for (worker.c) */
};

/* ---- workers (worker.c) ---- */

typedef void (*CrWorkerFunc)(CrWorker *worker, gpointer data);

CrWorker *cr_worker_new(CrRelay *relay, guint index);
void cr_worker_free(CrWorker *worker);
GMainContext *cr_worker_context(CrWorker *worker);
guint cr_worker_index(const CrWorker *worker);
/* Runs @fn(worker, data) on the worker's thread, in order. */
void cr_worker_post(CrWorker *worker, CrWorkerFunc fn, gpointer data, GDestroyNotify free);
/* Hands a packet reference (stolen) to the worker's forwarding queue. */
void cr_worker_forward(CrWorker *worker, CrPacket *packet);
/* The worker's subscribers of @session (worker thread only). */
GPtrArray *cr_worker_subscribers(CrWorker *worker, gint64 session, gboolean create);
/* The retransmission cache of (source, slot) on this worker. */
CrNackCache *cr_worker_cache(CrWorker *worker, guint64 source, CrSlot slot, gboolean create);
void cr_worker_drop_caches(CrWorker *worker, guint64 source);

/* ---- sessions (relay.c) ---- */

/* Routes a keyframe request for @slot of @from's session to its
 * publisher. Any thread. */
void cr_relay_request_keyframe(CrRelay *relay, CrPeer *from, CrSlot slot);
/* Worker thread: @peer now feeds (or no longer feeds) @slot. */
void cr_relay_set_publisher(CrRelay *relay, CrPeer *peer, CrSlot slot);
void cr_relay_clear_publisher(CrRelay *relay, CrPeer *peer, CrSlot slot);
/* Worker thread: a subscriber of @peer's session joined (+1) or left (-1)
 * @peer's worker. */
void cr_relay_count_subscriber(CrRelay *relay, CrPeer *peer, gint delta);
/* Worker thread: hands @packet (stolen) to every worker with subscribers. */
void cr_relay_fan_out(CrRelay *relay, CrPeer *publisher, CrPacket *packet);
/* The media record of session @id, created on first use; it lives as long
 * as the relay. Caller holds relay->lock. */
CrSessionMedia *cr_relay_session_media(CrRelay *relay, gint64 id);
/* Worker thread: hands @packet to the session's recording tap (tap.c). */
void cr_relay_tap_packet(CrRelay *relay, CrPeer *publisher, const CrPacket *packet);
/* Runs @fn on the control loop. Any thread. */
void cr_relay_to_control(CrRelay *relay, GSourceFunc fn, gpointer data, GDestroyNotify free);
void cr_relay_report_state(CrRelay *relay, CrPeer *peer, CrPeerState state, const char *reason);
void cr_relay_report_media(CrRelay *relay, CrPeer *peer, gboolean flowing);
void cr_relay_report_candidate(CrRelay *relay, CrPeer *peer, const char *candidate);

/* ---- peers (peer.c: ICE, DTLS, SRTP; peer-media.c: RTP and RTCP) ---- */

typedef struct {
    CrSlot slot;
    CrCodecId codec;
    guint8 pt;
    guint clock_rate;
    guint32 ssrc;     /* learned from the SDP or the first packet */
    guint32 rtx_ssrc;
    guint8 rtx_pt;
    char *mid;
    gboolean video;
    CrLoss loss;
    CrRecvStats stats;
    guint64 last_sr_ntp;
    gint64 last_sr_arrival_us;
    guint32 last_sr_rtp; /* the RTP timestamp of that SR */
    gint64 last_keyframe_request_us;
    guint32 lost;         /* cumulative, from the last RR we sent it (>= 0) */
    guint8 fraction_lost; /* of that RR, 1/256 */
} CrPubStream;

typedef struct {
    gboolean active;
    gboolean video;
    char *mid;
    guint32 ssrc;
    guint8 pt_opus, pt_vp8, pt_h264;
    CrRewriter rw;
    guint64 current_source;
    gint64 last_sr_us;
    gint64 last_keyframe_request_us; /* while waiting for a new source's keyframe */
    guint32 rr_lost;                 /* the subscriber's RRs on this slot: cumulative (>= 0) */
} CrSubSlot;

typedef enum {
    CR_NEGOTIATE_PUBLISH,
    CR_NEGOTIATE_ANSWER_SUBSCRIBE,
    CR_NEGOTIATE_OFFER_SUBSCRIBE,
} CrNegotiation;

struct _CrPeer {
    gint refs;
    gint closed; /* atomic */
    guint64 id;
    CrRelay *relay;
    CrWorker *worker;
    gint64 session;
    CrSessionMedia *media; /* lives as long as the relay */
    char *person;
    guint person_tag;
    char *bundle_mid;
    char *remote_ufrag; /* control loop: the client's ICE ufrag in use */
    gboolean offered;
    gboolean subscribed;
    CrNegotiation negotiation;
    gboolean publisher;
    CrSourceRole role;
    /* negotiation, handed over to the worker */
    CrSdpRemote *remote;
    gboolean wait_for_candidates;
    CrRelaySdpDone done;
    gpointer done_data;
    gboolean answered;
    /* transport, worker only */
    NiceAgent *agent;
    guint stream_id;
    char *local_ufrag, *local_pwd;
    GPtrArray *local_candidates;
    CrDtls *dtls;
    CrSrtp *srtp;
    GSource *dtls_timer;
    GSource *rtcp_timer;
    CrPeerState state;
    gboolean media_flowing;
    gint64 last_media_us;
    /* media */
    guint32 local_ssrc; /* RTCP sender SSRC */
    gint64 last_nack_check_us; /* publisher: send_due_nacks (peer-media.c) */
    gboolean have_ntp_offset; /* local monotonic µs minus the sender's NTP µs, */
    gint64 ntp_offset_us;     /* from its first SR */
    CrPubStream streams[4];
    guint n_streams;
    CrSubSlot slots[CR_N_SLOTS];
    /* published for cr_relay_peer_stats(): the worker writes them alone
     * (cr_count, __atomic stores), any thread reads them (atomic loads) */
    CrMediaCounters counters;
    gint64 pub_rtt_us;      /* the last round-trip sample; -1 until one */
    gint pub_fraction_lost; /* the worst stream's last fraction lost, 1/256 */
    gint pub_state;         /* CrPeerState */
    gint pub_flowing;
    guint8 send_buf[CR_SEND_BUF] __attribute__((aligned(8)));
};

CrPeer *cr_peer_new(CrRelay *relay, CrNegotiation negotiation, gint64 session,
                    const char *person, CrSourceRole role);
CrPeer *cr_peer_ref(CrPeer *peer);
void cr_peer_unref(gpointer peer);
/* Worker thread: creates the ICE agent and completes the negotiation. */
void cr_peer_start(CrWorker *worker, gpointer peer);
/* Worker thread: applies the client's answer (subscribe offers). */
void cr_peer_apply_answer(CrPeer *peer, CrSdpRemote *answer);
void cr_peer_add_remote_candidate(CrPeer *peer, const char *candidate);
/* Worker thread: stops everything; safe to call twice. */
void cr_peer_shutdown(CrPeer *peer, CrPeerState state, const char *reason);
/* Worker thread: sends one datagram on the selected pair. */
void cr_peer_send_raw(CrPeer *peer, const guint8 *data, gsize len);

/* peer-media.c, worker thread. */
void cr_peer_media_setup(CrPeer *peer, const CrSdpRemote *negotiated);
void cr_peer_media_teardown(CrPeer *peer);
void cr_peer_on_srtp(CrPeer *peer, guint8 *data, gsize len, gboolean rtcp);
void cr_peer_forward(CrPeer *subscriber, CrPacket *packet);
void cr_peer_request_keyframe(CrPeer *publisher, CrSlot slot);
gboolean cr_peer_rtcp_tick(gpointer peer);
/* The offer sections of a subscribe PeerConnection (peer-media.c). */
gsize cr_peer_offer_sections(CrPeer *peer, CrOfferSection *out);
