// sansrtc-demo's command line: defaults, every option in both spellings,
// and the message a person gets for each mistake.
#include "options.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace sansrtc;
using namespace sansrtc::demo;

namespace {

ParsedOptions parse(std::vector<const char*> args) {
  args.insert(args.begin(), "sansrtc-demo");
  return parse_options(int(args.size()), args.data());
}

}  // namespace

TEST_CASE("no arguments: serve on 127.0.0.1:8080, every interface, warnings") {
  auto p = parse({});
  REQUIRE(p.error.empty());
  CHECK(p.options.http == "127.0.0.1:8080");
  CHECK_FALSE(p.options.whip_url);
  CHECK_FALSE(p.options.loopback);
  CHECK(p.options.ice_servers.empty());
  CHECK(p.options.ice_transport_policy == IceTransportPolicy::all);
  CHECK(p.options.log == LogLevel::warning);
  CHECK(p.options.timeout_ms == 30000);
}

TEST_CASE("every option, separated and with =") {
  auto p = parse({"--http", "0.0.0.0:9000", "--ice-server", "stun:stun.example.org:3478",
                  "--ice-server=turn:user:pass@turn.example.org:3478?transport=tcp", "--ice-transport-policy", "relay",
                  "--udp-ports=40000-40100", "--whip", "http://127.0.0.1:8080/whip", "--log=debug", "--loopback",
                  "--negotiated", "--timeout", "5", "--count=10", "--bytes", "1000", "--window", "4096", "--quiet"});
  REQUIRE(p.error.empty());
  const DemoOptions& o = p.options;
  CHECK(o.http == "0.0.0.0:9000");
  REQUIRE(o.ice_servers.size() == 2);
  CHECK(o.ice_servers[1] == "turn:user:pass@turn.example.org:3478?transport=tcp");
  CHECK(o.ice_transport_policy == IceTransportPolicy::relay);
  CHECK(o.udp_port_low == 40000);
  CHECK(o.udp_port_high == 40100);
  CHECK(*o.whip_url == "http://127.0.0.1:8080/whip");
  CHECK(o.log == LogLevel::debug);
  CHECK(o.loopback);
  CHECK(o.negotiated);
  CHECK(o.timeout_ms == 5000);
  CHECK(o.count == 10);
  CHECK(o.bytes == 1000);
  CHECK(o.window == 4096);
  CHECK(o.quiet);
}

TEST_CASE("mistakes are named") {
  CHECK(parse({"--frobnicate"}).error == "unknown argument '--frobnicate'");
  CHECK(parse({"--http"}).error == "--http needs a value");
  CHECK(parse({"--ice-server", "http://x"}).error.find("stun:, stuns:, turn: or turns:") != std::string::npos);
  CHECK(parse({"--ice-transport-policy", "some"}).error.find("all or relay") != std::string::npos);
  CHECK(parse({"--udp-ports", "5-4"}).error.find("LOW-HIGH") != std::string::npos);
  CHECK(parse({"--udp-ports", "0-4"}).error.find("LOW-HIGH") != std::string::npos);
  CHECK(parse({"--udp-ports", "70000"}).error.find("LOW-HIGH") != std::string::npos);
  CHECK(parse({"--log", "loud"}).error.find("--log wants") != std::string::npos);
  CHECK(parse({"--timeout", "0"}).error.find("--timeout") != std::string::npos);
  CHECK(parse({"--bytes", "262145"}).error.find("--bytes") != std::string::npos);
  CHECK(parse({"--window", "0"}).error.find("--window") != std::string::npos);
}

TEST_CASE("a single port is a range of one") {
  auto p = parse({"--udp-ports", "50000"});
  REQUIRE(p.error.empty());
  CHECK(p.options.udp_port_low == 50000);
  CHECK(p.options.udp_port_high == 50000);
}

TEST_CASE("log levels by name") {
  CHECK(parse_log_level("trace") == LogLevel::trace);
  CHECK(parse_log_level("warn") == LogLevel::warning);
  CHECK(parse_log_level("none") == LogLevel::none);
  CHECK_FALSE(parse_log_level("WARNING"));
}
