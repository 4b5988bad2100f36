/* cmd-misc.c — `check-config`, `sample-config` and `version`. Main thread. */
#include "app/app.h"

#include <stdio.h>

#include "cr-build-config.h"

int
cr_cmd_check_config(int argc, char **argv)
{
    CrCommonOptions options = {0};
    g_autoptr(GOptionContext) context =
        g_option_context_new("FILE - validate a configuration file");
    cr_app_add_common_options(context, &options);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(context, &argc, &argv, &error) || argc != 2) {
        fprintf(stderr, "classrelay check-config: %s\n",
                error != NULL ? error->message : "expected one FILE");
        cr_common_options_clear(&options);
        return 2;
    }
    g_free(options.config_file);
    options.config_file = g_strdup(argv[1]);
    g_autoptr(CrConfig) config = cr_app_load_config(&options, NULL, &error);
    cr_common_options_clear(&options);
    if (config == NULL) {
        fprintf(stderr, "classrelay check-config: %s\n", error->message);
        return 1;
    }
    printf("%s: OK\n", argv[1]);
    return 0;
}

int
cr_cmd_sample_config(int argc, char **argv)
{
    gboolean markdown = FALSE;
    GOptionEntry entries[] = {
        {"markdown", 0, 0, G_OPTION_ARG_NONE, &markdown,
         "Print docs/configuration.md instead", NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context =
        g_option_context_new("- print the documented sample configuration");
    g_option_context_add_main_entries(context, entries, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(context, &argc, &argv, &error) || argc != 1) {
        fprintf(stderr, "classrelay sample-config: %s\n",
                error != NULL ? error->message : "unexpected argument");
        return 2;
    }
    g_autofree char *sample = markdown ? cr_config_markdown() : cr_config_sample();
    fputs(sample, stdout);
    return 0;
}

int
cr_cmd_version(int argc, char **argv)
{
    printf("classrelay %s\n", CR_VERSION);
    return 0;
}
