// Implements include/sansrtc/peer_connection_types.h: W3C strings and the
// webrtc-pc §4.3 state aggregation rules.
#include <sansrtc/peer_connection_types.h>

#include <algorithm>

namespace sansrtc {

const char* to_string(SignalingState v) {
  switch (v) {
    case SignalingState::stable: return "stable";
    case SignalingState::have_local_offer: return "have-local-offer";
    case SignalingState::have_remote_offer: return "have-remote-offer";
    case SignalingState::have_local_pranswer: return "have-local-pranswer";
    case SignalingState::have_remote_pranswer: return "have-remote-pranswer";
    case SignalingState::closed: return "closed";
  }
  return "?";
}

const char* to_string(PeerConnectionState v) {
  switch (v) {
    case PeerConnectionState::new_: return "new";
    case PeerConnectionState::connecting: return "connecting";
    case PeerConnectionState::connected: return "connected";
    case PeerConnectionState::disconnected: return "disconnected";
    case PeerConnectionState::failed: return "failed";
    case PeerConnectionState::closed: return "closed";
  }
  return "?";
}

const char* to_string(IceConnectionState v) {
  switch (v) {
    case IceConnectionState::new_: return "new";
    case IceConnectionState::checking: return "checking";
    case IceConnectionState::connected: return "connected";
    case IceConnectionState::completed: return "completed";
    case IceConnectionState::failed: return "failed";
    case IceConnectionState::disconnected: return "disconnected";
    case IceConnectionState::closed: return "closed";
  }
  return "?";
}

const char* to_string(IceGatheringState v) {
  switch (v) {
    case IceGatheringState::new_: return "new";
    case IceGatheringState::gathering: return "gathering";
    case IceGatheringState::complete: return "complete";
  }
  return "?";
}

const char* to_string(IceGathererState v) {
  switch (v) {
    case IceGathererState::new_: return "new";
    case IceGathererState::gathering: return "gathering";
    case IceGathererState::complete: return "complete";
  }
  return "?";
}

const char* to_string(IceTransportState v) {
  switch (v) {
    case IceTransportState::new_: return "new";
    case IceTransportState::checking: return "checking";
    case IceTransportState::connected: return "connected";
    case IceTransportState::completed: return "completed";
    case IceTransportState::disconnected: return "disconnected";
    case IceTransportState::failed: return "failed";
    case IceTransportState::closed: return "closed";
  }
  return "?";
}

const char* to_string(DtlsTransportState v) {
  switch (v) {
    case DtlsTransportState::new_: return "new";
    case DtlsTransportState::connecting: return "connecting";
    case DtlsTransportState::connected: return "connected";
    case DtlsTransportState::closed: return "closed";
    case DtlsTransportState::failed: return "failed";
  }
  return "?";
}

const char* to_string(SctpTransportState v) {
  switch (v) {
    case SctpTransportState::connecting: return "connecting";
    case SctpTransportState::connected: return "connected";
    case SctpTransportState::closed: return "closed";
  }
  return "?";
}

const char* to_string(DataChannelState v) {
  switch (v) {
    case DataChannelState::connecting: return "connecting";
    case DataChannelState::open: return "open";
    case DataChannelState::closing: return "closing";
    case DataChannelState::closed: return "closed";
  }
  return "?";
}

const char* to_string(BundlePolicy v) {
  switch (v) {
    case BundlePolicy::balanced: return "balanced";
    case BundlePolicy::max_compat: return "max-compat";
    case BundlePolicy::max_bundle: return "max-bundle";
  }
  return "?";
}

const char* to_string(IceTransportPolicy v) {
  switch (v) {
    case IceTransportPolicy::all: return "all";
    case IceTransportPolicy::relay: return "relay";
  }
  return "?";
}

const char* to_string(RtcpMuxPolicy v) {
  switch (v) {
    case RtcpMuxPolicy::require: return "require";
    case RtcpMuxPolicy::negotiate: return "negotiate";
  }
  return "?";
}

const char* to_string(SdpType v) {
  switch (v) {
    case SdpType::offer: return "offer";
    case SdpType::pranswer: return "pranswer";
    case SdpType::answer: return "answer";
    case SdpType::rollback: return "rollback";
  }
  return "?";
}

const char* to_string(RtpTransceiverDirection v) {
  switch (v) {
    case RtpTransceiverDirection::sendrecv: return "sendrecv";
    case RtpTransceiverDirection::sendonly: return "sendonly";
    case RtpTransceiverDirection::recvonly: return "recvonly";
    case RtpTransceiverDirection::inactive: return "inactive";
    case RtpTransceiverDirection::stopped: return "stopped";
  }
  return "?";
}

const char* to_string(IceCandidateType v) {
  switch (v) {
    case IceCandidateType::host: return "host";
    case IceCandidateType::srflx: return "srflx";
    case IceCandidateType::prflx: return "prflx";
    case IceCandidateType::relay: return "relay";
  }
  return "?";
}

const char* to_string(IceRole v) {
  switch (v) {
    case IceRole::unknown: return "unknown";
    case IceRole::controlling: return "controlling";
    case IceRole::controlled: return "controlled";
  }
  return "?";
}

const char* to_string(IceComponent v) {
  switch (v) {
    case IceComponent::rtp: return "rtp";
    case IceComponent::rtcp: return "rtcp";
  }
  return "?";
}

const char* to_string(IceProtocol v) {
  switch (v) {
    case IceProtocol::udp: return "udp";
    case IceProtocol::tcp: return "tcp";
  }
  return "?";
}

const char* to_string(IceTcpCandidateType v) {
  switch (v) {
    case IceTcpCandidateType::active: return "active";
    case IceTcpCandidateType::passive: return "passive";
    case IceTcpCandidateType::so: return "so";
  }
  return "?";
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

IceGatheringState aggregate_ice_gathering_state(bool is_closed,
                                                std::span<const IceGathererState> t) {
  // A closed connection keeps its last gathering state in W3C; with no
  // transports left it reads "new".
  if (is_closed || t.empty()) return IceGatheringState::new_;
  auto any = [&](IceGathererState s) { return std::find(t.begin(), t.end(), s) != t.end(); };
  if (any(IceGathererState::gathering)) return IceGatheringState::gathering;
  if (std::all_of(t.begin(), t.end(), [](auto s) { return s == IceGathererState::complete; }))
    return IceGatheringState::complete;
  return IceGatheringState::new_;
}

IceConnectionState aggregate_ice_connection_state(bool is_closed,
                                                  std::span<const IceTransportState> t) {
  using S = IceTransportState;
  auto any = [&](S s) { return std::find(t.begin(), t.end(), s) != t.end(); };
  auto all_in = [&](S a, S b) {
    return std::all_of(t.begin(), t.end(), [&](S s) { return s == a || s == b; });
  };
  if (is_closed) return IceConnectionState::closed;
  if (any(S::failed)) return IceConnectionState::failed;
  if (any(S::disconnected)) return IceConnectionState::disconnected;
  if (all_in(S::new_, S::closed)) return IceConnectionState::new_;  // also "no transports"
  if (any(S::new_) || any(S::checking)) return IceConnectionState::checking;
  if (all_in(S::completed, S::closed)) return IceConnectionState::completed;
  return IceConnectionState::connected;
}

PeerConnectionState aggregate_peer_connection_state(bool is_closed,
                                                    std::span<const IceTransportState> ice,
                                                    std::span<const DtlsTransportState> dtls) {
  using I = IceTransportState;
  using D = DtlsTransportState;
  auto ice_any = [&](I s) { return std::find(ice.begin(), ice.end(), s) != ice.end(); };
  auto dtls_any = [&](D s) { return std::find(dtls.begin(), dtls.end(), s) != dtls.end(); };
  if (is_closed) return PeerConnectionState::closed;
  if (ice_any(I::failed) || dtls_any(D::failed)) return PeerConnectionState::failed;
  if (ice_any(I::disconnected)) return PeerConnectionState::disconnected;
  bool ice_new = std::all_of(ice.begin(), ice.end(), [](I s) { return s == I::new_ || s == I::closed; });
  bool dtls_new = std::all_of(dtls.begin(), dtls.end(), [](D s) { return s == D::new_ || s == D::closed; });
  if (ice_new && dtls_new) return PeerConnectionState::new_;  // also "no transports"
  bool ice_up = std::all_of(ice.begin(), ice.end(), [](I s) {
    return s == I::connected || s == I::completed || s == I::closed;
  });
  bool dtls_up = std::all_of(dtls.begin(), dtls.end(), [](D s) { return s == D::connected || s == D::closed; });
  if (ice_up && dtls_up) return PeerConnectionState::connected;
  return PeerConnectionState::connecting;
}

}  // namespace sansrtc
