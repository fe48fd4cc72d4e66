// base/crypto/ec.cc — ECDSA P-256 and ECDH (P-256, X25519) on mbedTLS's ECP module.
// Compiled where the mbedTLS build has ECP (see ec_internal.h); elsewhere
// ec_own.cc implements ec.h on p256.h.
//
// ECDH is mbedtls_ecp_gen_keypair and one blinded mbedtls_ecp_mul on the
// shared group, rather than the mbedtls_ecdh_context (whose layout differs
// between 2.x legacy and 3.x contexts, and whose module costs flash for
// nothing): the public value is encoded once at generation and cached, the
// shared-secret multiplication is blinded with the caller's Rng. ECDSA keys
// are a bare scalar (no mbedtls_pk_context); signatures and private keys
// are DER-coded by ec_der.cc.
//
// Speed: mbedTLS caches the comb table for multiples of the generator G in
// the mbedtls_ecp_group it was computed with (about 0.5 ms on P-256). A
// fresh group per key or per verification would recompute it every time,
// so ECDH key generation, ECDSA signing and verification use one shared,
// pre-warmed group per curve. After warm-up mbedTLS only reads the group,
// so sharing it across threads is safe.
#include "base/crypto/ec.h"

#include "base/crypto/ec_internal.h"

#if SANSRTC_EC_MBEDTLS

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>

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

namespace detail {
bool p256_public_key_valid(Bytes pub) {
  mbedtls_ecp_group* grp = shared_group(MBEDTLS_ECP_DP_SECP256R1);
  if (grp == nullptr || pub.size() != kP256PublicKeySize || pub[0] != 0x04) return false;
  mbedtls_ecp_point q;
  mbedtls_ecp_point_init(&q);
  const bool ok = mbedtls_ecp_point_read_binary(grp, &q, pub.data(), pub.size()) == 0 &&
                  mbedtls_ecp_check_pubkey(grp, &q) == 0;
  mbedtls_ecp_point_free(&q);
  return ok;
}
}  // namespace detail

namespace {

// Q = d*G, cached in uncompressed form. False when d is not in [1, n-1].
bool finish_key(EcdsaP256KeyImpl& k, mbedtls_ecp_group* grp, const mbedtls_ecp_point* q, Rng& rng) {
  mbedtls_ecp_point tmp;
  mbedtls_ecp_point_init(&tmp);
  size_t olen = 0;
  bool ok = mbedtls_ecp_check_privkey(grp, &k.d) == 0;
  if (ok && q == nullptr) {
    ok = mbedtls_ecp_mul(grp, &tmp, &k.d, &grp->G, rng_adapter, &rng) == 0;
    q = &tmp;
  }
  ok = ok &&
       mbedtls_ecp_point_write_binary(grp, q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, k.pub.data(), k.pub.size()) == 0 &&
       olen == kP256PublicKeySize;
  mbedtls_ecp_point_free(&tmp);
  return ok;
}

}  // namespace

EcdsaP256Key::EcdsaP256Key() = default;
EcdsaP256Key::~EcdsaP256Key() = default;
EcdsaP256Key::EcdsaP256Key(EcdsaP256Key&&) noexcept = default;
EcdsaP256Key& EcdsaP256Key::operator=(EcdsaP256Key&&) noexcept = default;

Result<EcdsaP256Key> EcdsaP256Key::generate(Rng& rng) {
  mbedtls_ecp_group* grp = shared_group(MBEDTLS_ECP_DP_SECP256R1);
  if (grp == nullptr) return make_error(Errc::crypto_failure, "cannot load P-256");
  auto impl = std::make_unique<EcdsaP256KeyImpl>();
  mbedtls_ecp_point q;
  mbedtls_ecp_point_init(&q);
  const bool ok = mbedtls_ecp_gen_keypair(grp, &impl->d, &q, rng_adapter, &rng) == 0 && finish_key(*impl, grp, &q, rng);
  mbedtls_ecp_point_free(&q);
  if (!ok) return make_error(Errc::crypto_failure, "P-256 key generation failed");
  EcdsaP256Key key;
  key.impl_ = std::move(impl);
  return key;
}

Result<EcdsaP256Key> EcdsaP256Key::from_der(Bytes der) {
  Bytes scalar;
  SANSRTC_TRY(detail::parse_ec_private_key(der, scalar));
  mbedtls_ecp_group* grp = shared_group(MBEDTLS_ECP_DP_SECP256R1);
  if (grp == nullptr) return make_error(Errc::crypto_failure, "cannot load P-256");
  auto impl = std::make_unique<EcdsaP256KeyImpl>();
  if (scalar.size() > 32 || mbedtls_mpi_read_binary(&impl->d, scalar.data(), scalar.size()) != 0 ||
      !finish_key(*impl, grp, nullptr, fallback_blinding_rng())) {
    return make_error(Errc::malformed, "private key is not a valid P-256 scalar");
  }
  EcdsaP256Key key;
  key.impl_ = std::move(impl);
  return key;
}

