/* relay_load.c — media load generator for the relay: one WHIP publisher
 * (synthetic VP8 at ~1.5 Mbit/s, 30 fps, ~1100-byte packets, a key frame
 * every 2 s and on PLI/FIR; Opus-like audio at 50 packets/s) and N WHEP
 * subscribers, each its own libnice agent, DTLS association and SRTP
 * session. It measures, over a steady window after every subscriber has
 * its first key frame:
 *
 *   - the server's CPU time (utime+stime of the whole process, read from
 *     its process CPU clock and from /proc/PID/stat) per packet the
 *     subscribers received;
 *   - loss (sequence gaps per subscriber stream) and delivery (received /
 *     published × subscribers);
 *   - one-way latency publisher → subscriber from the send time in every
 *     payload (same machine, CLOCK_MONOTONIC);
 *   - time from the WHEP POST to the first key frame at the subscriber;
 *   - the server's VmRSS growth per subscriber.
 *
 * Prints one JSON object on stdout and a summary on stderr. Driven by
 * bench/relay_bench.py, which starts the server in its own network
 * namespace and mints the tokens; see docs/benchmarks.md.
 */
#include "bench/load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    char *host;
    gint port;
    gint64 session;
    char *publisher_token;
    char *tokens_file;
    gint subscribers;
    gint threads;
    char *local_address;
    gint server_pid;
    gdouble warmup, duration, connect_timeout;
    gint video_kbps, fps, packet_bytes, keyframe_seconds, audio_pps;
} Options;

typedef struct {
    gint64 cpu_ns;      /* process CPU clock of the server */
    gint64 ticks;       /* utime + stime from /proc/PID/stat */
    gint64 stime_ticks; /* of which in the kernel */
    gint64 rss_kb;      /* VmRSS */
    gint64 self_cpu_us;
    gint64 wall_us;
    gint64 packets_out; /* relay's own counter (/metrics), -1 if unread */
    /* UDP RcvbufErrors and SndbufErrors (/proc/PID/net/snmp) in the
     * server's namespace and in ours: datagrams the kernel dropped. */
    gint64 srv_rcvbuf, srv_sndbuf, gen_rcvbuf, gen_sndbuf;
    gint64 machine_busy, machine_total; /* /proc/stat "cpu" line, ticks */
    GHashTable *threads;                /* the server's thread name -> utime+stime ticks (summed) */
} Sample;

/* ---- reading the server ---- */

static gint64
proc_ticks(int pid, gint64 *stime)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/stat", pid);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return -1;
    const char *p = strrchr(text, ')');
    if (p == NULL)
        return -1;
    /* After "pid (comm)": field 3 is state; utime and stime are 14, 15. */
    g_auto(GStrv) f = g_strsplit(p + 2, " ", 16);
    if (g_strv_length(f) < 14)
        return -1;
    *stime = g_ascii_strtoll(f[12], NULL, 10);
    return g_ascii_strtoll(f[11], NULL, 10) + *stime;
}

/* RcvbufErrors and SndbufErrors of the "Udp:" lines of @path. */
static void
udp_drops(const char *path, gint64 *rcvbuf, gint64 *sndbuf)
{
    g_autofree char *text = NULL;
    *rcvbuf = *sndbuf = -1;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i] != NULL && lines[i + 1] != NULL; i++) {
        if (!g_str_has_prefix(lines[i], "Udp: ") || !g_str_has_prefix(lines[i + 1], "Udp: "))
            continue;
        g_auto(GStrv) names = g_strsplit(lines[i], " ", -1);
        g_auto(GStrv) values = g_strsplit(lines[i + 1], " ", -1);
        for (guint k = 0; names[k] != NULL && values[k] != NULL; k++) {
            if (strcmp(names[k], "RcvbufErrors") == 0)
                *rcvbuf = g_ascii_strtoll(values[k], NULL, 10);
            else if (strcmp(names[k], "SndbufErrors") == 0)
                *sndbuf = g_ascii_strtoll(values[k], NULL, 10);
        }
        return;
    }
}

/* The whole machine's busy and total ticks (all CPUs), for contention:
 * what neither the server nor we used was other people's work. */
