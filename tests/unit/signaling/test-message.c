/* test-message.c — unit tests for signaling/message.c (client messages).
 *
 * Single-threaded GTest program. Table-driven: each row of `cases` is one
 * input and what decoding it must give (the type and every field, or the
 * error's substring); rows whose values are too big to write out (size
 * limits, at and one past each) are generated at start-up. Each row runs
 * as its own test case, /message/decode/<name>.
 */
#include <string.h>

#include <glib.h>
#include <jansson.h>

#include "common/error.h"
#include "signaling/message.h"

typedef struct {
    const char *name;
    const char *json;
    gsize len;          /* bytes of json; 0 means strlen(json) */
    gboolean ok;
    CrMessageType type; /* when ok */
    const char *ref;    /* expected ref, also on error */
    const char *token;
    const char *person;
    const char *text;
    const char *pc;
    const char *action;
    const char *error;  /* a substring of the error message, when !ok */
} Case;

#define OK(n, j, t, ...) {.name = n, .json = j, .ok = TRUE, .type = t, __VA_ARGS__}
#define BAD(n, j, e, ...) {.name = n, .json = j, .error = e, __VA_ARGS__}
/* A literal with its embedded NULs: its length is given, not measured. */
#define BYTES(lit) .json = lit, .len = sizeof(lit) - 1

#define NOT_JSON "message is not valid JSON"
#define NOT_OBJECT "message must be a JSON object"
#define REF_ERROR "field \"ref\" must be a string or integer of at most 64 bytes"
#define SDP_OFFER                                                                       \
    "v=0\\r\\no=- 4611731400430051336 2 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\n"      \
    "a=group:BUNDLE 0\\r\\nm=audio 9 UDP/TLS/RTP/SAVPF 111\\r\\nc=IN IP4 0.0.0.0\\r\\n" \
    "a=mid:0\\r\\na=sendonly\\r\\na=rtpmap:111 opus/48000/2\\r\\n"
#define CANDIDATE_LINE "candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx"

