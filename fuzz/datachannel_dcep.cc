// Fuzz target: the DCEP parser (RFC 8832 §5). Parse → build → reparse: a
// message that parses must rebuild to bytes that parse to the same fields,
// and the rebuilt bytes must equal the input except for the Reliability
// Parameter of reliable channel types (which the receiver ignores).
#include "datachannel/dcep.h"
#include "datachannel/utf8.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

using namespace sansrtc;
using namespace sansrtc::datachannel;

namespace {
void check(bool cond) {
  if (!cond) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Parse under the default (tight) limits and the format's own (wide) ones:
  // tight success implies wide success, and only limits may tell them apart.
  Bytes in(data, size);
  const DcepLimits tight;
  DcepLimits limits;
  limits.max_label_length = 65535;
  limits.max_protocol_length = 65535;
  auto tight_parsed = parse_dcep(in, tight);
  auto parsed = parse_dcep(in, limits);
  if (tight_parsed.ok()) check(parsed.ok());
  if (!tight_parsed.ok()) check(tight_parsed.error().message != nullptr);
  if (parsed.ok() && !tight_parsed.ok()) check(tight_parsed.error().code == Errc::limit_exceeded);
  if (!parsed) {
    check(parsed.error().message != nullptr);
    return 0;
  }
  static uint8_t out[kDataChannelOpenHeaderSize + 2 * 65535];
  if (parsed->type == MessageType::data_channel_ack) {
    auto n = write_data_channel_ack(MutBytes(out, sizeof(out)));
    check(n.ok() && *n == 1 && size == 1 && out[0] == data[0]);
    return 0;
  }
  const DataChannelOpenView& a = parsed->open;
  check(is_valid_utf8(a.label) && is_valid_utf8(a.protocol));
  auto n = write_data_channel_open(MutBytes(out, sizeof(out)), a, limits);
  check(n.ok());
  check(*n == size);
  // Byte-identical except the reliability parameter of reliable types.
  if (reliability_of(a.channel_type) == Reliability::reliable) {
    check(std::memcmp(out, data, 4) == 0 && std::memcmp(out + 8, data + 8, size - 8) == 0);
  } else {
    check(std::memcmp(out, data, size) == 0);
  }
  auto again = parse_dcep(Bytes(out, *n), limits);
  check(again.ok() && again->type == MessageType::data_channel_open);
  const DataChannelOpenView& b = again->open;
  check(a.channel_type == b.channel_type && a.priority == b.priority &&
        a.reliability_parameter == b.reliability_parameter && a.label == b.label &&
        a.protocol == b.protocol);
  // A buffer one byte short must be refused, never overrun.
  auto short_write = write_data_channel_open(MutBytes(out, *n - 1), a, limits);
  check(!short_write.ok() && short_write.error().code == Errc::buffer_too_small);
  return 0;
}
