// base/crypto/ec.cc — ECDSA P-256 and ECDH (P-256, X25519) on mbedTLS's ECP module.
//
// ECDH uses mbedtls_ecdh_gen_public/compute_shared on a bare ecp_keypair
// rather than the mbedtls_ecdh_context (whose layout differs between 2.x
// legacy and 3.x contexts): the public value is encoded once at generation
// and cached, the shared-secret multiplication is blinded with the caller's
// Rng.
//
// Speed: mbedTLS caches the comb table for multiples of the generator G in
// the mbedtls_ecp_group it was computed with (about 0.5 ms on P-256). A
// fresh group per key or per verification would recompute it every time,
// so ECDH key generation, ECDSA signing and verification use one shared,
// pre-warmed group per curve. After warm-up mbedTLS only reads the group,
// so sharing it across threads is safe.
#include "base/crypto/ec.h"

#include "base/crypto/ec_internal.h"
#include "base/crypto/mbedtls_util.h"

#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>

#include <cstring>
#include <utility>

#define M(x) SANSRTC_MBEDTLS_MEMBER(x)

namespace sansrtc::crypto {

using detail::rng_adapter;

namespace {

// Blinding randomness for the few mbedTLS calls whose public signature here
// takes no Rng (loading a SEC1 key without its public point, the test-only
// Ecdh factory). Blinding is a side-channel counter-measure, not a secret.
SeededRng& fallback_blinding_rng() {
  static SeededRng rng(0x73616e7372746321ull);
  return rng;
}

bool write_p256_public(const mbedtls_ecp_keypair* kp, std::array<uint8_t, kP256PublicKeySize>& out) {
  size_t olen = 0;
  return mbedtls_ecp_point_write_binary(&kp->M(grp), &kp->M(Q), MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, out.data(),
                                        out.size()) == 0 &&
         olen == kP256PublicKeySize;
}

// One loaded group per curve with the fixed-base table for G computed (by
// one multiplication) during the thread-safe static initialization.
struct SharedGroup {
  explicit SharedGroup(mbedtls_ecp_group_id id) {
    mbedtls_ecp_group_init(&grp);
    ok = mbedtls_ecp_group_load(&grp, id) == 0;
    if (ok && mbedtls_ecp_get_type(&grp) == MBEDTLS_ECP_TYPE_SHORT_WEIERSTRASS) {
      mbedtls_ecp_point r;
      mbedtls_mpi k;
      mbedtls_ecp_point_init(&r);
      mbedtls_mpi_init(&k);
      SeededRng blind(0x7761726d);
      ok = mbedtls_mpi_lset(&k, 2) == 0 && mbedtls_ecp_mul(&grp, &r, &k, &grp.G, rng_adapter, &blind) == 0;
      mbedtls_mpi_free(&k);
      mbedtls_ecp_point_free(&r);
    }
  }
  // Never freed: it lives until exit and holds no secrets.
  mbedtls_ecp_group grp;
  bool ok = false;
};

mbedtls_ecp_group* shared_group(mbedtls_ecp_group_id id) {
  if (id == MBEDTLS_ECP_DP_SECP256R1) {
    static SharedGroup* p256 = new SharedGroup(MBEDTLS_ECP_DP_SECP256R1);
    return p256->ok ? &p256->grp : nullptr;
  }
#if defined(MBEDTLS_ECP_DP_CURVE25519_ENABLED)
  if (id == MBEDTLS_ECP_DP_CURVE25519) {
    static SharedGroup* x25519 = new SharedGroup(MBEDTLS_ECP_DP_CURVE25519);
    return x25519->ok ? &x25519->grp : nullptr;
  }
#endif
  return nullptr;
}

}  // namespace

// ---- EcdsaP256Key ----

EcdsaP256Key::EcdsaP256Key() = default;
EcdsaP256Key::~EcdsaP256Key() = default;
EcdsaP256Key::EcdsaP256Key(EcdsaP256Key&&) noexcept = default;
EcdsaP256Key& EcdsaP256Key::operator=(EcdsaP256Key&&) noexcept = default;

Result<EcdsaP256Key> EcdsaP256Key::generate(Rng& rng) {
  auto impl = std::make_unique<EcdsaP256KeyImpl>();
  if (mbedtls_pk_setup(&impl->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0) {
    return make_error(Errc::crypto_failure, "mbedtls_pk_setup failed");
  }
  mbedtls_ecp_keypair* kp = mbedtls_pk_ec(impl->pk);
  if (mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, kp, rng_adapter, &rng) != 0) {
    return make_error(Errc::crypto_failure, "P-256 key generation failed");
  }
  if (!write_p256_public(kp, impl->pub)) return make_error(Errc::crypto_failure, "P-256 public key encoding failed");
  EcdsaP256Key key;
  key.impl_ = std::move(impl);
  return key;
}

Result<EcdsaP256Key> EcdsaP256Key::from_der(Bytes der) {
  if (der.empty()) return make_error(Errc::invalid_argument, "empty private key");
  auto impl = std::make_unique<EcdsaP256KeyImpl>();
#if SANSRTC_MBEDTLS3
  int rc = mbedtls_pk_parse_key(&impl->pk, der.data(), der.size(), nullptr, 0, rng_adapter, &fallback_blinding_rng());
#else
  int rc = mbedtls_pk_parse_key(&impl->pk, der.data(), der.size(), nullptr, 0);
#endif
  if (rc != 0) return make_error(Errc::malformed, "private key DER does not parse");
  if (mbedtls_pk_get_type(&impl->pk) != MBEDTLS_PK_ECKEY) {
    return make_error(Errc::unsupported, "private key is not an EC key");
  }
  mbedtls_ecp_keypair* kp = mbedtls_pk_ec(impl->pk);
  if (kp->M(grp).id != MBEDTLS_ECP_DP_SECP256R1) return make_error(Errc::unsupported, "EC key is not on P-256");
  if (!write_p256_public(kp, impl->pub)) return make_error(Errc::crypto_failure, "P-256 public key encoding failed");
  EcdsaP256Key key;
  key.impl_ = std::move(impl);
  return key;
}

Result<size_t> EcdsaP256Key::sign_digest(Bytes digest, MutBytes out, Rng& rng) const {
  if (!impl_) return make_error(Errc::invalid_state, "empty EcdsaP256Key");
  if (digest.empty()) return make_error(Errc::invalid_argument, "empty digest");
  if (out.size() < kMaxEcdsaSigDerSize) return make_error(Errc::buffer_too_small, "signature buffer < 72 bytes");
  mbedtls_ecp_group* grp = shared_group(MBEDTLS_ECP_DP_SECP256R1);
  if (grp == nullptr) return make_error(Errc::crypto_failure, "cannot load P-256");
  const mbedtls_ecp_keypair* kp = mbedtls_pk_ec(impl_->pk);
  mbedtls_mpi r, s;
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  uint8_t der[kMaxEcdsaSigDerSize];
  uint8_t* p = der + sizeof(der);
  int len = 0;
#if defined(MBEDTLS_ECDSA_DETERMINISTIC)
  // RFC 6979 nonces (md_alg picks the HMAC-DRBG hash); rng only blinds.
  int rc = mbedtls_ecdsa_sign_det_ext(grp, &r, &s, &kp->M(d), digest.data(), digest.size(), MBEDTLS_MD_SHA256,
                                      rng_adapter, &rng);
#else
  int rc = mbedtls_ecdsa_sign(grp, &r, &s, &kp->M(d), digest.data(), digest.size(), rng_adapter, &rng);
#endif
  // Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }  (RFC 8422 §5.4),
  // written backwards from the end of `der` (72 bytes always suffice).
  auto add = [&rc, &len](int n) {
    if (rc == 0 && n < 0) rc = n;
    if (rc == 0) len += n;
  };
  if (rc == 0) add(mbedtls_asn1_write_mpi(&p, der, &s));
  if (rc == 0) add(mbedtls_asn1_write_mpi(&p, der, &r));
  if (rc == 0) add(mbedtls_asn1_write_len(&p, der, size_t(len)));
  if (rc == 0) add(mbedtls_asn1_write_tag(&p, der, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&s);
  if (rc != 0) return make_error(Errc::crypto_failure, "ECDSA signing failed");
  std::memcpy(out.data(), p, size_t(len));
  return size_t(len);
}

std::array<uint8_t, kP256PublicKeySize> EcdsaP256Key::public_key() const {
  return impl_ ? impl_->pub : std::array<uint8_t, kP256PublicKeySize>{};
}

Result<void> ecdsa_p256_verify(Bytes public_key, Bytes digest, Bytes sig_der) {
  if (public_key.size() != kP256PublicKeySize || public_key[0] != 0x04) {
    return make_error(Errc::malformed, "P-256 public key must be a 65-byte uncompressed point");
  }
  mbedtls_ecp_group* grp = shared_group(MBEDTLS_ECP_DP_SECP256R1);
  if (grp == nullptr) return make_error(Errc::crypto_failure, "cannot load P-256");
  mbedtls_ecp_point q;
  mbedtls_mpi r, s;
  mbedtls_ecp_point_init(&q);
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  Result<void> res = ok_result();
  // mbedTLS's parser takes non-const pointers but only reads.
  unsigned char* p = const_cast<unsigned char*>(sig_der.data());
  unsigned char* const end = p + sig_der.size();
  size_t seq_len = 0;
  if (mbedtls_ecp_point_read_binary(grp, &q, public_key.data(), public_key.size()) != 0 ||
      mbedtls_ecp_check_pubkey(grp, &q) != 0) {
    res = make_error(Errc::malformed, "P-256 public key is not a valid point");
  } else if (sig_der.empty() ||
             mbedtls_asn1_get_tag(&p, end, &seq_len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 ||
             p + seq_len != end || mbedtls_asn1_get_mpi(&p, end, &r) != 0 || mbedtls_asn1_get_mpi(&p, end, &s) != 0 ||
             p != end) {
    // A signature that does not parse (or has trailing bytes) does not verify.
    res = make_error(Errc::auth_failed, "ECDSA signature does not verify");
  } else if (mbedtls_ecdsa_verify(grp, digest.data(), digest.size(), &q, &r, &s) != 0) {
    res = make_error(Errc::auth_failed, "ECDSA signature does not verify");
  }
  mbedtls_mpi_free(&s);
  mbedtls_mpi_free(&r);
  mbedtls_ecp_point_free(&q);
  return res;
}

// ---- ECDH ----

bool ecdh_group_available(EcdhGroup g) {
  switch (g) {
    case EcdhGroup::p256:
#if defined(MBEDTLS_ECP_DP_SECP256R1_ENABLED)
      return true;
#else
      return false;
#endif
    case EcdhGroup::x25519:
#if defined(MBEDTLS_ECP_DP_CURVE25519_ENABLED)
      return true;
#else
      return false;
#endif
  }
  return false;
}

size_t ecdh_public_size(EcdhGroup g) { return g == EcdhGroup::x25519 ? 32 : kP256PublicKeySize; }

// The group is shared (see shared_group); each key pair owns only d and Q.
struct EcdhImpl {
  EcdhImpl() {
    mbedtls_mpi_init(&d);
    mbedtls_ecp_point_init(&q);
  }
  ~EcdhImpl() {
    mbedtls_mpi_free(&d);  // zeroizes the private scalar
    mbedtls_ecp_point_free(&q);
  }
  EcdhImpl(const EcdhImpl&) = delete;
  EcdhImpl& operator=(const EcdhImpl&) = delete;
  mbedtls_ecp_group* grp = nullptr;
  mbedtls_mpi d;
  mbedtls_ecp_point q;
};

namespace {

mbedtls_ecp_group_id group_id(EcdhGroup g) {
  return g == EcdhGroup::x25519 ? MBEDTLS_ECP_DP_CURVE25519 : MBEDTLS_ECP_DP_SECP256R1;
}

// Encodes Q once, in TLS form: P-256 uncompressed (RFC 8422 §5.4), X25519
// the 32-byte little-endian u-coordinate (RFC 7748 §5; mbedTLS writes
// Montgomery points little-endian).
bool encode_public(const EcdhImpl& k, EcdhGroup g, std::array<uint8_t, 65>& out, size_t& len) {
  size_t olen = 0;
  if (mbedtls_ecp_point_write_binary(k.grp, &k.q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, out.data(), out.size()) != 0) {
    return false;
  }
  if (olen != ecdh_public_size(g)) return false;
  len = olen;
  return true;
}

}  // namespace

Ecdh::Ecdh() = default;
Ecdh::~Ecdh() = default;
Ecdh::Ecdh(Ecdh&&) noexcept = default;
Ecdh& Ecdh::operator=(Ecdh&&) noexcept = default;

Result<Ecdh> Ecdh::generate(EcdhGroup group, Rng& rng) {
  if (!ecdh_group_available(group)) return make_error(Errc::unsupported, "ECDH group not built into mbedTLS");
  auto impl = std::make_unique<EcdhImpl>();
  impl->grp = shared_group(group_id(group));
  if (impl->grp == nullptr) return make_error(Errc::crypto_failure, "cannot load the ECDH group");
  // For X25519 mbedTLS draws 32 random bytes and clamps them (RFC 7748 §5).
  if (mbedtls_ecp_gen_keypair(impl->grp, &impl->d, &impl->q, rng_adapter, &rng) != 0) {
    return make_error(Errc::crypto_failure, "ECDH key generation failed");
  }
  Ecdh e;
  e.group_ = group;
  if (!encode_public(*impl, group, e.pub_, e.pub_len_)) {
    return make_error(Errc::crypto_failure, "ECDH public value encoding failed");
  }
  e.impl_ = std::move(impl);
  return e;
}

Result<Ecdh> Ecdh::from_private_for_test(EcdhGroup group, Bytes priv) {
  if (!ecdh_group_available(group)) return make_error(Errc::unsupported, "ECDH group not built into mbedTLS");
  if (priv.size() != 32) return make_error(Errc::invalid_argument, "ECDH private key must be 32 bytes");
  auto impl = std::make_unique<EcdhImpl>();
  impl->grp = shared_group(group_id(group));
  if (impl->grp == nullptr) return make_error(Errc::crypto_failure, "cannot load the ECDH group");
  // mbedtls_ecp_read_key: big-endian and range-checked for P-256;
  // little-endian and clamped for Curve25519.
  mbedtls_ecp_keypair tmp;
  mbedtls_ecp_keypair_init(&tmp);
  const bool read_ok = mbedtls_ecp_read_key(group_id(group), &tmp, priv.data(), priv.size()) == 0 &&
                       mbedtls_mpi_copy(&impl->d, &tmp.M(d)) == 0;
  mbedtls_ecp_keypair_free(&tmp);
  if (!read_ok) return make_error(Errc::invalid_argument, "ECDH private key rejected");
  if (mbedtls_ecp_mul(impl->grp, &impl->q, &impl->d, &impl->grp->G, rng_adapter, &fallback_blinding_rng()) != 0) {
    return make_error(Errc::crypto_failure, "ECDH public key computation failed");
  }
  Ecdh e;
  e.group_ = group;
  if (!encode_public(*impl, group, e.pub_, e.pub_len_)) {
    return make_error(Errc::crypto_failure, "ECDH public value encoding failed");
  }
  e.impl_ = std::move(impl);
  return e;
}

Result<void> Ecdh::compute_shared(Bytes peer_public, Secret<32>& out, Rng& rng) const {
  if (!impl_) return make_error(Errc::invalid_state, "empty Ecdh");
  if (peer_public.size() != ecdh_public_size(group_)) {
    return make_error(Errc::malformed, "ECDH peer public value has the wrong length");
  }
  // RFC 8422 §5.1.2 / §5.4: only the uncompressed form is allowed for P-256.
  if (group_ == EcdhGroup::p256 && peer_public[0] != 0x04) {
    return make_error(Errc::malformed, "ECDH peer point is not uncompressed");
  }
  mbedtls_ecp_group* grp = impl_->grp;
  mbedtls_ecp_point peer;
  mbedtls_mpi z;
  mbedtls_ecp_point_init(&peer);
  mbedtls_mpi_init(&z);
  Result<void> res = ok_result();
  uint8_t buf[32];
  // check_pubkey: RFC 8422 §5.11 point validation for P-256 (on the curve,
  // not infinity); for X25519 mbedTLS also rejects the known low-order
  // u-coordinates.
  if (mbedtls_ecp_point_read_binary(grp, &peer, peer_public.data(), peer_public.size()) != 0 ||
      mbedtls_ecp_check_pubkey(grp, &peer) != 0) {
    res = make_error(Errc::malformed, "ECDH peer public value is not a valid point");
  } else if (mbedtls_ecdh_compute_shared(grp, &z, &peer, &impl_->d, rng_adapter, &rng) != 0) {
    res = make_error(Errc::malformed, "ECDH with the peer's point failed");
  } else {
    // P-256: the x-coordinate, big-endian (RFC 8422 §5.10). X25519: the
    // little-endian u-coordinate (RFC 7748 §6.1).
    const int wrc = group_ == EcdhGroup::x25519 ? mbedtls_mpi_write_binary_le(&z, buf, sizeof(buf))
                                                : mbedtls_mpi_write_binary(&z, buf, sizeof(buf));
    uint8_t acc = 0;
    for (uint8_t b : buf) acc |= b;
    if (wrc != 0) {
      res = make_error(Errc::crypto_failure, "ECDH shared secret encoding failed");
    } else if (acc == 0) {
      // RFC 8422 §5.11: X25519 "MUST check whether the computed premaster
      // secret is the all-zero value and abort the handshake if so".
      res = make_error(Errc::malformed, "ECDH shared secret is all zero");
    } else {
      out.assign(Bytes(buf, sizeof(buf)));
    }
  }
  secure_zero(buf, sizeof(buf));
  mbedtls_mpi_free(&z);
  mbedtls_ecp_point_free(&peer);
  return res;
}

}  // namespace sansrtc::crypto
