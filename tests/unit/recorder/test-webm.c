/* test-webm.c — the live WebM writer and its crash repair: structure,
 * cues, duration, a torn last cluster, and refusal of foreign files. */
#define _GNU_SOURCE
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "recorder/ebml.h"
#include "recorder/webm.h"

static char *
temp_path(const char *name)
{
    g_autofree char *dir = g_dir_make_tmp("cr-webm-XXXXXX", NULL);
    g_assert_nonnull(dir);
    return g_build_filename(dir, name, NULL);
}

static void
remove_path(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_unlink(path);
    g_rmdir(dir);
}

static const CrWebmTrackSpec tracks[] = {
    {CR_WEBM_VP8, "classroom", 0, 0},
    {CR_WEBM_OPUS, "classroom", 2, 48000},
    {CR_WEBM_OPUS, "floor", 2, 48000},
};

/* @seconds of 30 fps video (a keyframe every 2 s) and 50 fps audio on
 * track 2; track 3 stays silent (a sparse track costs nothing). */
static void
write_media(CrWebmWriter *w, int seconds)
{
    guint8 frame[300];
    memset(frame, 0x5A, sizeof frame);
    for (int ms = 0; ms < seconds * 1000; ms += 10) {
        if (ms % 20 == 0)
            g_assert_true(cr_webm_writer_add_frame(w, 2, ms, TRUE, frame, 40, NULL));
        if (ms % 30 == 0)
            g_assert_true(cr_webm_writer_add_frame(w, 1, ms, ms % 2000 == 0, frame, sizeof frame,
                                                   NULL));
    }
}

static gsize
count_elements(const guint8 *data, gsize len, guint32 wanted)
{
    /* Walks the top level and the Segment's children. */
    gsize n = 0;
    for (gsize off = 0; off < len;) {
        guint32 id;
        guint64 size;
        gsize hl;
        if (!cr_ebml_read_header(data + off, len - off, &id, &size, &hl))
            break;
        if (id == wanted)
            n++;
        off += hl + (id == 0x18538067 ? 0 : size); /* descend into the Segment */
    }
    return n;
}

static void
test_finish(void)
{
    g_autofree char *path = temp_path("a.webm");
    CrWebmWriter *w = cr_webm_writer_new(path, tracks, G_N_ELEMENTS(tracks), 0, NULL);
    g_assert_nonnull(w);
    g_assert_true(cr_webm_writer_set_video_size(w, 1, 320, 240, NULL));
    g_assert_false(cr_webm_writer_set_video_size(w, 2, 320, 240, NULL)); /* audio */
    g_assert_false(cr_webm_writer_set_codec_private(w, 1, (const guint8 *)"x", 1, NULL));
    write_media(w, 10);
    g_assert_cmpuint(cr_webm_writer_frames(w, 1), ==, 334);
    g_assert_cmpuint(cr_webm_writer_frames(w, 3), ==, 0);
    double duration = 0;
    g_assert_true(cr_webm_writer_finish(w, &duration, NULL));
    g_assert_cmpfloat_with_epsilon(duration, 10.0, 0.05);

    g_autofree guint8 *data = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(path, (char **)&data, &len, NULL));
    g_assert_cmpmem(data, 4, "\x1A\x45\xDF\xA3", 4);
    g_assert_nonnull(memmem(data, 64, "webm", 4));
    g_assert_cmpuint(count_elements(data, len, 0x1F43B675), >=, 10); /* clusters */
    g_assert_cmpuint(count_elements(data, len, 0x1C53BB6B), ==, 1);  /* cues */
    g_assert_cmpuint(count_elements(data, len, 0x114D9B74), ==, 1);  /* seek head */

    /* Repairing a finished file changes nothing. */
    CrWebmRepairInfo info;
    g_assert_true(cr_webm_repair(path, &info, NULL));
    g_assert_true(info.was_finished);
    g_assert_false(info.truncated);
    g_assert_cmpint(info.size_bytes, ==, (gint64)len);
    g_assert_cmpuint(info.frames[1], ==, 334);
    g_autofree guint8 *again = NULL;
    gsize again_len = 0;
    g_assert_true(g_file_get_contents(path, (char **)&again, &again_len, NULL));
    g_assert_cmpmem(again, again_len, data, len);
    remove_path(path);
}

