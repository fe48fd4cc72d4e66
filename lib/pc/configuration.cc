#include "pc/configuration.h"

namespace sansrtc::pc {

Result<std::vector<IceServerUrl>> validate_configuration(const Configuration& config) {
  std::vector<IceServerUrl> out;
  for (const auto& server : config.ice_servers) SANSRTC_TRY(append_ice_server_urls(server, out));
  return out;
}

Result<std::vector<IceServerUrl>> validate_configuration_change(const Configuration& current,
                                                                const Configuration& next,
                                                                bool local_description_set,
                                                                bool is_closed) {
  if (is_closed) return make_error(Errc::closed, "set_configuration: connection is closed");
  // webrtc-pc §4.4.1.3: "If the number of certificates … differs … or any
  // certificate … is different, throw an InvalidModificationError." An empty
  // list means "keep the ones in use" (the W3C default is "not given").
  if (!next.certificates.empty() && next.certificates != current.certificates)
    return make_error(Errc::invalid_state, "set_configuration: certificates cannot change");
  if (next.bundle_policy != current.bundle_policy)
    return make_error(Errc::invalid_state, "set_configuration: bundle_policy cannot change");
  if (next.rtcp_mux_policy != current.rtcp_mux_policy)
    return make_error(Errc::invalid_state, "set_configuration: rtcp_mux_policy cannot change");
  if (local_description_set && next.ice_candidate_pool_size != current.ice_candidate_pool_size)
    return make_error(Errc::invalid_state,
                      "set_configuration: ice_candidate_pool_size cannot change after set_local_description");
  return validate_configuration(next);
}

Result<void> validate_data_channel_init(std::string_view label, const DataChannelInit& init, bool is_closed) {
  if (is_closed) return make_error(Errc::closed, "create_data_channel: connection is closed");
  if (label.size() > 65535)
    return make_error(Errc::invalid_argument, "create_data_channel: label longer than 65535 bytes");
  if (init.protocol.size() > 65535)
    return make_error(Errc::invalid_argument, "create_data_channel: protocol longer than 65535 bytes");
  if (init.max_packet_life_time && init.max_retransmits)
    return make_error(Errc::invalid_argument,
                      "create_data_channel: max_packet_life_time and max_retransmits both set");
  if (init.negotiated && !init.id)
    return make_error(Errc::invalid_argument, "create_data_channel: negotiated without id");
  if (init.id && *init.id == 65535)
    return make_error(Errc::invalid_argument, "create_data_channel: id 65535 is reserved");
  return ok_result();
}

}  // namespace sansrtc::pc
