#include "pc/negotiation_needed.h"

namespace sansrtc::pc {

void NegotiationNeeded::update(bool is_closed, bool is_stable, bool is_needed) {
  if (is_closed) return;
  // Step 3: "If connection's signaling state is not "stable", abort these
  // steps." The re-check happens when stable is reached again.
  if (!is_stable) return;
  if (!is_needed) {
    needed_ = false;  // step 5: clear the flag
    return;
  }
  if (needed_) return;  // step 6: already fired for this negotiation
  needed_ = true;
  event_queued_ = true;
}

void NegotiationNeeded::after_description_to_stable(bool is_closed, bool is_needed) {
  bool before = needed_;
  update(is_closed, /*is_stable=*/true, is_needed);
  if (before && needed_ && !is_closed) event_queued_ = true;
}

bool NegotiationNeeded::poll_event(bool is_closed, bool is_stable) {
  if (!event_queued_) return false;
  event_queued_ = false;
  return !is_closed && is_stable && needed_;
}

}  // namespace sansrtc::pc
