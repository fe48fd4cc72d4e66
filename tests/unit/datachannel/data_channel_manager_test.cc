// DataChannelManager over two real SCTP associations wired back to back.
//
// Each peer is an sctp::Association plus a DataChannelManager fed with the
// association's events, as the PeerConnection will do. A tiny pump moves
// packets between the two associations and fires their timers on a virtual
// clock; nothing is lost or reordered (loss is the SCTP tests' business).
#include "datachannel/data_channel_manager.h"

#include <sansrtc/rng.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::datachannel;
using sansrtc::datachannel::Config;
using sansrtc::datachannel::Event;
using sansrtc::datachannel::EventType;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

struct Peer {
  Peer(uint64_t seed, std::optional<DtlsRole> role, Config dc = {}, sctp::Config sc = {})
      : rng(seed), assoc(sc, rng), mgr(with_role(dc, role), assoc) {}
  static Config with_role(Config c, std::optional<DtlsRole> role) {
    c.dtls_role = role;
    return c;
  }

  // Everything this peer's application has seen, in order.
  std::vector<Event> events;
  SeededRng rng;
  sctp::Association assoc;
  DataChannelManager mgr;

  // (stream, ppid, unordered) of every message the association delivered,
  // seen before the manager takes it: how things went over the wire.
  struct Wire {
    uint16_t stream;
    uint32_t ppid;
    bool unordered;
  };
  std::vector<Wire> wire;

  void drain(Instant now) {
    while (auto e = assoc.poll_event()) {
      if (e->type == sctp::EventType::message) wire.push_back({e->stream.value(), e->ppid.value(), e->unordered});
      mgr.handle_association_event(now, std::move(*e));
    }
    while (auto e = mgr.poll_event()) events.push_back(std::move(*e));
    REQUIRE(mgr.is_consistent());
  }
  size_t count(EventType t, std::optional<ChannelId> id = std::nullopt) const {
    return size_t(std::count_if(events.begin(), events.end(), [&](const Event& e) {
      return e.type == t && (!id || e.id == *id);
    }));
  }
  std::vector<Event> take(EventType t) {
    std::vector<Event> out;
    for (auto& e : events)
      if (e.type == t) out.push_back(std::move(e));
    events.erase(std::remove_if(events.begin(), events.end(), [&](const Event& e) { return e.type == t; }),
                 events.end());
    return out;
  }
  // Event types for one channel, in order (a transcript).
  std::vector<EventType> transcript(ChannelId id) const {
    std::vector<EventType> out;
    for (const auto& e : events)
      if (e.id == id) out.push_back(e.type);
    return out;
  }
};

// Two peers: a is the DTLS client (even ids), b the DTLS server (odd ids).
struct Link {
  Instant now = kTestEpoch;
  Peer a;
  Peer b;
  std::vector<uint8_t> buf = std::vector<uint8_t>(2048);

  // Packet loss: each packet is dropped with this probability (seeded).
  double loss = 0;
  SeededRng loss_rng{77};
  uint64_t dropped = 0;

  explicit Link(Config dca = {}, Config dcb = {}, sctp::Config sc = {})
      : a(1, DtlsRole::client, dca, sc), b(2, DtlsRole::server, dcb, sc) {}

  bool lose() {
    if (loss > 0 && loss_rng.next_double() < loss) {
      ++dropped;
      return true;
    }
    return false;
  }

  // Moves packets both ways until neither side has anything to send now.
  void exchange() {
    for (int spins = 0; spins < 100000; ++spins) {
      a.drain(now);
      b.drain(now);
      bool moved = false;
      while (auto n = a.assoc.poll_transmit(buf)) {
        if (!lose()) b.assoc.handle_packet(now, Bytes(buf.data(), *n));
        moved = true;
      }
      while (auto n = b.assoc.poll_transmit(buf)) {
        if (!lose()) a.assoc.handle_packet(now, Bytes(buf.data(), *n));
        moved = true;
      }
      if (!moved) {
        a.drain(now);
        b.drain(now);
        return;
      }
    }
    FAIL("pump did not settle");
  }
  // Advances the clock by dt, firing timers in order.
  void advance(Duration dt) {
    const Instant end = now + dt;
    exchange();
    for (int spins = 0; spins < 100000; ++spins) {
      auto next = earliest(a.assoc.poll_timeout(), b.assoc.poll_timeout());
      if (!next || *next > end) break;
      now = std::max(now, *next);
      a.assoc.handle_timeout(now);
      b.assoc.handle_timeout(now);
      exchange();
    }
    now = end;
    exchange();
  }
  void connect() {
    REQUIRE(a.assoc.connect(now).ok());
    advance(milliseconds(100));
    REQUIRE(a.assoc.state() == sctp::State::established);
    REQUIRE(b.assoc.state() == sctp::State::established);
  }
  // Settles everything in flight, including delayed SACKs and stream resets.
  void settle() { advance(seconds(2)); }
};

