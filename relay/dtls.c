/* dtls.c — see dtls.h. RFC 6347 (DTLS 1.2; §4.2.4 timers), RFC 5764
 * (DTLS-SRTP: use_srtp, §4.2 key derivation), RFC 7714 (AES-GCM
 * profiles), RFC 8827 §6.5 and RFC 8842 (fingerprints, setup roles),
 * RFC 7983 (demultiplexing by first byte).
 *
 * Thread: a CrDtlsContext is read-only once made and shared by all media
 * workers (its SSL_CTX is only used to create SSL objects). A CrDtls is
 * owned by one media worker; not thread-safe. OpenSSL's error queue is per
 * thread: it is cleared before every OpenSSL call whose result we read.
 *
 * I/O: one custom BIO serves as the SSL's read and write BIO. Reading
 * hands OpenSSL exactly the datagram being received (borrowed, not
 * copied), then reports "retry". Each write OpenSSL makes to it is one
 * datagram (one record, or during a handshake several records that
 * OpenSSL's own buffering BIO packed to fit the MTU), queued as such: a
 * memory BIO (BIO_s_mem) would concatenate writes and lose the datagram
 * boundaries DTLS depends on. A write over the MTU is cut between records
 * (see bio_write). BIO_CTRL_WPENDING reports 0: nothing written to us
 * waits to share a datagram with the next record.
 *
 * Timers: DTLS_set_timer_cb gives the initial timeout (400 ms by default)
 * and the doubling; OpenSSL measures it with the real clock. The caller
 * runs the timer: see cr_dtls_next_timeout_us.
 */
#include "relay/dtls.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "common/error.h"

#define EXPORTER_LABEL "EXTRACTOR-dtls_srtp" /* RFC 5764 §4.2 */
#define MAX_TIMEOUT_US (60u * 1000 * 1000)   /* RFC 6347 §4.2.4.1 */
/* A flight is a handful of datagrams; beyond this the caller is not
 * sending them, and a datagram more is dropped as a full socket would. */
#define MAX_QUEUED_OUTPUT 64
/* Forward-secret AEAD suites only; every browser offers these. */
#define CIPHER_LIST        "ECDHE+AESGCM:ECDHE+CHACHA20"
#define DTLS_RECORD_HEADER 13

struct _CrDtlsContext {
    gint ref_count; /* atomic */
    SSL_CTX *ssl_ctx;
    BIO_METHOD *bio_method; /* outlives every BIO: each CrDtls holds a ref */
    guint initial_timeout_ms;
};

struct _CrDtls {
    CrDtlsContext *ctx;
    SSL *ssl;
    CrDtlsRole role;
    CrDtlsState state;
    gboolean started;
    gboolean fingerprint_mismatch; /* set by verify_peer */
    gboolean have_keys;
    char *failure_reason;
    guint8 remote_fingerprint[CR_CERT_FINGERPRINT_LEN];
    guint initial_timeout_us;
    gint64 deadline_us; /* -1: no timer */
    /* The datagram being received, for bio_read. */
    const guint8 *input;
    gsize input_len;
    GQueue output; /* of GBytes, one datagram each */
    CrSrtpKeys keys;
};

/* ---- The datagram BIO -------------------------------------------------- */

/* The length of the DTLS record at @p (RFC 6347 §4.1: 13-byte header, the
 * last two bytes its length), or all of @left if it does not parse. */
static gsize
record_length(const guint8 *p, gsize left)
{
    if (left < DTLS_RECORD_HEADER)
        return left;
    gsize len = DTLS_RECORD_HEADER + ((gsize)p[11] << 8 | p[12]);
    return MIN(len, left);
}

static void
queue_datagram(CrDtls *dtls, const guint8 *data, gsize len)
{
    if (dtls->output.length < MAX_QUEUED_OUTPUT)
        g_queue_push_tail(&dtls->output, g_bytes_new(data, len));
}

/* Each write is a datagram, unless it is over the MTU: then it is cut
 * between records. During a handshake OpenSSL packs a flight's records
 * into datagrams by its estimate of the record overhead, which in 3.0
 * leaves out the AEAD nonce and tag (see openssl/openssl#19516): a
 * Finished packed behind a nearly full datagram overflows the MTU by up
 * to 24 bytes (seen: 1215 bytes; tests/unit/relay/test-dtls.c
 * /dtls/fragmentation). */
