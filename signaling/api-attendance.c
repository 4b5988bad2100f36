/* api-attendance.c — attendance reports, the live view, ending a class,
 * in-person check-in and check-out, and the event outbox (docs/api.md).
 * Control loop thread only. */
#include "signaling/signaling-private.h"

#include "common/json.h"
#include "signaling/checkin-code.h"
#include "common/time.h"

#define ROLE(r) (1u << (r))
#define COORD ROLE(CR_ROLE_COORDINATOR)
#define COORD_OR_INSTR (COORD | ROLE(CR_ROLE_INSTRUCTOR))

static gboolean
want_csv(CrHttpRequest *req, gboolean *csv)
{
    g_autofree char *format = cr_http_query_param(req, "format");
    *csv = g_strcmp0(format, "csv") == 0;
    if (format == NULL || *csv || strcmp(format, "json") == 0)
        return TRUE;
    cr_http_respond_error(req, CR_ERROR_BAD_REQUEST, "format must be json or csv");
    return FALSE;
}

static void
respond_csv(CrHttpRequest *req, char *csv, const char *filename)
{
    req->resp_disposition = g_strdup_printf("attachment; filename=\"%s\"", filename);
    cr_http_respond(req, 200, "text/csv; charset=utf-8", g_bytes_new_take(csv, strlen(csv)));
}

static void
session_report_done(gpointer result, const GError *error, gpointer user_data)
{
    CrHttpRequest *req = user_data;
    const CrSessionReport *report = result;
    gboolean csv = FALSE;
    want_csv(req, &csv);
    if (error != NULL) {
        cr_http_respond_gerror(req, error);
    } else if (csv) {
        g_autofree char *name = g_strdup_printf("attendance-session-%" G_GINT64_FORMAT ".csv",
                                                report->session.id);
        respond_csv(req, cr_session_report_to_csv(report), name);
    } else {
        cr_http_respond_json(req, 200, cr_session_report_to_json(report));
    }
    cr_http_request_unref(req);
}

void
cr_api_session_attendance(CrHttpRequest *req, const char *const *args)
{
    gboolean csv;
    gint64 id = cr_api_session_arg(req, args, COORD_OR_INSTR);
    if (id == 0 || !want_csv(req, &csv))
        return;
    CrCreditRules rules;
    cr_signaling_credit_rules(req->server, &rules);
    cr_store_session_report(req->server->store, id, &rules, cr_time_now(), session_report_done,
                            cr_http_request_ref(req));
}

static void
course_report_done(gpointer result, const GError *error, gpointer user_data)
{
    CrHttpRequest *req = user_data;
    const CrCourseReport *report = result;
    gboolean csv = FALSE;
    want_csv(req, &csv);
    if (error != NULL) {
        cr_http_respond_gerror(req, error);
    } else if (csv) {
        g_autofree char *name =
            g_strdup_printf("attendance-course-%" G_GINT64_FORMAT ".csv", report->id);
        respond_csv(req, cr_course_report_to_csv(report), name);
    } else {
        cr_http_respond_json(req, 200, cr_course_report_to_json(report));
    }
    cr_http_request_unref(req);
}

void
cr_api_course_attendance(CrHttpRequest *req, const char *const *args)
{
    gboolean csv;
    gint64 id = cr_parse_id(args[0]);
    if (!cr_api_authorize(req, COORD, 0) || !want_csv(req, &csv))
        return;
    if (id == 0) {
        cr_http_respond_error(req, CR_ERROR_NOT_FOUND, "no such course");
        return;
    }
    CrCreditRules rules;
    cr_signaling_credit_rules(req->server, &rules);
    cr_store_course_report(req->server->store, id, &rules, cr_time_now(), course_report_done,
                           cr_http_request_ref(req));
}

/* ---- media in the live view: the relay's counters, by peer and person ---- */

static const char *
pc_name(const CrMediaOwner *o)
{
    if (o->conn_id != 0)
        return o->subscribe ? "subscribe" : "publish";
    return o->whep ? "whep" : "whip";
}

static const char *
peer_state_name(CrPeerState state)
{
    static const char *const names[] = {"new", "connected", "failed", "closed"};
    return (guint)state < G_N_ELEMENTS(names) ? names[state] : "unknown";
}