static void
machine_ticks(gint64 *busy, gint64 *total)
{
    g_autofree char *text = NULL;
    *busy = *total = 0;
    if (!g_file_get_contents("/proc/stat", &text, NULL, NULL) || !g_str_has_prefix(text, "cpu "))
        return;
    g_auto(GStrv) f = g_strsplit_set(text + 4, " \n", 12);
    gint k = 0;
    for (guint i = 0; f[i] != NULL && k < 8; i++) {
        if (*f[i] == '\0')
            continue;
        gint64 v = g_ascii_strtoll(f[i], NULL, 10);
        *total += v;
        if (k != 3 && k != 4) /* idle, iowait */
            *busy += v;
        k++;
    }
}

/* CPU ticks of every thread of @pid, summed by thread name. */
static GHashTable *
thread_ticks(int pid)
{
    GHashTable *out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *dir_path = g_strdup_printf("/proc/%d/task", pid);
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    const char *tid;
    while (dir != NULL && (tid = g_dir_read_name(dir)) != NULL) {
        g_autofree char *path = g_strdup_printf("%s/%s/stat", dir_path, tid);
        g_autofree char *text = NULL;
        if (!g_file_get_contents(path, &text, NULL, NULL))
            continue;
        const char *open = strchr(text, '('), *close = strrchr(text, ')');
        if (open == NULL || close == NULL || close < open)
            continue;
        g_autofree char *name = g_strndup(open + 1, (gsize)(close - open - 1));
        g_auto(GStrv) f = g_strsplit(close + 2, " ", 16);
        if (g_strv_length(f) < 14)
            continue;
        gint64 t = g_ascii_strtoll(f[11], NULL, 10) + g_ascii_strtoll(f[12], NULL, 10);
        gpointer old = g_hash_table_lookup(out, name);
        g_hash_table_insert(out, g_strdup(name), GSIZE_TO_POINTER(GPOINTER_TO_SIZE(old) + t));
    }
    return out;
}

static gint64
proc_rss_kb(int pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", pid);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return -1;
    const char *p = strstr(text, "VmRSS:");
    return p ? g_ascii_strtoll(p + 6, NULL, 10) : -1;
}

static gint64
metrics_packets_out(const Options *o)
{
    guint status = 0;
    g_autofree char *body = NULL;
    if (!load_http(o->host, (guint16)o->port, "GET", "/metrics", NULL, NULL, NULL, &status, NULL,
                   &body, NULL) ||
        status != 200)
        return -1;
    const char *p = strstr(body, "\nclassrelay_media_packets_out_total ");
    return p ? g_ascii_strtoll(p + 36, NULL, 10) : -1;
}

static void
sample(const Options *o, Sample *s)
{
    s->packets_out = metrics_packets_out(o);
    clockid_t clk;
    struct timespec ts;
    s->cpu_ns = -1;
    if (clock_getcpuclockid(o->server_pid, &clk) == 0 && clock_gettime(clk, &ts) == 0)
        s->cpu_ns = (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
    s->ticks = proc_ticks(o->server_pid, &s->stime_ticks);
    s->threads = thread_ticks(o->server_pid);
    machine_ticks(&s->machine_busy, &s->machine_total);
    g_autofree char *snmp = g_strdup_printf("/proc/%d/net/snmp", o->server_pid);
    udp_drops(snmp, &s->srv_rcvbuf, &s->srv_sndbuf);
    udp_drops("/proc/self/net/snmp", &s->gen_rcvbuf, &s->gen_sndbuf);
    s->rss_kb = proc_rss_kb(o->server_pid);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    s->self_cpu_us = (gint64)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
                     ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
    s->wall_us = g_get_monotonic_time();
}

/* ---- signaling ---- */

static gboolean
negotiate(const Options *o, LoadPeer *p, const char *kind, const char *token, GError **error)
{
    g_autofree char *path = g_strdup_printf("/%s/%" G_GINT64_FORMAT, kind, o->session);
    guint status = 0;
    g_autofree char *answer = NULL;
    p->post_us = g_get_monotonic_time();
    if (!load_http(o->host, (guint16)o->port, "POST", path, token, "application/sdp", p->offer,
                   &status, NULL, &answer, error))
        return FALSE;
    p->answer_us = g_get_monotonic_time();
    if (status != 201) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "POST %s: HTTP %u: %s", path, status,
                    answer);
        return FALSE;
    }
    if (!load_answer_parse(answer, &p->answer, error))
        return FALSE;
    load_peer_start(p);
    return TRUE;
}

