/* setup.c — what every subcommand does first: options, configuration,
 * the data directory and the token secret. Main thread. */
#include "app/app.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/base64url.h"

void
cr_app_add_common_options(GOptionContext *context, CrCommonOptions *options)
{
    GOptionEntry entries[] = {
        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &options->config_file,
         "Read configuration from FILE (INI)", "FILE"},
        {"data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &options->data_dir,
         "Data directory (storage.data_dir)", "DIR"},
        {"set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &options->set,
         "Override a configuration key (repeatable)", "SECTION.KEY=VALUE"},
        G_OPTION_ENTRY_NULL,
    };
    g_option_context_add_main_entries(context, entries, NULL);
    g_autofree char *keys = cr_config_help();
    g_option_context_set_description(context, keys);
}

void
cr_common_options_clear(CrCommonOptions *options)
{
    g_free(options->config_file);
    g_free(options->data_dir);
    g_strfreev(options->set);
}

gboolean
cr_app_parse(GOptionContext *context, int *argc, char ***argv)
{
    g_autoptr(GError) error = NULL;
    if (g_option_context_parse(context, argc, argv, &error) && *argc <= 1)
        return TRUE;
    if (error != NULL)
        fprintf(stderr, "classrelay: %s\n", error->message);
    else
        fprintf(stderr, "classrelay: unexpected argument \"%s\"\n", (*argv)[1]);
    fprintf(stderr, "Run with --help for usage.\n");
    return FALSE;
}

static gboolean
apply_sets(CrConfig *config, const char *const *sets, GError **error)
{
    for (const char *const *s = sets; s != NULL && *s != NULL; s++) {
        const char *eq = strchr(*s, '=');
        if (eq == NULL) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "--set %s: expected SECTION.KEY=VALUE", *s);
            return FALSE;
        }
        g_autofree char *name = g_strndup(*s, (gsize)(eq - *s));
        if (!cr_config_set(config, name, eq + 1, error))
            return FALSE;
    }
    return TRUE;
}

CrConfig *
cr_app_load_config(const CrCommonOptions *options, const char *const *extra, GError **error)
{
    g_autoptr(CrConfig) config = cr_config_new();
    if (options->config_file != NULL && !cr_config_load_file(config, options->config_file, error))
        return NULL;
    if (options->data_dir != NULL &&
        !cr_config_set(config, "storage.data_dir", options->data_dir, error))
        return NULL;
    if (!apply_sets(config, (const char *const *)options->set, error) ||
        !apply_sets(config, extra, error))
        return NULL;
    return g_steal_pointer(&config);
}

gboolean
cr_app_prepare_data_dir(const CrConfig *config, GError **error)
{
    if (g_mkdir_with_parents(config->storage.data_dir, 0700) != 0) {
        int err = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
                    "cannot create data directory %s: %s", config->storage.data_dir,
                    g_strerror(err));
        return FALSE;
    }
    return TRUE;
}

/* Writes a new random secret with O_EXCL, so two processes starting at
 * once cannot each write a different one. */
static gboolean
generate_secret(const char *path, GError **error)
{
    guint8 random[48];
    FILE *urandom = fopen("/dev/urandom", "rb");
    gboolean ok = urandom != NULL && fread(random, 1, sizeof random, urandom) == sizeof random;
    if (urandom != NULL)
        fclose(urandom);
    if (!ok) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_IO, "cannot read /dev/urandom");
        return FALSE;
    }
    g_autofree char *text = cr_base64url_encode(random, sizeof random);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST; /* someone else just wrote it */
    gsize len = strlen(text);
    ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    close(fd);
    if (!ok)
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_IO, "cannot write %s", path);
    else
        g_message("generated a new token secret in %s", path);
    return ok;
}

gboolean
cr_app_load_keys(const CrConfig *config, CrAuthKeys *keys, GError **error)
{
    if (config->auth.secret[0] != '\0') {
        cr_auth_keys_derive(keys, config->auth.secret, strlen(config->auth.secret));
        return TRUE;
    }
    g_autofree char *path = g_build_filename(config->storage.data_dir, "secret", NULL);
    if (!g_file_test(path, G_FILE_TEST_EXISTS) &&
        (!cr_app_prepare_data_dir(config, error) || !generate_secret(path, error)))
        return FALSE;
    g_autofree char *secret = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &secret, &len, error))
        return FALSE;
    GStatBuf st;
    if (g_stat(path, &st) == 0 && (st.st_mode & 077) != 0)
        g_warning("%s is readable by other users; chmod 600 it", path);
    g_strchomp(secret);
    if (strlen(secret) < 32) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "%s: the secret must be at least 32 characters", path);
        return FALSE;
    }
    cr_auth_keys_derive(keys, secret, strlen(secret));
    return TRUE;
}
