// Fuzz target: two associations driven by an op stream (deliver, drop,
// duplicate, reorder, advance time, send, reset, shutdown, abort, inject a
// fuzzed packet with a valid tag and CRC). Small limits; every op is
// followed by an internal-consistency check of both sides.
#include "sctp/association.h"
#include "sctp/packet/sctp_packet.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::sctp;

namespace {

class Input {
 public:
  Input(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  bool empty() const { return i_ >= n_; }
  uint8_t u8() { return i_ < n_ ? d_[i_++] : 0; }
  uint16_t u16() { return uint16_t(u8() << 8 | u8()); }
  Bytes bytes(size_t n) {
    n = std::min(n, n_ - std::min(i_, n_));
    Bytes b(d_ + i_, n);
    i_ += n;
    return b;
  }

 private:
  const uint8_t* d_;
  size_t n_;
  size_t i_ = 0;
};

void fix_crc(std::vector<uint8_t>& p) {
  if (p.size() < 12) return;
  uint32_t crc = packet_crc32c(p);
  for (int k = 0; k < 4; ++k) p[8 + k] = uint8_t(crc >> (8 * k));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  Config cfg;
  cfg.max_send_buffer = 256 * 1024;
  cfg.max_receive_buffer = 64 * 1024;
  cfg.max_message_size = 64 * 1024;
  cfg.max_outbound_streams = 8;
  cfg.max_inbound_streams = 8;
  cfg.max_events = 64;
  SeededRng ra(1), rb(2);
  Association a(cfg, ra), b(cfg, rb);
  Instant now = kTestEpoch;
  std::deque<std::vector<uint8_t>> q[2];  // 0: a->b, 1: b->a
  uint32_t tag_for[2] = {0, 0};           // last verification tag seen towards b / a
  std::array<uint8_t, 2048> buf;
  (void)a.connect(now);
  if (in.u8() & 1) (void)b.connect(now);

  auto drain = [&] {
    for (int s = 0; s < 2; ++s) {
      Association& x = s == 0 ? a : b;
      int guard = 0;
      while (auto n = x.poll_transmit(MutBytes(buf))) {
        std::vector<uint8_t> p(buf.begin(), buf.begin() + *n);
        if (p.size() >= 8) tag_for[s] = load_be32(&p[4]);
        if (q[s].size() < 256) q[s].push_back(std::move(p));
        if (++guard > 512) break;
      }
      // Every other payload goes back to the buffer pool, so reassembly
      // runs both into pooled and into fresh buffers.
      bool give_back = false;
      while (auto e = x.poll_event()) {
        if (e->type == EventType::message && (give_back = !give_back)) x.recycle(std::move(e->payload));
      }
    }
  };

  int ops = 0;
  while (!in.empty() && ++ops < 2000) {
    drain();
    uint8_t op = in.u8();
    int side = op & 1;
    Association& x = side == 0 ? a : b;
    switch ((op >> 1) % 10) {
      case 0:
      case 1:  // deliver the next packet of this direction
        if (!q[side].empty()) {
          auto p = std::move(q[side].front());
          q[side].pop_front();
          (side == 0 ? b : a).handle_packet(now, p);
        }
        break;
      case 2:  // drop
        if (!q[side].empty()) q[side].pop_front();
        break;
      case 3:  // duplicate / reorder
        if (q[side].size() >= 2) std::swap(q[side][0], q[side][1]);
        else if (!q[side].empty()) q[side].push_back(q[side].front());
        break;
      case 4: {  // advance time
        now += std::chrono::milliseconds(in.u16() % 5000);
        a.handle_timeout(now);
        b.handle_timeout(now);
        break;
      }
      case 5: {  // send
        uint8_t o = in.u8();
        size_t len = 1 + in.u16() % 70000;
        std::vector<uint8_t> m(len, o);
        SendOptions so;
        so.unordered = o & 1;
        if (o & 2) so.max_retransmits = uint16_t(o >> 4);
        if (o & 4) so.lifetime = std::chrono::milliseconds(o * 4);
        (void)x.send(now, StreamId(o % 10), Ppid(o), std::move(m), so);
        break;
      }
      case 6: {
        StreamId s[] = {StreamId(in.u8() % 9)};
        (void)x.reset_streams(now, s);
        break;
      }
      case 7: {  // inject a fuzzed packet to the other side, with a plausible tag
        size_t len = in.u8() + 4;
        Bytes body = in.bytes(len);
        std::vector<uint8_t> p(12);
        store_be16(&p[0], 5000);
        store_be16(&p[2], 5000);
        store_be32(&p[4], tag_for[side]);
        p.insert(p.end(), body.begin(), body.end());
        fix_crc(p);
        (side == 0 ? b : a).handle_packet(now, p);
        break;
      }
      case 8:
        if (in.u8() < 16) (void)x.shutdown(now);
        break;
      case 9:
        if (in.u8() < 4) x.abort(now);
        break;
    }
    if (!a.is_consistent() || !b.is_consistent()) __builtin_trap();
  }
  return 0;
}
