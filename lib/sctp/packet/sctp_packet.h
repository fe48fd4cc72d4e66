// sctp/packet/sctp_packet.h — the SCTP common header and the chunk list
// (RFC 9260 §3, §3.1, §3.2; checksum Appendix A; zero checksum RFC 9653).
//
// `parse_packet` validates the common header and the checksum and returns a
// view; `ChunkIterator` walks its chunks (each padded to 4 bytes).
// `PacketBuilder` writes a header and chunks straight into the caller's
// buffer and fills in the checksum at the end.
//
// Leaves out: nothing of the wire format; which chunks may share a packet is
// the association's business.
#pragma once

#include "base/bytes.h"
#include <sansrtc/result.h>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace sansrtc::sctp {

inline constexpr size_t kCommonHeaderSize = 12;
inline constexpr size_t kChunkHeaderSize = 4;

//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Source Port Number        |     Destination Port Number   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                      Verification Tag                         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                           Checksum                            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
struct PacketView {
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  uint32_t verification_tag = 0;
  uint32_t checksum = 0;  // as on the wire (CRC-32c stored little-endian)
  bool zero_checksum = false;  // the checksum field was 0 and accepted as such
  Bytes chunks;           // everything after the common header
};

enum class ChecksumPolicy : uint8_t {
  verify,               // CRC-32c must match
  allow_zero,           // CRC-32c must match unless the field is 0 (RFC 9653 negotiated)
  skip,                 // only for fuzzing and tests that build packets by hand
};

// Errors: malformed (shorter than the header, or no chunk), auth_failed (bad
// checksum). The fuzz targets reach the chunk parsers with ChecksumPolicy::skip
// or by fixing up the CRC, so no build bypasses the check globally.
Result<PacketView> parse_packet(Bytes packet, ChecksumPolicy policy = ChecksumPolicy::verify);

// The CRC-32c of a packet as it would go on the wire (computed with the
// checksum field taken as zero).
uint32_t packet_crc32c(Bytes packet);

//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   Chunk Type  | Chunk  Flags  |        Chunk Length           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                         Chunk Value                           /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
struct ChunkView {
  uint8_t type = 0;
  uint8_t flags = 0;
  Bytes value;   // the chunk value without header and padding
  Bytes whole;   // header + value (unpadded), e.g. to report it back
};

// Walks the chunk list. next() returns nullopt at the end or on a malformed
// chunk (length < 4 or beyond the packet); malformed() tells them apart.
class ChunkIterator {
 public:
  explicit ChunkIterator(Bytes chunks) : rest_(chunks) {}
  std::optional<ChunkView> next();
  bool malformed() const { return malformed_; }

 private:
  Bytes rest_;
  bool malformed_ = false;
};

// RFC 9260 §3.2: what to do with an unrecognized chunk type, from its two
// upper bits.
enum class UnknownAction : uint8_t {
  stop_discard,          // 00
  stop_discard_report,   // 01
  skip,                  // 10
  skip_report,           // 11
};
inline UnknownAction unknown_action(uint8_t type) { return UnknownAction(type >> 6); }
inline bool unknown_should_report(UnknownAction a) {
  return a == UnknownAction::stop_discard_report || a == UnknownAction::skip_report;
}
inline bool unknown_should_stop(UnknownAction a) {
  return a == UnknownAction::stop_discard || a == UnknownAction::stop_discard_report;
}

// Writes one packet into `buf`. Chunks are added with begin_chunk()/end_chunk()
// or add_chunk(); finish() pads nothing (each chunk pads itself) and stores
// the checksum. Any overflow makes ok() false.
class PacketBuilder {
 public:
  PacketBuilder(MutBytes buf, uint16_t source_port, uint16_t destination_port,
                uint32_t verification_tag);
  ByteWriter& writer() { return w_; }
  // Starts a chunk; returns the offset to pass to end_chunk().
  size_t begin_chunk(uint8_t type, uint8_t flags);
  // Fills in the chunk length and pads to 4 bytes.
  void end_chunk(size_t offset);
  size_t size() const { return w_.position(); }
  size_t remaining() const { return w_.remaining(); }
  bool empty() const { return w_.position() <= kCommonHeaderSize; }
  bool ok() const { return w_.ok(); }
  // Stores the CRC-32c (or 0 when `zero_checksum`) and returns the packet size.
  size_t finish(bool zero_checksum = false);

 private:
  ByteWriter w_;
};

}  // namespace sansrtc::sctp
