// stun/client_transaction.h — one STUN client transaction over UDP, sans-IO.
//
// RFC 8489 §6.2.1 (retransmissions over unreliable transports) and §6.3.3
// / §6.3.4 (success and error responses). The caller builds the request
// (message_builder.h), hands it over with start(), and then drives the
// machine like every sansrtc machine:
//
//   ClientTransaction tx;                          // Config: RTO, Rc, Rm
//   SANSRTC_TRY(tx.start(now, request, server));   // copies the bytes
//   loop:
//     while (auto t = tx.poll_transmit(buf)) send(buf, t->size, t->destination);
//     arm a timer at tx.poll_timeout();            // nullopt: nothing pending
//     on timer:    tx.handle_timeout(now);
//     on datagram: parse it; if tx.matches(view):  // same transaction ID
//                    verify its MESSAGE-INTEGRITY first (see below), then
//                    tx.handle_response(now, view);
//     while (auto e = tx.poll_event()) ...         // success / error_response / timeout
//
// Schedule with the defaults (RTO 500 ms, Rc 7, Rm 16): transmissions at
// 0, 500, 1500, 3500, 7500, 15500 and 31500 ms, timeout at 39500 ms. Each
// interval is measured from the `now` of the call that queued the previous
// transmission (the request is assumed sent during that call's drain).
//
// Authentication is the caller's: RFC 8489 §9.1.4/§9.2.5 require a response
// whose MESSAGE-INTEGRITY does not verify to be "discarded, as if it had
// never been received" — so verify before handle_response(), and simply do
// not pass a forged response: the transaction keeps retransmitting.
//
// Memory: one kMaxMessageSize buffer holds the request and, once done, the
// final response (so the caller can re-parse it with response()). No heap.
// Leaves out: reliable transports (TCP/TLS: one transmission, Ti = 39.5 s —
// set max_transmissions = 1 and final_wait_multiplier = 79 to get it), RTO
// caching across transactions (§6.2.1 "SHOULD be cached"; the owner of many
// transactions, e.g. ICE, sets initial_rto per transaction).
#pragma once

#include "base/address.h"
#include "base/time.h"
#include "stun/message.h"

#include <array>
#include <optional>

namespace sansrtc::stun {

struct TransactionConfig {
  Duration initial_rto = milliseconds(500);  // RFC 8489 §6.2.1 RTO
  uint32_t max_transmissions = 7;            // Rc
  uint32_t final_wait_multiplier = 16;       // Rm: last wait = Rm * initial_rto
};

enum class TransactionState : uint8_t {
  idle,            // not started
  waiting,         // request sent (or queued), no final response yet
  succeeded,       // got a success response
  failed,          // got an error response
  timed_out,       // no response after the full schedule
  cancelled,
};
const char* transaction_state_name(TransactionState s);

struct TransactionEvent {
  enum class Kind : uint8_t { success, error_response, timeout };
  Kind kind = Kind::success;
  TransactionId id;
  // error_response: the ERROR-CODE (e.g. 401, 420, 438, 487).
  uint16_t error_code = 0;
  // timeout: Errc::timeout; error_response: Errc::auth_failed for 401/441,
  // otherwise Errc::invalid_state ("see error_code"); success: unused.
  Error error{Errc::internal, ""};
  uint32_t transmissions = 0;
  // Round-trip time, only when the request was sent once (Karn's rule: with
  // retransmissions the response cannot be matched to one of them).
  std::optional<Duration> rtt;
};

// Responses dropped by this transaction, by reason.
struct TransactionStats {
  uint64_t wrong_transaction_id = 0;
  uint64_t not_a_response = 0;          // a request or indication
  uint64_t wrong_method = 0;
  uint64_t missing_error_code = 0;      // error response without ERROR-CODE
  uint64_t too_large = 0;               // > kMaxMessageSize: cannot be kept
  uint64_t after_completion = 0;        // duplicates/late responses
};

class ClientTransaction {
 public:
  explicit ClientTransaction(const TransactionConfig& config = {});
  // Replaces the Config for the next start(). Errors: invalid_state while
  // waiting (the running schedule is not changed mid-flight).
  [[nodiscard]] Result<void> set_config(const TransactionConfig& config);

  // Starts a transaction with `request` (a complete, valid STUN request,
  // e.g. from MessageBuilder::finish()); copies it. The first transmission
  // is queued at once. `source` is the local address to send from (copied
  // into each Transmit; leave default if the caller has one socket).
  // Errors: invalid_state (already waiting), buffer_too_small (> 1280
  // bytes), malformed (does not parse), invalid_argument (not a request,
  // or a Config with zero RTO or zero transmissions).
  [[nodiscard]] Result<void> start(Instant now, Bytes request, const SocketAddress& destination,
                                   const SocketAddress& source = {});

  // Writes the request into buf when a (re)transmission is due; nullopt if
  // none or buf is too small (the transmission stays queued).
  std::optional<Transmit> poll_transmit(MutBytes buf);
  // The next retransmission or the final timeout; nullopt when not waiting.
  std::optional<Instant> poll_timeout() const;
  // Retransmits or times out when due; early or spurious calls do nothing.
  void handle_timeout(Instant now);

  // True when `response` carries this transaction's ID (a cheap routing
  // test for an owner of many transactions).
  bool matches(const MessageView& response) const;
  // Completes the transaction with a success or error response carrying
  // its transaction ID and method; anything else is dropped and counted.
  // `response` is only read during the call (its bytes are copied).
  void handle_response(Instant now, const MessageView& response);
  // Abandons the transaction: no more transmissions, no event.
  void cancel();

  std::optional<TransactionEvent> poll_event();

  TransactionState state() const { return state_; }
  bool done() const { return state_ != TransactionState::idle && state_ != TransactionState::waiting; }
  const TransactionId& transaction_id() const { return tid_; }
  Method method() const { return method_; }
  uint32_t transmissions() const { return transmissions_; }
  const SocketAddress& destination() const { return destination_; }
  // The final response's bytes (succeeded/failed), valid until the next
  // start(); empty otherwise. Re-parse with MessageView::parse().
  Bytes response() const;
  // The request's bytes while waiting; empty otherwise.
  Bytes request() const;
  const TransactionStats& stats() const { return stats_; }
  const TransactionConfig& config() const { return config_; }

 private:
  void schedule_next(Instant now);

  TransactionConfig config_;
  TransactionState state_ = TransactionState::idle;
  MonotonicNow clock_;
  TransactionId tid_;
  Method method_ = Method::binding;
  SocketAddress destination_;
  SocketAddress source_;
  Instant started_{};
  std::optional<Instant> deadline_;
  Duration rto_{};
  uint32_t transmissions_ = 0;
  bool transmit_pending_ = false;
  std::optional<TransactionEvent> event_;
  TransactionStats stats_;
  uint16_t size_ = 0;  // of the request (waiting) or response (done)
  std::array<uint8_t, kMaxMessageSize> buf_;
};

}  // namespace sansrtc::stun
