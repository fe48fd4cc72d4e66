// sctp/packet/parameters.h — TLV parameters and error causes carried in
// INIT, INIT-ACK, HEARTBEAT, RE-CONFIG, ABORT and ERROR chunks.
//
// RFC 9260 §3.2.1 (parameter format, unrecognized-parameter handling by the
// upper two bits), §3.3.2.1 (INIT parameters), §3.3.10 (error causes);
// RFC 3758 §3.1 (Forward-TSN-Supported); RFC 5061 §4.2.7 (Supported
// Extensions); RFC 6525 §4 (re-configuration parameters); RFC 9653 §3
// (Zero Checksum Acceptable).
//
// Leaves out: IPv4/IPv6/host-name address parameters are recognized by type
// but not interpreted (we run over DTLS, RFC 8261 §5); ADD-IP parameters.
#pragma once

#include "base/bytes.h"
#include "base/strong_id.h"
#include <sansrtc/result.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace sansrtc::sctp {

using StreamId = StrongId<struct StreamIdTag, uint16_t>;  // as in sctp/association.h

enum class ParamType : uint16_t {
  heartbeat_info = 1,
  ipv4_address = 5,
  ipv6_address = 6,
  state_cookie = 7,
  unrecognized_parameter = 8,
  cookie_preservative = 9,
  host_name_address = 11,
  supported_address_types = 12,
  outgoing_ssn_reset_request = 13,
  incoming_ssn_reset_request = 14,
  ssn_tsn_reset_request = 15,
  reconfiguration_response = 16,
  add_outgoing_streams_request = 17,
  add_incoming_streams_request = 18,
  zero_checksum_acceptable = 0x8001,
  supported_extensions = 0x8008,
  forward_tsn_supported = 0xC000,
};

//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |        Parameter Type         |       Parameter Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// /                       Parameter Value                         /
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// Error causes (§3.3.10) have the same shape with a Cause Code.
struct ParamView {
  uint16_t type = 0;
  Bytes value;
  Bytes whole;  // header + value, unpadded (for Unrecognized Parameter reports)
};

// The next 4-byte-header TLV (type, flags or type, 16-bit length counting the
// header) of `rest`, whole and unpadded; `rest` moves past it and its padding
// (missing padding after the last one is accepted). Empty at the end, or when
// the list is malformed (then `malformed` is set and stays). One walker for
// chunk lists (RFC 9260 §3.2) and parameter lists (§3.2.1).
Bytes next_tlv(Bytes& rest, bool& malformed);

// Walks a TLV list; next() returns nullopt at the end or when malformed.
class ParamIterator {
 public:
  explicit ParamIterator(Bytes list) : rest_(list) {}
  std::optional<ParamView> next();
  bool malformed() const { return malformed_; }

 private:
  Bytes rest_;
  bool malformed_ = false;
};

// Writes one TLV (padded to 4 bytes).
void write_param(ByteWriter& w, uint16_t type, Bytes value);
inline void write_param(ByteWriter& w, ParamType type, Bytes value) {
  write_param(w, uint16_t(type), value);
}
// Starts a TLV; returns the offset for end_param().
size_t begin_param(ByteWriter& w, uint16_t type);
void end_param(ByteWriter& w, size_t offset);

// RFC 9260 §3.2.1 upper two bits of an unrecognized parameter type.
enum class UnknownParamAction : uint8_t { stop, stop_report, skip, skip_report };
inline UnknownParamAction unknown_param_action(uint16_t type) {
  return UnknownParamAction(type >> 14);
}

// The parameters of INIT and INIT-ACK that the association understands.
struct InitParams {
  std::optional<Bytes> state_cookie;       // INIT-ACK only
  bool forward_tsn_supported = false;      // RFC 3758 §3.1 (or listed in supported extensions)
  bool reconfig_supported = false;         // RE-CONFIG (130) in supported extensions
  bool i_data_supported = false;           // I-DATA (64) in supported extensions
  std::optional<uint32_t> zero_checksum_edmid;  // RFC 9653
  // Unrecognized parameters whose upper bits ask for a report (at most a few, in order).
  static constexpr size_t kMaxUnrecognized = 8;
  Bytes unrecognized[kMaxUnrecognized];
  size_t num_unrecognized = 0;
};
// Errors: malformed (bad TLV framing or a parameter of the wrong size).
Result<InitParams> parse_init_params(Bytes list);