std::vector<uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }
std::string text_of(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

}  // namespace

TEST_CASE("in-band open: the DTLS client opens, both sides see open with label and protocol", "[manager]") {
  Link link;
  link.connect();
  ChannelInit init;
  init.protocol = "chat/1";
  init.priority = kPriorityHigh;
  auto id = link.a.mgr.create_channel(link.now, "room \xE2\x9C\x93", init);
  REQUIRE(id.ok());
  CHECK(id->value() == 0);  // DTLS client: even ids, lowest first
  // The creator opens as soon as DATA_CHANNEL_OPEN is queued.
  link.a.drain(link.now);
  CHECK(link.a.mgr.channel(*id)->state == ChannelState::open);
  link.settle();

  // B receives DATA_CHANNEL_OPEN, answers DATA_CHANNEL_ACK, announces the channel.
  CHECK(link.b.transcript(*id) == std::vector<EventType>{EventType::data_channel, EventType::open});
  const DataChannel* bc = link.b.mgr.channel(*id);
  REQUIRE(bc);
  CHECK(bc->label == "room \xE2\x9C\x93");
  CHECK(bc->protocol == "chat/1");
  CHECK(bc->ordered);
  CHECK_FALSE(bc->max_retransmits);
  CHECK_FALSE(bc->max_packet_life_time);
  CHECK_FALSE(bc->negotiated);
  CHECK(bc->priority == kPriorityHigh);
  CHECK(bc->state == ChannelState::open);
  CHECK(link.a.transcript(*id) == std::vector<EventType>{EventType::open});
  CHECK(link.b.mgr.stats().opens_received == 1);
  CHECK(link.a.mgr.stats().acks_received == 1);
  CHECK(link.a.mgr.stats().drop_unexpected_ack == 0);
}

TEST_CASE("stream ids follow the DTLS role: client even, server odd (RFC 8832 §6)", "[manager]") {
  Link link;
  link.connect();
  std::vector<uint16_t> a_ids, b_ids;
  for (int i = 0; i < 3; ++i) {
    a_ids.push_back(link.a.mgr.create_channel(link.now, "a").value().value());
    b_ids.push_back(link.b.mgr.create_channel(link.now, "b").value().value());
  }
  link.settle();
  CHECK(a_ids == std::vector<uint16_t>{0, 2, 4});
  CHECK(b_ids == std::vector<uint16_t>{1, 3, 5});
  // Each side sees all six channels open.
  CHECK(link.a.count(EventType::open) == 6);
  CHECK(link.b.count(EventType::open) == 6);
  CHECK(link.a.count(EventType::data_channel) == 3);
  CHECK(link.b.count(EventType::data_channel) == 3);
  CHECK(link.a.mgr.channel(ChannelId(1))->label == "b");
  CHECK(link.b.mgr.channel(ChannelId(0))->label == "a");
  // After closing id 2, the next client channel reuses it.
  REQUIRE(link.a.mgr.close(link.now, ChannelId(2)).ok());
  link.settle();
  CHECK(link.a.mgr.channel(ChannelId(2)) == nullptr);
  CHECK(link.a.mgr.create_channel(link.now, "again").value().value() == 2);
}

TEST_CASE("a channel created before the association connects opens on connect", "[manager]") {
  Link link;
  auto id = link.a.mgr.create_channel(link.now, "early");
  REQUIRE(id.ok());
  CHECK(link.a.mgr.channel(*id)->state == ChannelState::connecting);
  CHECK(link.a.mgr.send_text(link.now, *id, "too soon").error().code == Errc::invalid_state);
  link.connect();
  link.settle();
  CHECK(link.a.transcript(*id) == std::vector<EventType>{EventType::open});
  CHECK(link.b.transcript(*id) == std::vector<EventType>{EventType::data_channel, EventType::open});
  CHECK(link.b.mgr.channel(*id)->label == "early");
}

