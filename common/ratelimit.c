/* ratelimit.c — see ratelimit.h. */
#include "common/ratelimit.h"

void
cr_ratelimit_init(CrRateLimit *rl, double rate, double burst, gint64 now_us)
{
    rl->rate = rate;
    rl->burst = burst < 1 ? 1 : burst;
    rl->tokens = rl->burst;
    rl->last_us = now_us;
}

gboolean
cr_ratelimit_take(CrRateLimit *rl, gint64 now_us)
{
    if (now_us > rl->last_us) {
        rl->tokens += (double)(now_us - rl->last_us) / G_USEC_PER_SEC * rl->rate;
        if (rl->tokens > rl->burst)
            rl->tokens = rl->burst;
        rl->last_us = now_us;
    }
    if (rl->tokens < 1.0)
        return FALSE;
    rl->tokens -= 1.0;
    return TRUE;
}
