/* test-base64url.c — tests for common/base64url.c (RFC 4648 §5, unpadded).
 *
 * Single-threaded GTest. Expected encodings are the RFC 4648 §10 test
 * vectors with the padding removed, and hand-worked bit patterns for the
 * two url-safe characters.
 */
#include "common/base64url.h"

#include <string.h>

static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Decodes @text (all of it) and checks it gives @len bytes equal to @bytes. */
static void
assert_decodes_to(const char *text, const void *bytes, gsize len)
{
    gsize out_len = G_MAXSIZE;
    g_autofree guint8 *out = cr_base64url_decode(text, strlen(text), &out_len);
    g_assert_nonnull(out);
    g_assert_cmpmem(out, out_len, bytes, len);
    /* NUL-terminated for convenience, not counted. */
    g_assert_cmpint(out[out_len], ==, 0);
}

static void
assert_refused(const char *text, gsize len)
{
    gsize out_len = 12345;
    guint8 *out = cr_base64url_decode(text, len, &out_len);
    if (out != NULL)
        g_error("decoding \"%.*s\" should fail", (int)len, text);
    /* Not written on error. */
    g_assert_cmpuint(out_len, ==, 12345);
}

static void
test_round_trip_every_length(void)
{
    guint8 data[64];
    for (gsize len = 0; len <= sizeof data; len++) {
        /* Three patterns: a ramp, all ones (exercises '_') and all zeros. */
        for (int pattern = 0; pattern < 3; pattern++) {
            for (gsize i = 0; i < len; i++)
                data[i] = pattern == 0   ? (guint8)(i * 37 + len * 11 + 5)
                          : pattern == 1 ? 0xff
                                         : 0x00;
            g_autofree char *text = cr_base64url_encode(data, len);
            g_assert_nonnull(text);
            /* Unpadded length: 4 per 3 bytes, plus 2 or 3 for a remainder. */
            gsize expected = len / 3 * 4 + (len % 3 == 0 ? 0 : len % 3 + 1);
            g_assert_cmpuint(strlen(text), ==, expected);
            g_assert_cmpuint(strspn(text, url_alphabet), ==, expected);
            gsize out_len = G_MAXSIZE;
            g_autofree guint8 *back = cr_base64url_decode(text, strlen(text), &out_len);
            g_assert_nonnull(back);
            g_assert_cmpmem(back, out_len, data, len);
        }
    }
}

