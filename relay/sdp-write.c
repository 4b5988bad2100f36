/* sdp-write.c — the relay's side of negotiation: the codec policy and
 * local checks, choosing codecs, writing answers to clients' offers, and
 * the relay's own offers with the checks of the clients' answers to them.
 * Reading descriptions is relay/sdp.c. Pure; any thread. */
#include "relay/sdp-private.h"

#include <stdarg.h>
#include <string.h>

#define EXTMAP_ONE_BYTE_MAX 14

static const struct {
    const char *uri;
    guint id;
    gboolean audio_only;
} offer_extmaps[] = {
    {CR_EXTMAP_MID, 1, FALSE},
    {CR_EXTMAP_ABS_SEND_TIME, 2, FALSE},
    {CR_EXTMAP_TRANSPORT_CC, 3, FALSE},
    {CR_EXTMAP_AUDIO_LEVEL, 4, TRUE},
};

/* ---- Policy and local checks ---------------------------------------------- */

static gboolean
check_codec_list(const char *const *names, CrMediaKind kind, GError **error)
{
    for (guint i = 0; names != NULL && names[i] != NULL; i++) {
        const KnownCodec *k = cr_sdp_known_codec(names[i]);
        if (k == NULL || k->kind != kind)
            return cr_sdp_fail_code(error, CR_ERROR_INTERNAL, "policy names an unsupported %s codec",
                             cr_media_kind_name(kind));
    }
    return TRUE;
}

static gboolean
check_policy(const CrSdpPolicy *policy, GError **error)
{
    return check_codec_list(policy->audio_codecs, CR_MEDIA_AUDIO, error) &&
           check_codec_list(policy->video_codecs, CR_MEDIA_VIDEO, error);
}

static gboolean
policy_accepts_uri(const CrSdpPolicy *policy, const char *uri)
{
    return policy->extmap_uris != NULL &&
           g_strv_contains((const char *const *)policy->extmap_uris, uri);
}

static gboolean
is_msid_id(const char *id)
{
    return cr_sdp_is_token(id, 64); /* msid-id, RFC 8830 §2 */
}

static gboolean
check_local_stream(const CrLocalStream *st, GError **error)
{
    if ((st->mid != NULL && !cr_sdp_is_token(st->mid, MID_MAX_LEN)) ||
        (st->kind != CR_MEDIA_AUDIO && st->kind != CR_MEDIA_VIDEO) || st->ssrc == 0 ||
        !cr_sdp_is_token(st->cname, CNAME_MAX_LEN) || !is_msid_id(st->msid_stream) ||
        !is_msid_id(st->msid_track))
        return cr_sdp_fail_code(error, CR_ERROR_INTERNAL, "local stream is not valid");
    return TRUE;
}

static gboolean
check_local(const CrSdpLocal *local, GError **error)
{
    if (!cr_sdp_is_ice_string(local->ice_ufrag, 4, 256) || !cr_sdp_is_ice_string(local->ice_pwd, 22, 256))
        return cr_sdp_fail_code(error, CR_ERROR_INTERNAL, "local ICE credentials are not valid");
    for (guint i = 0; local->candidates != NULL && local->candidates[i] != NULL; i++) {
        const char *c = local->candidates[i];
        if (!g_str_has_prefix(c, "candidate:") || !cr_sdp_is_printable(c + 10, CANDIDATE_MAX_LEN))
            return cr_sdp_fail_code(error, CR_ERROR_INTERNAL, "local candidate %u is not valid", i);
    }
    for (gsize i = 0; i < local->n_streams; i++) {
        if (!check_local_stream(&local->streams[i], error))
            return FALSE;
    }
    return TRUE;
}

/* ---- Choosing codecs ------------------------------------------------------- */

/* RFC 6184 with packetization-mode=1 (non-interleaved: FU-A and STAP-A)
 * and profile_idc 0x42 (Baseline). 2 when constraint_set1_flag marks
 * Constrained Baseline (42e0xx, 42c0xx, 4240xx), which every WebRTC
 * decoder takes; 1 for plain Baseline; 0 when not acceptable (Main 4d,
 * High 64, ...). */
