// ice/agent.h — a full ICE agent (RFC 8445) as a sans-IO machine, for one
// component over UDP (BUNDLE: one data stream, one checklist).
//
// Implements: host candidates from the interfaces the driver reports,
// server-reflexive gathering through STUN Binding (one
// Binding transaction per interface and server: RFC 8489 §6.2.1
// RTO doubling, Rc transmissions, Rm final wait), peer-reflexive
// candidates from checks (§7.2.5.3.1, §7.3.1.3, bounded by max_prflx),
// relay candidates reported by a TURN client (see "Relay path" below),
// priorities/foundations/pruning (§5.1), checklist formation, pruning and
// the pair limit (§6.1.2), frozen/waiting/in-progress/succeeded/failed
// (§6.1.2.6), Ta pacing and the triggered-check queue (§6.1.4), role
// conflict (§7.2.5.1, §7.3.1.1), the symmetric address check
// (§7.2.5.2.1), regular nomination as controlling agent and acceptance of
// any nomination (regular or aggressive) as controlled (§8.1), keepalives
// (§11), consent freshness (RFC 7675 §5), ICE restart (§9), trickle
// (RFC 8838: remote candidates at any time, end-of-candidates), a remote
// ice-lite peer (§6.1.1: we become controlling), transport policy relay,
// mDNS remote candidates through a resolver event, and the W3C
// RTCIceGatheringState / RTCIceConnectionState as events. "failed" follows
// the W3C definition: gathering complete, no more remote candidates
// (end_of_remote_candidates(), or none for remote_candidate_wait), every
// pair failed, the RFC 8863 PAC timer expired — or consent lost (RFC 7675);
// it is terminal until restart().
//
// Beyond the RFC text (for robustness under loss, as libwebrtc does): while
// the PAC timer runs and every pair has failed, failed pairs are retried
// every failed_pair_retry_interval; a controlled agent with a valid pair
// the peer has not nominated re-checks it every
// unnominated_recheck_interval, so the peer's triggered check (§7.3.1.4)
// gets another chance; a check that times out on an already valid pair
// leaves it valid. Checks use their own retransmission schedule
// (check_rto doubling up to check_rto_max, check_max_transmissions).
//
// Leaves out: more than one component or data stream, ICE-TCP (RFC 6544;
// TCP remote candidates are ignored), acting as ice-lite ourselves,
// nominating more than once per generation, DSCP. The agent never does DNS:
// STUN servers come as socket addresses and mDNS names are resolved by the
// driver (Event::resolve_hostname -> Agent::resolved()).
//
// Relay path: a TURN client (lib/turn, later) calls add_relay_candidate()
// with its relayed address. Transmits whose `source` is a relayed address
// (Agent::relay_for(source) says which allocation) must be sent by that
// TURN client (Send indication / ChannelData) instead of a socket, and
// datagrams the TURN client unwraps are given to handle_datagram() with
// `destination` = the relayed address. The agent never calls the TURN
// client: the parent (pc/) does the routing, so everything stays sans-IO.
#pragma once

#include "ice/candidate.h"
#include "ice/candidate_pair.h"
#include "ice/table.h"
#include "stun/message.h"

#include "base/address.h"
#include "base/ring_buffer.h"
#include "base/secret.h"
#include "base/time.h"
#include <sansrtc/log.h>
#include <sansrtc/result.h>
#include <sansrtc/rng.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sansrtc {
class LogArg;
}

