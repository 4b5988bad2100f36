/* cert.h — the relay's DTLS identity: a private key and its certificate.
 *
 * WebRTC does not use certificate authorities: each side announces the
 * SHA-256 fingerprint of its certificate in the SDP (RFC 8122 §5,
 * RFC 8827 §6.5, RFC 8842) and the DTLS handshake proves possession of the
 * matching key. So a self-signed certificate generated at start is the
 * normal case (ECDSA P-256, as browsers use); one can also be loaded from
 * PEM files to keep the fingerprint stable across restarts.
 *
 * Immutable once made and reference counted (atomically): every peer of
 * every media worker shares one. Any thread.
 */
#pragma once

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

#define CR_CERT_FINGERPRINT_LEN 32 /* SHA-256 */
/* "AB:CD:..." : two hex digits per byte, colons between, no NUL. */
#define CR_CERT_FINGERPRINT_TEXT_LEN (CR_CERT_FINGERPRINT_LEN * 3 - 1)

typedef struct _CrCert CrCert;

/* A new ECDSA P-256 key and a self-signed X.509 v3 certificate for it:
 * CN "classrelay", a random positive 64-bit serial, valid from 30 days ago
 * (clock skew of peers) to one year ahead, signed with ECDSA-SHA256. */
CrCert *cr_cert_generate(GError **error);

/* Loads a PEM certificate (the first one in the file) and a PEM private
 * key; fails unless the key matches the certificate. Any key type OpenSSL
 * can use for DTLS 1.2 works; browsers accept ECDSA and RSA. */
CrCert *cr_cert_load(const char *cert_path, const char *key_path, GError **error);

/* Writes the certificate and the key as PEM (the key file with mode 0600),
 * each atomically; cr_cert_load reads them back. */
gboolean cr_cert_save(const CrCert *cert, const char *cert_path, const char *key_path,
                      GError **error);

CrCert *cr_cert_ref(CrCert *cert);
void cr_cert_unref(CrCert *cert);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrCert, cr_cert_unref)

/* The SHA-256 of the DER certificate, as "a=fingerprint:sha-256" names it. */
void cr_cert_fingerprint_sha256(const CrCert *cert, guint8 out[CR_CERT_FINGERPRINT_LEN]);

/* The SDP form of @fp: uppercase hex pairs joined by ':' (RFC 8122 §5),
 * newly allocated; for logs and tools (relay/sdp.c reads and writes the
 * a=fingerprint attribute itself). */
char *cr_cert_fingerprint_format(const guint8 fp[CR_CERT_FINGERPRINT_LEN]);

/* Borrowed OpenSSL objects, for the DTLS context (relay/dtls.c). */
X509 *cr_cert_x509(const CrCert *cert);
EVP_PKEY *cr_cert_pkey(const CrCert *cert);

G_END_DECLS
