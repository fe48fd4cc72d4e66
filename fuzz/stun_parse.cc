// Fuzz target: STUN message parsing (lib/stun/message.h).
//
// parse → if accepted, re-serialize every attribute with MessageBuilder in
// wire order → reparse (must succeed) → every typed field must read the
// same; a second rebuild must reproduce the first byte for byte. MAC values
// are recomputed under a fixed key (and verified), so only their presence
// and size are compared. Also exercises verify_integrity on the input.
#include "stun/integrity.h"
#include "stun/message.h"
#include "stun/message_builder.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace sansrtc;
using namespace sansrtc::stun;

namespace {

#define FUZZ_CHECK(cond)                                                     \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::fprintf(stderr, "stun_parse: check failed: %s (line %d)\n", #cond, __LINE__); \
      std::abort();                                                          \
    }                                                                        \
  } while (0)

const uint8_t kKey[] = {'f', 'u', 'z', 'z', '-', 'k', 'e', 'y'};

template <class T>
bool same_opt(const std::optional<T>& a, const std::optional<T>& b) {
  return a.has_value() == b.has_value() && (!a || *a == *b);
}
bool same_bytes(const std::optional<Bytes>& a, const std::optional<Bytes>& b) {
  return a.has_value() == b.has_value() && (!a || bytes_equal(*a, *b));
}

// Serializes `v` again; returns the size (0 on a builder error).
size_t rebuild(const MessageView& v, MutBytes out) {
  MessageBuilder b(out, v.type(), v.transaction_id());
  const TransactionId& tid = v.transaction_id();
  for (size_t i = 0; i < v.attribute_count(); ++i) {
    const RawAttribute a = v.attribute_at(i);
    const Bytes val = a.value;
    switch (static_cast<AttrType>(a.type)) {
      case AttrType::mapped_address: b.add_mapped_address(*decode_address(val, false, tid)); break;
      case AttrType::alternate_server: b.add_alternate_server(*decode_address(val, false, tid)); break;
      case AttrType::xor_mapped_address: b.add_xor_mapped_address(*decode_address(val, true, tid)); break;
      case AttrType::xor_peer_address: b.add_xor_peer_address(*decode_address(val, true, tid)); break;
      case AttrType::xor_relayed_address: b.add_xor_relayed_address(*decode_address(val, true, tid)); break;
      case AttrType::username: b.add_username(*v.username()); break;
      case AttrType::userhash: b.add_userhash(*v.userhash()); break;
      case AttrType::realm: b.add_realm(*v.realm()); break;
      case AttrType::nonce: b.add_nonce(*v.nonce()); break;
      case AttrType::software: b.add_software(*v.software()); break;
      case AttrType::alternate_domain: b.add_alternate_domain(*v.alternate_domain()); break;
      case AttrType::error_code: b.add_error_code(v.error_code()->code, v.error_code()->reason); break;
      case AttrType::unknown_attributes: {
        auto ua = *v.unknown_attributes();
        static uint16_t types[0x8000];
        for (size_t k = 0; k < ua.size(); ++k) types[k] = ua[k];
        b.add_unknown_attributes(std::span<const uint16_t>(types, ua.size()));
        break;
      }
      case AttrType::password_algorithm: {
        auto pa = *v.password_algorithm();
        b.add_password_algorithm(pa.algorithm, pa.params);
        break;
      }
      case AttrType::password_algorithms: {
        auto pas = *v.password_algorithms();
        b.add_password_algorithms(pas.span());
        break;
      }
      case AttrType::priority: b.add_priority(*v.priority()); break;
      case AttrType::use_candidate: b.add_use_candidate(); break;
      case AttrType::ice_controlled: b.add_ice_controlled(*v.ice_controlled()); break;
      case AttrType::ice_controlling: b.add_ice_controlling(*v.ice_controlling()); break;
      case AttrType::channel_number: b.add_channel_number(*v.channel_number()); break;
      case AttrType::lifetime: b.add_lifetime(*v.lifetime()); break;
      case AttrType::data: b.add_data(*v.data()); break;
      case AttrType::requested_address_family: b.add_requested_address_family(*v.requested_address_family()); break;
      case AttrType::additional_address_family:
        b.add_additional_address_family(*v.additional_address_family());
        break;
      case AttrType::even_port: b.add_even_port(*v.even_port()); break;
      case AttrType::requested_transport: b.add_requested_transport(*v.requested_transport()); break;
      case AttrType::dont_fragment: b.add_dont_fragment(); break;
      case AttrType::reservation_token: b.add_reservation_token(*v.reservation_token()); break;
      case AttrType::connection_id: b.add_connection_id(*v.connection_id()); break;
      case AttrType::message_integrity: b.add_message_integrity(kKey); break;
      case AttrType::message_integrity_sha256: b.add_message_integrity_sha256(kKey, val.size()); break;
      case AttrType::fingerprint: b.add_fingerprint(); break;
      default: b.add_raw(a.type, val); break;
    }
  }
  auto n = b.finish();
  return n.ok() ? *n : 0;
}

