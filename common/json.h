/* json.h — small helpers around jansson.
 *
 * jansson is the project's JSON library (docs/architecture.md says why).
 * Any thread; json_t values are owned by one thread at a time.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

static inline void
cr_json_unref(json_t *json)
{
    json_decref(json);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_t, cr_json_unref)

/* Compact UTF-8 text of @json (never NULL for a valid value); g_free it. */
char *cr_json_to_string(const json_t *json);

/* An RFC 3339 string value for @unix_seconds, or JSON null when
 * @unix_seconds is 0 (our "not set"). */
json_t *cr_json_time(gint64 unix_seconds);

/* A string value, or JSON null for NULL. */
json_t *cr_json_string_or_null(const char *text);

G_END_DECLS
