// support/sim/pair.h — two machines back to back, no addresses, no NAT.
//
// For SCTP/DTLS/... tests that only need "A's output is B's input":
//
//   sim::Pair pair(client, server);             // clock at kTestEpoch
//   pair.exchange();                            // deliver until both are quiet
//   pair.advance(milliseconds(1000));           // fire timers, deliver, in order
//   REQUIRE(pair.drive([&] { return client.is_open(); }, seconds(10)));
//
// PairConfig adds a fixed one-way latency and a drop filter (loss masks:
// "drop B's 2nd datagram"). Datagrams are given fixed addresses
// (kPairAddressA/B) in case the machine looks at them. Machines are adapted
// with MachineTraits (support/sim/machine.h). For loss, jitter, reordering
// and NATs, use the Simulator with MachineEndpoint instead.
//
// Free-function forms for one-liners, with the test holding the clock:
//   sim::exchange(a, b, now);  sim::advance(a, b, now, dt);  sim::drive(a, b, now, pred, limit);
#pragma once

#include "support/sim/machine.h"

#include <functional>
#include <queue>
#include <stdexcept>
#include <vector>

namespace sansrtc::sim {

enum class PairDir : uint8_t { a_to_b, b_to_a };

inline const SocketAddress kPairAddressA(IpAddress::v4(10, 0, 0, 1), 5000);
inline const SocketAddress kPairAddressB(IpAddress::v4(10, 0, 0, 2), 5000);

struct PairConfig {
  Duration latency{0};
  size_t buffer_size = 65'536;
  // Return true to drop. `index` counts datagrams sent in that direction.
  std::function<bool(PairDir dir, uint64_t index, Bytes payload)> drop;
  size_t max_spins = 100'000;  // runaway guard (throws std::runtime_error)
};

struct PairStats {
  uint64_t sent[2]{};       // by PairDir
  uint64_t delivered[2]{};
  uint64_t dropped[2]{};
};

template <class A, class B, class TA = MachineTraits<A>, class TB = MachineTraits<B>>
class Pair {
 public:
  Pair(A& a, B& b, PairConfig config = {}, Instant start = kTestEpoch)
      : a_(a), b_(b), config_(std::move(config)), now_(start), buf_(config_.buffer_size) {}

  Instant now() const { return now_; }
  const PairStats& stats() const { return stats_; }

  // Delivers everything due now and fires due timers until both machines are
  // quiet, without advancing the clock. Returns datagrams delivered.
  size_t exchange() {
    const uint64_t before = stats_.delivered[0] + stats_.delivered[1];
    run_to(now_, nullptr);
    return size_t(stats_.delivered[0] + stats_.delivered[1] - before);
  }

  // Advances the clock by dt, delivering datagrams and firing timers in time order.
  void advance(Duration dt) { run_to(now_ + dt, nullptr); }

  // Runs until pred() (checked after every step) or `limit` from now.
  bool drive(const std::function<bool()>& pred, Duration limit = std::chrono::seconds(60)) {
    if (pred()) return true;
    return run_to(now_ + limit, &pred);
  }

 private:
  struct InFlight {
    Instant at;
    uint64_t seq;
    PairDir dir;
    std::vector<uint8_t> bytes;
    bool operator>(const InFlight& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  template <class M, class T>
  void flush(M& m, PairDir dir) {
    for (size_t n = 0;; ++n) {
      if (n > config_.max_spins) throw std::runtime_error("pair: runaway poll_transmit");
      std::optional<Transmit> t = T::poll(m, MutBytes(buf_));
      if (!t) return;
      const Bytes payload(buf_.data(), std::min(t->size, buf_.size()));
      const uint64_t index = stats_.sent[size_t(dir)]++;
      if (config_.drop && config_.drop(dir, index, payload)) {
        ++stats_.dropped[size_t(dir)];
        continue;
      }
      queue_.push(InFlight{now_ + config_.latency, seq_++, dir,
                           std::vector<uint8_t>(payload.begin(), payload.end())});
    }
  }
  void flush_all() {
    flush<A, TA>(a_, PairDir::a_to_b);
    flush<B, TB>(b_, PairDir::b_to_a);
  }

  // One event at or before `t`: a delivery or a timeout. False if none.
  bool step(Instant t) {
    flush_all();
    std::optional<Instant> next;
    if (!queue_.empty()) next = queue_.top().at;
    const std::optional<Instant> da = TA::deadline(a_), db = TB::deadline(b_);
    if (da && (!next || *da < *next)) next = da;
    if (db && (!next || *db < *next)) next = db;
    if (!next || *next > t) return false;
    if (*next > now_) {
      now_ = *next;
      spins_ = 0;
    }
    if (!queue_.empty() && queue_.top().at <= now_) {
      InFlight f = queue_.top();
      queue_.pop();
      const bool to_b = f.dir == PairDir::a_to_b;
      const Datagram d{to_b ? kPairAddressA : kPairAddressB, to_b ? kPairAddressB : kPairAddressA,
                       Bytes(f.bytes.data(), f.bytes.size())};
      ++stats_.delivered[size_t(f.dir)];
      if (to_b) TB::handle(b_, now_, d); else TA::handle(a_, now_, d);
    } else {
      // Timeouts at one instant without time moving on mean a machine whose
      // deadline does not advance after handle_timeout().
      if (++spins_ > config_.max_spins) {
        throw std::runtime_error("pair: no progress (a deadline stays at now?)");
      }
      if (da && *da <= now_) TA::timeout(a_, now_); else TB::timeout(b_, now_);
    }
    flush_all();
    return true;
  }

  bool run_to(Instant t, const std::function<bool()>* pred) {
    while (step(t)) {
      if (pred && (*pred)()) return true;
    }
    if (t > now_) now_ = t;
    return pred ? (*pred)() : true;
  }

  A& a_;
  B& b_;
  PairConfig config_;
  Instant now_;
  std::vector<uint8_t> buf_;
  std::priority_queue<InFlight, std::vector<InFlight>, std::greater<InFlight>> queue_;
  uint64_t seq_ = 0;
  size_t spins_ = 0;
  PairStats stats_;
};

template <class A, class B>
size_t exchange(A& a, B& b, Instant now) {
  Pair<A, B> p(a, b, {}, now);
  return p.exchange();
}

template <class A, class B>
void advance(A& a, B& b, Instant& now, Duration dt) {
  Pair<A, B> p(a, b, {}, now);
  p.advance(dt);
  now = p.now();
}

template <class A, class B>
bool drive(A& a, B& b, Instant& now, const std::function<bool()>& pred,
           Duration limit = std::chrono::seconds(60)) {
  Pair<A, B> p(a, b, {}, now);
  const bool ok = p.drive(pred, limit);
  now = p.now();
  return ok;
}

}  // namespace sansrtc::sim