/* One decimal for a percentage, two for milliseconds: what a person
 * reads. Divided, not multiplied, by @per_unit so that 16.4 is the double
 * nearest 16.4 (164 * 0.1 is not). @x >= 0. */
static double
rounded(double x, double per_unit)
{
    return (double)(gint64)(x * per_unit + 0.5) / per_unit;
}

static void
set_counters(json_t *obj, const CrMediaCounters *c)
{
    const struct {
        const char *name;
        guint64 value;
    } fields[] = {
        {"packets_in", c->packets_in},   {"packets_out", c->packets_out},
        {"bytes_in", c->bytes_in},       {"bytes_out", c->bytes_out},
        {"nacks_in", c->nacks_in},       {"nacks_out", c->nacks_out},
        {"plis_in", c->plis_in},         {"plis_out", c->plis_out},
        {"retransmits", c->retransmits}, {"dropped", c->dropped},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(fields); i++)
        json_object_set_new(obj, fields[i].name, json_integer((json_int_t)fields[i].value));
}

static json_t *
rtt_json(gint64 rtt_us)
{
    return rtt_us >= 0 ? json_real(rounded(rtt_us / 1000.0, 100)) : json_null();
}

static json_t *
peer_json(const CrMediaOwner *o, const CrPeerStats *st)
{
    json_t *j =
        json_pack("{s:s, s:I, s:s, s:s, s:b}", "person", o->person, "peer", (json_int_t)o->peer,
                  "pc", pc_name(o), "state", peer_state_name(st->state), "flowing", st->flowing);
    set_counters(j, &st->counters);
    /* A peer either publishes (loss on the way in) or subscribes (loss on
     * the way out, as its receiver reports say): one of the two is 0. */
    json_object_set_new(j, "lost",
                        json_integer((json_int_t)(st->counters.lost_in + st->counters.lost_out)));
    json_object_set_new(j, "loss_percent", json_real(rounded(st->fraction_lost * 100.0 / 256, 10)));
    json_object_set_new(j, "rtt_ms", rtt_json(st->rtt_us));
    return j;
}

static json_t *
totals_json(const CrSessionStats *st)
{
    json_t *j = json_pack("{s:i, s:i, s:i}", "peers", (int)st->peers, "publishers",
                          (int)st->publishers, "subscribers", (int)st->subscribers);
    set_counters(j, &st->counters);
    json_object_set_new(j, "lost_in", json_integer((json_int_t)st->counters.lost_in));
    json_object_set_new(j, "lost_out", json_integer((json_int_t)st->counters.lost_out));
    json_object_set_new(j, "loss_percent_max",
                        json_real(rounded(st->fraction_lost_max * 100.0 / 256, 10)));
    json_object_set_new(j, "rtt_ms_max", rtt_json(st->rtt_max_us));
    return j;
}

static void
json_unref(gpointer json)
{
    json_decref(json);
}

static gint
by_peer(gconstpointer a, gconstpointer b)
{
    guint64 x = (*(CrMediaOwner *const *)a)->peer, y = (*(CrMediaOwner *const *)b)->peer;
    return x < y ? -1 : x > y;
}

/* Adds "media" (the session's totals) and "media_peers" (each open peer,
 * by id) to @live, and to each roster entry its person's peers. */
