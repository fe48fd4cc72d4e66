// The application data record queue (dtls/record_queue.h): records come out
// in order across its two buffers, the limit holds, and the burst buffer is
// given back once drained while the datagram-size one stays.
#include "dtls/record_queue.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace sansrtc;
using namespace sansrtc::dtls;

namespace {
std::vector<uint8_t> record(size_t n, uint8_t tag) {
  std::vector<uint8_t> r(n);
  for (size_t i = 0; i < n; ++i) r[i] = uint8_t(tag + i);
  return r;
}
constexpr size_t kKeep = RecordQueue::kEntryHeader + 1500;
}  // namespace

TEST_CASE("records come out in order through the main and the burst buffer") {
  RecordQueue q;
  q.set_limits(16, kKeep);
  std::vector<std::vector<uint8_t>> in;
  for (uint8_t i = 0; i < 16; ++i) in.push_back(record(i % 3 == 0 ? 1200 : 40 + i, i));
  // Interleave: fill half, drain a quarter, fill the rest, drain all.
  size_t next_in = 0, next_out = 0;
  for (; next_in < 8; ++next_in) REQUIRE(q.push(Bytes(in[next_in].data(), in[next_in].size())));
  for (; next_out < 4; ++next_out) {
    Bytes f = q.front();
    CHECK(std::vector<uint8_t>(f.begin(), f.end()) == in[next_out]);
    q.pop();
  }
  for (; next_in < 16; ++next_in) {
    if (q.full()) break;
    REQUIRE(q.push(Bytes(in[next_in].data(), in[next_in].size())));
  }
  CHECK(q.size() == 12);
  CHECK(q.capacity() > kKeep);  // the burst did not fit one datagram's buffer
  while (!q.empty()) {
    Bytes f = q.front();
    CHECK(std::vector<uint8_t>(f.begin(), f.end()) == in[next_out]);
    q.pop();
    ++next_out;
  }
  CHECK(next_out == 16);
  q.trim();
  CHECK(q.capacity() <= kKeep);
  CHECK(q.front().empty());
}

TEST_CASE("the limit counts records; a prepared record is scratch until committed") {
  RecordQueue q;
  q.set_limits(2, kKeep);
  const auto a = record(10, 1), b = record(20, 2), c = record(30, 3);
  REQUIRE(q.push(Bytes(a.data(), a.size())));
  REQUIRE(q.push(Bytes(b.data(), b.size())));
  CHECK(q.full());
  CHECK_FALSE(q.push(Bytes(c.data(), c.size())));
  // Scratch room even when full (a received record is authenticated before
  // it is dropped); nothing is queued by it.
  MutBytes room = q.prepare(c.size());
  CHECK(room.size() == c.size());
  CHECK(q.size() == 2);
  Bytes f = q.front();
  CHECK(std::vector<uint8_t>(f.begin(), f.end()) == a);
  q.pop();
  // A committed record's payload is any part of its prepared room.
  room = q.prepare(c.size());
  std::copy(c.begin(), c.end(), room.begin());
  q.commit(5, 20);
  q.pop();
  f = q.front();
  CHECK(std::vector<uint8_t>(f.begin(), f.end()) == std::vector<uint8_t>(c.begin() + 5, c.begin() + 25));
}

TEST_CASE("a record larger than a datagram goes through the burst buffer, which is given back") {
  RecordQueue q;
  q.set_limits(4, kKeep);
  const auto small = record(100, 7), big = record(16384, 9);
  REQUIRE(q.push(Bytes(small.data(), small.size())));
  q.pop();
  const size_t main_cap = q.capacity();
  CHECK(main_cap == RecordQueue::kEntryHeader + 100);
  REQUIRE(q.push(Bytes(big.data(), big.size())));
  CHECK(q.capacity() >= main_cap + big.size());
  Bytes f = q.front();
  CHECK(std::vector<uint8_t>(f.begin(), f.end()) == big);
  q.pop();
  q.trim();
  CHECK(q.capacity() == main_cap);
}
