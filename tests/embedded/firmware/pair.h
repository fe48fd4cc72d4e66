// tests/embedded/firmware/pair.h — the two-endpoint exchange (pair.cc).
#pragma once
#include <cstddef>
#include <cstdint>

namespace sansrtc::embedded {

struct PairReport {
  const char* error = nullptr;   // first thing that went wrong, or null
  bool connected = false;        // DTLS and SCTP up on both sides
  bool channel_open = false;     // the channel is open on both sides
  bool delivered_ok = false;     // every message arrived intact, both ways
  size_t messages_each_way = 0;
  size_t bytes_each_way = 0;
  size_t bad_messages = 0;
  size_t sizeof_dtls = 0, sizeof_sctp = 0, sizeof_channels = 0;
  size_t heap_connected = 0;       // heap held by both connections once open
  size_t heap_peak_handshake = 0;  // above the start, both connections
  size_t heap_peak_exchange = 0;   // above the connected level
  size_t exchange_allocs[2] = {};       // per round (0: warm-up, 1: steady)
  uint64_t exchange_datagrams[2] = {};
  size_t messages_per_round = 0;
  uint64_t handshake_datagrams = 0;
  size_t sizeof_endpoint = 0;       // dtls + sctp + channels + flags, one side
  size_t heap_by_layer[6] = {};     // per connection once open: [1] dtls [2] sctp [3] channels [5] objects
  size_t heap_constructed = 0;      // both endpoints right after construction
  size_t heap_after_handshake = 0;  // both connections, DTLS + SCTP up
  size_t dtls_handshake_memory = 0;      // client, right after connecting
  size_t dtls_handshake_memory_end = 0;  // client, after the exchange
  uint32_t connect_virtual_ms = 0, total_virtual_ms = 0;
  uint32_t connect_cs = 0, total_cs = 0;
};

PairReport run_pair();

}  // namespace sansrtc::embedded
