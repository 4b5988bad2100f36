/* test-credit-media.c — store/credit.c with media intervals
 * (attendance.require_media, docs/attendance.md). Single-threaded GTest;
 * expected values worked out by hand. Class 09:00–10:00 on 2026-11-27. */
#include "store/credit.h"

#define DAY G_GINT64_CONSTANT(1795737600) /* 2026-11-27T00:00:00Z */
#define AT(h, m) (DAY + (h) * 3600 + (m) * 60)
#define REMOTE(a, b) {(a), (b), CR_MODE_REMOTE}
#define IN_PERSON(a, b) {(a), (b), CR_MODE_IN_PERSON}
#define MEDIA(a, b) {(a), (b), CR_MODE_REMOTE}

typedef struct {
    const char *name;
    CrInterval presence[4];
    gsize n;
    CrInterval media[4];
    gsize n_media;
    gboolean require;
    gint64 credited, media_seconds;
    gboolean completed;
} Case;

static const Case cases[] = {
    /* connected all hour, media only 09:00–09:40: 2400 credited, 2400 media */
    {"media-limits-credit", {REMOTE(AT(9, 0), AT(10, 0))}, 1, {MEDIA(AT(9, 0), AT(9, 40))}, 1,
     TRUE, 2400, 2400, FALSE},
    /* the same without the rule: presence alone, 3600 */
    {"rule-off", {REMOTE(AT(9, 0), AT(10, 0))}, 1, {MEDIA(AT(9, 0), AT(9, 40))}, 1, FALSE, 3600,
     2400, TRUE},
    /* no media at all: nothing credited remotely */
    {"no-media", {REMOTE(AT(9, 0), AT(10, 0))}, 1, {{0}}, 0, TRUE, 0, 0, FALSE},
    /* media 09:00–09:30 and 09:31–10:00: the 60 s gap is bridged by the
     * grace after intersecting: 3600 */
    {"media-gap-bridged",
     {REMOTE(AT(9, 0), AT(10, 0))},
     1,
     {MEDIA(AT(9, 0), AT(9, 30)), MEDIA(AT(9, 31), AT(10, 0))},
     2,
     TRUE,
     3600,
     3540,
     TRUE},
    /* media while not connected (a stale report) does not count: presence
     * 09:00–09:20, media 09:10–09:50 → 09:10–09:20 = 600 */
    {"media-outside-presence", {REMOTE(AT(9, 0), AT(9, 20))}, 1, {MEDIA(AT(9, 10), AT(9, 50))},
     1, TRUE, 600, 2400, FALSE},
    /* in person needs no media: 09:00–10:00 in the room = 3600 */
    {"in-person-exempt", {IN_PERSON(AT(9, 0), AT(10, 0))}, 1, {{0}}, 0, TRUE, 3600, 0, TRUE},
    /* media intervals overlapping each other count once: 08:50–09:30 and
     * 09:20–09:40 → 09:00–09:40 in the window = 2400 */
    {"media-overlap",
     {REMOTE(AT(8, 50), AT(10, 0))},
     1,
     {MEDIA(AT(8, 50), AT(9, 30)), MEDIA(AT(9, 20), AT(9, 40))},
     2,
     TRUE,
     2400,
     2400,
     FALSE},
};

static void
test_case(gconstpointer data)
{
    const Case *c = data;
    CrCreditWindow window = {AT(9, 0), AT(10, 0), AT(10, 0), AT(10, 30)};
    CrCreditRules rules = {120, 0.8, c->require};
    CrCredit out;
    cr_credit_compute_media(c->presence, c->n, c->n_media ? c->media : NULL, c->n_media, &window,
                            &rules, &out);
    g_assert_cmpint(out.credited_seconds, ==, c->credited);
    g_assert_cmpint(out.media_seconds, ==, c->media_seconds);
    g_assert_cmpint(out.completed, ==, c->completed);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/credit-media/%s", cases[i].name);
        g_test_add_data_func(path, &cases[i], test_case);
    }
    return g_test_run();
}