namespace sansrtc::ice {

enum class Role : uint8_t { controlling, controlled };
enum class TransportPolicy : uint8_t { all, relay };

// W3C RTCIceGatheringState.
enum class GatheringState : uint8_t { new_, gathering, complete };
// W3C RTCIceConnectionState.
enum class ConnectionState : uint8_t { new_, checking, connected, completed, failed, disconnected, closed };
const char* gathering_state_name(GatheringState s);
const char* connection_state_name(ConnectionState s);

struct StunServer {
  SocketAddress address;
  std::string url;  // "stun:stun.example.org:3478", echoed in icecandidateerror
};

// The scalar part of Config: what the agent keeps a copy of (a plain
// copy, no strings or vectors to copy and destroy).
struct ConfigTuning {
  Role role = Role::controlling;
  std::optional<uint64_t> tie_breaker;  // random when unset
  Duration ta = std::chrono::milliseconds(50);  // check pacing; clamped to >= 5 ms
  size_t max_local_candidates = 16;
  size_t max_remote_candidates = 64;
  size_t max_pairs = 100;          // RFC 8445 §6.1.2.5
  size_t max_prflx = 8;            // peer-reflexive candidates, local and remote each
  size_t max_pending_mdns = 16;
  TransportPolicy transport_policy = TransportPolicy::all;
  bool allow_loopback = false;     // tests: loopback interfaces become host candidates
  // Connectivity checks: RTO of the first retransmission, doubled each
  // time, capped at check_rto_max; check_max_transmissions in total.
  Duration check_rto = std::chrono::milliseconds(100);
  Duration check_rto_max = std::chrono::milliseconds(1600);
  uint8_t check_max_transmissions = 7;
  // STUN server Binding (RFC 8489 §6.2.1: RTO 500 ms, Rc 7, Rm 16).
  Duration stun_rto = std::chrono::milliseconds(500);
  uint8_t stun_max_transmissions = 7;
  uint8_t stun_rm = 16;
  // The controlling agent nominates the best valid pair once no better
  // pair can still succeed, or this long after the first valid pair.
  Duration nomination_delay = std::chrono::milliseconds(500);
  // Controlled agent with a valid pair the peer has not nominated yet:
  // re-check it this often, so a peer whose own checks all failed (loss)
  // gets a triggered check and another chance (§7.3.1.4).
  Duration unnominated_recheck_interval = std::chrono::seconds(1);
  // All pairs failed but the PAC timer still runs: retry them this often.
  Duration failed_pair_retry_interval = std::chrono::seconds(2);
  // RFC 7675: consent checks every interval ± jitter, consent lost after
  // consent_timeout without a response.
  Duration consent_interval = std::chrono::seconds(5);
  uint8_t consent_jitter_percent = 20;  // ± around consent_interval (at most 50)
  Duration consent_timeout = std::chrono::seconds(30);
  // Consecutive consent checks without any response -> disconnected.
  uint32_t disconnected_after_missed = 2;
  // Binding indications on the selected pair when nothing else was sent
  // for this long (RFC 8445 §11; consent checks usually make it moot).
  Duration keepalive_interval = std::chrono::seconds(15);
  // RFC 8863 §4 Patiently Awaiting Connectivity: never "failed" sooner
  // than this after checks began ("at least 39.5 seconds" by default).
  Duration pac_timeout = std::chrono::milliseconds(39500);
  // Without end_of_remote_candidates(), how long after the last remote
  // candidate the agent assumes no more are coming (and how long a silent
  // peer is still considered active).
  Duration remote_candidate_wait = std::chrono::seconds(5);
  size_t max_queued_transmits = 32;
  size_t max_queued_events = 32;
};

struct Config : ConfigTuning {
  // Local credentials; generated from the Rng when empty (ufrag 8 and pwd
  // 24 ice-chars; RFC 8839 §5.4 asks for at least 4 and 22).
  std::string local_ufrag;
  std::string local_pwd;
  std::vector<StunServer> stun_servers;
};

struct SelectedPair {
  SocketAddress local;   // send from (a base, or a relayed address)
  SocketAddress remote;
  CandidateType local_type = CandidateType::host;
  CandidateType remote_type = CandidateType::host;
  std::optional<uint32_t> relay_id;
};

struct Event {
  enum class Kind : uint8_t {
    gathering_state,      // gathering_state
    connection_state,     // connection_state
    local_candidate,      // candidate (icecandidate)
    end_of_candidates,    // icecandidate with null candidate
    candidate_error,      // error_* fields (icecandidateerror)
    selected_pair,        // selected (selected candidate pair change)
    resolve_hostname,     // hostname: please call resolved()
    role_changed,         // role (after a role conflict)
  };
  // Out of line (agent.cc), like Candidate's: one body for the string and
  // Candidate moves, not one inlined at every caller (lib/pc included).
  Event();
  Event(const Event&);
  Event(Event&&) noexcept;
  Event& operator=(const Event&);
  Event& operator=(Event&&) noexcept;
  ~Event();