static void
add_media(CrSignaling *server, gint64 session, json_t *live)
{
    json_t *roster = json_object_get(live, "roster");
    json_t *peers = json_array();
    g_autoptr(GHashTable) by_person =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, json_unref);
    g_autoptr(GPtrArray) owners = g_ptr_array_new();
    CrSessionStats totals;
    if (server->relay == NULL) {
        json_object_set_new(live, "media", json_null());
        json_object_set_new(live, "media_peers", peers);
        return;
    }
    cr_relay_session_stats(server->relay, session, &totals);
    json_object_set_new(live, "media", totals_json(&totals));
    if (server->media_owners != NULL) {
        GHashTableIter iter;
        gpointer value;
        g_hash_table_iter_init(&iter, server->media_owners);
        while (g_hash_table_iter_next(&iter, NULL, &value))
            if (((CrMediaOwner *)value)->session == session)
                g_ptr_array_add(owners, value);
    }
    g_ptr_array_sort(owners, by_peer);
    for (guint i = 0; i < owners->len; i++) {
        const CrMediaOwner *o = g_ptr_array_index(owners, i);
        CrPeerStats st;
        if (!cr_relay_peer_stats(server->relay, o->peer, &st))
            continue;
        json_t *p = peer_json(o, &st);
        json_array_append_new(peers, p);
        json_t *mine = g_hash_table_lookup(by_person, o->person);
        if (mine == NULL) {
            mine = json_array();
            g_hash_table_insert(by_person, o->person, mine);
        }
        json_array_append(mine, p); /* shared with media_peers */
    }
    json_object_set_new(live, "media_peers", peers);
    size_t i;
    json_t *entry;
    json_array_foreach(roster, i, entry) {
        const char *person = json_string_value(json_object_get(entry, "person"));
        json_t *mine = person != NULL ? g_hash_table_lookup(by_person, person) : NULL;
        json_object_set_new(entry, "media", mine != NULL ? json_incref(mine) : json_array());
    }
}

void
cr_api_session_live(CrHttpRequest *req, const char *const *args)
{
    gint64 id = cr_api_session_arg(req, args, COORD_OR_INSTR);
    if (id == 0)
        return;
    CrRoom *room = cr_room_lookup(req->server, id);
    json_t *live;
    if (room == NULL) {
        /* Nobody on a WebSocket; WHIP and WHEP peers may still be there. */
        live = json_pack("{s:I, s:b, s:[], s:[], s:[]}", "session_id", (json_int_t)id, "live", 0,
                         "roster", "hands", "floor");
    } else {
        json_t *session = cr_room_session_json(room);
        live = json_pack("{s:I, s:b, s:o, s:O, s:O, s:i}", "session_id", (json_int_t)id, "live", 1,
                         "roster", cr_room_roster(room), "hands", json_object_get(session, "hands"),
                         "floor", json_object_get(session, "floor"), "present",
                         (int)cr_room_people(room));
        json_decref(session);
    }
    add_media(req->server, id, live);
    cr_http_respond_json(req, 200, live);
}

static void
end_done(gpointer result, const GError *error, gpointer user_data)
{
    CrHttpRequest *req = user_data;
    if (error != NULL) {
        cr_http_respond_gerror(req, error);
    } else {
        const CrSessionInfo *info = result;
        CrRoom *room = cr_room_lookup(req->server, info->id);
        cr_recording_class_ended(req->server, info->id);
        if (room != NULL)
            cr_room_end(room, info);
        cr_http_respond_json(req, 200, cr_session_info_to_json(info));
    }
    cr_http_request_unref(req);
}

void
cr_api_session_end(CrHttpRequest *req, const char *const *args)
{
    gint64 id = cr_api_session_arg(req, args, COORD_OR_INSTR);
    if (id == 0)
        return;
    cr_store_end_session(req->server->store, id, cr_time_now(), end_done,
                         cr_http_request_ref(req));
}

void
cr_api_checkins(CrHttpRequest *req, const char *const *args)
{
    gint64 id = cr_api_session_arg(req, args, COORD_OR_INSTR);
    g_autoptr(json_t) body = id != 0 ? cr_api_body(req) : NULL;
    const char *person, *name, *org;
    if (body == NULL || !cr_api_string(req, body, "person", TRUE, CR_TOKEN_MAX_SUB, &person) ||
        !cr_api_string(req, body, "name", TRUE, CR_TOKEN_MAX_NAME, &name) ||
        !cr_api_string(req, body, "org", FALSE, CR_TOKEN_MAX_NAME, &org))
        return;
    req->status = 201;
    cr_store_checkin(req->server->store, id, person, name, org, req->claims.sub, cr_time_now(),
                     cr_api_reply_json, cr_http_request_ref(req));
}

void
cr_api_checkouts(CrHttpRequest *req, const char *const *args)
{
    gint64 id = cr_api_session_arg(req, args, COORD_OR_INSTR);
    g_autoptr(json_t) body = id != 0 ? cr_api_body(req) : NULL;
    const char *person;
    if (body == NULL || !cr_api_string(req, body, "person", TRUE, CR_TOKEN_MAX_SUB, &person))
        return;
    cr_store_checkout(req->server->store, id, person, req->claims.sub, cr_time_now(),
                      cr_api_reply_json, cr_http_request_ref(req));
}

