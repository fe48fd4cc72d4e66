#include "datachannel/data_channel_manager.h"

#include "base/check.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <type_traits>

namespace sansrtc::datachannel {

namespace {

sctp::Ppid ppid(Ppid p) { return sctp::Ppid(static_cast<uint32_t>(p)); }

// Adds one to a Stats counter: one call instead of a 64-bit increment
// inlined at every counting site (flash on a 32-bit target).
[[gnu::noinline]] void count(uint64_t& counter) { ++counter; }
}  // namespace

const char* channel_state_name(ChannelState s) {
  switch (s) {
    case ChannelState::connecting: return "connecting";
    case ChannelState::open: return "open";
    case ChannelState::closing: return "closing";
    case ChannelState::closed: return "closed";
  }
  return "unknown";
}

const char* event_type_name(EventType t) {
  switch (t) {
    case EventType::data_channel: return "datachannel";
    case EventType::open: return "open";
    case EventType::message: return "message";
    case EventType::buffered_amount_low: return "bufferedamountlow";
    case EventType::error: return "error";
    case EventType::closing: return "closing";
    case EventType::close: return "close";
  }
  return "unknown";
}

DataChannelManager::DataChannelManager(const Config& config, sctp::Association& association)
    : config_(config), assoc_(association), role_(config.dtls_role) {
  // One block clear instead of a store per counter (the compiler drops the
  // member-by-member zeroing this overwrites); Stats is all counters.
  static_assert(std::is_trivially_copyable_v<Stats>);
  std::memset(static_cast<void*>(&stats_), 0, sizeof stats_);
  if (config_.max_streams > 65535) config_.max_streams = 65535;
  // Nothing is preallocated: the channel table grows with the channels
  // (bounded by max_channels) and the event ring with the events not yet
  // polled (bounded by max_events), so an idle manager costs no heap.
  association_connected_ = assoc_.state() == sctp::State::established;
}

Result<void> DataChannelManager::set_dtls_role(DtlsRole role) {
  if (role_ && *role_ != role) return make_error(Errc::invalid_state, "datachannel: DTLS role already set");
  role_ = role;
  return ok_result();
}

// ---------------------------------------------------------------------------
// Channel table: heap-allocated channels, an array of pointers sorted by id.

DataChannelManager::~DataChannelManager() {
  for (size_t i = 0; i < count_; ++i) delete slots_[i];
  delete[] slots_;
}

size_t DataChannelManager::lower(uint16_t id) const {
  size_t lo = 0, hi = count_;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (slots_[mid]->info.id.value() < id) lo = mid + 1; else hi = mid;
  }
  return lo;
}

DataChannelManager::Slot* DataChannelManager::find(ChannelId id) {
  size_t i = lower(id.value());
  return i < count_ && slots_[i]->info.id == id ? slots_[i] : nullptr;
}

const DataChannelManager::Slot* DataChannelManager::find(ChannelId id) const {
  return const_cast<DataChannelManager*>(this)->find(id);
}

DataChannelManager::Slot& DataChannelManager::add_slot(ChannelId id, const DataChannelOpenView& open) {
  const std::string_view label = open.label, protocol = open.protocol;
  const ChannelType type = open.channel_type;
  const uint32_t param = open.reliability_parameter;
  if (count_ == cap_) {
    cap_ = cap_ ? 2 * cap_ : 4;
    Slot** grown = new Slot*[cap_];
    if (count_) std::memcpy(grown, slots_, count_ * sizeof(Slot*));
    delete[] slots_;
    slots_ = grown;
  }
  const size_t at = lower(id.value());
  std::memmove(slots_ + at + 1, slots_ + at, (count_ - at) * sizeof(Slot*));
  ++count_;
  Slot& s = *(slots_[at] = new Slot());
  s.info.id = id;
  // One buffer holds both strings; the attributes view it.
  s.names.reset(new char[label.size() + protocol.size()]);
  if (!label.empty()) std::memcpy(s.names.get(), label.data(), label.size());
  if (!protocol.empty()) std::memcpy(s.names.get() + label.size(), protocol.data(), protocol.size());
  s.info.label = std::string_view(s.names.get(), label.size());
  s.info.protocol = std::string_view(s.names.get() + label.size(), protocol.size());
  s.info.ordered = is_ordered(type);
  s.info.priority = open.priority;
  s.type = type;
  s.param = param;
  switch (reliability_of(type)) {
    case Reliability::reliable: break;
    case Reliability::max_retransmits:
      // The association counts retransmissions in 16 bits; beyond is "reliable enough".
      s.info.max_retransmits = uint16_t(std::min<uint32_t>(param, 0xffff));
      break;
    case Reliability::max_lifetime:
      s.info.max_packet_life_time = param;
      break;
  }
  return s;
}

