/* cmd-token.c — `classrelay token`: mints a join token and prints only
 * the token, so scripts can use $(classrelay token ...). Main thread. */
#include "app/app.h"

#include <stdio.h>

#include "common/time.h"
#include "signaling/token.h"

typedef struct {
    char *role, *user, *name, *org, *session, *ttl;
} TokenOptions;

static void
token_options_clear(TokenOptions *o)
{
    g_free(o->role);
    g_free(o->user);
    g_free(o->name);
    g_free(o->org);
    g_free(o->session);
    g_free(o->ttl);
}

static char *
mint(const CrConfig *config, const TokenOptions *o, GError **error)
{
    CrAuthKeys keys;
    gint64 ttl = 0;
    CrRole role = cr_role_from_name(o->role);
    if (role == CR_ROLE_NONE || role == CR_ROLE_CHECKIN) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--role must be instructor, trainee or coordinator");
        return NULL;
    }
    if (!cr_duration_parse(o->ttl != NULL ? o->ttl : "3h", &ttl) || ttl <= 0) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--ttl must be a duration such as 90m, 3h or 2d");
        return NULL;
    }
    if (o->session != NULL && o->session[0] != '\0' &&
        (o->session[0] < '1' || o->session[0] > '9' ||
         strspn(o->session, "0123456789") != strlen(o->session))) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--session must be a session id (a positive number)");
        return NULL;
    }
    if (!cr_app_load_keys(config, &keys, error))
        return NULL;
    gint64 now = cr_time_now();
    CrTokenClaims claims = {o->user, o->name, o->org, role, o->session, now, now, now + ttl};
    return cr_token_sign(&claims, keys.join, sizeof keys.join, error);
}

int
cr_cmd_token(int argc, char **argv)
{
    CrCommonOptions options = {0};
    TokenOptions o = {0};
    GOptionEntry entries[] = {
        {"role", 'r', 0, G_OPTION_ARG_STRING, &o.role, "instructor, trainee or coordinator",
         "ROLE"},
        {"user", 'u', 0, G_OPTION_ARG_STRING, &o.user, "Person id (sub)", "ID"},
        {"name", 'n', 0, G_OPTION_ARG_STRING, &o.name, "Display name", "NAME"},
        {"org", 'o', 0, G_OPTION_ARG_STRING, &o.org, "Organisation (optional)", "ORG"},
        {"session", 0, 0, G_OPTION_ARG_STRING, &o.session,
         "Session id (required for instructor and trainee)", "ID"},
        {"ttl", 't', 0, G_OPTION_ARG_STRING, &o.ttl, "Lifetime (default 3h)", "DURATION"},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context =
        g_option_context_new("- mint a join token and print it on stdout");
    g_option_context_add_main_entries(context, entries, NULL);
    cr_app_add_common_options(context, &options);
    int status = 2;
    if (cr_app_parse(context, &argc, &argv)) {
        g_autoptr(GError) error = NULL;
        g_autoptr(CrConfig) config = cr_app_load_config(&options, NULL, &error);
        g_autofree char *token = config != NULL ? mint(config, &o, &error) : NULL;
        if (token != NULL) {
            printf("%s\n", token);
            status = 0;
        } else {
            fprintf(stderr, "classrelay token: %s\n", error->message);
        }
    }
    cr_common_options_clear(&options);
    token_options_clear(&o);
    return status;
}
