#include "support/sim/pcap_writer.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace sansrtc::sim {

namespace {

// pcap headers are written in host byte order (the reader detects it from the magic).
template <class T>
void put_host(std::vector<uint8_t>& out, T v) {
  uint8_t b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.insert(out.end(), b, b + sizeof(T));
}

uint16_t ones_complement_sum(const uint8_t* p, size_t n, uint32_t acc) {
  for (size_t i = 0; i + 1 < n; i += 2) acc += uint32_t(p[i]) << 8 | p[i + 1];
  if (n & 1) acc += uint32_t(p[n - 1]) << 8;
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return uint16_t(acc);
}

}  // namespace

PcapWriter::~PcapWriter() { close(); }

void PcapWriter::open(const std::string& path) {
  close();
  f_ = std::fopen(path.c_str(), "wb");
  if (f_ == nullptr) throw std::runtime_error("pcap: cannot open " + path);
  path_ = path;
  std::vector<uint8_t> h;
  put_host<uint32_t>(h, kMagic);
  put_host<uint16_t>(h, 2);  // version 2.4
  put_host<uint16_t>(h, 4);
  put_host<int32_t>(h, 0);   // thiszone
  put_host<uint32_t>(h, 0);  // sigfigs
  put_host<uint32_t>(h, 65535);  // snaplen
  put_host<uint32_t>(h, kLinktypeRaw);
  std::fwrite(h.data(), 1, h.size(), f_);
  std::fflush(f_);
}

void PcapWriter::close() {
  if (f_ != nullptr) std::fclose(f_);
  f_ = nullptr;
}

void PcapWriter::write(Instant at, const SocketAddress& source, const SocketAddress& destination,
                       Bytes payload, DropReason drop) {
  if (f_ == nullptr) return;
  const bool v6 = source.ip().is_v6() || destination.ip().is_v6();
  const size_t udp_len = 8 + payload.size();
  std::vector<uint8_t> pkt;
  const uint8_t ttl = drop == DropReason::none ? 64 : 0;
  if (!v6) {
    pkt.resize(20);
    uint8_t* ip = pkt.data();
    ip[0] = 0x45;
    store_be16(ip + 2, uint16_t(20 + udp_len));
    store_be16(ip + 4, uint16_t(drop));  // identification: drop reason
    ip[8] = ttl;
    ip[9] = 17;  // UDP
    std::memcpy(ip + 12, source.ip().bytes().data(), 4);
    std::memcpy(ip + 16, destination.ip().bytes().data(), 4);
    store_be16(ip + 10, uint16_t(~ones_complement_sum(ip, 20, 0)));
  } else {
    // A v4 endpoint talking to a v6 one cannot happen in the simulator; if it
    // did, the v4 address is shown v4-mapped.
    auto addr16 = [](const IpAddress& a, uint8_t* out) {
      if (a.is_v6()) {
        std::memcpy(out, a.bytes().data(), 16);
      } else {
        std::memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        std::memcpy(out + 12, a.bytes().data(), 4);
      }
    };
    pkt.resize(40);
    uint8_t* ip = pkt.data();
    store_be32(ip, 0x60000000u | uint32_t(drop));  // flow label: drop reason
    store_be16(ip + 4, uint16_t(udp_len));
    ip[6] = 17;
    ip[7] = ttl;
    addr16(source.ip(), ip + 8);
    addr16(destination.ip(), ip + 24);
  }
  const size_t udp_off = pkt.size();
  pkt.resize(udp_off + 8);
  uint8_t* udp = pkt.data() + udp_off;
  store_be16(udp, source.port());
  store_be16(udp + 2, destination.port());
  store_be16(udp + 4, uint16_t(udp_len));
  pkt.insert(pkt.end(), payload.begin(), payload.end());
  if (v6) {
    // RFC 8200 §8.1 pseudo-header: src, dst, upper-layer length, next header.
    uint32_t acc = ones_complement_sum(pkt.data() + 8, 32, 0);
    acc += uint32_t(udp_len >> 16) + uint32_t(udp_len & 0xffff) + 17;
    uint16_t sum = ones_complement_sum(pkt.data() + udp_off, udp_len, acc);
    uint16_t c = uint16_t(~sum);
    if (c == 0) c = 0xffff;
    store_be16(pkt.data() + udp_off + 6, c);
  }
  const int64_t ns = at.time_since_epoch().count();
  std::vector<uint8_t> rec;
  put_host<uint32_t>(rec, uint32_t(ns / 1'000'000'000));
  put_host<uint32_t>(rec, uint32_t((ns % 1'000'000'000) / 1000));
  const uint32_t caplen = uint32_t(std::min<size_t>(pkt.size(), 65535));
  put_host<uint32_t>(rec, caplen);
  put_host<uint32_t>(rec, uint32_t(pkt.size()));
  std::fwrite(rec.data(), 1, rec.size(), f_);
  std::fwrite(pkt.data(), 1, caplen, f_);
  std::fflush(f_);  // a crashed test still leaves a readable capture
  ++records_;
}

}  // namespace sansrtc::sim
