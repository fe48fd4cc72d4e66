// base/crypto/certificate.cc — self-signed X.509 (mbedtls_x509write_crt),
// DER parsing (mbedtls_x509_crt) and RFC 8122 fingerprints.
#include "base/crypto/certificate.h"

#include "base/crypto/ec_internal.h"
#include "base/crypto/mbedtls_util.h"

#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <cstdio>
#include <cstring>

#define M(x) SANSRTC_MBEDTLS_MEMBER(x)

namespace sansrtc::crypto {

using detail::rng_adapter;

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
// civil_from_days), so validity strings need no libc time functions.
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = unsigned(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = int64_t(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

// mbedTLS's validity format "YYYYMMDDhhmmss" (UTC). False outside years 1950..9999
// (x509write encodes < 2050 as UTCTime, RFC 5280 §4.1.2.5).
bool format_x509_time(int64_t unix_seconds, char out[15]) {
  int64_t days = unix_seconds / 86400;
  int64_t secs = unix_seconds % 86400;
  if (secs < 0) { secs += 86400; --days; }
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  if (y < 1950 || y > 9999) return false;
  auto put = [&out](size_t pos, unsigned v, int digits) {
    for (int i = digits - 1; i >= 0; --i, v /= 10) out[pos + size_t(i)] = char('0' + v % 10);
  };
  put(0, unsigned(y), 4);
  put(4, m, 2);
  put(6, d, 2);
  put(8, unsigned(secs / 3600), 2);
  put(10, unsigned(secs / 60 % 60), 2);
  put(12, unsigned(secs % 60), 2);
  out[14] = '\0';
  return true;
}

// CN values mbedtls_x509_string_to_names would treat as syntax (or that do
// not belong in a WebRTC certificate) are refused rather than escaped.
bool valid_common_name(std::string_view cn) {
  if (cn.empty() || cn.size() > 64) return false;  // RFC 5280 ub-common-name
  for (char c : cn) {
    if (c < 0x20 || c > 0x7e || c == ',' || c == '=' || c == '\\' || c == '+' || c == ';' || c == '"') return false;
  }
  return true;
}

}  // namespace

// ---- Fingerprint ----

Result<Fingerprint> Fingerprint::parse(std::string_view alg_name, std::string_view hex) {
  Fingerprint fp;
  // RFC 8122 §5: hash-func names are case-insensitive tokens.
  if (iequals(alg_name, "sha-1")) fp.alg = HashAlg::sha1;
  else if (iequals(alg_name, "sha-256")) fp.alg = HashAlg::sha256;
  else if (iequals(alg_name, "sha-384")) fp.alg = HashAlg::sha384;
  else if (iequals(alg_name, "sha-512")) fp.alg = HashAlg::sha512;
  else return make_error(Errc::unsupported, "unknown fingerprint hash function");
  // fingerprint = 2UHEX *(":" 2UHEX)   (RFC 8122 §5; lower case accepted too)
  const size_t n = hash_size(fp.alg);
  if (hex.size() != 3 * n - 1) return make_error(Errc::malformed, "fingerprint has the wrong length for its hash");
  for (size_t i = 0; i < n; ++i) {
    const size_t p = 3 * i;
    if (i > 0 && hex[p - 1] != ':') return make_error(Errc::malformed, "fingerprint bytes must be separated by ':'");
    const int hi = hex_value(hex[p]);
    const int lo = hex_value(hex[p + 1]);
    if (hi < 0 || lo < 0) return make_error(Errc::malformed, "fingerprint has a non-hex digit");
    (void)fp.digest.push_back(uint8_t(hi << 4 | lo));
  }
  return fp;
}

std::string Fingerprint::hex() const {
  static const char* kDigits = "0123456789ABCDEF";
  std::string s;
  s.reserve(digest.size() * 3);
  for (size_t i = 0; i < digest.size(); ++i) {
    if (i) s += ':';
    s += kDigits[digest[i] >> 4];
    s += kDigits[digest[i] & 15];
  }
  return s;
}

std::string Fingerprint::to_sdp() const { return std::string(hash_name(alg)) + " " + hex(); }

bool Fingerprint::matches(Bytes der) const {
  uint8_t d[kMaxHashSize];
  hash(alg, der, d);
  const bool eq = constant_time_equal(Bytes(d, hash_size(alg)), digest.span());
  return eq;
}

bool Fingerprint::operator==(const Fingerprint& o) const {
  return alg == o.alg && bytes_equal(digest.span(), o.digest.span());
}

// ---- Certificate ----

Result<Certificate> Certificate::self_signed(const EcdsaP256Key& key, Rng& rng, std::string_view common_name,
                                             int64_t not_before_unix, int validity_days) {
  if (!key.valid()) return make_error(Errc::invalid_argument, "empty certificate key");
  if (!valid_common_name(common_name)) {
    return make_error(Errc::invalid_argument, "common name must be 1-64 printable chars without , = + ; \" \\");
  }
  if (validity_days <= 0) return make_error(Errc::invalid_argument, "validity_days must be positive");
  char not_before[15], not_after[15];
  if (!format_x509_time(not_before_unix, not_before) ||
      !format_x509_time(not_before_unix + int64_t(validity_days) * 86400, not_after)) {
    return make_error(Errc::invalid_argument, "certificate validity outside years 1950-9999");
  }
  char subject[3 + 64 + 1];
  std::snprintf(subject, sizeof(subject), "CN=%.*s", int(common_name.size()), common_name.data());

  // RFC 5280 §4.1.2.2: a positive integer of at most 20 octets. 16 random
  // bytes with the top bit clear (positive) and the next bit set (nonzero,
  // always 16 octets in DER).
  uint8_t serial[16];
  rng.fill(serial);
  serial[0] = uint8_t((serial[0] & 0x7f) | 0x40);

  mbedtls_pk_context* pk = &key.impl()->pk;
  mbedtls_x509write_cert crt;
  mbedtls_x509write_crt_init(&crt);
  Result<Certificate> res = make_error(Errc::crypto_failure, "certificate generation failed");
  uint8_t buf[1024];
  int len = -1;
  int rc = 0;
  mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&crt, pk);
  mbedtls_x509write_crt_set_issuer_key(&crt, pk);
#if MBEDTLS_VERSION_NUMBER >= 0x03040000
  rc = mbedtls_x509write_crt_set_serial_raw(&crt, serial, sizeof(serial));
#else
  {
    mbedtls_mpi mpi;
    mbedtls_mpi_init(&mpi);
    rc = mbedtls_mpi_read_binary(&mpi, serial, sizeof(serial));
    if (rc == 0) rc = mbedtls_x509write_crt_set_serial(&crt, &mpi);
    mbedtls_mpi_free(&mpi);
  }
#endif
  if (rc == 0) rc = mbedtls_x509write_crt_set_subject_name(&crt, subject);
  if (rc == 0) rc = mbedtls_x509write_crt_set_issuer_name(&crt, subject);
  if (rc == 0) rc = mbedtls_x509write_crt_set_validity(&crt, not_before, not_after);
  // mbedtls_x509write_crt_der writes at the END of buf and returns the length.
  if (rc == 0) len = mbedtls_x509write_crt_der(&crt, buf, sizeof(buf), rng_adapter, &rng);
  mbedtls_x509write_crt_free(&crt);
  if (rc == 0 && len > 0) {
    Certificate c;
    c.der_.assign(buf + sizeof(buf) - size_t(len), buf + sizeof(buf));
    c.pub_ = key.public_key();
    res = std::move(c);
  }
  return res;
}

Result<Certificate> Certificate::from_der(Bytes der) {
  if (der.empty()) return make_error(Errc::malformed, "empty certificate");
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  Result<Certificate> res = make_error(Errc::malformed, "certificate DER does not parse");
  if (mbedtls_x509_crt_parse_der(&crt, der.data(), der.size()) == 0) {
    if (!mbedtls_pk_can_do(&crt.pk, MBEDTLS_PK_ECKEY)) {
      res = make_error(Errc::unsupported, "certificate key is not ECDSA");
    } else {
      const mbedtls_ecp_keypair* kp = mbedtls_pk_ec(crt.pk);
      Certificate c;
      size_t olen = 0;
      if (kp->M(grp).id != MBEDTLS_ECP_DP_SECP256R1) {
        res = make_error(Errc::unsupported, "certificate key is not on P-256");
      } else if (mbedtls_ecp_point_write_binary(&kp->M(grp), &kp->M(Q), MBEDTLS_ECP_PF_UNCOMPRESSED, &olen,
                                                c.pub_.data(), c.pub_.size()) != 0 ||
                 olen != kP256PublicKeySize) {
        res = make_error(Errc::malformed, "certificate public key does not encode");
      } else {
        c.der_.assign(der.begin(), der.end());
        res = std::move(c);
      }
    }
  }
  mbedtls_x509_crt_free(&crt);
  return res;
}

Fingerprint Certificate::fingerprint(HashAlg alg) const {
  Fingerprint fp;
  fp.alg = alg;
  uint8_t d[kMaxHashSize];
  hash(alg, der(), d);
  for (size_t i = 0; i < hash_size(alg); ++i) (void)fp.digest.push_back(d[i]);
  return fp;
}

}  // namespace sansrtc::crypto
