/* cert.c — see cert.h. RFC 8122 §5 (fingerprint syntax), RFC 8827 §6.5
 * (self-signed certificates identified by fingerprint), RFC 5280 (X.509).
 *
 * Thread: any. A CrCert never changes after it is made; the reference
 * count is atomic, so workers may share and drop it concurrently.
 */
#include "relay/cert.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "common/error.h"

#define CERT_COMMON_NAME     "classrelay"
#define VALID_BEFORE_SECONDS (30L * 24 * 3600) /* peers with a slow clock */
#define VALID_AFTER_SECONDS  (365L * 24 * 3600)
#define SERIAL_BITS          63 /* positive and fits in 8 DER bytes */

struct _CrCert {
    gint ref_count; /* atomic */
    EVP_PKEY *pkey;
    X509 *x509;
    guint8 fingerprint[CR_CERT_FINGERPRINT_LEN];
};

/* Sets @error to "@what: <the last OpenSSL error>" and empties this
 * thread's OpenSSL error queue. */
static void
set_openssl_error(GError **error, const char *what)
{
    char detail[256] = "unknown error";
    unsigned long code = ERR_peek_last_error();

    if (code != 0)
        ERR_error_string_n(code, detail, sizeof detail);
    ERR_clear_error();
    g_set_error(error, CR_ERROR, CR_ERROR_INTERNAL, "%s: %s", what, detail);
}

/* Takes ownership of @pkey and @x509 (both non-NULL). */
static CrCert *
cert_wrap(EVP_PKEY *pkey, X509 *x509, GError **error)
{
    CrCert *cert = g_new0(CrCert, 1);
    unsigned int len = 0;

    cert->ref_count = 1;
    cert->pkey = pkey;
    cert->x509 = x509;
    if (!X509_digest(x509, EVP_sha256(), cert->fingerprint, &len) ||
        len != CR_CERT_FINGERPRINT_LEN) {
        set_openssl_error(error, "cannot compute the certificate fingerprint");
        cr_cert_unref(cert);
        return NULL;
    }
    return cert;
}

/* A random positive serial number (RFC 5280 §4.1.2.2: at most 20 octets,
 * positive; random so that two certificates of ours never share one). */
static gboolean
set_random_serial(X509 *x509)
{
    BIGNUM *bn = BN_new();
    gboolean ok = FALSE;

    if (bn != NULL && BN_rand(bn, SERIAL_BITS, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY)) {
        if (BN_is_zero(bn))
            BN_one(bn);
        ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x509)) != NULL;
    }
    BN_free(bn);
    return ok;
}

/* Fills and signs a self-signed v3 certificate for @pkey. */
static gboolean
build_self_signed(X509 *x509, EVP_PKEY *pkey)
{
    X509_NAME *name = X509_get_subject_name(x509);

    return X509_set_version(x509, X509_VERSION_3) && set_random_serial(x509) &&
           X509_gmtime_adj(X509_getm_notBefore(x509), -VALID_BEFORE_SECONDS) != NULL &&
           X509_gmtime_adj(X509_getm_notAfter(x509), VALID_AFTER_SECONDS) != NULL &&
           X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                      (const unsigned char *)CERT_COMMON_NAME, -1, -1, 0) &&
           X509_set_issuer_name(x509, name) && X509_set_pubkey(x509, pkey) &&
           X509_sign(x509, pkey, EVP_sha256()) > 0;
}

CrCert *
cr_cert_generate(GError **error)
{
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    ERR_clear_error();
    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    if (pkey == NULL) {
        set_openssl_error(error, "cannot generate an ECDSA P-256 key");
        return NULL;
    }
    X509 *x509 = X509_new();
    if (x509 == NULL || !build_self_signed(x509, pkey)) {
        set_openssl_error(error, "cannot make a self-signed certificate");
        X509_free(x509);
        EVP_PKEY_free(pkey);
        return NULL;
    }
    return cert_wrap(pkey, x509, error);
}

/* The contents of @path, or NULL with @error set. */
static char *
read_file(const char *path, const char *what, gsize *len, GError **error)
{
    g_autoptr(GError) local = NULL;
    char *data = NULL;

    if (!g_file_get_contents(path, &data, len, &local)) {
        g_set_error(error, CR_ERROR, CR_ERROR_INTERNAL, "cannot read the %s: %s", what,
                    local->message);
        return NULL;
    }
    return data;
}

static X509 *
load_x509(const char *path, GError **error)
{
    gsize len = 0;
    g_autofree char *pem = read_file(path, "certificate", &len, error);
    if (pem == NULL)
        return NULL;

    BIO *bio = BIO_new_mem_buf(pem, (int)MIN(len, (gsize)G_MAXINT));
    X509 *x509 = bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (x509 == NULL) {
        g_autofree char *what = g_strdup_printf("no PEM certificate in %s", path);
        set_openssl_error(error, what);
    }
    return x509;
}

