/* sdp.c — SDP offer/answer for the media relay, the reading half:
 * clients' offers and answers and trickle fragments; the writing half
 * (policy, codec choice, answers, the relay's offers) is sdp-write.c.
 * See sdp.h.
 *
 * Pure functions of their inputs; any thread; no state but constant
 * tables. Fuzzed by tests/fuzz/fuzz-sdp.c.
 *
 * RFCs: RFC 8829 (JSEP); RFC 8843 (BUNDLE) and its successor RFC 9143,
 * whose answer rules we follow (every accepted m-line gets the BUNDLE
 * port, none is bundle-only); RFC 8842 (a=setup for DTLS); RFC 8839 (ICE
 * in SDP); RFC 8840 (trickle ICE, sdpfrag); RFC 5761 (rtcp-mux); RFC 5506
 * (rtcp-rsize); RFC 8285 (extmap); RFC 4585 and RFC 5104 (rtcp-fb);
 * RFC 4588 (RTX); RFC 8122 (fingerprint); RFC 8830 (msid); RFC 7742
 * (WebRTC video); RFC 7741 (VP8); RFC 6184 (H.264); RFC 7587 (Opus).
 *
 * Descriptions are parsed and written with GstSDPMessage only: no SDP
 * text is split into lines or assembled here, with one documented
 * exception (the sdpfrag header, see cr_sdp_parse_trickle_sdpfrag). The
 * values of single attributes (a=rtpmap, a=fmtp, a=fingerprint, ...) are
 * read by the small strict readers below. GstSDPMessage itself accepts
 * nearly anything, so every field we use is checked here.
 *
 * Error messages name m-lines by index and quote only what was checked to
 * be a short token (mids, codec names): raw input never reaches a message,
 * since messages are sent to clients as JSON (valid UTF-8 only).
 *
 * DTLS roles. We answer a=setup:passive to an actpass offer (RFC 8842
 * §5.3 lets the answerer choose), so the client is the DTLS client and
 * starts the handshake. The client knows when its ICE checks succeed and
 * has our fingerprint by then; the relay, ICE-lite and controlled, cannot
 * tell when the client is ready, and a ClientHello it sent could race the
 * answer still on its way to the client (a WHIP/WHEP answer travels in an
 * HTTP response). Browsers answering our actpass offers take the active
 * role as well (see tests/unit/relay/sdp/chrome-answer-to-relay-offer.sdp),
 * so the relay is always the DTLS server: one role to build and test.
 */
#include "relay/sdp-private.h"

#include <stdarg.h>
#include <string.h>

#include <gst/sdp/sdp.h>

#include "common/error.h"

/* RTP payload types are 7 bits (RFC 3550 §5.1). */
/* RFC 8285 §5: ids 1-14 (one-byte form), 1-255 (two-byte form), and
 * 4096-4351 only as offer proposals. The relay writes one-byte headers. */
#define EXTMAP_MAX_ID       4351
/* We echo mids in the one-byte RTP header extension: 16 bytes at most
 * (RFC 8285 §4.2). */
#define NAME_MAX_LEN      32
#define MSID_MAX_LEN      129 /* two 64-character ids and a space (RFC 8830) */
#define URI_MAX_LEN       256
#define MAX_FORMATS       128


static const char *const role_names[] = {[ROLE_OFFER] = "offer", [ROLE_ANSWER] = "answer"};

/* The codecs the relay can forward, in the spelling we write. */

/* Formats that repair or protect another codec, not codecs of their own. */
static const char *const repair_formats[] = {"rtx", "red", "ulpfec", "flexfec-03"};

/* The fmtp parameters our answer keeps, per codec: what a receiver may
 * say. Sender-side ones (Opus sprop-*, H.264 sprop-parameter-sets) and
 * decoder limits we do not have (VP8 max-fs, max-fr: we only forward) are
 * left out. */
static const char *const opus_answer_params[] = {"minptime", "useinbandfec", "stereo", NULL};
static const char *const vp8_answer_params[] = {NULL};
static const char *const h264_answer_params[] = {"level-asymmetry-allowed", "packetization-mode",
                                                 "profile-level-id", NULL};

static const KnownCodec known_codecs[] = {
    {"opus", CR_MEDIA_AUDIO, 48000, 2, opus_answer_params}, /* RFC 7587 §7: opus/48000/2 */
    {"VP8", CR_MEDIA_VIDEO, 90000, 0, vp8_answer_params},
    {"H264", CR_MEDIA_VIDEO, 90000, 0, h264_answer_params},
};


/* Our header extension ids in offers (cr_sdp_offer). */

static const char *const default_audio[] = {"opus", NULL};
static const char *const default_video[] = {"VP8", "H264", NULL};
static const char *const default_extmaps[] = {CR_EXTMAP_MID, CR_EXTMAP_ABS_SEND_TIME,
                                              CR_EXTMAP_TRANSPORT_CC, CR_EXTMAP_AUDIO_LEVEL, NULL};
static const CrSdpPolicy default_policy = {default_audio, default_video, default_extmaps};

static const char *const direction_names[] = {
    [CR_DIRECTION_SENDONLY] = "sendonly",
    [CR_DIRECTION_RECVONLY] = "recvonly",
    [CR_DIRECTION_SENDRECV] = "sendrecv",
    [CR_DIRECTION_INACTIVE] = "inactive",
};

/* The sdpfrag prefix, see cr_sdp_parse_trickle_sdpfrag. */
static const char frag_header[] = "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";

const CrSdpFeedbackName cr_sdp_rtcp_fbs[CR_SDP_N_RTCP_FBS] = {
    {"nack", CR_RTCP_FEEDBACK_NACK},
    {"nack pli", CR_RTCP_FEEDBACK_NACK_PLI},
    {"ccm fir", CR_RTCP_FEEDBACK_CCM_FIR},
    {"goog-remb", CR_RTCP_FEEDBACK_GOOG_REMB},
    {"transport-cc", CR_RTCP_FEEDBACK_TRANSPORT_CC},
};

/* ---- Errors ------------------------------------------------------------ */


/* Sets @error in CR_ERROR with @code; returns FALSE for `return fail(...)`. */
gboolean
cr_sdp_fail_code(GError **error, int code, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    g_autofree char *message = g_strdup_vprintf(format, args);
    va_end(args);
    g_set_error_literal(error, CR_ERROR, code, message);
    return FALSE;
}

/* ---- Names ------------------------------------------------------------- */

const char *
cr_media_kind_name(CrMediaKind kind)
{
    switch (kind) {
    case CR_MEDIA_AUDIO:
        return "audio";
    case CR_MEDIA_VIDEO:
        return "video";
    default:
        return "other";
    }
}