static const Case cases[] = {
    /* Every type, valid. */
    OK("join", "{\"type\":\"join\",\"token\":\"eyJhbGciOiJIUzI1NiJ9.e30.c2ln\"}", CR_MSG_JOIN,
       .token = "eyJhbGciOiJIUzI1NiJ9.e30.c2ln"),
    OK("raise_hand", "{\"type\":\"raise_hand\"}", CR_MSG_RAISE_HAND),
    OK("lower_hand", "{\"type\":\"lower_hand\"}", CR_MSG_LOWER_HAND),
    OK("lower_hand-person", "{\"type\":\"lower_hand\",\"person\":\"p-7\"}", CR_MSG_LOWER_HAND,
       .person = "p-7"),
    OK("grant_floor", "{\"type\":\"grant_floor\",\"person\":\"p-7\"}", CR_MSG_GRANT_FLOOR,
       .person = "p-7"),
    OK("revoke_floor", "{\"type\":\"revoke_floor\",\"person\":\"p-7\"}", CR_MSG_REVOKE_FLOOR,
       .person = "p-7"),
    OK("kick", "{\"type\":\"kick\",\"person\":\"p-7\"}", CR_MSG_KICK, .person = "p-7"),
    OK("kick-reason", "{\"type\":\"kick\",\"person\":\"p-7\",\"text\":\"disruptive\"}",
       CR_MSG_KICK, .person = "p-7", .text = "disruptive"),
    OK("kick-empty-reason", "{\"type\":\"kick\",\"person\":\"p-7\",\"text\":\"\"}", CR_MSG_KICK,
       .person = "p-7", .text = ""),
    OK("end_class", "{\"type\":\"end_class\"}", CR_MSG_END_CLASS),
    OK("chat", "{\"type\":\"chat\",\"text\":\"Slide 4, please\"}", CR_MSG_CHAT,
       .text = "Slide 4, please"),
    OK("chat-chinese", "{\"type\":\"chat\",\"text\":\"老师好，我听不清楚\"}", CR_MSG_CHAT,
       .text = "老师好，我听不清楚"),
    OK("chat-escaped-chinese", "{\"type\":\"chat\",\"text\":\"\\u4f60\\u597d\"}", CR_MSG_CHAT,
       .text = "你好"),
    OK("chat-emoji-pair", "{\"type\":\"chat\",\"text\":\"\\ud83d\\udc4d\"}", CR_MSG_CHAT,
       .text = "👍"),
    OK("chat-spaces-kept", "{\"type\":\"chat\",\"text\":\"  hi\\n\"}", CR_MSG_CHAT,
       .text = "  hi\n"),
    OK("leave", "{\"type\":\"leave\"}", CR_MSG_LEAVE),
    OK("ping", "{\"type\":\"ping\"}", CR_MSG_PING),
    OK("unpublish", "{\"type\":\"unpublish\"}", CR_MSG_UNPUBLISH),
    OK("record-start", "{\"type\":\"record\",\"action\":\"start\"}", CR_MSG_RECORD,
       .action = "start"),
    OK("record-stop", "{\"type\":\"record\",\"action\":\"stop\",\"ref\":3}", CR_MSG_RECORD,
       .action = "stop", .ref = "3"),
    BAD("record-no-action", "{\"type\":\"record\"}", "field \"action\" is required"),
    BAD("record-pause", "{\"type\":\"record\",\"action\":\"pause\"}",
        "field \"action\" must be \"start\" or \"stop\""),
    BAD("record-action-array", "{\"type\":\"record\",\"action\":[\"start\"]}",
        "field \"action\" must be \"start\" or \"stop\""),
    OK("publish", "{\"type\":\"publish\",\"sdp\":\"" SDP_OFFER "\"}", CR_MSG_PUBLISH),
    OK("answer-publish", "{\"type\":\"answer\",\"pc\":\"publish\",\"sdp\":\"" SDP_OFFER "\"}",
       CR_MSG_ANSWER, .pc = "publish"),
    OK("answer-subscribe", "{\"type\":\"answer\",\"pc\":\"subscribe\",\"sdp\":\"v=0\"}",
       CR_MSG_ANSWER, .pc = "subscribe"),
    OK("candidate", "{\"type\":\"candidate\",\"pc\":\"publish\",\"candidate\":{\"candidate\":\""
       CANDIDATE_LINE "\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}", CR_MSG_CANDIDATE,
       .pc = "publish"),
    OK("candidate-null", "{\"type\":\"candidate\",\"pc\":\"subscribe\",\"candidate\":null}",
       CR_MSG_CANDIDATE, .pc = "subscribe"),
    OK("candidate-end-of-candidates",
       "{\"type\":\"candidate\",\"pc\":\"publish\",\"candidate\":{\"candidate\":\"\","
       "\"sdpMid\":null,\"sdpMLineIndex\":null}}", CR_MSG_CANDIDATE, .pc = "publish"),
    OK("candidate-line-only",
       "{\"type\":\"candidate\",\"pc\":\"publish\",\"candidate\":{\"candidate\":\"x\"}}",
       CR_MSG_CANDIDATE, .pc = "publish"),
    OK("candidate-mline-255",
       "{\"type\":\"candidate\",\"pc\":\"publish\",\"candidate\":{\"candidate\":\"x\","
       "\"sdpMLineIndex\":255}}", CR_MSG_CANDIDATE, .pc = "publish"),
    OK("person-unicode", "{\"type\":\"grant_floor\",\"person\":\"李雷\"}", CR_MSG_GRANT_FLOOR,
       .person = "李雷"),
    OK("extra-fields", "{\"v\":2,\"type\":\"ping\",\"future\":{\"x\":[1,null]},\"token\":5}",
       CR_MSG_PING),
    OK("extra-fields-wrong-type-ignored", "{\"type\":\"raise_hand\",\"person\":5}",
       CR_MSG_RAISE_HAND),
    OK("whitespace-around", " \t\r\n{ \"type\" : \"ping\" }\n ", CR_MSG_PING),
    /* ref */
    OK("ref-string", "{\"type\":\"ping\",\"ref\":\"r-1\"}", CR_MSG_PING, .ref = "r-1"),
    OK("ref-empty", "{\"type\":\"ping\",\"ref\":\"\"}", CR_MSG_PING, .ref = ""),
    OK("ref-integer", "{\"ref\":42,\"type\":\"ping\"}", CR_MSG_PING, .ref = "42"),
    OK("ref-zero", "{\"ref\":0,\"type\":\"ping\"}", CR_MSG_PING, .ref = "0"),
    OK("ref-negative", "{\"ref\":-7,\"type\":\"ping\"}", CR_MSG_PING, .ref = "-7"),
    OK("ref-int64-max", "{\"ref\":9223372036854775807,\"type\":\"ping\"}", CR_MSG_PING,
       .ref = "9223372036854775807"),
    OK("ref-int64-min", "{\"ref\":-9223372036854775808,\"type\":\"ping\"}", CR_MSG_PING,
       .ref = "-9223372036854775808"),
    OK("ref-with-join", "{\"ref\":\"j\",\"type\":\"join\",\"token\":\"t\"}", CR_MSG_JOIN,
       .ref = "j", .token = "t"),
    BAD("ref-true", "{\"type\":\"ping\",\"ref\":true}", REF_ERROR),
    BAD("ref-null", "{\"type\":\"ping\",\"ref\":null}", REF_ERROR),
    BAD("ref-real", "{\"type\":\"ping\",\"ref\":1.5}", REF_ERROR),
    BAD("ref-object", "{\"type\":\"ping\",\"ref\":{}}", REF_ERROR),
    BAD("ref-before-type-error", "{\"type\":\"dance\",\"ref\":[1]}", REF_ERROR),
    BAD("ref-too-big-integer", "{\"type\":\"ping\",\"ref\":99999999999999999999}", NOT_JSON),
    /* ref survives later errors */
    BAD("ref-kept-unknown-type", "{\"ref\":\"r1\",\"type\":\"dance\"}", "unknown message type",
        .ref = "r1"),
    BAD("ref-kept-missing-type", "{\"ref\":\"r2\"}", "field \"type\" is required", .ref = "r2"),
    BAD("ref-kept-missing-field", "{\"type\":\"join\",\"ref\":7}", "field \"token\" is required",
        .ref = "7"),
    BAD("ref-kept-second-field", "{\"type\":\"kick\",\"ref\":\"k\",\"person\":\"p\",\"text\":1}",
        "field \"text\" must be a string", .ref = "k"),
    BAD("ref-kept-candidate",
        "{\"ref\":\"c\",\"type\":\"candidate\",\"pc\":\"publish\",\"candidate\":5}",
        "field \"candidate\" must be an object or null", .ref = "c"),
    /* type */
    BAD("type-missing", "{}", "field \"type\" is required"),
    BAD("type-number", "{\"type\":5}", "field \"type\" must be a string"),
    BAD("type-null", "{\"type\":null}", "field \"type\" must be a string"),
    BAD("type-array", "{\"type\":[\"ping\"]}", "field \"type\" must be a string"),
    BAD("type-unknown", "{\"type\":\"dance\"}", "unknown message type \"dance\""),
    BAD("type-empty", "{\"type\":\"\"}", "unknown message type \"\""),
    BAD("type-case", "{\"type\":\"PING\"}", "unknown message type \"PING\""),
    BAD("type-server-only", "{\"type\":\"error\"}", "unknown message type \"error\""),
    BAD("type-control", "{\"type\":\"a\\u0001\\nb\"}", "unknown message type \"a??b\""),
    BAD("type-long", "{\"type\":\"abcdefghijklmnopqrstuvwxyz0123456789abcdef\"}",
        "unknown message type \"abcdefghijklmnopqrstuvwxyz012345\u2026\""),
    /* Cut in the middle of the 11th 中 (bytes 31..33): 10 are quoted. */
    BAD("type-long-utf8", "{\"type\":\"aa中中中中中中中中中中中中中中\"}",
        "unknown message type \"aa中中中中中中中中中中\u2026\""),
    /* join */
    BAD("join-no-token", "{\"type\":\"join\"}", "field \"token\" is required"),
    BAD("join-token-number", "{\"type\":\"join\",\"token\":1}", "field \"token\" must be a string"),
    BAD("join-token-null", "{\"type\":\"join\",\"token\":null}",
        "field \"token\" must be a string"),
    BAD("join-token-empty", "{\"type\":\"join\",\"token\":\"\"}",
        "field \"token\" must not be empty"),
    /* person */
    BAD("grant-no-person", "{\"type\":\"grant_floor\"}", "field \"person\" is required"),
    BAD("revoke-no-person", "{\"type\":\"revoke_floor\"}", "field \"person\" is required"),
    BAD("kick-no-person", "{\"type\":\"kick\",\"text\":\"bye\"}", "field \"person\" is required"),
    BAD("lower-person-number", "{\"type\":\"lower_hand\",\"person\":3}",
        "field \"person\" must be a string"),
    BAD("grant-person-array", "{\"type\":\"grant_floor\",\"person\":[\"p\"]}",
        "field \"person\" must be a string"),
    BAD("revoke-person-bool", "{\"type\":\"revoke_floor\",\"person\":false}",
        "field \"person\" must be a string"),
    BAD("kick-person-object", "{\"type\":\"kick\",\"person\":{}}",
        "field \"person\" must be a string"),
    BAD("person-empty", "{\"type\":\"grant_floor\",\"person\":\"\"}",
        "field \"person\" must not be empty"),
    BAD("person-newline", "{\"type\":\"kick\",\"person\":\"p\\n1\"}",
        "field \"person\" must not contain control characters"),
    BAD("person-del", "{\"type\":\"kick\",\"person\":\"p\\u007f\"}",
        "field \"person\" must not contain control characters"),
    BAD("person-c1", "{\"type\":\"lower_hand\",\"person\":\"p\\u0085\"}",
        "field \"person\" must not contain control characters"),
    /* kick reason */
    BAD("kick-text-number", "{\"type\":\"kick\",\"person\":\"p\",\"text\":5}",
        "field \"text\" must be a string"),
    /* chat */
    BAD("chat-no-text", "{\"type\":\"chat\"}", "field \"text\" is required"),
    BAD("chat-text-number", "{\"type\":\"chat\",\"text\":12}", "field \"text\" must be a string"),
    BAD("chat-empty", "{\"type\":\"chat\",\"text\":\"\"}", "field \"text\" must not be empty"),
    BAD("chat-whitespace", "{\"type\":\"chat\",\"text\":\" \\t\\r\\n \"}",
        "field \"text\" must not be only whitespace"),
    BAD("chat-ideographic-space", "{\"type\":\"chat\",\"text\":\"\u3000\u3000\"}",
        "field \"text\" must not be only whitespace"),
    BAD("chat-zero-width", "{\"type\":\"chat\",\"text\":\" \\u200b\\ufeff\"}",
        "field \"text\" must not be only whitespace"),
    /* publish / answer */
    BAD("publish-no-sdp", "{\"type\":\"publish\"}", "field \"sdp\" is required"),
    BAD("publish-sdp-object", "{\"type\":\"publish\",\"sdp\":{\"type\":\"offer\"}}",
        "field \"sdp\" must be a string"),
    BAD("publish-sdp-empty", "{\"type\":\"publish\",\"sdp\":\"\"}",
        "field \"sdp\" must not be empty"),
    BAD("answer-no-pc", "{\"type\":\"answer\",\"sdp\":\"v=0\"}", "field \"pc\" is required"),
    BAD("answer-pc-other", "{\"type\":\"answer\",\"pc\":\"both\",\"sdp\":\"v=0\"}",
        "field \"pc\" must be \"publish\" or \"subscribe\""),
    BAD("answer-pc-number", "{\"type\":\"answer\",\"pc\":1,\"sdp\":\"v=0\"}",
        "field \"pc\" must be \"publish\" or \"subscribe\""),
    BAD("answer-no-sdp", "{\"type\":\"answer\",\"pc\":\"subscribe\"}", "field \"sdp\" is required"),
    BAD("answer-sdp-null", "{\"type\":\"answer\",\"pc\":\"subscribe\",\"sdp\":null}",
        "field \"sdp\" must be a string"),
    /* candidate */
    BAD("candidate-no-pc", "{\"type\":\"candidate\",\"candidate\":null}",
        "field \"pc\" is required"),
    BAD("candidate-pc-null", "{\"type\":\"candidate\",\"pc\":null,\"candidate\":null}",
        "field \"pc\" must be \"publish\" or \"subscribe\""),
    BAD("candidate-missing", "{\"type\":\"candidate\",\"pc\":\"publish\"}",
        "field \"candidate\" is required"),
    BAD("candidate-string", "{\"type\":\"candidate\",\"pc\":\"publish\",\"candidate\":\""
        CANDIDATE_LINE "\"}", "field \"candidate\" must be an object or null"),
    BAD("candidate-array", "{\"type\":\"candidate\",\"pc\":\"publish\",\"candidate\":[]}",
        "field \"candidate\" must be an object or null"),
    BAD("candidate-no-line", "{\"type\":\"candidate\",\"pc\":\"publish\",\"candidate\":{}}",
        "field \"candidate.candidate\" is required"),
    BAD("candidate-line-null",
        "{\"type\":\"candidate\",\"pc\":\"publish\",\"candidate\":{\"candidate\":null}}",
        "field \"candidate.candidate\" must be a string"),
    BAD("candidate-mid-number", "{\"type\":\"candidate\",\"pc\":\"publish\",\"candidate\":"
        "{\"candidate\":\"x\",\"sdpMid\":0}}", "field \"candidate.sdpMid\" must be a string or null"),
    BAD("candidate-mline-256", "{\"type\":\"candidate\",\"pc\":\"publish\",\"candidate\":"
        "{\"candidate\":\"x\",\"sdpMLineIndex\":256}}",
        "field \"candidate.sdpMLineIndex\" must be an integer from 0 to 255 or null"),
    BAD("candidate-mline-negative", "{\"type\":\"candidate\",\"pc\":\"publish\",\"candidate\":"
        "{\"candidate\":\"x\",\"sdpMLineIndex\":-1}}", "\"candidate.sdpMLineIndex\" must be"),
    BAD("candidate-mline-real", "{\"type\":\"candidate\",\"pc\":\"publish\",\"candidate\":"
        "{\"candidate\":\"x\",\"sdpMLineIndex\":0.0}}", "\"candidate.sdpMLineIndex\" must be"),
    BAD("candidate-mline-string", "{\"type\":\"candidate\",\"pc\":\"publish\",\"candidate\":"
        "{\"candidate\":\"x\",\"sdpMLineIndex\":\"0\"}}", "\"candidate.sdpMLineIndex\" must be"),
    BAD("candidate-mline-huge", "{\"type\":\"candidate\",\"pc\":\"publish\",\"candidate\":"
        "{\"candidate\":\"x\",\"sdpMLineIndex\":4294967296}}", "\"candidate.sdpMLineIndex\" must be"),
    /* Not an object */
    BAD("array", "[]", NOT_OBJECT),
    BAD("array-of-object", "[{\"type\":\"ping\"}]", NOT_OBJECT),
    BAD("string", "\"x\"", NOT_OBJECT),
    BAD("number", "1", NOT_OBJECT),
    BAD("null", "null", NOT_OBJECT),
    BAD("true", "true", NOT_OBJECT),
    /* Not JSON */
    BAD("empty", "", NOT_JSON),
    BAD("blank", "  \n", NOT_JSON),
    BAD("unclosed", "{\"type\":\"ping\"", NOT_JSON),
    BAD("missing-value", "{\"type\":}", NOT_JSON),
    BAD("single-quotes", "{'type':'ping'}", NOT_JSON),
    BAD("trailing-comma", "{\"type\":\"ping\",}", NOT_JSON),
    BAD("comment", "{\"type\":\"ping\"} // hi", NOT_JSON),
    BAD("position", "{\n\"type\": pong}", "(line 2, column"),
    BAD("trailing-garbage", "{\"type\":\"ping\"}x", NOT_JSON),
    BAD("trailing-object", "{\"type\":\"ping\"}{\"type\":\"ping\"}", NOT_JSON),
    BAD("trailing-comma-after", "{\"type\":\"ping\"},", NOT_JSON),
    BAD("duplicate-type", "{\"type\":\"ping\",\"type\":\"ping\"}", NOT_JSON),
    BAD("duplicate-ref", "{\"ref\":1,\"type\":\"ping\",\"ref\":2}", NOT_JSON),
    BAD("duplicate-nested", "{\"type\":\"candidate\",\"pc\":\"publish\",\"candidate\":"
        "{\"candidate\":\"a\",\"candidate\":\"b\"}}", NOT_JSON),
    BAD("escaped-nul", "{\"type\":\"chat\",\"text\":\"a\\u0000b\"}", NOT_JSON),
    BAD("raw-control", "{\"type\":\"chat\",\"text\":\"a\x01\"}", NOT_JSON),
    BAD("lone-surrogate", "{\"type\":\"chat\",\"text\":\"\\ud800\"}", NOT_JSON),
    BAD("utf8-invalid-byte", "{\"type\":\"chat\",\"text\":\"\xff\"}", NOT_JSON),
    BAD("utf8-truncated", "{\"type\":\"chat\",\"text\":\"\xe4\xb8\"}", NOT_JSON),
    BAD("utf8-overlong", "{\"type\":\"chat\",\"text\":\"\xc0\xaf\"}", NOT_JSON),
    BAD("utf8-surrogate", "{\"type\":\"chat\",\"text\":\"\xed\xa0\x80\"}", NOT_JSON),
    BAD("utf8-in-key", "{\"type\":\"ping\",\"\xfe\":1}", NOT_JSON),
    BAD("utf8-bare", "\xef\xbb\xbf{\"type\":\"ping\"}", NOT_JSON), /* a BOM */
    /* Explicit lengths: NUL bytes, and a valid prefix of a longer buffer. */
    {.name = "nul-after", BYTES("{\"type\":\"ping\"}\0"), .error = "NUL byte"},
    {.name = "nul-in-string", BYTES("{\"type\":\"chat\",\"text\":\"a\0b\"}"),
     .error = "NUL byte"},
    {.name = "nul-first", BYTES("\0{\"type\":\"ping\"}"), .error = "NUL byte"},
    {.name = "nul-in-key", BYTES("{\"type\":\"ping\",\"a\0\":1}"), .error = "NUL byte"},
    {.name = "prefix-only", .json = "{\"type\":\"ping\"}GARBAGE", .len = 15, .ok = TRUE,
     .type = CR_MSG_PING},
};