  Kind kind = Kind::gathering_state;
  GatheringState gathering_state = GatheringState::new_;
  ConnectionState connection_state = ConnectionState::new_;
  Candidate candidate;
  SelectedPair selected;
  std::string hostname;
  Role role = Role::controlling;
  // icecandidateerror: the local address/port, the server url, the STUN
  // error (300-699) or 701 when the server did not answer.
  SocketAddress error_address;
  std::string error_url;
  uint16_t error_code = 0;
  std::string error_text;
};

// Everything dropped, counted by reason.
struct AgentStats {
  uint64_t requests_received = 0;
  uint64_t responses_received = 0;
  uint64_t checks_sent = 0;
  uint64_t retransmissions = 0;
  uint64_t stun_parse_failed = 0;
  uint64_t dropped_not_binding = 0;
  uint64_t dropped_no_fingerprint = 0;
  uint64_t dropped_bad_username = 0;
  uint64_t dropped_no_integrity = 0;
  uint64_t dropped_bad_integrity = 0;
  uint64_t dropped_unknown_local = 0;      // arrived on an address we have no candidate for
  uint64_t dropped_unknown_transaction = 0;
  uint64_t dropped_asymmetric = 0;         // §7.2.5.2.1 failed (the pair fails too)
  uint64_t dropped_prflx_limit = 0;
  uint64_t dropped_pair_limit = 0;
  uint64_t dropped_no_credentials = 0;     // check arrived before set_remote_credentials
  uint64_t dropped_role_conflict = 0;      // we answered 487
  uint64_t dropped_remote_candidate = 0;   // bad/limit/wrong ufrag/tcp/family
  uint64_t dropped_transmit_queue_full = 0;
  uint64_t dropped_event_queue_full = 0;
  uint64_t dropped_closed = 0;
  uint64_t mdns_unresolved = 0;
  uint64_t role_conflicts = 0;
  uint64_t consent_requests_sent = 0;
};

namespace detail {
// One log line of module "ice" with one or two arguments (out of line: one
// formatting call instead of one per site).
void log_line(LogLevel level, std::string_view fmt, const LogArg* args, size_t n = 1);
// ++counter, out of line: a 64-bit increment is four instructions inline.
void bump(uint64_t& counter);

// What the agent keeps of the pre-restart generation during an ICE restart
// (outside Agent so that std::optional<> sees a complete type).
struct PreviousGeneration {     // kept during an ICE restart
  std::string local_ufrag, local_pwd, remote_ufrag, remote_pwd;
  SocketAddress local, remote;
  std::optional<uint32_t> relay_id;
  std::optional<PairTransaction> txn;
  Instant last_response{};
  uint32_t missed = 0;
};
// The agent's scalar state and its tables of public element types, in a
// base that Agent value-initializes: one memset instead of a store per
// member (the values below are all zero but next_relay_id).
struct AgentState {
  // Ordered by use: the members most code touches first, where Thumb's
  // 16-bit loads and stores reach them (byte offsets < 32, words < 128).
  Role role_ = Role::controlling;
  bool closed_ = false;
  bool have_valid_ = false;
  bool nominating_ = false;       // controlling: a USE-CANDIDATE check is out
  GatheringState gathering_state_ = GatheringState::new_;
  ConnectionState connection_state_ = ConnectionState::new_;
  bool consent_lost_ = false;       // the selected pair's consent expired
  bool ever_checking_ = false;
  bool remote_ice_lite_ = false;
  bool local_interfaces_done_ = false;
  bool remote_end_of_candidates_ = false;
  bool retry_armed_ = false;       // last authenticated check from the peer
  std::optional<size_t> selected_;
  // (Table: see table.h; bounded by the Config limits.)
  Table<CandidatePair> pairs_;
  Table<LocalCandidateEntry> locals_;
  Table<RemoteCandidateEntry> remotes_;
  Table<uint16_t> triggered_;  // FIFO of pair indices (§6.1.4.1)
  // FIFO of events, built in place (emit) and moved out once (poll_event);
  // bounded by max_queued_events.
  Table<Event> events_;
  Table<StunServer> stun_servers_;   // Config::stun_servers, then add_stun_server()
  Table<RemoteCandidateEntry> pending_mdns_;  // waiting for resolved()
  uint32_t consent_missed_ = 0;
  Generation generation_ = 0;
  uint32_t next_relay_id_ = 1;
  uint64_t tie_breaker_ = 0;
  Instant last_remote_candidate_at_{};
  Instant last_request_at_{};
  Instant next_recheck_at_{};
  Instant next_retry_at_{};         // failed pairs retried during PAC
  Instant first_valid_at_{};
  Instant checks_started_at_{};     // PAC timer start
  Instant next_check_at_{};         // Ta pacing
  Instant next_consent_at_{};
  Instant selected_last_sent_{};
  AgentStats stats_;
};
}  // namespace detail

class Agent : private detail::AgentState {
 public:
  // `rng` must outlive the agent.
  Agent(Instant now, const Config& config, Rng& rng);

