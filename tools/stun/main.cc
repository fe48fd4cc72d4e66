// sansrtc-stun — a command-line STUN client and server (RFC 8489 Binding).
//
//   sansrtc-stun client HOST:PORT [--rto MS] [--local ADDR[:PORT]] [--verbose]
//       sends one Binding request, prints "mapped IP:PORT", exits 0; exits 1
//       with "no response from ... after N transmissions (T s)" when the
//       RFC 8489 §6.2.1 schedule runs out (--rto sets the initial RTO).
//   sansrtc-stun server [ADDR:PORT] [--count N]
//       answers Binding requests (XOR-MAPPED-ADDRESS + FINGERPRINT) on
//       ADDR:PORT (default 127.0.0.1:3478; port 0 picks one), prints
//       "listening on ADDR:PORT"; with --count exits after N answers.
//   sansrtc-stun selftest
//       server and client on 127.0.0.1 in one process; prints the mapped
//       address and "selftest ok".
//
// The protocol is lib/stun's (ClientTransaction, BindingServer); sockets and
// timers are lib/net's Driver. This file is argument handling and output.
#include "binding_client.h"

#include "base/crypto/ctr_drbg_rng.h"
#include "net/driver.h"
#include "net/resolver.h"
#include "stun/binding_server.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace sansrtc;

namespace {

constexpr const char* kUsage =
    "usage:\n"
    "  sansrtc-stun client HOST:PORT [--rto MS] [--local ADDR[:PORT]] [--verbose]\n"
    "  sansrtc-stun server [ADDR:PORT] [--count N]\n"
    "  sansrtc-stun selftest\n";

int usage_error(const char* what) {
  std::fprintf(stderr, "sansrtc-stun: %s\n%s", what, kUsage);
  return 2;
}

std::optional<uint64_t> parse_uint(std::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + uint64_t(c - '0');
  }
  return v;
}

// "1.5", "39.5", "0.79": seconds with at most two decimals, no trailing zeros.
std::string format_seconds(Duration d) {
  char buf[32];
  const double s = double(std::chrono::duration_cast<std::chrono::microseconds>(d).count()) / 1e6;
  std::snprintf(buf, sizeof buf, s >= 10 ? "%.1f" : "%.2f", s);
  std::string out = buf;
  while (!out.empty() && out.back() == '0') out.pop_back();
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

// ADDR, ADDR:PORT or [V6]:PORT; literal addresses only.
Result<SocketAddress> parse_local(std::string_view text) {
  auto ip = IpAddress::parse(text);
  if (ip.ok()) return SocketAddress(*ip, 0);
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
    auto ip6 = IpAddress::parse(text.substr(1, text.size() - 2));
    if (ip6.ok()) return SocketAddress(*ip6, 0);
  }
  return SocketAddress::parse(text);
}

std::unique_ptr<Rng> make_rng() {
  auto r = crypto::CtrDrbgRng::create();
  if (!r.ok()) {
    std::fprintf(stderr, "sansrtc-stun: cannot seed the random generator: %s\n", r.error().message);
    std::exit(1);
  }
  return std::move(r).value();
}

// ---------------------------------------------------------------- client

struct ClientRun {
  net::EventLoop& loop;
  tools::BindingClient client;
  Instant started{};
  std::optional<tools::BindingResult> result;
  Instant finished{};
};

struct ClientEvents {
  ClientRun* run;
  void operator()(Instant now, const tools::BindingResult& r) const {
    run->result = r;
    run->finished = now;
    run->loop.stop();
  }
};

