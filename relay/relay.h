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

/* Closes a peer: forwarding from or to it stops at once. */
void cr_relay_close_peer(CrRelay *relay, guint64 peer);

/* Counters for /metrics and the live view (a snapshot). */
typedef struct {
    guint peers;
    guint64 packets_in, packets_out, bytes_in, bytes_out;
    guint64 nacks_in, nacks_out, plis_in, plis_out, retransmits;
    guint64 dropped; /* malformed, undecryptable, no route */
} CrRelayStats;
void cr_relay_stats(CrRelay *relay, CrRelayStats *out);

/* The SHA-256 fingerprint of the relay's certificate, "AB:CD:..." (logs). */
const char *cr_relay_fingerprint(const CrRelay *relay);

G_END_DECLS
