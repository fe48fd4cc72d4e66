// Two TransportStacks (ICE -> DTLS -> SCTP -> data channels) through the
// network simulator: A is ICE-controlling and DTLS client, B controlled and
// DTLS server. Credentials, candidates and fingerprints are exchanged
// directly by the test. A data channel opens on both sides; messages of
// 0 B, 1 B, 1 KiB, 64 KiB and 256 KiB go both ways byte for byte, on a clean
// link and with 10 % end-to-end loss; the layer states arrive in order.
#include "pc/transport/transport_stack.h"
#include "support/sim/simulator.h"
#include "unit/dtls/dtls_test_util.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::pc;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const SocketAddress kAddrA(IpAddress::v4(198, 51, 100, 1), 4000);
const SocketAddress kAddrB(IpAddress::v4(203, 0, 113, 1), 4001);

struct Ids {
  SeededRng rng{77};
  std::unique_ptr<dtls::test::Identity> a = dtls::test::make_identity(rng, "a");
  std::unique_ptr<dtls::test::Identity> b = dtls::test::make_identity(rng, "b");
};
Ids& ids() {
  static Ids i;
  return i;
}

struct Received {
  datachannel::ChannelId id{};
  bool binary = false;
  std::vector<uint8_t> data;
};

struct Peer final : sim::Endpoint {
  Peer(Instant now, const TransportConfig& c, uint64_t seed) : rng(seed), stack(now, c, rng) {}

  SeededRng rng;
  TransportStack stack;
  std::vector<std::string> log;  // layer state transitions, in order
  std::vector<Instant> log_at;   // when each was observed
  std::vector<ice::Candidate> candidates;
  std::optional<datachannel::ChannelId> open_channel;
  std::vector<datachannel::ChannelId> opened;  // every channel that opened
  std::optional<Instant> open_at;
  std::vector<Received> received;
  Instant last = kTestEpoch;

  void drain(Instant now) {
    last = now;
    while (auto e = stack.poll_event()) {
      const size_t before = log.size();
      switch (e->kind) {
        case TransportEvent::Kind::ice:
          if (e->ice.kind == ice::Event::Kind::connection_state)
            log.push_back(std::string("ice:") + ice::connection_state_name(e->ice.connection_state));
          else if (e->ice.kind == ice::Event::Kind::local_candidate)
            candidates.push_back(e->ice.candidate);
          break;
        case TransportEvent::Kind::dtls_state:
          log.push_back(std::string("dtls:") + dtls::transport_state_name(e->dtls_state));
          break;
        case TransportEvent::Kind::dtls_error: log.push_back("dtls:error"); break;
        case TransportEvent::Kind::srtp_keys: log.push_back("srtp:keys"); break;
        case TransportEvent::Kind::sctp_state:
          log.push_back(e->sctp_state == SctpTransportState::connected   ? "sctp:connected"
                        : e->sctp_state == SctpTransportState::restarted ? "sctp:restarted"
                                                                        : "sctp:closed");
          break;
        case TransportEvent::Kind::channel:
          if (e->channel.type == datachannel::EventType::open) {
            log.push_back("dc:open");
            open_channel = e->channel.id;
            opened.push_back(e->channel.id);
            if (!open_at) open_at = now;
          } else if (e->channel.type == datachannel::EventType::message) {
            received.push_back({e->channel.id, e->channel.binary, std::move(e->channel.data)});
          } else if (e->channel.type == datachannel::EventType::data_channel) {
            log.push_back("dc:datachannel");
          } else if (e->channel.type == datachannel::EventType::close) {
            log.push_back("dc:close");
          }
          break;
      }
      while (log_at.size() < log.size()) log_at.push_back(now);
      (void)before;
    }
  }

  void handle_datagram(Instant now, const sansrtc::Datagram& d) override {
    stack.handle_datagram(now, d);
    drain(now);
  }
  void handle_timeout(Instant now) override {
    stack.handle_timeout(now);
    drain(now);
  }
  std::optional<Transmit> poll_transmit(MutBytes buf) override {
    auto t = stack.poll_transmit(buf);
    drain(last);
    return t;
  }
  std::optional<Instant> poll_timeout() override { return stack.poll_timeout(); }
};

TransportConfig make_config(bool a) {
  TransportConfig c;
  c.ice.role = a ? ice::Role::controlling : ice::Role::controlled;
  c.dtls = dtls::test::make_config(a ? dtls::Role::client : dtls::Role::server, a ? *ids().a : *ids().b,
                                   a ? *ids().b : *ids().a);
  c.dtls.handshake_timeout = seconds(120);
  return c;
}

