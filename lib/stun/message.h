// stun/message.h — the STUN message codec, receive side: constants, types
// and `MessageView`, a validated, non-owning view of one STUN message.
//
// Implements RFC 8489 (STUN) §5 (header), §14 (attribute format and the
// comprehension-required/optional split), the attributes ICE (RFC 8445
// §16.1), consent freshness (RFC 7675, which uses plain Binding + ICE
// attributes), TURN (RFC 8656 §18) and TURN-TCP (RFC 6062 §6.2.1,
// CONNECTION-ID) put into messages. The send side is message_builder.h,
// integrity/fingerprint keys and checks are integrity.h.
//
// What parse() checks (a message that passes can be read with the typed
// getters without further validation):
//   - header: first two bits zero, magic cookie, length a multiple of 4 and
//     equal to the bytes that follow the header (one datagram = one
//     message; stream framing is the caller's, see message_size());
//   - every attribute fits, every known attribute has a valid value
//     (lengths, address families, ERROR-CODE class 3..6, string bounds);
//   - no duplicate known attribute (except XOR-PEER-ADDRESS and
//     XOR-RELAYED-ADDRESS, which RFC 8656 allows to repeat);
//   - ordering: after MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and
//     FINGERPRINT, after MESSAGE-INTEGRITY-SHA256 only FINGERPRINT, nothing
//     after FINGERPRINT;
//   - FINGERPRINT, when present, matches (RFC 8489 §14.7).
// MESSAGE-INTEGRITY(-SHA256) needs a key and is checked by the caller with
// verify_integrity() (integrity.h).
//
// Leaves out: SASLprep/OpaqueString (integrity.h accepts ASCII only),
// ADDRESS-ERROR-CODE and ICMP (RFC 8656; skipped like any unknown
// comprehension-optional attribute), DTLS-over-STUN and the legacy RFC 3489
// format without magic cookie (rejected as bad_magic_cookie).
#pragma once

#include "base/address.h"
#include "base/bytes.h"
#include "base/inline_vector.h"
#include <sansrtc/result.h>
#include <sansrtc/rng.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace sansrtc::stun {

inline constexpr uint32_t kMagicCookie = 0x2112A442;
inline constexpr size_t kHeaderSize = 20;
inline constexpr size_t kTransactionIdSize = 12;
inline constexpr uint32_t kFingerprintXor = 0x5354554e;  // "STUN"
// Attributes kept per message (known and unknown together). A message with
// more is rejected with too_many_attributes: real ICE/TURN messages carry
// fewer than 15; 40 leaves room for one of each of the 32 known types plus
// repeated XOR-PEER-ADDRESS and a few unknown ones.
inline constexpr size_t kMaxAttributes = 40;
// Unknown comprehension-required attribute types remembered for a 420.
inline constexpr size_t kMaxUnknownAttributes = 8;
// Repeated XOR-PEER-ADDRESS (CreatePermission) / XOR-RELAYED-ADDRESS kept.
inline constexpr size_t kMaxAddressesPerAttribute = 8;
inline constexpr size_t kMaxPasswordAlgorithms = 8;
// Upper bound on a message the transaction machinery stores (RFC 8489 §6.1:
// without a known path MTU, "1280 bytes for IPv6").
inline constexpr size_t kMaxMessageSize = 1280;
// String attribute bounds from RFC 8489 §14.3 (USERNAME "fewer than 509
// bytes" — we accept up to 513 as RFC 5389 did), §14.9/§14.10/§14.14
// (REALM, NONCE, SOFTWARE "fewer than 128 characters", up to 763 bytes).
inline constexpr size_t kMaxUsernameSize = 513;
inline constexpr size_t kMaxRealmNonceSoftwareSize = 763;

// 12-bit method. Unknown methods parse too (any value 0..0xFFF).
enum class Method : uint16_t {
  binding = 0x001,            // RFC 8489
  allocate = 0x003,           // RFC 8656
  refresh = 0x004,
  send = 0x006,
  data = 0x007,
  create_permission = 0x008,
  channel_bind = 0x009,
  connect = 0x00A,            // RFC 6062
  connection_bind = 0x00B,
  connection_attempt = 0x00C,
};

enum class MessageClass : uint8_t {
  request = 0,
  indication = 1,
  success_response = 2,
  error_response = 3,
};

