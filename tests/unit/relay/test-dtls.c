/* test-dtls.c — tests for relay/dtls.c and relay/srtp.c: two CrDtls
 * engines (client and server, each with its own certificate) handshake in
 * memory by passing datagrams, then protect media for each other.
 *
 * Single-threaded GTest. DTLS retransmission timers run on OpenSSL's real
 * clock, so the loss tests use a 50 ms initial timeout and sleep past it.
 */
#include <string.h>

#include <glib/gstdio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "common/error.h"
#include "relay/cert.h"
#include "relay/dtls.h"
#include "relay/srtp.h"

#define TEST_TIMEOUT_MS 50
#define GCM_ONLY        "SRTP_AEAD_AES_128_GCM"
#define CM80_ONLY       "SRTP_AES128_CM_SHA1_80"

typedef struct {
    CrCert *cert;
    CrDtlsContext *ctx;
    CrDtls *dtls;
} Peer;

typedef struct {
    Peer client;
    Peer server;
} Pair;

static void
peer_init(Peer *peer, const char *profiles)
{
    g_autoptr(GError) error = NULL;

    peer->cert = cr_cert_generate(&error);
    g_assert_no_error(error);
    peer->ctx = cr_dtls_context_new(peer->cert, profiles, &error);
    g_assert_no_error(error);
    cr_dtls_context_set_initial_timeout_ms(peer->ctx, TEST_TIMEOUT_MS);
}

static void
peer_connect(Peer *peer, CrDtlsRole role, const Peer *remote, gboolean wrong_fingerprint)
{
    g_autoptr(GError) error = NULL;
    guint8 fp[CR_CERT_FINGERPRINT_LEN];

    cr_cert_fingerprint_sha256(remote->cert, fp);
    if (wrong_fingerprint)
        fp[7] ^= 0x01;
    peer->dtls = cr_dtls_new(peer->ctx, role, fp, &error);
    g_assert_no_error(error);
    g_assert_cmpint(cr_dtls_state(peer->dtls), ==, CR_DTLS_CONNECTING);
}

static void
pair_init_full(Pair *pair, const char *client_profiles, const char *server_profiles,
               gboolean client_wrong_fp, gboolean server_wrong_fp)
{
    peer_init(&pair->client, client_profiles);
    peer_init(&pair->server, server_profiles);
    peer_connect(&pair->client, CR_DTLS_CLIENT, &pair->server, client_wrong_fp);
    peer_connect(&pair->server, CR_DTLS_SERVER, &pair->client, server_wrong_fp);
}

static void
pair_init(Pair *pair)
{
    pair_init_full(pair, NULL, NULL, FALSE, FALSE);
}

static void
peer_clear(Peer *peer)
{
    cr_dtls_free(peer->dtls);
    cr_dtls_context_unref(peer->ctx);
    cr_cert_unref(peer->cert);
}

static void
pair_clear(Pair *pair)
{
    peer_clear(&pair->client);
    peer_clear(&pair->server);
}

/* Moves every datagram @from has queued to @to (dropping them all when
 * @drop); returns how many there were. */
static guint
flight(CrDtls *from, CrDtls *to, gboolean drop)
{
    guint8 buf[CR_DTLS_MTU];
    gsize len = 0;
    guint n = 0;

    while (cr_dtls_take_output(from, buf, sizeof buf, &len)) {
        g_assert_cmpuint(len, >, 0);
        g_assert_cmpuint(len, <=, CR_DTLS_MTU);
        if (g_getenv("CR_TEST_TRACE") != NULL)
            g_printerr("%s %s %" G_GSIZE_FORMAT " bytes, first %u\n",
                       cr_dtls_role(from) == CR_DTLS_CLIENT ? "client" : "server",
                       drop ? "drops" : "sends", len, buf[0]);
        if (!drop)
            cr_dtls_receive(to, buf, len, g_get_monotonic_time());
        n++;
    }
    return n;
}

/* Passes datagrams both ways until neither side has anything to say. */
static void
pump(Pair *pair)
{
    for (int round = 0; round < 20; round++) {
        guint moved = flight(pair->client.dtls, pair->server.dtls, FALSE) +
                      flight(pair->server.dtls, pair->client.dtls, FALSE);
        if (moved == 0)
            return;
    }
    g_assert_not_reached();
}

static void
handshake(Pair *pair)
{
    cr_dtls_start(pair->server.dtls, g_get_monotonic_time());
    cr_dtls_start(pair->client.dtls, g_get_monotonic_time());
    pump(pair);
}

/* Sleeps past @dtls's retransmission deadline, then runs its timer. */
static void
fire_timer(CrDtls *dtls)
{
    gint64 deadline = cr_dtls_next_timeout_us(dtls);

    g_assert_cmpint(deadline, >=, 0);
    gint64 now = g_get_monotonic_time();
    /* A few ms of slack: OpenSSL compares with gettimeofday(). */
    if (deadline + 5000 > now)
        g_usleep((gulong)(deadline + 5000 - now));
    cr_dtls_handle_timeout(dtls, g_get_monotonic_time());
}