void DataChannelManager::remove_slot(ChannelId id) {
  const size_t at = lower(id.value());
  if (at == count_ || slots_[at]->info.id != id) return;
  if (slots_[at]->reset_waiting) --resets_waiting_;
  delete slots_[at];  // label, protocol and any partial message with it
  --count_;
  std::memmove(slots_ + at, slots_ + at + 1, (count_ - at) * sizeof(Slot*));
}

uint32_t DataChannelManager::stream_limit() const {
  uint32_t limit = config_.max_streams;
  if (association_connected_) {
    limit = std::min<uint32_t>(limit, assoc_.outbound_streams());
    limit = std::min<uint32_t>(limit, assoc_.inbound_streams());
  }
  return limit;
}

bool DataChannelManager::connected() const { return association_connected_ && !association_closed_; }

// RFC 8832 §6: "The peer that initiates opening a data channel selects a
// stream identifier for which the corresponding incoming and outgoing streams
// are unused." We take the lowest free id of our parity.
Result<ChannelId> DataChannelManager::allocate_id() const {
  if (!role_)
    return make_error(Errc::invalid_state, "datachannel: DTLS role not known yet; set it or pass an id");
  const uint32_t limit = stream_limit();
  uint32_t candidate = *role_ == DtlsRole::client ? 0 : 1;
  // slots_ is sorted: walk it alongside the candidates of our parity.
  for (size_t i = 0; i < count_; ++i) {
    const uint16_t stream = slots_[i]->info.id.value();
    if (stream < candidate) continue;
    if (stream > candidate) break;
    candidate += 2;  // stream == candidate: taken
  }
  if (candidate >= limit) return make_error(Errc::limit_exceeded, "datachannel: no free stream id");
  return ChannelId(uint16_t(candidate));
}

// ---------------------------------------------------------------------------
// Commands

Result<ChannelId> DataChannelManager::create_channel(Instant now, std::string_view label,
                                                     const ChannelInit& init) {
  if (association_closed_) return make_error(Errc::invalid_state, "datachannel: association closed");
  // The channel as its OPEN describes it; the label and protocol rules of
  // an OPEN hold for negotiated channels too.
  DataChannelOpenView open;
  open.label = label;
  open.protocol = init.protocol;
  SANSRTC_TRY(check_data_channel_open(open, config_.dcep, Errc::invalid_argument));
  if (init.max_retransmits && init.max_packet_life_time)
    return make_error(Errc::invalid_argument,
                      "datachannel: max_retransmits and max_packet_life_time are mutually exclusive");
  if (init.negotiated && !init.id)
    return make_error(Errc::invalid_argument, "datachannel: a negotiated channel needs an id");
  if (count_ >= config_.max_channels)
    return make_error(Errc::limit_exceeded, "datachannel: max_channels reached");

  ChannelId id;
  if (init.id) {
    id = ChannelId(*init.id);
    if (*init.id >= stream_limit()) return make_error(Errc::invalid_argument, "datachannel: id beyond the stream limit");
    if (find(id)) return make_error(Errc::invalid_argument, "datachannel: id already in use");
    if (!init.negotiated && role_ && (*init.id % 2 == 0) != (*role_ == DtlsRole::client))
      return make_error(Errc::invalid_argument, "datachannel: in-band id of the wrong parity for our DTLS role");
  } else {
    auto a = allocate_id();
    if (!a) return a.error();
    id = *a;
  }

  Reliability rel = Reliability::reliable;
  if (init.max_retransmits) {
    rel = Reliability::max_retransmits;
    open.reliability_parameter = *init.max_retransmits;
  } else if (init.max_packet_life_time) {
    rel = Reliability::max_lifetime;
    open.reliability_parameter = *init.max_packet_life_time;
  }
  open.channel_type = make_channel_type(init.ordered, rel);
  open.priority = init.priority;
  Slot& s = add_slot(id, open);
  s.info.negotiated = init.negotiated;
  s.local_inband = !init.negotiated;
  s.peer_heard = init.negotiated;  // no DCEP: nothing to wait for

  if (connected()) {
    if (s.local_inband) {
      if (auto r = send_open(now, s); !r) {
        remove_slot(id);
        return r.error();
      }
    }
    announce_open(s);
  }
  count(stats_.channels_opened_locally);
  SANSRTC_DCHECK(is_consistent());
  return id;
}

