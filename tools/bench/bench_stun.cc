// Benchmarks for lib/stun: parse and build rates of an ICE connectivity
// check (USERNAME, PRIORITY, ICE-CONTROLLING, USE-CANDIDATE,
// MESSAGE-INTEGRITY, FINGERPRINT) — the message an ICE agent handles most.
#include "stun/integrity.h"
#include "stun/message.h"
#include "stun/message_builder.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

using namespace sansrtc;
using namespace sansrtc::stun;

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main() {
  SeededRng rng(1);
  auto key = short_term_key("P2uYro0UCOQ4zxjKXaWCBui1");
  if (!key) return 1;
  uint8_t buf[kMaxMessageSize];
  const TransactionId tid = TransactionId::random(rng);
  auto build = [&]() -> size_t {
    MessageBuilder b(buf, MessageType{Method::binding, MessageClass::request}, tid);
    b.add_username("EsAw:rOwX");
    b.add_priority(1853824767);
    b.add_ice_controlling(0x1122334455667788ull);
    b.add_use_candidate();
    b.add_message_integrity(key->expose());
    b.add_fingerprint();
    auto n = b.finish();
    return n ? *n : 0;
  };
  const size_t len = build();
  if (len == 0) return 1;

  const int n = 300000;
  size_t sink = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) sink += build();
  const double build_rate = n / seconds_since(t0);

  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    MessageView v;
    sink += v.parse(Bytes(buf, len)) == ParseError::none;
  }
  const double parse_rate = n / seconds_since(t0);

  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    MessageView v;
    if (v.parse(Bytes(buf, len)) == ParseError::none)
      sink += verify_integrity(v, key->expose()) == IntegrityStatus::ok;
  }
  const double verify_rate = n / seconds_since(t0);

  std::printf("STUN connectivity check, %zu bytes\n", len);
  std::printf("  build (with MESSAGE-INTEGRITY + FINGERPRINT): %.0f msg/s\n", build_rate);
  std::printf("  parse (with FINGERPRINT check):               %.0f msg/s\n", parse_rate);
  std::printf("  parse + verify MESSAGE-INTEGRITY:             %.0f msg/s\n", verify_rate);
  if (sink == 42) std::puts("");
  return 0;
}
