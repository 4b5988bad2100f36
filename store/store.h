/* store.h — the sqlite3 database: courses, sessions, people, the
 * attendance ledger and the event outbox.
 *
 * One store thread owns the connection (WAL mode, foreign keys on). Other
 * threads submit operations; each runs in its own transaction on the store
 * thread, in submission order, and its result is delivered on the thread
 * default GMainContext of the submitter (cr_store_*_async), or returned
 * to a blocked caller (cr_store_*_sync, for command-line tools).
 *
 * A join or leave is committed before its done callback runs, so whoever
 * acknowledges it to a client does so only for a durable fact.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

#include "store/credit.h"
#include "store/report.h"

G_BEGIN_DECLS

typedef struct _CrStore CrStore;

/* Opens or creates the database at @path, migrates the schema and starts
 * the store thread. With @recover (the server, never a reporting tool),
 * first closes the remote intervals a crash left open, at their last_seen,
 * with reason "server_restart". */
CrStore *cr_store_open(const char *path, gint64 busy_timeout_ms, gboolean recover,
                       GError **error);
/* Runs what was submitted, stops the thread and closes the database. */
void cr_store_close(CrStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrStore, cr_store_close)

/* The number of intervals cr_store_open closed after a crash. */
guint cr_store_recovered_intervals(const CrStore *store);

typedef struct {
    guint64 jobs;
    guint64 errors;
    guint64 total_us; /* time spent running jobs */
    guint64 max_us;
    guint queued;
} CrStoreStats;
/* A snapshot of the counters; any thread. */
void cr_store_stats(CrStore *store, CrStoreStats *out);

/* ---- Inputs ---------------------------------------------------------- */

typedef struct {
    const char *code;
    const char *title;
    const char *category; /* general | professional | management */
    const char *delivery; /* in-person | online | remote | hybrid */
    double credit_hours;
} CrCourseInput;

typedef struct {
    gint64 course_id;
    const char *title;
    gint64 scheduled_start;
    gint64 scheduled_end;
    gboolean record;
} CrSessionInput;

typedef struct {
    gint64 session_id;
    const char *person;
    const char *name;
    const char *org;  /* may be NULL */
    const char *role; /* instructor | trainee */
    const char *mode; /* remote | in-person */
    const char *client_addr;
    const char *user_agent;
    gint64 now;
    gint64 early_seconds; /* how long before the start joining is allowed */
} CrJoinInput;

typedef struct {
    gint64 interval_id;
    gint64 closed;
    const char *reason; /* leave | closed | timeout | kicked | class_ended | ... */
} CrLeaveInput;

typedef struct {
    gint64 session_id;
    const char *person; /* may be NULL */
    const char *type;   /* hand_raised, floor_granted, ... */
    json_t *data;       /* may be NULL; borrowed */
    gint64 at;
} CrEventInput;

/* ---- Results --------------------------------------------------------- */

typedef struct {
    gint64 interval_id;
    CrSessionInfo session;
} CrJoinResult;
void cr_join_result_free(CrJoinResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrJoinResult, cr_join_result_free)

/* Done callback: @result is owned by the callee only when it says so
 * (see each operation); @error is NULL on success. */
typedef void (*CrStoreDone)(gpointer result, const GError *error, gpointer user_data);

/* ---- Operations (async: done runs on the caller's context) ----------- */

/* Creates a course; result: json object of the course (owned by callee).
 * CR_ERROR_CONFLICT when the code exists, BAD_REQUEST on invalid fields. */
void cr_store_create_course(CrStore *store, const CrCourseInput *in, CrStoreDone done,
                            gpointer user_data);
/* Result: json {"courses":[...]} (owned by callee). */
void cr_store_list_courses(CrStore *store, CrStoreDone done, gpointer user_data);
/* Result: json course; NOT_FOUND when missing. */
void cr_store_get_course(CrStore *store, gint64 course_id, CrStoreDone done, gpointer user_data);

