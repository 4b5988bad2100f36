/* test-sdp.c — unit tests for relay/sdp.c (SDP offer/answer).
 *
 * Single-threaded GTest program. The offers under tests/unit/relay/sdp/
 * were produced by real clients (see the README there): Chromium 156
 * driven headless, GStreamer 1.22 webrtcbin, and Firefox ESR 153
 * driven headless. Variants are made by editing a real offer through
 * GstSDPMessage, never by editing SDP text.
 *
 * gst_init() is never called here: the last test checks that the
 * gst_sdp_* functions needed none.
 */
#include <string.h>

#include <glib.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>

#include "common/error.h"
#include "relay/sdp.h"

#define FIXTURES CR_TEST_SRCDIR "/tests/unit/relay/sdp/"

#define FB_VIDEO                                                                                   \
    (CR_RTCP_FEEDBACK_NACK | CR_RTCP_FEEDBACK_NACK_PLI | CR_RTCP_FEEDBACK_CCM_FIR | CR_RTCP_FEEDBACK_GOOG_REMB |           \
     CR_RTCP_FEEDBACK_TRANSPORT_CC)

static const CrLocalStream test_streams[] = {
    {NULL, CR_MEDIA_AUDIO, 11111111, 0, "relaycname", "class-7", "teacher-audio"},
    {NULL, CR_MEDIA_VIDEO, 22222222, 33333333, "relaycname", "class-7", "teacher-video"},
};

static const char *const test_candidates[] = {
    "candidate:1 1 udp 2130706431 192.0.2.10 40000 typ host", NULL};

#define LOCAL_UFRAG "RlAy"
#define LOCAL_PWD   "0123456789abcdefghijkl"
#define LOCAL_FINGERPRINT                                                                          \
    "sha-256 00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:"          \
    "19:1A:1B:1C:1D:1E:1F"

static CrSdpLocal
test_local(void)
{
    CrSdpLocal local = {
        .ice_ufrag = LOCAL_UFRAG,
        .ice_pwd = LOCAL_PWD,
        .ice_lite = TRUE,
        .candidates = test_candidates,
        .end_of_candidates = TRUE,
        .session_id = 4242,
        .streams = test_streams,
        .n_streams = G_N_ELEMENTS(test_streams),
    };
    for (guint i = 0; i < CR_SDP_FINGERPRINT_LEN; i++)
        local.fingerprint[i] = (guint8)i;
    return local;
}

/* The offer of the relay that chrome-answer-to-relay-offer.sdp answers. */
static const CrOfferSection relay_sections[] = {
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
     {"VP8", 96, 90000, 0, NULL, FB_VIDEO},
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
      "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", FB_VIDEO},
     103,
     0,
     0,
     NULL,
     NULL,
     NULL},
};

/* ---- helpers ------------------------------------------------------------ */

static char *
load(const char *name, gsize *len)
{
    g_autofree char *path = g_strconcat(FIXTURES, name, NULL);
    g_autoptr(GError) error = NULL;
    char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, len, &error));
    g_assert_no_error(error);
    return text;
}

static CrSdpRemote *
parse_text_ok(const char *text, gsize len)
{
    g_autoptr(GError) error = NULL;
    CrSdpRemote *offer = NULL;
    gboolean ok = cr_sdp_parse_offer(text, len, &offer, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_nonnull(offer);
    return offer;
}

static CrSdpRemote *
parse_ok(const char *name)
{
    gsize len = 0;
    g_autofree char *text = load(name, &len);
    return parse_text_ok(text, len);
}

static char *
answer_ok(const CrSdpRemote *offer, const CrSdpPolicy *policy, CrSdpRemote **negotiated)
{
    CrSdpLocal local = test_local();
    g_autoptr(GError) error = NULL;
    char *answer = cr_sdp_answer(offer, policy, &local, negotiated, &error);
    g_assert_no_error(error);
    g_assert_nonnull(answer);
    return answer;
}

static void
refuse_text(const char *text, gsize len, int code, const char *message)
{
    g_autoptr(GError) error = NULL;
    CrSdpRemote *offer = (CrSdpRemote *)0x1;
    g_assert_false(cr_sdp_parse_offer(text, len, &offer, &error));
    g_assert_null(offer);
    g_assert_error(error, CR_ERROR, code);
    g_assert_cmpstr(error->message, ==, message);
}

static GstSDPMessage *
reparse(const char *text)
{
    GstSDPMessage *msg = NULL;
    g_assert_cmpint(gst_sdp_message_new_from_text(text, &msg), ==, GST_SDP_OK);
    g_assert_cmpstr(gst_sdp_message_get_version(msg), ==, "0");
    return msg;
}

static const GstSDPMedia *
media_at(const GstSDPMessage *msg, guint i)
{
    g_assert_cmpuint(i, <, gst_sdp_message_medias_len(msg));
    return gst_sdp_message_get_media(msg, i);
}

static const CrMediaSection *
section(const CrSdpRemote *r, guint i)
{
    g_assert_cmpuint(i, <, r->sections->len);
    return g_ptr_array_index(r->sections, i);
}

/* Whether @m has "a=@key:@value" (@value NULL: "a=@key" with any value). */
static gboolean
has_attr(const GstSDPMedia *m, const char *key, const char *value)
{
    for (guint i = 0;; i++) {
        const char *v = gst_sdp_media_get_attribute_val_n(m, key, i);
        if (v == NULL)
            return FALSE;
        if (value == NULL || strcmp(v, value) == 0)
            return TRUE;
    }
}

static guint
count_attr(const GstSDPMedia *m, const char *key)
{
    guint n = 0;
    while (gst_sdp_media_get_attribute_val_n(m, key, n) != NULL)
        n++;
    return n;
}

static char *
formats_of(const GstSDPMedia *m)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < gst_sdp_media_formats_len(m); i++)
        g_string_append_printf(s, "%s%s", i > 0 ? " " : "", gst_sdp_media_get_format(m, i));
    return g_string_free(s, FALSE);
}

static guint
extmap_id(const CrMediaSection *s, const char *uri)
{
    for (guint i = 0; i < s->extmaps->len; i++) {
        const CrExtmap *e = &g_array_index(s->extmaps, CrExtmap, i);
        if (strcmp(e->uri, uri) == 0)
            return e->id;
    }
    return 0;
}

/* What every answer of ours must say: BUNDLE of @mids (space-separated),
 * trickle, ICE-lite; on each accepted m-line port 9, our credentials,
 * fingerprint, a=setup:@setup, rtcp-mux; candidates only on the first
 * of @mids (the tagged one); port 0 on the others. */
static GstSDPMessage *
check_answer(const char *text, const char *mids, const char *setup)
{
    GstSDPMessage *msg = reparse(text);
    g_autofree char *group = g_strconcat("BUNDLE ", mids, NULL);
    g_auto(GStrv) accepted = g_strsplit(mids, " ", -1);

    g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "group"), ==, group);
    g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "ice-options"), ==, "trickle");
    g_assert_nonnull(gst_sdp_message_get_attribute_val(msg, "ice-lite"));
    for (guint i = 0; i < gst_sdp_message_medias_len(msg); i++) {
        const GstSDPMedia *m = media_at(msg, i);
        const char *mid = gst_sdp_media_get_attribute_val(m, "mid");
        if (mid == NULL || !g_strv_contains((const char *const *)accepted, mid)) {
            g_assert_cmpuint(gst_sdp_media_get_port(m), ==, 0);
            g_assert_false(has_attr(m, "setup", NULL));
            continue;
        }
        g_assert_cmpuint(gst_sdp_media_get_port(m), ==, 9);
        g_assert_true(has_attr(m, "setup", setup));
        g_assert_true(has_attr(m, "ice-ufrag", LOCAL_UFRAG));
        g_assert_true(has_attr(m, "ice-pwd", LOCAL_PWD));
        g_assert_true(has_attr(m, "fingerprint", LOCAL_FINGERPRINT));
        g_assert_true(has_attr(m, "rtcp-mux", NULL));
        gboolean tagged = strcmp(mid, accepted[0]) == 0;
        g_assert_cmpuint(count_attr(m, "candidate"), ==, tagged ? 1 : 0);
        g_assert_cmpint(has_attr(m, "end-of-candidates", NULL), ==, tagged);
    }
    /* Our own answer passes our own checks as a description. */
    g_autoptr(CrSdpRemote) again = parse_text_ok(text, strlen(text));
    g_assert_cmpuint(again->sections->len, ==, gst_sdp_message_medias_len(msg));
    return msg;
}

/* A fixture edited through GstSDPMessage by @edit, as text. */
typedef void (*EditFunc)(GstSDPMessage *msg);

