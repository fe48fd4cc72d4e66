// Fuzz target: the ICE agent fed an op stream.
//
// Each op is one byte (op code) followed by its arguments:
//   0 advance time (1 byte: ms * 4) and handle_timeout
//   1 raw datagram (1 byte length, bytes) from one of 4 addresses
//   2 a Binding request built from fuzz-chosen fields (right/wrong username,
//     right/wrong password, USE-CANDIDATE, ICE-CONTROLLING/-CONTROLLED,
//     tie-breaker, PRIORITY, FINGERPRINT) from one of 4 addresses
//   3 a response to one of the agent's last requests (success with a
//     mapped address, 487, or another error; right or wrong key, right or
//     wrong source)
//   4 a remote candidate (one of a few, or parsed from fuzz text)
//   5 restart (and new remote credentials)
//   6 end-of-candidates / mDNS resolution / ice-lite / new interface / close
// After every op: drain transmits and events, check Agent::is_consistent().
// The fuzzer knows the passwords, so integrity checks stay on.
#include "ice/agent.h"
#include "ice/candidate_grammar.h"
#include "stun/integrity.h"
#include "stun/message_builder.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::ice;

namespace {

struct Input {
  const uint8_t* p;
  size_t n;
  size_t i = 0;
  bool empty() const { return i >= n; }
  uint8_t u8() { return i < n ? p[i++] : 0; }
  uint32_t u32() { return uint32_t(u8()) << 24 | uint32_t(u8()) << 16 | uint32_t(u8()) << 8 | u8(); }
  uint64_t u64() { return uint64_t(u32()) << 32 | u32(); }
  Bytes bytes(size_t len) {
    len = std::min(len, n - std::min(i, n));
    Bytes b(p + i, len);
    i += len;
    return b;
  }
};

const SocketAddress kLocal(IpAddress::v4(10, 0, 0, 1), 5000);
const SocketAddress kLocal2(IpAddress::v4(10, 0, 1, 1), 5001);
const SocketAddress kPeers[4] = {
    SocketAddress(IpAddress::v4(10, 0, 0, 2), 5000), SocketAddress(IpAddress::v4(198, 51, 100, 7), 6000),
    SocketAddress(IpAddress::v4(203, 0, 113, 9), 7000), SocketAddress(IpAddress::v4(192, 0, 2, 1), 3478)};

struct SentRequest {
  stun::TransactionId tid;
  SocketAddress from, to;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in{data, size};
  SeededRng rng(size);
  Config cfg;
  cfg.local_ufrag = "locL";
  cfg.local_pwd = "localpasswordlocalpassword";
  cfg.role = (in.u8() & 1) ? Role::controlling : Role::controlled;
  cfg.tie_breaker = in.u64();
  cfg.ta = std::chrono::milliseconds(5);
  cfg.max_pairs = 8;
  cfg.max_prflx = 3;
  cfg.max_remote_candidates = 6;
  cfg.max_local_candidates = 4;
  cfg.max_pending_mdns = 2;
  cfg.stun_servers = {{kPeers[3], "stun:192.0.2.1"}};
  Instant now = kTestEpoch;
  Agent agent(now, cfg, rng);
  std::string remote_ufrag = "remR", remote_pwd = "remotepasswordremotepassword";
  (void)agent.add_local_interface(now, kLocal);
  agent.end_of_local_interfaces(now);
  (void)agent.set_remote_credentials(now, remote_ufrag, remote_pwd);

