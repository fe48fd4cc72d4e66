// Anti-replay window (RFC 6347 §4.1.2.6).
#include "dtls/replay_window.h"

#include <catch2/catch.hpp>

using sansrtc::dtls::ReplayWindow;

TEST_CASE("replay window: new, duplicate, reordered and too-old sequence numbers") {
  ReplayWindow w;
  CHECK(w.check(0));
  w.mark(0);
  CHECK_FALSE(w.check(0));  // duplicate
  CHECK(w.check(5));
  w.mark(5);
  CHECK(w.check(3));  // late but inside the window
  w.mark(3);
  CHECK_FALSE(w.check(3));
  CHECK(w.check(4));
  w.mark(100);
  CHECK_FALSE(w.check(36));  // 100 - 36 = 64: left of the window
  CHECK(w.check(37));        // the oldest still inside
  w.mark(37);
  CHECK_FALSE(w.check(37));
  CHECK_FALSE(w.check(100));
  // A jump beyond the window forgets everything older.
  w.mark(1000);
  CHECK_FALSE(w.check(900));
  CHECK(w.check(999));
  CHECK(w.check(0xFFFFFFFFFFFFull));  // 48-bit maximum
}

TEST_CASE("replay window: check does not mark (only authenticated records are marked)") {
  ReplayWindow w;
  w.mark(10);
  CHECK(w.check(11));
  CHECK(w.check(11));
  CHECK(w.max_seq() == 10);
}
