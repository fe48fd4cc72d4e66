// What a -Dterse_errors=true build does to errors (include/sansrtc/result.h):
// the code is kept, the message text is not; this file is compiled as such a
// build's library code is.
#define SANSRTC_TERSE_ERRORS 1
#include <sansrtc/result.h>

#include <catch2/catch.hpp>

#include <cstring>

namespace {

using namespace sansrtc;

int evaluated = 0;
const char* side_effect() {
  ++evaluated;
  return "never stored";
}

Result<int> parse_positive(int v) {
  if (v <= 0) return make_error(Errc::invalid_argument, "not positive");
  return v;
}

}  // namespace

TEST_CASE("terse errors keep the code and drop the message text") {
  auto r = parse_positive(-1);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::invalid_argument);
  REQUIRE(r.error().message != nullptr);
  CHECK(std::strlen(r.error().message) == 0);
  CHECK(parse_positive(3).value() == 3);
  // The message expression is still evaluated (and then discarded), so a
  // build with terse errors behaves like one without apart from the text.
  Error e = make_error(Errc::timeout, side_effect());
  CHECK(e.code == Errc::timeout);
  CHECK(evaluated == 1);
}
