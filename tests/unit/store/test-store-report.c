/* test-store-report.c — the store's attendance reports: session rows
 * (credit, lateness, modes, ordering), CSV with its formula guard, JSON,
 * and course totals. The fixture is store-fixture.h.
 */
#include "store-fixture.h"

/* ---- reports ---------------------------------------------------------- */

static const CrReportRow *
row_of(const CrSessionReport *report, const char *person)
{
    for (guint i = 0; i < report->rows->len; i++) {
        const CrReportRow *row = g_ptr_array_index(report->rows, i);
        if (strcmp(row->person, person) == 0)
            return row;
    }
    g_error("no row for %s", person);
}

static guint
row_index(const CrSessionReport *report, const char *person)
{
    for (guint i = 0; i < report->rows->len; i++) {
        if (strcmp(((CrReportRow *)g_ptr_array_index(report->rows, i))->person, person) == 0)
            return i;
    }
    g_error("no row for %s", person);
}

#define WANG  "Wang, \"Lily\" \xe7\x8e\x8b\xe4\xb8\xbd" /* Wang, "Lily" 王丽 */
#define EVIL  "=HYPERLINK(\"http://x\")"

/* The session of the report tests: 09:00–10:00, ended at 10:00.
 *   t1 instructor  08:55–10:00 (class_ended)
 *   u1 Alice       09:00–09:30, 09:31–10:00 (gap 60 s < 120 s: bridged) = 3600
 *   u2 Bob         09:10–09:50 = 2400, late 600
 *   u3 Carol       in person from 09:05, closed by the end = 3300, late 300
 *   u4 WANG        09:00–09:45 = 2700, org "Ministry, X"
 *   u5 EVIL        09:00–10:00 = 3600, org "@org"
 *   u6, u7 "Sam"   09:00–09:01 = 60 each (same name: ordered by person)
 */
static gint64
report_session(Fixture *f)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 s = new_session(f, course, "Week 1", AT(9, 0), AT(10, 0));
    g_autoptr(GError) error = NULL;
    join(f, s, "t1", "Zed Teacher", "instructor", AT(8, 55));
    gint64 a1 = join(f, s, "u1", "Alice Ng", "trainee", AT(9, 0));
    g_autoptr(CrJoinResult) alice_org =
        join_full(f, s, "u1", "Alice Ng", "Org A", "trainee", "remote", AT(9, 0), &error);
    g_assert_no_error(error);
    leave(f, alice_org->interval_id, AT(9, 0), "leave"); /* a zero-length one */
    leave(f, a1, AT(9, 30), "leave");
    join(f, s, "u1", "Alice Ng", "trainee", AT(9, 31));
    gint64 b = join(f, s, "u2", "Bob Li", "trainee", AT(9, 10));
    leave(f, b, AT(9, 50), "leave");
    g_autoptr(json_t) carol = checkin(f, s, "u3", "Carol", AT(9, 5), &error);
    g_assert_no_error(error);
    g_autoptr(CrJoinResult) wang =
        join_full(f, s, "u4", WANG, "Ministry, X", "trainee", "remote", AT(9, 0), &error);
    g_assert_no_error(error);
    leave(f, wang->interval_id, AT(9, 45), "leave");
    g_autoptr(CrJoinResult) evil =
        join_full(f, s, "u5", EVIL, "@org", "trainee", "remote", AT(9, 0), &error);
    g_assert_no_error(error);
    leave(f, evil->interval_id, AT(10, 0), "leave");
    leave(f, join(f, s, "u7", "Sam", "trainee", AT(9, 0)), AT(9, 1), "leave");
    leave(f, join(f, s, "u6", "Sam", "trainee", AT(9, 0)), AT(9, 1), "leave");
    return s;
}

