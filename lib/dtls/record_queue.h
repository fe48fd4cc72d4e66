// dtls/record_queue.h — a bounded FIFO of records in two contiguous buffers.
//
// Holds the application data records of one direction between an input and
// the poll that drains them (received records waiting for poll_event, queued
// ones waiting for poll_transmit). Records sit back to back behind an 8-byte
// entry header, in
// - the main buffer: kept for the connection's life, as large as the largest
//   record seen up to `keep_bytes` (one datagram's record), so records that
//   come and go one at a time never allocate;
// - the overflow buffer: created when a burst (or a record larger than
//   keep_bytes) does not fit the main buffer, grown by doubling, and given
//   back as soon as it is drained. A burst costs one or two allocations,
//   not one per record, and a connection holds about one datagram's worth
//   of record memory per direction after any traffic (issue 7).
// Not part of any RFC: DTLS (RFC 6347 §4.1) only says records are processed
// in order of arrival within a datagram.
#pragma once

#include "base/bytes.h"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace sansrtc::dtls {

class RecordQueue {
 public:
  static constexpr size_t kEntryHeader = 8;  // u32 stored size, u16 offset, u16 length

  // max_records: the Config limit; keep_bytes: the largest main buffer
  // (entry header included).
  void set_limits(size_t max_records, size_t keep_bytes) {
    max_records_ = max_records ? max_records : 1;
    keep_bytes_ = keep_bytes;
  }

  size_t size() const { return main_.count + overflow_.count; }
  bool empty() const { return size() == 0; }
  bool full() const { return size() >= max_records_; }

  // Writable room for a record of `n` bytes at the tail, not yet queued
  // (usable as scratch even when full()). Invalidated by the next
  // prepare/push/trim.
  MutBytes prepare(size_t n);
  // Queues the prepared record; its payload is prepared[offset, offset + length).
  // Only when !full().
  void commit(size_t offset, size_t length);
  // prepare + copy + commit; false when full.
  bool push(Bytes record);

  // The oldest record's payload (empty span when the queue is empty).
  Bytes front() const;
  // Drops the oldest record. Its bytes stay readable until the next
  // prepare/push/trim (poll_event hands them out until the next call).
  void pop();

  // Gives the overflow buffer back once it is drained.
  void trim();
  // Bytes held in buffers.
  size_t capacity() const { return main_.cap + overflow_.cap; }

 private:
  struct Segment {
    std::unique_ptr<uint8_t[]> buf;
    size_t cap = 0;
    size_t head = 0;  // byte offset of the oldest entry
    size_t tail = 0;  // byte offset after the newest entry
    size_t count = 0;
    // Room for `need` bytes at the tail, moving the queued entries to the
    // front if that makes room (no allocation).
    bool room(size_t need);
    // Replaces the buffer by one of `n` bytes holding the queued entries.
    void reallocate(size_t n);
    Bytes front() const;
    void pop();
  };

  Segment main_;
  Segment overflow_;
  Segment* prepared_ = nullptr;
  size_t max_records_ = 1;
  size_t keep_bytes_ = 0;
};

}  // namespace sansrtc::dtls
