#include "sctp/packet/parameters.h"

namespace sansrtc::sctp {

Bytes next_tlv(Bytes& rest, bool& malformed) {
  if (rest.empty() || malformed) return {};
  if (rest.size() < 4) {
    malformed = true;
    return {};
  }
  uint16_t len = load_be16(&rest[2]);
  if (len < 4 || len > rest.size()) {
    malformed = true;
    return {};
  }
  Bytes whole = rest.first(len);
  size_t padded = (size_t(len) + 3) & ~size_t(3);
  rest = padded <= rest.size() ? rest.subspan(padded) : Bytes();
  return whole;
}

std::optional<ParamView> ParamIterator::next() {
  Bytes w = next_tlv(rest_, malformed_);
  if (w.empty()) return std::nullopt;
  ParamView p;
  p.type = load_be16(&w[0]);
  p.whole = w;
  p.value = w.subspan(4);
  return p;
}

size_t begin_param(ByteWriter& w, uint16_t type) {
  size_t at = w.position();
  w.u16(type);
  w.u16(0);
  return at;
}

void end_param(ByteWriter& w, size_t offset) {
  w.patch_u16(offset + 2, uint16_t(w.position() - offset));
  // Padding is relative to the parameter start, which is 4-aligned in every
  // chunk we build.
  size_t len = w.position() - offset;
  if (len % 4) w.zeros(4 - len % 4);
}

void write_param(ByteWriter& w, uint16_t type, Bytes value) {
  size_t at = begin_param(w, type);
  w.bytes(value);
  end_param(w, at);
}

Result<InitParams> parse_init_params(Bytes list) {
  InitParams out;
  ParamIterator it(list);
  bool stopped = false;  // an unknown parameter said to stop: the rest is not looked at
  while (!stopped) {
    auto p = it.next();
    if (!p) break;
    switch (ParamType(p->type)) {
      case ParamType::state_cookie:
        out.state_cookie = p->value;
        break;
      case ParamType::forward_tsn_supported:
        out.forward_tsn_supported = true;
        break;
      case ParamType::supported_extensions:
        for (uint8_t t : p->value) {
          if (t == 192) out.forward_tsn_supported = true;
          if (t == 130) out.reconfig_supported = true;
          if (t == 64) out.i_data_supported = true;
        }
        break;
      case ParamType::zero_checksum_acceptable:
        if (p->value.size() != 4)
          return make_error(Errc::malformed, "sctp: Zero Checksum Acceptable parameter not 8 bytes");
        out.zero_checksum_edmid = load_be32(p->value.data());
        break;
      case ParamType::ipv4_address:
      case ParamType::ipv6_address:
      case ParamType::host_name_address:
      case ParamType::supported_address_types:
      case ParamType::cookie_preservative:
        break;  // recognized, meaningless over DTLS
      default: {
        // RFC 9260 §3.2.1: the upper two bits say whether to go on (the
        // high bit) and whether to report the parameter (the next one):
        // UnknownParamAction, tested bit by bit.
        if ((p->type & 0x4000) && out.num_unrecognized < InitParams::kMaxUnrecognized)
          out.unrecognized[out.num_unrecognized++] = p->whole;
        if (!(p->type & 0x8000)) stopped = true;
        break;
      }
    }
  }
  if (!stopped && it.malformed()) return make_error(Errc::malformed, "sctp: malformed parameter list");
  return out;
}

Result<OutgoingResetRequest> OutgoingResetRequest::parse(Bytes value) {
  if (value.size() < 12 || value.size() % 2)
    return make_error(Errc::malformed, "sctp: Outgoing SSN Reset Request too short or odd");
  OutgoingResetRequest r;
  r.request_seq = load_be32(&value[0]);
  r.response_seq = load_be32(&value[4]);
  r.sender_last_tsn = load_be32(&value[8]);
  r.streams_raw = value.subspan(12);
  return r;
}

void OutgoingResetRequest::write(ByteWriter& w, uint32_t request_seq, uint32_t response_seq,
                                 uint32_t sender_last_tsn, std::span<const StreamId> streams) {
  size_t at = begin_param(w, uint16_t(ParamType::outgoing_ssn_reset_request));
  w.u32(request_seq);
  w.u32(response_seq);
  w.u32(sender_last_tsn);
  for (StreamId s : streams) w.u16(s.value());
  end_param(w, at);
}

Result<IncomingResetRequest> IncomingResetRequest::parse(Bytes value) {
  if (value.size() < 4 || value.size() % 2)
    return make_error(Errc::malformed, "sctp: Incoming SSN Reset Request too short or odd");
  IncomingResetRequest r;
  r.request_seq = load_be32(&value[0]);
  r.streams_raw = value.subspan(4);
  return r;
}

void IncomingResetRequest::write(ByteWriter& w, uint32_t request_seq,
                                 std::span<const StreamId> streams) {
  size_t at = begin_param(w, uint16_t(ParamType::incoming_ssn_reset_request));
  w.u32(request_seq);
  for (StreamId s : streams) w.u16(s.value());
  end_param(w, at);
}

Result<SsnTsnResetRequest> SsnTsnResetRequest::parse(Bytes value) {
  if (value.size() != 4) return make_error(Errc::malformed, "sctp: SSN/TSN Reset Request not 8 bytes");
  return SsnTsnResetRequest{load_be32(value.data())};
}

void SsnTsnResetRequest::write(ByteWriter& w, uint32_t request_seq) {
  size_t at = begin_param(w, uint16_t(ParamType::ssn_tsn_reset_request));
  w.u32(request_seq);
  end_param(w, at);
}

Result<ReconfigResponse> ReconfigResponse::parse(Bytes value) {
  if (value.size() != 8 && value.size() != 16)
    return make_error(Errc::malformed, "sctp: Re-configuration Response must be 12 or 20 bytes");
  ReconfigResponse r;
  r.response_seq = load_be32(&value[0]);
  uint32_t result = load_be32(&value[4]);
  if (result > uint32_t(ReconfigResult::in_progress))
    return make_error(Errc::malformed, "sctp: unknown Re-configuration result");
  r.result = ReconfigResult(result);
  if (value.size() == 16) {
    r.sender_next_tsn = load_be32(&value[8]);
    r.receiver_next_tsn = load_be32(&value[12]);
  }
  return r;
}

void ReconfigResponse::write(ByteWriter& w) const {
  size_t at = begin_param(w, uint16_t(ParamType::reconfiguration_response));
  w.u32(response_seq);
  w.u32(uint32_t(result));
  if (sender_next_tsn && receiver_next_tsn) {
    w.u32(*sender_next_tsn);
    w.u32(*receiver_next_tsn);
  }
  end_param(w, at);
}

Result<AddStreamsRequest> AddStreamsRequest::parse(Bytes value, bool incoming) {
  if (value.size() != 8) return make_error(Errc::malformed, "sctp: Add Streams Request not 12 bytes");
  AddStreamsRequest r;
  r.incoming = incoming;
  r.request_seq = load_be32(&value[0]);
  r.new_streams = load_be16(&value[4]);
  return r;
}

void AddStreamsRequest::write(ByteWriter& w) const {
  size_t at = begin_param(w, uint16_t(incoming ? ParamType::add_incoming_streams_request
                                               : ParamType::add_outgoing_streams_request));
  w.u32(request_seq);
  w.u16(new_streams);
  w.u16(0);
  end_param(w, at);
}

const char* cause_name(uint16_t code) {
  switch (CauseCode(code)) {
    case CauseCode::invalid_stream_identifier: return "invalid stream identifier";
    case CauseCode::missing_mandatory_parameter: return "missing mandatory parameter";
    case CauseCode::stale_cookie: return "stale cookie";
    case CauseCode::out_of_resource: return "out of resource";
    case CauseCode::unresolvable_address: return "unresolvable address";
    case CauseCode::unrecognized_chunk_type: return "unrecognized chunk type";
    case CauseCode::invalid_mandatory_parameter: return "invalid mandatory parameter";
    case CauseCode::unrecognized_parameters: return "unrecognized parameters";
    case CauseCode::no_user_data: return "no user data";
    case CauseCode::cookie_received_while_shutting_down: return "cookie received while shutting down";
    case CauseCode::restart_with_new_addresses: return "restart with new addresses";
    case CauseCode::user_initiated_abort: return "user initiated abort";
    case CauseCode::protocol_violation: return "protocol violation";
  }
  return "unknown cause";
}

void write_cause(ByteWriter& w, CauseCode code, Bytes value) { write_param(w, uint16_t(code), value); }

void write_stale_cookie_cause(ByteWriter& w, uint32_t staleness_us) {
  uint8_t v[4];
  store_be32(v, staleness_us);
  write_cause(w, CauseCode::stale_cookie, Bytes(v, 4));
}

Result<uint16_t> parse_causes(Bytes list) {
  ParamIterator it(list);
  uint16_t first = 0;
  while (auto p = it.next())
    if (!first) first = p->type;
  if (it.malformed()) return make_error(Errc::malformed, "sctp: malformed error cause list");
  return first;
}

}  // namespace sansrtc::sctp
