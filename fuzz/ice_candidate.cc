// Fuzz target: the SDP candidate grammar (RFC 8839 §5.1).
// parse -> format -> reparse must succeed and give the same candidate, and
// formatting the reparsed one must give the same text.
//
// The compact parser and address code are also checked against the versions
// they replaced (ice_candidate_reference.h): the same candidate or the same
// error (code, message, field, token index, token), the same formatted line;
// the same IpAddress/SocketAddress parse results and text (also for
// addresses built from the raw bytes, and with truncating buffers).
#include "ice/candidate_grammar.h"
#include "ice_candidate_reference.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace {

using namespace sansrtc;
namespace ref = sansrtc::ice::reference;

[[noreturn]] void differ(const char* what, std::string_view text) {
  std::fprintf(stderr, "differs from the reference (%s): %.*s\n", what, int(text.size()), text.data());
  std::abort();
}

void same_error(const Error& a, const Error& b, std::string_view text) {
  if (a.code != b.code || std::strcmp(a.message, b.message) != 0) differ("error", text);
}

// format() with every small capacity and a big one, against the reference.
template <typename A, typename F>
void same_format(const A& a, F ref_format, std::string_view text) {
  char x[80], y[80];
  for (size_t cap : {size_t(0), size_t(1), size_t(2), size_t(5), size_t(9), size_t(17), size_t(40), sizeof x}) {
    std::memset(x, 0x55, sizeof x);
    std::memset(y, 0x55, sizeof y);
    if (a.format(x, cap) != ref_format(a, y, cap) || std::memcmp(x, y, sizeof x) != 0) differ("format", text);
  }
  if (a.to_string() != std::string(y, ref_format(a, y, sizeof y))) differ("to_string", text);
}

void same_ip(const IpAddress& a) {
  same_format(a, [](const IpAddress& ip, char* o, size_t c) { return ref::format_ip(ip, o, c); }, "<ip>");
  same_format(SocketAddress(a, 0), ref::format_socket, "<socket>");
  same_format(SocketAddress(a, 65535), ref::format_socket, "<socket>");
}

void same_address_parse(std::string_view text) {
  auto a = IpAddress::parse(text);
  auto b = ref::parse_ip(text);
  if (a.ok() != b.ok()) differ("IpAddress::parse", text);
  if (!a.ok()) {
    same_error(a.error(), b.error(), text);
  } else {
    if (!(*a == *b)) differ("IpAddress::parse value", text);
    same_ip(*a);
  }
  auto s = SocketAddress::parse(text);
  auto t = ref::parse_socket(text);
  if (s.ok() != t.ok()) differ("SocketAddress::parse", text);
  if (!s.ok()) {
    same_error(s.error(), t.error(), text);
  } else {
    if (!(*s == *t)) differ("SocketAddress::parse value", text);
    same_format(*s, ref::format_socket, text);
  }
}

void same_candidate(std::string_view text) {
  ice::CandidateParseError da, db;
  auto a = ice::parse_candidate(text, &da);
  auto b = ref::parse_candidate(text, &db);
  auto a2 = ice::parse_candidate(text);
  if (a.ok() != b.ok() || a2.ok() != a.ok()) differ("parse_candidate", text);
  if (!a.ok()) {
    same_error(a.error(), b.error(), text);
    same_error(a2.error(), b.error(), text);
    if (std::strcmp(da.field, db.field) != 0 || da.token_index != db.token_index ||
        da.token.data() != db.token.data() || da.token.size() != db.token.size())
      differ("CandidateParseError", text);
    return;
  }
  if (!(*a == *b) || !(*a2 == *b)) differ("candidate", text);
  if (ice::format_candidate(*a) != ref::format_candidate(*b)) differ("format_candidate", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  same_candidate(text);
  same_address_parse(text);
  // Every space-separated token as an address too (where addresses sit in
  // a candidate line).
  for (size_t i = 0; i < text.size();) {
    size_t j = text.find(' ', i);
    if (j == std::string_view::npos) j = text.size();
    if (j > i) same_address_parse(text.substr(i, j - i));
    i = j + 1;
  }
  // Addresses from the raw bytes: the formatter on every zero-run shape.
  if (size >= 1) {
    std::array<uint8_t, 16> b{};
    for (size_t i = 0; i < 16 && i + 1 < size; ++i) b[i] = (data[0] >> (i % 8) & 1) ? data[i + 1] : 0;
    same_ip(IpAddress::v6(b));
    same_ip(IpAddress::v4(b[0], b[1], b[2], b[3]));
  }

  sansrtc::ice::CandidateParseError detail;
  auto c = sansrtc::ice::parse_candidate(text, &detail);
  if (!c.ok()) {
    // The bad token is a view into the input.
    if (!detail.token.empty() &&
        (detail.token.data() < text.data() || detail.token.data() + detail.token.size() > text.data() + text.size()))
      std::abort();
    return 0;
  }
  std::string out = sansrtc::ice::format_candidate(*c);
  auto again = sansrtc::ice::parse_candidate(out);
  if (!again.ok()) {
    std::fprintf(stderr, "reparse failed: %s\n", out.c_str());
    std::abort();
  }
  if (!(*again == *c) || sansrtc::ice::format_candidate(*again) != out) {
    std::fprintf(stderr, "round trip differs: %s\n", out.c_str());
    std::abort();
  }
  return 0;
}
