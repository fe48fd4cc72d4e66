#include "dtls/record_queue.h"

#include <cstring>

namespace sansrtc::dtls {

bool RecordQueue::Segment::room(size_t need) {
  if (count == 0) head = tail = 0;
  if (tail + need <= cap) return true;
  if (head > 0 && tail - head + need <= cap) {
    // Move the queued records to the front (only when the tail reaches the
    // end while older records still wait).
    std::memmove(buf.get(), buf.get() + head, tail - head);
    tail -= head;
    head = 0;
    return true;
  }
  return false;
}

void RecordQueue::Segment::reallocate(size_t n) {
  std::unique_ptr<uint8_t[]> b(new uint8_t[n]);
  if (count) std::memcpy(b.get(), buf.get() + head, tail - head);
  tail -= head;
  head = 0;
  buf = std::move(b);
  cap = n;
}

Bytes RecordQueue::Segment::front() const {
  const uint8_t* e = buf.get() + head;
  return Bytes(e + kEntryHeader + load_be16(e + 4), load_be16(e + 6));
}

void RecordQueue::Segment::pop() {
  head += kEntryHeader + load_be32(buf.get() + head);
  --count;
}

MutBytes RecordQueue::prepare(size_t n) {
  const size_t need = kEntryHeader + n;
  Segment* s = &overflow_;
  if (overflow_.count == 0) {
    // Records go to the main buffer unless the overflow holds older ones.
    trim();
    if (main_.room(need)) {
      s = &main_;
    } else if (main_.count == 0 && need <= keep_bytes_) {
      // The main buffer grows to the largest record that fits a datagram
      // (a few times per connection at most).
      main_.reallocate(need);
      s = &main_;
    }
  }
  if (s == &overflow_ && !overflow_.room(need)) {
    size_t cap = overflow_.cap ? 2 * overflow_.cap : 4 * keep_bytes_;
    if (cap < overflow_.tail - overflow_.head + need) cap = overflow_.tail - overflow_.head + need;
    overflow_.reallocate(cap);
  }
  prepared_ = s;
  return MutBytes(s->buf.get() + s->tail + kEntryHeader, n);
}

void RecordQueue::commit(size_t offset, size_t length) {
  Segment& s = *prepared_;
  uint8_t* e = s.buf.get() + s.tail;
  const uint32_t stored = uint32_t(offset + length);
  store_be32(e, stored);
  store_be16(e + 4, uint16_t(offset));
  store_be16(e + 6, uint16_t(length));
  s.tail += kEntryHeader + stored;
  ++s.count;
}

bool RecordQueue::push(Bytes record) {
  if (full()) return false;
  MutBytes room = prepare(record.size());
  if (!record.empty()) std::memcpy(room.data(), record.data(), record.size());
  commit(0, record.size());
  return true;
}

Bytes RecordQueue::front() const {
  if (main_.count) return main_.front();
  if (overflow_.count) return overflow_.front();
  return {};
}

void RecordQueue::pop() {
  if (main_.count)
    main_.pop();
  else if (overflow_.count)
    overflow_.pop();
}

void RecordQueue::trim() {
  if (overflow_.count == 0 && overflow_.cap) {
    overflow_.buf.reset();
    overflow_.cap = overflow_.head = overflow_.tail = 0;
  }
}

}  // namespace sansrtc::dtls
