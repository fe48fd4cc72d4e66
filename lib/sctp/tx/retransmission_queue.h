// sctp/tx/retransmission_queue.h — DATA chunks sent and not yet acked, and
// the sender's congestion state.
//
// RFC 9260 §6.1 (rules A/B: cwnd and the peer's rwnd gate new data), §6.2.1
// (SACK processing: cumulative ack, gap ack blocks), §6.3.3 (T3-rtx expiry),
// §7.2.1-§7.2.4 (slow start, congestion avoidance, fast retransmit after
// three miss indications, fast recovery), RFC 3758 §3.5 (abandoning chunks
// by max retransmissions / lifetime and the Advanced.Peer.Ack.Point).
//
// Entries live in a ring indexed by TSN - (cumulative ack + 1): no per-chunk
// allocation. Each entry points into its message (fragmented by reference).
#pragma once

#include "base/inline_vector.h"
#include "base/time.h"
#include "sctp/fifo.h"
#include "sctp/packet/chunks.h"
#include "sctp/tx/send_queue.h"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace sansrtc::sctp {

struct SackResult {
  bool valid = true;             // false: dropped (counted by the caller)
  bool cum_advanced = false;
  size_t bytes_acked = 0;
  std::optional<Duration> rtt;   // one sample from a never-retransmitted chunk
  bool fast_retransmit = false;
  bool absurd_gap_blocks = false;  // a block out of order or beyond what we sent
};

class RetransmissionQueue {
 public:
  enum class ChunkState : uint8_t { in_flight, to_retransmit, acked, abandoned };
  struct Entry {
    Fragment frag;
    uint16_t ssn = 0;
    ChunkState state = ChunkState::in_flight;
    bool retransmitted = false;
    uint8_t miss = 0;
    uint16_t rtx_count = 0;
    Instant sent_at{};
  };

  RetransmissionQueue(SendQueue& sq, size_t mtu, uint32_t initial_tsn, size_t peer_rwnd);

  // TSNs as on the wire: 32-bit serial numbers. Every TSN the queue holds
  // lies in (cum_ack, next_tsn), so offsets from the cumulative ack (plain
  // 32-bit differences) order them; no 64-bit arithmetic on a 32-bit target.
  uint32_t cum_ack() const { return cum_ack_; }
  uint32_t next_tsn() const { return cum_ack_ + 1 + uint32_t(entries_.size()); }

  // Records a new DATA chunk sent now; returns its TSN.
  uint32_t add(Instant now, const Fragment& f, uint16_t ssn);
  // The next chunk to retransmit (marked by T3 or fast retransmit) and its
  // TSN in *tsn, or nullptr.
  Entry* next_retransmit(uint32_t* tsn);
  Entry& entry(uint32_t tsn) { return entries_[tsn - cum_ack_ - 1]; }
  void mark_retransmitted(Instant now, Entry& e);

  // §6.2.1; `low_streams` collects streams that crossed their low threshold.
  SackResult handle_sack(Instant now, const SackChunk& sack, InlineVector<uint16_t, 32>& low_streams,
                         size_t* abandoned_msgs);
  // §6.3.3: everything in flight is marked for retransmission, cwnd = 1 MTU.
  void handle_t3_expiry(Instant now, InlineVector<uint16_t, 32>& low_streams, size_t* abandoned_msgs);
  // Abandons every fragment of `m` (RFC 3758 §3.5 C3: all fragments go together).
  void abandon_message(OutMessage* m, InlineVector<uint16_t, 32>& low_streams);

  // RFC 3758 §3.5 C1: the Advanced.Peer.Ack.Point moved past abandoned chunks;
  // fills the FORWARD-TSN stream list (ordered streams only).
  // The point is cum_ack() when no chunk at the front is abandoned.
  uint32_t advanced_peer_ack_point(InlineVector<ForwardTsnStream, 32>& streams) const;

  // Rule B of §6.1 and cwnd: may `bytes` more of new data go out now?
  bool can_send(size_t bytes) const;
  bool has_outstanding() const { return !entries_.empty(); }
  size_t outstanding_bytes() const { return outstanding_bytes_; }
  size_t num_to_retransmit() const { return to_retransmit_; }
  // §7.2.4 step 3: the first packet of a fast retransmission goes out
  // regardless of cwnd. True once per fast retransmit.
  bool take_fast_retransmit_credit() {
    bool c = fast_credit_;
    fast_credit_ = false;
    return c;
  }
  size_t cwnd() const { return cwnd_; }
  size_t ssthresh() const { return ssthresh_; }
  size_t peer_rwnd() const { return peer_rwnd_; }
  size_t size() const { return entries_.size(); }
  void clear();
  bool is_consistent() const;

 private:
  void set_acked(Entry& e, InlineVector<uint16_t, 32>& low_streams);
  void mark_for_retransmit(Instant now, Entry& e, InlineVector<uint16_t, 32>& low_streams,
                           size_t* abandoned_msgs);
  void pop_front();
  static size_t chunk_bytes(const Entry& e) { return e.frag.length + kDataHeaderSize; }

  SendQueue& sq_;
  size_t mtu_;
  Fifo<Entry> entries_;
  uint32_t cum_ack_;
  size_t outstanding_bytes_ = 0;  // in_flight chunks only
  size_t to_retransmit_ = 0;
  size_t rtx_hint_ = 0;           // index below which no entry is to_retransmit
  size_t cwnd_;
  size_t ssthresh_;
  size_t partial_bytes_acked_ = 0;
  size_t peer_rwnd_;
  bool fast_recovery_ = false;
  bool fast_credit_ = false;
  uint32_t fast_recovery_exit_ = 0;
};

}  // namespace sansrtc::sctp