static void
assert_connected(const Pair *pair, CrSrtpProfile profile)
{
    g_assert_cmpstr(cr_dtls_state_name(cr_dtls_state(pair->client.dtls)), ==, "connected");
    g_assert_cmpstr(cr_dtls_state_name(cr_dtls_state(pair->server.dtls)), ==, "connected");
    g_assert_null(cr_dtls_failure_reason(pair->client.dtls));
    g_assert_cmpint(cr_dtls_srtp_profile(pair->client.dtls), ==, profile);
    g_assert_cmpint(cr_dtls_srtp_profile(pair->server.dtls), ==, profile);
}

/* ---- Handshake ------------------------------------------------------------ */

static void
test_handshake(void)
{
    Pair pair;
    CrSrtpKeys ck, sk;
    const guint8 zero[CR_SRTP_MAX_MASTER_LEN] = {0};

    pair_init(&pair);
    g_assert_false(cr_dtls_srtp_keys(pair.client.dtls, &ck));
    handshake(&pair);
    assert_connected(&pair, CR_SRTP_PROFILE_AEAD_AES_128_GCM);
    /* Nothing left to retransmit on either side. */
    g_assert_cmpint(cr_dtls_next_timeout_us(pair.client.dtls), ==, -1);
    g_assert_cmpint(cr_dtls_next_timeout_us(pair.server.dtls), ==, -1);

    g_assert_true(cr_dtls_srtp_keys(pair.client.dtls, &ck));
    g_assert_true(cr_dtls_srtp_keys(pair.server.dtls, &sk));
    g_assert_cmpint(ck.profile, ==, CR_SRTP_PROFILE_AEAD_AES_128_GCM);
    g_assert_cmpuint(ck.master_len, ==, 16 + 12);
    g_assert_cmpuint(sk.master_len, ==, 16 + 12);
    /* Crosswise: what one writes with, the other reads with. */
    g_assert_cmpmem(ck.local, ck.master_len, sk.remote, sk.master_len);
    g_assert_cmpmem(ck.remote, ck.master_len, sk.local, sk.master_len);
    g_assert_true(memcmp(ck.local, ck.remote, ck.master_len) != 0);
    g_assert_true(memcmp(ck.local, zero, ck.master_len) != 0);
    g_assert_true(memcmp(ck.remote, zero, ck.master_len) != 0);
    g_assert_cmpint(cr_dtls_role(pair.client.dtls), ==, CR_DTLS_CLIENT);
    g_assert_cmpint(cr_dtls_role(pair.server.dtls), ==, CR_DTLS_SERVER);

    cr_srtp_keys_clear(&ck);
    g_assert_cmpmem(ck.local, sizeof ck.local, zero, sizeof zero);
    cr_srtp_keys_clear(&sk);
    pair_clear(&pair);
}

/* The server picks by its own order, whatever the client prefers. */
static void
test_profile_server_preference(void)
{
    Pair pair;

    pair_init_full(&pair, CM80_ONLY ":" GCM_ONLY, NULL, FALSE, FALSE);
    handshake(&pair);
    assert_connected(&pair, CR_SRTP_PROFILE_AEAD_AES_128_GCM);
    pair_clear(&pair);
}

static void
test_profile_cm80(void)
{
    Pair pair;
    CrSrtpKeys ck, sk;

    pair_init_full(&pair, CM80_ONLY, NULL, FALSE, FALSE);
    handshake(&pair);
    assert_connected(&pair, CR_SRTP_PROFILE_AES128_CM_SHA1_80);
    g_assert_true(cr_dtls_srtp_keys(pair.client.dtls, &ck));
    g_assert_true(cr_dtls_srtp_keys(pair.server.dtls, &sk));
    g_assert_cmpuint(ck.master_len, ==, 16 + 14);
    g_assert_cmpmem(ck.local, ck.master_len, sk.remote, sk.master_len);
    g_assert_cmpmem(ck.remote, ck.master_len, sk.local, sk.master_len);
    cr_srtp_keys_clear(&ck);
    cr_srtp_keys_clear(&sk);
    pair_clear(&pair);
}

static void
test_profile_none_in_common(void)
{
    Pair pair;
    CrSrtpKeys keys;

    pair_init_full(&pair, CM80_ONLY, GCM_ONLY, FALSE, FALSE);
    handshake(&pair);
    g_assert_cmpint(cr_dtls_state(pair.client.dtls), ==, CR_DTLS_FAILED);
    g_assert_cmpint(cr_dtls_state(pair.server.dtls), ==, CR_DTLS_FAILED);
    g_assert_nonnull(strstr(cr_dtls_failure_reason(pair.server.dtls), "SRTP"));
    g_assert_false(cr_dtls_srtp_keys(pair.server.dtls, &keys));
    g_assert_cmpint(cr_dtls_srtp_profile(pair.client.dtls), ==, CR_SRTP_PROFILE_NONE);
    pair_clear(&pair);
}

