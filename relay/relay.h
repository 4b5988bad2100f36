/* relay.h — the media relay: a WebRTC SFU that forwards RTP packet by
 * packet (no decoding) between the classroom and remote trainees.
 *
 * The relay owns N media worker threads; every PeerConnection ("peer")
 * lives on one of them. This interface is called on the control loop and
 * reports back on it through CrRelayCallbacks; it never includes signaling
 * or store headers (docs/architecture.md).
 *
 * Who gets what: a session has slots (classroom audio, classroom video,
 * screen, floor audio, floor video). Classroom publishers feed the first
 * three, the floor holder's publisher the last two. Every subscriber
 * receives every slot except its own media.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CrRelay CrRelay;

typedef enum {
    CR_SOURCE_CLASSROOM, /* the instructor's camera, microphone and screen */
    CR_SOURCE_FLOOR,     /* a trainee who holds the floor */
} CrSourceRole;

typedef enum {
    CR_PEER_NEW,
    CR_PEER_CONNECTED, /* ICE and DTLS up, SRTP keyed */
    CR_PEER_FAILED,    /* ICE failed, consent lost, DTLS failed */
    CR_PEER_CLOSED,
} CrPeerState;

typedef struct {
    /* A local ICE candidate ("candidate:..."), or NULL for the end of
     * candidates, for trickle to the client. */
    void (*candidate)(gpointer user, guint64 peer, const char *mid, guint mline,
                      const char *candidate);
    void (*state)(gpointer user, guint64 peer, CrPeerState state, const char *reason);
    /* Media actually flows (packets arrive from a publisher, or receiver
     * reports come from a subscriber), or stopped. For attendance. */
    void (*media)(gpointer user, guint64 peer, gboolean flowing);
    gpointer user;
} CrRelayCallbacks;

typedef struct {
    guint workers;           /* 0: the number of cores */
    char **addresses;        /* local addresses to use; NULL/empty: let libnice gather */
    guint port_min, port_max;/* 0, 0: any */
    gboolean ice_tcp;        /* also passive ICE-TCP candidates */
    gboolean ice_lite;
    char *stun_server;       /* "host:port" or NULL */
    char *public_ip;         /* announced instead of local addresses (1:1 NAT), or NULL */
    char **audio_codecs;     /* preferred first: {"opus"} */
    char **video_codecs;     /* {"VP8", "H264"} */
    guint keyframe_interval_ms; /* minimum time between keyframe requests upstream */
    guint64 publisher_bitrate;  /* REMB sent to publishers, bit/s */
    char *cert_file, *key_file; /* PEM; NULL: generated at start */
} CrRelayConfig;

/* Starts the workers. @callbacks run on the calling thread's context. */
CrRelay *cr_relay_new(const CrRelayConfig *config, const CrRelayCallbacks *callbacks,
                      GError **error);
/* Closes every peer and stops the workers. */
void cr_relay_free(CrRelay *relay);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrRelay, cr_relay_free)

/* Done callback of a negotiation: @sdp is the answer (or, for
 * cr_relay_subscribe, the offer) on success, else @error says why
 * (CR_ERROR_BAD_REQUEST for an offer that cannot be satisfied). */
typedef void (*CrRelaySdpDone)(guint64 peer, const char *sdp, const GError *error,
                               gpointer user_data);

/* A publisher: answers the client's @offer. With @wait_for_candidates the
 * answer carries every local candidate (WHIP); otherwise they trickle
 * through the candidate callback. Returns the peer id (0 on an offer
 * refused at once, when @done has already run). */
guint64 cr_relay_publish(CrRelay *relay, gint64 session, CrSourceRole role, const char *person,
                         const char *offer, gsize len, gboolean wait_for_candidates,
                         CrRelaySdpDone done, gpointer user_data);

/* A subscriber that offers (WHEP): answers its recvonly @offer. @role
 * CR_SOURCE_CLASSROOM is the classroom (it receives the floor only);
 * CR_SOURCE_FLOOR a trainee (it receives everything). */
guint64 cr_relay_subscribe_answer(CrRelay *relay, gint64 session, CrSourceRole role,
                                  const char *person,
                                  const char *offer, gsize len, gboolean wait_for_candidates,
                                  CrRelaySdpDone done, gpointer user_data);

/* A subscriber that answers (the web app's subscribe PeerConnection): the
 * relay makes the offer; the client's answer goes to cr_relay_set_answer. */
guint64 cr_relay_subscribe_offer(CrRelay *relay, gint64 session, CrSourceRole role,
                                 const char *person,
                                 CrRelaySdpDone done, gpointer user_data);
gboolean cr_relay_set_answer(CrRelay *relay, guint64 peer, const char *answer, gsize len,
                             GError **error);

/* A remote candidate ("candidate:..."), or NULL for end of candidates. */
gboolean cr_relay_add_candidate(CrRelay *relay, guint64 peer, const char *candidate,
                                GError **error);

/* ICE restart (RFC 8445 §9, RFC 9725 §4.4.1): the client's new
 * credentials; the relay makes new local ones and keeps DTLS. @done runs on
 * the control loop with the answer fragment (application/
 * trickle-ice-sdpfrag: our new credentials and candidates) or an error. */
typedef void (*CrRelayFragDone)(const char *sdpfrag, const GError *error, gpointer user_data);
void cr_relay_restart_ice(CrRelay *relay, guint64 peer, const char *ufrag, const char *pwd,
                          CrRelayFragDone done, gpointer user_data);
/* The client's ICE ufrag in use (to tell a restart from trickle), or NULL. */
const char *cr_relay_remote_ufrag(CrRelay *relay, guint64 peer);

