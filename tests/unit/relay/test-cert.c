/* test-cert.c — tests for relay/cert.c: generated certificates, the SDP
 * fingerprint form, and PEM files written to a temporary directory.
 *
 * Single-threaded GTest.
 */
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <openssl/ec.h>
#include <openssl/x509.h>

#include "common/error.h"
#include "relay/cert.h"

#define DAY (24 * 3600)

/* Seconds from now to @t (negative: in the past). */
static int
seconds_from_now(const ASN1_TIME *t)
{
    int days = 0, secs = 0;
    g_assert_true(ASN1_TIME_diff(&days, &secs, NULL, t));
    return days * DAY + secs;
}

static void
test_generate(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CrCert) cert = cr_cert_generate(&error);
    g_assert_no_error(error);
    X509 *x509 = cr_cert_x509(cert);

    /* ECDSA P-256. */
    EVP_PKEY *pkey = cr_cert_pkey(cert);
    char group[64] = "";
    g_assert_cmpint(EVP_PKEY_get_base_id(pkey), ==, EVP_PKEY_EC);
    g_assert_true(EVP_PKEY_get_group_name(pkey, group, sizeof group, NULL));
    g_assert_cmpstr(group, ==, "prime256v1");
    g_assert_cmpint(X509_check_private_key(x509, pkey), ==, 1);
    g_assert_cmpint(X509_get_signature_nid(x509), ==, NID_ecdsa_with_SHA256);

    /* Self-signed v3, CN=classrelay, valid 30 days back to a year ahead. */
    char cn[64] = "";
    g_assert_cmpint(X509_get_version(x509), ==, X509_VERSION_3);
    g_assert_cmpint(
        X509_NAME_get_text_by_NID(X509_get_subject_name(x509), NID_commonName, cn, sizeof cn), ==,
        10);
    g_assert_cmpstr(cn, ==, "classrelay");
    g_assert_cmpint(X509_NAME_cmp(X509_get_subject_name(x509), X509_get_issuer_name(x509)), ==, 0);
    g_assert_cmpint(X509_verify(x509, pkey), ==, 1);
    int before = seconds_from_now(X509_get0_notBefore(x509));
    int after = seconds_from_now(X509_get0_notAfter(x509));
    g_assert_cmpint(before, <=, -30 * DAY + 60);
    g_assert_cmpint(before, >=, -30 * DAY - 60);
    g_assert_cmpint(after, >=, 365 * DAY - 60);
    g_assert_cmpint(after, <=, 365 * DAY + 60);

    /* A positive serial; a second certificate has another serial and key. */
    const ASN1_INTEGER *serial = X509_get0_serialNumber(x509);
    int64_t value = 0;
    g_assert_cmpint(ASN1_INTEGER_get_int64(&value, serial), ==, 1);
    g_assert_cmpint(value, >, 0);
    g_autoptr(CrCert) other = cr_cert_generate(&error);
    g_assert_no_error(error);
    g_assert_cmpint(ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(cr_cert_x509(other))), !=, 0);
    guint8 fp1[CR_CERT_FINGERPRINT_LEN], fp2[CR_CERT_FINGERPRINT_LEN];
    cr_cert_fingerprint_sha256(cert, fp1);
    cr_cert_fingerprint_sha256(other, fp2);
    g_assert_true(memcmp(fp1, fp2, sizeof fp1) != 0);
}

/* The fingerprint is SHA-256 over the DER encoding (RFC 8122 §5). */
static void
test_fingerprint_is_sha256_of_der(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CrCert) cert = cr_cert_generate(&error);
    g_assert_no_error(error);
    unsigned char *der = NULL;
    int der_len = i2d_X509(cr_cert_x509(cert), &der);
    g_assert_cmpint(der_len, >, 0);

    g_autoptr(GChecksum) sha = g_checksum_new(G_CHECKSUM_SHA256);
    guint8 expected[CR_CERT_FINGERPRINT_LEN];
    gsize expected_len = sizeof expected;
    g_checksum_update(sha, der, der_len);
    g_checksum_get_digest(sha, expected, &expected_len);
    OPENSSL_free(der);

    guint8 fp[CR_CERT_FINGERPRINT_LEN];
    cr_cert_fingerprint_sha256(cert, fp);
    g_assert_cmpmem(fp, sizeof fp, expected, expected_len);
}

static void
test_fingerprint_format(void)
{
    guint8 fp[CR_CERT_FINGERPRINT_LEN];
    for (gsize i = 0; i < sizeof fp; i++)
        fp[i] = (guint8)(i * 0x11 + 0x0a);

    g_autofree char *text = cr_cert_fingerprint_format(fp);
    g_assert_cmpuint(strlen(text), ==, CR_CERT_FINGERPRINT_TEXT_LEN);
    g_assert_cmpuint(strlen(text), ==, 95);
    g_assert_cmpstr(text, ==,
                    "0A:1B:2C:3D:4E:5F:70:81:92:A3:B4:C5:D6:E7:F8:09:"
                    "1A:2B:3C:4D:5E:6F:80:91:A2:B3:C4:D5:E6:F7:08:19");

    const guint8 edge[CR_CERT_FINGERPRINT_LEN] = {0x00, 0xff};
    g_autofree char *edge_text = cr_cert_fingerprint_format(edge);
    g_assert_true(g_str_has_prefix(edge_text, "00:FF:00:"));
    g_assert_true(g_str_has_suffix(edge_text, ":00:00"));
}

