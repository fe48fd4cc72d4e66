// gen_corpus_stun — writes the seed corpora of the STUN fuzz targets.
//
//   gen_corpus_stun <fuzz/corpus>
//
// stun_parse/: the four RFC 5769 messages and messages built with
// MessageBuilder covering every attribute family (ICE checks, TURN
// Allocate/Refresh/CreatePermission/ChannelBind/Send/Data/Connect, error
// responses with UNKNOWN-ATTRIBUTES and PASSWORD-ALGORITHMS).
// stun_transaction/: op streams in the format documented at the top of
// fuzz/stun_transaction.cc (retransmit to timeout, success, error, a real
// datagram to the server, cancel/restart).
#include "stun/integrity.h"
#include "stun/message.h"
#include "stun/message_builder.h"

#include "../../tests/unit/stun/rfc5769_vectors.h"

#include <cstdio>
#include <string>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::stun;

namespace {

std::string g_root;
int g_files = 0;

bool write_file(const std::string& dir, const std::string& name, Bytes data) {
  const std::string path = g_root + "/" + dir + "/" + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    return false;
  }
  std::fwrite(data.data(), 1, data.size(), f);
  std::fclose(f);
  ++g_files;
  return true;
}

TransactionId tid_of(const char* twelve) { return TransactionId::from(as_bytes(std::string_view(twelve, 12))); }

std::vector<uint8_t> finish(MessageBuilder& b) {
  auto n = b.finish();
  if (!n.ok()) {
    std::fprintf(stderr, "builder failed: %s\n", n.error().message);
    std::exit(1);
  }
  const Bytes w = b.written();
  return std::vector<uint8_t>(w.begin(), w.end());
}