static char *
edited(const char *name, EditFunc edit)
{
    gsize len = 0;
    g_autofree char *text = load(name, &len);
    g_autoptr(GstSDPMessage) msg = reparse(text);
    edit(msg);
    return gst_sdp_message_as_text(msg);
}

static GstSDPMedia *
media_mut(GstSDPMessage *msg, guint i)
{
    return (GstSDPMedia *)media_at(msg, i);
}

/* Replaces the first "a=@key" of @m (any value) by "a=@key:@value". */
static void
replace_attr(GstSDPMedia *m, const char *key, const char *value)
{
    for (guint i = 0; i < gst_sdp_media_attributes_len(m); i++) {
        if (strcmp(gst_sdp_media_get_attribute(m, i)->key, key) == 0) {
            GstSDPAttribute a;
            gst_sdp_attribute_set(&a, key, value);
            gst_sdp_media_replace_attribute(m, i, &a);
            return;
        }
    }
    g_assert_not_reached();
}

/* Replaces the attribute "a=@key:@prefix..." of @m by "a=@key:@value". */
static void
replace_attr_prefixed(GstSDPMedia *m, const char *key, const char *prefix, const char *value)
{
    for (guint i = 0; i < gst_sdp_media_attributes_len(m); i++) {
        const GstSDPAttribute *old = gst_sdp_media_get_attribute(m, i);
        if (strcmp(old->key, key) == 0 && g_str_has_prefix(old->value, prefix)) {
            GstSDPAttribute a;
            gst_sdp_attribute_set(&a, key, value);
            gst_sdp_media_replace_attribute(m, i, &a);
            return;
        }
    }
    g_assert_not_reached();
}

static void
remove_attr(GstSDPMedia *m, const char *key)
{
    for (guint i = gst_sdp_media_attributes_len(m); i-- > 0;) {
        if (strcmp(gst_sdp_media_get_attribute(m, i)->key, key) == 0)
            gst_sdp_media_remove_attribute(m, i);
    }
}

static void
replace_session_attr(GstSDPMessage *msg, const char *key, const char *value)
{
    for (guint i = 0; i < gst_sdp_message_attributes_len(msg); i++) {
        if (strcmp(gst_sdp_message_get_attribute(msg, i)->key, key) == 0) {
            GstSDPAttribute a;
            gst_sdp_attribute_set(&a, key, value);
            gst_sdp_message_replace_attribute(msg, i, &a);
            return;
        }
    }
    g_assert_not_reached();
}

static void
refuse_edited(const char *name, EditFunc edit, const char *message)
{
    g_autofree char *text = edited(name, edit);
    refuse_text(text, strlen(text), CR_ERROR_BAD_REQUEST, message);
}

/* ---- Real offers --------------------------------------------------------- */

static void
test_chrome_publish_parse(void)
{
    g_autoptr(CrSdpRemote) offer = parse_ok("chrome-publish.sdp");

    g_assert_cmpstr(offer->ice_ufrag, ==, "YA4I");
    g_assert_cmpstr(offer->ice_pwd, ==, "MsVasYxPHYmKsR8rQ8RGuWNo");
    g_assert_false(offer->ice_lite);
    g_assert_cmpstr(offer->fingerprint_alg, ==, "sha-256");
    g_assert_cmphex(offer->fingerprint[0], ==, 0xEF);
    g_assert_cmphex(offer->fingerprint[31], ==, 0x89);
    g_assert_cmpstr(offer->setup, ==, "actpass");
    g_assert_cmpstr(offer->bundle_mid, ==, "0");
    g_assert_cmpuint(offer->sections->len, ==, 2);
    g_assert_cmpuint(offer->candidates->len, ==, 4);
    const CrCandidate *c = g_ptr_array_index(offer->candidates, 0);
    g_assert_cmpstr(c->mid, ==, "0");
    g_assert_cmpuint(c->mline_index, ==, 0);
    g_assert_cmpstr(c->candidate, ==,
                    "candidate:783854687 1 udp 2122194687 192.0.2.2 60420 typ host "
                    "generation 0 network-id 1");
    g_assert_false(offer->end_of_candidates);

    const CrMediaSection *a = section(offer, 0);
    g_assert_cmpint(a->kind, ==, CR_MEDIA_AUDIO);
    g_assert_cmpstr(a->mid, ==, "0");
    g_assert_cmpint(a->direction, ==, CR_DIRECTION_SENDONLY);
    g_assert_cmpuint(a->ssrc, ==, 1966688114u);
    g_assert_cmpuint(a->rtx_ssrc, ==, 0);
    g_assert_cmpstr(a->cname, ==, "inpU1ma7suyEY6te");
    g_assert_cmpstr(a->msid, ==,
                    "b7066d4e-8f25-416b-9351-9b1739868c92 3575d7cd-9310-4027-8180-70f1733b8d97");
    g_assert_cmpuint(a->extmaps->len, ==, 4);
    g_assert_null(a->codec.name);

    const CrMediaSection *v = section(offer, 1);
    g_assert_cmpint(v->kind, ==, CR_MEDIA_VIDEO);
    g_assert_cmpuint(v->ssrc, ==, 2905540837u);
    g_assert_cmpuint(v->rtx_ssrc, ==, 525961996u);
    g_assert_true(v->rtcp_rsize);
    g_assert_cmpuint(v->extmaps->len, ==, 11);
    /* VP8, six H264, AV1, two VP9; rtx, red and ulpfec are not codecs. */
    g_assert_cmpuint(v->codecs->len, ==, 10);
    const CrCodec *vp8 = g_ptr_array_index(v->codecs, 0);
    g_assert_cmpstr(vp8->name, ==, "VP8");
    g_assert_cmpuint(vp8->payload_type, ==, 96);
    g_assert_cmpuint(vp8->rtx_payload_type, ==, 97);
    g_assert_cmpuint(vp8->rtcp_fb, ==, FB_VIDEO);
}

static void
test_chrome_publish_answer(void)
{
    g_autoptr(CrSdpRemote) offer = parse_ok("chrome-publish.sdp");
    g_autoptr(CrSdpRemote) neg = NULL;
    g_autofree char *text = answer_ok(offer, cr_sdp_policy_default(), &neg);
    g_autoptr(GstSDPMessage) msg = check_answer(text, "0 1", "passive");

    const CrMediaSection *a = section(neg, 0);
    g_assert_false(a->rejected);
    g_assert_cmpstr(a->codec.name, ==, "opus");
    g_assert_cmpuint(a->codec.payload_type, ==, 111);
    g_assert_cmpuint(a->codec.clock_rate, ==, 48000);
    g_assert_cmpuint(a->codec.channels, ==, 2);
    g_assert_cmpstr(a->codec.fmtp, ==, "minptime=10;useinbandfec=1");
    g_assert_cmpuint(a->codec.rtcp_fb, ==, CR_RTCP_FEEDBACK_TRANSPORT_CC);
    g_assert_cmpuint(a->codec.rtx_payload_type, ==, 0);
    g_assert_cmpuint(a->ssrc, ==, 1966688114u);
    g_assert_cmpuint(extmap_id(a, CR_EXTMAP_AUDIO_LEVEL), ==, 1);
    g_assert_cmpuint(extmap_id(a, CR_EXTMAP_ABS_SEND_TIME), ==, 2);
    g_assert_cmpuint(extmap_id(a, CR_EXTMAP_TRANSPORT_CC), ==, 3);
    g_assert_cmpuint(extmap_id(a, CR_EXTMAP_MID), ==, 4);

    const CrMediaSection *v = section(neg, 1);
    g_assert_cmpstr(v->codec.name, ==, "VP8");
    g_assert_cmpuint(v->codec.payload_type, ==, 96);
    g_assert_cmpuint(v->codec.rtx_payload_type, ==, 97);
    g_assert_cmpuint(v->codec.rtcp_fb, ==, FB_VIDEO);
    g_assert_null(v->codec.fmtp);
    g_assert_cmpuint(v->extmaps->len, ==, 3); /* toffset, playout-delay, ... dropped */
    g_assert_cmpuint(extmap_id(v, CR_EXTMAP_MID), ==, 4);
    g_assert_cmpuint(extmap_id(v, "urn:ietf:params:rtp-hdrext:toffset"), ==, 0);
    g_assert_cmpstr(neg->local_setup, ==, "passive");
    g_assert_cmpstr(neg->bundle_mid, ==, "0");

    const GstSDPMedia *ma = media_at(msg, 0);
    g_autofree char *fa = formats_of(ma);
    g_assert_cmpstr(fa, ==, "111");
    g_assert_true(has_attr(ma, "recvonly", NULL));
    g_assert_true(has_attr(ma, "rtpmap", "111 opus/48000/2"));
    g_assert_true(has_attr(ma, "extmap", "1 urn:ietf:params:rtp-hdrext:ssrc-audio-level"));
    g_assert_true(has_attr(ma, "rtcp-rsize", NULL));
    g_assert_false(has_attr(ma, "ssrc", NULL));
    const GstSDPMedia *mv = media_at(msg, 1);
    g_autofree char *fv = formats_of(mv);
    g_assert_cmpstr(fv, ==, "96 97");
    g_assert_true(has_attr(mv, "rtpmap", "97 rtx/90000"));
    g_assert_true(has_attr(mv, "fmtp", "97 apt=96"));
    g_assert_true(has_attr(mv, "rtcp-fb", "96 nack pli"));
    g_assert_true(has_attr(mv, "rtcp-fb", "96 goog-remb"));
    g_assert_cmpuint(count_attr(mv, "rtcp-fb"), ==, 5);
    g_assert_true(has_attr(mv, "mid", "1"));
}