// Index of the first log entry equal to `s`, or -1.
int index_of(const std::vector<std::string>& log, const char* s) {
  for (size_t i = 0; i < log.size(); ++i)
    if (log[i] == s) return int(i);
  return -1;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

std::vector<uint8_t> pattern(size_t n, uint8_t salt) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = uint8_t((i * 131 + salt + (i >> 8)) & 0xff);
  return v;
}

const size_t kSizes[] = {0, 1, 1024, 64 * 1024, 256 * 1024};

struct Outcome {
  Duration setup{};
  std::vector<std::string> log_a, log_b;
  std::string timeline_a, timeline_b;
  bool all_delivered = false;
  Duration transfer{};
};

std::string timeline(const Peer& p, Instant t0) {
  std::string s;
  char buf[96];
  for (size_t i = 0; i < p.log.size(); ++i) {
    std::snprintf(buf, sizeof(buf), "%s%s@%.0fms", s.empty() ? "" : " ", p.log[i].c_str(),
                  std::chrono::duration<double, std::milli>(p.log_at[i] - t0).count());
    s += buf;
  }
  return s;
}

struct Tuning {
  bool dtls_cookie = true;
  Duration dtls_initial_rto = seconds(1);
  Duration sctp_rto_initial = seconds(1);
};

Outcome run(uint64_t seed, double end_to_end_loss, bool close_at_end = false, Tuning tuning = {}) {
  sim::SimConfig sc;
  sc.seed = seed;
  sc.default_link.latency = milliseconds(10);
  sc.default_link.loss = 1.0 - std::sqrt(1.0 - end_to_end_loss);  // two links per path
  sim::Simulator sim(sc);
  const Instant t0 = sim.now();

  TransportConfig ca = make_config(true), cb = make_config(false);
  for (TransportConfig* c : {&ca, &cb}) {
    c->dtls.use_cookie = tuning.dtls_cookie;
    c->dtls.initial_rto = tuning.dtls_initial_rto;
    c->sctp.rto_initial = tuning.sctp_rto_initial;
  }
  Peer a(t0, ca, sim.machine_seed(1));
  Peer b(t0, cb, sim.machine_seed(2));
  auto ea = sim.attach({kAddrA.ip()}, a, sim::Simulator::internet(), kAddrA.port());
  auto eb = sim.attach({kAddrB.ip()}, b, sim::Simulator::internet(), kAddrB.port());

  // Signalling, done directly: credentials, candidates, end-of-candidates.
  REQUIRE(a.stack.add_local_interface(t0, kAddrA).ok());
  REQUIRE(b.stack.add_local_interface(t0, kAddrB).ok());
  a.stack.end_of_local_interfaces(t0);
  b.stack.end_of_local_interfaces(t0);
  a.drain(t0);
  b.drain(t0);
  REQUIRE(a.candidates.size() == 1);
  REQUIRE(b.candidates.size() == 1);
  REQUIRE(a.stack.set_remote_credentials(t0, b.stack.ice().local_ufrag(), b.stack.ice().local_pwd()).ok());
  REQUIRE(b.stack.set_remote_credentials(t0, a.stack.ice().local_ufrag(), a.stack.ice().local_pwd()).ok());
  REQUIRE(a.stack.add_remote_candidate(t0, b.candidates[0]).ok());
  REQUIRE(b.stack.add_remote_candidate(t0, a.candidates[0]).ok());
  a.stack.end_of_remote_candidates(t0);
  b.stack.end_of_remote_candidates(t0);
  REQUIRE(a.stack.start(t0).ok());
  REQUIRE(b.stack.start(t0).ok());
  // The DTLS client creates the channel before anything is connected: it
  // opens once the association is up.
  auto ch = a.stack.create_data_channel(t0, "chat");
  REQUIRE(ch.ok());
  a.drain(t0);
  b.drain(t0);
  sim.wake(ea);
  sim.wake(eb);

  bool opened = sim.run_for([&] { return a.open_at && b.open_at; }, seconds(120));
  INFO(sim.summary());
  INFO("A: " << join(a.log) << "\nB: " << join(b.log));
  REQUIRE(opened);
  Outcome o;
  o.setup = std::max(*a.open_at, *b.open_at) - t0;
  REQUIRE(a.open_channel == ch.value());
  REQUIRE(b.open_channel == ch.value());

  // Messages both ways.
  const Instant ts = sim.now();
  for (size_t i = 0; i < std::size(kSizes); ++i) {
    auto pa = pattern(kSizes[i], uint8_t(i));
    auto pb = pattern(kSizes[i], uint8_t(100 + i));
    REQUIRE(a.stack.send_binary(sim.now(), *a.open_channel, Bytes(pa.data(), pa.size())).ok());
    REQUIRE(b.stack.send_binary(sim.now(), *b.open_channel, Bytes(pb.data(), pb.size())).ok());
  }
  a.drain(sim.now());
  b.drain(sim.now());
  sim.wake(ea);
  sim.wake(eb);
  const size_t n = std::size(kSizes);
  o.all_delivered = sim.run_for([&] { return a.received.size() >= n && b.received.size() >= n; }, seconds(300));
  o.transfer = sim.now() - ts;
  INFO("received a=" << a.received.size() << " b=" << b.received.size());
  REQUIRE(o.all_delivered);
  for (size_t i = 0; i < n; ++i) {
    INFO("message " << i << " size " << kSizes[i]);
    CHECK(b.received[i].binary);
    CHECK(a.received[i].binary);
    CHECK(b.received[i].data == pattern(kSizes[i], uint8_t(i)));
    CHECK(a.received[i].data == pattern(kSizes[i], uint8_t(100 + i)));
  }
  CHECK(a.stack.stats().dropped_unknown == 0);
  CHECK(b.stack.stats().dropped_unknown == 0);
  CHECK(a.stack.stats().dropped_sctp_to_dtls == 0);
  CHECK(b.stack.stats().dropped_sctp_to_dtls == 0);
  CHECK(a.stack.srtp_keys().has_value());
  CHECK(b.stack.srtp_keys().has_value());
  o.timeline_a = timeline(a, t0);
  o.timeline_b = timeline(b, t0);

  // RFC 7983: RTP/RTCP (first byte 128..191) is counted and dropped for
  // now; a byte outside every range is dropped as unknown.
  const uint8_t rtp[12] = {0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  const uint8_t junk[4] = {200, 1, 2, 3};
  const uint64_t rtp_before = b.stack.stats().dropped_rtp;
  b.stack.handle_datagram(sim.now(), sansrtc::Datagram{kAddrA, kAddrB, Bytes(rtp, sizeof(rtp))});
  b.stack.handle_datagram(sim.now(), sansrtc::Datagram{kAddrA, kAddrB, Bytes(junk, sizeof(junk))});
  CHECK(b.stack.stats().dropped_rtp == rtp_before + 1);
  CHECK(b.stack.stats().dropped_unknown == 1);

  if (close_at_end) {
    // Closing from B (the DTLS server side): both sides see the channel close.
    REQUIRE(b.stack.close_data_channel(sim.now(), *b.open_channel).ok());
    b.drain(sim.now());
    sim.wake(eb);
    bool closed = sim.run_for([&] { return index_of(a.log, "dc:close") >= 0 && index_of(b.log, "dc:close") >= 0; },
                              seconds(30));
    INFO("A: " << join(a.log) << "\nB: " << join(b.log));
    CHECK(closed);

    // Closing the whole transport on A (close_notify): B's DTLS closes and
    // its association with it.
    a.stack.close(sim.now());
    a.drain(sim.now());
    sim.wake(ea);
    bool b_closed = sim.run_for([&] { return index_of(b.log, "sctp:closed") >= 0; }, seconds(30));
    INFO("A: " << join(a.log) << "\nB: " << join(b.log));
    CHECK(b_closed);
    CHECK(index_of(b.log, "dtls:closed") >= 0);
    CHECK(index_of(b.log, "dtls:closed") < index_of(b.log, "sctp:closed"));
    CHECK(index_of(a.log, "sctp:closed") >= 0);
  }
  o.log_a = a.log;
  o.log_b = b.log;
  return o;
}

void check_order(const std::vector<std::string>& log) {
  INFO(join(log));
  const int ice = std::max(index_of(log, "ice:connected"), index_of(log, "ice:completed"));
  const int dtls_connecting = index_of(log, "dtls:connecting");
  const int dtls_connected = index_of(log, "dtls:connected");
  const int sctp = index_of(log, "sctp:connected");
  const int open = index_of(log, "dc:open");
  REQUIRE(ice >= 0);
  REQUIRE(dtls_connected >= 0);
  REQUIRE(sctp >= 0);
  REQUIRE(open >= 0);
  CHECK(index_of(log, "ice:checking") < ice);
  CHECK(dtls_connecting < dtls_connected);
  CHECK(ice < dtls_connected);
  CHECK(dtls_connected < sctp);
  CHECK(sctp < open);
}

double ms(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

TEST_CASE("RFC 7983 demultiplexing by first byte") {
  auto kind = [](uint8_t b) { return classify_packet(Bytes(&b, 1)); };
  CHECK(kind(0) == PacketKind::stun);
  CHECK(kind(3) == PacketKind::stun);
  CHECK(kind(4) == PacketKind::unknown);
  CHECK(kind(19) == PacketKind::unknown);  // ZRTP: not supported
  CHECK(kind(20) == PacketKind::dtls);
  CHECK(kind(63) == PacketKind::dtls);
  CHECK(kind(64) == PacketKind::turn_channel);
  CHECK(kind(79) == PacketKind::turn_channel);
  CHECK(kind(80) == PacketKind::unknown);
  CHECK(kind(127) == PacketKind::unknown);
  CHECK(kind(128) == PacketKind::rtp);
  CHECK(kind(191) == PacketKind::rtp);
  CHECK(kind(192) == PacketKind::unknown);
  CHECK(classify_packet(Bytes()) == PacketKind::unknown);
}

TEST_CASE("two transport stacks: channel opens, 0 B..256 KiB both ways, clean link") {
  Outcome o = run(1, 0.0, true);
  check_order(o.log_a);
  check_order(o.log_b);
  std::printf("[pc_transport] clean link (20 ms one way): start -> channel open on both sides %.1f ms virtual; "
              "messages both ways %.1f ms\n  A: %s\n  B: %s\n",
              ms(o.setup), ms(o.transfer), o.timeline_a.c_str(), o.timeline_b.c_str());
}

TEST_CASE("two transport stacks: 10 % loss, 10 seeds") {
  std::vector<double> setups;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    INFO("seed " << seed);
    Outcome o = run(seed, 0.10);
    check_order(o.log_a);
    check_order(o.log_b);
    setups.push_back(ms(o.setup));
    std::printf("[pc_transport] 10%% loss seed %llu: channel open %.1f ms, transfer %.1f ms virtual\n",
                (unsigned long long)seed, ms(o.setup), ms(o.transfer));
    if (o.setup > seconds(2)) std::printf("  A: %s\n  B: %s\n", o.timeline_a.c_str(), o.timeline_b.c_str());
  }
}

// Not a timing test (nothing here can fail on time): it shows what the
// DTLS settings the PeerConnection chooses cost. With ICE having verified
// the path, the HelloVerifyRequest round trip buys little; a shorter first
// DTLS retransmission timer shortens the loss tail.
TEST_CASE("two transport stacks: DTLS without cookie, 200 ms first DTLS RTO, 300 ms initial SCTP RTO") {
  Tuning t;
  t.dtls_cookie = false;
  t.dtls_initial_rto = milliseconds(200);
  t.sctp_rto_initial = milliseconds(300);
  Outcome o = run(1, 0.0, false, t);
  check_order(o.log_a);
  check_order(o.log_b);
  std::printf("[pc_transport] tuned, clean link: channel open %.1f ms virtual\n  A: %s\n  B: %s\n", ms(o.setup),
              o.timeline_a.c_str(), o.timeline_b.c_str());
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    INFO("seed " << seed);
    Outcome l = run(seed, 0.10, false, t);
    check_order(l.log_a);
    check_order(l.log_b);
    std::printf("[pc_transport] tuned, 10%% loss seed %llu: channel open %.1f ms virtual\n",
                (unsigned long long)seed, ms(l.setup));
    if (l.setup > seconds(2)) std::printf("  A: %s\n  B: %s\n", l.timeline_a.c_str(), l.timeline_b.c_str());
  }
}

