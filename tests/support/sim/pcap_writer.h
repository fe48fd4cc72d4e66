// support/sim/pcap_writer.h — classic libpcap files for simulated traffic.
//
// Writes LINKTYPE_RAW (101): each record is a synthesized IPv4 or IPv6 header
// plus a UDP header (checksum 0 over IPv4; computed over IPv6, where it is
// mandatory) around the datagram payload, so Wireshark dissects STUN, DTLS,
// RTP... with "Decode As" or its heuristics. Timestamps are virtual time.
// Dropped datagrams (optional) carry TTL / hop limit 0 and the DropReason in
// the IPv4 identification field / IPv6 flow label: filter `ip.ttl == 0` or
// `ipv6.hlim == 0` to see them.
#pragma once

#include "base/address.h"
#include "support/sim/sim_types.h"

#include <sansrtc/time.h>

#include <cstdio>
#include <string>

namespace sansrtc::sim {

class PcapWriter {
 public:
  static constexpr uint32_t kLinktypeRaw = 101;
  static constexpr uint32_t kMagic = 0xa1b2c3d4;  // microsecond timestamps

  PcapWriter() = default;
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  // Creates (truncates) `path` and writes the file header. Throws
  // std::runtime_error if the file cannot be opened.
  void open(const std::string& path);
  bool is_open() const { return f_ != nullptr; }
  const std::string& path() const { return path_; }
  void close();

  // One datagram. `drop` != none marks it as dropped (see above).
  void write(Instant at, const SocketAddress& source, const SocketAddress& destination,
             Bytes payload, DropReason drop = DropReason::none);
  uint64_t records() const { return records_; }

 private:
  std::FILE* f_ = nullptr;
  std::string path_;
  uint64_t records_ = 0;
};

}  // namespace sansrtc::sim