/* H.264 only: packetization-mode=1 Constrained Baseline (108, 42e01f),
 * not the plain Baseline 102 (42001f) offered first, nor mode 0 or Main. */
static void
test_chrome_publish_h264_only(void)
{
    static const char *const audio[] = {"opus", NULL};
    static const char *const video[] = {"H264", NULL};
    static const char *const uris[] = {CR_EXTMAP_MID, NULL};
    CrSdpPolicy policy = {audio, video, uris};
    g_autoptr(CrSdpRemote) offer = parse_ok("chrome-publish.sdp");
    g_autoptr(CrSdpRemote) neg = NULL;
    g_autofree char *text = answer_ok(offer, &policy, &neg);
    g_autoptr(GstSDPMessage) msg = check_answer(text, "0 1", "passive");

    const CrMediaSection *v = section(neg, 1);
    g_assert_cmpstr(v->codec.name, ==, "H264");
    g_assert_cmpuint(v->codec.payload_type, ==, 108);
    g_assert_cmpuint(v->codec.rtx_payload_type, ==, 109);
    g_assert_cmpstr(v->codec.fmtp, ==,
                    "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
    g_assert_cmpuint(v->extmaps->len, ==, 1);
    g_assert_cmpuint(section(neg, 0)->extmaps->len, ==, 1);
    const GstSDPMedia *mv = media_at(msg, 1);
    g_autofree char *fv = formats_of(mv);
    g_assert_cmpstr(fv, ==, "108 109");
    g_assert_true(has_attr(mv, "fmtp",
                           "108 level-asymmetry-allowed=1;packetization-mode=1;"
                           "profile-level-id=42e01f"));
}

static void
test_chrome_recvonly_answer(void)
{
    g_autoptr(CrSdpRemote) offer = parse_ok("chrome-recvonly.sdp");
    g_autoptr(CrSdpRemote) neg = NULL;
    g_autofree char *text = answer_ok(offer, cr_sdp_policy_default(), &neg);
    g_autoptr(GstSDPMessage) msg = check_answer(text, "0 1", "passive");

    g_assert_cmpint(section(offer, 0)->direction, ==, CR_DIRECTION_RECVONLY);
    g_assert_cmpuint(section(offer, 0)->ssrc, ==, 0);
    g_assert_cmpint(section(neg, 1)->direction, ==, CR_DIRECTION_RECVONLY);
    g_assert_cmpuint(section(neg, 1)->codec.payload_type, ==, 96);

    const GstSDPMedia *ma = media_at(msg, 0);
    g_assert_true(has_attr(ma, "sendonly", NULL));
    g_assert_true(has_attr(ma, "msid", "class-7 teacher-audio"));
    g_assert_true(has_attr(ma, "ssrc", "11111111 cname:relaycname"));
    g_assert_false(has_attr(ma, "ssrc-group", NULL));
    const GstSDPMedia *mv = media_at(msg, 1);
    g_assert_true(has_attr(mv, "sendonly", NULL));
    g_assert_true(has_attr(mv, "ssrc-group", "FID 22222222 33333333"));
    g_assert_true(has_attr(mv, "ssrc", "33333333 msid:class-7 teacher-video"));
    g_assert_cmpuint(count_attr(mv, "ssrc"), ==, 4);
}

/* Streams named by mid win over the kind-order rule; a recvonly section
 * with nothing to send is answered inactive. */
static void
test_recvonly_stream_matching(void)
{
    static const CrLocalStream only_video[] = {
        {"1", CR_MEDIA_VIDEO, 555, 0, "c", "s", "t"},
    };
    g_autoptr(CrSdpRemote) offer = parse_ok("chrome-recvonly.sdp");
    CrSdpLocal local = test_local();
    local.streams = only_video;
    local.n_streams = 1;
    g_autoptr(GError) error = NULL;
    g_autofree char *text = cr_sdp_answer(offer, cr_sdp_policy_default(), &local, NULL, &error);
    g_assert_no_error(error);
    g_autoptr(GstSDPMessage) msg = check_answer(text, "0 1", "passive");
    g_assert_true(has_attr(media_at(msg, 0), "inactive", NULL));
    g_assert_false(has_attr(media_at(msg, 0), "ssrc", NULL));
    g_assert_true(has_attr(media_at(msg, 1), "sendonly", NULL));
    /* RTX was negotiated but the stream has no RTX ssrc: no FID group. */
    g_assert_true(has_attr(media_at(msg, 1), "ssrc", "555 cname:c"));
    g_assert_false(has_attr(media_at(msg, 1), "ssrc-group", NULL));
}

static void
test_chrome_datachannel_rejected(void)
{
    g_autoptr(CrSdpRemote) offer = parse_ok("chrome-publish-datachannel.sdp");
    g_autoptr(CrSdpRemote) neg = NULL;
    g_autofree char *text = answer_ok(offer, cr_sdp_policy_default(), &neg);
    g_autoptr(GstSDPMessage) msg = check_answer(text, "0 1", "passive");

    g_assert_cmpuint(offer->sections->len, ==, 3);
    g_assert_cmpint(section(offer, 2)->kind, ==, CR_MEDIA_OTHER);
    g_assert_cmpstr(section(offer, 2)->media, ==, "application");
    g_assert_false(section(offer, 2)->rejected);
    g_assert_true(section(neg, 2)->rejected);
    g_assert_cmpstr(offer->bundle_mids[2], ==, "2");
    g_assert_cmpuint(g_strv_length(neg->bundle_mids), ==, 2);
    g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, 3);
    const GstSDPMedia *app = media_at(msg, 2);
    g_assert_cmpuint(gst_sdp_media_get_port(app), ==, 0);
    g_assert_cmpstr(gst_sdp_media_get_media(app), ==, "application");
    g_assert_cmpstr(gst_sdp_media_get_proto(app), ==, "UDP/DTLS/SCTP");
    g_autofree char *formats = formats_of(app);
    g_assert_cmpstr(formats, ==, "webrtc-datachannel");
    g_assert_true(has_attr(app, "mid", "2"));
}

static void
edit_bundle_order(GstSDPMessage *msg)
{
    replace_session_attr(msg, "group", "BUNDLE 2 1 0");
}

/* The offerer tagged the data channel; we reject it, so we tag the next
 * mid of its BUNDLE group (RFC 9143 §7.3.1), not the first m-line. */
static void
test_bundle_tag_moves(void)
{
    g_autofree char *text = edited("chrome-publish-datachannel.sdp", edit_bundle_order);
    g_autoptr(CrSdpRemote) offer = parse_text_ok(text, strlen(text));
    g_assert_cmpstr(offer->bundle_mid, ==, "2");
    g_assert_cmpuint(g_strv_length(offer->bundle_mids), ==, 3);
    g_autoptr(CrSdpRemote) neg = NULL;
    g_autofree char *answer = answer_ok(offer, cr_sdp_policy_default(), &neg);
    g_autoptr(GstSDPMessage) msg = check_answer(answer, "1 0", "passive");
    g_assert_cmpstr(neg->bundle_mid, ==, "1");
    g_assert_cmpuint(count_attr(media_at(msg, 1), "candidate"), ==, 1);
}

/* Firefox ESR 153 on Debian (firefox-publish.sdp): max-bundle puts the
 * video m-line at port 0 with a=bundle-only; the fingerprint is at
 * session level; host candidates are mDNS names, with RTCP (component 2)
 * candidates although rtcp-mux is required; no H.264 until Firefox has
 * downloaded its OpenH264 plugin. */
