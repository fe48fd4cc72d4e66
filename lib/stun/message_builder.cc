// stun/message_builder.cc — serializing STUN messages into a caller's buffer.
#include "stun/message_builder.h"

#include "base/crc.h"
#include "base/crypto/hash.h"

namespace sansrtc::stun {

namespace {
constexpr uint16_t t16(AttrType t) { return static_cast<uint16_t>(t); }
}  // namespace

size_t encode_address(const SocketAddress& a, bool xored, const TransactionId& tid, uint8_t* out) {
  out[0] = 0;
  out[1] = a.ip().is_v4() ? 0x01 : 0x02;
  uint16_t port = a.port();
  if (xored) port ^= uint16_t(kMagicCookie >> 16);
  store_be16(out + 2, port);
  const Bytes ip = a.ip().bytes();
  std::memcpy(out + 4, ip.data(), ip.size());
  if (xored) {
    uint8_t mask[16];
    store_be32(mask, kMagicCookie);
    std::memcpy(mask + 4, tid.bytes.data(), 12);
    for (size_t i = 0; i < ip.size(); ++i) out[4 + i] ^= mask[i];
  }
  return 4 + ip.size();
}

MessageBuilder::MessageBuilder(MutBytes buf, MessageType type, const TransactionId& tid)
    : w_(buf), tid_(tid) {
  w_.u16(type.encode());
  w_.u16(0);
  w_.u32(kMagicCookie);
  w_.bytes(tid.span());
  if (!w_.ok()) fail(Errc::buffer_too_small, "STUN builder: buffer smaller than the 20-byte header");
}

void MessageBuilder::fail(Errc code, const char* message) {
  if (error_ == nullptr) {
    error_code_ = code;
    error_ = message;
  }
}

bool MessageBuilder::begin(uint16_t type, size_t length) {
  if (!ok()) return false;
  if (length > 0xFFFF) {
    fail(Errc::invalid_argument, "STUN builder: attribute value longer than 65535 bytes");
    return false;
  }
  const bool after_ok =
      stage_ == Stage::open ||
      (stage_ == Stage::after_mi &&
       (type == t16(AttrType::message_integrity_sha256) || type == t16(AttrType::fingerprint))) ||
      (stage_ == Stage::after_mi256 && type == t16(AttrType::fingerprint));
  if (!after_ok) {
    fail(Errc::invalid_argument,
         "STUN builder: attribute after MESSAGE-INTEGRITY(-SHA256) or FINGERPRINT (RFC 8489 §14.5-14.7)");
    return false;
  }
  const size_t total = w_.position() + 4 + ((length + 3) & ~size_t(3));
  if (total - kHeaderSize > 0xFFFF) {
    fail(Errc::invalid_argument, "STUN builder: message longer than 65535 bytes");
    return false;
  }
  w_.u16(type);
  w_.u16(uint16_t(length));
  return w_.ok();
}

void MessageBuilder::end_attribute(size_t length) {
  const size_t pad = ((length + 3) & ~size_t(3)) - length;
  for (size_t i = 0; i < pad; ++i) w_.u8(pad_);
  if (!w_.ok()) {
    fail(Errc::buffer_too_small, "STUN builder: buffer too small for the message");
    return;
  }
  w_.patch_u16(2, uint16_t(w_.position() - kHeaderSize));
}

void MessageBuilder::attr(uint16_t type, Bytes value) {
  if (!begin(type, value.size())) {
    if (!w_.ok()) fail(Errc::buffer_too_small, "STUN builder: buffer too small for the message");
    return;
  }
  w_.bytes(value);
  end_attribute(value.size());
}

void MessageBuilder::string_attr(AttrType type, std::string_view s, size_t max) {
  if (s.size() > max) {
    fail(Errc::invalid_argument, "STUN builder: string attribute longer than RFC 8489 allows");
    return;
  }
  attr(t16(type), as_bytes(s));
}

void MessageBuilder::address_attr(AttrType type, const SocketAddress& a, bool xored) {
  uint8_t v[20];
  const size_t n = encode_address(a, xored, tid_, v);
  attr(t16(type), Bytes(v, n));
}

void MessageBuilder::add_mapped_address(const SocketAddress& a) { address_attr(AttrType::mapped_address, a, false); }
void MessageBuilder::add_xor_mapped_address(const SocketAddress& a) {
  address_attr(AttrType::xor_mapped_address, a, true);
}
void MessageBuilder::add_alternate_server(const SocketAddress& a) {
  address_attr(AttrType::alternate_server, a, false);
}
void MessageBuilder::add_xor_peer_address(const SocketAddress& a) { address_attr(AttrType::xor_peer_address, a, true); }
void MessageBuilder::add_xor_relayed_address(const SocketAddress& a) {
  address_attr(AttrType::xor_relayed_address, a, true);
}

void MessageBuilder::add_username(std::string_view s) { string_attr(AttrType::username, s, kMaxUsernameSize); }
void MessageBuilder::add_userhash(Bytes hash32) {
  if (hash32.size() != 32) return fail(Errc::invalid_argument, "STUN builder: USERHASH must be 32 bytes");
  attr(t16(AttrType::userhash), hash32);
}
void MessageBuilder::add_realm(std::string_view s) { string_attr(AttrType::realm, s, kMaxRealmNonceSoftwareSize); }
void MessageBuilder::add_nonce(std::string_view s) { string_attr(AttrType::nonce, s, kMaxRealmNonceSoftwareSize); }
void MessageBuilder::add_software(std::string_view s) {
  string_attr(AttrType::software, s, kMaxRealmNonceSoftwareSize);
}
void MessageBuilder::add_alternate_domain(std::string_view s) {
  string_attr(AttrType::alternate_domain, s, kMaxRealmNonceSoftwareSize);
}

void MessageBuilder::add_error_code_text(uint16_t code, std::string_view reason) {
  if (code < 300 || code > 699)
    return fail(Errc::invalid_argument, "STUN builder: ERROR-CODE must be 300..699");
  if (reason.size() > kMaxRealmNonceSoftwareSize)
    return fail(Errc::invalid_argument, "STUN builder: ERROR-CODE reason phrase too long");
  if (!begin(t16(AttrType::error_code), 4 + reason.size())) {
    if (!w_.ok()) fail(Errc::buffer_too_small, "STUN builder: buffer too small for the message");
    return;
  }
  w_.u16(0);
  w_.u8(uint8_t(code / 100));
  w_.u8(uint8_t(code % 100));
  w_.bytes(reason);
  end_attribute(4 + reason.size());
}

void MessageBuilder::add_unknown_attributes(std::span<const uint16_t> types) {
  if (!begin(t16(AttrType::unknown_attributes), 2 * types.size())) {
    if (!w_.ok()) fail(Errc::buffer_too_small, "STUN builder: buffer too small for the message");
    return;
  }
  for (auto t : types) w_.u16(t);
  end_attribute(2 * types.size());
}

void MessageBuilder::add_password_algorithm(uint16_t algorithm, Bytes params) {
  // PASSWORD-ALGORITHM's value is exactly 4 + params (its own padding is the
  // attribute padding).
  if (params.size() > 0xFFFF - 4)
    return fail(Errc::invalid_argument, "STUN builder: PASSWORD-ALGORITHM parameters too long");
  if (!begin(t16(AttrType::password_algorithm), 4 + params.size())) {
    if (!w_.ok()) fail(Errc::buffer_too_small, "STUN builder: buffer too small for the message");
    return;
  }
  w_.u16(algorithm);
  w_.u16(uint16_t(params.size()));
  w_.bytes(params);
  end_attribute(4 + params.size());
}

void MessageBuilder::add_password_algorithms(std::span<const PasswordAlgorithmParam> algs) {
  if (algs.size() > kMaxPasswordAlgorithms)
    return fail(Errc::invalid_argument, "STUN builder: too many PASSWORD-ALGORITHMS entries");
  size_t len = 0;
  for (const auto& a : algs) len += 4 + ((a.params.size() + 3) & ~size_t(3));
  if (!begin(t16(AttrType::password_algorithms), len)) {
    if (!w_.ok()) fail(Errc::buffer_too_small, "STUN builder: buffer too small for the message");
    return;
  }
  for (const auto& a : algs) {
    w_.u16(a.algorithm);
    w_.u16(uint16_t(a.params.size()));
    w_.bytes(a.params);
    w_.zeros(((a.params.size() + 3) & ~size_t(3)) - a.params.size());
  }
  end_attribute(len);
}

void MessageBuilder::add_uint(AttrType type, uint64_t v, size_t size) {
  uint8_t b[8];
  store_be64(b, v);
  attr(t16(type), Bytes(b + 8 - size, size));
}

void MessageBuilder::add_channel_number(uint16_t channel) {
  if (channel < 0x4000 || channel > 0x4FFF)
    return fail(Errc::invalid_argument, "STUN builder: CHANNEL-NUMBER must be 0x4000..0x4FFF");
  uint8_t v[4] = {};
  store_be16(v, channel);
  attr(t16(AttrType::channel_number), v);
}
void MessageBuilder::add_data(Bytes data) { attr(t16(AttrType::data), data); }
void MessageBuilder::add_requested_address_family(IpFamily f) {
  const uint8_t v[4] = {uint8_t(f == IpFamily::v4 ? 1 : 2), 0, 0, 0};
  attr(t16(AttrType::requested_address_family), v);
}
void MessageBuilder::add_additional_address_family(IpFamily f) {
  const uint8_t v[4] = {uint8_t(f == IpFamily::v4 ? 1 : 2), 0, 0, 0};
  attr(t16(AttrType::additional_address_family), v);
}
void MessageBuilder::add_even_port(bool reserve_next) {
  const uint8_t v[1] = {uint8_t(reserve_next ? 0x80 : 0)};
  attr(t16(AttrType::even_port), v);
}
void MessageBuilder::add_requested_transport(uint8_t protocol) {
  const uint8_t v[4] = {protocol, 0, 0, 0};
  attr(t16(AttrType::requested_transport), v);
}
void MessageBuilder::add_raw(uint16_t type, Bytes value) {
  if (type == t16(AttrType::message_integrity) || type == t16(AttrType::message_integrity_sha256) ||
      type == t16(AttrType::fingerprint))
    return fail(Errc::invalid_argument,
                "STUN builder: add_raw cannot add MESSAGE-INTEGRITY(-SHA256)/FINGERPRINT");
  attr(type, value);
}

void MessageBuilder::add_message_integrity(Bytes key) {
  if (!begin(t16(AttrType::message_integrity), 20)) {
    if (!w_.ok()) fail(Errc::buffer_too_small, "STUN builder: buffer too small for the message");
    return;
  }
  // RFC 8489 §14.5: "the length field in the STUN message header [...] MUST
  // contain the length [...] up to, and including, the MESSAGE-INTEGRITY
  // attribute itself" — set it before hashing the prefix.
  const size_t attr_start = w_.position() - 4;
  auto mac = w_.reserve(20);
  if (mac.empty()) return fail(Errc::buffer_too_small, "STUN builder: buffer too small for the message");
  w_.patch_u16(2, uint16_t(w_.position() - kHeaderSize));
  uint8_t out[20];
  crypto::hmac(crypto::HashAlg::sha1, key, w_.buffer().first(attr_start), out);
  std::memcpy(mac.data(), out, 20);
  stage_ = Stage::after_mi;
}

void MessageBuilder::add_message_integrity_sha256(Bytes key, size_t size) {
  if (size < 16 || size > 32 || size % 4 != 0)
    return fail(Errc::invalid_argument,
                "STUN builder: MESSAGE-INTEGRITY-SHA256 size must be 16..32 and a multiple of 4");
  if (!begin(t16(AttrType::message_integrity_sha256), size)) {
    if (!w_.ok()) fail(Errc::buffer_too_small, "STUN builder: buffer too small for the message");
    return;
  }
  const size_t attr_start = w_.position() - 4;
  auto mac = w_.reserve(size);
  if (mac.empty()) return fail(Errc::buffer_too_small, "STUN builder: buffer too small for the message");
  w_.patch_u16(2, uint16_t(w_.position() - kHeaderSize));
  uint8_t out[32];
  crypto::hmac(crypto::HashAlg::sha256, key, w_.buffer().first(attr_start), out);
  std::memcpy(mac.data(), out, size);
  stage_ = Stage::after_mi256;
}

void MessageBuilder::add_fingerprint() {
  if (!begin(t16(AttrType::fingerprint), 4)) {
    if (!w_.ok()) fail(Errc::buffer_too_small, "STUN builder: buffer too small for the message");
    return;
  }
  const size_t attr_start = w_.position() - 4;
  auto v = w_.reserve(4);
  if (v.empty()) return fail(Errc::buffer_too_small, "STUN builder: buffer too small for the message");
  w_.patch_u16(2, uint16_t(w_.position() - kHeaderSize));
  // RFC 8489 §14.7: "the CRC-32 of the STUN message up to (but excluding)
  // the FINGERPRINT attribute itself, XOR'ed with the 32-bit value 0x5354554e".
  store_be32(v.data(), crc32(w_.buffer().first(attr_start)) ^ kFingerprintXor);
  stage_ = Stage::after_fingerprint;
}

Result<size_t> MessageBuilder::finish() const {
  if (error_ != nullptr) return make_error(error_code_, error_);
  if (!w_.ok()) return make_error(Errc::buffer_too_small, "STUN builder: buffer too small for the message");
  return w_.position();
}

}  // namespace sansrtc::stun
