// stun/transaction_table.cc — bounded pool of ClientTransactions.
#include "stun/transaction_table.h"

#include <cstdint>

namespace sansrtc::stun {

TransactionTable::TransactionTable(const TransactionTableConfig& config)
    : config_(config),
      capacity_(config.capacity ? config.capacity : 1),
      slots_(std::make_unique<ClientTransaction[]>(capacity_)),
      busy_(std::make_unique<bool[]>(capacity_)) {
  for (size_t i = 0; i < capacity_; ++i) busy_[i] = false;
}

Result<TransactionId> TransactionTable::start(Instant now, Bytes request, const SocketAddress& destination,
                                              const SocketAddress& source, const TransactionConfig* schedule) {
  MessageView v;
  const ParseError e = v.parse(request);
  if (e != ParseError::none) return to_error(e);
  if (find(v.transaction_id()))
    return make_error(Errc::invalid_state, "STUN transaction table: transaction ID already outstanding");
  for (size_t i = 0; i < capacity_; ++i) {
    if (busy_[i]) continue;
    SANSRTC_TRY(slots_[i].set_config(schedule ? *schedule : config_.transaction));
    SANSRTC_TRY(slots_[i].start(now, request, destination, source));
    busy_[i] = true;
    return v.transaction_id();
  }
  return make_error(Errc::limit_exceeded, "STUN transaction table: all slots busy (TransactionTableConfig::capacity)");
}

bool TransactionTable::cancel(const TransactionId& id) {
  for (size_t i = 0; i < capacity_; ++i)
    if (busy_[i] && slots_[i].transaction_id() == id) {
      slots_[i].cancel();
      busy_[i] = false;
      return true;
    }
  return false;
}

const ClientTransaction* TransactionTable::find(const TransactionId& id) const {
  for (size_t i = 0; i < capacity_; ++i)
    if (busy_[i] && slots_[i].transaction_id() == id) return &slots_[i];
  return nullptr;
}

ClientTransaction* TransactionTable::find_mut(const TransactionId& id) {
  return const_cast<ClientTransaction*>(find(id));
}

bool TransactionTable::matches(const MessageView& response) const {
  const ClientTransaction* t = response.valid() ? find(response.transaction_id()) : nullptr;
  return t && t->state() == TransactionState::waiting;
}

void TransactionTable::handle_response(Instant now, const MessageView& response) {
  ClientTransaction* t = response.valid() ? find_mut(response.transaction_id()) : nullptr;
  if (!t) {
    ++unmatched_;
    return;
  }
  t->handle_response(now, response);
}

void TransactionTable::handle_timeout(Instant now) {
  for (size_t i = 0; i < capacity_; ++i)
    if (busy_[i]) slots_[i].handle_timeout(now);
}

std::optional<Transmit> TransactionTable::poll_transmit(MutBytes buf) {
  for (size_t k = 0; k < capacity_; ++k) {
    const size_t i = (next_transmit_ + k) % capacity_;
    if (!busy_[i]) continue;
    if (auto t = slots_[i].poll_transmit(buf)) {
      next_transmit_ = (i + 1) % capacity_;
      return t;
    }
  }
  return std::nullopt;
}

std::optional<Instant> TransactionTable::poll_timeout() const {
  std::optional<Instant> best;
  for (size_t i = 0; i < capacity_; ++i)
    if (busy_[i]) best = earliest(best, slots_[i].poll_timeout());
  return best;
}

std::optional<TransactionEvent> TransactionTable::poll_event() {
  if (drained_ < capacity_) {
    busy_[drained_] = false;
    drained_ = SIZE_MAX;
  }
  for (size_t i = 0; i < capacity_; ++i) {
    if (!busy_[i]) continue;
    if (auto e = slots_[i].poll_event()) {
      drained_ = i;
      return e;
    }
  }
  return std::nullopt;
}

Bytes TransactionTable::response(const TransactionId& id) const {
  const ClientTransaction* t = find(id);
  return t ? t->response() : Bytes();
}

size_t TransactionTable::outstanding() const {
  size_t n = 0;
  for (size_t i = 0; i < capacity_; ++i) n += busy_[i] && slots_[i].state() == TransactionState::waiting;
  return n;
}

}  // namespace sansrtc::stun