const char *
cr_direction_name(CrDirection direction)
{
    if ((guint)direction >= G_N_ELEMENTS(direction_names))
        return "inactive";
    return direction_names[direction];
}

const CrSdpPolicy *
cr_sdp_policy_default(void)
{
    return &default_policy;
}

/* ---- Freeing ----------------------------------------------------------- */

void
cr_codec_clear(CrCodec *codec)
{
    if (codec == NULL)
        return;
    g_free(codec->name);
    g_free(codec->fmtp);
    memset(codec, 0, sizeof *codec);
}

void
cr_codec_free(CrCodec *codec)
{
    cr_codec_clear(codec);
    g_free(codec);
}

static void
extmap_clear(gpointer extmap)
{
    g_free(((CrExtmap *)extmap)->uri);
}

void
cr_media_section_free(CrMediaSection *section)
{
    if (section == NULL)
        return;
    g_free(section->mid);
    g_free(section->media);
    g_free(section->proto);
    g_strfreev(section->formats);
    cr_codec_clear(&section->codec);
    g_clear_pointer(&section->codecs, g_ptr_array_unref);
    g_free(section->cname);
    g_free(section->msid);
    g_clear_pointer(&section->extmaps, g_array_unref);
    g_free(section);
}

void
cr_candidate_free(CrCandidate *candidate)
{
    if (candidate == NULL)
        return;
    g_free(candidate->mid);
    g_free(candidate->candidate);
    g_free(candidate);
}

void
cr_sdp_remote_free(CrSdpRemote *remote)
{
    if (remote == NULL)
        return;
    g_free(remote->ice_ufrag);
    g_free(remote->ice_pwd);
    g_free(remote->fingerprint_alg);
    g_free(remote->setup);
    g_free(remote->local_setup);
    g_free(remote->bundle_mid);
    g_strfreev(remote->bundle_mids);
    g_clear_pointer(&remote->sections, g_ptr_array_unref);
    g_clear_pointer(&remote->candidates, g_ptr_array_unref);
    g_free(remote);
}

void
cr_sdp_trickle_free(CrSdpTrickle *trickle)
{
    if (trickle == NULL)
        return;
    g_free(trickle->ice_ufrag);
    g_free(trickle->ice_pwd);
    g_clear_pointer(&trickle->candidates, g_ptr_array_unref);
    g_free(trickle);
}

CrMediaSection *
cr_sdp_section_new(void)
{
    CrMediaSection *s = g_new0(CrMediaSection, 1);
    s->codecs = g_ptr_array_new_with_free_func((GDestroyNotify)cr_codec_free);
    s->extmaps = g_array_new(FALSE, TRUE, sizeof(CrExtmap));
    g_array_set_clear_func(s->extmaps, extmap_clear);
    return s;
}

CrSdpRemote *
cr_sdp_remote_new(void)
{
    CrSdpRemote *r = g_new0(CrSdpRemote, 1);
    r->sections = g_ptr_array_new_with_free_func((GDestroyNotify)cr_media_section_free);
    r->candidates = g_ptr_array_new_with_free_func((GDestroyNotify)cr_candidate_free);
    return r;
}

static CrCandidate *
candidate_new(const char *mid, guint index, const char *value)
{
    CrCandidate *c = g_new0(CrCandidate, 1);
    c->mid = g_strdup(mid);
    c->mline_index = index;
    c->candidate = g_strconcat("candidate:", value, NULL);
    return c;
}

void
cr_sdp_codec_copy(const CrCodec *from, CrCodec *to)
{
    *to = *from;
    to->name = g_strdup(from->name);
    to->fmtp = g_strdup(from->fmtp);
}

CrCodec *
cr_sdp_codec_dup(const CrCodec *codec)
{
    CrCodec *copy = g_new0(CrCodec, 1);
    cr_sdp_codec_copy(codec, copy);
    return copy;
}

/* ---- Strict readers for attribute values -------------------------------- */

/* Unsigned decimal of digits only, at most @max. With @end the rest of the
 * string is left for the caller; without it the digits must end @s. */
gboolean
cr_sdp_parse_uint(const char *s, const char **end, guint64 max, guint64 *out)
{
    guint64 v = 0;
    const char *p = s;

    if (s == NULL || !g_ascii_isdigit(*p))
        return FALSE;
    for (; g_ascii_isdigit(*p); p++) {
        v = v * 10 + (guint64)(*p - '0');
        if (v > max)
            return FALSE;
    }
    if (end != NULL)
        *end = p;
    else if (*p != '\0')
        return FALSE;
    *out = v;
    return TRUE;
}