static int
bio_write(BIO *bio, const char *buf, int len)
{
    CrDtls *dtls = BIO_get_data(bio);
    const guint8 *data = (const guint8 *)buf;
    gsize start = 0, end = 0;

    BIO_clear_retry_flags(bio);
    if (len <= 0)
        return 0;
    while (end < (gsize)len) {
        gsize rec = record_length(data + end, (gsize)len - end);
        if (end > start && end + rec - start > CR_DTLS_MTU) {
            queue_datagram(dtls, data + start, end - start);
            start = end;
        }
        end += rec;
    }
    queue_datagram(dtls, data + start, end - start);
    return len;
}

static int
bio_read(BIO *bio, char *buf, int cap)
{
    CrDtls *dtls = BIO_get_data(bio);

    BIO_clear_retry_flags(bio);
    if (dtls->input == NULL || cap <= 0) {
        BIO_set_retry_read(bio);
        return -1;
    }
    /* A datagram larger than OpenSSL's buffer is truncated, as recv() would. */
    gsize n = MIN(dtls->input_len, (gsize)cap);
    memcpy(buf, dtls->input, n);
    dtls->input = NULL;
    dtls->input_len = 0;
    return (int)n;
}

static long
bio_ctrl(BIO *bio, int cmd, long num G_GNUC_UNUSED, void *ptr G_GNUC_UNUSED)
{
    CrDtls *dtls = BIO_get_data(bio);

    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1; /* every write is already a datagram */
    case BIO_CTRL_PENDING:
        return dtls != NULL ? (long)dtls->input_len : 0;
    case BIO_CTRL_WPENDING:
        return 0; /* nothing shares a datagram with the next record */
    default:
        /* BIO_CTRL_DGRAM_*: no MTU to query (SSL_OP_NO_QUERY_MTU), no peer
         * address, no socket timeouts, no overhead to add. */
        return 0;
    }
}

static int
bio_create(BIO *bio)
{
    BIO_set_init(bio, 1);
    return 1;
}

static BIO_METHOD *
bio_method_new(void)
{
    BIO_METHOD *method =
        BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "classrelay datagram");
    if (method == NULL || !BIO_meth_set_write(method, bio_write) ||
        !BIO_meth_set_read(method, bio_read) || !BIO_meth_set_ctrl(method, bio_ctrl) ||
        !BIO_meth_set_create(method, bio_create)) {
        BIO_meth_free(method);
        return NULL;
    }
    return method;
}

/* ---- Peer verification and timers (OpenSSL callbacks) -------------------- */

static gboolean
fingerprint_matches(const CrDtls *dtls, X509 *cert)
{
    guint8 digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;

    return cert != NULL && X509_digest(cert, EVP_sha256(), digest, &len) &&
           len == CR_CERT_FINGERPRINT_LEN &&
           CRYPTO_memcmp(digest, dtls->remote_fingerprint, CR_CERT_FINGERPRINT_LEN) == 0;
}

/* The trust decision is the fingerprint alone (RFC 8827 §6.5): chain,
 * self-signature and validity errors are accepted, and the peer's own
 * certificate (depth 0) must hash to what its SDP announced. Checking here
 * rather than after the handshake means a wrong peer never completes it. */
static int
verify_peer(int preverify_ok G_GNUC_UNUSED, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    CrDtls *dtls = ssl != NULL ? SSL_get_app_data(ssl) : NULL;

    if (dtls == NULL)
        return 0;
    if (X509_STORE_CTX_get_error_depth(store) != 0)
        return 1;
    if (!fingerprint_matches(dtls, X509_STORE_CTX_get_current_cert(store))) {
        dtls->fingerprint_mismatch = TRUE;
        X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
        return 0;
    }
    return 1;
}

static unsigned int
next_timeout(SSL *ssl, unsigned int previous_us)
{
    const CrDtls *dtls = SSL_get_app_data(ssl);

    if (previous_us == 0)
        return dtls->initial_timeout_us;
    return previous_us >= MAX_TIMEOUT_US / 2 ? MAX_TIMEOUT_US : previous_us * 2;
}

/* ---- Context ------------------------------------------------------------ */

static void
set_openssl_error(GError **error, const char *what)
{
    char detail[256] = "unknown error";
    unsigned long code = ERR_peek_last_error();

    if (code != 0)
        ERR_error_string_n(code, detail, sizeof detail);
    ERR_clear_error();
    g_set_error(error, CR_ERROR, CR_ERROR_INTERNAL, "%s: %s", what, detail);
}

