// sctp/packet/chunks.h — every chunk the association speaks, as a view
// (`parse` from a ChunkView, borrowing its bytes) and a builder (`write`
// into a PacketBuilder, straight into the caller's buffer).
//
// RFC 9260 §3.3 (DATA, INIT, INIT-ACK, SACK, HEARTBEAT, HEARTBEAT-ACK,
// ABORT, SHUTDOWN, SHUTDOWN-ACK, ERROR, COOKIE-ECHO, COOKIE-ACK,
// SHUTDOWN-COMPLETE), RFC 3758 §3.2 (FORWARD-TSN), RFC 8260 §2.1, §2.3
// (I-DATA, I-FORWARD-TSN), RFC 6525 §3.1 (RE-CONFIG).
//
// Leaves out: ECNE/CWR, AUTH, ASCONF, PAD chunks (handled as unknown by
// their type bits).
#pragma once

#include "sctp/packet/sctp_packet.h"

#include <cstddef>
#include <cstdint>
#include <span>

namespace sansrtc::sctp {

enum class ChunkType : uint8_t {
  data = 0,
  init = 1,
  init_ack = 2,
  sack = 3,
  heartbeat = 4,
  heartbeat_ack = 5,
  abort = 6,
  shutdown = 7,
  shutdown_ack = 8,
  error = 9,
  cookie_echo = 10,
  cookie_ack = 11,
  shutdown_complete = 14,
  i_data = 64,
  reconfig = 130,
  forward_tsn = 192,
  i_forward_tsn = 194,
};
const char* chunk_name(uint8_t type);

//  DATA (RFC 9260 §3.3.1)
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   Type = 0    |  Res  |I|U|B|E|            Length             |
// |                              TSN                              |
// |      Stream Identifier S      |   Stream Sequence Number n    |
// |                  Payload Protocol Identifier                  |
// /                 User Data (seq n of Stream S)                 /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
inline constexpr uint8_t kFlagEnding = 0x01;
inline constexpr uint8_t kFlagBeginning = 0x02;
inline constexpr uint8_t kFlagUnordered = 0x04;
inline constexpr uint8_t kFlagImmediate = 0x08;
inline constexpr size_t kDataHeaderSize = 16;  // chunk header included
struct DataChunk {
  uint32_t tsn = 0;
  uint16_t stream = 0;
  uint16_t ssn = 0;
  uint32_t ppid = 0;
  uint8_t flags = 0;  // kFlag*
  Bytes payload;
  bool beginning() const { return flags & kFlagBeginning; }
  bool ending() const { return flags & kFlagEnding; }
  bool unordered() const { return flags & kFlagUnordered; }
  // Errors: malformed (short, or no user data — §3.3.1 "MUST NOT be zero").
  static Result<DataChunk> parse(const ChunkView& c);
  void write(PacketBuilder& b) const;
};

//  I-DATA (RFC 8260 §2.1)
// |   Type = 64   |  Res  |I|U|B|E|       Length = Variable       |
// |                              TSN                              |
// |        Stream Identifier      |           Reserved            |
// |                      Message Identifier                       |
// |    Payload Protocol Identifier / Fragment Sequence Number     |
// /                           User Data                           /
// (PPID when B is set, FSN otherwise)
inline constexpr size_t kIDataHeaderSize = 20;
struct IDataChunk {
  uint32_t tsn = 0;
  uint16_t stream = 0;
  uint32_t mid = 0;
  uint32_t ppid_or_fsn = 0;
  uint8_t flags = 0;
  Bytes payload;
  static Result<IDataChunk> parse(const ChunkView& c);
  void write(PacketBuilder& b) const;
};

//  INIT / INIT-ACK (RFC 9260 §3.3.2, §3.3.3)
// |   Type = 1/2  |  Chunk Flags  |      Chunk Length             |
// |                         Initiate Tag                          |
// |           Advertised Receiver Window Credit (a_rwnd)          |
// |  Number of Outbound Streams   |  Number of Inbound Streams    |
// |                          Initial TSN                          |
// /              Optional/Variable-Length Parameters              /
struct InitChunk {
  bool ack = false;  // INIT-ACK
  uint32_t initiate_tag = 0;
  uint32_t a_rwnd = 0;
  uint16_t outbound_streams = 0;
  uint16_t inbound_streams = 0;
  uint32_t initial_tsn = 0;
  Bytes params;  // the raw parameter list (parse_init_params)
  // Errors: malformed (short; §3.3.2: initiate tag 0, OS or MIS 0 are
  // protocol violations, reported as malformed here).
  static Result<InitChunk> parse(const ChunkView& c);
  // Writes the fixed part; the caller appends parameters with write_param and
  // then calls b.end_chunk(returned offset).
  size_t begin(PacketBuilder& b) const;
};

//  SACK (RFC 9260 §3.3.4)
// |   Type = 3    |Chunk  Flags   |      Chunk Length             |
// |                      Cumulative TSN Ack                       |
// |          Advertised Receiver Window Credit (a_rwnd)           |
// | Number of Gap Ack Blocks = N  |  Number of Duplicate TSNs = M |
// |    Gap Ack Block #1 Start     |   Gap Ack Block #1 End        |
// /                              ...                              /
// |                       Duplicate TSN 1                         |
// /                              ...                              /
struct GapAckBlock {
  uint16_t start = 0;  // offsets from the cumulative TSN ack
  uint16_t end = 0;
  bool operator==(const GapAckBlock&) const = default;
};
struct SackChunk {
  uint32_t cumulative_tsn_ack = 0;
  uint32_t a_rwnd = 0;
  Bytes gap_raw;  // N * 4 bytes
  Bytes dup_raw;  // M * 4 bytes
  size_t num_gap_blocks() const { return gap_raw.size() / 4; }
  GapAckBlock gap_block(size_t i) const {
    return {load_be16(&gap_raw[4 * i]), load_be16(&gap_raw[4 * i + 2])};
  }
  size_t num_dup_tsns() const { return dup_raw.size() / 4; }
  uint32_t dup_tsn(size_t i) const { return load_be32(&dup_raw[4 * i]); }
  // Errors: malformed (counts disagree with the length).
  static Result<SackChunk> parse(const ChunkView& c);
  static void write(PacketBuilder& b, uint32_t cumulative_tsn_ack, uint32_t a_rwnd,
                    std::span<const GapAckBlock> gaps, std::span<const uint32_t> dups);
};

//  HEARTBEAT / HEARTBEAT-ACK (RFC 9260 §3.3.5, §3.3.6)
// |   Type = 4/5  | Chunk  Flags  |      Heartbeat Length         |
// /            Heartbeat Information TLV (Variable-Length)        /
struct HeartbeatChunk {
  bool ack = false;
  Bytes info;  // the value of the Heartbeat Info parameter (opaque to the receiver)
  // Errors: malformed (no Heartbeat Info parameter).
  static Result<HeartbeatChunk> parse(const ChunkView& c);
  void write(PacketBuilder& b) const;
};

//  ABORT / ERROR (RFC 9260 §3.3.7, §3.3.10)
// |   Type = 6/9  |  Reserved   |T|           Length              |
// /                   zero or more Error Causes                   /
inline constexpr uint8_t kFlagT = 0x01;  // ABORT, SHUTDOWN-COMPLETE: tag reflected
struct AbortChunk {
  bool error = false;  // ERROR (9) instead of ABORT (6)
  bool t_bit = false;
  Bytes causes;
  uint16_t first_cause = 0;
  static Result<AbortChunk> parse(const ChunkView& c);
  void write(PacketBuilder& b) const;
};

//  SHUTDOWN (RFC 9260 §3.3.8)
// |   Type = 7    | Chunk  Flags  |      Length = 8               |
// |                      Cumulative TSN Ack                       |
struct ShutdownChunk {
  uint32_t cumulative_tsn_ack = 0;
  static Result<ShutdownChunk> parse(const ChunkView& c);
  void write(PacketBuilder& b) const;
};

//  SHUTDOWN-ACK (8), COOKIE-ACK (11), SHUTDOWN-COMPLETE (14, T bit):
// |   Type        | Reserved    |T|      Length = 4               |
// Errors: malformed (value not empty).
Result<void> parse_empty_chunk(const ChunkView& c);
void write_empty_chunk(PacketBuilder& b, ChunkType type, uint8_t flags = 0);

//  COOKIE-ECHO (RFC 9260 §3.3.11)
// |   Type = 10   |Chunk  Flags   |         Length                |
// /                     Cookie                                    /
struct CookieEchoChunk {
  Bytes cookie;
  static Result<CookieEchoChunk> parse(const ChunkView& c);
  void write(PacketBuilder& b) const;
};

//  FORWARD-TSN (RFC 3758 §3.2)
// |   Type = 192  |  Flags = 0x00 |        Length = Variable      |
// |                      New Cumulative TSN                       |
// |         Stream-1              |       Stream Sequence-1       |
// /                              ...                              /
struct ForwardTsnStream {
  uint16_t stream = 0;
  uint16_t ssn = 0;
  bool operator==(const ForwardTsnStream&) const = default;
};
struct ForwardTsnChunk {
  uint32_t new_cumulative_tsn = 0;
  Bytes streams_raw;
  size_t num_streams() const { return streams_raw.size() / 4; }
  ForwardTsnStream stream(size_t i) const {
    return {load_be16(&streams_raw[4 * i]), load_be16(&streams_raw[4 * i + 2])};
  }
  static Result<ForwardTsnChunk> parse(const ChunkView& c);
  static void write(PacketBuilder& b, uint32_t new_cumulative_tsn,
                    std::span<const ForwardTsnStream> streams);
};

//  I-FORWARD-TSN (RFC 8260 §2.3)
// |   Type = 194  | Flags = 0x00  |      Length = Variable        |
// |                       New Cumulative TSN                      |
// |       Stream Identifier       |          Reserved           |U|
// |                       Message Identifier                      |
struct IForwardTsnEntry {
  uint16_t stream = 0;
  bool unordered = false;
  uint32_t mid = 0;
  bool operator==(const IForwardTsnEntry&) const = default;
};
struct IForwardTsnChunk {
  uint32_t new_cumulative_tsn = 0;
  Bytes entries_raw;
  size_t num_entries() const { return entries_raw.size() / 8; }
  IForwardTsnEntry entry(size_t i) const {
    return {load_be16(&entries_raw[8 * i]), bool(entries_raw[8 * i + 3] & 1),
            load_be32(&entries_raw[8 * i + 4])};
  }
  static Result<IForwardTsnChunk> parse(const ChunkView& c);
  static void write(PacketBuilder& b, uint32_t new_cumulative_tsn,
                    std::span<const IForwardTsnEntry> entries);
};

//  RE-CONFIG (RFC 6525 §3.1)
// |  Type = 130   |  Chunk Flags  |      Chunk Length             |
// /                  Re-configuration Parameter                   /
// /             Re-configuration Parameter (optional)             /
struct ReconfigChunk {
  Bytes params;  // one or two parameters (ParamIterator)
  // Errors: malformed (no parameter, more than two, bad framing).
  static Result<ReconfigChunk> parse(const ChunkView& c);
};

}  // namespace sansrtc::sctp
