// The association: commands, the handshake and inbound chunk handling.
// Packet assembly and timers are in association_tx.cc.
#include "sctp/association_impl.h"

#include "base/seq_num.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

namespace sansrtc::sctp {

const char* state_name(State s) {
  switch (s) {
    case State::closed: return "closed";
    case State::cookie_wait: return "cookie-wait";
    case State::cookie_echoed: return "cookie-echoed";
    case State::established: return "established";
    case State::shutdown_pending: return "shutdown-pending";
    case State::shutdown_sent: return "shutdown-sent";
    case State::shutdown_received: return "shutdown-received";
    case State::shutdown_ack_sent: return "shutdown-ack-sent";
  }
  return "?";
}

const char* event_type_name(EventType t) {
  switch (t) {
    case EventType::connected: return "connected";
    case EventType::restarted: return "restarted";
    case EventType::message: return "message";
    case EventType::incoming_streams_reset: return "incoming-streams-reset";
    case EventType::outgoing_streams_reset: return "outgoing-streams-reset";
    case EventType::outgoing_streams_reset_failed: return "outgoing-streams-reset-failed";
    case EventType::buffered_amount_low: return "buffered-amount-low";
    case EventType::closed: return "closed";
  }
  return "?";
}

const char* close_reason_name(CloseReason r) {
  switch (r) {
    case CloseReason::none: return "none";
    case CloseReason::shutdown_complete: return "shutdown-complete";
    case CloseReason::local_abort: return "local-abort";
    case CloseReason::peer_abort: return "peer-abort";
    case CloseReason::init_failed: return "init-failed";
    case CloseReason::retransmission_limit: return "retransmission-limit";
    case CloseReason::protocol_violation: return "protocol-violation";
  }
  return "?";
}

void count(uint64_t& counter) { ++counter; }

StreamId* grow_streams(std::vector<StreamId>& v, size_t n) {
  // A sized construction and a move: no push_back growth routine for this
  // one element type (the vectors hold at most a few hundred ids).
  std::vector<StreamId> g(v.size() + n);
  if (!v.empty()) std::memcpy(g.data(), v.data(), v.size() * sizeof(StreamId));
  v = std::move(g);
  return v.data() + v.size() - n;
}

namespace {
uint32_t nonzero_u32(Rng& rng) {
  uint32_t v = 0;
  while (v == 0) v = rng.next_u32();
  return v;
}
}  // namespace

Association::Impl::Impl(const Config& c, Rng& r)
    : AssociationScalars(), cfg(c), rng(r), rto(c.rto_initial, c.rto_min, c.rto_max),
      buffers(c.max_pooled_buffers, c.max_pooled_buffer_size, c.max_pooled_bytes) {
  // One block clear instead of a store per counter: the compiler drops the
  // member-by-member zeroing that this overwrites (Stats is all counters).
  static_assert(std::is_trivially_copyable_v<Stats>);
  std::memset(static_cast<void*>(&stats), 0, sizeof stats);
  uint8_t key[32];
  rng.fill(key);
  cookie_key.assign(Bytes(key, 32));
  secure_zero(key, sizeof(key));
  if (cfg.mtu < 256) cfg.mtu = 256;
  if (cfg.mtu > 65535) cfg.mtu = 65535;
}

Association::Impl::~Impl() {
  if (rtxq) rtxq->clear();
  sq.clear();
}

// ---------------------------------------------------------------- events

void Association::Impl::close(CloseReason reason, const char* detail) {
  if (state == State::closed && !connect_called && !rtxq) {
    // never had an association: nothing to report
  }
  state = State::closed;
  timers.disarm_all();
  if (rtxq) rtxq->clear();
  sq.clear();
  send_init = send_cookie_echo = send_cookie_ack = send_shutdown = send_shutdown_ack = false;
  send_heartbeat = send_forward_tsn = send_reconfig_request = false;
  pending_response.reset();
  ack = Ack::none;
  Event& e = push_event(EventType::closed);
  e.reason = reason;
  e.detail = detail;
}

Event& Association::Impl::push_event(EventType t) {
  // Built in place: one copy of the Event construction, not one per caller.
  Event& e = events.emplace_back();
  e.type = t;
  return e;
}

void Association::Impl::count_received(size_t from) {
  // The receive queue appended whole messages to `events` from index `from`.
  for (size_t i = from; i < events.size(); ++i) {
    pending_event_bytes += events[i].payload.size();
    count(stats.messages_received);
  }
}

void Association::Impl::handle_low(const InlineVector<uint16_t, 32>& low) {
  for (uint16_t s : low) push_event(EventType::buffered_amount_low).stream = StreamId(s);
}

size_t Association::Impl::max_message() const {
  size_t m = cfg.max_message_size;
  if (remote_max_message && remote_max_message < m) m = remote_max_message;
  return m;
}

uint32_t Association::Impl::current_a_rwnd() const {
  return rxq ? rxq->a_rwnd(pending_event_bytes) : uint32_t(cfg.max_receive_buffer);
}

// ---------------------------------------------------------------- establish

void Association::Impl::establish(Instant now, const StateCookie& c, EventType ev) {
  if (rtxq) rtxq->clear();
  sq.clear();
  local_tag = c.local_tag;
  peer_tag = c.peer_tag;
  local_initial_tsn = c.local_initial_tsn;
  os = c.outbound_streams;
  mis = c.inbound_streams;
  peer_pr = (c.capabilities & StateCookie::kCapForwardTsn) && cfg.enable_partial_reliability;
  peer_reconfig = c.capabilities & StateCookie::kCapReconfig;
  zero_checksum = (c.capabilities & StateCookie::kCapZeroChecksum) && cfg.enable_zero_checksum;
  sq.reset_streams_table(os);
  // reset(new ...): no temporary unique_ptr to destroy (flash).
  rtxq.reset(new RetransmissionQueue(sq, cfg.mtu, c.local_initial_tsn, c.peer_a_rwnd));
  size_t window = std::clamp<size_t>(cfg.max_receive_buffer / 256, 1024, 32768);
  rxq.reset(new ReceiveQueue(c.peer_initial_tsn, window, cfg.max_receive_buffer, cfg.max_message_size, &buffers));
  next_req_seq = c.local_initial_tsn;
  peer_expected_req_seq = c.peer_initial_tsn;
  reset_pending.clear();
  reset_inflight.clear();
  send_reconfig_request = false;
  pending_response.reset();
  error_count = 0;
  hb_outstanding = false;
  state = State::established;
  timers.disarm_all();
  if (cfg.heartbeat_interval > Duration(0)) timers.arm(Timer::heartbeat, now + cfg.heartbeat_interval);
  push_event(ev);
}

// ---------------------------------------------------------------- packets

void Association::Impl::on_packet(Instant now, Bytes packet) {
  count(stats.packets_received);
  auto pk = parse_packet(packet, cfg.enable_zero_checksum ? ChecksumPolicy::allow_zero : ChecksumPolicy::verify);
  if (!pk) {
    if (pk.error().code == Errc::auth_failed) count(stats.drop_bad_checksum); else count(stats.drop_malformed);
    return;
  }
  if (pk->destination_port != cfg.local_port || pk->source_port != cfg.remote_port) {
    count(stats.drop_bad_ports);
    return;
  }
  ChunkIterator it(pk->chunks);
  auto first = it.next();
  if (!first) {
    count(stats.drop_malformed);
    return;
  }
  const uint32_t vtag = pk->verification_tag;
  if (first->type == uint8_t(ChunkType::init)) {
    // §8.5.1: "the receiver MUST ... the Verification Tag ... is 0"; INIT is
    // never bundled (§6.10).
    if (vtag != 0) {
      count(stats.drop_bad_verification_tag);
      return;
    }
    if (it.next() || it.malformed()) {
      count(stats.drop_malformed);
      return;
    }
    on_init(now, *first);
    return;
  }
  const bool cookie_first = first->type == uint8_t(ChunkType::cookie_echo);
  if (state == State::closed && !cookie_first) {
    // §8.4: out of the blue.
    count(stats.drop_unexpected_chunk);
    if (first->type == uint8_t(ChunkType::shutdown_ack)) {
      send_shutdown_complete(vtag, kFlagT, false);
    } else if (first->type != uint8_t(ChunkType::abort) &&
               first->type != uint8_t(ChunkType::shutdown_complete) &&
               first->type != uint8_t(ChunkType::cookie_ack) &&
               first->type != uint8_t(ChunkType::error) && connect_called) {
      send_abort(vtag, true, CauseCode::protocol_violation);
    }
    return;
  }
  if (!cookie_first) {
    bool t_bit_chunk = (first->type == uint8_t(ChunkType::abort) ||
                        first->type == uint8_t(ChunkType::shutdown_complete)) &&
                       (first->flags & kFlagT);
    // §8.5: "the receiver MUST check the Verification Tag ... and silently
    // discard the packet" when it is not its own tag (or, with the T bit, the
    // peer's).
    uint32_t expect = t_bit_chunk ? peer_tag : local_tag;
    if (vtag != expect || (state == State::cookie_wait && t_bit_chunk)) {
      count(stats.drop_bad_verification_tag);
      return;
    }
  }

  // Heartbeats probe idle paths only (§8.3): a valid packet from the peer
  // shows it is alive, so the heartbeat timer starts over.
  if (!cookie_first && established_like() && cfg.heartbeat_interval > Duration(0)) {
    timers.arm(Timer::heartbeat, now + cfg.heartbeat_interval);
    hb_outstanding = false;
  }
  bool got_data = false, ack_now = false;
  ChunkIterator chunks(pk->chunks);
  while (auto c = chunks.next()) {
    bool stop = false;
    switch (ChunkType(c->type)) {
      case ChunkType::data:
        on_data(now, *c, &got_data, &ack_now);
        break;
      case ChunkType::init:
        count(stats.drop_malformed);  // bundled INIT
        stop = true;
        break;
      case ChunkType::init_ack:
        on_init_ack(now, *c);
        break;
      case ChunkType::sack:
        on_sack(now, *c);
        break;
      case ChunkType::heartbeat:
        on_heartbeat(*c);
        break;
      case ChunkType::heartbeat_ack:
        on_heartbeat_ack(now, *c);
        break;
      case ChunkType::abort: {
        auto a = AbortChunk::parse(*c);
        if (!a) {
          count(stats.drop_malformed);
          stop = true;
          break;
        }
        if (state == State::cookie_wait && !(c->flags & kFlagT) && vtag != local_tag) break;
        close(CloseReason::peer_abort, a->first_cause ? cause_name(a->first_cause) : "ABORT received");
        return;
      }
      case ChunkType::shutdown:
        on_shutdown(now, *c);
        break;
      case ChunkType::shutdown_ack:
        if (!parse_empty_chunk(*c)) {
          count(stats.drop_malformed);
          break;
        }
        if (state == State::shutdown_sent || state == State::shutdown_ack_sent) {
          // §9.2: "send a SHUTDOWN COMPLETE chunk to its peer, and remove all
          // record of the association".
          send_shutdown_complete(peer_tag, 0, zero_checksum);
          close(CloseReason::shutdown_complete, "SHUTDOWN-ACK received");
          return;
        }
        count(stats.drop_unexpected_chunk);
        break;
      case ChunkType::shutdown_complete:
        if (state == State::shutdown_ack_sent) {
          close(CloseReason::shutdown_complete, "SHUTDOWN-COMPLETE received");
          return;
        }
        count(stats.drop_unexpected_chunk);
        break;
      case ChunkType::error: {
        auto e = AbortChunk::parse(*c);
        if (!e) {
          count(stats.drop_malformed);
          break;
        }
        if (state == State::cookie_echoed && e->first_cause == uint16_t(CauseCode::stale_cookie)) {
          // §5.2.6: our cookie went stale on the way; start over with INIT
          // (the same tag and initial TSN; no Cookie Preservative).
          state = State::cookie_wait;
          timers.disarm(Timer::t1_cookie);
          send_cookie_echo = false;
          send_init = true;
          arm_rto(Timer::t1_init, now);
        }
        break;
      }
      case ChunkType::cookie_echo:
        if (!on_cookie_echo(now, vtag, *c)) return;
        break;
      case ChunkType::cookie_ack:
        if (state == State::cookie_echoed) {
          establish(now, pending, EventType::connected);
        }
        break;
      case ChunkType::forward_tsn:
        on_forward_tsn(now, *c);
        ack_now = true;
        break;
      case ChunkType::reconfig:
        on_reconfig(now, *c);
        break;
      case ChunkType::i_data:
      case ChunkType::i_forward_tsn:
        // Never negotiated (we do not offer I-DATA).
        count(stats.drop_unexpected_chunk);
        break;
      default:
        on_unknown(*c, &stop);
        break;
    }
    if (stop || state == State::closed) break;
  }
  if (chunks.malformed()) count(stats.drop_malformed);
  if (got_data && state != State::closed) {
    // §6.2: SACK at least every second packet with DATA, at once when there
    // are gaps or duplicates, else within the delayed-ack time.
    if (ack_now || rxq->has_gaps()) {
      ack = Ack::now;
    } else if (++packets_since_ack >= 2) {
      ack = Ack::now;
    } else if (ack == Ack::none) {
      ack = Ack::delayed;
      timers.arm(Timer::delayed_ack, now + cfg.delayed_ack_timeout);
    }
  } else if (ack_now && state != State::closed) {
    ack = Ack::now;
  }
}

void Association::Impl::on_unknown(const ChunkView& c, bool* stop) {
  count(stats.drop_unknown_chunk);
  UnknownAction a = unknown_action(c.type);
  if (unknown_should_report(a) && established_like()) {
    // §3.2: report in an ERROR chunk with an Unrecognized Chunk Type cause.
    send_cause_reply(peer_tag, ChunkType::error, 0, CauseCode::unrecognized_chunk_type, c.whole, zero_checksum);
  }
  if (unknown_should_stop(a)) *stop = true;
}

void Association::Impl::send_shutdown_complete(uint32_t vtag, uint8_t flags, bool zero_cs) {
  PacketBuilder b = reply(vtag);
  write_empty_chunk(b, ChunkType::shutdown_complete, flags);
  oob_commit(b.finish(zero_cs));
}

void Association::Impl::send_abort(uint32_t vtag, bool t_bit, CauseCode cause) {
  send_cause_reply(vtag, ChunkType::abort, t_bit ? kFlagT : 0, cause, {}, false);
}

void Association::Impl::send_cause_reply(uint32_t vtag, ChunkType type, uint8_t flags, CauseCode cause, Bytes info,
                                         bool zero_cs) {
  // One builder for every reply made of a single ABORT or ERROR chunk with
  // one cause; the cause information is cut to fit the packet.
  PacketBuilder b = reply(vtag);
  size_t at = b.begin_chunk(uint8_t(type), flags);
  size_t cap = b.remaining() > 16 ? b.remaining() - 16 : 0;
  write_cause(b.writer(), cause, info.first(std::min(cap, info.size())));
  b.end_chunk(at);
  oob_commit(b.finish(zero_cs));
}

// ---------------------------------------------------------------- handshake

void Association::Impl::read_init(const InitChunk& init, const InitParams& params, StateCookie& ck) const {
  ck.peer_tag = init.initiate_tag;
  ck.peer_initial_tsn = init.initial_tsn;
  ck.peer_a_rwnd = init.a_rwnd;
  ck.outbound_streams = std::min(cfg.max_outbound_streams, init.inbound_streams);
  ck.inbound_streams = std::min(cfg.max_inbound_streams, init.outbound_streams);
  if (params.forward_tsn_supported) ck.capabilities |= StateCookie::kCapForwardTsn;
  if (params.reconfig_supported) ck.capabilities |= StateCookie::kCapReconfig;
  if (params.zero_checksum_edmid == 1u) ck.capabilities |= StateCookie::kCapZeroChecksum;
}

void Association::Impl::on_init(Instant now, const ChunkView& c) {
  auto init = InitChunk::parse(c);
  if (!init) {
    count(stats.drop_malformed);
    return;
  }
  auto params = parse_init_params(init->params);
  if (!params) {
    count(stats.drop_malformed);
    return;
  }
  StateCookie ck;
  ck.created_ns = now.time_since_epoch().count();
  read_init(*init, *params, ck);
  switch (state) {
    case State::closed:
      // §5.1: no TCB; everything goes into the cookie.
      ck.local_tag = nonzero_u32(rng);
      ck.local_initial_tsn = rng.next_u32();
      break;
    case State::cookie_wait:
    case State::cookie_echoed:
      // §5.2.1: "respond with an INIT ACK using the same parameters it sent
      // in its original INIT chunk (including its Initiate Tag, unchanged)".
      ck.local_tag = local_tag;
      ck.local_initial_tsn = local_initial_tsn;
      if (state == State::cookie_echoed) {
        ck.local_tie_tag = local_tag;
        ck.peer_tie_tag = peer_tag;
      }
      break;
    default:
      // §5.2.2: a possible restart: new tags, tie-tags carry the current ones.
      ck.local_tag = nonzero_u32(rng);
      ck.local_initial_tsn = rng.next_u32();
      ck.local_tie_tag = local_tag;
      ck.peer_tie_tag = peer_tag;
      break;
  }
  if (oob_count == kOobSlots) return;  // no room for the reply: no cookie made
  PacketBuilder b = reply(init->initiate_tag);
  size_t at = begin_init(b, true, ck.local_tag, ck.local_initial_tsn);
  size_t cp = begin_param(b.writer(), uint16_t(ParamType::state_cookie));
  ck.write(b.writer(), cookie_key);
  end_param(b.writer(), cp);
  write_init_capabilities(b);
  for (size_t i = 0; i < params->num_unrecognized; ++i)
    write_param(b.writer(), ParamType::unrecognized_parameter, params->unrecognized[i]);
  b.end_chunk(at);
  if (!b.ok()) return;
  oob_commit(b.finish());
  count(stats.inits_answered_statelessly);
}

void Association::Impl::on_init_ack(Instant now, const ChunkView& c) {
  if (state != State::cookie_wait) {
    count(stats.drop_unexpected_chunk);
    return;
  }
  auto init = InitChunk::parse(c);
  if (!init) {
    count(stats.drop_malformed);
    return;
  }
  auto params = parse_init_params(init->params);
  if (!params || !params->state_cookie || params->state_cookie->size() + 16 + kCommonHeaderSize > cfg.mtu) {
    count(stats.drop_malformed);
    return;
  }
  pending = StateCookie{};
  pending.local_tag = local_tag;
  pending.local_initial_tsn = local_initial_tsn;
  read_init(*init, *params, pending);
  peer_tag = init->initiate_tag;
  assign_bytes(cookie_echo, *params->state_cookie);
  state = State::cookie_echoed;
  timers.disarm(Timer::t1_init);
  init_retransmits = 0;
  send_cookie_echo = true;
  arm_rto(Timer::t1_cookie, now);
}

bool Association::Impl::on_cookie_echo(Instant now, uint32_t vtag, const ChunkView& c) {
  auto echo = CookieEchoChunk::parse(c);
  if (!echo) {
    count(stats.drop_malformed);
    return false;
  }
  auto ck = StateCookie::parse(echo->cookie, cookie_key);
  if (!ck) {
    count(stats.drop_bad_cookie);
    return false;
  }
  // §5.1.5 step 2: the packet's tag must be the one we put in the cookie.
  if (vtag != ck->local_tag) {
    count(stats.drop_bad_verification_tag);
    return false;
  }
  int64_t age_ns = now.time_since_epoch().count() - ck->created_ns;
  // A retransmitted COOKIE-ECHO for the association we already have (same
  // tags, §5.2.4 D) is answered even when old: the lost COOKIE-ACK is all
  // the peer misses, and the tags prove it is ours.
  const bool same_tcb = state != State::closed && ck->local_tag == local_tag && ck->peer_tag == peer_tag;
  if (!same_tcb && age_ns > std::chrono::duration_cast<std::chrono::nanoseconds>(cfg.cookie_lifetime).count()) {
    // §5.1.5 step 3: stale cookie; report with a Stale Cookie error.
    count(stats.drop_stale_cookie);
    uint8_t staleness_us[4];
    store_be32(staleness_us, uint32_t(std::min<int64_t>(age_ns / 1000, 0xFFFFFFFF)));
    send_cause_reply(ck->peer_tag, ChunkType::error, 0, CauseCode::stale_cookie, Bytes(staleness_us, 4), false);
    return false;
  }
  if (state == State::closed) {
    establish(now, *ck, EventType::connected);
    send_cookie_ack = true;
    return true;
  }
  // §5.2.4 table: compare the cookie's tags with the existing TCB.
  bool lt = ck->local_tag == local_tag, pt = ck->peer_tag == peer_tag;
  if (!lt && !pt && ck->local_tie_tag == local_tag && ck->peer_tie_tag == peer_tag) {
    // A: the peer restarted.
    if (state == State::shutdown_ack_sent) return false;
    establish(now, *ck, EventType::restarted);
    send_cookie_ack = true;
    return true;
  }
  if (lt && (!pt || state == State::cookie_wait || state == State::cookie_echoed)) {
    // B (collision) and D (duplicate): enter ESTABLISHED if not yet there.
    if (state == State::cookie_wait || state == State::cookie_echoed)
      establish(now, *ck, EventType::connected);
    send_cookie_ack = true;
    return true;
  }
  if (lt && pt) {
    send_cookie_ack = true;
    return true;
  }
  count(stats.drop_bad_cookie);  // C: silently discard
  return false;
}

// ---------------------------------------------------------------- data

void Association::Impl::on_data(Instant, const ChunkView& c, bool* got_data, bool* ack_now) {
  if (!(state == State::established || state == State::shutdown_pending || state == State::shutdown_sent)) {
    count(stats.drop_unexpected_chunk);
    return;
  }
  auto d = DataChunk::parse(c);
  if (!d) {
    count(stats.drop_malformed);
    return;
  }
  *got_data = true;
  if (d->stream >= mis) {
    count(stats.drop_bad_stream);
    return;
  }
  if (events.size() >= cfg.max_events) {
    count(stats.drop_receive_buffer_full);
    return;
  }
  const size_t first_new = events.size();
  switch (rxq->add(*d, events)) {
    case ReceiveQueue::Verdict::accepted:
      count(stats.data_chunks_received);
      break;
    case ReceiveQueue::Verdict::duplicate:
      count(stats.duplicate_tsns_received);
      *ack_now = true;
      break;
    case ReceiveQueue::Verdict::out_of_window:
      count(stats.drop_tsn_out_of_window);
      break;
    case ReceiveQueue::Verdict::buffer_full:
      count(stats.drop_receive_buffer_full);
      *ack_now = true;
      break;
  }
  stats.drop_message_too_large = rxq->messages_too_large();
  count_received(first_new);
}

void Association::Impl::on_forward_tsn(Instant, const ChunkView& c) {
  if (!established_like() || !rxq) {
    count(stats.drop_unexpected_chunk);
    return;
  }
  auto f = ForwardTsnChunk::parse(c);
  if (!f) {
    count(stats.drop_malformed);
    return;
  }
  const size_t first_new = events.size();
  rxq->forward(f->new_cumulative_tsn, events);
  stats.drop_message_too_large = rxq->messages_too_large();
  count_received(first_new);
}

void Association::Impl::after_ack_progress(Instant now) {
  if (!rtxq) return;
  bool forward_needed = false;
  if (peer_pr) {
    InlineVector<ForwardTsnStream, 32> streams;
    forward_needed = rtxq->advanced_peer_ack_point(streams) != rtxq->cum_ack();
    if (forward_needed) send_forward_tsn = true;
  }
  if (forward_needed) {
    // RFC 3758 §3.5 F2: keep T3-rtx running so a lost FORWARD-TSN is sent
    // again; nothing else would move the peer past abandoned chunks.
    if (!timers.armed(Timer::t3_rtx)) arm_rto(Timer::t3_rtx, now);
  } else if (!rtxq->has_outstanding() || (rtxq->outstanding_bytes() == 0 && rtxq->num_to_retransmit() == 0)) {
    timers.disarm(Timer::t3_rtx);
  }
  check_shutdown_progress(now);
}

void Association::Impl::on_sack(Instant now, const ChunkView& c) {
  if (!established_like()) {
    count(stats.drop_unexpected_chunk);
    return;
  }
  auto s = SackChunk::parse(c);
  if (!s) {
    count(stats.drop_malformed);
    return;
  }
  InlineVector<uint16_t, 32> low;
  size_t abandoned = 0;
  SackResult r = rtxq->handle_sack(now, *s, low, &abandoned);
  stats.messages_abandoned += abandoned;
  if (!r.valid || r.absurd_gap_blocks) count(stats.drop_bad_sack);
  if (r.fast_retransmit) count(stats.fast_retransmits);
  if (r.rtt) rto.observe(*r.rtt);
  // §8.3: "The counter MUST be reset each time a DATA chunk sent to that
  // peer endpoint is acknowledged" (cumulatively or in a gap block).
  if (r.bytes_acked > 0) error_count = 0;
  if (r.cum_advanced) {
    if (rtxq->outstanding_bytes() > 0) arm_rto(Timer::t3_rtx, now);
  }
  handle_low(low);
  after_ack_progress(now);
}

void Association::Impl::on_shutdown(Instant now, const ChunkView& c) {
  auto s = ShutdownChunk::parse(c);
  if (!s) {
    count(stats.drop_malformed);
    return;
  }
  if (!(state == State::established || state == State::shutdown_pending || state == State::shutdown_sent ||
        state == State::shutdown_received)) {
    count(stats.drop_unexpected_chunk);
    return;
  }
  // The Cumulative TSN Ack of a SHUTDOWN acks like a SACK without gaps.
  SackChunk sack{s->cumulative_tsn_ack, uint32_t(rtxq->peer_rwnd() + rtxq->outstanding_bytes()), {}, {}};
  InlineVector<uint16_t, 32> low;
  size_t abandoned = 0;
  (void)rtxq->handle_sack(now, sack, low, &abandoned);
  handle_low(low);
  if (state == State::shutdown_sent) {
    // §9.2: in SHUTDOWN-SENT, answer a SHUTDOWN with SHUTDOWN-ACK at once.
    state = State::shutdown_ack_sent;
    send_shutdown_ack = true;
    arm_rto(Timer::t2_shutdown, now);
    return;
  }
  state = State::shutdown_received;
  after_ack_progress(now);
}

void Association::Impl::check_shutdown_progress(Instant now) {
  if (!rtxq || !sq.empty() || rtxq->has_outstanding()) return;
  if (state == State::shutdown_pending) {
    state = State::shutdown_sent;
    send_shutdown = true;
    timers.disarm(Timer::t3_rtx);
    arm_rto(Timer::t2_shutdown, now);
  } else if (state == State::shutdown_received) {
    state = State::shutdown_ack_sent;
    send_shutdown_ack = true;
    timers.disarm(Timer::t3_rtx);
    arm_rto(Timer::t2_shutdown, now);
  }
}

// ---------------------------------------------------------------- heartbeat

void Association::Impl::on_heartbeat(const ChunkView& c) {
  auto h = HeartbeatChunk::parse(c);
  if (!h) {
    count(stats.drop_malformed);
    return;
  }
  if (!established_like()) return;
  // §8.3: echo the Heartbeat Information unchanged.
  PacketBuilder b = reply(peer_tag);
  HeartbeatChunk{true, h->info}.write(b);
  oob_commit(b.finish(zero_checksum));
}

void Association::Impl::on_heartbeat_ack(Instant now, const ChunkView& c) {
  auto h = HeartbeatChunk::parse(c);
  if (!h || h->info.size() != 16) {
    count(stats.drop_malformed);
    return;
  }
  if (!hb_outstanding || load_be64(h->info.data()) != hb_nonce) return;
  hb_outstanding = false;
  error_count = 0;
  int64_t sent = int64_t(load_be64(h->info.data() + 8));
  rto.observe(Duration(now.time_since_epoch().count() - sent));
}

// ---------------------------------------------------------------- RE-CONFIG

void Association::Impl::on_reconfig(Instant now, const ChunkView& c) {
  if (!established_like()) {
    count(stats.drop_unexpected_chunk);
    return;
  }
  auto rc = ReconfigChunk::parse(c);
  if (!rc) {
    count(stats.drop_bad_reconfig);
    return;
  }
  ParamIterator it(rc->params);
  while (auto p = it.next()) {
    switch (ParamType(p->type)) {
      case ParamType::outgoing_ssn_reset_request:
      case ParamType::incoming_ssn_reset_request:
      case ParamType::ssn_tsn_reset_request:
      case ParamType::add_outgoing_streams_request:
      case ParamType::add_incoming_streams_request: {
        // One walk for the five requests: each starts with its Request
        // Sequence Number. We perform only the Outgoing SSN Reset Request
        // and deny the others.
        const bool outgoing = ParamType(p->type) == ParamType::outgoing_ssn_reset_request;
        OutgoingResetRequest req;
        if (outgoing) {
          auto r = OutgoingResetRequest::parse(p->value);
          if (!r) {
            count(stats.drop_bad_reconfig);
            break;
          }
          req = *r;
        } else if (p->value.size() < 4) {
          count(stats.drop_bad_reconfig);
          break;
        } else {
          req.request_seq = load_be32(p->value.data());
        }
        ReconfigResult result = outgoing ? ReconfigResult::success_performed : ReconfigResult::denied;
        if (req.request_seq == peer_expected_req_seq) {
          if (outgoing && !rxq->received_through(req.sender_last_tsn)) {
            // RFC 6525 §5.2.2: perform once everything up to the sender's
            // last assigned TSN has arrived; until then answer "in progress".
            result = ReconfigResult::in_progress;
          } else {
            ++peer_expected_req_seq;
            if (outgoing) {
              Event& e = push_event(EventType::incoming_streams_reset);
              StreamId* out = grow_streams(e.streams, req.num_streams());
              for (size_t i = 0; i < req.num_streams(); ++i) out[i] = StreamId(req.stream(i));
            }
          }
        } else if (req.request_seq != peer_expected_req_seq - 1) {
          // (The previous sequence number is a retransmission: the same answer.)
          result = ReconfigResult::error_bad_sequence_number;
        }
        pending_response = ReconfigResponse{req.request_seq, result, {}, {}};
        break;
      }
      case ParamType::reconfiguration_response: {
        auto r = ReconfigResponse::parse(p->value);
        if (!r) {
          count(stats.drop_bad_reconfig);
          break;
        }
        if (reset_inflight.empty() || r->response_seq != reset_inflight_seq) break;
        if (r->result == ReconfigResult::in_progress) {
          arm_rto(Timer::reconfig, now);
          break;
        }
        bool ok = r->result == ReconfigResult::success_performed ||
                  r->result == ReconfigResult::success_nothing_to_do;
        for (StreamId s : reset_inflight) {
          if (OutStream* os_ = sq.stream(s.value())) {
            if (ok) os_->next_ssn = 0;
            os_->paused = false;
          }
        }
        push_event(ok ? EventType::outgoing_streams_reset : EventType::outgoing_streams_reset_failed).streams =
            std::move(reset_inflight);  // leaves reset_inflight empty
        send_reconfig_request = false;
        timers.disarm(Timer::reconfig);
        break;
      }
      default:
        count(stats.drop_bad_reconfig);
        break;
    }
  }
}

// ---------------------------------------------------------------- public API

Association::Association(const Config& config, Rng& rng) : impl_(std::make_unique<Impl>(config, rng)) {}
Association::~Association() = default;

Result<void> Association::set_remote_port(uint16_t port) {
  Impl& a = *impl_;
  if (a.state != State::closed || a.connect_called)
    return make_error(Errc::invalid_state, "sctp: remote port set after the association started");
  a.cfg.remote_port = port;
  return ok_result();
}

Result<void> Association::connect(Instant now) {
  Impl& a = *impl_;
  now = a.clock.update(now);
  if (a.state != State::closed || a.connect_called)
    return make_error(Errc::invalid_state, "sctp: connect() on an association that is not new");
  a.connect_called = true;
  a.local_tag = nonzero_u32(a.rng);
  a.local_initial_tsn = a.rng.next_u32();
  a.state = State::cookie_wait;
  a.send_init = true;
  a.arm_rto(Timer::t1_init, now);
  return ok_result();
}

void Association::handle_packet(Instant now, Bytes packet) {
  now = impl_->clock.update(now);
  impl_->on_packet(now, packet);
}

void Association::handle_timeout(Instant now) { impl_->on_timeout(impl_->clock.update(now)); }

std::optional<size_t> Association::poll_transmit(MutBytes buf) { return impl_->transmit(buf); }

std::optional<Instant> Association::poll_timeout() const { return impl_->timers.next(); }

std::optional<Event> Association::poll_event() {
  Impl& a = *impl_;
  if (a.events.empty()) return std::nullopt;
  Event e = a.events.pop_front();
  if (e.type == EventType::message) {
    a.pending_event_bytes -= std::min(a.pending_event_bytes, e.payload.size());
    // A window that opens again from (nearly) zero is announced at once (§6.2).
    if (a.rxq && a.established_like() && a.events.empty() && a.ack == Impl::Ack::none &&
        a.rxq->a_rwnd(0) > 0 && a.pending_event_bytes == 0 && e.payload.size() > a.cfg.max_receive_buffer / 4)
      a.ack = Impl::Ack::now;
  }
  return e;
}

Result<void> Association::send(Instant now, StreamId stream, Ppid ppid, Bytes message, const SendOptions& o) {
  // The bytes go into a pooled message buffer (which keeps its capacity when
  // recycled): no allocation per message once the pool is warm.
  return impl_->queue_message(now, stream, ppid, message, nullptr, o);
}

Result<void> Association::send(Instant now, StreamId stream, Ppid ppid, std::vector<uint8_t>&& message,
                               const SendOptions& o) {
  return impl_->queue_message(now, stream, ppid, message, &message, o);
}

Result<void> Association::Impl::queue_message(Instant now, StreamId stream, Ppid ppid, Bytes message,
                                              std::vector<uint8_t>* owned, const SendOptions& o) {
  Impl& a = *this;
  now = a.clock.update(now);
  if (a.state != State::established) return make_error(Errc::invalid_state, "sctp: send() while not established");
  if (stream.value() >= a.os) return make_error(Errc::invalid_argument, "sctp: stream id beyond the negotiated outbound streams");
  if (message.empty()) return make_error(Errc::invalid_argument, "sctp: empty message (RFC 9260 §3.3.1 forbids empty DATA)");
  if (message.size() > a.max_message()) return make_error(Errc::limit_exceeded, "sctp: message larger than the max message size");
  if (a.sq.total_buffered() + message.size() > a.cfg.max_send_buffer)
    return make_error(Errc::limit_exceeded, "sctp: send buffer full");
  OutStream* s = a.sq.stream(stream.value());
  if (s->paused) return make_error(Errc::invalid_state, "sctp: stream is being reset");
  OutMessage* m = a.sq.acquire();
  if (owned) {
    m->data = std::move(*owned);
  } else {
    m->data = a.buffers.take(message.size());
    assign_bytes(m->data, message);
  }
  m->stream = stream.value();
  m->ppid = ppid.value();
  m->unordered = o.unordered;
  if (a.peer_pr) {
    m->max_retransmits = o.max_retransmits;
    if (o.lifetime) m->expires = now + *o.lifetime;
  }
  a.sq.push(m);
  return ok_result();
}

void Association::recycle(std::vector<uint8_t>&& buffer) { impl_->buffers.give(std::move(buffer)); }

Result<void> Association::reset_streams(Instant now, std::span<const StreamId> streams) {
  Impl& a = *impl_;
  a.clock.update(now);
  if (a.state != State::established) return make_error(Errc::invalid_state, "sctp: reset_streams() while not established");
  if (!a.peer_reconfig) return make_error(Errc::unsupported, "sctp: the peer did not offer RE-CONFIG");
  if (a.reset_pending.size() + streams.size() > 256) return make_error(Errc::limit_exceeded, "sctp: too many stream resets pending");
  for (StreamId s : streams)
    if (s.value() >= a.os) return make_error(Errc::invalid_argument, "sctp: stream id beyond the negotiated outbound streams");
  // Room for all, then the tail that already-paused streams left unused is cut.
  StreamId* out = grow_streams(a.reset_pending, streams.size());
  size_t n = 0;
  for (StreamId s : streams) {
    OutStream* st = a.sq.stream(s.value());
    if (st->paused) continue;
    st->paused = true;
    out[n++] = s;
  }
  a.reset_pending.erase(a.reset_pending.end() - ptrdiff_t(streams.size() - n), a.reset_pending.end());
  return ok_result();
}

Result<void> Association::shutdown(Instant now) {
  Impl& a = *impl_;
  now = a.clock.update(now);
  if (a.state != State::established) return make_error(Errc::invalid_state, "sctp: shutdown() while not established");
  a.state = State::shutdown_pending;
  a.check_shutdown_progress(now);
  return ok_result();
}

void Association::abort(Instant now) {
  Impl& a = *impl_;
  a.clock.update(now);
  if (a.state == State::closed) return;
  if (a.state != State::cookie_wait) a.send_abort(a.peer_tag, false, CauseCode::user_initiated_abort);
  a.close(CloseReason::local_abort, "abort() called");
}

size_t Association::buffered_amount(StreamId stream) const {
  const OutStream* s = impl_->sq.stream(stream.value());
  return s ? s->buffered : 0;
}

void Association::set_buffered_amount_low_threshold(StreamId stream, size_t n) {
  if (OutStream* s = impl_->sq.stream(stream.value())) s->low_threshold = n;
}

void Association::set_remote_max_message_size(size_t n) { impl_->remote_max_message = n; }
State Association::state() const { return impl_->state; }
const Stats& Association::stats() const { return impl_->stats; }
uint16_t Association::outbound_streams() const { return impl_->os; }
uint16_t Association::inbound_streams() const { return impl_->mis; }
Duration Association::rto() const { return impl_->rto.rto(); }
size_t Association::cwnd() const { return impl_->rtxq ? impl_->rtxq->cwnd() : 0; }
bool Association::is_consistent() const { return impl_->consistent(); }

}  // namespace sansrtc::sctp
