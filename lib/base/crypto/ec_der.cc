// base/crypto/ec_der.cc — the DER forms of EC private keys and ECDSA
// signatures (shared by both ec.h back ends: mbedTLS's ECP and p256.h).
#include "base/crypto/der.h"
#include "base/crypto/ec_internal.h"

#include <cstring>

namespace sansrtc::crypto::detail {
namespace {

// ECPrivateKey ::= SEQUENCE {                       (RFC 5915 §3)
//   version        INTEGER { ecPrivkeyVer1(1) },
//   privateKey     OCTET STRING,
//   parameters [0] ECParameters {{ NamedCurve }} OPTIONAL,
//   publicKey  [1] BIT STRING OPTIONAL }
// The public key, when present, is not trusted: it is recomputed from d.
bool parse_sec1(Bytes der, Bytes& scalar, Bytes& curve) {
  der::Reader top(der);
  der::Reader seq(top.read(der::kSequence));
  top.expect_end();
  const Bytes version = seq.read(der::kInteger);
  scalar = seq.read(der::kOctetString);
  Bytes params, pub;
  if (seq.read_optional(der::context_constructed(0), params)) {
    der::Reader p(params);
    curve = p.read(der::kOid);
    p.expect_end();
    if (!p.ok()) return false;
  }
  (void)seq.read_optional(der::context_constructed(1), pub);
  seq.expect_end();
  return top.ok() && seq.ok() && version.size() == 1 && version[0] == 1;
}

}  // namespace

// PrivateKeyInfo ::= SEQUENCE {                      (RFC 5208 §5, RFC 5958 §2)
//   version             INTEGER (0 | 1),
//   privateKeyAlgorithm SEQUENCE { id-ecPublicKey, namedCurve OID },
//   privateKey          OCTET STRING (an ECPrivateKey),
//   attributes      [0] IMPLICIT OPTIONAL,
//   publicKey       [1] IMPLICIT BIT STRING OPTIONAL }
// or a bare ECPrivateKey (SEC1), told apart by what follows the version.
Result<void> parse_ec_private_key(Bytes der, Bytes& scalar) {
  if (der.empty()) return make_error(Errc::invalid_argument, "empty private key");
  Bytes curve, alg_oid = Bytes(kOidEcPublicKey);
  bool ok;
  {
    der::Reader top(der);
    der::Reader seq(top.read(der::kSequence));
    top.expect_end();
    const Bytes version = seq.read(der::kInteger);
    Bytes alg;
    if (seq.read_optional(der::kSequence, alg)) {
      der::Reader a(alg);
      alg_oid = a.read(der::kOid);
      Bytes pkcs8_curve;
      (void)a.read_optional(der::kOid, pkcs8_curve);
      a.expect_end();
      ok = a.ok() && parse_sec1(seq.read(der::kOctetString), scalar, curve) && version.size() == 1 && version[0] <= 1;
      // The algorithm's curve wins; the inner one, if any, must agree.
      if (curve.empty()) curve = pkcs8_curve;
      else if (!bytes_equal(curve, pkcs8_curve)) ok = false;
      (void)seq.read_optional(der::context_constructed(0), alg);
      (void)seq.read_optional(der::context_primitive(1), alg);
      seq.expect_end();
      ok = ok && top.ok() && seq.ok();
    } else {
      ok = parse_sec1(der, scalar, curve);
    }
  }
  if (!ok || curve.empty()) return make_error(Errc::malformed, "private key DER does not parse");
  if (!bytes_equal(alg_oid, Bytes(kOidEcPublicKey))) {
    return make_error(Errc::unsupported, "private key is not an EC key");
  }
  if (!bytes_equal(curve, Bytes(kOidPrime256v1))) return make_error(Errc::unsupported, "EC key is not on P-256");
  if (scalar.size() > 32) return make_error(Errc::malformed, "private key is not a valid P-256 scalar");
  return ok_result();
}

// Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }  (RFC 8422 §5.4)
size_t encode_ecdsa_signature(const uint8_t r[32], const uint8_t s[32], uint8_t* out) {
  uint8_t buf[kMaxEcdsaSigDerSize];
  der::Writer w(buf);
  w.positive_integer(Bytes(s, 32));
  w.positive_integer(Bytes(r, 32));
  w.wrap(der::kSequence, 0);
  std::memcpy(out, w.out().data(), w.written());
  return w.written();
}

// Strict DER; trailing bytes are refused. r and s come out left-padded.
bool decode_ecdsa_signature(Bytes sig, uint8_t r[32], uint8_t s[32]) {
  der::Reader top(sig);
  der::Reader seq(top.read(der::kSequence));
  top.expect_end();
  const Bytes rb = seq.read_positive_integer();
  const Bytes sb = seq.read_positive_integer();
  seq.expect_end();
  if (!top.ok() || !seq.ok() || rb.size() > 32 || sb.size() > 32) return false;
  std::memset(r, 0, 32);
  std::memset(s, 0, 32);
  std::memcpy(r + 32 - rb.size(), rb.data(), rb.size());
  std::memcpy(s + 32 - sb.size(), sb.data(), sb.size());
  return true;
}

Result<void> check_sign_args(bool have_key, Bytes digest, MutBytes out) {
  if (!have_key) return make_error(Errc::invalid_state, "empty EcdsaP256Key");
  if (digest.empty()) return make_error(Errc::invalid_argument, "empty digest");
  if (out.size() < kMaxEcdsaSigDerSize) return make_error(Errc::buffer_too_small, "signature buffer < 72 bytes");
  return {};
}

}  // namespace sansrtc::crypto::detail