TEST_CASE("negotiated channels open on both sides without DCEP", "[manager]") {
  Link link;
  ChannelInit init;
  init.negotiated = true;
  init.id = 7;  // any parity: the id was agreed out of band
  init.protocol = "proto";
  REQUIRE(link.a.mgr.create_channel(link.now, "neg", init).value() == ChannelId(7));
  REQUIRE(link.b.mgr.create_channel(link.now, "neg", init).value() == ChannelId(7));
  link.connect();
  link.settle();
  CHECK(link.a.transcript(ChannelId(7)) == std::vector<EventType>{EventType::open});
  CHECK(link.b.transcript(ChannelId(7)) == std::vector<EventType>{EventType::open});
  CHECK(link.a.mgr.stats().opens_received == 0);
  CHECK(link.b.mgr.stats().opens_received == 0);
  REQUIRE(link.a.mgr.send_text(link.now, ChannelId(7), "ping").ok());
  link.settle();
  REQUIRE(link.b.mgr.send_text(link.now, ChannelId(7), "pong").ok());
  link.settle();
  auto at_b = link.b.take(EventType::message);
  auto at_a = link.a.take(EventType::message);
  REQUIRE(at_b.size() == 1);
  REQUIRE(at_a.size() == 1);
  CHECK(text_of(at_b[0].data) == "ping");
  CHECK(text_of(at_a[0].data) == "pong");
  CHECK(link.a.mgr.channel(ChannelId(7))->negotiated);

  // Negotiated after connect opens at once.
  init.id = 8;
  REQUIRE(link.a.mgr.create_channel(link.now, "late", init).ok());
  link.a.drain(link.now);
  CHECK(link.a.mgr.channel(ChannelId(8))->state == ChannelState::open);
}

TEST_CASE("every reliability kind is announced to the peer and carries messages both ways", "[manager]") {
  struct Kind {
    const char* name;
    bool ordered;
    std::optional<uint16_t> rexmit;
    std::optional<uint16_t> lifetime;
  };
  const Kind kinds[] = {
      {"reliable ordered", true, {}, {}},
      {"reliable unordered", false, {}, {}},
      {"rexmit 3 ordered", true, uint16_t(3), {}},
      {"rexmit 0 unordered", false, uint16_t(0), {}},
      {"lifetime 500 ordered", true, {}, uint16_t(500)},
      {"lifetime 150 unordered", false, {}, uint16_t(150)},
  };
  Link link;
  link.connect();
  for (const Kind& k : kinds) {
    INFO(k.name);
    ChannelInit init;
    init.ordered = k.ordered;
    init.max_retransmits = k.rexmit;
    init.max_packet_life_time = k.lifetime;
    auto id = link.a.mgr.create_channel(link.now, k.name, init);
    REQUIRE(id.ok());
    link.settle();
    const DataChannel* bc = link.b.mgr.channel(*id);
    REQUIRE(bc);
    CHECK(bc->ordered == k.ordered);
    CHECK(bc->max_retransmits == k.rexmit);
    CHECK(bc->max_packet_life_time == (k.lifetime ? std::optional<uint32_t>(*k.lifetime) : std::nullopt));
    for (int i = 0; i < 5; ++i) {
      REQUIRE(link.a.mgr.send_text(link.now, *id, "a" + std::to_string(i)).ok());
      REQUIRE(link.b.mgr.send_text(link.now, *id, "b" + std::to_string(i)).ok());
    }
    link.settle();
    auto at_b = link.b.take(EventType::message);
    auto at_a = link.a.take(EventType::message);
    REQUIRE(at_b.size() == 5);
    REQUIRE(at_a.size() == 5);
    std::vector<std::string> got_b, got_a;
    for (auto& e : at_b) got_b.push_back(text_of(e.data));
    for (auto& e : at_a) got_a.push_back(text_of(e.data));
    if (!k.ordered) {  // no loss here, but unordered promises no order
      std::sort(got_b.begin(), got_b.end());
      std::sort(got_a.begin(), got_a.end());
    }
    CHECK(got_b == std::vector<std::string>{"a0", "a1", "a2", "a3", "a4"});
    CHECK(got_a == std::vector<std::string>{"b0", "b1", "b2", "b3", "b4"});
  }
}

