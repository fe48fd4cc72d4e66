// Record framing and AEAD protection (RFC 6347 §4.1, RFC 5288 §3, RFC 7905 §2).
#include "dtls/record_layer.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::dtls;

namespace {
struct Keys {
  std::vector<uint8_t> key, iv;
};
Keys keys_for(uint16_t suite, uint8_t fill) {
  const SuiteParams* p = suite_params(suite);
  return {std::vector<uint8_t>(p->key_len, fill), std::vector<uint8_t>(p->fixed_iv_len, uint8_t(fill + 1))};
}
// Seals `msg` as one record; returns the record bytes.
std::vector<uint8_t> seal(RecordProtection& prot, ContentType type, uint16_t epoch, uint64_t seq, Bytes msg) {
  std::vector<uint8_t> buf(prot.overhead() + msg.size());
  std::memcpy(buf.data() + kRecordHeaderSize + prot.explicit_nonce_size(), msg.data(), msg.size());
  auto n = prot.seal(buf, type, epoch, seq, msg.size());
  REQUIRE(n.ok());
  buf.resize(*n);
  return buf;
}
}  // namespace

TEST_CASE("record parser: several records in one datagram, truncation stops the walk") {
  uint8_t dgram[31 + 13];  // the third header is cut to 5 bytes below
  write_record_header(dgram, ContentType::alert, 0, 7, 2);
  dgram[13] = 1;
  dgram[14] = 0;
  write_record_header(dgram + 15, ContentType::handshake, 1, 0x123456789ABCull, 3);
  std::memset(dgram + 28, 0xEE, 3);
  write_record_header(dgram + 31, ContentType::application_data, 1, 9, 100);  // claims 100, has 0
  RecordParser p(Bytes(dgram, 31 + 5));
  auto a = p.next();
  REQUIRE(a);
  CHECK(a->type == 21);
  CHECK(a->version == kDtls12Version);
  CHECK(a->sequence_number == 7);
  CHECK(a->fragment.size() == 2);
  auto b = p.next();
  REQUIRE(b);
  CHECK(b->epoch == 1);
  CHECK(b->sequence_number == 0x123456789ABCull);
  CHECK(b->fragment.size() == 3);
  CHECK_FALSE(p.next());
  CHECK(p.truncated());
}

TEST_CASE("AEAD records round-trip for every suite and reject tampering") {
  for (uint16_t suite : {uint16_t(0xC02B), uint16_t(0xC02C), uint16_t(0xCCA9)}) {
    if (suite == 0xCCA9 && !crypto::ChaChaPoly::available()) continue;
    INFO("suite " << std::hex << suite);
    auto k = keys_for(suite, 0x42);
    RecordProtection tx, rx;
    REQUIRE(tx.init(suite, k.key, k.iv).ok());
    REQUIRE(rx.init(suite, k.key, k.iv).ok());
    const char* text = "application data over DTLS";
    Bytes msg(reinterpret_cast<const uint8_t*>(text), std::strlen(text));
    auto rec = seal(tx, ContentType::application_data, 1, 5, msg);
    CHECK(rec.size() == tx.overhead() + msg.size());
    if (suite != 0xCCA9) {
      // RFC 5288 §3: the explicit nonce travels in the record; ours is epoch||seq.
      CHECK(load_be64(&rec[13]) == (uint64_t(1) << 48 | 5));
    }
    RecordParser p(rec);
    auto view = p.next();
    REQUIRE(view);
    std::vector<uint8_t> frag(view->fragment.begin(), view->fragment.end());
    auto pt = rx.open(*view, frag);
    REQUIRE(pt.ok());
    CHECK(bytes_equal(*pt, msg));

    // Any flipped bit — header (authenticated as AAD), nonce, ciphertext or
    // tag — fails authentication.
    for (size_t i : {size_t(0), size_t(4), size_t(10), size_t(13), rec.size() / 2, rec.size() - 1}) {
      auto bad = rec;
      bad[i] ^= 0x01;
      RecordParser bp(bad);
      auto bv = bp.next();
      if (!bv) continue;  // the length field itself was hit
      std::vector<uint8_t> bf(bv->fragment.begin(), bv->fragment.end());
      CHECK_FALSE(rx.open(*bv, bf).ok());
    }
    // A different key fails.
    RecordProtection other;
    auto k2 = keys_for(suite, 0x43);
    REQUIRE(other.init(suite, k2.key, k2.iv).ok());
    std::vector<uint8_t> f2(view->fragment.begin(), view->fragment.end());
    CHECK_FALSE(other.open(*view, f2).ok());
  }
}

