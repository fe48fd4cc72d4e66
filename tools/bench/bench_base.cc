// Benchmarks for lib/base: CRC-32 and CRC-32c throughput.
#include "base/crc.h"

#include <chrono>
#include <cstdio>
#include <vector>

using namespace sansrtc;

namespace {
template <class F>
double gbps(F&& f, size_t bytes_per_call, int calls) {
  auto t0 = std::chrono::steady_clock::now();
  uint32_t sink = 0;
  for (int i = 0; i < calls; ++i) sink ^= f();
  auto dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (sink == 0x12345678) std::puts("");  // keep the work alive
  return double(bytes_per_call) * calls / dt / 1e9;
}
}  // namespace

int main() {
  std::vector<uint8_t> buf(1200);
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = uint8_t(i * 7);
  const int n = 400000;
  double c = gbps([&] { return crc32c(buf); }, buf.size(), n);
  double p = gbps([&] { return crc32c_update_portable(kCrcInit, buf); }, buf.size(), n);
  double s = gbps([&] { return crc32(buf); }, buf.size(), n);
  std::printf("crc32c (1200-byte packets, dispatching): %.2f GB/s\n", c);
  std::printf("crc32c portable slicing-by-8:           %.2f GB/s (accelerated/portable = %.1fx)\n", p, c / p);
  std::printf("crc32 (STUN FINGERPRINT) slicing-by-8:  %.2f GB/s\n", s);
  return 0;
}
