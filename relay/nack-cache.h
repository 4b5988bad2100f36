/* nack-cache.h — the recent packets of one source stream, by sequence
 * number, kept for retransmission when a subscriber NACKs (RFC 4585
 * §6.2.1; the subscriber's numbers are mapped back with
 * cr_rewriter_unmap_seq first).
 *
 * Owned by one media worker; pure, time injected (monotonic µs). The ring
 * is allocated once by cr_nack_cache_init; put and get never allocate.
 * Generic over the packet type: the cache holds one reference per stored
 * packet and drops it with the unref function given at init.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CR_NACK_CACHE_DEFAULT_CAPACITY   1024
#define CR_NACK_CACHE_DEFAULT_MAX_AGE_US G_USEC_PER_SEC

typedef struct {
    gpointer pkt; /* NULL when empty */
    gint64 arrival_us;
    guint16 seq;
} CrNackSlot;

typedef struct {
    CrNackSlot *slots; /* indexed by seq modulo capacity */
    guint capacity;    /* a power of two, at most 65536; 0 after a bad init */
    gint64 max_age_us;
    GDestroyNotify unref; /* NULL when the cache owns nothing */
} CrNackCache;

/* Allocates the ring: @capacity (a power of two, 1..65536: it divides the
 * sequence space, so a seq keeps its slot across the wrap) entries whose
 * packets are returned for @max_age_us after their arrival. Any other
 * @capacity is a critical and leaves a cache that stores nothing (each
 * put releases its packet at once). */
void cr_nack_cache_init(CrNackCache *c, guint capacity, gint64 max_age_us, GDestroyNotify unref);

/* Unrefs every packet held and frees the ring; @c may be initialized again. */
void cr_nack_cache_destroy(CrNackCache *c);

/* Stores @pkt, taking over one reference, as @seq arriving at @now_us.
 * The packet in @seq's slot is unref'd, also when it is the same seq (a
 * duplicate replaces the original). FALSE, and @pkt unref'd at once, when
 * the slot holds a newer packet that has not aged out: a packet more than
 * capacity late never evicts a recent one. */
gboolean cr_nack_cache_put(CrNackCache *c, guint16 seq, gpointer pkt, gint64 now_us);

/* The packet stored as @seq, borrowed (valid until the next put or
 * clear; take a reference to keep it). NULL when never stored, replaced
 * by another seq, or older than max_age_us at @now_us. */
gpointer cr_nack_cache_get(const CrNackCache *c, guint16 seq, gint64 now_us);

/* Unrefs every packet held; the ring stays allocated. For a source that
 * restarts its numbering (a new SSRC). */
void cr_nack_cache_clear(CrNackCache *c);

G_END_DECLS