static void
test_session_report(Fixture *f, gconstpointer data)
{
    gint64 s = report_session(f);
    g_autoptr(GError) error = NULL;

    /* While live: Carol's in-person interval is open and counts up to now. */
    g_autoptr(CrSessionReport) live = cr_store_session_report_sync(f->store, s, &rules,
                                                                   AT(9, 40), &error);
    g_assert_no_error(error);
    g_assert_cmpstr(live->session.state, ==, "live");
    const CrReportRow *carol_live = row_of(live, "u3");
    g_assert_cmpint(carol_live->credit.credited_seconds, ==, 35 * 60);
    g_assert_cmpint(carol_live->credit.last_departure, ==, 0);
    g_assert_false(carol_live->credit.completed);

    g_autoptr(SessionInfo) ended = end_session(f, s, AT(10, 0), &error);
    g_assert_no_error(error);
    g_autoptr(CrSessionReport) report =
        cr_store_session_report_sync(f->store, s, &rules, AT(10, 30), &error);
    g_assert_no_error(error);
    g_assert_cmpint(report->session.id, ==, s);
    g_assert_cmpstr(report->session.state, ==, "ended");
    g_assert_cmpint(report->generated_at, ==, AT(10, 30));
    g_assert_cmpint(report->rules.reconnect_grace, ==, 120);
    g_assert_cmpuint(report->rows->len, ==, 8);

    const CrReportRow *t1 = row_of(report, "t1");
    g_assert_cmpstr(t1->role, ==, "instructor");
    g_assert_cmpint(t1->credit.credited_seconds, ==, 3600);
    g_assert_cmpint(t1->credit.late_seconds, ==, 0);
    g_assert_cmpint(t1->credit.first_arrival, ==, AT(8, 55));

    const CrReportRow *alice = row_of(report, "u1");
    g_assert_cmpstr(alice->name, ==, "Alice Ng");
    g_assert_cmpstr(alice->org, ==, "Org A");
    g_assert_cmpstr(alice->role, ==, "trainee");
    g_assert_cmpuint(alice->intervals->len, ==, 3);
    g_assert_cmpint(alice->credit.credited_seconds, ==, 3600);
    g_assert_true(alice->credit.completed);
    g_assert_cmpint(alice->credit.late_seconds, ==, 0);
    g_assert_cmpint(alice->credit.first_arrival, ==, AT(9, 0));
    g_assert_cmpint(alice->credit.last_departure, ==, AT(10, 0));
    g_assert_cmpuint(alice->credit.modes, ==, CR_MODE_REMOTE);
    /* Intervals by opened; the last was closed by the end. */
    const CrReportInterval *last = &g_array_index(alice->intervals, CrReportInterval, 2);
    g_assert_cmpint(last->opened, ==, AT(9, 31));
    g_assert_cmpint(last->closed, ==, AT(10, 0));
    g_assert_cmpstr(last->close_reason, ==, "class_ended");
    for (guint i = 1; i < alice->intervals->len; i++)
        g_assert_cmpint(g_array_index(alice->intervals, CrReportInterval, i - 1).opened, <=,
                        g_array_index(alice->intervals, CrReportInterval, i).opened);

    const CrReportRow *bob = row_of(report, "u2");
    g_assert_null(bob->org);
    g_assert_cmpint(bob->credit.credited_seconds, ==, 2400);
    g_assert_false(bob->credit.completed);
    g_assert_cmpint(bob->credit.late_seconds, ==, 600);
    g_assert_cmpint(bob->credit.last_departure, ==, AT(9, 50));

    const CrReportRow *carol = row_of(report, "u3");
    g_assert_cmpint(carol->credit.credited_seconds, ==, 3300);
    g_assert_true(carol->credit.completed); /* 3300 >= 2880 */
    g_assert_cmpint(carol->credit.late_seconds, ==, 300);
    g_assert_cmpuint(carol->credit.modes, ==, CR_MODE_IN_PERSON);
    g_assert_cmpint(g_array_index(carol->intervals, CrReportInterval, 0).mode, ==,
                    CR_MODE_IN_PERSON);

    const CrReportRow *wang = row_of(report, "u4");
    g_assert_cmpstr(wang->name, ==, WANG);
    g_assert_cmpint(wang->credit.credited_seconds, ==, 2700);
    g_assert_false(wang->credit.completed);

    /* Sorted by name, then person: among the ASCII names (the place of a
     * Chinese name depends on the locale's collation). */
    static const char *const order[] = {"u5", "u1", "u2", "u3", "u6", "u7", "t1"};
    for (gsize i = 1; i < G_N_ELEMENTS(order); i++)
        g_assert_cmpuint(row_index(report, order[i - 1]), <, row_index(report, order[i]));

    g_autoptr(CrSessionReport) missing =
        cr_store_session_report_sync(f->store, 999, &rules, AT(10, 30), &error);
    g_assert_null(missing);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
    g_clear_error(&error);

    /* The asynchronous form gives the same rows. */
    Wait w;
    wait_init(&w, NULL);
    cr_store_session_report(f->store, s, &rules, AT(10, 30), on_done, &w);
    await(&w, &error);
    g_assert_no_error(error);
}

