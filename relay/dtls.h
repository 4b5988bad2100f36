/* dtls.h — one DTLS-SRTP association as a sans-I/O engine.
 *
 * A CrDtls never touches a socket or a clock of the caller's: datagrams go
 * in with cr_dtls_receive, come out with cr_dtls_take_output, and the
 * retransmission timer is the caller's to run (cr_dtls_next_timeout_us,
 * cr_dtls_handle_timeout). DTLS 1.2 only (RFC 6347); the use_srtp
 * extension and key export of RFC 5764; the peer is authenticated by the
 * SHA-256 fingerprint from its SDP (RFC 8122, RFC 8827 §6.5), and the
 * role comes from a=setup (RFC 8842: active = DTLS client).
 *
 * A CrDtlsContext (one per relay, made from its certificate) is immutable
 * after set-up and shared by every worker. A CrDtls is owned by one media
 * worker; not thread-safe. Application data is not supported (no data
 * channels): whatever the peer sends is read and dropped.
 */
#pragma once

#include <glib.h>

#include "relay/cert.h"
#include "relay/srtp.h"

G_BEGIN_DECLS

/* The largest datagram a CrDtls emits (SSL_set_mtu): a buffer of this
 * size always holds one from cr_dtls_take_output. 1200 bytes of UDP
 * payload fits every path WebRTC cares about, TURN relays included. */
#define CR_DTLS_MTU 1200

/* Server preference, and what a client offers: GCM first (≈5x cheaper per
 * packet with Debian's libsrtp), CM_80 for peers without it. */
#define CR_DTLS_DEFAULT_PROFILES "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"

/* First retransmission after this; doubled per timeout up to 60 s
 * (RFC 6347 §4.2.4.1 suggests 1 s; ICE has already proven the path, so a
 * lost first flight should not cost a full second). */
#define CR_DTLS_DEFAULT_INITIAL_TIMEOUT_MS 400

typedef enum {
    CR_DTLS_CLIENT, /* a=setup:active — we send the ClientHello */
    CR_DTLS_SERVER, /* a=setup:passive */
} CrDtlsRole;

typedef enum {
    CR_DTLS_CONNECTING,
    CR_DTLS_CONNECTED, /* handshake done, peer fingerprint matched, keys exported */
    CR_DTLS_FAILED,    /* see cr_dtls_failure_reason */
    CR_DTLS_CLOSED,    /* close_notify sent or received */
} CrDtlsState;

typedef struct _CrDtlsContext CrDtlsContext;
typedef struct _CrDtls CrDtls;

/* An SSL_CTX for @cert. @srtp_profiles is a ':'-separated list, in order
 * of preference, of SRTP_AEAD_AES_128_GCM and SRTP_AES128_CM_SHA1_80;
 * NULL means CR_DTLS_DEFAULT_PROFILES (other lists are for tests). */
CrDtlsContext *cr_dtls_context_new(CrCert *cert, const char *srtp_profiles, GError **error);
/* Only before the context is shared; applies to associations made later. */
void cr_dtls_context_set_initial_timeout_ms(CrDtlsContext *ctx, guint ms);
/* Atomic: every CrDtls holds a reference. */
CrDtlsContext *cr_dtls_context_ref(CrDtlsContext *ctx);
void cr_dtls_context_unref(CrDtlsContext *ctx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrDtlsContext, cr_dtls_context_unref)

/* A new association in CONNECTING. @remote_fingerprint is the SHA-256 of
 * the certificate the peer must present (from its a=fingerprint). */
CrDtls *cr_dtls_new(CrDtlsContext *ctx, CrDtlsRole role,
                    const guint8 remote_fingerprint[CR_CERT_FINGERPRINT_LEN], GError **error);
void cr_dtls_free(CrDtls *dtls);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrDtls, cr_dtls_free)

/* Starts the handshake: a client queues its ClientHello and arms the
 * timer; a server only waits for one (it also accepts one that arrives
 * before this call) and has no timer until it has answered. Once; later
 * calls do nothing. There is no overall handshake deadline here: the
 * caller gives up on a peer that never completes (ICE consent, a timer). */
void cr_dtls_start(CrDtls *dtls, gint64 now_us);

/* One received datagram (borrowed for the call only). Ignored: datagrams
 * that are not DTLS by their first byte (RFC 7983: 20..63), anything
 * before a client's cr_dtls_start, anything once FAILED or CLOSED, and
 * records DTLS itself discards (RFC 6347 §4.1.2.7). A fatal alert or a
 * broken handshake fails; close_notify closes (and is answered). */
void cr_dtls_receive(CrDtls *dtls, const guint8 *data, gsize len, gint64 now_us);

/* Pops the next datagram to send into @buf (@cap bytes; CR_DTLS_MTU is
 * always enough) and sets *@len. FALSE when none is queued. Send these
 * even in FAILED or CLOSED: they may carry the alert telling the peer. */
gboolean cr_dtls_take_output(CrDtls *dtls, guint8 *buf, gsize cap, gsize *len);

/* When cr_dtls_handle_timeout should run next, on the clock of the last
 * `now_us` given (absolute microseconds), or -1 for no timer. OpenSSL's
 * DTLS timer reads the real clock itself; `now_us` only turns its
 * remaining time into a deadline on the caller's clock, so a call slightly
 * early does nothing but re-arm. */
gint64 cr_dtls_next_timeout_us(const CrDtls *dtls);
/* Retransmits the last flight if OpenSSL's timer expired; fails the
 * association after too many retransmissions. */
void cr_dtls_handle_timeout(CrDtls *dtls, gint64 now_us);

/* Queues close_notify if connected; the state becomes CLOSED (FAILED stays
 * FAILED). */
void cr_dtls_close(CrDtls *dtls);

CrDtlsState cr_dtls_state(const CrDtls *dtls);
const char *cr_dtls_state_name(CrDtlsState state);
/* Why FAILED, else NULL. Owned by @dtls. */
const char *cr_dtls_failure_reason(const CrDtls *dtls);
CrDtlsRole cr_dtls_role(const CrDtls *dtls);

/* The negotiated profile; NONE until the handshake completed. */
CrSrtpProfile cr_dtls_srtp_profile(const CrDtls *dtls);
/* The SRTP master keys exported at connection (RFC 5764 §4.2), local being
 * our write key whatever our role. FALSE, @out cleared, unless the
 * handshake completed. Clear the copy with cr_srtp_keys_clear. */
gboolean cr_dtls_srtp_keys(const CrDtls *dtls, CrSrtpKeys *out);

G_END_DECLS