Result<void> DataChannelManager::send_open(Instant now, Slot& s) {
  DataChannelOpenView open;
  open.channel_type = s.type;
  open.priority = s.info.priority;
  open.reliability_parameter = s.param;
  open.label = s.info.label;
  open.protocol = s.info.protocol;
  std::vector<uint8_t> buf(data_channel_open_size(open.label.size(), open.protocol.size()));
  auto n = write_data_channel_open(buf, open, config_.dcep);
  if (!n) return n.error();
  // RFC 8832 §6: "All DCEP messages MUST be sent using ordered delivery and
  // reliable transmission." (the default SendOptions) "They MUST be sent on
  // the same outgoing stream as the user messages belonging to the
  // corresponding data channel."
  SANSRTC_TRY(assoc_.send(now, s.info.id, ppid(Ppid::dcep), std::move(buf), sctp::SendOptions{}));
  s.open_sent = true;
  return ok_result();
}

void DataChannelManager::announce_open(Slot& s) {
  s.info.state = ChannelState::open;
  push_simple(EventType::open, s.info.id);
}

Result<void> DataChannelManager::send_text(Instant now, ChannelId id, std::string_view text) {
  return send_user(now, id, as_bytes(text), nullptr, false);
}

Result<void> DataChannelManager::send_binary(Instant now, ChannelId id, Bytes data) {
  return send_user(now, id, data, nullptr, true);
}

Result<void> DataChannelManager::send(Instant now, ChannelId id, std::vector<uint8_t>&& data, bool binary) {
  return send_user(now, id, data, &data, binary);
}

Result<void> DataChannelManager::send_user(Instant now, ChannelId id, Bytes data, std::vector<uint8_t>* owned,
                                           bool binary) {
  Slot* s = find(id);
  if (!s) return make_error(Errc::not_found, "datachannel: no such channel");
  if (s->info.state != ChannelState::open) return make_error(Errc::invalid_state, "datachannel: channel is not open");
  if (data.size() > max_message_size())
    return make_error(Errc::limit_exceeded, "datachannel: message larger than the max message size");
  sctp::SendOptions opts;
  // RFC 8832 §6: "before the DATA_CHANNEL_ACK message or any other message has
  // been received on a data channel, all other messages containing user data
  // and belonging to this data channel MUST be sent ordered, no matter whether
  // the data channel is ordered or not."
  opts.unordered = !s->info.ordered && s->peer_heard;
  opts.max_retransmits = s->info.max_retransmits;
  if (s->info.max_packet_life_time) opts.lifetime = std::chrono::milliseconds(*s->info.max_packet_life_time);
  // PPIDs 51/53, or for an empty message 56/57 with one zero byte (RFC 8831 §6.6).
  sctp::Ppid p = ppid(binary ? Ppid::binary : Ppid::string);
  if (data.empty()) {
    static const uint8_t kZero[1] = {0};
    data = Bytes(kZero, 1);
    owned = nullptr;
    p = ppid(binary ? Ppid::binary_empty : Ppid::string_empty);
  }
  SANSRTC_TRY(owned ? assoc_.send(now, id, p, std::move(*owned), opts) : assoc_.send(now, id, p, data, opts));
  count(stats_.messages_sent);
  s->user_sent = true;
  return ok_result();
}

Result<void> DataChannelManager::close(Instant now, ChannelId id) {
  Slot* s = find(id);
  if (!s) return make_error(Errc::not_found, "datachannel: no such channel");
  if (s->info.state == ChannelState::closing || s->info.state == ChannelState::closed) return ok_result();
  if (!connected()) {
    // Nothing was ever sent on the stream: there is nothing to reset.
    s->info.state = ChannelState::closing;
    finish_close(id);
    return ok_result();
  }
  s->info.state = ChannelState::closing;
  request_reset(now, *s);
  SANSRTC_DCHECK(is_consistent());
  return ok_result();
}

