// stun/transaction_table.h — a bounded set of concurrent client
// transactions (ICE checks, TURN requests) behind one sans-IO surface.
//
// Slots are allocated once at construction (Config::capacity); nothing is
// allocated per transaction. Responses are routed by transaction ID
// (RFC 8489 §6.3: "the transaction ID [...] matches a transaction that is
// outstanding"). Every slot follows the ClientTransaction schedule.
//
//   TransactionTable table({.capacity = 32});
//   auto id = table.start(now, request, peer);         // Result<TransactionId>
//   while (auto t = table.poll_transmit(buf)) send(...);
//   on datagram: if (table.matches(view)) { verify integrity; table.handle_response(now, view); }
//   on timer:    table.handle_timeout(now);
//   while (auto e = table.poll_event()) { table.response(e->id) ... }
//
// A finished transaction's response stays readable through response(id)
// until the next poll_event() call, which frees its slot.
#pragma once

#include "stun/client_transaction.h"

#include <memory>

namespace sansrtc::stun {

struct TransactionTableConfig {
  size_t capacity = 16;             // concurrent transactions
  TransactionConfig transaction;    // default schedule for start()
};

class TransactionTable {
 public:
  explicit TransactionTable(const TransactionTableConfig& config = {});

  // Starts a transaction in a free slot and returns its transaction ID.
  // `schedule` overrides the default Config for this one. Errors:
  // limit_exceeded (all slots busy), invalid_state (the ID is already
  // outstanding), and those of ClientTransaction::start().
  [[nodiscard]] Result<TransactionId> start(Instant now, Bytes request, const SocketAddress& destination,
                                            const SocketAddress& source = {},
                                            const TransactionConfig* schedule = nullptr);
  // Abandons an outstanding transaction (no event). False if unknown.
  bool cancel(const TransactionId& id);

  // True when `response` carries the ID of an outstanding transaction.
  bool matches(const MessageView& response) const;
  // Hands the response to its transaction; unknown IDs are counted.
  void handle_response(Instant now, const MessageView& response);
  void handle_timeout(Instant now);

  std::optional<Transmit> poll_transmit(MutBytes buf);
  std::optional<Instant> poll_timeout() const;
  // Frees the slot of the previously returned event, then returns the next.
  std::optional<TransactionEvent> poll_event();

  // The final response of `id` (after its event, until the next poll_event()).
  Bytes response(const TransactionId& id) const;
  // The transaction with `id`, or nullptr.
  const ClientTransaction* find(const TransactionId& id) const;

  size_t outstanding() const;
  size_t capacity() const { return capacity_; }
  uint64_t unmatched_responses() const { return unmatched_; }

 private:
  ClientTransaction* find_mut(const TransactionId& id);

  TransactionTableConfig config_;
  size_t capacity_;
  std::unique_ptr<ClientTransaction[]> slots_;
  std::unique_ptr<bool[]> busy_;     // holds a transaction (waiting or finished, event not yet drained)
  size_t drained_ = SIZE_MAX;        // slot whose event was returned last
  size_t next_transmit_ = 0;         // round-robin fairness for poll_transmit
  uint64_t unmatched_ = 0;
};

}  // namespace sansrtc::stun
