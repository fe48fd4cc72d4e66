// tests/embedded/firmware/pair.cc — two sans-IO endpoints in memory:
// DTLS 1.2 + SCTP + data channels (DCEP), client and server, wired back to
// back over a perfect in-memory link on the virtual clock. The client opens
// a channel in-band; both sides then send messages of several sizes and
// check every byte of what arrives.
//
// Measures per-connection RAM: the machines' own size (sizeof) plus the
// heap each connection holds once connected, and the allocations made per
// message once connected.
//
// This is the DTLS + SCTP + DCEP stage of issue 7; the full PeerConnection
// (with ICE candidates exchanged directly) replaces it once lib/pc exists.
#include "pair.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "base/crypto/certificate.h"
#include "base/crypto/ec.h"
#include "datachannel/data_channel_manager.h"
#include "dtls/connection.h"
#include "runtime.h"
#include "sctp/association.h"

#include <sansrtc/rng.h>
#include <sansrtc/time.h>

namespace sansrtc::embedded {
namespace {

struct Identity {
  crypto::EcdsaP256Key key;
  crypto::Certificate cert;
};

// Heap attribution tags (runtime.h): every call into a layer runs under its
// tag, so live heap bytes are counted per layer.
enum : unsigned { kTagOther = 0, kTagDtls = 1, kTagSctp = 2, kTagChannels = 3, kTagApp = 4, kTagEndpoint = 5 };
const char* const kTagNames[] = {"other", "dtls", "sctp", "channels", "app payloads", "endpoint objects"};

struct Tag {
  explicit Tag(unsigned t) : old(fw_heap_set_tag(t)) {}
  ~Tag() { fw_heap_set_tag(old); }
  unsigned old;
};

template <class T>
const T& tagged(unsigned tag, const T& v) {
  fw_heap_set_tag(tag);
  return v;
}

struct Endpoint {
  Endpoint(const dtls::Config& dc, const sctp::Config& sc, const datachannel::Config& cc, uint64_t seed)
      : rng(seed),
        dtls(tagged(kTagDtls, dc), rng),
        sctp(tagged(kTagSctp, sc), rng),
        channels(tagged(kTagChannels, cc), sctp) {
    fw_heap_set_tag(kTagEndpoint);
  }
  SeededRng rng;
  dtls::Connection dtls;
  sctp::Association sctp;
  datachannel::DataChannelManager channels;
  bool dtls_connected = false;
  bool sctp_connected = false;
  bool failed = false;
  std::optional<datachannel::ChannelId> channel;  // open channel
  size_t messages_received = 0;
  size_t bytes_received = 0;
  size_t bad_messages = 0;
};

constexpr size_t kEmbeddedMaxEvents = 64;
constexpr size_t kMaxMessage = 16 * 1024;
constexpr size_t kDtlsQueue = 8;
constexpr size_t kSizes[] = {1, 100, 1000, 1200, 5000, 16384};
constexpr size_t kNumSizes = sizeof(kSizes) / sizeof(kSizes[0]);

uint8_t pattern(size_t size, size_t i, bool from_client) {
  return uint8_t(i * 31 + size + (from_client ? 7 : 101));
}

struct Driver {
  Endpoint& client;
  Endpoint& server;
  Instant now = kTestEpoch;
  uint8_t buf[1500] = {};
  uint64_t datagrams = 0;

