// tests/embedded/firmware/runtime.h — what the bare-metal image provides:
// semihosting output and exit, the stack high-water mark, heap counters.
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FW_STACK_PAINT 0xC0FFEE55u

void fw_puts(const char* s);                 // SYS_WRITE0 to the host's stdout
__attribute__((noreturn)) void fw_exit(int status);  // SYS_EXIT_EXTENDED
uint32_t fw_clock_cs(void);                  // SYS_CLOCK: centiseconds since start
uint32_t fw_stack_high_water(void);          // deepest stack use so far, bytes
uint32_t fw_stack_size(void);

// Heap counters (heap.cc): bytes requested by live allocations, the peak
// of that, the number of allocations so far, and the arena size.
size_t fw_heap_live(void);
size_t fw_heap_peak(void);       // since fw_heap_reset_peak()
size_t fw_heap_peak_all(void);   // since reset
size_t fw_heap_allocs(void);
size_t fw_heap_arena(void);
// Bytes from the lowest block ever handed out to the arena's end: the RAM
// the heap really needed, headers and fragmentation included.
size_t fw_heap_footprint(void);
uint32_t fw_static_ram(void);   // .data + .bss
void fw_heap_reset_peak(void);

// Attribution: allocations made while a tag is set are counted under it
// (0 = untagged) until freed, so a driver can tag calls into each layer.
#define FW_HEAP_TAGS 8
unsigned fw_heap_set_tag(unsigned tag);  // returns the previous tag
size_t fw_heap_live_tag(unsigned tag);
size_t fw_heap_peak_tag(unsigned tag);
size_t fw_heap_allocs_tag(unsigned tag);  // allocations made under the tag so far

#ifdef __cplusplus
}
#endif
