#include "sctp/buffer_pool.h"

#include <cstring>
#include <new>
#include <utility>

namespace sansrtc::sctp {

void append_bytes(std::vector<uint8_t>& v, Bytes b) {
  const size_t n = v.size();
  v.resize(n + b.size());
  if (!b.empty()) std::memcpy(v.data() + n, b.data(), b.size());
}

size_t BufferPool::find(size_t min, bool largest) const {
  size_t best = count_;
  for (size_t i = 0; i < count_; ++i) {
    const size_t c = bufs_[i].capacity();
    if (c < min) continue;
    if (best == count_ || (largest ? c > bufs_[best].capacity() : c < bufs_[best].capacity())) best = i;
  }
  return best;
}

std::vector<uint8_t> BufferPool::take(size_t want) {
  const size_t i = find(want, false);
  return i == count_ ? std::vector<uint8_t>() : remove_at(i);
}

std::vector<uint8_t> BufferPool::take_largest(size_t min) {
  const size_t i = find(min, true);
  return i == count_ ? std::vector<uint8_t>() : remove_at(i);
}

std::vector<uint8_t> BufferPool::remove_at(size_t i) {
  std::vector<uint8_t> out = std::move(bufs_[i]);
  bufs_[i] = std::move(bufs_[--count_]);  // a moved-from slot moves onto itself harmlessly
  bufs_[count_].~vector();                // empty now: back to raw storage
  bytes_ -= out.capacity();
  return out;
}

void BufferPool::give(std::vector<uint8_t>&& b) {
  std::vector<uint8_t> keep = std::move(b);  // freed on return unless pooled
  const size_t c = keep.capacity();
  if (c == 0 || c > max_buffer_size_ || c > max_bytes_ || max_buffers_ == 0) return;
  // Full: make room by freeing smaller buffers (a larger one serves more
  // messages); when only larger ones are pooled, the new one goes.
  while (count_ == max_buffers_ || bytes_ + c > max_bytes_) {
    const size_t smallest = find(0, false);
    if (bufs_[smallest].capacity() >= c) return;
    (void)remove_at(smallest);  // freed here
  }
  if (!bufs_) bufs_ = static_cast<std::vector<uint8_t>*>(::operator new(max_buffers_ * sizeof(std::vector<uint8_t>)));
  keep.clear();
  bytes_ += c;
  ::new (static_cast<void*>(bufs_ + count_++)) std::vector<uint8_t>(std::move(keep));
}

void BufferPool::clear() {
  for (size_t i = 0; i < count_; ++i) bufs_[i].~vector();
  ::operator delete(bufs_);
  bufs_ = nullptr;
  count_ = bytes_ = 0;
}

}  // namespace sansrtc::sctp