// Runs one Binding transaction to `server` on `loop`; `local` is the address
// to bind (port 0: any). Returns the process exit code and prints the result.
int run_client(net::EventLoop& loop, Rng& rng, const SocketAddress& server, const SocketAddress& local,
               const stun::TransactionConfig& config, bool verbose) {
  ClientRun run{loop, tools::BindingClient(config)};
  net::MachineAdapter adapter(run.client, ClientEvents{&run});
  net::Driver driver(loop, adapter);
  auto bound = driver.bind(local);
  if (!bound.ok()) {
    std::fprintf(stderr, "sansrtc-stun: cannot bind %s: %s\n", local.to_string().c_str(), bound.error().message);
    return 1;
  }
  run.started = driver.now();
  if (auto s = run.client.start(run.started, rng, server); !s.ok()) {
    std::fprintf(stderr, "sansrtc-stun: cannot start the request: %s\n", s.error().message);
    return 1;
  }
  if (verbose)
    std::fprintf(stderr, "binding request from %s to %s (RTO %lld ms)\n", bound->to_string().c_str(),
                 server.to_string().c_str(), (long long)to_millis(config.initial_rto));
  driver.update();
  while (!run.result && !driver.closed()) {
    loop.restart();
    if (loop.run() == 0 && !run.result) break;  // nothing left to wait for (cannot happen while waiting)
  }
  driver.close();
  if (!run.result) {
    std::fprintf(stderr, "sansrtc-stun: the event loop ended without a result\n");
    return 1;
  }
  const tools::BindingResult& r = *run.result;
  const Duration elapsed = run.finished - run.started;
  if (verbose) {
    const auto& st = run.client.stats();
    std::fprintf(stderr, "transmissions %u, elapsed %s s, dropped: not STUN %llu, other transaction %llu\n",
                 r.transmissions, format_seconds(elapsed).c_str(), (unsigned long long)st.not_stun,
                 (unsigned long long)st.other_transaction);
  }
  switch (r.kind) {
    case tools::BindingResult::Kind::mapped:
      std::printf("mapped %s\n", r.mapped.to_string().c_str());
      if (verbose && r.rtt) std::fprintf(stderr, "rtt %lld us\n", (long long)to_micros(*r.rtt));
      return 0;
    case tools::BindingResult::Kind::error_response:
      std::fprintf(stderr, "sansrtc-stun: %s answered with error %u %s\n", server.to_string().c_str(),
                   r.error_code, stun::default_reason_phrase(r.error_code));
      return 1;
    case tools::BindingResult::Kind::bad_response:
      std::fprintf(stderr, "sansrtc-stun: %s answered without a (XOR-)MAPPED-ADDRESS\n",
                   server.to_string().c_str());
      return 1;
    case tools::BindingResult::Kind::timeout:
      std::fprintf(stderr, "sansrtc-stun: no response from %s after %u transmissions (%s s)\n",
                   server.to_string().c_str(), r.transmissions, format_seconds(elapsed).c_str());
      return 1;
  }
  return 1;
}

int cmd_client(const std::vector<std::string_view>& args) {
  std::optional<std::string_view> target;
  stun::TransactionConfig config;
  std::optional<SocketAddress> local;
  bool verbose = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--rto" && i + 1 < args.size()) {
      auto ms = parse_uint(args[++i]);
      if (!ms || *ms == 0 || *ms > 60000) return usage_error("--rto takes milliseconds, 1..60000");
      config.initial_rto = milliseconds(*ms);
    } else if (a == "--local" && i + 1 < args.size()) {
      auto l = parse_local(args[++i]);
      if (!l.ok()) return usage_error("--local takes an address literal, optionally with :PORT");
      local = *l;
    } else if (a == "--verbose" || a == "-v") {
      verbose = true;
    } else if (!a.empty() && a[0] != '-' && !target) {
      target = a;
    } else {
      return usage_error("unexpected argument to client");
    }
  }
  if (!target) return usage_error("client needs HOST:PORT");
  auto hp = net::split_host_port(*target);
  if (!hp.ok()) return usage_error(hp.error().message);
  const auto families = !local                ? net::AddressFamilies::any
                        : local->ip().is_v4() ? net::AddressFamilies::v4_only
                                              : net::AddressFamilies::v6_only;
  auto resolved = net::resolve_sync(hp->host, hp->port, families);
  if (!resolved.ok()) {
    std::fprintf(stderr, "sansrtc-stun: cannot resolve %s: %s\n", hp->host.c_str(), resolved.error().message);
    return 1;
  }
  const SocketAddress server = resolved->front();
  // Without --local: the wildcard address of the server's family, any port.
  const SocketAddress bind_addr =
      local ? *local
            : SocketAddress(server.ip().is_v4() ? IpAddress() : IpAddress::parse("::").value(), 0);
  net::EventLoop loop;
  auto rng = make_rng();
  return run_client(loop, *rng, server, bind_addr, config, verbose);
}

// ---------------------------------------------------------------- server

struct ServerRun {
  net::EventLoop& loop;
  stun::BindingServer server;
  uint64_t count = 0;  // 0: forever
  net::Driver* driver = nullptr;
};

