// ice/candidate_pair.h — the agent's tables: local and remote candidates,
// candidate pairs and their check state (RFC 8445 §6.1.2.6 pair states).
#pragma once

#include "ice/candidate.h"
#include "stun/message.h"

#include <sansrtc/time.h>

#include <cstdint>
#include <optional>

namespace sansrtc::ice {

// RFC 8445 §6.1.2.6.
enum class PairState : uint8_t { frozen, waiting, in_progress, succeeded, failed };
const char* pair_state_name(PairState s);

// Which credentials a local candidate / transaction belongs to: ICE restart
// bumps the generation; the previous one lives on until a new pair is selected.
using Generation = uint32_t;

struct LocalCandidateEntry {
  Candidate candidate;
  SocketAddress base;                    // where we send from / receive on
  std::optional<uint32_t> relay_id;      // relay candidates: the TURN allocation
  uint16_t interface_index = 0;
  bool pairable = true;                  // srflx are signalled, paired through their base
};

struct RemoteCandidateEntry {
  Candidate candidate;                   // address resolved (mDNS done)
};

// One outstanding STUN transaction on a pair (checks and consent).
struct PairTransaction {
  stun::TransactionId tid;
  Instant next_send{};        // first send or next retransmission
  Duration rto{};
  uint8_t transmissions = 0;  // sent so far
  bool use_candidate = false;
  bool consent = false;       // a consent-freshness request (RFC 7675)
};

struct CandidatePair {
  uint16_t local = 0;         // index into the local table
  uint16_t remote = 0;        // index into the remote table
  uint64_t priority = 0;
  PairState state = PairState::frozen;
  bool valid = false;          // in the valid list (§7.2.5.3.2)
  bool nominated = false;      // §8.1.1
  bool nominate_on_success = false;  // controlled: USE-CANDIDATE arrived before success
  bool triggered = false;      // in the triggered-check queue
  Generation generation = 0;
  std::optional<PairTransaction> txn;
  // §7.3.1.4: an In-Progress check cancelled by a triggered check: no more
  // retransmissions, but its response still counts.
  std::optional<stun::TransactionId> cancelled_tid;
  Instant last_response{};     // consent: last authenticated success response
  Instant last_sent{};
};

}  // namespace sansrtc::ice
