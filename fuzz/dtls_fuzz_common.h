// Shared by the DTLS machine fuzz targets and tools/corpus/gen_dtls_corpus.cc:
// fixed identities and configurations (everything seeded), and the op-stream
// interpreter, so a recorded handshake replays byte for byte in the target.
//
// Op stream: byte 0 = flags (bit 0: server uses cookies, bit 1: 300-byte MTU),
// then ops until the input ends:
//   0x00 len_hi len_lo bytes…   deliver a datagram (len ≤ 2048)
//   0x01 n                      advance time by n × 50 ms and handle_timeout
//   0x02 n                      send n bytes of application data
//   0x03                        close
// After each op every transmit and event is drained and invariants checked.
#pragma once

#include "base/crypto/certificate.h"
#include "base/crypto/ec.h"
#include "dtls/connection.h"

#include <sansrtc/rng.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace sansrtc::dtls::fuzz {

struct FuzzWorld {
  SeededRng rng{20261123};
  crypto::EcdsaP256Key client_key, server_key;
  crypto::Certificate client_cert, server_cert;
  bool ok = false;
  FuzzWorld() {
    auto ck = crypto::EcdsaP256Key::generate(rng);
    auto sk = crypto::EcdsaP256Key::generate(rng);
    if (!ck.ok() || !sk.ok()) return;
    client_key = std::move(ck.value());
    server_key = std::move(sk.value());
    auto cc = crypto::Certificate::self_signed(client_key, rng, "fuzz-client", 1700000000, 365);
    auto sc = crypto::Certificate::self_signed(server_key, rng, "fuzz-server", 1700000000, 365);
    if (!cc.ok() || !sc.ok()) return;
    client_cert = std::move(cc.value());
    server_cert = std::move(sc.value());
    ok = true;
  }
};

inline FuzzWorld& world() {
  static FuzzWorld w;
  return w;
}

inline Config make_fuzz_config(Role role, uint8_t flags) {
  FuzzWorld& w = world();
  Config c;
  c.role = role;
  const bool client = role == Role::client;
  c.certificate = client ? &w.client_cert : &w.server_cert;
  c.private_key = client ? &w.client_key : &w.server_key;
  (void)c.remote_fingerprints.push_back((client ? w.server_cert : w.client_cert).fingerprint(crypto::HashAlg::sha256));
  c.use_cookie = flags & 1;
  c.mtu = (flags & 2) ? 300 : 1200;
  // Small limits: the fuzzer should reach them.
  c.max_buffered_messages = 4;
  c.max_handshake_message_size = 4096;
  c.max_received_app_data = 4;
  c.max_queued_app_data = 4;
  c.initial_rto = std::chrono::milliseconds(100);
  c.handshake_timeout = std::chrono::seconds(20);
  return c;
}

inline constexpr uint64_t kMachineSeed = 4242;

// Drains outputs; `sent` (optional) receives the transmitted datagrams.
inline void drain(Connection& c, std::vector<std::vector<uint8_t>>* sent) {
  static uint8_t buf[2048];
  for (int i = 0; i < 64; ++i) {
    auto n = c.poll_transmit(MutBytes(buf, sizeof(buf)));
    if (!n) break;
    if (*n > sizeof(buf)) std::abort();
    if (sent) sent->emplace_back(buf, buf + *n);
  }
  for (int i = 0; i < 256; ++i)
    if (!c.poll_event()) break;
}

inline void check_invariants(const Connection& c, Instant now) {
  if (auto t = c.poll_timeout(); t && c.state() == TransportState::failed) std::abort();  // no timers after failure
  (void)now;
  if (c.handshake_memory() > 64 * 1024 + 4 * (4096 + 1024)) std::abort();
}

// Runs an op stream against a fresh Connection of `role`.
// Returns true when the machine reached `connected` at some point.
inline bool run_ops(Role role, const uint8_t* data, size_t size) {
  if (!world().ok || size == 0) return false;
  bool connected = false;
  Config cfg = make_fuzz_config(role, data[0]);
  SeededRng rng(kMachineSeed);
  Connection c(cfg, rng);
  Instant now = kTestEpoch;
  if (!c.start(now).ok()) std::abort();
  drain(c, nullptr);
  size_t pos = 1;
  static uint8_t app[256];
  while (pos < size) {
    uint8_t op = data[pos++];
    switch (op & 3) {
      case 0: {
        if (pos + 2 > size) return connected;
        size_t len = size_t(data[pos] << 8 | data[pos + 1]) % 2049;
        pos += 2;
        if (len > size - pos) len = size - pos;
        c.handle_datagram(now, Bytes(data + pos, len));
        pos += len;
        break;
      }
      case 1: {
        if (pos >= size) return connected;
        now += std::chrono::milliseconds(50) * data[pos++];
        c.handle_timeout(now);
        break;
      }
      case 2: {
        if (pos >= size) return connected;
        (void)c.send_application_data(now, Bytes(app, data[pos++]));
        break;
      }
      case 3: c.close(now); break;
    }
    connected = connected || c.state() == TransportState::connected;
    drain(c, nullptr);
    check_invariants(c, now);
  }
  if (std::getenv("DTLS_FUZZ_VERBOSE"))
    std::fprintf(stderr, "%s: final state %s, reached connected: %d\n", role == Role::client ? "client" : "server",
                 transport_state_name(c.state()), int(connected));
  return connected;
}

}  // namespace sansrtc::dtls::fuzz
