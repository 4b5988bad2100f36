/* test-time.c — tests for common/time.c: RFC 3339 text and durations.
 *
 * Single-threaded GTest. Expected Unix times were worked out by hand:
 * 2026-11-27T00:00:00Z is 1795737600 (20 784 days after 1970-01-01).
 */
#include "common/time.h"

#include <string.h>

#define DAY_2026_11_27 G_GINT64_CONSTANT(1795737600)
#define NINE_AM        (DAY_2026_11_27 + 9 * 3600)
#define SENTINEL       G_GINT64_CONSTANT(-424242)

static void
assert_parses(const char *text, gint64 expected)
{
    gint64 out = SENTINEL;
    if (!cr_time_parse(text, &out))
        g_error("\"%s\" should parse", text);
    g_assert_cmpint(out, ==, expected);
}

static void
assert_time_refused(const char *text)
{
    gint64 out = SENTINEL;
    if (cr_time_parse(text, &out))
        g_error("\"%s\" should be refused (gave %" G_GINT64_FORMAT ")", text, out);
    g_assert_cmpint(out, ==, SENTINEL);
}

static void
test_format(void)
{
    static const struct {
        gint64 t;
        const char *text;
    } cases[] = {
        {0, "1970-01-01T00:00:00Z"},
        {1, "1970-01-01T00:00:01Z"},
        {-1, "1969-12-31T23:59:59Z"},
        {951782400, "2000-02-29T00:00:00Z"},
        {DAY_2026_11_27, "2026-11-27T00:00:00Z"},
        {NINE_AM, "2026-11-27T09:00:00Z"},
        {NINE_AM + 3599, "2026-11-27T09:59:59Z"},
        {G_GINT64_CONSTANT(-62135596800), "0001-01-01T00:00:00Z"},
        {G_GINT64_CONSTANT(253402300799), "9999-12-31T23:59:59Z"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *text = cr_time_format(cases[i].t);
        g_assert_cmpstr(text, ==, cases[i].text);
        /* And back. */
        assert_parses(text, cases[i].t);
    }
}

static void
test_parse_zulu(void)
{
    assert_parses("2026-11-27T09:00:00Z", NINE_AM);
    assert_parses("1970-01-01T00:00:00Z", 0);
    assert_parses("2028-02-29T12:00:00Z", G_GINT64_CONSTANT(1835438400));
    /* RFC 3339 §5.6: 'T' and 'Z' may be lower case. */
    assert_parses("2026-11-27t09:00:00Z", NINE_AM);
    assert_parses("2026-11-27T09:00:00z", NINE_AM);
    assert_parses("2026-11-27t09:00:00z", NINE_AM);
}

static void
test_parse_offsets(void)
{
    /* 17:00 at +08:00 is 09:00 UTC. */
    assert_parses("2026-11-27T17:00:00+08:00", NINE_AM);
    /* 03:30 at -05:30 is 09:00 UTC. */
    assert_parses("2026-11-27T03:30:00-05:30", NINE_AM);
    assert_parses("2026-11-27T09:00:00+00:00", NINE_AM);
    assert_parses("2026-11-27T09:00:00-00:00", NINE_AM);
    /* Crossing midnight: 01:00 on the 28th at +14:00 is 11:00 on the 27th. */
    assert_parses("2026-11-28T01:00:00+14:00", DAY_2026_11_27 + 11 * 3600);
    /* 23:00 on the 26th at -10:00 is 09:00 on the 27th. */
    assert_parses("2026-11-26T23:00:00-10:00", NINE_AM);
    assert_parses("2026-11-27T09:00:00+23:59", NINE_AM - 23 * 3600 - 59 * 60);
}

static void
test_parse_fractions(void)
{
    /* The fraction is truncated to the second. */
    assert_parses("2026-11-27T09:00:00.0Z", NINE_AM);
    assert_parses("2026-11-27T09:00:00.5Z", NINE_AM);
    assert_parses("2026-11-27T09:00:00.999999Z", NINE_AM);
    assert_parses("2026-11-27T09:00:59.999Z", NINE_AM + 59);
    assert_parses("2026-11-27T17:00:00.123+08:00", NINE_AM);
    /* A leap second is valid RFC 3339; it counts as the second before. */
    assert_parses("2026-12-31T23:59:60Z", G_GINT64_CONSTANT(1798761599));
}

static void
test_parse_refuses_shape(void)
{
    /* A space instead of 'T' (GDateTime alone would accept it). */
    assert_time_refused("2026-11-27 09:00:00Z");
    /* No offset (GDateTime alone would take local time). */
    assert_time_refused("2026-11-27T09:00:00");
    assert_time_refused("2026-11-27T09:00:00.5");
    /* Offsets in other shapes. */
    assert_time_refused("2026-11-27T09:00:00+0800");
    assert_time_refused("2026-11-27T09:00:00+08");
    assert_time_refused("2026-11-27T09:00:00+8:00");
    assert_time_refused("2026-11-27T09:00:00+08:0a");
    assert_time_refused("2026-11-27T09:00:00 +08:00");
    assert_time_refused("2026-11-27T09:00:00UTC");
    /* Missing or malformed parts. */
    assert_time_refused("2026-11-27T09:00Z");
    assert_time_refused("2026-11-27Z");
    assert_time_refused("26-11-27T09:00:00Z");
    assert_time_refused("2026-1-27T09:00:00Z");
    assert_time_refused("2026/11/27T09:00:00Z");
    assert_time_refused("2026-11-27T09.00.00Z");
    assert_time_refused("2026-11-27T09:00:00.Z");
    assert_time_refused("2026-11-27T09:00:00,5Z");
    /* Trailing text. */
    assert_time_refused("2026-11-27T09:00:00Z ");
    assert_time_refused("2026-11-27T09:00:00Zjunk");
    assert_time_refused("2026-11-27T09:00:00+08:00x");
    assert_time_refused(" 2026-11-27T09:00:00Z");
}

static void
test_parse_refuses_garbage(void)
{
    assert_time_refused(NULL);
    assert_time_refused("");
    assert_time_refused("now");
    assert_time_refused("1795770000");
    assert_time_refused("yyyy-mm-ddThh:mm:ssZ");
    assert_time_refused("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0Z");
    /* Longer than any RFC 3339 date-time we take. */
    assert_time_refused("2026-11-27T09:00:00.123456789012345678901234567890Z");
}

static void
test_parse_refuses_out_of_range(void)
{
    assert_time_refused("2026-13-01T00:00:00Z");
    assert_time_refused("2026-00-10T00:00:00Z");
    assert_time_refused("2026-11-00T00:00:00Z");
    assert_time_refused("2026-11-31T00:00:00Z");
    assert_time_refused("2026-02-29T00:00:00Z"); /* not a leap year */
    assert_time_refused("2026-11-27T24:00:00Z");
    assert_time_refused("2026-11-27T09:60:00Z");
    assert_time_refused("2026-11-27T09:00:61Z");
    assert_time_refused("2026-11-27T09:00:99Z");
    assert_time_refused("2026-11-27T09:00:00+24:00");
    assert_time_refused("2026-11-27T09:00:00+08:60");
    assert_time_refused("2026-11-27T09:00:00-99:00");
    assert_time_refused("0000-01-01T00:00:00Z");
}

static void
assert_duration(const char *text, gint64 expected)
{
    gint64 out = SENTINEL;
    if (!cr_duration_parse(text, &out))
        g_error("duration \"%s\" should parse", text);
    g_assert_cmpint(out, ==, expected);
}

static void
assert_duration_refused(const char *text)
{
    gint64 out = SENTINEL;
    if (cr_duration_parse(text, &out))
        g_error("duration \"%s\" should be refused (gave %" G_GINT64_FORMAT ")", text, out);
    g_assert_cmpint(out, ==, SENTINEL);
}

static void
test_duration(void)
{
    assert_duration("90", 90);
    assert_duration("90s", 90);
    assert_duration("45m", 45 * 60);
    assert_duration("3h", 3 * 3600);
    assert_duration("2d", 2 * 86400);
    assert_duration("0", 0);
    assert_duration("0s", 0);
    assert_duration("007m", 7 * 60);
    assert_duration("365d", G_GINT64_CONSTANT(31536000));
}

static void
test_duration_refused(void)
{
    assert_duration_refused(NULL);
    assert_duration_refused("");
    assert_duration_refused("h");
    assert_duration_refused("s");
    assert_duration_refused("3x");
    assert_duration_refused("3hh");
    assert_duration_refused("3h0");
    assert_duration_refused("3h30m");
    assert_duration_refused("1.5h");
    assert_duration_refused("-1");
    assert_duration_refused("-1s");
    assert_duration_refused("+1");
    assert_duration_refused(" 1");
    assert_duration_refused("1 ");
    assert_duration_refused("1 h");
    assert_duration_refused("0x10");
    /* Overflow, in the number itself and after the unit. */
    assert_duration_refused("99999999999999999999");
    assert_duration_refused("18446744073709551616");
    assert_duration_refused("9223372036854775807");
    assert_duration_refused("9223372036854775807s");
    assert_duration_refused("106751991167301d");
    assert_duration_refused("2562047788015216h");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/time/format", test_format);
    g_test_add_func("/time/parse-zulu", test_parse_zulu);
    g_test_add_func("/time/parse-offsets", test_parse_offsets);
    g_test_add_func("/time/parse-fractions", test_parse_fractions);
    g_test_add_func("/time/parse-refuses-shape", test_parse_refuses_shape);
    g_test_add_func("/time/parse-refuses-garbage", test_parse_refuses_garbage);
    g_test_add_func("/time/parse-refuses-out-of-range", test_parse_refuses_out_of_range);
    g_test_add_func("/time/duration", test_duration);
    g_test_add_func("/time/duration-refused", test_duration_refused);
    return g_test_run();
}
