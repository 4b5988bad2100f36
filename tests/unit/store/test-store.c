/* test-store.c — tests for store/: the schema, courses and sessions, the
 * attendance ledger, crash recovery, the event outbox and transactions.
 * Reports are tests/unit/store/test-store-report.c; the fixture is
 * store-fixture.h.
 */
#include "store-fixture.h"

/* ---- schema ----------------------------------------------------------- */

static void
test_open_schema(Fixture *f, gconstpointer data)
{
    g_assert_cmpint(sql_int(f, "PRAGMA user_version"), ==, 3);
    g_autofree char *journal = sql_text(f, "PRAGMA journal_mode");
    g_assert_cmpstr(journal, ==, "wal");
    g_assert_cmpint(sql_int(f, "PRAGMA foreign_keys"), ==, 1);
    g_assert_cmpint(sql_int(f, "PRAGMA synchronous"), ==, 2); /* FULL */
    for (gsize i = 0; i < N_TABLES; i++) {
        g_assert_cmpint(
            sql_int(f, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'",
                    tables[i]),
            ==, 1);
        g_assert_cmpint(sql_int(f, "SELECT count(*) FROM %s", tables[i]), ==, 0);
    }
    g_assert_cmpuint(cr_store_recovered_intervals(f->store), ==, 0);

    /* Foreign keys are enforced: a ban for a session that does not exist is
     * refused (ban is fire and forget, so look at the table). */
    cr_store_ban(f->store, 999, "u1", "t1", AT(9, 0));
    flush(f);
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM session_bans"), ==, 0);
    g_assert_cmpint(count_events(f, "kick"), ==, 0);

    /* Counters count jobs. */
    CrStoreStats stats;
    cr_store_stats(f->store, &stats);
    g_assert_cmpuint(stats.jobs, >=, 2);
    g_assert_cmpuint(stats.errors, ==, 0);

    /* Reopening an existing database migrates nothing and keeps the data. */
    new_course(f, "KEEP-1", 1.0);
    reopen(f, FALSE);
    g_assert_cmpint(sql_int(f, "PRAGMA user_version"), ==, 3);
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM courses"), ==, 1);

    /* A database from a newer classrelay is refused. */
    cr_store_close(f->store);
    f->store = NULL;
    sqlite3 *db = NULL;
    g_assert_cmpint(sqlite3_open(f->path, &db), ==, SQLITE_OK);
    g_assert_cmpint(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==,
                    SQLITE_OK);
    sqlite3_close(db);
    g_autoptr(GError) error = NULL;
    CrStore *newer = cr_store_open(f->path, 5000, FALSE, &error);
    g_assert_null(newer);
    g_assert_error(error, CR_ERROR, CR_ERROR_INTERNAL);
    g_assert_nonnull(strstr(error->message, "newer"));
    g_assert_nonnull(strstr(error->message, f->path));

    /* Put it back so that teardown has a store to close. */
    g_assert_cmpint(sqlite3_open(f->path, &db), ==, SQLITE_OK);
    g_assert_cmpint(sqlite3_exec(db, "PRAGMA user_version = 3", NULL, NULL, NULL), ==,
                    SQLITE_OK);
    sqlite3_close(db);
    g_clear_error(&error);
    f->store = cr_store_open(f->path, 5000, FALSE, &error);
    g_assert_no_error(error);
}

static void
test_open_fails(void)
{
    g_autoptr(GError) error = NULL;
    CrStore *store = cr_store_open("/nonexistent-dir/sub/classrelay.db", 100, TRUE, &error);
    g_assert_null(store);
    g_assert_error(error, CR_ERROR, CR_ERROR_INTERNAL);
}

/* ---- courses and sessions -------------------------------------------- */

