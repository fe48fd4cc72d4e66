#include "base/address.h"
#include "base/inline_vector.h"
#include "base/log.h"

#include <cstdint>
#include "base/ring_buffer.h"
#include "base/secret.h"
#include "base/seq_num.h"
#include "base/strong_id.h"
#include "base/time.h"
#include <sansrtc/result.h>
#include <sansrtc/rng.h>

#include <catch2/catch.hpp>

#include <string>
#include <type_traits>
#include <vector>

using namespace sansrtc;

namespace {
Result<int> half(int v) {
  if (v % 2) return make_error(Errc::invalid_argument, "odd");
  return v / 2;
}
Result<int> quarter(int v) {
  auto h = half(v);
  SANSRTC_TRY(h);
  return half(*h);
}
}  // namespace

TEST_CASE("Result carries a value or a static error") {
  REQUIRE(*half(8) == 4);
  auto e = half(3);
  REQUIRE_FALSE(e.ok());
  REQUIRE(e.error().code == Errc::invalid_argument);
  REQUIRE(std::string(e.error().message) == "odd");
  REQUIRE(quarter(6).error().code == Errc::invalid_argument);
  REQUIRE(*quarter(8) == 2);
  Result<std::string> s = std::string("x");
  Result<std::string> t = s;
  REQUIRE(*t == "x");
  Result<void> v = make_error(Errc::timeout, "late");
  REQUIRE(std::string(errc_name(v.error().code)) == "timeout");
}

TEST_CASE("SeqNum compares across the wrap") {
  Seq16 a(65535), b(0), c(100);
  REQUIRE(a < b);
  REQUIRE(b > a);
  REQUIRE(b.distance_from(a) == 1);
  REQUIRE(a.distance_from(b) == -1);
  REQUIRE(c > a);
  REQUIRE(Seq16(0x8000) > Seq16(1));
  Seq48 d((uint64_t(1) << 48) - 1);
  REQUIRE(d.next().value() == 0);
  REQUIRE(d < d.next());
}

TEST_CASE("Unwrapper follows a wrapping stream, including reordering") {
  Unwrapper<16> u;
  REQUIRE(u.unwrap(Seq16(65534)) == 65534);
  REQUIRE(u.unwrap(Seq16(1)) == 65537);
  REQUIRE(u.unwrap(Seq16(65535)) == 65535);  // late packet before the wrap
  REQUIRE(u.unwrap(Seq16(2)) == 65538);
  REQUIRE(u.peek(Seq16(0)) == 65536);
}

TEST_CASE("TimerTable reports the earliest deadline and which timer") {
  enum class T { a, b, c, count_ };
  TimerTable<T, size_t(T::count_)> t;
  REQUIRE_FALSE(t.next());
  t.arm(T::b, kTestEpoch + seconds(2));
  t.arm(T::c, kTestEpoch + seconds(1));
  REQUIRE(*t.next() == kTestEpoch + seconds(1));
  REQUIRE(*t.next_timer() == T::c);
  REQUIRE_FALSE(t.take_expired(T::c, kTestEpoch));
  REQUIRE(t.take_expired(T::c, kTestEpoch + seconds(1)));
  REQUIRE(*t.next_timer() == T::b);
  t.disarm(T::b);
  REQUIRE_FALSE(t.next());
  MonotonicNow m;
  REQUIRE(m.update(kTestEpoch + seconds(5)) == kTestEpoch + seconds(5));
  REQUIRE(m.update(kTestEpoch) == kTestEpoch + seconds(5));  // clamped
}

TEST_CASE("RingBuffer is bounded and FIFO") {
  RingBuffer<std::string> r(3);
  REQUIRE(r.push_back("a"));
  REQUIRE(r.push_back("b"));
  REQUIRE(r.push_back("c"));
  REQUIRE_FALSE(r.push_back("d"));
  REQUIRE(*r.pop_front() == "a");
  REQUIRE(r.push_back("d"));
  REQUIRE(r[2] == "d");
  REQUIRE(r.size() == 3);
  r.clear();
  REQUIRE_FALSE(r.pop_front());
}

TEST_CASE("InlineVector is bounded and keeps its elements inline") {
  InlineVector<std::string, 2> v;
  REQUIRE(v.push_back("x"));
  REQUIRE(v.push_back("y"));
  REQUIRE_FALSE(v.push_back("z"));
  auto w = v;
  v.erase(0);
  REQUIRE(v.size() == 1);
  REQUIRE(v[0] == "y");
  REQUIRE(w.size() == 2);
  static_assert(sizeof(InlineVector<uint32_t, 4>) <= 4 * 4 + sizeof(size_t));
  // clear() of trivially destructible elements only resets the size.
  InlineVector<uint32_t, 2> n;
  REQUIRE((n.push_back(1) && n.push_back(2)));
  n.clear();
  REQUIRE(n.empty());
  REQUIRE((n.push_back(3) && n.push_back(4)));
  REQUIRE((n.size() == 2 && n[0] == 3 && n[1] == 4));
  w.clear();
  REQUIRE(w.empty());
}

