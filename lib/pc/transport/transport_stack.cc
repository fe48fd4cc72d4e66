// pc/transport/transport_stack.cc — see transport_stack.h.
#include "pc/transport/transport_stack.h"

#include <algorithm>
#include <utility>

namespace sansrtc::pc {

namespace {
// Event slots kept once the queue drains (see poll_event).
constexpr size_t kKeptEventSlots = 2;
// One out-of-line 64-bit increment for every counter (smaller than each
// inlined on 32-bit targets).
[[gnu::noinline]] void count(uint64_t& counter) { ++counter; }
}  // namespace

// RFC 7983 §7:
//                 +----------------+
//                 |        [0..3] -+--> forward to STUN
//                 |                |
//                 |      [16..19] -+--> forward to ZRTP
//                 |                |
//     packet -->  |      [20..63] -+--> forward to DTLS
//                 |                |
//                 |      [64..79] -+--> forward to TURN Channel
//                 |                |
//                 |    [128..191] -+--> forward to RTP/RTCP
//                 +----------------+
PacketKind classify_packet(Bytes datagram) {
  if (datagram.empty()) return PacketKind::unknown;
  const uint8_t b = datagram[0];
  if (b <= 3) return PacketKind::stun;
  if (b >= 20 && b <= 63) return PacketKind::dtls;
  if (b >= 64 && b <= 79) return PacketKind::turn_channel;
  if (b >= 128 && b <= 191) return PacketKind::rtp;
  return PacketKind::unknown;
}

namespace {

// One SCTP packet per DTLS record, one record per datagram: the packet plus
// the record overhead must fit the datagram size DTLS uses.
size_t sctp_mtu(const TransportConfig& c) {
  const size_t dtls_mtu = std::min(c.dtls.mtu, kMaxScratch);
  const size_t sctp_max = dtls_mtu > kDtlsRecordOverhead + 256 ? dtls_mtu - kDtlsRecordOverhead : 256;
  return std::min(c.sctp.mtu, sctp_max);
}

sctp::Config sctp_config(const TransportConfig& c, size_t mtu) {
  sctp::Config s = c.sctp;
  s.mtu = mtu;
  return s;
}

datachannel::Config channel_config(const TransportConfig& c) {
  datachannel::Config d = c.datachannel;
  d.dtls_role.reset();
  if (!c.defer_dtls_role)
    d.dtls_role = c.dtls.role == dtls::Role::client ? datachannel::DtlsRole::client : datachannel::DtlsRole::server;
  return d;
}

}  // namespace

TransportStack::TransportStack(Instant now, const TransportConfig& config, Rng& rng)
    : dtls_config_(config.dtls),
      rng_(rng),
      sctp_mtu_(sctp_mtu(config)),
      last_now_(now),
      dtls_role_known_(!config.defer_dtls_role),
      ice_(now, config.ice, rng),
      sctp_(sctp_config(config, sctp_mtu_), rng),
      channels_(channel_config(config), sctp_),
      events_(config.max_queued_events ? config.max_queued_events : 1) {
  clock_.update(now);
  if (config.remote_max_message_size) channels_.set_remote_max_message_size(config.remote_max_message_size);
}

TransportStack::~TransportStack() = default;

void TransportStack::touch(Instant now) { last_now_ = clock_.update(now); }

Result<void> TransportStack::set_dtls_role(dtls::Role role) {
  if (started_) return make_error(Errc::invalid_state, "DTLS role must be set before start()");
  if (dtls_role_known_ && role != dtls_config_.role)
    return make_error(Errc::invalid_state, "DTLS role already set to the other role");
  SANSRTC_TRY(channels_.set_dtls_role(role == dtls::Role::client ? datachannel::DtlsRole::client
                                                                  : datachannel::DtlsRole::server));
  dtls_config_.role = role;
  dtls_role_known_ = true;
  return ok_result();
}

Result<void> TransportStack::set_remote_fingerprints(std::span<const crypto::Fingerprint> fingerprints) {
  if (started_) return make_error(Errc::invalid_state, "remote fingerprints must be set before start()");
  InlineVector<crypto::Fingerprint, 4> fps;
  for (const auto& f : fingerprints)
    if (!fps.push_back(f)) return make_error(Errc::limit_exceeded, "more than 4 remote fingerprints");
  dtls_config_.remote_fingerprints = fps;
  return ok_result();
}

Result<void> TransportStack::start(Instant now) {
  touch(now);
  if (started_) return make_error(Errc::invalid_state, "transport stack already started");
  if (!dtls_role_known_) return make_error(Errc::invalid_state, "start() before the DTLS role is known");
  started_ = true;
  // Constructing the Connection computes its ECDHE key pair now, so the
  // handshake does not wait for it.
  dtls_.emplace(dtls_config_, rng_);
  if (dtls_config_.role == dtls::Role::server) {
    // The server only listens: starting it now means an early ClientHello
    // (the peer selected its pair before we did) is not lost.
    SANSRTC_TRY(dtls_->start(last_now_));
    dtls_started_ = true;
  }
  process(last_now_);
  return ok_result();
}

Result<void> TransportStack::add_local_interface(Instant now, const SocketAddress& host) {
  touch(now);
  auto r = ice_.add_local_interface(last_now_, host);
  process(last_now_);
  return r;
}

void TransportStack::end_of_local_interfaces(Instant now) {
  touch(now);
  ice_.end_of_local_interfaces(last_now_);
  process(last_now_);
}

Result<void> TransportStack::set_remote_credentials(Instant now, std::string_view ufrag, std::string_view pwd) {
  touch(now);
  auto r = ice_.set_remote_credentials(last_now_, ufrag, pwd);
  process(last_now_);
  return r;
}

Result<void> TransportStack::add_remote_candidate(Instant now, const ice::Candidate& c) {
  touch(now);
  auto r = ice_.add_remote_candidate(last_now_, c);
  process(last_now_);
  return r;
}

void TransportStack::end_of_remote_candidates(Instant now) {
  touch(now);
  ice_.end_of_remote_candidates(last_now_);
  process(last_now_);
}

void TransportStack::handle_datagram(Instant now, const Datagram& d) {
  touch(now);
  count(stats_.datagrams_received);
  switch (classify_packet(d.payload)) {
    case PacketKind::stun:
      count(stats_.stun_received);
      ice_.handle_datagram(last_now_, d);
      break;
    case PacketKind::dtls:
      if (!dtls_started_) {
        count(stats_.dropped_dtls_not_started);
        return;
      }
      count(stats_.dtls_received);
      dtls_->handle_datagram(last_now_, d.payload);
      break;
    case PacketKind::turn_channel: count(stats_.dropped_turn_channel); return;
    case PacketKind::rtp: count(stats_.dropped_rtp); return;
    case PacketKind::unknown: count(stats_.dropped_unknown); return;
  }
  process(last_now_);
}

void TransportStack::handle_timeout(Instant now) {
  touch(now);
  // Early or spurious calls are harmless for every child.
  ice_.handle_timeout(last_now_);
  if (dtls_started_) dtls_->handle_timeout(last_now_);
  sctp_.handle_timeout(last_now_);
  process(last_now_);
}

Result<datachannel::ChannelId> TransportStack::create_data_channel(Instant now, std::string_view label,
                                                                   const datachannel::ChannelInit& init) {
  touch(now);
  auto r = channels_.create_channel(last_now_, label, init);
  process(last_now_);
  return r;
}

Result<void> TransportStack::send(Instant now, datachannel::ChannelId id, Bytes data, bool binary) {
  touch(now);
  auto r = binary ? channels_.send_binary(last_now_, id, data)
                  : channels_.send_text(last_now_, id,
                                        std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
  process(last_now_);
  return r;
}

Result<void> TransportStack::close_data_channel(Instant now, datachannel::ChannelId id) {
  touch(now);
  auto r = channels_.close(last_now_, id);
  process(last_now_);
  return r;
}

void TransportStack::close(Instant now) {
  touch(now);
  if (closed_) return;
  closed_ = true;
  sctp_.abort(last_now_);
  if (dtls_started_) dtls_->close(last_now_);
  // The last selected pair stays cached, so close_notify still goes out.
  ice_.close(last_now_);
  process(last_now_);
}

TransportEvent* TransportStack::push(TransportEvent&& e) {
  if (!events_.push_back(std::move(e))) {
    count(stats_.events_dropped);
    return nullptr;
  }
  return &events_.back();
}

TransportEvent* TransportStack::push(TransportEvent::Kind kind) {
  // A default event, filled in place by the caller: no temporary event
  // per call site.
  TransportEvent* e = push(TransportEvent());
  if (e) e->kind = kind;
  return e;
}

void TransportStack::drain_sctp_events(Instant now) {
  while (auto e = sctp_.poll_event()) {
    if (e->type == sctp::EventType::connected || e->type == sctp::EventType::restarted ||
        e->type == sctp::EventType::closed) {
      if (TransportEvent* te = push(TransportEvent::Kind::sctp_state)) {
        te->sctp_state = e->type == sctp::EventType::connected   ? SctpTransportState::connected
                         : e->type == sctp::EventType::restarted ? SctpTransportState::restarted
                                                                 : SctpTransportState::closed;
        te->sctp_reason = e->reason;
      }
    }
    channels_.handle_association_event(now, std::move(*e));
  }
}

void TransportStack::process(Instant now) {
  // Fixed order: ICE, DTLS, SCTP, channels. A reaction (starting DTLS,
  // connecting SCTP) may produce events of a later child, drained below.
  while (auto e = ice_.poll_event()) {
    // Built in place (designated initializers): no default-constructed
    // event to assign into, which costs a lot of code for ice::Event.
    (void)push(TransportEvent{.kind = TransportEvent::Kind::ice, .ice = std::move(*e)});
  }
  // Remember the pair: after close() the agent forgets it, but DTLS's
  // close_notify must still leave on it.
  if (auto sp = ice_.selected_pair()) selected_ = *sp;
  if (started_ && !dtls_started_ && !closed_ && selected_) {
    // The DTLS client starts once ICE has a selected pair.
    auto r = dtls_->start(now);
    dtls_started_ = true;
    if (!r.ok())
      if (TransportEvent* te = push(TransportEvent::Kind::dtls_error)) te->error = r.error();
  }
  while (dtls_) {
    auto e = dtls_->poll_event();
    if (!e) break;
    switch (e->kind) {
      case dtls::EventKind::state_changed: {
        if (TransportEvent* te = push(TransportEvent::Kind::dtls_state)) te->dtls_state = e->state;
        // Without DTLS the association cannot send anything: it ends, and
        // with it every data channel (W3C: the SCTP transport closes).
        if ((e->state == dtls::TransportState::closed || e->state == dtls::TransportState::failed) &&
            sctp_.state() != sctp::State::closed) {
          sctp_.abort(now);
        }
        break;
      }
      case dtls::EventKind::srtp_keys: {
#if !SANSRTC_NO_MEDIA
        srtp_keys_ = std::move(e->srtp);
#endif
        (void)push(TransportEvent::Kind::srtp_keys);
        break;
      }
      case dtls::EventKind::application_data:
        // e->data is valid until the next call on the Connection: hand it
        // to SCTP now (RFC 8261: one SCTP packet per DTLS record).
        count(stats_.sctp_packets_received);
        sctp_.handle_packet(now, e->data);
        break;
      case dtls::EventKind::error: {
        if (TransportEvent* te = push(TransportEvent::Kind::dtls_error)) {
          te->error = e->error;
          te->alert = e->alert;
        }
        break;
      }
    }
  }
  if (!sctp_connect_issued_ && !closed_ && dtls_ && dtls_->state() == dtls::TransportState::connected) {
    sctp_connect_issued_ = true;
    // The DTLS client's association sends INIT; the server's answers.
    if (dtls_config_.role == dtls::Role::client) (void)sctp_.connect(now);
  }
  drain_sctp_events(now);
  // Channel events stay in the manager's own bounded queue; poll_event()
  // takes them from there once the layer events are out (so a burst of
  // messages never overflows our queue).
}

std::optional<Transmit> TransportStack::poll_transmit(MutBytes buf) {
  if (auto t = ice_.poll_transmit(buf)) {
    count(stats_.datagrams_sent);
    return t;
  }
  if (!dtls_started_) return std::nullopt;
  if (!selected_) return std::nullopt;
  const ice::SelectedPair* sp = &*selected_;
  for (;;) {
    if (auto n = dtls_->poll_transmit(buf)) {
      count(stats_.datagrams_sent);
      return Transmit{sp->local, sp->remote, *n};
    }
    if (dtls_->state() != dtls::TransportState::connected) return std::nullopt;
    // DTLS is idle: SCTP writes its packet straight into `buf`, where the
    // record's plaintext goes, and DTLS seals it there in place (no send
    // queue slot, no copies). The result is byte for byte the record the
    // queued path below would produce.
    const size_t at = dtls_->application_data_offset();
    if (buf.size() >= at + sctp_mtu_ + dtls::Connection::kApplicationDataTrailer &&
        sctp_mtu_ <= scratch_.size()) {
      auto n = sctp_.poll_transmit(MutBytes(buf.data() + at, sctp_mtu_));
      if (!n) return std::nullopt;
      count(stats_.sctp_packets_sent);
      auto sealed = dtls_->seal_application_data_in_place(last_now_, buf, *n);
      if (!sealed.ok()) {
        count(stats_.dropped_sctp_to_dtls);  // SCTP retransmits it
        continue;
      }
      count(stats_.datagrams_sent);
      return Transmit{sp->local, sp->remote, *sealed};
    }
    // A buffer smaller than one full record: through the scratch buffer and
    // DTLS's send queue (DTLS counts a record that does not fit).
    const size_t room = std::min(scratch_.size(), sctp_mtu_);
    auto n = sctp_.poll_transmit(MutBytes(scratch_.data(), room));
    if (!n) return std::nullopt;
    count(stats_.sctp_packets_sent);
    if (!dtls_->send_application_data(last_now_, Bytes(scratch_.data(), *n)).ok()) {
      count(stats_.dropped_sctp_to_dtls);  // SCTP retransmits it
    }
  }
}

namespace {
// `t` = the earlier of `t` and `c` (one out-of-line copy of the compare).
[[gnu::noinline]] void keep_earliest(std::optional<Instant>& t, const std::optional<Instant>& c) { t = earliest(t, c); }
}  // namespace

std::optional<Instant> TransportStack::poll_timeout() const {
  std::optional<Instant> t = ice_.poll_timeout();
  if (dtls_started_) keep_earliest(t, dtls_->poll_timeout());
  keep_earliest(t, sctp_.poll_timeout());
  return t;
}

std::optional<TransportEvent> TransportStack::poll_layer_event() {
  // Children may have produced events during poll_transmit (e.g. SCTP).
  process(last_now_);
  // One returned object (NRVO): no temporary event to move from.
  std::optional<TransportEvent> out = events_.pop_front();
  // Drained: after a burst (connection setup) keep two slots, which carry
  // the steady flow of one event at a time (TransportEvent is ~400 B a slot).
  if (!out) events_.shrink_when_empty(kKeptEventSlots);
  return out;
}

std::optional<TransportEvent> TransportStack::poll_event() {
  std::optional<TransportEvent> out = poll_layer_event();
  if (out) return out;
  if (auto c = channels_.poll_event()) {
    out.emplace();
    out->kind = TransportEvent::Kind::channel;
    out->channel = std::move(*c);
  }
  return out;
}

}  // namespace sansrtc::pc
