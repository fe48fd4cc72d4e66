// tests/embedded/firmware/heap.cc — the image's only allocator, counting.
//
// A best-fit, address-ordered free list with coalescing over the arena the
// linker script leaves between .bss and the stack. It replaces malloc & co.
// (and newlib's reentrant _malloc_r family, so newlib's allocator is never
// linked) and every operator new/delete, so each byte the stack, libstdc++
// or mbedTLS allocates is counted: live and peak requested bytes, and the
// number of allocations (to check "no allocation per packet").
//
// Blocks are 16-byte aligned (16-byte header), which also serves the
// alignas(16) crypto contexts through aligned operator new.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include "runtime.h"

extern "C" char __heap_start[], __heap_end[];

namespace {

constexpr size_t kAlign = 16;

struct Block {        // header of every block, free or used
  size_t size;        // whole block including this header
  size_t requested;   // bytes asked for; 0 when free
  Block* next;        // free list only
  size_t tag;         // who allocated it (fw_heap_set_tag), for per-layer live bytes
};
static_assert(sizeof(Block) == kAlign);

Block* free_list = nullptr;
bool initialized = false;
size_t live = 0, peak = 0, peak_all = 0, allocs = 0;
uintptr_t lowest = UINTPTR_MAX;  // lowest block handed out: the arena's high-water
unsigned current_tag = 0;
size_t live_by_tag[FW_HEAP_TAGS] = {};
size_t peak_by_tag[FW_HEAP_TAGS] = {};
size_t allocs_by_tag[FW_HEAP_TAGS] = {};

size_t round_up(size_t n) { return (n + kAlign - 1) & ~(kAlign - 1); }

void init() {
  auto start = (reinterpret_cast<uintptr_t>(__heap_start) + kAlign - 1) & ~uintptr_t(kAlign - 1);
  auto end = reinterpret_cast<uintptr_t>(__heap_end) & ~uintptr_t(kAlign - 1);
  free_list = reinterpret_cast<Block*>(start);
  free_list->size = end - start;
  free_list->requested = 0;
  free_list->next = nullptr;
  initialized = true;
}

void* allocate(size_t n) {
  if (!initialized) init();
  if (n == 0) n = 1;
  size_t need = round_up(n) + sizeof(Block);
  // Best fit (the smallest free block that holds it; the highest address
  // among equals): keeps large free blocks whole, so short-lived big
  // buffers (16 KiB messages) do not scatter small long-lived blocks across
  // the arena the way first fit does.
  Block** best_link = nullptr;
  Block* best = nullptr;
  Block** link = &free_list;
  for (Block* b = free_list; b != nullptr; link = &b->next, b = b->next) {
    if (b->size < need || (best != nullptr && b->size > best->size)) continue;
    best = b;
    best_link = link;
    if (b->size == need) break;
  }
  if (best == nullptr) return nullptr;
  Block* b = best;
  Block* used;
  if (b->size - need >= 2 * sizeof(Block)) {  // split: hand out the tail
    b->size -= need;
    used = reinterpret_cast<Block*>(reinterpret_cast<char*>(b) + b->size);
    used->size = need;
  } else {
    *best_link = b->next;
    used = b;
  }
  used->requested = n;
  used->tag = current_tag;
  live_by_tag[current_tag] += n;
  if (live_by_tag[current_tag] > peak_by_tag[current_tag]) peak_by_tag[current_tag] = live_by_tag[current_tag];
  if (reinterpret_cast<uintptr_t>(used) < lowest) lowest = reinterpret_cast<uintptr_t>(used);
  used->next = nullptr;
  live += n;
  if (live > peak) peak = live;
  if (live > peak_all) peak_all = live;
  ++allocs;
  ++allocs_by_tag[current_tag];
  return used + 1;
}

void release(void* p) {
  if (p == nullptr) return;
  Block* b = static_cast<Block*>(p) - 1;
  live -= b->requested;
  live_by_tag[b->tag] -= b->requested;
  b->requested = 0;
  Block* prev = nullptr;
  Block* cur = free_list;
  while (cur != nullptr && cur < b) {
    prev = cur;
    cur = cur->next;
  }
  b->next = cur;
  if (cur != nullptr && reinterpret_cast<char*>(b) + b->size == reinterpret_cast<char*>(cur)) {
    b->size += cur->size;
    b->next = cur->next;
  }
  if (prev != nullptr) {
    prev->next = b;
    if (reinterpret_cast<char*>(prev) + prev->size == reinterpret_cast<char*>(b)) {
      prev->size += b->size;
      prev->next = b->next;
    }
  } else {
    free_list = b;
  }
}

void put_number(size_t n) {
  char digits[12];
  int d = 11;
  digits[d] = 0;
  do { digits[--d] = char('0' + n % 10); n /= 10; } while (n && d > 0);
  fw_puts(digits + d);
}

// No snprintf here: keep the failure path independent of stdio.
[[noreturn]] void out_of_memory(size_t n) {
  fw_puts("FAIL: heap exhausted allocating ");
  put_number(n);
  fw_puts(" B with ");
  put_number(live);
  fw_puts(" B live in ");
  put_number(size_t(__heap_end - __heap_start));
  fw_puts(" B\n");
  fw_exit(3);
}

void* new_impl(size_t n) {
  void* p = allocate(n);
  if (p == nullptr) out_of_memory(n);
  return p;
}

}  // namespace

