// Writes seed corpora for the SCTP fuzz targets:
//   fuzz/corpus/sctp_packet/      real packets of a handshake, a transfer
//                                 with loss, a stream reset and a shutdown
//   fuzz/corpus/sctp_association/ op streams for fuzz/sctp_association.cc
// Usage: gen_corpus_sctp <repo root>
#include "sctp/association.h"

#include <sansrtc/rng.h>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::sctp;

namespace {

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    return;
  }
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

}  // namespace

int main(int argc, char** argv) {
  std::string root = argc > 1 ? argv[1] : ".";
  std::string pdir = root + "/fuzz/corpus/sctp_packet/";
  std::string adir = root + "/fuzz/corpus/sctp_association/";
  std::system(("mkdir -p " + pdir + " " + adir).c_str());

  Config cfg;
  SeededRng ra(1), rb(2), loss(3);
  Association a(cfg, ra), b(cfg, rb);
  Instant now = kTestEpoch;
  std::vector<std::vector<uint8_t>> packets;
  std::array<uint8_t, 2048> buf;
  auto pump = [&](int rounds) {
    for (int r = 0; r < rounds; ++r) {
      for (int s = 0; s < 2; ++s) {
        Association& x = s == 0 ? a : b;
        Association& y = s == 0 ? b : a;
        while (auto n = x.poll_transmit(MutBytes(buf))) {
          std::vector<uint8_t> p(buf.begin(), buf.begin() + *n);
          packets.push_back(p);
          if (loss.next_double() < 0.1) continue;
          y.handle_packet(now, p);
        }
        while (x.poll_event()) {
        }
      }
      now += std::chrono::milliseconds(50);
      a.handle_timeout(now);
      b.handle_timeout(now);
    }
  };
  (void)a.connect(now);
  pump(20);
  (void)a.send(now, StreamId(1), Ppid(51), std::vector<uint8_t>(10, 'x'));
  (void)a.send(now, StreamId(1), Ppid(53), std::vector<uint8_t>(5000, 'y'));
  (void)a.send(now, StreamId(2), Ppid(53), std::vector<uint8_t>(3000, 'z'), SendOptions{.unordered = true, .max_retransmits = 0});
  (void)b.send(now, StreamId(3), Ppid(51), std::vector<uint8_t>(700, 'w'));
  pump(40);
  StreamId s[] = {StreamId(1)};
  (void)a.reset_streams(now, s);
  pump(20);
  (void)a.shutdown(now);
  pump(40);
  size_t written = 0;
  for (size_t i = 0; i < packets.size() && written < 40; i += 1 + packets.size() / 40) {
    char name[64];
    std::snprintf(name, sizeof(name), "pkt_%03zu.bin", written++);
    write_file(pdir + name, packets[i]);
  }
  // Op streams: byte 0 = simultaneous-open flag, then ops (see the target).
  std::vector<std::vector<uint8_t>> ops = {
      {0, 0, 1, 0, 1, 0, 1, 10, 1, 0, 0x20, 0x10, 0, 0, 1, 0, 1, 0, 1, 8, 0, 100},
      {1, 0, 1, 0, 1, 0, 1, 0, 1, 10, 0x33, 0x05, 0x00, 0, 4, 1, 0, 0, 9, 0xFF, 0xFF, 0, 1, 0, 1},
      {0, 0, 1, 0, 1, 0, 1, 10, 7, 0x30, 0, 4, 0, 0, 2, 0, 8, 0x00, 0x10, 0, 0, 0, 1, 12, 3, 0, 1},
      {0, 0, 1, 0, 1, 0, 1, 14, 40, 0, 0, 0, 16, 0, 5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 18, 0},
      {0, 0, 1, 0, 1, 0, 1, 10, 2, 0x01, 0x00, 4, 5, 0, 0, 6, 0, 6, 0, 1, 0, 1, 16, 0, 0, 1, 0, 1, 0, 1},
  };
  for (size_t i = 0; i < ops.size(); ++i) {
    char name[64];
    std::snprintf(name, sizeof(name), "ops_%02zu.bin", i);
    write_file(adir + name, ops[i]);
  }
  // Some real packets as raw op bytes too (interpreted as op streams).
  for (size_t i = 0; i < 3 && i < packets.size(); ++i) {
    char name[64];
    std::snprintf(name, sizeof(name), "ops_pkt_%02zu.bin", i);
    write_file(adir + name, packets[i * 3]);
  }
  std::printf("wrote %zu packets and %zu op streams\n", written, ops.size() + 3);
  return 0;
}