static void
test_firefox_publish(void)
{
    g_autoptr(CrSdpRemote) offer = parse_ok("firefox-publish.sdp");
    g_autoptr(CrSdpRemote) neg = NULL;
    g_autofree char *text = answer_ok(offer, cr_sdp_policy_default(), &neg);
    g_autoptr(GstSDPMessage) msg = check_answer(text, "0 1", "passive");

    /* Session-level fingerprint, media-level credentials. */
    g_assert_cmphex(offer->fingerprint[0], ==, 0x14);
    g_assert_cmphex(offer->fingerprint[31], ==, 0x04);
    g_assert_cmpstr(offer->ice_ufrag, ==, "5af9406f");
    g_assert_cmpstr(offer->ice_pwd, ==, "d5cdad0a183ee4ff68540cc07841fa24");
    g_assert_cmpstr(offer->setup, ==, "actpass");
    g_assert_cmpstr(offer->bundle_mid, ==, "0");
    g_assert_cmpuint(offer->candidates->len, ==, 8);
    const CrCandidate *c = g_ptr_array_index(offer->candidates, 0);
    g_assert_cmpstr(c->mid, ==, "0");
    g_assert_cmpstr(c->candidate, ==,
                    "candidate:0 1 UDP 2122187007 f6f3ad88-338d-42dd-bc86-0da823617cbf.local "
                    "39355 typ host");
    g_assert_true(offer->end_of_candidates);

    const CrMediaSection *oa = section(offer, 0);
    g_assert_cmpint(oa->direction, ==, CR_DIRECTION_SENDONLY); /* not the session's sendrecv */
    g_assert_cmpuint(oa->ssrc, ==, 1912994202u);
    g_assert_cmpstr(oa->cname, ==, "{e104be71-f2df-4ec2-ba49-ac96ca7db0ee}");
    /* a=extmap:2/recvonly (csrc-audio-level) is one-way: left out. */
    g_assert_cmpuint(oa->extmaps->len, ==, 3);
    const CrMediaSection *ov = section(offer, 1);
    g_assert_true(ov->bundle_only);
    g_assert_false(ov->rejected);
    g_assert_true(ov->rtcp_rsize);
    g_assert_cmpuint(ov->ssrc, ==, 475230002u);
    g_assert_cmpuint(ov->rtx_ssrc, ==, 1941023729u);
    g_assert_cmpstr(
        ov->msid, ==,
        "{191f2ee0-db5e-4331-af92-20e9d23c9c28} {ec530088-dc83-46bc-aa2e-14604823e2a6}");
    /* VP8, VP9, AV1; rtx, red and ulpfec are not codecs. */
    g_assert_cmpuint(ov->codecs->len, ==, 3);

    const CrMediaSection *a = section(neg, 0);
    g_assert_cmpuint(a->codec.payload_type, ==, 109);
    g_assert_cmpstr(a->codec.fmtp, ==, "useinbandfec=1;stereo=1");
    g_assert_cmpuint(a->codec.rtcp_fb, ==, CR_RTCP_FEEDBACK_TRANSPORT_CC);
    g_assert_cmpuint(extmap_id(a, CR_EXTMAP_AUDIO_LEVEL), ==, 1);
    g_assert_cmpuint(extmap_id(a, CR_EXTMAP_MID), ==, 3);
    g_assert_cmpuint(extmap_id(a, CR_EXTMAP_TRANSPORT_CC), ==, 7);
    const CrMediaSection *v = section(neg, 1);
    g_assert_cmpstr(v->codec.name, ==, "VP8");
    g_assert_cmpuint(v->codec.payload_type, ==, 120);
    g_assert_cmpuint(v->codec.rtx_payload_type, ==, 124);
    g_assert_cmpuint(v->codec.rtcp_fb, ==, FB_VIDEO);
    g_assert_null(v->codec.fmtp); /* max-fs/max-fr are not echoed */
    g_assert_cmpuint(extmap_id(v, CR_EXTMAP_MID), ==, 3);
    g_assert_cmpuint(extmap_id(v, CR_EXTMAP_ABS_SEND_TIME), ==, 4);
    g_assert_cmpuint(extmap_id(v, CR_EXTMAP_TRANSPORT_CC), ==, 7);
    g_assert_cmpuint(v->extmaps->len, ==, 3);

    const GstSDPMedia *ma = media_at(msg, 0);
    g_assert_true(has_attr(ma, "recvonly", NULL));
    g_assert_true(has_attr(ma, "rtpmap", "109 opus/48000/2"));
    g_assert_true(has_attr(ma, "rtcp-fb", "109 transport-cc"));
    g_assert_false(has_attr(ma, "rtcp-rsize", NULL)); /* not offered */
    g_assert_false(has_attr(ma, "rtcp", NULL));
    const GstSDPMedia *mv = media_at(msg, 1);
    g_autofree char *fv = formats_of(mv);
    g_assert_cmpstr(fv, ==, "120 124");
    g_assert_true(has_attr(mv, "recvonly", NULL));
    g_assert_true(has_attr(mv, "fmtp", "124 apt=120"));
    g_assert_true(has_attr(mv, "rtcp-rsize", NULL));
    g_assert_false(has_attr(mv, "bundle-only", NULL));

    /* An H.264-only policy: Firefox offers none, so video is rejected and
     * audio kept. */
    static const char *const audio[] = {"opus", NULL};
    static const char *const h264[] = {"H264", NULL};
    CrSdpPolicy policy = {audio, h264, NULL};
    g_autoptr(CrSdpRemote) neg2 = NULL;
    g_autofree char *text2 = answer_ok(offer, &policy, &neg2);
    g_autoptr(GstSDPMessage) msg2 = check_answer(text2, "0", "passive");
    g_assert_false(section(neg2, 0)->rejected);
    g_assert_cmpuint(section(neg2, 0)->extmaps->len, ==, 0);
    g_assert_true(section(neg2, 1)->rejected);
    g_assert_cmpuint(gst_sdp_media_get_port(media_at(msg2, 1)), ==, 0);
    g_assert_true(has_attr(media_at(msg2, 1), "mid", "1"));
}

/* Firefox's WHEP-style player (firefox-recvonly.sdp): unlike Chromium it
 * still gives each recvonly m-line an a=ssrc (for its RTCP reports). */
static void
test_firefox_recvonly_answer(void)
{
    g_autoptr(CrSdpRemote) offer = parse_ok("firefox-recvonly.sdp");
    g_autoptr(CrSdpRemote) neg = NULL;
    g_autofree char *text = answer_ok(offer, cr_sdp_policy_default(), &neg);
    g_autoptr(GstSDPMessage) msg = check_answer(text, "0 1", "passive");

    g_assert_cmpstr(offer->ice_ufrag, ==, "b96034f5");
    g_assert_cmpuint(offer->candidates->len, ==, 8);
    g_assert_true(section(offer, 1)->bundle_only);
    g_assert_cmpint(section(offer, 0)->direction, ==, CR_DIRECTION_RECVONLY);
    g_assert_cmpuint(section(offer, 0)->ssrc, ==, 2270551172u);
    g_assert_null(section(offer, 0)->msid);
    g_assert_cmpuint(section(offer, 1)->ssrc, ==, 2541142221u);
    g_assert_cmpuint(section(offer, 1)->rtx_ssrc, ==, 0);
    g_assert_cmpint(section(neg, 1)->direction, ==, CR_DIRECTION_RECVONLY);
    g_assert_cmpuint(section(neg, 0)->codec.payload_type, ==, 109);
    g_assert_cmpuint(section(neg, 1)->codec.payload_type, ==, 120);
    g_assert_cmpuint(section(neg, 1)->codec.rtx_payload_type, ==, 124);

    const GstSDPMedia *ma = media_at(msg, 0);
    g_assert_true(has_attr(ma, "sendonly", NULL));
    g_assert_true(has_attr(ma, "msid", "class-7 teacher-audio"));
    g_assert_true(has_attr(ma, "ssrc", "11111111 cname:relaycname"));
    g_assert_false(has_attr(ma, "ssrc", "2270551172 cname:{a3336e45-6d6c-48fc-8d1f-fe2eff265123}"));
    g_assert_false(has_attr(ma, "ssrc-group", NULL));
    const GstSDPMedia *mv = media_at(msg, 1);
    g_assert_true(has_attr(mv, "sendonly", NULL));
    g_assert_true(has_attr(mv, "rtpmap", "124 rtx/90000"));
    g_assert_true(has_attr(mv, "ssrc-group", "FID 22222222 33333333"));
    g_assert_true(has_attr(mv, "ssrc", "33333333 msid:class-7 teacher-video"));
    g_assert_cmpuint(count_attr(mv, "ssrc"), ==, 4);
}

/* webrtcbin's max-bundle offer: the second m-line has port 0 and
 * a=bundle-only, which is live (RFC 8843 §6), not disabled. */
