/* srtp.c — see srtp.h. RFC 3711 (SRTP), RFC 5764 §4.1.2 (DTLS-SRTP
 * profiles), RFC 7714 (AES-GCM for SRTP).
 *
 * Owned by one media worker; not thread-safe. libsrtp2 (Debian's is built
 * on NSS) keeps process-wide state set up by srtp_init(): that is the only
 * global here, behind a GOnce in cr_srtp_global_init(), and is never torn
 * down (the sessions of other workers may still use it).
 */
#include "relay/srtp.h"

#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <srtp2/srtp.h>

#include "common/error.h"

#define REPLAY_WINDOW 1024
/* Larger than any UDP datagram; keeps lengths within libsrtp's int. */
#define MAX_PACKET 65536

G_STATIC_ASSERT(CR_SRTP_MAX_TRAILER_LEN == SRTP_MAX_TRAILER_LEN + 4);
G_STATIC_ASSERT(CR_SRTP_KEY_LEN + CR_SRTP_GCM_SALT_LEN == SRTP_AES_GCM_128_KEY_LEN_WSALT);
G_STATIC_ASSERT(CR_SRTP_KEY_LEN + CR_SRTP_CM_SALT_LEN == SRTP_AES_ICM_128_KEY_LEN_WSALT);
G_STATIC_ASSERT(CR_SRTP_GCM_SALT_LEN == SRTP_AEAD_SALT_LEN);

struct _CrSrtp {
    CrSrtpProfile profile;
    srtp_t outbound; /* our key, ssrc_any_outbound */
    srtp_t inbound;  /* the peer's key, ssrc_any_inbound */
};

static const char *const profile_names[] = {
    [CR_SRTP_PROFILE_AES128_CM_SHA1_80] = "SRTP_AES128_CM_SHA1_80",
    [CR_SRTP_PROFILE_AEAD_AES_128_GCM] = "SRTP_AEAD_AES_128_GCM",
};

static const char *const status_names[] = {
    [CR_SRTP_OK] = "ok",
    [CR_SRTP_AUTH_FAIL] = "auth_fail",
    [CR_SRTP_REPLAY] = "replay",
    [CR_SRTP_ERROR] = "error",
};

const char *
cr_srtp_profile_name(CrSrtpProfile profile)
{
    if ((guint)profile >= G_N_ELEMENTS(profile_names))
        return NULL;
    return profile_names[profile]; /* NULL for NONE */
}

gsize
cr_srtp_profile_master_len(CrSrtpProfile profile)
{
    switch (profile) {
    case CR_SRTP_PROFILE_AES128_CM_SHA1_80:
        return CR_SRTP_KEY_LEN + CR_SRTP_CM_SALT_LEN;
    case CR_SRTP_PROFILE_AEAD_AES_128_GCM:
        return CR_SRTP_KEY_LEN + CR_SRTP_GCM_SALT_LEN;
    default:
        return 0;
    }
}

const char *
cr_srtp_status_name(CrSrtpStatus status)
{
    if ((guint)status >= G_N_ELEMENTS(status_names))
        return "unknown";
    return status_names[status];
}

void
cr_srtp_keys_clear(CrSrtpKeys *keys)
{
    if (keys != NULL)
        OPENSSL_cleanse(keys, sizeof *keys);
}

static gpointer
global_init_once(gpointer data G_GNUC_UNUSED)
{
    srtp_err_status_t status = srtp_init();
    if (status != srtp_err_status_ok)
        g_warning("srtp_init failed: error %d", (int)status);
    return GINT_TO_POINTER(status == srtp_err_status_ok ? 1 : 2);
}

gboolean
cr_srtp_global_init(void)
{
    static GOnce once = G_ONCE_INIT;
    return GPOINTER_TO_INT(g_once(&once, global_init_once, NULL)) == 1;
}

/* One session of @profile with @master (key || salt) for @ssrc_type. */
static srtp_t
session_new(CrSrtpProfile profile, const guint8 *master, gsize master_len,
            srtp_ssrc_type_t ssrc_type, GError **error)
{
    srtp_policy_t policy;
    guint8 key[CR_SRTP_MAX_MASTER_LEN];
    srtp_t session = NULL;

    memset(&policy, 0, sizeof policy);
    if (profile == CR_SRTP_PROFILE_AEAD_AES_128_GCM) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
    } else {
        srtp_crypto_policy_set_rtp_default(&policy.rtp);
        srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
    }
    memcpy(key, master, master_len); /* libsrtp wants a mutable pointer */
    policy.ssrc.type = ssrc_type;
    policy.key = key;
    policy.window_size = REPLAY_WINDOW;
    policy.allow_repeat_tx = 1;
    policy.next = NULL;

    srtp_err_status_t status = srtp_create(&session, &policy);
    OPENSSL_cleanse(key, sizeof key);
    if (status != srtp_err_status_ok) {
        g_set_error(error, CR_ERROR, CR_ERROR_INTERNAL,
                    "cannot create an SRTP session (%s): libsrtp error %d",
                    cr_srtp_profile_name(profile), (int)status);
        return NULL;
    }
    return session;
}

