// support/sim/link.h — one direction of a simulated network link.
//
// A Link decides the fate of each datagram offered to it: dropped (and why),
// or delivered once or twice at computed arrival times. In order:
//   1. down           -> DropReason::link_down
//   2. MTU            -> DropReason::too_big     (IP size = payload + UDP + IP header)
//   3. rate + queue   -> DropReason::queue_full  (tail drop; the queue is the
//                        backlog a rate-limited link has not serialized yet)
//   4. loss           -> DropReason::loss        (Bernoulli `loss`, or the
//                        Gilbert–Elliott two-state burst model, either one)
//   5. delay          = queueing/serialization + latency + U[0, jitter]
//                       (+ reorder_delay with probability `reorder`)
//   6. duplication    with probability `duplicate`, a second copy arrives
//                     duplicate_delay later (+ its own jitter).
// All randomness comes from the Link's own SeededRng, so one link's traffic
// never shifts another's random choices.
#pragma once

#include "support/sim/sim_types.h"

#include <sansrtc/rng.h>
#include <sansrtc/time.h>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace sansrtc::sim {

// Gilbert–Elliott: a two-state Markov chain advanced once per datagram.
// Mean burst length in the bad state is 1 / p_bad_to_good datagrams.
struct GilbertElliott {
  double p_good_to_bad = 0.0;
  double p_bad_to_good = 1.0;
  double loss_in_good = 0.0;
  double loss_in_bad = 1.0;
};

struct LinkConfig {
  Duration latency{0};
  Duration jitter{0};            // uniform extra delay in [0, jitter]
  bool jitter_reorders = true;   // false: arrivals kept FIFO despite jitter
  double loss = 0.0;             // Bernoulli drop probability
  std::optional<GilbertElliott> burst;  // bursty loss, in addition to `loss`
  double duplicate = 0.0;        // probability of delivering a second copy
  Duration duplicate_delay{0};   // extra delay of the copy
  double reorder = 0.0;          // probability of holding a datagram back...
  Duration reorder_delay{std::chrono::milliseconds(20)};  // ...by this much
  size_t mtu = 1500;             // max IP packet size in bytes; 0 = unlimited
  uint64_t rate = 0;             // bytes per second (IP size); 0 = unlimited
  size_t queue_bytes = 64 * 1024;  // backlog limit of a rate-limited link
  bool down = false;             // drop everything
};

struct LinkStats {
  uint64_t offered = 0;
  uint64_t delivered = 0;      // datagrams that left the link (copies included)
  uint64_t bytes_delivered = 0;
  uint64_t lost = 0;           // loss + link_down
  uint64_t duplicated = 0;     // extra copies made
  uint64_t reordered = 0;      // datagrams held back by reorder_delay
  uint64_t too_big = 0;
  uint64_t queue_dropped = 0;
};

class Link {
 public:
  Link(const LinkConfig& config, uint64_t seed) : config_(config), rng_(seed) {}

  // The config may be changed at any time (e.g. `down = true` mid-test).
  LinkConfig& config() { return config_; }
  const LinkConfig& config() const { return config_; }
  const LinkStats& stats() const { return stats_; }

  struct Fate {
    DropReason drop = DropReason::none;
    int copies = 0;          // 0 when dropped, else 1 or 2
    Instant arrival[2]{};
  };
  // Decides what happens to one datagram of `ip_size` bytes offered at `now`.
  Fate offer(Instant now, size_t ip_size);

 private:
  bool lost();
  Duration jitter();

  LinkConfig config_;
  SeededRng rng_;
  LinkStats stats_;
  bool ge_bad_ = false;
  Instant busy_until_{};     // when the rate limiter finishes its backlog
  Instant last_arrival_{};   // for jitter_reorders = false
};

}  // namespace sansrtc::sim
