/* replay-main.c — runs a libFuzzer harness over files, without libFuzzer.
 *
 * The ordinary test run (gcc, no fuzzing engine) links each harness with
 * this main and replays its seed corpus and every crash input committed
 * under tests/fuzz/corpus/<name>/. Arguments are files or directories.
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
    g_autofree char *contents = NULL;
    gsize len = 0;
    g_autoptr(GError) error = NULL;
    if (!g_file_get_contents(path, &contents, &len, &error)) {
        fprintf(stderr, "%s\n", error->message);
        return 1;
    }
    /* Copy into an exact-size heap block so that ASan catches reads past
     * the end, as libFuzzer's own driver would. */
    uint8_t *exact = g_memdup2(contents, len);
    LLVMFuzzerTestOneInput(exact, len);
    g_free(exact);
    return 0;
}

int
main(int argc, char **argv)
{
    int files = 0;
    for (int i = 1; i < argc; i++) {
        if (g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
            g_autoptr(GDir) dir = g_dir_open(argv[i], 0, NULL);
            const char *name;
            while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
                g_autofree char *path = g_build_filename(argv[i], name, NULL);
                if (replay_file(path) != 0)
                    return 1;
                files++;
            }
        } else {
            if (replay_file(argv[i]) != 0)
                return 1;
            files++;
        }
    }
    if (files == 0) {
        fprintf(stderr, "no inputs replayed\n");
        return 1;
    }
    printf("replayed %d inputs\n", files);
    return 0;
}