/* Generated cases (sizes), owned here so that they can be freed. */
static GPtrArray *generated;

static gboolean
all_null_but_ref(const CrClientMessage *msg)
{
    return msg->token == NULL && msg->person == NULL && msg->text == NULL && msg->pc == NULL &&
           msg->action == NULL && msg->body == NULL && msg->type == 0;
}

static void
check_ok(const Case *c, const CrClientMessage *msg)
{
    g_assert_cmpint(msg->type, ==, c->type);
    g_assert_cmpstr(msg->ref, ==, c->ref);
    g_assert_cmpstr(msg->token, ==, c->token);
    g_assert_cmpstr(msg->person, ==, c->person);
    g_assert_cmpstr(msg->text, ==, c->text);
    g_assert_cmpstr(msg->pc, ==, c->pc);
    g_assert_cmpstr(msg->action, ==, c->action);
    gboolean media = c->type == CR_MSG_PUBLISH || c->type == CR_MSG_ANSWER ||
                     c->type == CR_MSG_CANDIDATE;
    if (!media) {
        g_assert_null(msg->body);
        return;
    }
    /* The body is the whole message, held by one reference of ours. */
    g_assert_true(json_is_object(msg->body));
    g_assert_cmpuint(msg->body->refcount, ==, 1);
    g_assert_cmpstr(json_string_value(json_object_get(msg->body, "type")), ==,
                    cr_message_type_name(c->type));
}

