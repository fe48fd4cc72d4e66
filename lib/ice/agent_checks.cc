// The checklist (RFC 8445 §6.1.2-§6.1.4, §7.2.5), nomination (§8.1),
// consent freshness (RFC 7675 §5.1), keepalives (§11), timers and the W3C
// RTCIceConnectionState machine.
#include "ice/agent.h"

#include "base/log.h"

#include <algorithm>

namespace sansrtc::ice {

// PRIORITY of consent checks on the pre-restart pair (its candidates are
// gone; the value only matters for a peer that learns a prflx from it).
constexpr uint32_t kPreviousPairPriority = (kTypePreferencePrflx << 24) | 0xFFFFFFu;

// now >= since + d, out of line: one copy of the 64-bit add and compare.
[[gnu::noinline]] static bool reached(const Instant& now, const Instant& since, const Duration& d) {
  return now >= since + d;
}

uint32_t Agent::prflx_priority_for(const LocalCandidateEntry& l) const {
  // §7.1.1: PRIORITY = the priority a peer-reflexive candidate from this
  // base would get: type preference 110, the candidate's own local
  // preference and component.
  return (kTypePreferencePrflx << 24) | (l.candidate.priority & 0x00FFFFFFu);
}

uint64_t Agent::compute_pair_priority(const LocalCandidateEntry& l, const RemoteCandidateEntry& r) const {
  return role_ == Role::controlling ? pair_priority(l.candidate.priority, r.candidate.priority)
                                    : pair_priority(r.candidate.priority, l.candidate.priority);
}

bool Agent::pairable(const LocalCandidateEntry& l, const RemoteCandidateEntry& r) const {
  if (!l.pairable || l.candidate.type == CandidateType::prflx) return false;
  if (config_.transport_policy == TransportPolicy::relay && l.candidate.type != CandidateType::relay) return false;
  if (l.base.family() != r.candidate.address.family()) return false;
  // An IPv6 link-local base reaches only link-local peers and vice versa.
  if (l.base.ip().is_link_local() != r.candidate.address.ip().is_link_local()) return false;
  return true;
}

int Agent::find_pair(size_t local, size_t remote) const {
  for (size_t i = 0; i < pairs_.size(); ++i)
    if (pairs_[i].local == local && pairs_[i].remote == remote) return int(i);
  return -1;
}

std::string_view Agent::pair_foundation_local(const CandidatePair& p) const {
  return locals_[p.local].candidate.foundation;
}

static bool same_foundation(const Table<LocalCandidateEntry>& locals, const Table<RemoteCandidateEntry>& remotes,
                            const CandidatePair& a, const CandidatePair& b) {
  return locals[a.local].candidate.foundation == locals[b.local].candidate.foundation &&
         remotes[a.remote].candidate.foundation == remotes[b.remote].candidate.foundation;
}

bool Agent::foundation_busy(const CandidatePair& p) const {
  for (const auto& q : pairs_)
    if ((q.state == PairState::waiting || q.state == PairState::in_progress) &&
        same_foundation(locals_, remotes_, q, p))
      return true;
  return false;
}

int Agent::add_pair(size_t local, size_t remote) {
  if (int existing = find_pair(local, remote); existing >= 0) return existing;
  if (!pairable(locals_[local], remotes_[remote])) return -1;
  CandidatePair p;
  p.local = uint16_t(local);
  p.remote = uint16_t(remote);
  p.priority = compute_pair_priority(locals_[local], remotes_[remote]);
  p.generation = generation_;
  // New pairs start Waiting when no pair of their foundation is already
  // being worked on, else Frozen (§6.1.2.6, applied incrementally for trickle).
  p.state = foundation_busy(p) ? PairState::frozen : PairState::waiting;
  if (pairs_.size() < config_.max_pairs) {
    pairs_.push_back(p);
    return int(pairs_.size() - 1);
  }
  // §6.1.2.5: keep the highest-priority pairs. Replace the lowest-priority
  // pair nobody depends on, if the new one is better.
  int victim = -1;
  for (size_t i = 0; i < pairs_.size(); ++i) {
    const auto& q = pairs_[i];
    if (q.txn || q.valid || q.triggered || (selected_ && *selected_ == i)) continue;
    if (victim < 0 || q.priority < pairs_[size_t(victim)].priority) victim = int(i);
  }
  ++stats_.dropped_pair_limit;  // the new pair, or the evicted one
  if (victim < 0 || pairs_[size_t(victim)].priority >= p.priority) return -1;
  pairs_[size_t(victim)] = p;
  return victim;
}

void Agent::pair_local(size_t local) {
  for (size_t r = 0; r < remotes_.size(); ++r) (void)add_pair(local, r);
}

void Agent::pair_remote(size_t remote) {
  for (size_t l = 0; l < locals_.size(); ++l) (void)add_pair(l, remote);
}

void Agent::recompute_priorities() {
  for (auto& p : pairs_) p.priority = compute_pair_priority(locals_[p.local], remotes_[p.remote]);
}

void Agent::unfreeze_foundation(const CandidatePair& done) {
  // §7.2.5.3.3: pairs sharing the succeeded pair's foundation become Waiting.
  for (auto& q : pairs_)
    if (q.state == PairState::frozen && same_foundation(locals_, remotes_, q, done)) q.state = PairState::waiting;
}

void Agent::queue_check(const SocketAddress& source, const SocketAddress& destination,
                        const stun::TransactionId& tid, uint32_t priority, bool use_candidate, bool previous) {
  if (auto* tx = queue_transmit(PendingTransmit::Kind::check, source, destination, tid)) {
    tx->priority = priority;
    tx->use_candidate = use_candidate;
    tx->previous_credentials = previous;
  }
}

void Agent::queue_pair_check(const CandidatePair& p) {
  const auto& l = locals_[p.local];
  queue_check(l.base, remotes_[p.remote].candidate.address, p.txn->tid, prflx_priority_for(l), p.txn->use_candidate,
              false);
}

PairTransaction Agent::new_transaction(Instant now, bool use_candidate, bool consent) {
  PairTransaction t;
  t.tid = stun::TransactionId::random(rng_);
  t.rto = config_.check_rto;
  t.use_candidate = use_candidate;
  t.consent = consent;
  t.transmissions = 1;
  t.next_send = now + t.rto;
  return t;
}

Agent::TxnStep Agent::step_transaction(PairTransaction& t, Instant now) {
  if (now < t.next_send) return TxnStep::idle;
  if (t.transmissions >= config_.check_max_transmissions) return TxnStep::expired;
  ++t.transmissions;
  detail::bump(stats_.retransmissions);
  t.rto = std::min(t.rto * 2, config_.check_rto_max);
  t.next_send = now + t.rto;
  return TxnStep::resend;
}

void Agent::start_check(Instant now, size_t pi, bool use_candidate, bool consent) {
  auto& p = pairs_[pi];
  p.txn = new_transaction(now, use_candidate, consent);
  // A nomination (or a redundant triggered check) on a valid pair leaves it Succeeded.
  if (!consent && p.state != PairState::succeeded) p.state = PairState::in_progress;
  queue_pair_check(p);
  p.last_sent = now;
  if (consent) detail::bump(stats_.consent_requests_sent);
  else detail::bump(stats_.checks_sent);
}

void Agent::on_check_success(Instant now, size_t pi, const SocketAddress& mapped, bool cancelled) {
  auto& p = pairs_[pi];
  bool was_consent = !cancelled && p.txn && p.txn->consent;
  bool was_nomination = !cancelled && p.txn && p.txn->use_candidate;
  if (!cancelled) p.txn.reset();
  p.last_response = now;
  if (was_consent) {
    consent_missed_ = 0;
    return;
  }
  p.state = PairState::succeeded;
  // §7.2.5.3.1: a mapped address we do not know is a peer-reflexive local
  // candidate. It is recorded (bounded) but not signalled; the valid pair
  // keeps the checked pair's base, which is what goes on the wire.
  if (const auto& l = locals_[p.local]; mapped != l.candidate.address) {
    const SocketAddress base = l.base;
    bool known = false;
    for (const auto& o : locals_)
      if (o.candidate.address == mapped && o.base == base) known = true;
    if (!known && prflx_count(true) < config_.max_prflx) {
      const uint16_t iface = l.interface_index;
      const std::optional<uint32_t> relay_id = l.relay_id;
      const uint32_t priority = prflx_priority_for(l);
      // `l` dangles from here: add_local() may grow locals_.
      auto& e = add_local(CandidateType::prflx, base, mapped, base.ip(), std::nullopt, priority);
      e.interface_index = iface;
      e.pairable = false;
      e.relay_id = relay_id;
      e.candidate.related = base;
    } else if (!known) {
      detail::bump(stats_.dropped_prflx_limit);
    }
  }
  auto& vp = pairs_[pi];  // locals_ may have grown; pairs_ did not
  vp.valid = true;
  if (!have_valid_) {
    have_valid_ = true;
    first_valid_at_ = now;
    next_recheck_at_ = now + config_.unnominated_recheck_interval;
  }
  unfreeze_foundation(vp);
  if (was_nomination) {
    nominating_ = false;
    vp.nominated = true;
    select_pair(now, pi);
  } else if (role_ == Role::controlled && vp.nominate_on_success) {
    vp.nominated = true;
    select_pair(now, pi);
  }
}

void Agent::on_check_failure(Instant now, size_t pi) {
  auto& p = pairs_[pi];
  bool was_consent = p.txn && p.txn->consent;
  bool was_nomination = p.txn && p.txn->use_candidate;
  p.txn.reset();
  if (was_consent) {
    ++consent_missed_;
    return;
  }
  if (was_nomination) nominating_ = false;
  // A check on a pair that already succeeded (a redundant triggered check or
  // the nomination) proves nothing new by timing out: the pair stays valid.
  if (p.valid && p.state == PairState::succeeded) return;
  p.state = PairState::failed;
  p.valid = false;
  p.nominated = false;
  if (selected_ && *selected_ == pi) selected_.reset();
  (void)now;
}

void Agent::maybe_nominate(Instant now) {
  if (role_ != Role::controlling || nominating_ || !have_valid_ || remote_pwd_.empty()) return;
  for (const auto& p : pairs_)
    if (p.nominated) return;  // one nomination per generation
  int best = -1;
  for (size_t i = 0; i < pairs_.size(); ++i)
    if (pairs_[i].valid && pairs_[i].state == PairState::succeeded &&
        (best < 0 || pairs_[i].priority > pairs_[size_t(best)].priority))
      best = int(i);
  if (best < 0) return;
  bool better_pending = false;
  for (const auto& p : pairs_)
    if (p.priority > pairs_[size_t(best)].priority &&
        (p.state == PairState::frozen || p.state == PairState::waiting || p.state == PairState::in_progress))
      better_pending = true;
  if (better_pending && !reached(now, first_valid_at_, config_.nomination_delay)) return;
  // §8.1.1: "the controlling agent ... sends a new connectivity check with
  // USE-CANDIDATE on a valid pair".
  nominating_ = true;
  start_check(now, size_t(best), /*use_candidate=*/true, /*consent=*/false);
}

bool Agent::checks_active() const {
  return !remote_pwd_.empty() && connection_state_ != ConnectionState::failed && !closed_;
}

void Agent::select_pair(Instant now, size_t pi) {
  if (connection_state_ == ConnectionState::failed) return;  // terminal until restart
  if (selected_ && *selected_ != pi && pairs_[*selected_].nominated &&
      pairs_[*selected_].priority >= pairs_[pi].priority)
    return;
  if (selected_ && *selected_ == pi) return;
  selected_ = pi;
  consent_lost_ = false;
  previous_.reset();  // §9: the new generation took over
  consent_missed_ = 0;
  pairs_[pi].last_response = now;
  next_consent_at_ = now + consent_delay();
  selected_last_sent_ = now;
  emit(Event::Kind::selected_pair);
  const LogArg args[] = {locals_[pairs_[pi].local].base, remotes_[pairs_[pi].remote].candidate.address};
  detail::log_line(LogLevel::info, "selected pair {} -> {}", args, 2);
}

Duration Agent::consent_delay() {
  // RFC 7675 §5.1: "randomized ... uniformly distributed range of 0.8 to 1.2 times the basic period".
  // Integer arithmetic: no floating point on the per-connection path (a
  // Cortex-M33's FPU is single precision; doubles would pull in soft-float).
  const int64_t base = config_.consent_interval.count();
  const int64_t spread = base / 100 * std::min<int64_t>(config_.consent_jitter_percent, 50);
  if (spread <= 0) return config_.consent_interval;
  return Duration(base - spread + int64_t(rng_.next_u64() % uint64_t(2 * spread + 1)));
}

void Agent::run_consent(Instant now) {
  if (selected_) {
    auto& p = pairs_[*selected_];
    if (now >= next_consent_at_) {
      if (p.txn && p.txn->consent) ++consent_missed_;  // still unanswered
      if (!p.txn || p.txn->consent) start_check(now, *selected_, false, /*consent=*/true);
      selected_last_sent_ = now;
      next_consent_at_ = now + consent_delay();
    }
    // RFC 7675 §5.1: consent expires 30 s after the last response.
    if (reached(now, p.last_response, config_.consent_timeout)) {
      const LogArg arg(locals_[p.local].base);
      detail::log_line(LogLevel::info, "consent expired on {}", &arg);
      p.state = PairState::failed;
      p.valid = false;
      p.txn.reset();
      selected_.reset();
      consent_lost_ = true;
    } else if (config_.keepalive_interval.count() > 0 && reached(now, selected_last_sent_, config_.keepalive_interval)) {
      queue_transmit(PendingTransmit::Kind::keepalive, locals_[p.local].base, remotes_[p.remote].candidate.address,
                     stun::TransactionId::random(rng_));
      selected_last_sent_ = now;
    }
  }
  if (previous_) {
    auto& pv = *previous_;
    if (pv.txn) {
      auto step = step_transaction(*pv.txn, now);
      if (step == TxnStep::expired) {
        pv.txn.reset();
        ++pv.missed;
      } else if (step == TxnStep::resend) {
        queue_check(pv.local, pv.remote, pv.txn->tid, kPreviousPairPriority, false, true);
      }
    }
    if (now >= next_consent_at_ && !selected_) {
      if (pv.txn) ++pv.missed;
      pv.txn = new_transaction(now, false, /*consent=*/true);
      queue_check(pv.local, pv.remote, pv.txn->tid, kPreviousPairPriority, false, true);
      detail::bump(stats_.consent_requests_sent);
      next_consent_at_ = now + consent_delay();
    }
    if (reached(now, pv.last_response, config_.consent_timeout)) {
      previous_.reset();
      consent_lost_ = true;
    }
  }
}

void Agent::schedule_checks(Instant now) {
  if (closed_) return;
  // STUN server transactions (RFC 8489 §6.2.1).
  run_server_transactions(now);

  // Retransmissions and timeouts of checks in flight.
  for (size_t i = 0; i < pairs_.size(); ++i) {
    auto& p = pairs_[i];
    if (!p.txn) continue;
    auto step = step_transaction(*p.txn, now);
    if (step == TxnStep::expired) {
      on_check_failure(now, i);
    } else if (step == TxnStep::resend) {
      queue_pair_check(p);
    }
  }

  run_consent(now);
  if (!checks_active()) return;
  maybe_nominate(now);
  // While the PAC timer runs (RFC 8863 §4) and every pair has failed, try
  // them again now and then: NAT filters opened by the peer's later checks,
  // or plain loss, may have failed them.
  if (retry_failed_pairs_due(now)) {
    for (auto& p : pairs_)
      if (p.state == PairState::failed) p.state = PairState::waiting;
    next_retry_at_ = now + config_.failed_pair_retry_interval;
  }
  if (auto v = unnominated_valid_pair(); v && now >= next_recheck_at_) {
    if (!pairs_[*v].txn) start_check(now, *v, false, false);
    next_recheck_at_ = now + config_.unnominated_recheck_interval;
  }

  // One new check per Ta (§6.1.4.2): triggered queue first, then the
  // highest-priority Waiting pair, then unfreeze a foundation.
  while (now >= next_check_at_) {
    int pick = -1;
    while (!triggered_.empty() && pick < 0) {
      uint16_t t = triggered_.front();
      triggered_.erase_at(0);
      if (t < pairs_.size()) {
        pairs_[t].triggered = false;
        if (!pairs_[t].txn && pairs_[t].state == PairState::waiting) pick = t;
      }
    }
    if (pick < 0) {
      for (size_t i = 0; i < pairs_.size(); ++i)
        if (pairs_[i].state == PairState::waiting && !pairs_[i].txn &&
            (pick < 0 || pairs_[i].priority > pairs_[size_t(pick)].priority))
          pick = int(i);
    }
    if (pick < 0) {
      // §6.1.4.2 step 2: a Frozen pair whose foundation has nothing Waiting
      // or In-Progress becomes Waiting.
      for (size_t i = 0; i < pairs_.size(); ++i) {
        if (pairs_[i].state != PairState::frozen) continue;
        if (!foundation_busy(pairs_[i]) && (pick < 0 || pairs_[i].priority > pairs_[size_t(pick)].priority)) pick = int(i);
      }
    }
    if (pick < 0) break;
    start_check(now, size_t(pick), /*use_candidate=*/false, /*consent=*/false);
    next_check_at_ = now + config_.ta;
  }
}

Duration Agent::check_transaction_time() const {
  Duration total{0}, rto = config_.check_rto;
  for (uint8_t i = 0; i < config_.check_max_transmissions; ++i) {
    total += rto;
    rto = std::min(rto * 2, config_.check_rto_max);
  }
  return total;
}

bool Agent::all_pairs_failed_in_pac() const {
  if (selected_ || previous_ || pairs_.empty() || connection_state_ != ConnectionState::checking) return false;
  // Only when a retried check could still finish before PAC expires.
  if (!clock_.last() || *clock_.last() + check_transaction_time() > checks_started_at_ + config_.pac_timeout)
    return false;
  for (const auto& p : pairs_)
    if (p.state != PairState::failed || p.txn) return false;
  return true;
}

bool Agent::retry_failed_pairs_due(Instant now) {
  if (!all_pairs_failed_in_pac()) {
    retry_armed_ = false;
    return false;
  }
  if (!retry_armed_) {
    retry_armed_ = true;
    next_retry_at_ = now + config_.failed_pair_retry_interval;
    return false;
  }
  return now >= next_retry_at_;
}

std::optional<size_t> Agent::unnominated_valid_pair() const {
  if (role_ != Role::controlled || selected_ || closed_) return std::nullopt;
  std::optional<size_t> best;
  for (size_t i = 0; i < pairs_.size(); ++i) {
    if (pairs_[i].nominated) return std::nullopt;
    if (pairs_[i].valid && (!best || pairs_[i].priority > pairs_[*best].priority)) best = i;
  }
  return best;
}

bool Agent::has_startable_check() const {
  if (!triggered_.empty()) return true;
  for (const auto& p : pairs_) {
    if (p.txn) continue;
    if (p.state == PairState::waiting) return true;
    if (p.state == PairState::frozen && !foundation_busy(p)) return true;
  }
  return false;
}

bool Agent::checks_pending() const {
  if (!triggered_.empty()) return true;
  for (const auto& p : pairs_)
    if (p.state == PairState::frozen || p.state == PairState::waiting || p.state == PairState::in_progress ||
        p.txn)
      return true;
  return false;
}

void Agent::update_connection_state(Instant now) {
  // W3C: failed "is a terminal state until ICE is restarted".
  if (closed_ || connection_state_ == ConnectionState::failed) return;
  if (selected_ || previous_) {
    uint32_t missed = selected_ ? consent_missed_ : previous_->missed;
    if (missed >= config_.disconnected_after_missed) {
      set_connection_state(ConnectionState::disconnected);
      return;
    }
    if (!selected_) {
      // Restart in progress: data still flows on the previous pair.
      if (connection_state_ != ConnectionState::completed) set_connection_state(ConnectionState::connected);
      return;
    }
    bool done = remote_end_of_candidates_ && gathering_state_ == GatheringState::complete && pending_mdns_.empty() &&
                !checks_pending_except_selected();
    // W3C: checking -> connected -> completed, never skipping connected.
    if (connection_state_ != ConnectionState::connected && connection_state_ != ConnectionState::completed)
      set_connection_state(ConnectionState::connected);
    set_connection_state(done ? ConnectionState::completed : ConnectionState::connected);
    return;
  }
  if (consent_lost_ && !checks_pending()) {
    set_connection_state(ConnectionState::failed);
    return;
  }
  bool any_pair = !pairs_.empty();
  if (!any_pair && connection_state_ == ConnectionState::new_) return;
  if (remote_pwd_.empty() && connection_state_ == ConnectionState::new_) return;
  if (checks_pending() || !pending_mdns_.empty()) {
    if (any_pair) set_connection_state(ConnectionState::checking);
    return;
  }
  // Nothing left to try: failed once no more candidates are coming.
  bool no_more = remote_end_of_candidates_ || reached(now, last_remote_candidate_at_, config_.remote_candidate_wait);
  bool valid_waiting = false;
  for (const auto& p : pairs_) valid_waiting |= p.valid;
  // A controlled agent whose peer stopped checking without nominating gives
  // up after remote_candidate_wait of silence.
  if (valid_waiting && role_ == Role::controlled && reached(now, last_request_at_, config_.remote_candidate_wait) &&
      reached(now, last_remote_candidate_at_, config_.remote_candidate_wait))
    valid_waiting = false;
  if (valid_waiting) {
    set_connection_state(ConnectionState::checking);  // nomination still to come
    return;
  }
  // A peer that checked us recently is reachable one way at least: its
  // checks re-trigger ours (§7.3.1.4), so do not give up yet.
  bool peer_active = last_request_at_ != Instant{} && !reached(now, last_request_at_, config_.remote_candidate_wait);
  // W3C RTCIceTransportState "failed" needs: gathering finished, no more
  // remote candidates, every pair failed, and the PAC timer (RFC 8863 §4)
  // expired.
  bool pac_expired = ever_checking_ && reached(now, checks_started_at_, config_.pac_timeout);
  if (no_more && !peer_active && pac_expired && gathering_state_ == GatheringState::complete &&
      (any_pair || ever_checking_)) {
    set_connection_state(ConnectionState::failed);
  } else if (any_pair) {
    set_connection_state(ConnectionState::checking);
  }
}

bool Agent::checks_pending_except_selected() const {
  if (!triggered_.empty()) return true;
  for (size_t i = 0; i < pairs_.size(); ++i) {
    const auto& p = pairs_[i];
    if (p.state == PairState::frozen || p.state == PairState::waiting || p.state == PairState::in_progress)
      return true;
    if (p.txn && !(selected_ && *selected_ == i && p.txn->consent)) return true;
  }
  return false;
}

void Agent::handle_timeout(Instant now) {
  now = clock_.update(now);
  if (closed_) return;
  schedule_checks(now);
  update_connection_state(now);
}

std::optional<Instant> Agent::poll_timeout() const {
  if (closed_) return std::nullopt;
  constexpr Instant kNever = Instant::max();
  Instant t = kNever;
  auto at = [&t](Instant x) {
    if (x < t) t = x;
  };
  for (const auto& st : server_txns_)
    if (!st.done) at(st.deadline);
  for (const auto& p : pairs_)
    if (p.txn) at(p.txn->next_send);
  const bool active = checks_active();
  if (active) {
    if (has_startable_check()) at(next_check_at_);
    if (role_ == Role::controlling && have_valid_ && !nominating_) {
      bool nominated = false, valid = false;
      for (const auto& p : pairs_) {
        nominated |= p.nominated;
        valid |= p.valid && p.state == PairState::succeeded;
      }
      if (!nominated && valid) at(first_valid_at_ + config_.nomination_delay);
    }
  }
  if (selected_) {
    at(next_consent_at_);
    at(pairs_[*selected_].last_response + config_.consent_timeout);
    if (config_.keepalive_interval.count() > 0) at(selected_last_sent_ + config_.keepalive_interval);
  }
  if (previous_) {
    if (previous_->txn) at(previous_->txn->next_send);
    at(next_consent_at_);
    at(previous_->last_response + config_.consent_timeout);
  }
  // The remote-candidate wait and the PAC timer, only while in the future:
  // once passed, update_connection_state() has acted on them and nothing
  // else would change at that instant.
  if (!selected_ && !previous_ && connection_state_ == ConnectionState::checking) {
    const Instant last = clock_.last().value_or(Instant::min());
    const Instant wait_end = std::max(last_remote_candidate_at_, last_request_at_) + config_.remote_candidate_wait;
    if (wait_end > last) at(wait_end);
    const Instant pac_end = checks_started_at_ + config_.pac_timeout;
    if (pac_end > last) at(pac_end);
  }
  if (active && retry_armed_ && all_pairs_failed_in_pac()) at(next_retry_at_);
  if (active && unnominated_valid_pair()) at(next_recheck_at_);
  if (t == kNever) return std::nullopt;
  return t;
}

}  // namespace sansrtc::ice