// 16 channels at once, 8 opened by each side (A even ids as DTLS client, B
// odd ones), of every reliability kind; each carries a text and a 10 KiB
// binary message both ways on a clean link.
TEST_CASE("two transport stacks: DTLS role set after ICE began; 16 channels of every reliability kind from both sides") {
  sim::SimConfig sc;
  sc.seed = 3;
  sc.default_link.latency = milliseconds(10);
  sim::Simulator sim(sc);
  const Instant t0 = sim.now();
  // As a PeerConnection does: ICE runs before the answer tells the DTLS
  // role and the fingerprints.
  TransportConfig ca = make_config(true), cb = make_config(false);
  for (TransportConfig* c : {&ca, &cb}) {
    c->defer_dtls_role = true;
    c->dtls.remote_fingerprints.clear();
  }
  Peer a(t0, ca, sim.machine_seed(1));
  Peer b(t0, cb, sim.machine_seed(2));
  auto ea = sim.attach({kAddrA.ip()}, a, sim::Simulator::internet(), kAddrA.port());
  auto eb = sim.attach({kAddrB.ip()}, b, sim::Simulator::internet(), kAddrB.port());
  REQUIRE(a.stack.add_local_interface(t0, kAddrA).ok());
  REQUIRE(b.stack.add_local_interface(t0, kAddrB).ok());
  a.drain(t0);
  b.drain(t0);
  REQUIRE(a.stack.set_remote_credentials(t0, b.stack.ice().local_ufrag(), b.stack.ice().local_pwd()).ok());
  REQUIRE(b.stack.set_remote_credentials(t0, a.stack.ice().local_ufrag(), a.stack.ice().local_pwd()).ok());
  REQUIRE(a.stack.add_remote_candidate(t0, b.candidates.at(0)).ok());
  REQUIRE(b.stack.add_remote_candidate(t0, a.candidates.at(0)).ok());
  sim.wake(ea);
  sim.wake(eb);
  CHECK(a.stack.start(t0).error().code == Errc::invalid_state);  // role unknown
  CHECK(a.stack.dtls() == nullptr);
  const uint8_t early_dtls[13] = {22, 0xfe, 0xfd};  // a record header, before start()
  a.stack.handle_datagram(t0, sansrtc::Datagram{kAddrB, kAddrA, Bytes(early_dtls, sizeof(early_dtls))});
  CHECK(a.stack.stats().dropped_dtls_not_started == 1);
  sim.run_for(milliseconds(30));  // ICE checks are under way
  const Instant ts = sim.now();
  const auto fa = ids().a->cert.fingerprint(crypto::HashAlg::sha256);
  const auto fb = ids().b->cert.fingerprint(crypto::HashAlg::sha256);
  REQUIRE(a.stack.set_dtls_role(dtls::Role::client).ok());
  REQUIRE(b.stack.set_dtls_role(dtls::Role::server).ok());
  CHECK(a.stack.set_dtls_role(dtls::Role::server).error().code == Errc::invalid_state);
  REQUIRE(a.stack.set_remote_fingerprints(std::span<const crypto::Fingerprint>(&fb, 1)).ok());
  REQUIRE(b.stack.set_remote_fingerprints(std::span<const crypto::Fingerprint>(&fa, 1)).ok());
  REQUIRE(a.stack.start(ts).ok());
  REQUIRE(b.stack.start(ts).ok());
  CHECK(a.stack.start(ts).error().code == Errc::invalid_state);  // twice
  CHECK(a.stack.set_dtls_role(dtls::Role::client).error().code == Errc::invalid_state);  // after start
  std::vector<datachannel::ChannelId> mine_a, mine_b;
  for (int i = 0; i < 8; ++i) {
    datachannel::ChannelInit init;
    init.ordered = i % 2 == 0;
    if (i % 4 == 1) init.max_retransmits = 2;
    if (i % 4 == 3) init.max_packet_life_time = 500;
    auto xa = a.stack.create_data_channel(ts, "a" + std::to_string(i), init);
    auto xb = b.stack.create_data_channel(ts, "b" + std::to_string(i), init);
    REQUIRE(xa.ok());
    REQUIRE(xb.ok());
    CHECK(xa->value() % 2 == 0);  // RFC 8832 §6: DTLS client even, server odd
    CHECK(xb->value() % 2 == 1);
    mine_a.push_back(*xa);
    mine_b.push_back(*xb);
  }
  a.drain(ts);
  b.drain(ts);
  sim.wake(ea);
  sim.wake(eb);
  REQUIRE(sim.run_for([&] { return a.opened.size() == 16 && b.opened.size() == 16; }, seconds(30)));
  std::printf("[pc_transport] deferred DTLS role: 16 channels open on both sides %.1f ms after start\n",
              ms(sim.now() - ts));
  check_order(a.log);
  check_order(b.log);

  std::vector<datachannel::ChannelId> all = mine_a;
  all.insert(all.end(), mine_b.begin(), mine_b.end());
  auto big = pattern(10 * 1024, 7);
  for (auto id : all) {
    const std::string text = "ch" + std::to_string(id.value());
    REQUIRE(a.stack.send_text(sim.now(), id, text).ok());
    REQUIRE(b.stack.send_text(sim.now(), id, text).ok());
    REQUIRE(a.stack.send_binary(sim.now(), id, Bytes(big.data(), big.size())).ok());
    REQUIRE(b.stack.send_binary(sim.now(), id, Bytes(big.data(), big.size())).ok());
  }
  a.drain(sim.now());
  b.drain(sim.now());
  sim.wake(ea);
  sim.wake(eb);
  REQUIRE(sim.run_for([&] { return a.received.size() == 32 && b.received.size() == 32; }, seconds(30)));
  for (Peer* p : {&a, &b}) {
    for (auto id : all) {
      int texts = 0, bins = 0;
      for (const auto& r : p->received) {
        if (r.id != id) continue;
        if (r.binary) bins += r.data == big;
        else texts += std::string(r.data.begin(), r.data.end()) == "ch" + std::to_string(id.value());
      }
      INFO("channel " << id.value());
      CHECK(texts == 1);
      CHECK(bins == 1);
    }
  }
}

