// The agent's inputs and outputs: local interfaces and gathering, remote
// candidates, the STUN receive path, serialization of queued transmits,
// restart and close. Checklist scheduling, nomination, consent and the W3C
// state machine are in agent_checks.cc.
#include "ice/agent.h"

#include "base/log.h"
#include "stun/integrity.h"
#include "stun/message_builder.h"

#include <algorithm>
#include <cstring>
#include <memory>

namespace sansrtc::ice {

const char* gathering_state_name(GatheringState s) {
  switch (s) {
    case GatheringState::new_: return "new";
    case GatheringState::gathering: return "gathering";
    case GatheringState::complete: return "complete";
  }
  return "?";
}

const char* connection_state_name(ConnectionState s) {
  switch (s) {
    case ConnectionState::new_: return "new";
    case ConnectionState::checking: return "checking";
    case ConnectionState::connected: return "connected";
    case ConnectionState::completed: return "completed";
    case ConnectionState::failed: return "failed";
    case ConnectionState::disconnected: return "disconnected";
    case ConnectionState::closed: return "closed";
  }
  return "?";
}

const char* pair_state_name(PairState s) {
  switch (s) {
    case PairState::frozen: return "frozen";
    case PairState::waiting: return "waiting";
    case PairState::in_progress: return "in-progress";
    case PairState::succeeded: return "succeeded";
    case PairState::failed: return "failed";
  }
  return "?";
}

void detail::log_line(LogLevel level, std::string_view fmt, const LogArg* args, size_t n) {
  if (sansrtc::detail::log_enabled(level)) sansrtc::detail::log_write(level, "ice", fmt, args, n);
}

void detail::bump(uint64_t& counter) { ++counter; }

namespace {

// Candidates are assigned by destroying and constructing: their copy/move
// constructors exist anyway, and their assignment operators (five strings
// and a vector each) would add as much code again on a small target.
template <class T, class U>
void replace(T& to, U&& from) {
  std::destroy_at(&to);
  std::construct_at(&to, std::forward<U>(from));
}

constexpr char kIceChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";


}  // namespace

Agent::Agent(Instant now, const Config& config, Rng& rng)
    : detail::AgentState(), config_(config), rng_(rng) {
  role_ = config.role;
  clock_.update(now);
  if (config_.ta < std::chrono::milliseconds(5)) config_.ta = std::chrono::milliseconds(5);
  config_.max_pairs = std::clamp<size_t>(config_.max_pairs, 1, 65535);
  config_.max_local_candidates = std::clamp<size_t>(config_.max_local_candidates, 1, 1000);
  config_.max_remote_candidates = std::clamp<size_t>(config_.max_remote_candidates, 1, 1000);
  config_.check_max_transmissions = std::max<uint8_t>(config_.check_max_transmissions, 1);
  config_.stun_max_transmissions = std::max<uint8_t>(config_.stun_max_transmissions, 1);
  tie_breaker_ = config_.tie_breaker ? *config_.tie_breaker : rng_.next_u64();
  for (const auto& server : config.stun_servers) stun_servers_.push_back(server);
  set_local_credentials(config.local_ufrag, config.local_pwd);
  // Tables grow on demand up to their limits (no up-front reservation: a
  // connection with one host candidate on each side needs one pair, not
  // max_pairs). No code keeps a reference into them across an insertion.
  config_.max_queued_transmits = std::max<size_t>(config_.max_queued_transmits, 4);
  config_.max_queued_events = std::max<size_t>(config_.max_queued_events, 4);
}

void Agent::set_local_credentials(std::string_view ufrag, std::string_view pwd) {
  if (is_ice_chars(ufrag, 4, 256) && is_ice_chars(pwd, 22, 256)) {
    local_ufrag_.assign(ufrag.data(), ufrag.size());
    local_pwd_.assign(pwd.data(), pwd.size());
    return;
  }
  // Generated: ufrag 8 then pwd 24 ice-chars, in this order from the Rng.
  char chars[32];
  for (char& c : chars) c = kIceChars[rng_.uniform(64)];
  local_ufrag_.assign(chars, 8);
  local_pwd_.assign(chars + 8, 24);
}

Event::Event() = default;
Event::Event(const Event&) = default;
Event::Event(Event&&) noexcept = default;
Event& Event::operator=(const Event&) = default;
Event& Event::operator=(Event&&) noexcept = default;
Event::~Event() = default;

void Agent::emit(Event::Kind kind, const Candidate* c, const CandidateError* error) {
  // Built in its queue slot: no Event is moved on the way in.
  if (events_.size() >= config_.max_queued_events) {
    detail::bump(stats_.dropped_event_queue_full);
    return;
  }
  Event& e = events_.emplace_back();
  e.kind = kind;
  e.gathering_state = gathering_state_;
  e.connection_state = connection_state_;
  e.role = role_;
  if (kind == Event::Kind::selected_pair) {
    if (auto sp = selected_pair()) e.selected = *sp;
  } else if (c && kind == Event::Kind::local_candidate) {
    replace(e.candidate, *c);
  } else if (c && kind == Event::Kind::resolve_hostname) {
    e.hostname = c->hostname;
  } else if (error) {
    e.error_address = error->local;
    e.error_url.assign(error->url.data(), error->url.size());
    e.error_code = error->code;
    e.error_text.assign(error->text.data(), error->text.size());
  }
}

void Agent::set_gathering_state(GatheringState s) {
  if (gathering_state_ == s) return;
  gathering_state_ = s;
  emit(Event::Kind::gathering_state);
}

void Agent::set_role(Role r) {
  role_ = r;
  recompute_priorities();
  emit(Event::Kind::role_changed);
}

void Agent::set_connection_state(ConnectionState s) {
  if (connection_state_ == s) return;
  const LogArg args[] = {connection_state_name(connection_state_), connection_state_name(s)};
  detail::log_line(LogLevel::debug, "connection state {} -> {}", args, 2);
  connection_state_ = s;
  if (s == ConnectionState::checking && !ever_checking_) {
    ever_checking_ = true;
    checks_started_at_ = clock_.last().value_or(Instant{});
  }
  emit(Event::Kind::connection_state);
}

LocalCandidateEntry& Agent::add_local(CandidateType type, const SocketAddress& base, const SocketAddress& address,
                                      const IpAddress& foundation_ip, const std::optional<IpAddress>& server_ip,
                                      uint32_t priority) {
  auto& e = locals_.emplace_back();
  e.base = base;
  char foundation[10];
  e.candidate.foundation.assign(
      foundation, format_foundation(type, foundation_ip, server_ip, TransportProtocol::udp, foundation));
  e.candidate.priority = priority;
  e.candidate.address = address;
  e.candidate.type = type;
  // Peer-reflexive local candidates are never signalled.
  if (type != CandidateType::prflx) {
    e.candidate.generation = generation_;
    e.candidate.ufrag = local_ufrag_;
  }
  return e;
}

Agent::PendingTransmit* Agent::queue_transmit(PendingTransmit::Kind kind, const SocketAddress& source,
                                              const SocketAddress& destination, const stun::TransactionId& tid) {
  if (transmits_.size() >= config_.max_queued_transmits) {
    detail::bump(stats_.dropped_transmit_queue_full);
    return nullptr;
  }
  return &transmits_.emplace_back(PendingTransmit{kind, source, destination, tid});
}

// --- local side ------------------------------------------------------------

Result<void> Agent::add_local_interface(Instant now, const SocketAddress& host) {
  now = clock_.update(now);
  if (closed_) return make_error(Errc::closed, "ice: agent closed");
  if (host.ip().is_unspecified() || host.port() == 0)
    return make_error(Errc::invalid_argument, "ice: interface address must be a bound unicast address");
  if (host.ip().is_loopback() && !config_.allow_loopback) {
    const LogArg arg(host);
    detail::log_line(LogLevel::debug, "ignoring loopback interface {}", &arg);
    return ok_result();
  }
  uint16_t index = 0;  // this interface's, among the host candidates
  for (const auto& l : locals_) {
    if (l.candidate.type != CandidateType::host) continue;
    if (l.base == host) return ok_result();
    ++index;
  }
  if (locals_.size() - prflx_count(true) >= config_.max_local_candidates)
    return make_error(Errc::limit_exceeded, "ice: max_local_candidates reached");
  if (gathering_state_ != GatheringState::gathering) set_gathering_state(GatheringState::gathering);

  auto& e = add_local(CandidateType::host, host, host, host.ip(), std::nullopt,
                      compute_priority(kTypePreferenceHost, local_preference(index, host.family()), 1));
  e.interface_index = index;
  // "relay" policy: host candidates are neither exposed nor paired, but
  // remain the base of relay allocations.
  e.pairable = config_.transport_policy == TransportPolicy::all;
  if (e.pairable) emit(Event::Kind::local_candidate, &e.candidate);
  pair_local(locals_.size() - 1);

  start_server_transactions(now, locals_.size() - 1);
  schedule_checks(now);
  update_connection_state(now);
  return ok_result();
}

void Agent::end_of_local_interfaces(Instant now) {
  now = clock_.update(now);
  if (closed_) return;
  local_interfaces_done_ = true;
  if (gathering_state_ == GatheringState::new_) set_gathering_state(GatheringState::gathering);
  maybe_finish_gathering();
  update_connection_state(now);
}

void Agent::start_server_transactions(Instant now, size_t local) {
  if (config_.transport_policy != TransportPolicy::all) return;
  const auto& host = locals_[local];
  for (size_t s = 0; s < stun_servers_.size(); ++s) {
    if (stun_servers_[s].address.family() != host.base.family()) continue;
    ServerTransaction& st = server_txns_.emplace_back();
    st.tid = stun::TransactionId::random(rng_);
    st.local = uint16_t(local);
    st.server = uint16_t(s);
    st.rto = config_.stun_rto;
    st.transmissions = 1;
    st.send = true;
    st.done = config_.stun_rto <= Duration::zero();
    schedule_server_transaction(st, now);
  }
}

void Agent::schedule_server_transaction(ServerTransaction& st, Instant now) const {
  // RFC 8489 §6.2.1: "the client SHOULD retransmit a STUN request message
  // starting with an interval of RTO, doubling after each retransmission.
  // [...] Retransmissions continue until a response is received or until a
  // total of Rc requests have been sent. [...] If, after the last request,
  // a duration equal to Rm times the RTO has passed without a response
  // [...] the client SHOULD consider the transaction to have failed."
  st.deadline = now + (st.transmissions >= config_.stun_max_transmissions ? config_.stun_rto * config_.stun_rm : st.rto);
}

void Agent::run_server_transactions(Instant now) {
  for (auto& st : server_txns_) {
    if (st.done || now < st.deadline) continue;
    if (st.transmissions < config_.stun_max_transmissions) {
      ++st.transmissions;
      st.send = true;
      st.rto *= 2;
      schedule_server_transaction(st, now);
      continue;
    }
    st.done = true;
    // W3C 701: "the server could not be reached".
    const CandidateError error{locals_[st.local].base, stun_servers_[st.server].url, 701,
                               "STUN server did not answer"};
    emit(Event::Kind::candidate_error, nullptr, &error);
  }
  maybe_finish_gathering();
}

void Agent::maybe_finish_gathering() {
  if (gathering_state_ != GatheringState::gathering || !local_interfaces_done_) return;
  for (const auto& st : server_txns_)
    if (!st.done) return;
  server_txns_.release();
  emit(Event::Kind::end_of_candidates);
  set_gathering_state(GatheringState::complete);
}

Result<uint32_t> Agent::add_relay_candidate(Instant now, const SocketAddress& relayed,
                                            const SocketAddress& mapped, const IpAddress& server) {
  now = clock_.update(now);
  if (closed_) return make_error(Errc::closed, "ice: agent closed");
  if (locals_.size() - prflx_count(true) >= config_.max_local_candidates) return make_error(Errc::limit_exceeded, "ice: max_local_candidates reached");
  auto& e = add_local(CandidateType::relay, relayed, relayed, mapped.ip(), server,
                      compute_priority(kTypePreferenceRelay, local_preference(0, relayed.family()), 1));
  const uint32_t id = next_relay_id_++;
  e.relay_id = id;
  e.candidate.related = mapped;
  emit(Event::Kind::local_candidate, &e.candidate);
  pair_local(locals_.size() - 1);
  schedule_checks(now);
  update_connection_state(now);
  return id;
}

std::optional<uint32_t> Agent::relay_for(const SocketAddress& source) const {
  for (const auto& l : locals_)
    if (l.relay_id && l.base == source) return l.relay_id;
  if (previous_ && previous_->local == source) return previous_->relay_id;
  return std::nullopt;
}

// --- remote side -----------------------------------------------------------

Result<void> Agent::set_remote_credentials(Instant now, std::string_view ufrag, std::string_view pwd) {
  now = clock_.update(now);
  if (closed_) return make_error(Errc::closed, "ice: agent closed");
  // RFC 8839 §5.4: ice-ufrag 4..256 and ice-pwd 22..256 ice-chars. Be
  // lenient on the minimum (some peers send shorter) but not the alphabet.
  if (!is_ice_chars(ufrag, 1, 256) || !is_ice_chars(pwd, 1, 256))
    return make_error(Errc::invalid_argument, "ice: remote ufrag/pwd must be 1..256 ice-chars");
  if (!remote_ufrag_.empty() && remote_ufrag_ != ufrag && !pairs_.empty())
    return make_error(Errc::invalid_state, "ice: new remote credentials need restart() first");
  remote_ufrag_.assign(ufrag.data(), ufrag.size());
  remote_pwd_.assign(pwd.data(), pwd.size());
  schedule_checks(now);
  update_connection_state(now);
  return ok_result();
}

void Agent::set_remote_ice_lite(Instant now, bool lite) {
  now = clock_.update(now);
  remote_ice_lite_ = lite;
  // RFC 8445 §6.1.1: "the full agent MUST take the controlling role".
  if (lite && role_ != Role::controlling) set_role(Role::controlling);
}

Result<size_t> Agent::insert_remote(Instant now, const Candidate& c) {
  int existing = find_remote_by_address(c.address);
  if (existing >= 0) {
    auto& r = remotes_[size_t(existing)].candidate;
    // A signalled candidate replaces the peer-reflexive one learned earlier
    // (RFC 8445 §7.3.1.3 ... the pair's priority is recomputed).
    if (r.type == CandidateType::prflx && c.type != CandidateType::prflx) {
      replace(r, c);
      for (auto& p : pairs_)
        if (p.remote == size_t(existing)) p.priority = compute_pair_priority(locals_[p.local], remotes_[p.remote]);
    }
    return size_t(existing);
  }
  const size_t prflx = prflx_count(false);
  if (c.type == CandidateType::prflx ? prflx >= config_.max_prflx
                                     : remotes_.size() - prflx >= config_.max_remote_candidates) {
    if (c.type == CandidateType::prflx) detail::bump(stats_.dropped_prflx_limit);
    else detail::bump(stats_.dropped_remote_candidate);
    return make_error(Errc::limit_exceeded, "ice: remote candidate limit reached");
  }
  remotes_.push_back({c});
  last_remote_candidate_at_ = now;
  pair_remote(remotes_.size() - 1);
  return remotes_.size() - 1;
}

Result<void> Agent::add_remote_candidate(Instant now, const Candidate& c) {
  now = clock_.update(now);
  if (closed_) return make_error(Errc::closed, "ice: agent closed");
  // Every rejection below counts dropped_remote_candidate (one exit).
  Error rejected{};
  if (c.transport != TransportProtocol::udp) {
    rejected = make_error(Errc::unsupported, "ice: TCP candidates are not supported");
  } else if (c.component != 1) {
    rejected = make_error(Errc::unsupported, "ice: only component 1 (rtcp-mux/BUNDLE)");
  } else if (!c.ufrag.empty() && !remote_ufrag_.empty() && c.ufrag != remote_ufrag_) {
    rejected = make_error(Errc::invalid_argument, "ice: candidate of another ICE generation (ufrag)");
  } else {
    last_remote_candidate_at_ = now;
    if (c.is_mdns()) {
      for (const auto& p : pending_mdns_)
        if (p.candidate.hostname == c.hostname && p.candidate.address.port() == c.address.port()) return ok_result();
      if (pending_mdns_.size() >= config_.max_pending_mdns) {
        rejected = make_error(Errc::limit_exceeded, "ice: too many unresolved mDNS candidates");
      } else {
        pending_mdns_.push_back({c});
        emit(Event::Kind::resolve_hostname, &c);
        update_connection_state(now);
        return ok_result();
      }
    } else if (c.address.ip().is_unspecified() || c.address.port() == 0) {
      rejected = make_error(Errc::invalid_argument, "ice: remote candidate address unusable");
    } else {
      auto r = insert_remote(now, c);
      if (!r.ok()) return r.error();
      schedule_checks(now);
      update_connection_state(now);
      return ok_result();
    }
  }
  detail::bump(stats_.dropped_remote_candidate);
  return rejected;
}

void Agent::resolved(Instant now, std::string_view hostname, std::optional<IpAddress> ip) {
  now = clock_.update(now);
  for (size_t i = 0; i < pending_mdns_.size();) {
    if (pending_mdns_[i].candidate.hostname != hostname) {
      ++i;
      continue;
    }
    Candidate c = std::move(pending_mdns_[i].candidate);
    pending_mdns_.erase_at(i);
    if (closed_) continue;
    if (!ip || ip->is_unspecified()) {
      detail::bump(stats_.mdns_unresolved);
      const LogArg arg(hostname);
      detail::log_line(LogLevel::info, "dropping remote candidate {}: name did not resolve", &arg);
      continue;
    }
    c.address = SocketAddress(*ip, c.address.port());
    c.hostname.clear();
    (void)insert_remote(now, c);
  }
  schedule_checks(now);
  update_connection_state(now);
}

void Agent::end_of_remote_candidates(Instant now) {
  now = clock_.update(now);
  remote_end_of_candidates_ = true;
  update_connection_state(now);
}

int Agent::find_local_by_base(const SocketAddress& addr) const {
  for (size_t i = 0; i < locals_.size(); ++i) {
    const auto& l = locals_[i];
    if (l.base == addr && (l.candidate.type == CandidateType::host || l.candidate.type == CandidateType::relay))
      return int(i);
  }
  return -1;
}

int Agent::find_remote_by_address(const SocketAddress& addr) const {
  for (size_t i = 0; i < remotes_.size(); ++i)
    if (remotes_[i].candidate.address == addr) return int(i);
  return -1;
}

size_t Agent::prflx_count(bool local) const {
  size_t n = 0;
  if (local) {
    for (const auto& l : locals_) n += l.candidate.type == CandidateType::prflx;
  } else {
    for (const auto& r : remotes_) n += r.candidate.type == CandidateType::prflx;
  }
  return n;
}

// --- receive path ----------------------------------------------------------

bool Agent::authentic(const stun::MessageView& m, std::string_view pwd) {
  // RFC 8489 §9.1.1: the short-term key is OpaqueString(password), which is
  // the password itself for ice-chars (RFC 8839): every password the agent
  // holds was checked against that alphabet (is_ice_chars).
  if (!pwd.empty() && stun::verify_message_integrity(m, as_bytes(pwd)) == stun::IntegrityStatus::ok) return true;
  detail::bump(stats_.dropped_bad_integrity);
  return false;
}

void Agent::handle_datagram(Instant now, const Datagram& d) {
  now = clock_.update(now);
  if (closed_) {
    detail::bump(stats_.dropped_closed);
    return;
  }
  stun::MessageView m;
  if (m.parse(d.payload) != stun::ParseError::none) {
    detail::bump(stats_.stun_parse_failed);
    return;
  }
  if (m.method() != stun::Method::binding) {
    detail::bump(stats_.dropped_not_binding);
    return;
  }
  if (m.is_request()) {
    handle_request(now, d, m);
  } else if (m.is_response()) {
    bool matched = false;
    for (auto& st : server_txns_) {
      if (!st.done && st.tid == m.transaction_id()) {
        handle_server_response(now, d, m, st);
        matched = true;
        break;
      }
    }
    if (!matched) handle_response(now, d, m);
  }
  // Indications are keepalives: nothing to do.
  schedule_checks(now);
  update_connection_state(now);
}

void Agent::handle_server_response(Instant now, const Datagram& d, const stun::MessageView& m,
                                   ServerTransaction& st) {
  const auto& server = stun_servers_[st.server];
  if (d.source != server.address || st.local >= locals_.size() || d.destination != locals_[st.local].base) {
    detail::bump(stats_.dropped_asymmetric);
    return;
  }
  detail::bump(stats_.responses_received);
  st.done = true;
  const SocketAddress base = locals_[st.local].base;
  const uint16_t iface = locals_[st.local].interface_index;
  if (m.is_error_response()) {
    auto ec = m.error_code();
    const CandidateError error{base, server.url, uint16_t(ec ? ec->code : 400), ec ? ec->reason : "error response"};
    emit(Event::Kind::candidate_error, nullptr, &error);
  } else if (auto mapped = m.xor_mapped_address(); mapped || (mapped = m.mapped_address())) {
    bool redundant = *mapped == base;  // §5.1.3: no NAT, same as the host
    for (const auto& l : locals_)
      if (l.candidate.address == *mapped && l.base == base) redundant = true;
    if (!redundant && locals_.size() - prflx_count(true) < config_.max_local_candidates) {
      auto& e = add_local(CandidateType::srflx, base, *mapped, base.ip(), server.address.ip(),
                          compute_priority(kTypePreferenceSrflx, local_preference(iface, base.family()), 1));
      e.interface_index = iface;
      e.pairable = false;  // §6.1.2.4: paired through its base
      e.candidate.related = base;
      emit(Event::Kind::local_candidate, &e.candidate);
    }
  }
  maybe_finish_gathering();
  (void)now;
}

void Agent::handle_request(Instant now, const Datagram& d, const stun::MessageView& m) {
  detail::bump(stats_.requests_received);
  // RFC 8445 §7.3: "the agent MUST ... verify FINGERPRINT" (ICE requests
  // always carry it, RFC 8445 §7.2.2); parse() checked its value.
  if (!m.fingerprint()) {
    detail::bump(stats_.dropped_no_fingerprint);
    return;
  }
  auto username = m.username();
  if (!username) {
    detail::bump(stats_.dropped_bad_username);
    return;
  }
  auto colon = username->find(':');
  if (colon == std::string_view::npos) {
    detail::bump(stats_.dropped_bad_username);
    return;
  }
  std::string_view lfrag = username->substr(0, colon);
  std::string_view rfrag = username->substr(colon + 1);
  bool previous = false;
  if (lfrag != local_ufrag_) {
    if (previous_ && lfrag == previous_->local_ufrag) previous = true;
    else {
      detail::bump(stats_.dropped_bad_username);
      return;
    }
  }
  if (!m.message_integrity()) {
    detail::bump(stats_.dropped_no_integrity);
    return;
  }
  if (!authentic(m, previous ? previous_->local_pwd : local_pwd_)) return;
  int local = find_local_by_base(d.destination);
  if (local < 0) {
    detail::bump(stats_.dropped_unknown_local);
    return;
  }
  if (!previous) last_request_at_ = now;
  using K = PendingTransmit::Kind;
  if (previous) {
    // The peer keeps consent alive on the pre-restart pair.
    if (auto* t = queue_transmit(K::success_response, d.destination, d.source, m.transaction_id()))
      t->previous_credentials = true;
    return;
  }

  // §7.3.1.1 role conflict: the peer claims our role. The larger
  // tie-breaker is controlling; a controlling winner answers 487, a
  // controlled loser too, otherwise we switch.
  if (auto theirs = role_ == Role::controlling ? m.ice_controlling() : m.ice_controlled()) {
    detail::bump(stats_.role_conflicts);
    const bool controlling = role_ == Role::controlling;
    if ((tie_breaker_ >= *theirs) == controlling) {
      detail::bump(stats_.dropped_role_conflict);
      queue_transmit(K::role_conflict, d.destination, d.source, m.transaction_id());
      return;
    }
    set_role(controlling ? Role::controlled : Role::controlling);
  }

  queue_transmit(K::success_response, d.destination, d.source, m.transaction_id());

  // §7.3.1.3: learn a peer-reflexive remote candidate.
  int remote = find_remote_by_address(d.source);
  if (remote < 0) {
    auto prio = m.priority();
    if (!prio) return;  // §7.2.2: PRIORITY is mandatory in checks
    Candidate c;
    char foundation[16] = "prflx";
    c.foundation.assign(foundation, 5 + format_decimal(uint32_t(remotes_.size()), foundation + 5));
    c.priority = *prio;
    c.address = d.source;
    c.type = CandidateType::prflx;
    c.ufrag.assign(rfrag.data(), rfrag.size());
    auto r = insert_remote(now, c);
    if (!r.ok()) return;
    remote = int(*r);
  }
  int pi = find_pair(size_t(local), size_t(remote));
  if (pi < 0) {
    detail::bump(stats_.dropped_pair_limit);
    return;
  }
  auto& p = pairs_[size_t(pi)];
  // §7.3.1.5: a nomination from the controlling peer.
  if (m.use_candidate() && role_ == Role::controlled) {
    if (p.state == PairState::succeeded) {
      p.nominated = true;
      select_pair(now, size_t(pi));
    } else {
      p.nominate_on_success = true;
    }
  }
  // §7.3.1.4 triggered checks. "If the state of that pair is In-Progress,
  // the agent cancels the In-Progress transaction" and triggers a new one.
  if (p.state == PairState::in_progress && p.txn && !p.txn->use_candidate && !p.txn->consent) {
    p.cancelled_tid = p.txn->tid;
    p.txn.reset();
    p.state = PairState::waiting;
  }
  if (p.state == PairState::frozen || p.state == PairState::waiting || p.state == PairState::failed) {
    p.state = PairState::waiting;
    trigger(size_t(pi));
  }
}

void Agent::trigger(size_t pi) {
  auto& p = pairs_[pi];
  if (!p.triggered) {
    p.triggered = true;
    triggered_.push_back(uint16_t(pi));
  }
}

void Agent::handle_response(Instant now, const Datagram& d, const stun::MessageView& m) {
  detail::bump(stats_.responses_received);
  bool prev_match = previous_ && previous_->txn && previous_->txn->tid == m.transaction_id();
  int pi = -1;
  bool cancelled = false;
  for (size_t i = 0; i < pairs_.size() && !prev_match && pi < 0; ++i) {
    if (pairs_[i].txn && pairs_[i].txn->tid == m.transaction_id()) pi = int(i);
    if (pairs_[i].cancelled_tid && *pairs_[i].cancelled_tid == m.transaction_id()) {
      pi = int(i);
      cancelled = true;
    }
  }
  if (pi < 0 && !prev_match) {
    detail::bump(stats_.dropped_unknown_transaction);
    return;
  }
  const SocketAddress& want_src =
      prev_match ? previous_->remote : remotes_[pairs_[size_t(pi)].remote].candidate.address;
  const SocketAddress& want_dst = prev_match ? previous_->local : locals_[pairs_[size_t(pi)].local].base;
  const std::string& pwd = prev_match ? previous_->remote_pwd : remote_pwd_;
  if (!authentic(m, pwd)) return;
  // §7.2.5.2.1: "the check is a failure if the source and destination
  // transport addresses ... are not symmetric".
  if (d.source != want_src || d.destination != want_dst) {
    detail::bump(stats_.dropped_asymmetric);
    if (prev_match || cancelled) return;
    on_check_failure(now, size_t(pi));
    return;
  }
  if (prev_match) {
    previous_->txn.reset();
    if (m.is_success_response()) {
      previous_->last_response = now;
      previous_->missed = 0;
    }
    return;
  }
  auto& p = pairs_[size_t(pi)];
  last_request_at_ = now;  // an authenticated answer: the peer is alive
  if (cancelled) {
    p.cancelled_tid.reset();
    auto mapped = m.xor_mapped_address();
    if (m.is_success_response() && mapped && p.state != PairState::succeeded)
      on_check_success(now, size_t(pi), *mapped, /*cancelled=*/true);
    return;
  }
  if (m.is_error_response()) {
    auto ec = m.error_code();
    if (ec && ec->code == stun::error_codes::kRoleConflict && !p.txn->consent) {
      // §7.2.5.1: switch role, then redo the check as a triggered one.
      detail::bump(stats_.role_conflicts);
      set_role(role_ == Role::controlling ? Role::controlled : Role::controlling);
      if (p.txn->use_candidate) nominating_ = false;
      p.txn.reset();
      p.state = PairState::waiting;
      trigger(size_t(pi));
      return;
    }
    on_check_failure(now, size_t(pi));
    return;
  }
  auto mapped = m.xor_mapped_address();
  if (!mapped) {
    on_check_failure(now, size_t(pi));
    return;
  }
  on_check_success(now, size_t(pi), *mapped);
}

// --- outputs ---------------------------------------------------------------

std::optional<Transmit> Agent::poll_transmit(MutBytes buf) {
  for (auto& st : server_txns_) {
    if (st.done || !st.send || st.local >= locals_.size()) continue;
    // RFC 8489 §7.1: a plain Binding request (no credentials), FINGERPRINT
    // so a server that multiplexes with other protocols can tell.
    stun::MessageBuilder b(buf, {stun::Method::binding, stun::MessageClass::request}, st.tid);
    b.add_fingerprint();
    auto n = b.finish();
    if (!n.ok()) continue;  // buf too small: stays queued
    st.send = false;
    if (st.transmissions > 1) detail::bump(stats_.retransmissions);
    return Transmit{locals_[st.local].base, stun_servers_[st.server].address, *n};
  }
  while (!transmits_.empty()) {
    const PendingTransmit t = transmits_.front();
    transmits_.erase_at(0);
    const bool prev = t.previous_credentials;
    if (prev && !previous_) continue;
    using K = PendingTransmit::Kind;
    // The STUN class of each Kind: a check, its success or role-conflict
    // answer, a keepalive indication.
    static constexpr stun::MessageClass kClass[] = {stun::MessageClass::request, stun::MessageClass::success_response,
                                                    stun::MessageClass::error_response, stun::MessageClass::indication};
    stun::MessageBuilder b(buf, {stun::Method::binding, kClass[size_t(t.kind)]}, t.tid);
    // MESSAGE-INTEGRITY uses the peer's password on a check, ours on an answer.
    std::string_view pwd;
    if (t.kind == K::check) {
      const std::string_view lufrag = prev ? previous_->local_ufrag : local_ufrag_;
      const std::string_view rufrag = prev ? previous_->remote_ufrag : remote_ufrag_;
      char user[520];
      if (rufrag.size() + 1 + lufrag.size() > sizeof(user)) continue;
      std::memcpy(user, rufrag.data(), rufrag.size());
      user[rufrag.size()] = ':';
      std::memcpy(user + rufrag.size() + 1, lufrag.data(), lufrag.size());
      b.add_username(std::string_view(user, rufrag.size() + 1 + lufrag.size()));
      b.add_priority(t.priority);
      b.add_uint(role_ == Role::controlling ? stun::AttrType::ice_controlling : stun::AttrType::ice_controlled,
                 tie_breaker_, 8);
      if (t.use_candidate) b.add_use_candidate();
      pwd = prev ? previous_->remote_pwd : remote_pwd_;
    } else if (t.kind == K::success_response) {
      b.add_xor_mapped_address(t.destination);
      pwd = prev ? previous_->local_pwd : local_pwd_;
    } else if (t.kind == K::role_conflict) {
      b.add_error_code_text(stun::error_codes::kRoleConflict, "Role Conflict");  // RFC 8445 §7.3.1.1
      pwd = prev ? previous_->local_pwd : local_pwd_;
    }
    if (t.kind != K::keepalive) {
      if (pwd.empty()) continue;
      b.add_message_integrity(as_bytes(pwd));  // the short-term key (see authentic())
    }
    b.add_fingerprint();
    auto size = b.finish();
    if (!size.ok()) {
      detail::bump(stats_.dropped_transmit_queue_full);
      continue;
    }
    return Transmit{t.source, t.destination, *size};
  }
  return std::nullopt;
}

std::optional<Event> Agent::poll_event() {
  if (events_.empty()) return std::nullopt;
  std::optional<Event> e(std::move(events_.front()));
  events_.erase_at(0);
  // Drained after a burst (gathering, checks): give the slots back (an
  // Event is ~350 B); a queue that only ever holds one or two keeps them,
  // so the steady flow allocates nothing.
  if (events_.empty() && events_.capacity() > 2) events_.release();
  return e;
}

std::optional<SelectedPair> Agent::selected_pair() const {
  if (selected_) {
    const auto& p = pairs_[*selected_];
    const auto& l = locals_[p.local];
    const auto& r = remotes_[p.remote];
    return SelectedPair{l.base, r.candidate.address, l.candidate.type, r.candidate.type, l.relay_id};
  }
  if (previous_) return SelectedPair{previous_->local, previous_->remote, CandidateType::host, CandidateType::host,
                                     previous_->relay_id};
  return std::nullopt;
}

// --- commands --------------------------------------------------------------

Result<void> Agent::restart(Instant now, std::string_view ufrag, std::string_view pwd) {
  now = clock_.update(now);
  if (closed_) return make_error(Errc::closed, "ice: agent closed");
  if (selected_) {
    // The pre-restart credentials and the selected pair move into previous_
    // (an unanswered previous_ from an earlier restart is replaced).
    PreviousGeneration& prev = previous_.emplace();
    const auto& p = pairs_[*selected_];
    const auto& l = locals_[p.local];
    prev.local_ufrag = local_ufrag_;  // copied: `ufrag`/`pwd` may view them
    prev.local_pwd = local_pwd_;
    prev.remote_ufrag.swap(remote_ufrag_);
    prev.remote_pwd.swap(remote_pwd_);
    prev.local = l.base;
    prev.remote = remotes_[p.remote].candidate.address;
    prev.relay_id = l.relay_id;
    prev.last_response = p.last_response;
    prev.missed = consent_missed_;
  }
  set_local_credentials(ufrag, pwd);
  remote_ufrag_.clear();
  remote_pwd_.clear();
  ++generation_;
  pairs_.clear();
  remotes_.clear();
  triggered_.clear();
  pending_mdns_.clear();
  selected_.reset();
  have_valid_ = false;
  nominating_ = false;
  remote_end_of_candidates_ = false;
  consent_missed_ = 0;
  // Keep host and relay candidates (new ufrag), regather srflx.
  size_t kept = 0;
  for (size_t i = 0; i < locals_.size(); ++i) {
    auto& l = locals_[i];
    if (l.candidate.type != CandidateType::host && l.candidate.type != CandidateType::relay) continue;
    l.candidate.ufrag = local_ufrag_;
    l.candidate.generation = generation_;
    if (kept != i) replace(locals_[kept], std::move(l));
    ++kept;
  }
  while (locals_.size() > kept) locals_.pop_back();
  server_txns_.clear();
  gathering_state_ = GatheringState::new_;
  set_gathering_state(GatheringState::gathering);
  for (size_t i = 0; i < locals_.size(); ++i) {
    const auto& l = locals_[i];
    if (l.pairable) emit(Event::Kind::local_candidate, &l.candidate);
    if (l.candidate.type == CandidateType::host) start_server_transactions(now, i);
  }
  maybe_finish_gathering();
  consent_lost_ = false;
  ever_checking_ = true;  // the PAC timer restarts with the new generation
  checks_started_at_ = now;
  if (!previous_ && connection_state_ != ConnectionState::new_ && connection_state_ != ConnectionState::closed)
    set_connection_state(ConnectionState::checking);
  schedule_checks(now);
  return ok_result();
}

Result<void> Agent::add_stun_server(const StunServer& server) {
  if (closed_) return make_error(Errc::closed, "ice: agent closed");
  if (stun_servers_.size() >= 8) return make_error(Errc::limit_exceeded, "ice: more than 8 STUN servers");
  stun_servers_.push_back(server);
  return ok_result();
}

void Agent::close(Instant now) {
  clock_.update(now);
  if (closed_) return;
  closed_ = true;
  pairs_.clear();
  triggered_.clear();
  selected_.reset();
  previous_.reset();
  server_txns_.clear();
  transmits_.clear();
  set_connection_state(ConnectionState::closed);
}

size_t Agent::memory_usage() const {
  size_t n = sizeof(*this);
  auto str = [](const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; };
  auto cand = [&](const Candidate& c) {
    size_t m = str(c.foundation) + str(c.hostname) + str(c.ufrag) + str(c.related_hostname);
    m += c.extensions.capacity() * sizeof(CandidateExtension);
    for (const auto& e : c.extensions) m += str(e.name) + str(e.value);
    return m;
  };
  n += locals_.capacity() * sizeof(LocalCandidateEntry);
  for (const auto& l : locals_) n += cand(l.candidate);
  n += remotes_.capacity() * sizeof(RemoteCandidateEntry);
  for (const auto& r : remotes_) n += cand(r.candidate);
  n += pairs_.capacity() * sizeof(CandidatePair);
  n += server_txns_.capacity() * sizeof(ServerTransaction);
  n += triggered_.capacity() * sizeof(uint16_t);
  n += pending_mdns_.capacity() * sizeof(RemoteCandidateEntry);
  n += transmits_.capacity() * sizeof(PendingTransmit);  // slots grow on demand
  n += events_.capacity() * sizeof(Event);
  n += str(local_ufrag_) + str(local_pwd_) + str(remote_ufrag_) + str(remote_pwd_);
  return n;
}

bool Agent::is_consistent() const {
  if (pairs_.size() > config_.max_pairs) return false;
  if (prflx_count(true) > config_.max_prflx || prflx_count(false) > config_.max_prflx) return false;
  if (remotes_.size() > config_.max_remote_candidates + config_.max_prflx) return false;
  if (locals_.size() > config_.max_local_candidates + config_.max_prflx) return false;
  for (const auto& p : pairs_)
    if (p.local >= locals_.size() || p.remote >= remotes_.size()) return false;
  for (auto t : triggered_)
    if (t >= pairs_.size() || !pairs_[t].triggered) return false;
  if (selected_ && *selected_ >= pairs_.size()) return false;
  if (pending_mdns_.size() > config_.max_pending_mdns) return false;
  return true;
}

}  // namespace sansrtc::ice
