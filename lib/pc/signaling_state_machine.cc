#include "pc/signaling_state_machine.h"

namespace sansrtc::pc {
namespace {

using S = SignalingState;

#define SANSRTC_SIG_ROW(side, type)                                              \
  {                                                                              \
    "set_" side "_description(" type ") in stable",                              \
        "set_" side "_description(" type ") in have_local_offer",                \
        "set_" side "_description(" type ") in have_remote_offer",               \
        "set_" side "_description(" type ") in have_local_pranswer",             \
        "set_" side "_description(" type ") in have_remote_pranswer",            \
        "set_" side "_description(" type ") in closed"                           \
  }

// [side][type][state]; the orders follow the enums.
constexpr const char* kIllegal[2][4][6] = {
    {SANSRTC_SIG_ROW("local", "offer"), SANSRTC_SIG_ROW("local", "pranswer"),
     SANSRTC_SIG_ROW("local", "answer"), SANSRTC_SIG_ROW("local", "rollback")},
    {SANSRTC_SIG_ROW("remote", "offer"), SANSRTC_SIG_ROW("remote", "pranswer"),
     SANSRTC_SIG_ROW("remote", "answer"), SANSRTC_SIG_ROW("remote", "rollback")},
};
#undef SANSRTC_SIG_ROW

std::optional<S> transition(DescriptionSide side, SdpType type, S s) {
  if (s == S::closed) return std::nullopt;
  if (type == SdpType::rollback) {
    if (s == S::have_local_offer || s == S::have_remote_offer) return S::stable;
    return std::nullopt;
  }
  if (side == DescriptionSide::local) {
    switch (type) {
      case SdpType::offer:
        if (s == S::stable || s == S::have_local_offer) return S::have_local_offer;
        break;
      case SdpType::pranswer:
        if (s == S::have_remote_offer || s == S::have_local_pranswer) return S::have_local_pranswer;
        break;
      case SdpType::answer:
        if (s == S::have_remote_offer || s == S::have_local_pranswer) return S::stable;
        break;
      case SdpType::rollback: break;
    }
  } else {
    switch (type) {
      case SdpType::offer:
        if (s == S::stable || s == S::have_remote_offer) return S::have_remote_offer;
        break;
      case SdpType::pranswer:
        if (s == S::have_local_offer || s == S::have_remote_pranswer) return S::have_remote_pranswer;
        break;
      case SdpType::answer:
        if (s == S::have_local_offer || s == S::have_remote_pranswer) return S::stable;
        break;
      case SdpType::rollback: break;
    }
  }
  return std::nullopt;
}

}  // namespace

const char* SignalingStateMachine::illegal_message(DescriptionSide side, SdpType type,
                                                   SignalingState state) {
  return kIllegal[side == DescriptionSide::local ? 0 : 1][static_cast<int>(type)]
                 [static_cast<int>(state)];
}

Result<SignalingState> SignalingStateMachine::next(DescriptionSide side, SdpType type) const {
  auto n = transition(side, type, state_);
  if (!n) return make_error(Errc::invalid_state, illegal_message(side, type, state_));
  return *n;
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