static void
test_repair_after_crash(void)
{
    g_autofree char *path = temp_path("b.webm");
    CrWebmWriter *w = cr_webm_writer_new(path, tracks, G_N_ELEMENTS(tracks), 0, NULL);
    write_media(w, 6);
    g_assert_true(cr_webm_writer_flush_if_older(w, 7000, 1000, NULL));
    gint64 written = cr_webm_writer_size(w);
    cr_webm_writer_abandon(w); /* the server died here */

    /* ... while writing the next cluster: only half of it reached the disk. */
    FILE *f = fopen(path, "ab");
    static const guint8 torn[] = {0x1F, 0x43, 0xB6, 0x75, 0x01, 0, 0, 0, 0, 0, 0x10, 0x00,
                                  0xE7, 0x82, 0x1B, 0x58, 0xA3};
    fwrite(torn, 1, sizeof torn, f);
    fclose(f);

    CrWebmRepairInfo info;
    g_autoptr(GError) error = NULL;
    g_assert_true(cr_webm_repair(path, &info, &error));
    g_assert_no_error(error);
    g_assert_false(info.was_finished);
    g_assert_true(info.truncated);
    g_assert_cmpfloat_with_epsilon(info.duration_seconds, 6.0, 0.05);
    g_assert_cmpuint(info.frames[1], ==, 200);
    g_assert_cmpuint(info.frames[2], ==, 300);
    g_assert_cmpint(info.size_bytes, >, written);

    /* Now finished: a second repair finds the cues and leaves it alone. */
    CrWebmRepairInfo second;
    g_assert_true(cr_webm_repair(path, &second, NULL));
    g_assert_true(second.was_finished);
    g_assert_cmpint(second.size_bytes, ==, info.size_bytes);
    remove_path(path);
}

static void
test_repair_refuses_foreign(void)
{
    g_autofree char *path = temp_path("c.webm");
    g_assert_true(g_file_set_contents(path, "not a matroska file at all", -1, NULL));
    CrWebmRepairInfo info;
    g_autoptr(GError) error = NULL;
    g_assert_false(cr_webm_repair(path, &info, &error));
    g_assert_nonnull(strstr(error->message, "not a classrelay recording"));
    remove_path(path);

    g_autoptr(GError) missing = NULL;
    g_assert_false(cr_webm_repair("/nonexistent/x.webm", &info, &missing));
}

static void
test_h264_private_and_doctype(void)
{
    g_autofree char *path = temp_path("d.mkv");
    const CrWebmTrackSpec h264[] = {{CR_WEBM_H264, "classroom", 0, 0},
                                    {CR_WEBM_OPUS, "classroom", 2, 48000}};
    CrWebmWriter *w = cr_webm_writer_new(path, h264, 2, 0, NULL);
    guint8 avcc[40] = {1, 0x42, 0xC0, 0x1F};
    g_assert_true(cr_webm_writer_set_codec_private(w, 1, avcc, sizeof avcc, NULL));
    guint8 big[CR_WEBM_PRIVATE_ROOM] = {0};
    g_assert_false(cr_webm_writer_set_codec_private(w, 1, big, sizeof big, NULL));
    write_media(w, 1);
    g_assert_true(cr_webm_writer_finish(w, NULL, NULL));
    g_autofree guint8 *data = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(path, (char **)&data, &len, NULL));
    g_assert_nonnull(memmem(data, 64, "matroska", 8));
    g_assert_nonnull(memmem(data, len, "V_MPEG4/ISO/AVC", 15));
    const guint8 private_head[] = {0x63, 0xA2, 0x80 | 40, 1, 0x42, 0xC0, 0x1F};
    g_assert_nonnull(memmem(data, len, private_head, sizeof private_head));
    remove_path(path);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/webm/finish", test_finish);
    g_test_add_func("/webm/repair-after-crash", test_repair_after_crash);
    g_test_add_func("/webm/repair-refuses-foreign", test_repair_refuses_foreign);
    g_test_add_func("/webm/h264-private-and-doctype", test_h264_private_and_doctype);
    return g_test_run();
}
