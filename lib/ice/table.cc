#include "ice/table.h"

namespace sansrtc::ice::detail {

void* table_grow(void* old, size_t n, size_t capacity, size_t element_size, Relocate relocate) {
  void* p = ::operator new(capacity * element_size);
  if (old) {
    relocate(p, old, n);
    ::operator delete(old);
  }
  return p;
}

void table_free(void* p) { ::operator delete(p); }

}  // namespace sansrtc::ice::detail
