#include "ice/table.h"

#include <cstring>

namespace sansrtc::ice::detail {

void table_grow(TableStorage& t, size_t element_size, Relocate relocate) {
  const uint32_t capacity = t.capacity ? t.capacity * 2 : 1;
  void* p = ::operator new(capacity * element_size);
  if (t.data) {
    relocate(p, t.data, t.size);
    ::operator delete(t.data);
  }
  t.data = p;
  t.capacity = capacity;
}

void table_release(TableStorage& t, DestroyAll destroy) {
  if (destroy) destroy(t.data, t.size);
  ::operator delete(t.data);
  t = {};
}

void table_erase(void* data, size_t i, size_t n, size_t element_size) {
  auto* p = static_cast<unsigned char*>(data);
  std::memmove(p + i * element_size, p + (i + 1) * element_size, (n - i - 1) * element_size);
}

}  // namespace sansrtc::ice::detail