static void
test_decode(gconstpointer data)
{
    const Case *c = data;
    gsize len = c->len != 0 ? c->len : strlen(c->json);
    /* An exact-size copy without a terminator: ASan sees overreads. */
    char *bytes = g_memdup2(c->json, len);
    CrClientMessage msg;
    memset(&msg, 0xA5, sizeof msg); /* decode must not trust what was there */
    g_autoptr(GError) error = NULL;

    gboolean ok = cr_message_decode(bytes, len, &msg, &error);
    if (c->ok) {
        g_assert_no_error(error);
        g_assert_true(ok);
        check_ok(c, &msg);
    } else {
        g_assert_false(ok);
        g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
        g_assert_true(g_utf8_validate(error->message, -1, NULL));
        if (strstr(error->message, c->error) == NULL)
            g_error("%s: error \"%s\" lacks \"%s\"", c->name, error->message, c->error);
        g_assert_cmpstr(msg.ref, ==, c->ref);
        g_assert_true(all_null_but_ref(&msg));
    }
    cr_client_message_clear(&msg);
    g_assert_null(msg.ref);
    g_assert_null(msg.body);
    cr_client_message_clear(&msg); /* twice is harmless */
    g_free(bytes);
}

/* @count bytes of @unit repeated (its length must divide @count). */
static char *
repeat(const char *unit, gsize count)
{
    gsize unit_len = strlen(unit);
    g_assert_cmpuint(count % unit_len, ==, 0);
    GString *s = g_string_sized_new(count);
    while (s->len < count)
        g_string_append(s, unit);
    return g_string_free(s, FALSE);
}