static void
test_webrtcbin_vp8(void)
{
    g_autoptr(CrSdpRemote) offer = parse_ok("webrtcbin-vp8.sdp");
    g_autoptr(CrSdpRemote) neg = NULL;
    g_autofree char *text = answer_ok(offer, cr_sdp_policy_default(), &neg);
    g_autoptr(GstSDPMessage) msg = check_answer(text, "video0 audio1", "passive");

    g_assert_true(section(offer, 1)->bundle_only);
    g_assert_false(section(offer, 1)->rejected);
    g_assert_cmpint(section(offer, 0)->direction, ==, CR_DIRECTION_SENDRECV);
    g_assert_cmpstr(section(offer, 0)->cname, ==, "user4207247209@host-700b9df4");
    g_assert_cmpstr(section(offer, 0)->msid, ==, "user4207247209@host-700b9df4 webrtctransceiver0");
    g_assert_cmpuint(offer->candidates->len, ==, 9);
    g_assert_cmpstr(offer->bundle_mid, ==, "video0");

    const CrMediaSection *v = section(neg, 0);
    g_assert_cmpuint(v->codec.payload_type, ==, 96);
    g_assert_cmpuint(v->codec.rtx_payload_type, ==, 0);
    g_assert_cmpuint(v->codec.rtcp_fb, ==,
                     CR_RTCP_FEEDBACK_NACK_PLI | CR_RTCP_FEEDBACK_CCM_FIR | CR_RTCP_FEEDBACK_TRANSPORT_CC);
    const CrMediaSection *a = section(neg, 1);
    g_assert_cmpstr(a->codec.name, ==, "opus"); /* offered as OPUS */
    g_assert_null(a->codec.fmtp);               /* sprop-* are sender-side */
    g_assert_true(has_attr(media_at(msg, 0), "recvonly", NULL));
    g_assert_true(has_attr(media_at(msg, 1), "rtpmap", "111 opus/48000/2"));
    g_assert_cmpuint(gst_sdp_media_get_port(media_at(msg, 1)), ==, 9);
}

static void
edit_fb_wildcard(GstSDPMessage *msg)
{
    gst_sdp_media_add_attribute(media_mut(msg, 0), "rtcp-fb", "* goog-remb");
    gst_sdp_media_add_attribute(media_mut(msg, 0), "rtcp-fb", "* app-specific thing");
}

/* a=rtcp-fb:* applies to every format (RFC 4585 §4.2); unknown kinds
 * are ignored. */
static void
test_rtcp_fb_wildcard(void)
{
    g_autofree char *text = edited("webrtcbin-vp8.sdp", edit_fb_wildcard);
    g_autoptr(CrSdpRemote) offer = parse_text_ok(text, strlen(text));
    g_autoptr(CrSdpRemote) neg = NULL;
    g_autofree char *answer = answer_ok(offer, cr_sdp_policy_default(), &neg);
    g_autoptr(GstSDPMessage) msg = check_answer(answer, "video0 audio1", "passive");
    g_assert_cmpuint(section(neg, 0)->codec.rtcp_fb, ==,
                     CR_RTCP_FEEDBACK_NACK_PLI | CR_RTCP_FEEDBACK_CCM_FIR | CR_RTCP_FEEDBACK_TRANSPORT_CC |
                         CR_RTCP_FEEDBACK_GOOG_REMB);
    g_assert_true(has_attr(media_at(msg, 0), "rtcp-fb", "96 goog-remb"));
}

static void
test_webrtcbin_h264(void)
{
    g_autoptr(CrSdpRemote) offer = parse_ok("webrtcbin-h264.sdp");
    g_autoptr(CrSdpRemote) neg = NULL;
    g_autofree char *text = answer_ok(offer, cr_sdp_policy_default(), &neg);
    g_autoptr(GstSDPMessage) msg = check_answer(text, "video0 audio1", "passive");

    const CrMediaSection *v = section(neg, 0);
    g_assert_cmpstr(v->codec.name, ==, "H264");
    g_assert_cmpuint(v->codec.payload_type, ==, 102);
    /* 42c00d: Constrained Baseline, level 1.3; sprop-parameter-sets dropped. */
    g_assert_cmpstr(v->codec.fmtp, ==,
                    "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42c00d");
    g_assert_true(has_attr(media_at(msg, 0), "fmtp",
                           "102 level-asymmetry-allowed=1;"
                           "packetization-mode=1;profile-level-id=42c00d"));
}

/* ---- H.264 rules, on the webrtcbin offer with other fmtp --------------- */

static const char *h264_fmtp;

static void
edit_h264_fmtp(GstSDPMessage *msg)
{
    replace_attr_prefixed(media_mut(msg, 0), "fmtp", "102 ", h264_fmtp);
}

static const char *
h264_answer_fmtp(const char *fmtp)
{
    static char kept[256];
    h264_fmtp = fmtp;
    g_autofree char *text = edited("webrtcbin-h264.sdp", edit_h264_fmtp);
    g_autoptr(CrSdpRemote) offer = parse_text_ok(text, strlen(text));
    CrSdpLocal local = test_local();
    g_autoptr(GError) error = NULL;
    g_autoptr(CrSdpRemote) neg = NULL;
    g_autofree char *answer = cr_sdp_answer(offer, cr_sdp_policy_default(), &local, &neg, &error);
    g_assert_no_error(error);
    g_assert_nonnull(answer);
    if (section(neg, 0)->rejected)
        return NULL;
    g_strlcpy(kept, section(neg, 0)->codec.fmtp != NULL ? section(neg, 0)->codec.fmtp : "",
              sizeof kept);
    return kept;
}

static void
test_h264_profiles(void)
{
    g_assert_cmpstr(h264_answer_fmtp("102 packetization-mode=1;profile-level-id=42e01f"), ==,
                    "packetization-mode=1;profile-level-id=42e01f");
    g_assert_cmpstr(h264_answer_fmtp("102 profile-level-id=42001F; packetization-mode=1"), ==,
                    "packetization-mode=1;profile-level-id=42001F");
    /* RFC 6184 §8.1: no profile-level-id means Baseline. */
    g_assert_cmpstr(h264_answer_fmtp("102 packetization-mode=1"), ==, "packetization-mode=1");
    g_assert_null(h264_answer_fmtp("102 packetization-mode=0;profile-level-id=42e01f"));
    g_assert_null(h264_answer_fmtp("102 profile-level-id=42e01f"));
    g_assert_null(h264_answer_fmtp("102 packetization-mode=1;profile-level-id=4d001f"));
    g_assert_null(h264_answer_fmtp("102 packetization-mode=1;profile-level-id=640c1f"));
    g_assert_null(h264_answer_fmtp("102 packetization-mode=1;profile-level-id=42e0"));
}

/* A video section with no acceptable codec is rejected; audio goes on. */
static void
test_video_rejected_audio_kept(void)
{
    static const char *const audio[] = {"opus", NULL};
    CrSdpPolicy policy = {audio, NULL, NULL};
    g_autoptr(CrSdpRemote) offer = parse_ok("chrome-publish.sdp");
    g_autoptr(CrSdpRemote) neg = NULL;
    g_autofree char *text = answer_ok(offer, &policy, &neg);
    g_autoptr(GstSDPMessage) msg = check_answer(text, "0", "passive");
    g_assert_true(section(neg, 1)->rejected);
    g_assert_cmpuint(gst_sdp_media_get_port(media_at(msg, 1)), ==, 0);
    g_assert_true(has_attr(media_at(msg, 1), "mid", "1"));
    g_autofree char *formats = formats_of(media_at(msg, 1));
    g_assert_true(g_str_has_prefix(formats, "96 97 102"));
}

static void
test_no_common_codec(void)
{
    g_autoptr(CrSdpRemote) offer = parse_ok("refused-vp9-av1-only.sdp");
    CrSdpLocal local = test_local();
    g_autoptr(GError) error = NULL;
    CrSdpRemote *neg = (CrSdpRemote *)0x1;
    char *text = cr_sdp_answer(offer, cr_sdp_policy_default(), &local, &neg, &error);
    g_assert_null(text);
    g_assert_null(neg);
    g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    g_assert_cmpstr(error->message, ==,
                    "no common video codec (offered: AV1, VP9; allowed: VP8, H264)");

    /* Chrome's offer with Main-profile H.264 only says why H.264 failed. */
    static const char *const video[] = {"H264", NULL};
    CrSdpPolicy policy = {NULL, video, NULL};
    g_autoptr(CrSdpRemote) webrtcbin = NULL;
    h264_fmtp = "102 packetization-mode=1;profile-level-id=4d001f";
    g_autofree char *edit = edited("webrtcbin-h264.sdp", edit_h264_fmtp);
    webrtcbin = parse_text_ok(edit, strlen(edit));
    g_clear_error(&error);
    g_assert_null(cr_sdp_answer(webrtcbin, &policy, &local, NULL, &error));
    g_assert_cmpstr(error->message, ==,
                    "no common video codec (offered: H264; allowed: H264); H264 needs "
                    "packetization-mode=1 and a Baseline profile; no common audio codec "
                    "(offered: opus; allowed: none)");
}

