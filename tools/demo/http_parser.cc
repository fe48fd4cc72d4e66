// HTTP/1.1 message parsing (RFC 9112); see http_parser.h.
#include "http_parser.h"

#include <cstdio>

namespace sansrtc::demo {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
//         "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA      (RFC 9110 §5.6.2)
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// field-value characters: VCHAR, obs-text, SP, HTAB. Anything else (NUL,
// CR, other controls) makes the message invalid (RFC 9110 §5.5: "a recipient
// of CR, LF, or NUL within a field value MUST either reject the message or
// replace each of those characters with SP").
bool is_field_value(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u == '\t') continue;
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

// Where the head (start line + fields + empty line) ends in `buf`, counting
// the terminating empty line; npos while incomplete. Lines end in CRLF or,
// leniently (RFC 9112 §2.2 "MAY recognize a single LF"), LF.
size_t find_head_end(std::string_view buf) {
  for (size_t i = buf.find('\n'); i != std::string_view::npos; i = buf.find('\n', i + 1)) {
    if (i + 1 < buf.size() && buf[i + 1] == '\n') return i + 2;
    if (i + 2 < buf.size() && buf[i + 1] == '\r' && buf[i + 2] == '\n') return i + 3;
  }
  return std::string_view::npos;
}

// Splits the head into lines without their terminators. False when a line
// holds a bare CR.
bool split_lines(std::string_view head, std::vector<std::string_view>& lines) {
  while (!head.empty()) {
    size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    head.remove_prefix(nl == std::string_view::npos ? head.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find('\r') != std::string_view::npos) return false;
    if (line.empty()) break;  // the empty line ending the head
    lines.push_back(line);
  }
  return true;
}

enum class FieldError : uint8_t { none, malformed, too_many };

// field-line = field-name ":" OWS field-value OWS            (RFC 9112 §5)
FieldError parse_fields(const std::vector<std::string_view>& lines, size_t first, size_t max_headers,
                        std::vector<HttpHeader>& out) {
  for (size_t i = first; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    // RFC 9112 §5.2: obs-fold; a server "MUST either reject the message by
    // sending a 400 (Bad Request)… or replace each received obs-fold". We
    // reject.
    if (is_ows(line.front())) return FieldError::malformed;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return FieldError::malformed;
    // RFC 9112 §5.1: "A server MUST reject, with a response status code of
    // 400 (Bad Request), any received request message that contains
    // whitespace between a header field name and colon."
    std::string_view name = line.substr(0, colon);
    if (!is_token(name)) return FieldError::malformed;
    std::string_view value = trim_ows(line.substr(colon + 1));
    if (!is_field_value(value)) return FieldError::malformed;
    if (out.size() >= max_headers) return FieldError::too_many;
    out.push_back(HttpHeader{std::string(name), std::string(value)});
  }
  return FieldError::none;
}

// Content-Length = 1*DIGIT; a list of identical values is accepted (RFC 9112
// §6.3 rule 5), differing values are not. nullopt: absent. -1: invalid.
std::optional<int64_t> content_length(const std::vector<HttpHeader>& headers) {
  std::optional<int64_t> result;
  for (const auto& h : headers) {
    if (!iequals(h.name, "content-length")) continue;
    std::string_view v = h.value;
    while (!v.empty()) {
      const size_t comma = v.find(',');
      std::string_view item = trim_ows(v.substr(0, comma));
      v.remove_prefix(comma == std::string_view::npos ? v.size() : comma + 1);
      if (item.empty() || item.size() > 15) return -1;
      int64_t n = 0;
      for (char c : item) {
        if (c < '0' || c > '9') return -1;
        n = n * 10 + (c - '0');
      }
      if (result && *result != n) return -1;
      result = n;
    }
    if (!result) return -1;  // "Content-Length:" with no value
  }
  return result;
}

bool parse_version(std::string_view v, int& minor) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.') return false;
  if (v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9') return false;
  minor = (v[5] == '1') ? v[7] - '0' : -1;  // -1: a major version other than 1
  return true;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

const std::string* find_header(const std::vector<HttpHeader>& headers, std::string_view name) {
  for (const auto& h : headers)
    if (iequals(h.name, name)) return &h.value;
  return nullptr;
}

std::string media_type(std::string_view content_type) {
  const size_t semi = content_type.find(';');
  std::string_view t = trim_ows(content_type.substr(0, semi));
  std::string out(t);
  for (char& c : out) c = lower(c);
  return out;
}

std::string_view HttpRequest::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

bool HttpRequest::keep_alive() const {
  const std::string* c = header("connection");
  bool close = false, keep = false;
  if (c) {
    std::string_view v = *c;
    while (!v.empty()) {
      const size_t comma = v.find(',');
      std::string_view opt = trim_ows(v.substr(0, comma));
      v.remove_prefix(comma == std::string_view::npos ? v.size() : comma + 1);
      if (iequals(opt, "close")) close = true;
      if (iequals(opt, "keep-alive")) keep = true;
    }
  }
  if (close) return false;
  return version_minor >= 1 || keep;
}

HttpResponse& HttpResponse::set(std::string name, std::string value) {
  for (auto& h : headers)
    if (iequals(h.name, name)) {
      h.value = std::move(value);
      return *this;
    }
  headers.push_back(HttpHeader{std::move(name), std::move(value)});
  return *this;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

std::string serialize_response(const HttpResponse& r) {
  std::string out;
  out.reserve(128 + r.body.size());
  char line[64];
  std::snprintf(line, sizeof line, "HTTP/1.1 %03d ", r.status);
  out += line;
  out += reason_phrase(r.status);
  out += "\r\n";
  for (const auto& h : r.headers) {
    if (iequals(h.name, "content-length")) continue;
    out += h.name;
    out += ": ";
    out += h.value;
    out += "\r\n";
  }
  // RFC 9110 §8.6: "A server MUST NOT send a Content-Length header field in
  // any response with a status code of 1xx (Informational) or 204 (No
  // Content)."
  if (r.status >= 200 && r.status != 204 && r.status != 304) {
    std::snprintf(line, sizeof line, "Content-Length: %zu\r\n", r.body.size());
    out += line;
  }
  out += "\r\n";
  if (r.status != 204 && r.status != 304) out += r.body;
  return out;
}

std::string serialize_request(std::string_view method, std::string_view target, std::string_view host,
                              const std::vector<HttpHeader>& headers, std::string_view body) {
  std::string out;
  out.reserve(128 + body.size());
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
  for (const auto& h : headers) {
    if (iequals(h.name, "content-length") || iequals(h.name, "host")) continue;
    out.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT")
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  out.append("\r\n").append(body);
  return out;
}

// ---------------------------------------------------------------- requests

HttpRequestParser::HttpRequestParser(HttpLimits limits) : limits_(limits) {}

HttpParseStatus HttpRequestParser::fail(int status, const char* reason) {
  status_ = HttpParseStatus::error;
  error_status_ = status;
  error_reason_ = reason;
  return status_;
}

HttpParseStatus HttpRequestParser::feed(std::string_view data) {
  if (status_ == HttpParseStatus::error) return status_;
  buffer_.append(data);
  if (status_ == HttpParseStatus::complete) return status_;
  return parse();
}

HttpParseStatus HttpRequestParser::next() {
  if (status_ != HttpParseStatus::complete) return status_;
  buffer_.erase(0, head_size_ + body_size_);
  request_ = HttpRequest{};
  have_head_ = false;
  head_size_ = body_size_ = 0;
  status_ = HttpParseStatus::need_more;
  return parse();
}

//   request-line = method SP request-target SP HTTP-version CRLF
//   HTTP-message = start-line CRLF *( field-line CRLF ) CRLF [ message-body ]
//                                                         (RFC 9112 §2.1, §3)
HttpParseStatus HttpRequestParser::parse() {
  if (!have_head_) {
    // RFC 9112 §2.2: "a server that is expecting to receive and parse a
    // request-line SHOULD ignore at least one empty line (CRLF) received
    // prior to the request-line."
    size_t skip = 0;
    while (skip < buffer_.size() && (buffer_[skip] == '\r' || buffer_[skip] == '\n') && skip < 64) ++skip;
    if (skip) buffer_.erase(0, skip);
    const size_t end = find_head_end(buffer_);
    if (end == std::string::npos) {
      if (buffer_.size() > limits_.max_head_bytes) return fail(431, "request head too large");
      return status_ = HttpParseStatus::need_more;
    }
    if (end > limits_.max_head_bytes) return fail(431, "request head too large");
    std::vector<std::string_view> lines;
    if (!split_lines(std::string_view(buffer_).substr(0, end), lines) || lines.empty())
      return fail(400, "bad line ending");
    std::string_view rl = lines[0];
    const size_t sp1 = rl.find(' ');
    const size_t sp2 = sp1 == std::string_view::npos ? sp1 : rl.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || rl.find(' ', sp2 + 1) != std::string_view::npos)
      return fail(400, "malformed request line");
    std::string_view method = rl.substr(0, sp1), target = rl.substr(sp1 + 1, sp2 - sp1 - 1);
    if (!is_token(method)) return fail(400, "malformed method");
    if (target.empty()) return fail(400, "empty request target");
    for (char c : target) {
      const auto u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u >= 0x7f) return fail(400, "malformed request target");
    }
    int minor = 0;
    if (!parse_version(rl.substr(sp2 + 1), minor)) return fail(400, "malformed HTTP version");
    if (minor < 0) return fail(505, "only HTTP/1.x is supported");
    request_.method = std::string(method);
    request_.target = std::string(target);
    request_.version_minor = minor;
    switch (parse_fields(lines, 1, limits_.max_headers, request_.headers)) {
      case FieldError::none: break;
      case FieldError::malformed: return fail(400, "malformed header field");
      case FieldError::too_many: return fail(431, "too many header fields");
    }
    // RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status
    // code to any HTTP/1.1 request message that lacks a Host header field
    // and to any request message that contains more than one Host header
    // field line or a Host header field with an invalid field value."
    int hosts = 0;
    for (const auto& h : request_.headers)
      if (iequals(h.name, "host")) ++hosts;
    if (hosts > 1 || (hosts == 0 && minor >= 1)) return fail(400, "missing or repeated Host");
    const bool has_te = request_.header("transfer-encoding") != nullptr;
    const auto cl = content_length(request_.headers);
    if (cl && *cl < 0) return fail(400, "invalid Content-Length");
    // RFC 9112 §6.1: a request with both "ought to be handled as an error".
    if (has_te && cl) return fail(400, "both Transfer-Encoding and Content-Length");
    if (has_te) return fail(501, "Transfer-Encoding is not supported; send Content-Length");
    if (cl && uint64_t(*cl) > limits_.max_body_bytes) return fail(413, "request body too large");
    have_head_ = true;
    head_size_ = end;
    body_size_ = cl ? size_t(*cl) : 0;
  }
  if (buffer_.size() < head_size_ + body_size_) return status_ = HttpParseStatus::need_more;
  request_.body.assign(buffer_, head_size_, body_size_);
  return status_ = HttpParseStatus::complete;
}

// ---------------------------------------------------------------- responses

HttpResponseParser::HttpResponseParser(HttpLimits limits, bool head_request)
    : limits_(limits), head_request_(head_request) {}

HttpParseStatus HttpResponseParser::fail(const char* reason) {
  status_ = HttpParseStatus::error;
  error_reason_ = reason;
  return status_;
}

HttpParseStatus HttpResponseParser::feed(std::string_view data) {
  if (status_ != HttpParseStatus::need_more) return status_;
  buffer_.append(data);
  return parse();
}

HttpParseStatus HttpResponseParser::finish() {
  if (status_ != HttpParseStatus::need_more) return status_;
  if (have_head_ && body_kind_ == Body::until_close) {
    response_.body = std::move(buffer_);
    return status_ = HttpParseStatus::complete;
  }
  return fail("connection closed before the response was complete");
}

//   status-line = HTTP-version SP status-code SP [ reason-phrase ]
//                                                          (RFC 9112 §4)
HttpParseStatus HttpResponseParser::parse() {
  while (!have_head_) {
    const size_t end = find_head_end(buffer_);
    if (end == std::string::npos) {
      if (buffer_.size() > limits_.max_head_bytes) return fail("response head too large");
      return status_;
    }
    if (end > limits_.max_head_bytes) return fail("response head too large");
    std::vector<std::string_view> lines;
    if (!split_lines(std::string_view(buffer_).substr(0, end), lines) || lines.empty())
      return fail("bad line ending");
    std::string_view sl = lines[0];
    int minor = 0;
    if (sl.size() < 12 || !parse_version(sl.substr(0, 8), minor) || minor < 0 || sl[8] != ' ')
      return fail("malformed status line");
    int code = 0;
    for (size_t i = 9; i < 12; ++i) {
      if (sl[i] < '0' || sl[i] > '9') return fail("malformed status code");
      code = code * 10 + (sl[i] - '0');
    }
    if (sl.size() > 12 && sl[12] != ' ') return fail("malformed status line");
    response_ = HttpResponseMessage{};
    response_.status = code;
    response_.reason = std::string(sl.size() > 13 ? sl.substr(13) : std::string_view());
    switch (parse_fields(lines, 1, limits_.max_headers, response_.headers)) {
      case FieldError::none: break;
      case FieldError::malformed: return fail("malformed header field");
      case FieldError::too_many: return fail("too many header fields");
    }
    buffer_.erase(0, end);
    if (code >= 100 && code < 200) continue;  // interim response: the real one follows
    have_head_ = true;
    const std::string* te = response_.header("transfer-encoding");
    const auto cl = content_length(response_.headers);
    if (head_request_ || code == 204 || code == 304) {
      body_kind_ = Body::none;
    } else if (te) {
      std::string_view v = trim_ows(*te);
      const size_t comma = v.rfind(',');
      if (!iequals(trim_ows(comma == std::string_view::npos ? v : v.substr(comma + 1)), "chunked"))
        return fail("unsupported Transfer-Encoding");
      body_kind_ = Body::chunked;
    } else if (cl) {
      if (*cl < 0) return fail("invalid Content-Length");
      if (uint64_t(*cl) > limits_.max_body_bytes) return fail("response body too large");
      body_kind_ = Body::length;
      body_size_ = size_t(*cl);
    } else {
      body_kind_ = Body::until_close;
    }
  }
  switch (body_kind_) {
    case Body::none:
      return status_ = HttpParseStatus::complete;
    case Body::length:
      if (buffer_.size() < body_size_) return status_;
      response_.body.assign(buffer_, 0, body_size_);
      return status_ = HttpParseStatus::complete;
    case Body::until_close:
      if (buffer_.size() > limits_.max_body_bytes) return fail("response body too large");
      return status_;
    case Body::chunked:
      return parse_chunks();
  }
  return status_;
}

//   chunked-body = *chunk last-chunk trailer-section CRLF
//   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//   last-chunk   = 1*("0") [ chunk-ext ] CRLF             (RFC 9112 §7.1)
HttpParseStatus HttpResponseParser::parse_chunks() {
  size_t pos = 0;
  for (;;) {
    const size_t nl = buffer_.find('\n', pos);
    if (nl == std::string::npos) {
      if (buffer_.size() - pos > 1024) return fail("chunk size line too long");
      break;
    }
    std::string_view line(buffer_.data() + pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view hex = trim_ows(line.substr(0, line.find(';')));
    if (hex.empty() || hex.size() > 8) return fail("malformed chunk size");
    size_t size = 0;
    for (char c : hex) {
      int d = (c >= '0' && c <= '9') ? c - '0' : (lower(c) >= 'a' && lower(c) <= 'f') ? lower(c) - 'a' + 10 : -1;
      if (d < 0) return fail("malformed chunk size");
      size = size * 16 + size_t(d);
    }
    if (size == 0) {
      // Trailer section: skip field lines up to the empty line.
      size_t p = nl + 1;
      for (;;) {
        const size_t e = buffer_.find('\n', p);
        if (e == std::string::npos) {
          if (buffer_.size() - p > limits_.max_head_bytes) return fail("trailer too large");
          buffer_.erase(0, pos);
          return status_;
        }
        std::string_view t(buffer_.data() + p, e - p);
        p = e + 1;
        if (t.empty() || t == "\r") return status_ = HttpParseStatus::complete;
      }
    }
    if (response_.body.size() + size > limits_.max_body_bytes) return fail("response body too large");
    const size_t data_start = nl + 1;
    if (buffer_.size() < data_start + size + 1) break;
    size_t after = data_start + size;
    if (buffer_[after] == '\r') {
      if (buffer_.size() < after + 2) break;
      ++after;
    }
    if (buffer_[after] != '\n') return fail("chunk data not followed by CRLF");
    response_.body.append(buffer_, data_start, size);
    pos = after + 1;
  }
  buffer_.erase(0, pos);
  return status_;
}

// ---------------------------------------------------------------- URLs

std::string HttpUrl::host_field() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != 80) h += ":" + std::to_string(port);
  return h;
}

std::optional<HttpUrl> parse_http_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.size() < kScheme.size() || !iequals(url.substr(0, kScheme.size()), kScheme)) return std::nullopt;
  url.remove_prefix(kScheme.size());
  const size_t slash = url.find_first_of("/?#");
  std::string_view authority = url.substr(0, slash);
  std::string_view rest = slash == std::string_view::npos ? std::string_view() : url.substr(slash);
  rest = rest.substr(0, rest.find('#'));
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no userinfo
  HttpUrl out;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else {
    const size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return std::nullopt;
  for (char c : out.host)
    if (static_cast<unsigned char>(c) <= 0x20 || c == '/' || c == '\\') return std::nullopt;
  if (!port.empty()) {
    if (port.size() > 5) return std::nullopt;
    uint32_t p = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return std::nullopt;
      p = p * 10 + uint32_t(c - '0');
    }
    if (p == 0 || p > 65535) return std::nullopt;
    out.port = uint16_t(p);
  }
  out.target = rest.empty() ? "/" : (rest.front() == '?' ? "/" + std::string(rest) : std::string(rest));
  for (char c : out.target)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return std::nullopt;
  return out;
}

std::optional<HttpUrl> resolve_location(const HttpUrl& base, std::string_view location) {
  location = trim_ows(location);
  if (location.empty()) return std::nullopt;
  if (location.find("://") != std::string_view::npos) return parse_http_url(location);
  if (location.size() >= 2 && location[0] == '/' && location[1] == '/')
    return parse_http_url("http:" + std::string(location));
  HttpUrl out = base;
  if (location.front() == '/') {
    out.target = std::string(location);
  } else {
    std::string_view dir = std::string_view(base.target).substr(0, base.target.find('?'));
    dir = dir.substr(0, dir.rfind('/') + 1);
    out.target = std::string(dir) + std::string(location);
  }
  for (char c : out.target)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return std::nullopt;
  return out;
}

}  // namespace sansrtc::demo