  // --- local side ---------------------------------------------------------
  // Reports a local interface address (port = the bound socket's port).
  // Adds a host candidate (emitted as an event), and starts STUN Binding
  // transactions to the servers of its family. Loopback is ignored unless
  // allow_loopback. Errors: invalid_argument (unspecified address, port 0),
  // limit_exceeded, closed.
  [[nodiscard]] Result<void> add_local_interface(Instant now, const SocketAddress& host);
  // All interfaces reported: gathering completes once STUN transactions end.
  void end_of_local_interfaces(Instant now);
  // A TURN allocation succeeded: adds a relay candidate (relayed address,
  // mapped address as raddr, server for the foundation). Returns its id.
  [[nodiscard]] Result<uint32_t> add_relay_candidate(Instant now, const SocketAddress& relayed,
                                                     const SocketAddress& mapped,
                                                     const IpAddress& server);
  // A STUN server known only after construction (its hostname resolved
  // late): interfaces added from now on query it too. Errors:
  // limit_exceeded (more than 8 servers), closed.
  [[nodiscard]] Result<void> add_stun_server(const StunServer& server);
  // Which relay a transmit source belongs to (nullopt: a plain socket).
  std::optional<uint32_t> relay_for(const SocketAddress& source) const;

  // --- remote side --------------------------------------------------------
  // Errors: invalid_argument when ufrag/pwd are empty or too long.
  [[nodiscard]] Result<void> set_remote_credentials(Instant now, std::string_view ufrag,
                                                    std::string_view pwd);
  void set_remote_ice_lite(Instant now, bool lite);
  // Trickle: at any time. mDNS candidates wait for resolved(). Errors:
  // unsupported (tcp), invalid_argument (candidate of another generation),
  // limit_exceeded, closed.
  [[nodiscard]] Result<void> add_remote_candidate(Instant now, const Candidate& c);
  void resolved(Instant now, std::string_view hostname, std::optional<IpAddress> ip);
  void end_of_remote_candidates(Instant now);

  // --- network and time ---------------------------------------------------
  // STUN datagrams only (the parent demultiplexes, RFC 7983). Anything
  // else is dropped and counted.
  void handle_datagram(Instant now, const Datagram& d);
  void handle_timeout(Instant now);

  // --- commands -----------------------------------------------------------
  // ICE restart (§9): new local credentials (generated when empty). The
  // selected pair keeps carrying data (and consent) until a pair of the new
  // generation is selected. set_remote_credentials() must follow.
  [[nodiscard]] Result<void> restart(Instant now, std::string_view ufrag = {}, std::string_view pwd = {});
  void close(Instant now);

  // --- outputs ------------------------------------------------------------
  std::optional<Transmit> poll_transmit(MutBytes buf);
  std::optional<Instant> poll_timeout() const;
  std::optional<Event> poll_event();

