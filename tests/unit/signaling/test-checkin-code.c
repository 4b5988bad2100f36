/* test-checkin-code.c — short in-room check-in codes: round trip, the
 * session binding, expiry and leeway, and refusal of anything altered. */
#include <glib.h>
#include <string.h>

#include "signaling/checkin-code.h"

static const guint8 key[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
static const guint8 other_key[32] = {9};
#define NOW G_GINT64_CONSTANT(1795737600)

static gboolean
check(const char *code, gint64 session, gint64 now)
{
    return cr_checkin_code_check(key, sizeof key, session, code, strlen(code), now, 30);
}

static void
test_round_trip(void)
{
    g_autofree char *code = cr_checkin_code_make(key, sizeof key, 7, NOW + 900);
    g_assert_nonnull(code);
    /* Short enough for a small QR code: expiry, a dot, 22 base64url. */
    g_assert_cmpuint(strlen(code), <=, 32);
    g_assert_nonnull(strchr(code, '.'));
    g_assert_true(check(code, 7, NOW));
    g_assert_true(check(code, 7, NOW + 900));
    g_assert_true(check(code, 7, NOW + 930));  /* within the leeway */
    g_assert_false(check(code, 7, NOW + 931)); /* expired */
    g_assert_false(check(code, 8, NOW));       /* another session */
    g_assert_false(cr_checkin_code_check(other_key, sizeof other_key, 7, code, strlen(code),
                                         NOW, 30));
}

static void
test_refused(void)
{
    g_autofree char *code = cr_checkin_code_make(key, sizeof key, 7, NOW + 900);
    /* Every single-character change is refused. */
    for (gsize i = 0; code[i] != '\0'; i++) {
        g_autofree char *bad = g_strdup(code);
        bad[i] = bad[i] == 'a' ? 'b' : 'a';
        g_assert_false(check(bad, 7, NOW));
    }
    /* A later expiry with the old MAC. */
    const char *dot = strchr(code, '.');
    g_autofree char *later = g_strconcat("zzzzzz", dot, NULL);
    g_assert_false(check(later, 7, NOW));
    static const char *const junk[] = {"", ".", "abc", "abc.", ".abc", "-1.AAAAAAAAAAAAAAAAAAAAAA",
                                       "ABC.AAAAAAAAAAAAAAAAAAAAAA", "zzzzzzzzzzz.AAAAAAAAAAAAAAAAAAAAAA",
                                       "1.AA==", "eyJhbGciOiJIUzI1NiJ9.e30.x"};
    for (gsize i = 0; i < G_N_ELEMENTS(junk); i++)
        g_assert_false(check(junk[i], 7, NOW));
    g_assert_false(cr_checkin_code_check(key, sizeof key, 7, NULL, 0, NOW, 30));
    /* Not NUL-terminated input is read only to @len. */
    g_autofree char *padded = g_strconcat(code, "XYZ", NULL);
    g_assert_true(cr_checkin_code_check(key, sizeof key, 7, padded, strlen(code), NOW, 30));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/checkin-code/round-trip", test_round_trip);
    g_test_add_func("/checkin-code/refused", test_refused);
    return g_test_run();
}
