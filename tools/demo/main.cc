// sansrtc-demo — the demo peer: a WHIP server with a browser page that
// echoes every data channel message, or (--whip URL) a WHIP client that
// checks the echoes. See options.cc (kDemoUsage) for the command line,
// demo_server.h and demo_client.h for what each side does.
//
//   sansrtc-demo                       # serve http://127.0.0.1:8080/ until Ctrl-C
//   sansrtc-demo --http 127.0.0.1:0 --loopback
//   sansrtc-demo --whip http://127.0.0.1:8080/whip --loopback
//
// Server mode prints "listening on http://ADDR:PORT/" once it accepts
// connections (port 0: the port it got), then one line per session event.
// Client mode prints its progress, a summary and "result: PASS" or
// "result: FAIL" and exits 0 only on PASS (1 on failure or timeout, 2 on a
// bad command line).
#include "demo_client.h"
#include "demo_server.h"
#include "http_server.h"
#include "options.h"
#include "whip.h"

#include "base/crypto/ctr_drbg_rng.h"
#include "net/resolver.h"

#include <asio.hpp>

#include <cstdio>
#include <ctime>
#include <memory>

using namespace sansrtc;
using namespace sansrtc::demo;

namespace {

void log_to_stderr(void*, LogLevel level, const char* module, const char* message) {
  std::fprintf(stderr, "[%s] %s: %s\n", log_level_name(level), module, message);
}

}  // namespace

int main(int argc, char** argv) {
  const ParsedOptions parsed = parse_options(argc, argv);
  if (!parsed.error.empty()) {
    std::fprintf(stderr, "sansrtc-demo: %s (see --help)\n", parsed.error.c_str());
    return 2;
  }
  const DemoOptions& o = parsed.options;
  if (o.help) {
    std::fputs(kDemoUsage, stdout);
    return 0;
  }
  set_log_sink(log_to_stderr, nullptr);
  set_log_level(o.log);

  auto rng_result = crypto::CtrDrbgRng::create();
  if (!rng_result.ok()) {
    std::fprintf(stderr, "sansrtc-demo: cannot seed the random generator: %s\n", rng_result.error().message);
    return 1;
  }
  std::unique_ptr<Rng> rng = std::move(rng_result).value();

  Configuration configuration;
  configuration.ice_transport_policy = o.ice_transport_policy;
  PeerConnectionOptions pc_options;
  pc_options.unix_time_seconds = int64_t(std::time(nullptr));
  pc_options.allow_loopback = o.loopback;
  for (const std::string& url : o.ice_servers) {
    IceServer server;
    server.urls.push_back(url);
    configuration.ice_servers.push_back(server);
    // The connection resolves nothing itself: names are looked up here, once.
    auto host = ice_server_host(url);
    if (!host || IpAddress::parse(*host).ok()) continue;
    auto addrs = net::resolve_sync(*host, 0);
    if (!addrs.ok() || addrs->empty()) {
      std::fprintf(stderr, "sansrtc-demo: warning: cannot resolve %s (from %s)\n", host->c_str(), url.c_str());
      continue;
    }
    for (const SocketAddress& a : *addrs) pc_options.resolved_hosts.emplace_back(*host, a.ip());
  }

  net::EventLoop loop;
  // Bad --ice-server URLs are refused here, once, rather than per session.
  if (auto probe = PeerConnection::create(loop.now(), configuration, *rng, pc_options); !probe.ok()) {
    std::fprintf(stderr, "sansrtc-demo: the ICE configuration is refused: %s\n", probe.error().message);
    return 2;
  }
  net::HostConfig host_config;
  host_config.loopback_only = o.loopback;
  host_config.ports = net::PortRange{o.udp_port_low, o.udp_port_high};
  host_config.rng = rng.get();
  net::PeerConnectionHost host(loop, host_config);

  asio::signal_set signals(loop.context(), SIGINT, SIGTERM);
  bool interrupted = false;
  signals.async_wait([&](const asio::error_code& ec, int) {
    if (ec) return;
    interrupted = true;
    loop.stop();
  });

  if (o.whip_url) {
    auto url = parse_http_url(*o.whip_url);
    if (!url) {
      std::fprintf(stderr, "sansrtc-demo: --whip wants http://HOST[:PORT]/PATH, got '%s'\n", o.whip_url->c_str());
      return 2;
    }
    DemoClientConfig cc;
    cc.configuration = configuration;
    cc.options = pc_options;
    cc.url = *url;
    cc.negotiated = o.negotiated;
    cc.timeout = std::chrono::milliseconds(o.timeout_ms);
    cc.count = o.count;
    cc.bytes = o.bytes;
    cc.window = o.window;
    cc.quiet = o.quiet;
    DemoClient client(host, cc, stdout);
    client.start();
    while (!client.done() && !interrupted) {
      loop.restart();
      if (loop.run() == 0 && !client.done()) break;
    }
    if (!client.done()) {
      std::fprintf(stderr, "sansrtc-demo: interrupted\n");
      return 1;
    }
    client.print_summary();
    signals.cancel();
    return client.result().passed ? 0 : 1;
  }

  DemoServerConfig sc;
  sc.configuration = configuration;
  sc.options = pc_options;
  DemoServer demo(host, *rng, sc, stdout);
  std::string error;
  auto http = HttpServer::listen(
      loop.context(), o.http,
      [&demo](HttpRequest&& req, std::shared_ptr<HttpReply> reply) { demo.handle(std::move(req), std::move(reply)); },
      HttpServerConfig{}, error);
  if (!http) {
    std::fprintf(stderr, "sansrtc-demo: %s\n", error.c_str());
    return 1;
  }
  const std::string addr = http->local_address();
  std::printf("listening on http://%s/ (WHIP endpoint http://%s/whip, stats http://%s/stats)\n", addr.c_str(),
              addr.c_str(), addr.c_str());
  std::fflush(stdout);
  while (!interrupted) {
    loop.restart();
    loop.run();
  }
  std::printf("stopping (%zu session(s) open)\n", demo.session_count());
  return 0;
}
