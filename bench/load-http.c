/* load-http.c — the smallest HTTP/1.1 client that WHIP and WHEP need
 * (RFC 9725): one request per connection, Content-Length bodies, the
 * status, the Location header and the body. Blocking (GIO sockets);
 * main thread of the load generator only.
 */
#include "bench/load.h"

#include <gio/gio.h>
#include <string.h>

static char *
header_value(const char *head, const char *name)
{
    gsize n = strlen(name);
    for (const char *l = strstr(head, "\r\n"); l != NULL; l = strstr(l + 2, "\r\n")) {
        const char *line = l + 2;
        if (g_ascii_strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            const char *end = strstr(v, "\r\n");
            return g_strndup(v, end ? (gsize)(end - v) : strlen(v));
        }
    }
    return NULL;
}

gboolean
load_http(const char *host, guint16 port, const char *method, const char *path, const char *token,
          const char *content_type, const char *body, guint *status, char **location,
          char **response, GError **error)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_socket_client_set_timeout(client, 10); /* the relay answers in ms */
    g_autoptr(GSocketConnection) conn =
        g_socket_client_connect_to_host(client, host, port, NULL, error);
    if (conn == NULL)
        return FALSE;
    g_autoptr(GString) req = g_string_new(NULL);
    g_string_append_printf(req, "%s %s HTTP/1.1\r\nHost: %s:%u\r\nConnection: close\r\n", method,
                           path, host, port);
    if (token != NULL)
        g_string_append_printf(req, "Authorization: Bearer %s\r\n", token);
    if (content_type != NULL)
        g_string_append_printf(req, "Content-Type: %s\r\n", content_type);
    g_string_append_printf(req, "Content-Length: %zu\r\n\r\n", body ? strlen(body) : 0);
    if (body != NULL)
        g_string_append(req, body);
    GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
    if (!g_output_stream_write_all(out, req->str, req->len, NULL, NULL, error))
        return FALSE;
    GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
    g_autoptr(GString) resp = g_string_new(NULL);
    gssize content_length = -1;
    gsize head_len = 0;
    for (;;) {
        char buf[8192];
        gssize n = g_input_stream_read(in, buf, sizeof buf, NULL, error);
        if (n < 0)
            return FALSE;
        g_string_append_len(resp, buf, n);
        if (head_len == 0) {
            const char *end = strstr(resp->str, "\r\n\r\n");
            if (end != NULL) {
                head_len = (gsize)(end - resp->str) + 4;
                g_autofree char *head = g_strndup(resp->str, head_len);
                g_autofree char *cl = header_value(head, "Content-Length");
                if (cl != NULL)
                    content_length = (gssize)g_ascii_strtoll(cl, NULL, 10);
            }
        }
        if (n == 0 ||
            (head_len > 0 && content_length >= 0 && resp->len >= head_len + (gsize)content_length))
            break;
    }
    if (head_len == 0 || sscanf(resp->str, "HTTP/1.%*d %u", status) != 1) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "malformed HTTP response");
        return FALSE;
    }
    if (location != NULL) {
        g_autofree char *head = g_strndup(resp->str, head_len);
        *location = header_value(head, "Location");
    }
    if (response != NULL)
        *response = g_strdup(resp->str + head_len);
    return TRUE;
}
