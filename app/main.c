/* main.c — `classrelay [SUBCOMMAND] [OPTIONS]`: picks the subcommand.
 * Main thread. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"serve", cr_cmd_serve, "run the server (the default)"},
    {"token", cr_cmd_token, "mint a join token and print it"},
    {"report", cr_cmd_report, "print an attendance report (CSV or JSON)"},
    {"recordings", cr_cmd_recordings, "list, verify or repair recordings"},
    {"check-config", cr_cmd_check_config, "validate a configuration file"},
    {"sample-config", cr_cmd_sample_config, "print the documented sample configuration"},
    {"version", cr_cmd_version, "print the version"},
};

static void
usage(FILE *out)
{
    fprintf(out, "Usage: classrelay [SUBCOMMAND] [OPTIONS]\n\nSubcommands:\n");
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
        fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun `classrelay SUBCOMMAND --help` for its options.\n");
}

int
main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
                     strcmp(argv[1], "help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--version") == 0)
        return cr_cmd_version(argc, argv);
    if (argc < 2 || argv[1][0] == '-')
        return cr_cmd_serve(argc, argv);
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "classrelay: unknown subcommand \"%s\"\n\n", argv[1]);
    usage(stderr);
    return 2;
}