/* Splits CSV text into lines at CRLF; checks no bare LF ends a line. */
static GStrv
csv_lines(const char *csv)
{
    g_auto(GStrv) lines = g_strsplit(csv, "\r\n", -1);
    guint n = g_strv_length(lines);
    g_assert_cmpuint(n, >=, 2);
    g_assert_cmpstr(lines[n - 1], ==, ""); /* ends with CRLF */
    g_free(lines[n - 1]);
    lines[n - 1] = NULL;
    return g_steal_pointer(&lines);
}

static const char *
line_for(char **lines, const char *needle)
{
    const char *found = NULL;
    for (char **l = lines; *l != NULL; l++) {
        if (strstr(*l, needle) != NULL) {
            g_assert_null(found);
            found = *l;
        }
    }
    if (found == NULL)
        g_error("no CSV line contains %s", needle);
    return found;
}

static void
test_session_report_csv(Fixture *f, gconstpointer data)
{
    gint64 s = report_session(f);
    g_autoptr(GError) error = NULL;
    g_autoptr(SessionInfo) ended = end_session(f, s, AT(10, 0), &error);
    g_autoptr(CrSessionReport) report =
        cr_store_session_report_sync(f->store, s, &rules, AT(10, 30), &error);
    g_assert_no_error(error);
    g_autofree char *csv = cr_session_report_to_csv(report);
    g_assert_true(g_utf8_validate(csv, -1, NULL));

    /* A UTF-8 byte order mark, then the header. */
    g_assert_true(g_str_has_prefix(csv, "\xEF\xBB\xBF"));
    g_auto(GStrv) lines = csv_lines(csv + 3);
    g_assert_cmpstr(lines[0], ==,
                    "session_id,session_title,person,name,org,role,modes,first_arrival,"
                    "last_departure,credited_seconds,credited_minutes,media_seconds,completed,late_seconds,"
                    "intervals");
    g_assert_cmpuint(g_strv_length(lines), ==, 1 + report->rows->len);
    /* No line break except CRLF between records. */
    for (char **l = lines; *l != NULL; l++)
        g_assert_null(strchr(*l, '\n'));

    g_autofree char *alice = g_strdup_printf(
        "%" G_GINT64_FORMAT ",Week 1,u1,Alice Ng,Org A,trainee,remote,2026-11-27T09:00:00Z,"
        "2026-11-27T10:00:00Z,3600,60.0,0,true,0,3", s);
    g_assert_cmpstr(line_for(lines, ",u1,"), ==, alice);
    /* No org: an empty field. */
    g_autofree char *bob = g_strdup_printf(
        "%" G_GINT64_FORMAT ",Week 1,u2,Bob Li,,trainee,remote,2026-11-27T09:10:00Z,"
        "2026-11-27T09:50:00Z,2400,40.0,0,false,600,1", s);
    g_assert_cmpstr(line_for(lines, ",u2,"), ==, bob);
    g_autofree char *carol = g_strdup_printf(
        "%" G_GINT64_FORMAT ",Week 1,u3,Carol,,trainee,in-person,2026-11-27T09:05:00Z,"
        "2026-11-27T10:00:00Z,3300,55.0,0,true,300,1", s);
    g_assert_cmpstr(line_for(lines, ",u3,"), ==, carol);
    /* A comma, quotes and Chinese: quoted, quotes doubled, bytes kept. */
    g_autofree char *wang = g_strdup_printf(
        "%" G_GINT64_FORMAT ",Week 1,u4,\"Wang, \"\"Lily\"\" \xe7\x8e\x8b\xe4\xb8\xbd\","
        "\"Ministry, X\",trainee,remote,2026-11-27T09:00:00Z,2026-11-27T09:45:00Z,2700,45.0,0,"
        "false,0,1", s);
    g_assert_cmpstr(line_for(lines, ",u4,"), ==, wang);
    /* Formula injection: a leading =, @ gets an apostrophe (and quotes). */
    g_autofree char *evil = g_strdup_printf(
        "%" G_GINT64_FORMAT ",Week 1,u5,\"'=HYPERLINK(\"\"http://x\"\")\",\"'@org\",trainee,"
        "remote,2026-11-27T09:00:00Z,2026-11-27T10:00:00Z,3600,60.0,0,true,0,1", s);
    g_assert_cmpstr(line_for(lines, ",u5,"), ==, evil);
    g_autofree char *teacher = g_strdup_printf(
        "%" G_GINT64_FORMAT ",Week 1,t1,Zed Teacher,,instructor,remote,", s);
    g_assert_true(g_str_has_prefix(line_for(lines, ",t1,"), teacher));

    /* Rows in the report's order. */
    for (guint i = 0; i < report->rows->len; i++) {
        const CrReportRow *row = g_ptr_array_index(report->rows, i);
        g_autofree char *needle = g_strdup_printf(",%s,", row->person);
        g_assert_nonnull(strstr(lines[i + 1], needle));
    }
}

