/* fuzz-webm.c — libFuzzer harness for recorder/webm-repair.c (and the EBML
 * reader under it): a recording file damaged in any way — torn, truncated,
 * bit-flipped, or not ours at all — is repaired or refused, never read out
 * of bounds. The seed corpus in tests/fuzz/corpus/webm/ holds small files
 * the writer made: finished, torn mid-cluster, and an H.264 one.
 *
 * Each input is written to a temporary file and repaired; when repair
 * succeeds, a second repair must find the file finished and leave its
 * size alone (repairing is idempotent).
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "recorder/webm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/cr-fuzz-webm-XXXXXX";
    int fd = g_mkstemp(path);
    if (fd < 0)
        abort();
    if (write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);
    CrWebmRepairInfo info, again;
    if (cr_webm_repair(path, &info, NULL)) {
        if (!cr_webm_repair(path, &again, NULL) || !again.was_finished ||
            again.size_bytes != info.size_bytes)
            abort();
    }
    g_unlink(path);
    return 0;
}
