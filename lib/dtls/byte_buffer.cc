#include "dtls/byte_buffer.h"

#include <cstring>
#include <utility>

namespace sansrtc::dtls {

void ByteBuffer::release() {
  buf_.reset();
  size_ = cap_ = 0;
}

void ByteBuffer::reallocate(size_t n) {
  std::unique_ptr<uint8_t[]> b(n ? new uint8_t[n] : nullptr);
  if (size_) std::memcpy(b.get(), buf_.get(), size_);
  buf_ = std::move(b);
  cap_ = n;
}

void ByteBuffer::reserve(size_t n) {
  if (n > cap_) reallocate(n);
}

void ByteBuffer::resize(size_t n) {
  reserve(n);
  size_ = n;
}

void ByteBuffer::append(Bytes b) {
  if (b.empty()) return;
  if (size_ + b.size() > cap_) {
    size_t n = 2 * cap_;
    if (n < size_ + b.size()) n = size_ + b.size();
    reallocate(n);
  }
  std::memcpy(buf_.get() + size_, b.data(), b.size());
  size_ += b.size();
}

void ByteBuffer::shrink_to_fit() {
  if (size_ < cap_) reallocate(size_);
}

void ByteBuffer::swap(ByteBuffer& o) {
  std::swap(buf_, o.buf_);
  std::swap(size_, o.size_);
  std::swap(cap_, o.cap_);
}

}  // namespace sansrtc::dtls
