/* room.c — one class in progress: its roster, hand queue and floor.
 *
 * Control loop thread only. A person is one roster entry however many
 * connections (tabs, reconnects) they have; events go to every
 * connection. State changes here are announced to the room and written to
 * the event outbox; the attendance intervals themselves belong to conn.c.
 */
#include "signaling/signaling-private.h"

#include "common/json.h"
#include "common/time.h"

typedef struct {
    char *person;
    char *name;
    char *org;
    CrRole role;
    GPtrArray *conns; /* CrConn *, not owned */
    gint64 joined_at;
    guint receiving, sending; /* media connections whose media flows */
} Member;

struct _CrRoom {
    CrSignaling *server;
    gint64 session_id;
    CrSessionInfo info;
    GHashTable *members; /* person -> Member * */
    GQueue hands;        /* char * person (owned), in the order raised */
    GQueue floor;        /* char * person (owned), in the order granted */
};

static void
member_free(gpointer data)
{
    Member *m = data;
    g_free(m->person);
    g_free(m->name);
    g_free(m->org);
    g_ptr_array_unref(m->conns);
    g_free(m);
}

CrRoom *
cr_room_lookup(CrSignaling *server, gint64 session_id)
{
    return g_hash_table_lookup(server->rooms, &session_id);
}

CrRoom *
cr_room_get(CrSignaling *server, gint64 session_id, const CrSessionInfo *info)
{
    CrRoom *room = cr_room_lookup(server, session_id);
    if (room != NULL) {
        cr_session_info_clear(&room->info);
        cr_session_info_copy(&room->info, info);
        return room;
    }
    room = g_new0(CrRoom, 1);
    room->server = server;
    room->session_id = session_id;
    cr_session_info_copy(&room->info, info);
    room->members = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, member_free);
    g_queue_init(&room->hands);
    g_queue_init(&room->floor);
    g_hash_table_insert(server->rooms, &room->session_id, room);
    return room;
}

void
cr_room_free(CrRoom *room)
{
    g_hash_table_destroy(room->members);
    g_queue_clear_full(&room->hands, g_free);
    g_queue_clear_full(&room->floor, g_free);
    cr_session_info_clear(&room->info);
    g_free(room);
}

gboolean
cr_room_is_live(const CrRoom *room)
{
    return room->info.actual_start != 0;
}

guint
cr_room_people(const CrRoom *room)
{
    return g_hash_table_size(room->members);
}

static gboolean
queue_has(GQueue *queue, const char *person)
{
    return g_queue_find_custom(queue, person, (GCompareFunc)strcmp) != NULL;
}

gboolean
cr_room_has_floor(CrRoom *room, const char *person)
{
    return room != NULL && queue_has(&room->floor, person);
}

static gboolean
queue_remove(GQueue *queue, const char *person)
{
    GList *link = g_queue_find_custom(queue, person, (GCompareFunc)strcmp);
    if (link == NULL)
        return FALSE;
    g_free(link->data);
    g_queue_delete_link(queue, link);
    return TRUE;
}

static json_t *
queue_json(GQueue *queue)
{
    json_t *list = json_array();
    for (GList *l = queue->head; l != NULL; l = l->next)
        json_array_append_new(list, json_string(l->data));
    return list;
}

static json_t *
member_json(CrRoom *room, const Member *m)
{
    return json_pack("{s:s, s:s, s:s?, s:s, s:i, s:b, s:b, s:o, s:{s:b, s:b}}", "person",
                     m->person, "name", m->name, "org", m->org, "role", cr_role_name(m->role),
                     "connections", (int)m->conns->len, "hand_raised",
                     queue_has(&room->hands, m->person), "floor",
                     queue_has(&room->floor, m->person), "joined_at", cr_json_time(m->joined_at),
                     "media", "receiving", m->receiving > 0, "sending", m->sending > 0);
}

json_t *
cr_room_roster(CrRoom *room)
{
    json_t *list = json_array();
    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init(&iter, room->members);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        json_array_append_new(list, member_json(room, value));
    return list;
}

json_t *
cr_room_session_json(CrRoom *room)
{
    json_t *session = cr_session_info_to_json(&room->info);
    json_object_set_new(session, "hands", queue_json(&room->hands));
    json_object_set_new(session, "floor", queue_json(&room->floor));
    return session;
}

