// An mbedTLS 2.28 DTLS 1.2 peer driven sans-IO: in-memory datagram queues for
// its BIO and its timer callbacks on our virtual clock. Test-only: this is
// the independent implementation our DTLS is compared against.
#pragma once

#include <sansrtc/time.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cookie.h>
#include <mbedtls/x509_crt.h>

#include <cstdint>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

namespace sansrtc::dtls::test {

struct MbedPeer {
  enum class Role { client, server };
  struct Options {
    Role role = Role::server;
    int cipher_suite = MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
    mbedtls_ssl_srtp_profile srtp_profiles[3] = {MBEDTLS_TLS_SRTP_AES128_CM_HMAC_SHA1_80,
                                                 MBEDTLS_TLS_SRTP_AES128_CM_HMAC_SHA1_32, MBEDTLS_TLS_SRTP_UNSET};
    mbedtls_ecp_group_id curve = MBEDTLS_ECP_DP_NONE;  // NONE: mbedTLS's default list
    bool cookies = true;
    size_t mtu = 0;  // 0: mbedTLS default
    uint64_t seed = 1;
  };

  explicit MbedPeer(const Options& o, const Instant* clock) : opt(o), now(clock) {
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_config_init(&conf);
    mbedtls_x509_crt_init(&cert);
    mbedtls_pk_init(&pk);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_entropy_init(&entropy);
    mbedtls_ssl_cookie_init(&cookie);
    std::string pers = "oracle" + std::to_string(o.seed);
    check(mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                                reinterpret_cast<const unsigned char*>(pers.data()), pers.size()),
          "drbg seed");
    make_identity();
    check(mbedtls_ssl_config_defaults(&conf, o.role == Role::server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
                                      MBEDTLS_SSL_TRANSPORT_DATAGRAM, MBEDTLS_SSL_PRESET_DEFAULT),
          "config defaults");
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    // Self-signed certificates: the fingerprint is checked by the test,
    // OPTIONAL keeps CertificateRequest and the signature checks on.
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
    check(mbedtls_ssl_conf_own_cert(&conf, &cert, &pk), "own cert");
    suites[0] = o.cipher_suite;
    suites[1] = 0;
    mbedtls_ssl_conf_ciphersuites(&conf, suites);
    mbedtls_ssl_conf_extended_master_secret(&conf, MBEDTLS_SSL_EXTENDED_MS_ENABLED);
    check(mbedtls_ssl_conf_dtls_srtp_protection_profiles(&conf, opt.srtp_profiles), "srtp profiles");
    mbedtls_ssl_conf_srtp_mki_value_supported(&conf, MBEDTLS_SSL_DTLS_SRTP_MKI_UNSUPPORTED);
    mbedtls_ssl_conf_export_keys_ext_cb(&conf, &MbedPeer::on_keys, this);
    mbedtls_ssl_conf_handshake_timeout(&conf, 1000, 60000);
    if (o.curve != MBEDTLS_ECP_DP_NONE) {
      curves[0] = o.curve;
      curves[1] = MBEDTLS_ECP_DP_NONE;
      mbedtls_ssl_conf_curves(&conf, curves);
    }
    if (o.role == Role::server) {
      if (o.cookies) {
        check(mbedtls_ssl_cookie_setup(&cookie, mbedtls_ctr_drbg_random, &drbg), "cookie setup");
        mbedtls_ssl_conf_dtls_cookies(&conf, mbedtls_ssl_cookie_write, mbedtls_ssl_cookie_check, &cookie);
      } else {
        mbedtls_ssl_conf_dtls_cookies(&conf, nullptr, nullptr, nullptr);
      }
    }
    check(mbedtls_ssl_setup(&ssl, &conf), "ssl setup");
    if (o.mtu) mbedtls_ssl_set_mtu(&ssl, uint16_t(o.mtu));
    mbedtls_ssl_set_bio(&ssl, this, &MbedPeer::bio_send, &MbedPeer::bio_recv, nullptr);
    mbedtls_ssl_set_timer_cb(&ssl, this, &MbedPeer::set_timer, &MbedPeer::get_timer);
    set_transport_id();
  }
  ~MbedPeer() {
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crt_free(&cert);
    mbedtls_pk_free(&pk);
    mbedtls_ssl_cookie_free(&cookie);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
  MbedPeer(const MbedPeer&) = delete;
  MbedPeer& operator=(const MbedPeer&) = delete;

  // Runs the handshake as far as the queued input allows.
  void step() {
    if (done || failed) return;
    for (int i = 0; i < 4; ++i) {
      int ret = mbedtls_ssl_handshake(&ssl);
      if (ret == 0) {
        done = true;
        return;
      }
      if (ret == MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED) {
        // mbedTLS's documented server loop: reset and wait for the hello with the cookie.
        mbedtls_ssl_session_reset(&ssl);
        set_transport_id();
        continue;
      }
      if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) return;
      failed = true;
      last_error = ret;
      return;
    }
  }
  // Reads all queued application data.
  std::vector<std::vector<uint8_t>> read_all() {
    std::vector<std::vector<uint8_t>> out;
    unsigned char buf[16384];
    while (true) {
      int n = mbedtls_ssl_read(&ssl, buf, sizeof(buf));
      if (n > 0) {
        out.emplace_back(buf, buf + n);
        continue;
      }
      break;
    }
    return out;
  }
  int write(const uint8_t* p, size_t n) { return mbedtls_ssl_write(&ssl, p, n); }

