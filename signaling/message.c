/* message.c — decoding the WebSocket protocol's client messages.
 *
 * Pure and stateless: any thread. jansson parses (UTF-8 checked, duplicate
 * keys and trailing bytes refused); then one row of `rules` per message
 * type says which fields it takes, whether each is required, its shape and
 * size limit, and where the decoded value is kept. No per-type code: a new
 * message is a new row. Fuzzed by tests/fuzz/fuzz-message.c.
 */
#include "signaling/message.h"

#include <stddef.h>
#include <string.h>

#include "common/error.h"
#include "common/json.h"

#define MAX_KICK_REASON 500         /* bytes of kick's "text" */
#define MAX_SDP         65536       /* bytes of "sdp" */
#define MAX_QUOTED      32          /* bytes of client text quoted in an error */
#define MAX_FIELDS      2           /* fields of the widest message */
#define NOT_KEPT        ((gsize)-1) /* a field that is checked but not copied out */
#define KEEP(member)    offsetof(CrClientMessage, member)

/* What a field's value must look like. */
typedef enum {
    SHAPE_STRING,    /* a string of 0..max_len bytes */
    SHAPE_NONEMPTY,  /* a string of 1..max_len bytes */
    SHAPE_NAME,      /* SHAPE_NONEMPTY without control characters */
    SHAPE_PROSE,     /* SHAPE_NONEMPTY with something visible */
    SHAPE_CHOICE,    /* one of the rule's choices */
    SHAPE_CANDIDATE, /* null, or an RTCIceCandidateInit object */
} Shape;

typedef struct {
    const char *name;
    gboolean required;
    Shape shape;
    gsize max_len; /* for the string shapes */
    gsize offset;  /* of the char * member that keeps it, or NOT_KEPT */
    const char *const *choices; /* SHAPE_CHOICE: the allowed strings, NULL-terminated */
} FieldRule;

typedef struct {
    const char *name;     /* the wire name */
    gboolean keeps_body;  /* hand the whole object on (media messages) */
    FieldRule fields[MAX_FIELDS]; /* unused slots have a NULL name */
} MessageRule;

#define REQUIRED TRUE
#define OPTIONAL FALSE
#define PERSON(req) {"person", req, SHAPE_NAME, CR_MESSAGE_MAX_PERSON, KEEP(person)}
static const char *const pc_choices[] = {"publish", "subscribe", NULL};
static const char *const action_choices[] = {"start", "stop", NULL};
#define PC {"pc", REQUIRED, SHAPE_CHOICE, 0, KEEP(pc), pc_choices}
#define ACTION {"action", REQUIRED, SHAPE_CHOICE, 0, KEEP(action), action_choices}
#define SDP {"sdp", REQUIRED, SHAPE_NONEMPTY, MAX_SDP, NOT_KEPT}

static const MessageRule rules[CR_MSG_N_TYPES] = {
    [CR_MSG_JOIN] = {.name = "join", .fields = {
        {"token", REQUIRED, SHAPE_NONEMPTY, CR_MESSAGE_MAX_TOKEN, KEEP(token)}}},
    [CR_MSG_RAISE_HAND] = {.name = "raise_hand"},
    [CR_MSG_LOWER_HAND] = {.name = "lower_hand", .fields = {PERSON(OPTIONAL)}},
    [CR_MSG_GRANT_FLOOR] = {.name = "grant_floor", .fields = {PERSON(REQUIRED)}},
    [CR_MSG_REVOKE_FLOOR] = {.name = "revoke_floor", .fields = {PERSON(REQUIRED)}},
    [CR_MSG_KICK] = {.name = "kick", .fields = {
        PERSON(REQUIRED),
        {"text", OPTIONAL, SHAPE_STRING, MAX_KICK_REASON, KEEP(text)}}},
    [CR_MSG_END_CLASS] = {.name = "end_class"},
    [CR_MSG_CHAT] = {.name = "chat", .fields = {
        {"text", REQUIRED, SHAPE_PROSE, CR_MESSAGE_MAX_TEXT, KEEP(text)}}},
    [CR_MSG_LEAVE] = {.name = "leave"},
    [CR_MSG_PING] = {.name = "ping"},
    [CR_MSG_RECORD] = {.name = "record", .fields = {ACTION}},
    [CR_MSG_PUBLISH] = {.name = "publish", .keeps_body = TRUE, .fields = {SDP}},
    [CR_MSG_ANSWER] = {.name = "answer", .keeps_body = TRUE, .fields = {PC, SDP}},
    [CR_MSG_CANDIDATE] = {.name = "candidate", .keeps_body = TRUE, .fields = {
        PC, {"candidate", REQUIRED, SHAPE_CANDIDATE, 0, NOT_KEPT}}},
    [CR_MSG_UNPUBLISH] = {.name = "unpublish"},
};

