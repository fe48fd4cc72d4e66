// tests/embedded/firmware/pc_pair.h — two PeerConnections in memory (pc_pair.cc).
#pragma once
#include <cstddef>
#include <cstdint>

namespace sansrtc::embedded {

struct PcPairReport {
  const char* error = nullptr;     // first thing that went wrong, or null
  bool connected = false;          // both connection states "connected" after the exchange
  bool delivered_ok = false;       // every message arrived intact, both ways
  size_t messages_each_way = 0, bytes_each_way = 0, bad_messages = 0;
  size_t messages_per_round = 0;
  size_t allocs_per_round[2] = {};  // 0: warm-up, 1: steady
  size_t heap_constructed = 0;      // both connections right after create()
  size_t heap_open = 0;             // both connections, channel open, settled
  size_t heap_peak_connect = 0;     // both, up to the channel opening
  size_t heap_peak_total = 0;       // both, including the exchange
  size_t memory_usage = 0;          // PeerConnection::memory_usage() of one side
  uint64_t handshake_datagrams = 0;
  uint32_t open_virtual_ms = 0;     // create_offer → channel open on both sides
};

PcPairReport run_pc_pair();

}  // namespace sansrtc::embedded
