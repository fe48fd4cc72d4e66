// Fuzz target: the demo's HTTP/1.1 parser (tools/demo/http_parser.h).
//
// The first byte picks how the input is split into feed() calls (a socket
// delivers any split); the rest is the byte stream. Each complete request is
// checked (body size = Content-Length, keep_alive() callable) and the next
// one parsed. The same bytes are also parsed as a response stream, and the
// first up-to-200 bytes as an http:// URL and a Location.
// Invariants: memory stays bounded (buffered() never exceeds head + body
// limits plus one feed), a failed parser has a 4xx/5xx status.
#include "http_parser.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace sansrtc::demo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t step = 1 + data[0] % 64;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);

  HttpLimits limits;
  limits.max_head_bytes = 2048;
  limits.max_body_bytes = 4096;
  HttpRequestParser req(limits);
  for (size_t pos = 0; pos < in.size(); pos += step) {
    const std::string_view piece = in.substr(pos, step);
    HttpParseStatus s = req.feed(piece);
    while (s == HttpParseStatus::complete) {
      const HttpRequest& r = req.request();
      if (r.method.empty() || r.target.empty() || r.body.size() > limits.max_body_bytes) std::abort();
      (void)r.keep_alive();
      (void)r.path();
      (void)media_type(r.header("content-type") ? *r.header("content-type") : "");
      s = req.next();
    }
    if (s == HttpParseStatus::error) {
      if (req.error_status() < 400 || req.error_status() > 505) std::abort();
      break;
    }
    if (req.buffered() > limits.max_head_bytes + limits.max_body_bytes + step + 64) std::abort();
  }

  HttpResponseParser resp(limits);
  for (size_t pos = 0; pos < in.size() && resp.status() == HttpParseStatus::need_more; pos += step)
    resp.feed(in.substr(pos, step));
  if (resp.status() == HttpParseStatus::need_more) resp.finish();
  if (resp.status() == HttpParseStatus::complete && resp.response().body.size() > limits.max_body_bytes) std::abort();

  const std::string_view head = in.substr(0, 200);
  if (auto u = parse_http_url(head)) {
    if (u->host.empty() || u->target.empty() || u->target[0] != '/') std::abort();
    (void)u->host_field();
    (void)resolve_location(*u, in.substr(200 < in.size() ? 200 : in.size(), 100));
  }
  return 0;
}
