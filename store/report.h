/* report.h — attendance reports: the data, and their JSON and CSV forms.
 *
 * Plain values built on the store thread and handed to the caller; the
 * renderers are pure and run on any thread.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

#include "store/credit.h"

G_BEGIN_DECLS

typedef struct {
    gint64 id;
    gint64 course_id;
    char *course_code;
    char *course_title;
    char *title;
    gint64 scheduled_start;
    gint64 scheduled_end;
    gint64 actual_start; /* 0 = not started */
    gint64 actual_end;   /* 0 = not ended */
    char *state;         /* scheduled | live | ended */
    gboolean record;
} CrSessionInfo;

void cr_session_info_clear(CrSessionInfo *info);
void cr_session_info_free(CrSessionInfo *info);
void cr_session_info_copy(CrSessionInfo *to, const CrSessionInfo *from);
/* The session as the API shows it. */
json_t *cr_session_info_to_json(const CrSessionInfo *info);

typedef struct {
    gint64 opened;
    gint64 closed; /* 0 = open */
    CrMode mode;
    char *close_reason;
} CrReportInterval;

typedef struct {
    char *person;
    char *name;
    char *org;
    char *role;
    GArray *intervals; /* CrReportInterval, by opened */
    GArray *media;     /* CrInterval: when media reached the person */
    CrCredit credit;
} CrReportRow;

typedef struct {
    CrSessionInfo session;
    CrCreditRules rules;
    gint64 generated_at;
    GPtrArray *rows; /* CrReportRow *, by name then person */
} CrSessionReport;

void cr_session_report_free(CrSessionReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrSessionReport, cr_session_report_free)

/* {"session":{...},"generated_at":...,"rows":[...]} (docs/api.md). */
json_t *cr_session_report_to_json(const CrSessionReport *report);
/* RFC 4180 CSV, UTF-8, CRLF line ends, header row. */
char *cr_session_report_to_csv(const CrSessionReport *report);

typedef struct {
    char *person;
    char *name;
    char *org;
    gint64 credited_seconds;
    guint sessions_attended;
    guint sessions_completed;
} CrCourseRow;

typedef struct {
    gint64 id;
    char *code;
    char *title;
    char *category;
    char *delivery;
    double credit_hours;
    guint sessions; /* in the course */
    gint64 generated_at;
    GPtrArray *rows; /* CrCourseRow * */
} CrCourseReport;

void cr_course_report_free(CrCourseReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrCourseReport, cr_course_report_free)

/* Credit hours earned by @row: credit_hours x completed / sessions,
 * rounded to 2 decimals (docs/attendance.md). */
double cr_course_row_credit_hours(const CrCourseReport *report, const CrCourseRow *row);
json_t *cr_course_report_to_json(const CrCourseReport *report);
char *cr_course_report_to_csv(const CrCourseReport *report);

G_END_DECLS