/* Creates a session; result: json session. NOT_FOUND for a missing course,
 * BAD_REQUEST when the end is not after the start. */
void cr_store_create_session(CrStore *store, const CrSessionInput *in, CrStoreDone done,
                             gpointer user_data);
/* Result: json {"sessions":[...]}; @course_id 0 = all. */
void cr_store_list_sessions(CrStore *store, gint64 course_id, CrStoreDone done,
                            gpointer user_data);
/* Result: CrSessionInfo * (owned by callee; cr_session_info_free). */
void cr_store_get_session(CrStore *store, gint64 session_id, CrStoreDone done,
                          gpointer user_data);

/* Opens an attendance interval (upserting the person, making the session
 * live when an instructor joins, writing a "join" event), all in one
 * transaction. Result: CrJoinResult * (owned by callee). NOT_FOUND for a
 * missing session; CONFLICT when it has ended or not yet opened;
 * FORBIDDEN when the person was removed from it. */
void cr_store_join(CrStore *store, const CrJoinInput *in, CrStoreDone done, gpointer user_data);
/* Closes an interval and writes a "leave" event; no result. Closing an
 * already closed interval changes nothing. @done may be NULL. */
void cr_store_leave(CrStore *store, const CrLeaveInput *in, CrStoreDone done,
                    gpointer user_data);
/* Records last_seen for @n intervals; fire and forget. */
void cr_store_touch(CrStore *store, const gint64 *interval_ids, const gint64 *seen, gsize n);
/* Appends an event to the outbox; fire and forget. */
void cr_store_event(CrStore *store, const CrEventInput *in);
/* Bars @person from re-joining @session and writes a "kick" event. */
void cr_store_ban(CrStore *store, gint64 session_id, const char *person, const char *by,
                  gint64 at);
/* Ends a session: state ended, actual_end = @at, every open interval
 * closed with reason "class_ended", an "end" event. Result: CrSessionInfo *.
 * CONFLICT when it had already ended. */
void cr_store_end_session(CrStore *store, gint64 session_id, gint64 at, CrStoreDone done,
                          gpointer user_data);

/* In-person check-in: opens an in-person interval unless one is open.
 * Result: json {"person","checked_in_at","already":bool}. */
void cr_store_checkin(CrStore *store, gint64 session_id, const char *person, const char *name,
                      const char *org, const char *by, gint64 at, CrStoreDone done,
                      gpointer user_data);
/* Closes the person's open in-person interval. Result: json
 * {"person","checked_out_at"}; NOT_FOUND when not checked in. */
void cr_store_checkout(CrStore *store, gint64 session_id, const char *person, const char *by,
                       gint64 at, CrStoreDone done, gpointer user_data);

/* Media intervals (media-ledger.c). Open: result gint64 * id. */
void cr_store_media_open(CrStore *store, gint64 session_id, const char *person, gboolean receive,
                         gint64 at, CrStoreDone done, gpointer user_data);
void cr_store_media_close(CrStore *store, gint64 media_id, gint64 at, const char *reason);
/* Records last_seen = @seen for open media intervals; fire and forget. */
void cr_store_media_touch(CrStore *store, const gint64 *media_ids, gsize n, gint64 seen);

/* Result: CrSessionReport * (owned by callee; cr_session_report_free). */
void cr_store_session_report(CrStore *store, gint64 session_id, const CrCreditRules *rules,
                             gint64 now, CrStoreDone done, gpointer user_data);
/* Result: CrCourseReport * (owned by callee; cr_course_report_free). */
void cr_store_course_report(CrStore *store, gint64 course_id, const CrCreditRules *rules,
                            gint64 now, CrStoreDone done, gpointer user_data);
/* Result: json {"events":[...],"next":SEQ}: up to @limit events after @after. */
void cr_store_list_events(CrStore *store, gint64 after, gint64 limit, CrStoreDone done,
                          gpointer user_data);