static void
test_rfc4648_vectors(void)
{
    /* RFC 4648 §10, padding removed (RFC 7515 §2). */
    static const struct {
        const char *plain, *encoded;
    } vectors[] = {
        {"", ""},
        {"f", "Zg"},
        {"fo", "Zm8"},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg"},
        {"fooba", "Zm9vYmE"},
        {"foobar", "Zm9vYmFy"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(vectors); i++) {
        g_autofree char *text =
            cr_base64url_encode((const guint8 *)vectors[i].plain, strlen(vectors[i].plain));
        g_assert_cmpstr(text, ==, vectors[i].encoded);
        assert_decodes_to(vectors[i].encoded, vectors[i].plain, strlen(vectors[i].plain));
    }
}

static void
test_url_alphabet(void)
{
    /* 0xfb 0xef 0xbe = 111110 111110 111110 111110: four 62s, "++++" in
     * standard base64, "----" in base64url. */
    static const guint8 minus[] = {0xfb, 0xef, 0xbe};
    /* 0xff 0xff 0xff: four 63s, "////" standard, "____" url. */
    static const guint8 underscore[] = {0xff, 0xff, 0xff};
    /* 0xfb 0xff = 111110 111111 1111(00): "+/8" standard, "-_8" url. */
    static const guint8 mixed[] = {0xfb, 0xff};
    struct {
        const guint8 *bytes;
        gsize len;
        const char *encoded;
    } cases[] = {
        {minus, sizeof minus, "----"},
        {underscore, sizeof underscore, "____"},
        {mixed, sizeof mixed, "-_8"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *text = cr_base64url_encode(cases[i].bytes, cases[i].len);
        g_assert_cmpstr(text, ==, cases[i].encoded);
        assert_decodes_to(cases[i].encoded, cases[i].bytes, cases[i].len);
    }
}

static void
test_decode_uses_len(void)
{
    /* Only @len characters are read: the first 4 of "Zm9vYmFy" are "foo". */
    gsize out_len = 0;
    g_autofree guint8 *out = cr_base64url_decode("Zm9vYmFy", 4, &out_len);
    g_assert_nonnull(out);
    g_assert_cmpmem(out, out_len, "foo", 3);

    /* Empty input decodes to an empty, NUL-terminated buffer. */
    g_autofree guint8 *empty = cr_base64url_decode("", 0, &out_len);
    g_assert_nonnull(empty);
    g_assert_cmpuint(out_len, ==, 0);
    g_assert_cmpint(empty[0], ==, 0);
}

static void
test_refuses_padding(void)
{
    assert_refused("Zg==", 4);
    assert_refused("Zg=", 3);
    assert_refused("Zm8=", 4);
    assert_refused("Zm9vYg==", 8);
    assert_refused("====", 4);
}

static void
test_refuses_standard_alphabet(void)
{
    /* The standard alphabet's 62 and 63. */
    assert_refused("++++", 4);
    assert_refused("////", 4);
    assert_refused("+/8", 3);
    assert_refused("Zm9v+A", 6);
    assert_refused("Zm9v/w", 6);
}

static void
test_refuses_whitespace_and_junk(void)
{
    assert_refused(" Zm9v", 5);
    assert_refused("Zm9v ", 5);
    assert_refused("Zm 9v", 5);
    assert_refused("Zm9v\n", 5);
    assert_refused("Zm9v\r\nYmFy", 10);
    assert_refused("Zm\t9v", 5);
    assert_refused("Zm9.", 4);
    assert_refused("Zm9v\xc3\xa9", 6);
    /* An embedded NUL inside @len is a character like any other. */
    assert_refused("Zm\0v", 4);
}

static void
test_refuses_impossible_length(void)
{
    /* len % 4 == 1 cannot come from any byte string. */
    assert_refused("Z", 1);
    assert_refused("Zm9vY", 5);
    assert_refused("Zm9vYmFyZ", 9);
    assert_refused("AAAAA", 5);
}

static void
test_refuses_non_canonical(void)
{
    /* "f" is Zg: 011001 10|0000. 'h' (33 = 100001) sets a trailing bit. */
    assert_refused("Zh", 2);
    assert_refused("Zv", 2);
    /* "fo" is Zm8: ...1111|00. '9' (61 = 111101) sets a trailing bit. */
    assert_refused("Zm9", 3);
    assert_refused("Zm_", 3);
    /* 1 byte + 4 spare bits: only sextets whose low 4 bits are 0 are OK. */
    assert_refused("AB", 2);
    assert_decodes_to("AQ", "\x01", 1);
    /* 2 bytes + 2 spare bits. */
    assert_refused("AAB", 3);
    assert_decodes_to("AAE", "\x00\x01", 2);
    /* The same after complete quanta. */
    assert_refused("Zm9vYh", 6);
    assert_refused("Zm9vYmF", 7);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/base64url/round-trip-every-length", test_round_trip_every_length);
    g_test_add_func("/base64url/rfc4648-vectors", test_rfc4648_vectors);
    g_test_add_func("/base64url/url-alphabet", test_url_alphabet);
    g_test_add_func("/base64url/decode-uses-len", test_decode_uses_len);
    g_test_add_func("/base64url/refuses-padding", test_refuses_padding);
    g_test_add_func("/base64url/refuses-standard-alphabet", test_refuses_standard_alphabet);
    g_test_add_func("/base64url/refuses-whitespace-and-junk", test_refuses_whitespace_and_junk);
    g_test_add_func("/base64url/refuses-impossible-length", test_refuses_impossible_length);
    g_test_add_func("/base64url/refuses-non-canonical", test_refuses_non_canonical);
    return g_test_run();
}
