/* srtp_bench.c — CPU cost of the relay's media crypto: SRTP protect and
 * unprotect of a 1200-byte RTP packet per profile (AEAD_AES_128_GCM,
 * AES128_CM_HMAC_SHA1_80), and one complete DTLS-SRTP handshake between
 * two in-memory CrDtls engines (relay/dtls.c).
 *
 * Build and run from the repository root:
 *
 *   gcc -std=gnu11 -O2 -I. bench/srtp_bench.c relay/cert.c relay/dtls.c \
 *       relay/srtp.c common/error.c \
 *       $(pkg-config --cflags --libs glib-2.0 openssl libsrtp2) -o /tmp/srtp_bench
 *   /tmp/srtp_bench [packets-per-run] [handshakes]
 *
 * CPU time is clock_gettime(CLOCK_PROCESS_CPUTIME_ID) (single thread).
 * SRTP: the median of 5 runs of 200000 packets each, in batches of 256
 * (timed per batch): a batch is copied from a template (protect works in
 * place) and protected; "protect" is that minus the copy alone ("copy
 * only"); "unprotect" times only the unprotect of a protected batch. Handshake: the median of 200,
 * each timed per side around every call into its engine (new, start, receive, take_output, free),
 * with certificates and contexts made beforehand, as in the relay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "relay/cert.h"
#include "relay/dtls.h"
#include "relay/srtp.h"

#define RUNS       5
#define PACKET_LEN 1200
#define RTP_HEADER 12

static gint64
cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
compare_i64(const void *a, const void *b)
{
    gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
    return (x > y) - (x < y);
}

static gint64
median(gint64 *v, gsize n)
{
    qsort(v, n, sizeof *v, compare_i64);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
set_seq(guint8 *pkt, guint32 i)
{
    pkt[2] = (guint8)(i >> 8);
    pkt[3] = (guint8)i;
}

#define BATCH 256
#define SLOT  ((PACKET_LEN + CR_SRTP_MAX_TRAILER_LEN + 3) / 4) /* in guint32 */

typedef enum { COPY_ONLY, PROTECT, UNPROTECT } Work;

/* Copies @n packets from @tmpl into @slots, numbered from *@seq. */
static void
fill(guint32 *slots, guint n, const guint8 *tmpl, guint32 *seq)
{
    for (guint i = 0; i < n; i++, (*seq)++) {
        guint8 *pkt = (guint8 *)(slots + (gsize)i * SLOT);
        memcpy(pkt, tmpl, PACKET_LEN);
        set_seq(pkt, *seq);
    }
}

/* CPU ns of @work over @n packets, in batches of BATCH: a batch is copied
 * from the template (timed: COPY_ONLY, PROTECT) and protected (timed:
 * PROTECT), or protected untimed and then unprotected (timed: UNPROTECT).
 * @seq carries on across runs so every sequence number is new. */
static gint64
run(Work work, CrSrtp *tx, CrSrtp *rx, const guint8 *tmpl, guint32 n, guint32 *seq)
{
    static guint32 slots[BATCH * SLOT];
    gsize lens[BATCH];
    gint64 total = 0;

    for (guint32 done = 0; done < n; done += BATCH) {
        guint count = MIN(BATCH, n - done);
        gint64 t0 = cpu_ns();
        fill(slots, count, tmpl, seq);
        for (guint i = 0; i < count && work != COPY_ONLY; i++) {
            lens[i] = PACKET_LEN;
            if (cr_srtp_protect_rtp(tx, (guint8 *)(slots + (gsize)i * SLOT), &lens[i], SLOT * 4) !=
                CR_SRTP_OK)
                g_error("protect failed");
        }
        gint64 t1 = cpu_ns();
        for (guint i = 0; i < count && work == UNPROTECT; i++) {
            if (cr_srtp_unprotect_rtp(rx, (guint8 *)(slots + (gsize)i * SLOT), &lens[i]) !=
                CR_SRTP_OK)
                g_error("unprotect failed");
        }
        total += work == UNPROTECT ? cpu_ns() - t1 : t1 - t0;
    }
    __asm__ volatile("" : : "r"(slots) : "memory"); /* keep the copies */
    return total;
}

