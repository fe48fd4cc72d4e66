// Fuzz target: our client and our server over a link whose behaviour the
// input chooses, one byte per datagram: deliver, drop, duplicate, or hold
// back (reorder). When the input ends the link becomes perfect, and then
// liveness is checked: unless a side already failed (handshake timeout),
// both must reach `connected`.
#include "dtls_fuzz_common.h"

#include <cstdlib>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::dtls;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!fuzz::world().ok || size == 0) return 0;
  const uint8_t flags = data[0];
  size_t pos = 1;
  SeededRng rng_c(fuzz::kMachineSeed), rng_s(fuzz::kMachineSeed + 1);
  Config cc = fuzz::make_fuzz_config(Role::client, flags);
  Config sc = fuzz::make_fuzz_config(Role::server, flags);
  Connection client(cc, rng_c), server(sc, rng_s);
  Instant now = kTestEpoch;
  if (!server.start(now).ok() || !client.start(now).ok()) std::abort();
  std::vector<std::vector<uint8_t>> to_server, to_client, held_s, held_c;
  auto fate = [&](std::vector<std::vector<uint8_t>>& out, std::vector<std::vector<uint8_t>>& held,
                  std::vector<uint8_t>&& d) {
    uint8_t f = pos < size ? data[pos++] & 3 : 0;
    switch (f) {
      case 0: out.push_back(std::move(d)); break;
      case 1: break;  // dropped
      case 2: out.push_back(d); out.push_back(std::move(d)); break;
      case 3: held.push_back(std::move(d)); break;  // delivered after the next batch
    }
  };
  uint8_t buf[2048];
  for (int step = 0; step < 400; ++step) {
    while (auto n = client.poll_transmit(MutBytes(buf, sizeof(buf))))
      fate(to_server, held_s, std::vector<uint8_t>(buf, buf + *n));
    while (auto n = server.poll_transmit(MutBytes(buf, sizeof(buf))))
      fate(to_client, held_c, std::vector<uint8_t>(buf, buf + *n));
    while (client.poll_event()) {
    }
    while (server.poll_event()) {
    }
    const bool settled = (client.state() == TransportState::connected || client.state() == TransportState::failed) &&
                         (server.state() == TransportState::connected || server.state() == TransportState::failed);
    if (to_server.empty() && to_client.empty()) {
      if (!held_s.empty() || !held_c.empty()) {
        to_server.swap(held_s);
        to_client.swap(held_c);
        continue;
      }
      if (settled && pos >= size) break;
      auto t = earliest(client.poll_timeout(), server.poll_timeout());
      if (!t) break;
      if (*t > now) now = *t;
      client.handle_timeout(now);
      server.handle_timeout(now);
      continue;
    }
    auto ts = std::move(to_server);
    auto tc = std::move(to_client);
    to_server.clear();
    to_client.clear();
    for (auto& d : ts) server.handle_datagram(now, d);
    for (auto& d : tc) client.handle_datagram(now, d);
    // Held datagrams overtake nothing forever: release them after this batch.
    for (auto& d : held_s) to_server.push_back(std::move(d));
    for (auto& d : held_c) to_client.push_back(std::move(d));
    held_s.clear();
    held_c.clear();
  }
  const bool any_failed = client.state() == TransportState::failed || server.state() == TransportState::failed;
  if (!any_failed &&
      (client.state() != TransportState::connected || server.state() != TransportState::connected)) {
    std::fprintf(stderr, "liveness: client %s server %s\n", transport_state_name(client.state()),
                 transport_state_name(server.state()));
    std::abort();
  }
  return 0;
}