//  0                 1
//  2  3  4 5 6 7 8 9 0 1 2 3 4 5
// +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
// |M |M |M|M|M|C|M|M|M|C|M|M|M|M|
// |11|10|9|8|7|1|6|5|4|0|3|2|1|0|
// +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
struct MessageType {
  Method method = Method::binding;
  MessageClass cls = MessageClass::request;

  uint16_t encode() const;                 // the 14-bit type field
  static MessageType decode(uint16_t type);  // top two bits ignored
  bool operator==(const MessageType&) const = default;
};

struct TransactionId {
  std::array<uint8_t, kTransactionIdSize> bytes{};

  // 96 random bits (RFC 8489 §6: "MUST be uniformly and randomly chosen").
  static TransactionId random(Rng& rng);
  static TransactionId from(Bytes b);  // copies min(12, size) bytes
  Bytes span() const { return Bytes(bytes.data(), bytes.size()); }
  bool operator==(const TransactionId&) const = default;
};

// Attribute types (RFC 8489 §18.3, RFC 8445 §20.1, RFC 8656 §18, RFC 6062).
enum class AttrType : uint16_t {
  // comprehension-required
  mapped_address = 0x0001,
  username = 0x0006,
  message_integrity = 0x0008,
  error_code = 0x0009,
  unknown_attributes = 0x000A,
  channel_number = 0x000C,
  lifetime = 0x000D,
  xor_peer_address = 0x0012,
  data = 0x0013,
  realm = 0x0014,
  nonce = 0x0015,
  xor_relayed_address = 0x0016,
  requested_address_family = 0x0017,
  even_port = 0x0018,
  requested_transport = 0x0019,
  dont_fragment = 0x001A,
  message_integrity_sha256 = 0x001C,
  password_algorithm = 0x001D,
  userhash = 0x001E,
  xor_mapped_address = 0x0020,
  reservation_token = 0x0022,
  priority = 0x0024,
  use_candidate = 0x0025,
  connection_id = 0x002A,
  // comprehension-optional
  additional_address_family = 0x8000,
  password_algorithms = 0x8002,
  alternate_domain = 0x8003,
  software = 0x8022,
  alternate_server = 0x8023,
  fingerprint = 0x8028,
  ice_controlled = 0x8029,
  ice_controlling = 0x802A,
};

// True for the types this codec understands (the enumerators above).
bool is_known_attribute(uint16_t type);
// RFC 8489 §14: 0x0000-0x7FFF are comprehension-required.
inline bool is_comprehension_required(uint16_t type) { return type < 0x8000; }
const char* attr_name(uint16_t type);  // "XOR-MAPPED-ADDRESS", or "unknown"

// RFC 8489 §18.5 password algorithms.
enum class PasswordAlgorithm : uint16_t { md5 = 0x0001, sha256 = 0x0002 };

// Why parse() rejected a message.
enum class ParseError : uint8_t {
  none = 0,
  truncated,                 // shorter than the header or an attribute header
  not_stun,                  // the first two bits are not zero
  bad_magic_cookie,
  bad_length,                // header length != bytes after the header
  bad_padding,               // header length not a multiple of 4
  attribute_overrun,         // an attribute (with its padding) runs past the end
  duplicate_attribute,       // a known attribute twice (see parse())
  attribute_after_integrity, // other than MI-SHA256/FINGERPRINT after MESSAGE-INTEGRITY
  attribute_after_fingerprint,
  fingerprint_mismatch,
  too_many_attributes,       // more than kMaxAttributes
  bad_attribute_value,       // a known attribute with an invalid length or value
  count_,
};
inline constexpr size_t kParseErrorCount = static_cast<size_t>(ParseError::count_);
const char* parse_error_name(ParseError e);  // "truncated", ...
// An Error (Errc::malformed, static message naming the reason).
Error to_error(ParseError e);

// Counts messages rejected by reason. Machines that parse STUN keep one.
struct ParseStats {
  uint64_t accepted = 0;
  std::array<uint64_t, kParseErrorCount> rejected{};

  void count(ParseError e) {
    if (e == ParseError::none) ++accepted; else ++rejected[static_cast<size_t>(e)];
  }
  uint64_t rejected_by(ParseError e) const { return rejected[static_cast<size_t>(e)]; }
  uint64_t total_rejected() const;
};

