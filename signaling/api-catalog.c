/* api-catalog.c — the coordinators' courses and sessions endpoints
 * (docs/api.md). Control loop thread only; the work is done by the store
 * and answered from its done callback. */
#include "signaling/signaling-private.h"

#include "common/json.h"
#include "common/time.h"

#define COORD (1u << CR_ROLE_COORDINATOR)
#define COORD_OR_INSTR (COORD | (1u << CR_ROLE_INSTRUCTOR))

static const char *const categories[] = {"general", "professional", "management", NULL};
static const char *const deliveries[] = {"in-person", "online", "remote", "hybrid", NULL};

static gboolean
one_of(CrHttpRequest *req, const char *name, const char *value, const char *const *allowed)
{
    if (g_strv_contains(allowed, value))
        return TRUE;
    g_autofree char *list = g_strjoinv(", ", (char **)allowed);
    g_autofree char *why = g_strdup_printf("field \"%s\" must be one of: %s", name, list);
    cr_http_respond_error(req, CR_ERROR_BAD_REQUEST, why);
    return FALSE;
}

static void
create_course(CrHttpRequest *req)
{
    g_autoptr(json_t) body = cr_api_body(req);
    CrCourseInput in = {0};
    if (body == NULL || !cr_api_string(req, body, "code", TRUE, 64, &in.code) ||
        !cr_api_string(req, body, "title", TRUE, 300, &in.title) ||
        !cr_api_string(req, body, "category", TRUE, 32, &in.category) ||
        !cr_api_string(req, body, "delivery", TRUE, 32, &in.delivery) ||
        !one_of(req, "category", in.category, categories) ||
        !one_of(req, "delivery", in.delivery, deliveries))
        return;
    json_t *hours = json_object_get(body, "credit_hours");
    if (!json_is_number(hours) || json_number_value(hours) < 0 ||
        json_number_value(hours) > 1000) {
        cr_http_respond_error(req, CR_ERROR_BAD_REQUEST,
                              "field \"credit_hours\" must be a number from 0 to 1000");
        return;
    }
    in.credit_hours = json_number_value(hours);
    req->status = 201;
    cr_store_create_course(req->server->store, &in, cr_api_reply_json,
                           cr_http_request_ref(req));
}

void
cr_api_courses(CrHttpRequest *req, const char *const *args)
{
    if (!cr_api_authorize(req, COORD, 0))
        return;
    if (strcmp(req->method, "POST") == 0)
        create_course(req);
    else
        cr_store_list_courses(req->server->store, cr_api_reply_json, cr_http_request_ref(req));
}

void
cr_api_course(CrHttpRequest *req, const char *const *args)
{
    gint64 id = cr_parse_id(args[0]);
    if (!cr_api_authorize(req, COORD, 0))
        return;
    if (id == 0) {
        cr_http_respond_error(req, CR_ERROR_NOT_FOUND, "no such course");
        return;
    }
    cr_store_get_course(req->server->store, id, cr_api_reply_json, cr_http_request_ref(req));
}

static gboolean
time_field(CrHttpRequest *req, json_t *body, const char *name, gint64 *out)
{
    const char *text = NULL;
    if (!cr_api_string(req, body, name, TRUE, 40, &text))
        return FALSE;
    if (cr_time_parse(text, out))
        return TRUE;
    g_autofree char *why = g_strdup_printf(
        "field \"%s\" must be an RFC 3339 time such as 2026-11-27T09:00:00+08:00", name);
    cr_http_respond_error(req, CR_ERROR_BAD_REQUEST, why);
    return FALSE;
}

static void
create_session(CrHttpRequest *req)
{
    g_autoptr(json_t) body = cr_api_body(req);
    CrSessionInput in = {0};
    if (body == NULL)
        return;
    json_t *course = json_object_get(body, "course_id");
    json_t *record = json_object_get(body, "record");
    if (!json_is_integer(course) || json_integer_value(course) <= 0) {
        cr_http_respond_error(req, CR_ERROR_BAD_REQUEST,
                              "field \"course_id\" must be a positive integer");
        return;
    }
    if (record != NULL && !json_is_boolean(record)) {
        cr_http_respond_error(req, CR_ERROR_BAD_REQUEST, "field \"record\" must be a boolean");
        return;
    }
    if (!cr_api_string(req, body, "title", TRUE, 300, &in.title) ||
        !time_field(req, body, "scheduled_start", &in.scheduled_start) ||
        !time_field(req, body, "scheduled_end", &in.scheduled_end))
        return;
    if (in.scheduled_end <= in.scheduled_start) {
        cr_http_respond_error(req, CR_ERROR_BAD_REQUEST,
                              "scheduled_end must be after scheduled_start");
        return;
    }
    in.course_id = json_integer_value(course);
    in.record = record != NULL ? json_is_true(record) : req->server->config->recording.auto_start;
    req->status = 201;
    cr_store_create_session(req->server->store, &in, cr_api_reply_json,
                            cr_http_request_ref(req));
}

void
cr_api_sessions(CrHttpRequest *req, const char *const *args)
{
    if (!cr_api_authorize(req, COORD, 0))
        return;
    if (strcmp(req->method, "POST") == 0) {
        create_session(req);
        return;
    }
    g_autofree char *course = cr_http_query_param(req, "course_id");
    gint64 course_id = course != NULL ? cr_parse_id(course) : 0;
    if (course != NULL && course_id == 0) {
        cr_http_respond_error(req, CR_ERROR_BAD_REQUEST, "course_id must be a positive integer");
        return;
    }
    cr_store_list_sessions(req->server->store, course_id, cr_api_reply_json,
                           cr_http_request_ref(req));
}

static void
session_done(gpointer result, const GError *error, gpointer user_data)
{
    CrHttpRequest *req = user_data;
    if (error != NULL)
        cr_http_respond_gerror(req, error);
    else
        cr_http_respond_json(req, 200, cr_session_info_to_json(result));
    cr_http_request_unref(req);
}

void
cr_api_session(CrHttpRequest *req, const char *const *args)
{
    gint64 id = cr_api_session_arg(req, args, COORD_OR_INSTR);
    if (id == 0)
        return;
    cr_store_get_session(req->server->store, id, session_done, cr_http_request_ref(req));
}