  // Moves everything `from` has to say to `to`; true when anything moved.
  bool pump(Endpoint& from, Endpoint& to, bool from_client) {
    bool progress = false;
    Tag tag(kTagDtls);
    while (auto n = from.dtls.poll_transmit(MutBytes(buf, sizeof(buf)))) {
      to.dtls.handle_datagram(now, Bytes(buf, *n));
      ++datagrams;
      progress = true;
    }
    while (auto e = from.dtls.poll_event()) {
      progress = true;
      if (e->kind == dtls::EventKind::state_changed) {
        if (e->state == dtls::TransportState::connected) {
          from.dtls_connected = true;
          Tag t(kTagSctp);
          if (from_client && !from.sctp.connect(now).ok()) from.failed = true;
        } else if (e->state == dtls::TransportState::failed || e->state == dtls::TransportState::closed) {
          from.failed = true;
        }
      } else if (e->kind == dtls::EventKind::application_data) {
        Tag t(kTagSctp);
        from.sctp.handle_packet(now, e->data);
      } else if (e->kind == dtls::EventKind::error) {
        from.failed = true;
      }
    }
    if (from.dtls_connected) {
      while (auto n = [&] { Tag t(kTagSctp); return from.sctp.poll_transmit(MutBytes(buf, sizeof(buf))); }()) {
        if (!from.dtls.send_application_data(now, Bytes(buf, *n)).ok()) from.failed = true;
        progress = true;
      }
    }
    fw_heap_set_tag(kTagSctp);
    while (auto e = from.sctp.poll_event()) {
      progress = true;
      Tag t(kTagChannels);
      if (e->type == sctp::EventType::connected) from.sctp_connected = true;
      if (e->type == sctp::EventType::closed) from.failed = true;
      from.channels.handle_association_event(now, std::move(*e));
    }
    fw_heap_set_tag(kTagChannels);
    while (auto e = from.channels.poll_event()) {
      progress = true;
      using datachannel::EventType;
      if (e->type == EventType::open) from.channel = e->id;
      if (e->type == EventType::error || e->type == EventType::close) from.failed = true;
      if (e->type == EventType::message) {
        // Find which size this is and check every byte against the pattern.
        const size_t size = e->data.size();
        bool ok = false;
        for (size_t s : kSizes) ok = ok || s == size;
        for (size_t i = 0; ok && i < size; ++i) ok = e->data[i] == pattern(size, i, !from_client);
        if (!ok) ++from.bad_messages;
        ++from.messages_received;
        from.bytes_received += size;
      }
    }
    return progress;
  }