static void
test_courses(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) course =
        create_course_full(f, "SAFE-201", "management", "online", 2.5, &error);
    g_assert_no_error(error);
    gint64 id = json_id(course);
    g_assert_cmpint(id, >, 0);
    g_assert_cmpstr(jstr(course, "code"), ==, "SAFE-201");
    g_assert_cmpstr(jstr(course, "title"), ==, "Course title");
    g_assert_cmpstr(jstr(course, "category"), ==, "management");
    g_assert_cmpstr(jstr(course, "delivery"), ==, "online");
    g_assert_cmpfloat(json_real_value(json_object_get(course, "credit_hours")), ==, 2.5);
    gint64 created = 0;
    g_assert_true(cr_time_parse(jstr(course, "created_at"), &created));
    g_assert_cmpint(ABS(created - cr_time_now()), <, 60);

    gint64 before[N_TABLES];
    count_rows(f, before);

    /* The same code again. */
    g_autoptr(json_t) dup = create_course_full(f, "SAFE-201", "general", "remote", 1, &error);
    g_assert_null(dup);
    g_assert_error(error, CR_ERROR, CR_ERROR_CONFLICT);
    g_assert_nonnull(strstr(error->message, "SAFE-201"));
    g_clear_error(&error);

    /* Values the schema's CHECK constraints refuse. */
    g_autoptr(json_t) bad_category =
        create_course_full(f, "BAD-1", "leisure", "hybrid", 1, &error);
    g_assert_null(bad_category);
    g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    g_clear_error(&error);
    g_autoptr(json_t) bad_delivery =
        create_course_full(f, "BAD-2", "general", "carrier-pigeon", 1, &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    g_clear_error(&error);
    g_autoptr(json_t) bad_hours = create_course_full(f, "BAD-3", "general", "hybrid", -1, &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    g_clear_error(&error);
    assert_counts_unchanged(f, before);

    /* Listing is by code. */
    new_course(f, "ALPHA-1", 1);
    new_course(f, "ZULU-9", 1);
    Wait w;
    wait_init(&w, copy_json);
    cr_store_list_courses(f->store, on_done, &w);
    g_autoptr(json_t) list = await(&w, &error);
    g_assert_no_error(error);
    json_t *courses = json_object_get(list, "courses");
    g_assert_cmpuint(json_array_size(courses), ==, 3);
    g_assert_cmpstr(jstr(json_array_get(courses, 0), "code"), ==, "ALPHA-1");
    g_assert_cmpstr(jstr(json_array_get(courses, 1), "code"), ==, "SAFE-201");
    g_assert_cmpstr(jstr(json_array_get(courses, 2), "code"), ==, "ZULU-9");

    /* Get one, and a missing one. */
    wait_init(&w, copy_json);
    cr_store_get_course(f->store, id, on_done, &w);
    g_autoptr(json_t) got = await(&w, &error);
    g_assert_no_error(error);
    g_assert_true(json_equal(got, course));
    wait_init(&w, copy_json);
    cr_store_get_course(f->store, 4242, on_done, &w);
    g_autoptr(json_t) missing = await(&w, &error);
    g_assert_null(missing);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
}

static void
test_sessions(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 other = new_course(f, "C-2", 1);
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) session = create_session(f, course, "Week 1", AT(9, 0), AT(10, 0), &error);
    g_assert_no_error(error);
    gint64 id = json_id(session);
    g_assert_cmpint(jint(session, "course_id"), ==, course);
    g_assert_cmpstr(jstr(session, "course_code"), ==, "C-1");
    g_assert_cmpstr(jstr(session, "course_title"), ==, "Course title");
    g_assert_cmpstr(jstr(session, "title"), ==, "Week 1");
    g_assert_cmpstr(jstr(session, "scheduled_start"), ==, "2026-11-27T09:00:00Z");
    g_assert_cmpstr(jstr(session, "scheduled_end"), ==, "2026-11-27T10:00:00Z");
    g_assert_true(json_is_null(json_object_get(session, "actual_start")));
    g_assert_true(json_is_null(json_object_get(session, "actual_end")));
    g_assert_cmpstr(jstr(session, "state"), ==, "scheduled");
    g_assert_true(json_is_false(json_object_get(session, "record")));

    gint64 before[N_TABLES];
    count_rows(f, before);
    g_autoptr(json_t) no_course = create_session(f, 999, "x", AT(9, 0), AT(10, 0), &error);
    g_assert_null(no_course);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
    g_clear_error(&error);
    g_autoptr(json_t) backwards = create_session(f, course, "x", AT(10, 0), AT(9, 0), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    g_clear_error(&error);
    g_autoptr(json_t) empty = create_session(f, course, "x", AT(9, 0), AT(9, 0), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    g_clear_error(&error);
    assert_counts_unchanged(f, before);

    /* Listing: by start time, optionally by course. */
    gint64 early = new_session(f, course, "Week 0", AT(7, 0), AT(8, 0));
    gint64 elsewhere = new_session(f, other, "Other", AT(8, 0), AT(9, 0));
    Wait w;
    wait_init(&w, copy_json);
    cr_store_list_sessions(f->store, 0, on_done, &w);
    g_autoptr(json_t) all = await(&w, &error);
    g_assert_no_error(error);
    json_t *list = json_object_get(all, "sessions");
    g_assert_cmpuint(json_array_size(list), ==, 3);
    g_assert_cmpint(json_id(json_array_get(list, 0)), ==, early);
    g_assert_cmpint(json_id(json_array_get(list, 1)), ==, elsewhere);
    g_assert_cmpint(json_id(json_array_get(list, 2)), ==, id);
    wait_init(&w, copy_json);
    cr_store_list_sessions(f->store, course, on_done, &w);
    g_autoptr(json_t) mine = await(&w, &error);
    list = json_object_get(mine, "sessions");
    g_assert_cmpuint(json_array_size(list), ==, 2);
    g_assert_cmpint(json_id(json_array_get(list, 0)), ==, early);
    g_assert_cmpint(json_id(json_array_get(list, 1)), ==, id);
    g_assert_true(json_equal(json_array_get(list, 1), session));

    /* Get. */
    g_autoptr(SessionInfo) info = get_session(f, id, &error);
    g_assert_no_error(error);
    g_assert_cmpint(info->id, ==, id);
    g_assert_cmpint(info->course_id, ==, course);
    g_assert_cmpstr(info->course_code, ==, "C-1");
    g_assert_cmpstr(info->title, ==, "Week 1");
    g_assert_cmpint(info->scheduled_start, ==, AT(9, 0));
    g_assert_cmpint(info->scheduled_end, ==, AT(10, 0));
    g_assert_cmpint(info->actual_start, ==, 0);
    g_assert_cmpint(info->actual_end, ==, 0);
    g_assert_cmpstr(info->state, ==, "scheduled");
    g_assert_false(info->record);
    g_autoptr(SessionInfo) none = get_session(f, 999, &error);
    g_assert_null(none);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
}

/* ---- the ledger ------------------------------------------------------- */

static void
test_join(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 session = new_session(f, course, "Week 1", AT(9, 0), AT(10, 0));
    g_autoptr(GError) error = NULL;

    /* A trainee, five minutes early: an open interval, a join event, the
     * session still scheduled. */
    g_autoptr(CrJoinResult) trainee = join_full(f, session, "u1", "Alice Ng", "Org A",
                                                "trainee", "remote", AT(8, 55), &error);
    g_assert_no_error(error);
    g_assert_cmpint(trainee->interval_id, >, 0);
    g_assert_cmpint(trainee->session.id, ==, session);
    g_assert_cmpstr(trainee->session.state, ==, "scheduled");
    g_assert_cmpint(trainee->session.actual_start, ==, 0);
    gint64 iv = trainee->interval_id;
    g_assert_cmpint(sql_int(f, "SELECT session_id FROM attendance WHERE id = %" G_GINT64_FORMAT,
                            iv),
                    ==, session);
    g_autofree char *row = sql_text(
        f,
        "SELECT person_id || '|' || role || '|' || mode || '|' || opened || '|' || last_seen"
        " || '|' || coalesce(closed, 'open') || '|' || client_addr || '|' || user_agent"
        " FROM attendance WHERE id = %" G_GINT64_FORMAT,
        iv);
    g_autofree char *expected_row = g_strdup_printf(
        "u1|trainee|remote|%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT "|open|192.0.2.7|test-agent/1.0",
        AT(8, 55), AT(8, 55));
    g_assert_cmpstr(row, ==, expected_row);
    g_autofree char *person = sql_text(f, "SELECT name || '|' || org FROM people WHERE id = 'u1'");
    g_assert_cmpstr(person, ==, "Alice Ng|Org A");
    g_assert_cmpint(count_events(f, "join"), ==, 1);
    g_autofree char *event = sql_text(
        f, "SELECT at || '|' || session_id || '|' || person_id || '|' || data FROM events"
           " WHERE type = 'join'");
    g_autofree char *expected_event =
        g_strdup_printf("%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT
                        "|u1|{\"interval\":%" G_GINT64_FORMAT
                        ",\"role\":\"trainee\",\"mode\":\"remote\"}",
                        AT(8, 55), session, iv);
    g_assert_cmpstr(event, ==, expected_event);
    g_assert_cmpint(count_events(f, "start"), ==, 0);

    /* The instructor: the session goes live, actual_start is the join time. */
    g_autoptr(CrJoinResult) instructor = join_full(f, session, "t1", "Zed Teacher", NULL,
                                                   "instructor", "remote", AT(8, 58), &error);
    g_assert_no_error(error);
    g_assert_cmpstr(instructor->session.state, ==, "live");
    g_assert_cmpint(instructor->session.actual_start, ==, AT(8, 58));
    g_autoptr(SessionInfo) info = get_session(f, session, &error);
    g_assert_cmpstr(info->state, ==, "live");
    g_assert_cmpint(info->actual_start, ==, AT(8, 58));
    g_assert_cmpint(count_events(f, "start"), ==, 1);
    g_assert_cmpint(count_events(f, "join"), ==, 2);

    /* A second instructor join changes neither. */
    join(f, session, "t2", "Yan Assistant", "instructor", AT(9, 5));
    g_autoptr(SessionInfo) again = get_session(f, session, &error);
    g_assert_cmpstr(again->state, ==, "live");
    g_assert_cmpint(again->actual_start, ==, AT(8, 58));
    g_assert_cmpint(count_events(f, "start"), ==, 1);

    /* Re-joining updates the person: a new name; a NULL org keeps the old. */
    join(f, session, "u1", "Alice Ng-Lee", "trainee", AT(9, 10));
    g_autofree char *renamed =
        sql_text(f, "SELECT name || '|' || org || '|' || first_seen || '|' || last_seen"
                    " FROM people WHERE id = 'u1'");
    g_autofree char *expected_person = g_strdup_printf(
        "Alice Ng-Lee|Org A|%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT, AT(8, 55), AT(9, 10));
    g_assert_cmpstr(renamed, ==, expected_person);
    g_assert_cmpint(
        sql_int(f, "SELECT count(*) FROM attendance WHERE person_id = 'u1' AND closed IS NULL"),
        ==, 2);
}

static void
test_join_refused(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 later = new_session(f, course, "Noon", AT(12, 0), AT(13, 0));
    gint64 ended = new_session(f, course, "Past", AT(7, 0), AT(8, 0));
    g_autoptr(GError) error = NULL;
    g_autoptr(SessionInfo) done = end_session(f, ended, AT(8, 0), &error);
    g_assert_no_error(error);

    gint64 before[N_TABLES];
    count_rows(f, before);

    g_autoptr(CrJoinResult) missing =
        join_full(f, 999, "u1", "A", NULL, "trainee", "remote", AT(9, 0), &error);
    g_assert_null(missing);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
    g_clear_error(&error);

    g_autoptr(CrJoinResult) over =
        join_full(f, ended, "u1", "A", NULL, "instructor", "remote", AT(9, 0), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_CONFLICT);
    g_clear_error(&error);

    /* 12:00 minus an hour is 11:00: one second before is too early. */
    g_autoptr(CrJoinResult) early =
        join_full(f, later, "u1", "A", NULL, "instructor", "remote", HMS(10, 59, 59), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_CONFLICT);
    g_clear_error(&error);
    g_autoptr(CrJoinResult) much_earlier =
        join_full(f, later, "u1", "A", NULL, "trainee", "remote", AT(9, 0), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_CONFLICT);
    g_clear_error(&error);

    /* Nothing was written by any refusal. */
    assert_counts_unchanged(f, before);
    g_autoptr(SessionInfo) still = get_session(f, later, &error);
    g_assert_cmpstr(still->state, ==, "scheduled");

    /* At exactly start - early it opens. */
    join(f, later, "u1", "A", "trainee", AT(11, 0));
}

static void
test_leave(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 session = new_session(f, course, "Week 1", AT(9, 0), AT(10, 0));
    gint64 iv = join(f, session, "u1", "Alice", "trainee", AT(9, 0));

    leave(f, iv, AT(9, 30), "leave");
    g_autofree char *row = sql_text(
        f, "SELECT closed || '|' || close_reason || '|' || last_seen FROM attendance"
           " WHERE id = %" G_GINT64_FORMAT, iv);
    g_autofree char *expected =
        g_strdup_printf("%" G_GINT64_FORMAT "|leave|%" G_GINT64_FORMAT, AT(9, 30), AT(9, 30));
    g_assert_cmpstr(row, ==, expected);
    g_assert_cmpint(count_events(f, "leave"), ==, 1);
    g_autofree char *event = sql_text(
        f, "SELECT at || '|' || person_id || '|' || data FROM events WHERE type = 'leave'");
    g_autofree char *expected_event = g_strdup_printf(
        "%" G_GINT64_FORMAT "|u1|{\"interval\":%" G_GINT64_FORMAT ",\"reason\":\"leave\"}",
        AT(9, 30), iv);
    g_assert_cmpstr(event, ==, expected_event);

    /* A second leave, even with another time and reason, changes nothing. */
    leave(f, iv, AT(9, 45), "timeout");
    g_autofree char *same = sql_text(
        f, "SELECT closed || '|' || close_reason || '|' || last_seen FROM attendance"
           " WHERE id = %" G_GINT64_FORMAT, iv);
    g_assert_cmpstr(same, ==, expected);
    g_assert_cmpint(count_events(f, "leave"), ==, 1);

    /* Leaving an interval that does not exist is a no-op, not an error. */
    leave(f, 4242, AT(9, 45), "leave");
    g_assert_cmpint(count_events(f, "leave"), ==, 1);

    /* A close time before the open time (clock trouble) closes at opened. */
    gint64 iv2 = join(f, session, "u2", "Bob", "trainee", AT(9, 20));
    leave(f, iv2, AT(9, 10), "closed");
    g_assert_cmpint(sql_int(f, "SELECT closed FROM attendance WHERE id = %" G_GINT64_FORMAT, iv2),
                    ==, AT(9, 20));

    /* Without a done callback (fire and forget). */
    gint64 iv3 = join(f, session, "u3", "Carol", "trainee", AT(9, 25));
    CrLeaveInput in = {iv3, AT(9, 40), "kicked"};
    cr_store_leave(f->store, &in, NULL, NULL);
    flush(f);
    g_autofree char *reason = sql_text(
        f, "SELECT close_reason FROM attendance WHERE id = %" G_GINT64_FORMAT, iv3);
    g_assert_cmpstr(reason, ==, "kicked");
    g_assert_cmpint(count_events(f, "leave"), ==, 3);
}

static void
test_touch(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 session = new_session(f, course, "Week 1", AT(9, 0), AT(10, 0));
    gint64 a = join(f, session, "u1", "Alice", "trainee", AT(9, 0));
    gint64 b = join(f, session, "u2", "Bob", "trainee", AT(9, 0));
    gint64 c = join(f, session, "u3", "Carol", "trainee", AT(9, 0));
    leave(f, c, AT(9, 2), "leave");

    gint64 ids[] = {a, b, c};
    gint64 seen[] = {AT(9, 5), AT(9, 6), AT(9, 7)};
    cr_store_touch(f->store, ids, seen, G_N_ELEMENTS(ids));
    flush(f);
    g_assert_cmpint(sql_int(f, "SELECT last_seen FROM attendance WHERE id = %" G_GINT64_FORMAT, a),
                    ==, AT(9, 5));
    g_assert_cmpint(sql_int(f, "SELECT last_seen FROM attendance WHERE id = %" G_GINT64_FORMAT, b),
                    ==, AT(9, 6));
    /* A closed interval is not touched. */
    g_assert_cmpint(sql_int(f, "SELECT last_seen FROM attendance WHERE id = %" G_GINT64_FORMAT, c),
                    ==, AT(9, 2));

    /* last_seen never goes back. */
    gint64 earlier[] = {AT(9, 1)};
    cr_store_touch(f->store, &a, earlier, 1);
    cr_store_touch(f->store, NULL, NULL, 0);
    flush(f);
    g_assert_cmpint(sql_int(f, "SELECT last_seen FROM attendance WHERE id = %" G_GINT64_FORMAT, a),
                    ==, AT(9, 5));
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM attendance WHERE closed IS NULL"), ==, 2);
}

static void
test_ban(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 session = new_session(f, course, "Week 1", AT(9, 0), AT(10, 0));
    gint64 iv = join(f, session, "u1", "Alice", "trainee", AT(9, 0));
    leave(f, iv, AT(9, 5), "kicked");
    cr_store_ban(f->store, session, "u1", "t1", AT(9, 5));
    flush(f);
    g_autofree char *ban = sql_text(
        f, "SELECT banned_at || '|' || banned_by FROM session_bans WHERE session_id = %"
           G_GINT64_FORMAT " AND person_id = 'u1'", session);
    g_autofree char *expected = g_strdup_printf("%" G_GINT64_FORMAT "|t1", AT(9, 5));
    g_assert_cmpstr(ban, ==, expected);
    g_autofree char *kick =
        sql_text(f, "SELECT person_id || '|' || data FROM events WHERE type = 'kick'");
    g_assert_cmpstr(kick, ==, "u1|{\"by\":\"t1\"}");

    gint64 before[N_TABLES];
    count_rows(f, before);
    g_autoptr(GError) error = NULL;
    g_autoptr(CrJoinResult) again =
        join_full(f, session, "u1", "Alice", NULL, "trainee", "remote", AT(9, 6), &error);
    g_assert_null(again);
    g_assert_error(error, CR_ERROR, CR_ERROR_FORBIDDEN);
    g_clear_error(&error);
    /* Nor in person. */
    g_autoptr(json_t) in_person = checkin(f, session, "u1", "Alice", AT(9, 7), &error);
    g_assert_null(in_person);
    g_assert_error(error, CR_ERROR, CR_ERROR_FORBIDDEN);
    assert_counts_unchanged(f, before);

    /* Banning twice keeps one row. Others still join; so does u1 elsewhere. */
    cr_store_ban(f->store, session, "u1", "t2", AT(9, 8));
    join(f, session, "u2", "Bob", "trainee", AT(9, 9));
    gint64 other = new_session(f, course, "Week 2", AT(9, 0), AT(10, 0));
    join(f, other, "u1", "Alice", "trainee", AT(9, 9));
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM session_bans"), ==, 1);
}

static void
test_end_session(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 session = new_session(f, course, "Week 1", AT(9, 0), AT(10, 0));
    gint64 t = join(f, session, "t1", "Teacher", "instructor", AT(8, 58));
    gint64 a = join(f, session, "u1", "Alice", "trainee", AT(9, 0));
    gint64 b = join(f, session, "u2", "Bob", "trainee", AT(9, 1));
    gint64 c = join(f, session, "u3", "Carol", "trainee", AT(9, 2));
    leave(f, c, AT(9, 30), "leave");
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) in = checkin(f, session, "u4", "Dan", AT(9, 3), &error);
    g_assert_no_error(error);
    /* An open interval in another session is not touched. */
    gint64 other = new_session(f, course, "Week 2", AT(9, 0), AT(10, 0));
    gint64 elsewhere = join(f, other, "u9", "Eve", "trainee", AT(9, 0));

    g_autoptr(SessionInfo) ended = end_session(f, session, AT(10, 0), &error);
    g_assert_no_error(error);
    g_assert_cmpstr(ended->state, ==, "ended");
    g_assert_cmpint(ended->actual_start, ==, AT(8, 58));
    g_assert_cmpint(ended->actual_end, ==, AT(10, 0));

    /* Every open interval of the session closed at the end, class_ended. */
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM attendance WHERE session_id = %"
                               G_GINT64_FORMAT " AND closed IS NULL", session),
                    ==, 0);
    gint64 closed_ids[] = {t, a, b};
    for (gsize i = 0; i < G_N_ELEMENTS(closed_ids); i++) {
        g_autofree char *row = sql_text(
            f, "SELECT closed || '|' || close_reason FROM attendance WHERE id = %"
               G_GINT64_FORMAT, closed_ids[i]);
        g_autofree char *expected = g_strdup_printf("%" G_GINT64_FORMAT "|class_ended", AT(10, 0));
        g_assert_cmpstr(row, ==, expected);
    }
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM attendance WHERE session_id = %"
                               G_GINT64_FORMAT " AND mode = 'in-person' AND closed = %"
                               G_GINT64_FORMAT " AND close_reason = 'class_ended'",
                            session, AT(10, 0)),
                    ==, 1);
    g_autofree char *left = sql_text(
        f, "SELECT close_reason FROM attendance WHERE id = %" G_GINT64_FORMAT, c);
    g_assert_cmpstr(left, ==, "leave");
    g_assert_cmpint(
        sql_int(f, "SELECT count(*) FROM events WHERE type = 'leave'"
                   " AND json_extract(data, '$.reason') = 'class_ended'"),
        ==, 4);
    g_assert_cmpint(count_events(f, "end"), ==, 1);
    g_assert_cmpint(
        sql_int(f, "SELECT closed IS NULL FROM attendance WHERE id = %" G_GINT64_FORMAT,
                elsewhere),
        ==, 1);

    /* Ending twice; joining and checking in after the end. */
    gint64 before[N_TABLES];
    count_rows(f, before);
    g_autoptr(SessionInfo) twice = end_session(f, session, AT(10, 5), &error);
    g_assert_null(twice);
    g_assert_error(error, CR_ERROR, CR_ERROR_CONFLICT);
    g_clear_error(&error);
    g_autoptr(CrJoinResult) late =
        join_full(f, session, "u5", "Late", NULL, "trainee", "remote", AT(10, 1), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_CONFLICT);
    g_clear_error(&error);
    g_autoptr(json_t) late_in = checkin(f, session, "u5", "Late", AT(10, 1), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_CONFLICT);
    g_clear_error(&error);
    assert_counts_unchanged(f, before);
    g_autoptr(SessionInfo) info = get_session(f, session, &error);
    g_assert_cmpint(info->actual_end, ==, AT(10, 0));

    /* A session nobody joined: ending it sets both actual times. */
    gint64 unused = new_session(f, course, "Week 3", AT(11, 0), AT(12, 0));
    g_autoptr(SessionInfo) quiet = end_session(f, unused, AT(11, 30), &error);
    g_assert_no_error(error);
    g_assert_cmpint(quiet->actual_start, ==, AT(11, 30));
    g_assert_cmpint(quiet->actual_end, ==, AT(11, 30));
    g_autoptr(SessionInfo) nothing = end_session(f, 999, AT(11, 30), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
}

