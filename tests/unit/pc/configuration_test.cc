// RTCConfiguration and RTCDataChannelInit checks (webrtc-pc §4.4.1.3, §6.1).
#include "pc/configuration.h"

#include <catch2/catch.hpp>

#include <string>

using namespace sansrtc;
using namespace sansrtc::pc;

TEST_CASE("a configuration's ICE servers are parsed with their credentials", "[pc][config]") {
  Configuration c;
  c.ice_servers = {IceServer{{"stun:stun.l.example.org:19302"}, "", ""},
                   IceServer{{"turn:u:p@127.0.0.1:3478?transport=udp", "turns:relay.example.org"}, "x", "y"}};
  auto urls = validate_configuration(c);
  REQUIRE(urls.ok());
  REQUIRE(urls->size() == 3);
  CHECK((*urls)[1].username == "u");   // inline wins
  CHECK((*urls)[2].username == "x");   // from the RTCIceServer
  CHECK((*urls)[2].port == 5349);
  c.ice_servers.push_back(IceServer{{"turn:no-creds.example.org"}, "", ""});
  CHECK_FALSE(validate_configuration(c).ok());
}

TEST_CASE("set_configuration may not change fixed members", "[pc][config]") {
  Configuration cur;
  Configuration next = cur;
  CHECK(validate_configuration_change(cur, next, false, false).ok());
  next.bundle_policy = BundlePolicy::max_bundle;
  auto r = validate_configuration_change(cur, next, false, false);
  REQUIRE_FALSE(r.ok());
  CHECK(std::string(r.error().message) == "set_configuration: bundle_policy cannot change");
  next = cur;
  next.rtcp_mux_policy = RtcpMuxPolicy::negotiate;
  CHECK(std::string(validate_configuration_change(cur, next, false, false).error().message) ==
        "set_configuration: rtcp_mux_policy cannot change");
  next = cur;
  next.ice_candidate_pool_size = 4;
  CHECK(validate_configuration_change(cur, next, false, false).ok());
  CHECK(validate_configuration_change(cur, next, true, false).error().code == Errc::invalid_state);
  next = cur;
  next.ice_transport_policy = IceTransportPolicy::relay;  // may change any time
  CHECK(validate_configuration_change(cur, next, true, false).ok());
  next = cur;
  next.certificates.push_back(CertificateHandle{});
  CHECK(std::string(validate_configuration_change(cur, next, false, false).error().message) ==
        "set_configuration: certificates cannot change");
  CHECK(validate_configuration_change(cur, cur, false, true).error().code == Errc::closed);
}

TEST_CASE("createDataChannel argument checks", "[pc][config]") {
  DataChannelInit ok;
  CHECK(validate_data_channel_init("chat", ok, false).ok());
  DataChannelInit both;
  both.max_packet_life_time = 100;
  both.max_retransmits = 3;
  CHECK(std::string(validate_data_channel_init("x", both, false).error().message) ==
        "create_data_channel: max_packet_life_time and max_retransmits both set");
  DataChannelInit neg;
  neg.negotiated = true;
  CHECK(validate_data_channel_init("x", neg, false).error().code == Errc::invalid_argument);
  neg.id = 0;
  CHECK(validate_data_channel_init("x", neg, false).ok());
  neg.id = 65535;
  CHECK(std::string(validate_data_channel_init("x", neg, false).error().message) ==
        "create_data_channel: id 65535 is reserved");
  CHECK(validate_data_channel_init(std::string(65536, 'a'), ok, false).error().code == Errc::invalid_argument);
  CHECK(validate_data_channel_init(std::string(65535, 'a'), ok, false).ok());
  DataChannelInit proto;
  proto.protocol = std::string(65536, 'p');
  CHECK(validate_data_channel_init("x", proto, false).error().code == Errc::invalid_argument);
  CHECK(validate_data_channel_init("x", ok, true).error().code == Errc::closed);
}