TEST_CASE("AES-GCM record equals a direct GCM seal with salt||epoch||seq nonce and the RFC 5246 AAD") {
  auto k = keys_for(0xC02B, 0x10);
  RecordProtection tx;
  REQUIRE(tx.init(0xC02B, k.key, k.iv).ok());
  std::vector<uint8_t> msg(40, 0x61);
  auto rec = seal(tx, ContentType::handshake, 1, 0x0102030405ull, msg);

  crypto::AesGcm gcm;
  REQUIRE(gcm.set_key(k.key).ok());
  uint8_t nonce[12];
  std::memcpy(nonce, k.iv.data(), 4);
  store_be64(nonce + 4, uint64_t(1) << 48 | 0x0102030405ull);
  uint8_t aad[13];
  store_be64(aad, uint64_t(1) << 48 | 0x0102030405ull);
  aad[8] = 22;
  store_be16(aad + 9, 0xFEFD);
  store_be16(aad + 11, uint16_t(msg.size()));
  auto data = msg;
  uint8_t tag[16];
  REQUIRE(gcm.seal(Bytes(nonce, 12), Bytes(aad, 13), data, tag).ok());
  CHECK(bytes_equal(Bytes(rec).subspan(21, msg.size()), data));
  CHECK(bytes_equal(Bytes(rec).subspan(21 + msg.size(), 16), Bytes(tag, 16)));
}

TEST_CASE("ChaCha20-Poly1305 record nonce is IV xor padded epoch||seq (RFC 7905 §2)") {
  if (!crypto::ChaChaPoly::available()) return;
  auto k = keys_for(0xCCA9, 0x20);
  RecordProtection tx;
  REQUIRE(tx.init(0xCCA9, k.key, k.iv).ok());
  std::vector<uint8_t> msg(17, 0x62);
  auto rec = seal(tx, ContentType::application_data, 1, 77, msg);
  CHECK(rec.size() == 13 + 17 + 16);  // no explicit nonce
  crypto::ChaChaPoly c;
  REQUIRE(c.set_key(k.key).ok());
  uint8_t nonce[12];
  std::memcpy(nonce, k.iv.data(), 12);
  uint8_t s[8];
  store_be64(s, uint64_t(1) << 48 | 77);
  for (int i = 0; i < 8; ++i) nonce[4 + i] ^= s[i];
  uint8_t aad[13];
  store_be64(aad, uint64_t(1) << 48 | 77);
  aad[8] = 23;
  store_be16(aad + 9, 0xFEFD);
  store_be16(aad + 11, 17);
  auto data = msg;
  uint8_t tag[16];
  REQUIRE(c.seal(Bytes(nonce, 12), Bytes(aad, 13), data, tag).ok());
  CHECK(bytes_equal(Bytes(rec).subspan(13, 17), data));
  CHECK(bytes_equal(Bytes(rec).subspan(30, 16), Bytes(tag, 16)));
}

TEST_CASE("record protection rejects short records and small buffers") {
  auto k = keys_for(0xC02B, 1);
  RecordProtection p;
  REQUIRE(p.init(0xC02B, k.key, k.iv).ok());
  RecordView v;
  v.epoch = 1;
  v.type = 23;
  v.version = kDtls12Version;
  std::vector<uint8_t> tiny(23);  // < 8 + 16
  CHECK(p.open(v, tiny).error().code == Errc::malformed);
  std::vector<uint8_t> small(20);
  CHECK(p.seal(small, ContentType::application_data, 1, 0, 10).error().code == Errc::buffer_too_small);
  CHECK(p.init(0xC02B, Bytes(k.key).first(15), k.iv).error().code == Errc::invalid_argument);
  CHECK(p.init(0x002F, k.key, k.iv).error().code == Errc::unsupported);
}