Result<size_t> EcdsaP256Key::sign_digest(Bytes digest, MutBytes out, Rng& rng) const {
  SANSRTC_TRY(detail::check_sign_args(impl_ != nullptr, digest, out));
  mbedtls_ecp_group* grp = shared_group(MBEDTLS_ECP_DP_SECP256R1);
  if (grp == nullptr) return make_error(Errc::crypto_failure, "cannot load P-256");
  mbedtls_mpi r, s;
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
#if defined(MBEDTLS_ECDSA_DETERMINISTIC)
  // RFC 6979 nonces (md_alg picks the HMAC-DRBG hash); rng only blinds.
  int rc = mbedtls_ecdsa_sign_det_ext(grp, &r, &s, &impl_->d, digest.data(), digest.size(), MBEDTLS_MD_SHA256,
                                      rng_adapter, &rng);
#else
  // The nonce comes from rng (the production Rng is a CTR_DRBG): this
  // build leaves out HMAC_DRBG and the md module that RFC 6979 needs.
  int rc = mbedtls_ecdsa_sign(grp, &r, &s, &impl_->d, digest.data(), digest.size(), rng_adapter, &rng);
#endif
  uint8_t rb[32], sb[32];
  if (rc == 0) rc = mbedtls_mpi_write_binary(&r, rb, 32);
  if (rc == 0) rc = mbedtls_mpi_write_binary(&s, sb, 32);
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&s);
  if (rc != 0) return make_error(Errc::crypto_failure, "ECDSA signing failed");
  return detail::encode_ecdsa_signature(rb, sb, out.data());
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
  uint8_t rb[32], sb[32];
  const bool parsed = detail::decode_ecdsa_signature(sig_der, rb, sb);
  mbedtls_ecp_point q;
  mbedtls_mpi r, s;
  mbedtls_ecp_point_init(&q);
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  Result<void> res = ok_result();
  if (mbedtls_ecp_point_read_binary(grp, &q, public_key.data(), public_key.size()) != 0 ||
      mbedtls_ecp_check_pubkey(grp, &q) != 0) {
    res = make_error(Errc::malformed, "P-256 public key is not a valid point");
  } else if (!parsed || mbedtls_mpi_read_binary(&r, rb, 32) != 0 || mbedtls_mpi_read_binary(&s, sb, 32) != 0 ||
             mbedtls_ecdsa_verify(grp, digest.data(), digest.size(), &q, &r, &s) != 0) {
    // A signature that does not parse does not verify either.
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

Result<void> Ecdh::regenerate(EcdhGroup group, Rng& rng) {
  auto r = generate(group, rng);
  if (!r.ok()) return r.error();
  *this = std::move(r.value());
  return ok_result();
}

void Ecdh::clear() {
  impl_.reset();
  group_ = EcdhGroup::p256;
  pub_.fill(0);
  pub_len_ = 0;
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
  mbedtls_ecp_point peer, z;
  mbedtls_ecp_point_init(&peer);
  mbedtls_ecp_point_init(&z);
  Result<void> res = ok_result();
  uint8_t buf[32];
  // check_pubkey: RFC 8422 §5.11 point validation for P-256 (on the curve,
  // not infinity); for X25519 mbedTLS also rejects the known low-order
  // u-coordinates.
  if (mbedtls_ecp_point_read_binary(grp, &peer, peer_public.data(), peer_public.size()) != 0 ||
      mbedtls_ecp_check_pubkey(grp, &peer) != 0) {
    res = make_error(Errc::malformed, "ECDH peer public value is not a valid point");
  } else if (mbedtls_ecp_mul(grp, &z, &impl_->d, &peer, rng_adapter, &rng) != 0 || mbedtls_ecp_is_zero(&z)) {
    // What mbedtls_ecdh_compute_shared does, without linking the ecdh module.
    res = make_error(Errc::malformed, "ECDH with the peer's point failed");
  } else {
    // P-256: the x-coordinate, big-endian (RFC 8422 §5.10). X25519: the
    // little-endian u-coordinate (RFC 7748 §6.1).
    const int wrc = group_ == EcdhGroup::x25519 ? mbedtls_mpi_write_binary_le(&z.M(X), buf, sizeof(buf))
                                                : mbedtls_mpi_write_binary(&z.M(X), buf, sizeof(buf));
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
  mbedtls_ecp_point_free(&z);
  mbedtls_ecp_point_free(&peer);
  return res;
}

}  // namespace sansrtc::crypto

#endif  // SANSRTC_EC_MBEDTLS
