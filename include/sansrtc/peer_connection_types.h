// sansrtc/peer_connection_types.h — the W3C RTCPeerConnection vocabulary.
//
// Every enum and dictionary of the W3C WebRTC 1.0 spec ("webrtc-pc") that the
// PeerConnection API needs, in sansrtc's naming: the `RTC` prefix is dropped
// and values are snake_case (`SignalingState::have_local_offer` for
// "have-local-offer"). `to_string()` of every enumerator returns the exact
// W3C string, so logs, stats JSON and signalling messages use the spec words.
//
// The W3C value "new" is a C++ keyword: it is spelled `new_` everywhere
// (`PeerConnectionState::new_`, `IceConnectionState::new_`, …); to_string()
// still returns "new".
//
// Also here: the aggregation rules of webrtc-pc §4.4.3 (RTCIceGatheringState,
// RTCIceConnectionState, RTCPeerConnectionState), as pure functions of the
// transports' states.
//
// Left out: the obsolete parts of the API (RTCSessionDescription callbacks,
// createDTMFSender on the connection, identity, addStream) and the media
// dictionaries (RTCRtpEncodingParameters, codecs), which arrive with media.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sansrtc {

// RTCSignalingState (webrtc-pc §4.3.1). W3C also lists "closed" for a closed
// connection.
enum class SignalingState : uint8_t {
  stable,
  have_local_offer,
  have_remote_offer,
  have_local_pranswer,
  have_remote_pranswer,
  closed,
};

// RTCPeerConnectionState (webrtc-pc §4.3.3). `new_` is W3C "new".
enum class PeerConnectionState : uint8_t { new_, connecting, connected, disconnected, failed, closed };

// RTCIceConnectionState (webrtc-pc §4.3.2). `new_` is W3C "new".
enum class IceConnectionState : uint8_t {
  new_, checking, connected, completed, failed, disconnected, closed,
};

// RTCIceGatheringState (webrtc-pc §4.3.3). `new_` is W3C "new".
enum class IceGatheringState : uint8_t { new_, gathering, complete };

// RTCIceGathererState (webrtc-pc §5.6): one transport's gathering state.
enum class IceGathererState : uint8_t { new_, gathering, complete };

// RTCIceTransportState (webrtc-pc §5.6): one transport's connectivity state.
enum class IceTransportState : uint8_t {
  new_, checking, connected, completed, disconnected, failed, closed,
};

// RTCDtlsTransportState (webrtc-pc §5.5). `new_` is W3C "new".
enum class DtlsTransportState : uint8_t { new_, connecting, connected, closed, failed };

// RTCSctpTransportState (webrtc-pc §6.1.1).
enum class SctpTransportState : uint8_t { connecting, connected, closed };

// RTCDataChannelState (webrtc-pc §6.2).
enum class DataChannelState : uint8_t { connecting, open, closing, closed };

// RTCBundlePolicy (webrtc-pc §4.2.2).
enum class BundlePolicy : uint8_t { balanced, max_compat, max_bundle };

// RTCIceTransportPolicy (webrtc-pc §4.2.3).
enum class IceTransportPolicy : uint8_t { all, relay };

// RTCRtcpMuxPolicy (webrtc-pc §4.2.4). W3C removed "negotiate" from the spec
// (only "require" remains); the issue asks for both, so it is kept. We treat
// `negotiate` as JSEP (RFC 8829 §4.1.1) describes it: offers carry a=rtcp-mux
// but not a=rtcp-mux-only, and a remote description without a=rtcp-mux is
// accepted (its RTCP would go to a separate component). `require` offers
// a=rtcp-mux-only and rejects a remote description without a=rtcp-mux.
enum class RtcpMuxPolicy : uint8_t { require, negotiate };

// RTCSdpType (webrtc-pc §4.6.1).
enum class SdpType : uint8_t { offer, pranswer, answer, rollback };

// RTCRtpTransceiverDirection (webrtc-pc §5.4).
enum class RtpTransceiverDirection : uint8_t { sendrecv, sendonly, recvonly, inactive, stopped };

// RTCIceCandidateType (webrtc-pc §4.8.1.3).
enum class IceCandidateType : uint8_t { host, srflx, prflx, relay };

// RTCIceRole (webrtc-pc §5.6.3).
enum class IceRole : uint8_t { unknown, controlling, controlled };

// RTCIceComponent (webrtc-pc §5.6.4).
enum class IceComponent : uint8_t { rtp, rtcp };

// RTCIceProtocol (webrtc-pc §4.8.1.2).
enum class IceProtocol : uint8_t { udp, tcp };

// RTCIceTcpCandidateType (webrtc-pc §4.8.1.4).
enum class IceTcpCandidateType : uint8_t { active, passive, so };