void
cr_room_broadcast(CrRoom *room, json_t *json)
{
    char *text = cr_json_to_string(json);
    json_decref(json);
    g_autoptr(GBytes) bytes = g_bytes_new_take(text, strlen(text));
    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init(&iter, room->members);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        Member *m = value;
        for (guint i = 0; i < m->conns->len; i++)
            cr_conn_send_bytes(g_ptr_array_index(m->conns, i), bytes);
    }
}

/* Announces a roster event with the current hand queue and floor, and
 * writes it to the outbox. */
static void
announce(CrRoom *room, const char *event, const char *person, const char *by, json_t *entry)
{
    json_t *msg = json_pack("{s:s, s:s, s:s, s:s?, s:o, s:o}", "type", "roster", "event", event,
                            "person", person, "by", by, "hands", queue_json(&room->hands),
                            "floor", queue_json(&room->floor));
    if (entry != NULL)
        json_object_set_new(msg, "entry", entry);
    cr_room_broadcast(room, msg);
    if (strcmp(event, "floor_revoked") == 0)
        cr_media_floor_lost(room->server, room->session_id, person);
    if (strcmp(event, "joined") != 0 && strcmp(event, "left") != 0) {
        g_autoptr(json_t) data = json_pack("{s:s?}", "by", by);
        CrEventInput ev = {room->session_id, person, event, data, cr_time_now()};
        cr_store_event(room->server->store, &ev);
    }
}

void
cr_room_media_flow(CrRoom *room, const char *person, gboolean receive, gboolean flowing)
{
    Member *m = g_hash_table_lookup(room->members, person);
    if (m == NULL)
        return;
    guint *count = receive ? &m->receiving : &m->sending;
    gboolean before = *count > 0;
    if (flowing)
        (*count)++;
    else if (*count > 0)
        (*count)--;
    if ((*count > 0) == before)
        return;
    /* Not an outbox event: the media intervals in the ledger are the record. */
    json_t *msg = json_pack("{s:s, s:s, s:s, s:n, s:o, s:o, s:o}", "type", "roster", "event",
                            "updated", "person", person, "by", "hands",
                            queue_json(&room->hands), "floor", queue_json(&room->floor),
                            "entry", member_json(room, m));
    cr_room_broadcast(room, msg);
}

static void
announce_reason(CrRoom *room, const char *event, const char *person, const char *reason)
{
    json_t *msg = json_pack("{s:s, s:s, s:s, s:n, s:o, s:o, s:s}", "type", "roster", "event",
                            event, "person", person, "by", "hands", queue_json(&room->hands),
                            "floor", queue_json(&room->floor), "reason", reason);
    cr_room_broadcast(room, msg);
}

gboolean
cr_room_add(CrRoom *room, CrConn *conn)
{
    Member *m = g_hash_table_lookup(room->members, conn->claims.sub);
    gboolean first = m == NULL;
    if (first) {
        m = g_new0(Member, 1);
        m->person = g_strdup(conn->claims.sub);
        m->conns = g_ptr_array_new();
        m->joined_at = cr_time_now();
        g_hash_table_insert(room->members, m->person, m);
    }
    /* The newest token's name wins (a person may fix a typo). */
    g_free(m->name);
    g_free(m->org);
    m->name = g_strdup(conn->claims.name);
    m->org = g_strdup(conn->claims.org);
    m->role = conn->claims.role;
    g_ptr_array_add(m->conns, conn);
    conn->room = room;
    return first;
}

void
cr_room_announce_member(CrRoom *room, const char *person, gboolean first)
{
    Member *m = g_hash_table_lookup(room->members, person);
    if (m != NULL)
        announce(room, first ? "joined" : "updated", person, NULL, member_json(room, m));
}

void
cr_room_remove(CrRoom *room, CrConn *conn)
{
    conn->room = NULL;
    Member *m = g_hash_table_lookup(room->members, conn->claims.sub);
    if (m == NULL || !g_ptr_array_remove(m->conns, conn))
        return;
    if (m->conns->len > 0) {
        announce(room, "updated", m->person, NULL, member_json(room, m));
        return;
    }
    g_autofree char *person = g_strdup(m->person);
    gboolean had_floor = queue_remove(&room->floor, person);
    queue_remove(&room->hands, person);
    g_hash_table_remove(room->members, person);
    if (had_floor)
        announce(room, "floor_revoked", person, NULL, NULL);
    /* Why the last connection went: "leave", "closed" (a clean close, such
     * as a closed tab), "kicked", else "lost" (no close frame, a timeout):
     * pages show "reconnecting" only for the last. */
    const char *reason = g_strcmp0(conn->ledger_reason, "closed") != 0 ? conn->ledger_reason
                         : conn->peer_closed                          ? "closed"
                                                                      : "lost";
    announce_reason(room, "left", person, reason);
    if (g_hash_table_size(room->members) == 0)
        g_hash_table_remove(room->server->rooms, &room->session_id);
}