static void
test_policy_errors(void)
{
    static const char *const bad[] = {"VP9", NULL};
    CrSdpPolicy policy = {NULL, bad, NULL};
    g_autoptr(CrSdpRemote) offer = parse_ok("chrome-publish.sdp");
    CrSdpLocal local = test_local();
    g_autoptr(GError) error = NULL;
    g_assert_null(cr_sdp_answer(offer, &policy, &local, NULL, &error));
    g_assert_error(error, CR_ERROR, CR_ERROR_INTERNAL);

    g_clear_error(&error);
    local.ice_pwd = "short";
    g_assert_null(cr_sdp_answer(offer, cr_sdp_policy_default(), &local, NULL, &error));
    g_assert_error(error, CR_ERROR, CR_ERROR_INTERNAL);

    /* We answer a passive offer with active, and refuse to be passive too. */
    g_clear_error(&error);
    local = test_local();
    g_free(offer->setup);
    offer->setup = g_strdup("passive");
    g_autoptr(CrSdpRemote) neg = NULL;
    g_autofree char *text = answer_ok(offer, cr_sdp_policy_default(), &neg);
    g_autoptr(GstSDPMessage) msg = check_answer(text, "0 1", "active");
    g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, 2);
    g_assert_cmpstr(neg->local_setup, ==, "active");
    local.setup = "passive";
    g_assert_null(cr_sdp_answer(offer, cr_sdp_policy_default(), &local, NULL, &error));
    g_assert_cmpstr(error->message, ==,
                    "cannot answer a=setup:passive to an offer's a=setup:passive");
}

/* ---- Refused offers ------------------------------------------------------- */

static void
refuse_fixture(const char *name, const char *message)
{
    gsize len = 0;
    g_autofree char *text = load(name, &len);
    refuse_text(text, len, CR_ERROR_BAD_REQUEST, message);
}

static void
test_refused_fixtures(void)
{
    refuse_fixture("refused-no-bundle.sdp", "offer has no BUNDLE group");
    refuse_fixture("refused-no-fingerprint.sdp", "offer has no a=fingerprint");
    refuse_fixture("refused-no-rtcp-mux.sdp", "offer m-line 0 has no a=rtcp-mux");
    refuse_fixture("refused-no-ice-ufrag.sdp", "offer has no a=ice-ufrag");
    refuse_fixture("refused-garbage.sdp", "offer is not SDP (no v=0 line)");
}

static void
test_refused_bytes(void)
{
    refuse_text("", 0, CR_ERROR_BAD_REQUEST, "offer is empty");
    refuse_text("v=0\r\n\0", 6, CR_ERROR_BAD_REQUEST, "offer contains control characters");
    const char *no_m = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
    refuse_text(no_m, strlen(no_m), CR_ERROR_BAD_REQUEST, "offer has no m= line");
    const char *no_o = "v=0\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/SAVPF 111\r\n";
    refuse_text(no_o, strlen(no_o), CR_ERROR_BAD_REQUEST, "offer has no o= line");
    gsize len = CR_SDP_MAX_LEN + 1;
    g_autofree char *big = g_malloc(len);
    memset(big, 'a', len);
    refuse_text(big, len, CR_ERROR_TOO_LARGE, "offer is larger than 262144 bytes");
}

static void
edit_setup_holdconn(GstSDPMessage *msg)
{
    replace_attr(media_mut(msg, 0), "setup", "holdconn");
    replace_attr(media_mut(msg, 1), "setup", "holdconn");
}

static void
edit_sha1_only(GstSDPMessage *msg)
{
    for (guint i = 0; i < 2; i++)
        replace_attr(media_mut(msg, i), "fingerprint",
                     "sha-1 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD");
}

static void
edit_bad_fingerprint(GstSDPMessage *msg)
{
    for (guint i = 0; i < 2; i++)
        replace_attr(media_mut(msg, i), "fingerprint", "sha-256 EF:54:63");
}

static void
edit_no_mid(GstSDPMessage *msg)
{
    remove_attr(media_mut(msg, 1), "mid");
}

static void
edit_duplicate_mid(GstSDPMessage *msg)
{
    replace_attr(media_mut(msg, 1), "mid", "0");
}

static void
edit_long_mid(GstSDPMessage *msg)
{
    replace_attr(media_mut(msg, 0), "mid", "abcdefghijklmnopq");
}

static void
edit_avp_profile(GstSDPMessage *msg)
{
    gst_sdp_media_set_proto(media_mut(msg, 1), "RTP/AVP");
}

static void
edit_other_ufrag(GstSDPMessage *msg)
{
    replace_attr(media_mut(msg, 1), "ice-ufrag", "XXXX");
}

static void
edit_short_pwd(GstSDPMessage *msg)
{
    replace_attr(media_mut(msg, 0), "ice-pwd", "tooshort");
    replace_attr(media_mut(msg, 1), "ice-pwd", "tooshort");
}

static void
edit_two_bundles(GstSDPMessage *msg)
{
    gst_sdp_message_add_attribute(msg, "group", "BUNDLE 1");
}

static void
edit_bundle_unknown_mid(GstSDPMessage *msg)
{
    replace_session_attr(msg, "group", "BUNDLE 0 1 7");
}

static void
edit_bundle_missing_mid(GstSDPMessage *msg)
{
    replace_session_attr(msg, "group", "BUNDLE 0");
}

static void
edit_bad_extmap(GstSDPMessage *msg)
{
    replace_attr(media_mut(msg, 0), "extmap", "2 urn:ietf:params:rtp-hdrext:ssrc-audio-level");
}

static void
edit_bad_rtpmap(GstSDPMessage *msg)
{
    replace_attr_prefixed(media_mut(msg, 1), "rtpmap", "96 ", "96 VP8");
}

static void
test_refused_edits(void)
{
    const char *f = "chrome-publish.sdp";
    refuse_edited(f, edit_setup_holdconn, "offer a=setup must be actpass, active or passive");
    refuse_edited(f, edit_sha1_only, "offer has no sha-256 fingerprint");
    refuse_edited(f, edit_bad_fingerprint, "offer has a malformed sha-256 fingerprint");
    refuse_edited(f, edit_no_mid, "offer m-line 1 has no a=mid");
    refuse_edited(f, edit_duplicate_mid, "offer has mid \"0\" twice");
    refuse_edited(f, edit_long_mid, "m-line 0: a=mid must be 1 to 16 token characters");
    refuse_edited(f, edit_avp_profile, "offer m-line 1 must use UDP/TLS/RTP/SAVPF or RTP/SAVPF");
    refuse_edited(f, edit_other_ufrag,
                  "offer m-line 1 has ICE or DTLS parameters other than the BUNDLE transport's");
    refuse_edited(f, edit_short_pwd, "offer a=ice-pwd must be 22 to 256 ICE characters");
    refuse_edited(f, edit_two_bundles, "offer has more than one BUNDLE group");
    refuse_edited(f, edit_bundle_unknown_mid, "offer BUNDLE group names a mid that has no m-line");
    refuse_edited(f, edit_bundle_missing_mid,
                  "offer m-line 1 (mid \"1\") is not in the BUNDLE group");
    refuse_edited(f, edit_bad_extmap, "m-line 0: extmap id 2 is used twice");
    refuse_edited(f, edit_bad_rtpmap, "m-line 1: malformed a=rtpmap for payload type 96");
}

/* ---- The relay's offers and the client's answers ------------------------- */

static char *
relay_offer(guint version)
{
    CrSdpLocal local = test_local();
    g_autoptr(GError) error = NULL;
    char *text = cr_sdp_offer(&local, cr_sdp_policy_default(), relay_sections,
                              G_N_ELEMENTS(relay_sections), version, &error);
    g_assert_no_error(error);
    g_assert_nonnull(text);
    return text;
}

