// Fuzz target: the DataChannelManager driven by an op stream.
//
// Our side is a DataChannelManager over a real sctp::Association; the peer is
// a bare association the input drives directly, so it can send anything on
// any stream with any PPID (hostile DCEP, partial PPIDs, stray data, resets,
// aborts). Ops also feed the manager synthetic association events that a
// correct association would never produce. After every op the manager must
// be consistent and its bounds must hold.
//
// Input: byte 0 picks our DTLS role and the channel limit; then ops of one
// opcode byte and a few argument bytes each (missing bytes read as 0).
#include "datachannel/data_channel_manager.h"

#include <sansrtc/rng.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::datachannel;

namespace {

void check(bool cond) {
  if (!cond) std::abort();
}

struct Input {
  const uint8_t* p;
  size_t n;
  size_t i = 0;
  bool done() const { return i >= n; }
  uint8_t u8() { return i < n ? p[i++] : 0; }
  uint16_t u16() { return uint16_t(u8() << 8 | u8()); }
};

struct World {
  Instant now = kTestEpoch;
  SeededRng rng_a{1}, rng_b{2};
  sctp::Association a;
  sctp::Association b;
  DataChannelManager mgr;
  std::vector<uint8_t> buf = std::vector<uint8_t>(1500);
  bool drop_next = false;
  size_t events_seen = 0;

  World(const Config& dc) : a(sctp_config(), rng_a), b(sctp_config(), rng_b), mgr(dc, a) {}
  static sctp::Config sctp_config() {
    sctp::Config c;
    c.max_outbound_streams = 64;
    c.max_inbound_streams = 64;
    c.max_message_size = 8192;
    c.max_send_buffer = 64 * 1024;
    c.max_receive_buffer = 64 * 1024;
    return c;
  }

