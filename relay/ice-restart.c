/* ice-restart.c — ICE restart of a peer (RFC 8445 §9; for WHIP/WHEP,
 * RFC 9725 §4.4.1: a PATCH whose sdpfrag carries new credentials). The
 * ICE agent restarts its stream with new local credentials and the
 * client's new ones; DTLS and SRTP carry on over whichever pair wins. */
#include "relay/relay-private.h"

#include <string.h>

typedef struct {
    CrPeer *peer;
    char *ufrag, *pwd;
    CrRelayFragDone done;
    gpointer user_data;
    char *frag;     /* result */
    GError *error;  /* or */
} Restart;

static void
restart_free(gpointer data)
{
    Restart *r = data;
    cr_peer_unref(r->peer);
    g_free(r->ufrag);
    g_free(r->pwd);
    g_free(r->frag);
    g_clear_error(&r->error);
    g_free(r);
}

static gboolean
deliver(gpointer data)
{
    Restart *r = data;
    r->done(r->frag, r->error, r->user_data);
    return G_SOURCE_REMOVE;
}

/* The answer fragment (RFC 8840): our new credentials and candidates. */
static char *
local_fragment(CrPeer *peer)
{
    GString *f = g_string_new(NULL);
    g_string_append_printf(f, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", peer->local_ufrag,
                           peer->local_pwd);
    g_string_append_printf(f, "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:%s\r\n",
                           peer->bundle_mid != NULL ? peer->bundle_mid : "0");
    for (guint i = 0; i < peer->local_candidates->len; i++)
        g_string_append_printf(f, "a=%s\r\n",
                               (const char *)g_ptr_array_index(peer->local_candidates, i));
    return g_string_free(f, FALSE);
}

static void
restart_on_worker(CrWorker *worker, gpointer data)
{
    Restart *r = data;
    CrPeer *peer = r->peer;
    if (peer->agent == NULL || g_atomic_int_get(&peer->closed)) {
        r->error = g_error_new(CR_ERROR, CR_ERROR_CONFLICT, "the media connection is closed");
    } else if (!nice_agent_restart_stream(peer->agent, peer->stream_id) ||
               !nice_agent_set_remote_credentials(peer->agent, peer->stream_id, r->ufrag,
                                                  r->pwd)) {
        r->error = g_error_new(CR_ERROR, CR_ERROR_INTERNAL, "the ICE agent refused the restart");
    } else {
        g_clear_pointer(&peer->local_ufrag, g_free);
        g_clear_pointer(&peer->local_pwd, g_free);
        nice_agent_get_local_credentials(peer->agent, peer->stream_id, &peer->local_ufrag,
                                         &peer->local_pwd);
        g_message("[peer %" G_GUINT64_FORMAT "] ICE restart", peer->id);
        r->frag = local_fragment(peer);
    }
    /* The same Restart goes back to the control loop with its result. */
    cr_relay_to_control(peer->relay, deliver, r, restart_free);
}

const char *
cr_relay_remote_ufrag(CrRelay *relay, guint64 id)
{
    CrPeer *peer = g_hash_table_lookup(relay->peers, &id);
    return peer != NULL ? peer->remote_ufrag : NULL;
}

void
cr_relay_restart_ice(CrRelay *relay, guint64 id, const char *ufrag, const char *pwd,
                     CrRelayFragDone done, gpointer user_data)
{
    CrPeer *peer = g_hash_table_lookup(relay->peers, &id);
    if (peer == NULL || ufrag == NULL || pwd == NULL) {
        g_autoptr(GError) error =
            g_error_new(CR_ERROR, peer == NULL ? CR_ERROR_NOT_FOUND : CR_ERROR_BAD_REQUEST,
                        peer == NULL ? "no such media connection"
                                     : "an ICE restart needs both ice-ufrag and ice-pwd");
        done(NULL, error, user_data);
        return;
    }
    g_free(peer->remote_ufrag);
    peer->remote_ufrag = g_strdup(ufrag);
    Restart *r = g_new0(Restart, 1);
    r->peer = cr_peer_ref(peer);
    r->ufrag = g_strdup(ufrag);
    r->pwd = g_strdup(pwd);
    r->done = done;
    r->user_data = user_data;
    /* Not freed by the mailbox: the worker hands it on to the control loop. */
    cr_worker_post(peer->worker, restart_on_worker, r, NULL);
}