static void
test_profile_list_checked(void)
{
    static const char *const bad[] = {
        "", "SRTP_AES128_CM_SHA1_32", GCM_ONLY ":" GCM_ONLY, GCM_ONLY ":", "srtp_aead_aes_128_gcm",
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(CrCert) cert = cr_cert_generate(&error);
    g_assert_no_error(error);

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        CrDtlsContext *ctx = cr_dtls_context_new(cert, bad[i], &error);
        g_assert_null(ctx);
        g_assert_error(error, CR_ERROR, CR_ERROR_INTERNAL);
        g_clear_error(&error);
    }
}

/* One side announces a wrong fingerprint: that side refuses the peer's
 * certificate during the handshake, and its alert fails the other. */
static void
test_fingerprint_mismatch(gconstpointer data)
{
    gboolean client_checks = GPOINTER_TO_INT(data);
    Pair pair;
    CrSrtpKeys keys;

    pair_init_full(&pair, NULL, NULL, client_checks, !client_checks);
    handshake(&pair);
    CrDtls *checker = client_checks ? pair.client.dtls : pair.server.dtls;
    CrDtls *other = client_checks ? pair.server.dtls : pair.client.dtls;

    g_assert_cmpint(cr_dtls_state(checker), ==, CR_DTLS_FAILED);
    g_assert_nonnull(strstr(cr_dtls_failure_reason(checker), "fingerprint"));
    g_assert_false(cr_dtls_srtp_keys(checker, &keys));
    g_assert_cmpint(cr_dtls_state(other), ==, CR_DTLS_FAILED);
    g_assert_nonnull(cr_dtls_failure_reason(other));
    g_assert_false(cr_dtls_srtp_keys(other, &keys));
    g_assert_cmpint(cr_dtls_next_timeout_us(checker), ==, -1);
    pair_clear(&pair);
}

/* A valid certificate of several kilobytes (a long comment extension),
 * written as PEM and loaded back: its Certificate message needs several
 * datagrams. */
static CrCert *
big_cert_new(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("cr-dtls-XXXXXX", &error);
    g_assert_no_error(error);
    g_autofree char *cert_path = g_build_filename(dir, "cert.pem", NULL);
    g_autofree char *key_path = g_build_filename(dir, "key.pem", NULL);
    g_autofree char *comment = g_strnfill(3000, 'x');

    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    X509 *x509 = X509_new();
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, NULL, NID_netscape_comment, comment);
    g_assert_nonnull(pkey);
    g_assert_nonnull(ext);
    X509_NAME *name = X509_get_subject_name(x509);
    g_assert_true(X509_set_version(x509, X509_VERSION_3));
    g_assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x509), 4242));
    g_assert_nonnull(X509_gmtime_adj(X509_getm_notBefore(x509), -3600));
    g_assert_nonnull(X509_gmtime_adj(X509_getm_notAfter(x509), 3600));
    g_assert_true(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"big",
                                             -1, -1, 0));
    g_assert_true(X509_set_issuer_name(x509, name));
    g_assert_true(X509_set_pubkey(x509, pkey));
    g_assert_true(X509_add_ext(x509, ext, -1));
    g_assert_true(X509_sign(x509, pkey, EVP_sha256()) > 0);

    FILE *f = fopen(cert_path, "w");
    g_assert_nonnull(f);
    g_assert_true(PEM_write_X509(f, x509));
    fclose(f);
    f = fopen(key_path, "w");
    g_assert_nonnull(f);
    g_assert_true(PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL));
    fclose(f);
    X509_EXTENSION_free(ext);
    X509_free(x509);
    EVP_PKEY_free(pkey);

    CrCert *cert = cr_cert_load(cert_path, key_path, &error);
    g_assert_no_error(error);
    g_assert_cmpint(g_unlink(cert_path), ==, 0);
    g_assert_cmpint(g_unlink(key_path), ==, 0);
    g_assert_cmpint(g_rmdir(dir), ==, 0);
    return cert;
}

/* Certificate messages larger than the MTU are fragmented: every datagram
 * stays within CR_DTLS_MTU (flight() checks) and the handshake completes. */
