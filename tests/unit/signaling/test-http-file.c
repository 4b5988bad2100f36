/* test-http-file.c — unit tests for signaling/http-file.c's Range parser
 * (RFC 9110 §14). Table-driven: each row is a header value, a file size,
 * and the verdict with the selected bytes. Streaming itself is covered by
 * tests/integration/test_recordings_api.py against the real server.
 */
#include "signaling/signaling-private.h"

typedef struct {
    const char *header;
    guint64 size;
    CrHttpRange want;
    guint64 first, last;
} Case;

#define NONE  CR_HTTP_RANGE_NONE
#define OK    CR_HTTP_RANGE_OK
#define UNSAT CR_HTTP_RANGE_UNSATISFIABLE

static const Case cases[] = {
    /* No header, other units, lists and malformed ranges: the whole file. */
    {NULL, 100, NONE, 0, 0},
    {"", 100, NONE, 0, 0},
    {"items=0-1", 100, NONE, 0, 0},
    {"bytes=0-1,5-6", 100, NONE, 0, 0},
    {"bytes=5-2", 100, NONE, 0, 0},
    {"bytes=", 100, NONE, 0, 0},
    {"bytes=-", 100, NONE, 0, 0},
    {"bytes=a-b", 100, NONE, 0, 0},
    {"bytes=1", 100, NONE, 0, 0},
    {"bytes=+1-2", 100, NONE, 0, 0},
    {"bytes=1-2x", 100, NONE, 0, 0},
    {"bytes 0-1", 100, NONE, 0, 0},
    {"bytes=--5", 100, NONE, 0, 0},
    /* First bytes, a middle, to the end, a suffix. */
    {"bytes=0-0", 100, OK, 0, 0},
    {"bytes=0-99", 100, OK, 0, 99},
    {"bytes=10-19", 100, OK, 10, 19},
    {"bytes=90-", 100, OK, 90, 99},
    {"bytes=-10", 100, OK, 90, 99},
    {"bytes=99-99", 100, OK, 99, 99},
    {"BYTES=1-2", 100, OK, 1, 2},
    {" bytes= 3-4 ", 100, OK, 3, 4},
    /* Past the end: clamped; a suffix longer than the file is all of it. */
    {"bytes=50-1000", 100, OK, 50, 99},
    {"bytes=0-99999999999999999999999", 100, OK, 0, 99},
    {"bytes=-1000", 100, OK, 0, 99},
    {"bytes=-99999999999999999999999", 100, OK, 0, 99},
    /* Unsatisfiable: starts at or past the end, an empty suffix, an
     * empty file. */
    {"bytes=100-", 100, UNSAT, 0, 0},
    {"bytes=100-200", 100, UNSAT, 0, 0},
    {"bytes=99999999999999999999999-", 100, UNSAT, 0, 0},
    {"bytes=-0", 100, UNSAT, 0, 0},
    {"bytes=0-", 0, UNSAT, 0, 0},
    {"bytes=-5", 0, UNSAT, 0, 0},
    /* Large files (beyond 4 GiB) are fine. */
    {"bytes=5000000000-", G_GUINT64_CONSTANT(6000000000), OK, G_GUINT64_CONSTANT(5000000000),
     G_GUINT64_CONSTANT(5999999999)},
};

static void
test_case(gconstpointer data)
{
    const Case *c = data;
    guint64 first = 12345, last = 67890;
    CrHttpRange got = cr_http_range_parse(c->header, c->size, &first, &last);
    g_assert_cmpint(got, ==, c->want);
    if (got == CR_HTTP_RANGE_OK) {
        g_assert_cmpuint(first, ==, c->first);
        g_assert_cmpuint(last, ==, c->last);
        g_assert_cmpuint(first, <=, last);
        g_assert_cmpuint(last, <, c->size);
    } else {
        /* Outputs are left alone when nothing is selected. */
        g_assert_cmpuint(first, ==, 12345);
        g_assert_cmpuint(last, ==, 67890);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/http-range/%02" G_GSIZE_FORMAT, i);
        g_test_add_data_func(path, &cases[i], test_case);
    }
    return g_test_run();
}