  // --- inspection ---------------------------------------------------------
  std::optional<SelectedPair> selected_pair() const;
  Role role() const { return role_; }
  GatheringState gathering_state() const { return gathering_state_; }
  ConnectionState connection_state() const { return connection_state_; }
  std::string_view local_ufrag() const { return local_ufrag_; }
  std::string_view local_pwd() const { return local_pwd_; }
  uint64_t tie_breaker() const { return tie_breaker_; }
  const AgentStats& stats() const { return stats_; }
  size_t local_candidate_count() const { return locals_.size(); }
  size_t remote_candidate_count() const { return remotes_.size(); }
  size_t pair_count() const { return pairs_.size(); }
  std::span<const CandidatePair> pairs() const { return pairs_.span(); }
  std::span<const LocalCandidateEntry> local_candidates() const { return locals_.span(); }
  std::span<const RemoteCandidateEntry> remote_candidates() const { return remotes_.span(); }
  // Heap + inline bytes held by the tables (for the memory report).
  size_t memory_usage() const;
  // Invariants (debug/fuzz): tables within limits, indices in range.
  bool is_consistent() const;

 private:
  // A datagram the agent wants sent, serialized only in poll_transmit().
  struct PendingTransmit {
    enum class Kind : uint8_t { check, success_response, role_conflict, keepalive };
    Kind kind = Kind::check;
    SocketAddress source, destination;
    stun::TransactionId tid;
    uint32_t priority = 0;       // check: PRIORITY (§7.1.1)
    bool use_candidate = false;
    bool previous_credentials = false;  // answer with the pre-restart pwd
  };
  // srflx gathering: one Binding transaction per host candidate and
  // server, retransmitted as RFC 8489 §6.2.1 says (RTO doubling, Rc
  // transmissions, then Rm * RTO); the request (a Binding request with
  // FINGERPRINT only) is serialized in poll_transmit() like the checks.
  struct ServerTransaction {
    stun::TransactionId tid;
    Instant deadline{};           // next retransmission, or the final timeout
    Duration rto{};
    uint16_t local = 0;           // host candidate index
    uint16_t server = 0;          // index into stun_servers_
    uint8_t transmissions = 0;    // queued so far
    bool send = false;            // a transmission waits for poll_transmit()
    bool done = false;
  };
  // The ServerTransaction's timer after its transmissions-th transmission at `now`.
  void schedule_server_transaction(ServerTransaction& st, Instant now) const;
  using PreviousGeneration = detail::PreviousGeneration;

  // Takes ufrag/pwd when they are valid ice-chars (4..256 and 22..256),
  // else generates new ones from the Rng.
  void set_local_credentials(std::string_view ufrag, std::string_view pwd);
  // icecandidateerror fields (see Event).
  struct CandidateError {
    SocketAddress local;
    std::string_view url;
    uint16_t code = 0;
    std::string_view text;
  };
  // The one place an Event is built: the state kinds (gathering_state,
  // connection_state, role_changed, end_of_candidates, selected_pair) take
  // their value from the agent; local_candidate and resolve_hostname from
  // `c`, candidate_error from `error`.
  void emit(Event::Kind kind, const Candidate* c = nullptr, const CandidateError* error = nullptr);
  void set_gathering_state(GatheringState s);
  void set_connection_state(ConnectionState s);
  void set_role(Role r);  // recomputes pair priorities, emits role_changed
  // Appends a transmit (built in its queue slot); nullptr (counted) when
  // the queue is full. The caller fills in the remaining fields.
  PendingTransmit* queue_transmit(PendingTransmit::Kind kind, const SocketAddress& source,
                                  const SocketAddress& destination, const stun::TransactionId& tid);
  // A connectivity check (or consent request) to send; `previous`: with the
  // pre-restart credentials.
  void queue_check(const SocketAddress& source, const SocketAddress& destination, const stun::TransactionId& tid,
                   uint32_t priority, bool use_candidate, bool previous);
  // The (re)transmission of pair p's check transaction.
  void queue_pair_check(const CandidatePair& p);
  // A new check transaction: first transmission now, retransmission at check_rto.
  PairTransaction new_transaction(Instant now, bool use_candidate, bool consent);
  // Retransmission timer of a check: idle (not due), expired (all
  // transmissions sent) or resend (counted, the next deadline set).
  enum class TxnStep : uint8_t { idle, expired, resend };
  TxnStep step_transaction(PairTransaction& t, Instant now);
  // Appends a local candidate (foundation, priority, generation and ufrag
  // filled in); the reference is valid until the next insertion.
  LocalCandidateEntry& add_local(CandidateType type, const SocketAddress& base, const SocketAddress& address,
                                 const IpAddress& foundation_ip, const std::optional<IpAddress>& server_ip,
                                 uint32_t priority);
  void trigger(size_t pair_index);  // §6.1.4.1: into the triggered-check queue
  void maybe_finish_gathering();
  void start_server_transactions(Instant now, size_t local);
  void run_server_transactions(Instant now);

