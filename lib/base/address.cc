#include "base/address.h"

#include <cstdio>
#include <cstring>

namespace sansrtc {

IpAddress IpAddress::v4(uint32_t host_order) {
  IpAddress a;
  a.family_ = IpFamily::v4;
  store_be32(a.bytes_.data(), host_order);
  return a;
}

IpAddress IpAddress::v6(const std::array<uint8_t, 16>& bytes) {
  IpAddress a;
  a.family_ = IpFamily::v6;
  a.bytes_ = bytes;
  return a;
}

namespace {

// Dotted quad: 4 parts of 1-3 digits, each <= 255, no leading zero.
bool parse_v4(std::string_view s, uint8_t out[4]) {
  size_t i = 0;
  const size_t e = s.size();
  for (int part = 0; part < 4; ++part) {
    if (part && (i >= e || s[i++] != '.')) return false;
    const size_t start = i;
    unsigned v = 0;
    while (i < e && s[i] >= '0' && s[i] <= '9') v = v * 10 + unsigned(s[i++] - '0');
    const size_t digits = i - start;
    // (More than 3 digits may wrap v: the digit count rejects them first.)
    if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && s[start] == '0')) return false;  // no octal-looking parts
    out[part] = uint8_t(v);
  }
  return i == e;
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = char(c | 0x20);  // ASCII letters folded to lower case
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 4291 §2.2 text form: 8 groups of 1-4 hex digits, one "::" for a run
// of zero groups, an optional dotted IPv4 tail. The groups go straight into
// `out` as bytes; a "::" moves the tail to the end at the close.
bool parse_v6(std::string_view s, uint8_t out[16]) {
  size_t n = 0;  // bytes written
  int gap = -1;  // byte offset of "::"
  size_t i = 0;
  const size_t e = s.size();
  if (e >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
  }
  // (A single leading ':' fails below as an empty group.)
  while (i < e) {
    if (n >= 16) return false;
    size_t j = i;
    bool dotted = false;
    for (; j < e && s[j] != ':'; ++j) dotted |= s[j] == '.';
    const std::string_view tok(s.data() + i, j - i);
    if (dotted) {  // an embedded IPv4 tail ("::ffff:1.2.3.4")
      if (j != e || n > 12 || !parse_v4(tok, out + n)) return false;
      n += 4;
      break;
    }
    if (tok.empty() || tok.size() > 4) return false;
    unsigned v = 0;
    for (char c : tok) {
      const int h = hexval(c);
      if (h < 0) return false;
      v = v << 4 | unsigned(h);
    }
    out[n++] = uint8_t(v >> 8);
    out[n++] = uint8_t(v);
    i = j;
    if (i == e) break;
    ++i;  // ':'
    if (i < e && s[i] == ':') {
      if (gap >= 0) return false;
      gap = int(n);
      ++i;
    } else if (i == e) {
      return false;  // trailing single ':'
    }
  }
  if (gap < 0) return n == 16;
  if (n > 14) return false;
  const size_t tail = n - size_t(gap);
  std::memmove(out + 16 - tail, out + gap, tail);
  std::memset(out + gap, 0, 16 - n);
  return true;
}

}  // namespace

Result<IpAddress> IpAddress::parse(std::string_view text) {
  IpAddress a;
  if (parse_v4(text, a.bytes_.data())) return a;
  // Without a ':' parse_v6 fails too (at most 4 bytes, no "::").
  if (parse_v6(text, a.bytes_.data())) {
    a.family_ = IpFamily::v6;
    return a;
  }
  return make_error(Errc::malformed, "not an IPv4 or IPv6 address");
}

bool IpAddress::is_loopback() const {
  if (is_v4()) return bytes_[0] == 127;
  for (int i = 0; i < 15; ++i)
    if (bytes_[size_t(i)]) return false;
  return bytes_[15] == 1;
}

bool IpAddress::is_unspecified() const {
  for (size_t i = 0; i < (is_v4() ? 4u : 16u); ++i)
    if (bytes_[i]) return false;
  return true;
}

bool IpAddress::is_link_local() const {
  if (is_v4()) return bytes_[0] == 169 && bytes_[1] == 254;
  return bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80;
}

