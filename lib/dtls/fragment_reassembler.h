// dtls/fragment_reassembler.h — reassembly of fragmented handshake messages.
//
// RFC 6347 §4.2.3: a handshake message may arrive in several fragments, in
// any order, duplicated and overlapping; it may also arrive before the
// messages preceding it. Messages are delivered strictly in message_seq
// order, each as a whole with an unfragmented 12-byte header (the form the
// handshake transcript hashes, RFC 6347 §4.2.6).
//
// Bounded: at most `max_pending` message slots (the next expected and the
// following ones, created on demand), each at most `max_message_size` bytes. Fragments
// further ahead, too large, or inconsistent with earlier fragments of the
// same message (type, length) are rejected and counted by the caller.
#pragma once

#include "base/bytes.h"
#include "dtls/handshake_messages.h"

#include <cstdint>
#include <optional>
#include <memory>

namespace sansrtc::dtls {

class FragmentReassembler {
 public:
  enum class AddResult : uint8_t {
    accepted,       // stored (possibly completing a message)
    duplicate,      // message already fully received / delivered
    old,            // message_seq below the next expected one
    too_far,        // message_seq beyond the buffering window
    too_big,        // length above max_message_size
    inconsistent,   // type or length differ from earlier fragments
  };

  FragmentReassembler(size_t max_message_size, size_t max_pending);

  // Forgets everything; the next message delivered is `next_seq`.
  void reset(uint16_t next_seq);
  AddResult add(const HandshakeFragment& f);

  struct Message {
    HandshakeType type;
    uint16_t message_seq;
    Bytes body;
    Bytes full;  // 12-byte header (offset 0, fragment_length = length) + body
  };
  // The next complete message in order, if any. The views stay valid until
  // the next add(), pop() or reset().
  std::optional<Message> pop();

  uint16_t next_seq() const { return next_seq_; }
  // Bytes held in buffers (for memory accounting and tests).
  size_t buffered_bytes() const;
  // Frees buffers (after the handshake).
  void release();

 private:
  struct Slot {
    bool used = false;
    bool complete = false;
    uint8_t type = 0;
    uint16_t seq = 0;
    uint32_t length = 0;
    uint32_t received = 0;
    // The message (12-byte header + body), then one bit per body byte
    // received; kept (and reused) until release().
    std::unique_ptr<uint8_t[]> buf;
    size_t cap = 0;
  };
  Slot* find(uint16_t seq);
  size_t slot_count() const { return slots_ ? max_pending_ : 0; }
  size_t max_message_size_;
  size_t max_pending_;
  // max_pending_ slots from the first fragment on (their buffers come on
  // demand); freed by release().
  std::unique_ptr<Slot[]> slots_;
  uint16_t next_seq_ = 0;
};

}  // namespace sansrtc::dtls
