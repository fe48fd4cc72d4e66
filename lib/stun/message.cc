// stun/message.cc — MessageView: header and attribute parsing, validation
// of every known attribute value, typed getters.
#include "stun/message.h"

#include "base/crc.h"

#include <cstring>

namespace sansrtc::stun {

uint16_t MessageType::encode() const {
  const uint16_t m = static_cast<uint16_t>(method) & 0x0FFF;
  const uint16_t c = static_cast<uint16_t>(cls) & 0x3;
  return uint16_t(((m & 0x0F80) << 2) | ((m & 0x0070) << 1) | (m & 0x000F) | ((c & 0x2) << 7) |
                  ((c & 0x1) << 4));
}

MessageType MessageType::decode(uint16_t t) {
  const uint16_t m = uint16_t(((t >> 2) & 0x0F80) | ((t >> 1) & 0x0070) | (t & 0x000F));
  const uint8_t c = uint8_t(((t >> 7) & 0x2) | ((t >> 4) & 0x1));
  return MessageType{static_cast<Method>(m), static_cast<MessageClass>(c)};
}

TransactionId TransactionId::random(Rng& rng) {
  TransactionId id;
  rng.fill(std::span<uint8_t>(id.bytes));
  return id;
}

TransactionId TransactionId::from(Bytes b) {
  TransactionId id;
  const size_t n = b.size() < kTransactionIdSize ? b.size() : kTransactionIdSize;
  if (n) std::memcpy(id.bytes.data(), b.data(), n);
  return id;
}

namespace {

// How parse() checks the value of each known attribute.
enum Rule : uint8_t {
  exact,           // length == len
  address,         // MAPPED-ADDRESS style (decode_address)
  xor_address,     // XOR-MAPPED-ADDRESS style
  up_to_513,       // USERNAME (see kMaxUsernameSize)
  up_to_763,       // REALM, NONCE, SOFTWARE, ALTERNATE-DOMAIN
  mi_sha256,       // 16..32, a multiple of 4
  error_code,
  even_length,     // UNKNOWN-ATTRIBUTES: 16-bit types
  password_algorithm,
  password_algorithms,
  channel_number,
  any_length,      // DATA
  address_family,  // REQUESTED-/ADDITIONAL-ADDRESS-FAMILY
};
struct KnownAttr {
  uint16_t type;
  Rule rule;
  uint8_t len;  // exact: the length
};
// The known types; their names live in attr_name() (in this order), so
// the strings are dropped from an image that never calls it.
constexpr KnownAttr kKnownAttrs[] = {
    {uint16_t(AttrType::mapped_address), address, 0},
    {uint16_t(AttrType::username), up_to_513, 0},
    {uint16_t(AttrType::message_integrity), exact, 20},
    {uint16_t(AttrType::error_code), error_code, 0},
    {uint16_t(AttrType::unknown_attributes), even_length, 0},
    {uint16_t(AttrType::channel_number), channel_number, 0},
    {uint16_t(AttrType::lifetime), exact, 4},
    {uint16_t(AttrType::xor_peer_address), xor_address, 0},
    {uint16_t(AttrType::data), any_length, 0},
    {uint16_t(AttrType::realm), up_to_763, 0},
    {uint16_t(AttrType::nonce), up_to_763, 0},
    {uint16_t(AttrType::xor_relayed_address), xor_address, 0},
    {uint16_t(AttrType::requested_address_family), address_family, 0},
    {uint16_t(AttrType::even_port), exact, 1},
    {uint16_t(AttrType::requested_transport), exact, 4},
    {uint16_t(AttrType::dont_fragment), exact, 0},
    {uint16_t(AttrType::message_integrity_sha256), mi_sha256, 0},
    {uint16_t(AttrType::password_algorithm), password_algorithm, 0},
    {uint16_t(AttrType::userhash), exact, 32},
    {uint16_t(AttrType::xor_mapped_address), xor_address, 0},
    {uint16_t(AttrType::reservation_token), exact, 8},
    {uint16_t(AttrType::priority), exact, 4},
    {uint16_t(AttrType::use_candidate), exact, 0},
    {uint16_t(AttrType::connection_id), exact, 4},
    {uint16_t(AttrType::additional_address_family), address_family, 0},
    {uint16_t(AttrType::password_algorithms), password_algorithms, 0},
    {uint16_t(AttrType::alternate_domain), up_to_763, 0},
    {uint16_t(AttrType::software), up_to_763, 0},
    {uint16_t(AttrType::alternate_server), address, 0},
    {uint16_t(AttrType::fingerprint), exact, 4},
    {uint16_t(AttrType::ice_controlled), exact, 8},
    {uint16_t(AttrType::ice_controlling), exact, 8},
};
constexpr size_t kKnownCount = sizeof(kKnownAttrs) / sizeof(kKnownAttrs[0]);

// Index of a known type in kKnownAttrs, or kKnownCount.
size_t known_index(uint16_t type) {
  size_t i = 0;
  while (i < kKnownCount && kKnownAttrs[i].type != type) ++i;
  return i;
}

uint16_t t16(AttrType t) { return static_cast<uint16_t>(t); }

// Validates the value of a known attribute by its rule.
bool valid_value(const KnownAttr& a, Bytes v, const TransactionId& tid) {
  const size_t n = v.size();
  switch (a.rule) {
    case exact:
      return n == a.len;
    case address:
    case xor_address:
      return decode_address(v, a.rule == xor_address, tid).has_value();
    case up_to_513:
      return n <= kMaxUsernameSize;
    case up_to_763:
      return n <= kMaxRealmNonceSoftwareSize;
    case mi_sha256:
      // RFC 8489 §14.6: "at least 16 bytes", truncation "in multiples of 4".
      return n >= 16 && n <= 32 && n % 4 == 0;
    case error_code:
      //  0                   1                   2                   3
      //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
      // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
      // |           Reserved, should be 0         |Class|     Number    |
      // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
      // |      Reason Phrase (variable)                                ..
      // RFC 8489 §14.8: "The Class MUST be between 3 and 6", number 0..99.
      return n >= 4 && n - 4 <= kMaxRealmNonceSoftwareSize && (v[2] & 0x07) >= 3 && (v[2] & 0x07) <= 6 &&
             v[3] < 100;
    case even_length:
      return n % 2 == 0;
    case password_algorithm:
      // | Algorithm (16) | Algorithm Parameters Length (16) | Parameters (padded) |
      return n >= 4 && n == 4 + size_t(load_be16(&v[2]));
    case password_algorithms: {
      ByteReader r(v);
      size_t count = 0;
      while (!r.empty() && r.ok()) {
        r.u16();
        const size_t plen = r.u16();
        r.skip((plen + 3) & ~size_t(3));
        ++count;
      }
      return r.ok() && count <= kMaxPasswordAlgorithms;
    }
    case channel_number:
      // | Channel Number (16) | RFFU = 0 (16) |. RFC 8656 §12: 0x4000-0x4FFF.
      return n == 4 && (load_be16(v.data()) & 0xF000) == 0x4000;
    case any_length:
      return true;
    case address_family:
      // | Family (8) | Reserved (24) |, 0x01 IPv4, 0x02 IPv6.
      return n == 4 && (v[0] == 1 || v[0] == 2);
  }
  return true;
}

}  // namespace

bool is_known_attribute(uint16_t type) { return known_index(type) < kKnownCount; }

namespace {

// The string tables below are NUL-separated char arrays local to the
// function that uses them: an array is its own section, so --gc-sections
// drops it with an unused function (string literals in a pointer table
// would land in the translation unit's shared string section instead).
const char* nth_string(const char* packed, size_t i) {
  for (; i > 0; --i) packed += std::strlen(packed) + 1;
  return packed;
}

}  // namespace

const char* attr_name(uint16_t type) {
  static constexpr char kNames[] =  // in kKnownAttrs order
      "MAPPED-ADDRESS\0"
      "USERNAME\0"
      "MESSAGE-INTEGRITY\0"
      "ERROR-CODE\0"
      "UNKNOWN-ATTRIBUTES\0"
      "CHANNEL-NUMBER\0"
      "LIFETIME\0"
      "XOR-PEER-ADDRESS\0"
      "DATA\0"
      "REALM\0"
      "NONCE\0"
      "XOR-RELAYED-ADDRESS\0"
      "REQUESTED-ADDRESS-FAMILY\0"
      "EVEN-PORT\0"
      "REQUESTED-TRANSPORT\0"
      "DONT-FRAGMENT\0"
      "MESSAGE-INTEGRITY-SHA256\0"
      "PASSWORD-ALGORITHM\0"
      "USERHASH\0"
      "XOR-MAPPED-ADDRESS\0"
      "RESERVATION-TOKEN\0"
      "PRIORITY\0"
      "USE-CANDIDATE\0"
      "CONNECTION-ID\0"
      "ADDITIONAL-ADDRESS-FAMILY\0"
      "PASSWORD-ALGORITHMS\0"
      "ALTERNATE-DOMAIN\0"
      "SOFTWARE\0"
      "ALTERNATE-SERVER\0"
      "FINGERPRINT\0"
      "ICE-CONTROLLED\0"
      "ICE-CONTROLLING\0";
  const size_t i = known_index(type);
  return i < kKnownCount ? nth_string(kNames, i) : "unknown";
}

const char* parse_error_name(ParseError e) {
  static constexpr char kParseErrorNames[] =  // in ParseError order
      "none\0"
      "truncated\0"
      "not_stun\0"
      "bad_magic_cookie\0"
      "bad_length\0"
      "bad_padding\0"
      "attribute_overrun\0"
      "duplicate_attribute\0"
      "attribute_after_integrity\0"
      "attribute_after_fingerprint\0"
      "fingerprint_mismatch\0"
      "too_many_attributes\0"
      "bad_attribute_value\0";
  const size_t i = static_cast<size_t>(e);
  return i < kParseErrorCount ? nth_string(kParseErrorNames, i) : "invalid";
}

Error to_error(ParseError e) {
  static constexpr char kParseErrorMessages[] =  // in ParseError order
      "STUN: no error\0"
      "STUN: message shorter than its header or an attribute header\0"
      "STUN: not a STUN message (first two bits not zero)\0"
      "STUN: wrong magic cookie\0"
      "STUN: header length does not match the message size\0"
      "STUN: header length not a multiple of 4\0"
      "STUN: attribute runs past the end of the message\0"
      "STUN: duplicate attribute\0"
      "STUN: attribute after MESSAGE-INTEGRITY\0"
      "STUN: attribute after FINGERPRINT\0"
      "STUN: FINGERPRINT mismatch\0"
      "STUN: too many attributes\0"
      "STUN: invalid attribute value\0";
  const size_t i = static_cast<size_t>(e);
  return make_error(Errc::malformed, i < kParseErrorCount ? nth_string(kParseErrorMessages, i) : "STUN: invalid");
}

uint64_t ParseStats::total_rejected() const {
  uint64_t n = 0;
  for (auto v : rejected) n += v;
  return n;
}

bool looks_like_stun(Bytes data) {
  return data.size() >= kHeaderSize && (data[0] & 0xC0) == 0 && load_be32(&data[4]) == kMagicCookie &&
         (load_be16(&data[2]) & 3) == 0;
}

std::optional<size_t> message_size(Bytes data) {
  if (data.size() < kHeaderSize || (data[0] & 0xC0) != 0 || load_be32(&data[4]) != kMagicCookie)
    return std::nullopt;
  return kHeaderSize + load_be16(&data[2]);
}

const char* default_reason_phrase(uint16_t code) {
  static constexpr uint16_t kCodes[] = {300, 400, 401, 403, 405, 420, 437, 438, 440, 441, 442, 443, 446, 447, 486, 487, 500, 508};
  static constexpr char kPhrases[] =  // in kCodes order
      "Try Alternate\0"
      "Bad Request\0"
      "Unauthorized\0"
      "Forbidden\0"
      "Mobility Forbidden\0"
      "Unknown Attribute\0"
      "Allocation Mismatch\0"
      "Stale Nonce\0"
      "Address Family not Supported\0"
      "Wrong Credentials\0"
      "Unsupported Transport Protocol\0"
      "Peer Address Family Mismatch\0"
      "Connection Already Exists\0"
      "Connection Timeout or Failure\0"
      "Allocation Quota Reached\0"
      "Role Conflict\0"
      "Server Error\0"
      "Insufficient Capacity\0";
  for (size_t i = 0; i < sizeof(kCodes) / sizeof(kCodes[0]); ++i)
    if (kCodes[i] == code) return nth_string(kPhrases, i);
  return "";
}

//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |0 0 0 0 0 0 0 0|    Family     |         (X-)Port              |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |               (X-)Address (32 bits or 128 bits)               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// RFC 8489 §14.2: X-Port = port XOR the 16 most significant bits of the
// magic cookie; X-Address = address XOR cookie (IPv4) or XOR (cookie ||
// transaction ID) (IPv6).
std::optional<SocketAddress> decode_address(Bytes v, bool xored, const TransactionId& tid) {
  if (v.size() < 4) return std::nullopt;
  const size_t n = v[1] == 0x01 ? 4 : v[1] == 0x02 ? 16 : 0;  // family
  if (n == 0 || v.size() != 4 + n) return std::nullopt;
  // One mask for both families: the cookie, then (IPv6) the transaction ID.
  uint8_t mask[16] = {};
  if (xored) {
    store_be32(mask, kMagicCookie);
    std::memcpy(mask + 4, tid.bytes.data(), 12);
  }
  std::array<uint8_t, 16> a;
  for (size_t i = 0; i < n; ++i) a[i] = v[4 + i] ^ mask[i];
  const uint16_t port = uint16_t(load_be16(&v[2]) ^ load_be16(mask));
  return SocketAddress(n == 4 ? IpAddress::v4(load_be32(a.data())) : IpAddress::v6(a), port);
}

Result<MessageView> MessageView::from(Bytes data) {
  MessageView v;
  const ParseError e = v.parse(data);
  if (e != ParseError::none) return to_error(e);
  return v;
}

ParseError MessageView::parse(Bytes data) {
  const ParseError e = parse_impl(data);
  // On failure, forget what was parsed so far: parse_impl of nothing
  // clears everything and stops at once (one copy of that code).
  if (e != ParseError::none) (void)parse_impl(Bytes());
  return e;
}

//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |0 0|     STUN Message Type     |         Message Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                         Magic Cookie                          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                     Transaction ID (96 bits)                  |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// then attributes:
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |         Type                  |            Length             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                         Value (variable, padded to 4)        ....
ParseError MessageView::parse_impl(Bytes data) {
  data_ = Bytes();
  attrs_.clear();
  unknown_.clear();
  if (data.size() < kHeaderSize) return ParseError::truncated;
  // RFC 8489 §5: "The most significant 2 bits of every STUN message MUST be zeroes."
  if ((data[0] & 0xC0) != 0) return ParseError::not_stun;
  if (load_be32(&data[4]) != kMagicCookie) return ParseError::bad_magic_cookie;
  const size_t length = load_be16(&data[2]);
  // "...the message length MUST contain the size of the message in bytes,
  // not including the 20-byte STUN header. Since all STUN attributes are
  // padded to a multiple of 4 bytes, the last 2 bits of this field are
  // always zero."
  if (length % 4 != 0) return ParseError::bad_padding;
  if (length + kHeaderSize != data.size()) return ParseError::bad_length;
  type_ = MessageType::decode(load_be16(&data[0]));
  tid_ = TransactionId::from(data.subspan(8, kTransactionIdSize));

  enum class Stage : uint8_t { open, after_mi, after_mi256, after_fingerprint };
  Stage stage = Stage::open;
  size_t pos = kHeaderSize;
  while (pos < data.size()) {
    if (data.size() - pos < 4) return ParseError::truncated;
    const uint16_t type = load_be16(&data[pos]);
    const size_t len = load_be16(&data[pos + 2]);
    const size_t padded = (len + 3) & ~size_t(3);
    if (padded > data.size() - pos - 4) return ParseError::attribute_overrun;

    // RFC 8489 §14.7: "the FINGERPRINT attribute MUST be the last attribute".
    if (stage == Stage::after_fingerprint) return ParseError::attribute_after_fingerprint;
    // §14.5: "With the exception of the MESSAGE-INTEGRITY-SHA256 and
    // FINGERPRINT attributes, which appear after MESSAGE-INTEGRITY, agents
    // MUST ignore all other attributes that follow MESSAGE-INTEGRITY."
    // §14.6: the same for MESSAGE-INTEGRITY-SHA256 with FINGERPRINT only.
    // We reject instead of ignoring: a message carrying unauthenticated
    // attributes after its MAC is either broken or an injection attempt.
    if (stage == Stage::after_mi && type != t16(AttrType::message_integrity_sha256) &&
        type != t16(AttrType::fingerprint))
      return ParseError::attribute_after_integrity;
    if (stage == Stage::after_mi256 && type != t16(AttrType::fingerprint))
      return ParseError::attribute_after_integrity;

    if (attrs_.full()) return ParseError::too_many_attributes;
    const Bytes value = data.subspan(pos + 4, len);
    if (const size_t known = known_index(type); known < kKnownCount) {
      const bool may_repeat =
          type == t16(AttrType::xor_peer_address) || type == t16(AttrType::xor_relayed_address);
      size_t n = 0;
      for (const auto& e : attrs_) n += e.type == type;
      if (n && !may_repeat) return ParseError::duplicate_attribute;
      if (n >= kMaxAddressesPerAttribute) return ParseError::too_many_attributes;
      if (!valid_value(kKnownAttrs[known], value, tid_)) return ParseError::bad_attribute_value;
    } else if (is_comprehension_required(type)) {
      bool seen = false;
      for (auto u : unknown_) seen |= u == type;
      if (!seen) (void)unknown_.push_back(type);  // beyond 8: dropped, see header
    }
    (void)attrs_.push_back(Entry{type, uint16_t(len), uint32_t(pos)});

    if (type == t16(AttrType::message_integrity)) {
      stage = Stage::after_mi;
    } else if (type == t16(AttrType::message_integrity_sha256)) {
      stage = Stage::after_mi256;
    } else if (type == t16(AttrType::fingerprint)) {
      stage = Stage::after_fingerprint;
      // The CRC covers everything before the attribute, with the header
      // length already counting the FINGERPRINT itself — which holds here
      // because FINGERPRINT is last and the length matched the datagram.
      // (Only the last attribute can be FINGERPRINT; if one follows, the
      // next loop iteration rejects the message.)
      const uint32_t expected = crc32(data.first(pos)) ^ kFingerprintXor;
      if (pos + 8 == data.size() && load_be32(value.data()) != expected)
        return ParseError::fingerprint_mismatch;
    }
    pos += 4 + padded;
  }
  data_ = data;
  return ParseError::none;
}

RawAttribute MessageView::attribute_at(size_t i) const {
  const Entry& e = attrs_[i];
  return RawAttribute{e.type, value_of(e), e.offset};
}

std::optional<RawAttribute> MessageView::find(uint16_t type) const {
  for (const auto& e : attrs_)
    if (e.type == type) return RawAttribute{e.type, value_of(e), e.offset};
  return std::nullopt;
}

std::optional<Bytes> MessageView::value(AttrType t) const {
  for (const auto& e : attrs_)
    if (e.type == t16(t)) return value_of(e);
  return std::nullopt;
}

std::optional<SocketAddress> MessageView::address(AttrType t, bool xored) const {
  auto v = value(t);
  if (!v) return std::nullopt;
  return decode_address(*v, xored, tid_);
}

InlineVector<SocketAddress, kMaxAddressesPerAttribute> MessageView::addresses(AttrType t) const {
  InlineVector<SocketAddress, kMaxAddressesPerAttribute> out;
  for (const auto& e : attrs_)
    if (e.type == t16(t))
      if (auto a = decode_address(value_of(e), true, tid_)) (void)out.push_back(*a);
  return out;
}

std::optional<SocketAddress> MessageView::mapped_address() const { return address(AttrType::mapped_address, false); }
std::optional<SocketAddress> MessageView::xor_mapped_address() const { return address(AttrType::xor_mapped_address, true); }
std::optional<SocketAddress> MessageView::alternate_server() const { return address(AttrType::alternate_server, false); }
std::optional<SocketAddress> MessageView::xor_peer_address() const { return address(AttrType::xor_peer_address, true); }
std::optional<SocketAddress> MessageView::xor_relayed_address() const { return address(AttrType::xor_relayed_address, true); }
InlineVector<SocketAddress, kMaxAddressesPerAttribute> MessageView::xor_peer_addresses() const {
  return addresses(AttrType::xor_peer_address);
}
InlineVector<SocketAddress, kMaxAddressesPerAttribute> MessageView::xor_relayed_addresses() const {
  return addresses(AttrType::xor_relayed_address);
}

namespace {
std::optional<std::string_view> as_sv(std::optional<Bytes> b) {
  if (!b) return std::nullopt;
  return as_string_view(*b);
}
}  // namespace

std::optional<std::string_view> MessageView::username() const { return as_sv(value(AttrType::username)); }
std::optional<Bytes> MessageView::userhash() const { return value(AttrType::userhash); }
std::optional<std::string_view> MessageView::realm() const { return as_sv(value(AttrType::realm)); }
std::optional<std::string_view> MessageView::nonce() const { return as_sv(value(AttrType::nonce)); }
std::optional<std::string_view> MessageView::software() const { return as_sv(value(AttrType::software)); }
std::optional<std::string_view> MessageView::alternate_domain() const {
  return as_sv(value(AttrType::alternate_domain));
}

std::optional<ErrorCodeView> MessageView::error_code() const {
  auto v = value(AttrType::error_code);
  if (!v) return std::nullopt;
  return ErrorCodeView{uint16_t(((*v)[2] & 0x07) * 100 + (*v)[3]), as_string_view(v->subspan(4))};
}

std::optional<UnknownAttributeList> MessageView::unknown_attributes() const {
  auto v = value(AttrType::unknown_attributes);
  if (!v) return std::nullopt;
  return UnknownAttributeList(*v);
}

std::optional<PasswordAlgorithmParam> MessageView::password_algorithm() const {
  auto v = value(AttrType::password_algorithm);
  if (!v) return std::nullopt;
  return PasswordAlgorithmParam{load_be16(v->data()), v->subspan(4)};
}

std::optional<InlineVector<PasswordAlgorithmParam, kMaxPasswordAlgorithms>> MessageView::password_algorithms()
    const {
  auto v = value(AttrType::password_algorithms);
  if (!v) return std::nullopt;
  InlineVector<PasswordAlgorithmParam, kMaxPasswordAlgorithms> out;
  ByteReader r(*v);
  while (!r.empty() && r.ok()) {
    const uint16_t alg = r.u16();
    const size_t plen = r.u16();
    const Bytes params = r.bytes(plen);
    r.skip(((plen + 3) & ~size_t(3)) - plen);
    if (r.ok()) (void)out.push_back(PasswordAlgorithmParam{alg, params});
  }
  return out;
}

std::optional<Bytes> MessageView::message_integrity() const { return value(AttrType::message_integrity); }
std::optional<Bytes> MessageView::message_integrity_sha256() const {
  return value(AttrType::message_integrity_sha256);
}
std::optional<uint32_t> MessageView::fingerprint() const {
  auto v = value(AttrType::fingerprint);
  if (!v) return std::nullopt;
  return load_be32(v->data());
}

namespace {
template <class T, class F>
std::optional<T> map(std::optional<Bytes> v, F f) {
  if (!v) return std::nullopt;
  return f(*v);
}
}  // namespace

std::optional<uint32_t> MessageView::priority() const {
  return map<uint32_t>(value(AttrType::priority), [](Bytes b) { return load_be32(b.data()); });
}
std::optional<uint64_t> MessageView::ice_controlled() const {
  return map<uint64_t>(value(AttrType::ice_controlled), [](Bytes b) { return load_be64(b.data()); });
}
std::optional<uint64_t> MessageView::ice_controlling() const {
  return map<uint64_t>(value(AttrType::ice_controlling), [](Bytes b) { return load_be64(b.data()); });
}
std::optional<uint16_t> MessageView::channel_number() const {
  return map<uint16_t>(value(AttrType::channel_number), [](Bytes b) { return load_be16(b.data()); });
}
std::optional<uint32_t> MessageView::lifetime() const {
  return map<uint32_t>(value(AttrType::lifetime), [](Bytes b) { return load_be32(b.data()); });
}
std::optional<Bytes> MessageView::data() const { return value(AttrType::data); }
std::optional<IpFamily> MessageView::requested_address_family() const {
  return map<IpFamily>(value(AttrType::requested_address_family),
                       [](Bytes b) { return b[0] == 1 ? IpFamily::v4 : IpFamily::v6; });
}
std::optional<IpFamily> MessageView::additional_address_family() const {
  return map<IpFamily>(value(AttrType::additional_address_family),
                       [](Bytes b) { return b[0] == 1 ? IpFamily::v4 : IpFamily::v6; });
}
std::optional<bool> MessageView::even_port() const {
  return map<bool>(value(AttrType::even_port), [](Bytes b) { return (b[0] & 0x80) != 0; });
}
std::optional<uint8_t> MessageView::requested_transport() const {
  return map<uint8_t>(value(AttrType::requested_transport), [](Bytes b) { return b[0]; });
}
std::optional<uint64_t> MessageView::reservation_token() const {
  return map<uint64_t>(value(AttrType::reservation_token), [](Bytes b) { return load_be64(b.data()); });
}
std::optional<uint32_t> MessageView::connection_id() const {
  return map<uint32_t>(value(AttrType::connection_id), [](Bytes b) { return load_be32(b.data()); });
}

}  // namespace sansrtc::stun