static void
add_generated(const char *name, char *json, gboolean ok, CrMessageType type, const char *error)
{
    Case *c = g_new0(Case, 1);
    c->name = g_strdup(name);
    c->json = json;
    c->ok = ok;
    c->type = type;
    c->error = error != NULL ? g_strdup(error) : NULL;
    g_ptr_array_add(generated, c);
}

static void
free_generated(gpointer data)
{
    Case *c = data;
    g_free((char *)c->name);
    g_free((char *)c->json);
    g_free((char *)c->error);
    g_free(c);
}

typedef struct {
    const char *name;
    CrMessageType type;
    const char *before; /* JSON up to the value's opening quote */
    const char *after;  /* from the closing quote */
    const char *field;
    gsize max;
    const char *unit;   /* what the value is made of */
} Limit;

static const Limit limits[] = {
    {"ref", CR_MSG_PING, "{\"type\":\"ping\",\"ref\":\"", "\"}", "ref", CR_MESSAGE_MAX_REF, "r"},
    {"token", CR_MSG_JOIN, "{\"type\":\"join\",\"token\":\"", "\"}", "token",
     CR_MESSAGE_MAX_TOKEN, "t"},
    {"person", CR_MSG_KICK, "{\"type\":\"kick\",\"person\":\"", "\"}", "person",
     CR_MESSAGE_MAX_PERSON, "p"},
    {"person-utf8", CR_MSG_GRANT_FLOOR, "{\"type\":\"grant_floor\",\"person\":\"aa", "\"}",
     "person", CR_MESSAGE_MAX_PERSON - 2, "名"},
    {"kick-text", CR_MSG_KICK, "{\"type\":\"kick\",\"person\":\"p\",\"text\":\"", "\"}", "text",
     500, "k"},
    {"chat-text", CR_MSG_CHAT, "{\"type\":\"chat\",\"text\":\"", "\"}", "text",
     CR_MESSAGE_MAX_TEXT, "c"},
    {"chat-text-utf8", CR_MSG_CHAT, "{\"type\":\"chat\",\"text\":\"a", "\"}", "text",
     CR_MESSAGE_MAX_TEXT - 1, "中"},
    {"publish-sdp", CR_MSG_PUBLISH, "{\"type\":\"publish\",\"sdp\":\"", "\"}", "sdp", 65536, "s"},
    {"answer-sdp", CR_MSG_ANSWER, "{\"type\":\"answer\",\"pc\":\"publish\",\"sdp\":\"", "\"}",
     "sdp", 65536, "s"},
};

