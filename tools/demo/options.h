// demo/options.h — the command line of sansrtc-demo, parsed without IO so it
// can be tested. The usage text (kDemoUsage) is the reference for what each
// option does.
#pragma once

#include <sansrtc/log.h>
#include <sansrtc/peer_connection_types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sansrtc::demo {

extern const char* const kDemoUsage;

struct DemoOptions {
  std::string http = "127.0.0.1:8080";          // --http ADDR:PORT (server mode)
  std::vector<std::string> ice_servers;         // --ice-server URL (repeatable)
  IceTransportPolicy ice_transport_policy = IceTransportPolicy::all;
  uint16_t udp_port_low = 0, udp_port_high = 0; // --udp-ports LOW-HIGH; 0-0: any
  std::optional<std::string> whip_url;          // --whip URL: client mode
  LogLevel log = LogLevel::warning;             // --log LEVEL
  bool loopback = false;                        // --loopback: gather on 127.0.0.1/::1 only
  bool negotiated = false;                      // --negotiated (client): also negotiated channels
  uint32_t timeout_ms = 30000;                  // --timeout SECONDS (client)
  uint32_t count = 64;                          // --count N: bulk-phase messages (client; 0: none)
  uint32_t bytes = 65536;                       // --bytes B: bulk-phase message size
  uint32_t window = 1024 * 1024;                // --window B: bulk bytes sent and not yet echoed
  bool quiet = false;                           // --quiet: summary only (client)
  bool help = false;
};

struct ParsedOptions {
  DemoOptions options;
  std::string error;  // empty on success
};

// argv[0] is the program name. Both "--opt VALUE" and "--opt=VALUE".
ParsedOptions parse_options(int argc, const char* const* argv);

// "debug" → LogLevel::debug; also trace, info, warning (warn), error, none.
std::optional<LogLevel> parse_log_level(std::string_view s);

}  // namespace sansrtc::demo