/* A check-in code is short-lived and MACed with its own key
 * (checkin-code.h); shown as a link (or QR code) in the room, it lets a
 * trainee with their own token record in-person presence. */
void
cr_api_checkin_code(CrHttpRequest *req, const char *const *args)
{
    gint64 id = cr_api_session_arg(req, args, COORD_OR_INSTR);
    if (id == 0)
        return;
    CrSignaling *server = req->server;
    gint64 now = cr_time_now();
    gint64 expires = now + server->config->auth.checkin_ttl_seconds;
    g_autofree char *code =
        cr_checkin_code_make(server->keys.checkin, sizeof server->keys.checkin, id, expires);
    if (code == NULL) {
        cr_http_respond_error(req, CR_ERROR_INTERNAL, "cannot make a check-in code");
        return;
    }
    g_autofree char *path = g_strdup_printf("/checkin/%" G_GINT64_FORMAT "?code=%s", id, code);
    cr_http_respond_json(req, 201,
                         json_pack("{s:s, s:s, s:o}", "code", code, "path", path, "expires_at",
                                   cr_json_time(expires)));
}

void
cr_api_self_checkin(CrHttpRequest *req, const char *const *args)
{
    gint64 id = cr_api_session_arg(req, args, ROLE(CR_ROLE_TRAINEE));
    g_autoptr(json_t) body = id != 0 ? cr_api_body(req) : NULL;
    const char *code;
    if (body == NULL || !cr_api_string(req, body, "code", TRUE, CR_TOKEN_MAX_LEN, &code))
        return;
    CrSignaling *server = req->server;
    if (!cr_checkin_code_check(server->keys.checkin, sizeof server->keys.checkin, id, code,
                               strlen(code), cr_time_now(),
                               server->config->auth.leeway_seconds)) {
        cr_http_respond_error(req, CR_ERROR_FORBIDDEN,
                              "the check-in code is invalid or has expired; scan it again");
        return;
    }
    req->status = 201;
    cr_store_checkin(server->store, id, req->claims.sub, req->claims.name, req->claims.org,
                     "self", cr_time_now(), cr_api_reply_json, cr_http_request_ref(req));
}

void
cr_api_events(CrHttpRequest *req, const char *const *args)
{
    if (!cr_api_authorize(req, COORD, 0))
        return;
    g_autofree char *after_text = cr_http_query_param(req, "after");
    g_autofree char *limit_text = cr_http_query_param(req, "limit");
    gint64 after = 0, limit = 100;
    if ((after_text != NULL && strcmp(after_text, "0") != 0 &&
         (after = cr_parse_id(after_text)) == 0) ||
        (limit_text != NULL && ((limit = cr_parse_id(limit_text)) == 0 || limit > 1000))) {
        cr_http_respond_error(req, CR_ERROR_BAD_REQUEST,
                              "after must be a sequence number and limit 1 to 1000");
        return;
    }
    cr_store_list_events(req->server->store, after, limit, cr_api_reply_json,
                         cr_http_request_ref(req));
}

void
cr_api_whoami(CrHttpRequest *req, const char *const *args)
{
    guint any = ROLE(CR_ROLE_INSTRUCTOR) | ROLE(CR_ROLE_TRAINEE) | COORD;
    if (!cr_api_authorize(req, any, 0))
        return;
    const CrTokenClaims *c = &req->claims;
    cr_http_respond_json(
        req, 200,
        json_pack("{s:s, s:s, s:s?, s:s, s:o, s:o}", "person", c->sub, "name", c->name, "org",
                  c->org, "role", cr_role_name(c->role), "session",
                  c->session != NULL ? json_integer(cr_parse_id(c->session)) : json_null(),
                  "expires_at", cr_json_time(c->exp)));
}

void
cr_api_healthz(CrHttpRequest *req, const char *const *args)
{
    cr_http_respond_json(req, 200,
                         json_pack("{s:s, s:I}", "status", "ok", "uptime_seconds",
                                   (json_int_t)(cr_time_now() - req->server->started_at)));
}
