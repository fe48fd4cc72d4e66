#include "sctp/rx/receive_queue.h"

#include <algorithm>
#include <cstring>
#include <new>

namespace sansrtc::sctp {

ReceiveQueue::ReceiveQueue(uint32_t peer_initial_tsn, size_t window_tsns, size_t max_buffer,
                           size_t max_message, BufferPool* buffers)
    : cum_(peer_initial_tsn - 1),
      highest_(cum_),
      max_buffer_(max_buffer),
      max_message_(max_message),
      buffers_(buffers) {
  // Gap block offsets are 16 bits: keep the window below 2^15.
  size_t w = 64;
  while (w < window_tsns && w < 32768) w <<= 1;
  window_ = w;
  // The ring starts small and doubles (up to the window) only when a chunk
  // is held further ahead of the cumulative TSN than it reaches: in-order
  // traffic never holds a chunk, so a lossless connection keeps the
  // initial ring whatever its receive window.
  nslots_ = std::min(window_, kInitialSlots);
  slots_ = new_slots(nslots_);
}

ReceiveQueue::~ReceiveQueue() {
  for (size_t i = 0; i < nslots_; ++i) slots_[i].~Slot();
  ::operator delete(slots_);
}

ReceiveQueue::Slot* ReceiveQueue::new_slots(size_t n) {
  Slot* s = static_cast<Slot*>(::operator new(n * sizeof(Slot)));
  for (size_t i = 0; i < n; ++i) ::new (static_cast<void*>(s + i)) Slot();
  return s;
}

void ReceiveQueue::grow_for(uint32_t t) {
  static_assert(kVectorBytesRelocate, "slots move by their bytes: needs a std::vector without self-pointers");
  const size_t need = t - cum_;
  size_t n = nslots_;
  while (n < need) n <<= 1;
  Slot* s = new_slots(n);
  // Old slot j holds TSN t in (cum_, cum_ + nslots_] with t = j (mod
  // nslots_): it moves, by its bytes, onto the fresh slot of t (which owns
  // nothing). A Slot (scalars and a std::vector, see sctp/fifo.h) holds no
  // pointer into itself. Held chunks and spare buffers all move along.
  for (size_t j = 0; j < nslots_; ++j) {
    const uint32_t tsn = cum_ + 1 + ((uint32_t(j) - (cum_ + 1)) & uint32_t(nslots_ - 1));
    std::memcpy(static_cast<void*>(s + (tsn & (n - 1))), static_cast<const void*>(slots_ + j), sizeof(Slot));
  }
  ::operator delete(slots_);
  slots_ = s;
  nslots_ = n;
}

uint32_t ReceiveQueue::a_rwnd(size_t pending_bytes) const {
  size_t used = held_bytes_ + partial_.payload.size() + pending_bytes;
  return uint32_t(used >= max_buffer_ ? 0 : max_buffer_ - used);
}

ReceiveQueue::Verdict ReceiveQueue::add(const DataChunk& d, Fifo<ReceivedMessage>& out) {
  const uint32_t t = d.tsn;
  const int32_t ahead = dist(t, cum_);
  // Beyond the ring's reach nothing is held (the ring always covers
  // (cum_, highest_]).
  const bool held = ahead > 0 && ahead <= int32_t(nslots_) && slot_at(t).present;
  if (ahead <= 0 || held) {
    // §6.2: "report ... duplicate TSNs in the next SACK".
    if (!dups_.full()) (void)dups_.push_back(d.tsn);
    return Verdict::duplicate;
  }
  if (ahead > int32_t(window_)) return Verdict::out_of_window;
  if (ahead == 1) {
    // In order: no copy into a slot. The next chunk in sequence is always
    // accepted, so a receiver full of held chunks cannot deadlock.
    cum_ = t;
    deliver_chunk(d.flags, d.stream, d.ppid, d.payload, out);
    drain(out);
    if (dist(cum_, highest_) > 0) highest_ = cum_;
    return Verdict::accepted;
  }
  if (held_bytes_ + partial_.payload.size() + d.payload.size() > max_buffer_) return Verdict::buffer_full;
  if (ahead > int32_t(nslots_)) grow_for(t);
  Slot& slot = slot_at(t);
  slot.present = true;
  slot.flags = d.flags;
  slot.stream = d.stream;
  slot.ppid = d.ppid;
  assign_bytes(slot.data, d.payload);
  held_bytes_ += d.payload.size();
  if (dist(t, highest_) > 0) highest_ = t;
  if (d.unordered()) try_deliver_unordered(t, out);
  return Verdict::accepted;
}

void ReceiveQueue::try_deliver_unordered(uint32_t t, Fifo<ReceivedMessage>& out) {
  // The fragments of one message have consecutive TSNs: look for B at or
  // below t and E at or above it, all held and not yet delivered.
  const Slot& at = slot_at(t);
  uint32_t b = t, e = t;
  while (!(slot_at(b).flags & kFlagBeginning)) {
    if (b - 1 == cum_) return;
    const Slot& s = slot_at(b - 1);
    if (!s.present || s.delivered || !(s.flags & kFlagUnordered) || s.stream != at.stream) return;
    --b;
  }
  while (!(slot_at(e).flags & kFlagEnding)) {
    if (e == highest_) return;
    const Slot& s = slot_at(e + 1);
    if (!s.present || s.delivered || !(s.flags & kFlagUnordered) || s.stream != at.stream) return;
    ++e;
  }
  size_t total = 0;
  const uint32_t n = e - b + 1;
  for (uint32_t k = 0; k < n; ++k) total += slot_at(b + k).data.size();
  ReceivedMessage* m = nullptr;
  if (total <= max_message_) {
    m = &out.emplace_back();
    m->type = EventType::message;
    m->stream = StreamId(at.stream);
    m->ppid = Ppid(slot_at(b).ppid);
    m->unordered = true;
    if (buffers_) m->payload = buffers_->take(total);
    m->payload.reserve(total);
  } else {
    ++too_large_;
  }
  for (uint32_t k = 0; k < n; ++k) {
    Slot& s = slot_at(b + k);
    if (m) append_bytes(m->payload, s.data);
    held_bytes_ -= s.data.size();
    s.data.clear();
    s.delivered = true;
  }
}

void ReceiveQueue::drain(Fifo<ReceivedMessage>& out) {
  for (;;) {
    Slot& s = slot_at(cum_ + 1);
    if (!s.present) return;
    ++cum_;
    s.present = false;
    if (s.delivered) {
      s.delivered = false;
      continue;
    }
    held_bytes_ -= s.data.size();
    deliver_chunk(s.flags, s.stream, s.ppid, s.data, out);
  }
}

void ReceiveQueue::deliver_chunk(uint8_t flags, uint16_t stream, uint32_t ppid, Bytes payload,
                                 Fifo<ReceivedMessage>& out) {
  bool b = flags & kFlagBeginning, e = flags & kFlagEnding;
  if (b) {
    // A new message while one is unfinished: the old one lost its tail to
    // a FORWARD-TSN; it is dropped.
    partial_.payload.clear();
    partial_.type = EventType::message;
    partial_.stream = StreamId(stream);
    partial_.ppid = Ppid(ppid);
    partial_.unordered = flags & kFlagUnordered;
    in_message_ = true;
    skipping_ = false;
    // A pooled buffer when one fits: for a message of one chunk, the
    // smallest that holds it; for the first of several fragments, the
    // largest (the size is not known yet). A buffer left over from a broken
    // message is kept.
    const size_t want = e ? payload.size() : 2 * payload.size();
    if (buffers_ && partial_.payload.capacity() < want) {
      std::vector<uint8_t> p = e ? buffers_->take(want) : buffers_->take_largest(want);
      if (p.capacity() >= want) {
        buffers_->give(std::move(partial_.payload));
        partial_.payload = std::move(p);
      }
    }
    // Else a guess at the message size: with a pool, first its buffer size,
    // so that a message which fits ends in a buffer the pool keeps; past
    // that (or without a pool), room for 16 fragments (fragments of one
    // message are usually equal), at most 64 KiB.
    if (!e && partial_.payload.capacity() < want)
      partial_.payload.reserve(buffers_ ? std::max(pool_limit(), want) : large_guess(payload.size()));
  } else if (!in_message_ || stream != partial_.stream.value()) {
    return;  // a fragment whose beginning was abandoned
  }
  if (skipping_) {
    if (e) in_message_ = skipping_ = false;
    return;
  }
  if (partial_.payload.size() + payload.size() > max_message_) {
    ++too_large_;
    skipping_ = !e;
    in_message_ = !e;
    if (buffers_) buffers_->give(std::move(partial_.payload));
    partial_.payload = std::vector<uint8_t>();
    return;
  }
  const size_t need = partial_.payload.size() + payload.size();
  if (need > partial_.payload.capacity()) {
    // Doubling, but not past what the pool keeps while the message still
    // fits it (a buffer grown beyond would be freed instead of reused).
    size_t cap = 2 * partial_.payload.capacity();
    if (need <= pool_limit()) cap = std::min(cap, pool_limit());
    else cap = std::max(cap, large_guess(payload.size()));  // outgrew the pool: one big step
    partial_.payload.reserve(std::max(need, cap));
  }
  append_bytes(partial_.payload, payload);
  if (e) {
    // The application holds the message as long as it likes, and the
    // receive window counts its size, not its capacity: give back what the
    // guess reserved beyond twice the size.
    // (A copy: shrink_to_fit() is a no-op in libstdc++ without exceptions.)
    // A buffer the pool would keep is left as it is: given back, it serves
    // the next message.
    // Built in place (one ring growth routine for all events); partial_'s
    // other fields are set again by the next B fragment.
    ReceivedMessage& m = out.emplace_back();
    m.type = EventType::message;
    m.stream = partial_.stream;
    m.ppid = partial_.ppid;
    m.unordered = partial_.unordered;
    if (partial_.payload.capacity() > 2 * partial_.payload.size() &&
        (!buffers_ || partial_.payload.capacity() > buffers_->max_buffer_size())) {
      append_bytes(m.payload, partial_.payload);  // an exact-size copy
      partial_.payload = std::vector<uint8_t>();
    } else {
      m.payload = std::move(partial_.payload);  // leaves partial_.payload empty
    }
    in_message_ = false;
  }
}

void ReceiveQueue::forward(uint32_t new_cum, Fifo<ReceivedMessage>& out) {
  const int32_t ahead = dist(new_cum, cum_);
  if (ahead <= 0) return;
  for (uint32_t k = std::min<uint32_t>(ahead, window_); k; --k) {
    ++cum_;
    Slot& s = slot_at(cum_);
    if (s.present && s.delivered) {
      s.present = s.delivered = false;
    } else if (s.present) {
      s.present = false;
      held_bytes_ -= s.data.size();
      deliver_chunk(s.flags, s.stream, s.ppid, s.data, out);
    } else {
      // A skipped TSN breaks the message being reassembled.
      partial_.payload.clear();
      in_message_ = skipping_ = false;
    }
  }
  if (dist(new_cum, cum_) > 0) {
    cum_ = new_cum;
    partial_.payload.clear();
    in_message_ = skipping_ = false;
  }
  drain(out);
  if (dist(cum_, highest_) > 0) highest_ = cum_;
}

size_t ReceiveQueue::gap_blocks(GapAckBlock* out, size_t max) const {
  // Offsets from cum_ (what a gap block carries): 1 .. highest_ - cum_.
  size_t n = 0;
  const uint32_t last = highest_ - cum_;
  uint32_t off = 1;
  while (off <= last && n < max) {
    while (off <= last && !slot_at(cum_ + off).present) ++off;
    if (off > last) break;
    const uint32_t start = off;
    while (off <= last && slot_at(cum_ + off).present) ++off;
    out[n++] = GapAckBlock{uint16_t(start), uint16_t(off - 1)};
  }
  return n;
}

bool ReceiveQueue::is_consistent() const {
  size_t held = 0;
  for (size_t i = 0; i < nslots_; ++i)
    if (slots_[i].present && !slots_[i].delivered) held += slots_[i].data.size();
  const uint32_t span = highest_ - cum_;  // highest_ is at or above cum_
  return held == held_bytes_ && span <= window_ && span <= nslots_;
}

}  // namespace sansrtc::sctp
