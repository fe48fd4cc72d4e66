// Handshake reassembly (RFC 6347 §4.2.3): out of order, duplicated and
// overlapping fragments; bounded; bogus fragments rejected.
#include "dtls/fragment_reassembler.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace sansrtc;
using namespace sansrtc::dtls;
using AR = FragmentReassembler::AddResult;

namespace {
HandshakeFragment frag(uint16_t seq, const std::vector<uint8_t>& msg, uint32_t off, uint32_t len,
                       uint8_t type = 1) {
  HandshakeFragment f;
  f.msg_type = type;
  f.length = uint32_t(msg.size());
  f.message_seq = seq;
  f.fragment_offset = off;
  f.fragment_length = len;
  f.body = Bytes(msg).subspan(off, len);
  return f;
}
std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = uint8_t(i * 7);
  return v;
}
}  // namespace

TEST_CASE("a 1.4 KB ClientHello in two fragments, second first, with an overlapping duplicate") {
  FragmentReassembler r(16384, 4);
  r.reset(0);
  auto msg = pattern(1400);
  CHECK(r.add(frag(0, msg, 1100, 300)) == AR::accepted);
  CHECK_FALSE(r.pop());
  CHECK(r.add(frag(0, msg, 1000, 200)) == AR::accepted);  // overlap
  CHECK_FALSE(r.pop());
  CHECK(r.add(frag(0, msg, 0, 1100)) == AR::accepted);
  auto m = r.pop();
  REQUIRE(m);
  CHECK(m->type == HandshakeType::client_hello);
  CHECK(bytes_equal(m->body, msg));
  // The transcript form: a single-fragment header.
  CHECK(load_be24(&m->full[1]) == 1400);
  CHECK(load_be24(&m->full[6]) == 0);
  CHECK(load_be24(&m->full[9]) == 1400);
  CHECK(r.next_seq() == 1);
  CHECK(r.add(frag(0, msg, 0, 10)) == AR::old);
}

TEST_CASE("messages ahead are buffered up to the window and delivered in order") {
  FragmentReassembler r(16384, 3);
  r.reset(5);
  auto a = pattern(10), b = pattern(20), c = pattern(30);
  CHECK(r.add(frag(7, c, 0, 30)) == AR::accepted);
  CHECK(r.add(frag(8, c, 0, 30)) == AR::too_far);
  CHECK(r.add(frag(6, b, 0, 20)) == AR::accepted);
  CHECK_FALSE(r.pop());
  CHECK(r.add(frag(5, a, 0, 10)) == AR::accepted);
  CHECK(r.pop()->message_seq == 5);
  CHECK(r.pop()->message_seq == 6);
  CHECK(r.pop()->message_seq == 7);
  CHECK_FALSE(r.pop());
}

TEST_CASE("oversized, inconsistent and duplicate fragments are rejected") {
  FragmentReassembler r(1000, 2);
  r.reset(0);
  auto big = pattern(1001);
  CHECK(r.add(frag(0, big, 0, 10)) == AR::too_big);
  auto msg = pattern(100);
  CHECK(r.add(frag(0, msg, 0, 50)) == AR::accepted);
  auto other = pattern(99);  // same seq, different length
  CHECK(r.add(frag(0, other, 50, 49)) == AR::inconsistent);
  CHECK(r.add(frag(0, msg, 50, 50, 2)) == AR::inconsistent);  // different type
  CHECK(r.add(frag(0, msg, 50, 50)) == AR::accepted);
  CHECK(r.add(frag(0, msg, 0, 100)) == AR::duplicate);
  CHECK(r.pop());
  CHECK(r.buffered_bytes() > 0);
  r.release();
  CHECK(r.buffered_bytes() == 0);
}

TEST_CASE("zero-length messages (ServerHelloDone) complete at once") {
  FragmentReassembler r(1000, 2);
  r.reset(3);
  std::vector<uint8_t> empty;
  CHECK(r.add(frag(3, empty, 0, 0, 14)) == AR::accepted);
  auto m = r.pop();
  REQUIRE(m);
  CHECK(m->body.empty());
  CHECK(m->full.size() == 12);
}