static void
test_checkin(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 session = new_session(f, course, "Week 1", AT(9, 0), AT(10, 0));
    g_autoptr(GError) error = NULL;

    g_autoptr(json_t) first = checkin(f, session, "u1", "Alice", AT(8, 50), &error);
    g_assert_no_error(error);
    g_assert_cmpstr(jstr(first, "person"), ==, "u1");
    assert_time_field(first, "checked_in_at", AT(8, 50));
    g_assert_true(json_is_false(json_object_get(first, "already")));
    g_autofree char *row = sql_text(
        f, "SELECT role || '|' || mode || '|' || opened || '|' || user_agent FROM attendance"
           " WHERE person_id = 'u1'");
    g_autofree char *expected =
        g_strdup_printf("trainee|in-person|%" G_GINT64_FORMAT "|coordinator", AT(8, 50));
    g_assert_cmpstr(row, ==, expected);
    g_assert_cmpint(count_events(f, "checkin"), ==, 1);
    g_autofree char *by = sql_text(
        f, "SELECT json_extract(data, '$.by') FROM events WHERE type = 'checkin'");
    g_assert_cmpstr(by, ==, "coordinator");

    /* Twice: nothing new, already true, the original check-in time. */
    g_autoptr(json_t) second = checkin(f, session, "u1", "Alice", AT(9, 10), &error);
    g_assert_no_error(error);
    g_assert_true(json_is_true(json_object_get(second, "already")));
    assert_time_field(second, "checked_in_at", AT(8, 50));
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM attendance"), ==, 1);
    g_assert_cmpint(count_events(f, "checkin"), ==, 1);

    /* A remote interval does not count as checked in, and vice versa. */
    gint64 remote = join(f, session, "u2", "Bob", "trainee", AT(9, 0));
    g_autoptr(json_t) bob_out = checkout(f, session, "u2", AT(9, 5), &error);
    g_assert_null(bob_out);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
    g_clear_error(&error);
    g_autoptr(json_t) bob_in = checkin(f, session, "u2", "Bob", AT(9, 6), &error);
    g_assert_no_error(error);
    g_assert_true(json_is_false(json_object_get(bob_in, "already")));
    g_assert_cmpint(
        sql_int(f, "SELECT closed IS NULL FROM attendance WHERE id = %" G_GINT64_FORMAT, remote),
        ==, 1);

    /* Checkout. */
    g_autoptr(json_t) out = checkout(f, session, "u1", AT(9, 40), &error);
    g_assert_no_error(error);
    g_assert_cmpstr(jstr(out, "person"), ==, "u1");
    assert_time_field(out, "checked_out_at", AT(9, 40));
    g_autofree char *closed = sql_text(
        f, "SELECT closed || '|' || close_reason FROM attendance WHERE person_id = 'u1'");
    g_autofree char *expected_closed = g_strdup_printf("%" G_GINT64_FORMAT "|checkout", AT(9, 40));
    g_assert_cmpstr(closed, ==, expected_closed);

    /* Checkout again, or of someone never checked in. */
    gint64 before[N_TABLES];
    count_rows(f, before);
    g_autoptr(json_t) again = checkout(f, session, "u1", AT(9, 41), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
    g_clear_error(&error);
    g_autoptr(json_t) stranger = checkout(f, session, "nobody", AT(9, 41), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
    g_clear_error(&error);
    g_autoptr(json_t) no_session = checkin(f, 999, "u1", "Alice", AT(9, 41), &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_NOT_FOUND);
    g_clear_error(&error);
    assert_counts_unchanged(f, before);

    /* Back in: a new interval. */
    g_autoptr(json_t) back = checkin(f, session, "u1", "Alice", AT(9, 45), &error);
    g_assert_no_error(error);
    g_assert_true(json_is_false(json_object_get(back, "already")));
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM attendance WHERE person_id = 'u1'"), ==, 2);
}

/* ---- crash recovery --------------------------------------------------- */

static void
test_recovery(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 session = new_session(f, course, "Week 1", AT(9, 0), AT(10, 0));
    gint64 a = join(f, session, "u1", "Alice", "trainee", AT(9, 0));
    gint64 b = join(f, session, "u2", "Bob", "trainee", AT(9, 5));
    gint64 d = join(f, session, "u4", "Dan", "trainee", AT(9, 0));
    leave(f, d, AT(9, 10), "leave");
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) c = checkin(f, session, "u3", "Carol", AT(9, 0), &error);
    g_assert_no_error(error);
    gint64 seen[] = {AT(9, 20)};
    cr_store_touch(f->store, &a, seen, 1);
    gint64 leaves = count_events(f, "leave");
    g_assert_cmpint(leaves, ==, 1);

    /* "Crash": close without leaving. Without recovery nothing is closed. */
    reopen(f, FALSE);
    g_assert_cmpuint(cr_store_recovered_intervals(f->store), ==, 0);
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM attendance WHERE closed IS NULL"), ==, 3);
    g_assert_cmpint(count_events(f, "leave"), ==, 1);

    /* With recovery: the remote intervals close at their last_seen. */
    reopen(f, TRUE);
    g_assert_cmpuint(cr_store_recovered_intervals(f->store), ==, 2);
    g_autofree char *ra = sql_text(
        f, "SELECT closed || '|' || close_reason FROM attendance WHERE id = %" G_GINT64_FORMAT, a);
    g_autofree char *ea = g_strdup_printf("%" G_GINT64_FORMAT "|server_restart", AT(9, 20));
    g_assert_cmpstr(ra, ==, ea);
    g_autofree char *rb = sql_text(
        f, "SELECT closed || '|' || close_reason FROM attendance WHERE id = %" G_GINT64_FORMAT, b);
    g_autofree char *eb = g_strdup_printf("%" G_GINT64_FORMAT "|server_restart", AT(9, 5));
    g_assert_cmpstr(rb, ==, eb);
    /* In person stays open; the closed one is unchanged. */
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM attendance WHERE closed IS NULL"
                               " AND mode = 'in-person' AND person_id = 'u3'"),
                    ==, 1);
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM attendance WHERE closed IS NULL"), ==, 1);
    g_autofree char *rd = sql_text(
        f, "SELECT closed || '|' || close_reason FROM attendance WHERE id = %" G_GINT64_FORMAT, d);
    g_autofree char *ed = g_strdup_printf("%" G_GINT64_FORMAT "|leave", AT(9, 10));
    g_assert_cmpstr(rd, ==, ed);
    /* One leave event each, at last_seen. */
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM events WHERE type = 'leave'"
                               " AND json_extract(data, '$.reason') = 'server_restart'"),
                    ==, 2);
    g_assert_cmpint(sql_int(f, "SELECT at FROM events WHERE type = 'leave'"
                               " AND json_extract(data, '$.interval') = %" G_GINT64_FORMAT, a),
                    ==, AT(9, 20));
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM events WHERE type = 'leave'"
                               " AND person_id = 'u2' AND session_id = %" G_GINT64_FORMAT,
                            session),
                    ==, 1);

    /* Nothing left to recover the next time. */
    reopen(f, TRUE);
    g_assert_cmpuint(cr_store_recovered_intervals(f->store), ==, 0);
    g_assert_cmpint(count_events(f, "leave"), ==, 3);
}

