/* fuzz-config.c — libFuzzer harness for the configuration loader
 * (config/config.c: cr_config_load_data, cr_config_set,
 * cr_config_split_listen).
 *
 * Single-threaded; no main here: libFuzzer supplies one under
 * -fsanitize=fuzzer, tests/fuzz/replay-main.c in the ordinary build. The
 * seed corpus in tests/fuzz/corpus/config/ holds small INI files: valid
 * ones and one of each kind of refusal.
 *
 * Checks, besides memory safety and leaks:
 * - a refused load sets a G_KEY_FILE_ERROR and leaves the configuration
 *   equal to the defaults, field by field through the key table;
 * - an accepted load gives values that pass their own validation (integers
 *   and numbers in range, strings valid UTF-8, listen splittable), and
 *   loading the same text again changes nothing;
 * - "name=value" on the first line, given to cr_config_set, either applies
 *   or leaves the defaults;
 * - cr_config_split_listen on the whole input accepts only an IP address
 *   and a port 0..65535.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELD(config, key, type) ((type *)((char *)(config) + (key)->offset))

static gboolean
field_equal(const CrConfig *a, const CrConfig *b, const CrConfigKey *key)
{
    switch (key->type) {
    case CR_CONFIG_STRING:
        return g_strcmp0(*FIELD(a, key, char *const), *FIELD(b, key, char *const)) == 0;
    case CR_CONFIG_INT:
        return *FIELD(a, key, const gint64) == *FIELD(b, key, const gint64);
    case CR_CONFIG_DOUBLE:
        return *FIELD(a, key, const double) == *FIELD(b, key, const double);
    case CR_CONFIG_BOOL:
        return *FIELD(a, key, const gboolean) == *FIELD(b, key, const gboolean);
    case CR_CONFIG_STRING_LIST: {
        char **x = *FIELD(a, key, char **const), **y = *FIELD(b, key, char **const);
        return x != NULL && y != NULL &&
               g_strv_equal((const char *const *)x, (const char *const *)y);
    }
    }
    return FALSE;
}

static void
check_equal(const CrConfig *a, const CrConfig *b, const char *what)
{
    gsize n;
    const CrConfigKey *keys = cr_config_keys(&n);
    for (gsize i = 0; i < n; i++) {
        if (!field_equal(a, b, &keys[i])) {
            g_printerr("%s: %s.%s differs\n", what, keys[i].section, keys[i].key);
            abort();
        }
    }
}

/* Every field holds a value its key accepts. */
static void
check_valid(const CrConfig *config)
{
    gsize n;
    const CrConfigKey *keys = cr_config_keys(&n);
    for (gsize i = 0; i < n; i++) {
        const CrConfigKey *k = &keys[i];
        gboolean ok = TRUE;
        switch (k->type) {
        case CR_CONFIG_STRING: {
            const char *s = *FIELD(config, k, char *const);
            ok = s != NULL && g_utf8_validate(s, -1, NULL) &&
                 (k->check == NULL || k->check(s, NULL));
            break;
        }
        case CR_CONFIG_INT: {
            gint64 v = *FIELD(config, k, const gint64);
            ok = (double)v >= k->min && (double)v <= k->max;
            break;
        }
        case CR_CONFIG_DOUBLE: {
            double v = *FIELD(config, k, const double);
            ok = v == v && v >= k->min && v <= k->max;
            break;
        }
        case CR_CONFIG_BOOL: {
            gboolean v = *FIELD(config, k, const gboolean);
            ok = v == TRUE || v == FALSE;
            break;
        }
        case CR_CONFIG_STRING_LIST: {
            char **v = *FIELD(config, k, char **const);
            ok = v != NULL;
            for (char **p = v; ok && *p != NULL; p++)
                ok = **p != '\0' && strchr(*p, ';') == NULL && g_utf8_validate(*p, -1, NULL) &&
                     !g_ascii_isspace((*p)[0]) && !g_ascii_isspace((*p)[strlen(*p) - 1]);
            break;
        }
        }
        if (!ok) {
            g_printerr("accepted an invalid %s.%s\n", k->section, k->key);
            abort();
        }
    }
    g_autofree char *addr = NULL;
    int port = -1;
    if (!cr_config_split_listen(config->server.listen, &addr, &port)) {
        g_printerr("accepted an unsplittable listen \"%s\"\n", config->server.listen);
        abort();
    }
}

static void
fuzz_load(const uint8_t *data, size_t size, const CrConfig *defaults)
{
    CrConfig *config = cr_config_new();
    GError *error = NULL;
    if (cr_config_load_data(config, (const char *)data, size, "fuzz.conf", &error)) {
        if (error != NULL)
            abort();
        check_valid(config);
        /* Loading the same text again is accepted and changes nothing. */
        CrConfig *again = cr_config_new();
        if (!cr_config_load_data(again, (const char *)data, size, "fuzz.conf", NULL) ||
            !cr_config_load_data(again, (const char *)data, size, "fuzz.conf", NULL))
            abort();
        check_equal(again, config, "reload");
        cr_config_free(again);
    } else {
        if (error == NULL || error->domain != G_KEY_FILE_ERROR || error->message == NULL ||
            !g_str_has_prefix(error->message, "fuzz.conf: "))
            abort();
        check_equal(config, defaults, "refused load");
        /* The defaults' spot checks the brief asks for, spelled out. */
        if (strcmp(config->server.listen, defaults->server.listen) != 0 ||
            config->server.heartbeat_seconds != defaults->server.heartbeat_seconds)
            abort();
        g_error_free(error);
    }
    cr_config_free(config);
}

static void
fuzz_set(const char *text, const CrConfig *defaults)
{
    const char *eq = strchr(text, '=');
    if (eq == NULL)
        return;
    const char *nl = strchr(eq, '\n');
    g_autofree char *name = g_strndup(text, (gsize)(eq - text));
    g_autofree char *value =
        nl != NULL ? g_strndup(eq + 1, (gsize)(nl - eq - 1)) : g_strdup(eq + 1);
    CrConfig *config = cr_config_new();
    GError *error = NULL;
    if (cr_config_set(config, name, value, &error)) {
        if (error != NULL)
            abort();
        check_valid(config);
    } else {
        if (error == NULL)
            abort();
        check_equal(config, defaults, "refused set");
        g_error_free(error);
    }
    cr_config_free(config);
}

static void
fuzz_split(const char *text)
{
    char *addr = NULL;
    int port = -1;
    if (cr_config_split_listen(text, &addr, &port)) {
        if (addr == NULL || port < 0 || port > 65535 || !g_hostname_is_ip_address(addr))
            abort();
        g_free(addr);
    } else if (addr != NULL || port != -1) {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    CrConfig *defaults = cr_config_new();
    fuzz_load(data, size, defaults);
    /* The string forms stop at the first NUL, as C strings do. */
    char *text = g_strndup((const char *)data, size);
    fuzz_set(text, defaults);
    fuzz_split(text);
    g_free(text);
    cr_config_free(defaults);
    return 0;
}
