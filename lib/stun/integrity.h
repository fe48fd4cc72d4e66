// stun/integrity.h — STUN credentials: key derivation and the
// MESSAGE-INTEGRITY / MESSAGE-INTEGRITY-SHA256 checks.
//
// RFC 8489 §9.1.1 (short-term: key = OpaqueString(password)), §9.2.2
// (long-term: key = MD5(username ":" OpaqueString(realm) ":"
// OpaqueString(password)), or SHA-256 of the same for PASSWORD-ALGORITHM
// SHA-256), §14.5/§14.6 (the HMAC covers the message up to the attribute,
// with the header length field counting through the attribute itself).
//
// Leaves out SASLprep/OpaqueString (RFC 8265). For printable ASCII
// (0x20-0x7E) OpaqueString is the identity, so passwords and realms limited
// to it are exact; anything else is refused with a clear error rather than
// silently keyed differently from a peer that does run the profile. ICE
// passwords (ice-chars, RFC 8839) are always printable ASCII. A caller that
// has run OpaqueString itself passes the prepared string (that is how the
// RFC 5769 §2.4 vector is tested: "TheMatrIX").
#pragma once

#include "base/secret.h"
#include "stun/message.h"

namespace sansrtc::stun {

// Longest short-term password accepted (ice-pwd is at most 256 chars).
inline constexpr size_t kMaxKeySize = 256;
using IntegrityKey = Secret<kMaxKeySize>;

// Short-term key: the password bytes. Errors: invalid_argument when empty,
// longer than kMaxKeySize, or not printable ASCII ("SASLprep not
// implemented").
[[nodiscard]] Result<IntegrityKey> short_term_key(std::string_view password);

// Long-term key: MD5 (16 bytes) or SHA-256 (32 bytes) of
// username ":" realm ":" password. `username` is used as given (UTF-8, as
// the client put it in USERNAME); realm and password must be printable
// ASCII (already-prepared strings), else invalid_argument.
[[nodiscard]] Result<IntegrityKey> long_term_key(std::string_view username, std::string_view realm,
                                                 std::string_view password,
                                                 PasswordAlgorithm alg = PasswordAlgorithm::md5);

enum class IntegrityStatus : uint8_t {
  ok,        // every integrity attribute present matched
  missing,   // neither MESSAGE-INTEGRITY nor MESSAGE-INTEGRITY-SHA256
  mismatch,  // at least one present did not match
};
const char* integrity_status_name(IntegrityStatus s);

// Checks MESSAGE-INTEGRITY and/or MESSAGE-INTEGRITY-SHA256, whichever are
// present; when both are, both must match (stricter than choosing one).
// Constant-time MAC comparison. `view` must be valid (parsed).
IntegrityStatus verify_integrity(const MessageView& view, Bytes key);
// Only one of the two (missing if that attribute is absent).
IntegrityStatus verify_message_integrity(const MessageView& view, Bytes key);
IntegrityStatus verify_message_integrity_sha256(const MessageView& view, Bytes key);

// The FINGERPRINT value for `message_prefix` (the message bytes before the
// FINGERPRINT attribute, header length already counting it).
uint32_t compute_fingerprint(Bytes message_prefix);

}  // namespace sansrtc::stun
