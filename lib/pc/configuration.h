// pc/configuration.h — the checks webrtc-pc runs on RTCConfiguration and
// RTCDataChannelInit before anything touches a transport.
//
//   validate_configuration          webrtc-pc §4.4.1.3 "set a configuration",
//                                   steps on iceServers (URL syntax, TURN credentials)
//   validate_configuration_change   the same algorithm's rules for
//                                   setConfiguration on a live connection:
//                                   certificates, bundlePolicy and rtcpMuxPolicy
//                                   never change; iceCandidatePoolSize is fixed once
//                                   a local description is set
//   validate_data_channel_init      webrtc-pc §6.1 createDataChannel steps
//
// Left out: the certificate expiry check (certificates are opaque here; the
// DTLS layer checks them) and stream-id allocation (datachannel layer).
#pragma once

#include "pc/ice_server_url.h"

#include <sansrtc/peer_connection_types.h>
#include <sansrtc/result.h>

#include <string_view>
#include <vector>

namespace sansrtc::pc {

// Every ICE server URL of `config`, parsed and with credentials applied.
// Errors: those of expand_ice_server().
Result<std::vector<IceServerUrl>> validate_configuration(const Configuration& config);

// Checks that `next` may replace `current` (W3C InvalidModificationError
// cases return Errc::invalid_state):
//   "set_configuration: certificates cannot change"
//   "set_configuration: bundle_policy cannot change"
//   "set_configuration: rtcp_mux_policy cannot change"
//   "set_configuration: ice_candidate_pool_size cannot change after set_local_description"
// plus validate_configuration(next)'s errors. `is_closed` gives Errc::closed.
Result<std::vector<IceServerUrl>> validate_configuration_change(const Configuration& current,
                                                                const Configuration& next,
                                                                bool local_description_set,
                                                                bool is_closed);

// webrtc-pc §6.1 createDataChannel (W3C TypeError → Errc::invalid_argument):
//   "create_data_channel: label longer than 65535 bytes"
//   "create_data_channel: protocol longer than 65535 bytes"
//   "create_data_channel: max_packet_life_time and max_retransmits both set"
//   "create_data_channel: negotiated without id"
//   "create_data_channel: id 65535 is reserved"
// and Errc::closed ("create_data_channel: connection is closed").
Result<void> validate_data_channel_init(std::string_view label, const DataChannelInit& init,
                                        bool is_closed);

}  // namespace sansrtc::pc
