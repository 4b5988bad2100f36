/* signaling.h — the HTTP and WebSocket server: join tokens, rosters,
 * hands and floor, the coordinators' API, metrics and the web app.
 *
 * Runs on the control loop (the main thread's GMainContext): libwebsockets
 * is driven by GLib (LWS_SERVER_OPTION_GLIB with a foreign loop).
 */
#pragma once

#include <glib.h>

#include "config/config.h"
#include "recorder/recorder.h"
#include "relay/relay.h"
#include "store/store.h"

G_BEGIN_DECLS

typedef struct _CrSignaling CrSignaling;

/* The keys tokens are signed with, derived from the configured secret. */
typedef struct {
    guint8 join[32];    /* HS256 key of people's tokens */
    guint8 checkin[32]; /* HS256 key of in-room check-in codes */
} CrAuthKeys;

/* Derives both keys from @secret (any length >= 32 bytes). */
void cr_auth_keys_derive(CrAuthKeys *keys, const char *secret, gsize len);

/* Creates the server and starts listening on config->server.listen, using
 * @loop's context. @config, @store and @loop must outlive it. */
CrSignaling *cr_signaling_new(const CrConfig *config, CrStore *store, const CrAuthKeys *keys,
                              GMainLoop *loop, GError **error);
/* Media: the callbacks the relay must be created with, then the relay.
 * @relay must outlive the server. */
void cr_signaling_relay_callbacks(CrSignaling *signaling, CrRelayCallbacks *out);
void cr_signaling_set_relay(CrSignaling *signaling, CrRelay *relay);
/* Recording: the callbacks the recorder must be created with, then the
 * recorder (which must outlive the server). */
void cr_signaling_recorder_callbacks(CrSignaling *signaling, CrRecorderCallbacks *out);
void cr_signaling_set_recorder(CrSignaling *signaling, CrRecorder *recorder);

/* The port actually bound (useful with port 0). */
int cr_signaling_port(const CrSignaling *signaling);
/* Closes every connection (their intervals closed with reason
 * "server_stop") and stops listening. Call before stopping the store. */
void cr_signaling_free(CrSignaling *signaling);

G_END_DECLS
