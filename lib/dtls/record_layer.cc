#include "dtls/record_layer.h"

#include <cstring>

namespace sansrtc::dtls {

std::optional<RecordView> RecordParser::next() {
  if (reader_.empty() || truncated_) return std::nullopt;
  // The fixed header read with plain loads once its 13 bytes are known to
  // be there (less code than a ByteReader call per field).
  const Bytes rest = reader_.rest();
  const uint8_t* p = rest.data();
  if (rest.size() < kRecordHeaderSize || rest.size() - kRecordHeaderSize < load_be16(p + 11)) {
    truncated_ = true;
    return std::nullopt;
  }
  const size_t length = load_be16(p + 11);
  RecordView r;
  r.type = p[0];
  r.version = load_be16(p + 1);
  r.epoch = load_be16(p + 3);
  r.sequence_number = load_be48(p + 5);
  r.header = rest.first(kRecordHeaderSize);
  r.fragment = rest.subspan(kRecordHeaderSize, length);
  reader_.skip(kRecordHeaderSize + length);
  return r;
}

void write_record_header(uint8_t* out, ContentType type, uint16_t epoch, uint64_t seq, uint16_t length) {
  out[0] = static_cast<uint8_t>(type);
  store_be16(out + 1, kDtls12Version);
  store_be16(out + 3, epoch);
  store_be48(out + 5, seq);
  store_be16(out + 11, length);
}

Result<void> RecordProtection::init(uint16_t suite, Bytes key, Bytes iv) {
  const SuiteParams* p = suite_params(suite);
  if (!p) return make_error(Errc::unsupported, "dtls: unknown cipher suite");
  if (key.size() != p->key_len || iv.size() != p->fixed_iv_len)
    return make_error(Errc::invalid_argument, "dtls: wrong key or iv length for the suite");
  // Only the suite's AEAD context exists (the other would be ~0.5-1 KB of
  // dead weight per direction).
  params_ = nullptr;
  if (p->aead == AeadAlg::aes_gcm) {
    SANSRTC_TRY(aead_.emplace<crypto::AesGcm>().set_key(key));
  } else {
    SANSRTC_TRY(aead_.emplace<crypto::ChaChaPoly>().set_key(key));
  }
  std::memset(iv_, 0, sizeof(iv_));
  std::memcpy(iv_, iv.data(), iv.size());
  params_ = p;
  return ok_result();
}

Result<void> RecordProtection::crypt(bool open, uint64_t epoch_seq, uint8_t type, uint16_t version,
                                     const uint8_t* explicit_nonce, MutBytes data, uint8_t* tag) {
  uint8_t nonce[12];
  if (params_->aead == AeadAlg::aes_gcm) {
    // RFC 5288 §3: nonce = salt (4, implicit) || nonce_explicit (8).
    std::memcpy(nonce, iv_, 4);
    std::memcpy(nonce + 4, explicit_nonce, 8);
  } else {
    // RFC 7905 §2: the 64-bit record sequence number (epoch || seq in DTLS),
    // left-padded to 12 bytes, XORed with client/server_write_IV.
    std::memcpy(nonce, iv_, 12);
    uint8_t s[8];
    store_be64(s, epoch_seq);
    for (int i = 0; i < 8; ++i) nonce[4 + i] ^= s[i];
  }
  // additional_data = seq_num (epoch || sequence) + type + version + length
  // (RFC 5246 §6.2.3.3, with DTLS's 8-byte seq_num per RFC 6347 §4.1.2.1).
  uint8_t aad[13];
  store_be64(aad, epoch_seq);
  aad[8] = type;
  store_be16(aad + 9, version);
  store_be16(aad + 11, uint16_t(data.size()));
  const Bytes n(nonce, 12), a(aad, 13);
  if (auto* gcm = std::get_if<crypto::AesGcm>(&aead_)) return open ? gcm->open(n, a, data, tag) : gcm->seal(n, a, data, tag);
  auto* chacha = std::get_if<crypto::ChaChaPoly>(&aead_);
  return open ? chacha->open(n, a, data, tag) : chacha->seal(n, a, data, tag);
}

Result<size_t> RecordProtection::seal(MutBytes record, ContentType type, uint16_t epoch, uint64_t seq,
                                      size_t plaintext_len) {
  if (!params_) return make_error(Errc::invalid_state, "dtls: record protection not initialised");
  const size_t nonce_len = params_->record_iv_len;
  const size_t total = kRecordHeaderSize + nonce_len + plaintext_len + crypto::kAeadTagSize;
  if (record.size() < total || plaintext_len > kMaxPlaintext)
    return make_error(Errc::buffer_too_small, "dtls: record does not fit the buffer");
  const uint64_t epoch_seq = uint64_t(epoch) << 48 | (seq & 0xFFFFFFFFFFFFull);
  uint8_t* p = record.data();
  write_record_header(p, type, epoch, seq, uint16_t(total - kRecordHeaderSize));
  uint8_t* explicit_nonce = p + kRecordHeaderSize;
  if (nonce_len) store_be64(explicit_nonce, epoch_seq);
  MutBytes data(p + kRecordHeaderSize + nonce_len, plaintext_len);
  SANSRTC_TRY(crypt(false, epoch_seq, static_cast<uint8_t>(type), kDtls12Version, explicit_nonce, data,
                    data.data() + plaintext_len));
  return total;
}

Result<MutBytes> RecordProtection::open(const RecordView& rec, MutBytes fragment) {
  if (!params_) return make_error(Errc::invalid_state, "dtls: record protection not initialised");
  const size_t nonce_len = params_->record_iv_len;
  if (fragment.size() < nonce_len + crypto::kAeadTagSize)
    return make_error(Errc::malformed, "dtls: record shorter than its AEAD overhead");
  const size_t plaintext_len = fragment.size() - nonce_len - crypto::kAeadTagSize;
  // RFC 6347 §4.1.2.1 / RFC 5246 §6.2.3: TLSCiphertext.length MUST NOT
  // exceed 2^14 + 2048.
  if (plaintext_len > kMaxPlaintext) return make_error(Errc::malformed, "dtls: record too long");
  const uint64_t epoch_seq = uint64_t(rec.epoch) << 48 | rec.sequence_number;
  MutBytes data = fragment.subspan(nonce_len, plaintext_len);
  if (!crypt(true, epoch_seq, rec.type, rec.version, fragment.data(), data, data.data() + plaintext_len).ok())
    return make_error(Errc::auth_failed, "dtls: record failed authentication");
  return data;
}

}  // namespace sansrtc::dtls
