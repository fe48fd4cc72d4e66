// mDNS: the codec (RFC 1035 §4.1 messages with RFC 6762's QU and
// cache-flush bits) and MdnsResolver against a responder on 127.0.0.1 (the
// resolver's group points at it: nothing goes to 224.0.0.251).
#include "net/mdns_codec.h"
#include "net/mdns_resolver.h"
#include "net/udp_socket.h"

#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <string>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::net;
using namespace std::chrono_literals;

namespace {

const std::string kName = "1f4712db-ea17-4bcf-a596-105139dfd8bf.local";

std::vector<uint8_t> query_bytes(std::string_view name, uint16_t id = 0) {
  std::array<uint8_t, 600> buf;
  const uint16_t types[] = {mdns::kTypeA, mdns::kTypeAAAA};
  auto n = mdns::build_query(name, id, types, true, MutBytes(buf));
  REQUIRE(n.ok());
  return std::vector<uint8_t>(buf.begin(), buf.begin() + std::ptrdiff_t(*n));
}

// Answers queries for the names it knows, like a host's mDNS responder
// answering a one-shot query (RFC 6762 §6.7: unicast to the querier's port,
// echoing the ID and the question).
class Responder final : public DatagramSink {
 public:
  explicit Responder(EventLoop& loop) {
    auto s = UdpSocket::open(loop, SocketAddress(IpAddress::v4(127, 0, 0, 1), 0));
    REQUIRE(s.ok());
    socket = std::move(s).value();
    socket->start_receive(this);
  }
  void on_datagram(const Datagram& d) override {
    ++queries;
    mdns::MessageReader r;
    if (r.start(d.payload) != mdns::ParseError::none || r.header().is_response()) return;
    mdns::Question q;
    while (r.next_question(q)) {
      last_question_qu = q.unicast_response;
      for (auto& [name, ip] : records)
        if (mdns::names_equal(name, q.name.view()) && (q.type == mdns::kTypeA) == ip.is_v4()) {
          std::array<uint8_t, 600> buf;
          auto n = mdns::build_response(name, r.header().id, ip, 120, MutBytes(buf));
          REQUIRE(n.ok());
          if (silent) continue;
          (void)socket->send_to(Bytes(buf.data(), *n), d.source);
        }
    }
  }
  std::unique_ptr<UdpSocket> socket;
  std::vector<std::pair<std::string, IpAddress>> records;
  int queries = 0;
  bool last_question_qu = false;
  bool silent = false;
};

template <class Pred>
bool run_until(EventLoop& loop, Pred done, std::chrono::milliseconds budget = 5000ms) {
  const auto end = std::chrono::steady_clock::now() + budget;
  while (!done() && std::chrono::steady_clock::now() < end) loop.run_for(10ms);
  return done();
}

}  // namespace

TEST_CASE("mdns query: one QU question per type, ID as given (RFC 6762 §5.4, §18.1)", "[net][mdns]") {
  const auto q = query_bytes("abc.local", 0);
  // Header: ID 0, flags 0, QDCOUNT 2, no records.
  const std::vector<uint8_t> header = {0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0};
  CHECK(std::vector<uint8_t>(q.begin(), q.begin() + 12) == header);
  // 3"abc" 5"local" 0, QTYPE A, QCLASS IN | QU.
  const std::vector<uint8_t> first = {3, 'a', 'b', 'c', 5, 'l', 'o', 'c', 'a', 'l', 0, 0, 1, 0x80, 1};
  CHECK(std::vector<uint8_t>(q.begin() + 12, q.begin() + 27) == first);
  mdns::MessageReader r;
  REQUIRE(r.start(q) == mdns::ParseError::none);
  mdns::Question question;
  REQUIRE(r.next_question(question));
  CHECK(question.name.view() == "abc.local");
  REQUIRE(r.next_question(question));
  CHECK(question.type == mdns::kTypeAAAA);
  CHECK(question.unicast_response);
  CHECK(question.qclass == mdns::kClassIn);
  CHECK_FALSE(r.next_question(question));
}