static void fail(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);

static void
fail(GError **error, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    g_autofree char *message = g_strdup_vprintf(format, args);
    va_end(args);
    g_set_error_literal(error, CR_ERROR, CR_ERROR_BAD_REQUEST, message);
}

/* @text made fit to quote in an error: valid UTF-8, control characters
 * replaced by '?', cut at a character boundary after @max bytes. */
static char *
printable(const char *text, gsize max)
{
    g_autofree char *valid = g_utf8_make_valid(text, -1);
    GString *out = g_string_new(NULL);
    for (const char *p = valid; *p != '\0'; p = g_utf8_next_char(p)) {
        gsize n = (gsize)(g_utf8_next_char(p) - p);
        if (out->len + n > max) {
            g_string_append(out, "\u2026");
            break;
        }
        if (g_unichar_iscntrl(g_utf8_get_char(p)))
            g_string_append_c(out, '?');
        else
            g_string_append_len(out, p, (gssize)n);
    }
    return g_string_free(out, FALSE);
}

static json_t *
parse(const char *data, gsize len, GError **error)
{
    /* jansson refuses NUL bytes too, but with a puzzling message. */
    if (len > 0 && memchr(data, '\0', len) != NULL) {
        fail(error, "message is not valid JSON: it contains a NUL byte");
        return NULL;
    }
    json_error_t parse_error;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
                              &parse_error);
    if (root == NULL) {
        g_autofree char *text = printable(parse_error.text, sizeof parse_error.text);
        fail(error, "message is not valid JSON: %s (line %d, column %d)", text,
             parse_error.line, parse_error.column);
    }
    return root;
}

static gboolean
read_ref(json_t *root, char **ref, GError **error)
{
    json_t *value = json_object_get(root, "ref");
    if (value == NULL)
        return TRUE;
    if (json_is_integer(value))
        *ref = g_strdup_printf("%" JSON_INTEGER_FORMAT, json_integer_value(value));
    else if (json_is_string(value) && json_string_length(value) <= CR_MESSAGE_MAX_REF)
        *ref = g_strdup(json_string_value(value));
    if (*ref != NULL)
        return TRUE;
    fail(error, "field \"ref\" must be a string or integer of at most %d bytes",
         CR_MESSAGE_MAX_REF);
    return FALSE;
}

static const MessageRule *
find_rule(json_t *root, GError **error)
{
    json_t *value = json_object_get(root, "type");
    if (value == NULL) {
        fail(error, "field \"type\" is required");
        return NULL;
    }
    if (!json_is_string(value)) {
        fail(error, "field \"type\" must be a string");
        return NULL;
    }
    const char *name = json_string_value(value);
    for (gsize i = 0; i < G_N_ELEMENTS(rules); i++) {
        if (rules[i].name != NULL && strcmp(rules[i].name, name) == 0)
            return &rules[i];
    }
    g_autofree char *quoted = printable(name, MAX_QUOTED);
    fail(error, "unknown message type \"%s\"", quoted);
    return NULL;
}

/* Whether every character of @text is whitespace or invisible (format
 * characters such as U+200B ZERO WIDTH SPACE). */
static gboolean
is_blank(const char *text)
{
    for (const char *p = text; *p != '\0'; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (!g_unichar_isspace(c) && g_unichar_type(c) != G_UNICODE_FORMAT)
            return FALSE;
    }
    return TRUE;
}

static gboolean
has_control(const char *text)
{
    for (const char *p = text; *p != '\0'; p = g_utf8_next_char(p)) {
        if (g_unichar_iscntrl(g_utf8_get_char(p)))
            return TRUE;
    }
    return FALSE;
}

static gboolean
check_string(const FieldRule *field, json_t *value, GError **error)
{
    if (!json_is_string(value)) {
        fail(error, "field \"%s\" must be a string", field->name);
        return FALSE;
    }
    const char *text = json_string_value(value);
    gsize len = json_string_length(value);
    if (len == 0 && field->shape != SHAPE_STRING) {
        fail(error, "field \"%s\" must not be empty", field->name);
        return FALSE;
    }
    if (len > field->max_len) {
        fail(error, "field \"%s\" must be at most %zu bytes", field->name, field->max_len);
        return FALSE;
    }
    if (field->shape == SHAPE_NAME && has_control(text)) {
        fail(error, "field \"%s\" must not contain control characters", field->name);
        return FALSE;
    }
    if (field->shape == SHAPE_PROSE && is_blank(text)) {
        fail(error, "field \"%s\" must not be only whitespace", field->name);
        return FALSE;
    }
    return TRUE;
}

