#include "support/sim/seed.h"

#include <cerrno>
#include <cstdlib>

namespace sansrtc::sim {

std::optional<uint64_t> env_seed() {
  const char* s = std::getenv("SANSRTC_SEED");
  if (s == nullptr || *s == '\0') return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s, &end, 0);
  if (errno != 0 || end == s || *end != '\0') return std::nullopt;
  return uint64_t(v);
}

uint64_t test_seed(uint64_t fallback) { return env_seed().value_or(fallback); }

std::vector<uint64_t> test_seeds(size_t count, uint64_t first) {
  if (auto s = env_seed()) return {*s};
  std::vector<uint64_t> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) out.push_back(first + i);
  return out;
}

std::string seed_info(uint64_t seed) {
  const std::string n = std::to_string(seed);
  return "seed=" + n + " (replay: SANSRTC_SEED=" + n + ")";
}

uint64_t derive_seed(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace sansrtc::sim