static void
test_session_report_csv_guard(void)
{
    /* Every formula lead character, on a report built by hand. */
    static const char *const leads[] = {"=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"};
    for (gsize i = 0; i < G_N_ELEMENTS(leads); i++) {
        g_autoptr(CrSessionReport) report = g_new0(CrSessionReport, 1);
        report->session.id = 7;
        report->session.title = g_strdup("T");
        report->rows = g_ptr_array_new();
        CrReportRow row = {(char *)"p", (char *)leads[i], NULL, (char *)"trainee",
                           g_array_new(FALSE, TRUE, sizeof(CrReportInterval)),
                           g_array_new(FALSE, TRUE, sizeof(CrInterval)),
                           {0, FALSE, -1, 0, 0, 0, 0}};
        g_ptr_array_add(report->rows, &row);
        g_autofree char *csv = cr_session_report_to_csv(report);
        g_autofree char *expected = g_strdup_printf(",p,\"'%s\",", leads[i]);
        if (strstr(csv, expected) == NULL)
            g_error("\"%s\" not guarded in:\n%s", leads[i], csv);
        /* Never arrived: empty times and an empty late_seconds. */
        g_assert_nonnull(strstr(csv, ",trainee,,,,0,0.0,0,false,,0\r\n"));
        g_array_unref(row.intervals);
        g_array_unref(row.media);
    }
}

static void
test_session_report_json(Fixture *f, gconstpointer data)
{
    gint64 s = report_session(f);
    g_autoptr(GError) error = NULL;
    g_autoptr(CrSessionReport) live =
        cr_store_session_report_sync(f->store, s, &rules, AT(9, 40), &error);
    g_assert_no_error(error);
    g_autoptr(json_t) json = cr_session_report_to_json(live);

    json_t *session = json_object_get(json, "session");
    g_assert_cmpint(json_id(session), ==, s);
    g_assert_cmpstr(jstr(session, "state"), ==, "live");
    g_assert_cmpstr(jstr(session, "scheduled_start"), ==, "2026-11-27T09:00:00Z");
    assert_time_field(session, "actual_start", AT(8, 55));
    g_assert_true(json_is_null(json_object_get(session, "actual_end")));
    g_assert_cmpstr(jstr(json, "generated_at"), ==, "2026-11-27T09:40:00Z");
    json_t *r = json_object_get(json, "rules");
    g_assert_cmpint(jint(r, "reconnect_grace_seconds"), ==, 120);
    g_assert_cmpfloat(json_real_value(json_object_get(r, "completion_threshold")), ==, 0.8);
    g_assert_cmpint(jint(r, "scheduled_seconds"), ==, 3600);

    json_t *rows = json_object_get(json, "rows");
    g_assert_cmpuint(json_array_size(rows), ==, live->rows->len);
    json_t *carol = json_array_get(rows, row_index(live, "u3"));
    g_assert_cmpstr(jstr(carol, "person"), ==, "u3");
    g_assert_cmpstr(jstr(carol, "name"), ==, "Carol");
    g_assert_true(json_is_null(json_object_get(carol, "org")));
    g_assert_cmpstr(jstr(carol, "role"), ==, "trainee");
    g_autoptr(json_t) in_person = json_pack("[s]", "in-person");
    g_assert_true(json_equal(json_object_get(carol, "modes"), in_person));
    assert_time_field(carol, "first_arrival", AT(9, 5));
    /* Still present. */
    g_assert_true(json_is_null(json_object_get(carol, "last_departure")));
    g_assert_cmpint(jint(carol, "credited_seconds"), ==, 35 * 60);
    g_assert_true(json_is_false(json_object_get(carol, "completed")));
    g_assert_cmpint(jint(carol, "late_seconds"), ==, 300);
    json_t *intervals = json_object_get(carol, "intervals");
    g_assert_cmpuint(json_array_size(intervals), ==, 1);
    json_t *iv = json_array_get(intervals, 0);
    assert_time_field(iv, "opened", AT(9, 5));
    g_assert_true(json_is_null(json_object_get(iv, "closed")));
    g_assert_cmpstr(jstr(iv, "mode"), ==, "in-person");
    g_assert_true(json_is_null(json_object_get(iv, "close_reason")));

    json_t *bob = json_array_get(rows, row_index(live, "u2"));
    assert_time_field(bob, "last_departure", AT(9, 50));
    g_assert_cmpint(jint(bob, "late_seconds"), ==, 600);
    json_t *bob_iv = json_array_get(json_object_get(bob, "intervals"), 0);
    assert_time_field(bob_iv, "closed", AT(9, 50));
    g_assert_cmpstr(jstr(bob_iv, "close_reason"), ==, "leave");
    g_autoptr(json_t) remote = json_pack("[s]", "remote");
    g_assert_true(json_equal(json_object_get(bob, "modes"), remote));

    json_t *wang = json_array_get(rows, row_index(live, "u4"));
    g_assert_cmpstr(jstr(wang, "name"), ==, WANG);
    g_assert_cmpstr(jstr(wang, "org"), ==, "Ministry, X");

    /* Someone in both modes. */
    g_autoptr(json_t) also = checkin(f, s, "u2", "Bob Li", AT(9, 55), &error);
    g_assert_no_error(error);
    g_autoptr(CrSessionReport) later =
        cr_store_session_report_sync(f->store, s, &rules, AT(9, 58), &error);
    g_autoptr(json_t) later_json = cr_session_report_to_json(later);
    json_t *bob_both = json_array_get(json_object_get(later_json, "rows"), row_index(later, "u2"));
    g_autoptr(json_t) both = json_pack("[s, s]", "remote", "in-person");
    g_assert_true(json_equal(json_object_get(bob_both, "modes"), both));
}