// The W3C strings ("have-local-offer", "max-bundle", "new", …). Never null.
const char* to_string(SignalingState v);
const char* to_string(PeerConnectionState v);
const char* to_string(IceConnectionState v);
const char* to_string(IceGatheringState v);
const char* to_string(IceGathererState v);
const char* to_string(IceTransportState v);
const char* to_string(DtlsTransportState v);
const char* to_string(SctpTransportState v);
const char* to_string(DataChannelState v);
const char* to_string(BundlePolicy v);
const char* to_string(IceTransportPolicy v);
const char* to_string(RtcpMuxPolicy v);
const char* to_string(SdpType v);
const char* to_string(RtpTransceiverDirection v);
const char* to_string(IceCandidateType v);
const char* to_string(IceRole v);
const char* to_string(IceComponent v);
const char* to_string(IceProtocol v);
const char* to_string(IceTcpCandidateType v);

// Reads the W3C strings back (exact, case-sensitive, as the IDL enums are);
// nullopt for anything else. These are the ones signalling and command lines
// carry.
std::optional<SdpType> parse_sdp_type(std::string_view s);
std::optional<BundlePolicy> parse_bundle_policy(std::string_view s);
std::optional<IceTransportPolicy> parse_ice_transport_policy(std::string_view s);
std::optional<RtcpMuxPolicy> parse_rtcp_mux_policy(std::string_view s);
std::optional<RtpTransceiverDirection> parse_rtp_transceiver_direction(std::string_view s);

// RTCIceServer (webrtc-pc §4.2.1). `urls` holds stun:, stuns:, turn: and
// turns: URLs (RFC 7064, RFC 7065); TURN URLs need username and credential,
// given here or inline as `turn:USER:PASS@HOST:PORT` (libdatachannel form).
struct IceServer {
  std::vector<std::string> urls;
  std::string username;
  std::string credential;
};

// A certificate the connection uses for DTLS (RTCCertificate). Opaque here:
// the DTLS layer defines it and hands out shared handles.
class Certificate;
using CertificateHandle = std::shared_ptr<const Certificate>;

// RTCConfiguration (webrtc-pc §4.2.1).
struct Configuration {
  std::vector<IceServer> ice_servers;
  IceTransportPolicy ice_transport_policy = IceTransportPolicy::all;
  BundlePolicy bundle_policy = BundlePolicy::balanced;
  RtcpMuxPolicy rtcp_mux_policy = RtcpMuxPolicy::require;
  // Empty: the connection generates an ECDSA P-256 certificate itself.
  std::vector<CertificateHandle> certificates;
  uint8_t ice_candidate_pool_size = 0;  // W3C octet
};

// RTCSessionDescriptionInit (webrtc-pc §4.6.2). For rollback `sdp` is unused;
// an empty `sdp` in set_local_description means "the last one created".
struct SessionDescriptionInit {
  SdpType type = SdpType::offer;
  std::string sdp;
  bool operator==(const SessionDescriptionInit&) const = default;
};

// RTCIceCandidateInit (webrtc-pc §4.8.1). `candidate` is the a= value without
// "a=" ("candidate:…"); empty means end-of-candidates.
struct IceCandidateInit {
  std::string candidate;
  std::optional<std::string> sdp_mid;
  std::optional<uint16_t> sdp_m_line_index;
  std::optional<std::string> username_fragment;
};

// RTCOfferOptions (webrtc-pc §4.2.6; the legacy offerToReceive* are left out).
struct OfferOptions {
  bool ice_restart = false;
};

// RTCDataChannelInit (webrtc-pc §6.1). At most one of max_packet_life_time
// (ms) and max_retransmits may be set; `id` is required when `negotiated`.
struct DataChannelInit {
  bool ordered = true;
  std::optional<uint16_t> max_packet_life_time;
  std::optional<uint16_t> max_retransmits;
  std::string protocol;
  bool negotiated = false;
  std::optional<uint16_t> id;
};

// ---- State aggregation (webrtc-pc §4.3.2, §4.3.3) --------------------------
// Each takes the states of every transport the connection has (after
// bundling, usually one) and whether the connection is closed
// ([[IsClosed]]). An empty span means "no transports".

// RTCIceGatheringState: gathering if any transport gathers; complete when at
// least one exists and all are complete; new otherwise.
IceGatheringState aggregate_ice_gathering_state(bool is_closed,
                                                std::span<const IceGathererState> transports);

// RTCIceConnectionState, first matching row wins:
//   closed       is_closed
//   failed       any transport failed
//   disconnected any transport disconnected
//   new          all transports new or closed, or no transports
//   checking     any transport new or checking
//   completed    all transports completed or closed
//   connected    otherwise
IceConnectionState aggregate_ice_connection_state(bool is_closed,
                                                  std::span<const IceTransportState> transports);

// RTCPeerConnectionState, first matching row wins:
//   closed       is_closed
//   failed       any ICE or DTLS transport failed
//   disconnected any ICE transport disconnected
//   new          all ICE transports new or closed and all DTLS transports new
//                or closed, or no transports
//   connected    all ICE transports connected, completed or closed, and all
//                DTLS transports connected or closed
//   connecting   otherwise
// `ice[i]` and `dtls[i]` need not pair up: each span is simply every
// transport of that kind.
PeerConnectionState aggregate_peer_connection_state(bool is_closed,
                                                    std::span<const IceTransportState> ice,
                                                    std::span<const DtlsTransportState> dtls);

}  // namespace sansrtc
