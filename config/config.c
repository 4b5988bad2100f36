/* config.c — parsing, validation and text output of the configuration.
 *
 * Everything is driven by the table in config-table.c. Runs on whichever
 * thread builds the configuration (the main thread at start); the result
 * is then read-only.
 */
#include "config/config-private.h"

#include <errno.h>
#include <stdlib.h>

#define FIELD(config, key, type) ((type *)((char *)(config) + (key)->offset))

static const CrConfigKey *
find_key(const char *section, const char *name)
{
    gsize n;
    const CrConfigKey *keys = cr_config_keys(&n);
    for (gsize i = 0; i < n; i++) {
        if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].key, name) == 0)
            return &keys[i];
    }
    return NULL;
}

static gboolean
parse_int(const char *text, gint64 *out)
{
    char *end = NULL;
    errno = 0;
    gint64 v = g_ascii_strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0')
        return FALSE;
    *out = v;
    return TRUE;
}

static gboolean
parse_double(const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = g_ascii_strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || v != v)
        return FALSE;
    *out = v;
    return TRUE;
}

static gboolean
parse_bool(const char *text, gboolean *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (gsize i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (g_ascii_strcasecmp(text, yes[i]) == 0) {
            *out = TRUE;
            return TRUE;
        }
        if (g_ascii_strcasecmp(text, no[i]) == 0) {
            *out = FALSE;
            return TRUE;
        }
    }
    return FALSE;
}

static char **
parse_list(const char *text)
{
    g_auto(GStrv) parts = g_strsplit(text, ";", -1);
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
    for (char **p = parts; *p != NULL; p++) {
        char *item = g_strstrip(*p);
        if (*item != '\0')
            g_strv_builder_add(builder, item);
    }
    return g_strv_builder_end(builder);
}

static const char *
type_name(CrConfigType type)
{
    static const char *const names[] = {"string", "integer", "number", "boolean",
                                        "list"};
    return names[type];
}

/* Parses @value for @key and stores it in @config. On error nothing is
 * stored and @error names the key and the reason. */
static gboolean
assign(CrConfig *config, const CrConfigKey *key, const char *value, GError **error)
{
    g_autoptr(GError) local = NULL;
    const char *why = NULL;
    gint64 i = 0;
    double d = 0;
    gboolean b = FALSE;

    switch (key->type) {
    case CR_CONFIG_STRING:
        if (key->check != NULL && !key->check(value, &local))
            why = local->message;
        else if (!g_utf8_validate(value, -1, NULL))
            why = "is not valid UTF-8";
        break;
    case CR_CONFIG_INT:
        if (!parse_int(value, &i))
            why = "must be an integer";
        else if ((double)i < key->min || (double)i > key->max)
            why = "is out of range";
        break;
    case CR_CONFIG_DOUBLE:
        if (!parse_double(value, &d))
            why = "must be a number";
        else if (d < key->min || d > key->max)
            why = "is out of range";
        break;
    case CR_CONFIG_BOOL:
        if (!parse_bool(value, &b))
            why = "must be true or false";
        break;
    case CR_CONFIG_STRING_LIST:
        if (!g_utf8_validate(value, -1, NULL))
            why = "is not valid UTF-8";
        break;
    }
    if (why != NULL) {
        if (key->type == CR_CONFIG_INT || key->type == CR_CONFIG_DOUBLE)
            g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                        "%s.%s = \"%s\": %s (allowed %.15g to %.15g)", key->section, key->key, value,
                        why, key->min, key->max);
        else
            g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                        "%s.%s = \"%s\": %s", key->section, key->key, value, why);
        return FALSE;
    }

    switch (key->type) {
    case CR_CONFIG_STRING:
        g_free(*FIELD(config, key, char *));
        *FIELD(config, key, char *) = g_strdup(value);
        break;
    case CR_CONFIG_INT:
        *FIELD(config, key, gint64) = i;
        break;
    case CR_CONFIG_DOUBLE:
        *FIELD(config, key, double) = d;
        break;
    case CR_CONFIG_BOOL:
        *FIELD(config, key, gboolean) = b;
        break;
    case CR_CONFIG_STRING_LIST:
        g_strfreev(*FIELD(config, key, char **));
        *FIELD(config, key, char **) = parse_list(value);
        break;
    }
    return TRUE;
}

CrConfig *
cr_config_new(void)
{
    CrConfig *config = g_new0(CrConfig, 1);
    gsize n;
    const CrConfigKey *keys = cr_config_keys(&n);
    for (gsize i = 0; i < n; i++) {
        g_autoptr(GError) error = NULL;
        if (!assign(config, &keys[i], keys[i].default_value, &error))
            g_error("bad embedded default: %s", error->message);
    }
    return config;
}

