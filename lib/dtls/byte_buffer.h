// dtls/byte_buffer.h — a growable byte buffer for the handshake state.
//
// The transcript, the outgoing flight, the scratch message and the early
// record each need "append bytes, give the memory back later". One small
// non-template class does that for all of them, instead of std::vector's
// growth paths instantiated and inlined at every call site (flash on
// microcontrollers, issue 7). New bytes are not initialised.
#pragma once

#include "base/bytes.h"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace sansrtc::dtls {

class ByteBuffer {
 public:
  uint8_t* data() { return buf_.get(); }
  const uint8_t* data() const { return buf_.get(); }
  size_t size() const { return size_; }
  size_t capacity() const { return cap_; }
  bool empty() const { return size_ == 0; }
  Bytes bytes() const { return Bytes(buf_.get(), size_); }
  MutBytes mut_bytes() { return MutBytes(buf_.get(), size_); }

  void clear() { size_ = 0; }
  // Frees the memory.
  void release();
  // Capacity for at least `n` bytes (exactly `n` when it grows); keeps the contents.
  void reserve(size_t n);
  // Size `n` (new bytes uninitialised).
  void resize(size_t n);
  // Appends `b` (capacity doubles when it must grow).
  void append(Bytes b);
  void assign(Bytes b) {
    clear();
    append(b);
  }
  // Reallocates to exactly size() bytes (frees an empty buffer).
  void shrink_to_fit();
  void swap(ByteBuffer& o);

 private:
  void reallocate(size_t n);
  std::unique_ptr<uint8_t[]> buf_;
  size_t size_ = 0;
  size_t cap_ = 0;
};

}  // namespace sansrtc::dtls
