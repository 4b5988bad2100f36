/* ratelimit.h — a token bucket with injected time.
 *
 * Plain value type, owned by whoever embeds it; not thread-safe. Time is
 * passed in (monotonic microseconds) so tests need no clock.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    double tokens;
    double rate;  /* tokens added per second */
    double burst; /* bucket size */
    gint64 last_us;
} CrRateLimit;

/* A full bucket of @burst tokens refilled at @rate per second. */
void cr_ratelimit_init(CrRateLimit *rl, double rate, double burst, gint64 now_us);

/* Takes one token if there is one: TRUE means allowed. */
gboolean cr_ratelimit_take(CrRateLimit *rl, gint64 now_us);

G_END_DECLS
