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

bool parse_v4(std::string_view s, uint8_t out[4]) {
  int part = 0;
  size_t i = 0;
  while (part < 4) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    unsigned v = 0;
    size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + unsigned(s[i] - '0');
      if (++digits > 3 || v > 255) return false;
      ++i;
    }
    if (digits > 1 && s[i - digits] == '0') return false;  // no octal-looking parts
    out[part++] = uint8_t(v);
    if (part < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_v6(std::string_view s, std::array<uint8_t, 16>& out) {
  uint16_t groups[8] = {};
  int n = 0, gap = -1;
  size_t i = 0;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
    if (i == s.size()) { out.fill(0); return true; }
  } else if (!s.empty() && s[0] == ':') {
    return false;
  }
  while (i < s.size()) {
    if (n >= 8) return false;
    // An embedded IPv4 tail ("::ffff:1.2.3.4").
    size_t j = i;
    while (j < s.size() && s[j] != ':') ++j;
    std::string_view tok = s.substr(i, j - i);
    if (tok.find('.') != std::string_view::npos) {
      uint8_t v4[4];
      if (j != s.size() || n > 6 || !parse_v4(tok, v4)) return false;
      groups[n++] = uint16_t(v4[0] << 8 | v4[1]);
      groups[n++] = uint16_t(v4[2] << 8 | v4[3]);
      i = j;
      break;
    }
    if (tok.empty() || tok.size() > 4) return false;
    unsigned v = 0;
    for (char c : tok) {
      int h = hexval(c);
      if (h < 0) return false;
      v = v << 4 | unsigned(h);
    }
    groups[n++] = uint16_t(v);
    i = j;
    if (i == s.size()) break;
    ++i;  // ':'
    if (i < s.size() && s[i] == ':') {
      if (gap >= 0) return false;
      gap = n;
      ++i;
      if (i == s.size()) break;
    } else if (i == s.size()) {
      return false;  // trailing single ':'
    }
  }
  if (gap < 0 && n != 8) return false;
  if (gap >= 0 && n > 7) return false;
  uint16_t full[8] = {};
  if (gap < 0) {
    std::memcpy(full, groups, sizeof(full));
  } else {
    int tail = n - gap;
    for (int k = 0; k < gap; ++k) full[k] = groups[k];
    for (int k = 0; k < tail; ++k) full[8 - tail + k] = groups[gap + k];
  }
  for (int k = 0; k < 8; ++k) store_be16(&out[size_t(k) * 2], full[k]);
  return true;
}

}  // namespace

Result<IpAddress> IpAddress::parse(std::string_view text) {
  uint8_t v4b[4];
  if (parse_v4(text, v4b)) return IpAddress::v4(v4b[0], v4b[1], v4b[2], v4b[3]);
  std::array<uint8_t, 16> v6b{};
  if (text.find(':') != std::string_view::npos && parse_v6(text, v6b)) return IpAddress::v6(v6b);
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
  void dec(unsigned v) {
    char d[10];
    int n = 0;
    do d[n++] = char('0' + v % 10); while ((v /= 10) != 0);
    while (n) put(d[--n]);
  }
  void hex(unsigned v) {
    char d[8];
    int n = 0;
    do d[n++] = "0123456789abcdef"[v & 0xF]; while ((v >>= 4) != 0);
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
      w.dec(b[k]);
    }
    return;
  }
  // RFC 5952: compress the longest run (>= 2) of zero groups, first if tied.
  uint16_t g[8];
  for (int k = 0; k < 8; ++k) g[k] = load_be16(b + size_t(k) * 2);
  int best = -1, best_len = 0;
  for (int k = 0; k < 8;) {
    if (g[k] != 0) { ++k; continue; }
    int j = k;
    while (j < 8 && g[j] == 0) ++j;
    if (j - k > best_len && j - k >= 2) { best = k; best_len = j - k; }
    k = j;
  }
  for (int k = 0; k < 8; ++k) {
    if (k == best) {
      w.put(':');
      if (k == 0) w.put(':');
      k += best_len - 1;
      continue;
    }
    w.hex(g[k]);
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
  w.dec(port_);
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
