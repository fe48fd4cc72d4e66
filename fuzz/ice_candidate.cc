// Fuzz target: the SDP candidate grammar (RFC 8839 §5.1).
// parse -> format -> reparse must succeed and give the same candidate, and
// formatting the reparsed one must give the same text.
#include "ice/candidate_grammar.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
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