extern "C" {
void* malloc(size_t n) { return allocate(n); }
void free(void* p) { release(p); }
void* calloc(size_t n, size_t m) {
  if (m != 0 && n > SIZE_MAX / m) return nullptr;
  void* p = allocate(n * m);
  if (p) std::memset(p, 0, n * m);
  return p;
}
void* realloc(void* p, size_t n) {
  if (p == nullptr) return allocate(n);
  Block* b = static_cast<Block*>(p) - 1;
  if (round_up(n) + sizeof(Block) <= b->size) {
    live = live - b->requested + n;
    live_by_tag[b->tag] = live_by_tag[b->tag] - b->requested + n;
    if (live > peak) peak = live;
    if (live > peak_all) peak_all = live;
    b->requested = n;
    return p;
  }
  void* q = allocate(n);
  if (q == nullptr) return nullptr;
  std::memcpy(q, p, b->requested);
  release(p);
  return q;
}
struct _reent;
void* _malloc_r(_reent*, size_t n) { return malloc(n); }
void _free_r(_reent*, void* p) { free(p); }
void* _calloc_r(_reent*, size_t n, size_t m) { return calloc(n, m); }
void* _realloc_r(_reent*, void* p, size_t n) { return realloc(p, n); }

size_t fw_heap_live(void) { return live; }
size_t fw_heap_peak(void) { return peak; }
size_t fw_heap_peak_all(void) { return peak_all; }
size_t fw_heap_allocs(void) { return allocs; }
unsigned fw_heap_set_tag(unsigned tag) {
  const unsigned old = current_tag;
  current_tag = tag < FW_HEAP_TAGS ? tag : 0;
  return old;
}
size_t fw_heap_live_tag(unsigned tag) { return tag < FW_HEAP_TAGS ? live_by_tag[tag] : 0; }
size_t fw_heap_peak_tag(unsigned tag) { return tag < FW_HEAP_TAGS ? peak_by_tag[tag] : 0; }
size_t fw_heap_allocs_tag(unsigned tag) { return tag < FW_HEAP_TAGS ? allocs_by_tag[tag] : 0; }
size_t fw_heap_footprint(void) {
  return lowest == UINTPTR_MAX ? 0 : size_t(reinterpret_cast<uintptr_t>(__heap_end) - lowest);
}
size_t fw_heap_arena(void) { return size_t(__heap_end - __heap_start); }
void fw_heap_reset_peak(void) { peak = live; }
}

// The core is built without exceptions: a failed allocation ends the test.
void* operator new(size_t n) { return new_impl(n); }
void* operator new[](size_t n) { return new_impl(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept { return allocate(n); }
void* operator new[](size_t n, const std::nothrow_t&) noexcept { return allocate(n); }
void* operator new(size_t n, std::align_val_t a) {
  if (size_t(a) > kAlign) out_of_memory(n);
  return new_impl(n);
}
void* operator new[](size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, size_t) noexcept { release(p); }
void operator delete[](void* p, size_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { release(p); }

// libstdc++'s containers report misuse through these; the shipped versions
// throw (and drag in the unwinder). Built without exceptions, end the test.
namespace std {
[[noreturn]] static void fw_fatal(const char* what, const char* arg) {
  fw_puts("FAIL: libstdc++: ");
  fw_puts(what);
  fw_puts(arg ? arg : "");
  fw_puts("\n");
  fw_exit(4);
}
void __throw_bad_alloc() { fw_fatal("bad_alloc", nullptr); }
void __throw_bad_array_new_length() { fw_fatal("bad_array_new_length", nullptr); }
void __throw_length_error(const char* s) { fw_fatal("length_error: ", s); }
void __throw_out_of_range(const char* s) { fw_fatal("out_of_range: ", s); }
void __throw_out_of_range_fmt(const char* s, ...) { fw_fatal("out_of_range: ", s); }
void __throw_logic_error(const char* s) { fw_fatal("logic_error: ", s); }
void __throw_invalid_argument(const char* s) { fw_fatal("invalid_argument: ", s); }
void __throw_bad_function_call() { fw_fatal("bad_function_call", nullptr); }
}  // namespace std
extern "C" void __cxa_pure_virtual() { fw_puts("FAIL: pure virtual call\n"); fw_exit(5); }
