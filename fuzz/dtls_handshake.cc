// Fuzz target: the handshake message codec and the fragment reassembler.
// Byte 0 selects the message type; parse -> write -> parse -> write must be
// stable. The rest is also fed to the fragment parser and a small
// reassembler, whose output must be consistent.
#include "dtls/fragment_reassembler.h"
#include "dtls/handshake_messages.h"

#include <cstdlib>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::dtls;

namespace {
template <class M, class ParseFn, class WriteFn>
void round_trip(Bytes in, ParseFn parse, WriteFn write) {
  auto m = parse(in);
  if (!m.ok()) return;
  static std::vector<uint8_t> a(70000), b(70000);
  ByteWriter wa(a);
  write(wa, *m);
  if (!wa.ok()) return;  // e.g. lists truncated to the inline capacity grew no bigger; nothing to compare
  auto m2 = parse(wa.written());
  if (!m2.ok()) std::abort();
  ByteWriter wb(b);
  write(wb, *m2);
  if (!wb.ok() || !bytes_equal(wa.written(), wb.written())) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Bytes body(data + 1, size - 1);
  switch (data[0] % 12) {
    case 0: round_trip<ClientHello>(body, parse_client_hello, write_client_hello); break;
    case 1: round_trip<ServerHello>(body, parse_server_hello, write_server_hello); break;
    case 2: round_trip<HelloVerifyRequest>(body, parse_hello_verify_request, write_hello_verify_request); break;
    case 3: round_trip<CertificateMsg>(body, parse_certificate, write_certificate); break;
    case 4: round_trip<ServerKeyExchange>(body, parse_server_key_exchange, write_server_key_exchange); break;
    case 5: round_trip<CertificateRequest>(body, parse_certificate_request, write_certificate_request); break;
    case 6: round_trip<ClientKeyExchange>(body, parse_client_key_exchange, write_client_key_exchange); break;
    case 7: round_trip<CertificateVerify>(body, parse_certificate_verify, write_certificate_verify); break;
    case 8: round_trip<Finished>(body, parse_finished, write_finished); break;
    case 9: round_trip<Alert>(body, parse_alert, write_alert); break;
    default: {
      FragmentReassembler r(2048, 4);
      r.reset(0);
      HandshakeFragmentParser p(body);
      while (auto f = p.next()) {
        if (uint64_t(f->fragment_offset) + f->fragment_length > f->length) std::abort();
        (void)r.add(*f);
        while (auto m = r.pop()) {
          if (m->full.size() != m->body.size() + kHandshakeHeaderSize) std::abort();
          if (m->body.size() > 2048) std::abort();
        }
      }
      if (r.buffered_bytes() > 4 * (2048 + 12 + 256 + 64)) std::abort();
    }
  }
  return 0;
}