static void
test_fragmentation(void)
{
    g_autoptr(GError) error = NULL;
    Pair pair;

    for (int i = 0; i < 2; i++) {
        peer_init(&pair.client, NULL);
        peer_init(&pair.server, NULL);
        Peer *big = i == 0 ? &pair.server : &pair.client;
        cr_dtls_context_unref(big->ctx);
        cr_cert_unref(big->cert);
        big->cert = big_cert_new();
        big->ctx = cr_dtls_context_new(big->cert, NULL, &error);
        g_assert_no_error(error);
        peer_connect(&pair.client, CR_DTLS_CLIENT, &pair.server, FALSE);
        peer_connect(&pair.server, CR_DTLS_SERVER, &pair.client, FALSE);

        cr_dtls_start(pair.server.dtls, g_get_monotonic_time());
        cr_dtls_start(pair.client.dtls, g_get_monotonic_time());
        g_assert_cmpuint(flight(pair.client.dtls, pair.server.dtls, FALSE), ==, 1);
        guint n = flight(pair.server.dtls, pair.client.dtls, FALSE);
        g_assert_cmpuint(n, >=, i == 0 ? 3 : 1);
        n = flight(pair.client.dtls, pair.server.dtls, FALSE);
        g_assert_cmpuint(n, >=, i == 1 ? 3 : 1);
        pump(&pair);
        assert_connected(&pair, CR_SRTP_PROFILE_AEAD_AES_128_GCM);
        pair_clear(&pair);
    }
}

/* ---- Timers and loss ---------------------------------------------------- */

static void
test_timer(void)
{
    const gint64 t0 = 1000000;
    Pair pair;

    /* A client made after the context's timeout changed (2 s, so that the
     * "too early" step below cannot be late however loaded the machine). */
    pair_init(&pair);
    cr_dtls_free(pair.client.dtls);
    cr_dtls_context_set_initial_timeout_ms(pair.client.ctx, 2000);
    peer_connect(&pair.client, CR_DTLS_CLIENT, &pair.server, FALSE);

    g_assert_cmpint(cr_dtls_next_timeout_us(pair.client.dtls), ==, -1);
    cr_dtls_start(pair.server.dtls, t0);
    g_assert_cmpint(cr_dtls_next_timeout_us(pair.server.dtls), ==, -1);

    /* An injected clock: the deadline is on it, 2 s ahead at most. */
    cr_dtls_start(pair.client.dtls, t0);
    gint64 deadline = cr_dtls_next_timeout_us(pair.client.dtls);
    g_assert_cmpint(deadline, >, t0 + 1000000);
    g_assert_cmpint(deadline, <=, t0 + 2000000);
    /* Too early for OpenSSL's own clock: nothing is sent, the timer stays. */
    g_assert_cmpuint(flight(pair.client.dtls, pair.server.dtls, TRUE), ==, 1);
    cr_dtls_handle_timeout(pair.client.dtls, t0 + 10);
    g_assert_cmpuint(flight(pair.client.dtls, pair.server.dtls, TRUE), ==, 0);
    g_assert_cmpint(cr_dtls_next_timeout_us(pair.client.dtls), >, t0 + 10);
    /* A second start is ignored. */
    cr_dtls_start(pair.client.dtls, t0);
    g_assert_cmpuint(flight(pair.client.dtls, pair.server.dtls, TRUE), ==, 0);
    pair_clear(&pair);
}

/* The ClientHello is lost; the client's timer sends it again. */
static void
test_loss_first_flight(void)
{
    Pair pair;

    pair_init(&pair);
    cr_dtls_start(pair.server.dtls, g_get_monotonic_time());
    cr_dtls_start(pair.client.dtls, g_get_monotonic_time());
    g_assert_cmpuint(flight(pair.client.dtls, pair.server.dtls, TRUE), ==, 1);
    pump(&pair);
    g_assert_cmpint(cr_dtls_state(pair.server.dtls), ==, CR_DTLS_CONNECTING);

    fire_timer(pair.client.dtls);
    pump(&pair);
    assert_connected(&pair, CR_SRTP_PROFILE_AEAD_AES_128_GCM);
    pair_clear(&pair);
}

/* The server's first flight is lost: its own timer resends it. */
static void
test_loss_server_flight(void)
{
    Pair pair;

    pair_init(&pair);
    cr_dtls_start(pair.server.dtls, g_get_monotonic_time());
    cr_dtls_start(pair.client.dtls, g_get_monotonic_time());
    g_assert_cmpuint(flight(pair.client.dtls, pair.server.dtls, FALSE), ==, 1);
    g_assert_cmpuint(flight(pair.server.dtls, pair.client.dtls, TRUE), >=, 1);
    g_assert_cmpint(cr_dtls_next_timeout_us(pair.server.dtls), >, 0);

    fire_timer(pair.server.dtls);
    pump(&pair);
    assert_connected(&pair, CR_SRTP_PROFILE_AEAD_AES_128_GCM);
    pair_clear(&pair);
}

/* The server's last flight (ChangeCipherSpec, Finished) is lost after the
 * server connected: the client resends its flight, the connected server
 * answers with its last flight again. */
