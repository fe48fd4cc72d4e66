#include "datachannel/dcep.h"

#include "datachannel/utf8.h"

#include <cstring>

namespace sansrtc::datachannel {

bool is_known_channel_type(uint8_t v) {
  switch (v) {
    case 0x00: case 0x80: case 0x01: case 0x81: case 0x02: case 0x82: return true;
    default: return false;
  }
}

const char* channel_type_name(ChannelType t) {
  switch (t) {
    case ChannelType::reliable: return "reliable";
    case ChannelType::reliable_unordered: return "reliable_unordered";
    case ChannelType::partial_reliable_rexmit: return "partial_reliable_rexmit";
    case ChannelType::partial_reliable_rexmit_unordered: return "partial_reliable_rexmit_unordered";
    case ChannelType::partial_reliable_timed: return "partial_reliable_timed";
    case ChannelType::partial_reliable_timed_unordered: return "partial_reliable_timed_unordered";
  }
  return "unknown";
}

bool is_data_channel_ppid(uint32_t v) {
  switch (v) {
    case 50: case 51: case 52: case 53: case 54: case 56: case 57: return true;
    default: return false;
  }
}

Result<void> check_data_channel_open(const DataChannelOpenView& open, const DcepLimits& limits, Errc bad) {
  if (!is_known_channel_type(static_cast<uint8_t>(open.channel_type)))
    return make_error(bad, "dcep: unknown channel type");
  if (open.label.size() > limits.max_label_length)
    return make_error(Errc::limit_exceeded, "dcep: label longer than the configured limit");
  if (open.protocol.size() > limits.max_protocol_length)
    return make_error(Errc::limit_exceeded, "dcep: protocol longer than the configured limit");
  if (!is_valid_utf8(open.label)) return make_error(bad, "dcep: label is not valid UTF-8");
  if (!is_valid_utf8(open.protocol)) return make_error(bad, "dcep: protocol is not valid UTF-8");
  return ok_result();
}

/* RFC 8832 §5.1, DATA_CHANNEL_OPEN:

       0                   1                   2                   3
       0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
      |  Message Type |  Channel Type |            Priority           |
      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
      |                    Reliability Parameter                      |
      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
      |         Label Length          |       Protocol Length         |
      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
      \                                                               /
      |                             Label                             |
      /                                                               \
      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
      \                                                               /
      |                            Protocol                           |
      /                                                               \
      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

   RFC 8832 §5.2, DATA_CHANNEL_ACK:

       0 1 2 3 4 5 6 7
      +-+-+-+-+-+-+-+-+
      |  Message Type |
      +-+-+-+-+-+-+-+-+
*/
Result<DcepMessage> parse_dcep(Bytes in, const DcepLimits& limits) {
  if (in.empty()) return make_error(Errc::malformed, "dcep: empty message");
  const uint8_t type = in[0];
  if (type == static_cast<uint8_t>(MessageType::data_channel_ack)) {
    if (in.size() != kDataChannelAckSize)
      return make_error(Errc::malformed, "dcep: DATA_CHANNEL_ACK longer than 1 byte");
    return DcepMessage{MessageType::data_channel_ack, {}};
  }
  if (type != static_cast<uint8_t>(MessageType::data_channel_open))
    return make_error(Errc::malformed, "dcep: unknown message type");

  // The fixed header is read in place once its size is checked.
  if (in.size() < kDataChannelOpenHeaderSize)
    return make_error(Errc::malformed, "dcep: DATA_CHANNEL_OPEN shorter than its 12-byte header");
  const size_t label_length = load_be16(&in[8]);
  const size_t protocol_length = load_be16(&in[10]);
  const size_t rest = in.size() - kDataChannelOpenHeaderSize;
  if (label_length + protocol_length > rest)
    return make_error(Errc::malformed, "dcep: label/protocol lengths run past the end of DATA_CHANNEL_OPEN");
  if (label_length + protocol_length < rest)
    return make_error(Errc::malformed, "dcep: trailing bytes after the DATA_CHANNEL_OPEN protocol");
  DataChannelOpenView open;
  open.channel_type = static_cast<ChannelType>(in[1]);
  open.priority = load_be16(&in[2]);
  // "For reliable channels (ordered or unordered), this field MUST be set to
  // 0 on the sending side and MUST be ignored on the receiving side."
  open.reliability_parameter = reliability_of(open.channel_type) == Reliability::reliable ? 0 : load_be32(&in[4]);
  open.label = as_string_view(in.subspan(kDataChannelOpenHeaderSize, label_length));
  open.protocol = as_string_view(in.subspan(kDataChannelOpenHeaderSize + label_length, protocol_length));
  SANSRTC_TRY(check_data_channel_open(open, limits, Errc::malformed));
  return DcepMessage{MessageType::data_channel_open, open};
}

Result<size_t> write_data_channel_open(MutBytes out, const DataChannelOpenView& open,
                                       const DcepLimits& limits) {
  SANSRTC_TRY(check_data_channel_open(open, limits, Errc::invalid_argument));
  const size_t n = data_channel_open_size(open.label.size(), open.protocol.size());
  if (out.size() < n) return make_error(Errc::buffer_too_small, "dcep: buffer too small for DATA_CHANNEL_OPEN");
  // Written in place once the size is checked.
  uint8_t* p = out.data();
  p[0] = static_cast<uint8_t>(MessageType::data_channel_open);
  p[1] = static_cast<uint8_t>(open.channel_type);
  store_be16(p + 2, open.priority);
  store_be32(p + 4, reliability_of(open.channel_type) == Reliability::reliable ? 0 : open.reliability_parameter);
  store_be16(p + 8, static_cast<uint16_t>(open.label.size()));
  store_be16(p + 10, static_cast<uint16_t>(open.protocol.size()));
  if (!open.label.empty()) std::memcpy(p + kDataChannelOpenHeaderSize, open.label.data(), open.label.size());
  if (!open.protocol.empty())
    std::memcpy(p + kDataChannelOpenHeaderSize + open.label.size(), open.protocol.data(), open.protocol.size());
  return n;
}

Result<size_t> write_data_channel_ack(MutBytes out) {
  if (out.empty()) return make_error(Errc::buffer_too_small, "dcep: buffer too small for DATA_CHANNEL_ACK");
  out[0] = static_cast<uint8_t>(MessageType::data_channel_ack);
  return kDataChannelAckSize;
}

}  // namespace sansrtc::datachannel
