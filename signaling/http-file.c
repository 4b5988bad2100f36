/* http-file.c — response bodies streamed from a file, and the Range
 * request header (RFC 9110 §14, formerly RFC 7233).
 *
 * Control loop thread only. A file body is read a chunk per WRITEABLE
 * callback (http.c hands over to cr_http_file_write once the headers are
 * out), so serving a recording of any size holds one chunk in memory; the
 * reads are local-disk preads on the control loop, as lws's own static
 * file serving does. The Range parser is a pure function of its text.
 */
#include "signaling/signaling-private.h"

#include <errno.h>
#include <unistd.h>

#define FILE_CHUNK (64 * 1024)

/* ---- Range: bytes=... (RFC 9110 §14.1.2, §14.4) ---- */

/* Reads decimal digits at *p; saturates at G_MAXUINT64 (a position past
 * any file is still a valid position). FALSE when there is no digit. */
static gboolean
read_pos(const char **p, guint64 *out)
{
    const char *s = *p;
    guint64 v = 0;
    if (!g_ascii_isdigit(*s))
        return FALSE;
    for (; g_ascii_isdigit(*s); s++) {
        guint d = (guint)(*s - '0');
        v = v > (G_MAXUINT64 - d) / 10 ? G_MAXUINT64 : v * 10 + d;
    }
    *p = s;
    *out = v;
    return TRUE;
}

static const char *
skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

CrHttpRange
cr_http_range_parse(const char *header, guint64 size, guint64 *first, guint64 *last)
{
    if (header == NULL)
        return CR_HTTP_RANGE_NONE;
    const char *p = skip_ows(header);
    /* The unit is case-insensitive (§14.1); other units are ignored. */
    if (g_ascii_strncasecmp(p, "bytes=", 6) != 0)
        return CR_HTTP_RANGE_NONE;
    p = skip_ows(p + 6);
    guint64 a = 0, b = 0;
    gboolean suffix = *p == '-';
    if (suffix) {
        p++;
        if (!read_pos(&p, &b))
            return CR_HTTP_RANGE_NONE;
    } else {
        if (!read_pos(&p, &a) || *p != '-')
            return CR_HTTP_RANGE_NONE;
        p++;
        gboolean has_last = read_pos(&p, &b);
        if (!has_last)
            b = G_MAXUINT64;
        else if (b < a) /* §14.1.1: invalid, so the field is ignored */
            return CR_HTTP_RANGE_NONE;
    }
    /* One range only: a list (",") is allowed to be ignored (§14.2), which
     * answers 200 with the whole file; so is anything malformed. */
    if (*skip_ows(p) != '\0')
        return CR_HTTP_RANGE_NONE;
    if (suffix) {
        /* "-0" and any suffix of an empty file select nothing (§14.1.3). */
        if (b == 0 || size == 0)
            return CR_HTTP_RANGE_UNSATISFIABLE;
        *first = b >= size ? 0 : size - b;
        *last = size - 1;
        return CR_HTTP_RANGE_OK;
    }
    if (a >= size)
        return CR_HTTP_RANGE_UNSATISFIABLE;
    *first = a;
    *last = MIN(b, size - 1);
    return CR_HTTP_RANGE_OK;
}

/* ---- file bodies ---- */

void
cr_http_file_body_free(CrHttpFileBody *body)
{
    if (body == NULL)
        return;
    close(body->fd);
    g_free(body->frame);
    g_free(body);
}

void
cr_http_respond_file(CrHttpRequest *req, int status, const char *content_type, int fd,
                     guint64 offset, guint64 length)
{
    if (req->responded) {
        close(fd);
        return;
    }
    cr_http_respond(req, status, content_type, g_bytes_new_static("", 0));
    req->resp_file = g_new0(CrHttpFileBody, 1);
    req->resp_file->fd = fd;
    req->resp_file->offset = offset;
    req->resp_file->remain = length;
    req->resp_file->frame = g_malloc(LWS_PRE + FILE_CHUNK);
}

int
cr_http_file_write(CrHttpRequest *req)
{
    CrHttpFileBody *f = req->resp_file;
    /* HEAD: the headers said how long the body would be; send none. */
    gboolean head = strcmp(req->method, "HEAD") == 0;
    gsize n = head ? 0 : (gsize)MIN(f->remain, (guint64)FILE_CHUNK);
    guint8 *frame = f->frame;
    gsize got = 0;
    while (got < n) {
        ssize_t r = pread(f->fd, frame + LWS_PRE + got, n - got, (off_t)(f->offset + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            /* The file shrank or failed under us: the promised length can
             * no longer be met, so end the connection rather than lie. */
            g_warning("[http] %s: file read failed at %" G_GUINT64_FORMAT ": %s", req->path,
                      f->offset + got, r < 0 ? g_strerror(errno) : "unexpected end of file");
            return -1;
        }
        got += (gsize)r;
    }
    gboolean last = head || f->remain == n;
    if (lws_write(req->wsi, frame + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
        (int)n)
        return -1;
    f->offset += n;
    f->remain -= n;
    if (!last) {
        lws_callback_on_writable(req->wsi);
        return 0;
    }
    return lws_http_transaction_completed(req->wsi) ? -1 : 0;
}
