// The negotiation-needed flag (webrtc-pc §4.7.3, end of §4.4.1.6).
#include "pc/negotiation_needed.h"

#include <catch2/catch.hpp>

using namespace sansrtc::pc;

TEST_CASE("fires once per needed negotiation, only in stable", "[pc][nn]") {
  NegotiationNeeded nn;
  nn.update(false, true, true);  // a data channel is created in stable
  CHECK(nn.flag());
  nn.update(false, true, true);  // another reason before the app reacted
  CHECK(nn.poll_event(false, true));
  CHECK_FALSE(nn.poll_event(false, true));  // once, not twice
  nn.update(false, true, true);  // still needed: no new event
  CHECK_FALSE(nn.poll_event(false, true));
}

TEST_CASE("nothing needed clears the flag", "[pc][nn]") {
  NegotiationNeeded nn;
  nn.update(false, true, true);
  nn.update(false, true, false);  // e.g. the transceiver was removed before negotiating
  CHECK_FALSE(nn.flag());
  CHECK_FALSE(nn.poll_event(false, true));  // the queued task sees the cleared flag
}

TEST_CASE("changes while not stable are deferred to the return to stable", "[pc][nn]") {
  NegotiationNeeded nn;
  nn.update(false, /*stable=*/false, true);  // in have-local-offer: aborted
  CHECK_FALSE(nn.flag());
  CHECK_FALSE(nn.poll_event(false, false));
  // The answer arrives; the re-check finds the change still unnegotiated.
  nn.after_description_to_stable(false, true);
  CHECK(nn.flag());
  CHECK(nn.poll_event(false, true));
}

TEST_CASE("a completed negotiation clears the flag; still-needed fires again", "[pc][nn]") {
  NegotiationNeeded nn;
  nn.update(false, true, true);
  REQUIRE(nn.poll_event(false, true));
  // Negotiation completes and covers everything.
  nn.after_description_to_stable(false, false);
  CHECK_FALSE(nn.flag());
  // Another need arrives, fires; this negotiation does not cover it (e.g. it
  // was added while have-local-offer): true before and after → fires again.
  nn.update(false, true, true);
  REQUIRE(nn.poll_event(false, true));
  nn.after_description_to_stable(false, true);
  CHECK(nn.poll_event(false, true));
}

TEST_CASE("an event queued in stable is dropped if the state left stable", "[pc][nn]") {
  NegotiationNeeded nn;
  nn.update(false, true, true);
  CHECK_FALSE(nn.poll_event(false, /*stable=*/false));  // the app already made an offer
  CHECK_FALSE(nn.poll_event(false, true));
}

TEST_CASE("closed: never fires", "[pc][nn]") {
  NegotiationNeeded nn;
  nn.update(true, true, true);
  CHECK_FALSE(nn.flag());
  nn.update(false, true, true);
  CHECK_FALSE(nn.poll_event(/*closed=*/true, true));
}
