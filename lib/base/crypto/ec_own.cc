// base/crypto/ec_own.cc — ec.h on our own P-256 (p256.h), for mbedTLS
// builds without the ECP module (the embedded configuration; see
// ec_internal.h). P-256 only: ecdh_group_available(x25519) is false.
//
// ECDSA nonces are RFC 6979 §3.2 deterministic nonces hedged with 32 bytes
// from the caller's Rng as the additional data k' of §3.6 (p256.h
// sign_rfc6979): a repeated or weak Rng output then still gives a nonce
// bound to the key and the digest (the plain RFC 6979 nonce, no worse than
// mbedTLS's deterministic signing on the host), and a good one protects
// against fault attacks on a purely deterministic nonce. Exactly 32 bytes
// are drawn per signature, as the random nonce drew before.
#include "base/crypto/ec.h"

#include "base/crypto/ec_internal.h"

#if !SANSRTC_EC_MBEDTLS

#include "base/crypto/p256.h"

#include <cstring>
#include <utility>

namespace sansrtc::crypto {

namespace detail {
bool p256_public_key_valid(Bytes pub) { return pub.size() == kP256PublicKeySize && p256::valid_public(pub.data()); }
}  // namespace detail

namespace {

// A uniformly random scalar in [1, n-1]; a draw is rejected with
// probability about 2^-32.
void random_scalar(Rng& rng, uint8_t d[32]) {
  do {
    rng.fill(std::span<uint8_t>(d, 32));
  } while (!p256::valid_private(d));
}

constexpr Error kBadPoint = make_error(Errc::malformed, "P-256 public key is not a valid point");

}  // namespace

// ---- EcdsaP256Key ----

EcdsaP256Key::EcdsaP256Key() = default;
EcdsaP256Key::~EcdsaP256Key() = default;
EcdsaP256Key::EcdsaP256Key(EcdsaP256Key&&) noexcept = default;
EcdsaP256Key& EcdsaP256Key::operator=(EcdsaP256Key&&) noexcept = default;

Result<EcdsaP256Key> EcdsaP256Key::generate(Rng& rng) {
  uint8_t d[32];
  random_scalar(rng, d);
  auto impl = std::make_unique<EcdsaP256KeyImpl>();
  (void)impl->d.assign(Bytes(d, 32));
  secure_zero(d, sizeof(d));
  if (!p256::public_from_private(impl->d.expose().data(), impl->pub.data())) {
    return make_error(Errc::crypto_failure, "P-256 key generation failed");
  }
  EcdsaP256Key key;
  key.impl_ = std::move(impl);
  return key;
}

Result<EcdsaP256Key> EcdsaP256Key::from_der(Bytes der) {
  Bytes scalar;
  SANSRTC_TRY(detail::parse_ec_private_key(der, scalar));
  uint8_t d[32] = {};
  std::memcpy(d + 32 - scalar.size(), scalar.data(), scalar.size());
  auto impl = std::make_unique<EcdsaP256KeyImpl>();
  (void)impl->d.assign(Bytes(d, 32));
  secure_zero(d, sizeof(d));
  if (!p256::public_from_private(impl->d.expose().data(), impl->pub.data())) {
    return make_error(Errc::malformed, "private key is not a valid P-256 scalar");
  }
  EcdsaP256Key key;
  key.impl_ = std::move(impl);
  return key;
}

Result<size_t> EcdsaP256Key::sign_digest(Bytes digest, MutBytes out, Rng& rng) const {
  SANSRTC_TRY(detail::check_sign_args(impl_ != nullptr, digest, out));
  uint8_t hedge[32], r[32], s[32];
  rng.fill(std::span<uint8_t>(hedge, 32));
  // The key was validated when it was made, so this cannot fail.
  (void)p256::sign_rfc6979(impl_->d.expose().data(), digest.data(), digest.size(), hedge, r, s);
  secure_zero(hedge, sizeof(hedge));
  return detail::encode_ecdsa_signature(r, s, out.data());
}

std::array<uint8_t, kP256PublicKeySize> EcdsaP256Key::public_key() const {
  return impl_ ? impl_->pub : std::array<uint8_t, kP256PublicKeySize>{};
}

Result<void> ecdsa_p256_verify(Bytes public_key, Bytes digest, Bytes sig_der) {
  if (public_key.size() != kP256PublicKeySize || public_key[0] != 0x04) {
    return make_error(Errc::malformed, "P-256 public key must be a 65-byte uncompressed point");
  }
  if (!p256::valid_public(public_key.data())) return kBadPoint;
  uint8_t r[32], s[32];
  if (!detail::decode_ecdsa_signature(sig_der, r, s) ||
      !p256::verify(public_key.data(), digest.data(), digest.size(), r, s)) {
    return make_error(Errc::auth_failed, "ECDSA signature does not verify");
  }
  return ok_result();
}

// ---- ECDH ----

bool ecdh_group_available(EcdhGroup g) { return g == EcdhGroup::p256; }

size_t ecdh_public_size(EcdhGroup g) { return g == EcdhGroup::x25519 ? 32 : kP256PublicKeySize; }

struct EcdhImpl {
  Secret<32> d;
};

Ecdh::Ecdh() = default;
Ecdh::~Ecdh() = default;
Ecdh::Ecdh(Ecdh&&) noexcept = default;
Ecdh& Ecdh::operator=(Ecdh&&) noexcept = default;

void Ecdh::clear() {
  impl_.reset();
  group_ = EcdhGroup::p256;
  pub_.fill(0);
  pub_len_ = 0;
}

Result<Ecdh> Ecdh::from_private_for_test(EcdhGroup group, Bytes priv) {
  if (!ecdh_group_available(group)) return make_error(Errc::unsupported, "ECDH group not built in");
  if (priv.size() != 32) return make_error(Errc::invalid_argument, "ECDH private key must be 32 bytes");
  Ecdh e;
  e.impl_ = std::make_unique<EcdhImpl>();
  (void)e.impl_->d.assign(priv);
  if (!p256::public_from_private(priv.data(), e.pub_.data())) {
    return make_error(Errc::invalid_argument, "ECDH private key rejected");
  }
  e.group_ = group;
  e.pub_len_ = kP256PublicKeySize;
  return e;
}

Result<Ecdh> Ecdh::generate(EcdhGroup group, Rng& rng) {
  Ecdh e;
  SANSRTC_TRY(e.regenerate(group, rng));
  return e;
}

Result<void> Ecdh::regenerate(EcdhGroup group, Rng& rng) {
  if (!ecdh_group_available(group)) return make_error(Errc::unsupported, "ECDH group not built in");
  if (!impl_) impl_ = std::make_unique<EcdhImpl>();
  uint8_t d[32];
  random_scalar(rng, d);
  (void)impl_->d.assign(Bytes(d, 32));
  secure_zero(d, sizeof(d));
  // A valid scalar (random_scalar checked it) always has a public point.
  (void)p256::public_from_private(impl_->d.expose().data(), pub_.data());
  group_ = group;
  pub_len_ = kP256PublicKeySize;
  return ok_result();
}

Result<void> Ecdh::compute_shared(Bytes peer_public, Secret<32>& out, Rng&) const {
  if (!impl_) return make_error(Errc::invalid_state, "empty Ecdh");
  // RFC 8422 §5.1.2 / §5.4: only the uncompressed form is allowed for P-256;
  // §5.11: the point must be validated (p256::ecdh checks it is on the curve).
  uint8_t x[32];
  if (peer_public.size() != kP256PublicKeySize || !p256::ecdh(impl_->d.expose().data(), peer_public.data(), x)) {
    return make_error(Errc::malformed, "ECDH peer public value is not a valid point");
  }
  (void)out.assign(Bytes(x, 32));
  secure_zero(x, sizeof(x));
  return ok_result();
}

}  // namespace sansrtc::crypto

#endif  // !SANSRTC_EC_MBEDTLS
