// The demo's HTTP server and client on Asio, over loopback only: a request
// and its answer, keep-alive, a deferred answer, errors the parser finds
// (400, 413, 431) and CORS headers; the client against the server and
// against a server that never answers.
#include "http_client.h"
#include "http_server.h"

#include <asio.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

using namespace sansrtc::demo;
using namespace std::chrono_literals;

namespace {

// A server whose handler echoes method, target and body, and answers
// "/later" only when `later` is sent by the test.
struct Fixture {
  asio::io_context io;
  std::unique_ptr<HttpServer> server;
  std::shared_ptr<HttpReply> later;
  Fixture(HttpServerConfig config = {}) {
    std::string error;
    server = HttpServer::listen(
        io, "127.0.0.1:0",
        [this](HttpRequest&& req, std::shared_ptr<HttpReply> reply) {
          if (req.path() == "/later") {
            later = std::move(reply);
            return;
          }
          if (req.path() == "/drop") return;  // reply destroyed unanswered: 500
          HttpResponse r;
          r.status = 200;
          r.body = req.method + " " + req.target + " " + req.body;
          reply->send(std::move(r));
        },
        config, error);
    REQUIRE(server);
    REQUIRE(error.empty());
  }

  // Writes `bytes` on a fresh connection and reads until the server closes
  // or `until` appears.
  std::string raw(const std::string& bytes, const std::string& until = "") {
    asio::ip::tcp::socket s(io);
    s.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
    asio::write(s, asio::buffer(bytes));
    std::string got;
    std::array<char, 4096> buf;
    s.non_blocking(true);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      io.run_for(5ms);
      asio::error_code ec;
      size_t n = s.read_some(asio::buffer(buf), ec);
      if (ec == asio::error::would_block) continue;
      if (ec) break;
      got.append(buf.data(), n);
      if (!until.empty() && got.find(until) != std::string::npos) break;
    }
    return got;
  }
};

}  // namespace

TEST_CASE("a request is answered with CORS headers; keep-alive serves the next on the same connection") {
  Fixture f;
  const std::string two =
      "POST /whip HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
      "GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string got = f.raw(two);
  const size_t first = got.find("HTTP/1.1 200 OK\r\n");
  REQUIRE(first == 0);
  CHECK(got.find("Access-Control-Allow-Origin: *\r\n") != std::string::npos);
  CHECK(got.find("Access-Control-Expose-Headers: Location\r\n") != std::string::npos);
  CHECK(got.find("POST /whip abc") != std::string::npos);
  CHECK(got.find("HTTP/1.1 200 OK\r\n", first + 1) != std::string::npos);
  CHECK(got.find("GET /b ") != std::string::npos);
  CHECK(got.find("Connection: close\r\n") != std::string::npos);
  CHECK(f.server->stats().requests == 2);
}

TEST_CASE("malformed requests get the parser's status and the connection closes") {
  Fixture f;
  CHECK(f.raw("GET / HTTP/1.1\r\nHost : x\r\n\r\n").rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
  CHECK(f.raw("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n").rfind("HTTP/1.1 413 ", 0) == 0);
  CHECK(f.raw("GET / HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n").rfind("HTTP/1.1 431 ", 0) == 0);
  CHECK(f.server->stats().bad_requests == 3);
}

TEST_CASE("a handler may answer later; a dropped reply becomes 500") {
  Fixture f;
  asio::ip::tcp::socket s(f.io);
  s.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), f.server->port()));
  asio::write(s, asio::buffer(std::string("GET /later HTTP/1.1\r\nHost: x\r\n\r\n")));
  for (int i = 0; i < 200 && !f.later; ++i) f.io.run_for(5ms);
  REQUIRE(f.later);
  HttpResponse r;
  r.status = 201;
  r.set("Location", "/whip/1");
  f.later->send(r);
  std::string got;
  std::array<char, 4096> buf;
  while (got.find("\r\n\r\n") == std::string::npos) {
    f.io.run_for(5ms);
    s.non_blocking(true);
    asio::error_code ec;
    size_t n = s.read_some(asio::buffer(buf), ec);
    if (!ec) got.append(buf.data(), n);
    else if (ec != asio::error::would_block) break;
  }
  CHECK(got.rfind("HTTP/1.1 201 Created\r\n", 0) == 0);
  CHECK(got.find("Location: /whip/1\r\n") != std::string::npos);

  CHECK(f.raw("GET /drop HTTP/1.1\r\nHost: x\r\n\r\n", "\r\n\r\n").rfind("HTTP/1.1 500 ", 0) == 0);
}

TEST_CASE("the client POSTs to the server and reads the answer") {
  Fixture f;
  std::optional<HttpClientResult> result;
  HttpUrl url = *parse_http_url("http://127.0.0.1:" + std::to_string(f.server->port()) + "/whip");
  http_request(f.io, url, "POST", {{"Content-Type", "application/sdp"}}, "offer", 5000ms,
               [&](HttpClientResult r) { result = std::move(r); });
  for (int i = 0; i < 1000 && !result; ++i) f.io.run_for(5ms);
  REQUIRE(result);
  CHECK(result->error.empty());
  CHECK(result->response.status == 200);
  CHECK(result->response.body == "POST /whip offer");
}

TEST_CASE("the client gives up on a server that never answers, and on a closed port") {
  Fixture f;
  std::optional<HttpClientResult> result;
  HttpUrl url = *parse_http_url("http://127.0.0.1:" + std::to_string(f.server->port()) + "/later");
  http_request(f.io, url, "GET", {}, "", 200ms, [&](HttpClientResult r) { result = std::move(r); });
  for (int i = 0; i < 1000 && !result; ++i) f.io.run_for(5ms);
  REQUIRE(result);
  CHECK(result->error == "no answer within the timeout");

  // A port that was just free: connection refused.
  uint16_t closed_port;
  {
    asio::ip::tcp::acceptor a(f.io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    closed_port = a.local_endpoint().port();
  }
  result.reset();
  url = *parse_http_url("http://127.0.0.1:" + std::to_string(closed_port) + "/");
  http_request(f.io, url, "GET", {}, "", 2000ms, [&](HttpClientResult r) { result = std::move(r); });
  for (int i = 0; i < 1000 && !result; ++i) f.io.run_for(5ms);
  REQUIRE(result);
  CHECK(result->error.rfind("cannot connect", 0) == 0);
}

TEST_CASE("listen refuses what is not a literal address and port") {
  asio::io_context io;
  std::string error;
  CHECK_FALSE(HttpServer::listen(io, "nowhere", {}, {}, error));
  CHECK(error.find("not ADDR:PORT") != std::string::npos);
  CHECK_FALSE(HttpServer::listen(io, "example.com:80", {}, {}, error));
  CHECK(error.find("literal") != std::string::npos);
}
