// W3C enum strings and the state aggregation tables of webrtc-pc §4.3.
#include <sansrtc/peer_connection_types.h>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace sansrtc;

TEST_CASE("every enum prints its W3C string", "[pc][types]") {
  CHECK(std::string(to_string(SignalingState::have_local_pranswer)) == "have-local-pranswer");
  CHECK(std::string(to_string(SignalingState::have_remote_offer)) == "have-remote-offer");
  CHECK(std::string(to_string(SignalingState::closed)) == "closed");
  CHECK(std::string(to_string(PeerConnectionState::new_)) == "new");
  CHECK(std::string(to_string(IceConnectionState::new_)) == "new");
  CHECK(std::string(to_string(IceConnectionState::completed)) == "completed");
  CHECK(std::string(to_string(IceGatheringState::complete)) == "complete");
  CHECK(std::string(to_string(IceTransportState::disconnected)) == "disconnected");
  CHECK(std::string(to_string(DtlsTransportState::new_)) == "new");
  CHECK(std::string(to_string(SctpTransportState::connecting)) == "connecting");
  CHECK(std::string(to_string(DataChannelState::closing)) == "closing");
  CHECK(std::string(to_string(BundlePolicy::max_compat)) == "max-compat");
  CHECK(std::string(to_string(BundlePolicy::max_bundle)) == "max-bundle");
  CHECK(std::string(to_string(IceTransportPolicy::relay)) == "relay");
  CHECK(std::string(to_string(RtcpMuxPolicy::negotiate)) == "negotiate");
  CHECK(std::string(to_string(SdpType::pranswer)) == "pranswer");
  CHECK(std::string(to_string(RtpTransceiverDirection::stopped)) == "stopped");
  CHECK(std::string(to_string(IceCandidateType::srflx)) == "srflx");
  CHECK(std::string(to_string(IceRole::controlled)) == "controlled");
  CHECK(std::string(to_string(IceComponent::rtcp)) == "rtcp");
  CHECK(std::string(to_string(IceProtocol::tcp)) == "tcp");
  CHECK(std::string(to_string(IceTcpCandidateType::so)) == "so");
}

TEST_CASE("W3C strings parse back", "[pc][types]") {
  CHECK(parse_sdp_type("rollback") == SdpType::rollback);
  CHECK(parse_sdp_type("Offer") == std::nullopt);  // IDL enums are case-sensitive
  CHECK(parse_bundle_policy("max-bundle") == BundlePolicy::max_bundle);
  CHECK(parse_bundle_policy("max_bundle") == std::nullopt);
  CHECK(parse_ice_transport_policy("relay") == IceTransportPolicy::relay);
  CHECK(parse_rtcp_mux_policy("negotiate") == RtcpMuxPolicy::negotiate);
  CHECK(parse_rtp_transceiver_direction("recvonly") == RtpTransceiverDirection::recvonly);
  CHECK(parse_rtp_transceiver_direction("") == std::nullopt);
}

namespace {
using I = IceTransportState;
using D = DtlsTransportState;
IceConnectionState ice(bool closed, std::vector<I> t) { return aggregate_ice_connection_state(closed, t); }
PeerConnectionState pcs(bool closed, std::vector<I> i, std::vector<D> d) {
  return aggregate_peer_connection_state(closed, i, d);
}
}  // namespace

