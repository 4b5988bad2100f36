/* message.h — decoding the WebSocket protocol's client messages.
 *
 * Pure: bytes in, a typed message or a CR_ERROR out; any thread; fuzzed by
 * tests/fuzz/fuzz-message.c. Every message and field is documented in
 * docs/protocol.md.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

typedef enum {
    CR_MSG_JOIN,         /* token */
    CR_MSG_RAISE_HAND,   /* - */
    CR_MSG_LOWER_HAND,   /* person (optional: instructor lowers another's hand) */
    CR_MSG_GRANT_FLOOR,  /* person */
    CR_MSG_REVOKE_FLOOR, /* person */
    CR_MSG_KICK,         /* person, optional text (reason) */
    CR_MSG_END_CLASS,    /* - */
    CR_MSG_CHAT,         /* text */
    CR_MSG_LEAVE,        /* - */
    CR_MSG_PING,         /* - */
    CR_MSG_RECORD,       /* action: "start" | "stop" (instructor) */
    /* Media messages, handed whole (body) to the relay. */
    CR_MSG_PUBLISH,   /* sdp */
    CR_MSG_ANSWER,    /* pc, sdp */
    CR_MSG_CANDIDATE, /* pc, candidate (object or null) */
    CR_MSG_UNPUBLISH, /* - : close the publish connection */
    CR_MSG_N_TYPES
} CrMessageType;

/* Limits enforced by the decoder. */
#define CR_MESSAGE_MAX_REF 64      /* bytes of "ref" */
#define CR_MESSAGE_MAX_PERSON 128  /* bytes of "person" */
#define CR_MESSAGE_MAX_TOKEN 4096  /* bytes of "token" */
#define CR_MESSAGE_MAX_TEXT 16384  /* bytes of "text" (chat length is a config limit) */

typedef struct {
    CrMessageType type;
    char *ref;    /* the client's correlation id (string, or a number as text); may be NULL */
    char *token;  /* join */
    char *person; /* lower_hand, grant_floor, revoke_floor, kick */
    char *text;   /* chat (required, non-empty), kick (optional) */
    char *pc;     /* answer, candidate: "publish" or "subscribe" */
    char *action; /* record: "start" or "stop" */
    json_t *body; /* publish, answer, candidate: the whole message (a reference) */
} CrClientMessage;

/* The wire name of @type ("join", "raise_hand", ...); "unknown" when @type
 * is out of range. */
const char *cr_message_type_name(CrMessageType type);

/* Frees what @msg holds and zeroes it; safe on a zeroed struct. */
void cr_client_message_clear(CrClientMessage *msg);

/* Decodes one text message of @len bytes (need not be NUL-terminated).
 *
 * The message must be a JSON object (UTF-8, no duplicate keys, no NUL)
 * with a string "type" naming a known message, and fields of the right
 * types and sizes. Unknown extra fields are ignored (forward compatible).
 * On error returns FALSE with CR_ERROR_BAD_REQUEST and a message naming
 * the field; @out->ref is still filled when a valid "ref" could be read,
 * so the error can be correlated, and every other field is NULL.
 *
 * @out is overwritten, not freed: clear it first if it held a message.
 * Either way, release it with cr_client_message_clear(). */
gboolean cr_message_decode(const char *data, gsize len, CrClientMessage *out, GError **error);

G_END_DECLS
