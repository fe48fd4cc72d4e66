#include "sctp/tx/retransmission_queue.h"

#include <algorithm>

namespace sansrtc::sctp {

namespace {
// A SACK may carry at most this many gap blocks that we look at; the rest is
// ignored so a hostile SACK cannot make us loop (each block is bounded by the
// queue size and blocks must ascend).
constexpr size_t kMaxGapBlocks = 256;

void push_low(InlineVector<uint16_t, 32>& low, uint16_t stream) {
  for (uint16_t s : low)
    if (s == stream) return;
  (void)low.push_back(stream);
}
}  // namespace

RetransmissionQueue::RetransmissionQueue(SendQueue& sq, size_t mtu, uint32_t initial_tsn, size_t peer_rwnd)
    : sq_(sq),
      mtu_(mtu),
      // entries_ grows with the data in flight (Fifo doubles on demand).
      cum_ack_(initial_tsn - 1),
      // §7.2.1: "The initial cwnd before DATA transmission ... MUST be set to
      // min(4*MTU, max (2*MTU, 4404))".
      cwnd_(std::min(4 * mtu, std::max<size_t>(2 * mtu, 4404))),
      // "The initial value of ssthresh SHOULD be arbitrarily high (e.g., to
      // the size of the largest possible advertised window)".
      ssthresh_(peer_rwnd),
      peer_rwnd_(peer_rwnd) {}

uint32_t RetransmissionQueue::add(Instant now, const Fragment& f, uint16_t ssn) {
  Entry e;
  e.frag = f;
  e.ssn = ssn;
  e.sent_at = now;
  const uint32_t tsn = next_tsn();
  // The first fragment of a message is the one with B.
  if (f.flags & kFlagBeginning) f.msg->first_tsn = tsn;
  f.msg->last_tsn = tsn;
  outstanding_bytes_ += chunk_bytes(e);
  peer_rwnd_ -= std::min(peer_rwnd_, chunk_bytes(e));
  entries_.push_back(e);
  return tsn;
}

RetransmissionQueue::Entry* RetransmissionQueue::next_retransmit(uint32_t* tsn) {
  if (!to_retransmit_) return nullptr;
  for (size_t i = rtx_hint_; i < entries_.size(); ++i) {
    if (entries_[i].state == ChunkState::to_retransmit) {
      rtx_hint_ = i;
      *tsn = cum_ack_ + 1 + uint32_t(i);
      return &entries_[i];
    }
  }
  return nullptr;
}

void RetransmissionQueue::mark_retransmitted(Instant now, Entry& e) {
  SANSRTC_DCHECK(e.state == ChunkState::to_retransmit);
  e.state = ChunkState::in_flight;
  --to_retransmit_;
  e.retransmitted = true;
  e.rtx_count++;
  e.miss = 0;
  e.sent_at = now;
  outstanding_bytes_ += chunk_bytes(e);
  peer_rwnd_ -= std::min(peer_rwnd_, chunk_bytes(e));
}

void RetransmissionQueue::set_acked(Entry& e, InlineVector<uint16_t, 32>& low) {
  if (e.state == ChunkState::in_flight) outstanding_bytes_ -= chunk_bytes(e);
  if (e.state == ChunkState::to_retransmit) --to_retransmit_;
  e.state = ChunkState::acked;
  if (sq_.unbuffer(e.frag.msg->stream, e.frag.length)) push_low(low, e.frag.msg->stream);
}

void RetransmissionQueue::pop_front() {
  Entry e = entries_.pop_front();
  sq_.release(e.frag.msg);
  ++cum_ack_;
  if (rtx_hint_) --rtx_hint_;
}

void RetransmissionQueue::mark_for_retransmit(Instant now, Entry& e, InlineVector<uint16_t, 32>& low,
                                              size_t* abandoned_msgs) {
  if (e.state != ChunkState::in_flight) return;
  OutMessage* m = e.frag.msg;
  // RFC 3758 §3.5 A1-A3 (with the WebRTC policies): a chunk that used up
  // its retransmissions or its lifetime is abandoned, not retransmitted.
  if ((m->max_retransmits && e.rtx_count >= *m->max_retransmits) || (m->expires && now >= *m->expires)) {
    if (!m->abandoned) ++*abandoned_msgs;
    abandon_message(m, low);
    return;
  }
  outstanding_bytes_ -= chunk_bytes(e);
  e.state = ChunkState::to_retransmit;
  ++to_retransmit_;
  rtx_hint_ = 0;
}

void RetransmissionQueue::abandon_message(OutMessage* m, InlineVector<uint16_t, 32>& low) {
  {
    // The message's fragments sit at offsets first_tsn - (cum_ack + 1) ..
    // last_tsn - (cum_ack + 1) of the queue, the acked ones below 0 gone.
    const uint32_t base = cum_ack_ + 1;
    const int32_t from = int32_t(m->first_tsn - base);
    const int32_t to = int32_t(m->last_tsn - base);
    for (int32_t i = from < 0 ? 0 : from; i <= to && size_t(i) < entries_.size(); ++i) {
      Entry& e = entries_[size_t(i)];
      if (e.frag.msg != m) continue;
      if (e.state == ChunkState::acked || e.state == ChunkState::abandoned) continue;
      if (e.state == ChunkState::in_flight) outstanding_bytes_ -= chunk_bytes(e);
      if (e.state == ChunkState::to_retransmit) --to_retransmit_;
      e.state = ChunkState::abandoned;
      if (sq_.unbuffer(m->stream, e.frag.length)) push_low(low, m->stream);
    }
  }
  if (sq_.abandon_remainder(m)) push_low(low, m->stream);
}

SackResult RetransmissionQueue::handle_sack(Instant now, const SackChunk& sack,
                                            InlineVector<uint16_t, 32>& low, size_t* abandoned_msgs) {
  SackResult r;
  const int32_t advance = int32_t(sack.cumulative_tsn_ack - cum_ack_);
  // §6.2.1 D: "If Cumulative TSN Ack is less than the Cumulative TSN Ack
  // Point, drop the SACK chunk." (Also one beyond what we sent.)
  if (advance < 0 || size_t(advance) > entries_.size()) {
    r.valid = false;
    return r;
  }
  size_t flight_before = outstanding_bytes_;
  std::optional<Instant> rtt_from;
  for (int32_t k = advance; k; --k) {
    Entry& e = entries_.front();
    if (e.state == ChunkState::in_flight || e.state == ChunkState::to_retransmit) {
      r.bytes_acked += e.frag.length;
      // Karn: no sample from a retransmitted chunk.
      if (!e.retransmitted && e.state == ChunkState::in_flight) rtt_from = e.sent_at;
      set_acked(e, low);
    }
    pop_front();
    r.cum_advanced = true;
  }
  if (rtt_from) r.rtt = now - *rtt_from;

  size_t highest_newly_acked = 0;  // an offset from cum_ack_ (0: none)
  size_t prev_end = 0;
  size_t n = std::min(sack.num_gap_blocks(), kMaxGapBlocks);
  for (size_t i = 0; i < n; ++i) {
    GapAckBlock g = sack.gap_block(i);
    // Blocks must ascend and stay within what we sent; an absurd block ends
    // the walk (the caller counts it).
    if (g.start == 0 || g.start > g.end || g.start <= prev_end || size_t(g.end) > entries_.size()) {
      r.absurd_gap_blocks = true;
      break;
    }
    for (size_t off = g.start; off <= g.end; ++off) {
      Entry& e = entries_[off - 1];
      if (e.state == ChunkState::in_flight || e.state == ChunkState::to_retransmit) {
        r.bytes_acked += e.frag.length;
        set_acked(e, low);
        highest_newly_acked = off;
      }
    }
    prev_end = g.end;
  }

  // §7.2.4: miss indications for chunks below the highest newly acked TSN.
  if (highest_newly_acked) {
    size_t limit = highest_newly_acked - 1;
    for (size_t i = 0; i < limit; ++i) {
      Entry& e = entries_[i];
      if (e.state != ChunkState::in_flight) continue;
      if (++e.miss < 3) continue;
      e.miss = 0;
      // "Mark the DATA chunk(s) with three miss indications for
      // retransmission" and enter Fast Recovery once per window.
      if (!fast_recovery_) {
        fast_recovery_ = true;
        fast_recovery_exit_ = next_tsn() - 1;
        ssthresh_ = std::max(cwnd_ / 2, 4 * mtu_);
        cwnd_ = ssthresh_;
        partial_bytes_acked_ = 0;
      }
      r.fast_retransmit = true;
      fast_credit_ = true;
      mark_for_retransmit(now, e, low, abandoned_msgs);
      if (e.state == ChunkState::to_retransmit) rtx_hint_ = std::min(rtx_hint_, i);
    }
  }

  if (fast_recovery_ && int32_t(cum_ack_ - fast_recovery_exit_) >= 0) fast_recovery_ = false;
  if (r.cum_advanced && !fast_recovery_) {
    size_t acked = r.bytes_acked;
    if (cwnd_ <= ssthresh_) {
      // §7.2.1: slow start, only when the cwnd was being used.
      if (flight_before + mtu_ >= cwnd_) cwnd_ += std::min(acked, mtu_);
    } else {
      // §7.2.2: congestion avoidance.
      partial_bytes_acked_ += acked;
      if (partial_bytes_acked_ >= cwnd_ && flight_before + mtu_ >= cwnd_) {
        partial_bytes_acked_ -= cwnd_;
        cwnd_ += mtu_;
      }
    }
  }
  // §6.2.1: "Set rwnd equal to the newly received a_rwnd minus the number of
  // bytes still outstanding".
  peer_rwnd_ = sack.a_rwnd > outstanding_bytes_ ? sack.a_rwnd - outstanding_bytes_ : 0;
  return r;
}

void RetransmissionQueue::handle_t3_expiry(Instant now, InlineVector<uint16_t, 32>& low,
                                           size_t* abandoned_msgs) {
  // §7.2.3: ssthresh = max(cwnd/2, 4*MTU), cwnd = 1*MTU.
  ssthresh_ = std::max(cwnd_ / 2, 4 * mtu_);
  cwnd_ = mtu_;
  partial_bytes_acked_ = 0;
  fast_recovery_ = false;
  for (size_t i = 0; i < entries_.size(); ++i) mark_for_retransmit(now, entries_[i], low, abandoned_msgs);
}

uint32_t RetransmissionQueue::advanced_peer_ack_point(InlineVector<ForwardTsnStream, 32>& streams) const {
  uint32_t point = cum_ack_;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    if (e.state != ChunkState::abandoned) break;
    if (!(e.frag.flags & kFlagUnordered)) {
      uint16_t stream = e.frag.msg->stream;
      bool found = false;
      for (auto& s : streams)
        if (s.stream == stream) {
          s.ssn = e.ssn;
          found = true;
        }
      if (!found && !streams.push_back(ForwardTsnStream{stream, e.ssn})) break;
    }
    point = cum_ack_ + 1 + uint32_t(i);
  }
  return point;
}

bool RetransmissionQueue::can_send(size_t bytes) const {
  // §6.1 B: "the data sender can always have one DATA chunk in flight to the
  // receiver if allowed by cwnd" even when rwnd is 0.
  if (outstanding_bytes_ >= cwnd_) return false;
  if (outstanding_bytes_ > 0 && peer_rwnd_ < bytes) return false;
  return true;
}

void RetransmissionQueue::clear() {
  while (!entries_.empty()) {
    Entry e = entries_.pop_front();
    sq_.release(e.frag.msg);
    ++cum_ack_;
  }
  outstanding_bytes_ = 0;
  to_retransmit_ = 0;
  rtx_hint_ = 0;
}

bool RetransmissionQueue::is_consistent() const {
  size_t flight = 0, rtx = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    if (e.state == ChunkState::in_flight) flight += chunk_bytes(e);
    if (e.state == ChunkState::to_retransmit) ++rtx;
    if (!e.frag.msg || e.frag.msg->refs == 0) return false;
  }
  return flight == outstanding_bytes_ && rtx == to_retransmit_;
}

}  // namespace sansrtc::sctp