TEST_CASE("mdns query: bad names are refused", "[net][mdns]") {
  std::array<uint8_t, 600> buf;
  const uint16_t types[] = {mdns::kTypeA};
  CHECK(mdns::build_query("", 0, types, true, MutBytes(buf)).error().code == Errc::invalid_argument);
  CHECK(mdns::build_query("a..local", 0, types, true, MutBytes(buf)).error().code == Errc::invalid_argument);
  CHECK(mdns::build_query(std::string(64, 'x') + ".local", 0, types, true, MutBytes(buf)).error().code ==
        Errc::invalid_argument);
  std::array<uint8_t, 20> small;
  CHECK(mdns::build_query("abc.local", 0, types, true, MutBytes(small)).error().code == Errc::buffer_too_small);
  CHECK(mdns::build_query("abc.local.", 0, types, true, MutBytes(buf)).ok());  // trailing dot = same name
}

TEST_CASE("mdns response: A through a compression pointer, cache-flush masked (RFC 1035 §4.1.4, RFC 6762 §10.2)",
          "[net][mdns]") {
  std::array<uint8_t, 600> buf;
  auto n = mdns::build_response(kName, 9, IpAddress::v4(192, 168, 1, 23), 120, MutBytes(buf));
  REQUIRE(n.ok());
  mdns::Addresses a;
  CHECK(mdns::find_addresses(Bytes(buf.data(), *n), kName, a) == mdns::ParseError::none);
  REQUIRE(a.v4);
  CHECK(*a.v4 == IpAddress::v4(192, 168, 1, 23));
  CHECK_FALSE(a.v6);
  CHECK(a.ttl == 120);
  // Names compare case-insensitively (RFC 6762 §16).
  CHECK(mdns::find_addresses(Bytes(buf.data(), *n), "1F4712DB-EA17-4BCF-A596-105139DFD8BF.LOCAL", a) ==
        mdns::ParseError::none);
  CHECK(a.v4);
  // Another name: nothing.
  CHECK(mdns::find_addresses(Bytes(buf.data(), *n), "other.local", a) == mdns::ParseError::none);
  CHECK(a.empty());
  // The record's class has the cache-flush bit, read back separately.
  mdns::MessageReader r;
  REQUIRE(r.start(Bytes(buf.data(), *n)) == mdns::ParseError::none);
  mdns::Record rec;
  REQUIRE(r.next_record(rec));
  CHECK(rec.cache_flush);
  CHECK(rec.rrclass == mdns::kClassIn);
  CHECK(rec.name.view() == kName);
}

TEST_CASE("mdns response: AAAA; non-zero RCODE ignored (RFC 6762 §18.11); queries give nothing", "[net][mdns]") {
  std::array<uint8_t, 600> buf;
  auto v6 = IpAddress::parse("fe80::1");
  REQUIRE(v6.ok());
  auto n = mdns::build_response(kName, 0, *v6, 10, MutBytes(buf));
  REQUIRE(n.ok());
  mdns::Addresses a;
  CHECK(mdns::find_addresses(Bytes(buf.data(), *n), kName, a) == mdns::ParseError::none);
  REQUIRE(a.v6);
  CHECK(*a.v6 == *v6);
  buf[3] |= 0x03;  // RCODE 3
  CHECK(mdns::find_addresses(Bytes(buf.data(), *n), kName, a) == mdns::ParseError::none);
  CHECK(a.empty());
  const auto q = query_bytes(kName);
  CHECK(mdns::find_addresses(q, kName, a) == mdns::ParseError::none);
  CHECK(a.empty());
}

