/* worker.c — a media worker: one thread, one GMainContext, a mailbox.
 *
 * Every peer lives on one worker. Other threads reach a worker only
 * through its mailbox: control messages (closures) and forwarded packets
 * (one reference per packet per worker). The mailbox is a GAsyncQueue
 * watched by a custom GSource; a push wakes the context. The worker's
 * subscriber lists and retransmission caches are touched only here, so
 * the per-packet path takes no lock.
 */
#include "relay/relay-private.h"

typedef struct {
    CrWorkerFunc fn; /* NULL: a packet to forward */
    gpointer data;
    GDestroyNotify free;
} Mail;

/* Forwarded packets a worker may have waiting. Past it the worker is
 * overloaded (more subscribers than its core can serve): new packets are
 * dropped and counted rather than queued, so latency stays bounded and the
 * worker keeps time for its sockets and timers (ICE checks, consent, DTLS).
 * About 0.7 s of a worker forwarding one 1.5 Mbit/s class to 100
 * subscribers (24,000 packets/s, bench/relay_bench.py): room for a
 * scheduling hiccup on a shared machine, not for a standing backlog. */
#define CR_WORKER_MAX_QUEUED 16384

struct _CrWorker {
    CrRelay *relay;
    gint queued_packets; /* atomic: forwarded packets in the mailbox */
    guint index;
    GThread *thread;
    GMainContext *context;
    GMainLoop *loop;
    GAsyncQueue *mailbox; /* Mail * */
    GSource *mail_source;
    GHashTable *subscribers; /* session (gint64 *) -> GPtrArray of CrPeer * */
    GHashTable *caches;      /* (source << 3 | slot) -> CrNackCache * */
};

typedef struct {
    GSource base;
    CrWorker *worker;
} MailSource;

static gboolean
mail_prepare(GSource *source, gint *timeout)
{
    *timeout = -1;
    return g_async_queue_length(((MailSource *)source)->worker->mailbox) > 0;
}

static gboolean
mail_check(GSource *source)
{
    return g_async_queue_length(((MailSource *)source)->worker->mailbox) > 0;
}

static void
deliver_packet(CrWorker *worker, CrPacket *packet)
{
    GPtrArray *subs = cr_worker_subscribers(worker, packet->session, FALSE);
    if (subs != NULL && subs->len > 0) {
        CrNackCache *cache = cr_worker_cache(worker, packet->source, packet->slot, TRUE);
        cr_nack_cache_put(cache, packet->seq, cr_packet_ref(packet), packet->arrival_us);
        for (guint i = 0; i < subs->len; i++)
            cr_peer_forward(g_ptr_array_index(subs, i), packet);
    }
    cr_packet_unref(packet);
}

static gboolean
mail_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
    CrWorker *worker = ((MailSource *)source)->worker;
    /* Bounded per dispatch so timers and sockets get their turn. */
    for (int i = 0; i < 256; i++) {
        Mail *mail = g_async_queue_try_pop(worker->mailbox);
        if (mail == NULL)
            break;
        if (mail->fn == NULL) {
            g_atomic_int_add(&worker->queued_packets, -1);
            deliver_packet(worker, mail->data);
        } else {
            mail->fn(worker, mail->data);
            if (mail->free != NULL)
                mail->free(mail->data);
        }
        g_slice_free(Mail, mail);
    }
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs mail_funcs = {mail_prepare, mail_check, mail_dispatch, NULL, NULL, NULL};

static gpointer
worker_thread(gpointer data)
{
    CrWorker *worker = data;
    g_main_context_push_thread_default(worker->context);
    g_main_loop_run(worker->loop);
    g_main_context_pop_thread_default(worker->context);
    return NULL;
}

static void
subscribers_free(gpointer data)
{
    g_ptr_array_unref(data);
}

static void
cache_free(gpointer data)
{
    cr_nack_cache_destroy(data);
    g_free(data);
}

CrWorker *
cr_worker_new(CrRelay *relay, guint index)
{
    CrWorker *worker = g_new0(CrWorker, 1);
    worker->relay = relay;
    worker->index = index;
    worker->context = g_main_context_new();
    worker->loop = g_main_loop_new(worker->context, FALSE);
    worker->mailbox = g_async_queue_new();
    worker->subscribers = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                                subscribers_free);
    worker->caches = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, cache_free);
    worker->mail_source = g_source_new(&mail_funcs, sizeof(MailSource));
    ((MailSource *)worker->mail_source)->worker = worker;
    /* The sockets' priority: an iteration dispatches every ready source of
     * the highest ready priority, so with a higher one a busy mailbox
     * would starve libnice (no ICE checks or consent replies: every peer
     * of the worker lost at once under load). */
    g_source_set_priority(worker->mail_source, G_PRIORITY_DEFAULT);
    g_source_attach(worker->mail_source, worker->context);
    g_autofree char *name = g_strdup_printf("cr-media-%u", index);
    worker->thread = g_thread_new(name, worker_thread, worker);
    return worker;
}

