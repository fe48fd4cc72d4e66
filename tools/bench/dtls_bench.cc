// DTLS benchmark: ours against mbedTLS 2.28's own DTLS 1.2 in the same run.
//
//   handshakes/s and median handshake time, in process, both ends on one
//   core, ECDHE-ECDSA-AES128-GCM with certificates on both sides;
//   AES-128-GCM record protect/unprotect throughput (1200-byte records).
//
// Prints figures and ratios; never passes or fails on a time.
// Usage: sansrtc-bench-dtls [handshakes=200]
#include "base/crypto/certificate.h"
#include "base/crypto/ctr_drbg_rng.h"
#include "base/crypto/ec.h"
#include "dtls/connection.h"
#include "dtls/record_layer.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cookie.h>
#include <mbedtls/x509_crt.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

#include <malloc.h>
#include <new>

using namespace sansrtc;
using Clock = std::chrono::steady_clock;

// Live heap bytes allocated through operator new (our code; mbedTLS uses calloc).
static size_t g_live_bytes = 0;
static size_t g_peak_bytes = 0;
void* operator new(size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  g_live_bytes += malloc_usable_size(p);
  if (g_live_bytes > g_peak_bytes) g_peak_bytes = g_live_bytes;
  return p;
}
static void counted_free(void* p) {
  if (p) g_live_bytes -= malloc_usable_size(p);
  std::free(p);
}
void* operator new[](size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete(void* p, size_t) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete[](void* p, size_t) noexcept { counted_free(p); }

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct BenchResult {
  double per_second = 0;
  double median_ms = 0;
  const char* group = "";
};

// ------------------------------------------------------------------ ours

struct OurIdentity {
  crypto::EcdsaP256Key key;
  crypto::Certificate cert;
};

std::unique_ptr<OurIdentity> our_identity(Rng& rng, const char* cn) {
  auto id = std::make_unique<OurIdentity>();
  auto k = crypto::EcdsaP256Key::generate(rng);
  if (!k.ok()) std::abort();
  id->key = std::move(k.value());
  auto c = crypto::Certificate::self_signed(id->key, rng, cn, 1700000000, 365);
  if (!c.ok()) std::abort();
  id->cert = std::move(c.value());
  return id;
}

BenchResult bench_ours(int n, bool x25519, Rng& rng, const OurIdentity& a, const OurIdentity& b) {
  dtls::Config cc, sc;
  cc.role = dtls::Role::client;
  sc.role = dtls::Role::server;
  cc.certificate = &a.cert;
  cc.private_key = &a.key;
  sc.certificate = &b.cert;
  sc.private_key = &b.key;
  (void)cc.remote_fingerprints.push_back(b.cert.fingerprint(crypto::HashAlg::sha256));
  (void)sc.remote_fingerprints.push_back(a.cert.fingerprint(crypto::HashAlg::sha256));
  (void)cc.cipher_suites.push_back(dtls::CipherSuite::ecdhe_ecdsa_aes128_gcm_sha256);
  cc.enable_x25519 = sc.enable_x25519 = x25519;
  std::vector<double> times;
  uint8_t buf[1500];
  auto t_all = Clock::now();
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    Instant now = kTestEpoch;
    dtls::Connection client(cc, rng), server(sc, rng);  // includes the ECDHE key generation
    if (!server.start(now).ok() || !client.start(now).ok()) std::abort();
    for (int round = 0; round < 20; ++round) {
      bool moved = false;
      while (auto len = client.poll_transmit(MutBytes(buf, sizeof(buf)))) {
        server.handle_datagram(now, Bytes(buf, *len));
        moved = true;
      }
      while (auto len = server.poll_transmit(MutBytes(buf, sizeof(buf)))) {
        client.handle_datagram(now, Bytes(buf, *len));
        moved = true;
      }
      if (!moved) break;
    }
    if (client.state() != dtls::TransportState::connected || server.state() != dtls::TransportState::connected) {
      std::fprintf(stderr, "our handshake failed\n");
      std::exit(1);
    }
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  double total = std::chrono::duration<double>(Clock::now() - t_all).count();
  return {n / total, median(times), x25519 ? "x25519" : "secp256r1"};
}

// ------------------------------------------------------------------ mbedTLS

struct MbedSide {
  mbedtls_ssl_config conf;
  mbedtls_x509_crt cert;
  mbedtls_pk_context pk;
  mbedtls_ssl_cookie_ctx cookie;
  int suites[2] = {MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 0};
  mbedtls_ssl_srtp_profile profiles[2] = {MBEDTLS_TLS_SRTP_AES128_CM_HMAC_SHA1_80, MBEDTLS_TLS_SRTP_UNSET};
  mbedtls_ecp_group_id curves[2] = {MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_NONE};
};

struct MbedIo {
  std::deque<std::vector<uint8_t>> in;
  std::deque<std::vector<uint8_t>>* out = nullptr;
};

int io_send(void* ctx, const unsigned char* b, size_t n) {
  static_cast<MbedIo*>(ctx)->out->emplace_back(b, b + n);
  return int(n);
}
int io_recv(void* ctx, unsigned char* b, size_t n) {
  auto* io = static_cast<MbedIo*>(ctx);
  if (io->in.empty()) return MBEDTLS_ERR_SSL_WANT_READ;
  auto d = std::move(io->in.front());
  io->in.pop_front();
  size_t k = std::min(n, d.size());
  std::memcpy(b, d.data(), k);
  return int(k);
}
void timer_set(void*, uint32_t, uint32_t) {}
int timer_get(void*) { return 0; }  // never expires: a clean link

void mbed_side_init(MbedSide& s, bool server, mbedtls_ctr_drbg_context* drbg, bool force_p256) {
  mbedtls_ssl_config_init(&s.conf);
  mbedtls_x509_crt_init(&s.cert);
  mbedtls_pk_init(&s.pk);
  mbedtls_ssl_cookie_init(&s.cookie);
  mbedtls_pk_setup(&s.pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(s.pk), mbedtls_ctr_drbg_random, drbg);
  mbedtls_x509write_cert w;
  mbedtls_x509write_crt_init(&w);
  mbedtls_x509write_crt_set_subject_key(&w, &s.pk);
  mbedtls_x509write_crt_set_issuer_key(&w, &s.pk);
  mbedtls_x509write_crt_set_subject_name(&w, "CN=bench");
  mbedtls_x509write_crt_set_issuer_name(&w, "CN=bench");
  mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
  mbedtls_mpi serial;
  mbedtls_mpi_init(&serial);
  mbedtls_mpi_lset(&serial, 1);
  mbedtls_x509write_crt_set_serial(&w, &serial);
  mbedtls_x509write_crt_set_validity(&w, "20240101000000", "20340101000000");
  unsigned char der[2048];
  int n = mbedtls_x509write_crt_der(&w, der, sizeof(der), mbedtls_ctr_drbg_random, drbg);
  mbedtls_x509_crt_parse_der(&s.cert, der + sizeof(der) - n, size_t(n));
  mbedtls_x509write_crt_free(&w);
  mbedtls_mpi_free(&serial);
  mbedtls_ssl_config_defaults(&s.conf, server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
                              MBEDTLS_SSL_TRANSPORT_DATAGRAM, MBEDTLS_SSL_PRESET_DEFAULT);
  mbedtls_ssl_conf_rng(&s.conf, mbedtls_ctr_drbg_random, drbg);
  mbedtls_ssl_conf_authmode(&s.conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
  mbedtls_ssl_conf_own_cert(&s.conf, &s.cert, &s.pk);
  mbedtls_ssl_conf_ciphersuites(&s.conf, s.suites);
  mbedtls_ssl_conf_extended_master_secret(&s.conf, MBEDTLS_SSL_EXTENDED_MS_ENABLED);
  mbedtls_ssl_conf_dtls_srtp_protection_profiles(&s.conf, s.profiles);
  if (force_p256) mbedtls_ssl_conf_curves(&s.conf, s.curves);
  if (server) {
    mbedtls_ssl_cookie_setup(&s.cookie, mbedtls_ctr_drbg_random, drbg);
    mbedtls_ssl_conf_dtls_cookies(&s.conf, mbedtls_ssl_cookie_write, mbedtls_ssl_cookie_check, &s.cookie);
  }
}

struct MbedConn {
  mbedtls_ssl_context ssl;
  MbedIo io;
  bool done = false;
  MbedConn(MbedSide& side, std::deque<std::vector<uint8_t>>* peer_in, bool server) {
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_setup(&ssl, &side.conf);
    io.out = peer_in;
    mbedtls_ssl_set_bio(&ssl, &io, io_send, io_recv, nullptr);
    mbedtls_ssl_set_timer_cb(&ssl, nullptr, timer_set, timer_get);
    if (server) set_id();
  }
  ~MbedConn() { mbedtls_ssl_free(&ssl); }
  void set_id() {
    static const unsigned char id[] = {127, 0, 0, 1, 0, 1};
    mbedtls_ssl_set_client_transport_id(&ssl, id, sizeof(id));
  }
  void step(bool server) {
    if (done) return;
    for (int i = 0; i < 4; ++i) {
      int r = mbedtls_ssl_handshake(&ssl);
      if (r == 0) {
        done = true;
        return;
      }
      if (r == MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED && server) {
        mbedtls_ssl_session_reset(&ssl);
        set_id();
        continue;
      }
      if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE) return;
      std::fprintf(stderr, "mbedtls handshake error -0x%x\n", -r);
      std::exit(1);
    }
  }
};

BenchResult bench_mbedtls(int n, MbedSide& cs, MbedSide& ss, const char* label) {
  std::vector<double> times;
  auto t_all = Clock::now();
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    auto server = std::make_unique<MbedConn>(ss, nullptr, true);
    auto client = std::make_unique<MbedConn>(cs, &server->io.in, false);
    server->io.out = &client->io.in;
    for (int round = 0; round < 50 && !(client->done && server->done); ++round) {
      client->step(false);
      server->step(true);
    }
    if (!client->done || !server->done) {
      std::fprintf(stderr, "mbedtls handshake did not complete\n");
      std::exit(1);
    }
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  double total = std::chrono::duration<double>(Clock::now() - t_all).count();
  return {n / total, median(times), label};
}

// Record throughput of mbedTLS's ssl_write / ssl_read after a handshake.
void bench_mbedtls_records(MbedSide& cs, MbedSide& ss, double& write_mbs, double& read_mbs) {
  auto server = std::make_unique<MbedConn>(ss, nullptr, true);
  auto client = std::make_unique<MbedConn>(cs, &server->io.in, false);
  server->io.out = &client->io.in;
  for (int round = 0; round < 50 && !(client->done && server->done); ++round) {
    client->step(false);
    server->step(true);
  }
  std::vector<uint8_t> payload(1200, 0xAB), back(16384);
  const int kRecords = 20000;
  auto t0 = Clock::now();
  for (int i = 0; i < kRecords; ++i) mbedtls_ssl_write(&client->ssl, payload.data(), payload.size());
  auto t1 = Clock::now();
  for (int i = 0; i < kRecords; ++i) mbedtls_ssl_read(&server->ssl, back.data(), back.size());
  auto t2 = Clock::now();
  const double mb = double(kRecords) * payload.size() / 1e6;
  write_mbs = mb / std::chrono::duration<double>(t1 - t0).count();
  read_mbs = mb / std::chrono::duration<double>(t2 - t1).count();
}

void bench_our_records(double& seal_mbs, double& open_mbs) {
  dtls::RecordProtection tx, rx;
  uint8_t key[16] = {1, 2, 3}, iv[4] = {9, 9, 9, 9};
  if (!tx.init(0xC02B, Bytes(key, 16), Bytes(iv, 4)).ok() || !rx.init(0xC02B, Bytes(key, 16), Bytes(iv, 4)).ok())
    std::abort();
  const int kRecords = 20000;
  const size_t plain = 1200;
  std::vector<std::vector<uint8_t>> recs(kRecords, std::vector<uint8_t>(plain + tx.overhead()));
  auto t0 = Clock::now();
  for (int i = 0; i < kRecords; ++i) {
    std::memset(recs[i].data() + 21, 0xAB, plain);
    if (!tx.seal(recs[i], dtls::ContentType::application_data, 1, uint64_t(i), plain).ok()) std::abort();
  }
  auto t1 = Clock::now();
  for (int i = 0; i < kRecords; ++i) {
    dtls::RecordParser p(recs[i]);
    auto r = p.next();
    // Open in place: the record buffer is ours to modify.
    MutBytes frag(recs[i].data() + 13, r->fragment.size());
    if (!rx.open(*r, frag).ok()) std::abort();
  }
  auto t2 = Clock::now();
  const double mb = double(kRecords) * plain / 1e6;
  seal_mbs = mb / std::chrono::duration<double>(t1 - t0).count();
  open_mbs = mb / std::chrono::duration<double>(t2 - t1).count();
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 200;
  auto rng_r = crypto::CtrDrbgRng::create();
  if (!rng_r.ok()) return 1;
  Rng& rng = *rng_r.value();
  auto a = our_identity(rng, "a");
  auto b = our_identity(rng, "b");

  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_entropy_init(&entropy);
  mbedtls_ctr_drbg_init(&drbg);
  mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, nullptr, 0);
  MbedSide mc, ms, mc_def, ms_def;
  mbed_side_init(mc, false, &drbg, true);
  mbed_side_init(ms, true, &drbg, true);
  mbed_side_init(mc_def, false, &drbg, false);
  mbed_side_init(ms_def, true, &drbg, false);

  // Warm up both.
  (void)bench_ours(5, true, rng, *a, *b);
  (void)bench_mbedtls(5, mc, ms, "");

  std::printf("DTLS 1.2 handshakes in process, both ends on one core, ECDHE-ECDSA-AES128-GCM, mutual certificates,\n"
              "cookie exchange on, %d handshakes each\n\n", n);
  std::printf("%-34s %12s %12s\n", "implementation (ECDHE group)", "handshakes/s", "median ms");
  BenchResult mb_p256 = bench_mbedtls(n, mc, ms, "secp256r1");
  BenchResult mb_def = bench_mbedtls(n, mc_def, ms_def, "mbedTLS default list");
  BenchResult ours_x = bench_ours(n, true, rng, *a, *b);
  BenchResult ours_p = bench_ours(n, false, rng, *a, *b);
  std::printf("%-34s %12.1f %12.3f\n", "mbedTLS 2.28 (secp256r1)", mb_p256.per_second, mb_p256.median_ms);
  std::printf("%-34s %12.1f %12.3f\n", "mbedTLS 2.28 (default curves)", mb_def.per_second, mb_def.median_ms);
  std::printf("%-34s %12.1f %12.3f\n", "sansrtc (x25519)", ours_x.per_second, ours_x.median_ms);
  std::printf("%-34s %12.1f %12.3f\n", "sansrtc (secp256r1)", ours_p.per_second, ours_p.median_ms);
  std::printf("\nratio sansrtc(x25519) / mbedTLS(secp256r1):   %.2fx handshakes/s\n",
              ours_x.per_second / mb_p256.per_second);
  std::printf("ratio sansrtc(secp256r1) / mbedTLS(secp256r1): %.2fx handshakes/s\n",
              ours_p.per_second / mb_p256.per_second);
  std::printf("ratio sansrtc(x25519) / mbedTLS(default):     %.2fx handshakes/s\n",
              ours_x.per_second / mb_def.per_second);

  {
    // Memory of one connection (heap via operator new, plus the object itself).
    dtls::Config cc, sc;
    cc.role = dtls::Role::client;
    sc.role = dtls::Role::server;
    cc.certificate = &a->cert;
    cc.private_key = &a->key;
    sc.certificate = &b->cert;
    sc.private_key = &b->key;
    (void)cc.remote_fingerprints.push_back(b->cert.fingerprint(crypto::HashAlg::sha256));
    (void)sc.remote_fingerprints.push_back(a->cert.fingerprint(crypto::HashAlg::sha256));
    size_t base = g_live_bytes;
    g_peak_bytes = g_live_bytes;
    auto client = std::make_unique<dtls::Connection>(cc, rng);
    auto server = std::make_unique<dtls::Connection>(sc, rng);
    Instant now = kTestEpoch;
    (void)server->start(now);
    (void)client->start(now);
    size_t after_start = g_live_bytes - base;
    uint8_t buf[1500];
    size_t peak_hs = 0;
    for (int round = 0; round < 20; ++round) {
      bool moved = false;
      while (auto len = client->poll_transmit(MutBytes(buf, sizeof(buf)))) {
        server->handle_datagram(now, Bytes(buf, *len));
        moved = true;
      }
      while (auto len = server->poll_transmit(MutBytes(buf, sizeof(buf)))) {
        client->handle_datagram(now, Bytes(buf, *len));
        moved = true;
      }
      peak_hs = std::max(peak_hs, client->handshake_memory() + server->handshake_memory());
      if (!moved) break;
    }
    std::printf("\nmemory, client + server pair: sizeof(Connection) = %zu bytes each; heap after start %zu,\n"
                "peak during handshake %zu, after handshake %zu (heap includes the 16 KiB receive buffer\n"
                "and 64+64 application-data ring slots per side)\n",
                sizeof(dtls::Connection), after_start, g_peak_bytes - base, g_live_bytes - base);
    (void)peak_hs;
  }

  double seal = 0, open = 0, mw = 0, mr = 0;
  bench_our_records(seal, open);
  bench_mbedtls_records(mc, ms, mw, mr);
  std::printf("\nAES-128-GCM records of 1200 bytes:\n");
  std::printf("%-34s %10.1f MB/s protect %10.1f MB/s unprotect\n", "sansrtc RecordProtection", seal, open);
  std::printf("%-34s %10.1f MB/s write   %10.1f MB/s read\n", "mbedTLS ssl_write/ssl_read", mw, mr);
  mbedtls_ctr_drbg_free(&drbg);
  mbedtls_entropy_free(&entropy);
  return 0;
}