static GPtrArray *
read_tokens(const char *path, GError **error)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, error))
        return NULL;
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l != NULL; l++)
        if (*g_strstrip(*l) != '\0')
            g_ptr_array_add(out, g_strdup(*l));
    return out;
}

/* ---- statistics ---- */

static int
cmp_i64(const void *a, const void *b)
{
    gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
    return (x > y) - (x < y);
}

static gdouble
percentile_i64(gint64 *v, guint n, gdouble q)
{
    if (n == 0)
        return -1;
    qsort(v, n, sizeof *v, cmp_i64);
    guint i = (guint)(q * (n - 1) + 0.5);
    return (gdouble)v[MIN(i, n - 1)];
}

/* The @q quantile of the merged histograms, in ms (bin midpoints). */
static gdouble
hist_quantile(guint64 *h, guint64 total, gdouble q)
{
    if (total == 0)
        return -1;
    guint64 want = (guint64)(q * (gdouble)(total - 1)) + 1, acc = 0;
    for (guint i = 0; i < LOAD_HIST_BINS; i++) {
        acc += h[i];
        if (acc >= want)
            return (i + 0.5) * LOAD_HIST_BIN_US / 1000.0;
    }
    return LOAD_HIST_BINS * LOAD_HIST_BIN_US / 1000.0;
}

static gboolean
wait_until(gdouble seconds, gboolean (*done)(gpointer), gpointer data)
{
    gint64 end = g_get_monotonic_time() + (gint64)(seconds * 1e6);
    while (g_get_monotonic_time() < end) {
        if (done != NULL && done(data))
            return TRUE;
        g_usleep(20000);
    }
    return done != NULL && done(data);
}

static gboolean
publisher_up(gpointer data)
{
    LoadPeer *p = data;
    return g_atomic_int_get(&p->connected) || g_atomic_int_get(&p->failed);
}

static gboolean
all_keyed(gpointer data)
{
    GPtrArray *subs = data;
    for (guint i = 0; i < subs->len; i++) {
        LoadPeer *p = g_ptr_array_index(subs, i);
        if (!g_atomic_int_get(&p->got_key) && !g_atomic_int_get(&p->failed))
            return FALSE;
    }
    return TRUE;
}