TEST_CASE("text, binary and empty messages keep their kind in both directions", "[manager]") {
  Link link;
  link.connect();
  auto id = link.b.mgr.create_channel(link.now, "kinds").value();
  CHECK(id.value() == 1);  // DTLS server: odd
  link.settle();
  const std::vector<uint8_t> blob = {0x00, 0xff, 0x10, 0x80};
  for (Peer* p : {&link.a, &link.b}) {
    REQUIRE(p->mgr.send_text(link.now, id, "hello").ok());
    REQUIRE(p->mgr.send_binary(link.now, id, blob).ok());
    REQUIRE(p->mgr.send_text(link.now, id, "").ok());
    REQUIRE(p->mgr.send_binary(link.now, id, Bytes()).ok());
    REQUIRE(p->mgr.send(link.now, id, std::vector<uint8_t>(70000, 0x5a), true).ok());  // several chunks
  }
  link.settle();
  for (Peer* p : {&link.a, &link.b}) {
    auto m = p->take(EventType::message);
    REQUIRE(m.size() == 5);
    CHECK_FALSE(m[0].binary);
    CHECK(text_of(m[0].data) == "hello");
    CHECK(m[1].binary);
    CHECK(m[1].data == blob);
    CHECK_FALSE(m[2].binary);  // PPID 56: empty string, the zero byte dropped
    CHECK(m[2].data.empty());
    CHECK(m[3].binary);        // PPID 57: empty binary
    CHECK(m[3].data.empty());
    CHECK(m[4].binary);
    CHECK(m[4].data == std::vector<uint8_t>(70000, 0x5a));
  }
}

TEST_CASE("closing from the creator: closing then closed on both sides (RFC 8831 §6.7)", "[manager]") {
  Link link;
  link.connect();
  auto id = link.a.mgr.create_channel(link.now, "bye").value();
  link.settle();
  link.a.events.clear();
  link.b.events.clear();
  REQUIRE(link.a.mgr.close(link.now, id).ok());
  CHECK(link.a.mgr.channel(id)->state == ChannelState::closing);
  CHECK(link.a.mgr.send_text(link.now, id, "late").error().code == Errc::invalid_state);
  REQUIRE(link.a.mgr.close(link.now, id).ok());  // closing again is a no-op
  link.settle();
  // A closed by itself: no closing event (W3C fires it only for a remote close).
  CHECK(link.a.transcript(id) == std::vector<EventType>{EventType::close});
  CHECK(link.b.transcript(id) == std::vector<EventType>{EventType::closing, EventType::close});
  CHECK(link.a.mgr.channel(id) == nullptr);
  CHECK(link.b.mgr.channel(id) == nullptr);
  CHECK(link.a.mgr.channel_count() == 0);
  CHECK(link.b.mgr.channel_count() == 0);
  CHECK(link.a.mgr.close(link.now, id).error().code == Errc::not_found);
}

TEST_CASE("closing from the answerer, with data still queued, delivers the data first", "[manager]") {
  Link link;
  link.connect();
  auto id = link.a.mgr.create_channel(link.now, "bye").value();
  link.settle();
  link.a.events.clear();
  link.b.events.clear();
  REQUIRE(link.b.mgr.send_text(link.now, id, "last words").ok());
  REQUIRE(link.b.mgr.close(link.now, id).ok());
  link.settle();
  CHECK(link.a.transcript(id) ==
        std::vector<EventType>{EventType::message, EventType::closing, EventType::close});
  // B's queue drains while closing: whether the association reports that
  // (bufferedamountlow at threshold 0) before the reset completes is its
  // business; apart from it, B only sees close.
  auto tb = link.b.transcript(id);
  tb.erase(std::remove(tb.begin(), tb.end(), EventType::buffered_amount_low), tb.end());
  CHECK(tb == std::vector<EventType>{EventType::close});
  CHECK(text_of(link.a.events[0].data) == "last words");
}

TEST_CASE("closing a channel that never connected needs no stream reset", "[manager]") {
  Link link;
  auto id = link.a.mgr.create_channel(link.now, "never").value();
  REQUIRE(link.a.mgr.close(link.now, id).ok());
  link.a.drain(link.now);
  CHECK(link.a.transcript(id) == std::vector<EventType>{EventType::close});
  CHECK(link.a.mgr.channel_count() == 0);
}