  // Runs until `done` or the virtual clock passes `limit`; idles by jumping
  // to the earliest deadline.
  template <class Done>
  bool run(Done done, Duration limit) {
    const Instant end = now + limit;
    while (!done()) {
      if (client.failed || server.failed) return false;
      bool progress = pump(client, server, true);
      progress = pump(server, client, false) || progress;
      if (progress) continue;
      std::optional<Instant> next;
      for (Endpoint* e : {&client, &server}) {
        for (auto t : {e->dtls.poll_timeout(), e->sctp.poll_timeout()}) {
          if (t && (!next || *t < *next)) next = t;
        }
      }
      if (!next || *next > end) return false;
      if (*next > now) now = *next;
      for (Endpoint* e : {&client, &server}) {
        {
          Tag t(kTagDtls);
          e->dtls.handle_timeout(now);
        }
        Tag t(kTagSctp);
        e->sctp.handle_timeout(now);
      }
    }
    return true;
  }
};

std::unique_ptr<Identity> make_identity(Rng& rng, const char* cn) {
  auto id = std::make_unique<Identity>();
  auto key = crypto::EcdsaP256Key::generate(rng);
  if (!key.ok()) return nullptr;
  id->key = std::move(key.value());
  auto cert = crypto::Certificate::self_signed(id->key, rng, cn, 1767225600, 30);
  if (!cert.ok()) return nullptr;
  id->cert = std::move(cert.value());
  return id;
}

}  // namespace

PairReport run_pair() {
  PairReport r;
  r.sizeof_dtls = sizeof(dtls::Connection);
  r.sizeof_sctp = sizeof(sctp::Association);
  r.sizeof_channels = sizeof(datachannel::DataChannelManager);

  SeededRng rng(2026);
  auto ci = make_identity(rng, "client");
  auto si = make_identity(rng, "server");
  if (!ci || !si) {
    r.error = "identity generation failed";
    return r;
  }
  dtls::Config cc, sc;
  cc.role = dtls::Role::client;
  cc.certificate = &ci->cert;
  cc.private_key = &ci->key;
  (void)cc.remote_fingerprints.push_back(si->cert.fingerprint(crypto::HashAlg::sha256));
  sc.role = dtls::Role::server;
  sc.certificate = &si->cert;
  sc.private_key = &si->key;
  (void)sc.remote_fingerprints.push_back(ci->cert.fingerprint(crypto::HashAlg::sha256));
  // Embedded limits. With the defaults (4 MiB receive buffer) SCTP's
  // receive queue alone preallocates 16384 slots, 320 KiB per connection on
  // this target; 128 KiB of receive window keeps it at 1024 slots.
  // DTLS keeps one buffer per queued record (64 each way by default) and
  // each keeps its capacity; the driver drains after every input, so a few
  // suffice (SCTP sends at most max_burst = 4 packets per round).
  cc.max_queued_app_data = sc.max_queued_app_data = kDtlsQueue;
  cc.max_received_app_data = sc.max_received_app_data = kDtlsQueue;
  // Handshake messages here are small (a 300-byte self-signed certificate);
  // the 16 KiB default sizes a scratch buffer held for the connection's life.
  cc.max_handshake_message_size = sc.max_handshake_message_size = 4096;
  sctp::Config sctp_cfg;
  sctp_cfg.max_receive_buffer = 128 * 1024;
  sctp_cfg.max_send_buffer = 128 * 1024;
  // SCTP reserves max_message_size (up to 64 KiB) for each reassembly;
  // 16 KiB keeps the two peers nearer the 256 KiB board budget.
  sctp_cfg.max_message_size = kMaxMessage;
  sctp_cfg.max_events = kEmbeddedMaxEvents;
  datachannel::Config ccc, scc;
  ccc.dtls_role = datachannel::DtlsRole::client;
  scc.dtls_role = datachannel::DtlsRole::server;
  // The default max_events (4096) preallocates a 4096-event ring, 112 KiB
  // per connection on this target: larger than the RAM goal. A device that
  // drains events after every input needs a few dozen.
  ccc.max_events = scc.max_events = kEmbeddedMaxEvents;
  ccc.max_message_size = scc.max_message_size = kMaxMessage;

  const size_t heap_before = fw_heap_live();
  fw_heap_reset_peak();
  std::unique_ptr<Endpoint> client, server;
  {
    Tag t(kTagEndpoint);
    client = std::make_unique<Endpoint>(cc, sctp_cfg, ccc, 1);
    fw_heap_set_tag(kTagEndpoint);
    server = std::make_unique<Endpoint>(sc, sctp_cfg, scc, 2);
  }
  r.heap_constructed = fw_heap_live() - heap_before;
  std::printf("         constructed: heap %u B for both endpoints (sizeof one: %u B)\n", unsigned(r.heap_constructed),
              unsigned(sizeof(Endpoint)));
  Driver d{*client, *server};
  const uint32_t t0 = fw_clock_cs();
  bool started;
  {
    Tag t(kTagDtls);
    started = client->dtls.start(d.now).ok() && server->dtls.start(d.now).ok();
  }
  if (!started) {
    r.error = "dtls start failed";
    return r;
  }
  if (!d.run([&] { return client->sctp_connected && server->sctp_connected; }, std::chrono::seconds(30))) {
    r.error = "DTLS + SCTP did not connect";
    return r;
  }
  r.connected = true;
  r.heap_after_handshake = fw_heap_live() - heap_before;
  r.sizeof_endpoint = sizeof(Endpoint);
  r.dtls_handshake_memory = client->dtls.handshake_memory();
  std::printf("         connected: heap %u B for both (peak %u B); one side: sizeof %u B, DTLS handshake buffers %u B\n",
              unsigned(r.heap_after_handshake), unsigned(fw_heap_peak() - heap_before), unsigned(r.sizeof_endpoint),
              unsigned(r.dtls_handshake_memory));
  r.connect_virtual_ms = uint32_t(std::chrono::duration_cast<std::chrono::milliseconds>(d.now - kTestEpoch).count());
  r.connect_cs = fw_clock_cs() - t0;
  r.handshake_datagrams = d.datagrams;

  auto id = [&] {
    Tag t(kTagChannels);
    return client->channels.create_channel(d.now, "embedded");
  }();
  if (!id.ok()) {
    r.error = "create_channel failed";
    return r;
  }
  if (!d.run([&] { return client->channel && server->channel; }, std::chrono::seconds(10))) {
    r.error = "data channel did not open on both sides";
    return r;
  }
  r.channel_open = true;
  fw_heap_set_tag(kTagOther);
  std::printf("         live heap by layer once open, per connection:");
  for (unsigned t = 1; t < 6; ++t) {
    if (t == kTagApp) continue;
    std::printf(" %s %u", kTagNames[t], unsigned(fw_heap_live_tag(t) / 2));
    r.heap_by_layer[t] = fw_heap_live_tag(t) / 2;
  }
  std::printf(" B\n");
  std::printf("         channel open: heap %u B for both\n", unsigned(fw_heap_live() - heap_before));
  r.heap_connected = fw_heap_live() - heap_before;
  r.heap_peak_handshake = fw_heap_peak() - heap_before;

  // Exchange: each size once in each direction.
  // Exchange: every size once in each direction, in two rounds. The first
  // round warms buffers up; the second shows the steady state (allocations
  // per message and per datagram once connected).
  fw_heap_reset_peak();
  const size_t live0 = fw_heap_live();
  size_t expect_bytes = 0;
  for (int round = 0; round < 2; ++round) {
    const size_t allocs0 = fw_heap_allocs();
    const uint64_t dgrams0 = d.datagrams;
    for (size_t s : kSizes) {
      fw_heap_set_tag(kTagApp);
      std::vector<uint8_t> a(s), b(s);
      for (size_t i = 0; i < s; ++i) a[i] = pattern(s, i, true), b[i] = pattern(s, i, false);
      fw_heap_set_tag(kTagChannels);
      const bool sent = client->channels.send(d.now, *client->channel, std::move(a), true).ok() &&
                        server->channels.send(d.now, *server->channel, std::move(b), true).ok();
      fw_heap_set_tag(kTagOther);
      if (!sent) {
        r.error = "send failed";
        return r;
      }
      expect_bytes += s;
      const size_t want = r.messages_each_way + 1;
      if (!d.run([&] { return client->messages_received >= want && server->messages_received >= want; },
                 std::chrono::seconds(30))) {
        r.error = "messages not delivered";
        return r;
      }
      ++r.messages_each_way;
      if (round == 0) {
        std::printf("         %5u B each way: heap %u B for both\n", unsigned(s),
                    unsigned(fw_heap_live() - heap_before));
      }
    }
    r.exchange_allocs[round] = fw_heap_allocs() - allocs0;
    r.exchange_datagrams[round] = d.datagrams - dgrams0;
  }
  r.bytes_each_way = expect_bytes;
  r.messages_per_round = kNumSizes;
  std::printf("         live heap by layer after the exchange, per connection:");
  for (unsigned t = 1; t < 6; ++t) {
    if (t == kTagApp) continue;
    std::printf(" %s %u", kTagNames[t], unsigned(fw_heap_live_tag(t) / 2));
  }
  std::printf(" B\n");
  r.heap_peak_exchange = fw_heap_peak() - live0;
  r.bad_messages = client->bad_messages + server->bad_messages;
  r.delivered_ok = client->bytes_received == expect_bytes && server->bytes_received == expect_bytes &&
                   r.bad_messages == 0 && r.messages_each_way == 2 * kNumSizes;
  r.total_virtual_ms = uint32_t(std::chrono::duration_cast<std::chrono::milliseconds>(d.now - kTestEpoch).count());
  r.total_cs = fw_clock_cs() - t0;
  r.dtls_handshake_memory_end = client->dtls.handshake_memory();
  return r;
}

}  // namespace sansrtc::embedded