/* ---- the outbox and the seed ----------------------------------------- */

static void
test_list_events(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 s = new_session(f, course, "Week 1", AT(9, 0), AT(10, 0));
    join(f, s, "t1", "Teacher", "instructor", AT(9, 0));           /* start, join */
    gint64 iv = join(f, s, "u1", "Alice", "trainee", AT(9, 1));    /* join */
    g_autoptr(json_t) hand = json_pack("{s:b}", "up", 1);
    CrEventInput ev = {s, "u1", "hand_raised", hand, AT(9, 2)};
    cr_store_event(f->store, &ev);                                  /* hand_raised */
    CrEventInput global = {0, NULL, "server_note", NULL, AT(9, 3)};
    cr_store_event(f->store, &global);                              /* server_note */
    leave(f, iv, AT(9, 4), "leave");                                /* leave */

    static const char *const types[] = {"start", "join", "join", "hand_raised", "server_note",
                                        "leave"};
    g_autoptr(json_t) all = list_events(f, 0, 1000);
    json_t *events = json_object_get(all, "events");
    g_assert_cmpuint(json_array_size(events), ==, G_N_ELEMENTS(types));
    gint64 previous = 0;
    for (gsize i = 0; i < G_N_ELEMENTS(types); i++) {
        json_t *e = json_array_get(events, i);
        g_assert_cmpstr(jstr(e, "type"), ==, types[i]);
        g_assert_cmpint(jint(e, "seq"), >, previous);
        previous = jint(e, "seq");
        g_assert_true(json_is_object(json_object_get(e, "data")));
    }
    g_assert_cmpint(jint(all, "next"), ==, previous);

    json_t *start = json_array_get(events, 0);
    g_assert_cmpint(jint(start, "session"), ==, s);
    g_assert_true(json_is_null(json_object_get(start, "person")));
    g_assert_cmpuint(json_object_size(json_object_get(start, "data")), ==, 0);
    json_t *raised = json_array_get(events, 3);
    g_assert_cmpstr(jstr(raised, "person"), ==, "u1");
    assert_time_field(raised, "at", AT(9, 2));
    g_assert_true(json_equal(json_object_get(raised, "data"), hand));
    json_t *note = json_array_get(events, 4);
    g_assert_true(json_is_null(json_object_get(note, "session")));
    g_assert_true(json_is_null(json_object_get(note, "person")));
    json_t *left = json_array_get(events, 5);
    g_assert_cmpint(jint(json_object_get(left, "data"), "interval"), ==, iv);

    /* Pages: two at a time, each continuing after the previous next. */
    gint64 after = 0;
    gsize seen = 0;
    for (int page = 0; page < 4; page++) {
        g_autoptr(json_t) part = list_events(f, after, 2);
        json_t *list = json_object_get(part, "events");
        g_assert_cmpuint(json_array_size(list), ==, page < 3 ? 2 : 0);
        for (gsize i = 0; i < json_array_size(list); i++) {
            g_assert_cmpint(jint(json_array_get(list, i), "seq"), ==,
                            jint(json_array_get(events, seen), "seq"));
            seen++;
        }
        /* With nothing after, next stays where it was. */
        if (page == 3)
            g_assert_cmpint(jint(part, "next"), ==, after);
        after = jint(part, "next");
    }
    g_assert_cmpuint(seen, ==, G_N_ELEMENTS(types));
}

