// The growth of Fifo rings of trivially copyable elements, shared by every
// such element type (see fifo.h).
#include "sctp/fifo.h"

#include <cstring>
#include <new>

namespace sansrtc::sctp::detail {

void* fifo_grow_raw(void* slots, size_t elem, size_t cap, size_t head, size_t size, size_t n) {
  auto* out = static_cast<unsigned char*>(::operator new(n * elem));
  const auto* in = static_cast<const unsigned char*>(slots);
  // The live elements run from `head` to the end of the ring, then wrap.
  const size_t first = size < cap - head ? size : cap - head;
  if (first) std::memcpy(out, in + head * elem, first * elem);
  if (size > first) std::memcpy(out + first * elem, in, (size - first) * elem);
  ::operator delete(slots);
  return out;
}

void fifo_free_raw(void* slots) { ::operator delete(slots); }

void* fifo_push_raw(FifoRaw& f, size_t elem) {
  if (f.size == f.cap) {
    const size_t n = f.cap ? f.cap * 2 : 4;  // Fifo::kInitialSlots
    f.slots = fifo_grow_raw(f.slots, elem, f.cap, f.head, f.size, n);
    f.cap = n;
    f.head = 0;
  }
  return static_cast<unsigned char*>(f.slots) + ((f.head + f.size++) & (f.cap - 1)) * elem;
}

}  // namespace sansrtc::sctp::detail