// webrtc-pc §4.3.2 RTCIceConnectionState, one check per row (first match wins).
TEST_CASE("RTCIceConnectionState aggregation, row by row", "[pc][types]") {
  // closed: [[IsClosed]] is true (whatever the transports say).
  CHECK(ice(true, {I::failed, I::connected}) == IceConnectionState::closed);
  // failed: any transport failed (even next to a disconnected one).
  CHECK(ice(false, {I::failed, I::disconnected}) == IceConnectionState::failed);
  CHECK(ice(false, {I::connected, I::failed}) == IceConnectionState::failed);
  // disconnected: any disconnected, none failed.
  CHECK(ice(false, {I::connected, I::disconnected}) == IceConnectionState::disconnected);
  CHECK(ice(false, {I::checking, I::disconnected}) == IceConnectionState::disconnected);
  // new: all new or closed, or no transports.
  CHECK(ice(false, {}) == IceConnectionState::new_);
  CHECK(ice(false, {I::new_, I::closed}) == IceConnectionState::new_);
  CHECK(ice(false, {I::closed}) == IceConnectionState::new_);
  // checking: any new or checking (and not all new/closed).
  CHECK(ice(false, {I::new_, I::connected}) == IceConnectionState::checking);
  CHECK(ice(false, {I::checking}) == IceConnectionState::checking);
  CHECK(ice(false, {I::checking, I::completed}) == IceConnectionState::checking);
  // completed: all completed or closed.
  CHECK(ice(false, {I::completed, I::closed}) == IceConnectionState::completed);
  CHECK(ice(false, {I::completed}) == IceConnectionState::completed);
  // connected: none of the above.
  CHECK(ice(false, {I::connected}) == IceConnectionState::connected);
  CHECK(ice(false, {I::connected, I::completed}) == IceConnectionState::connected);
  CHECK(ice(false, {I::connected, I::closed}) == IceConnectionState::connected);
}

// webrtc-pc §4.3.3 RTCPeerConnectionState, one check per row.
TEST_CASE("RTCPeerConnectionState aggregation, row by row", "[pc][types]") {
  // closed
  CHECK(pcs(true, {I::failed}, {D::failed}) == PeerConnectionState::closed);
  // failed: any ICE or DTLS transport failed.
  CHECK(pcs(false, {I::failed}, {D::connected}) == PeerConnectionState::failed);
  CHECK(pcs(false, {I::connected}, {D::failed}) == PeerConnectionState::failed);
  CHECK(pcs(false, {I::disconnected}, {D::failed}) == PeerConnectionState::failed);
  // disconnected: any ICE transport disconnected.
  CHECK(pcs(false, {I::disconnected}, {D::connected}) == PeerConnectionState::disconnected);
  CHECK(pcs(false, {I::disconnected, I::connected}, {D::connecting}) == PeerConnectionState::disconnected);
  // new: all ICE and DTLS new or closed, or no transports.
  CHECK(pcs(false, {}, {}) == PeerConnectionState::new_);
  CHECK(pcs(false, {I::new_}, {D::new_}) == PeerConnectionState::new_);
  CHECK(pcs(false, {I::new_, I::closed}, {D::closed}) == PeerConnectionState::new_);
  // connected: ICE connected/completed/closed and DTLS connected/closed.
  CHECK(pcs(false, {I::connected}, {D::connected}) == PeerConnectionState::connected);
  CHECK(pcs(false, {I::completed, I::closed}, {D::connected, D::closed}) == PeerConnectionState::connected);
  // connecting: otherwise.
  CHECK(pcs(false, {I::checking}, {D::new_}) == PeerConnectionState::connecting);
  CHECK(pcs(false, {I::connected}, {D::new_}) == PeerConnectionState::connecting);
  CHECK(pcs(false, {I::connected}, {D::connecting}) == PeerConnectionState::connecting);
  CHECK(pcs(false, {I::new_}, {D::connecting}) == PeerConnectionState::connecting);
}

// webrtc-pc §4.3.3 RTCIceGatheringState.
TEST_CASE("RTCIceGatheringState aggregation, row by row", "[pc][types]") {
  using G = IceGathererState;
  auto agg = [](std::vector<G> t) { return aggregate_ice_gathering_state(false, t); };
  CHECK(agg({}) == IceGatheringState::new_);                         // no transports
  CHECK(agg({G::new_, G::complete}) == IceGatheringState::new_);     // any new, none gathering
  CHECK(agg({G::new_, G::gathering}) == IceGatheringState::gathering);
  CHECK(agg({G::complete, G::gathering}) == IceGatheringState::gathering);
  CHECK(agg({G::complete, G::complete}) == IceGatheringState::complete);
}