bool IpAddress::is_private() const {
  if (is_v4())
    return bytes_[0] == 10 || (bytes_[0] == 172 && (bytes_[1] & 0xf0) == 16) ||
           (bytes_[0] == 192 && bytes_[1] == 168);
  return (bytes_[0] & 0xfe) == 0xfc;
}

namespace {

// Writes into a caller's buffer, truncating, always NUL-terminated (the
// address formatters use no stdio: on a microcontroller snprintf is a few
// KiB of code of its own).
class TextOut {
 public:
  TextOut(char* out, size_t cap) : out_(out), cap_(cap) {}
  void put(char c) {
    if (len_ + 1 < cap_) out_[len_++] = c;
  }
  void str(const char* s) {
    while (*s) put(*s++);
  }
  // `v` in decimal or (base 16) lower-case hex: one routine for both.
  void num(unsigned v, unsigned base = 10) {
    char d[10];
    int n = 0;
    do d[n++] = "0123456789abcdef"[v % base]; while ((v /= base) != 0);
    while (n) put(d[--n]);
  }
  size_t finish() {
    if (cap_ == 0) return 0;
    out_[len_] = 0;
    return len_;
  }

 private:
  char* out_;
  size_t cap_;
  size_t len_ = 0;
};

void format_ip(TextOut& w, const IpAddress& ip) {
  const uint8_t* b = ip.bytes().data();
  if (ip.is_v4()) {
    for (int k = 0; k < 4; ++k) {
      if (k) w.put('.');
      w.num(b[k]);
    }
    return;
  }
  // RFC 5952: compress the longest run (>= 2) of zero groups, first if tied.
  int best = -1, best_len = 1, run = 0;
  for (int k = 0; k < 8; ++k) {
    if (b[2 * k] | b[2 * k + 1]) run = 0;
    else if (++run > best_len) best_len = run, best = k - run + 1;
  }
  for (int k = 0; k < 8; ++k) {
    if (k == best) {
      w.put(':');
      if (k == 0) w.put(':');
      k += best_len - 1;
      continue;
    }
    w.num(load_be16(b + 2 * k), 16);
    if (k != 7) w.put(':');
  }
}

}  // namespace

size_t IpAddress::format(char* out, size_t cap) const {
  TextOut w(out, cap);
  format_ip(w, *this);
  return w.finish();
}

std::string IpAddress::to_string() const {
  char buf[64];
  return std::string(buf, format(buf, sizeof(buf)));
}

Result<SocketAddress> SocketAddress::parse(std::string_view text) {
  std::string_view host, port;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return make_error(Errc::malformed, "expected [IPv6]:port");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return make_error(Errc::malformed, "expected ADDRESS:PORT");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return make_error(Errc::malformed, "IPv6 endpoints are written [address]:port");
  }
  if (port.empty() || port.size() > 5) return make_error(Errc::malformed, "bad port");
  unsigned p = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return make_error(Errc::malformed, "bad port");
    p = p * 10 + unsigned(c - '0');
  }
  if (p > 65535) return make_error(Errc::malformed, "port out of range");
  auto ip = IpAddress::parse(host);
  if (!ip) return ip.error();
  return SocketAddress(*ip, uint16_t(p));
}

size_t SocketAddress::format(char* out, size_t cap) const {
  TextOut w(out, cap);
  if (!ip_.is_v4()) w.put('[');
  format_ip(w, ip_);
  if (!ip_.is_v4()) w.put(']');
  w.put(':');
  w.num(port_);
  return w.finish();
}

std::string SocketAddress::to_string() const {
  char buf[80];
  return std::string(buf, format(buf, sizeof(buf)));
}

}  // namespace sansrtc

size_t std::hash<sansrtc::IpAddress>::operator()(const sansrtc::IpAddress& a) const noexcept {
  uint64_t h = 1469598103934665603ull;  // FNV-1a, 64-bit even where size_t is 32
  for (uint8_t b : a.bytes()) h = (h ^ b) * 1099511628211ull;
  return size_t(h ^ (h >> 32));
}

size_t std::hash<sansrtc::SocketAddress>::operator()(const sansrtc::SocketAddress& a) const noexcept {
  return std::hash<sansrtc::IpAddress>()(a.ip()) * 31 + a.port();
}