TEST_CASE("bufferedamountlow fires when the queue drains below the threshold", "[manager]") {
  Link link;
  link.connect();
  auto id = link.a.mgr.create_channel(link.now, "bulk").value();
  link.settle();
  REQUIRE(link.a.mgr.set_buffered_amount_low_threshold(id, 1000).ok());
  for (int i = 0; i < 20; ++i) REQUIRE(link.a.mgr.send(link.now, id, std::vector<uint8_t>(10000, 1), true).ok());
  CHECK(link.a.mgr.buffered_amount(id) >= 200000);
  link.settle();
  CHECK(link.a.mgr.buffered_amount(id) == 0);
  CHECK(link.a.count(EventType::buffered_amount_low, id) == 1);
  CHECK(link.b.take(EventType::message).size() == 20);
  CHECK(link.a.mgr.set_buffered_amount_low_threshold(ChannelId(99), 1).error().code == Errc::not_found);
}

TEST_CASE("a flood of OPENs past the channel limit is refused and bounded", "[manager]") {
  Config small;
  small.max_channels = 4;
  Link link(Config{}, small);
  link.connect();
  std::vector<ChannelId> ids;
  for (int i = 0; i < 40; ++i) ids.push_back(link.a.mgr.create_channel(link.now, "flood").value());
  link.settle();
  CHECK(link.b.mgr.channel_count() == 4);
  CHECK(link.b.count(EventType::data_channel) == 4);
  CHECK(link.b.mgr.stats().drop_open_over_limit == 36);
  CHECK(link.b.mgr.stats().opens_refused == 36);
  // RFC 8832 §6: the refusal is a stream reset before any ACK; A's refused
  // channels close.
  CHECK(link.a.mgr.channel_count() == 4);
  CHECK(link.a.count(EventType::close) == 36);
  for (int i = 0; i < 4; ++i) CHECK(link.a.mgr.channel(ids[i])->state == ChannelState::open);
  // The accepted ones work.
  REQUIRE(link.a.mgr.send_text(link.now, ids[3], "still here").ok());
  link.settle();
  CHECK(link.b.take(EventType::message).size() == 1);
  // Local creation is bounded the same way.
  CHECK(link.b.mgr.create_channel(link.now, "x").error().code == Errc::limit_exceeded);
}

TEST_CASE("hostile DCEP and data on the wire are dropped and counted", "[manager]") {
  Link link;
  link.connect();
  const sctp::Ppid dcep(50);
  auto raw_open = [](uint8_t type, std::string_view label) {
    // Sized once, then filled: gcc 12 warns falsely (-Warray-bounds) on an
    // insert after a 12-byte initializer list.
    std::vector<uint8_t> b(12 + label.size());
    const uint8_t head[12] = {0x03, type, 0x01, 0x00, 0, 0, 0, 0, 0, uint8_t(label.size()), 0, 0};
    std::copy(std::begin(head), std::end(head), b.begin());
    std::copy(label.begin(), label.end(), b.begin() + 12);
    return b;
  };
  // A (DTLS client) talks raw SCTP to B.
  SECTION("malformed OPEN on an unused stream is refused by a reset") {
    REQUIRE(link.a.assoc.send(link.now, ChannelId(0), dcep, raw_open(0x00, "\xC0\xAF")).ok());  // overlong
    link.settle();
    CHECK(link.b.mgr.stats().drop_malformed_dcep == 1);
    CHECK(link.b.mgr.stats().opens_refused == 1);
    CHECK(link.b.mgr.channel_count() == 0);
    CHECK(link.b.events.empty());
  }
  SECTION("unknown DCEP message type") {
    REQUIRE(link.a.assoc.send(link.now, ChannelId(0), dcep, bytes_of("\x07")).ok());
    link.settle();
    CHECK(link.b.mgr.stats().drop_malformed_dcep == 1);
    CHECK(link.b.mgr.stats().opens_refused == 0);
  }
  SECTION("OPEN on a stream of the receiver's own parity") {
    REQUIRE(link.a.assoc.send(link.now, ChannelId(3), dcep, raw_open(0x00, "odd")).ok());
    link.settle();
    CHECK(link.b.mgr.stats().drop_open_wrong_parity == 1);
    CHECK(link.b.mgr.channel_count() == 0);
  }
  SECTION("unexpected ACK, unknown PPID, data on an unknown stream") {
    REQUIRE(link.a.assoc.send(link.now, ChannelId(2), dcep, bytes_of("\x02")).ok());
    REQUIRE(link.a.assoc.send(link.now, ChannelId(2), sctp::Ppid(99), bytes_of("x")).ok());
    REQUIRE(link.a.assoc.send(link.now, ChannelId(2), sctp::Ppid(51), bytes_of("x")).ok());
    link.settle();
    CHECK(link.b.mgr.stats().drop_unexpected_ack == 1);
    CHECK(link.b.mgr.stats().drop_unknown_ppid == 1);
    CHECK(link.b.mgr.stats().drop_unknown_stream == 1);
    CHECK(link.b.events.empty());
  }
  SECTION("OPEN on a stream already in use closes that channel with an error") {
    auto id = link.a.mgr.create_channel(link.now, "first").value();
    link.settle();
    link.a.events.clear();
    link.b.events.clear();
    REQUIRE(link.a.assoc.send(link.now, id, dcep, raw_open(0x00, "second")).ok());
    link.settle();
    CHECK(link.b.mgr.stats().drop_open_on_used_stream == 1);
    CHECK(link.b.transcript(id) == std::vector<EventType>{EventType::error, EventType::close});
    CHECK(link.a.transcript(id) == std::vector<EventType>{EventType::closing, EventType::close});
  }
}

