#include "support/sim/link.h"

#include <algorithm>

namespace sansrtc::sim {

const char* drop_reason_name(DropReason r) {
  switch (r) {
    case DropReason::none: return "none";
    case DropReason::link_down: return "link_down";
    case DropReason::loss: return "loss";
    case DropReason::too_big: return "too_big";
    case DropReason::queue_full: return "queue_full";
    case DropReason::in_flight_cap: return "in_flight_cap";
    case DropReason::no_route: return "no_route";
    case DropReason::no_endpoint: return "no_endpoint";
    case DropReason::nat_no_mapping: return "nat_no_mapping";
    case DropReason::nat_filtered: return "nat_filtered";
    case DropReason::nat_table_full: return "nat_table_full";
    case DropReason::nat_hairpin_off: return "nat_hairpin_off";
    case DropReason::nat_no_address: return "nat_no_address";
    case DropReason::test_filter: return "test_filter";
    case DropReason::bad_source: return "bad_source";
    case DropReason::ttl_exceeded: return "ttl_exceeded";
    case DropReason::count_: break;
  }
  return "?";
}

bool Link::lost() {
  bool drop = config_.loss > 0 && rng_.next_double() < config_.loss;
  if (config_.burst) {
    const GilbertElliott& ge = *config_.burst;
    // Advance the chain first, then draw the loss in the new state.
    if (ge_bad_) {
      if (rng_.next_double() < ge.p_bad_to_good) ge_bad_ = false;
    } else {
      if (rng_.next_double() < ge.p_good_to_bad) ge_bad_ = true;
    }
    const double p = ge_bad_ ? ge.loss_in_bad : ge.loss_in_good;
    if (p > 0 && rng_.next_double() < p) drop = true;
  }
  return drop;
}

Duration Link::jitter() {
  const int64_t j = config_.jitter.count();
  if (j <= 0) return Duration(0);
  return Duration(int64_t(rng_.uniform(uint64_t(j) + 1)));
}

Link::Fate Link::offer(Instant now, size_t ip_size) {
  Fate f;
  ++stats_.offered;
  if (config_.down) {
    ++stats_.lost;
    f.drop = DropReason::link_down;
    return f;
  }
  if (config_.mtu != 0 && ip_size > config_.mtu) {
    ++stats_.too_big;
    f.drop = DropReason::too_big;
    return f;
  }
  Instant departure = now;
  if (config_.rate != 0) {
    // The backlog is what the link has accepted but not yet serialized.
    const Instant start = std::max(now, busy_until_);
    const int64_t backlog_ns = (start - now).count();
    const uint64_t backlog_bytes =
        uint64_t((__int128)backlog_ns * config_.rate / 1'000'000'000);
    if (backlog_bytes + ip_size > config_.queue_bytes) {
      ++stats_.queue_dropped;
      f.drop = DropReason::queue_full;
      return f;
    }
    const int64_t tx_ns = int64_t((__int128)ip_size * 1'000'000'000 / config_.rate);
    busy_until_ = start + Duration(tx_ns);
    departure = busy_until_;
  }
  if (lost()) {
    ++stats_.lost;
    f.drop = DropReason::loss;
    return f;
  }
  Instant arrival = departure + config_.latency + jitter();
  if (!config_.jitter_reorders) {
    arrival = std::max(arrival, last_arrival_);
    last_arrival_ = arrival;
  }
  if (config_.reorder > 0 && rng_.next_double() < config_.reorder) {
    arrival += config_.reorder_delay;
    ++stats_.reordered;
  }
  f.copies = 1;
  f.arrival[0] = arrival;
  if (config_.duplicate > 0 && rng_.next_double() < config_.duplicate) {
    f.copies = 2;
    f.arrival[1] = arrival + config_.duplicate_delay + jitter();
    ++stats_.duplicated;
  }
  stats_.delivered += f.copies;
  stats_.bytes_delivered += f.copies * ip_size;
  return f;
}

}  // namespace sansrtc::sim
