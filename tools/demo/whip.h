// demo/whip.h — the text formats of WHIP signalling (RFC 9725) that the demo
// peer reads and writes, without IO.
//
//   - trickle ICE bodies (RFC 8840 §9 "application/trickle-ice-sdpfrag", as
//     RFC 9725 uses them in PATCH requests): a=ice-ufrag, a=ice-pwd,
//     m= lines with a=mid, a=candidate and a=end-of-candidates, turned into
//     IceCandidateInit values for PeerConnection::add_ice_candidate();
//   - session ids for the Location /whip/<id> (128 random bits: whoever knows
//     the session URL can PATCH or DELETE the session);
//   - the host of an ICE server URL (stun:/turn: with libdatachannel's inline
//     credentials), so the demo can resolve it before creating a connection.
// Leaves out: ICE restarts through PATCH (RFC 9725): a fragment with
// a new ufrag reaches add_ice_candidate, which refuses it (not_found).
#pragma once

#include <sansrtc/peer_connection_types.h>
#include <sansrtc/rng.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sansrtc::demo {

struct TrickleFragment {
  std::string ice_ufrag;   // "" when the fragment has none
  std::string ice_pwd;
  // In order; an end-of-candidates entry has an empty `candidate`.
  std::vector<IceCandidateInit> candidates;
};

// Parses an sdpfrag body (lines end in CRLF or LF). Candidates before any
// m= line belong to m-line index 0 (and the a=mid seen so far, if any).
// Returns nullopt with `error` set for a body that is not an sdpfrag (a line
// that is not "x=..." with x a letter), or one with more than
// `max_candidates` candidates.
std::optional<TrickleFragment> parse_trickle_fragment(std::string_view body, std::string& error,
                                                     size_t max_candidates = 256);

// Writes a fragment with ufrag/pwd, one m= section per distinct mid, and the
// candidates (the client side of a PATCH; also used by tests).
std::string write_trickle_fragment(const TrickleFragment& f);

// 32 lower-case hex digits (128 bits) from `rng`.
std::string make_session_id(Rng& rng);

// "stun:HOST:PORT", "turn:USER:PASS@HOST:PORT?transport=tcp", "turns:[v6]"…
// → "HOST" (without brackets). nullopt when the URL has no host.
std::optional<std::string> ice_server_host(std::string_view url);

}  // namespace sansrtc::demo
