// The association's output side: packet assembly into the caller's buffer
// (control chunks first, then retransmissions, then new DATA within cwnd
// and the peer's rwnd) and the timers.
#include "sctp/association_impl.h"

#include <algorithm>

namespace sansrtc::sctp {

MutBytes Association::Impl::oob_slot() {
  if (oob_count == kOobSlots) return {};
  // An empty queue starts again at slot 0, so a connection whose replies
  // leave one at a time only ever allocates the first slot (on first use).
  if (oob_count == 0) oob_head = 0;
  size_t i = (oob_head + oob_count) % kOobSlots;
  if (oob[i].size() != cfg.mtu) oob[i].resize(cfg.mtu);
  return MutBytes(oob[i].data(), oob[i].size());
}

PacketBuilder Association::Impl::reply(uint32_t vtag) {
  // With the queue full the slot is empty: every write fails, finish()
  // returns 0 and oob_commit() drops the reply.
  return PacketBuilder(oob_slot(), cfg.local_port, cfg.remote_port, vtag);
}

void Association::Impl::oob_commit(size_t size) {
  if (size == 0 || oob_count == kOobSlots) return;
  oob_size[(oob_head + oob_count) % kOobSlots] = size;
  ++oob_count;
}

size_t Association::Impl::begin_init(PacketBuilder& b, bool ack, uint32_t tag, uint32_t tsn) {
  return InitChunk{ack, tag, uint32_t(cfg.max_receive_buffer), cfg.max_outbound_streams, cfg.max_inbound_streams,
                   tsn, {}}
      .begin(b);
}

void Association::Impl::write_init_capabilities(PacketBuilder& b) {
  uint8_t exts[2];
  size_t n = 0;
  exts[n++] = uint8_t(ChunkType::reconfig);
  if (cfg.enable_partial_reliability) exts[n++] = uint8_t(ChunkType::forward_tsn);
  write_param(b.writer(), ParamType::supported_extensions, Bytes(exts, n));
  if (cfg.enable_partial_reliability) write_param(b.writer(), ParamType::forward_tsn_supported, {});
  if (cfg.enable_zero_checksum) {
    uint8_t edmid[4];
    store_be32(edmid, 1);  // RFC 9653 §5: 1 = DTLS (RFC 8261)
    write_param(b.writer(), ParamType::zero_checksum_acceptable, Bytes(edmid, 4));
  }
}

void Association::Impl::write_sack(PacketBuilder& b) {
  GapAckBlock gaps[64];
  // Keep the SACK within a quarter of the packet so DATA still fits.
  size_t max_gaps = std::min<size_t>(64, (cfg.mtu / 4) / 4);
  size_t n = rxq->gap_blocks(gaps, max_gaps);
  auto& dups = rxq->duplicates();
  SackChunk::write(b, rxq->cumulative_tsn(), current_a_rwnd(), std::span<const GapAckBlock>(gaps, n),
                   dups.span());
  rxq->clear_duplicates();
  ack = Ack::none;
  packets_since_ack = 0;
  timers.disarm(Timer::delayed_ack);
}

void Association::Impl::write_data(PacketBuilder& b, uint32_t tsn, const Fragment& f, uint16_t ssn) {
  const OutMessage* m = f.msg;
  DataChunk{tsn, m->stream, ssn, m->ppid, f.flags, Bytes(m->data.data() + f.offset, f.length)}.write(b);
}

void Association::Impl::maybe_start_reset(Instant now) {
  if (!reset_inflight.empty() || reset_pending.empty()) return;
  // RFC 6525 §5.1.2: the request carries the last TSN assigned to data
  // sent on these streams, so queued messages go out first.
  for (StreamId s : reset_pending)
    if (sq.stream(s.value())->queued_messages) return;
  reset_inflight.swap(reset_pending);
  reset_pending.clear();
  reset_inflight_seq = next_req_seq++;
  reset_last_tsn = rtxq->next_tsn() - 1;
  send_reconfig_request = true;
  arm_rto(Timer::reconfig, now);
}

std::optional<size_t> Association::Impl::transmit(MutBytes buf) {
  if (oob_count) {
    size_t i = oob_head;
    size_t n = oob_size[i];
    oob_head = (oob_head + 1) % kOobSlots;
    --oob_count;
    if (buf.size() < n) return std::nullopt;
    std::copy_n(oob[i].data(), n, buf.data());
    count(stats.packets_sent);
    return n;
  }
  Instant now = clock.last().value_or(Instant());
  MutBytes out = buf.first(std::min(buf.size(), cfg.mtu));
  if (state == State::closed) return std::nullopt;
  // One builder and one tail for every kind of packet: INIT (tag 0) and
  // COOKIE-ECHO alone, else control chunks then DATA.
  PacketBuilder b(out, cfg.local_port, cfg.remote_port, state == State::cookie_wait ? 0 : peer_tag);
  if (state == State::cookie_wait) {
    if (!send_init) return std::nullopt;
    send_init = false;
    size_t at = begin_init(b, false, local_tag, local_initial_tsn);
    write_init_capabilities(b);
    b.end_chunk(at);
  } else if (state == State::cookie_echoed) {
    if (!send_cookie_echo) return std::nullopt;
    send_cookie_echo = false;
    CookieEchoChunk{cookie_echo}.write(b);
  } else {
    transmit_established(b, now);
  }
  if (b.empty() || !b.ok()) return std::nullopt;
  count(stats.packets_sent);
  // Zero checksum is negotiated by the handshake: never on INIT or COOKIE-ECHO.
  return b.finish(zero_checksum && state != State::cookie_wait && state != State::cookie_echoed);
}

void Association::Impl::transmit_established(PacketBuilder& b, Instant now) {
  if (send_cookie_ack) {
    write_empty_chunk(b, ChunkType::cookie_ack);
    send_cookie_ack = false;
  }
  bool data_waiting = rtxq->num_to_retransmit() > 0 || !sq.empty();
  if (ack == Ack::now || (ack == Ack::delayed && data_waiting)) write_sack(b);
  if (send_shutdown && state == State::shutdown_sent) {
    ShutdownChunk{rxq->cumulative_tsn()}.write(b);
    send_shutdown = false;
  }
  if (send_shutdown_ack && state == State::shutdown_ack_sent) {
    write_empty_chunk(b, ChunkType::shutdown_ack);
    send_shutdown_ack = false;
  }
  if (send_heartbeat) {
    uint8_t info[16];
    store_be64(info, hb_nonce);
    store_be64(info + 8, uint64_t(now.time_since_epoch().count()));
    HeartbeatChunk{false, Bytes(info, 16)}.write(b);
    send_heartbeat = false;
  }
  if (state == State::established || state == State::shutdown_pending) maybe_start_reset(now);
  if ((send_reconfig_request && !reset_inflight.empty()) || pending_response) {
    size_t at = b.begin_chunk(uint8_t(ChunkType::reconfig), 0);
    if (send_reconfig_request && !reset_inflight.empty()) {
      OutgoingResetRequest::write(b.writer(), reset_inflight_seq, peer_expected_req_seq - 1, reset_last_tsn,
                                  reset_inflight);
      send_reconfig_request = false;
    }
    if (pending_response) {
      pending_response->write(b.writer());
      pending_response.reset();
    }
    b.end_chunk(at);
  }
  if (send_forward_tsn) {
    send_forward_tsn = false;
    InlineVector<ForwardTsnStream, 32> streams;
    uint32_t point = rtxq->advanced_peer_ack_point(streams);
    if (point != rtxq->cum_ack()) {
      ForwardTsnChunk::write(b, point, streams.span());
      count(stats.forward_tsns_sent);
    }
  }

  // DATA: retransmissions first (§6.1 / §7.2.4), then new data.
  bool sent_data = false;
  size_t abandoned = 0;
  const bool ignore_cwnd = rtxq->num_to_retransmit() > 0 && rtxq->take_fast_retransmit_credit();
  for (;;) {
    if (!b.ok() || b.remaining() < kDataHeaderSize + 4) break;
    uint32_t tsn;
    if (RetransmissionQueue::Entry* e = rtxq->next_retransmit(&tsn)) {
      size_t need = kDataHeaderSize + e->frag.length;
      if (need > b.remaining() || (!ignore_cwnd && rtxq->outstanding_bytes() >= rtxq->cwnd())) break;
      write_data(b, tsn, e->frag, e->ssn);
      rtxq->mark_retransmitted(now, *e);
      count(stats.data_chunks_retransmitted);
      sent_data = true;
      continue;
    }
    if (rtxq->num_to_retransmit() > 0) break;  // waiting for cwnd
    if (!(state == State::established || state == State::shutdown_pending || state == State::shutdown_received))
      break;
    size_t max_payload = (b.remaining() - kDataHeaderSize) & ~size_t(3);
    if (max_payload == 0 || !rtxq->can_send(std::min(max_payload, sq.queued_bytes()) + kDataHeaderSize)) break;
    auto f = sq.next_fragment(now, max_payload, &abandoned);
    if (!f) break;
    OutMessage* m = f->msg;
    if (!m->ssn_assigned) {
      m->ssn_assigned = true;
      if (!m->unordered) m->ssn = sq.stream(m->stream)->next_ssn++;
    }
    write_data(b, rtxq->add(now, *f, m->ssn), *f, m->ssn);
    count(stats.data_chunks_sent);
    sent_data = true;
  }
  stats.messages_abandoned += abandoned;
  if (sent_data && !timers.armed(Timer::t3_rtx)) arm_rto(Timer::t3_rtx, now);
}

bool Association::Impl::over_retransmit_limit(const char* detail) {
  // §8.1: too many consecutive retransmissions end the association.
  if (++error_count <= cfg.max_retransmits) return false;
  send_abort(peer_tag, false, CauseCode::protocol_violation);
  close(CloseReason::retransmission_limit, detail);
  return true;
}

void Association::Impl::back_off_and_arm(Timer t, Instant now) {
  rto.back_off();
  arm_rto(t, now);
}

void Association::Impl::arm_rto(Timer t, Instant now) { timers.arm(t, now + rto.rto()); }

void Association::Impl::on_timeout(Instant now) {
  if (state == State::closed) return;
  // T1-init and T1-cookie (§5.1): one procedure for either handshake packet.
  for (Timer t : {Timer::t1_init, Timer::t1_cookie}) {
    const bool init = t == Timer::t1_init;
    if (!timers.take_expired(t, now) || state != (init ? State::cookie_wait : State::cookie_echoed)) continue;
    if (++init_retransmits > cfg.max_init_retransmits) {
      close(CloseReason::init_failed, init ? "T1-init expired too often" : "T1-cookie expired too often");
      return;
    }
    (init ? send_init : send_cookie_echo) = true;
    back_off_and_arm(t, now);
  }
  if (timers.take_expired(Timer::delayed_ack, now) && ack == Ack::delayed) ack = Ack::now;
  if (timers.take_expired(Timer::t3_rtx, now) && rtxq && rtxq->has_outstanding()) {
    count(stats.t3_expiries);
    if (over_retransmit_limit("T3-rtx: Association.Max.Retrans exceeded")) return;
    rto.back_off();
    InlineVector<uint16_t, 32> low;
    size_t abandoned = 0;
    rtxq->handle_t3_expiry(now, low, &abandoned);
    stats.messages_abandoned += abandoned;
    handle_low(low);
    after_ack_progress(now);
    if (rtxq->has_outstanding()) arm_rto(Timer::t3_rtx, now);
  }
  if (timers.take_expired(Timer::t2_shutdown, now)) {
    if (over_retransmit_limit("T2-shutdown: Association.Max.Retrans exceeded")) return;
    if (state == State::shutdown_sent) send_shutdown = true;
    if (state == State::shutdown_ack_sent) send_shutdown_ack = true;
    back_off_and_arm(Timer::t2_shutdown, now);
  }
  if (timers.take_expired(Timer::reconfig, now) && !reset_inflight.empty()) {
    send_reconfig_request = true;
    arm_rto(Timer::reconfig, now);
  }
  if (timers.take_expired(Timer::heartbeat, now) && established_like()) {
    if (hb_outstanding) {
      if (over_retransmit_limit("heartbeat: Association.Max.Retrans exceeded")) return;
      rto.back_off();
    }
    hb_nonce = rng.next_u64();
    hb_outstanding = true;
    send_heartbeat = true;
    arm_rto(Timer::heartbeat, now + cfg.heartbeat_interval);
  }
}

bool Association::Impl::consistent() const {
  if (rtxq && !rtxq->is_consistent()) return false;
  if (rxq && !rxq->is_consistent()) return false;
  if (oob_count > kOobSlots) return false;
  return true;
}

}  // namespace sansrtc::sctp