  void drain() {
    while (auto e = a.poll_event()) mgr.handle_association_event(now, std::move(*e));
    while (b.poll_event()) {
    }
    while (auto e = mgr.poll_event()) {
      ++events_seen;
      check(e->detail != nullptr);
      if (e->type == EventType::message && (events_seen & 1)) mgr.recycle(std::move(e->data));
    }
    check(mgr.is_consistent());
  }
  void exchange() {
    for (int spins = 0; spins < 10000; ++spins) {
      drain();
      bool moved = false;
      while (auto n = a.poll_transmit(buf)) {
        if (!drop_next) b.handle_packet(now, Bytes(buf.data(), *n));
        drop_next = false;
        moved = true;
      }
      while (auto n = b.poll_transmit(buf)) {
        a.handle_packet(now, Bytes(buf.data(), *n));
        moved = true;
      }
      if (!moved) break;
    }
    drain();
  }
  void advance(Duration dt) {
    const Instant end = now + dt;
    exchange();
    for (int spins = 0; spins < 1000; ++spins) {
      auto next = earliest(a.poll_timeout(), b.poll_timeout());
      if (!next || *next > end) break;
      if (*next > now) now = *next;
      a.handle_timeout(now);
      b.handle_timeout(now);
      exchange();
    }
    now = end;
    exchange();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in{data, size};
  const uint8_t setup = in.u8();
  Config dc;
  dc.dtls_role = (setup & 1) ? DtlsRole::server : DtlsRole::client;
  dc.max_channels = uint16_t(1 + (setup >> 1) % 16);
  dc.max_message_size = 4096;
  dc.max_events = 64;
  dc.dcep.max_label_length = 32;
  dc.dcep.max_protocol_length = 32;
  World w(dc);
  const bool connect_first = (setup & 0x80) == 0;
  if (connect_first) {
    if (!w.b.connect(w.now).ok()) return 0;
    w.advance(std::chrono::milliseconds(100));
  }

  int ops = 0;
  while (!in.done() && ops++ < 200) {
    const uint8_t op = in.u8();
    switch (op % 10) {
      case 0: {  // create a channel
        const uint8_t flags = in.u8();
        const uint8_t label_len = in.u8() % 40;
        std::vector<uint8_t> label;
        for (int i = 0; i < label_len; ++i) label.push_back(in.u8());
        ChannelInit init;
        init.ordered = flags & 1;
        if (flags & 2) init.max_retransmits = in.u8();
        if (flags & 4) init.max_packet_life_time = in.u16();
        init.negotiated = flags & 8;
        if (flags & 16) init.id = in.u8() % 80;
        init.protocol = (flags & 32) ? "p" : "";
        (void)w.mgr.create_channel(w.now, as_string_view(label), init);
        break;
      }
      case 1: {  // send on a channel
        const ChannelId id(in.u8() % 80);
        const uint8_t kind = in.u8();
        const size_t len = (kind & 0x80) ? size_t(in.u16()) % 6000 : in.u8() % 64;
        std::vector<uint8_t> msg(len, uint8_t(kind));
        if (kind & 1) (void)w.mgr.send(w.now, id, std::move(msg), kind & 2);
        else if (kind & 2) (void)w.mgr.send_binary(w.now, id, msg);
        else (void)w.mgr.send_text(w.now, id, as_string_view(msg));
        break;
      }
      case 2:
        (void)w.mgr.close(w.now, ChannelId(in.u8() % 80));
        break;
      case 3: {  // the peer sends raw bytes with a chosen PPID
        static const uint32_t kPpids[] = {50, 51, 52, 53, 54, 56, 57, 0, 55, 0xffffffff};
        const sctp::StreamId stream(in.u8() % 70);
        const uint32_t ppid = kPpids[in.u8() % 10];
        const uint8_t len = in.u8() % 48;
        std::vector<uint8_t> msg;
        for (int i = 0; i < len; ++i) msg.push_back(in.u8());
        if (msg.empty()) msg.push_back(0);
        sctp::SendOptions opts;
        opts.unordered = op & 0x10;
        (void)w.b.send(w.now, stream, sctp::Ppid(ppid), std::move(msg), opts);
        break;
      }
      case 4: {  // the peer resets one of its outgoing streams
        const sctp::StreamId stream(in.u8() % 70);
        (void)w.b.reset_streams(w.now, std::span<const sctp::StreamId>(&stream, 1));
        break;
      }
      case 5:
        w.advance(std::chrono::milliseconds(in.u8() * 20));
        break;
      case 6: {  // a synthetic association event, possibly impossible
        sctp::Event e;
        const uint8_t t = in.u8();
        e.type = static_cast<sctp::EventType>(t % 8);
        e.stream = sctp::StreamId(in.u8() % 80);
        e.ppid = sctp::Ppid(50 + in.u8() % 8);
        const uint8_t n = in.u8() % 4;
        for (int i = 0; i < n; ++i) e.streams.push_back(sctp::StreamId(in.u8() % 80));
        const uint8_t len = in.u8() % 24;
        for (int i = 0; i < len; ++i) e.payload.push_back(in.u8());
        // A real association ends everything after `closed`: keep it real
        // enough that later ops still exercise something.
        if (e.type == sctp::EventType::closed && (t & 0x80) == 0) break;
        w.mgr.handle_association_event(w.now, std::move(e));
        w.drain();
        break;
      }
      case 7:
        w.drop_next = true;
        break;
      case 8:
        w.mgr.set_remote_max_message_size(in.u16());
        (void)w.mgr.set_buffered_amount_low_threshold(ChannelId(in.u8() % 80), in.u16());
        break;
      case 9:
        if (!connect_first && w.b.state() == sctp::State::closed) (void)w.b.connect(w.now);
        else if ((op & 0xf0) == 0xf0) w.b.abort(w.now);
        break;
    }
    w.exchange();
    check(w.mgr.is_consistent());
    check(w.mgr.channel_count() <= dc.max_channels);
    for (uint16_t id = 0; id < 80; ++id) {
      const DataChannel* c = w.mgr.channel(ChannelId(id));
      if (c) check(c->state != ChannelState::closed && c->label.size() <= dc.dcep.max_label_length);
    }
  }
  w.advance(std::chrono::seconds(5));
  check(w.mgr.is_consistent());
  return 0;
}