  // The exporter on mbedTLS's side: PRF(master_secret, label, client_random + server_random).
  std::vector<uint8_t> export_material(const char* label, size_t len) {
    std::vector<uint8_t> out(len);
    unsigned char randoms[64];
    std::memcpy(randoms, client_random, 32);
    std::memcpy(randoms + 32, server_random, 32);
    check(mbedtls_ssl_tls_prf(prf_type, master_secret, 48, label, randoms, 64, out.data(), len), "tls prf");
    return out;
  }
  int srtp_profile() const {
    mbedtls_dtls_srtp_info info;
    mbedtls_ssl_get_dtls_srtp_negotiation_result(&ssl, &info);
    return info.chosen_dtls_srtp_profile;
  }
  std::string error_text() const {
    char buf[256];
    mbedtls_strerror(last_error, buf, sizeof(buf));
    return buf;
  }
  // Virtual-time deadline of its retransmission timer, if armed.
  bool timer_armed() const { return fin_ms != 0; }
  Instant timer_deadline() const { return timer_start + std::chrono::milliseconds(int_ms); }
  Instant timer_final() const { return timer_start + std::chrono::milliseconds(fin_ms); }

  Options opt;
  const Instant* now;
  mbedtls_ssl_context ssl;
  mbedtls_ssl_config conf;
  mbedtls_x509_crt cert;
  mbedtls_pk_context pk;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_entropy_context entropy;
  mbedtls_ssl_cookie_ctx cookie;
  int suites[2];
  mbedtls_ecp_group_id curves[2];
  std::vector<uint8_t> cert_der;
  std::deque<std::vector<uint8_t>> inbox;
  std::vector<std::vector<uint8_t>> outbox;
  bool done = false, failed = false;
  int last_error = 0;
  unsigned char master_secret[48] = {};
  unsigned char client_random[32] = {}, server_random[32] = {};
  mbedtls_tls_prf_types prf_type = MBEDTLS_SSL_TLS_PRF_NONE;
  bool keys_exported = false;
  Instant timer_start{};
  uint32_t int_ms = 0, fin_ms = 0;

 private:
  static void check(int ret, const char* what) {
    if (ret != 0) {
      char buf[200];
      mbedtls_strerror(ret, buf, sizeof(buf));
      throw std::runtime_error(std::string("mbedtls ") + what + ": " + buf);
    }
  }
  void set_transport_id() {
    if (opt.role == Role::server) {
      static const unsigned char id[] = {127, 0, 0, 1, 0x13, 0x88};
      check(mbedtls_ssl_set_client_transport_id(&ssl, id, sizeof(id)), "transport id");
    }
  }
  void make_identity() {
    check(mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), "pk setup");
    check(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk), mbedtls_ctr_drbg_random, &drbg),
          "gen key");
    mbedtls_x509write_cert w;
    mbedtls_x509write_crt_init(&w);
    mbedtls_x509write_crt_set_subject_key(&w, &pk);
    mbedtls_x509write_crt_set_issuer_key(&w, &pk);
    check(mbedtls_x509write_crt_set_subject_name(&w, "CN=mbedtls-oracle"), "subject");
    check(mbedtls_x509write_crt_set_issuer_name(&w, "CN=mbedtls-oracle"), "issuer");
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_mpi serial;
    mbedtls_mpi_init(&serial);
    mbedtls_mpi_lset(&serial, 4242);
    check(mbedtls_x509write_crt_set_serial(&w, &serial), "serial");
    check(mbedtls_x509write_crt_set_validity(&w, "20240101000000", "20340101000000"), "validity");
    unsigned char buf[2048];
    int n = mbedtls_x509write_crt_der(&w, buf, sizeof(buf), mbedtls_ctr_drbg_random, &drbg);
    mbedtls_x509write_crt_free(&w);
    mbedtls_mpi_free(&serial);
    if (n <= 0) check(n ? n : -1, "crt der");
    cert_der.assign(buf + sizeof(buf) - n, buf + sizeof(buf));
    check(mbedtls_x509_crt_parse_der(&cert, cert_der.data(), cert_der.size()), "crt parse");
  }
  static int bio_send(void* ctx, const unsigned char* buf, size_t len) {
    auto* self = static_cast<MbedPeer*>(ctx);
    self->outbox.emplace_back(buf, buf + len);
    return int(len);
  }
  static int bio_recv(void* ctx, unsigned char* buf, size_t len) {
    auto* self = static_cast<MbedPeer*>(ctx);
    if (self->inbox.empty()) return MBEDTLS_ERR_SSL_WANT_READ;
    auto d = std::move(self->inbox.front());
    self->inbox.pop_front();
    size_t n = std::min(len, d.size());
    std::memcpy(buf, d.data(), n);
    return int(n);
  }
  static void set_timer(void* ctx, uint32_t int_ms, uint32_t fin_ms) {
    auto* self = static_cast<MbedPeer*>(ctx);
    self->int_ms = int_ms;
    self->fin_ms = fin_ms;
    self->timer_start = *self->now;
  }
  static int get_timer(void* ctx) {
    auto* self = static_cast<MbedPeer*>(ctx);
    if (self->fin_ms == 0) return -1;
    auto elapsed = *self->now - self->timer_start;
    if (elapsed >= std::chrono::milliseconds(self->fin_ms)) return 2;
    if (elapsed >= std::chrono::milliseconds(self->int_ms)) return 1;
    return 0;
  }
  static int on_keys(void* ctx, const unsigned char* ms, const unsigned char*, size_t, size_t, size_t,
                     const unsigned char cr[32], const unsigned char sr[32], mbedtls_tls_prf_types type) {
    auto* self = static_cast<MbedPeer*>(ctx);
    std::memcpy(self->master_secret, ms, 48);
    std::memcpy(self->client_random, cr, 32);
    std::memcpy(self->server_random, sr, 32);
    self->prf_type = type;
    self->keys_exported = true;
    return 0;
  }
};

}  // namespace sansrtc::dtls::test
