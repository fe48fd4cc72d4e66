// dtls/record_layer.h — DTLS 1.2 record framing and AEAD record protection.
//
// RFC 6347 §4.1 (record header with explicit epoch and 48-bit sequence
// number; several records per datagram), RFC 5246 §6.2.3.3 (AEAD), RFC 5288
// §3 (AES-GCM: 4-byte implicit salt + 8-byte explicit nonce; we use the
// record's epoch||sequence as the explicit part, which never repeats under a
// key), RFC 7905 §2 (ChaCha20-Poly1305: 12-byte IV XOR the padded
// epoch||sequence, no explicit nonce).
//
// Leaves out: CBC/MAC-then-encrypt suites, compression, the connection ID
// extension (RFC 9146), DTLS 1.0 records.
#pragma once

#include "base/bytes.h"
#include "base/crypto/cipher.h"
#include "dtls/types.h"
#include <sansrtc/result.h>

#include <cstdint>
#include <optional>
#include <variant>

namespace sansrtc::dtls {

//  struct {
//       ContentType type;                 //  1 byte
//       ProtocolVersion version;          //  2 bytes, 0xFEFD
//       uint16 epoch;                     //  2 bytes
//       uint48 sequence_number;           //  6 bytes
//       uint16 length;                    //  2 bytes
//       opaque fragment[DTLSCiphertext.length];
//  } DTLSCiphertext;
struct RecordView {
  uint8_t type = 0;
  uint16_t version = 0;
  uint16_t epoch = 0;
  uint64_t sequence_number = 0;  // 48 bits
  Bytes header;                  // the 13 header bytes
  Bytes fragment;                // `length` bytes after the header
};

// Iterates over the records of one datagram. A record whose length runs
// past the datagram ends the iteration with truncated() set; everything
// before it stays valid.
class RecordParser {
 public:
  explicit RecordParser(Bytes datagram) : reader_(datagram) {}
  std::optional<RecordView> next();
  bool truncated() const { return truncated_; }

 private:
  ByteReader reader_;
  bool truncated_ = false;
};

// Writes a record header at out[0..13).
void write_record_header(uint8_t* out, ContentType type, uint16_t epoch, uint64_t seq, uint16_t length);

// The per-direction AEAD state of one epoch.
class RecordProtection {
 public:
  RecordProtection() = default;
  RecordProtection(const RecordProtection&) = delete;
  RecordProtection& operator=(const RecordProtection&) = delete;

  // key: suite key_len bytes; iv: fixed_iv_len bytes.
  [[nodiscard]] Result<void> init(uint16_t suite, Bytes key, Bytes iv);
  bool active() const { return params_ != nullptr; }

  // Bytes a record adds on top of its plaintext, header included.
  size_t overhead() const { return kRecordHeaderSize + explicit_nonce_size() + crypto::kAeadTagSize; }
  size_t explicit_nonce_size() const { return params_ ? params_->record_iv_len : 0; }

  // Protects a record in place. `record` starts at the record header; the
  // plaintext must already sit at record[13 + explicit_nonce_size()]
  // for `plaintext_len` bytes, and the span must have room for the tag.
  // Writes header, nonce, ciphertext and tag; returns the record size.
  // Errors: buffer_too_small, crypto_failure.
  [[nodiscard]] Result<size_t> seal(MutBytes record, ContentType type, uint16_t epoch, uint64_t seq,
                                    size_t plaintext_len);

  // Opens `fragment` (a copy of RecordView::fragment the caller owns) in
  // place. Returns the plaintext view within it. Errors: malformed (too
  // short or too long), auth_failed.
  [[nodiscard]] Result<MutBytes> open(const RecordView& rec, MutBytes fragment);

 private:
  // Seals or opens `data` in place: builds the nonce (from the explicit
  // nonce or epoch_seq) and the additional data, then runs the AEAD.
  Result<void> crypt(bool open, uint64_t epoch_seq, uint8_t type, uint16_t version, const uint8_t* explicit_nonce,
                     MutBytes data, uint8_t* tag);
  const SuiteParams* params_ = nullptr;  // set once aead_ holds the suite's keyed context
  uint8_t iv_[12] = {};
  std::variant<std::monostate, crypto::AesGcm, crypto::ChaChaPoly> aead_;
};

}  // namespace sansrtc::dtls