static void
clear_fields(CrConfig *config)
{
    gsize n;
    const CrConfigKey *keys = cr_config_keys(&n);
    for (gsize i = 0; i < n; i++) {
        if (keys[i].type == CR_CONFIG_STRING)
            g_clear_pointer(FIELD(config, &keys[i], char *), g_free);
        else if (keys[i].type == CR_CONFIG_STRING_LIST)
            g_clear_pointer(FIELD(config, &keys[i], char **), g_strfreev);
    }
}

void
cr_config_free(CrConfig *config)
{
    if (config == NULL)
        return;
    clear_fields(config);
    g_free(config);
}

static CrConfig *
config_copy(const CrConfig *config)
{
    CrConfig *copy = g_memdup2(config, sizeof *config);
    gsize n;
    const CrConfigKey *keys = cr_config_keys(&n);
    for (gsize i = 0; i < n; i++) {
        if (keys[i].type == CR_CONFIG_STRING)
            *FIELD(copy, &keys[i], char *) = g_strdup(*FIELD(config, &keys[i], char *));
        else if (keys[i].type == CR_CONFIG_STRING_LIST)
            *FIELD(copy, &keys[i], char **) = g_strdupv(*FIELD(config, &keys[i], char **));
    }
    return copy;
}

/* Moves @from's values into @to and frees @from. */
static void
config_take(CrConfig *to, CrConfig *from)
{
    clear_fields(to);
    *to = *from;
    g_free(from);
}

static gboolean
section_known(const char *section)
{
    gsize n;
    const CrConfigKey *keys = cr_config_keys(&n);
    for (gsize i = 0; i < n; i++) {
        if (strcmp(keys[i].section, section) == 0)
            return TRUE;
    }
    return FALSE;
}

static gboolean
load_keyfile(CrConfig *config, GKeyFile *file, const char *path, GError **error)
{
    g_autoptr(GString) unknown = g_string_new(NULL);
    g_auto(GStrv) groups = g_key_file_get_groups(file, NULL);
    for (char **g = groups; *g != NULL; g++) {
        if (!section_known(*g)) {
            g_string_append_printf(unknown, "%s[%s]", unknown->len ? ", " : "", *g);
            continue;
        }
        g_auto(GStrv) names = g_key_file_get_keys(file, *g, NULL, NULL);
        for (char **k = names; names != NULL && *k != NULL; k++) {
            const CrConfigKey *key = find_key(*g, *k);
            if (key == NULL) {
                g_string_append_printf(unknown, "%s%s.%s", unknown->len ? ", " : "", *g, *k);
                continue;
            }
            g_autoptr(GError) local = NULL;
            g_autofree char *value = g_key_file_get_string(file, *g, *k, &local);
            /* Trailing blanks are invisible in an editor; do not let them
             * turn "10 " into "must be an integer". */
            if (value == NULL || !assign(config, key, g_strstrip(value), &local)) {
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s: %s",
                            path, local->message);
                return FALSE;
            }
        }
    }
    if (unknown->len > 0) {
        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                    "%s: unknown configuration keys: %s", path, unknown->str);
        return FALSE;
    }
    return TRUE;
}

gboolean
cr_config_load_data(CrConfig *config, const char *data, gsize len, const char *path,
                    GError **error)
{
    g_autoptr(GKeyFile) file = g_key_file_new();
    g_autoptr(GError) local = NULL;
    if (!g_utf8_validate_len(data, len, NULL)) {
        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s: not valid UTF-8",
                    path);
        return FALSE;
    }
    /* KEEP_TRANSLATIONS: otherwise "key[de] = ..." vanishes silently (or not,
     * depending on the locale) instead of being refused as unknown. */
    if (!g_key_file_load_from_data(file, data, len, G_KEY_FILE_KEEP_TRANSLATIONS, &local)) {
        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s: %s", path,
                    local->message);
        return FALSE;
    }
    CrConfig *work = config_copy(config);
    if (!load_keyfile(work, file, path, error)) {
        cr_config_free(work);
        return FALSE;
    }
    config_take(config, work);
    return TRUE;
}

gboolean
cr_config_load_file(CrConfig *config, const char *path, GError **error)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &data, &len, error))
        return FALSE;
    return cr_config_load_data(config, data, len, path, error);
}

gboolean
cr_config_set(CrConfig *config, const char *name, const char *value, GError **error)
{
    const char *dot = strchr(name, '.');
    g_autofree char *section = dot ? g_strndup(name, (gsize)(dot - name)) : NULL;
    const CrConfigKey *key = dot ? find_key(section, dot + 1) : NULL;
    if (key == NULL) {
        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                    "unknown configuration key \"%s\" (expected section.key)", name);
        return FALSE;
    }
    return assign(config, key, value, error);
}

