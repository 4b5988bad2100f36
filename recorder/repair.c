/* repair.c — after a crash: finish the recordings the catalog still shows
 * as recording or finalizing, and say so in the catalog. */
#include "recorder/recorder.h"

#include <string.h>

#include "recorder/catalog.h"
#include "recorder/webm.h"

gboolean
cr_recording_repair_file(const char *path, CrRecordingFileInfo *info, GError **error)
{
    memset(info, 0, sizeof *info);
    CrWebmRepairInfo r;
    if (!cr_webm_repair(path, &r, error))
        return FALSE;
    info->duration_seconds = r.duration_seconds;
    info->was_finished = r.was_finished;
    info->truncated = r.truncated;
    return cr_recording_file_sha256(path, info->sha256, &info->size_bytes, error);
}

static void
repair_one(CrStore *store, const char *dir, json_t *row)
{
    gint64 id = json_integer_value(json_object_get(row, "id"));
    const char *relative = json_string_value(json_object_get(row, "path"));
    g_autofree char *path = relative != NULL ? cr_recording_path(dir, relative) : NULL;
    CrRecordingUpdate up = {.id = id, .ended_at = g_get_real_time() / G_USEC_PER_SEC,
                            .duration_seconds = -1, .size_bytes = -1};
    CrRecordingFileInfo info;
    g_autoptr(GError) error = NULL;
    g_message("recording %" G_GINT64_FORMAT ": unfinished after a restart, repairing %s", id,
              path != NULL ? path : "(unsafe path)");
    gint64 t0 = g_get_monotonic_time();
    if (path == NULL) {
        up.state = "failed";
        up.reason = "the catalog names a path outside the recordings directory";
    } else if (!cr_recording_repair_file(path, &info, &error)) {
        up.state = "failed";
        up.reason = error->message;
    } else {
        up.state = "repaired";
        up.reason = info.truncated ? "server stopped unexpectedly; the torn last second was cut"
                                   : "server stopped unexpectedly";
        up.duration_seconds = info.duration_seconds;
        up.size_bytes = info.size_bytes;
        up.sha256 = info.sha256;
    }
    g_autoptr(GError) store_error = NULL;
    if (!cr_store_recording_update_sync(store, &up, &store_error))
        g_warning("recording %" G_GINT64_FORMAT ": cannot update the catalog: %s", id,
                  store_error->message);
    if (strcmp(up.state, "repaired") == 0)
        g_message("recording %" G_GINT64_FORMAT ": repaired in %.1f s: %.1f s of media, "
                  "%" G_GINT64_FORMAT " bytes",
                  id, (g_get_monotonic_time() - t0) / 1e6, info.duration_seconds,
                  info.size_bytes);
    else
        g_warning("recording %" G_GINT64_FORMAT ": cannot be repaired: %s", id, up.reason);
}

guint
cr_recorder_repair_unfinished(CrStore *store, const char *dir)
{
    g_autoptr(GError) error = NULL;
    json_t *list = cr_store_list_recordings_sync(store, 0, &error);
    if (list == NULL) {
        g_warning("cannot read the recordings catalog: %s", error->message);
        return 0;
    }
    guint n = 0;
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(list, "recordings"), i, row)
    {
        const char *state = json_string_value(json_object_get(row, "state"));
        if (g_strcmp0(state, "recording") == 0 || g_strcmp0(state, "finalizing") == 0) {
            repair_one(store, dir, row);
            n++;
        }
    }
    json_decref(list);
    return n;
}