static void
test_offer(void)
{
    g_autofree char *text = relay_offer(7);
    g_autoptr(GstSDPMessage) msg = reparse(text);

    const GstSDPOrigin *o = gst_sdp_message_get_origin(msg);
    g_assert_cmpstr(o->sess_id, ==, "4242");
    g_assert_cmpstr(o->sess_version, ==, "7");
    g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "group"), ==, "BUNDLE a0 v0 v1");
    g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "ice-options"), ==, "trickle");
    g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, 3);

    const GstSDPMedia *a = media_at(msg, 0);
    g_assert_cmpstr(gst_sdp_media_get_media(a), ==, "audio");
    g_assert_cmpstr(gst_sdp_media_get_proto(a), ==, "UDP/TLS/RTP/SAVPF");
    g_assert_true(has_attr(a, "setup", "actpass"));
    g_assert_true(has_attr(a, "fingerprint", LOCAL_FINGERPRINT));
    g_assert_true(has_attr(a, "sendonly", NULL));
    g_assert_true(has_attr(a, "extmap", "1 " CR_EXTMAP_MID));
    g_assert_true(has_attr(a, "extmap", "4 " CR_EXTMAP_AUDIO_LEVEL));
    g_assert_true(has_attr(a, "ssrc", "1001 cname:relay"));
    g_assert_true(has_attr(a, "msid", "class-7 teacher-audio"));
    g_assert_cmpuint(count_attr(a, "candidate"), ==, 1);
    const GstSDPMedia *v = media_at(msg, 1);
    g_autofree char *fv = formats_of(v);
    g_assert_cmpstr(fv, ==, "96 97");
    g_assert_true(has_attr(v, "extmap", "3 " CR_EXTMAP_TRANSPORT_CC));
    g_assert_false(has_attr(v, "extmap", "4 " CR_EXTMAP_AUDIO_LEVEL));
    g_assert_true(has_attr(v, "ssrc-group", "FID 1002 1003"));
    g_assert_cmpuint(count_attr(v, "candidate"), ==, 0);
    const GstSDPMedia *gone = media_at(msg, 2);
    g_assert_true(has_attr(gone, "inactive", NULL));
    g_assert_true(has_attr(gone, "mid", "v1"));
    g_assert_cmpuint(gst_sdp_media_get_port(gone), ==, 9);
    g_assert_false(has_attr(gone, "ssrc", NULL));
    g_assert_false(has_attr(gone, "msid", NULL));

    /* Our offer passes our own checks, and the codecs read back. */
    g_autoptr(CrSdpRemote) back = parse_text_ok(text, strlen(text));
    g_assert_cmpstr(back->setup, ==, "actpass");
    g_assert_true(back->ice_lite);
    g_assert_true(back->end_of_candidates);
    const CrCodec *h264 = g_ptr_array_index(section(back, 2)->codecs, 0);
    g_assert_cmpstr(h264->name, ==, "H264");
    g_assert_cmpuint(h264->rtx_payload_type, ==, 103);
    g_assert_cmpuint(section(back, 1)->ssrc, ==, 1002);
    g_assert_cmpuint(section(back, 1)->rtx_ssrc, ==, 1003);
}

static void
test_offer_invalid(void)
{
    CrSdpLocal local = test_local();
    CrOfferSection bad[2] = {relay_sections[0], relay_sections[1]};
    g_autoptr(GError) error = NULL;

    bad[1].mid = "a0";
    g_assert_null(cr_sdp_offer(&local, cr_sdp_policy_default(), bad, 2, 1, &error));
    g_assert_error(error, CR_ERROR, CR_ERROR_INTERNAL);
    g_clear_error(&error);
    bad[1] = relay_sections[1];
    bad[1].codec.name = "VP9";
    g_assert_null(cr_sdp_offer(&local, cr_sdp_policy_default(), bad, 2, 1, &error));
    g_assert_error(error, CR_ERROR, CR_ERROR_INTERNAL);
    g_clear_error(&error);
    bad[1] = relay_sections[1];
    bad[1].ssrc = 0;
    g_assert_null(cr_sdp_offer(&local, cr_sdp_policy_default(), bad, 2, 1, &error));
    g_assert_error(error, CR_ERROR, CR_ERROR_INTERNAL);
    g_clear_error(&error);
    bad[1] = relay_sections[1];
    bad[1].codec.payload_type = 111; /* opus's in the same bundle */
    g_assert_null(cr_sdp_offer(&local, cr_sdp_policy_default(), bad, 2, 1, &error));
    g_assert_error(error, CR_ERROR, CR_ERROR_INTERNAL);
    g_clear_error(&error);
    bad[1] = relay_sections[1];
    bad[1].rtx_payload_type = 111; /* RTX on opus's number */
    g_assert_null(cr_sdp_offer(&local, cr_sdp_policy_default(), bad, 2, 1, &error));
    g_assert_error(error, CR_ERROR, CR_ERROR_INTERNAL);
    g_clear_error(&error);
    bad[1] = relay_sections[1];
    bad[1].codec.clock_rate = 48000;
    g_assert_null(cr_sdp_offer(&local, cr_sdp_policy_default(), bad, 2, 1, &error));
    g_assert_error(error, CR_ERROR, CR_ERROR_INTERNAL);
    g_clear_error(&error);
    g_assert_null(cr_sdp_offer(&local, cr_sdp_policy_default(), bad, 0, 1, &error));
    g_assert_error(error, CR_ERROR, CR_ERROR_INTERNAL);
}

static CrSdpRemote *
parse_answer_text(const char *text, gsize len, gsize n, GError **error)
{
    CrSdpRemote *r = NULL;
    if (!cr_sdp_parse_answer(text, len, cr_sdp_policy_default(), relay_sections, n, &r, error))
        g_assert_null(r);
    return r;
}

/* Chrome 156's real answer to the offer above (relay_offer(1)). */
static void
test_chrome_answer(void)
{
    gsize len = 0;
    g_autofree char *text = load("chrome-answer-to-relay-offer.sdp", &len);
    g_autoptr(GError) error = NULL;
    g_autoptr(CrSdpRemote) r = parse_answer_text(text, len, 3, &error);
    g_assert_no_error(error);

    g_assert_cmpstr(r->setup, ==, "active");
    g_assert_cmpstr(r->ice_ufrag, ==, "sRtq");
    g_assert_cmpuint(r->candidates->len, ==, 2);
    g_assert_cmpstr(((CrCandidate *)g_ptr_array_index(r->candidates, 0))->mid, ==, "a0");
    const CrMediaSection *a = section(r, 0);
    g_assert_cmpint(a->direction, ==, CR_DIRECTION_RECVONLY);
    g_assert_cmpstr(a->codec.name, ==, "opus");
    g_assert_cmpuint(a->codec.rtcp_fb, ==, CR_RTCP_FEEDBACK_TRANSPORT_CC);
    g_assert_cmpuint(extmap_id(a, CR_EXTMAP_AUDIO_LEVEL), ==, 4);
    const CrMediaSection *v = section(r, 1);
    g_assert_cmpstr(v->codec.name, ==, "VP8");
    g_assert_cmpuint(v->codec.rtx_payload_type, ==, 97);
    g_assert_cmpuint(v->codec.rtcp_fb, ==, FB_VIDEO);
    g_assert_cmpuint(v->codecs->len, ==, 1);
    const CrMediaSection *gone = section(r, 2);
    g_assert_cmpint(gone->direction, ==, CR_DIRECTION_INACTIVE);
    g_assert_cmpstr(gone->codec.name, ==, "H264");
    g_assert_cmpuint(gone->codec.rtx_payload_type, ==, 103);

    /* The fixture still answers what the relay offers today. */
    g_autofree char *offer = relay_offer(1);
    g_autoptr(GstSDPMessage) om = reparse(offer);
    g_autoptr(GstSDPMessage) am = reparse(text);
    for (guint i = 0; i < 3; i++) {
        g_autofree char *of = formats_of(media_at(om, i));
        g_autofree char *af = formats_of(media_at(am, i));
        g_assert_cmpstr(of, ==, af);
    }
}

static void
refuse_answer(EditFunc edit, gsize n, const char *message)
{
    g_autofree char *text = edited("chrome-answer-to-relay-offer.sdp", edit);
    g_autoptr(GError) error = NULL;
    g_autoptr(CrSdpRemote) r = parse_answer_text(text, strlen(text), n, &error);
    g_assert_null(r);
    g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    g_assert_cmpstr(error->message, ==, message);
}

static void
edit_nothing(GstSDPMessage *msg)
{
    (void)msg;
}

static void
edit_answer_actpass(GstSDPMessage *msg)
{
    for (guint i = 0; i < 3; i++)
        replace_attr(media_mut(msg, i), "setup", "actpass");
}

static void
edit_answer_swap_mids(GstSDPMessage *msg)
{
    replace_attr(media_mut(msg, 1), "mid", "v1");
    replace_attr(media_mut(msg, 2), "mid", "v0");
}

static void
edit_answer_vp9(GstSDPMessage *msg)
{
    replace_attr_prefixed(media_mut(msg, 1), "rtpmap", "96 ", "96 VP9/90000");
}

