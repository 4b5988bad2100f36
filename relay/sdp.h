/* sdp.h — SDP offer/answer for the media relay (JSEP, RFC 8829).
 *
 * Pure functions of their inputs; any thread; no state. Parsing and writing
 * go through GStreamer's GstSDPMessage only (gst_init() is not needed:
 * the gst_sdp_* functions use nothing but GLib). Fuzzed by
 * tests/fuzz/fuzz-sdp.c.
 *
 * What the relay accepts (all refusals are CR_ERROR_BAD_REQUEST with a
 * reason a person can act on, except size, which is CR_ERROR_TOO_LARGE):
 *   - one BUNDLE transport for everything (RFC 8843, now RFC 9143;
 *     max-bundle): a single BUNDLE group naming every m-line that is not
 *     disabled;
 *   - RTP/RTCP multiplexing on every RTP m-line (RFC 5761, a=rtcp-mux);
 *   - DTLS-SRTP with a SHA-256 certificate fingerprint and a=setup
 *     (RFC 8842), ICE credentials (RFC 8839), a=mid on every m-line;
 *   - the profiles UDP/TLS/RTP/SAVPF or RTP/SAVPF for audio and video;
 *   - codecs: Opus (RFC 7587), VP8 (RFC 7741), H.264 (RFC 6184) with
 *     packetization-mode=1 and a Baseline profile_idc (0x42), the
 *     constrained variant preferred; RTX (RFC 4588) for the chosen codec;
 *   - header extensions (RFC 8285) from the policy's list, one-byte ids.
 * m=application (data channels) and any other media are answered with
 * port 0 (rejected), which is not an error.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Limits against hostile input: bytes of one description or fragment,
 * m-lines in one description. */
#define CR_SDP_MAX_LEN      (256 * 1024)
#define CR_SDP_MAX_SECTIONS 64

/* A SHA-256 certificate fingerprint (RFC 8122), in bytes. */
#define CR_SDP_FINGERPRINT_LEN 32

/* Header extension URIs the relay understands (RFC 8285 a=extmap). */
#define CR_EXTMAP_MID           "urn:ietf:params:rtp-hdrext:sdes:mid"
#define CR_EXTMAP_ABS_SEND_TIME "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define CR_EXTMAP_TRANSPORT_CC                                                                     \
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define CR_EXTMAP_AUDIO_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

typedef enum {
    CR_MEDIA_AUDIO,
    CR_MEDIA_VIDEO,
    /* m=application (data channels) or anything else: always rejected. */
    CR_MEDIA_OTHER,
} CrMediaKind;

typedef enum {
    CR_DIRECTION_SENDONLY,
    CR_DIRECTION_RECVONLY,
    CR_DIRECTION_SENDRECV,
    CR_DIRECTION_INACTIVE,
} CrDirection;

/* RTCP feedback (RFC 4585 a=rtcp-fb) that the relay speaks. */
typedef enum {
    CR_RTCP_FEEDBACK_NACK = 1 << 0,         /* "nack" (generic NACK) */
    CR_RTCP_FEEDBACK_NACK_PLI = 1 << 1,     /* "nack pli" */
    CR_RTCP_FEEDBACK_CCM_FIR = 1 << 2,      /* "ccm fir" (RFC 5104) */
    CR_RTCP_FEEDBACK_GOOG_REMB = 1 << 3,    /* "goog-remb" */
    CR_RTCP_FEEDBACK_TRANSPORT_CC = 1 << 4, /* "transport-cc" */
} CrRtcpFeedback;

/* "audio", "video", "application"-or-other as "other". */
const char *cr_media_kind_name(CrMediaKind kind);
/* "sendonly", "recvonly", "sendrecv", "inactive". */
const char *cr_direction_name(CrDirection direction);

typedef struct {
    char *name;             /* "opus", "VP8", "H264" (our spelling; others as offered) */
    guint payload_type;     /* the offer's number, kept in the answer */
    guint clock_rate;       /* 48000 for Opus, 90000 for video */
    guint channels;         /* 2 for Opus, 0 for video */
    char *fmtp;             /* a=fmtp parameters, or NULL; negotiated: those of
                             * our answer (receiver-side ones only) */
    guint rtx_payload_type; /* 0 if none */
    guint rtcp_fb;          /* CrRtcpFeedback flags */
} CrCodec;

/* Frees the strings inside @codec and zeroes it. */
void cr_codec_clear(CrCodec *codec);
/* Frees a codec from a GPtrArray of them. */
void cr_codec_free(CrCodec *codec);

typedef struct {
    guint id; /* 1..14 once negotiated (one-byte header, RFC 8285 §4.2) */
    char *uri;
} CrExtmap;