// Quick test: true when `data` could be a STUN message (>= 20 bytes, first
// two bits zero, magic cookie, length a multiple of 4). Does not validate.
// (RFC 7983 demultiplexing by first byte 0..3 is the caller's; this is the
// stricter second look.)
bool looks_like_stun(Bytes data);
// For stream transports (TCP/TLS): the total size of the message whose
// header starts `data` (20 + length), or nullopt if fewer than 20 bytes or
// not a STUN header.
std::optional<size_t> message_size(Bytes data);

// ERROR-CODE (RFC 8489 §14.8): code = class * 100 + number (300..699).
struct ErrorCodeView {
  uint16_t code = 0;
  std::string_view reason;  // UTF-8, borrowed
};

// Well-known error codes.
namespace error_codes {
inline constexpr uint16_t kTryAlternate = 300;
inline constexpr uint16_t kBadRequest = 400;
inline constexpr uint16_t kUnauthorized = 401;
inline constexpr uint16_t kForbidden = 403;              // RFC 8656
inline constexpr uint16_t kUnknownAttribute = 420;
inline constexpr uint16_t kAllocationMismatch = 437;     // RFC 8656
inline constexpr uint16_t kStaleNonce = 438;
inline constexpr uint16_t kAddressFamilyNotSupported = 440;  // RFC 8656
inline constexpr uint16_t kWrongCredentials = 441;       // RFC 8656
inline constexpr uint16_t kUnsupportedTransportProtocol = 442;
inline constexpr uint16_t kPeerAddressFamilyMismatch = 443;
inline constexpr uint16_t kConnectionAlreadyExists = 446;  // RFC 6062
inline constexpr uint16_t kConnectionTimeoutOrFailure = 447;
inline constexpr uint16_t kAllocationQuotaReached = 486;
inline constexpr uint16_t kRoleConflict = 487;           // RFC 8445
inline constexpr uint16_t kServerError = 500;
inline constexpr uint16_t kInsufficientCapacity = 508;
}  // namespace error_codes
// The RFC's reason phrase for a code ("Bad Request"), "" if none.
const char* default_reason_phrase(uint16_t code);

// PASSWORD-ALGORITHM value / one entry of PASSWORD-ALGORITHMS (§14.11/12).
struct PasswordAlgorithmParam {
  uint16_t algorithm = 0;  // PasswordAlgorithm values, or others
  Bytes params;            // borrowed, unpadded
};

// UNKNOWN-ATTRIBUTES value: a list of 16-bit types over the borrowed bytes.
class UnknownAttributeList {
 public:
  UnknownAttributeList() = default;
  explicit UnknownAttributeList(Bytes raw) : raw_(raw) {}
  size_t size() const { return raw_.size() / 2; }
  uint16_t operator[](size_t i) const { return load_be16(&raw_[2 * i]); }
  Bytes raw() const { return raw_; }

 private:
  Bytes raw_;
};

// One attribute as it appeared on the wire (value unpadded, borrowed).
struct RawAttribute {
  uint16_t type = 0;
  Bytes value;
  size_t offset = 0;  // of its 4-byte header within the message
};

// A parsed STUN message. Borrows the bytes given to parse(): they must
// outlive the view and every span/string_view obtained from it. Cheap to
// copy (about 400 bytes, no heap).
class MessageView {
 public:
  MessageView() = default;

  // Parses exactly one message occupying all of `data`. On success returns
  // ParseError::none and the view is usable; on failure the view is left
  // empty (valid() false). Never reads outside `data`.
  //
  // Duplicates: RFC 8489 §14 says only the first of repeated attributes is
  // to be used. We reject duplicates of known attributes instead: two
  // different USERNAMEs or MESSAGE-INTEGRITYs in one message are never
  // legitimate, and refusing them removes any doubt about which one a
  // check looked at (a classic source of auth bypasses). Unknown
  // attributes may repeat.
  [[nodiscard]] ParseError parse(Bytes data);
  // The same, as a Result (Errc::malformed with the reason's message).
  static Result<MessageView> from(Bytes data);

  bool valid() const { return !data_.empty(); }
  Bytes bytes() const { return data_; }
  size_t size() const { return data_.size(); }
  MessageType type() const { return type_; }
  Method method() const { return type_.method; }
  MessageClass message_class() const { return type_.cls; }
  bool is_request() const { return type_.cls == MessageClass::request; }
  bool is_indication() const { return type_.cls == MessageClass::indication; }
  bool is_success_response() const { return type_.cls == MessageClass::success_response; }
  bool is_error_response() const { return type_.cls == MessageClass::error_response; }
  bool is_response() const { return is_success_response() || is_error_response(); }
  const TransactionId& transaction_id() const { return tid_; }

