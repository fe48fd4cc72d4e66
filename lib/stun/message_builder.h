// stun/message_builder.h — the STUN message codec, send side.
//
// `MessageBuilder` serializes one message straight into the caller's buffer
// (RFC 8489 §5 header, §14 attributes padded to 4 bytes), keeping the header
// length field current after every attribute so MESSAGE-INTEGRITY(-SHA256)
// (§14.5/§14.6) and FINGERPRINT (§14.7) are computed exactly as a receiver
// recomputes them. Errors are sticky: build straight through, then call
// finish() once; it reports the first problem (buffer too small, a value
// too long, an attribute added after FINGERPRINT...).
//
//   MessageBuilder b(buf, {Method::binding, MessageClass::request}, tid);
//   b.add_username("ufragR:ufragL");
//   b.add_priority(prio);
//   b.add_ice_controlling(tie_breaker);
//   b.add_message_integrity(key.expose());
//   b.add_fingerprint();
//   Result<size_t> n = b.finish();
//
// Ordering rules enforced (RFC 8489 §14.5-14.7): after MESSAGE-INTEGRITY
// only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT; after
// MESSAGE-INTEGRITY-SHA256 only FINGERPRINT; nothing after FINGERPRINT.
// Duplicates are the caller's responsibility (the parser rejects them).
#pragma once

#include "stun/message.h"

#include <optional>
#include <span>

namespace sansrtc::stun {

class MessageBuilder {
 public:
  // Writes the 20-byte header into `buf` at once. `buf` must stay valid
  // until finish(); the message occupies its first finish() bytes.
  MessageBuilder(MutBytes buf, MessageType type, const TransactionId& tid);

  // Value of the padding bytes after attributes whose length is not a
  // multiple of 4 (default 0). RFC 8489 §14 lets a sender put anything
  // there and makes receivers ignore it; it exists here only because the
  // RFC 5769 test vectors pad SOFTWARE and USERNAME with spaces (0x20) and
  // their MESSAGE-INTEGRITY and FINGERPRINT cover those bytes, so
  // reproducing the vectors byte for byte needs it.
  void set_padding_byte(uint8_t b) { pad_ = b; }

  void add_mapped_address(const SocketAddress& a);
  void add_xor_mapped_address(const SocketAddress& a);
  void add_alternate_server(const SocketAddress& a);
  void add_xor_peer_address(const SocketAddress& a);
  void add_xor_relayed_address(const SocketAddress& a);

  // Strings are written as given (UTF-8; no SASLprep). Over-long values
  // (see the bounds in message.h) fail finish() with invalid_argument.
  void add_username(std::string_view s);
  void add_userhash(Bytes hash32);
  void add_realm(std::string_view s);
  void add_nonce(std::string_view s);
  void add_software(std::string_view s);
  void add_alternate_domain(std::string_view s);
  // code in 300..699; reason UTF-8 written as given (nullopt uses
  // default_reason_phrase(code); an empty string_view stays empty).
  void add_error_code(uint16_t code, std::optional<std::string_view> reason = std::nullopt) {
    add_error_code_text(code, reason ? *reason : std::string_view(default_reason_phrase(code)));
  }
  // The same with the reason given: a caller that always passes one does not
  // link default_reason_phrase()'s table.
  void add_error_code_text(uint16_t code, std::string_view reason);
  void add_unknown_attributes(std::span<const uint16_t> types);
  void add_password_algorithm(uint16_t algorithm, Bytes params = {});
  void add_password_algorithms(std::span<const PasswordAlgorithmParam> algs);

  void add_priority(uint32_t priority) { add_uint(AttrType::priority, priority, 4); }
  void add_use_candidate() { add_uint(AttrType::use_candidate, 0, 0); }
  void add_ice_controlled(uint64_t tie_breaker) { add_uint(AttrType::ice_controlled, tie_breaker, 8); }
  void add_ice_controlling(uint64_t tie_breaker) { add_uint(AttrType::ice_controlling, tie_breaker, 8); }

  void add_channel_number(uint16_t channel);
  void add_lifetime(uint32_t seconds) { add_uint(AttrType::lifetime, seconds, 4); }
  void add_data(Bytes data);
  void add_requested_address_family(IpFamily f);
  void add_additional_address_family(IpFamily f);
  void add_even_port(bool reserve_next);
  void add_requested_transport(uint8_t protocol = 17);  // UDP
  void add_dont_fragment() { add_uint(AttrType::dont_fragment, 0, 0); }
  void add_reservation_token(uint64_t token) { add_uint(AttrType::reservation_token, token, 8); }
  void add_connection_id(uint32_t id) { add_uint(AttrType::connection_id, id, 4); }
  // An attribute whose value is the last `size` (0, 4 or 8) bytes of `v`
  // in network order: one routine for the integer and flag attributes above.
  void add_uint(AttrType type, uint64_t v, size_t size);

  // Any attribute with an arbitrary value (tests, extensions). Refuses the
  // three integrity/fingerprint types: use the functions below.
  void add_raw(uint16_t type, Bytes value);

  // HMAC-SHA1 over the message so far (RFC 8489 §14.5). `key` from
  // integrity.h (short_term_key / long_term_key).
  void add_message_integrity(Bytes key);
  // HMAC-SHA256 (§14.6), truncated to `size` bytes (16..32, multiple of 4).
  void add_message_integrity_sha256(Bytes key, size_t size = 32);
  // CRC-32 XOR 0x5354554e over the message so far (§14.7). Must be last.
  void add_fingerprint();

  // The finished message size, or the first error: buffer_too_small,
  // invalid_argument (value out of range / ordering broken).
  [[nodiscard]] Result<size_t> finish() const;
  // The bytes written so far (the whole message after a successful finish()).
  Bytes written() const { return w_.written(); }
  bool ok() const { return w_.ok() && error_ == nullptr; }

 private:
  enum class Stage : uint8_t { open, after_mi, after_mi256, after_fingerprint };
  bool begin(uint16_t type, size_t length);  // checks ordering, writes the header
  void end_attribute(size_t length);         // padding + header length field
  void attr(uint16_t type, Bytes value);
  void string_attr(AttrType type, std::string_view s, size_t max);
  void address_attr(AttrType type, const SocketAddress& a, bool xored);
  void fail(Errc code, const char* message);

  ByteWriter w_;
  TransactionId tid_;
  uint8_t pad_ = 0;
  Stage stage_ = Stage::open;
  Errc error_code_ = Errc::invalid_argument;
  const char* error_ = nullptr;
};

// Encodes an (XOR-)address value into `out` (8 or 20 bytes); returns its size.
size_t encode_address(const SocketAddress& a, bool xored, const TransactionId& tid, uint8_t* out);

}  // namespace sansrtc::stun