/* For each limit: a value of exactly the maximum (accepted) and one unit
 * more (refused). For the UTF-8 rows, max counts the bytes after the ASCII
 * prefix inside the quotes and is a multiple of the unit. */
static void
generate_limit_cases(void)
{
    for (gsize i = 0; i < G_N_ELEMENTS(limits); i++) {
        const Limit *l = &limits[i];
        g_autofree char *at = repeat(l->unit, l->max);
        g_autofree char *over = repeat(l->unit, l->max + strlen(l->unit));
        g_autofree char *name_at = g_strdup_printf("%s-at-limit", l->name);
        g_autofree char *name_over = g_strdup_printf("%s-over-limit", l->name);
        gsize prefix = strlen(l->before) - (size_t)(strrchr(l->before, '"') - l->before) - 1;
        g_autofree char *expected =
            strcmp(l->field, "ref") == 0
                ? g_strdup(REF_ERROR)
                : g_strdup_printf("field \"%s\" must be at most %zu bytes", l->field,
                                  l->max + prefix);
        add_generated(name_at, g_strconcat(l->before, at, l->after, NULL), TRUE, l->type, NULL);
        add_generated(name_over, g_strconcat(l->before, over, l->after, NULL), FALSE, 0,
                      expected);
    }
}

/* The ref and the value of a generated ok case are long: check them here
 * rather than writing them into the row. */