// RFC 8831 §6.7: "Closing of a data channel MUST be signaled by resetting the
// corresponding outgoing streams [RFC6525]. This means that if one side
// decides to close the data channel, it resets the corresponding outgoing
// stream. When the peer sees that an incoming stream was reset, it also
// resets its corresponding outgoing stream. Once this is completed, the data
// channel is closed."
void DataChannelManager::request_reset(Instant now, Slot& s) {
  if (s.reset_requested || s.outgoing_reset) return;
  const ChannelId id = s.info.id;
  auto r = assoc_.reset_streams(now, std::span<const ChannelId>(&id, 1));
  if (r.ok()) {
    s.reset_requested = true;
    if (s.reset_waiting) {
      s.reset_waiting = false;
      --resets_waiting_;
    }
    return;
  }
  if (r.error().code == Errc::limit_exceeded) {
    // Too many resets in flight: try again on a later input.
    if (!s.reset_waiting) {
      s.reset_waiting = true;
      ++resets_waiting_;
    }
    return;
  }
  // The association cannot reset (shutting down, closed): the stream is gone anyway.
  count(stats_.resets_failed);
  s.outgoing_reset = true;
  if (s.reset_waiting) {
    s.reset_waiting = false;
    --resets_waiting_;
  }
  s.incoming_reset = true;
  finish_close(id);
}

void DataChannelManager::retry_resets(Instant now) {
  if (resets_waiting_ == 0) return;
  // Index order, so the set being walked is not disturbed by removals: copy
  // ids first (bounded by max_channels, only while resets are waiting).
  for (size_t i = 0; i < count_ && resets_waiting_ > 0; ++i) {
    Slot& s = *slots_[i];
    if (!s.reset_waiting) continue;
    const size_t before = count_;
    request_reset(now, s);
    if (count_ != before) --i;  // the channel was removed
  }
}

void DataChannelManager::refuse_stream(Instant now, ChannelId id) {
  count(stats_.opens_refused);
  // Failure is fine: the peer's channel then stays unanswered, which it
  // handles as an unacknowledged channel. Counted.
  if (!assoc_.reset_streams(now, std::span<const ChannelId>(&id, 1)).ok()) count(stats_.resets_failed);
}

void DataChannelManager::finish_close(ChannelId id) {
  Slot* s = find(id);
  if (!s) return;
  s->info.state = ChannelState::closed;
  push_simple(EventType::close, id);
  remove_slot(id);
}

void DataChannelManager::close_all() {
  while (count_) finish_close(slots_[0]->info.id);
}

// ---------------------------------------------------------------------------
// Association events

void DataChannelManager::handle_association_event(Instant now, sctp::Event&& ev) {
  retry_resets(now);
  switch (ev.type) {
    case sctp::EventType::connected:
      on_connected(now);
      break;
    case sctp::EventType::restarted:
      // Both sides' SSNs restart at 0; the channels carry on.
      break;
    case sctp::EventType::message:
      on_message(now, std::move(ev));
      break;
    case sctp::EventType::incoming_streams_reset:
    case sctp::EventType::outgoing_streams_reset:
    case sctp::EventType::outgoing_streams_reset_failed:
      // One walk for the three stream-reset events.
      for (ChannelId id : ev.streams) {
        if (ev.type == sctp::EventType::incoming_streams_reset) {
          on_incoming_reset(now, id);
        } else if (ev.type == sctp::EventType::outgoing_streams_reset) {
          on_outgoing_reset(id);
        } else if (find(id)) {
          count(stats_.resets_failed);
          push_simple(EventType::error, id, "datachannel: the peer refused to reset the stream");
          finish_close(id);
        }
      }
      break;
    case sctp::EventType::buffered_amount_low:
      if (const Slot* s = find(ev.stream);
          s && s->user_sent && (s->info.state == ChannelState::open || s->info.state == ChannelState::closing))
        push_simple(EventType::buffered_amount_low, ev.stream);
      break;
    case sctp::EventType::closed:
      association_closed_ = true;
      association_connected_ = false;
      close_all();
      break;
  }
  // A payload not handed on (DCEP, partial parts, empty messages, drops)
  // goes back to the association's buffer pool.
  if (ev.payload.capacity()) assoc_.recycle(std::move(ev.payload));
  SANSRTC_DCHECK(is_consistent());
}

