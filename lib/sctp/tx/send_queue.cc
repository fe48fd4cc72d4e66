#include "sctp/tx/send_queue.h"

#include "sctp/packet/chunks.h"

#include <algorithm>
#include <utility>

namespace sansrtc::sctp {

namespace {
constexpr size_t kMaxPooled = 256;  // message records kept (small; buffers are bounded by the BufferPool)
}

SendQueue::~SendQueue() {
  clear();
  while (!pool_.empty()) delete pool_.pop_front();
  for (size_t i = 0; i < streams_cap_; ++i) streams_[i].~OutStream();
  detail::fifo_free_raw(streams_);
}

const OutStream SendQueue::kIdleStream{};

void SendQueue::reset_streams_table(uint16_t count) {
  // Every stream starts idle again; the table keeps its storage.
  nstreams_ = 0;
  count_ = count;
}

OutStream& SendQueue::materialize(uint16_t id) {
  SANSRTC_DCHECK(id < count_);
  if (id >= nstreams_) {
    // Grow geometrically (amortized), never past the negotiated count.
    const size_t n = std::max<size_t>(size_t(id) + 1, std::min<size_t>(nstreams_ * 2, count_));
    if (n > streams_cap_) {
      const size_t cap = std::max<size_t>(n, 4);
      // The entries move by their bytes, with the rings' growth routine: an
      // OutStream (a Fifo and scalars) holds no pointer into itself.
      streams_ = static_cast<OutStream*>(
          detail::fifo_grow_raw(streams_, sizeof(OutStream), streams_cap_, 0, streams_cap_, cap));
      for (size_t i = streams_cap_; i < cap; ++i) ::new (static_cast<void*>(streams_ + i)) OutStream();
      streams_cap_ = cap;
    }
    // Entries beyond the old size may hold a previous association's state.
    for (size_t i = nstreams_; i < n; ++i) streams_[i] = OutStream();
    nstreams_ = n;
  }
  return streams_[id];
}

OutMessage* SendQueue::acquire() {
  if (!pool_.empty()) return pool_.pop_front();
  return new OutMessage();
}

void SendQueue::release(OutMessage* m) {
  SANSRTC_DCHECK(m->refs > 0);
  if (--m->refs) return;
  // The buffer goes to the association's pool (which keeps it within its
  // bounds) so the next message is copied without allocating.
  if (buffers_) buffers_->give(std::move(m->data));
  if (pool_.size() >= kMaxPooled) {
    delete m;
    return;
  }
  *m = OutMessage();
  pool_.push_back(m);
}

void SendQueue::push(OutMessage* m) {
  m->refs = 1;
  OutStream& s = materialize(m->stream);
  s.pending.push_back(m);
  if (!s.scheduled) {
    s.scheduled = true;
    ready_.push_back(m->stream);
  }
  queued_bytes_ += m->data.size();
  s.queued_messages++;
  add_buffered(m->stream, m->data.size());
}

bool SendQueue::unbuffer(uint16_t stream, size_t n) {
  if (stream >= nstreams_) return false;
  OutStream& s = streams_[stream];
  n = std::min(n, s.buffered);
  bool above = s.buffered > s.low_threshold;
  s.buffered -= n;
  total_buffered_ -= std::min(n, total_buffered_);
  return above && s.buffered <= s.low_threshold;
}

bool SendQueue::abandon_remainder(OutMessage* m) {
  m->abandoned = true;
  if (m->fully_fragmented()) return false;
  size_t rest = m->data.size() - m->next_offset;
  queued_bytes_ -= std::min(rest, queued_bytes_);
  m->next_offset = m->data.size();
  if (m->stream < nstreams_ && streams_[m->stream].queued_messages) streams_[m->stream].queued_messages--;
  return unbuffer(m->stream, rest);
}

std::optional<Fragment> SendQueue::next_fragment(Instant now, size_t max_payload, size_t* dropped_msgs) {
  for (;;) {
    if (!current_) {
      if (ready_.empty()) return std::nullopt;
      // The next stream's turn: its oldest message; the stream goes to the
      // back of the ring while it has more.
      const uint16_t id = ready_.pop_front();
      OutStream& s = streams_[id];
      current_ = s.pending.pop_front();
      if (s.pending.empty()) s.scheduled = false;
      else ready_.push_back(id);
    }
    OutMessage* m = current_;
    // RFC 3758 §3.5: a message whose lifetime ran out before it was sent is
    // abandoned; if nothing of it went out yet no TSN is spent on it.
    if (!m->abandoned && m->expires && now >= *m->expires) {
      (void)abandon_remainder(m);
      ++*dropped_msgs;
    }
    if (m->abandoned || m->fully_fragmented()) {
      current_ = nullptr;
      release(m);
      continue;
    }
    Fragment f;
    f.msg = m;
    f.offset = uint32_t(m->next_offset);
    size_t len = std::min(max_payload, m->data.size() - m->next_offset);
    f.length = uint16_t(len);
    f.flags = (m->unordered ? kFlagUnordered : 0) | (m->next_offset == 0 ? kFlagBeginning : 0);
    m->next_offset += len;
    queued_bytes_ -= len;
    if (m->fully_fragmented()) {
      f.flags |= kFlagEnding;
      streams_[m->stream].queued_messages--;
      current_ = nullptr;
      // The queue's reference passes to the outstanding fragment below.
    } else {
      ++m->refs;
    }
    return f;
  }
}

void SendQueue::clear() {
  // The retransmission queue drops its references first, so the queue's
  // own is the last one.
  if (current_) release(std::exchange(current_, nullptr));
  while (!ready_.empty()) {
    OutStream& s = streams_[ready_.pop_front()];
    while (!s.pending.empty()) release(s.pending.pop_front());
    s.scheduled = false;
  }
  queued_bytes_ = 0;
  total_buffered_ = 0;
  for (size_t i = 0; i < nstreams_; ++i) {
    streams_[i].buffered = 0;
    streams_[i].queued_messages = 0;
  }
}

}  // namespace sansrtc::sctp