static void
test_decode_generated(gconstpointer data)
{
    const Case *c = data;
    CrClientMessage msg = {0};
    g_autoptr(GError) error = NULL;
    char *bytes = g_memdup2(c->json, strlen(c->json));
    gboolean ok = cr_message_decode(bytes, strlen(c->json), &msg, &error);
    g_free(bytes);
    if (c->ok) {
        g_assert_no_error(error);
        g_assert_true(ok);
        g_assert_cmpint(msg.type, ==, c->type);
        const char *value = msg.ref != NULL ? msg.ref
                          : msg.token != NULL ? msg.token
                          : msg.text != NULL ? msg.text
                          : msg.person != NULL ? msg.person
                          : json_string_value(json_object_get(msg.body, "sdp"));
        g_assert_nonnull(value);
        g_assert_nonnull(strstr(c->json, value));
    } else {
        g_assert_false(ok);
        g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
        if (strstr(error->message, c->error) == NULL)
            g_error("%s: error \"%s\" lacks \"%s\"", c->name, error->message, c->error);
        g_assert_null(msg.ref);
        g_assert_true(all_null_but_ref(&msg));
    }
    cr_client_message_clear(&msg);
}

static void
test_type_names(void)
{
    static const char *const names[CR_MSG_N_TYPES] = {
        "join", "raise_hand", "lower_hand", "grant_floor", "revoke_floor", "kick",
        "end_class", "chat", "leave", "ping", "record", "publish", "answer", "candidate",
        "unpublish",
    };
    for (int t = 0; t < CR_MSG_N_TYPES; t++)
        g_assert_cmpstr(cr_message_type_name((CrMessageType)t), ==, names[t]);
    g_assert_cmpstr(cr_message_type_name(CR_MSG_N_TYPES), ==, "unknown");
    g_assert_cmpstr(cr_message_type_name((CrMessageType)-1), ==, "unknown");
}

