/* app.h — the command-line tool's shared set-up (app/setup.c) and its
 * subcommands (app/cmd-*.c). Main thread only. app/ is the one place that
 * knows every module. */
#pragma once

#include <glib.h>

#include "config/config.h"
#include "signaling/signaling.h"

G_BEGIN_DECLS

/* Options every subcommand takes. */
typedef struct {
    char *config_file;
    char *data_dir;
    char **set; /* "section.key=value" */
} CrCommonOptions;

/* Adds --config, --data-dir and --set to @context. */
void cr_app_add_common_options(GOptionContext *context, CrCommonOptions *options);
void cr_common_options_clear(CrCommonOptions *options);

/* Builds the configuration: defaults, then the file, then --data-dir and
 * --set, then @extra ("section.key=value" pairs, may be NULL). */
CrConfig *cr_app_load_config(const CrCommonOptions *options, const char *const *extra,
                             GError **error);

/* Creates the data directory (mode 0700) if needed. */
gboolean cr_app_prepare_data_dir(const CrConfig *config, GError **error);

/* The token secret: auth.secret, else DATA_DIR/secret, generated (0600)
 * on first use. */
gboolean cr_app_load_keys(const CrConfig *config, CrAuthKeys *keys, GError **error);

/* Parses @argv with @context, whose help text lists the configuration
 * keys. Prints the error and returns FALSE on bad usage. */
gboolean cr_app_parse(GOptionContext *context, int *argc, char ***argv);

int cr_cmd_serve(int argc, char **argv);
int cr_cmd_token(int argc, char **argv);
int cr_cmd_report(int argc, char **argv);
int cr_cmd_recordings(int argc, char **argv);
int cr_cmd_check_config(int argc, char **argv);
int cr_cmd_sample_config(int argc, char **argv);
int cr_cmd_version(int argc, char **argv);

G_END_DECLS