static void
test_seed(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    gint64 id = cr_store_seed_demo_sync(f->store, AT(9, 0), AT(10, 0), &error);
    g_assert_no_error(error);
    g_assert_cmpint(id, >, 0);
    g_autoptr(SessionInfo) info = get_session(f, id, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(info->course_code, ==, "DEMO-101");
    g_assert_cmpint(info->scheduled_start, ==, AT(9, 0));
    g_assert_cmpint(info->scheduled_end, ==, AT(10, 0));
    g_assert_cmpstr(info->state, ==, "scheduled");

    gint64 before[N_TABLES];
    count_rows(f, before);
    g_assert_cmpint(cr_store_seed_demo_sync(f->store, AT(9, 0), AT(10, 0), &error), ==, 0);
    g_assert_no_error(error);
    assert_counts_unchanged(f, before);

    /* An invalid window on an empty database: an error, and the course
     * inserted before the failure is rolled back. */
    g_autofree char *path = g_build_filename(f->dir, "other.db", NULL);
    g_autoptr(CrStore) other = cr_store_open(path, 5000, FALSE, &error);
    g_assert_no_error(error);
    g_assert_cmpint(cr_store_seed_demo_sync(other, AT(10, 0), AT(9, 0), &error), ==, -1);
    g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    g_clear_error(&error);
    CrStore *keep = f->store;
    f->store = other;
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM courses"), ==, 0);
    f->store = keep;
}

/* ---- transactions ----------------------------------------------------- */

static void
test_rollback(Fixture *f, gconstpointer data)
{
    gint64 course = new_course(f, "C-1", 1);
    gint64 s = new_session(f, course, "Week 1", AT(9, 0), AT(10, 0));
    join(f, s, "u1", "Alice", "trainee", AT(9, 0));
    gint64 before[N_TABLES];
    count_rows(f, before);
    g_autoptr(GError) error = NULL;

    /* Refused before writing anything. */
    g_autoptr(json_t) dup = create_course_full(f, "C-1", "general", "online", 1, &error);
    g_assert_error(error, CR_ERROR, CR_ERROR_CONFLICT);
    g_clear_error(&error);
    assert_counts_unchanged(f, before);

    /* Refused after writing: an instructor's join upserts the person, makes
     * the session live and writes a start event before the interval insert
     * fails (the mode is not one the schema allows). All of it is undone. */
    g_autoptr(CrJoinResult) bad = join_full(f, s, "t9", "New Teacher", "Org", "instructor",
                                            "telepathy", AT(9, 1), &error);
    g_assert_null(bad);
    g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    g_clear_error(&error);
    assert_counts_unchanged(f, before);
    g_autoptr(SessionInfo) info = get_session(f, s, &error);
    g_assert_cmpstr(info->state, ==, "scheduled");
    g_assert_cmpint(info->actual_start, ==, 0);
    g_assert_cmpint(sql_int(f, "SELECT count(*) FROM people WHERE id = 't9'"), ==, 0);

    /* The store still works afterwards. */
    join(f, s, "t1", "Teacher", "instructor", AT(9, 2));
    g_autoptr(SessionInfo) live = get_session(f, s, &error);
    g_assert_cmpstr(live->state, ==, "live");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/store/open-schema", test_open_schema);
    g_test_add_func("/store/open-fails", test_open_fails);
    ADD("/store/courses", test_courses);
    ADD("/store/sessions", test_sessions);
    ADD("/store/join", test_join);
    ADD("/store/join-refused", test_join_refused);
    ADD("/store/leave", test_leave);
    ADD("/store/touch", test_touch);
    ADD("/store/ban", test_ban);
    ADD("/store/end-session", test_end_session);
    ADD("/store/checkin", test_checkin);
    ADD("/store/recovery", test_recovery);
    ADD("/store/list-events", test_list_events);
    ADD("/store/seed", test_seed);
    ADD("/store/rollback", test_rollback);
#undef ADD
    return g_test_run();
}
