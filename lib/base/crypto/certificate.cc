// base/crypto/certificate.cc — self-signed X.509 certificates, written and
// parsed with base/crypto/der.h (no mbedTLS X.509, PK or OID modules), and
// RFC 8122 fingerprints.
#include "base/crypto/certificate.h"

#include "base/crypto/der.h"
#include "base/crypto/ec_internal.h"

#include <cstring>
#include <iterator>

namespace sansrtc::crypto {

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

// GeneralizedTime "YYYYMMDDhhmmssZ" (UTC; write_time drops the century for
// UTCTime). False outside years 1950..9999. The date is H. Hinnant's
// civil_from_days (no libc time functions), in 32-bit arithmetic after one
// 64-bit division: days are counted from 1950, so nothing is negative.
bool format_x509_time(int64_t unix_seconds, char out[15]) {
  constexpr int64_t k1950 = -631152000;       // 1950-01-01T00:00:00Z
  constexpr int64_t k10000 = 253402300800;    // 10000-01-01T00:00:00Z
  if (unix_seconds < k1950 || unix_seconds >= k10000) return false;
  const uint64_t since1950 = uint64_t(unix_seconds - k1950);
  const uint32_t days = uint32_t(since1950 / 86400);
  const uint32_t secs = uint32_t(since1950 - uint64_t(days) * 86400);
  const uint32_t z = days + 719468 - 7305;  // days since 0000-03-01
  const uint32_t era = z / 146097;
  const uint32_t doe = z - era * 146097;
  const uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const uint32_t mp = (5 * doy + 2) / 153;
  const uint32_t m = mp < 10 ? mp + 3 : mp - 9;
  const uint32_t fields[6] = {yoe + era * 400 + (m <= 2), m, doy - (153 * mp + 2) / 5 + 1,
                              secs / 3600, secs / 60 % 60, secs % 60};
  char* p = out + 14;
  *p = 'Z';
  for (int f = 5; f >= 0; --f) {
    uint32_t v = fields[f];
    for (int i = f == 0 ? 4 : 2; i > 0; --i, v /= 10) *--p = char('0' + v % 10);
  }
  return true;
}

// CN values that would be syntax in a distinguished-name string (or that do
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
  int alg = 3;
  while (alg >= 0 && !iequals(alg_name, hash_name(HashAlg(alg)))) --alg;
  if (alg < 0) return make_error(Errc::unsupported, "unknown fingerprint hash function");
  fp.alg = HashAlg(alg);
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

// Certificate ::= SEQUENCE {                        (RFC 5280 §4.1)
//   tbsCertificate       TBSCertificate,
//   signatureAlgorithm   AlgorithmIdentifier,      ecdsa-with-SHA256, no parameters (RFC 5758 §3.2)
//   signatureValue       BIT STRING }              Ecdsa-Sig-Value
// TBSCertificate ::= SEQUENCE {
//   version         [0]  EXPLICIT Version DEFAULT v1,   v3 (2)
//   serialNumber         INTEGER,
//   signature            AlgorithmIdentifier,
//   issuer               Name,                     SEQUENCE { SET { SEQUENCE { id-at-commonName, UTF8String } } }
//   validity             Validity,                 SEQUENCE { notBefore Time, notAfter Time }
//   subject              Name,
//   subjectPublicKeyInfo SubjectPublicKeyInfo,     SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING }
//   issuerUniqueID  [1]  IMPLICIT UniqueIdentifier OPTIONAL,
//   subjectUniqueID [2]  IMPLICIT UniqueIdentifier OPTIONAL,
//   extensions      [3]  EXPLICIT Extensions OPTIONAL }
namespace {

constexpr uint8_t kSpkiPrefix[] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,  // id-ecPublicKey
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,                    // prime256v1
    0x03, 0x42, 0x00};                                                             // BIT STRING, 0 unused bits
constexpr uint8_t kEcdsaWithSha256[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
constexpr uint8_t kVersion3[] = {0xa0, 0x03, 0x02, 0x01, 0x02};
constexpr uint8_t kCommonName[] = {0x06, 0x03, 0x55, 0x04, 0x03};  // id-at-commonName (2.5.4.3)

void write_name(der::Writer& w, std::string_view cn) {
  const size_t mark = w.written();
  w.raw(as_bytes(cn));
  w.header(der::kUtf8String, cn.size());
  w.raw(kCommonName);
  w.wrap(der::kSequence, mark);
  w.wrap(der::kSet, mark);
  w.wrap(der::kSequence, mark);
}

// RFC 5280 §4.1.2.5: "CAs conforming to this profile MUST always encode
// certificate validity dates through the year 2049 as UTCTime; certificate
// validity dates in 2050 or later MUST be encoded as GeneralizedTime."
void write_time(der::Writer& w, const char t[15]) {
  const bool utc = t[0] == '1' || (t[0] == '2' && t[1] == '0' && t[2] < '5');
  const size_t skip = utc ? 2 : 0;
  w.raw(Bytes(reinterpret_cast<const uint8_t*>(t) + skip, 15 - skip));
  w.header(utc ? der::kUtcTime : der::kGeneralizedTime, 15 - skip);
}

}  // namespace

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