  // All attributes in wire order (known and unknown).
  size_t attribute_count() const { return attrs_.size(); }
  RawAttribute attribute_at(size_t i) const;
  // The first attribute of `type`.
  std::optional<RawAttribute> find(uint16_t type) const;
  std::optional<RawAttribute> find(AttrType type) const { return find(static_cast<uint16_t>(type)); }
  bool has(AttrType type) const { return find(type).has_value(); }
  // Unknown comprehension-required types, in order, without repeats, up to
  // kMaxUnknownAttributes (the rest are dropped — a 420 listing 8 is
  // enough). Non-empty means a server must answer 420 (RFC 8489 §6.3.1).
  std::span<const uint16_t> unknown_comprehension_required() const { return unknown_.span(); }

  // Typed getters: nullopt/false when the attribute is absent. Values were
  // validated by parse().
  std::optional<SocketAddress> mapped_address() const;
  std::optional<SocketAddress> xor_mapped_address() const;
  std::optional<SocketAddress> alternate_server() const;
  std::optional<SocketAddress> xor_peer_address() const;      // the first
  InlineVector<SocketAddress, kMaxAddressesPerAttribute> xor_peer_addresses() const;
  std::optional<SocketAddress> xor_relayed_address() const;   // the first
  InlineVector<SocketAddress, kMaxAddressesPerAttribute> xor_relayed_addresses() const;

  std::optional<std::string_view> username() const;
  std::optional<Bytes> userhash() const;  // 32 bytes
  std::optional<std::string_view> realm() const;
  std::optional<std::string_view> nonce() const;
  std::optional<std::string_view> software() const;
  std::optional<std::string_view> alternate_domain() const;
  std::optional<ErrorCodeView> error_code() const;
  std::optional<UnknownAttributeList> unknown_attributes() const;
  std::optional<PasswordAlgorithmParam> password_algorithm() const;
  std::optional<InlineVector<PasswordAlgorithmParam, kMaxPasswordAlgorithms>> password_algorithms() const;

  std::optional<Bytes> message_integrity() const;         // 20 bytes
  std::optional<Bytes> message_integrity_sha256() const;  // 16..32 bytes
  std::optional<uint32_t> fingerprint() const;             // already verified

  std::optional<uint32_t> priority() const;
  bool use_candidate() const { return has(AttrType::use_candidate); }
  std::optional<uint64_t> ice_controlled() const;   // tie-breaker
  std::optional<uint64_t> ice_controlling() const;  // tie-breaker

  std::optional<uint16_t> channel_number() const;
  std::optional<uint32_t> lifetime() const;  // seconds
  std::optional<Bytes> data() const;
  std::optional<IpFamily> requested_address_family() const;
  std::optional<IpFamily> additional_address_family() const;
  std::optional<bool> even_port() const;             // the R bit
  std::optional<uint8_t> requested_transport() const;  // IANA protocol (17 = UDP)
  bool dont_fragment() const { return has(AttrType::dont_fragment); }
  std::optional<uint64_t> reservation_token() const;
  std::optional<uint32_t> connection_id() const;

 private:
  struct Entry {
    uint16_t type;
    uint16_t length;
    uint32_t offset;  // of the attribute header
  };
  Bytes value_of(const Entry& e) const { return data_.subspan(e.offset + 4, e.length); }
  std::optional<Bytes> value(AttrType t) const;
  std::optional<SocketAddress> address(AttrType t, bool xored) const;
  InlineVector<SocketAddress, kMaxAddressesPerAttribute> addresses(AttrType t) const;
  ParseError parse_impl(Bytes data);

  Bytes data_;
  MessageType type_;
  TransactionId tid_;
  InlineVector<Entry, kMaxAttributes> attrs_;
  InlineVector<uint16_t, kMaxUnknownAttributes> unknown_;
};

// Decodes (X)OR-MAPPED-ADDRESS-style values. Exposed for TURN/ICE tests.
// `tid` is needed for XOR of IPv6 addresses. nullopt on a bad value.
std::optional<SocketAddress> decode_address(Bytes value, bool xored, const TransactionId& tid);

}  // namespace sansrtc::stun
