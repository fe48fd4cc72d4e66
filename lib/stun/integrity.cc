// stun/integrity.cc — STUN key derivation and MESSAGE-INTEGRITY checks.
#include "stun/integrity.h"

#include "base/crc.h"
#include "base/crypto/hash.h"
#include "base/crypto/md5.h"

namespace sansrtc::stun {

namespace {

bool printable_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E) return false;
  return true;
}

// HMAC over the message prefix before the integrity attribute at `offset`,
// with the header length field rewritten to end just after that attribute
// (RFC 8489 §14.5: "the length field MUST contain the length of the message
// up to, and including, the MESSAGE-INTEGRITY attribute itself, but
// excluding any attributes after it").
IntegrityStatus check(const MessageView& view, AttrType type, crypto::HashAlg alg, Bytes key) {
  auto attr = view.find(type);
  if (!attr) return IntegrityStatus::missing;
  const Bytes msg = view.bytes();
  uint8_t header[kHeaderSize];
  std::memcpy(header, msg.data(), kHeaderSize);
  const size_t end = attr->offset + 4 + attr->value.size();  // MACs are multiples of 4: no padding
  store_be16(header + 2, uint16_t(end - kHeaderSize));
  crypto::Hmac h(alg, key);
  h.update(Bytes(header, kHeaderSize));
  h.update(msg.subspan(kHeaderSize, attr->offset - kHeaderSize));
  uint8_t mac[crypto::kMaxHashSize];
  h.finish(mac);
  // §14.6: a truncated MESSAGE-INTEGRITY-SHA256 is compared on its length.
  return constant_time_equal(Bytes(mac, attr->value.size()), attr->value) ? IntegrityStatus::ok
                                                                          : IntegrityStatus::mismatch;
}

}  // namespace

Result<IntegrityKey> short_term_key(std::string_view password) {
  if (password.empty()) return make_error(Errc::invalid_argument, "STUN: empty password");
  if (password.size() > kMaxKeySize)
    return make_error(Errc::invalid_argument, "STUN: password longer than 256 bytes");
  if (!printable_ascii(password))
    return make_error(Errc::invalid_argument,
                      "STUN: password is not printable ASCII; SASLprep/OpaqueString is not implemented, "
                      "pass an already-prepared password");
  return IntegrityKey(as_bytes(password));
}

Result<IntegrityKey> long_term_key(std::string_view username, std::string_view realm, std::string_view password,
                                   PasswordAlgorithm alg) {
  if (password.empty()) return make_error(Errc::invalid_argument, "STUN: empty password");
  if (!printable_ascii(password))
    return make_error(Errc::invalid_argument,
                      "STUN: password is not printable ASCII; SASLprep/OpaqueString is not implemented, "
                      "pass an already-prepared password");
  if (!printable_ascii(realm))
    return make_error(Errc::invalid_argument,
                      "STUN: realm is not printable ASCII; SASLprep/OpaqueString is not implemented");
  if (username.size() > kMaxUsernameSize || realm.size() > kMaxRealmNonceSoftwareSize ||
      password.size() > kMaxKeySize)
    return make_error(Errc::invalid_argument, "STUN: username, realm or password too long");
  if (alg != PasswordAlgorithm::md5 && alg != PasswordAlgorithm::sha256)
    return make_error(Errc::unsupported, "STUN: unknown password algorithm");
  // username ":" realm ":" password, at most 513 + 763 + 256 + 2 bytes.
  uint8_t input[kMaxUsernameSize + kMaxRealmNonceSoftwareSize + kMaxKeySize + 2];
  ByteWriter w{MutBytes(input, sizeof(input))};
  w.bytes(username);
  w.u8(':');
  w.bytes(realm);
  w.u8(':');
  w.bytes(password);
  IntegrityKey key;
  uint8_t digest[32];
  size_t n;
  if (alg == PasswordAlgorithm::md5) {
    crypto::md5(w.written(), digest);
    n = crypto::kMd5Size;
  } else {
    crypto::hash(crypto::HashAlg::sha256, w.written(), digest);
    n = 32;
  }
  (void)key.assign(Bytes(digest, n));
  secure_zero(input, sizeof(input));
  secure_zero(digest, sizeof(digest));
  return key;
}

const char* integrity_status_name(IntegrityStatus s) {
  switch (s) {
    case IntegrityStatus::ok: return "ok";
    case IntegrityStatus::missing: return "missing";
    case IntegrityStatus::mismatch: return "mismatch";
  }
  return "invalid";
}

IntegrityStatus verify_message_integrity(const MessageView& view, Bytes key) {
  return check(view, AttrType::message_integrity, crypto::HashAlg::sha1, key);
}

IntegrityStatus verify_message_integrity_sha256(const MessageView& view, Bytes key) {
  return check(view, AttrType::message_integrity_sha256, crypto::HashAlg::sha256, key);
}

IntegrityStatus verify_integrity(const MessageView& view, Bytes key) {
  const IntegrityStatus a = verify_message_integrity(view, key);
  const IntegrityStatus b = verify_message_integrity_sha256(view, key);
  if (a == IntegrityStatus::mismatch || b == IntegrityStatus::mismatch) return IntegrityStatus::mismatch;
  if (a == IntegrityStatus::ok || b == IntegrityStatus::ok) return IntegrityStatus::ok;
  return IntegrityStatus::missing;
}

uint32_t compute_fingerprint(Bytes message_prefix) { return crc32(message_prefix) ^ kFingerprintXor; }

}  // namespace sansrtc::stun
