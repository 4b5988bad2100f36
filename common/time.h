/* time.h — wall-clock time and RFC 3339 (UTC) text.
 *
 * Thread-safe, no state. All stored timestamps are Unix seconds (UTC);
 * the HTTP API and the WebSocket protocol speak RFC 3339 (RFC 3339 §5.6).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Seconds since the Unix epoch, UTC. */
gint64 cr_time_now(void);

/* Formats @unix_seconds as "YYYY-MM-DDTHH:MM:SSZ". Never fails for the
 * years 0001–9999; returns a newly allocated string. */
char *cr_time_format(gint64 unix_seconds);

/* Parses an RFC 3339 date-time ("2026-11-27T09:00:00Z",
 * "2026-11-27T17:00:00+08:00", optional fraction, which is truncated).
 * On error returns FALSE and leaves *out untouched. */
gboolean cr_time_parse(const char *text, gint64 *out);

/* Parses a duration such as "90", "90s", "45m", "3h", "2d" into seconds.
 * On error returns FALSE and leaves *out untouched. */
gboolean cr_duration_parse(const char *text, gint64 *out);

G_END_DECLS
