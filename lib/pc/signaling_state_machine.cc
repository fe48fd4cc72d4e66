#include "pc/signaling_state_machine.h"

namespace sansrtc::pc {
namespace {

using S = SignalingState;

// [side][type][state] → the invalid_state message, or nullptr where the
// transition is legal (the 16 of RFC 8829 §3.2's table in the header); the
// orders follow the enums. One table answers both "is it legal" and "what
// does the error say".
constexpr const char* kIllegal[2][4][6] = {
    {
        // local offer
        {
            nullptr,  // stable: legal
            nullptr,  // have_local_offer: legal
            "set_local_description(offer) in have_remote_offer",
            "set_local_description(offer) in have_local_pranswer",
            "set_local_description(offer) in have_remote_pranswer",
            "set_local_description(offer) in closed",
        },
        // local pranswer
        {
            "set_local_description(pranswer) in stable",
            "set_local_description(pranswer) in have_local_offer",
            nullptr,  // have_remote_offer: legal
            nullptr,  // have_local_pranswer: legal
            "set_local_description(pranswer) in have_remote_pranswer",
            "set_local_description(pranswer) in closed",
        },
        // local answer
        {
            "set_local_description(answer) in stable",
            "set_local_description(answer) in have_local_offer",
            nullptr,  // have_remote_offer: legal
            nullptr,  // have_local_pranswer: legal
            "set_local_description(answer) in have_remote_pranswer",
            "set_local_description(answer) in closed",
        },
        // local rollback
        {
            "set_local_description(rollback) in stable",
            nullptr,  // have_local_offer: legal
            nullptr,  // have_remote_offer: legal
            "set_local_description(rollback) in have_local_pranswer",
            "set_local_description(rollback) in have_remote_pranswer",
            "set_local_description(rollback) in closed",
        },
    },
    {
        // remote offer
        {
            nullptr,  // stable: legal
            "set_remote_description(offer) in have_local_offer",
            nullptr,  // have_remote_offer: legal
            "set_remote_description(offer) in have_local_pranswer",
            "set_remote_description(offer) in have_remote_pranswer",
            "set_remote_description(offer) in closed",
        },
        // remote pranswer
        {
            "set_remote_description(pranswer) in stable",
            nullptr,  // have_local_offer: legal
            "set_remote_description(pranswer) in have_remote_offer",
            "set_remote_description(pranswer) in have_local_pranswer",
            nullptr,  // have_remote_pranswer: legal
            "set_remote_description(pranswer) in closed",
        },
        // remote answer
        {
            "set_remote_description(answer) in stable",
            nullptr,  // have_local_offer: legal
            "set_remote_description(answer) in have_remote_offer",
            "set_remote_description(answer) in have_local_pranswer",
            nullptr,  // have_remote_pranswer: legal
            "set_remote_description(answer) in closed",
        },
        // remote rollback
        {
            "set_remote_description(rollback) in stable",
            nullptr,  // have_local_offer: legal
            nullptr,  // have_remote_offer: legal
            "set_remote_description(rollback) in have_local_pranswer",
            "set_remote_description(rollback) in have_remote_pranswer",
            "set_remote_description(rollback) in closed",
        },
    },
};

// The state a legal (side, type) leads to: it does not depend on the state
// it starts from.
constexpr S kNext[2][4] = {
    {S::have_local_offer, S::have_local_pranswer, S::stable, S::stable},
    {S::have_remote_offer, S::have_remote_pranswer, S::stable, S::stable},
};

int side_index(DescriptionSide side) { return side == DescriptionSide::local ? 0 : 1; }

}  // namespace

const char* SignalingStateMachine::illegal_message(DescriptionSide side, SdpType type,
                                                   SignalingState state) {
  const char* m = kIllegal[side_index(side)][static_cast<int>(type)][static_cast<int>(state)];
  return m ? m : "signaling transition is legal";
}

Result<SignalingState> SignalingStateMachine::next(DescriptionSide side, SdpType type) const {
  const int s = side_index(side), t = static_cast<int>(type);
  if (const char* m = kIllegal[s][t][static_cast<int>(state_)]) return make_error(Errc::invalid_state, m);
  return kNext[s][t];
}

Result<void> SignalingStateMachine::apply(DescriptionSide side, SdpType type) {
  auto n = next(side, type);
  if (!n.ok()) return n.error();
  if (*n != state_) {
    state_ = *n;
    if (pending_events_ == kMaxPendingEvents) {
      for (int i = 1; i < kMaxPendingEvents; ++i) events_[i - 1] = events_[i];
      --pending_events_;
    }
    events_[pending_events_++] = state_;
  }
  return ok_result();
}

std::optional<SignalingState> SignalingStateMachine::poll_event() {
  if (pending_events_ == 0) return std::nullopt;
  SignalingState out = events_[0];
  for (int i = 1; i < pending_events_; ++i) events_[i - 1] = events_[i];
  --pending_events_;
  return out;
}

}  // namespace sansrtc::pc
