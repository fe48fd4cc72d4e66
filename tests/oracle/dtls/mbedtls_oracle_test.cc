// Our DTLS against mbedTLS 2.28's own DTLS 1.2, both directions, every cipher
// suite and SRTP profile mbedTLS supports: handshake, SRTP keying material
// compared byte for byte with mbedTLS's exporter, application data both ways.
#include "oracle/dtls/mbedtls_peer.h"
#include "unit/dtls/dtls_test_util.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>

using namespace sansrtc;
using namespace sansrtc::dtls;
using namespace sansrtc::dtls::test;

namespace {

struct Run {
  Instant now = kTestEpoch;
  size_t datagrams = 0;
};

// Shuttles datagrams between ours and mbedTLS's until both are done or stuck.
void drive(Connection& ours, MbedPeer& mbed, Run& run, size_t drop_mbed_datagram = SIZE_MAX,
           size_t drop_our_datagram = SIZE_MAX) {
  size_t mbed_sent = 0, ours_sent = 0;
  for (int i = 0; i < 5000; ++i) {
    size_t before = mbed.inbox.size();
    mbed.step();
    bool moved = mbed.inbox.size() != before;
    for (auto& d : mbed.outbox) {
      if (mbed_sent++ == drop_mbed_datagram) continue;
      if (getenv("DTLS_TRACE")) fprintf(stderr, "t=%lld mbed->ours %zu bytes type %d hs %d\n", (long long)to_millis(run.now - kTestEpoch), d.size(), d[0], d.size() > 13 ? d[13] : -1);
      ours.handle_datagram(run.now, d);
      ++run.datagrams;
      moved = true;
    }
    mbed.outbox.clear();
    uint8_t buf[2048];
    while (auto n = ours.poll_transmit(MutBytes(buf, sizeof(buf)))) {
      if (ours_sent++ == drop_our_datagram) {
        moved = true;
        continue;
      }
      if (getenv("DTLS_TRACE")) fprintf(stderr, "t=%lld ours->mbed %zu bytes type %d hs %d\n", (long long)to_millis(run.now - kTestEpoch), *n, buf[0], *n > 13 ? buf[13] : -1);
      mbed.inbox.emplace_back(buf, buf + *n);
      ++run.datagrams;
      moved = true;
    }
    const bool ours_settled = ours.state() != TransportState::new_ && ours.state() != TransportState::connecting;
    if ((mbed.done || mbed.failed) && ours_settled && mbed.inbox.empty()) break;
    if (moved) continue;
    auto t = ours.poll_timeout();
    if (mbed.timer_armed()) t = earliest(t, mbed.timer_deadline() > run.now ? mbed.timer_deadline() : mbed.timer_final());
    if (!t) break;
    if (*t > run.now) run.now = *t;
    ours.handle_timeout(run.now);
  }
}

std::vector<uint8_t> concat_keys(const SrtpKeyingMaterial& k) {
  std::vector<uint8_t> out;
  for (Bytes b : {k.client_write_key.expose(), k.server_write_key.expose(), k.client_write_salt.expose(),
                  k.server_write_salt.expose()})
    out.insert(out.end(), b.begin(), b.end());
  return out;
}

struct Ids {
  SeededRng rng{2024};
  std::unique_ptr<Identity> ours = make_identity(rng, "sansrtc");
};
Ids& ids() {
  static Ids i;
  return i;
}

struct SuiteCase {
  CipherSuite ours;
  int mbed;
};
const SuiteCase kSuites[] = {
    {CipherSuite::ecdhe_ecdsa_aes128_gcm_sha256, MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
    {CipherSuite::ecdhe_ecdsa_aes256_gcm_sha384, MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384},
    {CipherSuite::ecdhe_ecdsa_chacha20_poly1305_sha256, MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
};
struct ProfileCase {
  SrtpProfile ours;
  mbedtls_ssl_srtp_profile mbed;
};
const ProfileCase kProfiles[] = {
    {SrtpProfile::aes128_cm_hmac_sha1_80, MBEDTLS_TLS_SRTP_AES128_CM_HMAC_SHA1_80},
    {SrtpProfile::aes128_cm_hmac_sha1_32, MBEDTLS_TLS_SRTP_AES128_CM_HMAC_SHA1_32},
};

void check_connected_pair(Connection& ours, MbedPeer& mbed, Run& run, SrtpProfile profile) {
  INFO("mbedtls error: " << (mbed.failed ? mbed.error_text() : std::string("none")));
  REQUIRE(mbed.done);
  REQUIRE(ours.state() == TransportState::connected);
  auto ev = drain(ours);
  REQUIRE(ev.keys.size() == 1);
  CHECK(ev.keys[0].profile == uint16_t(profile));
  CHECK(mbed.srtp_profile() == int(profile));
  REQUIRE(mbed.keys_exported);
  const auto* p = srtp_profile_params(uint16_t(profile));
  auto theirs = mbed.export_material("EXTRACTOR-dtls_srtp", 2 * (p->key_len + p->salt_len));
  CHECK(concat_keys(ev.keys[0]) == theirs);
  std::vector<uint8_t> ours_export(theirs.size());
  REQUIRE(ours.export_keying_material("EXTRACTOR-dtls_srtp", ours_export).ok());
  CHECK(ours_export == theirs);

  // Application data both ways (what SCTP will carry).
  std::string to_mbed = "hello from sansrtc";
  REQUIRE(ours.send_application_data(run.now, as_bytes(to_mbed)).ok());
  uint8_t buf[2048];
  while (auto n = ours.poll_transmit(MutBytes(buf, sizeof(buf)))) mbed.inbox.emplace_back(buf, buf + *n);
  auto got = mbed.read_all();
  REQUIRE(got.size() == 1);
  CHECK(std::string(got[0].begin(), got[0].end()) == to_mbed);
  std::string to_ours(200, 'm');
  REQUIRE(mbed.write(reinterpret_cast<const uint8_t*>(to_ours.data()), to_ours.size()) == int(to_ours.size()));
  for (auto& d : mbed.outbox) ours.handle_datagram(run.now, d);
  mbed.outbox.clear();
  auto data = drain(ours).data;
  REQUIRE(data.size() == 1);
  CHECK(std::string(data[0].begin(), data[0].end()) == to_ours);
}

}  // namespace

TEST_CASE("our client against mbedTLS's DTLS server: every suite, SRTP profile and group") {
  for (const auto& suite : kSuites) {
    for (const auto& profile : kProfiles) {
      for (auto curve : {MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_CURVE25519}) {
        INFO("suite " << std::hex << uint16_t(suite.ours) << " profile " << uint16_t(profile.ours) << " curve "
                      << int(curve));
        Run run;
        MbedPeer::Options o;
        o.role = MbedPeer::Role::server;
        o.cipher_suite = suite.mbed;
        o.srtp_profiles[0] = profile.mbed;
        o.srtp_profiles[1] = MBEDTLS_TLS_SRTP_UNSET;
        o.curve = curve;
        MbedPeer mbed(o, &run.now);
        Config c;
        c.role = Role::client;
        c.certificate = &ids().ours->cert;
        c.private_key = &ids().ours->key;
        auto theirs = crypto::Certificate::from_der(mbed.cert_der);
        REQUIRE(theirs.ok());
        (void)c.remote_fingerprints.push_back(theirs->fingerprint(crypto::HashAlg::sha256));
        SeededRng rng(7);
        Connection ours(c, rng);
        REQUIRE(ours.start(run.now).ok());
        drive(ours, mbed, run);
        check_connected_pair(ours, mbed, run, profile.ours);
        CHECK(ours.negotiated_cipher_suite() == uint16_t(suite.ours));
        CHECK(ours.negotiated_group() == (curve == MBEDTLS_ECP_DP_CURVE25519 ? kGroupX25519 : kGroupSecp256r1));
        CHECK(run.now == kTestEpoch);  // no timer was needed
      }
    }
  }
}

TEST_CASE("mbedTLS's DTLS client against our server: every suite, SRTP profile and group") {
  for (const auto& suite : kSuites) {
    for (const auto& profile : kProfiles) {
      for (auto curve : {MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_CURVE25519}) {
        INFO("suite " << std::hex << uint16_t(suite.ours) << " profile " << uint16_t(profile.ours) << " curve "
                      << int(curve));
        Run run;
        MbedPeer::Options o;
        o.role = MbedPeer::Role::client;
        o.cipher_suite = suite.mbed;
        o.srtp_profiles[0] = profile.mbed;
        o.srtp_profiles[1] = MBEDTLS_TLS_SRTP_UNSET;
        o.curve = curve;
        MbedPeer mbed(o, &run.now);
        Config c;
        c.role = Role::server;
        c.certificate = &ids().ours->cert;
        c.private_key = &ids().ours->key;
        auto theirs = crypto::Certificate::from_der(mbed.cert_der);
        REQUIRE(theirs.ok());
        (void)c.remote_fingerprints.push_back(theirs->fingerprint(crypto::HashAlg::sha256));
        SeededRng rng(8);
        Connection ours(c, rng);
        REQUIRE(ours.start(run.now).ok());
        drive(ours, mbed, run);
        check_connected_pair(ours, mbed, run, profile.ours);
        CHECK(ours.stats().cookieless_hellos == 1);  // mbedTLS went through our HelloVerifyRequest
        INFO("retransmissions " << ours.stats().retransmissions << " t=" << to_millis(run.now - kTestEpoch));
        CHECK(run.now == kTestEpoch);
      }
    }
  }
}

TEST_CASE("mbedTLS's server fragments its flight at a 300-byte MTU; our client reassembles it") {
  Run run;
  MbedPeer::Options o;
  o.role = MbedPeer::Role::server;
  o.mtu = 300;
  MbedPeer mbed(o, &run.now);
  Config c;
  c.role = Role::client;
  c.certificate = &ids().ours->cert;
  c.private_key = &ids().ours->key;
  c.mtu = 300;  // mbedTLS 2.28's server cannot reassemble a fragmented ClientHello; ours stays below
  (void)c.srtp_profiles.push_back(SrtpProfile::aes128_cm_hmac_sha1_80);
  auto theirs = crypto::Certificate::from_der(mbed.cert_der);
  REQUIRE(theirs.ok());
  (void)c.remote_fingerprints.push_back(theirs->fingerprint(crypto::HashAlg::sha256));
  SeededRng rng(9);
  Connection ours(c, rng);
  REQUIRE(ours.start(run.now).ok());
  drive(ours, mbed, run);
  check_connected_pair(ours, mbed, run, SrtpProfile::aes128_cm_hmac_sha1_80);
}

TEST_CASE("mbedTLS's client retransmits after each lost server datagram; our server answers") {
  // Drop each datagram mbedTLS sends in turn (its ClientHello, the hello with
  // the cookie, its flight 5 ...) and check both sides still finish.
  for (size_t drop = 0; drop < 6; ++drop) {
    INFO("dropping mbedTLS datagram " << drop);
    Run run;
    MbedPeer::Options o;
    o.role = MbedPeer::Role::client;
    o.srtp_profiles[1] = MBEDTLS_TLS_SRTP_UNSET;
    MbedPeer mbed(o, &run.now);
    Config c;
    c.role = Role::server;
    c.certificate = &ids().ours->cert;
    c.private_key = &ids().ours->key;
    auto theirs = crypto::Certificate::from_der(mbed.cert_der);
    REQUIRE(theirs.ok());
    (void)c.remote_fingerprints.push_back(theirs->fingerprint(crypto::HashAlg::sha256));
    SeededRng rng(10 + drop);
    Connection ours(c, rng);
    REQUIRE(ours.start(run.now).ok());
    drive(ours, mbed, run, drop);
    check_connected_pair(ours, mbed, run, SrtpProfile::aes128_cm_hmac_sha1_80);
  }
}

TEST_CASE("mbedTLS's client with a certificate other than the fingerprinted one is refused") {
  Run run;
  MbedPeer::Options o;
  o.role = MbedPeer::Role::client;
  MbedPeer mbed(o, &run.now);
  Config c;
  c.role = Role::server;
  c.certificate = &ids().ours->cert;
  c.private_key = &ids().ours->key;
  (void)c.remote_fingerprints.push_back(ids().ours->cert.fingerprint(crypto::HashAlg::sha256));  // not mbedTLS's
  SeededRng rng(11);
  Connection ours(c, rng);
  REQUIRE(ours.start(run.now).ok());
  drive(ours, mbed, run);
  CHECK(ours.state() == TransportState::failed);
  CHECK(mbed.failed);
  CHECK(mbed.last_error == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE);
}

TEST_CASE("our server fragments its flight at a 300-byte MTU; mbedTLS's client reassembles it") {
  Run run;
  MbedPeer::Options o;
  o.role = MbedPeer::Role::client;
  MbedPeer mbed(o, &run.now);
  Config c;
  c.role = Role::server;
  c.mtu = 300;
  c.certificate = &ids().ours->cert;
  c.private_key = &ids().ours->key;
  auto theirs = crypto::Certificate::from_der(mbed.cert_der);
  REQUIRE(theirs.ok());
  (void)c.remote_fingerprints.push_back(theirs->fingerprint(crypto::HashAlg::sha256));
  SeededRng rng(12);
  Connection ours(c, rng);
  REQUIRE(ours.start(run.now).ok());
  drive(ours, mbed, run);
  check_connected_pair(ours, mbed, run, SrtpProfile::aes128_cm_hmac_sha1_80);
  CHECK(run.now == kTestEpoch);
}

TEST_CASE("loss against mbedTLS: each of our datagrams dropped in turn, both roles") {
  for (bool ours_is_client : {true, false}) {
    for (size_t drop = 0; drop < 4; ++drop) {
      INFO((ours_is_client ? "our client" : "our server") << ", our datagram " << drop << " dropped");
      Run run;
      MbedPeer::Options o;
      o.role = ours_is_client ? MbedPeer::Role::server : MbedPeer::Role::client;
      o.srtp_profiles[1] = MBEDTLS_TLS_SRTP_UNSET;
      MbedPeer mbed(o, &run.now);
      Config c;
      c.role = ours_is_client ? Role::client : Role::server;
      c.certificate = &ids().ours->cert;
      c.private_key = &ids().ours->key;
      (void)c.srtp_profiles.push_back(SrtpProfile::aes128_cm_hmac_sha1_80);
      auto theirs = crypto::Certificate::from_der(mbed.cert_der);
      REQUIRE(theirs.ok());
      (void)c.remote_fingerprints.push_back(theirs->fingerprint(crypto::HashAlg::sha256));
      SeededRng rng(20 + drop);
      Connection ours(c, rng);
      REQUIRE(ours.start(run.now).ok());
      drive(ours, mbed, run, SIZE_MAX, drop);
      check_connected_pair(ours, mbed, run, SrtpProfile::aes128_cm_hmac_sha1_80);
    }
  }
}

TEST_CASE("without cookies on either side: our client vs mbedTLS's server, mbedTLS's client vs our server") {
  for (bool ours_is_client : {true, false}) {
    INFO((ours_is_client ? "our client" : "our server"));
    Run run;
    MbedPeer::Options o;
    o.role = ours_is_client ? MbedPeer::Role::server : MbedPeer::Role::client;
    o.cookies = false;
    o.srtp_profiles[1] = MBEDTLS_TLS_SRTP_UNSET;
    MbedPeer mbed(o, &run.now);
    Config c;
    c.role = ours_is_client ? Role::client : Role::server;
    c.use_cookie = false;
    c.certificate = &ids().ours->cert;
    c.private_key = &ids().ours->key;
    auto theirs = crypto::Certificate::from_der(mbed.cert_der);
    REQUIRE(theirs.ok());
    (void)c.remote_fingerprints.push_back(theirs->fingerprint(crypto::HashAlg::sha256));
    SeededRng rng(31);
    Connection ours(c, rng);
    REQUIRE(ours.start(run.now).ok());
    drive(ours, mbed, run);
    check_connected_pair(ours, mbed, run, SrtpProfile::aes128_cm_hmac_sha1_80);
    CHECK(ours.stats().cookieless_hellos == 0);
    CHECK(run.now == kTestEpoch);
  }
}

TEST_CASE("close_notify from mbedTLS closes ours, and ours closes mbedTLS's") {
  for (bool ours_closes : {true, false}) {
    Run run;
    MbedPeer::Options o;
    o.role = MbedPeer::Role::client;
    o.srtp_profiles[1] = MBEDTLS_TLS_SRTP_UNSET;
    MbedPeer mbed(o, &run.now);
    Config c;
    c.role = Role::server;
    c.certificate = &ids().ours->cert;
    c.private_key = &ids().ours->key;
    auto theirs = crypto::Certificate::from_der(mbed.cert_der);
    REQUIRE(theirs.ok());
    (void)c.remote_fingerprints.push_back(theirs->fingerprint(crypto::HashAlg::sha256));
    SeededRng rng(32);
    Connection ours(c, rng);
    REQUIRE(ours.start(run.now).ok());
    drive(ours, mbed, run);
    REQUIRE(ours.state() == TransportState::connected);
    REQUIRE(mbed.done);
    if (ours_closes) {
      ours.close(run.now);
      uint8_t buf[2048];
      while (auto n = ours.poll_transmit(MutBytes(buf, sizeof(buf)))) mbed.inbox.emplace_back(buf, buf + *n);
      unsigned char rb[100];
      CHECK(mbedtls_ssl_read(&mbed.ssl, rb, sizeof(rb)) == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY);
    } else {
      CHECK(mbedtls_ssl_close_notify(&mbed.ssl) == 0);
      for (auto& d : mbed.outbox) ours.handle_datagram(run.now, d);
      mbed.outbox.clear();
      CHECK(ours.state() == TransportState::closed);
    }
  }
}