static void
test_ref_counting(void)
{
    g_autoptr(GError) error = NULL;
    CrCert *cert = cr_cert_generate(&error);
    g_assert_no_error(error);
    g_assert_true(cr_cert_ref(cert) == cert);
    cr_cert_unref(cert);
    g_assert_nonnull(cr_cert_x509(cert)); /* still alive: one reference left */
    cr_cert_unref(cert);
    cr_cert_unref(NULL);
}

static char *
write_file(const char *dir, const char *name, const char *contents)
{
    g_autoptr(GError) error = NULL;
    char *path = g_build_filename(dir, name, NULL);
    g_assert_true(g_file_set_contents(path, contents, -1, &error));
    g_assert_no_error(error);
    return path;
}

static void
test_save_and_load(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("cr-cert-XXXXXX", &error);
    g_assert_no_error(error);
    g_autofree char *cert_path = g_build_filename(dir, "cert.pem", NULL);
    g_autofree char *key_path = g_build_filename(dir, "key.pem", NULL);

    g_autoptr(CrCert) cert = cr_cert_generate(&error);
    g_assert_no_error(error);
    g_assert_true(cr_cert_save(cert, cert_path, key_path, &error));
    g_assert_no_error(error);

    GStatBuf st;
    g_assert_cmpint(g_stat(key_path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
    g_autofree char *pem = NULL;
    g_assert_true(g_file_get_contents(cert_path, &pem, NULL, NULL));
    g_assert_true(g_str_has_prefix(pem, "-----BEGIN CERTIFICATE-----\n"));

    g_autoptr(CrCert) loaded = cr_cert_load(cert_path, key_path, &error);
    g_assert_no_error(error);
    guint8 fp1[CR_CERT_FINGERPRINT_LEN], fp2[CR_CERT_FINGERPRINT_LEN];
    cr_cert_fingerprint_sha256(cert, fp1);
    cr_cert_fingerprint_sha256(loaded, fp2);
    g_assert_cmpmem(fp1, sizeof fp1, fp2, sizeof fp2);
    g_assert_cmpint(EVP_PKEY_eq(cr_cert_pkey(cert), cr_cert_pkey(loaded)), ==, 1);

    g_assert_cmpint(g_unlink(cert_path), ==, 0);
    g_assert_cmpint(g_unlink(key_path), ==, 0);
    g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void
test_load_errors(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("cr-cert-XXXXXX", &error);
    g_assert_no_error(error);
    g_autofree char *a_cert = g_build_filename(dir, "a.pem", NULL);
    g_autofree char *a_key = g_build_filename(dir, "a.key", NULL);
    g_autofree char *b_cert = g_build_filename(dir, "b.pem", NULL);
    g_autofree char *b_key = g_build_filename(dir, "b.key", NULL);
    g_autofree char *missing = g_build_filename(dir, "missing.pem", NULL);
    g_autofree char *junk = write_file(dir, "junk.pem", "not a PEM file\n");

    g_autoptr(CrCert) a = cr_cert_generate(&error);
    g_assert_no_error(error);
    g_autoptr(CrCert) b = cr_cert_generate(&error);
    g_assert_no_error(error);
    g_assert_true(cr_cert_save(a, a_cert, a_key, &error));
    g_assert_true(cr_cert_save(b, b_cert, b_key, &error));
    g_assert_no_error(error);

    const char *const cases[][3] = {
        {missing, a_key, "cannot read the certificate"},
        {a_cert, missing, "cannot read the private key"},
        {junk, a_key, "no PEM certificate"},
        {a_cert, junk, "no usable PEM private key"},
        {a_key, a_key, "no PEM certificate"},
        {a_cert, a_cert, "no usable PEM private key"},
        {a_cert, b_key, "does not match"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        CrCert *cert = cr_cert_load(cases[i][0], cases[i][1], &error);
        g_assert_null(cert);
        g_assert_error(error, CR_ERROR, CR_ERROR_INTERNAL);
        if (strstr(error->message, cases[i][2]) == NULL)
            g_error("case %" G_GSIZE_FORMAT ": \"%s\" lacks \"%s\"", i, error->message,
                    cases[i][2]);
        g_clear_error(&error);
    }

    /* Saving into a directory that does not exist fails cleanly. */
    g_autofree char *nowhere = g_build_filename(dir, "no", "such", "cert.pem", NULL);
    g_assert_false(cr_cert_save(a, nowhere, nowhere, &error));
    g_assert_error(error, CR_ERROR, CR_ERROR_INTERNAL);

    const char *const files[] = {a_cert, a_key, b_cert, b_key, junk};
    for (gsize i = 0; i < G_N_ELEMENTS(files); i++)
        g_assert_cmpint(g_unlink(files[i]), ==, 0);
    g_assert_cmpint(g_rmdir(dir), ==, 0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cert/generate", test_generate);
    g_test_add_func("/cert/fingerprint/sha256-of-der", test_fingerprint_is_sha256_of_der);
    g_test_add_func("/cert/fingerprint/format", test_fingerprint_format);
    g_test_add_func("/cert/ref-counting", test_ref_counting);
    g_test_add_func("/cert/save-and-load", test_save_and_load);
    g_test_add_func("/cert/load-errors", test_load_errors);
    return g_test_run();
}
