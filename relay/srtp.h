/* srtp.h — SRTP and SRTCP protection of one peer's media (libsrtp2).
 *
 * A CrSrtp holds two libsrtp sessions made from the keys a DTLS-SRTP
 * handshake exported (relay/dtls.h): outbound (our write key, any SSRC we
 * send) and inbound (the peer's write key, any SSRC it sends). Profiles:
 * AEAD_AES_128_GCM (RFC 7714), preferred because it is about five times
 * cheaper here, and AES128_CM_HMAC_SHA1_80 (RFC 3711, RFC 5764 §4.1.2).
 *
 * Owned by one media worker; not thread-safe. The packet functions work in
 * place and never allocate (libsrtp itself allocates once per new SSRC, on
 * its first packet, and only after that packet authenticated).
 *
 * The one process-wide state is libsrtp's own: cr_srtp_global_init() must
 * have run (once, from any thread) before cr_srtp_new; cr_srtp_new calls
 * it too, so calling it explicitly only moves the cost to start-up.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    CR_SRTP_PROFILE_NONE = 0,
    CR_SRTP_PROFILE_AES128_CM_SHA1_80, /* "SRTP_AES128_CM_SHA1_80", 0x0001 */
    CR_SRTP_PROFILE_AEAD_AES_128_GCM,  /* "SRTP_AEAD_AES_128_GCM", 0x0007 */
} CrSrtpProfile;

/* Master key and salt lengths (RFC 5764 §4.1.2, RFC 7714 §12). */
#define CR_SRTP_KEY_LEN        16
#define CR_SRTP_CM_SALT_LEN    14
#define CR_SRTP_GCM_SALT_LEN   12
#define CR_SRTP_MAX_MASTER_LEN (CR_SRTP_KEY_LEN + CR_SRTP_CM_SALT_LEN)

/* The room a packet buffer must have after the packet for any protect
 * call: libsrtp's documented worst case (SRTP_MAX_TRAILER_LEN, plus the
 * 4-byte SRTCP index for RTCP), though a packet grows by at most 20 bytes
 * with the profiles above (GCM: 16-byte tag; RTCP: + 4-byte index). */
#define CR_SRTP_MAX_TRAILER_LEN 148

typedef struct {
    CrSrtpProfile profile;
    gsize master_len;                      /* key + salt, for the profile */
    guint8 local[CR_SRTP_MAX_MASTER_LEN];  /* our write key || salt */
    guint8 remote[CR_SRTP_MAX_MASTER_LEN]; /* the peer's write key || salt */
} CrSrtpKeys;

/* Wipes @keys (OPENSSL_cleanse), so keys do not linger on stacks. */
void cr_srtp_keys_clear(CrSrtpKeys *keys);

/* "SRTP_AEAD_AES_128_GCM" etc. as in RFC 5764 / OpenSSL, or NULL. */
const char *cr_srtp_profile_name(CrSrtpProfile profile);
/* The master key || salt length of @profile, 0 for NONE or unknown. */
gsize cr_srtp_profile_master_len(CrSrtpProfile profile);

typedef enum {
    CR_SRTP_OK,
    CR_SRTP_AUTH_FAIL, /* forged, corrupted, or for another key */
    CR_SRTP_REPLAY,    /* seen before, or older than the 1024-packet window */
    CR_SRTP_ERROR,     /* malformed, no room for the trailer, or any other failure */
} CrSrtpStatus;

typedef struct _CrSrtp CrSrtp;

/* Idempotent and thread-safe (g_once): srtp_init(). FALSE if it failed
 * (then every cr_srtp_new fails too). */
gboolean cr_srtp_global_init(void);

/* Sessions for @keys: replay window 1024 packets, and repeated sequence
 * numbers allowed on output so that a packet can be sent again in answer
 * to a NACK. Protecting a sequence number again is safe only with the very
 * same payload (with GCM, a different payload under a reused nonce would
 * reveal both and the authentication key): resend stored packets only. */
CrSrtp *cr_srtp_new(const CrSrtpKeys *keys, GError **error);
void cr_srtp_free(CrSrtp *srtp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrSrtp, cr_srtp_free)

CrSrtpProfile cr_srtp_profile(const CrSrtp *srtp);

/* In place. @buf must be 4-byte aligned and hold the plain packet of *@len
 * bytes in a buffer of @cap bytes, cap >= *len + CR_SRTP_MAX_TRAILER_LEN;
 * on OK, *@len is the protected length. On any other status the buffer's
 * contents are unspecified and *@len is unchanged. */
CrSrtpStatus cr_srtp_protect_rtp(CrSrtp *srtp, guint8 *buf, gsize *len, gsize cap);
CrSrtpStatus cr_srtp_protect_rtcp(CrSrtp *srtp, guint8 *buf, gsize *len, gsize cap);

/* In place; @buf 4-byte aligned. On OK, *@len is the plain length. */
CrSrtpStatus cr_srtp_unprotect_rtp(CrSrtp *srtp, guint8 *buf, gsize *len);
CrSrtpStatus cr_srtp_unprotect_rtcp(CrSrtp *srtp, guint8 *buf, gsize *len);

const char *cr_srtp_status_name(CrSrtpStatus status);

G_END_DECLS