TEST_CASE("deprecated partial PPIDs 52/54 are reassembled into one message", "[manager]") {
  Link link;
  link.connect();
  auto id = link.a.mgr.create_channel(link.now, "legacy").value();
  link.settle();
  REQUIRE(link.a.assoc.send(link.now, id, sctp::Ppid(52), bytes_of("hel")).ok());
  REQUIRE(link.a.assoc.send(link.now, id, sctp::Ppid(52), bytes_of("lo ")).ok());
  REQUIRE(link.a.assoc.send(link.now, id, sctp::Ppid(51), bytes_of("world")).ok());
  REQUIRE(link.a.assoc.send(link.now, id, sctp::Ppid(54), bytes_of("\x01\x02")).ok());
  REQUIRE(link.a.assoc.send(link.now, id, sctp::Ppid(53), bytes_of("\x03")).ok());
  link.settle();
  auto m = link.b.take(EventType::message);
  REQUIRE(m.size() == 2);
  CHECK_FALSE(m[0].binary);
  CHECK(text_of(m[0].data) == "hello world");
  CHECK(m[1].binary);
  CHECK(m[1].data == std::vector<uint8_t>{1, 2, 3});
}

TEST_CASE("partial-PPID reassembly is bounded by max_message_size", "[manager]") {
  Config small;
  small.max_message_size = 1000;
  Link link(Config{}, small);
  link.connect();
  auto id = link.a.mgr.create_channel(link.now, "legacy").value();
  link.settle();
  link.b.events.clear();
  REQUIRE(link.a.assoc.send(link.now, id, sctp::Ppid(54), std::vector<uint8_t>(600, 1)).ok());
  REQUIRE(link.a.assoc.send(link.now, id, sctp::Ppid(54), std::vector<uint8_t>(600, 2)).ok());
  link.settle();
  CHECK(link.b.mgr.stats().drop_partial_too_large == 1);
  CHECK(link.b.transcript(id) == std::vector<EventType>{EventType::error});
}

TEST_CASE("the remote a=max-message-size bounds what send() accepts", "[manager]") {
  Link link;
  link.connect();
  auto id = link.a.mgr.create_channel(link.now, "mms").value();
  link.settle();
  CHECK(link.a.mgr.max_message_size() == 256 * 1024);
  link.a.mgr.set_remote_max_message_size(1000);
  CHECK(link.a.mgr.max_message_size() == 1000);
  CHECK(link.a.mgr.send(link.now, id, std::vector<uint8_t>(1001), true).error().code == Errc::limit_exceeded);
  REQUIRE(link.a.mgr.send(link.now, id, std::vector<uint8_t>(1000), true).ok());
  link.settle();
  CHECK(link.b.take(EventType::message).size() == 1);
}