static void
report(const Options *o, LoadPeer *pub, GPtrArray *subs, LoadWorker **workers, guint n_workers,
       const Sample *base, const Sample *a, const Sample *b, gdouble connect_s)
{
    guint64 delivered = 0, expected = 0, failed = 0, keyed = 0, undecryptable = 0, silent = 0;
    gint64 *first_key = g_new0(gint64, subs->len + 1);
    gint64 *answered = g_new0(gint64, subs->len + 1);
    gint64 *keyed_srtp = g_new0(gint64, subs->len + 1);
    guint n_key = 0, n_answered = 0, n_srtp = 0;
    g_autoptr(GString) reasons = g_string_new(NULL);
    for (guint i = 0; i < subs->len; i++) {
        LoadPeer *p = g_ptr_array_index(subs, i);
        if (p->failed) {
            failed++;
            if (reasons->len < 400)
                g_string_append_printf(reasons, "%s%u: %s", reasons->len ? "; " : "", p->index,
                                       p->fail_reason);
        }
        undecryptable += p->undecryptable;
        /* Received nothing in the last second of the window. */
        if (!p->failed && b->wall_us - p->last_rtp_us > 1000000)
            silent++;
        if (p->answer_us != 0)
            answered[n_answered++] = p->answer_us - p->post_us;
        if (p->dtls_done_us != 0)
            keyed_srtp[n_srtp++] = p->dtls_done_us - p->post_us;
        if (p->first_key_us != 0) {
            keyed++;
            first_key[n_key++] = p->first_key_us - p->post_us;
        }
        LoadStream *streams[] = {&p->video, &p->audio};
        for (int k = 0; k < 2; k++) {
            LoadStream *s = streams[k];
            delivered += s->win_received;
            if (s->win_seen)
                expected += s->win_max_ext - s->win_first_ext + 1;
        }
    }
    guint64 *hist = g_new0(guint64, LOAD_HIST_BINS);
    guint64 lat_n = 0;
    for (guint w = 0; w < n_workers; w++)
        for (guint i = 0; i < LOAD_HIST_BINS; i++) {
            hist[i] += workers[w]->latency_hist[i];
            lat_n += workers[w]->latency_hist[i];
        }
    gdouble window = (b->wall_us - a->wall_us) / 1e6;
    gdouble cpu_s = b->cpu_ns >= 0 && a->cpu_ns >= 0 ? (b->cpu_ns - a->cpu_ns) / 1e9 : -1;
    gdouble tick_s = (gdouble)(b->ticks - a->ticks) / (gdouble)sysconf(_SC_CLK_TCK);
    if (cpu_s < 0)
        cpu_s = tick_s;
    guint64 published = pub->win_video_packets + pub->win_audio_packets;
    guint64 live = subs->len - failed;
    gdouble cpu_per_pkt = delivered ? cpu_s * 1e6 / (gdouble)delivered : -1;
    gdouble loss =
        expected ? 100.0 * (gdouble)(expected - MIN(delivered, expected)) / expected : -1;
    gdouble delivery = published && live ? 100.0 * delivered / ((gdouble)published * live) : -1;
    gint64 relay_out =
        a->packets_out >= 0 && b->packets_out >= 0 ? b->packets_out - a->packets_out : -1;
    gdouble rss_per = subs->len ? (gdouble)(b->rss_kb - base->rss_kb) / subs->len : -1;
    gdouble fk50 = percentile_i64(first_key, n_key, 0.5) / 1000.0;
    gdouble fk99 = percentile_i64(first_key, n_key, 0.99) / 1000.0;
    gdouble gen_cpu = 100.0 * (b->self_cpu_us - a->self_cpu_us) / (window * 1e6);
    GString *j = g_string_new("{");
#define JNUM(key, fmt, v) g_string_append_printf(j, "\"%s\": " fmt ", ", key, v)
    JNUM("subscribers", "%d", o->subscribers);
    JNUM("failed", "%" G_GUINT64_FORMAT, failed);
    JNUM("keyed", "%" G_GUINT64_FORMAT, keyed);
    JNUM("silent", "%" G_GUINT64_FORMAT, silent);
    JNUM("connect_s", "%.2f", connect_s);
    JNUM("window_s", "%.2f", window);
    JNUM("server_cpu_s", "%.4f", cpu_s);
    JNUM("server_cpu_ticks_s", "%.2f", tick_s);
    JNUM("server_cpu_pct", "%.1f", 100.0 * cpu_s / window);
    JNUM("server_kernel_share_pct", "%.1f",
         b->ticks > a->ticks
             ? 100.0 * (gdouble)(b->stime_ticks - a->stime_ticks) / (gdouble)(b->ticks - a->ticks)
             : -1.0);
    JNUM("delivered", "%" G_GUINT64_FORMAT, delivered);
    JNUM("published", "%" G_GUINT64_FORMAT, published);
    JNUM("relay_packets_out", "%" G_GINT64_FORMAT, relay_out);
    JNUM("cpu_us_per_packet", "%.3f", cpu_per_pkt);
    JNUM("loss_pct", "%.4f", loss);
    JNUM("delivery_pct", "%.3f", delivery);
    JNUM("latency_p50_ms", "%.3f", hist_quantile(hist, lat_n, 0.5));
    JNUM("latency_p99_ms", "%.3f", hist_quantile(hist, lat_n, 0.99));
    JNUM("latency_samples", "%" G_GUINT64_FORMAT, lat_n);
    JNUM("first_key_p50_ms", "%.1f", fk50);
    JNUM("first_key_p99_ms", "%.1f", fk99);
    JNUM("answer_p50_ms", "%.1f", percentile_i64(answered, n_answered, 0.5) / 1000.0);
    JNUM("answer_p99_ms", "%.1f", percentile_i64(answered, n_answered, 0.99) / 1000.0);
    JNUM("srtp_p50_ms", "%.1f", percentile_i64(keyed_srtp, n_srtp, 0.5) / 1000.0);
    JNUM("srtp_p99_ms", "%.1f", percentile_i64(keyed_srtp, n_srtp, 0.99) / 1000.0);
    JNUM("rss_base_kb", "%" G_GINT64_FORMAT, base->rss_kb);
    JNUM("rss_kb", "%" G_GINT64_FORMAT, b->rss_kb);
    JNUM("rss_per_sub_kb", "%.1f", rss_per);
    JNUM("generator_cpu_pct", "%.1f", gen_cpu);
    /* Percent of one core, like the server's and ours. */
    gdouble machine = b->machine_total > a->machine_total
                          ? 100.0 * (gdouble)(b->machine_busy - a->machine_busy) /
                                (gdouble)(b->machine_total - a->machine_total) *
                                (gdouble)sysconf(_SC_NPROCESSORS_ONLN)
                          : -1;
    JNUM("machine_cpu_pct", "%.1f", machine);
    JNUM("others_cpu_pct", "%.1f", machine - 100.0 * cpu_s / window - gen_cpu);
    JNUM("server_udp_rcvbuf_drops", "%" G_GINT64_FORMAT, b->srv_rcvbuf - a->srv_rcvbuf);
    JNUM("server_udp_sndbuf_drops", "%" G_GINT64_FORMAT, b->srv_sndbuf - a->srv_sndbuf);
    JNUM("load_udp_rcvbuf_drops", "%" G_GINT64_FORMAT, b->gen_rcvbuf - a->gen_rcvbuf);
    JNUM("load_udp_sndbuf_drops", "%" G_GINT64_FORMAT, b->gen_sndbuf - a->gen_sndbuf);
    JNUM("plis", "%" G_GUINT64_FORMAT, pub->plis);
    JNUM("firs", "%" G_GUINT64_FORMAT, pub->firs);
    JNUM("nacks", "%" G_GUINT64_FORMAT, pub->nacks);
    JNUM("keyframes", "%" G_GUINT64_FORMAT, pub->keyframes);
    JNUM("undecryptable", "%" G_GUINT64_FORMAT, undecryptable);
    JNUM("send_errors", "%" G_GUINT64_FORMAT, pub->send_errors);
    gint64 gap = 0;
    for (guint w = 0; w < n_workers; w++)
        gap = MAX(gap, workers[w]->max_tick_gap_us);
    JNUM("load_max_stall_ms", "%.1f", gap / 1000.0);
#undef JNUM
    /* Each server thread's share of one core over the window, by name. */
    g_string_append(j, "\"server_threads_pct\": {");
    GHashTableIter it;
    gpointer name, end_ticks;
    gboolean first = TRUE;
    g_hash_table_iter_init(&it, b->threads);
    while (g_hash_table_iter_next(&it, &name, &end_ticks)) {
        gint64 d = (gint64)GPOINTER_TO_SIZE(end_ticks) -
                   (gint64)GPOINTER_TO_SIZE(g_hash_table_lookup(a->threads, name));
        g_string_append_printf(j, "%s\"%s\": %.1f", first ? "" : ", ", (char *)name,
                               100.0 * (gdouble)d / (gdouble)sysconf(_SC_CLK_TCK) / window);
        first = FALSE;
    }
    g_string_append(j, "}}\n");
    fputs(j->str, stdout);
    g_string_free(j, TRUE);
    fflush(stdout);
    fprintf(stderr,
            "relay_load: N=%d failed=%" G_GUINT64_FORMAT " silent=%" G_GUINT64_FORMAT
            " server %.2f µs/pkt (%.0f%% CPU), "
            "loss %.3f%%, delivery %.2f%%, latency p50 %.2f ms p99 %.2f ms, first key p50 %.0f "
            "ms p99 %.0f ms, RSS/sub %.1f KiB, generator %.0f%% CPU%s%s\n",
            o->subscribers, failed, silent, cpu_per_pkt, 100.0 * cpu_s / window, loss, delivery,
            hist_quantile(hist, lat_n, 0.5), hist_quantile(hist, lat_n, 0.99), fk50, fk99, rss_per,
            gen_cpu, reasons->len ? "; failures: " : "", reasons->str);
    g_free(hist);
    g_free(first_key);
    g_free(answered);
    g_free(keyed_srtp);
}

