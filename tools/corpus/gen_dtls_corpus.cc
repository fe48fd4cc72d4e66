// Writes seed corpora for the DTLS fuzz targets into <out>/<target>/:
//   dtls_record     every datagram of a real handshake (both directions) and
//                   protected application data
//   dtls_handshake  every handshake message body, prefixed by its selector
//   dtls_server     op streams replaying a client's side of a handshake
//   dtls_client     op streams replaying a server's side of a handshake
//   dtls_pair       link behaviours for the two-peer target
// The machines here are configured exactly like the fuzz targets' (shared
// fuzz/dtls_fuzz_common.h, same seeds), so the op streams replay the full
// handshake inside the targets.
//
// Usage: gen_dtls_corpus <fuzz/corpus directory>
#include "../../fuzz/dtls_fuzz_common.h"
#include "dtls/fragment_reassembler.h"
#include "dtls/handshake_messages.h"
#include "dtls/record_layer.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::dtls;
namespace fs = std::filesystem;

namespace {

using Blob = std::vector<uint8_t>;

void write_file(const fs::path& dir, const std::string& name, const Blob& data) {
  fs::create_directories(dir);
  std::ofstream f(dir / name, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
}

void add_datagram_op(Blob& ops, const Blob& d) {
  ops.push_back(0);
  ops.push_back(uint8_t(d.size() >> 8));
  ops.push_back(uint8_t(d.size()));
  ops.insert(ops.end(), d.begin(), d.end());
}

struct Recording {
  Blob server_ops, client_ops;
  std::vector<Blob> datagrams;
};

// A full handshake between machines configured like the fuzz targets,
// optionally dropping one datagram (index over both directions) to record
// retransmissions.
Recording record(uint8_t flags, int drop) {
  Recording rec;
  rec.server_ops.push_back(flags);
  rec.client_ops.push_back(flags);
  SeededRng rng_c(fuzz::kMachineSeed), rng_s(fuzz::kMachineSeed);
  Config cc = fuzz::make_fuzz_config(Role::client, flags);
  Config sc = fuzz::make_fuzz_config(Role::server, flags);
  Connection client(cc, rng_c), server(sc, rng_s);
  Instant now = kTestEpoch;
  if (!client.start(now).ok() || !server.start(now).ok()) std::abort();
  std::vector<Blob> to_server, to_client;
  fuzz::drain(client, &to_server);
  fuzz::drain(server, nullptr);
  int index = 0;
  for (int round = 0; round < 50; ++round) {
    if (to_server.empty() && to_client.empty()) {
      if (client.state() == TransportState::connected && server.state() == TransportState::connected) break;
      // Nothing in flight: let the timers fire (op 0x01 with 50 ms steps).
      auto t = earliest(client.poll_timeout(), server.poll_timeout());
      if (!t) break;
      uint8_t steps = uint8_t(std::min<int64_t>(255, (to_millis(*t - now) + 49) / 50));
      now += std::chrono::milliseconds(50) * steps;
      for (Blob* ops : {&rec.server_ops, &rec.client_ops}) {
        ops->push_back(1);
        ops->push_back(steps);
      }
      client.handle_timeout(now);
      fuzz::drain(client, &to_server);
      server.handle_timeout(now);
      fuzz::drain(server, &to_client);
      continue;
    }
    auto ts = std::move(to_server);
    auto tc = std::move(to_client);
    to_server.clear();
    to_client.clear();
    for (auto& d : ts) {
      rec.datagrams.push_back(d);
      if (index++ == drop) continue;
      add_datagram_op(rec.server_ops, d);
      server.handle_datagram(now, d);
      fuzz::drain(server, &to_client);
    }
    for (auto& d : tc) {
      rec.datagrams.push_back(d);
      if (index++ == drop) continue;
      add_datagram_op(rec.client_ops, d);
      client.handle_datagram(now, d);
      fuzz::drain(client, &to_server);
    }
  }
  if (client.state() != TransportState::connected || server.state() != TransportState::connected) {
    std::fprintf(stderr, "recording flags=%d drop=%d did not complete\n", flags, drop);
    std::exit(1);
  }
  // Application data and close at the end of the streams.
  for (Blob* ops : {&rec.server_ops, &rec.client_ops}) {
    ops->push_back(2);
    ops->push_back(100);
    ops->push_back(3);
  }
  if (client.send_application_data(now, as_bytes("corpus application data")).ok()) {
    std::vector<Blob> out;
    fuzz::drain(client, &out);
    for (auto& d : out) rec.datagrams.push_back(d);
  }
  return rec;
}

// Handshake message bodies from the datagrams (epoch 0 only: Finished is encrypted).
void add_handshake_bodies(const std::vector<Blob>& datagrams, const fs::path& dir, int& n) {
  FragmentReassembler r(16384, 8);
  for (const auto& d : datagrams) {
    RecordParser p(d);
    while (auto rec = p.next()) {
      if (rec->type != 22 || rec->epoch != 0) continue;
      HandshakeFragmentParser hp(rec->fragment);
      while (auto f = hp.next()) {
        if (f->fragment_offset != 0 || f->fragment_length != f->length) continue;
        int sel = -1;
        switch (static_cast<HandshakeType>(f->msg_type)) {
          case HandshakeType::client_hello: sel = 0; break;
          case HandshakeType::server_hello: sel = 1; break;
          case HandshakeType::hello_verify_request: sel = 2; break;
          case HandshakeType::certificate: sel = 3; break;
          case HandshakeType::server_key_exchange: sel = 4; break;
          case HandshakeType::certificate_request: sel = 5; break;
          case HandshakeType::client_key_exchange: sel = 6; break;
          case HandshakeType::certificate_verify: sel = 7; break;
          default: break;
        }
        if (sel < 0) continue;
        Blob b{uint8_t(sel)};
        b.insert(b.end(), f->body.begin(), f->body.end());
        write_file(dir, "msg_" + std::to_string(n++), b);
      }
    }
    // The fragment stream selector (10) with the raw record payload.
    RecordParser p2(d);
    if (auto rec = p2.next(); rec && rec->type == 22 && rec->epoch == 0) {
      Blob b{10};
      b.insert(b.end(), rec->fragment.begin(), rec->fragment.end());
      write_file(dir, "frags_" + std::to_string(n++), b);
    }
  }
  write_file(dir, "finished", Blob{8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  write_file(dir, "alert", Blob{9, 2, 42});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <fuzz/corpus dir>\n", argv[0]);
    return 2;
  }
  fs::path out(argv[1]);
  if (!fuzz::world().ok) return 1;
  int hs = 0, recs = 0;
  struct Variant {
    uint8_t flags;
    int drop;
    const char* name;
  };
  for (Variant v : {Variant{1, -1, "cookie"}, Variant{0, -1, "nocookie"}, Variant{3, -1, "cookie_mtu300"},
                    Variant{1, 3, "cookie_drop3"}, Variant{0, 2, "nocookie_drop2"}}) {
    Recording r = record(v.flags, v.drop);
    write_file(out / "dtls_server", std::string("handshake_") + v.name, r.server_ops);
    write_file(out / "dtls_client", std::string("handshake_") + v.name, r.client_ops);
    if (v.drop < 0) {
      for (const auto& d : r.datagrams) write_file(out / "dtls_record", "dgram_" + std::to_string(recs++), d);
      add_handshake_bodies(r.datagrams, out / "dtls_handshake", hs);
    }
  }
  // dtls_pair: link behaviours, one byte per datagram (0 deliver, 1 drop,
  // 2 duplicate, 3 hold back), after the flags byte.
  write_file(out / "dtls_pair", "clean_cookie", Blob{1});
  write_file(out / "dtls_pair", "clean_mtu300", Blob{2});
  write_file(out / "dtls_pair", "drop_first", Blob{1, 1});
  write_file(out / "dtls_pair", "drop_every_other", Blob{1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1});
  write_file(out / "dtls_pair", "duplicate_all", Blob{3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2});
  write_file(out / "dtls_pair", "reorder", Blob{1, 3, 0, 3, 0, 3, 3, 0, 0, 3});
  write_file(out / "dtls_pair", "mixed", Blob{0, 2, 1, 3, 0, 1, 2, 3, 3, 1, 0, 0, 2});
  std::printf("wrote %d datagrams, %d handshake inputs, 10 op streams\n", recs, hs);
  return 0;
}
