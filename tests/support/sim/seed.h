// support/sim/seed.h — one seed per test run, printable and replayable.
//
// Every simulated run is driven from a single 64-bit seed. A test picks a
// fixed default; the environment variable SANSRTC_SEED=<n> overrides it so a
// failure seen in CI can be replayed locally. Print the seed with Catch2:
//
//   const uint64_t seed = sim::test_seed(42);
//   INFO(sim::seed_info(seed));          // "seed=42 (replay: SANSRTC_SEED=42)"
//
// For sweeps over many seeds, `sim::test_seeds(200, 1)` returns 1..200, or
// only the overriding seed when SANSRTC_SEED is set.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sansrtc::sim {

// SANSRTC_SEED as a number, if set and valid (decimal or 0x-hex).
std::optional<uint64_t> env_seed();

// `fallback`, unless SANSRTC_SEED is set.
uint64_t test_seed(uint64_t fallback);

// `count` consecutive seeds starting at `first`, or {SANSRTC_SEED} if set.
std::vector<uint64_t> test_seeds(size_t count, uint64_t first = 1);

// "seed=N (replay: SANSRTC_SEED=N)" for INFO()/CAPTURE().
std::string seed_info(uint64_t seed);

// Derives an independent stream seed (splitmix64 of seed and stream), so that
// each link, NAT and machine gets its own RNG and adding traffic on one does
// not shift the random choices of another.
uint64_t derive_seed(uint64_t seed, uint64_t stream);

}  // namespace sansrtc::sim
