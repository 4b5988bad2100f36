/* json.c — see json.h. */
#include "common/json.h"

#include "common/time.h"

char *
cr_json_to_string(const json_t *json)
{
    /* 15 significant digits: what a double holds exactly, so 16.4 stays
     * "16.4" rather than jansson's default 17 ("16.399999999999999"). */
    char *text = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
    /* json_dumps allocates with malloc; hand back GLib memory so that every
     * caller frees with g_free. */
    char *copy = g_strdup(text != NULL ? text : "null");
    free(text);
    return copy;
}

json_t *
cr_json_time(gint64 unix_seconds)
{
    if (unix_seconds == 0)
        return json_null();
    g_autofree char *text = cr_time_format(unix_seconds);
    return json_string(text);
}

json_t *
cr_json_string_or_null(const char *text)
{
    return text != NULL ? json_string(text) : json_null();
}
