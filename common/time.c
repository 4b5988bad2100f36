/* time.c — see time.h. Any thread. */
#include "common/time.h"

#include <stdio.h>
#include <string.h>

gint64
cr_time_now(void)
{
    return g_get_real_time() / G_USEC_PER_SEC;
}

char *
cr_time_format(gint64 unix_seconds)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(unix_seconds);
    if (dt == NULL)
        return g_strdup("");
    /* Not g_date_time_format: its %Y does not pad years below 1000. */
    return g_strdup_printf("%04d-%02d-%02dT%02d:%02d:%02dZ", g_date_time_get_year(dt),
                           g_date_time_get_month(dt), g_date_time_get_day_of_month(dt),
                           g_date_time_get_hour(dt), g_date_time_get_minute(dt),
                           g_date_time_get_second(dt));
}

gboolean
cr_time_parse(const char *text, gint64 *out)
{
    if (text == NULL || strlen(text) < 20 || strlen(text) > 40)
        return FALSE;
    /* RFC 3339 requires the 'T' separator and an explicit offset; GDateTime
     * is laxer (it accepts a space, and no offset means local time), so
     * check the shape first: YYYY-MM-DDTHH:MM:SS. */
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        char c = text[i];
        if (shape[i] == 'd' ? !g_ascii_isdigit(c) : g_ascii_toupper(c) != shape[i])
            return FALSE;
    }
    /* time-second is 00-60 (60: a leap second); GDateTime takes 61 too. */
    if ((text[17] - '0') * 10 + (text[18] - '0') > 60)
        return FALSE;
    const char *tz = text + 19;
    if (*tz == '.') {
        tz++;
        if (!g_ascii_isdigit(*tz))
            return FALSE;
        while (g_ascii_isdigit(*tz))
            tz++;
    }
    /* time-numoffset is ("+" / "-") time-hour ":" time-minute: 00-23, 00-59. */
    if (!(g_ascii_toupper(*tz) == 'Z' && tz[1] == '\0') &&
        !((*tz == '+' || *tz == '-') && strlen(tz) == 6 && tz[3] == ':' &&
          g_ascii_isdigit(tz[1]) && g_ascii_isdigit(tz[2]) && g_ascii_isdigit(tz[4]) &&
          g_ascii_isdigit(tz[5]) && (tz[1] - '0') * 10 + (tz[2] - '0') <= 23 &&
          (tz[4] - '0') * 10 + (tz[5] - '0') <= 59))
        return FALSE;
    /* RFC 3339 §5.6 allows a lower-case 't' and 'z'; GDateTime does not. */
    g_autofree char *upper = g_ascii_strup(text, -1);
    g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(upper, NULL);
    if (dt == NULL)
        return FALSE;
    *out = g_date_time_to_unix(dt);
    return TRUE;
}

gboolean
cr_duration_parse(const char *text, gint64 *out)
{
    if (text == NULL || !g_ascii_isdigit(text[0]))
        return FALSE;
    char *end = NULL;
    guint64 n = g_ascii_strtoull(text, &end, 10);
    gint64 unit = 1;
    if (*end == 's')
        unit = 1;
    else if (*end == 'm')
        unit = 60;
    else if (*end == 'h')
        unit = 3600;
    else if (*end == 'd')
        unit = 86400;
    else if (*end != '\0')
        return FALSE;
    if (*end != '\0' && end[1] != '\0')
        return FALSE;
    if (n > (guint64)G_MAXINT64 / 86400 / 4)
        return FALSE;
    *out = (gint64)n * unit;
    return TRUE;
}