/* Only the profiles CrSrtp implements, each once. */
static gboolean
check_profiles(const char *profiles, GError **error)
{
    g_auto(GStrv) names = g_strsplit(profiles, ":", -1);
    guint seen = 0;

    for (guint i = 0; names[i] != NULL; i++) {
        guint bit = 0;
        if (strcmp(names[i], cr_srtp_profile_name(CR_SRTP_PROFILE_AEAD_AES_128_GCM)) == 0)
            bit = 1;
        else if (strcmp(names[i], cr_srtp_profile_name(CR_SRTP_PROFILE_AES128_CM_SHA1_80)) == 0)
            bit = 2;
        if (bit == 0 || (seen & bit) != 0) {
            g_set_error(error, CR_ERROR, CR_ERROR_INTERNAL,
                        "SRTP profile list \"%s\": \"%s\" is unsupported or repeated", profiles,
                        names[i]);
            return FALSE;
        }
        seen |= bit;
    }
    if (seen == 0) {
        g_set_error_literal(error, CR_ERROR, CR_ERROR_INTERNAL, "empty SRTP profile list");
        return FALSE;
    }
    return TRUE;
}

static gboolean
configure_ssl_ctx(SSL_CTX *ssl_ctx, CrCert *cert, const char *profiles, GError **error)
{
    if (!SSL_CTX_set_min_proto_version(ssl_ctx, DTLS1_2_VERSION) ||
        !SSL_CTX_set_max_proto_version(ssl_ctx, DTLS1_2_VERSION) ||
        !SSL_CTX_set_cipher_list(ssl_ctx, CIPHER_LIST)) {
        set_openssl_error(error, "cannot configure DTLS 1.2");
        return FALSE;
    }
    if (!SSL_CTX_use_certificate(ssl_ctx, cr_cert_x509(cert)) ||
        !SSL_CTX_use_PrivateKey(ssl_ctx, cr_cert_pkey(cert)) ||
        !SSL_CTX_check_private_key(ssl_ctx)) {
        set_openssl_error(error, "cannot use the DTLS certificate");
        return FALSE;
    }
    /* Returns 0 on success, unlike the rest of OpenSSL. */
    if (SSL_CTX_set_tlsext_use_srtp(ssl_ctx, profiles) != 0) {
        set_openssl_error(error, "cannot set the SRTP profiles");
        return FALSE;
    }
    /* The server picks the SRTP profile by its own list order (OpenSSL
     * always does); this makes the cipher suite the server's choice too. */
    SSL_CTX_set_options(ssl_ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_QUERY_MTU |
                                     SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ssl_ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_peer);
    return TRUE;
}

