/* sdp-private.h — what relay/sdp.c (reading descriptions, trickle
 * fragments) and relay/sdp-write.c (policy, choosing codecs, writing
 * answers and offers, checking the answers to them) share. */
#pragma once

#include <gst/sdp/sdp.h>

#include "common/error.h"
#include "relay/sdp.h"

#define MAX_PT 127
#define MID_MAX_LEN       16
#define CNAME_MAX_LEN     255 /* an RTCP SDES item (RFC 3550 §6.5) */
#define CANDIDATE_MAX_LEN 1024

typedef enum { ROLE_OFFER, ROLE_ANSWER } Role;

typedef struct {
    const char *name;
    CrMediaKind kind;
    guint clock_rate;
    guint channels; /* 0: not checked (video) */
    const char *const *answer_params;
} KnownCodec;

typedef struct {
    const char *text;
    guint flag;
} CrSdpFeedbackName;
#define CR_SDP_N_RTCP_FBS 5
extern const CrSdpFeedbackName cr_sdp_rtcp_fbs[CR_SDP_N_RTCP_FBS];

#define fail(error, ...) cr_sdp_fail_code((error), CR_ERROR_BAD_REQUEST, __VA_ARGS__)

gboolean cr_sdp_fail_code(GError **error, int code, const char *format, ...) G_GNUC_PRINTF(3, 4);
CrMediaSection *cr_sdp_section_new(void);
CrSdpRemote *cr_sdp_remote_new(void);
void cr_sdp_codec_copy(const CrCodec *from, CrCodec *to);
CrCodec *cr_sdp_codec_dup(const CrCodec *codec);
gboolean cr_sdp_parse_uint(const char *s, const char **end, guint64 max, guint64 *out);
gboolean cr_sdp_is_token(const char *s, gsize max_len);
gboolean cr_sdp_is_printable(const char *s, gsize max_len);
gboolean cr_sdp_is_ice_string(const char *s, gsize min_len, gsize max_len);
char *cr_sdp_format_fingerprint(const guint8 *fp);
char *cr_sdp_fmtp_param(const char *fmtp, const char *key);
char *cr_sdp_fmtp_keep(const char *fmtp, const char *const *keys);
const KnownCodec *cr_sdp_known_codec(const char *name);
gboolean cr_sdp_list_has_codec(const char *const *names, const char *name);
const CrMediaSection *cr_sdp_section_at(const CrSdpRemote *r, guint i);
const CrMediaSection *cr_sdp_section_by_mid(const CrSdpRemote *r, const char *mid);
gboolean cr_sdp_parse_description(const char *sdp, gsize len, Role role, CrSdpRemote **out,
                                  GError **error);