static void
test_loss_last_flight(void)
{
    Pair pair;

    pair_init(&pair);
    cr_dtls_start(pair.server.dtls, g_get_monotonic_time());
    cr_dtls_start(pair.client.dtls, g_get_monotonic_time());
    flight(pair.client.dtls, pair.server.dtls, FALSE); /* ClientHello */
    flight(pair.server.dtls, pair.client.dtls, FALSE); /* ServerHello ... Done */
    flight(pair.client.dtls, pair.server.dtls, FALSE); /* Certificate ... Finished */
    g_assert_cmpint(cr_dtls_state(pair.server.dtls), ==, CR_DTLS_CONNECTED);
    g_assert_cmpuint(flight(pair.server.dtls, pair.client.dtls, TRUE), >=, 1);
    g_assert_cmpint(cr_dtls_state(pair.client.dtls), ==, CR_DTLS_CONNECTING);

    fire_timer(pair.client.dtls);
    pump(&pair);
    assert_connected(&pair, CR_SRTP_PROFILE_AEAD_AES_128_GCM);
    pair_clear(&pair);
}

/* ---- Bad input, close ------------------------------------------------- */

/* @n random datagrams (fixed seed) of 0..1500 bytes, most of them with a
 * DTLS-looking first byte, some with a whole plausible record header. */
static void
feed_garbage(CrDtls *dtls, GRand *rand, int n)
{
    guint8 buf[1500];

    for (int i = 0; i < n; i++) {
        gsize len = (gsize)g_rand_int_range(rand, 0, sizeof buf + 1);
        for (gsize j = 0; j < len; j++)
            buf[j] = (guint8)g_rand_int(rand);
        if (len > 0 && i % 4 != 0)
            buf[0] = (guint8)g_rand_int_range(rand, 20, 64);
        if (len >= 13 && i % 2 == 0) {
            buf[0] = 22;   /* handshake */
            buf[1] = 0xfe; /* DTLS 1.2 */
            buf[2] = 0xfd;
            buf[11] = (guint8)((len - 13) >> 8);
            buf[12] = (guint8)(len - 13);
        }
        cr_dtls_receive(dtls, buf, len, g_get_monotonic_time());
    }
}

static void
test_garbage(void)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(20240611);
    Pair pair;
    CrSrtpKeys before, after;
    guint8 out[CR_DTLS_MTU];
    gsize len = 0;

    /* Before the handshake: a server ignores what is not a DTLS record and
     * silently discards records that do not parse (RFC 6347 §4.1.2.7), so
     * the real handshake that follows still succeeds. */
    pair_init(&pair);
    cr_dtls_receive(pair.server.dtls, (const guint8 *)"", 0, 0);
    cr_dtls_receive(pair.server.dtls, (const guint8 *)"\x00\x01\x02", 3, 0); /* STUN-like */
    cr_dtls_receive(pair.client.dtls, (const guint8 *)"\x16\xfe\xfd", 3, 0); /* not started */
    feed_garbage(pair.server.dtls, rand, 2000);
    g_assert_cmpint(cr_dtls_state(pair.server.dtls), ==, CR_DTLS_CONNECTING);
    g_assert_false(cr_dtls_take_output(pair.server.dtls, out, sizeof out, &len));
    g_assert_false(cr_dtls_take_output(pair.client.dtls, out, sizeof out, &len));
    handshake(&pair);
    assert_connected(&pair, CR_SRTP_PROFILE_AEAD_AES_128_GCM);

    /* Connected: forged records fail their MAC and are dropped too. */
    g_assert_true(cr_dtls_srtp_keys(pair.server.dtls, &before));
    feed_garbage(pair.client.dtls, rand, 1000);
    feed_garbage(pair.server.dtls, rand, 1000);
    pump(&pair);
    assert_connected(&pair, CR_SRTP_PROFILE_AEAD_AES_128_GCM);
    g_assert_true(cr_dtls_srtp_keys(pair.server.dtls, &after));
    g_assert_cmpmem(&before, sizeof before, &after, sizeof after);
    cr_srtp_keys_clear(&before);
    cr_srtp_keys_clear(&after);
    pair_clear(&pair);
}

