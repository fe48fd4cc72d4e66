// sctp/tx/send_queue.h — messages waiting to be sent, fragmented by reference.
//
// A message is copied once into a pooled `OutMessage` (its bytes in a buffer
// from the association's BufferPool, which gets it back when the message is
// released), then handed out as fragments that point into it;
// the retransmission queue holds references until each fragment is acked or
// abandoned. Streams take turns message by message (round robin over the
// streams with something queued; FIFO within a stream), so one busy channel
// cannot starve another — RFC 8831 §6.6 asks for interleaving, and a
// time-limited channel behind megabytes of another would otherwise expire
// unsent. A message once started is finished before the turn passes: the
// fragments of one message get consecutive TSNs, as DATA reassembly needs
// (RFC 9260 §6.9; I-DATA would allow finer interleaving).
// Per-stream state: next SSN, buffered amount and its low-water threshold,
// and a pause flag while an outgoing stream reset is pending (RFC 6525). The
// per-stream table covers the streams used so far, not every negotiated
// one (1024 streams would cost 32 KiB per association up front).
#pragma once

#include "base/time.h"
#include "sctp/buffer_pool.h"
#include "sctp/fifo.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace sansrtc::sctp {

struct OutMessage {
  std::vector<uint8_t> data;
  uint16_t stream = 0;
  uint16_t ssn = 0;
  uint32_t ppid = 0;
  bool unordered = false;
  bool abandoned = false;
  bool ssn_assigned = false;
  std::optional<uint16_t> max_retransmits;
  std::optional<Instant> expires;
  size_t next_offset = 0;   // bytes already handed out as fragments
  uint32_t refs = 0;        // send queue + outstanding fragments
  uint32_t first_tsn = 0;   // TSN of the first fragment (once sent)
  uint32_t last_tsn = 0;    // TSN of the last fragment handed out so far (once sent)
  bool fully_fragmented() const { return next_offset >= data.size(); }
};

struct OutStream {
  Fifo<OutMessage*> pending;     // queued, not started, in order
  bool scheduled = false;        // in SendQueue's round-robin ring
  uint16_t next_ssn = 0;
  size_t buffered = 0;
  size_t low_threshold = 0;
  uint32_t queued_messages = 0;  // not yet fully fragmented
  bool paused = false;           // reset requested: send() refuses
};

struct Fragment {
  OutMessage* msg = nullptr;
  uint32_t offset = 0;
  uint16_t length = 0;
  uint8_t flags = 0;  // DATA B/E/U
};

class SendQueue {
 public:
  // Released messages give their buffers to `buffers` (nullptr: freed).
  explicit SendQueue(BufferPool* buffers = nullptr) : buffers_(buffers) {}
  ~SendQueue();
  SendQueue(const SendQueue&) = delete;
  SendQueue& operator=(const SendQueue&) = delete;
  void reset_streams_table(uint16_t count);

  // Takes a pooled message (the caller fills it and calls push()).
  OutMessage* acquire();
  // Returns a message to the pool when its last reference goes (its
  // buffer to the BufferPool).
  void release(OutMessage* m);
  void push(OutMessage* m);

  // The next fragment of at most `max_payload` bytes, or nullopt. Expired or
  // abandoned messages at the front are dropped (reported via `on_drop`,
  // returned as the count of bytes dropped that were still buffered).
  std::optional<Fragment> next_fragment(Instant now, size_t max_payload, size_t* dropped_msgs);

  bool empty() const { return current_ == nullptr && ready_.empty(); }
  size_t queued_bytes() const { return queued_bytes_; }
  size_t total_buffered() const { return total_buffered_; }
  // nullptr when id >= the negotiated stream count. The table is sized on
  // demand: the non-const form materializes the stream's entry (allocating
  // when the table must grow, once per new highest stream id); the const
  // form reads a stream never touched as an idle one.
  OutStream* stream(uint16_t id) { return id < count_ ? &materialize(id) : nullptr; }
  const OutStream* stream(uint16_t id) const {
    if (id >= count_) return nullptr;
    return id < nstreams_ ? &streams_[id] : &kIdleStream;
  }
  size_t num_streams() const { return count_; }
  // Decreases a stream's buffered amount; true when it crossed its low threshold.
  bool unbuffer(uint16_t stream, size_t n);
  void add_buffered(uint16_t stream, size_t n) {
    materialize(stream).buffered += n;
    total_buffered_ += n;
  }
  // Marks a message abandoned and unbuffers its unsent remainder; returns true
  // when a low-threshold crossing happened.
  bool abandon_remainder(OutMessage* m);
  // Drops everything (restart / close).
  void clear();

 private:
  OutStream& materialize(uint16_t id);
  static const OutStream kIdleStream;

  Fifo<uint16_t> ready_;              // streams with pending messages, in turn order
  OutMessage* current_ = nullptr;     // being fragmented (holds the queue's reference)
  Fifo<OutMessage*> pool_;            // message records (their buffers are in buffers_)
  BufferPool* buffers_ = nullptr;
  uint16_t count_ = 0;                // negotiated outbound streams
  // Entries 0..nstreams_-1 (the highest id used so far), grown on demand up
  // to count_; storage for streams_cap_ (kept across reset_streams_table()),
  // every entry of it constructed. Raw storage: the entries move by their
  // bytes when it grows (see materialize()).
  OutStream* streams_ = nullptr;
  size_t nstreams_ = 0, streams_cap_ = 0;
  size_t queued_bytes_ = 0;    // unfragmented bytes
  size_t total_buffered_ = 0;  // queued + outstanding not acked
};

}  // namespace sansrtc::sctp
