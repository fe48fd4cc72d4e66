// sctp/rx/receive_queue.h — the receiver: TSN tracking, SACK contents and
// reassembly (RFC 9260 §6.2, §6.7 gap ack blocks, §6.9 reassembly;
// RFC 3758 §3.6 FORWARD-TSN on the receiver).
//
// DATA chunks above the cumulative TSN are held in a ring indexed by TSN
// (bounded: TSNs beyond the window are dropped and counted). The ring starts
// small and doubles up to the window only when a chunk is held that far
// ahead (after loss), so in-order traffic never pays for a large window. Chunks are
// processed strictly in TSN order once the cumulative TSN reaches them; since
// DATA fragments of one message carry consecutive TSNs, at most one message
// is being reassembled at a time, and ordered delivery follows from TSN
// order. Unordered messages are delivered as soon as all their fragments
// are held, ahead of any hole (their slots stay marked for gap acks).
//
// Memory: held payloads plus the message under reassembly are bounded by the
// receive buffer; a message beyond max_message_size is discarded and counted.
// Messages are reassembled into buffers from the association's BufferPool
// when it has one that fits (the application gives delivered payloads back).
#pragma once

#include "base/inline_vector.h"
#include "sctp/association.h"
#include "sctp/buffer_pool.h"
#include "sctp/fifo.h"
#include "sctp/packet/chunks.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace sansrtc::sctp {

// A delivered message is already the association's message event (type,
// stream, ppid, unordered, payload): the queue appends straight to the event
// queue, so there is one queue element type instead of two (and one copy of
// the ring's growth code on a microcontroller).
using ReceivedMessage = Event;

class ReceiveQueue {
 public:
  enum class Verdict : uint8_t { accepted, duplicate, out_of_window, buffer_full };

  // `buffers` (may be null) supplies reassembly buffers; it must outlive the queue.
  ReceiveQueue(uint32_t peer_initial_tsn, size_t window_tsns, size_t max_buffer, size_t max_message,
               BufferPool* buffers = nullptr);
  ~ReceiveQueue();
  ReceiveQueue(const ReceiveQueue&) = delete;
  ReceiveQueue& operator=(const ReceiveQueue&) = delete;

  // Records one DATA chunk; completed messages are appended to `out`.
  Verdict add(const DataChunk& d, Fifo<ReceivedMessage>& out);
  // RFC 3758 §3.6: moves the cumulative TSN to `new_cum` (if ahead),
  // delivering held chunks on the way and dropping broken messages.
  void forward(uint32_t new_cum, Fifo<ReceivedMessage>& out);

  uint32_t cumulative_tsn() const { return cum_; }
  // True when every TSN up to and including `tsn` has arrived (serial
  // arithmetic around the cumulative TSN).
  bool received_through(uint32_t tsn) const { return dist(cum_, tsn) >= 0; }
  // a_rwnd to advertise, given `pending_bytes` delivered but not yet polled.
  uint32_t a_rwnd(size_t pending_bytes) const;
  // Writes the gap ack blocks for a SACK (at most `max`); returns how many.
  size_t gap_blocks(GapAckBlock* out, size_t max) const;
  bool has_gaps() const { return highest_ != cum_; }
  void clear_duplicates() { dups_.clear(); }
  // Duplicate TSNs since the last SACK (bounded).
  InlineVector<uint32_t, 16>& duplicates() { return dups_; }
  size_t held_bytes() const { return held_bytes_; }
  size_t partial_bytes() const { return partial_.payload.size(); }
  uint64_t messages_too_large() const { return too_large_; }
  bool is_consistent() const;

 private:
  struct Slot {
    bool present = false;
    bool delivered = false;  // an unordered message delivered ahead of the cumulative TSN
    uint8_t flags = 0;
    uint16_t stream = 0;
    uint32_t ppid = 0;
    std::vector<uint8_t> data;  // keeps its capacity across reuse
  };
  void deliver_chunk(uint8_t flags, uint16_t stream, uint32_t ppid, Bytes payload, Fifo<ReceivedMessage>& out);
  void drain(Fifo<ReceivedMessage>& out);
  void try_deliver_unordered(uint32_t t, Fifo<ReceivedMessage>& out);
  // TSNs are 32-bit serial numbers (RFC 1982): every TSN the queue keeps
  // lies within its window (< 2^15) of cum_, so the signed 32-bit difference
  // orders them (no 64-bit arithmetic on a 32-bit target).
  static int32_t dist(uint32_t a, uint32_t b) { return int32_t(a - b); }
  // The ring slot of TSN t; valid for t in (cum_, cum_ + nslots_].
  Slot& slot_at(uint32_t t) { return slots_[t & (nslots_ - 1)]; }
  const Slot& slot_at(uint32_t t) const { return slots_[t & (nslots_ - 1)]; }
  // Doubles the ring until TSN t (> cum_ + nslots_, <= cum_ + window_) fits.
  void grow_for(uint32_t t);
  static Slot* new_slots(size_t n);  // n default slots in raw storage
  // The largest buffer the pool keeps (no limit without a pool).
  size_t pool_limit() const { return buffers_ ? buffers_->max_buffer_size() : SIZE_MAX; }
  // Room for 16 fragments of this size (a message's fragments are usually
  // equal), within max_message_ and 64 KiB.
  size_t large_guess(size_t fragment) const {
    return std::min<size_t>({max_message_, 64 * 1024, 16 * fragment});
  }

  static constexpr size_t kInitialSlots = 16;

  uint32_t cum_;
  uint32_t highest_;          // cum_ + (0 .. window_)
  size_t window_;             // the TSN window (a power of two); the ring grows up to it
  size_t max_buffer_;
  size_t max_message_;
  BufferPool* buffers_;
  // Ring indexed by TSN, nslots_ (a power of two <= window_) entries, all
  // constructed. Raw storage, not a std::vector: it only ever grows by
  // doubling in grow_for(), which moves the slots by their bytes.
  Slot* slots_ = nullptr;
  size_t nslots_ = 0;
  size_t held_bytes_ = 0;
  ReceivedMessage partial_;
  bool in_message_ = false;   // partial_ holds a message begun with B
  bool skipping_ = false;     // discarding the rest of a too-large message
  uint64_t too_large_ = 0;
  InlineVector<uint32_t, 16> dups_;
};

}  // namespace sansrtc::sctp
