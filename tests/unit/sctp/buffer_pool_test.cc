// The association's message buffer pool (sctp/buffer_pool.h): which buffer
// a message gets, and the bounds that keep the pool's memory small.
#include "sctp/buffer_pool.h"

#include <catch2/catch.hpp>

using namespace sansrtc::sctp;

namespace {
std::vector<uint8_t> with_capacity(size_t n) {
  std::vector<uint8_t> v;
  v.reserve(n);
  return v;
}
}  // namespace

TEST_CASE("buffer pool: a message gets the smallest buffer that holds it") {
  BufferPool pool(4, 4096, 16 * 1024);
  pool.give(with_capacity(100));
  pool.give(with_capacity(2000));
  pool.give(with_capacity(1000));
  CHECK(pool.size() == 3);
  CHECK(pool.bytes() == 3100);
  auto b = pool.take(900);
  CHECK(b.capacity() == 1000);
  CHECK(b.empty());
  CHECK(pool.take(3000).capacity() == 0);  // none fits: a fresh vector, nothing allocated
  CHECK(pool.size() == 2);
  // A message of unknown size (first of several fragments) gets the largest.
  CHECK(pool.take_largest(50).capacity() == 2000);
  CHECK(pool.take_largest(200).capacity() == 0);
  CHECK(pool.bytes() == 100);
}

TEST_CASE("buffer pool: given-back buffers come back cleared, within the bounds") {
  BufferPool pool(2, 4096, 6000);
  std::vector<uint8_t> v(500, 7);
  pool.give(std::move(v));
  auto again = pool.take(10);
  CHECK(again.empty());
  CHECK(again.capacity() >= 500);
  pool.give(with_capacity(5000));  // beyond max_buffer_size: freed
  CHECK(pool.size() == 0);
  pool.give(with_capacity(3000));
  pool.give(with_capacity(2000));
  CHECK(pool.size() == 2);
  // Full: a larger buffer replaces the smallest; a smaller one is dropped.
  pool.give(with_capacity(1000));
  CHECK(pool.bytes() == 5000);
  pool.give(with_capacity(2500));
  CHECK(pool.size() == 2);
  CHECK(pool.bytes() == 5500);
  // The byte bound evicts as many small buffers as it takes.
  pool.give(with_capacity(4000));
  CHECK(pool.bytes() <= 6000);
  CHECK(pool.take(3500).capacity() == 4000);
  pool.clear();
  CHECK(pool.size() == 0);
  CHECK(pool.bytes() == 0);
}

TEST_CASE("buffer pool: zero buffers disables it") {
  BufferPool pool(0, 4096, 16 * 1024);
  pool.give(with_capacity(100));
  CHECK(pool.size() == 0);
  CHECK(pool.take(1).capacity() == 0);
}