/* ---- main ---- */

static gboolean
parse_options(int argc, char **argv, Options *o, GError **error)
{
    *o = (Options){.host = NULL,
                   .port = 0,
                   .subscribers = 50,
                   .threads = 2,
                   .warmup = 5,
                   .duration = 15,
                   .connect_timeout = 60,
                   .video_kbps = 1500,
                   .fps = 30,
                   .packet_bytes = 1100,
                   .keyframe_seconds = 2,
                   .audio_pps = 50};
    gint64 session = 0;
    GOptionEntry entries[] = {
        {"host", 0, 0, G_OPTION_ARG_STRING, &o->host, "Server address", "ADDR"},
        {"port", 0, 0, G_OPTION_ARG_INT, &o->port, "Server HTTP port", "PORT"},
        {"session", 0, 0, G_OPTION_ARG_INT64, &session, "Session id", "ID"},
        {"publisher-token", 0, 0, G_OPTION_ARG_STRING, &o->publisher_token,
         "Instructor token for WHIP", "JWT"},
        {"tokens", 0, 0, G_OPTION_ARG_FILENAME, &o->tokens_file,
         "File of trainee tokens, one a line (one per subscriber)", "FILE"},
        {"subscribers", 'n', 0, G_OPTION_ARG_INT, &o->subscribers, "WHEP subscribers", "N"},
        {"threads", 0, 0, G_OPTION_ARG_INT, &o->threads, "Subscriber threads (default 2)", "T"},
        {"local-address", 0, 0, G_OPTION_ARG_STRING, &o->local_address,
         "Local address for ICE (default 127.0.0.1)", "ADDR"},
        {"server-pid", 0, 0, G_OPTION_ARG_INT, &o->server_pid, "The server's pid", "PID"},
        {"warmup", 0, 0, G_OPTION_ARG_DOUBLE, &o->warmup,
         "Seconds after every subscriber has a key frame (default 5)", "S"},
        {"duration", 0, 0, G_OPTION_ARG_DOUBLE, &o->duration, "Measured window (default 15)", "S"},
        {"connect-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &o->connect_timeout,
         "Seconds for all subscribers to get a key frame (default 60)", "S"},
        {"video-kbps", 0, 0, G_OPTION_ARG_INT, &o->video_kbps, "Video bitrate (1500)", "K"},
        {"fps", 0, 0, G_OPTION_ARG_INT, &o->fps, "Frames per second (30)", "F"},
        {"packet-bytes", 0, 0, G_OPTION_ARG_INT, &o->packet_bytes, "Max video payload (1100)", "B"},
        {"keyframe-seconds", 0, 0, G_OPTION_ARG_INT, &o->keyframe_seconds, "Key frame interval (2)",
         "S"},
        {"audio-pps", 0, 0, G_OPTION_ARG_INT, &o->audio_pps, "Audio packets/s (50)", "P"},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- media load on a classrelay server");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, error))
        return FALSE;
    o->session = session;
    if (o->host == NULL || o->port <= 0 || o->port > 65535 || session <= 0 ||
        o->publisher_token == NULL || o->tokens_file == NULL || o->server_pid <= 0 ||
        o->subscribers < 0 || o->threads < 1 || o->fps < 1 || o->audio_pps < 1 ||
        o->packet_bytes < LOAD_MIN_PAYLOAD || o->packet_bytes > 1200 || o->video_kbps < 1 ||
        o->keyframe_seconds < 1) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--host, --port, --session, --publisher-token, --tokens and --server-pid "
                    "are required; sizes must be positive (packet-bytes %d..1200)",
                    LOAD_MIN_PAYLOAD);
        return FALSE;
    }
    if (o->local_address == NULL)
        o->local_address = g_strdup("127.0.0.1");
    return TRUE;
}

