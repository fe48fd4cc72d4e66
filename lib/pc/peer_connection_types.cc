// Implements include/sansrtc/peer_connection_types.h: W3C strings and the
// webrtc-pc §4.3 state aggregation rules.
#include <sansrtc/peer_connection_types.h>

#include <cstring>

namespace sansrtc {

namespace {

// The `i`-th of `n` NUL-separated names in `packed` ("?" when out of
// range): one string per enum instead of a switch with a literal per case.
const char* nth_name(const char* packed, unsigned i, unsigned n) {
  if (i >= n) return "?";
  while (i--) packed += std::strlen(packed) + 1;
  return packed;
}

}  // namespace

const char* to_string(SignalingState v) {
  return nth_name("stable\0have-local-offer\0have-remote-offer\0have-local-pranswer\0have-remote-pranswer\0closed", unsigned(v), 6);
}
const char* to_string(PeerConnectionState v) {
  return nth_name("new\0connecting\0connected\0disconnected\0failed\0closed", unsigned(v), 6);
}
const char* to_string(IceConnectionState v) {
  return nth_name("new\0checking\0connected\0completed\0failed\0disconnected\0closed", unsigned(v), 7);
}
const char* to_string(IceGatheringState v) {
  return nth_name("new\0gathering\0complete", unsigned(v), 3);
}
const char* to_string(IceGathererState v) {
  return nth_name("new\0gathering\0complete", unsigned(v), 3);
}
const char* to_string(IceTransportState v) {
  return nth_name("new\0checking\0connected\0completed\0disconnected\0failed\0closed", unsigned(v), 7);
}
const char* to_string(DtlsTransportState v) {
  return nth_name("new\0connecting\0connected\0closed\0failed", unsigned(v), 5);
}
const char* to_string(SctpTransportState v) {
  return nth_name("connecting\0connected\0closed", unsigned(v), 3);
}
const char* to_string(DataChannelState v) {
  return nth_name("connecting\0open\0closing\0closed", unsigned(v), 4);
}
const char* to_string(BundlePolicy v) {
  return nth_name("balanced\0max-compat\0max-bundle", unsigned(v), 3);
}
const char* to_string(IceTransportPolicy v) {
  return nth_name("all\0relay", unsigned(v), 2);
}
const char* to_string(RtcpMuxPolicy v) {
  return nth_name("require\0negotiate", unsigned(v), 2);
}
const char* to_string(SdpType v) {
  return nth_name("offer\0pranswer\0answer\0rollback", unsigned(v), 4);
}
const char* to_string(RtpTransceiverDirection v) {
  return nth_name("sendrecv\0sendonly\0recvonly\0inactive\0stopped", unsigned(v), 5);
}
const char* to_string(IceCandidateType v) {
  return nth_name("host\0srflx\0prflx\0relay", unsigned(v), 4);
}
const char* to_string(IceRole v) {
  return nth_name("unknown\0controlling\0controlled", unsigned(v), 3);
}
const char* to_string(IceComponent v) {
  return nth_name("rtp\0rtcp", unsigned(v), 2);
}
const char* to_string(IceProtocol v) {
  return nth_name("udp\0tcp", unsigned(v), 2);
}
const char* to_string(IceTcpCandidateType v) {
  return nth_name("active\0passive\0so", unsigned(v), 3);
}

namespace {
template <class E, size_t N>
std::optional<E> parse_enum(std::string_view s, const E (&values)[N]) {
  for (E v : values) {
    if (s == to_string(v)) return v;
  }
  return std::nullopt;
}
}  // namespace

std::optional<SdpType> parse_sdp_type(std::string_view s) {
  static constexpr SdpType kAll[] = {SdpType::offer, SdpType::pranswer, SdpType::answer,
                                     SdpType::rollback};
  return parse_enum(s, kAll);
}

std::optional<BundlePolicy> parse_bundle_policy(std::string_view s) {
  static constexpr BundlePolicy kAll[] = {BundlePolicy::balanced, BundlePolicy::max_compat,
                                          BundlePolicy::max_bundle};
  return parse_enum(s, kAll);
}

std::optional<IceTransportPolicy> parse_ice_transport_policy(std::string_view s) {
  static constexpr IceTransportPolicy kAll[] = {IceTransportPolicy::all, IceTransportPolicy::relay};
  return parse_enum(s, kAll);
}

std::optional<RtcpMuxPolicy> parse_rtcp_mux_policy(std::string_view s) {
  static constexpr RtcpMuxPolicy kAll[] = {RtcpMuxPolicy::require, RtcpMuxPolicy::negotiate};
  return parse_enum(s, kAll);
}

std::optional<RtpTransceiverDirection> parse_rtp_transceiver_direction(std::string_view s) {
  static constexpr RtpTransceiverDirection kAll[] = {
      RtpTransceiverDirection::sendrecv, RtpTransceiverDirection::sendonly,
      RtpTransceiverDirection::recvonly, RtpTransceiverDirection::inactive,
      RtpTransceiverDirection::stopped};
  return parse_enum(s, kAll);
}

namespace {

// The states present in `t` as a bit set (1 << state); the enums are uint8_t.
unsigned state_set(const void* t, size_t n) {
  unsigned m = 0;
  for (size_t i = 0; i < n; ++i) m |= 1u << static_cast<const uint8_t*>(t)[i];
  return m;
}
template <class E>
unsigned state_set(std::span<const E> t) {
  static_assert(sizeof(E) == 1);
  return state_set(t.data(), t.size());
}
template <class... E>
constexpr unsigned bits(E... e) {
  return ((1u << unsigned(e)) | ...);
}

}  // namespace

IceGatheringState aggregate_ice_gathering_state(bool is_closed,
                                                std::span<const IceGathererState> t) {
  using S = IceGathererState;
  // A closed connection keeps its last gathering state in W3C; with no
  // transports left it reads "new".
  if (is_closed || t.empty()) return IceGatheringState::new_;
  const unsigned m = state_set(t);
  if (m & bits(S::gathering)) return IceGatheringState::gathering;
  if (m == bits(S::complete)) return IceGatheringState::complete;
  return IceGatheringState::new_;
}

IceConnectionState aggregate_ice_connection_state(bool is_closed,
                                                  std::span<const IceTransportState> t) {
  using S = IceTransportState;
  if (is_closed) return IceConnectionState::closed;
  const unsigned m = state_set(t);
  if (m & bits(S::failed)) return IceConnectionState::failed;
  if (m & bits(S::disconnected)) return IceConnectionState::disconnected;
  if (!(m & ~bits(S::new_, S::closed))) return IceConnectionState::new_;  // also "no transports"
  if (m & bits(S::new_, S::checking)) return IceConnectionState::checking;
  if (!(m & ~bits(S::completed, S::closed))) return IceConnectionState::completed;
  return IceConnectionState::connected;
}

PeerConnectionState aggregate_peer_connection_state(bool is_closed,
                                                    std::span<const IceTransportState> ice,
                                                    std::span<const DtlsTransportState> dtls) {
  using I = IceTransportState;
  using D = DtlsTransportState;
  if (is_closed) return PeerConnectionState::closed;
  const unsigned mi = state_set(ice), md = state_set(dtls);
  if ((mi & bits(I::failed)) || (md & bits(D::failed))) return PeerConnectionState::failed;
  if (mi & bits(I::disconnected)) return PeerConnectionState::disconnected;
  if (!(mi & ~bits(I::new_, I::closed)) && !(md & ~bits(D::new_, D::closed)))
    return PeerConnectionState::new_;  // also "no transports"
  if (!(mi & ~bits(I::connected, I::completed, I::closed)) && !(md & ~bits(D::connected, D::closed)))
    return PeerConnectionState::connected;
  return PeerConnectionState::connecting;
}

}  // namespace sansrtc