static void
test_course_report(Fixture *f, gconstpointer data)
{
    /* 6 credit hours over 4 sessions (docs/attendance.md's example). */
    gint64 course = new_course(f, "C-6", 6.0);
    gint64 sessions[4];
    for (int i = 0; i < 4; i++) {
        g_autofree char *title = g_strdup_printf("Part %d", i + 1);
        sessions[i] = new_session(f, course, title, AT(9 + i, 0), AT(10 + i, 0));
    }
    /* Alice completes 1-3 and half of 4; Bob completes 1 only. */
    for (int i = 0; i < 4; i++) {
        leave(f, join(f, sessions[i], "t1", "Teacher", "instructor", AT(9 + i, 0)),
              AT(10 + i, 0), "leave");
        leave(f, join(f, sessions[i], "u1", "Alice", "trainee", AT(9 + i, 0)),
              i < 3 ? AT(10 + i, 0) : AT(9 + i, 30), "leave");
    }
    leave(f, join(f, sessions[0], "u2", "Bob", "trainee", AT(9, 0)), AT(10, 0), "leave");
    /* Another course's session does not count. */
    gint64 other = new_course(f, "C-X", 1.0);
    gint64 elsewhere = new_session(f, other, "X", AT(9, 0), AT(10, 0));
    leave(f, join(f, elsewhere, "u2", "Bob", "trainee", AT(9, 0)), AT(10, 0), "leave");

    g_autoptr(GError) error = NULL;
    g_autoptr(CrCourseReport) report =
        cr_store_course_report_sync(f->store, course, &rules, AT(14, 0), &error);
    g_assert_no_error(error);
    g_assert_cmpint(report->id, ==, course);
    g_assert_cmpstr(report->code, ==, "C-6");
    g_assert_cmpstr(report->category, ==, "professional");
    g_assert_cmpstr(report->delivery, ==, "hybrid");
    g_assert_cmpfloat(report->credit_hours, ==, 6.0);
    g_assert_cmpuint(report->sessions, ==, 4);
    g_assert_cmpint(report->generated_at, ==, AT(14, 0));
    /* Trainees only, by name. */
    g_assert_cmpuint(report->rows->len, ==, 2);
    const CrCourseRow *alice = g_ptr_array_index(report->rows, 0);
    const CrCourseRow *bob = g_ptr_array_index(report->rows, 1);
    g_assert_cmpstr(alice->person, ==, "u1");
    g_assert_cmpstr(bob->person, ==, "u2");
    g_assert_cmpint(alice->credited_seconds, ==, 3 * 3600 + 1800);
    g_assert_cmpuint(alice->sessions_attended, ==, 4);
    g_assert_cmpuint(alice->sessions_completed, ==, 3);
    g_assert_cmpfloat(cr_course_row_credit_hours(report, alice), ==, 4.5); /* 6 x 3 / 4 */
    g_assert_cmpint(bob->credited_seconds, ==, 3600);
    g_assert_cmpuint(bob->sessions_attended, ==, 1);
    g_assert_cmpuint(bob->sessions_completed, ==, 1);
    g_assert_cmpfloat(cr_course_row_credit_hours(report, bob), ==, 1.5);

    g_autoptr(json_t) json = cr_course_report_to_json(report);
    json_t *head = json_object_get(json, "course");
    g_assert_cmpstr(jstr(head, "code"), ==, "C-6");
    g_assert_cmpint(jint(head, "sessions"), ==, 4);
    g_assert_cmpstr(jstr(json, "generated_at"), ==, "2026-11-27T14:00:00Z");
    json_t *first = json_array_get(json_object_get(json, "rows"), 0);
    g_assert_cmpstr(jstr(first, "person"), ==, "u1");
    g_assert_cmpint(jint(first, "credited_seconds"), ==, 12600);
    g_assert_cmpfloat(json_real_value(json_object_get(first, "credited_hours")), ==, 3.5);
    g_assert_cmpint(jint(first, "sessions_attended"), ==, 4);
    g_assert_cmpint(jint(first, "sessions_completed"), ==, 3);
    g_assert_cmpint(jint(first, "sessions_total"), ==, 4);
    g_assert_cmpfloat(json_real_value(json_object_get(first, "credit_hours_earned")), ==, 4.5);

    g_autofree char *csv = cr_course_report_to_csv(report);
    g_assert_true(g_str_has_prefix(csv, "\xEF\xBB\xBF"));
    g_auto(GStrv) lines = csv_lines(csv + 3);
    g_assert_cmpuint(g_strv_length(lines), ==, 3);
    g_assert_cmpstr(lines[0], ==,
                    "course_code,person,name,org,credited_seconds,credited_hours,"
                    "sessions_attended,sessions_completed,sessions_total,credit_hours_earned");
    g_assert_cmpstr(lines[1], ==, "C-6,u1,Alice,,12600,3.50,4,3,4,4.50");
    g_assert_cmpstr(lines[2], ==, "C-6,u2,Bob,,3600,1.00,1,1,4,1.50");

    g_autoptr(CrCourseReport) missing =
        cr_store_course_report_sync(f->store, 999, &rules, AT(14, 0), &error);
    g_assert_null(missing);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
}

