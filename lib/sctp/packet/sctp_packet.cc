#include "sctp/packet/sctp_packet.h"

#include "base/crc.h"
#include "sctp/packet/parameters.h"

namespace sansrtc::sctp {

uint32_t packet_crc32c(Bytes packet) {
  static constexpr uint8_t kZero[4] = {0, 0, 0, 0};
  uint32_t r = crc32c_update(kCrcInit, packet.first(8));
  r = crc32c_update(r, Bytes(kZero, 4));
  r = crc32c_update(r, packet.subspan(kCommonHeaderSize));
  return r ^ kCrcInit;
}

static uint32_t load_le32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

Result<PacketView> parse_packet(Bytes packet, ChecksumPolicy policy) {
  // RFC 9260 §3: a packet carries at least one chunk.
  if (packet.size() < kCommonHeaderSize + kChunkHeaderSize)
    return make_error(Errc::malformed, "sctp: packet shorter than common header + one chunk");
  PacketView v;
  v.source_port = load_be16(&packet[0]);
  v.destination_port = load_be16(&packet[2]);
  v.verification_tag = load_be32(&packet[4]);
  v.checksum = load_le32(&packet[8]);
  v.chunks = packet.subspan(kCommonHeaderSize);
  if (policy == ChecksumPolicy::allow_zero && v.checksum == 0) {
    v.zero_checksum = true;
  } else if (policy != ChecksumPolicy::skip) {
    if (packet_crc32c(packet) != v.checksum)
      return make_error(Errc::auth_failed, "sctp: CRC-32c mismatch");
  }
  return v;
}

std::optional<ChunkView> ChunkIterator::next() {
  // The chunk header is a TLV header (type, flags, length): the shared
  // walker, which also accepts the last chunk's missing padding (sloppy
  // senders).
  Bytes w = next_tlv(rest_, malformed_);
  if (w.empty()) return std::nullopt;
  ChunkView c;
  c.type = w[0];
  c.flags = w[1];
  c.whole = w;
  c.value = w.subspan(kChunkHeaderSize);
  return c;
}

PacketBuilder::PacketBuilder(MutBytes buf, uint16_t source_port, uint16_t destination_port,
                             uint32_t verification_tag)
    : w_(buf) {
  w_.u16(source_port);
  w_.u16(destination_port);
  w_.u32(verification_tag);
  w_.u32(0);
}

size_t PacketBuilder::begin_chunk(uint8_t type, uint8_t flags) {
  size_t at = w_.position();
  w_.u8(type);
  w_.u8(flags);
  w_.u16(0);
  return at;
}

void PacketBuilder::end_chunk(size_t offset) {
  w_.patch_u16(offset + 2, uint16_t(w_.position() - offset));
  w_.pad_to(4);
}

size_t PacketBuilder::finish(bool zero_checksum) {
  if (!w_.ok()) return 0;
  MutBytes out = w_.written();
  uint32_t crc = zero_checksum ? 0 : packet_crc32c(out);
  out[8] = uint8_t(crc);
  out[9] = uint8_t(crc >> 8);
  out[10] = uint8_t(crc >> 16);
  out[11] = uint8_t(crc >> 24);
  return out.size();
}

}  // namespace sansrtc::sctp
