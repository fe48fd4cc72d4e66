// pc/negotiation_needed.h — the W3C negotiation-needed flag and its event.
//
// webrtc-pc §4.7.3 "update the negotiation-needed flag" and the end of
// §4.4.1.6 "set the session description". The rules this enforces:
//   - the event fires only in `stable` and never after close;
//   - it fires once per needed negotiation: while the flag is already set,
//     new reasons do not fire again;
//   - a change made while not stable is deferred: the update aborts, and the
//     flag is re-checked when a description returns the connection to stable;
//   - a completed negotiation clears the flag (the re-check finds nothing
//     needed), and if something is still needed after it (the flag was true
//     before and after the re-check), the event fires again.
// "Check if negotiation is needed" itself (which transceivers, data
// channels, ICE restarts still need an offer) is computed by pc::Jsep and
// passed in as `is_needed`.
//
// Left out: webrtc-pc's operations chain ([[Operations]] non-empty defers the
// update): sansrtc's calls complete synchronously, so the chain is always
// empty when an update runs.
#pragma once

namespace sansrtc::pc {

class NegotiationNeeded {
 public:
  // webrtc-pc §4.7.3 steps 2–8. Call after anything that may change whether
  // negotiation is needed (a transceiver added, a direction changed, a data
  // channel created, restart_ice()).
  void update(bool is_closed, bool is_stable, bool is_needed);

  // webrtc-pc §4.4.1.6: after a set_*_description that leaves the connection
  // in stable: "update the negotiation-needed flag. If [[NegotiationNeeded]]
  // was true both before and after this update, queue a task" that fires
  // the event.
  void after_description_to_stable(bool is_closed, bool is_needed);

  // Returns true when negotiationneeded should be fired now. The queued
  // task's checks run here, at dequeue: nothing fires when closed, not
  // stable, or the flag has been cleared meanwhile.
  bool poll_event(bool is_closed, bool is_stable);

  bool flag() const { return needed_; }

 private:
  bool needed_ = false;        // [[NegotiationNeeded]]
  bool event_queued_ = false;  // a "fire negotiationneeded" task is queued
};

}  // namespace sansrtc::pc
