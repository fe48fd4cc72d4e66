// sctp/state_cookie.h — the stateless State Cookie (RFC 9260 §5.1.3).
//
// Everything needed to create the association is in the cookie, signed with
// HMAC-SHA256 under a secret key of the association, so a server keeps no
// state between INIT and COOKIE-ECHO. The creation time bounds its lifetime
// (Valid.Cookie.Life); tie-tags serve §5.2 collision and restart handling.
#pragma once

#include "base/bytes.h"
#include "base/secret.h"
#include "base/time.h"
#include <sansrtc/result.h>

#include <cstddef>
#include <cstdint>

namespace sansrtc::sctp {

struct StateCookie {
  int64_t created_ns = 0;
  uint32_t local_tag = 0;
  uint32_t peer_tag = 0;
  uint32_t local_initial_tsn = 0;
  uint32_t peer_initial_tsn = 0;
  uint32_t peer_a_rwnd = 0;
  uint16_t outbound_streams = 0;  // negotiated: min(our OS, peer's MIS)
  uint16_t inbound_streams = 0;   // negotiated: min(our MIS, peer's OS)
  uint32_t local_tie_tag = 0;
  uint32_t peer_tie_tag = 0;
  uint8_t capabilities = 0;       // kCap*
  static constexpr uint8_t kCapForwardTsn = 1, kCapReconfig = 2, kCapZeroChecksum = 4, kCapIData = 8;

  static constexpr size_t kBodySize = 45;
  static constexpr size_t kSize = kBodySize + 32;  // + HMAC-SHA256
  // Writes kSize bytes (body then MAC).
  void write(ByteWriter& w, const Secret<32>& key) const;
  // Errors: malformed (wrong size), auth_failed (MAC mismatch).
  static Result<StateCookie> parse(Bytes cookie, const Secret<32>& key);
};

}  // namespace sansrtc::sctp