TEST_CASE("create_channel refuses what RTCDataChannelInit forbids", "[manager]") {
  Link link;
  ChannelInit both;
  both.max_retransmits = 1;
  both.max_packet_life_time = 1;
  CHECK(link.a.mgr.create_channel(link.now, "x", both).error().code == Errc::invalid_argument);
  ChannelInit neg_no_id;
  neg_no_id.negotiated = true;
  CHECK(link.a.mgr.create_channel(link.now, "x", neg_no_id).error().code == Errc::invalid_argument);
  ChannelInit odd;
  odd.id = 3;  // in-band, but the DTLS client must use even ids
  CHECK(link.a.mgr.create_channel(link.now, "x", odd).error().code == Errc::invalid_argument);
  ChannelInit even;
  even.id = 4;
  REQUIRE(link.a.mgr.create_channel(link.now, "x", even).ok());
  CHECK(link.a.mgr.create_channel(link.now, "y", even).error().code == Errc::invalid_argument);  // in use
  ChannelInit too_high;
  too_high.negotiated = true;
  too_high.id = 65535;
  CHECK(link.a.mgr.create_channel(link.now, "x", too_high).error().code == Errc::invalid_argument);
  CHECK(link.a.mgr.create_channel(link.now, "\xFF").error().code == Errc::invalid_argument);
  CHECK(link.a.mgr.create_channel(link.now, std::string(1025, 'l')).error().code == Errc::limit_exceeded);
  CHECK(link.a.mgr.send_text(link.now, ChannelId(40), "x").error().code == Errc::not_found);

  // Without a DTLS role, in-band channels need an explicit id.
  SeededRng rng(9);
  sctp::Association assoc(sctp::Config{}, rng);
  DataChannelManager roleless(Config{}, assoc);
  CHECK(roleless.create_channel(link.now, "x").error().code == Errc::invalid_state);
  REQUIRE(roleless.set_dtls_role(DtlsRole::server).ok());
  CHECK(roleless.create_channel(link.now, "x").value() == ChannelId(1));
  CHECK(roleless.set_dtls_role(DtlsRole::client).error().code == Errc::invalid_state);
}

TEST_CASE("ids beyond the negotiated stream count fail when the association connects", "[manager]") {
  sctp::Config sc;
  sc.max_outbound_streams = 16;
  sc.max_inbound_streams = 16;
  Link link(Config{}, Config{}, sc);
  ChannelInit init;
  init.negotiated = true;
  init.id = 20;
  auto id = link.a.mgr.create_channel(link.now, "far", init).value();
  link.connect();
  CHECK(link.a.transcript(id) == std::vector<EventType>{EventType::error, EventType::close});
  CHECK(link.a.mgr.channel_count() == 0);
  // Allocation stays below the negotiated count too.
  for (int i = 0; i < 8; ++i) REQUIRE(link.a.mgr.create_channel(link.now, "c").ok());
  CHECK(link.a.mgr.create_channel(link.now, "c").error().code == Errc::limit_exceeded);
}

TEST_CASE("an association abort closes every channel", "[manager]") {
  Link link;
  link.connect();
  auto x = link.a.mgr.create_channel(link.now, "x").value();
  auto y = link.b.mgr.create_channel(link.now, "y").value();
  link.settle();
  link.a.events.clear();
  link.b.events.clear();
  link.a.assoc.abort(link.now);
  link.settle();
  for (Peer* p : {&link.a, &link.b}) {
    CHECK(p->count(EventType::close, x) == 1);
    CHECK(p->count(EventType::close, y) == 1);
    CHECK(p->mgr.channel_count() == 0);
    CHECK(p->mgr.create_channel(link.now, "z").error().code == Errc::invalid_state);
  }
}