SocketAddress addr(const char* text) {
  auto a = SocketAddress::parse(text);
  if (!a.ok()) std::exit(1);
  return *a;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <fuzz/corpus directory>\n", argv[0]);
    return 2;
  }
  g_root = argv[1];
  const std::string P = "stun_parse";
  using namespace sansrtc::stun::test;
  bool ok = true;
  ok &= write_file(P, "rfc5769_2_1_request", kSampleRequest);
  ok &= write_file(P, "rfc5769_2_2_ipv4_response", kSampleIpv4Response);
  ok &= write_file(P, "rfc5769_2_3_ipv6_response", kSampleIpv6Response);
  ok &= write_file(P, "rfc5769_2_4_long_term_request", kSampleLongTermRequest);

  uint8_t buf[kMaxMessageSize];
  const auto ice_key = *short_term_key("abcdefghijklmnopqrstuv");
  {  // ICE connectivity check (RFC 8445 §7.1.2) with USE-CANDIDATE.
    MessageBuilder b(buf, {Method::binding, MessageClass::request}, tid_of("ice-check-01"));
    b.add_username("rufr:lufr");
    b.add_priority(0x6e7f1eff);
    b.add_ice_controlling(0x1122334455667788ull);
    b.add_use_candidate();
    b.add_message_integrity(ice_key.expose());
    b.add_fingerprint();
    ok &= write_file(P, "ice_check_controlling", finish(b));
  }
  {  // Role conflict answer (487).
    MessageBuilder b(buf, {Method::binding, MessageClass::error_response}, tid_of("ice-check-02"));
    b.add_error_code(487);
    b.add_message_integrity(ice_key.expose());
    b.add_fingerprint();
    ok &= write_file(P, "ice_error_487", finish(b));
  }
  const auto lt_key = *long_term_key("user", "example.org", "pass");
  {  // TURN Allocate request with long-term credentials.
    MessageBuilder b(buf, {Method::allocate, MessageClass::request}, tid_of("turn-alloc-1"));
    b.add_requested_transport(17);
    b.add_dont_fragment();
    b.add_even_port(true);
    b.add_lifetime(3600);
    b.add_requested_address_family(IpFamily::v6);
    b.add_username("user");
    b.add_realm("example.org");
    b.add_nonce("obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA");
    b.add_password_algorithm(uint16_t(PasswordAlgorithm::md5));
    b.add_message_integrity(lt_key.expose());
    b.add_fingerprint();
    ok &= write_file(P, "turn_allocate_request", finish(b));
  }
  {  // 401 challenge with PASSWORD-ALGORITHMS.
    const PasswordAlgorithmParam algs[] = {{uint16_t(PasswordAlgorithm::sha256), {}},
                                           {uint16_t(PasswordAlgorithm::md5), {}}};
    MessageBuilder b(buf, {Method::allocate, MessageClass::error_response}, tid_of("turn-alloc-0"));
    b.add_error_code(401);
    b.add_realm("example.org");
    b.add_nonce("obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA");
    b.add_password_algorithms(algs);
    b.add_software("sansrtc corpus");
    ok &= write_file(P, "turn_401_challenge", finish(b));
  }
  {  // Allocate success, dual-stack, MI-SHA256.
    MessageBuilder b(buf, {Method::allocate, MessageClass::success_response}, tid_of("turn-alloc-1"));
    b.add_xor_relayed_address(addr("198.51.100.7:49152"));
    b.add_xor_relayed_address(addr("[2001:db8::7]:49153"));
    b.add_xor_mapped_address(addr("203.0.113.9:61000"));
    b.add_lifetime(600);
    b.add_reservation_token(0x0102030405060708ull);
    b.add_message_integrity_sha256(lt_key.expose(), 24);
    b.add_fingerprint();
    ok &= write_file(P, "turn_allocate_success", finish(b));
  }
  {  // CreatePermission with several peers, ChannelBind, Send/Data indications.
    MessageBuilder b(buf, {Method::create_permission, MessageClass::request}, tid_of("turn-perm-01"));
    b.add_xor_peer_address(addr("192.0.2.10:0"));
    b.add_xor_peer_address(addr("[2001:db8::10]:0"));
    b.add_xor_peer_address(addr("192.0.2.11:0"));
    b.add_message_integrity(lt_key.expose());
    ok &= write_file(P, "turn_create_permission", finish(b));
  }
  {
    MessageBuilder b(buf, {Method::channel_bind, MessageClass::request}, tid_of("turn-chan-01"));
    b.add_channel_number(0x4000);
    b.add_xor_peer_address(addr("192.0.2.10:5000"));
    b.add_message_integrity(lt_key.expose());
    b.add_fingerprint();
    ok &= write_file(P, "turn_channel_bind", finish(b));
  }
  {
    const uint8_t payload[] = {0x80, 0x60, 0x00, 0x01, 0xde, 0xad, 0xbe};
    MessageBuilder b(buf, {Method::send, MessageClass::indication}, tid_of("turn-send-01"));
    b.add_xor_peer_address(addr("192.0.2.10:5000"));
    b.add_data(payload);
    b.add_dont_fragment();
    ok &= write_file(P, "turn_send_indication", finish(b));
    MessageBuilder d(buf, {Method::data, MessageClass::indication}, tid_of("turn-data-01"));
    d.add_xor_peer_address(addr("[2001:db8::10]:5000"));
    d.add_data(payload);
    ok &= write_file(P, "turn_data_indication", finish(d));
  }
  {  // RFC 6062 Connect / ConnectionAttempt.
    MessageBuilder b(buf, {Method::connection_attempt, MessageClass::indication}, tid_of("turn-tcp-001"));
    b.add_connection_id(0xc0ffee01);
    b.add_xor_peer_address(addr("192.0.2.20:443"));
    ok &= write_file(P, "turn_connection_attempt", finish(b));
  }
  {  // 300 Try Alternate, 420 with UNKNOWN-ATTRIBUTES, MAPPED-ADDRESS, USERHASH.
    MessageBuilder b(buf, {Method::allocate, MessageClass::error_response}, tid_of("try-altern-1"));
    b.add_error_code(300);
    b.add_alternate_server(addr("192.0.2.99:3478"));
    b.add_alternate_domain("turn2.example.org");
    b.add_additional_address_family(IpFamily::v4);
    ok &= write_file(P, "error_300_alternate", finish(b));
    const uint16_t unknown[] = {0x0031, 0x7001};
    MessageBuilder u(buf, {Method::binding, MessageClass::error_response}, tid_of("unknown-attr"));
    u.add_error_code(420);
    u.add_unknown_attributes(unknown);
    u.add_fingerprint();
    ok &= write_file(P, "error_420_unknown", finish(u));
    uint8_t hash[32];
    for (int i = 0; i < 32; ++i) hash[i] = uint8_t(i * 7);
    MessageBuilder h(buf, {Method::binding, MessageClass::success_response}, tid_of("mapped-addr1"));
    h.add_mapped_address(addr("192.0.2.1:32853"));
    h.add_userhash(hash);
    h.add_raw(0xC057, as_bytes("goog-network-info"));
    h.add_raw(0x0031, as_bytes("x"));
    ok &= write_file(P, "mapped_userhash_unknown", finish(h));
  }

  // --- stun_transaction op streams (see fuzz/stun_transaction.cc) ---
  const std::string T = "stun_transaction";
  // config: RTO 100 ms, Rc 7, Rm 16; poll, then jump deadline by deadline to the timeout.
  {
    std::vector<uint8_t> ops = {99, 6, 15};
    for (int i = 0; i < 8; ++i) ops.insert(ops.end(), {4, 0xFF, 3});
    ok &= write_file(T, "retransmit_to_timeout", ops);
  }
  {  // poll, forged success, restart, poll, forged error with code, restart.
    std::vector<uint8_t> ops = {0, 2, 3, 4, 0xFF, 1, 0x00, 5, 4, 0xFF, 1, 0x05, 5, 2, 10, 4, 0xFF};
    ok &= write_file(T, "success_error_restart", ops);
  }
  {  // the RFC 5769 response as a datagram (wrong ID: ignored), then a Binding
     // request for the server, then time passes, then cancel.
    std::vector<uint8_t> ops = {9, 2, 4, 4, 0xFF, 0, uint8_t(sizeof(kSampleIpv4Response))};
    ops.insert(ops.end(), std::begin(kSampleIpv4Response), std::end(kSampleIpv4Response));
    ops.insert(ops.end(), {0, uint8_t(sizeof(kSampleRequest))});
    ops.insert(ops.end(), std::begin(kSampleRequest), std::end(kSampleRequest));
    ops.insert(ops.end(), {2, 100, 2, 200, 4, 0x10, 5, 3, 5});
    ok &= write_file(T, "datagrams_and_cancel", ops);
  }
  {  // tiny poll buffers, wrong-method response, error without code.
    std::vector<uint8_t> ops = {0, 0, 0, 4, 0, 4, 1, 1, 0x02, 1, 0x01, 3, 3, 3, 4, 0xFF};
    ok &= write_file(T, "edge_cases", ops);
  }
  std::printf("wrote %d files under %s\n", g_files, g_root.c_str());
  return ok ? 0 : 1;
}