TEST_CASE("SeededRng is reproducible") {
  SeededRng a(42), b(42), c(43);
  REQUIRE(a.next_u64() == b.next_u64());
  REQUIRE(a.next_u64() != c.next_u64());
  for (int i = 0; i < 1000; ++i) REQUIRE(a.uniform(7) < 7);
  double d = a.next_double();
  REQUIRE((d >= 0 && d < 1));
}

TEST_CASE("IP and socket addresses parse and print (RFC 5952)") {
  REQUIRE(IpAddress::parse("192.0.2.1")->to_string() == "192.0.2.1");
  REQUIRE(IpAddress::parse("2001:DB8:0:0:0:0:0:1")->to_string() == "2001:db8::1");
  REQUIRE(IpAddress::parse("::1")->is_loopback());
  REQUIRE(IpAddress::parse("::")->to_string() == "::");
  REQUIRE(IpAddress::parse("2001:db8:0:1:1:1:1:1")->to_string() == "2001:db8:0:1:1:1:1:1");
  REQUIRE(IpAddress::parse("::ffff:1.2.3.4")->to_string() == "::ffff:102:304");
  REQUIRE_FALSE(IpAddress::parse("1.2.3"));
  REQUIRE_FALSE(IpAddress::parse("1.2.3.256"));
  REQUIRE_FALSE(IpAddress::parse("1::2::3"));
  REQUIRE_FALSE(IpAddress::parse("12345::"));
  auto s = SocketAddress::parse("[2001:db8::1]:3478");
  REQUIRE(s);
  REQUIRE(s->port() == 3478);
  REQUIRE(s->to_string() == "[2001:db8::1]:3478");
  REQUIRE(SocketAddress::parse("127.0.0.1:80")->ip().is_loopback());
  REQUIRE_FALSE(SocketAddress::parse("127.0.0.1:65536"));
  REQUIRE_FALSE(SocketAddress::parse("::1:80"));
  // format() truncates to the buffer, always NUL-terminated, and says how
  // much it wrote.
  char small[8];
  REQUIRE(SocketAddress::parse("192.0.2.1:65535")->format(small, sizeof small) == 7);
  REQUIRE(std::string(small) == "192.0.2");
  REQUIRE(IpAddress::parse("ffff:eeee::1")->format(small, sizeof small) == 7);
  REQUIRE(std::string(small) == "ffff:ee");
  REQUIRE(IpAddress::parse("1.2.3.4")->format(small, 0) == 0);
  char full[64];
  REQUIRE(SocketAddress::parse("[::]:0")->format(full, sizeof full) == 6);
  REQUIRE(std::string(full) == "[::]:0");
  REQUIRE(SocketAddress::parse("255.255.255.255:65535")->to_string() == "255.255.255.255:65535");
}

namespace {
std::vector<std::string> g_lines;
void capture(void*, LogLevel, const char* module, const char* msg) {
  g_lines.push_back(std::string(module) + ": " + msg);
}
}  // namespace

TEST_CASE("Logging formats into a bounded line, redacts addresses, cannot print secrets") {
  set_log_sink(capture, nullptr);
  set_log_level(LogLevel::info);
  SocketAddress a = *SocketAddress::parse("10.0.0.1:5000");
  SANSRTC_LOG(LogLevel::info, "test", "from {} n={} ok={}", a, 42, true);
  SANSRTC_LOG(LogLevel::debug, "test", "hidden");
  set_log_redact_addresses(true);
  SANSRTC_LOG(LogLevel::error, "test", "from {}", a);
  set_log_redact_addresses(false);
  set_log_sink(nullptr, nullptr);
  REQUIRE(g_lines.size() == 2);
  REQUIRE(g_lines[0] == "test: from 10.0.0.1:5000 n=42 ok=true");
  REQUIRE(g_lines[1] == "test: from [redacted]");
  // Key material has no formatter: this is a compile-time property.
  static_assert(!std::is_constructible_v<LogArg, const Secret<32>&>);
  std::string long_arg(2000, 'x');
  char out[kMaxLogLine];
  LogArg arg(long_arg);
  REQUIRE(log_format(out, sizeof(out), "{}", &arg, 1) == kMaxLogLine - 1);
}

TEST_CASE("Log arguments format integers, characters and booleans without printf") {
  char out[kMaxLogLine];
  const auto fmt = [&](std::string_view f, auto... v) {
    const LogArg list[] = {LogArg(v)...};
    return std::string(out, log_format(out, sizeof(out), f, list, sizeof...(v)));
  };
  REQUIRE(fmt("{} {} {}", 0, -1, 7u) == "0 -1 7");
  REQUIRE(fmt("{}|{}", INT64_MIN, UINT64_MAX) == "-9223372036854775808|18446744073709551615");
  REQUIRE(fmt("[{}{}]", 'a', false) == "[afalse]");
  static_assert(!std::is_constructible_v<LogArg, double> && !std::is_constructible_v<LogArg, float>);
  REQUIRE(fmt("{} {}", 1) == "1 {?}");
}
