// sctp/buffer_pool.h — a small bounded pool of message buffers, so that a
// connected association allocates nothing per message.
//
// One pool per association serves both directions: a sent message is copied
// into a pooled buffer (send() with a span) and its buffer comes back when
// the last fragment is acked or abandoned; a received message is reassembled
// into a pooled buffer, handed to the application in the message event, and
// comes back when the application gives it back (Association::recycle()).
// A caller that never gives buffers back still works: its received messages
// then cost one allocation each, as before.
//
// Bounds (Config): at most max_buffers buffers and max_bytes of capacity in
// total; a buffer whose capacity exceeds max_buffer_size is freed rather than
// pooled (shrinking one in place would reallocate anyway), so one huge
// message never stays pinned to the connection.
#pragma once

#include "base/bytes.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace sansrtc::sctp {

// Appends `b` (which must not point into `v`) to `v`, growing like insert():
// one routine for every byte copy into a vector in lib/sctp, instead of an
// insert()/assign() instantiation per iterator type.
void append_bytes(std::vector<uint8_t>& v, Bytes b);
inline void assign_bytes(std::vector<uint8_t>& v, Bytes b) {
  v.clear();
  append_bytes(v, b);
}

class BufferPool {
 public:
  BufferPool() = default;
  ~BufferPool() { clear(); }
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;
  BufferPool(size_t max_buffers, size_t max_buffer_size, size_t max_bytes)
      : max_buffers_(max_buffers), max_buffer_size_(max_buffer_size), max_bytes_(max_bytes) {}

  // An empty buffer for `want` bytes: the smallest pooled one whose capacity
  // is at least `want`, else a fresh empty vector (nothing allocated).
  std::vector<uint8_t> take(size_t want);
  // The largest pooled buffer when its capacity is at least `min` (for a
  // message whose size is not known yet), else a fresh empty vector.
  std::vector<uint8_t> take_largest(size_t min);
  // Keeps `b` (cleared) for reuse when it fits the bounds; frees it
  // otherwise. A full pool keeps the larger buffers.
  void give(std::vector<uint8_t>&& b);
  // Frees every pooled buffer.
  void clear();

  size_t size() const { return count_; }
  size_t bytes() const { return bytes_; }
  size_t max_buffer_size() const { return max_buffer_size_; }

 private:
  std::vector<uint8_t> remove_at(size_t i);
  // Index of the pooled buffer that `better(candidate, best)` prefers among
  // those with capacity >= min, or count_ when there is none.
  size_t find(size_t min, bool largest) const;

  size_t max_buffers_ = 8;
  size_t max_buffer_size_ = 4096;
  size_t max_bytes_ = 16 * 1024;
  size_t bytes_ = 0;  // sum of pooled capacities
  size_t count_ = 0;
  // Room for max_buffers_ buffers, allocated on first use; the first count_
  // slots hold live vectors, the rest is raw storage.
  std::vector<uint8_t>* bufs_ = nullptr;
};

}  // namespace sansrtc::sctp
