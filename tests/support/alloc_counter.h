// tests/support/alloc_counter.h — a counting global operator new for
// "steady state allocates nothing" tests (DESIGN.md §2).
//
// Include it in exactly ONE source file of a test executable: it replaces
// every replaceable allocation function (plain, array, nothrow; aligned ones
// stay the runtime's and are counted too), all on malloc/free, so the pairs
// always match — also under AddressSanitizer, which otherwise supplies the
// variants a test forgot and reports the mismatch.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

#include <malloc.h>  // malloc_usable_size (glibc; also provided by the sanitizers)

namespace sansrtc::test {
inline std::atomic<uint64_t> g_allocation_count{0};
inline std::atomic<int64_t> g_live_bytes{0};
// Allocations made through operator new since the program started.
inline uint64_t allocation_count() { return g_allocation_count.load(std::memory_order_relaxed); }
// Bytes currently held through operator new (usable sizes).
inline int64_t live_bytes() { return g_live_bytes.load(std::memory_order_relaxed); }
inline void* counted_malloc(std::size_t n) noexcept {
  g_allocation_count.fetch_add(1, std::memory_order_relaxed);
  void* p = std::malloc(n ? n : 1);
  if (p) g_live_bytes.fetch_add(int64_t(malloc_usable_size(p)), std::memory_order_relaxed);
  return p;
}
inline void counted_free(void* p) noexcept {
  if (p) g_live_bytes.fetch_sub(int64_t(malloc_usable_size(p)), std::memory_order_relaxed);
  std::free(p);
}
}  // namespace sansrtc::test

void* operator new(std::size_t n) {
  if (void* p = sansrtc::test::counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return sansrtc::test::counted_malloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return sansrtc::test::counted_malloc(n); }
void operator delete(void* p) noexcept { sansrtc::test::counted_free(p); }
void operator delete[](void* p) noexcept { sansrtc::test::counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { sansrtc::test::counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { sansrtc::test::counted_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { sansrtc::test::counted_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { sansrtc::test::counted_free(p); }
