// demo/http_server.h — a small HTTP/1.1 server on Asio for the demo peer's
// page, WHIP endpoint and stats.
//
// Parsing is HttpRequestParser's (bounded head and body); this is the IO:
// accept, read, hand each complete request to the handler, write the
// response, keep the connection alive when the request allows (RFC 9112
// §9.3), close idle connections. The handler may answer later (WHIP answers
// once ICE gathering is done): it gets a Reply to send() exactly once, from
// the io_context's thread; a Reply dropped unanswered sends 500. Requests on
// one connection are answered in order (the next is read only after the
// reply). Malformed requests get the parser's status (400, 413, 431, 501,
// 505) and the connection is closed.
//
// With `cors`, every response carries Access-Control-Allow-Origin: * and
// Access-Control-Expose-Headers: Location (the page may be served from
// elsewhere; preflight OPTIONS is the handler's business).
//
// Leaves out: TLS, chunked request bodies, Expect: 100-continue, HTTP/2.
#pragma once

#include "http_parser.h"

#include <sansrtc/time.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace asio {
class io_context;
}

namespace sansrtc::demo {

struct HttpServerConfig {
  HttpLimits limits;
  size_t max_connections = 256;
  std::chrono::milliseconds idle_timeout{30000};
  bool cors = true;
};

class HttpConnection;

class HttpReply {
 public:
  explicit HttpReply(std::weak_ptr<HttpConnection> connection);
  ~HttpReply();  // 500 when never sent
  HttpReply(const HttpReply&) = delete;
  HttpReply& operator=(const HttpReply&) = delete;
  // Sends the response (once; later calls are ignored). Does nothing when
  // the connection has gone away.
  void send(HttpResponse response);
  bool sent() const { return sent_; }

 private:
  std::weak_ptr<HttpConnection> connection_;
  bool sent_ = false;
};

using HttpHandler = std::function<void(HttpRequest&& request, std::shared_ptr<HttpReply> reply)>;

struct HttpServerStats {
  uint64_t connections = 0;
  uint64_t requests = 0;
  uint64_t bad_requests = 0;  // answered with a parser error
  uint64_t refused = 0;       // over max_connections
};

class HttpServer {
 public:
  // Listens on `address` ("127.0.0.1:8080", "[::1]:0", "0.0.0.0:80"; port 0
  // picks one). nullptr with `error` set when the address does not parse or
  // cannot be bound.
  static std::unique_ptr<HttpServer> listen(asio::io_context& io, const std::string& address,
                                            HttpHandler handler, HttpServerConfig config, std::string& error);
  ~HttpServer();  // closes the listener and every connection
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // "127.0.0.1:8080" (the bound port).
  std::string local_address() const;
  uint16_t port() const;
  const HttpServerStats& stats() const;

  struct Impl;

 private:
  explicit HttpServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace sansrtc::demo
