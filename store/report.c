/* report.c — session info and attendance reports as JSON and CSV.
 * Pure renderers; any thread. CSV follows RFC 4180 (docs/api.md). */
#include "store/report.h"

#include <math.h>
#include <string.h>

#include "common/json.h"
#include "common/time.h"

void
cr_session_info_clear(CrSessionInfo *info)
{
    g_free(info->course_code);
    g_free(info->course_title);
    g_free(info->title);
    g_free(info->state);
    memset(info, 0, sizeof *info);
}

void
cr_session_info_free(CrSessionInfo *info)
{
    if (info == NULL)
        return;
    cr_session_info_clear(info);
    g_free(info);
}

void
cr_session_info_copy(CrSessionInfo *to, const CrSessionInfo *from)
{
    *to = *from;
    to->course_code = g_strdup(from->course_code);
    to->course_title = g_strdup(from->course_title);
    to->title = g_strdup(from->title);
    to->state = g_strdup(from->state);
}

json_t *
cr_session_info_to_json(const CrSessionInfo *info)
{
    return json_pack("{s:I, s:I, s:s?, s:s?, s:s?, s:o, s:o, s:o, s:o, s:s?, s:b}", "id",
                     (json_int_t)info->id, "course_id", (json_int_t)info->course_id,
                     "course_code", info->course_code, "course_title", info->course_title,
                     "title", info->title, "scheduled_start", cr_json_time(info->scheduled_start),
                     "scheduled_end", cr_json_time(info->scheduled_end), "actual_start",
                     cr_json_time(info->actual_start), "actual_end",
                     cr_json_time(info->actual_end), "state", info->state, "record",
                     info->record);
}

void
cr_session_report_free(CrSessionReport *report)
{
    if (report == NULL)
        return;
    cr_session_info_clear(&report->session);
    if (report->rows != NULL)
        g_ptr_array_unref(report->rows);
    g_free(report);
}

static json_t *
modes_json(guint modes)
{
    json_t *list = json_array();
    if (modes & CR_MODE_REMOTE)
        json_array_append_new(list, json_string("remote"));
    if (modes & CR_MODE_IN_PERSON)
        json_array_append_new(list, json_string("in-person"));
    return list;
}

static json_t *
intervals_json(const GArray *intervals)
{
    json_t *list = json_array();
    for (guint i = 0; i < intervals->len; i++) {
        const CrReportInterval *iv = &g_array_index(intervals, CrReportInterval, i);
        json_array_append_new(
            list, json_pack("{s:o, s:o, s:s, s:s?}", "opened", cr_json_time(iv->opened),
                            "closed", cr_json_time(iv->closed), "mode",
                            iv->mode == CR_MODE_IN_PERSON ? "in-person" : "remote",
                            "close_reason", iv->close_reason));
    }
    return list;
}

/* When media reached (or came from) the person: for the timeline. */
static json_t *
media_json(const GArray *media)
{
    json_t *list = json_array();
    for (guint i = 0; media != NULL && i < media->len; i++) {
        const CrInterval *iv = &g_array_index(media, CrInterval, i);
        json_array_append_new(list, json_pack("{s:o, s:o}", "opened", cr_json_time(iv->opened),
                                              "closed", cr_json_time(iv->closed)));
    }
    return list;
}

static json_t *
row_json(const CrReportRow *row)
{
    const CrCredit *c = &row->credit;
    return json_pack("{s:s, s:s, s:s?, s:s, s:o, s:o, s:o, s:I, s:I, s:b, s:o, s:o, s:o}",
                     "person",
                     row->person, "name", row->name, "org", row->org, "role", row->role,
                     "modes", modes_json(c->modes), "first_arrival",
                     cr_json_time(c->first_arrival), "last_departure",
                     cr_json_time(c->last_departure), "credited_seconds",
                     (json_int_t)c->credited_seconds, "media_seconds",
                     (json_int_t)c->media_seconds, "completed", c->completed,
                     "late_seconds",
                     c->late_seconds < 0 ? json_null() : json_integer(c->late_seconds),
                     "intervals", intervals_json(row->intervals), "media_intervals",
                     media_json(row->media));
}

json_t *
cr_session_report_to_json(const CrSessionReport *report)
{
    json_t *rows = json_array();
    for (guint i = 0; i < report->rows->len; i++)
        json_array_append_new(rows, row_json(g_ptr_array_index(report->rows, i)));
    gint64 duration = report->session.scheduled_end - report->session.scheduled_start;
    return json_pack("{s:o, s:o, s:{s:I, s:f, s:b, s:I}, s:o}", "session",
                     cr_session_info_to_json(&report->session), "generated_at",
                     cr_json_time(report->generated_at), "rules", "reconnect_grace_seconds",
                     (json_int_t)report->rules.reconnect_grace, "completion_threshold",
                     report->rules.completion_threshold, "require_media",
                     report->rules.require_media, "scheduled_seconds",
                     (json_int_t)duration, "rows", rows);
}

/* ---- CSV ---- */

/* Appends one RFC 4180 field. Text that a spreadsheet would run as a
 * formula (starting with = + - @ or a tab) gets a leading apostrophe:
 * names come from tokens, which we sign but do not write. */