// Hidden (run with "[.bench]"): wall-clock throughput of two stacks wired
// back to back in memory, virtual time standing still unless both are idle.
// A measurement, never a pass/fail on time.
TEST_CASE("bench: one channel, A -> B, 64 MiB in 256 KiB messages, in memory", "[.bench]") {
  Instant now = kTestEpoch;
  Peer a(now, make_config(true), 11);
  Peer b(now, make_config(false), 12);
  REQUIRE(a.stack.add_local_interface(now, kAddrA).ok());
  REQUIRE(b.stack.add_local_interface(now, kAddrB).ok());
  a.drain(now);
  b.drain(now);
  REQUIRE(a.stack.set_remote_credentials(now, b.stack.ice().local_ufrag(), b.stack.ice().local_pwd()).ok());
  REQUIRE(b.stack.set_remote_credentials(now, a.stack.ice().local_ufrag(), a.stack.ice().local_pwd()).ok());
  REQUIRE(a.stack.add_remote_candidate(now, b.candidates.at(0)).ok());
  REQUIRE(b.stack.add_remote_candidate(now, a.candidates.at(0)).ok());
  REQUIRE(a.stack.start(now).ok());
  REQUIRE(b.stack.start(now).ok());
  auto ch = a.stack.create_data_channel(now, "bulk");
  REQUIRE(ch.ok());
  std::vector<uint8_t> buf(2048);
  size_t b_bytes = 0;
  auto pump = [&](Peer& from, Peer& to, const SocketAddress& src, const SocketAddress& dst) {
    bool any = false;
    while (auto t = from.stack.poll_transmit(MutBytes(buf.data(), buf.size()))) {
      any = true;
      to.stack.handle_datagram(now, sansrtc::Datagram{src, dst, Bytes(buf.data(), t->size)});
    }
    return any;
  };
  auto drain_b = [&] {
    while (auto e = b.stack.poll_event()) {
      if (e->kind == TransportEvent::Kind::channel && e->channel.type == datachannel::EventType::message)
        b_bytes += e->channel.data.size();
      if (e->kind == TransportEvent::Kind::channel && e->channel.type == datachannel::EventType::open) b.open_at = now;
    }
  };
  auto step = [&] {
    bool any = pump(a, b, kAddrA, kAddrB);
    any |= pump(b, a, kAddrB, kAddrA);
    a.drain(now);
    drain_b();
    if (!any) {
      auto t = earliest(a.stack.poll_timeout(), b.stack.poll_timeout());
      if (t && *t > now) now = *t;
      a.stack.handle_timeout(now);
      b.stack.handle_timeout(now);
    }
  };
  for (int i = 0; i < 100000 && !(a.open_at && b.open_at); ++i) step();
  REQUIRE(a.open_at);
  const size_t total = 64u << 20, msg = 256 * 1024;
  auto payload = pattern(msg, 1);
  size_t sent = 0;
  auto w0 = std::chrono::steady_clock::now();
  while (b_bytes < total) {
    while (sent < total && a.stack.send_binary(now, *ch, Bytes(payload.data(), payload.size())).ok()) sent += msg;
    step();
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  std::printf("[pc_transport bench] %zu MiB in %.3f s wall = %.1f MB/s (ICE+DTLS AES-GCM+SCTP+DCEP, both ends)\n",
              total >> 20, secs, double(total) / secs / 1e6);
}