static void
test_clear_zeroed(void)
{
    CrClientMessage msg = {0};
    cr_client_message_clear(&msg);
    cr_client_message_clear(NULL);
    g_assert_null(msg.ref);
}

/* Errors are reported the same with no GError to fill. */
static void
test_null_error(void)
{
    static const char json[] = "{\"ref\":\"x\",\"type\":\"chat\"}";
    CrClientMessage msg = {0};
    g_assert_false(cr_message_decode(json, sizeof json - 1, &msg, NULL));
    g_assert_cmpstr(msg.ref, ==, "x");
    g_assert_true(all_null_but_ref(&msg));
    cr_client_message_clear(&msg);
}

/* The body outlives both the decoder and clear's reference. */
static void
test_body_reference(void)
{
    static const char json[] = "{\"type\":\"publish\",\"sdp\":\"v=0\",\"x\":1}";
    CrClientMessage msg = {0};
    g_autoptr(GError) error = NULL;
    g_assert_true(cr_message_decode(json, sizeof json - 1, &msg, &error));
    g_assert_no_error(error);
    json_t *body = json_incref(msg.body);
    cr_client_message_clear(&msg);
    g_assert_cmpstr(json_string_value(json_object_get(body, "sdp")), ==, "v=0");
    g_assert_cmpint(json_integer_value(json_object_get(body, "x")), ==, 1);
    json_decref(body);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/message/decode/%s", cases[i].name);
        g_test_add_data_func(path, &cases[i], test_decode);
    }
    generated = g_ptr_array_new_with_free_func(free_generated);
    generate_limit_cases();
    for (guint i = 0; i < generated->len; i++) {
        const Case *c = g_ptr_array_index(generated, i);
        g_autofree char *path = g_strdup_printf("/message/decode/%s", c->name);
        g_test_add_data_func(path, c, test_decode_generated);
    }
    g_test_add_func("/message/type-names", test_type_names);
    g_test_add_func("/message/clear-zeroed", test_clear_zeroed);
    g_test_add_func("/message/null-error", test_null_error);
    g_test_add_func("/message/body-reference", test_body_reference);

    int status = g_test_run();
    g_ptr_array_unref(generated);
    return status;
}