// BindingServer has no events: the driver calls this after every input, so
// it is where --count is checked.
class ServerMachine final : public net::Machine {
 public:
  explicit ServerMachine(ServerRun& run) : run_(run) {}
  void handle_datagram(Instant now, const Datagram& d) override { run_.server.handle_packet(now, d); }
  void handle_timeout(Instant) override {}
  std::optional<Transmit> poll_transmit(MutBytes buf) override { return run_.server.poll_transmit(buf); }
  std::optional<Instant> poll_timeout() override { return run_.server.poll_timeout(); }
  size_t drain_events(Instant) override {
    if (run_.count && run_.server.stats().success_sent >= run_.count) run_.loop.stop();
    return 0;
  }

 private:
  ServerRun& run_;
};

uint64_t dropped(const stun::BindingServerStats& s) {
  return s.parse.total_rejected() + s.not_stun + s.not_request + s.queue_full + s.build_failed;
}

void print_server_stats(const stun::BindingServerStats& s) {
  std::printf("answered %llu, dropped %llu (not STUN %llu, malformed %llu, not a request %llu, queue full %llu), "
              "errors sent %llu\n",
              (unsigned long long)s.success_sent, (unsigned long long)dropped(s), (unsigned long long)s.not_stun,
              (unsigned long long)s.parse.total_rejected(), (unsigned long long)s.not_request,
              (unsigned long long)s.queue_full,
              (unsigned long long)(s.bad_request_sent + s.unauthorized_sent + s.unknown_attribute_sent));
}

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_signal(int) { g_interrupted = 1; }

int cmd_server(const std::vector<std::string_view>& args) {
  SocketAddress listen(IpAddress::v4(127, 0, 0, 1), 3478);
  uint64_t count = 0;
  bool have_addr = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--count" && i + 1 < args.size()) {
      auto n = parse_uint(args[++i]);
      if (!n || *n == 0) return usage_error("--count takes a positive number");
      count = *n;
    } else if (!a.empty() && a[0] != '-' && !have_addr) {
      auto addr = SocketAddress::parse(a);
      if (!addr.ok()) return usage_error("server takes ADDR:PORT (an address literal; [v6]:port)");
      listen = *addr;
      have_addr = true;
    } else {
      return usage_error("unexpected argument to server");
    }
  }
  net::EventLoop loop;
  stun::BindingServerConfig cfg;
  cfg.software = "sansrtc-stun 0.1";
  ServerRun run{loop, stun::BindingServer(cfg), count};
  ServerMachine machine(run);
  net::Driver driver(loop, machine);
  auto bound = driver.bind(listen);
  if (!bound.ok()) {
    std::fprintf(stderr, "sansrtc-stun: cannot listen on %s: %s\n", listen.to_string().c_str(),
                 bound.error().message);
    return 1;
  }
  std::printf("listening on %s\n", bound->to_string().c_str());
  std::fflush(stdout);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  // Wake up now and then to notice a signal; the driver does the rest.
  while (!g_interrupted && !(count && run.server.stats().success_sent >= count)) {
    loop.restart();
    loop.run_for(milliseconds(200));
  }
  driver.close();
  print_server_stats(run.server.stats());
  return 0;
}

// ---------------------------------------------------------------- selftest

int cmd_selftest() {
  net::EventLoop loop;
  stun::BindingServerConfig cfg;
  cfg.software = "sansrtc-stun selftest";
  ServerRun srun{loop, stun::BindingServer(cfg), 0};
  ServerMachine machine(srun);
  net::Driver server(loop, machine);
  auto bound = server.bind(SocketAddress(IpAddress::v4(127, 0, 0, 1), 0));
  if (!bound.ok()) {
    std::fprintf(stderr, "sansrtc-stun: selftest cannot bind a server socket: %s\n", bound.error().message);
    return 1;
  }
  std::printf("server listening on %s\n", bound->to_string().c_str());
  auto rng = make_rng();
  stun::TransactionConfig config;
  config.initial_rto = milliseconds(100);  // loopback: a lost datagram should not cost 500 ms
  const int rc = run_client(loop, *rng, *bound, SocketAddress(IpAddress::v4(127, 0, 0, 1), 0), config, false);
  server.close();
  print_server_stats(srun.server.stats());
  if (rc != 0 || srun.server.stats().success_sent < 1) {
    std::printf("selftest FAILED\n");
    return 1;
  }
  std::printf("selftest ok\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage_error("missing command");
  const std::string_view cmd = argv[1];
  std::vector<std::string_view> args(argv + 2, argv + argc);
  if (cmd == "client") return cmd_client(args);
  if (cmd == "server") return cmd_server(args);
  if (cmd == "selftest") return args.empty() ? cmd_selftest() : usage_error("selftest takes no arguments");
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::printf("%s", kUsage);
    return 0;
  }
  return usage_error("unknown command");
}