static double
median_us_per_packet(Work work, CrSrtp *tx, CrSrtp *rx, const guint8 *tmpl, guint32 n, guint32 *seq)
{
    gint64 ns[RUNS];
    for (int r = 0; r < RUNS; r++)
        ns[r] = run(work, tx, rx, tmpl, n, seq);
    return (double)median(ns, RUNS) / 1000.0 / n;
}

/* A sending and a receiving session of @profile with matching keys. */
static void
sessions_new(CrSrtpProfile profile, CrSrtp **tx, CrSrtp **rx)
{
    g_autoptr(GError) error = NULL;
    CrSrtpKeys a = {.profile = profile, .master_len = cr_srtp_profile_master_len(profile)};
    CrSrtpKeys b = a;

    RAND_bytes(a.local, (int)a.master_len);
    RAND_bytes(a.remote, (int)a.master_len);
    memcpy(b.local, a.remote, a.master_len);
    memcpy(b.remote, a.local, a.master_len);
    *tx = cr_srtp_new(&a, &error);
    *rx = *tx != NULL ? cr_srtp_new(&b, &error) : NULL;
    if (*rx == NULL)
        g_error("%s", error->message);
    cr_srtp_keys_clear(&a);
    cr_srtp_keys_clear(&b);
}

static void
bench_srtp(CrSrtpProfile profile, guint32 n, const guint8 *tmpl)
{
    CrSrtp *tx, *rx;
    guint32 seq = 1;

    sessions_new(profile, &tx, &rx);
    double copy = median_us_per_packet(COPY_ONLY, tx, rx, tmpl, n, &seq);
    double protect = median_us_per_packet(PROTECT, tx, rx, tmpl, n, &seq);
    cr_srtp_free(tx);
    cr_srtp_free(rx);
    /* Fresh sessions: a receiver must see the stream from its start to
     * know the rollover counter. */
    sessions_new(profile, &tx, &rx);
    seq = 1;
    double unprotect = median_us_per_packet(UNPROTECT, tx, rx, tmpl, n, &seq);
    cr_srtp_free(tx);
    cr_srtp_free(rx);
    printf("%-24s protect %6.3f us/packet   unprotect %6.3f us/packet   (copy only %.3f)\n",
           cr_srtp_profile_name(profile), protect - copy, unprotect, copy);
}

/* ---- DTLS handshake ---------------------------------------------------- */

typedef struct {
    CrDtls *dtls;
    gint64 cpu;
} Side;

/* Moves @from's datagrams to @to, charging each side for its own calls. */
static guint
shuttle(Side *from, Side *to)
{
    guint8 buf[CR_DTLS_MTU];
    gsize len = 0;
    guint n = 0;

    for (;;) {
        gint64 t0 = cpu_ns();
        gboolean more = cr_dtls_take_output(from->dtls, buf, sizeof buf, &len);
        gint64 t1 = cpu_ns();
        from->cpu += t1 - t0;
        if (!more)
            return n;
        cr_dtls_receive(to->dtls, buf, len, 0);
        to->cpu += cpu_ns() - t1;
        n++;
    }
}

