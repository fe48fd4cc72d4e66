// sansrtc-demo's command line; see options.h.
#include "options.h"

#include <string_view>

namespace sansrtc::demo {

const char* const kDemoUsage =
    "usage: sansrtc-demo [options]            serve the page and WHIP on --http\n"
    "       sansrtc-demo --whip URL [options] WHIP client: open channels, check echoes\n"
    "\n"
    "Server mode serves http://ADDR:PORT/ (a browser page that connects and\n"
    "echoes), POST/PATCH/DELETE /whip (WHIP, RFC 9725) and GET /stats (JSON with\n"
    "every session's getStats() and states). Every data channel message is\n"
    "echoed back on its channel (text as text, binary as binary). Control: a text\n"
    "message exactly \"__close__\" makes the demo close that channel.\n"
    "\n"
    "Client mode POSTs an offer with every candidate to URL, opens channels of\n"
    "each reliability kind (reliable ordered, reliable unordered,\n"
    "maxRetransmits=0 unordered, maxPacketLifeTime=500 ms), sends messages of 0,\n"
    "1, 1000, 16384, 65536 and 262144 bytes as binary and text, checks the echoes\n"
    "byte for byte, runs a bulk phase on the reliable channel, prints a summary\n"
    "and exits 0 only when every check passed (reliable channels must echo all).\n"
    "\n"
    "options:\n"
    "  --http ADDR:PORT          listen address (default 127.0.0.1:8080; port 0: any)\n"
    "  --ice-server URL          stun:HOST[:PORT], turn:USER:PASS@HOST:PORT?transport=udp|tcp,\n"
    "                            turns:USER:PASS@HOST:PORT (repeatable)\n"
    "  --ice-transport-policy P  all (default) or relay\n"
    "  --udp-ports LOW-HIGH      bind ICE sockets in this port range\n"
    "  --loopback                gather only on loopback (127.0.0.1, ::1): tests\n"
    "  --log LEVEL               trace, debug, info, warning (default), error, none\n"
    "  --whip URL                client mode against http://HOST:PORT/PATH\n"
    "  --negotiated              client: also negotiated channels (ids 100, 102)\n"
    "  --timeout SECONDS         client: give up (exit 1) after this long (default 30)\n"
    "  --count N                 client: bulk-phase messages (default 64; 0: no bulk phase)\n"
    "  --bytes B                 client: bulk-phase message size (default 65536)\n"
    "  --window B                client: bulk bytes in flight, unechoed (default 1048576)\n"
    "  --quiet                   client: print the summary only\n"
    "  --help\n";

namespace {

std::optional<uint64_t> parse_uint(std::string_view s, uint64_t max) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + uint64_t(c - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view s) {
  if (s == "trace") return LogLevel::trace;
  if (s == "debug") return LogLevel::debug;
  if (s == "info") return LogLevel::info;
  if (s == "warning" || s == "warn") return LogLevel::warning;
  if (s == "error") return LogLevel::error;
  if (s == "none" || s == "off") return LogLevel::none;
  return std::nullopt;
}

ParsedOptions parse_options(int argc, const char* const* argv) {
  ParsedOptions out;
  DemoOptions& o = out.options;
  auto fail = [&](std::string msg) {
    out.error = std::move(msg);
    return out;
  };
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view name = arg, inline_value;
    bool has_inline = false;
    if (arg.substr(0, 2) == "--") {
      const size_t eq = arg.find('=');
      if (eq != std::string_view::npos) {
        name = arg.substr(0, eq);
        inline_value = arg.substr(eq + 1);
        has_inline = true;
      }
    }
    auto flag = [&](std::string_view n) {
      if (name != n) return false;
      return true;
    };
    std::string_view value;
    auto take_value = [&]() -> bool {
      if (has_inline) {
        value = inline_value;
        return true;
      }
      if (i + 1 >= argc) return false;
      value = argv[++i];
      return true;
    };
    auto needs = [&](std::string_view n) { return std::string(n) + " needs a value"; };

    if (flag("--help") || flag("-h")) {
      o.help = true;
    } else if (flag("--loopback")) {
      o.loopback = true;
    } else if (flag("--negotiated")) {
      o.negotiated = true;
    } else if (flag("--quiet")) {
      o.quiet = true;
    } else if (flag("--http")) {
      if (!take_value() || value.empty()) return fail(needs(name));
      o.http = std::string(value);
    } else if (flag("--ice-server")) {
      if (!take_value() || value.empty()) return fail(needs(name));
      const std::string_view scheme = value.substr(0, value.find(':'));
      if (value.find(':') == std::string_view::npos ||
          !(scheme == "stun" || scheme == "stuns" || scheme == "turn" || scheme == "turns"))
        return fail("--ice-server wants a stun:, stuns:, turn: or turns: URL, got '" + std::string(value) + "'");
      o.ice_servers.emplace_back(value);
    } else if (flag("--ice-transport-policy")) {
      if (!take_value()) return fail(needs(name));
      auto p = parse_ice_transport_policy(value);
      if (!p) return fail("--ice-transport-policy wants all or relay, got '" + std::string(value) + "'");
      o.ice_transport_policy = *p;
    } else if (flag("--udp-ports")) {
      if (!take_value()) return fail(needs(name));
      const size_t dash = value.find('-');
      auto lo = parse_uint(value.substr(0, dash), 65535);
      auto hi = dash == std::string_view::npos ? lo : parse_uint(value.substr(dash + 1), 65535);
      if (!lo || !hi || *lo == 0 || *lo > *hi)
        return fail("--udp-ports wants LOW-HIGH with 1 <= LOW <= HIGH <= 65535, got '" + std::string(value) + "'");
      o.udp_port_low = uint16_t(*lo);
      o.udp_port_high = uint16_t(*hi);
    } else if (flag("--whip")) {
      if (!take_value() || value.empty()) return fail(needs(name));
      o.whip_url = std::string(value);
    } else if (flag("--log")) {
      if (!take_value()) return fail(needs(name));
      auto l = parse_log_level(value);
      if (!l) return fail("--log wants trace, debug, info, warning, error or none, got '" + std::string(value) + "'");
      o.log = *l;
    } else if (flag("--timeout")) {
      if (!take_value()) return fail(needs(name));
      auto t = parse_uint(value, 86400);
      if (!t || *t == 0) return fail("--timeout wants seconds (1..86400), got '" + std::string(value) + "'");
      o.timeout_ms = uint32_t(*t * 1000);
    } else if (flag("--count")) {
      if (!take_value()) return fail(needs(name));
      auto n = parse_uint(value, 10000000);
      if (!n) return fail("--count wants a number, got '" + std::string(value) + "'");
      o.count = uint32_t(*n);
    } else if (flag("--bytes")) {
      if (!take_value()) return fail(needs(name));
      auto n = parse_uint(value, 262144);
      if (!n || *n == 0) return fail("--bytes wants 1..262144, got '" + std::string(value) + "'");
      o.bytes = uint32_t(*n);
    } else if (flag("--window")) {
      if (!take_value()) return fail(needs(name));
      auto n = parse_uint(value, 64u * 1024 * 1024);
      if (!n || *n == 0) return fail("--window wants 1..67108864 bytes, got '" + std::string(value) + "'");
      o.window = uint32_t(*n);
    } else {
      return fail("unknown argument '" + std::string(arg) + "'");
    }
  }
  return out;
}

}  // namespace sansrtc::demo