static void
test_close(void)
{
    Pair pair;
    CrSrtpKeys keys;

    pair_init(&pair);
    handshake(&pair);
    assert_connected(&pair, CR_SRTP_PROFILE_AEAD_AES_128_GCM);
    cr_dtls_close(pair.client.dtls);
    g_assert_cmpint(cr_dtls_state(pair.client.dtls), ==, CR_DTLS_CLOSED);
    g_assert_cmpuint(flight(pair.client.dtls, pair.server.dtls, FALSE), ==, 1);
    g_assert_cmpint(cr_dtls_state(pair.server.dtls), ==, CR_DTLS_CLOSED);
    g_assert_null(cr_dtls_failure_reason(pair.server.dtls));
    /* The server answers with its own close_notify. */
    g_assert_cmpuint(flight(pair.server.dtls, pair.client.dtls, FALSE), ==, 1);
    g_assert_cmpint(cr_dtls_state(pair.client.dtls), ==, CR_DTLS_CLOSED);
    g_assert_cmpint(cr_dtls_next_timeout_us(pair.client.dtls), ==, -1);
    /* Keys stay available to a caller that has not fetched them yet. */
    g_assert_true(cr_dtls_srtp_keys(pair.server.dtls, &keys));
    cr_srtp_keys_clear(&keys);
    cr_dtls_close(pair.client.dtls); /* twice: nothing more */
    g_assert_cmpuint(flight(pair.client.dtls, pair.server.dtls, FALSE), ==, 0);
    pair_clear(&pair);

    /* Closing while connecting sends nothing and stops the timer. */
    pair_init(&pair);
    cr_dtls_start(pair.client.dtls, 0);
    flight(pair.client.dtls, pair.server.dtls, TRUE);
    cr_dtls_close(pair.client.dtls);
    g_assert_cmpint(cr_dtls_state(pair.client.dtls), ==, CR_DTLS_CLOSED);
    g_assert_cmpint(cr_dtls_next_timeout_us(pair.client.dtls), ==, -1);
    g_assert_cmpuint(flight(pair.client.dtls, pair.server.dtls, TRUE), ==, 0);
    pair_clear(&pair);
}

/* ---- SRTP over the exported keys ------------------------------------- */

typedef struct {
    CrSrtp *client;
    CrSrtp *server;
} SrtpPair;

static void
srtp_pair_init(SrtpPair *sp, const char *client_profiles)
{
    g_autoptr(GError) error = NULL;
    Pair pair;
    CrSrtpKeys keys;

    pair_init_full(&pair, client_profiles, NULL, FALSE, FALSE);
    handshake(&pair);
    g_assert_true(cr_dtls_srtp_keys(pair.client.dtls, &keys));
    sp->client = cr_srtp_new(&keys, &error);
    g_assert_no_error(error);
    g_assert_true(cr_dtls_srtp_keys(pair.server.dtls, &keys));
    sp->server = cr_srtp_new(&keys, &error);
    g_assert_no_error(error);
    cr_srtp_keys_clear(&keys);
    pair_clear(&pair);
}

/* A 12-byte RTP header (V=2, PT 111) and @payload_len bytes of payload. */
static gsize
make_rtp(guint8 *buf, guint16 seq, guint32 ssrc, gsize payload_len)
{
    buf[0] = 0x80;
    buf[1] = 111;
    buf[2] = (guint8)(seq >> 8);
    buf[3] = (guint8)seq;
    for (int i = 0; i < 4; i++) {
        buf[4 + i] = (guint8)((seq * 960u) >> (24 - 8 * i)); /* timestamp */
        buf[8 + i] = (guint8)(ssrc >> (24 - 8 * i));
    }
    for (gsize i = 0; i < payload_len; i++)
        buf[12 + i] = (guint8)(i * 7 + seq);
    return 12 + payload_len;
}

/* An empty receiver report (RFC 3550 §6.4.2): 8 bytes. */
static gsize
make_rtcp(guint8 *buf, guint32 ssrc)
{
    static const guint8 rr[8] = {0x80, 201, 0x00, 0x01};
    memcpy(buf, rr, sizeof rr);
    for (int i = 0; i < 4; i++)
        buf[4 + i] = (guint8)(ssrc >> (24 - 8 * i));
    return sizeof rr;
}

