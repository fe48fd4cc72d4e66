#include "pc/signaling_state_machine.h"

#include <cstddef>

namespace sansrtc::pc {
namespace {

using S = SignalingState;

// RFC 8829 §3.2's table (in the header) as bits: kLegal[side][type] has bit
// `state` set where (side, type) is legal in that state (the orders follow
// the enums; closed is never legal).
constexpr uint8_t bit(S s) { return uint8_t(1u << static_cast<int>(s)); }
constexpr uint8_t kLegal[2][4] = {
    {
        bit(S::stable) | bit(S::have_local_offer),               // local offer
        bit(S::have_remote_offer) | bit(S::have_local_pranswer),  // local pranswer
        bit(S::have_remote_offer) | bit(S::have_local_pranswer),  // local answer
        bit(S::have_local_offer) | bit(S::have_remote_offer),     // local rollback
    },
    {
        bit(S::stable) | bit(S::have_remote_offer),                // remote offer
        bit(S::have_local_offer) | bit(S::have_remote_pranswer),  // remote pranswer
        bit(S::have_local_offer) | bit(S::have_remote_pranswer),  // remote answer
        bit(S::have_local_offer) | bit(S::have_remote_offer),     // remote rollback
    },
};

// The invalid_state messages, "set_<side>_description(<type>) in <state>",
// one per illegal (side, type, state) in table order, packed into one
// NUL-separated blob at compile time: the texts stay static C strings
// without a table of 48 pointers beside them.
constexpr const char* kSideName[2] = {"set_local_description(", "set_remote_description("};
constexpr const char* kTypeName[4] = {"offer", "pranswer", "answer", "rollback"};
constexpr const char* kStateName[6] = {"stable",           "have_local_offer",     "have_remote_offer",
                                       "have_local_pranswer", "have_remote_pranswer", "closed"};

template <size_t N>
struct Blob {
  char text[N] = {};
};

// Writes the blob into `out` (when not null) and returns its size.
constexpr size_t write_messages(char* out) {
  size_t n = 0;
  auto put = [&](const char* s) {
    for (; *s; ++s, ++n) {
      if (out) out[n] = *s;
    }
  };
  for (int side = 0; side < 2; ++side) {
    for (int type = 0; type < 4; ++type) {
      for (int state = 0; state < 6; ++state) {
        if (kLegal[side][type] & (1u << state)) continue;
        put(kSideName[side]);
        put(kTypeName[type]);
        put(") in ");
        put(kStateName[state]);
        if (out) out[n] = '\0';
        ++n;
      }
    }
  }
  return n;
}

constexpr auto make_messages() {
  Blob<write_messages(nullptr)> b;
  write_messages(b.text);
  return b;
}
constexpr auto kMessages = make_messages();

// The index of each (side, type) row's first message in the blob.
struct RowStarts {
  uint8_t first[8] = {};
};
constexpr RowStarts make_row_starts() {
  RowStarts r;
  int k = 0;
  for (int row = 0; row < 8; ++row) {
    r.first[row] = uint8_t(k);
    for (int state = 0; state < 6; ++state) {
      if (!(kLegal[row / 4][row % 4] & (1u << state))) ++k;
    }
  }
  return r;
}
constexpr RowStarts kRowStarts = make_row_starts();

bool legal(int side, int type, int state) { return kLegal[side][type] & (1u << state); }

// The static message for an illegal (side, type, state). Pure: a build with
// terse errors drops the call and the texts with it.
[[gnu::pure]] const char* message(int side, int type, int state) {
  // The k-th message: the row's first plus the illegal states before `state`.
  int k = kRowStarts.first[side * 4 + type];
  for (int st = 0; st < state; ++st) {
    if (!legal(side, type, st)) ++k;
  }
  const char* m = kMessages.text;
  while (k--) {
    while (*m++) {
    }
  }
  return m;
}

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
  const int s = side_index(side), t = static_cast<int>(type), st = static_cast<int>(state);
  return legal(s, t, st) ? "signaling transition is legal" : message(s, t, st);
}

Result<SignalingState> SignalingStateMachine::next(DescriptionSide side, SdpType type) const {
  const int s = side_index(side), t = static_cast<int>(type);
  const int st = static_cast<int>(state_);
  if (!legal(s, t, st)) return make_error(Errc::invalid_state, message(s, t, st));
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