//  Outgoing SSN Reset Request Parameter (RFC 6525 §4.1)
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Parameter Type = 13       | Parameter Length = 16 + 2 * N |
// |           Re-configuration Request Sequence Number            |
// |           Re-configuration Response Sequence Number           |
// |                Sender's Last Assigned TSN                     |
// |  Stream Number 1 (optional)   |    Stream Number 2 (optional) |
// /                            ......                             /
// |  Stream Number N-1 (optional) |    Stream Number N (optional) |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
struct OutgoingResetRequest {
  uint32_t request_seq = 0;
  uint32_t response_seq = 0;
  uint32_t sender_last_tsn = 0;
  Bytes streams_raw;  // N big-endian uint16 stream numbers (empty = all streams)
  size_t num_streams() const { return streams_raw.size() / 2; }
  uint16_t stream(size_t i) const { return load_be16(&streams_raw[2 * i]); }
  static Result<OutgoingResetRequest> parse(Bytes value);
  // Writes the whole parameter; `streams` are host-order stream numbers.
  static void write(ByteWriter& w, uint32_t request_seq, uint32_t response_seq,
                    uint32_t sender_last_tsn, std::span<const StreamId> streams);
};

//  Incoming SSN Reset Request Parameter (RFC 6525 §4.2)
// |     Parameter Type = 14       |  Parameter Length = 8 + 2 * N |
// |          Re-configuration Request Sequence Number             |
// |  Stream Number 1 (optional)   |    Stream Number 2 (optional) |
struct IncomingResetRequest {
  uint32_t request_seq = 0;
  Bytes streams_raw;
  size_t num_streams() const { return streams_raw.size() / 2; }
  uint16_t stream(size_t i) const { return load_be16(&streams_raw[2 * i]); }
  static Result<IncomingResetRequest> parse(Bytes value);
  static void write(ByteWriter& w, uint32_t request_seq, std::span<const StreamId> streams);
};

//  SSN/TSN Reset Request Parameter (RFC 6525 §4.3)
// |     Parameter Type = 15       |      Parameter Length = 8     |
// |         Re-configuration Request Sequence Number              |
struct SsnTsnResetRequest {
  uint32_t request_seq = 0;
  static Result<SsnTsnResetRequest> parse(Bytes value);
  static void write(ByteWriter& w, uint32_t request_seq);
};

//  Re-configuration Response Parameter (RFC 6525 §4.4)
// |     Parameter Type = 16       |      Parameter Length         |
// |         Re-configuration Response Sequence Number             |
// |                            Result                             |
// |                   Sender's Next TSN (optional)                |
// |                  Receiver's Next TSN (optional)               |
enum class ReconfigResult : uint32_t {
  success_nothing_to_do = 0,
  success_performed = 1,
  denied = 2,
  error_wrong_ssn = 3,
  error_request_already_in_progress = 4,
  error_bad_sequence_number = 5,
  in_progress = 6,
};
struct ReconfigResponse {
  uint32_t response_seq = 0;
  ReconfigResult result = ReconfigResult::success_nothing_to_do;
  std::optional<uint32_t> sender_next_tsn;
  std::optional<uint32_t> receiver_next_tsn;
  static Result<ReconfigResponse> parse(Bytes value);
  void write(ByteWriter& w) const;
};

//  Add Outgoing/Incoming Streams Request Parameter (RFC 6525 §4.5, §4.6)
// |     Parameter Type = 17/18    |      Parameter Length = 12    |
// |          Re-configuration Request Sequence Number             |
// |      Number of new streams    |         Reserved              |
struct AddStreamsRequest {
  bool incoming = false;
  uint32_t request_seq = 0;
  uint16_t new_streams = 0;
  static Result<AddStreamsRequest> parse(Bytes value, bool incoming);
  void write(ByteWriter& w) const;
};

// Error cause codes (RFC 9260 §3.3.10; RFC 9260 §3.3.10.13 protocol violation).
enum class CauseCode : uint16_t {
  invalid_stream_identifier = 1,
  missing_mandatory_parameter = 2,
  stale_cookie = 3,
  out_of_resource = 4,
  unresolvable_address = 5,
  unrecognized_chunk_type = 6,
  invalid_mandatory_parameter = 7,
  unrecognized_parameters = 8,
  no_user_data = 9,
  cookie_received_while_shutting_down = 10,
  restart_with_new_addresses = 11,
  user_initiated_abort = 12,
  protocol_violation = 13,
};
const char* cause_name(uint16_t code);

// Writes one error cause (padded).
void write_cause(ByteWriter& w, CauseCode code, Bytes value);
// Stale Cookie Error: Measure of Staleness in microseconds (§3.3.10.3).
void write_stale_cookie_cause(ByteWriter& w, uint32_t staleness_us);
// Checks the causes of an ABORT/ERROR chunk for framing; returns the first
// cause code (0 when there is none). Errors: malformed.
Result<uint16_t> parse_causes(Bytes list);

}  // namespace sansrtc::sctp
