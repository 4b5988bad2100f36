/* fuzz-sdp.c — libFuzzer harness for relay/sdp.c.
 *
 * Single-threaded; no main here: libFuzzer supplies one under
 * -fsanitize=fuzzer, tests/fuzz/replay-main.c in the ordinary build. The
 * seed corpus in tests/fuzz/corpus/sdp/ holds the real offers and answer
 * of tests/unit/relay/sdp/ and a few trickle fragments.
 *
 * Each input is read three ways: as a client's offer (and, when it is
 * accepted, answered with a fixed policy and local side), as a client's
 * answer to a fixed relay offer, and as a trickle-ice-sdpfrag body.
 *
 * Checks, besides memory safety and no GLib criticals: a refusal sets a
 * CR_ERROR and leaves the output NULL; an accepted offer has one section
 * per m-line; our answer to it re-parses with GstSDPMessage and passes
 * cr_sdp_parse_offer with as many m-lines, and every m-line we accepted
 * is in its BUNDLE group.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <gst/sdp/sdp.h>

#include "common/error.h"
#include "relay/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FB_ALL                                                                                     \
    (CR_RTCP_FEEDBACK_NACK | CR_RTCP_FEEDBACK_NACK_PLI | CR_RTCP_FEEDBACK_CCM_FIR | CR_RTCP_FEEDBACK_GOOG_REMB |           \
     CR_RTCP_FEEDBACK_TRANSPORT_CC)

static const CrLocalStream fuzz_streams[] = {
    {NULL, CR_MEDIA_AUDIO, 11111111, 0, "relaycname", "class-7", "teacher-audio"},
    {NULL, CR_MEDIA_VIDEO, 22222222, 33333333, "relaycname", "class-7", "teacher-video"},
    {"1", CR_MEDIA_VIDEO, 44444444, 55555555, "relaycname", "class-7", "second-video"},
};

static const char *const fuzz_candidates[] = {
    "candidate:1 1 udp 2130706431 192.0.2.10 40000 typ host", NULL};

/* Keep in step with tests/unit/relay/test-sdp.c: the seed answer
 * (chrome-answer-to-relay-offer.sdp) answers this offer. */
static const CrOfferSection fuzz_sections[] = {
    {"a0",
     CR_MEDIA_AUDIO,
     CR_DIRECTION_SENDONLY,
     {"opus", 111, 48000, 2, "minptime=10;useinbandfec=1", CR_RTCP_FEEDBACK_TRANSPORT_CC},
     0,
     0,
     1001,
     "relay",
     "class-7",
     "teacher-audio"},
    {"v0",
     CR_MEDIA_VIDEO,
     CR_DIRECTION_SENDONLY,
     {"VP8", 96, 90000, 0, NULL, FB_ALL},
     97,
     1003,
     1002,
     "relay",
     "class-7",
     "teacher-video"},
    {"v1",
     CR_MEDIA_VIDEO,
     CR_DIRECTION_INACTIVE,
     {"H264", 102, 90000, 0,
      "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", FB_ALL},
     103,
     0,
     0,
     NULL,
     NULL,
     NULL},
};

static CrSdpLocal
fuzz_local(void)
{
    CrSdpLocal local = {
        .ice_ufrag = "RlAy",
        .ice_pwd = "0123456789abcdefghijkl",
        .ice_lite = TRUE,
        .candidates = fuzz_candidates,
        .end_of_candidates = TRUE,
        .session_id = 4242,
        .streams = fuzz_streams,
        .n_streams = G_N_ELEMENTS(fuzz_streams),
    };
    for (guint i = 0; i < CR_SDP_FINGERPRINT_LEN; i++)
        local.fingerprint[i] = (guint8)i;
    return local;
}

static void
check_refusal(gboolean ok, const void *out, const GError *error)
{
    if (ok) {
        if (out == NULL || error != NULL)
            abort();
        return;
    }
    if (out != NULL || error == NULL || error->domain != CR_ERROR)
        abort();
}

/* Our answer: valid SDP, valid for our own parser, every accepted mid in
 * the BUNDLE group. */
static void
check_answer_text(const char *text, const CrSdpRemote *negotiated)
{
    g_autoptr(GstSDPMessage) msg = NULL;
    g_autoptr(CrSdpRemote) again = NULL;
    g_autoptr(GError) error = NULL;

    if (gst_sdp_message_new_from_text(text, &msg) != GST_SDP_OK)
        abort();
    if (!cr_sdp_parse_offer(text, strlen(text), &again, &error))
        abort(); /* the message says why: run under a debugger */
    if (again->sections->len != negotiated->sections->len ||
        gst_sdp_message_medias_len(msg) != negotiated->sections->len)
        abort();
    const char *group = gst_sdp_message_get_attribute_val(msg, "group");
    g_auto(GStrv) mids = g_strsplit(group != NULL ? group : "", " ", -1);
    for (guint i = 0; i < negotiated->sections->len; i++) {
        const CrMediaSection *s = g_ptr_array_index(negotiated->sections, i);
        const CrMediaSection *back = g_ptr_array_index(again->sections, i);
        if (s->rejected != back->rejected)
            abort();
        if (!s->rejected && !g_strv_contains((const char *const *)mids, s->mid))
            abort();
    }
}

static void
as_offer(const char *data, gsize size)
{
    g_autoptr(CrSdpRemote) offer = NULL;
    g_autoptr(GError) error = NULL;
    gboolean ok = cr_sdp_parse_offer(data, size, &offer, &error);
    check_refusal(ok, offer, error);
    if (!ok)
        return;
    if (offer->sections->len == 0 || offer->bundle_mid == NULL)
        abort();

    CrSdpLocal local = fuzz_local();
    g_autoptr(CrSdpRemote) negotiated = NULL;
    g_autofree char *answer =
        cr_sdp_answer(offer, cr_sdp_policy_default(), &local, &negotiated, &error);
    check_refusal(answer != NULL, negotiated, error);
    if (answer != NULL)
        check_answer_text(answer, negotiated);
}

static void
as_answer(const char *data, gsize size)
{
    g_autoptr(CrSdpRemote) answer = NULL;
    g_autoptr(GError) error = NULL;
    gboolean ok = cr_sdp_parse_answer(data, size, cr_sdp_policy_default(), fuzz_sections,
                                      G_N_ELEMENTS(fuzz_sections), &answer, &error);
    check_refusal(ok, answer, error);
    if (ok && answer->sections->len != G_N_ELEMENTS(fuzz_sections))
        abort();
}

static void
as_sdpfrag(const char *data, gsize size)
{
    g_autoptr(CrSdpTrickle) trickle = NULL;
    g_autoptr(GError) error = NULL;
    gboolean ok = cr_sdp_parse_trickle_sdpfrag(data, size, "YA4I", "MsVasYxPHYmKsR8rQ8RGuWNo",
                                               &trickle, &error);
    check_refusal(ok, trickle, error);
    if (ok && trickle->ice_restart && trickle->ice_ufrag == NULL)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static gboolean once = FALSE;
    if (!once) {
        /* A GLib critical or warning is a bug here, as in the unit tests. */
        g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
        once = TRUE;
    }
    /* data is not NUL-terminated: the length alone bounds it. */
    as_offer((const char *)data, size);
    as_answer((const char *)data, size);
    as_sdpfrag((const char *)data, size);
    return 0;
}