static EVP_PKEY *
load_pkey(const char *path, GError **error)
{
    gsize len = 0;
    char *pem = read_file(path, "private key", &len, error);
    if (pem == NULL)
        return NULL;

    BIO *bio = BIO_new_mem_buf(pem, (int)MIN(len, (gsize)G_MAXINT));
    /* No passphrase callback: an encrypted key fails instead of prompting. */
    EVP_PKEY *pkey = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"") : NULL;
    BIO_free(bio);
    OPENSSL_cleanse(pem, len);
    g_free(pem);
    if (pkey == NULL) {
        g_autofree char *what = g_strdup_printf("no usable PEM private key in %s", path);
        set_openssl_error(error, what);
    }
    return pkey;
}

CrCert *
cr_cert_load(const char *cert_path, const char *key_path, GError **error)
{
    g_return_val_if_fail(cert_path != NULL && key_path != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    ERR_clear_error();
    X509 *x509 = load_x509(cert_path, error);
    if (x509 == NULL)
        return NULL;
    EVP_PKEY *pkey = load_pkey(key_path, error);
    if (pkey == NULL) {
        X509_free(x509);
        return NULL;
    }
    if (!X509_check_private_key(x509, pkey)) {
        g_autofree char *what = g_strdup_printf(
            "the key in %s does not match the certificate in %s", key_path, cert_path);
        set_openssl_error(error, what);
        X509_free(x509);
        EVP_PKEY_free(pkey);
        return NULL;
    }
    return cert_wrap(pkey, x509, error);
}

/* Writes what @write_pem puts in a memory BIO to @path with @mode. */
static gboolean
save_pem(const char *path, int mode, gboolean secret, int (*write_pem)(BIO *, const void *),
         const void *object, GError **error)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;
    long len = 0;
    g_autoptr(GError) local = NULL;
    gboolean ok = FALSE;

    if (bio == NULL || !write_pem(bio, object) || (len = BIO_get_mem_data(bio, &data)) <= 0) {
        set_openssl_error(error, "cannot encode PEM");
    } else if (!g_file_set_contents_full(path, data, len, G_FILE_SET_CONTENTS_CONSISTENT, mode,
                                         &local)) {
        g_set_error(error, CR_ERROR, CR_ERROR_INTERNAL, "%s", local->message);
    } else {
        ok = TRUE;
    }
    if (secret && data != NULL && len > 0)
        OPENSSL_cleanse(data, (size_t)len);
    BIO_free(bio);
    return ok;
}

static int
write_x509(BIO *bio, const void *object)
{
    return PEM_write_bio_X509(bio, (X509 *)object);
}

static int
write_pkey(BIO *bio, const void *object)
{
    /* PKCS#8, unencrypted: the file mode protects it. */
    return PEM_write_bio_PrivateKey(bio, (EVP_PKEY *)object, NULL, NULL, 0, NULL, NULL);
}

gboolean
cr_cert_save(const CrCert *cert, const char *cert_path, const char *key_path, GError **error)
{
    g_return_val_if_fail(cert != NULL && cert_path != NULL && key_path != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    ERR_clear_error();
    return save_pem(key_path, 0600, TRUE, write_pkey, cert->pkey, error) &&
           save_pem(cert_path, 0644, FALSE, write_x509, cert->x509, error);
}

CrCert *
cr_cert_ref(CrCert *cert)
{
    g_return_val_if_fail(cert != NULL, NULL);
    g_atomic_int_inc(&cert->ref_count);
    return cert;
}

void
cr_cert_unref(CrCert *cert)
{
    if (cert == NULL || !g_atomic_int_dec_and_test(&cert->ref_count))
        return;
    X509_free(cert->x509);
    EVP_PKEY_free(cert->pkey);
    g_free(cert);
}

void
cr_cert_fingerprint_sha256(const CrCert *cert, guint8 out[CR_CERT_FINGERPRINT_LEN])
{
    g_return_if_fail(cert != NULL && out != NULL);
    memcpy(out, cert->fingerprint, CR_CERT_FINGERPRINT_LEN);
}

char *
cr_cert_fingerprint_format(const guint8 fp[CR_CERT_FINGERPRINT_LEN])
{
    static const char hex[] = "0123456789ABCDEF";

    g_return_val_if_fail(fp != NULL, NULL);
    char *text = g_malloc(CR_CERT_FINGERPRINT_TEXT_LEN + 1);
    for (gsize i = 0; i < CR_CERT_FINGERPRINT_LEN; i++) {
        text[3 * i] = hex[fp[i] >> 4];
        text[3 * i + 1] = hex[fp[i] & 0x0f];
        if (i + 1 < CR_CERT_FINGERPRINT_LEN)
            text[3 * i + 2] = ':';
    }
    text[CR_CERT_FINGERPRINT_TEXT_LEN] = '\0';
    return text;
}

X509 *
cr_cert_x509(const CrCert *cert)
{
    g_return_val_if_fail(cert != NULL, NULL);
    return cert->x509;
}

EVP_PKEY *
cr_cert_pkey(const CrCert *cert)
{
    g_return_val_if_fail(cert != NULL, NULL);
    return cert->pkey;
}
