// pc/signaling_state_machine.h — the JSEP signaling state machine.
//
// RFC 8829 §3.2 (the state diagram) and §4.1.x, webrtc-pc §4.4.1.5–6 ("set
// the session description"). Only the state; what a description means is
// handled by pc/jsep.h. Transitions:
//
//   state                 local offer   local pranswer  local answer  remote offer  remote pranswer  remote answer
//   stable                have-local-o  -               -             have-remote-o -                -
//   have-local-offer      have-local-o  -               -             -             have-remote-pr   stable
//   have-remote-offer     -             have-local-pr   stable        have-remote-o -                -
//   have-local-pranswer   -             have-local-pr   stable        -             -                -
//   have-remote-pranswer  -             -               -             -             have-remote-pr   stable
//
// rollback (set_local or set_remote): have-local-offer or have-remote-offer
// → stable. webrtc-pc §4.4.1.5: "If description.type is "rollback" and
// [[SignalingState]] is "stable", "have-local-pranswer", or
// "have-remote-pranswer", reject with InvalidStateError". Rolling back from
// either side is allowed (W3C and RFC 8829 §5.7 both define rollback as
// "return to stable, discarding the pending offer", whichever side set it).
//
// A remote offer in have-local-offer (glare) is illegal HERE; webrtc-pc's
// implicit rollback (perfect negotiation) is done by pc::Jsep, which rolls
// back first and then applies the offer.
//
// Every illegal call returns Errc::invalid_state with a message naming the
// operation and the state, e.g. "set_remote_description(answer) in
// have_remote_offer". After close() every call fails ("… in closed").
#pragma once

#include <sansrtc/peer_connection_types.h>
#include <sansrtc/result.h>

#include <cstdint>
#include <optional>

namespace sansrtc::pc {

enum class DescriptionSide : uint8_t { local, remote };

class SignalingStateMachine {
 public:
  SignalingState state() const { return state_; }
  bool is_stable() const { return state_ == SignalingState::stable; }

  // The state applying (side, type) would lead to, or the invalid_state error
  // (with its static message). Does not change anything.
  Result<SignalingState> next(DescriptionSide side, SdpType type) const;

  // Applies (side, type). On success the state changes and, when it differs
  // from the old one, a signalingstatechange is recorded for poll_event().
  Result<void> apply(DescriptionSide side, SdpType type);

  // Moves to `closed` (webrtc-pc §4.4.1.3 close: signalingState becomes
  // "closed" without firing signalingstatechange).
  void close() { state_ = SignalingState::closed; pending_events_ = 0; }

  // signalingstatechange events in order: each returns the state the change
  // led to. At most kMaxPendingEvents are kept (the oldest are dropped; the
  // caller drains after every call).
  std::optional<SignalingState> poll_event();

  static constexpr int kMaxPendingEvents = 4;

  // The static message for an illegal (side, type) in `state`.
  static const char* illegal_message(DescriptionSide side, SdpType type, SignalingState state);

 private:
  SignalingState state_ = SignalingState::stable;
  SignalingState events_[kMaxPendingEvents] = {};
  int pending_events_ = 0;
};

}  // namespace sansrtc::pc