char *
cr_config_sample(void)
{
    gsize n;
    const CrConfigKey *keys = cr_config_keys(&n);
    GString *out = g_string_new(
        "# classrelay configuration (INI). Every key is optional: the value shown\n"
        "# is the embedded default. Command-line flags override this file\n"
        "# (`classrelay serve --set section.key=value`).\n"
        "# Generated from config/config-table.c by `classrelay sample-config`.\n");
    const char *section = "";
    for (gsize i = 0; i < n; i++) {
        if (strcmp(section, keys[i].section) != 0) {
            section = keys[i].section;
            g_string_append_printf(out, "\n[%s]\n", section);
        }
        g_string_append_printf(out, "\n# %s (%s", keys[i].doc, type_name(keys[i].type));
        if (keys[i].type == CR_CONFIG_INT || keys[i].type == CR_CONFIG_DOUBLE)
            g_string_append_printf(out, ", %.15g to %.15g", keys[i].min, keys[i].max);
        g_string_append(out, ")\n");
        g_string_append_printf(out, "#%s = %s\n", keys[i].key, keys[i].default_value);
    }
    return g_string_free(out, FALSE);
}

char *
cr_config_markdown(void)
{
    gsize n;
    const CrConfigKey *keys = cr_config_keys(&n);
    GString *out = g_string_new(
        "# Configuration\n\n"
        "classrelay reads an INI file (`--config FILE`); every key is optional and\n"
        "the defaults below need no file at all. Command-line flags override the\n"
        "file: `--listen`, `--data-dir` and, for any key, `--set section.key=value`.\n"
        "Invalid values, unknown sections and unknown keys are refused at start\n"
        "with a message naming the key; `classrelay check-config FILE` checks a\n"
        "file without starting. The documented sample is\n"
        "`config/classrelay.conf.sample`.\n\n"
        "This page is generated from the table in `config/config-table.c`\n"
        "(`classrelay sample-config --markdown`); a test keeps them equal.\n");
    const char *section = "";
    for (gsize i = 0; i < n; i++) {
        if (strcmp(section, keys[i].section) != 0) {
            section = keys[i].section;
            g_string_append_printf(out, "\n## [%s]\n\n| key | type | default | allowed | "
                                        "meaning |\n|---|---|---|---|---|\n",
                                   section);
        }
        g_autofree char *range = keys[i].type == CR_CONFIG_INT || keys[i].type == CR_CONFIG_DOUBLE
                                     ? g_strdup_printf("%.15g to %.15g", keys[i].min, keys[i].max)
                                     : g_strdup("");
        g_string_append_printf(out, "| `%s` | %s | `%s` | %s | %s |\n", keys[i].key,
                               type_name(keys[i].type), keys[i].default_value, range,
                               keys[i].doc);
    }
    return g_string_free(out, FALSE);
}

char *
cr_config_help(void)
{
    gsize n;
    const CrConfigKey *keys = cr_config_keys(&n);
    GString *out = g_string_new("Configuration keys (file or --set section.key=value):\n");
    for (gsize i = 0; i < n; i++) {
        g_autofree char *name = g_strdup_printf("%s.%s", keys[i].section, keys[i].key);
        g_string_append_printf(out, "  %-36s %s [%s, default \"%s\"]\n", name, keys[i].doc,
                               type_name(keys[i].type), keys[i].default_value);
    }
    return g_string_free(out, FALSE);
}

char *
cr_config_database_path(const CrConfig *config)
{
    if (g_path_is_absolute(config->storage.database))
        return g_strdup(config->storage.database);
    return g_build_filename(config->storage.data_dir, config->storage.database, NULL);
}

char *
cr_config_recordings_dir(const CrConfig *config)
{
    if (g_path_is_absolute(config->recording.dir))
        return g_strdup(config->recording.dir);
    return g_build_filename(config->storage.data_dir, config->recording.dir, NULL);
}

gboolean
cr_config_split_listen(const char *listen, char **addr, int *port)
{
    const char *colon = strrchr(listen, ':');
    if (colon == NULL || colon == listen)
        return FALSE;
    gint64 p = 0;
    /* Digits only: strtoll alone would also take " 80", "+80" and "-0". */
    if (colon[1] == '\0' || strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
        !parse_int(colon + 1, &p) || p < 0 || p > 65535)
        return FALSE;
    g_autofree char *host = g_strndup(listen, (gsize)(colon - listen));
    if (host[0] == '[') {
        gsize l = strlen(host);
        if (l < 3 || host[l - 1] != ']')
            return FALSE;
        char *inner = g_strndup(host + 1, l - 2);
        g_free(host);
        host = inner;
        if (!g_hostname_is_ip_address(host) || strchr(host, ':') == NULL)
            return FALSE;
    } else if (!g_hostname_is_ip_address(host) || strchr(host, ':') != NULL) {
        return FALSE;
    }
    *addr = g_steal_pointer(&host);
    *port = (int)p;
    return TRUE;
}
