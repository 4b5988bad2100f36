/* fuzz-message.c — libFuzzer harness for cr_message_decode (signaling/message.c).
 *
 * Single-threaded, one input per call. Decodes the input and checks the
 * decoder's contract: on success a known type with its required fields
 * set and no field of another type; on failure a CR_ERROR_BAD_REQUEST with
 * a valid UTF-8 message and nothing but ref kept. Seeds and crash inputs
 * live in tests/fuzz/corpus/message/; replay-main.c replays them in the
 * ordinary build.
 */
#include <stdint.h>
#include <string.h>

#include <glib.h>
#include <jansson.h>

#include "common/error.h"
#include "signaling/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Which fields @type must have (1), may have (2) or must not have (0):
 * token, person, text, pc, body. */
static const guint8 shape[CR_MSG_N_TYPES][5] = {
    [CR_MSG_JOIN] = {1, 0, 0, 0, 0},
    [CR_MSG_RAISE_HAND] = {0, 0, 0, 0, 0},
    [CR_MSG_LOWER_HAND] = {0, 2, 0, 0, 0},
    [CR_MSG_GRANT_FLOOR] = {0, 1, 0, 0, 0},
    [CR_MSG_REVOKE_FLOOR] = {0, 1, 0, 0, 0},
    [CR_MSG_KICK] = {0, 1, 2, 0, 0},
    [CR_MSG_END_CLASS] = {0, 0, 0, 0, 0},
    [CR_MSG_CHAT] = {0, 0, 1, 0, 0},
    [CR_MSG_LEAVE] = {0, 0, 0, 0, 0},
    [CR_MSG_PING] = {0, 0, 0, 0, 0},
    [CR_MSG_PUBLISH] = {0, 0, 0, 0, 1},
    [CR_MSG_ANSWER] = {0, 0, 0, 1, 1},
    [CR_MSG_CANDIDATE] = {0, 0, 0, 1, 1},
};

static void
check_presence(guint8 rule, gboolean present)
{
    if (rule == 1 && !present)
        g_error("required field missing");
    if (rule == 0 && present)
        g_error("field of another message type set");
}

static void
check_text(const char *text, gsize min_len, gsize max_len)
{
    if (text == NULL)
        return;
    gsize len = strlen(text);
    if (len < min_len || len > max_len || !g_utf8_validate(text, -1, NULL))
        g_error("field of %zu bytes outside %zu..%zu or not UTF-8", len, min_len, max_len);
}

static void
check_success(const CrClientMessage *msg)
{
    if ((int)msg->type < 0 || msg->type >= CR_MSG_N_TYPES)
        g_error("type %d out of range", (int)msg->type);
    const guint8 *rule = shape[msg->type];
    check_presence(rule[0], msg->token != NULL);
    check_presence(rule[1], msg->person != NULL);
    check_presence(rule[2], msg->text != NULL);
    check_presence(rule[3], msg->pc != NULL);
    check_presence(rule[4], msg->body != NULL);
    check_text(msg->ref, 0, CR_MESSAGE_MAX_REF);
    check_text(msg->token, 1, CR_MESSAGE_MAX_TOKEN);
    check_text(msg->person, 1, CR_MESSAGE_MAX_PERSON);
    check_text(msg->text, msg->type == CR_MSG_CHAT ? 1 : 0, CR_MESSAGE_MAX_TEXT);
    if (msg->pc != NULL && strcmp(msg->pc, "publish") != 0 && strcmp(msg->pc, "subscribe") != 0)
        g_error("pc \"%s\"", msg->pc);
    if (msg->body != NULL) {
        const char *type = json_string_value(json_object_get(msg->body, "type"));
        if (g_strcmp0(type, cr_message_type_name(msg->type)) != 0)
            g_error("body is not the message");
    }
}

static void
check_failure(const CrClientMessage *msg, const GError *error)
{
    if (error == NULL || error->domain != CR_ERROR || error->code != CR_ERROR_BAD_REQUEST)
        g_error("failure without a CR_ERROR_BAD_REQUEST");
    if (!g_utf8_validate(error->message, -1, NULL))
        g_error("error message is not UTF-8");
    if (msg->token != NULL || msg->person != NULL || msg->text != NULL || msg->pc != NULL ||
        msg->body != NULL)
        g_error("failure left a field set");
    check_text(msg->ref, 0, CR_MESSAGE_MAX_REF);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CrClientMessage msg;
    GError *error = NULL;
    if (cr_message_decode((const char *)data, size, &msg, &error)) {
        if (error != NULL)
            g_error("success with an error set");
        check_success(&msg);
    } else {
        check_failure(&msg, error);
    }
    g_clear_error(&error);
    cr_client_message_clear(&msg);
    return 0;
}
