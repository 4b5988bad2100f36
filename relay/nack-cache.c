/* nack-cache.c — see nack-cache.h.
 *
 * Owned by one media worker; pure, time injected. Allocates only in
 * cr_nack_cache_init. RFC 4585 §6.2.1 (what a Generic NACK asks for).
 *
 * A seq lives in slot seq & (capacity - 1). Entries are never expired
 * eagerly: an old one is simply not returned, and is released when its
 * slot is reused or the cache is cleared, so memory stays bounded by the
 * capacity.
 */
#include "relay/nack-cache.h"

#include "relay/rtp.h"

#define MAX_CAPACITY 65536u

void
cr_nack_cache_init(CrNackCache *c, guint capacity, gint64 max_age_us, GDestroyNotify unref)
{
    g_return_if_fail(c != NULL);

    /* After a bad capacity the cache still releases what it is given. */
    *c = (CrNackCache){.max_age_us = max_age_us, .unref = unref};
    g_return_if_fail(capacity > 0 && capacity <= MAX_CAPACITY && (capacity & (capacity - 1)) == 0);
    c->slots = g_new0(CrNackSlot, capacity);
    c->capacity = capacity;
}

static void
release(const CrNackCache *c, gpointer pkt)
{
    if (pkt != NULL && c->unref != NULL)
        c->unref(pkt);
}

void
cr_nack_cache_clear(CrNackCache *c)
{
    g_return_if_fail(c != NULL);

    for (guint i = 0; i < c->capacity; i++) {
        gpointer pkt = c->slots[i].pkt;
        c->slots[i] = (CrNackSlot){0};
        release(c, pkt);
    }
}

void
cr_nack_cache_destroy(CrNackCache *c)
{
    g_return_if_fail(c != NULL);

    cr_nack_cache_clear(c);
    g_free(c->slots);
    *c = (CrNackCache){0};
}

static gboolean
is_live(const CrNackCache *c, const CrNackSlot *slot, gint64 now_us)
{
    return slot->pkt != NULL && now_us - slot->arrival_us <= c->max_age_us;
}

gboolean
cr_nack_cache_put(CrNackCache *c, guint16 seq, gpointer pkt, gint64 now_us)
{
    g_return_val_if_fail(c != NULL && pkt != NULL, FALSE);

    if (c->capacity == 0) {
        release(c, pkt);
        return FALSE;
    }
    CrNackSlot *slot = &c->slots[seq & (c->capacity - 1)];
    if (slot->seq != seq && is_live(c, slot, now_us) && cr_seq_newer(slot->seq, seq)) {
        release(c, pkt);
        return FALSE;
    }
    /* Store before releasing: the unref function may be anything. */
    gpointer old = slot->pkt;
    *slot = (CrNackSlot){.pkt = pkt, .arrival_us = now_us, .seq = seq};
    release(c, old);
    return TRUE;
}

gpointer
cr_nack_cache_get(const CrNackCache *c, guint16 seq, gint64 now_us)
{
    g_return_val_if_fail(c != NULL, NULL);

    if (c->capacity == 0)
        return NULL;
    const CrNackSlot *slot = &c->slots[seq & (c->capacity - 1)];
    if (slot->seq != seq || !is_live(c, slot, now_us))
        return NULL;
    return slot->pkt;
}
