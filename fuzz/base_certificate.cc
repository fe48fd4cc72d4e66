// Certificate and fingerprint parsing (base/crypto/certificate.h): inputs
// that come from the network — a peer's DER certificate (DTLS Certificate
// message) and the SDP a=fingerprint value.
//
// Byte 0 picks the input: even = DER certificate, odd = "alg hex" text.
// Anything that parses must round-trip: from_der(der()) keeps the public key
// and fingerprint; parse(to_sdp()) gives the same fingerprint.
#include "base/crypto/certificate.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace sansrtc;
using namespace sansrtc::crypto;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const Bytes in(data + 1, size - 1);
  if ((data[0] & 1) == 0) {
    auto c = Certificate::from_der(in);
    if (!c.ok()) return 0;
    if (c->public_key().size() != kP256PublicKeySize || c->public_key()[0] != 0x04) std::abort();
    auto again = Certificate::from_der(c->der());
    if (!again.ok() || !bytes_equal(again->public_key(), c->public_key())) std::abort();
    Fingerprint fp = c->fingerprint(HashAlg::sha256);
    if (!fp.matches(in) || !(again->fingerprint(HashAlg::sha256) == fp)) std::abort();
  } else {
    std::string_view text = as_string_view(in);
    const size_t sp = text.find(' ');
    if (sp == std::string_view::npos) return 0;
    auto fp = Fingerprint::parse(text.substr(0, sp), text.substr(sp + 1));
    if (!fp.ok()) return 0;
    if (fp->digest.size() != hash_size(fp->alg)) std::abort();
    const std::string sdp = fp->to_sdp();
    const size_t sp2 = sdp.find(' ');
    auto back = Fingerprint::parse(std::string_view(sdp).substr(0, sp2), std::string_view(sdp).substr(sp2 + 1));
    if (!back.ok() || !(*back == *fp)) std::abort();
  }
  return 0;
}
