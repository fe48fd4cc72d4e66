// The demo's HTTP/1.1 server on Asio; see http_server.h.
#include "http_server.h"

#include <asio.hpp>

#include <array>
#include <vector>

namespace sansrtc::demo {

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io, HttpHandler h, HttpServerConfig c)
      : io(io), acceptor(io), handler(std::move(h)), config(c) {}
  void accept();
  size_t live_connections();

  asio::io_context& io;
  asio::ip::tcp::acceptor acceptor;
  HttpHandler handler;
  HttpServerConfig config;
  HttpServerStats stats;
  std::vector<std::weak_ptr<HttpConnection>> connections;
  bool closed = false;
};

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(std::shared_ptr<HttpServer::Impl> server, asio::ip::tcp::socket socket)
      : server_(server), socket_(std::move(socket)), idle_(server->io), parser_(server->config.limits),
        idle_timeout_(server->config.idle_timeout), cors_(server->config.cors) {}

  void start() { process(); }

  void respond(HttpResponse r) {
    if (closed_ || !awaiting_reply_) return;
    awaiting_reply_ = false;
    send(std::move(r), !keep_alive_);
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    asio::error_code ec;
    idle_.cancel();
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

 private:
  void send(HttpResponse r, bool close_after) {
    if (cors_) {
      if (!r.header("access-control-allow-origin")) r.set("Access-Control-Allow-Origin", "*");
      if (!r.header("access-control-expose-headers")) r.set("Access-Control-Expose-Headers", "Location");
    }
    if (close_after) r.set("Connection", "close");
    out_ = serialize_response(r);
    idle_.cancel();
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(out_), [self, close_after](const asio::error_code& ec, size_t) {
      if (ec || close_after) {
        self->close();
        return;
      }
      self->parser_.next();
      self->process();
    });
  }

  // Acts on the parser's state: dispatch a request, answer an error, or read.
  void process() {
    if (closed_) return;
    switch (parser_.status()) {
      case HttpParseStatus::complete: {
        auto server = server_.lock();
        if (!server) return close();
        ++server->stats.requests;
        HttpRequest req = parser_.take_request();
        keep_alive_ = req.keep_alive();
        awaiting_reply_ = true;
        auto reply = std::make_shared<HttpReply>(weak_from_this());
        server->handler(std::move(req), std::move(reply));
        return;
      }
      case HttpParseStatus::error: {
        if (auto server = server_.lock()) ++server->stats.bad_requests;
        HttpResponse r;
        r.status = parser_.error_status();
        r.set("Content-Type", "text/plain; charset=utf-8");
        r.body = std::string(parser_.error_reason()) + "\n";
        send(std::move(r), true);
        return;
      }
      case HttpParseStatus::need_more:
        read();
        return;
    }
  }

  void read() {
    auto self = shared_from_this();
    idle_.expires_after(idle_timeout_);
    idle_.async_wait([self](const asio::error_code& ec) {
      if (!ec && !self->awaiting_reply_) self->close();
    });
    socket_.async_read_some(asio::buffer(buf_), [self](const asio::error_code& ec, size_t n) {
      if (ec) return self->close();
      self->parser_.feed(std::string_view(self->buf_.data(), n));
      self->process();
    });
  }

  std::weak_ptr<HttpServer::Impl> server_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer idle_;
  HttpRequestParser parser_;
  std::chrono::milliseconds idle_timeout_;
  bool cors_;
  std::array<char, 8192> buf_{};
  std::string out_;
  bool awaiting_reply_ = false;
  bool keep_alive_ = true;
  bool closed_ = false;
};

HttpReply::HttpReply(std::weak_ptr<HttpConnection> connection) : connection_(std::move(connection)) {}

HttpReply::~HttpReply() {
  if (sent_) return;
  HttpResponse r;
  r.status = 500;
  r.set("Content-Type", "text/plain; charset=utf-8");
  r.body = "the request was dropped without an answer\n";
  send(std::move(r));
}

void HttpReply::send(HttpResponse response) {
  if (sent_) return;
  sent_ = true;
  if (auto c = connection_.lock()) c->respond(std::move(response));
}

size_t HttpServer::Impl::live_connections() {
  std::erase_if(connections, [](const std::weak_ptr<HttpConnection>& w) { return w.expired(); });
  return connections.size();
}

void HttpServer::Impl::accept() {
  auto self = shared_from_this();
  acceptor.async_accept([self](const asio::error_code& ec, asio::ip::tcp::socket socket) {
    if (self->closed) return;
    if (!ec) {
      if (self->live_connections() >= self->config.max_connections) {
        ++self->stats.refused;
        asio::error_code ignored;
        socket.close(ignored);
      } else {
        ++self->stats.connections;
        asio::error_code ignored;
        socket.set_option(asio::ip::tcp::no_delay(true), ignored);
        auto c = std::make_shared<HttpConnection>(self, std::move(socket));
        self->connections.push_back(c);
        c->start();
      }
    }
    self->accept();
  });
}

HttpServer::HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  impl_->closed = true;
  asio::error_code ec;
  impl_->acceptor.close(ec);
  for (auto& w : impl_->connections)
    if (auto c = w.lock()) c->close();
}

std::unique_ptr<HttpServer> HttpServer::listen(asio::io_context& io, const std::string& address,
                                               HttpHandler handler, HttpServerConfig config, std::string& error) {
  std::string_view a = address;
  const size_t colon = a.rfind(':');
  if (colon == std::string_view::npos) {
    error = "'" + address + "' is not ADDR:PORT";
    return nullptr;
  }
  std::string host(a.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  uint32_t port = 0;
  std::string_view port_text = a.substr(colon + 1);
  if (port_text.empty() || port_text.size() > 5) {
    error = "'" + address + "' has no valid port";
    return nullptr;
  }
  for (char c : port_text) {
    if (c < '0' || c > '9') {
      error = "'" + address + "' has no valid port";
      return nullptr;
    }
    port = port * 10 + uint32_t(c - '0');
  }
  asio::error_code ec;
  const asio::ip::address ip = asio::ip::make_address(host, ec);
  if (ec || port > 65535) {
    error = "'" + address + "' is not a literal IP address and port";
    return nullptr;
  }
  auto impl = std::make_shared<Impl>(io, std::move(handler), config);
  const asio::ip::tcp::endpoint ep(ip, uint16_t(port));
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "cannot listen on " + address + ": " + ec.message();
    return nullptr;
  }
  impl->accept();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

std::string HttpServer::local_address() const {
  asio::error_code ec;
  const auto ep = impl_->acceptor.local_endpoint(ec);
  if (ec) return "";
  const auto ip = ep.address();
  return (ip.is_v6() ? "[" + ip.to_string() + "]" : ip.to_string()) + ":" + std::to_string(ep.port());
}

uint16_t HttpServer::port() const {
  asio::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

const HttpServerStats& HttpServer::stats() const { return impl_->stats; }

}  // namespace sansrtc::demo