static void
edit_answer_extra_pt(GstSDPMessage *msg)
{
    gst_sdp_media_add_format(media_mut(msg, 1), "98");
}

static void
edit_answer_sendrecv(GstSDPMessage *msg)
{
    remove_attr(media_mut(msg, 0), "recvonly");
    gst_sdp_media_add_attribute(media_mut(msg, 0), "sendrecv", NULL);
}

static void
edit_answer_extmap(GstSDPMessage *msg)
{
    replace_attr(media_mut(msg, 0), "extmap", "5 " CR_EXTMAP_AUDIO_LEVEL);
}

static void
edit_answer_reject_v1(GstSDPMessage *msg)
{
    gst_sdp_media_set_port_info(media_mut(msg, 2), 0, 1);
    replace_session_attr(msg, "group", "BUNDLE a0 v0");
}

static void
test_answer_invalid(void)
{
    refuse_answer(edit_nothing, 2, "answer has 3 m-lines; the offer had 2");
    refuse_answer(edit_answer_actpass, 3, "answer a=setup must be active or passive");
    refuse_answer(edit_answer_swap_mids, 3,
                  "answer m-line 1 has mid \"v1\"; the offer's is \"v0\"");
    refuse_answer(edit_answer_vp9, 3, "answer for mid \"v0\" does not accept the offered VP8");
    refuse_answer(edit_answer_extra_pt, 3,
                  "answer for mid \"v0\" has a payload type that was not offered");
    refuse_answer(edit_answer_sendrecv, 3,
                  "answer for mid \"a0\" is sendrecv, which does not fit our sendonly");
    refuse_answer(edit_answer_extmap, 3,
                  "answer for mid \"a0\" has a header extension that was not offered");
}

static void
test_answer_rejects_section(void)
{
    g_autofree char *text = edited("chrome-answer-to-relay-offer.sdp", edit_answer_reject_v1);
    g_autoptr(GError) error = NULL;
    g_autoptr(CrSdpRemote) r = parse_answer_text(text, strlen(text), 3, &error);
    g_assert_no_error(error);
    g_assert_true(section(r, 2)->rejected);
    g_assert_null(section(r, 2)->codec.name);
    g_assert_false(section(r, 1)->rejected);
}

/* ---- Trickle fragments (RFC 8840) -------------------------------------- */

#define FRAG_CREDS "a=ice-ufrag:YA4I\r\na=ice-pwd:MsVasYxPHYmKsR8rQ8RGuWNo\r\n"
#define FRAG_MEDIA                                                                                 \
    "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\n"                                                            \
    "a=mid:0\r\n"                                                                                  \
    "a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 "               \
    "ufrag YA4I network-id 1\r\n"                                                                  \
    "a=candidate:3471623853 1 udp 1686052607 198.51.100.2 61765 typ srflx raddr "                  \
    "192.0.2.1 rport 61764\r\n"

static CrSdpTrickle *
frag_ok(const char *frag, const char *ufrag, const char *pwd)
{
    g_autoptr(GError) error = NULL;
    CrSdpTrickle *t = NULL;
    g_assert_true(cr_sdp_parse_trickle_sdpfrag(frag, strlen(frag), ufrag, pwd, &t, &error));
    g_assert_no_error(error);
    return t;
}

static void
frag_refused(const char *frag, const char *message)
{
    g_autoptr(GError) error = NULL;
    CrSdpTrickle *t = NULL;
    g_assert_false(cr_sdp_parse_trickle_sdpfrag(frag, strlen(frag), "YA4I", "x", &t, &error));
    g_assert_null(t);
    g_assert_error(error, CR_ERROR, CR_ERROR_BAD_REQUEST);
    g_assert_cmpstr(error->message, ==, message);
}

static void
test_sdpfrag(void)
{
    g_autoptr(CrSdpTrickle) t = frag_ok(FRAG_CREDS FRAG_MEDIA "a=end-of-candidates\r\n", "YA4I",
                                        "MsVasYxPHYmKsR8rQ8RGuWNo");
    g_assert_cmpstr(t->ice_ufrag, ==, "YA4I");
    g_assert_false(t->ice_restart);
    g_assert_true(t->end_of_candidates);
    g_assert_cmpuint(t->candidates->len, ==, 2);
    const CrCandidate *c = g_ptr_array_index(t->candidates, 1);
    g_assert_cmpstr(c->mid, ==, "0");
    g_assert_cmpstr(c->candidate, ==,
                    "candidate:3471623853 1 udp 1686052607 198.51.100.2 61765 typ srflx raddr "
                    "192.0.2.1 rport 61764");

    /* New credentials: an ICE restart. */
    g_autoptr(CrSdpTrickle) restart =
        frag_ok("a=ice-ufrag:ZZZZ\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" FRAG_MEDIA, "YA4I",
                "MsVasYxPHYmKsR8rQ8RGuWNo");
    g_assert_true(restart->ice_restart);
    g_assert_false(restart->end_of_candidates);

    /* Bare LF lines, no credentials, only end-of-candidates at session level. */
    g_autoptr(CrSdpTrickle) end = frag_ok("a=end-of-candidates\n", "YA4I", NULL);
    g_assert_null(end->ice_ufrag);
    g_assert_false(end->ice_restart);
    g_assert_true(end->end_of_candidates);
    g_assert_cmpuint(end->candidates->len, ==, 0);

    frag_refused("", "sdpfrag is empty");
    frag_refused("a=candidate:1 1 udp 1 192.0.2.1 9 typ host\r\n",
                 "sdpfrag has a=candidate outside an m= section");
    frag_refused("m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=candidate:1 1 udp 1 192.0.2.1 9 typ host\r\n",
                 "sdpfrag m-line 0 has candidates but no valid a=mid");
    frag_refused("a=ice-ufrag:ZZZZ\r\n" FRAG_MEDIA,
                 "sdpfrag must have both a=ice-ufrag and a=ice-pwd, or neither");
    frag_refused("a=ice-ufrag:Z\r\na=ice-pwd:short\r\n", "sdpfrag has malformed ICE credentials");
}

/* ---- GStreamer ------------------------------------------------------------ */

static void
test_no_gst_init(void)
{
    g_assert_false(gst_is_initialized());
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/relay/sdp/chrome-publish/parse", test_chrome_publish_parse);
    g_test_add_func("/relay/sdp/chrome-publish/answer", test_chrome_publish_answer);
    g_test_add_func("/relay/sdp/chrome-publish/h264-only", test_chrome_publish_h264_only);
    g_test_add_func("/relay/sdp/chrome-recvonly/answer", test_chrome_recvonly_answer);
    g_test_add_func("/relay/sdp/chrome-recvonly/stream-matching", test_recvonly_stream_matching);
    g_test_add_func("/relay/sdp/chrome-datachannel", test_chrome_datachannel_rejected);
    g_test_add_func("/relay/sdp/bundle-tag-moves", test_bundle_tag_moves);
    g_test_add_func("/relay/sdp/firefox-publish", test_firefox_publish);
    g_test_add_func("/relay/sdp/firefox-recvonly/answer", test_firefox_recvonly_answer);
    g_test_add_func("/relay/sdp/webrtcbin/vp8", test_webrtcbin_vp8);
    g_test_add_func("/relay/sdp/webrtcbin/h264", test_webrtcbin_h264);
    g_test_add_func("/relay/sdp/rtcp-fb-wildcard", test_rtcp_fb_wildcard);
    g_test_add_func("/relay/sdp/h264-profiles", test_h264_profiles);
    g_test_add_func("/relay/sdp/video-rejected-audio-kept", test_video_rejected_audio_kept);
    g_test_add_func("/relay/sdp/no-common-codec", test_no_common_codec);
    g_test_add_func("/relay/sdp/policy-errors", test_policy_errors);
    g_test_add_func("/relay/sdp/refused/fixtures", test_refused_fixtures);
    g_test_add_func("/relay/sdp/refused/bytes", test_refused_bytes);
    g_test_add_func("/relay/sdp/refused/edits", test_refused_edits);
    g_test_add_func("/relay/sdp/offer", test_offer);
    g_test_add_func("/relay/sdp/offer-invalid", test_offer_invalid);
    g_test_add_func("/relay/sdp/answer/chrome", test_chrome_answer);
    g_test_add_func("/relay/sdp/answer/invalid", test_answer_invalid);
    g_test_add_func("/relay/sdp/answer/rejected-section", test_answer_rejects_section);
    g_test_add_func("/relay/sdp/sdpfrag", test_sdpfrag);
    g_test_add_func("/relay/sdp/no-gst-init", test_no_gst_init);
    return g_test_run();
}