/* token-char of RFC 4566 §9. */
static gboolean
is_token_char(char c)
{
    return g_ascii_isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`{|}~", c) != NULL);
}

gboolean
cr_sdp_is_token(const char *s, gsize max_len)
{
    gsize n = 0;

    if (s == NULL)
        return FALSE;
    for (; s[n] != '\0'; n++) {
        if (n >= max_len || !is_token_char(s[n]))
            return FALSE;
    }
    return n > 0;
}

/* 1..@max_len bytes of printable ASCII (space included). */
gboolean
cr_sdp_is_printable(const char *s, gsize max_len)
{
    gsize n = 0;

    if (s == NULL)
        return FALSE;
    for (; s[n] != '\0'; n++) {
        if (n >= max_len || s[n] < 0x20 || s[n] > 0x7e)
            return FALSE;
    }
    return n > 0;
}

/* An m= profile: tokens joined by '/'. */
static gboolean
is_proto(const char *s)
{
    gsize n = 0;

    if (s == NULL)
        return FALSE;
    for (; s[n] != '\0'; n++) {
        if (n >= 64 || (!is_token_char(s[n]) && s[n] != '/'))
            return FALSE;
    }
    return n > 0;
}

/* ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.4). */
gboolean
cr_sdp_is_ice_string(const char *s, gsize min_len, gsize max_len)
{
    gsize n = 0;

    if (s == NULL)
        return FALSE;
    for (; s[n] != '\0'; n++) {
        if (n >= max_len || !(g_ascii_isalnum(s[n]) || s[n] == '+' || s[n] == '/'))
            return FALSE;
    }
    return n >= min_len;
}

/* "AB:CD:..." with exactly @n bytes (RFC 8122 §5, either case). */
static gboolean
parse_hex_pairs(const char *s, guint8 *out, gsize n)
{
    for (gsize i = 0; i < n; i++) {
        int hi = g_ascii_xdigit_value(s[0]);
        int lo = hi < 0 ? -1 : g_ascii_xdigit_value(s[1]);
        if (lo < 0)
            return FALSE;
        out[i] = (guint8)(hi << 4 | lo);
        s += 2;
        if (i + 1 < n && *s++ != ':')
            return FALSE;
    }
    return *s == '\0';
}

char *
cr_sdp_format_fingerprint(const guint8 *fp)
{
    GString *s = g_string_new("sha-256 ");
    for (gsize i = 0; i < CR_SDP_FINGERPRINT_LEN; i++)
        g_string_append_printf(s, i == 0 ? "%02X" : ":%02X", fp[i]);
    return g_string_free(s, FALSE);
}

/* "<pt> <rest>": with @allow_star, "*" gives G_MAXUINT (RFC 4585 §4.2). */
static gboolean
split_pt(const char *value, gboolean allow_star, guint *pt, const char **rest)
{
    const char *p = value;
    guint64 v = G_MAXUINT;

    if (allow_star && value[0] == '*')
        p = value + 1;
    else if (!cr_sdp_parse_uint(value, &p, MAX_PT, &v))
        return FALSE;
    if (*p != ' ')
        return FALSE;
    while (*p == ' ')
        p++;
    *pt = (guint)v;
    *rest = p;
    return TRUE;
}

/* The value of @key in fmtp parameters ("a=1;b=2"), newly allocated, or
 * NULL. Names compare without case, as media type parameters do. */
char *
cr_sdp_fmtp_param(const char *fmtp, const char *key)
{
    if (fmtp == NULL)
        return NULL;
    g_auto(GStrv) params = g_strsplit(fmtp, ";", -1);
    for (guint i = 0; params[i] != NULL; i++) {
        char *eq = strchr(params[i], '=');
        if (eq == NULL)
            continue;
        *eq = '\0';
        if (g_ascii_strcasecmp(g_strstrip(params[i]), key) == 0)
            return g_strdup(g_strstrip(eq + 1));
    }
    return NULL;
}

/* @fmtp with only the parameters named in @keys, in their order; NULL if
 * none is left. */
char *
cr_sdp_fmtp_keep(const char *fmtp, const char *const *keys)
{
    GString *kept = g_string_new(NULL);

    for (guint i = 0; keys[i] != NULL; i++) {
        g_autofree char *value = cr_sdp_fmtp_param(fmtp, keys[i]);
        if (value == NULL || !cr_sdp_is_token(value, 64))
            continue;
        g_string_append_printf(kept, "%s%s=%s", kept->len > 0 ? ";" : "", keys[i], value);
    }
    if (kept->len == 0) {
        g_string_free(kept, TRUE);
        return NULL;
    }
    return g_string_free(kept, FALSE);
}

const KnownCodec *
cr_sdp_known_codec(const char *name)
{
    for (guint i = 0; i < G_N_ELEMENTS(known_codecs); i++) {
        if (g_ascii_strcasecmp(known_codecs[i].name, name) == 0)
            return &known_codecs[i];
    }
    return NULL;
}

/* Whether the policy list @names has @name (any case). */
gboolean
cr_sdp_list_has_codec(const char *const *names, const char *name)
{
    for (guint i = 0; names != NULL && names[i] != NULL; i++) {
        if (g_ascii_strcasecmp(names[i], name) == 0)
            return TRUE;
    }
    return FALSE;
}

static gboolean
is_repair_format(const char *name)
{
    for (guint i = 0; i < G_N_ELEMENTS(repair_formats); i++) {
        if (g_ascii_strcasecmp(repair_formats[i], name) == 0)
            return TRUE;
    }
    return FALSE;
}

/* "name/clock[/channels]" (RFC 4566 §6) into a new codec with @pt. */
static CrCodec *
parse_rtpmap(guint pt, const char *rest)
{
    const char *slash = strchr(rest, '/');
    const char *p = NULL;
    guint64 clock = 0;
    guint64 channels = 0;

    if (slash == NULL || slash == rest || slash - rest > NAME_MAX_LEN)
        return NULL;
    g_autofree char *name = g_strndup(rest, (gsize)(slash - rest));
    if (!cr_sdp_is_token(name, NAME_MAX_LEN) || !cr_sdp_parse_uint(slash + 1, &p, G_MAXINT32, &clock) ||
        clock == 0)
        return NULL;
    if (*p == '/' && !cr_sdp_parse_uint(p + 1, NULL, 255, &channels))
        return NULL;
    if (*p != '/' && *p != '\0')
        return NULL;

    const KnownCodec *known = cr_sdp_known_codec(name);
    CrCodec *codec = g_new0(CrCodec, 1);
    codec->name = known != NULL ? g_strdup(known->name) : g_steal_pointer(&name);
    codec->payload_type = pt;
    codec->clock_rate = (guint)clock;
    codec->channels = (guint)channels;
    return codec;
}

static guint
rtcp_fb_flag(const char *text)
{
    for (guint i = 0; i < G_N_ELEMENTS(cr_sdp_rtcp_fbs); i++) {
        if (g_ascii_strcasecmp(cr_sdp_rtcp_fbs[i].text, text) == 0)
            return cr_sdp_rtcp_fbs[i].flag;
    }
    return 0;
}

/* ---- Reading one m-line ------------------------------------------------ */

/* The value of @m's attribute @i when it is named @key, else NULL. Loops
 * over attributes use this to visit each once: gst_sdp_*_get_attribute_val_n
 * scans from the start on every call, which hostile input makes quadratic. */
static const char *
media_attr_at(const GstSDPMedia *m, guint i, const char *key)
{
    const GstSDPAttribute *a = gst_sdp_media_get_attribute(m, i);
    return a != NULL && g_strcmp0(a->key, key) == 0 ? a->value : NULL;
}

static const char *
session_attr_at(const GstSDPMessage *msg, guint i, const char *key)
{
    const GstSDPAttribute *a = gst_sdp_message_get_attribute(msg, i);
    return a != NULL && g_strcmp0(a->key, key) == 0 ? a->value : NULL;
}

/* The rtpmap, fmtp and rtcp-fb attributes of one m-line, by payload type. */
typedef struct {
    const char *rtpmap[MAX_PT + 1]; /* the value after "<pt> " */
    const char *fmtp[MAX_PT + 1];
    guint fb[MAX_PT + 1];
    guint fb_any; /* a=rtcp-fb:* */
} PtAttrs;

static gboolean
collect_pt_attrs(const GstSDPMedia *m, guint index, PtAttrs *pa, GError **error)
{
    memset(pa, 0, sizeof *pa);
    for (guint i = 0; i < gst_sdp_media_attributes_len(m); i++) {
        const GstSDPAttribute *a = gst_sdp_media_get_attribute(m, i);
        const char *rest = NULL;
        guint pt = 0;
        if (a->key == NULL || a->value == NULL)
            continue;
        if (strcmp(a->key, "rtcp-fb") == 0) {
            /* Unknown or malformed feedback is simply not used. */
            if (split_pt(a->value, TRUE, &pt, &rest)) {
                if (pt == G_MAXUINT)
                    pa->fb_any |= rtcp_fb_flag(rest);
                else
                    pa->fb[pt] |= rtcp_fb_flag(rest);
            }
            continue;
        }
        gboolean is_rtpmap = strcmp(a->key, "rtpmap") == 0;
        if (!is_rtpmap && strcmp(a->key, "fmtp") != 0)
            continue;
        if (!split_pt(a->value, FALSE, &pt, &rest))
            return fail(error, "m-line %u: malformed a=%s", index, a->key);
        const char **slot = is_rtpmap ? &pa->rtpmap[pt] : &pa->fmtp[pt];
        if (*slot == NULL)
            *slot = rest;
    }
    return TRUE;
}

/* The payload types of @s's m= line, in order, without repeats. */
static gboolean
format_pts(const CrMediaSection *s, guint *pts, guint *n, GError **error)
{
    gboolean seen[MAX_PT + 1] = {FALSE};

    *n = 0;
    for (guint i = 0; s->formats[i] != NULL; i++) {
        guint64 pt = 0;
        if (!cr_sdp_parse_uint(s->formats[i], NULL, MAX_PT, &pt))
            return fail(error, "m-line %u: a payload type is not a number from 0 to 127", s->index);
        if (!seen[pt])
            pts[(*n)++] = (guint)pt;
        seen[pt] = TRUE;
    }
    return TRUE;
}

/* Links each codec to the first RTX format whose apt names it (RFC 4588)
 * at the same clock rate. */
static void
link_rtx(const CrMediaSection *s, const PtAttrs *pa, const guint *pts, guint n)
{
    for (guint i = 0; i < n; i++) {
        g_autoptr(CrCodec) rtx = NULL;
        if (pa->rtpmap[pts[i]] == NULL)
            continue;
        rtx = parse_rtpmap(pts[i], pa->rtpmap[pts[i]]);
        if (rtx == NULL || g_ascii_strcasecmp(rtx->name, "rtx") != 0)
            continue;
        g_autofree char *apt_text = cr_sdp_fmtp_param(pa->fmtp[pts[i]], "apt");
        guint64 apt = 0;
        if (!cr_sdp_parse_uint(apt_text, NULL, MAX_PT, &apt))
            continue;
        for (guint j = 0; j < s->codecs->len; j++) {
            CrCodec *c = g_ptr_array_index(s->codecs, j);
            if (c->payload_type == apt && c->clock_rate == rtx->clock_rate &&
                c->rtx_payload_type == 0)
                c->rtx_payload_type = pts[i];
        }
    }
}

/* Fills @s->codecs: every format with an a=rtpmap except repair formats.
 * Formats without one (static payload types) are not codecs we use. */
static gboolean
collect_codecs(const GstSDPMedia *m, CrMediaSection *s, GError **error)
{
    PtAttrs pa;
    guint pts[MAX_PT + 1];
    guint n = 0;

    if (!collect_pt_attrs(m, s->index, &pa, error) || !format_pts(s, pts, &n, error))
        return FALSE;
    for (guint i = 0; i < n; i++) {
        guint pt = pts[i];
        if (pa.rtpmap[pt] == NULL)
            continue;
        g_autoptr(CrCodec) codec = parse_rtpmap(pt, pa.rtpmap[pt]);
        if (codec == NULL)
            return fail(error, "m-line %u: malformed a=rtpmap for payload type %u", s->index, pt);
        if (is_repair_format(codec->name))
            continue;
        if (pa.fmtp[pt] != NULL && pa.fmtp[pt][0] != '\0') {
            if (!cr_sdp_is_printable(pa.fmtp[pt], 1024))
                return fail(error, "m-line %u: malformed a=fmtp for payload type %u", s->index, pt);
            codec->fmtp = g_strdup(pa.fmtp[pt]);
        }
        codec->rtcp_fb = pa.fb[pt] | pa.fb_any;
        g_ptr_array_add(s->codecs, g_steal_pointer(&codec));
    }
    link_rtx(s, &pa, pts, n);
    return TRUE;
}

/* "<id>[/<direction>] <uri> [<attributes>]" (RFC 8285). @two_way is
 * FALSE for an extension offered in one direction only. */
static gboolean
parse_extmap(const char *value, guint *id, gboolean *two_way, char **uri)
{
    const char *p = NULL;
    guint64 v = 0;

    if (!cr_sdp_parse_uint(value, &p, EXTMAP_MAX_ID, &v) || v == 0 || (v > 255 && v < 4096))
        return FALSE;
    *two_way = TRUE;
    if (*p == '/') {
        const char *dir = ++p;
        while (g_ascii_isalpha(*p))
            p++;
        *two_way = p - dir == 8 && strncmp(dir, "sendrecv", 8) == 0;
    }
    if (*p != ' ')
        return FALSE;
    while (*p == ' ')
        p++;
    const char *space = strchr(p, ' ');
    g_autofree char *text = space != NULL ? g_strndup(p, (gsize)(space - p)) : g_strdup(p);
    if (!cr_sdp_is_printable(text, URI_MAX_LEN))
        return FALSE;
    *id = (guint)v;
    *uri = g_steal_pointer(&text);
    return TRUE;
}

/* Fills @s->extmaps with the two-way extensions offered. */
static gboolean
collect_extmaps(const GstSDPMedia *m, CrMediaSection *s, GError **error)
{
    guint8 used[EXTMAP_MAX_ID / 8 + 1] = {0};

    for (guint i = 0; i < gst_sdp_media_attributes_len(m); i++) {
        const char *value = media_attr_at(m, i, "extmap");
        CrExtmap e = {0, NULL};
        gboolean two_way = TRUE;
        if (value == NULL)
            continue;
        if (!parse_extmap(value, &e.id, &two_way, &e.uri))
            return fail(error, "m-line %u: malformed a=extmap", s->index);
        if (used[e.id / 8] & (1u << (e.id % 8))) {
            g_free(e.uri);
            return fail(error, "m-line %u: extmap id %u is used twice", s->index, e.id);
        }
        used[e.id / 8] |= (guint8)(1u << (e.id % 8));
        if (two_way)
            g_array_append_val(s->extmaps, e);
        else
            g_free(e.uri);
    }
    return TRUE;
}

/* The ssrc at the start of an a=ssrc value, and what follows its space. */
static gboolean
split_ssrc(const char *value, guint32 *ssrc, const char **rest)
{
    const char *p = NULL;
    guint64 v = 0;

    if (!cr_sdp_parse_uint(value, &p, G_MAXUINT32, &v) || (*p != ' ' && *p != '\0'))
        return FALSE;
    while (*p == ' ')
        p++;
    *ssrc = (guint32)v;
    *rest = p;
    return TRUE;
}

/* The first a=ssrc-group:FID (RFC 5576 §4.2, RFC 4588): primary and
 * repair ssrc. FALSE when it is malformed; both 0 when there is none. */
static gboolean
read_fid(const GstSDPMedia *m, guint32 *primary, guint32 *repair)
{
    *primary = *repair = 0;
    for (guint i = 0; i < gst_sdp_media_attributes_len(m); i++) {
        const char *value = media_attr_at(m, i, "ssrc-group");
        const char *rest = NULL;
        if (value == NULL || strncmp(value, "FID ", 4) != 0)
            continue;
        return split_ssrc(value + 4, primary, &rest) && split_ssrc(rest, repair, &rest) &&
               *rest == '\0' && *primary != 0 && *repair != 0;
    }
    return TRUE;
}

/* Reads a=ssrc (RFC 5576 §4.1) for @s: the primary ssrc, its cname and,
 * when there is no media-level a=msid, its msid. */
static gboolean
read_ssrcs(const GstSDPMedia *m, CrMediaSection *s, GError **error)
{
    if (!read_fid(m, &s->ssrc, &s->rtx_ssrc))
        return fail(error, "m-line %u: malformed a=ssrc-group:FID", s->index);
    for (guint i = 0; i < gst_sdp_media_attributes_len(m); i++) {
        const char *value = media_attr_at(m, i, "ssrc");
        const char *rest = NULL;
        guint32 ssrc = 0;
        if (value == NULL)
            continue;
        if (!split_ssrc(value, &ssrc, &rest))
            return fail(error, "m-line %u: malformed a=ssrc", s->index);
        if (s->ssrc == 0)
            s->ssrc = ssrc;
        if (ssrc != s->ssrc)
            continue;
        if (g_str_has_prefix(rest, "cname:") && s->cname == NULL) {
            if (!cr_sdp_is_printable(rest + 6, CNAME_MAX_LEN))
                return fail(error, "m-line %u: malformed cname", s->index);
            s->cname = g_strdup(rest + 6);
        } else if (g_str_has_prefix(rest, "msid:") && s->msid == NULL &&
                   cr_sdp_is_printable(rest + 5, MSID_MAX_LEN)) {
            s->msid = g_strdup(rest + 5);
        }
    }
    return TRUE;
}

static gboolean
media_direction(const GstSDPMedia *m, CrDirection *out)
{
    for (guint i = 0; i < G_N_ELEMENTS(direction_names); i++) {
        if (gst_sdp_media_get_attribute_val(m, direction_names[i]) != NULL) {
            *out = (CrDirection)i;
            return TRUE;
        }
    }
    return FALSE;
}

static CrDirection
session_direction(const GstSDPMessage *msg)
{
    for (guint i = 0; i < G_N_ELEMENTS(direction_names); i++) {
        if (gst_sdp_message_get_attribute_val(msg, direction_names[i]) != NULL)
            return (CrDirection)i;
    }
    return CR_DIRECTION_SENDRECV; /* RFC 4566 §6 */
}

/* The m= line itself: media, port, profile, formats. */
static gboolean
read_mline(const GstSDPMedia *m, CrMediaSection *s, GError **error)
{
    const char *media = gst_sdp_media_get_media(m);
    guint n = gst_sdp_media_formats_len(m);

    if (!cr_sdp_is_token(media, NAME_MAX_LEN) || !is_proto(gst_sdp_media_get_proto(m)))
        return fail(error, "m-line %u is malformed", s->index);
    if (n == 0 || n > MAX_FORMATS)
        return fail(error, "m-line %u must list 1 to %u formats", s->index, MAX_FORMATS);
    s->media = g_strdup(media);
    s->proto = g_strdup(gst_sdp_media_get_proto(m));
    s->kind = strcmp(media, "audio") == 0   ? CR_MEDIA_AUDIO
              : strcmp(media, "video") == 0 ? CR_MEDIA_VIDEO
                                            : CR_MEDIA_OTHER;
    s->formats = g_new0(char *, n + 1);
    for (guint i = 0; i < n; i++) {
        const char *format = gst_sdp_media_get_format(m, i);
        if (!cr_sdp_is_token(format, NAME_MAX_LEN))
            return fail(error, "m-line %u has a malformed format", s->index);
        s->formats[i] = g_strdup(format);
    }
    s->bundle_only = gst_sdp_media_get_attribute_val(m, "bundle-only") != NULL;
    /* RFC 8843 §6 (and RFC 9143 §7.3.5): port 0 with a=bundle-only is a
     * live bundled m-line, not a disabled one. */
    s->rejected = gst_sdp_media_get_port(m) == 0 && !s->bundle_only;
    return TRUE;
}

static gboolean
read_section(const GstSDPMedia *m, guint index, CrDirection session_dir, CrMediaSection **out,
             GError **error)
{
    g_autoptr(CrMediaSection) s = cr_sdp_section_new();
    const char *mid = gst_sdp_media_get_attribute_val(m, "mid");

    s->index = index;
    if (!read_mline(m, s, error))
        return FALSE;
    if (mid != NULL && !cr_sdp_is_token(mid, MID_MAX_LEN))
        return fail(error, "m-line %u: a=mid must be 1 to %u token characters", index, MID_MAX_LEN);
    s->mid = g_strdup(mid);
    if (!media_direction(m, &s->direction))
        s->direction = session_dir;
    s->rtcp_rsize = gst_sdp_media_get_attribute_val(m, "rtcp-rsize") != NULL;

    if (s->kind != CR_MEDIA_OTHER && !s->rejected) {
        const char *msid = gst_sdp_media_get_attribute_val(m, "msid");
        if (msid != NULL && !cr_sdp_is_printable(msid, MSID_MAX_LEN))
            return fail(error, "m-line %u: malformed a=msid", index);
        s->msid = g_strdup(msid);
        if (!collect_codecs(m, s, error) || !collect_extmaps(m, s, error) ||
            !read_ssrcs(m, s, error))
            return FALSE;
    }
    *out = g_steal_pointer(&s);
    return TRUE;
}

/* ---- Whole-description checks -------------------------------------------- */

const CrMediaSection *
cr_sdp_section_at(const CrSdpRemote *r, guint i)
{
    return g_ptr_array_index(r->sections, i);
}

const CrMediaSection *
cr_sdp_section_by_mid(const CrSdpRemote *r, const char *mid)
{
    for (guint i = 0; i < r->sections->len; i++) {
        if (g_strcmp0(cr_sdp_section_at(r, i)->mid, mid) == 0)
            return cr_sdp_section_at(r, i);
    }
    return NULL;
}

/* Bytes GstSDPMessage must never see: none at all, too many, NULs and
 * control characters (GstSDPMessage stops at a NUL; we never pass on the
 * others). Bytes from 0x80 are let through to fields we then check. */
static gboolean
check_bytes(const char *text, gsize len, const char *what, GError **error)
{
    if (len == 0)
        return fail(error, "%s is empty", what);
    if (len > CR_SDP_MAX_LEN)
        return cr_sdp_fail_code(error, CR_ERROR_TOO_LARGE, "%s is larger than %u bytes", what,
                         CR_SDP_MAX_LEN);
    for (gsize i = 0; i < len; i++) {
        guchar c = (guchar)text[i];
        if ((c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7f)
            return fail(error, "%s contains control characters", what);
    }
    return TRUE;
}

static gboolean
check_mids(const CrSdpRemote *r, Role role, GError **error)
{
    for (guint i = 0; i < r->sections->len; i++) {
        const CrMediaSection *s = cr_sdp_section_at(r, i);
        if (s->mid == NULL && !s->rejected)
            return fail(error, "%s m-line %u has no a=mid", role_names[role], i);
        if (s->mid != NULL && cr_sdp_section_by_mid(r, s->mid) != s)
            return fail(error, "%s has mid \"%s\" twice", role_names[role], s->mid);
    }
    return TRUE;
}

/* The mids of the one BUNDLE group (RFC 9143 §7), or NULL with @error. */
static GStrv
bundle_mids(const GstSDPMessage *msg, Role role, GError **error)
{
    GStrv mids = NULL;

    for (guint i = 0; i < gst_sdp_message_attributes_len(msg); i++) {
        const char *group = session_attr_at(msg, i, "group");
        if (group == NULL || (strcmp(group, "BUNDLE") != 0 && strncmp(group, "BUNDLE ", 7) != 0))
            continue;
        if (mids != NULL) {
            g_strfreev(mids);
            fail(error, "%s has more than one BUNDLE group", role_names[role]);
            return NULL;
        }
        mids = g_strsplit(group + 6, " ", -1);
    }
    if (mids == NULL)
        fail(error, "%s has no BUNDLE group", role_names[role]);
    return mids;
}

/* Every live m-line must be in the one BUNDLE group (max-bundle). Sets
 * @r->bundle_mids to the group's live mids in its order and @r->bundle_mid
 * to the first, the tagged m-line (RFC 9143 §7.2, §7.3.1). */
static gboolean
check_bundle(const GstSDPMessage *msg, CrSdpRemote *r, Role role, GError **error)
{
    g_auto(GStrv) mids = bundle_mids(msg, role, error);
    g_autoptr(GPtrArray) live = g_ptr_array_new_with_free_func(g_free);
    if (mids == NULL)
        return FALSE;

    for (guint i = 0; mids[i] != NULL; i++) {
        const CrMediaSection *s = NULL;
        if (mids[i][0] == '\0')
            continue; /* a repeated space */
        s = cr_sdp_section_by_mid(r, mids[i]);
        if (s == NULL)
            return fail(error, "%s BUNDLE group names a mid that has no m-line", role_names[role]);
        if (!s->rejected && !g_ptr_array_find_with_equal_func(live, s->mid, g_str_equal, NULL))
            g_ptr_array_add(live, g_strdup(s->mid));
    }
    if (live->len > 0)
        r->bundle_mid = g_strdup(g_ptr_array_index(live, 0));
    g_ptr_array_add(live, NULL);
    r->bundle_mids = (GStrv)g_ptr_array_free(g_steal_pointer(&live), FALSE);
    for (guint i = 0; i < r->sections->len; i++) {
        const CrMediaSection *s = cr_sdp_section_at(r, i);
        if (s->rejected || g_strv_contains((const char *const *)mids, s->mid))
            continue;
        return fail(error, "%s m-line %u (mid \"%s\") is not in the BUNDLE group", role_names[role],
                    i, s->mid);
    }
    if (r->bundle_mid == NULL)
        return fail(error, "%s has no m-line in use", role_names[role]);
    return TRUE;
}

/* The transport attributes of one level (session or m-line). */
typedef struct {
    const char *ufrag;
    const char *pwd;
    const char *setup;
    const char *fingerprint;    /* a sha-256 fingerprint's hex pairs */
    gboolean other_fingerprint; /* fingerprints with other hash functions */
} Transport;

/* RFC 8122 §5: hash function names compare without case. */
static void
note_fingerprint(Transport *t, const char *value)
{
    if (value == NULL || t->fingerprint != NULL)
        return;
    if (g_ascii_strncasecmp(value, "sha-256 ", 8) != 0) {
        t->other_fingerprint = TRUE;
        return;
    }
    value += 8;
    while (*value == ' ')
        value++;
    t->fingerprint = value;
}

static void
session_transport(const GstSDPMessage *msg, Transport *t)
{
    memset(t, 0, sizeof *t);
    t->ufrag = gst_sdp_message_get_attribute_val(msg, "ice-ufrag");
    t->pwd = gst_sdp_message_get_attribute_val(msg, "ice-pwd");
    t->setup = gst_sdp_message_get_attribute_val(msg, "setup");
    for (guint i = 0; i < gst_sdp_message_attributes_len(msg); i++) {
        const GstSDPAttribute *a = gst_sdp_message_get_attribute(msg, i);
        if (g_strcmp0(a->key, "fingerprint") == 0)
            note_fingerprint(t, a->value);
    }
}

/* An m-line's transport, falling back to @session's field by field. */
static void
media_transport(const GstSDPMedia *m, const Transport *session, Transport *t)
{
    memset(t, 0, sizeof *t);
    for (guint i = 0; i < gst_sdp_media_attributes_len(m); i++) {
        const GstSDPAttribute *a = gst_sdp_media_get_attribute(m, i);
        if (g_strcmp0(a->key, "fingerprint") == 0)
            note_fingerprint(t, a->value);
    }
    t->ufrag = gst_sdp_media_get_attribute_val(m, "ice-ufrag");
    t->pwd = gst_sdp_media_get_attribute_val(m, "ice-pwd");
    t->setup = gst_sdp_media_get_attribute_val(m, "setup");
    if (t->ufrag == NULL)
        t->ufrag = session->ufrag;
    if (t->pwd == NULL)
        t->pwd = session->pwd;
    if (t->setup == NULL)
        t->setup = session->setup;
    if (t->fingerprint == NULL) {
        t->fingerprint = session->fingerprint;
        t->other_fingerprint |= session->other_fingerprint;
    }
}

static gboolean
setup_allowed(const char *setup, Role role)
{
    return g_strcmp0(setup, "active") == 0 || g_strcmp0(setup, "passive") == 0 ||
           (role == ROLE_OFFER && g_strcmp0(setup, "actpass") == 0);
}

/* Checks the BUNDLE transport's attributes and stores them in @r. */
static gboolean
store_transport(const Transport *t, CrSdpRemote *r, Role role, GError **error)
{
    const char *who = role_names[role];

    if (t->ufrag == NULL)
        return fail(error, "%s has no a=ice-ufrag", who);
    if (t->pwd == NULL)
        return fail(error, "%s has no a=ice-pwd", who);
    if (!cr_sdp_is_ice_string(t->ufrag, 4, 256))
        return fail(error, "%s a=ice-ufrag must be 4 to 256 ICE characters", who);
    if (!cr_sdp_is_ice_string(t->pwd, 22, 256))
        return fail(error, "%s a=ice-pwd must be 22 to 256 ICE characters", who);
    if (t->fingerprint == NULL)
        return fail(error,
                    t->other_fingerprint ? "%s has no sha-256 fingerprint"
                                         : "%s has no a=fingerprint",
                    who);
    if (!parse_hex_pairs(t->fingerprint, r->fingerprint, CR_SDP_FINGERPRINT_LEN))
        return fail(error, "%s has a malformed sha-256 fingerprint", who);
    if (t->setup == NULL)
        return fail(error, "%s has no a=setup", who);
    if (!setup_allowed(t->setup, role))
        return fail(error,
                    role == ROLE_OFFER ? "%s a=setup must be actpass, active or passive"
                                       : "%s a=setup must be active or passive",
                    who);
    r->ice_ufrag = g_strdup(t->ufrag);
    r->ice_pwd = g_strdup(t->pwd);
    r->fingerprint_alg = g_strdup("sha-256");
    r->setup = g_strdup(t->setup);
    return TRUE;
}

/* A bundled m-line must not name a transport other than the bundle's. */
static gboolean
same_transport(const Transport *t, const CrSdpRemote *r)
{
    guint8 fp[CR_SDP_FINGERPRINT_LEN];

    if (t->fingerprint != NULL && (!parse_hex_pairs(t->fingerprint, fp, sizeof fp) ||
                                   memcmp(fp, r->fingerprint, sizeof fp) != 0))
        return FALSE;
    return (t->ufrag == NULL || strcmp(t->ufrag, r->ice_ufrag) == 0) &&
           (t->pwd == NULL || strcmp(t->pwd, r->ice_pwd) == 0) &&
           (t->setup == NULL || strcmp(t->setup, r->setup) == 0);
}

static gboolean
read_transport(const GstSDPMessage *msg, CrSdpRemote *r, Role role, GError **error)
{
    const CrMediaSection *tag = cr_sdp_section_by_mid(r, r->bundle_mid);
    Transport session;
    Transport t;

    session_transport(msg, &session);
    media_transport(gst_sdp_message_get_media(msg, tag->index), &session, &t);
    if (!store_transport(&t, r, role, error))
        return FALSE;
    for (guint i = 0; i < r->sections->len; i++) {
        if (cr_sdp_section_at(r, i)->rejected)
            continue;
        media_transport(gst_sdp_message_get_media(msg, i), &session, &t);
        if (!same_transport(&t, r))
            return fail(error,
                        "%s m-line %u has ICE or DTLS parameters other than the "
                        "BUNDLE transport's",
                        role_names[role], i);
    }
    r->ice_lite = gst_sdp_message_get_attribute_val(msg, "ice-lite") != NULL;
    return TRUE;
}

static gboolean
is_srtp_profile(const char *proto)
{
    return strcmp(proto, "UDP/TLS/RTP/SAVPF") == 0 || strcmp(proto, "RTP/SAVPF") == 0;
}

/* Profile and rtcp-mux of every live audio and video m-line. */
static gboolean
check_rtp_sections(const GstSDPMessage *msg, const CrSdpRemote *r, Role role, GError **error)
{
    for (guint i = 0; i < r->sections->len; i++) {
        const CrMediaSection *s = cr_sdp_section_at(r, i);
        if (s->rejected || s->kind == CR_MEDIA_OTHER)
            continue;
        if (!is_srtp_profile(s->proto))
            return fail(error, "%s m-line %u must use UDP/TLS/RTP/SAVPF or RTP/SAVPF",
                        role_names[role], i);
        if (gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(msg, i), "rtcp-mux") == NULL)
            return fail(error, "%s m-line %u has no a=rtcp-mux", role_names[role], i);
    }
    return TRUE;
}

/* The candidates of the BUNDLE transport's m-line: the others' belong to
 * transports that bundling discards. */
static gboolean
read_candidates(const GstSDPMessage *msg, CrSdpRemote *r, GError **error)
{
    const CrMediaSection *tag = cr_sdp_section_by_mid(r, r->bundle_mid);
    const GstSDPMedia *m = gst_sdp_message_get_media(msg, tag->index);

    for (guint i = 0; i < gst_sdp_media_attributes_len(m); i++) {
        const char *value = media_attr_at(m, i, "candidate");
        if (value == NULL)
            continue;
        if (!cr_sdp_is_printable(value, CANDIDATE_MAX_LEN))
            return fail(error, "m-line %u: malformed a=candidate", tag->index);
        g_ptr_array_add(r->candidates, candidate_new(tag->mid, tag->index, value));
    }
    r->end_of_candidates = gst_sdp_message_get_attribute_val(msg, "end-of-candidates") != NULL ||
                           gst_sdp_media_get_attribute_val(m, "end-of-candidates") != NULL;
    return TRUE;
}

/* Checks @text's bytes and parses it into @msg with the v= and o= lines
 * every description needs. */
static gboolean
parse_message(const char *text, gsize len, const char *what, GstSDPMessage *msg, GError **error)
{
    if (!check_bytes(text, len, what, error))
        return FALSE;
    if (gst_sdp_message_parse_buffer((const guint8 *)text, (guint)len, msg) != GST_SDP_OK)
        return fail(error, "%s is not SDP", what);
    if (g_strcmp0(gst_sdp_message_get_version(msg), "0") != 0)
        return fail(error, "%s is not SDP (no v=0 line)", what);
    if (gst_sdp_message_get_origin(msg)->sess_id == NULL)
        return fail(error, "%s has no o= line", what);
    return TRUE;
}

gboolean
cr_sdp_parse_description(const char *sdp, gsize len, Role role, CrSdpRemote **out, GError **error)
{
    const char *who = role_names[role];
    g_autoptr(GstSDPMessage) msg = NULL;
    g_autoptr(CrSdpRemote) r = cr_sdp_remote_new();

    gst_sdp_message_new(&msg);
    if (!parse_message(sdp, len, who, msg, error))
        return FALSE;
    guint n = gst_sdp_message_medias_len(msg);
    if (n == 0)
        return fail(error, "%s has no m= line", who);
    if (n > CR_SDP_MAX_SECTIONS)
        return fail(error, "%s has more than %u m-lines", who, CR_SDP_MAX_SECTIONS);

    CrDirection dir = session_direction(msg);
    for (guint i = 0; i < n; i++) {
        CrMediaSection *s = NULL;
        if (!read_section(gst_sdp_message_get_media(msg, i), i, dir, &s, error))
            return FALSE;
        g_ptr_array_add(r->sections, s);
    }
    if (!check_mids(r, role, error) || !check_bundle(msg, r, role, error) ||
        !read_transport(msg, r, role, error) || !check_rtp_sections(msg, r, role, error) ||
        !read_candidates(msg, r, error))
        return FALSE;
    *out = g_steal_pointer(&r);
    return TRUE;
}

gboolean
cr_sdp_parse_offer(const char *sdp, gsize len, CrSdpRemote **out, GError **error)
{
    g_return_val_if_fail(sdp != NULL || len == 0, FALSE);
    g_return_val_if_fail(out != NULL, FALSE);
    *out = NULL;
    return cr_sdp_parse_description(sdp, len, ROLE_OFFER, out, error);
}

/* ---- Trickle ICE fragments ---------------------------------------------- */

/* The fragment's ICE credentials, from the session or any m-line; all
 * that are given must agree. */
static gboolean
frag_credentials(const GstSDPMessage *msg, CrSdpTrickle *t, GError **error)
{
    const char *ufrag = gst_sdp_message_get_attribute_val(msg, "ice-ufrag");
    const char *pwd = gst_sdp_message_get_attribute_val(msg, "ice-pwd");

    for (guint i = 0; i < gst_sdp_message_medias_len(msg); i++) {
        const GstSDPMedia *m = gst_sdp_message_get_media(msg, i);
        const char *u = gst_sdp_media_get_attribute_val(m, "ice-ufrag");
        const char *p = gst_sdp_media_get_attribute_val(m, "ice-pwd");
        if ((u != NULL && ufrag != NULL && strcmp(u, ufrag) != 0) ||
            (p != NULL && pwd != NULL && strcmp(p, pwd) != 0))
            return fail(error, "sdpfrag has more than one set of ICE credentials");
        ufrag = ufrag != NULL ? ufrag : u;
        pwd = pwd != NULL ? pwd : p;
    }
    if ((ufrag == NULL) != (pwd == NULL))
        return fail(error, "sdpfrag must have both a=ice-ufrag and a=ice-pwd, or neither");
    if (ufrag != NULL && (!cr_sdp_is_ice_string(ufrag, 4, 256) || !cr_sdp_is_ice_string(pwd, 22, 256)))
        return fail(error, "sdpfrag has malformed ICE credentials");
    t->ice_ufrag = g_strdup(ufrag);
    t->ice_pwd = g_strdup(pwd);
    return TRUE;
}

static gboolean
frag_candidates(const GstSDPMessage *msg, CrSdpTrickle *t, GError **error)
{
    if (gst_sdp_message_get_attribute_val(msg, "candidate") != NULL)
        return fail(error, "sdpfrag has a=candidate outside an m= section");
    t->end_of_candidates = gst_sdp_message_get_attribute_val(msg, "end-of-candidates") != NULL;
    for (guint i = 0; i < gst_sdp_message_medias_len(msg); i++) {
        const GstSDPMedia *m = gst_sdp_message_get_media(msg, i);
        const char *mid = gst_sdp_media_get_attribute_val(m, "mid");
        t->end_of_candidates |= gst_sdp_media_get_attribute_val(m, "end-of-candidates") != NULL;
        for (guint j = 0; j < gst_sdp_media_attributes_len(m); j++) {
            const char *value = media_attr_at(m, j, "candidate");
            if (value == NULL)
                continue;
            if (!cr_sdp_is_token(mid, MID_MAX_LEN))
                return fail(error, "sdpfrag m-line %u has candidates but no valid a=mid", i);
            if (!cr_sdp_is_printable(value, CANDIDATE_MAX_LEN))
                return fail(error, "sdpfrag m-line %u: malformed a=candidate", i);
            g_ptr_array_add(t->candidates, candidate_new(mid, i, value));
        }
    }
    return TRUE;
}

/* RFC 8840 defines the fragment as SDP lines without the session header
 * (v=, o=, s=, t=). GstSDPMessage wants a whole description, so we
 * put a minimal header in front: the one place where this file builds
 * SDP text by hand. The fragment's bytes are checked first, and a fragment
 * that brings its own v= or o= line only overrides the header's. */
gboolean
cr_sdp_parse_trickle_sdpfrag(const char *frag, gsize len, const char *current_ufrag,
                             const char *current_pwd, CrSdpTrickle **out, GError **error)
{
    g_autoptr(GstSDPMessage) msg = NULL;
    g_autoptr(CrSdpTrickle) t = g_new0(CrSdpTrickle, 1);

    g_return_val_if_fail((frag != NULL || len == 0) && out != NULL, FALSE);
    *out = NULL;
    t->candidates = g_ptr_array_new_with_free_func((GDestroyNotify)cr_candidate_free);
    if (!check_bytes(frag, len, "sdpfrag", error))
        return FALSE;
    g_autoptr(GString) text = g_string_new(frag_header);
    g_string_append_len(text, frag, (gssize)len);
    gst_sdp_message_new(&msg);
    if (!parse_message(text->str, text->len, "sdpfrag", msg, error))
        return FALSE;
    if (gst_sdp_message_medias_len(msg) > CR_SDP_MAX_SECTIONS)
        return fail(error, "sdpfrag has more than %u m-lines", CR_SDP_MAX_SECTIONS);
    if (!frag_credentials(msg, t, error) || !frag_candidates(msg, t, error))
        return FALSE;
    t->ice_restart = t->ice_ufrag != NULL && current_ufrag != NULL &&
                     (strcmp(t->ice_ufrag, current_ufrag) != 0 ||
                      (current_pwd != NULL && strcmp(t->ice_pwd, current_pwd) != 0));
    *out = g_steal_pointer(&t);
    return TRUE;
}
