// stun/client_transaction.cc — RFC 8489 §6.2.1 retransmission machine.
#include "stun/client_transaction.h"

#include <cstring>

namespace sansrtc::stun {

const char* transaction_state_name(TransactionState s) {
  switch (s) {
    case TransactionState::idle: return "idle";
    case TransactionState::waiting: return "waiting";
    case TransactionState::succeeded: return "succeeded";
    case TransactionState::failed: return "failed";
    case TransactionState::timed_out: return "timed_out";
    case TransactionState::cancelled: return "cancelled";
  }
  return "invalid";
}

ClientTransaction::ClientTransaction(const TransactionConfig& config) : config_(config) {}

Result<void> ClientTransaction::set_config(const TransactionConfig& config) {
  if (state_ == TransactionState::waiting)
    return make_error(Errc::invalid_state, "STUN transaction: cannot change the Config while waiting");
  config_ = config;
  return ok_result();
}

Result<void> ClientTransaction::start(Instant now, Bytes request, const SocketAddress& destination,
                                      const SocketAddress& source) {
  if (state_ == TransactionState::waiting)
    return make_error(Errc::invalid_state, "STUN transaction: already waiting for a response");
  if (config_.initial_rto <= Duration::zero() || config_.max_transmissions == 0)
    return make_error(Errc::invalid_argument,
                      "STUN transaction: Config needs initial_rto > 0 and max_transmissions >= 1");
  if (request.size() > kMaxMessageSize)
    return make_error(Errc::buffer_too_small, "STUN transaction: request larger than 1280 bytes");
  MessageView v;
  const ParseError e = v.parse(request);
  // (Not to_error(e): its table of per-reason messages would be linked into
  // every image that gathers srflx candidates; parse_error_name(e) says which.)
  if (e != ParseError::none) return make_error(Errc::malformed, "STUN transaction: the request does not parse as STUN");
  if (!v.is_request()) return make_error(Errc::invalid_argument, "STUN transaction: message is not a request");

  now = clock_.update(now);
  std::memcpy(buf_.data(), request.data(), request.size());
  size_ = uint16_t(request.size());
  tid_ = v.transaction_id();
  method_ = v.method();
  destination_ = destination;
  source_ = source;
  started_ = now;
  rto_ = config_.initial_rto;
  transmissions_ = 1;
  transmit_pending_ = true;
  event_.reset();
  state_ = TransactionState::waiting;
  schedule_next(now);
  return ok_result();
}

// After the transmission numbered transmissions_ was queued at `now`: wait
// one RTO, or Rm * RTO after the last one. RFC 8489 §6.2.1: "the client
// SHOULD retransmit a STUN request message starting with an interval of
// RTO, doubling after each retransmission. [...] Retransmissions continue
// until a response is received or until a total of Rc requests have been
// sent. [...] If, after the last request, a duration equal to Rm times the
// RTO has passed without a response [...] the client SHOULD consider the
// transaction to have failed."
void ClientTransaction::schedule_next(Instant now) {
  if (transmissions_ >= config_.max_transmissions)
    deadline_ = now + config_.initial_rto * config_.final_wait_multiplier;
  else
    deadline_ = now + rto_;
}

std::optional<Transmit> ClientTransaction::poll_transmit(MutBytes buf) {
  if (!transmit_pending_ || state_ != TransactionState::waiting || buf.size() < size_) return std::nullopt;
  std::memcpy(buf.data(), buf_.data(), size_);
  transmit_pending_ = false;
  Transmit t;
  t.source = source_;
  t.destination = destination_;
  t.size = size_;
  return t;
}

std::optional<Instant> ClientTransaction::poll_timeout() const {
  if (state_ != TransactionState::waiting) return std::nullopt;
  return deadline_;
}

void ClientTransaction::handle_timeout(Instant now) {
  now = clock_.update(now);
  if (state_ != TransactionState::waiting || !deadline_ || now < *deadline_) return;
  if (transmissions_ >= config_.max_transmissions) {
    state_ = TransactionState::timed_out;
    deadline_.reset();
    transmit_pending_ = false;
    TransactionEvent ev;
    ev.kind = TransactionEvent::Kind::timeout;
    ev.id = tid_;
    ev.transmissions = transmissions_;
    ev.error = make_error(Errc::timeout,
                          "STUN transaction timed out: no response after Rc transmissions and a final "
                          "wait of Rm*RTO (RFC 8489 §6.2.1)");
    event_ = ev;
    size_ = 0;
    return;
  }
  ++transmissions_;
  transmit_pending_ = true;
  rto_ *= 2;
  schedule_next(now);
}

bool ClientTransaction::matches(const MessageView& response) const {
  return response.valid() && response.transaction_id() == tid_;
}

void ClientTransaction::handle_response(Instant now, const MessageView& response) {
  now = clock_.update(now);
  if (!matches(response) || state_ == TransactionState::idle) {
    ++stats_.wrong_transaction_id;
    return;
  }
  if (state_ != TransactionState::waiting) {
    ++stats_.after_completion;
    return;
  }
  if (!response.is_response()) {
    ++stats_.not_a_response;
    return;
  }
  if (response.method() != method_) {
    ++stats_.wrong_method;
    return;
  }
  TransactionEvent ev;
  ev.id = tid_;
  ev.transmissions = transmissions_;
  if (transmissions_ == 1) ev.rtt = now - started_;
  if (response.is_error_response()) {
    auto ec = response.error_code();
    // RFC 8489 §6.3.4 assumes ERROR-CODE; without it the response says
    // nothing usable, so it is treated as never received.
    if (!ec) {
      ++stats_.missing_error_code;
      return;
    }
    ev.kind = TransactionEvent::Kind::error_response;
    ev.error_code = ec->code;
    ev.error = (ec->code == error_codes::kUnauthorized || ec->code == error_codes::kWrongCredentials)
                   ? make_error(Errc::auth_failed, "STUN error response: unauthorized (see error_code)")
                   : make_error(Errc::invalid_state, "STUN error response (see error_code)");
  } else {
    ev.kind = TransactionEvent::Kind::success;
  }
  if (response.size() > kMaxMessageSize) {
    ++stats_.too_large;
    return;
  }
  std::memcpy(buf_.data(), response.bytes().data(), response.size());
  size_ = uint16_t(response.size());
  state_ = ev.kind == TransactionEvent::Kind::success ? TransactionState::succeeded : TransactionState::failed;
  deadline_.reset();
  transmit_pending_ = false;
  event_ = ev;
}

void ClientTransaction::cancel() {
  if (state_ != TransactionState::waiting) return;
  state_ = TransactionState::cancelled;
  deadline_.reset();
  transmit_pending_ = false;
  size_ = 0;
}

std::optional<TransactionEvent> ClientTransaction::poll_event() {
  auto e = event_;
  event_.reset();
  return e;
}

Bytes ClientTransaction::response() const {
  if (state_ != TransactionState::succeeded && state_ != TransactionState::failed) return {};
  return Bytes(buf_.data(), size_);
}

Bytes ClientTransaction::request() const {
  if (state_ != TransactionState::waiting) return {};
  return Bytes(buf_.data(), size_);
}

}  // namespace sansrtc::stun