  std::vector<SentRequest> sent;
  std::vector<uint8_t> buf(1500), msg(1500);
  int ops = 0;
  while (!in.empty() && ops++ < 2000) {
    uint8_t op = in.u8() % 7;
    switch (op) {
      case 0:
        now += std::chrono::milliseconds(uint32_t(in.u8()) * 4);
        agent.handle_timeout(now);
        break;
      case 1: {
        Bytes b = in.bytes(in.u8());
        agent.handle_datagram(now, Datagram{kPeers[in.u8() % 4], kLocal, b});
        break;
      }
      case 2: {
        uint8_t f = in.u8();
        stun::MessageBuilder b(msg, {stun::Method::binding, stun::MessageClass::request},
                               stun::TransactionId::random(rng));
        std::string user = std::string(agent.local_ufrag()) + ":" + remote_ufrag;
        b.add_username((f & 1) ? user : std::string("bad:user"));
        b.add_priority(in.u32());
        if (f & 2) b.add_use_candidate();
        if (f & 4) b.add_ice_controlling(in.u64());
        else if (f & 8) b.add_ice_controlled(in.u64());
        auto key = stun::short_term_key((f & 16) ? std::string(agent.local_pwd()) : std::string("wrongpassword"));
        if (key.ok()) b.add_message_integrity(key->expose());
        if (!(f & 32)) b.add_fingerprint();
        auto n = b.finish();
        if (n.ok()) agent.handle_datagram(now, Datagram{kPeers[in.u8() % 4], (f & 64) ? kLocal2 : kLocal,
                                                        Bytes(msg.data(), *n)});
        break;
      }
      case 3: {
        if (sent.empty()) break;
        uint8_t f = in.u8();
        const SentRequest& r = sent[in.u8() % sent.size()];
        stun::MessageType type{stun::Method::binding, (f & 1) ? stun::MessageClass::error_response
                                                             : stun::MessageClass::success_response};
        stun::MessageBuilder b(msg, type, r.tid);
        if (f & 1) b.add_error_code((f & 2) ? stun::error_codes::kRoleConflict : 400 + (f >> 4) % 100);
        else b.add_xor_mapped_address((f & 2) ? kPeers[in.u8() % 4] : r.from);
        auto key = stun::short_term_key((f & 4) ? remote_pwd : std::string("wrongpassword"));
        if (key.ok() && !(f & 8)) b.add_message_integrity(key->expose());
        b.add_fingerprint();
        auto n = b.finish();
        SocketAddress src = (f & 32) ? kPeers[in.u8() % 4] : r.to;
        if (n.ok()) agent.handle_datagram(now, Datagram{src, r.from, Bytes(msg.data(), *n)});
        break;
      }
      case 4: {
        uint8_t f = in.u8();
        Candidate c;
        if (f & 1) {
          auto text = in.bytes(in.u8());
          auto parsed = parse_candidate(as_string_view(text));
          if (!parsed.ok()) break;
          c = *parsed;
        } else {
          c.foundation = std::to_string(f >> 4);
          c.priority = in.u32();
          c.address = kPeers[(f >> 1) % 4];
          c.type = CandidateType((f >> 3) % 4);
          if (f & 64) c.hostname = "abcd-ef.local";
        }
        (void)agent.add_remote_candidate(now, c);
        break;
      }
      case 5: {
        (void)agent.restart(now);
        remote_ufrag = "remR" + std::to_string(in.u8());
        (void)agent.set_remote_credentials(now, remote_ufrag, remote_pwd);
        sent.clear();
        break;
      }
      case 6: {
        uint8_t f = in.u8() % 6;
        if (f == 0) agent.end_of_remote_candidates(now);
        if (f == 1) agent.resolved(now, "abcd-ef.local", IpAddress::v4(10, 0, 0, 2));
        if (f == 2) agent.resolved(now, "abcd-ef.local", std::nullopt);
        if (f == 3) agent.set_remote_ice_lite(now, true);
        if (f == 4) (void)agent.add_local_interface(now, kLocal2);
        if (f == 5 && in.u8() == 0xFF) agent.close(now);
        break;
      }
    }
    while (auto t = agent.poll_transmit(buf)) {
      auto m = stun::MessageView::from(Bytes(buf.data(), t->size));
      if (!m.ok()) {
        std::fprintf(stderr, "agent sent an unparsable message\n");
        std::abort();
      }
      if (m->is_request()) {
        if (sent.size() >= 16) sent.erase(sent.begin());
        sent.push_back({m->transaction_id(), t->source, t->destination});
      }
    }
    while (agent.poll_event()) {
    }
    if (!agent.is_consistent()) {
      std::fprintf(stderr, "agent inconsistent after op %d\n", int(op));
      std::abort();
    }
    // Timers: a deadline at or before now must move after handle_timeout(now).
    for (int k = 0;; ++k) {
      auto d = agent.poll_timeout();
      if (!d || *d > now) break;
      if (k == 4) {
        std::fprintf(stderr, "deadline does not advance\n");
        std::abort();
      }
      agent.handle_timeout(now);
      while (agent.poll_transmit(buf)) {
      }
      while (agent.poll_event()) {
      }
    }
  }
  return 0;
}