int
main(int argc, char **argv)
{
    Options o;
    g_autoptr(GError) error = NULL;
    if (!parse_options(argc, argv, &o, &error)) {
        fprintf(stderr, "relay_load: %s\n", error->message);
        return 2;
    }
    g_autoptr(GPtrArray) tokens = read_tokens(o.tokens_file, &error);
    if (tokens == NULL || tokens->len < (guint)o.subscribers) {
        fprintf(stderr, "relay_load: need %d tokens in %s: %s\n", o.subscribers, o.tokens_file,
                error ? error->message : "too few lines");
        return 2;
    }
    load_publisher_configure((guint)o.video_kbps, (guint)o.fps, (guint)o.packet_bytes,
                             (guint)o.keyframe_seconds, (guint)o.audio_pps);
    g_autoptr(CrCert) cert = cr_cert_generate(&error);
    g_autoptr(CrDtlsContext) dctx = cert ? cr_dtls_context_new(cert, NULL, &error) : NULL;
    if (dctx == NULL || !cr_srtp_global_init()) {
        fprintf(stderr, "relay_load: DTLS set-up: %s\n", error ? error->message : "libsrtp");
        return 1;
    }
    guint8 fp[CR_CERT_FINGERPRINT_LEN];
    cr_cert_fingerprint_sha256(cert, fp);
    g_autofree char *fp_text = cr_cert_fingerprint_format(fp);

    /* The publisher has a thread of its own so that its pacing does not
     * wait behind subscribers' packets. */
    guint n_workers = (guint)o.threads + 1;
    LoadWorker **workers = g_new0(LoadWorker *, n_workers);
    for (guint i = 0; i < n_workers; i++) {
        g_autofree char *name = g_strdup_printf(i == 0 ? "load-pub" : "load-sub%u", i);
        workers[i] = load_worker_new(name);
    }
    int rc = 1;
    GPtrArray *subs = g_ptr_array_new();
    LoadPeer *pub =
        load_peer_new(workers[0], LOAD_PUBLISHER, 0, dctx, fp_text, o.local_address, &error);
    if (pub == NULL || !negotiate(&o, pub, "whip", o.publisher_token, &error)) {
        fprintf(stderr, "relay_load: publisher: %s\n", error->message);
        goto out;
    }
    if (!wait_until(10, publisher_up, pub) || g_atomic_int_get(&pub->failed)) {
        fprintf(stderr, "relay_load: publisher did not connect: %s\n",
                pub->fail_reason ? pub->fail_reason : "timeout");
        goto out;
    }
    /* Let the publisher's stream settle, then the memory baseline. */
    wait_until(2, NULL, NULL);
    Sample base, a, b;
    sample(&o, &base);
    gint64 t0 = g_get_monotonic_time();
    for (gint i = 0; i < o.subscribers; i++) {
        /* Pairs of subscribers per thread: the relay deals peers to its
         * workers round robin, so i % threads would put all of one relay
         * worker's subscribers on one of our threads, and a stall on
         * either side would look the same. */
        LoadPeer *p = load_peer_new(workers[1 + (i / 2) % o.threads], LOAD_SUBSCRIBER, (guint)i,
                                    dctx, fp_text, o.local_address, &error);
        if (p == NULL) {
            fprintf(stderr, "relay_load: subscriber %d: %s\n", i, error->message);
            goto out;
        }
        g_ptr_array_add(subs, p);
        /* A refused or unanswered WHEP request is a result (a failed
         * subscriber), not the end of the run. */
        if (!negotiate(&o, p, "whep", g_ptr_array_index(tokens, i), &error)) {
            fprintf(stderr, "relay_load: subscriber %d: %s\n", i, error->message);
            p->fail_reason = g_strdup_printf("WHEP: %s", error->message);
            g_atomic_int_set(&p->failed, 1);
            g_clear_error(&error);
        }
    }
    if (!wait_until(o.connect_timeout, all_keyed, subs))
        fprintf(stderr, "relay_load: not every subscriber had a key frame within %.0f s\n",
                o.connect_timeout);
    gdouble connect_s = (g_get_monotonic_time() - t0) / 1e6;
    wait_until(o.warmup, NULL, NULL);
    sample(&o, &a);
    g_atomic_int_set(&load_phase, LOAD_PHASE_WINDOW);
    wait_until(o.duration, NULL, NULL);
    g_atomic_int_set(&load_phase, LOAD_PHASE_DONE);
    sample(&o, &b);
    /* The packets in flight at the window's end arrive, uncounted. */
    wait_until(0.2, NULL, NULL);
    for (guint i = 0; i < n_workers; i++)
        load_worker_stop(workers[i]);
    report(&o, pub, subs, workers, n_workers, &base, &a, &b, connect_s);
    rc = 0;
    g_hash_table_unref(base.threads);
    g_hash_table_unref(a.threads);
    g_hash_table_unref(b.threads);
    for (guint i = 0; i < subs->len; i++)
        load_peer_free(g_ptr_array_index(subs, i));
    load_peer_free(pub);
    g_ptr_array_unref(subs);
    return rc;
out:
    /* A failed run: the driver kills the server; exit without tidying. */
    _exit(rc);
}
