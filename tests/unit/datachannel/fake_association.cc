// A stand-in for sctp::Association with the same header, for testing the
// DataChannelManager without the real SCTP machine (and, once the real one
// exists, for pinning down the manager's behaviour independently of it).
//
// It keeps the semantics the manager relies on and nothing else: a handshake
// (INIT/INIT-ACK) that negotiates stream counts, messages delivered whole and
// in send order (no loss), per-stream buffered amounts released when the
// message is transmitted (with the low-water event), outgoing stream resets
// that go out after the stream's queued messages and are answered by the
// peer, and ABORT. A "packet" is an 8-byte token naming an entry in a
// process-wide table, so messages of any size fit any buffer.
//
// Test code: std containers and exceptions are fine here. Link it INSTEAD of
// the sctp library, never with it.
#include "sctp/association.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>

namespace sansrtc::sctp {

namespace {
enum class Kind : uint8_t { init, init_ack, data, reset, reset_ack, abort };
struct Packet {
  Kind kind;
  uint16_t streams_out = 0;
  uint16_t streams_in = 0;
  StreamId stream{};
  Ppid ppid{};
  bool unordered = false;
  std::vector<uint8_t> payload;
  std::vector<StreamId> streams;
};
std::vector<Packet>& wire() {
  static std::vector<Packet> w;
  return w;
}
}  // namespace

struct Association::Impl {
  Config config;
  State state = State::closed;
  uint16_t out_streams = 0, in_streams = 0;
  size_t remote_mms = 0;
  std::deque<Packet> tx;
  std::deque<Event> events;
  std::map<uint16_t, size_t> buffered;
  std::map<uint16_t, size_t> threshold;
  std::vector<uint16_t> resetting;  // outgoing resets not yet answered
  Stats stats;