void DataChannelManager::on_connected(Instant now) {
  if (association_connected_) return;
  association_connected_ = true;
  const uint32_t limit = stream_limit();
  // Walk a snapshot of the ids: failing channels are removed as we go.
  for (size_t i = 0; i < count_;) {
    Slot& s = *slots_[i];
    const ChannelId id = s.info.id;
    if (s.info.state != ChannelState::connecting) { ++i; continue; }
    const char* fail = nullptr;
    if (id.value() >= limit) {
      fail = "datachannel: id beyond the streams the association negotiated";
    } else if (s.local_inband && !s.open_sent) {
      if (auto r = send_open(now, s); !r) fail = r.error().message;
    }
    if (fail) {
      push_simple(EventType::error, id, fail);
      finish_close(id);  // removes slots_[i]
      continue;
    }
    announce_open(s);
    ++i;
  }
}

void DataChannelManager::on_message(Instant now, sctp::Event&& ev) {
  const uint32_t p = ev.ppid.value();
  if (p == static_cast<uint32_t>(Ppid::dcep)) {
    on_dcep(now, ev.stream, ev.payload);
    return;
  }
  if (!is_data_channel_ppid(p)) {
    count(stats_.drop_unknown_ppid);
    return;
  }
  on_user_message(std::move(ev), p);
}

void DataChannelManager::on_dcep(Instant now, ChannelId id, Bytes payload) {
  auto m = parse_dcep(payload, config_.dcep);
  if (!m) {
    count(stats_.drop_malformed_dcep);
    // An OPEN we cannot read for an unused stream would leave the peer's
    // channel hanging: refuse it.
    if (!payload.empty() && payload[0] == static_cast<uint8_t>(MessageType::data_channel_open) && !find(id))
      refuse_stream(now, id);
    return;
  }
  if (m->type == MessageType::data_channel_ack) {
    Slot* s = find(id);
    if (!s || !s->local_inband || !s->open_sent) {
      count(stats_.drop_unexpected_ack);
      return;
    }
    count(stats_.acks_received);
    s->peer_heard = true;
    return;
  }
  on_open(now, id, m->open);
}

void DataChannelManager::on_open(Instant now, ChannelId id, const DataChannelOpenView& open) {
  count(stats_.opens_received);
  // RFC 8832 §6: "If the DATA_CHANNEL_OPEN message doesn't satisfy the
  // conditions above, the receiver MUST close the corresponding data channel
  // using the procedure described in [RFC8831] and MUST NOT send a
  // DATA_CHANNEL_ACK message in response to the received message." The
  // conditions: an unused stream, the peer's parity, valid parameters.
  if (Slot* existing = find(id)) {
    // Only a broken peer sends this (the parity rule makes glare impossible):
    // the channel on that stream is the "corresponding data channel".
    count(stats_.drop_open_on_used_stream);
    push_simple(EventType::error, id, "datachannel: DATA_CHANNEL_OPEN on a stream already in use");
    if (existing->info.state == ChannelState::open || existing->info.state == ChannelState::connecting) {
      existing->info.state = ChannelState::closing;
      request_reset(now, *existing);
    }
    return;
  }
  // The peer must use the other parity (RFC 8832 §6).
  if (role_ && (id.value() % 2 == 0) == (*role_ == DtlsRole::client)) {
    count(stats_.drop_open_wrong_parity);
    refuse_stream(now, id);
    return;
  }
  if (id.value() >= stream_limit() || count_ >= config_.max_channels) {
    count(stats_.drop_open_over_limit);
    refuse_stream(now, id);
    return;
  }
  Slot& s = add_slot(id, open);
  s.peer_heard = true;
  count(stats_.channels_opened_by_peer);
  // RFC 8832 §6: "...then a corresponding DATA_CHANNEL_ACK message is sent on
  // the stream with the same stream identifier as the one the
  // DATA_CHANNEL_OPEN message was received on."
  uint8_t ack[kDataChannelAckSize];
  (void)write_data_channel_ack(ack);
  if (!assoc_.send(now, id, ppid(Ppid::dcep), Bytes(ack, sizeof(ack)), sctp::SendOptions{}).ok()) {
    // The peer treats our first user message as the ACK, so the channel
    // still works; the failure is visible.
    push_simple(EventType::error, id, "datachannel: could not queue DATA_CHANNEL_ACK");
  }
  push_simple(EventType::data_channel, id);
  announce_open(s);
}

