#include "base/bytes.h"

namespace sansrtc {

bool constant_time_equal(Bytes a, Bytes b) {
  if (a.size() != b.size()) return false;
  uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= uint8_t(a[i] ^ b[i]);
  return diff == 0;
}

void secure_zero(void* p, size_t n) {
  // A volatile pointer keeps the stores from being elided as dead.
  volatile uint8_t* v = static_cast<volatile uint8_t*>(p);
  while (n--) *v++ = 0;
}

}  // namespace sansrtc