/* Closes a peer: forwarding from or to it stops at once. */
void cr_relay_close_peer(CrRelay *relay, guint64 peer);

/* Counters for /metrics and the live view (a snapshot). */
typedef struct {
    guint peers;
    guint64 packets_in, packets_out, bytes_in, bytes_out;
    guint64 nacks_in, nacks_out, plis_in, plis_out, retransmits;
    guint64 dropped; /* malformed, undecryptable, no route */
    guint64 overload_dropped; /* a worker's queue was full: more load than its core */
} CrRelayStats;
void cr_relay_stats(CrRelay *relay, CrRelayStats *out);

/* Media counters of one peer, or summed over a session's peers. Control
 * loop; a snapshot read with atomic loads while the workers count on, so
 * two fields may be a packet apart. */
typedef struct {
    guint64 packets_in;  /* SRTP and SRTCP packets received and decrypted */
    guint64 packets_out; /* RTP packets sent, retransmissions included */
    guint64 bytes_in;    /* decrypted */
    guint64 bytes_out;   /* encrypted */
    guint64 nacks_in;    /* NACK messages from a subscriber */
    guint64 nacks_out;   /* NACK messages sent to a publisher */
    guint64 plis_in;     /* PLI/FIR from a subscriber */
    guint64 plis_out;    /* PLIs sent to a publisher (after throttling) */
    guint64 retransmits; /* packets resent to a subscriber from the NACK cache */
    guint64 dropped;     /* malformed, undecryptable, unknown stream, send failed */
    guint64 lost_in;     /* publisher -> relay: missing from what it sent us */
    guint64 lost_out;    /* relay -> subscriber: as its receiver reports say */
} CrMediaCounters;

typedef struct {
    gint64 session;
    gboolean publisher;
    CrPeerState state;
    gboolean flowing; /* as reported through CrRelayCallbacks.media */
    CrMediaCounters counters;
    guint fraction_lost; /* 1/256; the worst of its streams in the last reports */
    gint64 rtt_us;       /* the last sample; -1 when not measured (publishers: always,
                          * see docs/operations.md) */
} CrPeerStats;

/* FALSE when @peer is not open (never was, or closed). */
gboolean cr_relay_peer_stats(CrRelay *relay, guint64 peer, CrPeerStats *out);

typedef struct {
    gint64 session;
    guint peers, publishers, subscribers; /* open now */
    /* Since the session's first peer on this relay: the open peers' counters
     * plus those of the peers already closed, so they only grow. */
    CrMediaCounters counters;
    guint fraction_lost_max; /* the worst of the open peers', 1/256 */
    gint64 rtt_max_us;       /* the longest of the open peers' samples; -1 when none */
} CrSessionStats;

/* How long a session stays in cr_relay_sessions_stats() after its last
 * peer closed, so that a scrape still sees its final counters. */
#define CR_RELAY_SESSION_LINGER_US (10 * 60 * G_USEC_PER_SEC)

/* FALSE (and @out zeroed but for the id) when the relay has no record of
 * the session (it never had a peer). */
gboolean cr_relay_session_stats(CrRelay *relay, gint64 session, CrSessionStats *out);
/* Every session with open peers or one closed in the last
 * CR_RELAY_SESSION_LINGER_US, by id: an array of CrSessionStats. */
GArray *cr_relay_sessions_stats(CrRelay *relay);

/* The SHA-256 fingerprint of the relay's certificate, "AB:CD:..." (logs). */
const char *cr_relay_fingerprint(const CrRelay *relay);

/* ---- Recording tap ----------------------------------------------------
 * The recorder sees a session's plaintext RTP as the relay forwards it:
 * one call per packet a publisher sends, on that publisher's worker, only
 * while a tap is set for the session. The tap must not block (it copies
 * into a bounded queue); @packet and its data live only during the call. */

typedef enum {
    CR_TRACK_CLASS_AUDIO, /* the classroom's microphone */
    CR_TRACK_CLASS_VIDEO, /* the classroom's camera */
    CR_TRACK_SCREEN,      /* the shared screen */
    CR_TRACK_FLOOR_AUDIO, /* whoever holds the floor */
    CR_TRACK_FLOOR_VIDEO,
    CR_N_TRACKS
} CrTrackKind;

typedef struct {
    gint64 session;
    guint64 source; /* the publisher's peer id: changes when the floor passes */
    CrTrackKind track;
    const char *codec; /* "opus", "VP8", "H264" */
    guint clock_rate;
    gboolean keyframe; /* the first packet of a video keyframe */
    guint16 seq;
    guint32 timestamp;
    gint64 arrival_us; /* g_get_monotonic_time() at arrival */
    /* When it was captured, on the same clock: mapped through the
     * publisher's RTCP sender reports, so all of one publisher's streams
     * line up (lip sync); arrival_us until the first SR. */
    gint64 capture_us;
    const guint8 *data; /* the whole RTP packet, decrypted */
    gsize len;
} CrTapPacket;

typedef void (*CrRelayTap)(gpointer user, const CrTapPacket *packet);

/* Sets (or with @tap NULL removes) the tap of @session. Removing waits for
 * a call in progress, so @user may be freed afterwards. Any thread. */
void cr_relay_set_tap(CrRelay *relay, gint64 session, CrRelayTap tap, gpointer user);
/* Asks every video publisher of @session for a keyframe. Any thread. */
void cr_relay_request_keyframes(CrRelay *relay, gint64 session);
/* The codec ("opus", "VP8", "H264") of each track's current publisher,
 * NULL where none publishes. Any thread. */
void cr_relay_track_codecs(CrRelay *relay, gint64 session, const char *out[CR_N_TRACKS]);

G_END_DECLS
