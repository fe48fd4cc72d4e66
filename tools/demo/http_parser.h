// demo/http_parser.h — sans-IO HTTP/1.1 message parsing and writing for the
// demo peer's small server (WHIP, the page, /stats) and its WHIP client.
//
// Implements the parts of RFC 9112 (HTTP/1.1 message syntax) a signalling
// server needs:
//   - requests: request line, header fields, Content-Length bodies (§6.3),
//     keep-alive (§9.3), pipelined requests (the bytes after one request
//     are kept for the next);
//   - responses: status line, header fields, Content-Length, chunked
//     (§7.1) and read-until-close bodies (§6.3 rule 8);
//   - bounds on everything: head size (default 16 KiB), header count, body
//     size (default 1 MiB). A violation stops the parser with the status a
//     server should answer (400, 413, 431, 501, 505).
// Leaves out: chunked REQUEST bodies (answered 501, which RFC 9112 §6.1
// allows: "A server that receives a request message with a transfer coding
// it does not understand SHOULD respond with 501"), trailers, obs-fold
// (rejected with 400 as §5.2 permits), HTTP/2, TLS, Expect: 100-continue.
//
// No IO, no exceptions: bytes in through feed(), a parsed message out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sansrtc::demo {

struct HttpLimits {
  size_t max_head_bytes = 16 * 1024;   // request/status line + header fields + blank line
  size_t max_headers = 100;
  size_t max_body_bytes = 1024 * 1024;
};

struct HttpHeader {
  std::string name;   // as sent; compared case-insensitively
  std::string value;  // leading and trailing whitespace removed
};

// Case-insensitive ASCII comparison (field names, tokens).
bool iequals(std::string_view a, std::string_view b);

// The value of the first field called `name`, nullptr when absent.
const std::string* find_header(const std::vector<HttpHeader>& headers, std::string_view name);

// The media type of a Content-Type value without parameters, lower-cased:
// "Application/SDP; charset=utf-8" → "application/sdp".
std::string media_type(std::string_view content_type);

struct HttpRequest {
  std::string method;   // case-sensitive token (RFC 9110 §9.1)
  std::string target;   // origin-form "/whip/abc?x" (absolute-form is kept as sent)
  int version_minor = 1;  // HTTP/1.<minor>
  std::vector<HttpHeader> headers;
  std::string body;

  const std::string* header(std::string_view name) const { return find_header(headers, name); }
  // The target without its query: "/whip/abc".
  std::string_view path() const;
  // RFC 9112 §9.3: HTTP/1.1 persists unless "Connection: close"; HTTP/1.0
  // only with "Connection: keep-alive".
  bool keep_alive() const;
};

struct HttpResponse {
  int status = 200;
  std::vector<HttpHeader> headers;
  std::string body;

  const std::string* header(std::string_view name) const { return find_header(headers, name); }
  HttpResponse& set(std::string name, std::string value);  // replaces a field of that name
};

// "Created" for 201 etc.; "Unknown" for codes it does not know.
const char* reason_phrase(int status);

// Serializes `r` as HTTP/1.1 with Content-Length (always, so the peer never
// has to read until close). Fields named Content-Length in `r.headers` are
// ignored.
std::string serialize_response(const HttpResponse& r);
// Serializes a request; `host` is the Host field value.
std::string serialize_request(std::string_view method, std::string_view target, std::string_view host,
                              const std::vector<HttpHeader>& headers, std::string_view body);

enum class HttpParseStatus : uint8_t { need_more, complete, error };

// Parses requests from a byte stream.
//
//   HttpRequestParser p;
//   p.feed(bytes_read);                       // any split of the stream
//   if (p.status() == complete) { use(p.request()); p.next(); }
//   if (p.status() == error)    { answer p.error_status(), close }
//
// Memory is bounded: at most max_head_bytes + max_body_bytes plus what one
// feed() adds beyond a complete request (callers stop reading while a
// request is outstanding).
class HttpRequestParser {
 public:
  explicit HttpRequestParser(HttpLimits limits = {});

  // Appends `data` and parses as far as it can. Returns status().
  HttpParseStatus feed(std::string_view data);
  HttpParseStatus status() const { return status_; }
  // Valid while status() is complete, until next().
  const HttpRequest& request() const { return request_; }
  HttpRequest take_request() { return std::move(request_); }
  // Drops the complete request and parses the bytes that followed it.
  HttpParseStatus next();
  // After an error: the status code to answer (400, 413, 431, 501, 505) and
  // why, a static string.
  int error_status() const { return error_status_; }
  const char* error_reason() const { return error_reason_; }
  // Bytes held and not yet part of a returned request.
  size_t buffered() const { return buffer_.size(); }

 private:
  HttpParseStatus parse();
  HttpParseStatus fail(int status, const char* reason);

  HttpLimits limits_;
  std::string buffer_;
  HttpParseStatus status_ = HttpParseStatus::need_more;
  bool have_head_ = false;
  size_t head_size_ = 0;   // bytes of the head in buffer_ once have_head_
  size_t body_size_ = 0;   // Content-Length once have_head_
  HttpRequest request_;
  int error_status_ = 0;
  const char* error_reason_ = "";
};

struct HttpResponseMessage {
  int status = 0;
  std::string reason;
  std::vector<HttpHeader> headers;
  std::string body;
  const std::string* header(std::string_view name) const { return find_header(headers, name); }
};

// Parses one response from a byte stream (the client side). Call finish()
// when the peer closed the connection: a read-until-close body completes
// then, anything else becomes an error.
class HttpResponseParser {
 public:
  // `head_request`: the response to a HEAD request has no body.
  explicit HttpResponseParser(HttpLimits limits = {}, bool head_request = false);
  HttpParseStatus feed(std::string_view data);
  HttpParseStatus finish();
  HttpParseStatus status() const { return status_; }
  const HttpResponseMessage& response() const { return response_; }
  const char* error_reason() const { return error_reason_; }

 private:
  enum class Body : uint8_t { none, length, chunked, until_close };
  HttpParseStatus parse();
  HttpParseStatus parse_chunks();
  HttpParseStatus fail(const char* reason);

  HttpLimits limits_;
  bool head_request_;
  std::string buffer_;
  HttpParseStatus status_ = HttpParseStatus::need_more;
  bool have_head_ = false;
  Body body_kind_ = Body::none;
  size_t body_size_ = 0;
  HttpResponseMessage response_;
  const char* error_reason_ = "";
};

// "http://HOST[:PORT][/PATH]" split into its parts. Only http: (no TLS).
struct HttpUrl {
  std::string host;     // without brackets for IPv6 literals
  uint16_t port = 80;
  std::string target;   // "/" when the URL has no path
  std::string host_field() const;  // the Host header value
};
std::optional<HttpUrl> parse_http_url(std::string_view url);
// Resolves a Location value against the URL it came from (RFC 9110 §10.2.2):
// absolute http: URLs as is, "/path" on the same origin, "rel" next to the
// base path's last segment.
std::optional<HttpUrl> resolve_location(const HttpUrl& base, std::string_view location);

}  // namespace sansrtc::demo
