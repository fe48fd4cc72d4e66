// The DER code in base/crypto (der.h) and the two network-facing or
// user-facing DER inputs besides certificates (fuzz/base_certificate.cc):
// ECDSA signatures (DTLS ServerKeyExchange / CertificateVerify) and EC
// private keys (PKCS#8 / SEC1 import).
//
// Byte 0 picks the input:
//   0: a private key for EcdsaP256Key::from_der; one that loads must sign a
//      digest whose signature verifies under its public key;
//   1: an ECDSA signature checked against a fixed key (must not crash);
//   2: any DER: walked as a tree (constructed elements recursed into, depth
//      limited), re-encoded with der::Writer and compared byte for byte;
//      DER has one encoding per value, so anything the reader accepts must
//      come back unchanged.
#include "base/crypto/der.h"
#include "base/crypto/ec.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

using namespace sansrtc;
using namespace sansrtc::crypto;

namespace {

// Re-encodes the elements of `in` (a sequence of TLVs) into w, backwards.
// False when `in` does not parse or nests deeper than 8.
bool reencode(Bytes in, der::Writer& w, int depth) {
  if (depth > 8) return false;
  struct Elem {
    uint8_t tag;
    Bytes contents;
  };
  Elem elems[32];
  size_t n = 0;
  // der::Reader reads by expected tag: take the tag from the input itself.
  size_t pos = 0;
  while (pos < in.size()) {
    if (n == 32) return false;
    der::Reader e(in.subspan(pos));
    const uint8_t tag = in[pos];
    Bytes c = e.read(tag);
    if (!e.ok()) return false;
    elems[n++] = {tag, c};
    pos = size_t(c.data() + c.size() - in.data());
  }
  for (size_t i = n; i-- > 0;) {
    const size_t mark = w.written();
    if (elems[i].tag & 0x20) {
      if (!reencode(elems[i].contents, w, depth + 1)) return false;
    } else {
      w.raw(elems[i].contents);
    }
    w.wrap(elems[i].tag, mark);
  }
  return w.ok();
}

const EcdsaP256Key& fixed_key() {
  static EcdsaP256Key* key = [] {
    SeededRng rng(1);
    return new EcdsaP256Key(std::move(EcdsaP256Key::generate(rng).value()));
  }();
  return *key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const Bytes in(data + 1, size - 1);
  const uint8_t digest[32] = {1, 2, 3, 4, 5, 6, 7, 8};
  switch (data[0] % 3) {
    case 0: {
      auto key = EcdsaP256Key::from_der(in);
      if (!key.ok()) return 0;
      SeededRng rng(2);
      uint8_t sig[kMaxEcdsaSigDerSize];
      auto n = key->sign_digest(digest, sig, rng);
      if (!n.ok()) std::abort();
      if (!ecdsa_p256_verify(key->public_key(), digest, Bytes(sig, *n)).ok()) std::abort();
      break;
    }
    case 1: {
      (void)ecdsa_p256_verify(fixed_key().public_key(), digest, in);
      break;
    }
    default: {
      uint8_t buf[4096];
      if (in.size() > sizeof(buf)) return 0;
      der::Writer w(buf);
      if (!reencode(in, w, 0)) return 0;
      if (w.written() != in.size() || std::memcmp(w.out().data(), in.data(), in.size()) != 0) std::abort();
      break;
    }
  }
  return 0;
}