static Member *
present_trainee(CrRoom *room, const char *person, GError **error)
{
    Member *m = g_hash_table_lookup(room->members, person);
    if (m == NULL) {
        g_set_error(error, CR_ERROR, CR_ERROR_NOT_FOUND, "%s is not in the class", person);
        return NULL;
    }
    if (m->role != CR_ROLE_TRAINEE) {
        g_set_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST, "%s is not a trainee", person);
        return NULL;
    }
    return m;
}

gboolean
cr_room_raise_hand(CrRoom *room, const char *person, GError **error)
{
    if (present_trainee(room, person, error) == NULL)
        return FALSE;
    if (queue_has(&room->hands, person) || queue_has(&room->floor, person))
        return TRUE; /* idempotent: raising twice keeps the first place */
    g_queue_push_tail(&room->hands, g_strdup(person));
    announce(room, "hand_raised", person, NULL, NULL);
    return TRUE;
}

gboolean
cr_room_lower_hand(CrRoom *room, const char *person, GError **error)
{
    if (!g_hash_table_contains(room->members, person)) {
        g_set_error(error, CR_ERROR, CR_ERROR_NOT_FOUND, "%s is not in the class", person);
        return FALSE;
    }
    if (queue_remove(&room->hands, person))
        announce(room, "hand_lowered", person, NULL, NULL);
    return TRUE;
}

gboolean
cr_room_grant_floor(CrRoom *room, const char *person, const char *by, GError **error)
{
    if (present_trainee(room, person, error) == NULL)
        return FALSE;
    if (queue_has(&room->floor, person))
        return TRUE;
    /* Over the limit, the longest-speaking holder gives way. */
    while (g_queue_get_length(&room->floor) >=
           (guint)room->server->config->classroom.max_floor_holders) {
        g_autofree char *previous = g_queue_pop_head(&room->floor);
        announce(room, "floor_revoked", previous, by, NULL);
    }
    queue_remove(&room->hands, person);
    g_queue_push_tail(&room->floor, g_strdup(person));
    announce(room, "floor_granted", person, by, NULL);
    return TRUE;
}

gboolean
cr_room_revoke_floor(CrRoom *room, const char *person, const char *by, GError **error)
{
    if (!queue_remove(&room->floor, person)) {
        g_set_error(error, CR_ERROR, CR_ERROR_CONFLICT, "%s does not hold the floor", person);
        return FALSE;
    }
    announce(room, "floor_revoked", person, by, NULL);
    return TRUE;
}

gboolean
cr_room_kick(CrRoom *room, const char *person, const char *by, const char *text)
{
    Member *m = g_hash_table_lookup(room->members, person);
    if (m == NULL)
        return FALSE;
    /* Copy: closing does not remove synchronously, but stay safe. */
    g_autoptr(GPtrArray) conns = g_ptr_array_copy(m->conns, NULL, NULL);
    for (guint i = 0; i < conns->len; i++) {
        CrConn *conn = g_ptr_array_index(conns, i);
        cr_conn_send(conn, json_pack("{s:s, s:s, s:s?}", "type", "kicked", "by", by, "reason",
                                     text));
        conn->ledger_reason = "kicked";
        cr_conn_leave_ledger(conn, "kicked", cr_time_now());
        cr_conn_close(conn, LWS_CLOSE_STATUS_NORMAL, "removed by the instructor");
    }
    return TRUE;
}

void
cr_room_end(CrRoom *room, const CrSessionInfo *info)
{
    cr_session_info_clear(&room->info);
    cr_session_info_copy(&room->info, info);
    json_t *msg = json_pack("{s:s, s:o}", "type", "ended", "session",
                            cr_session_info_to_json(info));
    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init(&iter, room->members);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        Member *m = value;
        for (guint i = 0; i < m->conns->len; i++) {
            CrConn *conn = g_ptr_array_index(m->conns, i);
            /* The store already closed every interval at the end time. */
            conn->interval_id = 0;
            cr_conn_send(conn, json_incref(msg));
            cr_conn_close(conn, LWS_CLOSE_STATUS_NORMAL, "the class has ended");
        }
    }
    json_decref(msg);
}