static void
test_srtp_round_trip(gconstpointer data)
{
    const char *profiles = data;
    gboolean gcm = profiles == NULL;
    SrtpPair sp;
    guint32 store[3][512]; /* 4-byte aligned packet buffers */
    guint8 *plain = (guint8 *)store[0], *pkt = (guint8 *)store[1], *copy = (guint8 *)store[2];
    gsize cap = sizeof store[0];

    srtp_pair_init(&sp, profiles);
    g_assert_cmpint(cr_srtp_profile(sp.client), ==,
                    gcm ? CR_SRTP_PROFILE_AEAD_AES_128_GCM : CR_SRTP_PROFILE_AES128_CM_SHA1_80);

    /* RTP, client to server and back. */
    for (int dir = 0; dir < 2; dir++) {
        CrSrtp *tx = dir == 0 ? sp.client : sp.server;
        CrSrtp *rx = dir == 0 ? sp.server : sp.client;
        gsize plain_len = make_rtp(plain, 1000, 0x11223344u + dir, 1188);
        gsize len = plain_len;
        memcpy(pkt, plain, plain_len);
        g_assert_cmpint(cr_srtp_protect_rtp(tx, pkt, &len, cap), ==, CR_SRTP_OK);
        g_assert_cmpuint(len, ==, plain_len + (gcm ? 16 : 10));
        g_assert_true(memcmp(pkt + 12, plain + 12, 64) != 0); /* encrypted */
        memcpy(copy, pkt, len);
        gsize copy_len = len;
        g_assert_cmpint(cr_srtp_unprotect_rtp(rx, pkt, &len), ==, CR_SRTP_OK);
        g_assert_cmpmem(pkt, len, plain, plain_len);

        /* The same packet again is a replay. */
        g_assert_cmpint(cr_srtp_unprotect_rtp(rx, copy, &copy_len), ==, CR_SRTP_REPLAY);
    }

    /* RTCP, both ways; RTCP carries its own index, so replays are caught too. */
    for (int dir = 0; dir < 2; dir++) {
        CrSrtp *tx = dir == 0 ? sp.client : sp.server;
        CrSrtp *rx = dir == 0 ? sp.server : sp.client;
        gsize plain_len = make_rtcp(plain, 0x55667788u + dir);
        gsize len = plain_len;
        memcpy(pkt, plain, plain_len);
        g_assert_cmpint(cr_srtp_protect_rtcp(tx, pkt, &len, cap), ==, CR_SRTP_OK);
        g_assert_cmpuint(len, ==, plain_len + 4 + (gcm ? 16 : 10));
        memcpy(copy, pkt, len);
        gsize copy_len = len;
        g_assert_cmpint(cr_srtp_unprotect_rtcp(rx, pkt, &len), ==, CR_SRTP_OK);
        g_assert_cmpmem(pkt, len, plain, plain_len);
        g_assert_cmpint(cr_srtp_unprotect_rtcp(rx, copy, &copy_len), ==, CR_SRTP_REPLAY);
    }

    cr_srtp_free(sp.client);
    cr_srtp_free(sp.server);
}

static void
test_srtp_tamper(gconstpointer data)
{
    SrtpPair sp;
    guint32 store[2][512];
    guint8 *pkt = (guint8 *)store[0], *orig = (guint8 *)store[1];
    gsize cap = sizeof store[0];

    srtp_pair_init(&sp, data);
    gsize len = make_rtp(pkt, 7, 0xabcdef01u, 200);
    g_assert_cmpint(cr_srtp_protect_rtp(sp.client, pkt, &len, cap), ==, CR_SRTP_OK);
    memcpy(orig, pkt, len);
    /* A flipped bit anywhere — header, payload, tag — fails authentication. */
    static const gsize where[] = {1, 8, 12, 100, 211, 0 /* last byte, below */};
    for (gsize i = 0; i < G_N_ELEMENTS(where); i++) {
        gsize at = where[i] != 0 ? where[i] : len - 1;
        gsize n = len;
        memcpy(pkt, orig, len);
        pkt[at] ^= 0x10;
        g_assert_cmpint(cr_srtp_unprotect_rtp(sp.server, pkt, &n), ==, CR_SRTP_AUTH_FAIL);
    }
    /* Truncated to the header, and a packet for the other direction's key. */
    gsize n = 12;
    memcpy(pkt, orig, len);
    g_assert_cmpint(cr_srtp_unprotect_rtp(sp.server, pkt, &n), !=, CR_SRTP_OK);
    n = len;
    memcpy(pkt, orig, len);
    g_assert_cmpint(cr_srtp_unprotect_rtp(sp.client, pkt, &n), ==, CR_SRTP_AUTH_FAIL);
    /* The genuine packet still passes: failures did not touch the window. */
    n = len;
    memcpy(pkt, orig, len);
    g_assert_cmpint(cr_srtp_unprotect_rtp(sp.server, pkt, &n), ==, CR_SRTP_OK);

    /* RTCP tampering. */
    gsize rlen = make_rtcp(pkt, 42);
    g_assert_cmpint(cr_srtp_protect_rtcp(sp.server, pkt, &rlen, cap), ==, CR_SRTP_OK);
    pkt[5] ^= 0x01;
    g_assert_cmpint(cr_srtp_unprotect_rtcp(sp.client, pkt, &rlen), ==, CR_SRTP_AUTH_FAIL);

    cr_srtp_free(sp.client);
    cr_srtp_free(sp.server);
}

/* A NACKed packet is protected again with the same sequence number. */
static void
test_srtp_retransmit(void)
{
    SrtpPair sp;
    guint32 store[3][512];
    guint8 *plain = (guint8 *)store[0], *a = (guint8 *)store[1], *b = (guint8 *)store[2];
    gsize cap = sizeof store[0];

    srtp_pair_init(&sp, NULL);
    gsize plain_len = make_rtp(plain, 500, 0x01020304u, 300);
    gsize alen = plain_len, blen = plain_len;
    memcpy(a, plain, plain_len);
    memcpy(b, plain, plain_len);
    g_assert_cmpint(cr_srtp_protect_rtp(sp.client, a, &alen, cap), ==, CR_SRTP_OK);
    g_assert_cmpint(cr_srtp_protect_rtp(sp.client, b, &blen, cap), ==, CR_SRTP_OK);
    g_assert_cmpmem(a, alen, b, blen); /* same payload, same nonce: same bytes */
    /* The first copy was lost; the retransmission is accepted once. */
    g_assert_cmpint(cr_srtp_unprotect_rtp(sp.server, b, &blen), ==, CR_SRTP_OK);
    g_assert_cmpmem(b, blen, plain, plain_len);
    g_assert_cmpint(cr_srtp_unprotect_rtp(sp.server, a, &alen), ==, CR_SRTP_REPLAY);
    cr_srtp_free(sp.client);
    cr_srtp_free(sp.server);
}

