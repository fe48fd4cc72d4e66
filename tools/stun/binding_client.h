// tools/stun/binding_client.h — one STUN Binding request as a sans-IO machine.
//
// Builds the request (RFC 8489 §6.1: Binding, random transaction ID,
// SOFTWARE, FINGERPRINT), runs it through stun::ClientTransaction (the
// §6.2.1 retransmission schedule) and reports the reflexive transport
// address from XOR-MAPPED-ADDRESS (MAPPED-ADDRESS from an RFC 3489-era
// server is accepted as a fallback, §14.1). Datagrams that are not a
// response to this transaction are dropped and counted. No credentials:
// a plain STUN server answers Binding without them.
#pragma once

#include "base/address.h"
#include "base/time.h"
#include "stun/client_transaction.h"
#include "stun/message.h"
#include <sansrtc/result.h>
#include <sansrtc/rng.h>

#include <optional>

namespace sansrtc::tools {

struct BindingResult {
  enum class Kind : uint8_t { mapped, error_response, timeout, bad_response };
  Kind kind = Kind::timeout;
  SocketAddress mapped;         // Kind::mapped
  uint16_t error_code = 0;      // Kind::error_response
  uint32_t transmissions = 0;
  std::optional<Duration> rtt;  // only when the request went out once
};

struct BindingClientStats {
  uint64_t not_stun = 0;           // does not parse as STUN (ParseStats has the reason)
  uint64_t other_transaction = 0;  // parses, but not our transaction ID
  stun::ParseStats parse;
};

class BindingClient {
 public:
  explicit BindingClient(const stun::TransactionConfig& config = {}) : tx_(config) {}

  // Queues the first transmission of a Binding request to `server` from
  // `source` (leave default with a single socket). Errors: those of
  // ClientTransaction::start.
  [[nodiscard]] Result<void> start(Instant now, Rng& rng, const SocketAddress& server,
                                   const SocketAddress& source = {});

  void handle_datagram(Instant now, const Datagram& d);
  void handle_timeout(Instant now) { tx_.handle_timeout(now); }
  std::optional<Transmit> poll_transmit(MutBytes buf) { return tx_.poll_transmit(buf); }
  std::optional<Instant> poll_timeout() const { return tx_.poll_timeout(); }
  std::optional<BindingResult> poll_event();

  const stun::ClientTransaction& transaction() const { return tx_; }
  const BindingClientStats& stats() const { return stats_; }

 private:
  stun::ClientTransaction tx_;
  Instant started_{};
  BindingClientStats stats_;
};

}  // namespace sansrtc::tools