/* One m-line. In a parsed description every m-line has one, in order. */
typedef struct {
    guint index;           /* m-line index, from 0 */
    char *mid;             /* NULL only when @rejected */
    CrMediaKind kind;      /* OTHER is always rejected */
    char *media;           /* the m= media word as written: "audio", "application" */
    char *proto;           /* the m= profile as written */
    GStrv formats;         /* the m= formats as written */
    gboolean rejected;     /* port 0 without a=bundle-only; negotiated: refused by us */
    gboolean bundle_only;  /* a=bundle-only (RFC 8843 §6) */
    CrDirection direction; /* as the remote wrote it: its own view */
    gboolean rtcp_rsize;   /* a=rtcp-rsize (RFC 5506) */
    CrCodec codec;         /* negotiated only: the chosen codec (name NULL otherwise) */
    GPtrArray *codecs;     /* CrCodec*: every codec with an a=rtpmap, in m= order; RTX
                            * and FEC formats are not codecs of their own (RTX is
                            * linked through rtx_payload_type); negotiated: only
                            * the chosen one */
    guint32 ssrc;          /* first a=ssrc (the FID group's first if there is one); 0 */
    guint32 rtx_ssrc;      /* from a=ssrc-group:FID; 0 */
    char *cname;           /* a=ssrc:<ssrc> cname:, or NULL */
    char *msid;            /* "stream track" from a=msid (else a=ssrc msid:), or NULL */
    GArray *extmaps;       /* CrExtmap: all offered; negotiated: the accepted ones */
} CrMediaSection;

void cr_media_section_free(CrMediaSection *section);

/* One a=candidate line, as "candidate:..." (the form RTCIceCandidate and
 * libnice take), with the m-line it was found in. */
typedef struct {
    char *mid;
    guint mline_index; /* in a trickle fragment: the fragment's own m-line index */
    char *candidate;
} CrCandidate;

void cr_candidate_free(CrCandidate *candidate);

/* A remote description (offer or answer) as the relay sees it. */
typedef struct {
    char *ice_ufrag;
    char *ice_pwd;
    gboolean ice_lite;
    char *fingerprint_alg; /* always "sha-256" */
    guint8 fingerprint[CR_SDP_FINGERPRINT_LEN];
    char *setup;           /* the remote's a=setup: "actpass", "active", "passive" */
    char *local_setup;     /* ours, once negotiated: "passive" or "active"; else NULL */
    char *bundle_mid;      /* the BUNDLE transport's m-line: the first of @bundle_mids */
    GStrv bundle_mids;     /* the live (negotiated: accepted) mids of the BUNDLE group,
                            * in the group's order (RFC 9143 §7.3.1 tagging) */
    GPtrArray *sections;   /* CrMediaSection*, one per m-line */
    GPtrArray *candidates; /* CrCandidate* */
    gboolean end_of_candidates;
} CrSdpRemote;

void cr_sdp_remote_free(CrSdpRemote *remote);

/* What the relay accepts. Lists are NULL-terminated, preferred first. */
typedef struct {
    const char *const *audio_codecs; /* e.g. {"opus", NULL} */
    const char *const *video_codecs; /* e.g. {"VP8", "H264", NULL} */
    const char *const *extmap_uris;  /* accepted header extensions */
} CrSdpPolicy;

/* Opus; VP8 then H.264; mid, abs-send-time, transport-cc, audio level. */
const CrSdpPolicy *cr_sdp_policy_default(void);

/* One stream the relay sends, for a recvonly (WHEP-style) section of an
 * offer it answers. */
typedef struct {
    const char *mid; /* NULL: the next recvonly section of @kind */
    CrMediaKind kind;
    guint32 ssrc;
    guint32 rtx_ssrc; /* 0: no RTX even if negotiated */
    const char *cname;
    const char *msid_stream;
    const char *msid_track;
} CrLocalStream;

/* The relay's side of a PeerConnection. */
typedef struct {
    const char *ice_ufrag;
    const char *ice_pwd;
    gboolean ice_lite;
    guint8 fingerprint[CR_SDP_FINGERPRINT_LEN]; /* SHA-256 of our certificate */
    /* Our a=setup in answers: NULL answers "passive" to actpass and active
     * offers (the client then starts the DTLS handshake, see sdp.c), and
     * "active" to a passive offer. Offers always say "actpass". */
    const char *setup;
    const char *const *candidates; /* "candidate:..." strings, NULL-terminated, or NULL */
    gboolean end_of_candidates;
    guint64 session_id;           /* o= sess-id (RFC 8829 §5.2.1: random, < 2^63) */
    const CrLocalStream *streams; /* for recvonly sections of an offer */
    gsize n_streams;
} CrSdpLocal;