static gboolean
check_choice(const FieldRule *field, json_t *value, GError **error)
{
    const char *text = json_string_value(value); /* NULL if not a string */
    if (text != NULL && g_strv_contains(field->choices, text))
        return TRUE;
    g_autofree char *allowed = g_strjoinv("\" or \"", (char **)field->choices);
    fail(error, "field \"%s\" must be \"%s\"", field->name, allowed);
    return FALSE;
}

/* null (no more candidates) or {"candidate": string, "sdpMid"?: string or
 * null, "sdpMLineIndex"?: 0..255 or null}, as the browser's
 * RTCIceCandidate.toJSON() gives it. */
static gboolean
check_candidate(const FieldRule *field, json_t *value, GError **error)
{
    if (json_is_null(value))
        return TRUE;
    if (!json_is_object(value)) {
        fail(error, "field \"%s\" must be an object or null", field->name);
        return FALSE;
    }
    json_t *line = json_object_get(value, "candidate");
    if (line == NULL || !json_is_string(line)) {
        fail(error, "field \"%s.candidate\" %s", field->name,
             line == NULL ? "is required" : "must be a string");
        return FALSE;
    }
    json_t *mid = json_object_get(value, "sdpMid");
    if (mid != NULL && !json_is_null(mid) && !json_is_string(mid)) {
        fail(error, "field \"%s.sdpMid\" must be a string or null", field->name);
        return FALSE;
    }
    json_t *index = json_object_get(value, "sdpMLineIndex");
    if (index != NULL && !json_is_null(index) &&
        !(json_is_integer(index) && json_integer_value(index) >= 0 &&
          json_integer_value(index) <= 255)) {
        fail(error, "field \"%s.sdpMLineIndex\" must be an integer from 0 to 255 or null",
             field->name);
        return FALSE;
    }
    return TRUE;
}

static gboolean
read_field(json_t *root, const FieldRule *field, CrClientMessage *msg, GError **error)
{
    json_t *value = json_object_get(root, field->name);
    if (value == NULL) {
        if (field->required)
            fail(error, "field \"%s\" is required", field->name);
        return !field->required;
    }
    gboolean ok;
    switch (field->shape) {
    case SHAPE_CHOICE:
        ok = check_choice(field, value, error);
        break;
    case SHAPE_CANDIDATE:
        ok = check_candidate(field, value, error);
        break;
    default:
        ok = check_string(field, value, error);
        break;
    }
    if (ok && field->offset != NOT_KEPT)
        G_STRUCT_MEMBER(char *, msg, field->offset) = g_strdup(json_string_value(value));
    return ok;
}

const char *
cr_message_type_name(CrMessageType type)
{
    if ((int)type < 0 || (int)type >= CR_MSG_N_TYPES)
        return "unknown";
    return rules[type].name;
}

void
cr_client_message_clear(CrClientMessage *msg)
{
    if (msg == NULL)
        return;
    g_free(msg->ref);
    g_free(msg->token);
    g_free(msg->person);
    g_free(msg->text);
    g_free(msg->pc);
    g_free(msg->action);
    json_decref(msg->body);
    memset(msg, 0, sizeof *msg);
}

/* Decodes the fields of @rule into @out; on error everything but ref is
 * cleared again. */
static gboolean
read_fields(json_t *root, const MessageRule *rule, CrClientMessage *out, GError **error)
{
    for (gsize i = 0; i < MAX_FIELDS && rule->fields[i].name != NULL; i++) {
        if (!read_field(root, &rule->fields[i], out, error)) {
            char *ref = g_steal_pointer(&out->ref);
            cr_client_message_clear(out);
            out->ref = ref;
            return FALSE;
        }
    }
    out->type = (CrMessageType)(rule - rules);
    if (rule->keeps_body)
        out->body = json_incref(root);
    return TRUE;
}

gboolean
cr_message_decode(const char *data, gsize len, CrClientMessage *out, GError **error)
{
    g_return_val_if_fail(data != NULL || len == 0, FALSE);
    g_return_val_if_fail(out != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    memset(out, 0, sizeof *out);
    g_autoptr(json_t) root = parse(data, len, error);
    if (root == NULL)
        return FALSE;
    if (!json_is_object(root)) {
        fail(error, "message must be a JSON object");
        return FALSE;
    }
    if (!read_ref(root, &out->ref, error))
        return FALSE;
    const MessageRule *rule = find_rule(root, error);
    if (rule == NULL)
        return FALSE;
    return read_fields(root, rule, out, error);
}
