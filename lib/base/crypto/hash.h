// base/crypto/hash.h — SHA-1/256/384/512 and HMAC over them (SHA-1 and
// SHA-256 are ours, md32.h; SHA-384/512 are mbedTLS's).
//
// One-shot functions for the common case and incremental objects for
// transcripts (DTLS keeps a running handshake hash and needs its value
// mid-way: `Hasher` is copyable so a snapshot can be finished). HMAC is
// RFC 2104. Nothing here allocates.
#pragma once

#include "base/bytes.h"
#include <sansrtc/result.h>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace sansrtc::crypto {

enum class HashAlg : uint8_t { sha1, sha256, sha384, sha512 };

inline constexpr size_t kMaxHashSize = 64;
size_t hash_size(HashAlg alg);
const char* hash_name(HashAlg alg);  // "sha-1", "sha-256"… (the SDP fingerprint names)

// out must hold hash_size(alg) bytes.
void hash(HashAlg alg, Bytes data, uint8_t* out);
void hmac(HashAlg alg, Bytes key, Bytes data, uint8_t* out);

// Incremental hash. Copyable (copies the running state).
class Hasher {
 public:
  explicit Hasher(HashAlg alg);
  Hasher(const Hasher& o);
  Hasher& operator=(const Hasher& o);
  ~Hasher();
  void update(Bytes data);
  // Writes hash_size() bytes; the object must not be updated afterwards.
  void finish(uint8_t* out);
  HashAlg alg() const { return alg_; }
  size_t size() const { return hash_size(alg_); }

 private:
  HashAlg alg_;
  alignas(8) unsigned char state_[256];  // the hash context, placement-constructed
};

// Incremental HMAC.
class Hmac {
 public:
  Hmac(HashAlg alg, Bytes key);
  ~Hmac();
  Hmac(const Hmac&) = delete;
  Hmac& operator=(const Hmac&) = delete;
  void update(Bytes data);
  // Writes hash_size(alg) bytes and leaves the object ready for the next
  // message under the same key (the key schedule is kept, so reuse costs
  // nothing extra: keep one Hmac per key on per-packet paths).
  void finish(uint8_t* out);
  void reset();  // discards a partly fed message
  size_t size() const { return hash_size(alg_); }

 private:
  HashAlg alg_;
  alignas(8) unsigned char state_[768];  // inner, outer and running hash contexts
};

}  // namespace sansrtc::crypto