static void
test_course_row_credit_hours(void)
{
    CrCourseReport report = {0};
    CrCourseRow row = {0};
    /* 5 x 2 / 3 = 3.333... -> 3.33 */
    report.credit_hours = 5;
    report.sessions = 3;
    row.sessions_completed = 2;
    g_assert_cmpfloat(cr_course_row_credit_hours(&report, &row), ==, 3.33);
    /* 1 x 2 / 3 = 0.666... -> 0.67 */
    report.credit_hours = 1;
    g_assert_cmpfloat(cr_course_row_credit_hours(&report, &row), ==, 0.67);
    row.sessions_completed = 3;
    g_assert_cmpfloat(cr_course_row_credit_hours(&report, &row), ==, 1.0);
    row.sessions_completed = 0;
    g_assert_cmpfloat(cr_course_row_credit_hours(&report, &row), ==, 0.0);
    /* A course without sessions earns nothing (no division by zero). */
    report.sessions = 0;
    row.sessions_completed = 0;
    g_assert_cmpfloat(cr_course_row_credit_hours(&report, &row), ==, 0.0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/store/session-report", test_session_report);
    ADD("/store/session-report-csv", test_session_report_csv);
    g_test_add_func("/store/session-report-csv-guard", test_session_report_csv_guard);
    ADD("/store/session-report-json", test_session_report_json);
    ADD("/store/course-report", test_course_report);
    g_test_add_func("/store/course-row-credit-hours", test_course_row_credit_hours);
#undef ADD
    return g_test_run();
}
