// One HTTP request on Asio; see http_client.h.
#include "http_client.h"

#include <asio.hpp>

#include <array>
#include <memory>

namespace sansrtc::demo {
namespace {

struct Exchange : std::enable_shared_from_this<Exchange> {
  Exchange(asio::io_context& io, std::function<void(HttpClientResult)> d)
      : resolver(io), socket(io), timer(io), done(std::move(d)) {}

  void finish(std::string error) {
    if (finished) return;
    finished = true;
    asio::error_code ec;
    timer.cancel();
    resolver.cancel();
    socket.close(ec);
    HttpClientResult r;
    r.error = std::move(error);
    if (r.error.empty()) r.response = parser.response();
    auto d = std::move(done);
    d(std::move(r));
  }

  void read() {
    auto self = shared_from_this();
    socket.async_read_some(asio::buffer(buf), [self](const asio::error_code& ec, size_t n) {
      if (self->finished) return;
      HttpParseStatus s;
      if (ec == asio::error::eof || ec == asio::error::connection_reset) {
        if (n) self->parser.feed(std::string_view(self->buf.data(), n));
        s = self->parser.finish();
      } else if (ec) {
        return self->finish("reading the response: " + ec.message());
      } else {
        s = self->parser.feed(std::string_view(self->buf.data(), n));
      }
      if (s == HttpParseStatus::complete) return self->finish("");
      if (s == HttpParseStatus::error) return self->finish(std::string("bad response: ") + self->parser.error_reason());
      self->read();
    });
  }

  asio::ip::tcp::resolver resolver;
  asio::ip::tcp::socket socket;
  asio::steady_timer timer;
  std::function<void(HttpClientResult)> done;
  std::string request;
  HttpResponseParser parser;
  std::array<char, 8192> buf{};
  bool finished = false;
};

}  // namespace

void http_request(asio::io_context& io, const HttpUrl& url, std::string method, std::vector<HttpHeader> headers,
                  std::string body, std::chrono::milliseconds timeout,
                  std::function<void(HttpClientResult)> done) {
  auto x = std::make_shared<Exchange>(io, std::move(done));
  x->parser = HttpResponseParser(HttpLimits{}, method == "HEAD");
  headers.push_back(HttpHeader{"Connection", "close"});
  x->request = serialize_request(method, url.target, url.host_field(), headers, body);
  x->timer.expires_after(timeout);
  x->timer.async_wait([x](const asio::error_code& ec) {
    if (!ec) x->finish("no answer within the timeout");
  });
  x->resolver.async_resolve(url.host, std::to_string(url.port),
                            [x](const asio::error_code& ec, asio::ip::tcp::resolver::results_type results) {
    if (x->finished) return;
    if (ec) return x->finish("cannot resolve the host: " + ec.message());
    asio::async_connect(x->socket, results, [x](const asio::error_code& ec2, const asio::ip::tcp::endpoint&) {
      if (x->finished) return;
      if (ec2) return x->finish("cannot connect: " + ec2.message());
      asio::error_code ignored;
      x->socket.set_option(asio::ip::tcp::no_delay(true), ignored);
      asio::async_write(x->socket, asio::buffer(x->request), [x](const asio::error_code& ec3, size_t) {
        if (x->finished) return;
        if (ec3) return x->finish("sending the request: " + ec3.message());
        x->read();
      });
    });
  });
}

}  // namespace sansrtc::demo