  // The TBSCertificate, written backwards (see der.h). At most 5 + 18 + 12
  // + 2 * 77 + 34 + 91 + 4 = 318 bytes.
  uint8_t tbs_buf[320];
  der::Writer t(tbs_buf);
  const auto pub = key.public_key();
  t.raw(pub);
  t.raw(kSpkiPrefix);
  write_name(t, common_name);  // subject
  size_t mark = t.written();
  write_time(t, not_after);
  write_time(t, not_before);
  t.wrap(der::kSequence, mark);
  write_name(t, common_name);  // issuer = subject
  t.raw(kEcdsaWithSha256);
  // RFC 5280 §4.1.2.2: a positive integer of at most 20 octets. 16 random
  // bytes with the top bit clear (positive) and the next bit set (nonzero,
  // always 16 octets in DER).
  uint8_t serial[16];
  rng.fill(serial);
  serial[0] = uint8_t((serial[0] & 0x7f) | 0x40);
  t.positive_integer(serial);
  t.raw(kVersion3);
  t.wrap(der::kSequence, 0);

  uint8_t digest[32];
  hash(HashAlg::sha256, t.out(), digest);
  uint8_t sig[kMaxEcdsaSigDerSize];
  auto sig_len = key.sign_digest(digest, sig, rng);
  if (!t.ok() || !sig_len.ok()) return make_error(Errc::crypto_failure, "certificate generation failed");

  uint8_t buf[sizeof(tbs_buf) + 4 + sizeof(kEcdsaWithSha256) + 3 + sizeof(sig)];
  der::Writer c(buf);
  c.raw(Bytes(sig, *sig_len));
  c.byte(0);
  c.wrap(der::kBitString, 0);
  c.raw(kEcdsaWithSha256);
  c.raw(t.out());
  c.wrap(der::kSequence, 0);
  Certificate cert;
  cert.der_.assign(c.out().begin(), c.out().end());
  cert.pub_ = pub;
  return cert;
}

// Walks the whole structure above (so a truncated or padded certificate is
// refused) but looks only at the key: WebRTC trusts the certificate through
// its fingerprint, not through its signature, names or dates.
Result<Bytes> certificate_public_key(Bytes der) {
  der::Reader top(der);
  der::Reader crt(top.read(der::kSequence));
  top.expect_end();
  der::Reader tbs(crt.read(der::kSequence));
  (void)crt.read(der::kSequence);  // signatureAlgorithm
  (void)crt.read(der::kBitString);  // signatureValue
  crt.expect_end();

  // The TBSCertificate fields in order, and which may be absent.
  static constexpr uint8_t kTbsTags[] = {der::context_constructed(0), der::kInteger, der::kSequence, der::kSequence,
                                         der::kSequence, der::kSequence, der::kSequence, der::context_primitive(1),
                                         der::context_primitive(2), der::context_constructed(3)};
  constexpr unsigned kOptional = 1u << 0 | 1u << 7 | 1u << 8 | 1u << 9;
  Bytes field[std::size(kTbsTags)];
  unsigned present = 0;
  for (size_t i = 0; i < std::size(kTbsTags); ++i) {
    if (tbs.read_optional(kTbsTags[i], field[i])) present |= 1u << i;
  }
  bool ok = (present | kOptional) == (1u << std::size(kTbsTags)) - 1;
  tbs.expect_end();
  if (present & 1) {  // version: v1 (0) to v3 (2)
    ok = ok && field[0].size() == 3 && field[0][0] == der::kInteger && field[0][1] == 1 && field[0][2] <= 2;
  }
  der::Reader validity(field[4]);  // notBefore, notAfter: UTCTime or GeneralizedTime
  Bytes skip;
  for (int i = 0; i < 2; ++i) {
    if (!validity.read_optional(der::kUtcTime, skip)) (void)validity.read(der::kGeneralizedTime);
  }
  validity.expect_end();
  der::Reader spki(field[6]);
  // AlgorithmIdentifier { algorithm OID, parameters ANY OPTIONAL }: a
  // namedCurve OID for EC keys, NULL for RSA, absent for Ed25519.
  der::Reader alg(spki.read(der::kSequence));
  const Bytes key = spki.read_bit_string();
  spki.expect_end();
  const Bytes alg_oid = alg.read(der::kOid);
  Bytes curve;
  if (!alg.read_optional(der::kOid, curve)) (void)alg.read_optional(0x05, skip);
  alg.expect_end();

  if (!(ok && top.ok() && crt.ok() && tbs.ok() && validity.ok() && spki.ok() && alg.ok())) {
    return make_error(Errc::malformed, "certificate DER does not parse");
  }
  if (!bytes_equal(alg_oid, detail::kOidEcPublicKey)) return make_error(Errc::unsupported, "certificate key is not ECDSA");
  if (!bytes_equal(curve, detail::kOidPrime256v1)) return make_error(Errc::unsupported, "certificate key is not on P-256");
  if (!detail::p256_public_key_valid(key)) return make_error(Errc::malformed, "certificate public key is not a P-256 point");
  return key;
}

Result<Certificate> Certificate::from_der(Bytes der) {
  auto key = certificate_public_key(der);
  if (!key.ok()) return key.error();
  Certificate c;
  c.der_.assign(der.begin(), der.end());
  std::memcpy(c.pub_.data(), key->data(), kP256PublicKeySize);
  return c;
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
