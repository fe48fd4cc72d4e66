// base/crypto/ctr_drbg_rng.cc — NIST SP 800-90A CTR_DRBG (AES-256) via mbedTLS.
#include "base/crypto/ctr_drbg_rng.h"

#include "base/crypto/mbedtls_util.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include <cstdio>
#include <cstdlib>

namespace sansrtc::crypto {

// Heap-allocated so its address is stable: the DRBG keeps a pointer to the
// entropy source it reseeds from.
struct CtrDrbgImpl {
  CtrDrbgImpl() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
  }
  ~CtrDrbgImpl() {
    mbedtls_ctr_drbg_free(&drbg);  // zeroizes the DRBG state
    mbedtls_entropy_free(&entropy);
  }
  CtrDrbgImpl(const CtrDrbgImpl&) = delete;
  CtrDrbgImpl& operator=(const CtrDrbgImpl&) = delete;

  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
};

CtrDrbgRng::CtrDrbgRng() : impl_(std::make_unique<CtrDrbgImpl>()) {}
CtrDrbgRng::~CtrDrbgRng() = default;

Result<std::unique_ptr<CtrDrbgRng>> CtrDrbgRng::create(std::span<const uint8_t> personalization) {
  std::unique_ptr<CtrDrbgRng> r(new CtrDrbgRng());
  CtrDrbgImpl* impl = r->impl_.get();
  if (mbedtls_ctr_drbg_seed(&impl->drbg, mbedtls_entropy_func, &impl->entropy, personalization.data(),
                            personalization.size()) != 0) {
    return make_error(Errc::crypto_failure, "CTR_DRBG seeding from the platform entropy source failed");
  }
  return r;
}

Result<std::unique_ptr<CtrDrbgRng>> CtrDrbgRng::create_with_entropy(EntropyFn fn, void* user,
                                                                   std::span<const uint8_t> personalization) {
  if (fn == nullptr) return make_error(Errc::invalid_argument, "null entropy function");
  std::unique_ptr<CtrDrbgRng> r(new CtrDrbgRng());
  CtrDrbgImpl* impl = r->impl_.get();
  // EntropyFn has mbedTLS's f_entropy shape (0 = success), so it is
  // passed straight through and is also used for every automatic reseed.
  if (mbedtls_ctr_drbg_seed(&impl->drbg, fn, user, personalization.data(), personalization.size()) != 0) {
    return make_error(Errc::crypto_failure, "CTR_DRBG seeding from the supplied entropy function failed");
  }
  return r;
}

void CtrDrbgRng::fill(std::span<uint8_t> out) {
  uint8_t* p = out.data();
  size_t left = out.size();
  while (left > 0) {
    const size_t n = left < MBEDTLS_CTR_DRBG_MAX_REQUEST ? left : MBEDTLS_CTR_DRBG_MAX_REQUEST;
    // mbedtls_ctr_drbg_random reseeds from the entropy source by itself once
    // the reseed interval is reached; if that (or anything) fails, the Rng
    // contract says abort rather than hand out predictable bytes.
    if (mbedtls_ctr_drbg_random(&impl_->drbg, p, n) != 0) {
      std::fputs("sansrtc: CTR_DRBG failed (entropy source unavailable?); aborting\n", stderr);
      std::abort();
    }
    p += n;
    left -= n;
  }
}

}  // namespace sansrtc::crypto