  // checklist (agent_checks.cc)
  uint32_t prflx_priority_for(const LocalCandidateEntry& l) const;
  uint64_t compute_pair_priority(const LocalCandidateEntry& l, const RemoteCandidateEntry& r) const;
  bool pairable(const LocalCandidateEntry& l, const RemoteCandidateEntry& r) const;
  int add_pair(size_t local, size_t remote);
  // §6.1.4.2: a pair of p's foundation is Waiting or In-Progress.
  bool foundation_busy(const CandidatePair& p) const;
  void pair_local(size_t local);
  void pair_remote(size_t remote);
  int find_pair(size_t local, size_t remote) const;
  std::string_view pair_foundation_local(const CandidatePair& p) const;
  void recompute_priorities();
  void schedule_checks(Instant now);
  void start_check(Instant now, size_t pair_index, bool use_candidate, bool consent);
  void unfreeze_foundation(const CandidatePair& p);
  void on_check_success(Instant now, size_t pair_index, const SocketAddress& mapped, bool cancelled = false);
  void on_check_failure(Instant now, size_t pair_index);
  void maybe_nominate(Instant now);
  void select_pair(Instant now, size_t pair_index);
  void update_connection_state(Instant now);
  bool checks_pending() const;
  bool checks_active() const;  // remote credentials known, not failed/closed
  bool has_startable_check() const;
  std::optional<size_t> unnominated_valid_pair() const;
  bool all_pairs_failed_in_pac() const;
  Duration check_transaction_time() const;  // all transmissions + final wait
  bool retry_failed_pairs_due(Instant now);  // controlled, waiting for nomination
  bool checks_pending_except_selected() const;
  void run_consent(Instant now);
  Duration consent_delay();

  // receive path (agent.cc)
  void handle_request(Instant now, const Datagram& d, const stun::MessageView& m);
  void handle_response(Instant now, const Datagram& d, const stun::MessageView& m);
  void handle_server_response(Instant now, const Datagram& d, const stun::MessageView& m, ServerTransaction& st);
  // MESSAGE-INTEGRITY with the short-term key of `pwd` (RFC 8489 §9.1);
  // false counts dropped_bad_integrity.
  bool authentic(const stun::MessageView& m, std::string_view pwd);
  int find_local_by_base(const SocketAddress& addr) const;
  int find_remote_by_address(const SocketAddress& addr) const;
  size_t prflx_count(bool local) const;
  Result<size_t> insert_remote(Instant now, const Candidate& c);

  ConfigTuning config_;
  Rng& rng_;
  MonotonicNow clock_;
  std::string local_ufrag_, local_pwd_;
  std::string remote_ufrag_, remote_pwd_;
  Table<ServerTransaction> server_txns_;
  std::optional<PreviousGeneration> previous_;
  // FIFO (front first), bounded by max_queued_transmits; keeps its
  // storage, so the steady flow (consent, keepalives) allocates nothing.
  Table<PendingTransmit> transmits_;
};

}  // namespace sansrtc::ice
