// tests/embedded/firmware/main.cc — sansrtc on a Cortex-M33 (QEMU mps2-an505).
//
// Runs known-answer and round-trip checks of every layer that builds for
// the target, prints each result and the measurements (heap peak, stack
// high-water, elapsed time) over semihosting, and exits 0 only if every
// check passed. tests/embedded/run.sh builds and runs it.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "base/crc.h"
#include "base/crypto/certificate.h"
#include "base/crypto/cipher.h"
#include "base/crypto/ec.h"
#include "base/crypto/hash.h"
#include "base/ring_buffer.h"
#include "base/seq_num.h"
#include "ice/candidate.h"
#include "ice/candidate_grammar.h"
#include "sdp/attributes.h"
#include "sdp/session_description.h"
#include "stun/integrity.h"
#include "stun/message.h"
#include "stun/message_builder.h"
#include "runtime.h"
#if FW_HAVE_DATACHANNEL
#include "pair.h"
#endif
#if FW_HAVE_PC
#include "answerer_test.h"
#include "pc_pair.h"
#endif

#include <sansrtc/rng.h>

using namespace sansrtc;

namespace {

int failures = 0;
int passes = 0;

void say(const char* fmt, auto... args) {
  char line[160];
  std::snprintf(line, sizeof(line), fmt, args...);
  fw_puts(line);
}

void check(bool ok, const char* what) {
  if (ok) {
    ++passes;
  } else {
    ++failures;
    say("FAIL: %s\n", what);
  }
}

// Runs one group of checks and prints its cost: heap peak (bytes requested
// while it ran, above what was live before) and allocations.
template <class F>
void group(const char* name, F f) {
  const int before = failures;
  const size_t base = fw_heap_live();
  const size_t allocs = fw_heap_allocs();
  fw_heap_reset_peak();
  const uint32_t t0 = fw_clock_cs();
  f();
  say("%-8s %s  heap peak %6u B, %4u allocations, %3u cs\n", name, failures == before ? "ok  " : "FAIL",
      unsigned(fw_heap_peak() - base), unsigned(fw_heap_allocs() - allocs), unsigned(fw_clock_cs() - t0));
}

Bytes str_bytes(std::string_view s) { return Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

void check_base() {
  // RFC 3720 B.4: CRC-32c of 32 bytes of zeros is 0x8A9136AA.
  uint8_t zeros[32] = {};
  check(crc32c(Bytes(zeros, sizeof(zeros))) == 0x8A9136AAu, "crc32c of 32 zero bytes");
  check(crc32(str_bytes("123456789")) == 0xCBF43926u, "crc32 check value");
  check(crc32c(str_bytes("123456789")) == 0xE3069283u, "crc32c check value");
  SeqNum<16> a(0xFFFF);
  check(a < a.next() && a.next().value() == 0, "SeqNum<16> wraps and still orders");
  Unwrapper<16> u;
  check(u.unwrap(SeqNum<16>(0xFFFE)) == 0xFFFE && u.unwrap(SeqNum<16>(1)) == 0x10001, "unwrapper crosses a wrap");
  RingBuffer<int> r(2);
  check(r.push_back(1) && r.push_back(2) && !r.push_back(3), "ring refuses a push when full");
  check(r.pop_front() == 1 && r.size() == 1, "ring pops in order");
}

void check_crypto() {
  // FIPS 180-2 B.1: SHA-256("abc").
  static const uint8_t kAbc256[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                      0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                      0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  uint8_t d[64];
  crypto::hash(crypto::HashAlg::sha256, str_bytes("abc"), d);
  check(std::memcmp(d, kAbc256, 32) == 0, "SHA-256(\"abc\")");

  // AES-128-GCM seal then open, and a flipped bit refused.
  crypto::AesGcm gcm;
  uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  uint8_t nonce[12] = {7};
  uint8_t msg[40];
  for (size_t i = 0; i < sizeof(msg); ++i) msg[i] = uint8_t(i);
  uint8_t tag[crypto::kAeadTagSize];
  check(gcm.set_key(Bytes(key, 16)).ok(), "AES-GCM set_key");
  check(gcm.seal(Bytes(nonce, 12), str_bytes("aad"), MutBytes(msg, sizeof(msg)), tag).ok(), "AES-GCM seal");
  check(msg[0] != 0 || msg[1] != 1, "AES-GCM ciphertext differs from plaintext");
  check(gcm.open(Bytes(nonce, 12), str_bytes("aad"), MutBytes(msg, sizeof(msg)), tag).ok() && msg[39] == 39,
        "AES-GCM open restores the plaintext");
  msg[0] ^= 1;
  check(!gcm.open(Bytes(nonce, 12), str_bytes("aad"), MutBytes(msg, sizeof(msg)), tag).ok(),
        "AES-GCM open refuses a modified message");

  // ECDH P-256: both sides derive the same secret.
  SeededRng rng(7);
  auto a = crypto::Ecdh::generate(crypto::EcdhGroup::p256, rng);
  auto b = crypto::Ecdh::generate(crypto::EcdhGroup::p256, rng);
  check(a.ok() && b.ok(), "ECDH P-256 key generation");
  if (a.ok() && b.ok()) {
    Secret<32> sa, sb;
    check(a->compute_shared(b->public_key(), sa, rng).ok() && b->compute_shared(a->public_key(), sb, rng).ok(),
          "ECDH P-256 agreement");
    check(std::memcmp(sa.expose().data(), sb.expose().data(), 32) == 0, "ECDH P-256 secrets match");
  }

  // ECDSA P-256 self-signed certificate, its fingerprint, parse it back.
  auto k = crypto::EcdsaP256Key::generate(rng);
  check(k.ok(), "ECDSA P-256 key generation");
  if (!k.ok()) return;
  auto cert = crypto::Certificate::self_signed(*k, rng, "sansrtc", 1767225600, 30);
  check(cert.ok(), "self-signed certificate");
  if (!cert.ok()) return;
  auto fp = cert->fingerprint(crypto::HashAlg::sha256);
  check(fp.matches(cert->der()), "certificate fingerprint matches its DER");
  auto back = crypto::Certificate::from_der(cert->der());
  check(back.ok() && back->fingerprint(crypto::HashAlg::sha256) == fp, "certificate parses back");
  say("         certificate %u bytes DER, fingerprint %.20s...\n", unsigned(cert->der().size()),
      fp.hex().c_str());
}

void check_stun() {
  using namespace sansrtc::stun;
  auto key = short_term_key("P2uYro0UCOQ4zxjKXaWCBui1");
  check(key.ok(), "STUN short-term key");
  if (!key.ok()) return;
  uint8_t buf[256];
  SeededRng rng(1);
  const TransactionId tid = TransactionId::random(rng);
  MessageBuilder b(MutBytes(buf, sizeof(buf)), {Method::binding, MessageClass::request}, tid);
  b.add_username("EsAw:remote");
  b.add_priority(2122260223);
  b.add_ice_controlling(0x1122334455667788ull);
  b.add_message_integrity(key->expose());
  b.add_fingerprint();
  auto n = b.finish();
  check(n.ok(), "STUN Binding request built");
  if (!n.ok()) return;
  MessageView v;
  check(v.parse(Bytes(buf, *n)) == ParseError::none, "STUN Binding request parses");
  check(v.username() == std::string_view("EsAw:remote") && v.priority() == 2122260223u, "STUN attributes read back");
  check(verify_integrity(v, key->expose()) == IntegrityStatus::ok, "STUN MESSAGE-INTEGRITY verifies");
  buf[*n - 9] ^= 1;  // inside FINGERPRINT's value: the CRC no longer matches
  MessageView bad;
  check(bad.parse(Bytes(buf, *n)) != ParseError::none, "STUN bad FINGERPRINT refused");
}

const char* kOffer =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=candidate:1467250027 1 udp 2122260223 192.168.1.5 46243 typ host generation 0\r\n"
    "a=end-of-candidates\r\n"
    "a=ice-ufrag:EsAw\r\n"
    "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=sctp-port:5000\r\n"
    "a=max-message-size:262144\r\n";

void check_sdp() {
  auto sd = sdp::parse(kOffer);
  check(sd.ok(), "SDP data-channel offer parses");
  if (!sd.ok()) return;
  check(sd->media.size() == 1 && sd->media[0].proto == "UDP/DTLS/SCTP", "SDP m= line");
  check(sdp::sctp_port(sd->media[0].attributes) == 5000, "SDP a=sctp-port");
  check(sdp::serialize(*sd) == kOffer, "SDP round-trips byte for byte");
}

void check_ice() {
  // The offer's host candidate (RFC 8839 §5.1 grammar).
  auto c = ice::parse_candidate("candidate:1467250027 1 udp 2122260223 192.168.1.5 46243 typ host generation 0");
  check(c.ok(), "ICE candidate parses");
  if (!c.ok()) return;
  check(c->type == ice::CandidateType::host && c->priority == 2122260223u && c->address.port() == 46243,
        "ICE candidate fields");
  check(c->generation == 0u, "ICE candidate generation extension");
  // RFC 8445 §5.1.2.1: (2^24)*126 + (2^8)*65535 + (256 - 1) for a host candidate.
  check(ice::compute_priority(ice::type_preference(ice::CandidateType::host), 65535, 1) == 2130706431u,
        "ICE host candidate priority (RFC 8445 5.1.2.1)");
  // RFC 8445 §6.1.2.3: 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0).
  check(ice::pair_priority(2, 1) == (uint64_t(1) << 32) + 4 + 1, "ICE pair priority (RFC 8445 6.1.2.3)");
  check(ice::format_candidate(*c) ==
            "candidate:1467250027 1 udp 2122260223 192.168.1.5 46243 typ host generation 0",
        "ICE candidate formats back");
}

// --- DTLS + SCTP + data channels between two in-memory endpoints -------------
// Built when lib/dtls, lib/sctp and lib/datachannel compile for the target
// (run.sh sets FW_HAVE_DATACHANNEL). PLACE FOR THE PEERCONNECTION: once lib/pc
// exists, two PeerConnections with candidates exchanged directly replace
// this stage (issue 7).
#if FW_HAVE_DATACHANNEL
void check_pair() {
  const embedded::PairReport r = embedded::run_pair();
  if (r.error) say("         error: %s\n", r.error);
  check(r.connected, "DTLS + SCTP connect in memory");
  check(r.channel_open, "data channel opens on both sides (DCEP)");
  check(r.delivered_ok, "messages of every size arrive intact both ways");
  if (!r.connected) return;
  say("         handshake: %u datagrams, %u ms virtual, %u cs host\n", unsigned(r.handshake_datagrams),
      unsigned(r.connect_virtual_ms), unsigned(r.connect_cs));
  say("         exchanged %u messages each way (%u bytes) in 2 rounds\n", unsigned(r.messages_each_way),
      unsigned(r.bytes_each_way));
  for (int i = 0; i < 2; ++i) {
    say("         round %d (%s): %u datagrams, %u heap allocations for %u messages each way\n", i + 1,
        i == 0 ? "warm-up" : "steady", unsigned(r.exchange_datagrams[i]), unsigned(r.exchange_allocs[i]),
        unsigned(r.messages_per_round));
  }
  say("STEADY allocations=%u datagrams=%u messages=%u\n", unsigned(r.exchange_allocs[1]),
      unsigned(r.exchange_datagrams[1]), unsigned(2 * r.messages_per_round));
  say("         per connection: sizeof dtls %u + sctp %u + channels %u B; heap once open %u B (avg of 2)\n",
      unsigned(r.sizeof_dtls), unsigned(r.sizeof_sctp), unsigned(r.sizeof_channels),
      unsigned(r.heap_connected / 2));
  say("         of which DTLS handshake buffers still held: %u B after connect, %u B after the exchange\n",
      unsigned(r.dtls_handshake_memory), unsigned(r.dtls_handshake_memory_end));
  say("         heap peak: handshake %u B (both), exchange %u B above connected\n",
      unsigned(r.heap_peak_handshake), unsigned(r.heap_peak_exchange));
  say("PERCONN dtls=%u sctp=%u channels=%u heap=%u\n", unsigned(r.sizeof_dtls), unsigned(r.sizeof_sctp),
      unsigned(r.sizeof_channels), unsigned(r.heap_connected / 2));
}
#endif

// --- two full PeerConnections (ICE + DTLS + SCTP + DCEP) in memory ----------
#if FW_HAVE_PC
void check_pc_pair() {
  const embedded::PcPairReport r = embedded::run_pc_pair();
  if (r.error) say("         error: %s\n", r.error);
  check(r.error == nullptr, "two PeerConnections: offer/answer, ICE, DTLS, SCTP, channel open");
  check(r.connected, "both connection states are connected after the exchange");
  check(r.delivered_ok, "PeerConnection messages of every size arrive intact both ways");
  if (r.error) return;
  say("         create_offer -> open: %u ms virtual, %u datagrams\n", unsigned(r.open_virtual_ms),
      unsigned(r.handshake_datagrams));
  say("         heap: %u B after create (both), %u B open (both), peak %u B connect / %u B total\n",
      unsigned(r.heap_constructed), unsigned(r.heap_open), unsigned(r.heap_peak_connect),
      unsigned(r.heap_peak_total));
  say("         allocations per round of %u messages each way: warm-up %u, steady %u\n",
      unsigned(r.messages_per_round), unsigned(r.allocs_per_round[0]), unsigned(r.allocs_per_round[1]));
  say("PCPERCONN heap=%u peak=%u memory_usage=%u\n", unsigned(r.heap_open / 2), unsigned(r.heap_peak_total / 2),
      unsigned(r.memory_usage));
}

// --- the answerer image's echo answerer against a PeerConnection offerer ----
void check_answerer() {
  const embedded::AnswererReport r = embedded::run_answerer_test();
  if (r.error) say("         error: %s\n", r.error);
  check(r.error == nullptr, "echo answerer: answers a PeerConnection's offer, channel opens");
  check(r.error == nullptr && r.bad == 0 && r.messages == 21, "echo answerer returns every message intact");
  if (r.error) return;
  say("         open after %u ms virtual; answerer heap once open %u B, after the exchange %u B, peak %u B\n",
      unsigned(r.open_virtual_ms), unsigned(r.answerer_heap_open), unsigned(r.answerer_heap_after),
      unsigned(r.answerer_heap_peak));
  say("ANSWERER heap_open=%u heap_after=%u peak=%u steady_allocs=%u steady_messages=%u\n",
      unsigned(r.answerer_heap_open), unsigned(r.answerer_heap_after), unsigned(r.answerer_heap_peak),
      unsigned(r.steady_allocs), unsigned(r.steady_messages));
}
#endif

}  // namespace

int main() {
  fw_puts("sansrtc embedded self-test: Cortex-M33, QEMU mps2-an505\n");
  const uint32_t t0 = fw_clock_cs();
  group("base", check_base);
  group("crypto", check_crypto);
  group("stun", check_stun);
  group("sdp", check_sdp);
  group("ice", check_ice);
#if FW_HAVE_DATACHANNEL
  group("dc-pair", check_pair);
#else
  fw_puts("dc-pair  not built (lib/dtls, lib/sctp or lib/datachannel missing for the target)\n");
#endif
#if FW_HAVE_PC
  group("pc-pair", check_pc_pair);
  group("answerer", check_answerer);
#else
  fw_puts("pc-pair  not built (lib/pc does not compile for the target)\n");
#endif
  say("heap: peak %u B of a %u B arena, live at end %u B, %u allocations\n", unsigned(fw_heap_peak_all()),
      unsigned(fw_heap_arena()), unsigned(fw_heap_live()), unsigned(fw_heap_allocs()));
  say("stack: high-water %u B of %u B\n", unsigned(fw_stack_high_water()), unsigned(fw_stack_size()));
  // The linker script gives the image exactly the 256 KiB budget (static,
  // heap arena, stack): running to here means the exchange fitted.
  const unsigned ram = unsigned(fw_static_ram() + fw_heap_footprint() + fw_stack_high_water());
  const unsigned budget = unsigned(fw_static_ram() + fw_heap_arena() + fw_stack_size());
  say("RAM used: %u B = static %u + heap high-water %u + stack high-water %u, of a %u B budget (%u KiB)\n", ram,
      unsigned(fw_static_ram()), unsigned(fw_heap_footprint()), unsigned(fw_stack_high_water()), budget,
      budget / 1024);
  check(budget <= 256u * 1024 && ram <= budget, "the whole exchange ran in the 256 KiB RAM budget");
  say("time: %u cs (host clock under QEMU)\n", unsigned(fw_clock_cs() - t0));
  say("%s: %d checks passed, %d failed\n", failures ? "FAIL" : "PASS", passes, failures);
  return failures ? 1 : 0;
}