CrSrtp *
cr_srtp_new(const CrSrtpKeys *keys, GError **error)
{
    g_return_val_if_fail(keys != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    gsize master_len = cr_srtp_profile_master_len(keys->profile);
    if (master_len == 0 || keys->master_len != master_len) {
        g_set_error(error, CR_ERROR, CR_ERROR_INTERNAL,
                    "unsupported SRTP profile %d or key length %" G_GSIZE_FORMAT,
                    (int)keys->profile, keys->master_len);
        return NULL;
    }
    if (!cr_srtp_global_init()) {
        g_set_error_literal(error, CR_ERROR, CR_ERROR_INTERNAL, "libsrtp did not initialize");
        return NULL;
    }

    g_autoptr(CrSrtp) srtp = g_new0(CrSrtp, 1);
    srtp->profile = keys->profile;
    srtp->outbound = session_new(keys->profile, keys->local, master_len, ssrc_any_outbound, error);
    if (srtp->outbound == NULL)
        return NULL;
    srtp->inbound = session_new(keys->profile, keys->remote, master_len, ssrc_any_inbound, error);
    if (srtp->inbound == NULL)
        return NULL;
    return g_steal_pointer(&srtp);
}

void
cr_srtp_free(CrSrtp *srtp)
{
    if (srtp == NULL)
        return;
    if (srtp->outbound != NULL)
        srtp_dealloc(srtp->outbound); /* zeroizes its keys */
    if (srtp->inbound != NULL)
        srtp_dealloc(srtp->inbound);
    g_free(srtp);
}

CrSrtpProfile
cr_srtp_profile(const CrSrtp *srtp)
{
    g_return_val_if_fail(srtp != NULL, CR_SRTP_PROFILE_NONE);
    return srtp->profile;
}

static CrSrtpStatus
status_of(srtp_err_status_t status)
{
    switch (status) {
    case srtp_err_status_ok:
        return CR_SRTP_OK;
    case srtp_err_status_auth_fail:
        return CR_SRTP_AUTH_FAIL;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
        return CR_SRTP_REPLAY;
    default:
        return CR_SRTP_ERROR;
    }
}

/* libsrtp requires 32-bit alignment and an int length. */
static gboolean
packet_ok(const guint8 *buf, gsize len)
{
    return buf != NULL && ((uintptr_t)buf & 3) == 0 && len < MAX_PACKET;
}

typedef srtp_err_status_t (*SrtpFunc)(srtp_t, void *, int *);

/* Runs @func over @buf in place; @cap is 0 for unprotect (no growth). */
static CrSrtpStatus
run(srtp_t session, SrtpFunc func, guint8 *buf, gsize *len, gsize cap)
{
    if (len == NULL || !packet_ok(buf, *len))
        return CR_SRTP_ERROR;
    if (cap != 0 && (cap < *len || cap - *len < CR_SRTP_MAX_TRAILER_LEN))
        return CR_SRTP_ERROR;

    int n = (int)*len;
    CrSrtpStatus status = status_of(func(session, buf, &n));
    if (status == CR_SRTP_OK) {
        if (n < 0 || (cap != 0 && (gsize)n > cap))
            return CR_SRTP_ERROR; /* cannot happen; never report a bad length */
        *len = (gsize)n;
    }
    return status;
}

CrSrtpStatus
cr_srtp_protect_rtp(CrSrtp *srtp, guint8 *buf, gsize *len, gsize cap)
{
    g_return_val_if_fail(srtp != NULL, CR_SRTP_ERROR);
    if (cap == 0)
        return CR_SRTP_ERROR;
    return run(srtp->outbound, srtp_protect, buf, len, cap);
}

CrSrtpStatus
cr_srtp_protect_rtcp(CrSrtp *srtp, guint8 *buf, gsize *len, gsize cap)
{
    g_return_val_if_fail(srtp != NULL, CR_SRTP_ERROR);
    if (cap == 0)
        return CR_SRTP_ERROR;
    return run(srtp->outbound, srtp_protect_rtcp, buf, len, cap);
}

CrSrtpStatus
cr_srtp_unprotect_rtp(CrSrtp *srtp, guint8 *buf, gsize *len)
{
    g_return_val_if_fail(srtp != NULL, CR_SRTP_ERROR);
    return run(srtp->inbound, srtp_unprotect, buf, len, 0);
}

CrSrtpStatus
cr_srtp_unprotect_rtcp(CrSrtp *srtp, guint8 *buf, gsize *len)
{
    g_return_val_if_fail(srtp != NULL, CR_SRTP_ERROR);
    return run(srtp->inbound, srtp_unprotect_rtcp, buf, len, 0);
}
