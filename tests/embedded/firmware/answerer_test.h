// tests/embedded/firmware/answerer_test.h — the echo answerer (answerer.h)
// against a PeerConnection offerer in memory (answerer_test.cc).
#pragma once
#include <cstddef>
#include <cstdint>

namespace sansrtc::embedded {

struct AnswererReport {
  const char* error = nullptr;  // first thing that went wrong, or null
  size_t messages = 0;          // echoes the offerer received intact
  size_t bad = 0;               // echoes that differed from what was sent
  size_t answerer_heap_open = 0;   // heap the answerer holds once its channel is open
  size_t answerer_heap_after = 0;  // ... after the exchange (messages both ways)
  size_t answerer_heap_peak = 0;   // its peak over setup and exchange
  size_t steady_allocs = 0;        // allocations by the answerer in the second round
  size_t steady_messages = 0;      // messages it echoed in that round
  uint32_t open_virtual_ms = 0;
};

AnswererReport run_answerer_test();

}  // namespace sansrtc::embedded