static void
csv_field(GString *out, const char *text, gboolean first)
{
    if (!first)
        g_string_append_c(out, ',');
    if (text == NULL)
        return;
    gboolean formula = strchr("=+-@\t\r", text[0]) != NULL && text[0] != '\0';
    gboolean quote = formula || strpbrk(text, ",\"\r\n") != NULL;
    if (quote)
        g_string_append_c(out, '"');
    if (formula)
        g_string_append_c(out, '\'');
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '"')
            g_string_append_c(out, '"');
        g_string_append_c(out, *p);
    }
    if (quote)
        g_string_append_c(out, '"');
}

static void
csv_time(GString *out, gint64 t)
{
    g_autofree char *text = t != 0 ? cr_time_format(t) : NULL;
    csv_field(out, text, FALSE);
}

static void
csv_int(GString *out, gint64 v)
{
    g_string_append_printf(out, ",%" G_GINT64_FORMAT, v);
}

static void
csv_row(GString *out, const CrSessionReport *report, const CrReportRow *row)
{
    const CrCredit *c = &row->credit;
    g_string_append_printf(out, "%" G_GINT64_FORMAT, report->session.id);
    csv_field(out, report->session.title, FALSE);
    csv_field(out, row->person, FALSE);
    csv_field(out, row->name, FALSE);
    csv_field(out, row->org, FALSE);
    csv_field(out, row->role, FALSE);
    csv_field(out,
              c->modes == (CR_MODE_REMOTE | CR_MODE_IN_PERSON) ? "remote;in-person"
              : c->modes & CR_MODE_IN_PERSON                   ? "in-person"
              : c->modes & CR_MODE_REMOTE                      ? "remote"
                                                               : "",
              FALSE);
    csv_time(out, c->first_arrival);
    csv_time(out, c->last_departure);
    csv_int(out, c->credited_seconds);
    g_string_append_printf(out, ",%.1f", (double)c->credited_seconds / 60.0);
    csv_int(out, c->media_seconds);
    csv_field(out, c->completed ? "true" : "false", FALSE);
    if (c->late_seconds >= 0)
        csv_int(out, c->late_seconds);
    else
        g_string_append_c(out, ',');
    csv_int(out, row->intervals->len);
    g_string_append(out, "\r\n");
}

char *
cr_session_report_to_csv(const CrSessionReport *report)
{
    /* A UTF-8 byte order mark: without it Excel, which most coordinators
     * open these files with, shows Chinese names as mojibake. */
    GString *out = g_string_new("\xEF\xBB\xBF");
    g_string_append(out, "session_id,session_title,person,name,org,role,modes,first_arrival,"
                         "last_departure,credited_seconds,credited_minutes,media_seconds,completed,"
                         "late_seconds,intervals\r\n");
    for (guint i = 0; i < report->rows->len; i++)
        csv_row(out, report, g_ptr_array_index(report->rows, i));
    return g_string_free(out, FALSE);
}

/* ---- course totals ---- */

void
cr_course_report_free(CrCourseReport *report)
{
    if (report == NULL)
        return;
    g_free(report->code);
    g_free(report->title);
    g_free(report->category);
    g_free(report->delivery);
    if (report->rows != NULL)
        g_ptr_array_unref(report->rows);
    g_free(report);
}

double
cr_course_row_credit_hours(const CrCourseReport *report, const CrCourseRow *row)
{
    if (report->sessions == 0)
        return 0;
    double earned = report->credit_hours * row->sessions_completed / report->sessions;
    return round(earned * 100.0) / 100.0;
}

json_t *
cr_course_report_to_json(const CrCourseReport *report)
{
    json_t *rows = json_array();
    for (guint i = 0; i < report->rows->len; i++) {
        const CrCourseRow *r = g_ptr_array_index(report->rows, i);
        json_array_append_new(
            rows,
            json_pack("{s:s, s:s, s:s?, s:I, s:f, s:i, s:i, s:i, s:f}", "person", r->person,
                      "name", r->name, "org", r->org, "credited_seconds",
                      (json_int_t)r->credited_seconds, "credited_hours",
                      round(r->credited_seconds / 36.0) / 100.0, "sessions_attended",
                      (int)r->sessions_attended, "sessions_completed",
                      (int)r->sessions_completed, "sessions_total", (int)report->sessions,
                      "credit_hours_earned", cr_course_row_credit_hours(report, r)));
    }
    return json_pack("{s:{s:I, s:s, s:s, s:s, s:s, s:f, s:i}, s:o, s:o}", "course", "id",
                     (json_int_t)report->id, "code", report->code, "title", report->title,
                     "category", report->category, "delivery", report->delivery,
                     "credit_hours", report->credit_hours, "sessions", (int)report->sessions,
                     "generated_at", cr_json_time(report->generated_at), "rows", rows);
}

char *
cr_course_report_to_csv(const CrCourseReport *report)
{
    GString *out = g_string_new("\xEF\xBB\xBF");
    g_string_append(out, "course_code,person,name,org,credited_seconds,credited_hours,"
                         "sessions_attended,sessions_completed,sessions_total,"
                         "credit_hours_earned\r\n");
    for (guint i = 0; i < report->rows->len; i++) {
        const CrCourseRow *r = g_ptr_array_index(report->rows, i);
        csv_field(out, report->code, TRUE);
        csv_field(out, r->person, FALSE);
        csv_field(out, r->name, FALSE);
        csv_field(out, r->org, FALSE);
        csv_int(out, r->credited_seconds);
        g_string_append_printf(out, ",%.2f,%u,%u,%u,%.2f\r\n", r->credited_seconds / 3600.0,
                               r->sessions_attended, r->sessions_completed, report->sessions,
                               cr_course_row_credit_hours(report, r));
    }
    return g_string_free(out, FALSE);
}