static void
quit(CrWorker *worker, gpointer data)
{
    g_main_loop_quit(worker->loop);
}

void
cr_worker_free(CrWorker *worker)
{
    if (worker == NULL)
        return;
    cr_worker_post(worker, quit, NULL, NULL);
    g_thread_join(worker->thread);
    Mail *mail;
    while ((mail = g_async_queue_try_pop(worker->mailbox)) != NULL) {
        if (mail->fn == NULL)
            cr_packet_unref(mail->data);
        else if (mail->free != NULL)
            mail->free(mail->data);
        g_slice_free(Mail, mail);
    }
    g_source_destroy(worker->mail_source);
    g_source_unref(worker->mail_source);
    g_hash_table_destroy(worker->subscribers);
    g_hash_table_destroy(worker->caches);
    g_async_queue_unref(worker->mailbox);
    g_main_loop_unref(worker->loop);
    g_main_context_unref(worker->context);
    g_free(worker);
}

GMainContext *
cr_worker_context(CrWorker *worker)
{
    return worker->context;
}

guint
cr_worker_index(const CrWorker *worker)
{
    return worker->index;
}

static void
push(CrWorker *worker, Mail *mail)
{
    g_async_queue_push(worker->mailbox, mail);
    g_main_context_wakeup(worker->context);
}

void
cr_worker_post(CrWorker *worker, CrWorkerFunc fn, gpointer data, GDestroyNotify free)
{
    Mail *mail = g_slice_new(Mail);
    mail->fn = fn;
    mail->data = data;
    mail->free = free;
    push(worker, mail);
}

void
cr_worker_forward(CrWorker *worker, CrPacket *packet)
{
    if (g_atomic_int_get(&worker->queued_packets) >= CR_WORKER_MAX_QUEUED) {
        g_atomic_pointer_add(&worker->relay->overload_dropped, 1);
        cr_packet_unref(packet);
        return;
    }
    g_atomic_int_inc(&worker->queued_packets);
    Mail *mail = g_slice_new(Mail);
    mail->fn = NULL;
    mail->data = packet;
    mail->free = NULL;
    push(worker, mail);
}

GPtrArray *
cr_worker_subscribers(CrWorker *worker, gint64 session, gboolean create)
{
    GPtrArray *subs = g_hash_table_lookup(worker->subscribers, &session);
    if (subs == NULL && create) {
        subs = g_ptr_array_new();
        g_hash_table_insert(worker->subscribers, g_memdup2(&session, sizeof session), subs);
    }
    return subs;
}

CrNackCache *
cr_worker_cache(CrWorker *worker, guint64 source, CrSlot slot, gboolean create)
{
    gint64 key = (gint64)(source << 3 | (guint64)slot);
    CrNackCache *cache = g_hash_table_lookup(worker->caches, &key);
    if (cache == NULL && create) {
        /* About one second of video at 2 Mbps (~200 packets/s), with room. */
        cache = g_new0(CrNackCache, 1);
        cr_nack_cache_init(cache, 1024, G_USEC_PER_SEC, cr_packet_unref);
        g_hash_table_insert(worker->caches, g_memdup2(&key, sizeof key), cache);
    }
    return cache;
}

void
cr_worker_drop_caches(CrWorker *worker, guint64 source)
{
    for (int slot = 0; slot < CR_N_SLOTS; slot++) {
        gint64 key = (gint64)(source << 3 | (guint64)slot);
        g_hash_table_remove(worker->caches, &key);
    }
}

/* ---- packets ---- */

CrPacket *
cr_packet_new(const guint8 *data, gsize len)
{
    CrPacket *packet = g_malloc(sizeof *packet + len);
    memset(packet, 0, sizeof *packet);
    packet->refs = 1;
    packet->len = len;
    memcpy(packet->data, data, len);
    return packet;
}

CrPacket *
cr_packet_ref(CrPacket *packet)
{
    g_atomic_int_inc(&packet->refs);
    return packet;
}

void
cr_packet_unref(gpointer data)
{
    CrPacket *packet = data;
    if (packet != NULL && g_atomic_int_dec_and_test(&packet->refs))
        g_free(packet);
}