void compare(const MessageView& a, const MessageView& b) {
  FUZZ_CHECK(a.type() == b.type());
  FUZZ_CHECK(a.transaction_id() == b.transaction_id());
  FUZZ_CHECK(a.size() == b.size());
  FUZZ_CHECK(a.attribute_count() == b.attribute_count());
  for (size_t i = 0; i < a.attribute_count(); ++i) {
    FUZZ_CHECK(a.attribute_at(i).type == b.attribute_at(i).type);
    FUZZ_CHECK(a.attribute_at(i).value.size() == b.attribute_at(i).value.size());
    FUZZ_CHECK(a.attribute_at(i).offset == b.attribute_at(i).offset);
  }
  FUZZ_CHECK(a.unknown_comprehension_required().size() == b.unknown_comprehension_required().size());
  FUZZ_CHECK(same_opt(a.mapped_address(), b.mapped_address()));
  FUZZ_CHECK(same_opt(a.xor_mapped_address(), b.xor_mapped_address()));
  FUZZ_CHECK(same_opt(a.alternate_server(), b.alternate_server()));
  FUZZ_CHECK(same_opt(a.xor_peer_address(), b.xor_peer_address()));
  FUZZ_CHECK(same_opt(a.xor_relayed_address(), b.xor_relayed_address()));
  auto pa = a.xor_peer_addresses(), pb = b.xor_peer_addresses();
  FUZZ_CHECK(pa.size() == pb.size());
  for (size_t i = 0; i < pa.size(); ++i) FUZZ_CHECK(pa[i] == pb[i]);
  FUZZ_CHECK(a.xor_relayed_addresses().size() == b.xor_relayed_addresses().size());
  FUZZ_CHECK(same_opt(a.username(), b.username()));
  FUZZ_CHECK(same_bytes(a.userhash(), b.userhash()));
  FUZZ_CHECK(same_opt(a.realm(), b.realm()));
  FUZZ_CHECK(same_opt(a.nonce(), b.nonce()));
  FUZZ_CHECK(same_opt(a.software(), b.software()));
  FUZZ_CHECK(same_opt(a.alternate_domain(), b.alternate_domain()));
  FUZZ_CHECK(a.error_code().has_value() == b.error_code().has_value());
  if (a.error_code()) {
    FUZZ_CHECK(a.error_code()->code == b.error_code()->code);
    FUZZ_CHECK(a.error_code()->reason == b.error_code()->reason);
  }
  FUZZ_CHECK(a.unknown_attributes().has_value() == b.unknown_attributes().has_value());
  if (a.unknown_attributes()) FUZZ_CHECK(bytes_equal(a.unknown_attributes()->raw(), b.unknown_attributes()->raw()));
  FUZZ_CHECK(a.password_algorithm().has_value() == b.password_algorithm().has_value());
  if (a.password_algorithm()) {
    FUZZ_CHECK(a.password_algorithm()->algorithm == b.password_algorithm()->algorithm);
    FUZZ_CHECK(bytes_equal(a.password_algorithm()->params, b.password_algorithm()->params));
  }
  FUZZ_CHECK(a.password_algorithms().has_value() == b.password_algorithms().has_value());
  if (a.password_algorithms()) {
    auto x = *a.password_algorithms(), y = *b.password_algorithms();
    FUZZ_CHECK(x.size() == y.size());
    for (size_t i = 0; i < x.size(); ++i) {
      FUZZ_CHECK(x[i].algorithm == y[i].algorithm);
      FUZZ_CHECK(bytes_equal(x[i].params, y[i].params));
    }
  }
  FUZZ_CHECK(a.message_integrity().has_value() == b.message_integrity().has_value());
  FUZZ_CHECK(a.message_integrity_sha256().has_value() == b.message_integrity_sha256().has_value());
  FUZZ_CHECK(a.fingerprint().has_value() == b.fingerprint().has_value());
  FUZZ_CHECK(same_opt(a.priority(), b.priority()));
  FUZZ_CHECK(a.use_candidate() == b.use_candidate());
  FUZZ_CHECK(same_opt(a.ice_controlled(), b.ice_controlled()));
  FUZZ_CHECK(same_opt(a.ice_controlling(), b.ice_controlling()));
  FUZZ_CHECK(same_opt(a.channel_number(), b.channel_number()));
  FUZZ_CHECK(same_opt(a.lifetime(), b.lifetime()));
  FUZZ_CHECK(same_bytes(a.data(), b.data()));
  FUZZ_CHECK(same_opt(a.requested_address_family(), b.requested_address_family()));
  FUZZ_CHECK(same_opt(a.additional_address_family(), b.additional_address_family()));
  FUZZ_CHECK(same_opt(a.even_port(), b.even_port()));
  FUZZ_CHECK(same_opt(a.requested_transport(), b.requested_transport()));
  FUZZ_CHECK(a.dont_fragment() == b.dont_fragment());
  FUZZ_CHECK(same_opt(a.reservation_token(), b.reservation_token()));
  FUZZ_CHECK(same_opt(a.connection_id(), b.connection_id()));
}

uint8_t g_buf1[0x10000 + kHeaderSize];
uint8_t g_buf2[0x10000 + kHeaderSize];

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Bytes input(data, size);
  (void)looks_like_stun(input);
  (void)message_size(input);
  MessageView v;
  const ParseError e = v.parse(input);
  if (e != ParseError::none) {
    FUZZ_CHECK(!v.valid());
    FUZZ_CHECK(parse_error_name(e) != nullptr);
    return 0;
  }
  FUZZ_CHECK(v.size() == size);
  // Integrity over attacker-controlled offsets must be memory-safe.
  (void)verify_integrity(v, Bytes(kKey));

  const size_t n1 = rebuild(v, g_buf1);
  FUZZ_CHECK(n1 == size);
  MessageView r;
  FUZZ_CHECK(r.parse(Bytes(g_buf1, n1)) == ParseError::none);
  compare(v, r);
  if (r.message_integrity() || r.message_integrity_sha256())
    FUZZ_CHECK(verify_integrity(r, Bytes(kKey)) == IntegrityStatus::ok);

  const size_t n2 = rebuild(r, g_buf2);
  FUZZ_CHECK(n2 == n1 && std::memcmp(g_buf1, g_buf2, n1) == 0);
  return 0;
}
