// datachannel/dcep.h — the Data Channel Establishment Protocol codec.
//
// Implements RFC 8832 §5 (DATA_CHANNEL_OPEN and DATA_CHANNEL_ACK wire format,
// §8.2 message types and channel types) and the SCTP Payload Protocol
// Identifiers of RFC 8831 §8 / RFC 8832 §8.1. Parsing yields non-owning views
// over the input; builders serialize into the caller's buffer.
//
// Policy choices (the RFC leaves them open):
//  - Label and Protocol must be valid UTF-8 (RFC 8832 §5.1 calls them UTF-8
//    strings) and no longer than DcepLimits (default 1024 bytes each, the
//    format allows 65535). Longer or invalid ones are rejected with a reason.
//  - An OPEN whose label+protocol do not end exactly at the end of the
//    message is rejected ("trailing bytes"); an ACK must be exactly 1 byte.
//  - For reliable channel types the Reliability Parameter "MUST be ignored
//    on the receiving side" (§5.1): the parser reports it as 0, so a parsed
//    message rebuilds to the same fields.
// Left out: nothing of the wire format; the channel state machine lives in
// data_channel_manager.h.
#pragma once

#include "base/bytes.h"

#include <sansrtc/result.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sansrtc::datachannel {

// RFC 8832 §8.2.1. 0x00, 0x01 and 0xFF are reserved; the rest unassigned.
enum class MessageType : uint8_t {
  data_channel_ack = 0x02,
  data_channel_open = 0x03,
};

// RFC 8832 §5.1 / §8.2.2. Bit 0x80 means unordered; the low bits pick the
// reliability kind.
enum class ChannelType : uint8_t {
  reliable = 0x00,
  reliable_unordered = 0x80,
  partial_reliable_rexmit = 0x01,
  partial_reliable_rexmit_unordered = 0x81,
  partial_reliable_timed = 0x02,
  partial_reliable_timed_unordered = 0x82,
};

enum class Reliability : uint8_t {
  reliable,          // retransmit until acknowledged
  max_retransmits,   // reliability parameter = number of retransmissions
  max_lifetime,      // reliability parameter = lifetime in milliseconds
};

bool is_known_channel_type(uint8_t v);
constexpr bool is_ordered(ChannelType t) { return (static_cast<uint8_t>(t) & 0x80) == 0; }
constexpr Reliability reliability_of(ChannelType t) {
  switch (static_cast<uint8_t>(t) & 0x7f) {
    case 0x01: return Reliability::max_retransmits;
    case 0x02: return Reliability::max_lifetime;
    default: return Reliability::reliable;
  }
}
constexpr ChannelType make_channel_type(bool ordered, Reliability r) {
  uint8_t v = r == Reliability::max_retransmits ? 0x01 : r == Reliability::max_lifetime ? 0x02 : 0x00;
  return static_cast<ChannelType>(ordered ? v : uint8_t(v | 0x80));
}
const char* channel_type_name(ChannelType t);

// Priorities as the W3C API maps RTCPriorityType (RFC 8831 §6.4 leaves the
// scale to the implementation; these are the values browsers send).
inline constexpr uint16_t kPriorityVeryLow = 128;
inline constexpr uint16_t kPriorityLow = 256;   // the default
inline constexpr uint16_t kPriorityMedium = 512;
inline constexpr uint16_t kPriorityHigh = 1024;

// SCTP Payload Protocol Identifiers, RFC 8831 §8 and RFC 8832 §8.1.
enum class Ppid : uint32_t {
  dcep = 50,
  string = 51,
  string_partial = 52,   // deprecated: receive only (see DataChannelManager)
  binary = 53,
  binary_partial = 54,   // deprecated: receive only
  string_empty = 56,
  binary_empty = 57,
};
bool is_data_channel_ppid(uint32_t v);

struct DcepLimits {
  // The wire format allows up to 65535 bytes each.
  uint16_t max_label_length = 1024;
  uint16_t max_protocol_length = 1024;
};

// A parsed DATA_CHANNEL_OPEN: the string views point into the parsed input
// and live as long as it does. Also the input to write_data_channel_open().
struct DataChannelOpenView {
  ChannelType channel_type = ChannelType::reliable;
  uint16_t priority = kPriorityLow;
  uint32_t reliability_parameter = 0;
  std::string_view label;
  std::string_view protocol;
};

// One parsed DCEP message: `open` is meaningful only when type is
// data_channel_open.
struct DcepMessage {
  MessageType type;
  DataChannelOpenView open;
};

inline constexpr size_t kDataChannelOpenHeaderSize = 12;
inline constexpr size_t kDataChannelAckSize = 1;
constexpr size_t data_channel_open_size(size_t label_len, size_t protocol_len) {
  return kDataChannelOpenHeaderSize + label_len + protocol_len;
}

// Parses a DCEP message (an SCTP user message with PPID 50). Errors (all
// with a static reason): malformed — empty, unknown message type, truncated
// header, label/protocol lengths running past the end, trailing bytes, an
// unknown channel type, label or protocol not UTF-8; limit_exceeded — label
// or protocol longer than `limits`.
// The checks an OPEN passes on either side, in one place: a known channel
// type, then label/protocol within `limits` (limit_exceeded), then valid
// UTF-8. `bad` is the code for a wrong type or bad UTF-8 (parse_dcep uses
// malformed, write_data_channel_open and the manager invalid_argument).
Result<void> check_data_channel_open(const DataChannelOpenView& open, const DcepLimits& limits, Errc bad);

Result<DcepMessage> parse_dcep(Bytes in, const DcepLimits& limits = {});

// Serializes an OPEN into `out` and returns its length. For reliable channel
// types the reliability parameter is written as 0 ("MUST be set to 0 on the
// sending side", RFC 8832 §5.1). Errors: invalid_argument — label/protocol
// not UTF-8; limit_exceeded — longer than `limits`; buffer_too_small.
Result<size_t> write_data_channel_open(MutBytes out, const DataChannelOpenView& open,
                                       const DcepLimits& limits = {});
// Serializes an ACK (1 byte). Errors: buffer_too_small.
Result<size_t> write_data_channel_ack(MutBytes out);

}  // namespace sansrtc::datachannel
