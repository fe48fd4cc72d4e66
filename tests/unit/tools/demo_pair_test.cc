// The demo peer's two halves in one process, over loopback only: a
// DemoServer behind the HttpServer, a DemoClient posting its offer to it
// ("two demo peers can talk to each other"), each on its own
// PeerConnectionHost on one EventLoop. And the client's failures: a WHIP URL
// that answers 404, a server that never answers.
#include "demo_client.h"
#include "demo_server.h"
#include "http_server.h"

#include "net/event_loop.h"
#include "net/peer_connection_host.h"

#include <asio.hpp>
#include <catch2/catch.hpp>

#include <memory>
#include <string>

using namespace sansrtc;
using namespace sansrtc::demo;
using namespace std::chrono_literals;

namespace {

struct Pair {
  net::EventLoop loop;
  SeededRng rng{20261124};
  std::unique_ptr<net::PeerConnectionHost> server_host, client_host;
  std::unique_ptr<DemoServer> server;
  std::unique_ptr<HttpServer> http;

  Pair() {
    net::HostConfig hc;
    hc.loopback_only = true;
    hc.rng = &rng;
    server_host = std::make_unique<net::PeerConnectionHost>(loop, hc);
    client_host = std::make_unique<net::PeerConnectionHost>(loop, hc);
    DemoServerConfig sc;
    sc.options.allow_loopback = true;
    sc.verbose = false;
    server = std::make_unique<DemoServer>(*server_host, rng, sc, nullptr);
    std::string error;
    http = HttpServer::listen(
        loop.context(), "127.0.0.1:0",
        [this](HttpRequest&& r, std::shared_ptr<HttpReply> reply) { server->handle(std::move(r), std::move(reply)); },
        {}, error);
    REQUIRE(http);
  }

  DemoClientConfig client_config(const std::string& path = "/whip") {
    DemoClientConfig cc;
    cc.options.allow_loopback = true;
    cc.url = *parse_http_url("http://" + http->local_address() + path);
    cc.timeout = 20s;
    cc.count = 16;
    cc.bytes = 16384;
    cc.quiet = true;
    return cc;
  }

  void run(DemoClient& client) {
    client.start();
    while (!client.done()) {
      loop.restart();
      if (loop.run() == 0) break;
    }
  }
};

std::string failures(const DemoClientResult& r) {
  std::string s;
  for (const auto& f : r.failures) s += f + "; ";
  return s;
}

}  // namespace

TEST_CASE("a demo client and a demo server: every echo, the bulk phase, a remote close, DELETE") {
  Pair p;
  DemoClient client(*p.client_host, p.client_config(), nullptr);
  p.run(client);
  REQUIRE(client.done());
  INFO(failures(client.result()));
  CHECK(client.result().passed);
  REQUIRE(client.result().setup_ms);
  CHECK(*client.result().setup_ms > 0);
  CHECK(client.result().bulk_mbps);
  // Two reliable channels × 12 test messages and 16 bulk messages at least;
  // the partial-reliability channels may lose some (a slow build, e.g. ASan,
  // lets maxPacketLifeTime=500 expire messages queued behind the others).
  CHECK(client.result().messages_sent == 4 * 12 + 16);
  CHECK(client.result().messages_echoed >= 2 * 12 + 16);
  CHECK(client.result().messages_echoed <= client.result().messages_sent);
  // The DELETE removed the session on the server.
  CHECK(p.server->session_count() == 0);
  CHECK(p.server->stats_json().find("\"sessionsCreated\":1") != std::string::npos);
}

TEST_CASE("with negotiated channels (ids 100 and 102, which the server makes in every session)") {
  Pair p;
  auto cc = p.client_config();
  cc.negotiated = true;
  cc.count = 0;  // no bulk phase
  DemoClient client(*p.client_host, cc, nullptr);
  p.run(client);
  INFO(failures(client.result()));
  CHECK(client.result().passed);
  CHECK_FALSE(client.result().bulk_mbps);
  // 6 channels × 12 messages.
  CHECK(client.result().messages_sent == 72);
}

TEST_CASE("a WHIP URL that answers 404 fails the client at once, with the status in the reason") {
  Pair p;
  DemoClient client(*p.client_host, p.client_config("/not-whip"), nullptr);
  p.run(client);
  CHECK_FALSE(client.result().passed);
  REQUIRE_FALSE(client.result().failures.empty());
  CHECK(client.result().failures[0].find("POST answered 404") != std::string::npos);
  CHECK(p.server->session_count() == 0);
}

TEST_CASE("a server that accepts but never answers: the client times out and says in which phase") {
  Pair p;
  asio::ip::tcp::acceptor silent(p.loop.context(), asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto cc = p.client_config();
  cc.url.port = silent.local_endpoint().port();
  cc.timeout = 1500ms;
  DemoClient client(*p.client_host, cc, nullptr);
  p.run(client);
  CHECK_FALSE(client.result().passed);
  REQUIRE_FALSE(client.result().failures.empty());
  CHECK(client.result().failures[0] == "timeout after 1 s in phase: POST");
}