static void
test_srtp_bad_calls(void)
{
    g_autoptr(GError) error = NULL;
    SrtpPair sp;
    guint32 store[512];
    guint8 *buf = (guint8 *)store;
    CrSrtpKeys keys = {0};

    /* Bad keys. */
    g_assert_null(cr_srtp_new(&keys, &error));
    g_assert_error(error, CR_ERROR, CR_ERROR_INTERNAL);
    g_clear_error(&error);
    keys.profile = CR_SRTP_PROFILE_AEAD_AES_128_GCM;
    keys.master_len = 30;
    g_assert_null(cr_srtp_new(&keys, &error));
    g_assert_error(error, CR_ERROR, CR_ERROR_INTERNAL);
    g_clear_error(&error);

    srtp_pair_init(&sp, NULL);
    /* No room for the trailer. */
    gsize len = make_rtp(buf, 1, 1, 100);
    g_assert_cmpint(cr_srtp_protect_rtp(sp.client, buf, &len, len + 16), ==, CR_SRTP_ERROR);
    g_assert_cmpint(cr_srtp_protect_rtp(sp.client, buf, &len, len - 1), ==, CR_SRTP_ERROR);
    g_assert_cmpuint(len, ==, 112);
    /* Misaligned buffers are refused rather than handed to libsrtp. */
    g_assert_cmpint(cr_srtp_protect_rtp(sp.client, buf + 1, &len, 1000), ==, CR_SRTP_ERROR);
    /* Too short to be RTP, and not RTP at all. */
    len = 4;
    g_assert_cmpint(cr_srtp_unprotect_rtp(sp.server, buf, &len), !=, CR_SRTP_OK);
    memset(buf, 0xff, 64);
    len = 64;
    g_assert_cmpint(cr_srtp_unprotect_rtp(sp.server, buf, &len), !=, CR_SRTP_OK);
    len = 0;
    g_assert_cmpint(cr_srtp_unprotect_rtcp(sp.server, buf, &len), !=, CR_SRTP_OK);
    g_assert_cmpstr(cr_srtp_status_name(CR_SRTP_REPLAY), ==, "replay");
    g_assert_cmpstr(cr_srtp_profile_name(CR_SRTP_PROFILE_NONE), ==, NULL);
    cr_srtp_free(sp.client);
    cr_srtp_free(sp.server);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_true(cr_srtp_global_init());
    g_assert_true(cr_srtp_global_init()); /* idempotent */

    g_test_add_func("/dtls/handshake", test_handshake);
    g_test_add_func("/dtls/profile/server-preference", test_profile_server_preference);
    g_test_add_func("/dtls/profile/cm80-only-client", test_profile_cm80);
    g_test_add_func("/dtls/profile/none-in-common", test_profile_none_in_common);
    g_test_add_func("/dtls/profile/list-checked", test_profile_list_checked);
    g_test_add_data_func("/dtls/fingerprint/client-checks", GINT_TO_POINTER(TRUE),
                         test_fingerprint_mismatch);
    g_test_add_data_func("/dtls/fingerprint/server-checks", GINT_TO_POINTER(FALSE),
                         test_fingerprint_mismatch);
    g_test_add_func("/dtls/fragmentation", test_fragmentation);
    g_test_add_func("/dtls/timer", test_timer);
    g_test_add_func("/dtls/loss/client-hello", test_loss_first_flight);
    g_test_add_func("/dtls/loss/server-flight", test_loss_server_flight);
    g_test_add_func("/dtls/loss/last-flight", test_loss_last_flight);
    g_test_add_func("/dtls/garbage", test_garbage);
    g_test_add_func("/dtls/close", test_close);
    g_test_add_data_func("/srtp/round-trip/gcm", NULL, test_srtp_round_trip);
    g_test_add_data_func("/srtp/round-trip/cm80", CM80_ONLY, test_srtp_round_trip);
    g_test_add_data_func("/srtp/tamper/gcm", NULL, test_srtp_tamper);
    g_test_add_data_func("/srtp/tamper/cm80", CM80_ONLY, test_srtp_tamper);
    g_test_add_func("/srtp/retransmit", test_srtp_retransmit);
    g_test_add_func("/srtp/bad-calls", test_srtp_bad_calls);
    return g_test_run();
}
