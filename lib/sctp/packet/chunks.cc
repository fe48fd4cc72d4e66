#include "sctp/packet/chunks.h"

#include "sctp/packet/parameters.h"

namespace sansrtc::sctp {

const char* chunk_name(uint8_t type) {
  switch (ChunkType(type)) {
    case ChunkType::data: return "DATA";
    case ChunkType::init: return "INIT";
    case ChunkType::init_ack: return "INIT-ACK";
    case ChunkType::sack: return "SACK";
    case ChunkType::heartbeat: return "HEARTBEAT";
    case ChunkType::heartbeat_ack: return "HEARTBEAT-ACK";
    case ChunkType::abort: return "ABORT";
    case ChunkType::shutdown: return "SHUTDOWN";
    case ChunkType::shutdown_ack: return "SHUTDOWN-ACK";
    case ChunkType::error: return "ERROR";
    case ChunkType::cookie_echo: return "COOKIE-ECHO";
    case ChunkType::cookie_ack: return "COOKIE-ACK";
    case ChunkType::shutdown_complete: return "SHUTDOWN-COMPLETE";
    case ChunkType::i_data: return "I-DATA";
    case ChunkType::reconfig: return "RE-CONFIG";
    case ChunkType::forward_tsn: return "FORWARD-TSN";
    case ChunkType::i_forward_tsn: return "I-FORWARD-TSN";
  }
  return "unknown";
}

Result<DataChunk> DataChunk::parse(const ChunkView& c) {
  if (c.value.size() < kDataHeaderSize - kChunkHeaderSize)
    return make_error(Errc::malformed, "sctp: DATA chunk shorter than 16 bytes");
  // RFC 9260 §3.3.1: "the User Data field ... MUST NOT be zero length" — a
  // sender with nothing to say sends no chunk.
  if (c.value.size() == kDataHeaderSize - kChunkHeaderSize)
    return make_error(Errc::malformed, "sctp: DATA chunk without user data");
  DataChunk d;
  d.flags = c.flags & 0x0F;
  d.tsn = load_be32(&c.value[0]);
  d.stream = load_be16(&c.value[4]);
  d.ssn = load_be16(&c.value[6]);
  d.ppid = load_be32(&c.value[8]);
  d.payload = c.value.subspan(12);
  return d;
}

void DataChunk::write(PacketBuilder& b) const {
  size_t at = b.begin_chunk(uint8_t(ChunkType::data), flags);
  auto& w = b.writer();
  w.u32(tsn);
  w.u16(stream);
  w.u16(ssn);
  w.u32(ppid);
  w.bytes(payload);
  b.end_chunk(at);
}

Result<IDataChunk> IDataChunk::parse(const ChunkView& c) {
  if (c.value.size() <= kIDataHeaderSize - kChunkHeaderSize)
    return make_error(Errc::malformed, "sctp: I-DATA chunk without user data");
  IDataChunk d;
  d.flags = c.flags & 0x0F;
  d.tsn = load_be32(&c.value[0]);
  d.stream = load_be16(&c.value[4]);
  d.mid = load_be32(&c.value[8]);
  d.ppid_or_fsn = load_be32(&c.value[12]);
  d.payload = c.value.subspan(16);
  return d;
}

void IDataChunk::write(PacketBuilder& b) const {
  size_t at = b.begin_chunk(uint8_t(ChunkType::i_data), flags);
  auto& w = b.writer();
  w.u32(tsn);
  w.u16(stream);
  w.u16(0);
  w.u32(mid);
  w.u32(ppid_or_fsn);
  w.bytes(payload);
  b.end_chunk(at);
}

Result<InitChunk> InitChunk::parse(const ChunkView& c) {
  if (c.value.size() < 16) return make_error(Errc::malformed, "sctp: INIT/INIT-ACK shorter than 20 bytes");
  InitChunk i;
  i.ack = c.type == uint8_t(ChunkType::init_ack);
  i.initiate_tag = load_be32(&c.value[0]);
  i.a_rwnd = load_be32(&c.value[4]);
  i.outbound_streams = load_be16(&c.value[8]);
  i.inbound_streams = load_be16(&c.value[10]);
  i.initial_tsn = load_be32(&c.value[12]);
  i.params = c.value.subspan(16);
  // RFC 9260 §3.3.2: "If the value of the Initiate Tag in a received INIT
  // chunk is found to be 0, the receiver MUST silently discard the packet";
  // OS and MIS of 0 likewise lead to an ABORT.
  if (i.initiate_tag == 0) return make_error(Errc::malformed, "sctp: INIT with Initiate Tag 0");
  if (i.outbound_streams == 0 || i.inbound_streams == 0)
    return make_error(Errc::malformed, "sctp: INIT with zero inbound or outbound streams");
  return i;
}

size_t InitChunk::begin(PacketBuilder& b) const {
  size_t at = b.begin_chunk(uint8_t(ack ? ChunkType::init_ack : ChunkType::init), 0);
  auto& w = b.writer();
  w.u32(initiate_tag);
  w.u32(a_rwnd);
  w.u16(outbound_streams);
  w.u16(inbound_streams);
  w.u32(initial_tsn);
  return at;
}

Result<SackChunk> SackChunk::parse(const ChunkView& c) {
  if (c.value.size() < 12) return make_error(Errc::malformed, "sctp: SACK shorter than 16 bytes");
  SackChunk s;
  s.cumulative_tsn_ack = load_be32(&c.value[0]);
  s.a_rwnd = load_be32(&c.value[4]);
  size_t n = load_be16(&c.value[8]);
  size_t m = load_be16(&c.value[10]);
  if (c.value.size() != 12 + 4 * n + 4 * m)
    return make_error(Errc::malformed, "sctp: SACK gap/dup counts disagree with its length");
  s.gap_raw = c.value.subspan(12, 4 * n);
  s.dup_raw = c.value.subspan(12 + 4 * n, 4 * m);
  return s;
}

void SackChunk::write(PacketBuilder& b, uint32_t cumulative_tsn_ack, uint32_t a_rwnd,
                      std::span<const GapAckBlock> gaps, std::span<const uint32_t> dups) {
  size_t at = b.begin_chunk(uint8_t(ChunkType::sack), 0);
  auto& w = b.writer();
  w.u32(cumulative_tsn_ack);
  w.u32(a_rwnd);
  w.u16(uint16_t(gaps.size()));
  w.u16(uint16_t(dups.size()));
  for (const auto& g : gaps) {
    w.u16(g.start);
    w.u16(g.end);
  }
  for (uint32_t d : dups) w.u32(d);
  b.end_chunk(at);
}

Result<HeartbeatChunk> HeartbeatChunk::parse(const ChunkView& c) {
  ParamIterator it(c.value);
  auto p = it.next();
  if (!p || p->type != uint16_t(ParamType::heartbeat_info))
    return make_error(Errc::malformed, "sctp: HEARTBEAT without Heartbeat Info parameter");
  HeartbeatChunk h;
  h.ack = c.type == uint8_t(ChunkType::heartbeat_ack);
  h.info = p->value;
  return h;
}

void HeartbeatChunk::write(PacketBuilder& b) const {
  size_t at = b.begin_chunk(uint8_t(ack ? ChunkType::heartbeat_ack : ChunkType::heartbeat), 0);
  write_param(b.writer(), ParamType::heartbeat_info, info);
  b.end_chunk(at);
}

Result<AbortChunk> AbortChunk::parse(const ChunkView& c) {
  AbortChunk a;
  a.error = c.type == uint8_t(ChunkType::error);
  a.t_bit = c.flags & kFlagT;
  a.causes = c.value;
  auto first = parse_causes(c.value);
  if (!first) return first.error();
  a.first_cause = *first;
  return a;
}

void AbortChunk::write(PacketBuilder& b) const {
  size_t at = b.begin_chunk(uint8_t(error ? ChunkType::error : ChunkType::abort), t_bit ? kFlagT : 0);
  b.writer().bytes(causes);
  b.end_chunk(at);
}

Result<ShutdownChunk> ShutdownChunk::parse(const ChunkView& c) {
  if (c.value.size() != 4) return make_error(Errc::malformed, "sctp: SHUTDOWN length is not 8");
  return ShutdownChunk{load_be32(c.value.data())};
}

void ShutdownChunk::write(PacketBuilder& b) const {
  size_t at = b.begin_chunk(uint8_t(ChunkType::shutdown), 0);
  b.writer().u32(cumulative_tsn_ack);
  b.end_chunk(at);
}

Result<void> parse_empty_chunk(const ChunkView& c) {
  if (!c.value.empty()) return make_error(Errc::malformed, "sctp: chunk of length 4 carries a value");
  return ok_result();
}

void write_empty_chunk(PacketBuilder& b, ChunkType type, uint8_t flags) {
  size_t at = b.begin_chunk(uint8_t(type), flags);
  b.end_chunk(at);
}

Result<CookieEchoChunk> CookieEchoChunk::parse(const ChunkView& c) {
  if (c.value.empty()) return make_error(Errc::malformed, "sctp: COOKIE-ECHO without a cookie");
  return CookieEchoChunk{c.value};
}

void CookieEchoChunk::write(PacketBuilder& b) const {
  size_t at = b.begin_chunk(uint8_t(ChunkType::cookie_echo), 0);
  b.writer().bytes(cookie);
  b.end_chunk(at);
}

Result<ForwardTsnChunk> ForwardTsnChunk::parse(const ChunkView& c) {
  if (c.value.size() < 4 || c.value.size() % 4)
    return make_error(Errc::malformed, "sctp: FORWARD-TSN length not 8 + 4n");
  ForwardTsnChunk f;
  f.new_cumulative_tsn = load_be32(c.value.data());
  f.streams_raw = c.value.subspan(4);
  return f;
}

void ForwardTsnChunk::write(PacketBuilder& b, uint32_t new_cumulative_tsn,
                            std::span<const ForwardTsnStream> streams) {
  size_t at = b.begin_chunk(uint8_t(ChunkType::forward_tsn), 0);
  auto& w = b.writer();
  w.u32(new_cumulative_tsn);
  for (const auto& s : streams) {
    w.u16(s.stream);
    w.u16(s.ssn);
  }
  b.end_chunk(at);
}

Result<IForwardTsnChunk> IForwardTsnChunk::parse(const ChunkView& c) {
  if (c.value.size() < 4 || (c.value.size() - 4) % 8)
    return make_error(Errc::malformed, "sctp: I-FORWARD-TSN length not 8 + 8n");
  IForwardTsnChunk f;
  f.new_cumulative_tsn = load_be32(c.value.data());
  f.entries_raw = c.value.subspan(4);
  return f;
}

void IForwardTsnChunk::write(PacketBuilder& b, uint32_t new_cumulative_tsn,
                             std::span<const IForwardTsnEntry> entries) {
  size_t at = b.begin_chunk(uint8_t(ChunkType::i_forward_tsn), 0);
  auto& w = b.writer();
  w.u32(new_cumulative_tsn);
  for (const auto& e : entries) {
    w.u16(e.stream);
    w.u16(e.unordered ? 1 : 0);
    w.u32(e.mid);
  }
  b.end_chunk(at);
}

Result<ReconfigChunk> ReconfigChunk::parse(const ChunkView& c) {
  ParamIterator it(c.value);
  size_t n = 0;
  while (it.next()) ++n;
  if (it.malformed()) return make_error(Errc::malformed, "sctp: RE-CONFIG with malformed parameters");
  // RFC 6525 §3.1: one or two parameters.
  if (n == 0 || n > 2) return make_error(Errc::malformed, "sctp: RE-CONFIG must carry one or two parameters");
  return ReconfigChunk{c.value};
}

}  // namespace sansrtc::sctp