static guint
h264_fitness(const char *fmtp)
{
    g_autofree char *mode = cr_sdp_fmtp_param(fmtp, "packetization-mode");
    g_autofree char *plid = cr_sdp_fmtp_param(fmtp, "profile-level-id");
    guint8 b[3];

    if (g_strcmp0(mode, "1") != 0)
        return 0;
    if (plid == NULL)
        return 1; /* RFC 6184 §8.1: absent means Baseline at level 1 */
    if (strlen(plid) != 6)
        return 0;
    for (guint i = 0; i < 3; i++) {
        int hi = g_ascii_xdigit_value(plid[2 * i]);
        int lo = g_ascii_xdigit_value(plid[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        b[i] = (guint8)(hi << 4 | lo);
    }
    if (b[0] != 0x42)
        return 0;
    return (b[1] & 0x40) != 0 ? 2 : 1;
}

/* How well @c serves as @wanted: 0 not at all, higher is better. */
static guint
codec_fitness(const CrCodec *c, const char *wanted)
{
    const KnownCodec *k = cr_sdp_known_codec(wanted);

    if (k == NULL || strcmp(c->name, k->name) != 0 || c->clock_rate != k->clock_rate)
        return 0;
    if (k->channels != 0 && c->channels != k->channels)
        return 0;
    if (strcmp(k->name, "H264") == 0)
        return h264_fitness(c->fmtp);
    return 1;
}

/* The first codec of @allowed that @codecs has, the fittest variant and
 * then the first offered; NULL if none. */
static const CrCodec *
choose_codec(const GPtrArray *codecs, const char *const *allowed)
{
    for (guint i = 0; allowed != NULL && allowed[i] != NULL; i++) {
        const CrCodec *best = NULL;
        guint best_fit = 0;
        for (guint j = 0; j < codecs->len; j++) {
            const CrCodec *c = g_ptr_array_index(codecs, j);
            guint fit = codec_fitness(c, allowed[i]);
            if (fit > best_fit) {
                best = c;
                best_fit = fit;
            }
        }
        if (best != NULL)
            return best;
    }
    return NULL;
}

/* "no common video codec (offered: VP9, AV1; allowed: VP8, H264)". */
static void
note_refusal(GString *reasons, const CrMediaSection *s, const char *const *allowed)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    gboolean h264_offered = FALSE;

    for (guint i = 0; i < s->codecs->len; i++) {
        const CrCodec *c = g_ptr_array_index(s->codecs, i);
        if (!g_ptr_array_find_with_equal_func(names, c->name, g_str_equal, NULL))
            g_ptr_array_add(names, c->name);
        h264_offered |= strcmp(c->name, "H264") == 0;
    }
    g_ptr_array_add(names, NULL);
    g_autofree char *offered = g_strjoinv(", ", (char **)names->pdata);
    g_autofree char *allowing = allowed != NULL && allowed[0] != NULL
                                    ? g_strjoinv(", ", (char **)allowed)
                                    : g_strdup("none");
    g_string_append_printf(reasons, "%sno common %s codec (offered: %s; allowed: %s)",
                           reasons->len > 0 ? "; " : "", cr_media_kind_name(s->kind),
                           offered[0] != '\0' ? offered : "none", allowing);
    if (h264_offered && cr_sdp_list_has_codec(allowed, "H264"))
        g_string_append(reasons, "; H264 needs packetization-mode=1 and a Baseline profile");
}

/* A copy of @o's description without codecs or extensions. */
static CrMediaSection *
section_copy_base(const CrMediaSection *o)
{
    CrMediaSection *s = cr_sdp_section_new();
    s->index = o->index;
    s->mid = g_strdup(o->mid);
    s->kind = o->kind;
    s->media = g_strdup(o->media);
    s->proto = g_strdup(o->proto);
    s->formats = g_strdupv(o->formats);
    s->rejected = o->rejected;
    s->bundle_only = o->bundle_only;
    s->direction = o->direction;
    s->rtcp_rsize = o->rtcp_rsize;
    s->ssrc = o->ssrc;
    s->rtx_ssrc = o->rtx_ssrc;
    s->cname = g_strdup(o->cname);
    s->msid = g_strdup(o->msid);
    return s;
}

static void
accept_extmaps(const CrMediaSection *o, const CrSdpPolicy *policy, CrMediaSection *s)
{
    for (guint i = 0; i < o->extmaps->len; i++) {
        const CrExtmap *e = &g_array_index(o->extmaps, CrExtmap, i);
        if (e->id > EXTMAP_ONE_BYTE_MAX || !policy_accepts_uri(policy, e->uri))
            continue;
        CrExtmap copy = {e->id, g_strdup(e->uri)};
        g_array_append_val(s->extmaps, copy);
    }
}

/* What we agree to for the offered m-line @o; rejected when nothing fits
 * (the reason is added to @reasons). */
static CrMediaSection *
negotiate_section(const CrMediaSection *o, const CrSdpPolicy *policy, GString *reasons)
{
    CrMediaSection *s = section_copy_base(o);

    if (o->rejected || o->kind == CR_MEDIA_OTHER) {
        s->rejected = TRUE;
        return s;
    }
    const char *const *allowed =
        o->kind == CR_MEDIA_AUDIO ? policy->audio_codecs : policy->video_codecs;
    const CrCodec *chosen = choose_codec(o->codecs, allowed);
    if (chosen == NULL) {
        s->rejected = TRUE;
        note_refusal(reasons, o, allowed);
        return s;
    }
    cr_sdp_codec_copy(chosen, &s->codec);
    g_free(s->codec.fmtp);
    s->codec.fmtp = cr_sdp_fmtp_keep(chosen->fmtp, cr_sdp_known_codec(chosen->name)->answer_params);
    g_ptr_array_add(s->codecs, cr_sdp_codec_dup(&s->codec));
    accept_extmaps(o, policy, s);
    return s;
}

/* ---- Writing descriptions ------------------------------------------------- */

/* v=, o=, s=, t= and the session attributes of every description we write. */
static GstSDPMessage *
message_new(const CrSdpLocal *local, guint64 version)
{
    GstSDPMessage *msg = NULL;
    g_autofree char *id = g_strdup_printf("%" G_GUINT64_FORMAT, local->session_id);
    g_autofree char *ver = g_strdup_printf("%" G_GUINT64_FORMAT, version);

    gst_sdp_message_new(&msg);
    gst_sdp_message_set_version(msg, "0");
    gst_sdp_message_set_origin(msg, "-", id, ver, "IN", "IP4", "0.0.0.0");
    gst_sdp_message_set_session_name(msg, "-");
    gst_sdp_message_add_time(msg, "0", "0", NULL);
    if (local->ice_lite)
        gst_sdp_message_add_attribute(msg, "ice-lite", NULL);
    gst_sdp_message_add_attribute(msg, "ice-options", "trickle");
    return msg;
}

static void
add_bundle_group(GstSDPMessage *msg, const char *const *mids)
{
    g_autofree char *list = g_strjoinv(" ", (char **)mids);
    g_autofree char *value = g_strconcat("BUNDLE ", list, NULL);
    gst_sdp_message_add_attribute(msg, "group", value);
}

/* m=, c= and a=mid. Port 9 is the discard port JSEP uses when the address
 * is carried by ICE (RFC 8829 §5.2.1). */
static void
media_start(GstSDPMedia *m, const char *media, guint port, const char *proto, const char *mid)
{
    gst_sdp_media_set_media(m, media);
    gst_sdp_media_set_port_info(m, port, 1);
    gst_sdp_media_set_proto(m, proto);
    gst_sdp_media_add_connection(m, "IN", "IP4", "0.0.0.0", 0, 0);
    if (mid != NULL)
        gst_sdp_media_add_attribute(m, "mid", mid);
}

/* ICE and DTLS attributes; candidates only on the BUNDLE transport's
 * m-line (@with_candidates). */
static void
add_transport(GstSDPMedia *m, const CrSdpLocal *local, const char *setup, gboolean with_candidates)
{
    g_autofree char *fingerprint = cr_sdp_format_fingerprint(local->fingerprint);

    gst_sdp_media_add_attribute(m, "ice-ufrag", local->ice_ufrag);
    gst_sdp_media_add_attribute(m, "ice-pwd", local->ice_pwd);
    gst_sdp_media_add_attribute(m, "fingerprint", fingerprint);
    gst_sdp_media_add_attribute(m, "setup", setup);
    if (!with_candidates)
        return;
    for (guint i = 0; local->candidates != NULL && local->candidates[i] != NULL; i++)
        gst_sdp_media_add_attribute(m, "candidate", local->candidates[i] + 10);
    if (local->end_of_candidates)
        gst_sdp_media_add_attribute(m, "end-of-candidates", NULL);
}

static void add_attr_printf(GstSDPMedia *m, const char *key, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

static void
add_attr_printf(GstSDPMedia *m, const char *key, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    g_autofree char *value = g_strdup_vprintf(format, args);
    va_end(args);
    gst_sdp_media_add_attribute(m, key, value);
}

static void
add_extmaps(GstSDPMedia *m, const GArray *extmaps)
{
    for (guint i = 0; i < extmaps->len; i++) {
        const CrExtmap *e = &g_array_index(extmaps, CrExtmap, i);
        add_attr_printf(m, "extmap", "%u %s", e->id, e->uri);
    }
}

/* a=rtpmap, a=rtcp-fb, a=fmtp and the RTX format of @c. */
static void
add_codec(GstSDPMedia *m, const CrCodec *c)
{
    if (c->channels != 0)
        add_attr_printf(m, "rtpmap", "%u %s/%u/%u", c->payload_type, c->name, c->clock_rate,
                        c->channels);
    else
        add_attr_printf(m, "rtpmap", "%u %s/%u", c->payload_type, c->name, c->clock_rate);
    for (guint i = 0; i < G_N_ELEMENTS(cr_sdp_rtcp_fbs); i++) {
        if (c->rtcp_fb & cr_sdp_rtcp_fbs[i].flag)
            add_attr_printf(m, "rtcp-fb", "%u %s", c->payload_type, cr_sdp_rtcp_fbs[i].text);
    }
    if (c->fmtp != NULL)
        add_attr_printf(m, "fmtp", "%u %s", c->payload_type, c->fmtp);
    if (c->rtx_payload_type != 0) {
        add_attr_printf(m, "rtpmap", "%u rtx/%u", c->rtx_payload_type, c->clock_rate);
        add_attr_printf(m, "fmtp", "%u apt=%u", c->rtx_payload_type, c->payload_type);
    }
}

static void
add_formats(GstSDPMedia *m, const CrCodec *c)
{
    g_autofree char *pt = g_strdup_printf("%u", c->payload_type);
    gst_sdp_media_add_format(m, pt);
    if (c->rtx_payload_type != 0) {
        g_autofree char *rtx = g_strdup_printf("%u", c->rtx_payload_type);
        gst_sdp_media_add_format(m, rtx);
    }
}

/* What we send on one m-line: a=msid (RFC 8830), and a=ssrc with cname
 * and msid, plus the FID group for RTX (RFC 5576), for older receivers. */
static void
add_sender(GstSDPMedia *m, guint32 ssrc, guint32 rtx_ssrc, const char *cname, const char *stream,
           const char *track)
{
    add_attr_printf(m, "msid", "%s %s", stream, track);
    if (rtx_ssrc != 0)
        add_attr_printf(m, "ssrc-group", "FID %u %u", ssrc, rtx_ssrc);
    guint32 ssrcs[2] = {ssrc, rtx_ssrc};
    for (guint i = 0; i < 2 && ssrcs[i] != 0; i++) {
        add_attr_printf(m, "ssrc", "%u cname:%s", ssrcs[i], cname);
        add_attr_printf(m, "ssrc", "%u msid:%s %s", ssrcs[i], stream, track);
    }
}

/* An m-line we refuse: port 0, the offer's formats, only its mid
 * (RFC 8829 §5.3.1). */
static void
add_rejected(GstSDPMessage *msg, const CrMediaSection *s)
{
    GstSDPMedia *m = NULL;

    gst_sdp_media_new(&m);
    media_start(m, s->media, 0, s->proto, s->mid);
    for (guint i = 0; s->formats[i] != NULL; i++)
        gst_sdp_media_add_format(m, s->formats[i]);
    gst_sdp_message_add_media(msg, m); /* takes the contents */
    g_free(m);
}

/* Our direction for an offered one; @stream is what we could send. */
static CrDirection
answer_direction(CrDirection offered, const CrLocalStream *stream)
{
    switch (offered) {
    case CR_DIRECTION_SENDONLY:
    case CR_DIRECTION_SENDRECV:
        return CR_DIRECTION_RECVONLY;
    case CR_DIRECTION_RECVONLY:
        return stream != NULL ? CR_DIRECTION_SENDONLY : CR_DIRECTION_INACTIVE;
    default:
        return CR_DIRECTION_INACTIVE;
    }
}

/* The local stream for a recvonly m-line: named by mid, else the next
 * unnamed one of its kind. @used marks those taken. */
static const CrLocalStream *
pick_stream(const CrSdpLocal *local, const CrMediaSection *s, gboolean *used)
{
    if (s->direction != CR_DIRECTION_RECVONLY)
        return NULL;
    for (gsize i = 0; i < local->n_streams; i++) {
        if (g_strcmp0(local->streams[i].mid, s->mid) == 0) {
            used[i] = TRUE;
            return &local->streams[i];
        }
    }
    for (gsize i = 0; i < local->n_streams; i++) {
        const CrLocalStream *st = &local->streams[i];
        if (!used[i] && st->mid == NULL && st->kind == s->kind) {
            used[i] = TRUE;
            return st;
        }
    }
    return NULL;
}

/* One accepted m-line of our answer. */
static void
add_answer_media(GstSDPMessage *msg, const CrMediaSection *s, const CrSdpLocal *local,
                 const char *setup, const CrLocalStream *stream, gboolean is_tag)
{
    GstSDPMedia *m = NULL;
    CrDirection dir = answer_direction(s->direction, stream);

    gst_sdp_media_new(&m);
    media_start(m, s->media, 9, s->proto, s->mid);
    add_formats(m, &s->codec);
    add_transport(m, local, setup, is_tag);
    gst_sdp_media_add_attribute(m, cr_direction_name(dir), NULL);
    gst_sdp_media_add_attribute(m, "rtcp-mux", NULL);
    if (s->rtcp_rsize)
        gst_sdp_media_add_attribute(m, "rtcp-rsize", NULL);
    add_extmaps(m, s->extmaps);
    add_codec(m, &s->codec);
    if (dir == CR_DIRECTION_SENDONLY) {
        guint32 rtx = s->codec.rtx_payload_type != 0 ? stream->rtx_ssrc : 0;
        add_sender(m, stream->ssrc, rtx, stream->cname, stream->msid_stream, stream->msid_track);
    }
    gst_sdp_message_add_media(msg, m);
    g_free(m);
}

/* Our a=setup for the offer's (RFC 8842 §5.3); see the top of this file
 * for why passive is the default. */
static const char *
answer_setup(const char *offered, const char *wanted, GError **error)
{
    if (wanted == NULL)
        return g_strcmp0(offered, "passive") == 0 ? "active" : "passive";
    if ((strcmp(wanted, "active") != 0 && strcmp(wanted, "passive") != 0) ||
        (g_strcmp0(offered, "actpass") != 0 && g_strcmp0(offered, wanted) == 0)) {
        fail(error, "cannot answer a=setup:%s to an offer's a=setup:%s",
             cr_sdp_is_token(wanted, 16) ? wanted : "?", cr_sdp_is_token(offered, 16) ? offered : "?");
        return NULL;
    }
    return wanted;
}

static char *
write_answer(const CrSdpRemote *agreed, const CrSdpLocal *local)
{
    g_autoptr(GstSDPMessage) msg = message_new(local, 1);
    g_autofree gboolean *used = g_new0(gboolean, local->n_streams + 1);

    add_bundle_group(msg, (const char *const *)agreed->bundle_mids);
    for (guint i = 0; i < agreed->sections->len; i++) {
        const CrMediaSection *s = cr_sdp_section_at(agreed, i);
        if (s->rejected) {
            add_rejected(msg, s);
            continue;
        }
        add_answer_media(msg, s, local, agreed->local_setup, pick_stream(local, s, used),
                         strcmp(s->mid, agreed->bundle_mid) == 0);
    }
    return gst_sdp_message_as_text(msg);
}

/* The mids we accepted, in the order of the offer's BUNDLE group: the
 * first is our tagged m-line (RFC 9143 §7.3.1: when the answerer rejects
 * the offerer-tagged m-line, it tags the next one in the group). */
static void
agree_bundle(const CrSdpRemote *offer, CrSdpRemote *agreed)
{
    g_autoptr(GPtrArray) mids = g_ptr_array_new_with_free_func(g_free);
    const char *const *order = (const char *const *)offer->bundle_mids;

    for (guint i = 0; order != NULL && order[i] != NULL; i++) {
        const CrMediaSection *s = cr_sdp_section_by_mid(agreed, order[i]);
        if (s != NULL && !s->rejected)
            g_ptr_array_add(mids, g_strdup(s->mid));
    }
    for (guint i = 0; i < agreed->sections->len; i++) {
        const CrMediaSection *s = cr_sdp_section_at(agreed, i);
        if (!s->rejected && !g_ptr_array_find_with_equal_func(mids, s->mid, g_str_equal, NULL))
            g_ptr_array_add(mids, g_strdup(s->mid));
    }
    if (mids->len > 0)
        agreed->bundle_mid = g_strdup(g_ptr_array_index(mids, 0));
    g_ptr_array_add(mids, NULL);
    agreed->bundle_mids = (GStrv)g_ptr_array_free(g_steal_pointer(&mids), FALSE);
}

/* The offer's transport and candidates, for a negotiated result. */
static CrSdpRemote *
remote_copy_transport(const CrSdpRemote *o)
{
    CrSdpRemote *r = cr_sdp_remote_new();
    r->ice_ufrag = g_strdup(o->ice_ufrag);
    r->ice_pwd = g_strdup(o->ice_pwd);
    r->ice_lite = o->ice_lite;
    r->fingerprint_alg = g_strdup(o->fingerprint_alg);
    memcpy(r->fingerprint, o->fingerprint, sizeof r->fingerprint);
    r->setup = g_strdup(o->setup);
    for (guint i = 0; i < o->candidates->len; i++) {
        const CrCandidate *c = g_ptr_array_index(o->candidates, i);
        CrCandidate *copy = g_new0(CrCandidate, 1);
        copy->mid = g_strdup(c->mid);
        copy->mline_index = c->mline_index;
        copy->candidate = g_strdup(c->candidate);
        g_ptr_array_add(r->candidates, copy);
    }
    r->end_of_candidates = o->end_of_candidates;
    return r;
}

char *
cr_sdp_answer(const CrSdpRemote *offer, const CrSdpPolicy *policy, const CrSdpLocal *local,
              CrSdpRemote **negotiated, GError **error)
{
    g_return_val_if_fail(offer != NULL && policy != NULL && local != NULL, NULL);
    if (negotiated != NULL)
        *negotiated = NULL;
    if (!check_policy(policy, error) || !check_local(local, error))
        return NULL;
    const char *setup = answer_setup(offer->setup, local->setup, error);
    if (setup == NULL)
        return NULL;

    g_autoptr(CrSdpRemote) agreed = remote_copy_transport(offer);
    g_autoptr(GString) reasons = g_string_new(NULL);
    agreed->local_setup = g_strdup(setup);
    for (guint i = 0; i < offer->sections->len; i++)
        g_ptr_array_add(agreed->sections, negotiate_section(cr_sdp_section_at(offer, i), policy, reasons));
    agree_bundle(offer, agreed);
    if (agreed->bundle_mid == NULL) {
        fail(error, "%s", reasons->len > 0 ? reasons->str : "offer has no audio or video");
        return NULL;
    }
    char *text = write_answer(agreed, local);
    if (negotiated != NULL)
        *negotiated = g_steal_pointer(&agreed);
    return text;
}

/* ---- Offers from the relay and the client's answers ------------------------- */

/* Checks the caller's sections (a programming error is CR_ERROR_INTERNAL). */
static gboolean
check_offer_section(const CrOfferSection *sec, const CrSdpPolicy *policy, gsize i, GError **error)
{
    const char *const *allowed =
        sec->kind == CR_MEDIA_AUDIO ? policy->audio_codecs : policy->video_codecs;
    const KnownCodec *k = cr_sdp_known_codec(sec->codec.name != NULL ? sec->codec.name : "");
    gboolean sends = sec->direction == CR_DIRECTION_SENDONLY;

    if ((sec->kind != CR_MEDIA_AUDIO && sec->kind != CR_MEDIA_VIDEO) ||
        !cr_sdp_is_token(sec->mid, MID_MAX_LEN) || (!sends && sec->direction != CR_DIRECTION_INACTIVE))
        return cr_sdp_fail_code(error, CR_ERROR_INTERNAL, "offer section %zu is not valid", i);
    if (k == NULL || k->kind != sec->kind || !cr_sdp_list_has_codec(allowed, k->name) ||
        sec->codec.clock_rate != k->clock_rate || sec->codec.channels != k->channels ||
        sec->codec.payload_type > MAX_PT || sec->rtx_payload_type > MAX_PT ||
        sec->rtx_payload_type == sec->codec.payload_type ||
        (sec->codec.fmtp != NULL && !cr_sdp_is_printable(sec->codec.fmtp, 1024)))
        return cr_sdp_fail_code(error, CR_ERROR_INTERNAL, "offer section %zu has a bad codec", i);
    if (sends && (sec->ssrc == 0 || (sec->rtx_payload_type != 0 && sec->rtx_ssrc == 0) ||
                  !cr_sdp_is_token(sec->cname, CNAME_MAX_LEN) || !is_msid_id(sec->msid_stream) ||
                  !is_msid_id(sec->msid_track)))
        return cr_sdp_fail_code(error, CR_ERROR_INTERNAL, "offer section %zu has a bad sender", i);
    return TRUE;
}

/* The formats of one offer section: its codec and its RTX (pt 0: none). */
typedef struct {
    guint pt;
    const char *name;
    guint clock_rate;
    guint apt;
} OfferFormat;

/* Whether @a and @b give one payload type two meanings. */
static gboolean
pt_clash(const CrOfferSection *a, const CrOfferSection *b)
{
    const OfferFormat fa[2] = {
        {a->codec.payload_type, a->codec.name, a->codec.clock_rate, 0},
        {a->rtx_payload_type, "rtx", a->codec.clock_rate, a->codec.payload_type},
    };
    const OfferFormat fb[2] = {
        {b->codec.payload_type, b->codec.name, b->codec.clock_rate, 0},
        {b->rtx_payload_type, "rtx", b->codec.clock_rate, b->codec.payload_type},
    };

    for (guint i = 0; i < 2; i++) {
        for (guint j = 0; j < 2; j++) {
            if ((i == 1 && fa[i].pt == 0) || (j == 1 && fb[j].pt == 0) || fa[i].pt != fb[j].pt)
                continue;
            if (g_ascii_strcasecmp(fa[i].name, fb[j].name) != 0 ||
                fa[i].clock_rate != fb[j].clock_rate || fa[i].apt != fb[j].apt)
                return TRUE;
        }
    }
    return FALSE;
}

/* Unique mids; one payload type means one codec in the bundle: bundled
 * m-lines are one RTP session (RFC 9143 §9.1). */
static gboolean
check_offer_sections(const CrOfferSection *sections, gsize n, const CrSdpPolicy *policy,
                     GError **error)
{
    if (n == 0 || n > CR_SDP_MAX_SECTIONS)
        return cr_sdp_fail_code(error, CR_ERROR_INTERNAL, "an offer needs 1 to %u sections",
                         CR_SDP_MAX_SECTIONS);
    for (gsize i = 0; i < n; i++) {
        if (!check_offer_section(&sections[i], policy, i, error))
            return FALSE;
        for (gsize j = 0; j < i; j++) {
            if (strcmp(sections[i].mid, sections[j].mid) == 0 ||
                pt_clash(&sections[i], &sections[j]))
                return cr_sdp_fail_code(error, CR_ERROR_INTERNAL, "offer sections %zu and %zu clash", j,
                                 i);
        }
    }
    return TRUE;
}

/* The codec of an offer section as a CrCodec, our spelling. */
static void
offer_codec(const CrOfferSection *sec, CrCodec *c)
{
    memset(c, 0, sizeof *c);
    c->name = g_strdup(cr_sdp_known_codec(sec->codec.name)->name);
    c->payload_type = sec->codec.payload_type;
    c->clock_rate = sec->codec.clock_rate;
    c->channels = sec->codec.channels;
    c->fmtp = g_strdup(sec->codec.fmtp);
    c->rtx_payload_type = sec->rtx_payload_type;
    c->rtcp_fb = sec->codec.rtcp_fb;
}

static void
add_offer_extmaps(GstSDPMedia *m, const CrSdpPolicy *policy, CrMediaKind kind)
{
    for (guint i = 0; i < G_N_ELEMENTS(offer_extmaps); i++) {
        if (offer_extmaps[i].audio_only && kind != CR_MEDIA_AUDIO)
            continue;
        if (policy_accepts_uri(policy, offer_extmaps[i].uri))
            add_attr_printf(m, "extmap", "%u %s", offer_extmaps[i].id, offer_extmaps[i].uri);
    }
}

static void
add_offer_media(GstSDPMessage *msg, const CrOfferSection *sec, const CrSdpPolicy *policy,
                const CrSdpLocal *local, gboolean is_tag)
{
    GstSDPMedia *m = NULL;
    g_auto(CrCodec) codec = {0};

    offer_codec(sec, &codec);
    gst_sdp_media_new(&m);
    media_start(m, cr_media_kind_name(sec->kind), 9, "UDP/TLS/RTP/SAVPF", sec->mid);
    add_formats(m, &codec);
    add_transport(m, local, "actpass", is_tag);
    gst_sdp_media_add_attribute(m, cr_direction_name(sec->direction), NULL);
    gst_sdp_media_add_attribute(m, "rtcp-mux", NULL);
    gst_sdp_media_add_attribute(m, "rtcp-rsize", NULL);
    add_offer_extmaps(m, policy, sec->kind);
    add_codec(m, &codec);
    if (sec->direction == CR_DIRECTION_SENDONLY)
        add_sender(m, sec->ssrc, sec->rtx_payload_type != 0 ? sec->rtx_ssrc : 0, sec->cname,
                   sec->msid_stream, sec->msid_track);
    gst_sdp_message_add_media(msg, m);
    g_free(m);
}

char *
cr_sdp_offer(const CrSdpLocal *local, const CrSdpPolicy *policy, const CrOfferSection *sections,
             gsize n, guint version, GError **error)
{
    g_return_val_if_fail(local != NULL && policy != NULL && (sections != NULL || n == 0), NULL);
    if (!check_policy(policy, error) || !check_local(local, error) ||
        !check_offer_sections(sections, n, policy, error))
        return NULL;

    g_autoptr(GstSDPMessage) msg = message_new(local, version);
    g_autoptr(GPtrArray) mids = g_ptr_array_new();
    for (gsize i = 0; i < n; i++)
        g_ptr_array_add(mids, (gpointer)sections[i].mid);
    g_ptr_array_add(mids, NULL);
    add_bundle_group(msg, (const char *const *)mids->pdata);
    for (gsize i = 0; i < n; i++)
        add_offer_media(msg, &sections[i], policy, local, i == 0);
    return gst_sdp_message_as_text(msg);
}

/* The answer's direction must fit ours (RFC 3264 §6): to sendonly,
 * recvonly or inactive; to inactive, inactive. */
static gboolean
answer_direction_fits(CrDirection ours, CrDirection theirs)
{
    if (ours == CR_DIRECTION_SENDONLY)
        return theirs == CR_DIRECTION_RECVONLY || theirs == CR_DIRECTION_INACTIVE;
    return theirs == CR_DIRECTION_INACTIVE;
}

/* Only our payload types, our codec among them, and only our extensions. */
static gboolean
check_answer_codec(const CrMediaSection *s, const CrOfferSection *sec, const CrSdpPolicy *policy,
                   GError **error)
{
    const CrCodec *ours = NULL;

    for (guint i = 0; s->formats[i] != NULL; i++) {
        guint64 pt = 0;
        if (!cr_sdp_parse_uint(s->formats[i], NULL, MAX_PT, &pt) ||
            (pt != sec->codec.payload_type && (pt != sec->rtx_payload_type || pt == 0)))
            return fail(error, "answer for mid \"%s\" has a payload type that was not offered",
                        sec->mid);
    }
    for (guint i = 0; i < s->codecs->len; i++) {
        const CrCodec *c = g_ptr_array_index(s->codecs, i);
        if (c->payload_type == sec->codec.payload_type &&
            g_ascii_strcasecmp(c->name, sec->codec.name) == 0 &&
            c->clock_rate == sec->codec.clock_rate)
            ours = c;
    }
    if (ours == NULL)
        return fail(error, "answer for mid \"%s\" does not accept the offered %s", sec->mid,
                    cr_sdp_known_codec(sec->codec.name)->name);
    for (guint i = 0; i < s->extmaps->len; i++) {
        const CrExtmap *e = &g_array_index(s->extmaps, CrExtmap, i);
        gboolean offered = FALSE;
        for (guint j = 0; j < G_N_ELEMENTS(offer_extmaps); j++)
            offered |= offer_extmaps[j].id == e->id && strcmp(offer_extmaps[j].uri, e->uri) == 0 &&
                       (!offer_extmaps[j].audio_only || sec->kind == CR_MEDIA_AUDIO) &&
                       policy_accepts_uri(policy, e->uri);
        if (!offered)
            return fail(error,
                        "answer for mid \"%s\" has a header extension that was not "
                        "offered",
                        sec->mid);
    }
    return TRUE;
}

/* Replaces the answer's codec list of @s by the one agreed codec. */
static void
agree_codec(CrMediaSection *s, const CrOfferSection *sec)
{
    const CrCodec *theirs = NULL;
    CrCodec agreed;

    for (guint i = 0; i < s->codecs->len; i++) {
        const CrCodec *c = g_ptr_array_index(s->codecs, i);
        if (c->payload_type == sec->codec.payload_type)
            theirs = c;
    }
    offer_codec(sec, &agreed);
    g_free(agreed.fmtp);
    agreed.fmtp = g_strdup(theirs->fmtp);
    agreed.rtcp_fb &= theirs->rtcp_fb;
    if (theirs->rtx_payload_type != sec->rtx_payload_type)
        agreed.rtx_payload_type = 0;
    s->codec = agreed;
    g_ptr_array_set_size(s->codecs, 0);
    g_ptr_array_add(s->codecs, cr_sdp_codec_dup(&s->codec));
}

static gboolean
match_answer_section(CrMediaSection *s, const CrOfferSection *sec, const CrSdpPolicy *policy,
                     GError **error)
{
    if (s->kind != sec->kind)
        return fail(error, "answer m-line %u is not %s like the offer's", s->index,
                    cr_media_kind_name(sec->kind));
    if (s->mid != NULL && strcmp(s->mid, sec->mid) != 0)
        return fail(error, "answer m-line %u has mid \"%s\"; the offer's is \"%s\"", s->index,
                    s->mid, sec->mid);
    if (s->rejected)
        return TRUE;
    if (!answer_direction_fits(sec->direction, s->direction))
        return fail(error, "answer for mid \"%s\" is %s, which does not fit our %s", sec->mid,
                    cr_direction_name(s->direction), cr_direction_name(sec->direction));
    if (!check_answer_codec(s, sec, policy, error))
        return FALSE;
    agree_codec(s, sec);
    return TRUE;
}

gboolean
cr_sdp_parse_answer(const char *sdp, gsize len, const CrSdpPolicy *policy,
                    const CrOfferSection *sections, gsize n, CrSdpRemote **out, GError **error)
{
    g_autoptr(CrSdpRemote) r = NULL;

    g_return_val_if_fail((sdp != NULL || len == 0) && policy != NULL && out != NULL, FALSE);
    g_return_val_if_fail(sections != NULL || n == 0, FALSE);
    *out = NULL;
    if (!check_offer_sections(sections, n, policy, error) ||
        !cr_sdp_parse_description(sdp, len, ROLE_ANSWER, &r, error))
        return FALSE;
    if (r->sections->len != n)
        return fail(error, "answer has %u m-lines; the offer had %zu", r->sections->len, n);
    for (gsize i = 0; i < n; i++) {
        if (!match_answer_section(g_ptr_array_index(r->sections, i), &sections[i], policy, error))
            return FALSE;
    }
    *out = g_steal_pointer(&r);
    return TRUE;
}
