// demo/http_client.h — one HTTP/1.1 request over a fresh TCP connection, on
// Asio, for the demo's WHIP client (POST the offer, DELETE the session).
//
// http:// only (no TLS). The host is resolved asynchronously; each address
// is tried in turn; the response is read with HttpResponseParser (Content-
// Length, chunked or until close) with the default bounds. The request says
// "Connection: close". A deadline covers the whole exchange.
#pragma once

#include "http_parser.h"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace asio {
class io_context;
}

namespace sansrtc::demo {

struct HttpClientResult {
  std::string error;  // empty on success (any status code is a success here)
  HttpResponseMessage response;
};

// Sends `method` to `url` with `headers` and `body`; `done` runs once on the
// io_context's thread (not from inside this call).
void http_request(asio::io_context& io, const HttpUrl& url, std::string method, std::vector<HttpHeader> headers,
                  std::string body, std::chrono::milliseconds timeout,
                  std::function<void(HttpClientResult)> done);

}  // namespace sansrtc::demo
