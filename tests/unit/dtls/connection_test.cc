// Our client against our server, in memory: the handshake transcript, keys,
// application data, and the adversarial cases of issue 4.
#include "unit/dtls/dtls_test_util.h"

#include <catch2/catch.hpp>

#include <cstring>

using namespace sansrtc;
using namespace sansrtc::dtls;
using namespace sansrtc::dtls::test;

namespace {
struct World {
  SeededRng rng{42};
  std::unique_ptr<Identity> alice = make_identity(rng, "alice");
  std::unique_ptr<Identity> bob = make_identity(rng, "bob");
};
World& world() {
  static World w;
  return w;
}
}  // namespace

TEST_CASE("client and server complete a handshake for every suite and SRTP profile") {
  auto& w = world();
  for (CipherSuite suite : {CipherSuite::ecdhe_ecdsa_aes128_gcm_sha256, CipherSuite::ecdhe_ecdsa_aes256_gcm_sha384,
                            CipherSuite::ecdhe_ecdsa_chacha20_poly1305_sha256}) {
    for (SrtpProfile profile : {SrtpProfile::aead_aes_128_gcm, SrtpProfile::aead_aes_256_gcm,
                                SrtpProfile::aes128_cm_hmac_sha1_80, SrtpProfile::aes128_cm_hmac_sha1_32}) {
      for (bool x25519 : {true, false}) {
        INFO("suite " << std::hex << uint16_t(suite) << " profile " << uint16_t(profile) << " x25519 " << x25519);
        SeededRng rng(uint16_t(suite) * 31 + uint16_t(profile));
        Config cc = make_config(Role::client, *w.alice, *w.bob);
        Config sc = make_config(Role::server, *w.bob, *w.alice);
        (void)cc.cipher_suites.push_back(suite);
        (void)sc.srtp_profiles.push_back(profile);
        cc.enable_x25519 = x25519;
        Connection client(cc, rng), server(sc, rng);
        REQUIRE(server.start(kTestEpoch).ok());
        REQUIRE(client.start(kTestEpoch).ok());
        Pair p{client, server};
        p.drive();
        REQUIRE(client.state() == TransportState::connected);
        REQUIRE(server.state() == TransportState::connected);
        CHECK(p.timeouts == 0);  // a clean link never waits on a timer
        CHECK(client.negotiated_cipher_suite() == uint16_t(suite));
        CHECK(server.negotiated_srtp_profile() == uint16_t(profile));
        CHECK(server.negotiated_group() == (x25519 ? kGroupX25519 : kGroupSecp256r1));
        auto ce = drain(client), se = drain(server);
        CHECK(ce.states == std::vector<TransportState>{TransportState::connecting, TransportState::connected});
        CHECK(se.states == std::vector<TransportState>{TransportState::connecting, TransportState::connected});
        REQUIRE(ce.keys.size() == 1);
        REQUIRE(se.keys.size() == 1);
        const auto& a = ce.keys[0];
        const auto& b = se.keys[0];
        CHECK(a.profile == uint16_t(profile));
        CHECK(bytes_equal(a.client_write_key.expose(), b.client_write_key.expose()));
        CHECK(bytes_equal(a.server_write_key.expose(), b.server_write_key.expose()));
        CHECK(bytes_equal(a.client_write_salt.expose(), b.client_write_salt.expose()));
        CHECK(bytes_equal(a.server_write_salt.expose(), b.server_write_salt.expose()));
        CHECK(a.client_write_key.size() == srtp_profile_params(uint16_t(profile))->key_len);
        CHECK_FALSE(bytes_equal(a.client_write_key.expose(), a.server_write_key.expose()));

        // Application data both ways.
        const char* ping = "ping";
        const char* pong = "pong!";
        REQUIRE(client.send_application_data(p.now, as_bytes(ping)).ok());
        REQUIRE(server.send_application_data(p.now, as_bytes(pong)).ok());
        p.exchange();
        auto sd = drain(server).data;
        auto cd = drain(client).data;
        REQUIRE(sd.size() == 1);
        REQUIRE(cd.size() == 1);
        CHECK(as_string_view(sd[0]) == "ping");
        CHECK(as_string_view(cd[0]) == "pong!");

        // Exporter agrees on both sides.
        uint8_t e1[32], e2[32];
        REQUIRE(client.export_keying_material("EXPERIMENTAL", e1).ok());
        REQUIRE(server.export_keying_material("EXPERIMENTAL", e2).ok());
        CHECK(std::memcmp(e1, e2, 32) == 0);
      }
    }
  }
}
