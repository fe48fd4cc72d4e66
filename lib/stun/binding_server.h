// stun/binding_server.h — answering STUN Binding requests, sans-IO.
//
// Two levels:
//  - free functions that build a Binding success response (XOR-MAPPED-
//    ADDRESS, RFC 8489 §6.3.1.1 / §14.2) or any error response (§6.3.1.1,
//    ERROR-CODE §14.8, 420 + UNKNOWN-ATTRIBUTES §14.13) for a parsed
//    request, with optional SOFTWARE, MESSAGE-INTEGRITY and FINGERPRINT.
//    ICE (RFC 8445 §7.3) uses these directly for its checks;
//  - `BindingServer`, a small machine around them: handle_packet() →
//    poll_transmit(), for a plain STUN server or a consent/keepalive
//    responder, optionally requiring short-term credentials (§9.1.3).
//
// Leaves out: long-term credentials on the server side (nonce/realm
// challenges: TURN's job), ALTERNATE-SERVER redirection, RESPONSE-ORIGIN /
// OTHER-ADDRESS (RFC 5780 NAT behaviour discovery).
#pragma once

#include "base/address.h"
#include "base/ring_buffer.h"
#include "base/time.h"
#include "stun/integrity.h"
#include "stun/message.h"

#include <optional>
#include <span>
#include <string_view>

namespace sansrtc::stun {

struct ResponseOptions {
  std::string_view software;  // empty: no SOFTWARE
  Bytes integrity_key;        // empty: no MESSAGE-INTEGRITY
  bool fingerprint = true;    // FINGERPRINT last (ICE requires it, RFC 8445 §7.3)
};

// Writes a Binding success response to `request` into `out`: same
// transaction ID, XOR-MAPPED-ADDRESS = `mapped` (the request's source
// transport address). Returns its size. Errors: buffer_too_small.
[[nodiscard]] Result<size_t> build_binding_success(const MessageView& request, const SocketAddress& mapped,
                                                   MutBytes out, const ResponseOptions& opts = {});
// Any method's error response. `unknown` fills UNKNOWN-ATTRIBUTES (for
// 420, pass request.unknown_comprehension_required()). An empty reason uses
// default_reason_phrase(code). Errors: buffer_too_small, invalid_argument
// (code outside 300..699).
[[nodiscard]] Result<size_t> build_error_response(const MessageView& request, uint16_t code, MutBytes out,
                                                  const ResponseOptions& opts = {}, std::string_view reason = {},
                                                  std::span<const uint16_t> unknown = {});
// The same from the method and transaction ID alone.
[[nodiscard]] Result<size_t> build_error_response(Method method, const TransactionId& tid, uint16_t code,
                                                  MutBytes out, const ResponseOptions& opts = {},
                                                  std::string_view reason = {},
                                                  std::span<const uint16_t> unknown = {});

struct BindingServerConfig {
  size_t max_pending = 16;        // responses queued before poll_transmit (drops beyond)
  std::string_view software;      // must outlive the server (a literal)
  bool always_fingerprint = true; // else only when the request carried one
};

// Inputs the server dropped (answered nothing), and what it sent.
struct BindingServerStats {
  ParseStats parse;
  uint64_t not_stun = 0;            // not even a STUN header (demux mistake)
  uint64_t not_request = 0;         // indications (e.g. keepalives) and responses: no answer
  uint64_t unsupported_method = 0;  // a request other than Binding: 400
  uint64_t queue_full = 0;
  uint64_t success_sent = 0;
  uint64_t bad_request_sent = 0;       // 400
  uint64_t unauthorized_sent = 0;      // 401
  uint64_t unknown_attribute_sent = 0; // 420
  uint64_t build_failed = 0;           // poll_transmit buffer too small: response lost
};

class BindingServer {
 public:
  explicit BindingServer(const BindingServerConfig& config = {});

  // Requires short-term credentials from now on (RFC 8489 §9.1.3): requests
  // need USERNAME starting with `username_prefix` (ICE: "<local ufrag>:")
  // and a MESSAGE-INTEGRITY(-SHA256) under `password`; missing → 400,
  // wrong → 401 (both without MESSAGE-INTEGRITY). Successes then carry
  // MESSAGE-INTEGRITY. Errors: invalid_argument (password not printable
  // ASCII / too long, prefix longer than 64 bytes).
  [[nodiscard]] Result<void> set_short_term_credentials(std::string_view username_prefix,
                                                        std::string_view password);
  void clear_credentials();

  // Answers Binding requests in `in`; everything else is dropped and counted.
  void handle_packet(Instant now, const Datagram& in);
  // One queued response serialized into buf, addressed back to the request's
  // source from the local address it arrived on.
  std::optional<Transmit> poll_transmit(MutBytes buf);
  // Nothing here expires.
  std::optional<Instant> poll_timeout() const { return std::nullopt; }

  size_t pending() const { return queue_.size(); }
  const BindingServerStats& stats() const { return stats_; }

 private:
  struct Pending {
    SocketAddress to;
    SocketAddress from;
    TransactionId tid;
    Method method = Method::binding;
    uint16_t error_code = 0;  // 0: success
    InlineVector<uint16_t, kMaxUnknownAttributes> unknown;
    bool integrity = false;
    bool fingerprint = true;
  };
  void enqueue(Pending p);

  BindingServerConfig config_;
  RingBuffer<Pending> queue_;
  BindingServerStats stats_;
  bool require_auth_ = false;
  IntegrityKey key_;
  InlineVector<char, 64> username_prefix_;
};

}  // namespace sansrtc::stun
