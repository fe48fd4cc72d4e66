// ice/candidate_grammar.h — the SDP `candidate` attribute, both ways.
//
// RFC 8839 §5.1:
//   candidate-attribute   = "candidate" ":" foundation SP component-id SP
//                           transport SP priority SP connection-address SP
//                           port SP cand-type
//                           [SP rel-addr] [SP rel-port]
//                           *(SP cand-extension)
//   foundation            = 1*32ice-char
//   component-id          = 1*3DIGIT
//   transport             = "UDP" / transport-extension
//   priority              = 1*10DIGIT
//   cand-type             = "typ" SP candidate-types
//   candidate-types       = "host" / "srflx" / "prflx" / "relay" / token
//   rel-addr              = "raddr" SP connection-address
//   rel-port              = "rport" SP port
//   cand-extension        = extension-att-name SP extension-att-value
//   ice-char              = ALPHA / DIGIT / "+" / "/"
// plus RFC 6544 §4.5 `tcptype` and the de-facto extensions browsers send:
// `generation`, `ufrag`, `network-id`, `network-cost`.
//
// The parser accepts the line with or without "a=" and "candidate:" (what
// RTCIceCandidate.candidate holds vs. the SDP line), any case for the
// transport, and trailing CR/LF. Unknown candidate types are rejected (the
// agent cannot pair them); unknown extensions are kept in order (at most 16;
// a line has at most 64 tokens).
// Formatting writes "candidate:..." (no "a="), transport in lower case as
// Chromium does, known extensions in Chromium's order then unknown ones.
#pragma once

#include "ice/candidate.h"

#include <sansrtc/result.h>

#include <string>
#include <string_view>

namespace sansrtc::ice {

// Where a parse failed: the 0-based token index (after the prefixes) and the
// token text (a view into the input), plus which field was expected.
struct CandidateParseError {
  const char* field = "";   // "foundation", "component-id", "priority", ...
  size_t token_index = 0;
  std::string_view token;
};

// Parses one candidate line. `detail`, when given, names the bad token on
// failure. Errors (Errc::malformed) say which field was bad, e.g.
// "candidate: bad priority"; Errc::unsupported for an unknown `typ`.
Result<Candidate> parse_candidate(std::string_view line, CandidateParseError* detail = nullptr);

// "candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...".
std::string format_candidate(const Candidate& c);

}  // namespace sansrtc::ice
