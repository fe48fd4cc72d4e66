// sansrtc/rng.h — injected randomness.
//
// No machine uses global randomness: each takes an `Rng&` at construction.
// Production code passes a CTR_DRBG (lib/base/crypto/ctr_drbg_rng.h); tests
// pass a `SeededRng`, so every run can be replayed from its seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace sansrtc {

class Rng {
 public:
  virtual ~Rng() = default;
  // Fills `out` with random bytes. Never fails: a backend that cannot produce
  // randomness must abort rather than return predictable bytes.
  virtual void fill(std::span<uint8_t> out) = 0;

  uint32_t next_u32();
  uint64_t next_u64();
  // Uniform in [0, bound). bound == 0 returns 0.
  uint64_t uniform(uint64_t bound);
  // Uniform double in [0, 1).
  double next_double();
};

// Deterministic, fast, NOT cryptographically secure (xoshiro256** seeded via
// splitmix64). For tests, the simulator and benchmarks only.
class SeededRng final : public Rng {
 public:
  explicit SeededRng(uint64_t seed);
  void fill(std::span<uint8_t> out) override;
  uint64_t seed() const { return seed_; }

 private:
  uint64_t step();
  uint64_t seed_;
  uint64_t s_[4];
};

}  // namespace sansrtc