TEST_CASE("mdns parser: hostile names are errors, not hangs or overreads", "[net][mdns]") {
  mdns::Addresses a;
  // A pointer to itself (a loop).
  std::vector<uint8_t> loop = {0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4};
  CHECK(mdns::find_addresses(loop, "x.local", a) == mdns::ParseError::bad_pointer);
  // A pointer forward.
  loop[13] = 20;
  CHECK(mdns::find_addresses(loop, "x.local", a) == mdns::ParseError::bad_pointer);
  // Label type 01 (RFC 6891 extended label).
  std::vector<uint8_t> ext = {0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0x41, 0};
  CHECK(mdns::find_addresses(ext, "x.local", a) == mdns::ParseError::bad_label);
  // A label running past the end.
  std::vector<uint8_t> cut = {0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 10, 'a', 'b'};
  CHECK(mdns::find_addresses(cut, "x.local", a) == mdns::ParseError::truncated);
  // RDLENGTH beyond the message.
  std::vector<uint8_t> rd = {0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 'x', 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 40, 1};
  CHECK(mdns::find_addresses(rd, "x", a) == mdns::ParseError::truncated);
  // An A record of 5 bytes.
  std::vector<uint8_t> five = {0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 'x', 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 5, 1, 2, 3, 4, 5};
  CHECK(mdns::find_addresses(five, "x", a) == mdns::ParseError::bad_rdata);
  // Header counts beyond kMaxRecords.
  std::vector<uint8_t> many = {0, 0, 0x84, 0, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0};
  CHECK(mdns::find_addresses(many, "x", a) == mdns::ParseError::too_many_records);
  // A 256-byte name made of 63-byte labels.
  std::vector<uint8_t> longname = {0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0};
  for (int i = 0; i < 5; ++i) {
    longname.push_back(63);
    longname.insert(longname.end(), 63, 'a');
  }
  longname.push_back(0);
  CHECK(mdns::find_addresses(longname, "x", a) == mdns::ParseError::name_too_long);
  // Shorter than a header.
  std::vector<uint8_t> tiny = {0, 0, 0x84};
  CHECK(mdns::find_addresses(tiny, "x", a) == mdns::ParseError::truncated);
}

TEST_CASE("MdnsResolver: a loopback responder answers the QU query", "[net][mdns]") {
  EventLoop loop;
  Responder responder(loop);
  responder.records.push_back({kName, IpAddress::v4(10, 1, 2, 3)});
  MdnsResolverConfig config;
  config.group = responder.socket->local_address();
  MdnsResolver resolver(loop, config);
  std::vector<mdns::Addresses> results;
  REQUIRE(resolver.resolve(kName, [&](const mdns::Addresses& a) { results.push_back(a); }).ok());
  // A second request for the same name joins the first query.
  REQUIRE(resolver.resolve(kName, [&](const mdns::Addresses& a) { results.push_back(a); }).ok());
  CHECK(resolver.pending() == 1);
  REQUIRE(run_until(loop, [&] { return results.size() == 2; }));
  CHECK(results[0].v4 == IpAddress::v4(10, 1, 2, 3));
  CHECK(results[1].v4 == IpAddress::v4(10, 1, 2, 3));
  CHECK(responder.queries == 1);
  CHECK(responder.last_question_qu);
  CHECK(resolver.stats().resolved == 1);
  CHECK(resolver.pending() == 0);
}

TEST_CASE("MdnsResolver: no answer repeats the query, then reports nothing at the timeout", "[net][mdns]") {
  EventLoop loop;
  Responder responder(loop);
  responder.silent = true;
  MdnsResolverConfig config;
  config.group = responder.socket->local_address();
  config.timeout = 250ms;
  config.retransmit = 100ms;
  MdnsResolver resolver(loop, config);
  std::optional<mdns::Addresses> result;
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(resolver.resolve("nobody.local", [&](const mdns::Addresses& a) { result = a; }).ok());
  REQUIRE(run_until(loop, [&] { return result.has_value(); }));
  CHECK(std::chrono::steady_clock::now() - start >= 250ms);
  CHECK(result->empty());
  CHECK(responder.queries == 3);  // at 0, 100 and 200 ms
  CHECK(resolver.stats().timed_out == 1);
}

TEST_CASE("MdnsResolver: limits and bad names are errors at once", "[net][mdns]") {
  EventLoop loop;
  Responder responder(loop);
  MdnsResolverConfig config;
  config.group = responder.socket->local_address();
  config.max_pending = 2;
  config.max_waiters_per_name = 1;
  MdnsResolver resolver(loop, config);
  auto ignore = [](const mdns::Addresses&) {};
  CHECK(resolver.resolve("a.local", ignore).ok());
  CHECK(resolver.resolve("a.local", ignore).error().code == Errc::limit_exceeded);
  CHECK(resolver.resolve("b.local", ignore).ok());
  CHECK(resolver.resolve("c.local", ignore).error().code == Errc::limit_exceeded);
  CHECK(resolver.resolve("bad..local", ignore).error().code == Errc::invalid_argument);
  CHECK(resolver.stats().rejected == 2);
}
