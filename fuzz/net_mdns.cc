// Fuzz target: mDNS response parsing (lib/net/mdns_codec.h), the bytes any
// host on the link can send to the driver's mDNS socket.
//
// parse every question and record (names with compression pointers) → for
// each name that builds again, build_query(name) → reparse: the question
// must carry the same name, type and QU bit; for each A/AAAA record,
// build_response(name, address) → find_addresses must return that address.
// find_addresses also runs on the input itself, for every name it contains.
#include "net/mdns_codec.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace sansrtc;
using namespace sansrtc::net;

namespace {

#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "net_mdns: check failed: %s (line %d)\n", #cond, __LINE__); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

void check_query_roundtrip(std::string_view name, uint16_t type) {
  std::array<uint8_t, 600> buf;
  const uint16_t types[] = {type};
  auto n = mdns::build_query(name, 0x1234, types, true, MutBytes(buf));
  if (!n.ok()) return;  // a name with empty or dotted labels has no text form to rebuild from
  mdns::MessageReader r;
  FUZZ_CHECK(r.start(Bytes(buf.data(), *n)) == mdns::ParseError::none);
  FUZZ_CHECK(r.header().id == 0x1234 && !r.header().is_response() && r.header().qdcount == 1);
  mdns::Question q;
  FUZZ_CHECK(r.next_question(q));
  FUZZ_CHECK(q.name.view() == name || q.name.view().size() + 1 == name.size());
  FUZZ_CHECK(mdns::names_equal(q.name.view(), name));
  FUZZ_CHECK(q.type == type && q.qclass == mdns::kClassIn && q.unicast_response);
  mdns::Record rec;
  FUZZ_CHECK(!r.next_record(rec) && r.error() == mdns::ParseError::none);
}

void check_response_roundtrip(std::string_view name, const IpAddress& ip) {
  std::array<uint8_t, 600> buf;
  auto n = mdns::build_response(name, 7, ip, 120, MutBytes(buf));
  if (!n.ok()) return;
  mdns::Addresses a;
  FUZZ_CHECK(mdns::find_addresses(Bytes(buf.data(), *n), name, a) == mdns::ParseError::none);
  FUZZ_CHECK(ip.is_v4() ? (a.v4 && *a.v4 == ip && !a.v6) : (a.v6 && *a.v6 == ip && !a.v4));
  FUZZ_CHECK(a.ttl == 120);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Bytes msg(data, size);
  mdns::MessageReader r;
  if (r.start(msg) != mdns::ParseError::none) return 0;
  size_t seen = 0;
  mdns::Question q;
  while (r.next_question(q)) {
    ++seen;
    FUZZ_CHECK(q.name.size <= mdns::kMaxNameSize);
    check_query_roundtrip(q.name.view(), q.type);
  }
  mdns::Record rec;
  while (r.next_record(rec)) {
    ++seen;
    FUZZ_CHECK(rec.name.size <= mdns::kMaxNameSize);
    FUZZ_CHECK(rec.rdata.empty() || (rec.rdata.data() >= data && rec.rdata.data() + rec.rdata.size() <= data + size));
    mdns::Addresses found;
    (void)mdns::find_addresses(msg, rec.name.view(), found);
    if (rec.type == mdns::kTypeA && rec.rdata.size() == 4)
      check_response_roundtrip(rec.name.view(), IpAddress::v4(load_be32(rec.rdata.data())));
    if (rec.type == mdns::kTypeAAAA && rec.rdata.size() == 16) {
      std::array<uint8_t, 16> b;
      std::memcpy(b.data(), rec.rdata.data(), 16);
      check_response_roundtrip(rec.name.view(), IpAddress::v6(b));
    }
  }
  FUZZ_CHECK(seen <= mdns::kMaxRecords);
  return 0;
}