void DataChannelManager::on_user_message(sctp::Event&& ev, uint32_t p) {
  Slot* s = find(ev.stream);
  if (!s) {
    count(stats_.drop_unknown_stream);
    return;
  }
  // "...before the DATA_CHANNEL_ACK message or any other message has been
  // received": any message counts as the answer.
  s->peer_heard = true;
  if (s->info.state != ChannelState::open) {
    count(stats_.drop_not_open);
    return;
  }
  const auto pp = static_cast<Ppid>(p);
  const bool empty = pp == Ppid::string_empty || pp == Ppid::binary_empty;
  const bool part = pp == Ppid::string_partial || pp == Ppid::binary_partial;
  // A part, or the final piece of a message begun with parts: appended.
  if ((part || !s->partial.empty()) && !empty) {
    if (s->partial.size() + ev.payload.size() > config_.max_message_size) {
      count(stats_.drop_partial_too_large);
      s->partial = std::vector<uint8_t>();  // frees it (shrink_to_fit is a no-op without exceptions)
      push_simple(EventType::error, ev.stream, "datachannel: partial message larger than the max message size");
      return;
    }
    // resize + copy: the vector growth routine lib/sctp already links.
    const size_t n = s->partial.size();
    s->partial.resize(n + ev.payload.size());
    if (!ev.payload.empty()) std::memcpy(s->partial.data() + n, ev.payload.data(), ev.payload.size());
  }
  if (part) {
    s->partial_binary = pp == Ppid::binary_partial;
    return;
  }
  count(stats_.messages_received);
  std::vector<uint8_t>& data = !s->partial.empty() ? s->partial : ev.payload;
  Event* out = push_event(EventType::message, ev.stream);
  if (!out) {
    s->partial = std::vector<uint8_t>();
    return;
  }
  out->binary = pp == Ppid::binary || pp == Ppid::binary_empty;
  if (!empty || &data == &s->partial) out->data = std::move(data);  // moved from: empty again
}

void DataChannelManager::on_incoming_reset(Instant now, ChannelId id) {
  Slot* s = find(id);
  if (!s) return;  // e.g. the answer to a refused OPEN
  s->incoming_reset = true;
  if (s->info.state == ChannelState::open || s->info.state == ChannelState::connecting) {
    s->info.state = ChannelState::closing;
    push_simple(EventType::closing, id);
  }
  if (s->outgoing_reset) {
    finish_close(id);
    return;
  }
  request_reset(now, *s);  // may finish the close when resetting is impossible
}

void DataChannelManager::on_outgoing_reset(ChannelId id) {
  Slot* s = find(id);
  if (!s) return;
  s->outgoing_reset = true;
  s->reset_requested = false;
  if (s->incoming_reset) finish_close(id);
}

// ---------------------------------------------------------------------------
// Outputs and queries

Event* DataChannelManager::push_event(EventType t, ChannelId id, const char* detail) {
  if (events_.size() >= config_.max_events) {
    count(stats_.events_dropped);
    return nullptr;
  }
  Event& e = events_.emplace_back();
  e.type = t;
  e.id = id;
  e.detail = detail;
  return &e;
}

std::optional<Event> DataChannelManager::poll_event() {
  if (events_.empty()) return std::nullopt;
  return events_.pop_front();
}

const DataChannel* DataChannelManager::channel(ChannelId id) const {
  const Slot* s = find(id);
  return s ? &s->info : nullptr;
}

size_t DataChannelManager::buffered_amount(ChannelId id) const {
  return find(id) ? assoc_.buffered_amount(id) : 0;
}

Result<void> DataChannelManager::set_buffered_amount_low_threshold(ChannelId id, size_t n) {
  if (!find(id)) return make_error(Errc::not_found, "datachannel: no such channel");
  assoc_.set_buffered_amount_low_threshold(id, n);
  return ok_result();
}

void DataChannelManager::set_remote_max_message_size(size_t n) {
  remote_max_message_size_ = n;
  assoc_.set_remote_max_message_size(n);
}

size_t DataChannelManager::max_message_size() const {
  size_t m = config_.max_message_size;
  if (remote_max_message_size_ != 0) m = std::min(m, remote_max_message_size_);
  return m;
}

bool DataChannelManager::is_consistent() const {
  if (count_ > config_.max_channels || count_ > cap_) return false;
  size_t waiting = 0;
  for (size_t i = 0; i < count_; ++i) {
    const Slot& s = *slots_[i];
    if (i > 0 && slots_[i - 1]->info.id.value() >= s.info.id.value()) return false;
    if (s.reset_waiting) ++waiting;
    if (s.info.state == ChannelState::closed) return false;  // closed channels are removed at once
    if (s.partial.size() > config_.max_message_size) return false;
  }
  return waiting == resets_waiting_;
}

}  // namespace sansrtc::datachannel