/* ---- Synchronous forms for command-line tools ------------------------ */

CrSessionReport *cr_store_session_report_sync(CrStore *store, gint64 session_id,
                                              const CrCreditRules *rules, gint64 now,
                                              GError **error);
CrCourseReport *cr_store_course_report_sync(CrStore *store, gint64 course_id,
                                            const CrCreditRules *rules, gint64 now,
                                            GError **error);
/* On an empty database creates the demo course and a session from @start
 * to @end; returns its id, 0 when the database already had courses, -1 on
 * error. */
gint64 cr_store_seed_demo_sync(CrStore *store, gint64 start, gint64 end, GError **error);

/* ---- Recordings (recordings.c) --------------------------------------- */

/* A recording is a row per file: {"id","session_id","state","reason"
 * (null unless failed or repaired),"container","path","tracks":[...],
 * "started_at","ended_at","duration_seconds","size_bytes","sha256"}, times
 * RFC 3339 (null when unset), numbers null until known. state is
 * recording | finalizing | complete | repaired | failed. "path" is
 * relative to recording.dir (e.g. "session-3/rec-7.webm"), never absolute
 * nor with "..": internal, the HTTP API shows "media_url" instead. Every
 * change writes recording_created / recording_updated / recording_deleted
 * to the outbox in the same transaction. */
typedef struct {
    gint64 session_id;
    const char *path;      /* relative to the recordings directory */
    const char *container; /* "webm" | "mkv" (| "mp4") */
    json_t *tracks;        /* borrowed: [{"kind":"video","source":"classroom","codec":"VP8"},...] */
    gint64 started_at;     /* unix seconds */
} CrRecordingInput;
/* Creates a row in state "recording". Result: json recording object (owned
 * by callee). NOT_FOUND for a missing session; BAD_REQUEST for a bad path,
 * container or tracks; CONFLICT when another row has the same path. */
void cr_store_recording_create(CrStore *store, const CrRecordingInput *in, CrStoreDone done,
                               gpointer user_data);

typedef struct {
    gint64 id;
    const char *state;       /* NULL: unchanged */
    const char *reason;      /* NULL: unchanged */
    gint64 ended_at;         /* 0: unchanged */
    double duration_seconds; /* < 0: unchanged */
    gint64 size_bytes;       /* < 0: unchanged */
    const char *sha256;      /* NULL: unchanged; 64 lower-case hex digits */
    json_t *tracks;          /* NULL: unchanged; borrowed */
} CrRecordingUpdate;
/* Result: json recording; @done may be NULL. NOT_FOUND; BAD_REQUEST for an
 * unknown state or a malformed hash. */
void cr_store_recording_update(CrStore *store, const CrRecordingUpdate *in, CrStoreDone done,
                               gpointer user_data);
/* Result: json {"recordings":[...]} newest first; @session_id 0 = all
 * sessions, NOT_FOUND for a session that does not exist. */
void cr_store_list_recordings(CrStore *store, gint64 session_id, CrStoreDone done,
                              gpointer user_data);
/* Result: json recording; NOT_FOUND. */
void cr_store_get_recording(CrStore *store, gint64 id, CrStoreDone done, gpointer user_data);
/* Deletes the row; result: json of the deleted recording (the caller
 * removes the file). NOT_FOUND; CONFLICT while state is recording or
 * finalizing. */
void cr_store_delete_recording(CrStore *store, gint64 id, CrStoreDone done, gpointer user_data);

/* Synchronous forms for the command line and for repair at start (never
 * from the store thread). The list is owned by the caller. */
json_t *cr_store_list_recordings_sync(CrStore *store, gint64 session_id, GError **error);
gboolean cr_store_recording_update_sync(CrStore *store, const CrRecordingUpdate *in,
                                        GError **error);
gboolean cr_store_delete_recording_sync(CrStore *store, gint64 id, GError **error);

G_END_DECLS