/* Parses and validates a remote OFFER (@len bytes, need not be
 * NUL-terminated). On success *@out holds every m-line with all the codecs
 * and header extensions it offered. */
gboolean cr_sdp_parse_offer(const char *sdp, gsize len, CrSdpRemote **out, GError **error);

/* The ANSWER to @offer, newly allocated; NULL with @error when no audio or
 * video section can be accepted. Per m-line: the first codec of @policy's
 * list that the offer has (its payload type kept), its supported rtcp-fb
 * and RTX; the accepted header extensions with the offer's ids. A section
 * the client sends (sendonly/sendrecv) is answered recvonly; a recvonly one
 * sendonly with our stream from @local (inactive when @local has none);
 * an inactive one inactive. Sections without an acceptable codec, data
 * channels and other media get port 0 and leave the BUNDLE group
 * (RFC 9143 §7.3.3); our BUNDLE tag is the first accepted mid in the order
 * of the offer's group (§7.3.1). When @negotiated is not NULL it receives
 * what was agreed: the offer's transport, and per m-line the chosen codec
 * and the accepted extensions (rejected sections flagged). */
char *cr_sdp_answer(const CrSdpRemote *offer, const CrSdpPolicy *policy, const CrSdpLocal *local,
                    CrSdpRemote **negotiated, GError **error);

/* The codec of one section the relay offers. */
typedef struct {
    const char *name; /* "opus", "VP8", "H264" */
    guint payload_type;
    guint clock_rate;
    guint channels;   /* 2 for Opus, 0 for video */
    const char *fmtp; /* or NULL */
    guint rtcp_fb;    /* CrRtcpFeedback flags to offer */
} CrOfferCodec;

/* One m-line of an offer from the relay (subscribe PeerConnection). */
typedef struct {
    const char *mid;
    CrMediaKind kind;      /* AUDIO or VIDEO */
    CrDirection direction; /* SENDONLY, or INACTIVE for a stream that went away */
    CrOfferCodec codec;
    guint rtx_payload_type; /* 0: no RTX */
    guint32 rtx_ssrc;
    guint32 ssrc;
    const char *cname;
    const char *msid_stream;
    const char *msid_track;
} CrOfferSection;

/* An OFFER for the subscribe PeerConnection, newly allocated: one m-line
 * per section in order (an m-line is never removed, RFC 8829 §5.2.2: a
 * stream that went away stays as an inactive section so every mid keeps its
 * place), BUNDLE over all of them, a=setup:actpass, a=ice-options:trickle,
 * the extensions of @policy with our fixed ids (1 mid, 2 abs-send-time,
 * 3 transport-cc, 4 audio level on audio). @version is the o= line's
 * sess-version: increment it for each renegotiation. NULL with
 * CR_ERROR_INTERNAL when the sections or @local are not valid. */
char *cr_sdp_offer(const CrSdpLocal *local, const CrSdpPolicy *policy,
                   const CrOfferSection *sections, gsize n, guint version, GError **error);

/* Parses and validates the client's ANSWER to the offer that cr_sdp_offer
 * made of @sections and @policy: the same checks as for an offer, and
 * a=setup active or passive; the same mids in the same order; only the
 * codecs, RTX and extensions offered; a direction that fits ours. *@out
 * holds per m-line the codec and extensions the client accepted (rejected
 * m-lines flagged). */
gboolean cr_sdp_parse_answer(const char *sdp, gsize len, const CrSdpPolicy *policy,
                             const CrOfferSection *sections, gsize n, CrSdpRemote **out,
                             GError **error);

/* A WHIP/WHEP PATCH body (application/trickle-ice-sdpfrag, RFC 8840). */
typedef struct {
    char *ice_ufrag;       /* as given, or NULL */
    char *ice_pwd;         /* as given, or NULL */
    gboolean ice_restart;  /* credentials given and not the current ones */
    GPtrArray *candidates; /* CrCandidate* */
    gboolean end_of_candidates;
} CrSdpTrickle;

void cr_sdp_trickle_free(CrSdpTrickle *trickle);

/* Parses a trickle fragment (@len bytes). @current_ufrag/@current_pwd are
 * the remote's credentials in use (NULL: ice_restart is never set).
 * Every m-line carrying candidates needs a=mid. */
gboolean cr_sdp_parse_trickle_sdpfrag(const char *frag, gsize len, const char *current_ufrag,
                                      const char *current_pwd, CrSdpTrickle **out, GError **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CrCodec, cr_codec_clear)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrCodec, cr_codec_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrMediaSection, cr_media_section_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrCandidate, cr_candidate_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrSdpRemote, cr_sdp_remote_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrSdpTrickle, cr_sdp_trickle_free)

G_END_DECLS