static gboolean
one_handshake(CrDtlsContext *cctx, CrDtlsContext *sctx, const guint8 *cfp, const guint8 *sfp,
              gint64 *client_ns, gint64 *server_ns)
{
    Side c = {0}, s = {0};
    gint64 t0 = cpu_ns();
    s.dtls = cr_dtls_new(sctx, CR_DTLS_SERVER, cfp, NULL);
    cr_dtls_start(s.dtls, 0);
    gint64 t1 = cpu_ns();
    c.dtls = cr_dtls_new(cctx, CR_DTLS_CLIENT, sfp, NULL);
    cr_dtls_start(c.dtls, 0);
    gint64 t2 = cpu_ns();
    s.cpu = t1 - t0;
    c.cpu = t2 - t1;

    for (int round = 0; round < 10; round++) {
        if (shuttle(&c, &s) + shuttle(&s, &c) == 0)
            break;
    }
    gboolean ok =
        cr_dtls_state(c.dtls) == CR_DTLS_CONNECTED && cr_dtls_state(s.dtls) == CR_DTLS_CONNECTED;
    t0 = cpu_ns();
    cr_dtls_free(s.dtls);
    t1 = cpu_ns();
    cr_dtls_free(c.dtls);
    t2 = cpu_ns();
    s.cpu += t1 - t0;
    c.cpu += t2 - t1;
    *client_ns = c.cpu;
    *server_ns = s.cpu;
    return ok;
}

static void
bench_handshake(guint n)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CrCert) ccert = cr_cert_generate(&error);
    g_autoptr(CrCert) scert = ccert != NULL ? cr_cert_generate(&error) : NULL;
    if (scert == NULL)
        g_error("%s", error->message);
    g_autoptr(CrDtlsContext) cctx = cr_dtls_context_new(ccert, NULL, &error);
    g_autoptr(CrDtlsContext) sctx = cctx != NULL ? cr_dtls_context_new(scert, NULL, &error) : NULL;
    if (sctx == NULL)
        g_error("%s", error->message);
    guint8 cfp[CR_CERT_FINGERPRINT_LEN], sfp[CR_CERT_FINGERPRINT_LEN];
    cr_cert_fingerprint_sha256(ccert, cfp);
    cr_cert_fingerprint_sha256(scert, sfp);

    g_autofree gint64 *client = g_new(gint64, n);
    g_autofree gint64 *server = g_new(gint64, n);
    g_autofree gint64 *total = g_new(gint64, n);
    gint64 dummy_c, dummy_s;
    one_handshake(cctx, sctx, cfp, sfp, &dummy_c, &dummy_s); /* warm-up */
    for (guint i = 0; i < n; i++) {
        if (!one_handshake(cctx, sctx, cfp, sfp, &client[i], &server[i]))
            g_error("handshake %u did not connect", i);
        total[i] = client[i] + server[i];
    }
    printf("DTLS 1.2 handshake (ECDSA P-256, in memory, median of %u): "
           "server %.3f ms, client %.3f ms, both %.3f ms CPU\n",
           n, median(server, n) / 1e6, median(client, n) / 1e6, median(total, n) / 1e6);
}

int
main(int argc, char **argv)
{
    guint32 packets = argc > 1 ? (guint32)strtoul(argv[1], NULL, 10) : 200000;
    guint handshakes = argc > 2 ? (guint)strtoul(argv[2], NULL, 10) : 200;
    guint8 tmpl[PACKET_LEN];

    if (packets == 0 || handshakes == 0 || !cr_srtp_global_init()) {
        fprintf(stderr, "usage: %s [packets-per-run] [handshakes]\n", argv[0]);
        return 2;
    }
    memset(tmpl, 0, sizeof tmpl);
    tmpl[0] = 0x80;
    tmpl[1] = 96;
    tmpl[8] = 0x12, tmpl[9] = 0x34, tmpl[10] = 0x56, tmpl[11] = 0x78; /* SSRC */
    RAND_bytes(tmpl + RTP_HEADER, PACKET_LEN - RTP_HEADER);

    printf("SRTP, %d-byte RTP packets, median of %d runs of %u packets, CPU time:\n", PACKET_LEN,
           RUNS, packets);
    bench_srtp(CR_SRTP_PROFILE_AEAD_AES_128_GCM, packets, tmpl);
    bench_srtp(CR_SRTP_PROFILE_AES128_CM_SHA1_80, packets, tmpl);
    bench_handshake(handshakes);
    return 0;
}