TEST_CASE("DCEP goes reliable ordered; an unordered channel sends ordered until the peer answers (RFC 8832 §6)",
          "[manager]") {
  Link link;
  link.connect();
  ChannelInit init;
  init.ordered = false;
  auto id = link.a.mgr.create_channel(link.now, "fast", init).value();
  // The channel is open at A at once; this message leaves before the ACK is back.
  REQUIRE(link.a.mgr.send_text(link.now, id, "early").ok());
  link.settle();
  REQUIRE(link.a.mgr.send_text(link.now, id, "later").ok());
  link.settle();
  // B's answers: the ACK goes ordered; B has heard the OPEN, so its data goes unordered.
  REQUIRE(link.b.mgr.send_text(link.now, id, "from b").ok());
  link.settle();
  std::vector<std::tuple<uint32_t, bool>> at_b, at_a;
  for (const auto& w : link.b.wire) at_b.emplace_back(w.ppid, w.unordered);
  for (const auto& w : link.a.wire) at_a.emplace_back(w.ppid, w.unordered);
  CHECK(at_b == std::vector<std::tuple<uint32_t, bool>>{{50, false}, {51, false}, {51, true}});
  CHECK(at_a == std::vector<std::tuple<uint32_t, bool>>{{50, false}, {51, true}});
}

// The fake association has no retransmission: loss is for the real one only.
#ifndef SANSRTC_FAKE_ASSOCIATION
namespace {
void run_lossy_transfer(uint64_t seed) {
  INFO("loss seed " << seed);
  Link link;
  link.connect();
  link.loss_rng = SeededRng(seed);
  link.loss = 0.2;
  ChannelInit unordered;
  unordered.ordered = false;
  auto reliable = link.a.mgr.create_channel(link.now, "reliable").value();
  auto loose = link.b.mgr.create_channel(link.now, "unordered", unordered).value();
  ChannelInit rexmit0;
  rexmit0.max_retransmits = 0;
  auto lossy = link.a.mgr.create_channel(link.now, "rexmit0", rexmit0).value();
  link.advance(seconds(10));
  REQUIRE(link.b.mgr.channel(reliable));
  REQUIRE(link.a.mgr.channel(loose));
  REQUIRE(link.b.mgr.channel(lossy));
  REQUIRE(link.b.mgr.channel(lossy)->max_retransmits == uint16_t(0));
  link.a.take(EventType::message);
  link.b.take(EventType::message);
  for (int i = 0; i < 200; ++i) {
    REQUIRE(link.a.mgr.send_text(link.now, reliable, std::to_string(i)).ok());
    REQUIRE(link.b.mgr.send_text(link.now, loose, std::to_string(i)).ok());
    REQUIRE(link.a.mgr.send_text(link.now, lossy, std::to_string(i)).ok());
    link.advance(milliseconds(10));
  }
  link.advance(seconds(30));
  std::vector<std::string> rel, unord;
  size_t partial = 0;
  for (auto& e : link.b.take(EventType::message)) {
    if (e.id == reliable) rel.push_back(text_of(e.data));
    if (e.id == lossy) ++partial;
  }
  for (auto& e : link.a.take(EventType::message))
    if (e.id == loose) unord.push_back(text_of(e.data));
  std::vector<std::string> expected;
  for (int i = 0; i < 200; ++i) expected.push_back(std::to_string(i));
  CHECK(rel == expected);  // complete and in order
  std::sort(unord.begin(), unord.end());
  std::sort(expected.begin(), expected.end());
  CHECK(unord == expected);  // complete
  CHECK(partial <= 200);     // some may be abandoned, none duplicated
  CHECK(link.dropped > 0);
  // Close under loss: both sides end closed.
  REQUIRE(link.a.mgr.close(link.now, reliable).ok());
  REQUIRE(link.a.mgr.close(link.now, loose).ok());
  REQUIRE(link.b.mgr.close(link.now, lossy).ok());
  link.advance(seconds(60));
  CHECK(link.a.mgr.channel_count() == 0);
  CHECK(link.b.mgr.channel_count() == 0);
  INFO("dropped " << link.dropped << " packets");
}
}  // namespace

TEST_CASE("channels open, carry data and close over a link losing 20% of packets", "[manager][loss]") {
  run_lossy_transfer(GENERATE(range(uint64_t(2), uint64_t(7))));
}

// Seed 1 loses a FORWARD-TSN at a moment when A has nothing else
// outstanding. RFC 3758 §3.5 C4: the FORWARD-TSN is protected by T3-rtx, so
// A must send it again; before that was fixed in sctp, B held two reliable
// messages and the stream resets behind the skipped TSN forever.
TEST_CASE("a lost FORWARD-TSN with nothing else outstanding is resent (loss seed 1)", "[manager][loss]") {
  run_lossy_transfer(1);
}
#endif  // SANSRTC_FAKE_ASSOCIATION
