/* fuzz-http-range.c — libFuzzer harness for signaling/http-file.c's Range
 * header parser (cr_http_range_parse).
 *
 * Single-threaded; no main here (libFuzzer's, or tests/fuzz/replay-main.c).
 * An input is "SIZE\nHEADER": the file size in decimal, then the header
 * value; without a newline the whole input is the header and its length the
 * size. The seed corpus in tests/fuzz/corpus/http-range/ holds what
 * browsers send (Chrome and Firefox <video> seeking: "bytes=0-",
 * "bytes=N-"), suffixes, lists, overflowing numbers and the 416 cases.
 *
 * Checks, besides memory safety: a selected range lies inside the file
 * (first <= last < size); outputs are untouched unless a range is
 * selected; nothing is selected from an empty file; the verdict does not
 * depend on anything after the header's NUL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signaling/signaling-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    guint64 file_size = size;
    const uint8_t *text = data;
    size_t text_len = size;
    if (nl != NULL) {
        g_autofree char *prefix = g_strndup((const char *)data, (gsize)(nl - data));
        file_size = g_ascii_strtoull(prefix, NULL, 10);
        text = nl + 1;
        text_len = size - (size_t)(nl - data) - 1;
    }
    /* A header value is a C string: copy to an exact-size block. */
    char *header = g_malloc(text_len + 1);
    memcpy(header, text, text_len);
    header[text_len] = '\0';
    guint64 first = 7, last = 3;
    CrHttpRange r = cr_http_range_parse(header, file_size, &first, &last);
    if (r == CR_HTTP_RANGE_OK) {
        if (!(first <= last && last < file_size))
            abort();
    } else if (first != 7 || last != 3) {
        abort();
    }
    if (file_size == 0 && r == CR_HTTP_RANGE_OK)
        abort();
    if (r != CR_HTTP_RANGE_NONE && g_ascii_strncasecmp(header + strspn(header, " \t"), "bytes=", 6))
        abort();
    guint64 first2 = 7, last2 = 3;
    if (cr_http_range_parse(header, file_size, &first2, &last2) != r || first2 != first ||
        last2 != last)
        abort();
    g_free(header);
    return 0;
}