CrDtlsContext *
cr_dtls_context_new(CrCert *cert, const char *srtp_profiles, GError **error)
{
    g_return_val_if_fail(cert != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    const char *profiles = srtp_profiles != NULL ? srtp_profiles : CR_DTLS_DEFAULT_PROFILES;
    if (!check_profiles(profiles, error))
        return NULL;

    ERR_clear_error();
    g_autoptr(CrDtlsContext) ctx = g_new0(CrDtlsContext, 1);
    ctx->ref_count = 1;
    ctx->initial_timeout_ms = CR_DTLS_DEFAULT_INITIAL_TIMEOUT_MS;
    ctx->ssl_ctx = SSL_CTX_new(DTLS_method());
    if (ctx->ssl_ctx == NULL) {
        set_openssl_error(error, "cannot create a DTLS context");
        return NULL;
    }
    if (!configure_ssl_ctx(ctx->ssl_ctx, cert, profiles, error))
        return NULL;
    ctx->bio_method = bio_method_new();
    if (ctx->bio_method == NULL) {
        set_openssl_error(error, "cannot create the datagram BIO method");
        return NULL;
    }
    return g_steal_pointer(&ctx);
}

void
cr_dtls_context_set_initial_timeout_ms(CrDtlsContext *ctx, guint ms)
{
    g_return_if_fail(ctx != NULL);
    ctx->initial_timeout_ms = CLAMP(ms, 1, MAX_TIMEOUT_US / 1000);
}

CrDtlsContext *
cr_dtls_context_ref(CrDtlsContext *ctx)
{
    g_return_val_if_fail(ctx != NULL, NULL);
    g_atomic_int_inc(&ctx->ref_count);
    return ctx;
}

void
cr_dtls_context_unref(CrDtlsContext *ctx)
{
    if (ctx == NULL || !g_atomic_int_dec_and_test(&ctx->ref_count))
        return;
    SSL_CTX_free(ctx->ssl_ctx);
    BIO_meth_free(ctx->bio_method);
    g_free(ctx);
}

/* ---- Association ---------------------------------------------------------- */

CrDtls *
cr_dtls_new(CrDtlsContext *ctx, CrDtlsRole role,
            const guint8 remote_fingerprint[CR_CERT_FINGERPRINT_LEN], GError **error)
{
    g_return_val_if_fail(ctx != NULL && remote_fingerprint != NULL, NULL);
    g_return_val_if_fail(role == CR_DTLS_CLIENT || role == CR_DTLS_SERVER, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    g_autoptr(CrDtls) dtls = g_new0(CrDtls, 1);
    dtls->ctx = cr_dtls_context_ref(ctx);
    dtls->role = role;
    dtls->state = CR_DTLS_CONNECTING;
    dtls->deadline_us = -1;
    dtls->initial_timeout_us = ctx->initial_timeout_ms * 1000u;
    memcpy(dtls->remote_fingerprint, remote_fingerprint, CR_CERT_FINGERPRINT_LEN);
    g_queue_init(&dtls->output);

    ERR_clear_error();
    dtls->ssl = SSL_new(ctx->ssl_ctx);
    BIO *bio = BIO_new(ctx->bio_method);
    if (dtls->ssl == NULL || bio == NULL) {
        BIO_free(bio);
        set_openssl_error(error, "cannot create a DTLS association");
        return NULL;
    }
    BIO_set_data(bio, dtls);
    SSL_set_bio(dtls->ssl, bio, bio); /* one reference, owned by the SSL */
    SSL_set_app_data(dtls->ssl, dtls);
    DTLS_set_timer_cb(dtls->ssl, next_timeout);
    if (!SSL_set_mtu(dtls->ssl, CR_DTLS_MTU)) {
        set_openssl_error(error, "cannot set the DTLS MTU");
        return NULL;
    }
    if (role == CR_DTLS_CLIENT)
        SSL_set_connect_state(dtls->ssl);
    else
        SSL_set_accept_state(dtls->ssl);
    return g_steal_pointer(&dtls);
}

void
cr_dtls_free(CrDtls *dtls)
{
    if (dtls == NULL)
        return;
    SSL_free(dtls->ssl); /* and the BIO */
    g_queue_clear_full(&dtls->output, (GDestroyNotify)g_bytes_unref);
    cr_srtp_keys_clear(&dtls->keys);
    g_free(dtls->failure_reason);
    cr_dtls_context_unref(dtls->ctx);
    g_free(dtls);
}

static void
fail(CrDtls *dtls, const char *reason)
{
    dtls->state = CR_DTLS_FAILED;
    g_free(dtls->failure_reason);
    dtls->failure_reason = g_strdup(reason);
    dtls->have_keys = FALSE;
    cr_srtp_keys_clear(&dtls->keys);
    dtls->deadline_us = -1;
}

/* Fails with what OpenSSL reported, prefixed by @what. */
static void
fail_openssl(CrDtls *dtls, const char *what)
{
    char detail[256] = "no detail";
    unsigned long code = ERR_peek_last_error();

    if (dtls->fingerprint_mismatch) {
        g_strlcpy(detail, "peer certificate does not match the SDP fingerprint", sizeof detail);
    } else if (code != 0) {
        ERR_error_string_n(code, detail, sizeof detail);
    }
    ERR_clear_error();
    g_autofree char *reason = g_strdup_printf("%s: %s", what, detail);
    fail(dtls, reason);
}

static CrSrtpProfile
selected_profile(SSL *ssl)
{
    const SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(ssl);

    if (p == NULL)
        return CR_SRTP_PROFILE_NONE;
    switch (p->id) {
    case SRTP_AEAD_AES_128_GCM:
        return CR_SRTP_PROFILE_AEAD_AES_128_GCM;
    case SRTP_AES128_CM_SHA1_80:
        return CR_SRTP_PROFILE_AES128_CM_SHA1_80;
    default:
        return CR_SRTP_PROFILE_NONE;
    }
}

/* RFC 5764 §4.2: the exporter output is client key, server key, client
 * salt, server salt; "local" is whichever pair we write with. */
static gboolean
export_keys(CrDtls *dtls, CrSrtpProfile profile)
{
    guint8 material[2 * CR_SRTP_MAX_MASTER_LEN];
    gsize key_len = CR_SRTP_KEY_LEN;
    gsize salt_len = cr_srtp_profile_master_len(profile) - key_len;
    gsize total = 2 * (key_len + salt_len);

    if (SSL_export_keying_material(dtls->ssl, material, total, EXPORTER_LABEL,
                                   strlen(EXPORTER_LABEL), NULL, 0, 0) != 1) {
        OPENSSL_cleanse(material, sizeof material);
        return FALSE;
    }
    const guint8 *client_key = material;
    const guint8 *server_key = material + key_len;
    const guint8 *client_salt = material + 2 * key_len;
    const guint8 *server_salt = client_salt + salt_len;
    gboolean client = dtls->role == CR_DTLS_CLIENT;

    dtls->keys.profile = profile;
    dtls->keys.master_len = key_len + salt_len;
    memcpy(dtls->keys.local, client ? client_key : server_key, key_len);
    memcpy(dtls->keys.local + key_len, client ? client_salt : server_salt, salt_len);
    memcpy(dtls->keys.remote, client ? server_key : client_key, key_len);
    memcpy(dtls->keys.remote + key_len, client ? server_salt : client_salt, salt_len);
    OPENSSL_cleanse(material, sizeof material);
    return TRUE;
}

/* The handshake completed: check what verify_peer checked once more (it
 * must have run, with a certificate), then take the profile and keys. */
static void
handshake_done(CrDtls *dtls)
{
    CrSrtpProfile profile = selected_profile(dtls->ssl);
    const char *problem = NULL;

    if (!fingerprint_matches(dtls, SSL_get0_peer_certificate(dtls->ssl)))
        problem = "peer certificate missing or not matching the SDP fingerprint";
    else if (profile == CR_SRTP_PROFILE_NONE)
        problem = "no SRTP profile in common with the peer";
    else if (!export_keys(dtls, profile))
        problem = "cannot export the SRTP keying material";

    if (problem != NULL) {
        ERR_clear_error();
        fail(dtls, problem);
        SSL_shutdown(dtls->ssl); /* tell the peer, with close_notify */
        ERR_clear_error();
        return;
    }
    dtls->have_keys = TRUE;
    dtls->state = CR_DTLS_CONNECTED;
}

/* What the peer sends once connected: alerts, a retransmitted final flight
 * (OpenSSL answers it), application data (dropped). */
static void
read_connected(CrDtls *dtls)
{
    guint8 sink[2048];

    for (;;) {
        ERR_clear_error();
        int ret = SSL_read(dtls->ssl, sink, sizeof sink);
        if (ret > 0)
            continue;
        switch (SSL_get_error(dtls->ssl, ret)) {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:
            return;
        case SSL_ERROR_ZERO_RETURN: /* close_notify: answer it */
            dtls->state = CR_DTLS_CLOSED;
            dtls->deadline_us = -1;
            SSL_shutdown(dtls->ssl);
            ERR_clear_error();
            return;
        default:
            fail_openssl(dtls, "DTLS connection failed");
            return;
        }
    }
}

/* Advances the handshake, then reads what remains once connected. */
static void
drive(CrDtls *dtls)
{
    if (dtls->state == CR_DTLS_CONNECTING) {
        ERR_clear_error();
        int ret = SSL_do_handshake(dtls->ssl);
        if (ret == 1) {
            handshake_done(dtls);
        } else {
            switch (SSL_get_error(dtls->ssl, ret)) {
            case SSL_ERROR_WANT_READ:
            case SSL_ERROR_WANT_WRITE:
                break;
            case SSL_ERROR_ZERO_RETURN:
                fail(dtls, "DTLS handshake failed: the peer closed");
                break;
            default:
                fail_openssl(dtls, "DTLS handshake failed");
                break;
            }
        }
    }
    if (dtls->state == CR_DTLS_CONNECTED)
        read_connected(dtls);
}

/* Re-reads OpenSSL's timer as a deadline on the caller's clock. */
static void
update_deadline(CrDtls *dtls, gint64 now_us)
{
    struct timeval left;

    dtls->deadline_us = -1;
    if (dtls->state != CR_DTLS_CONNECTING && dtls->state != CR_DTLS_CONNECTED)
        return;
    if (DTLSv1_get_timeout(dtls->ssl, &left) == 1)
        dtls->deadline_us = now_us + (gint64)left.tv_sec * G_USEC_PER_SEC + left.tv_usec;
}

void
cr_dtls_start(CrDtls *dtls, gint64 now_us)
{
    g_return_if_fail(dtls != NULL);
    if (dtls->started || dtls->state != CR_DTLS_CONNECTING)
        return;
    dtls->started = TRUE;
    if (dtls->role == CR_DTLS_CLIENT)
        drive(dtls);
    update_deadline(dtls, now_us);
}

void
cr_dtls_receive(CrDtls *dtls, const guint8 *data, gsize len, gint64 now_us)
{
    g_return_if_fail(dtls != NULL);
    g_return_if_fail(data != NULL || len == 0);

    if (dtls->state != CR_DTLS_CONNECTING && dtls->state != CR_DTLS_CONNECTED)
        return;
    /* RFC 7983 §7: DTLS records start with 20..63. A client that has not
     * started would answer with a ClientHello: ignore input until then. */
    if (len == 0 || data[0] < 20 || data[0] > 63 ||
        (dtls->role == CR_DTLS_CLIENT && !dtls->started))
        return;

    dtls->input = data;
    dtls->input_len = len;
    drive(dtls);
    dtls->input = NULL; /* never keep the caller's pointer */
    dtls->input_len = 0;
    update_deadline(dtls, now_us);
}

gboolean
cr_dtls_take_output(CrDtls *dtls, guint8 *buf, gsize cap, gsize *len)
{
    g_return_val_if_fail(dtls != NULL && buf != NULL && len != NULL, FALSE);

    GBytes *datagram;
    while ((datagram = g_queue_pop_head(&dtls->output)) != NULL) {
        gsize size = 0;
        const guint8 *data = g_bytes_get_data(datagram, &size);
        if (size <= cap) {
            memcpy(buf, data, size);
            *len = size;
            g_bytes_unref(datagram);
            return TRUE;
        }
        g_warning("DTLS datagram of %" G_GSIZE_FORMAT " bytes dropped: buffer of %" G_GSIZE_FORMAT,
                  size, cap);
        g_bytes_unref(datagram);
    }
    return FALSE;
}

gint64
cr_dtls_next_timeout_us(const CrDtls *dtls)
{
    g_return_val_if_fail(dtls != NULL, -1);
    return dtls->deadline_us;
}

void
cr_dtls_handle_timeout(CrDtls *dtls, gint64 now_us)
{
    g_return_if_fail(dtls != NULL);
    if (dtls->deadline_us < 0)
        return;
    ERR_clear_error();
    if (DTLSv1_handle_timeout(dtls->ssl) < 0) {
        fail_openssl(dtls, "DTLS retransmission failed");
        return;
    }
    update_deadline(dtls, now_us);
}

void
cr_dtls_close(CrDtls *dtls)
{
    g_return_if_fail(dtls != NULL);
    if (dtls->state == CR_DTLS_CONNECTED) {
        ERR_clear_error();
        SSL_shutdown(dtls->ssl);
        ERR_clear_error();
    }
    if (dtls->state != CR_DTLS_FAILED)
        dtls->state = CR_DTLS_CLOSED;
    dtls->deadline_us = -1;
}

CrDtlsState
cr_dtls_state(const CrDtls *dtls)
{
    g_return_val_if_fail(dtls != NULL, CR_DTLS_FAILED);
    return dtls->state;
}

const char *
cr_dtls_state_name(CrDtlsState state)
{
    static const char *const names[] = {
        [CR_DTLS_CONNECTING] = "connecting",
        [CR_DTLS_CONNECTED] = "connected",
        [CR_DTLS_FAILED] = "failed",
        [CR_DTLS_CLOSED] = "closed",
    };
    if ((guint)state >= G_N_ELEMENTS(names))
        return "unknown";
    return names[state];
}

const char *
cr_dtls_failure_reason(const CrDtls *dtls)
{
    g_return_val_if_fail(dtls != NULL, NULL);
    return dtls->state == CR_DTLS_FAILED ? dtls->failure_reason : NULL;
}

CrDtlsRole
cr_dtls_role(const CrDtls *dtls)
{
    g_return_val_if_fail(dtls != NULL, CR_DTLS_SERVER);
    return dtls->role;
}

CrSrtpProfile
cr_dtls_srtp_profile(const CrDtls *dtls)
{
    g_return_val_if_fail(dtls != NULL, CR_SRTP_PROFILE_NONE);
    return dtls->have_keys ? dtls->keys.profile : CR_SRTP_PROFILE_NONE;
}

gboolean
cr_dtls_srtp_keys(const CrDtls *dtls, CrSrtpKeys *out)
{
    g_return_val_if_fail(dtls != NULL && out != NULL, FALSE);
    if (!dtls->have_keys) {
        cr_srtp_keys_clear(out);
        return FALSE;
    }
    *out = dtls->keys;
    return TRUE;
}