  void emit(Event&& e) { events.push_back(std::move(e)); }
  void closed(CloseReason r) {
    state = State::closed;
    Event e;
    e.type = EventType::closed;
    e.reason = r;
    emit(std::move(e));
  }
};

Association::Association(const Config& config, Rng&) : impl_(std::make_unique<Impl>()) { impl_->config = config; }
Association::~Association() = default;

Result<void> Association::connect(Instant) {
  if (impl_->state != State::closed) return make_error(Errc::invalid_state, "fake: not closed");
  impl_->state = State::cookie_wait;
  Packet p{Kind::init};
  p.streams_out = impl_->config.max_outbound_streams;
  p.streams_in = impl_->config.max_inbound_streams;
  impl_->tx.push_back(std::move(p));
  return ok_result();
}

void Association::handle_packet(Instant, Bytes packet) {
  Impl& s = *impl_;
  if (packet.size() != 8) {
    ++s.stats.drop_malformed;
    return;
  }
  uint64_t token;
  std::memcpy(&token, packet.data(), 8);
  if (token >= wire().size()) {
    ++s.stats.drop_malformed;
    return;
  }
  Packet p = std::move(wire()[token]);
  ++s.stats.packets_received;
  switch (p.kind) {
    case Kind::init:
    case Kind::init_ack: {
      s.out_streams = std::min(s.config.max_outbound_streams, p.streams_in);
      s.in_streams = std::min(s.config.max_inbound_streams, p.streams_out);
      if (p.kind == Kind::init) {
        Packet a{Kind::init_ack};
        a.streams_out = s.config.max_outbound_streams;
        a.streams_in = s.config.max_inbound_streams;
        s.tx.push_back(std::move(a));
      }
      if (s.state != State::established) {
        s.state = State::established;
        s.emit(Event{EventType::connected});
      }
      break;
    }
    case Kind::data: {
      if (s.state != State::established) return;
      Event e{EventType::message};
      e.stream = p.stream;
      e.ppid = p.ppid;
      e.unordered = p.unordered;
      e.payload = std::move(p.payload);
      ++s.stats.messages_received;
      s.emit(std::move(e));
      break;
    }
    case Kind::reset: {
      Event e{EventType::incoming_streams_reset};
      e.streams = p.streams;
      s.emit(std::move(e));
      Packet a{Kind::reset_ack};
      a.streams = std::move(p.streams);
      s.tx.push_back(std::move(a));
      break;
    }
    case Kind::reset_ack: {
      for (StreamId id : p.streams)
        s.resetting.erase(std::remove(s.resetting.begin(), s.resetting.end(), id.value()), s.resetting.end());
      Event e{EventType::outgoing_streams_reset};
      e.streams = std::move(p.streams);
      s.emit(std::move(e));
      break;
    }
    case Kind::abort:
      if (s.state != State::closed) s.closed(CloseReason::peer_abort);
      break;
  }
}

void Association::handle_timeout(Instant) {}

std::optional<size_t> Association::poll_transmit(MutBytes buf) {
  Impl& s = *impl_;
  if (s.tx.empty() || buf.size() < 8) return std::nullopt;
  Packet p = std::move(s.tx.front());
  s.tx.pop_front();
  if (p.kind == Kind::data) {
    size_t& b = s.buffered[p.stream.value()];
    const size_t before = b;
    b -= std::min(b, p.payload.size());
    const size_t th = s.threshold[p.stream.value()];
    if (before > th && b <= th) {
      Event e{EventType::buffered_amount_low};
      e.stream = p.stream;
      s.emit(std::move(e));
    }
  }
  wire().push_back(std::move(p));
  const uint64_t token = wire().size() - 1;
  std::memcpy(buf.data(), &token, 8);
  ++s.stats.packets_sent;
  return 8;
}

std::optional<Instant> Association::poll_timeout() const { return std::nullopt; }

std::optional<Event> Association::poll_event() {
  if (impl_->events.empty()) return std::nullopt;
  Event e = std::move(impl_->events.front());
  impl_->events.pop_front();
  return e;
}

Result<void> Association::send(Instant now, StreamId stream, Ppid ppid, Bytes message, const SendOptions& options) {
  return send(now, stream, ppid, std::vector<uint8_t>(message.begin(), message.end()), options);
}

Result<void> Association::send(Instant, StreamId stream, Ppid ppid, std::vector<uint8_t>&& message,
                               const SendOptions& options) {
  Impl& s = *impl_;
  if (s.state != State::established) return make_error(Errc::invalid_state, "fake: not established");
  if (stream.value() >= s.out_streams) return make_error(Errc::invalid_argument, "fake: bad stream");
  if (message.empty()) return make_error(Errc::invalid_argument, "fake: empty message");
  if (std::find(s.resetting.begin(), s.resetting.end(), stream.value()) != s.resetting.end())
    return make_error(Errc::invalid_state, "fake: stream being reset");
  size_t limit = s.config.max_message_size;
  if (s.remote_mms) limit = std::min(limit, s.remote_mms);
  if (message.size() > limit) return make_error(Errc::limit_exceeded, "fake: message too large");
  Packet p{Kind::data};
  p.stream = stream;
  p.ppid = ppid;
  p.unordered = options.unordered;
  s.buffered[stream.value()] += message.size();
  p.payload = std::move(message);
  s.tx.push_back(std::move(p));
  return ok_result();
}

void Association::recycle(std::vector<uint8_t>&& buffer) { buffer = std::vector<uint8_t>(); }

Result<void> Association::reset_streams(Instant, std::span<const StreamId> streams) {
  Impl& s = *impl_;
  if (s.state != State::established) return make_error(Errc::invalid_state, "fake: not established");
  Packet p{Kind::reset};
  for (StreamId id : streams) {
    if (id.value() >= s.out_streams) return make_error(Errc::invalid_argument, "fake: bad stream");
    p.streams.push_back(id);
    s.resetting.push_back(id.value());
  }
  s.tx.push_back(std::move(p));
  return ok_result();
}

Result<void> Association::shutdown(Instant) { return make_error(Errc::unsupported, "fake: no shutdown"); }

void Association::abort(Instant) {
  Impl& s = *impl_;
  if (s.state == State::closed) return;
  s.tx.clear();
  s.tx.push_back(Packet{Kind::abort});
  s.closed(CloseReason::local_abort);
}

size_t Association::buffered_amount(StreamId stream) const {
  auto it = impl_->buffered.find(stream.value());
  return it == impl_->buffered.end() ? 0 : it->second;
}
void Association::set_buffered_amount_low_threshold(StreamId stream, size_t n) {
  impl_->threshold[stream.value()] = n;
}
void Association::set_remote_max_message_size(size_t n) { impl_->remote_mms = n; }
State Association::state() const { return impl_->state; }
const Stats& Association::stats() const { return impl_->stats; }
uint16_t Association::outbound_streams() const { return impl_->out_streams; }
uint16_t Association::inbound_streams() const { return impl_->in_streams; }
Duration Association::rto() const { return Duration(0); }
size_t Association::cwnd() const { return 0; }
bool Association::is_consistent() const { return true; }

}  // namespace sansrtc::sctp
