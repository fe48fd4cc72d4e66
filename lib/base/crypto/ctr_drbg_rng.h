// base/crypto/ctr_drbg_rng.h — the production Rng: mbedTLS CTR_DRBG seeded
// from the platform entropy source (or, on devices, a user entropy callback).
#pragma once

#include <sansrtc/result.h>
#include <sansrtc/rng.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace sansrtc::crypto {

struct CtrDrbgImpl;

class CtrDrbgRng final : public Rng {
 public:
  // Entropy source: fills `out`, returns 0 on success.
  using EntropyFn = int (*)(void* user, uint8_t* out, size_t len);

  // Seeds from mbedTLS's default entropy collector (getrandom / /dev/urandom).
  static Result<std::unique_ptr<CtrDrbgRng>> create(std::span<const uint8_t> personalization = {});
  // Seeds from a caller-supplied entropy function (for devices).
  static Result<std::unique_ptr<CtrDrbgRng>> create_with_entropy(EntropyFn fn, void* user,
                                                                 std::span<const uint8_t> personalization = {});
  ~CtrDrbgRng() override;
  void fill(std::span<uint8_t> out) override;

 private:
  CtrDrbgRng();
  std::unique_ptr<CtrDrbgImpl> impl_;
};

}  // namespace sansrtc::crypto
