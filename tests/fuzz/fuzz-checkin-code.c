/* fuzz-checkin-code.c — libFuzzer harness for signaling/checkin-code.c:
 * any bytes as a check-in code are refused or accepted without reading
 * out of bounds; an accepted one must be the code the server would make
 * (only a MAC match passes). The corpus holds real codes and near misses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "signaling/checkin-code.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const guint8 key[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    /* An exact-size copy: ASan sees any read past the end. */
    char *code = g_malloc(size > 0 ? size : 1);
    memcpy(code, data, size);
    if (cr_checkin_code_check(key, sizeof key, 7, code, size, 0, 30)) {
        const char *dot = memchr(code, '.', size);
        if (dot == NULL)
            abort();
        g_autofree char *when = g_strndup(code, (gsize)(dot - code));
        gint64 expires = g_ascii_strtoll(when, NULL, 36);
        g_autofree char *again = cr_checkin_code_make(key, sizeof key, 7, expires);
        if (again == NULL || strlen(again) != size || memcmp(again, code, size) != 0)
            abort();
    }
    g_free(code);
    return 0;
}
