// The JSEP signaling state machine: every (side, type) in every state
// (RFC 8829 §3.2, webrtc-pc §4.4.1.5).
#include "pc/signaling_state_machine.h"

#include <catch2/catch.hpp>

#include <string>
#include <tuple>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::pc;

namespace {
using S = SignalingState;
using T = SdpType;
constexpr DescriptionSide L = DescriptionSide::local;
constexpr DescriptionSide R = DescriptionSide::remote;

// Drives a fresh machine into `target` through legal steps.
SignalingStateMachine at(S target) {
  SignalingStateMachine m;
  auto step = [&](DescriptionSide side, T type) { REQUIRE(m.apply(side, type).ok()); };
  switch (target) {
    case S::stable: break;
    case S::have_local_offer: step(L, T::offer); break;
    case S::have_remote_offer: step(R, T::offer); break;
    case S::have_local_pranswer: step(R, T::offer); step(L, T::pranswer); break;
    case S::have_remote_pranswer: step(L, T::offer); step(R, T::pranswer); break;
    case S::closed: m.close(); break;
  }
  while (m.poll_event()) {
  }
  REQUIRE(m.state() == target);
  return m;
}

const char* side_name(DescriptionSide s) { return s == L ? "local" : "remote"; }
const char* state_name(S s) {
  switch (s) {
    case S::stable: return "stable";
    case S::have_local_offer: return "have_local_offer";
    case S::have_remote_offer: return "have_remote_offer";
    case S::have_local_pranswer: return "have_local_pranswer";
    case S::have_remote_pranswer: return "have_remote_pranswer";
    case S::closed: return "closed";
  }
  return "?";
}
}  // namespace

TEST_CASE("every legal and illegal signaling transition", "[pc][signaling]") {
  // The legal ones, written out from the JSEP diagram; everything else fails.
  const std::vector<std::tuple<S, DescriptionSide, T, S>> legal = {
      {S::stable, L, T::offer, S::have_local_offer},
      {S::stable, R, T::offer, S::have_remote_offer},
      {S::have_local_offer, L, T::offer, S::have_local_offer},
      {S::have_local_offer, R, T::answer, S::stable},
      {S::have_local_offer, R, T::pranswer, S::have_remote_pranswer},
      {S::have_local_offer, L, T::rollback, S::stable},
      {S::have_local_offer, R, T::rollback, S::stable},
      {S::have_remote_offer, R, T::offer, S::have_remote_offer},
      {S::have_remote_offer, L, T::answer, S::stable},
      {S::have_remote_offer, L, T::pranswer, S::have_local_pranswer},
      {S::have_remote_offer, L, T::rollback, S::stable},
      {S::have_remote_offer, R, T::rollback, S::stable},
      {S::have_local_pranswer, L, T::pranswer, S::have_local_pranswer},
      {S::have_local_pranswer, L, T::answer, S::stable},
      {S::have_remote_pranswer, R, T::pranswer, S::have_remote_pranswer},
      {S::have_remote_pranswer, R, T::answer, S::stable},
  };
  const S states[] = {S::stable, S::have_local_offer, S::have_remote_offer, S::have_local_pranswer,
                      S::have_remote_pranswer, S::closed};
  const T types[] = {T::offer, T::pranswer, T::answer, T::rollback};
  int legal_seen = 0, illegal_seen = 0;
  for (S from : states) {
    for (DescriptionSide side : {L, R}) {
      for (T type : types) {
        std::optional<S> expected;
        for (const auto& [f, sd, ty, to] : legal) {
          if (f == from && sd == side && ty == type) expected = to;
        }
        SignalingStateMachine m = at(from);
        auto r = m.apply(side, type);
        INFO("set_" << side_name(side) << "_description(" << to_string(type) << ") in " << to_string(from));
        if (expected) {
          ++legal_seen;
          REQUIRE(r.ok());
          CHECK(m.state() == *expected);
          // signalingstatechange only when the state changed.
          auto ev = m.poll_event();
          if (*expected != from) {
            REQUIRE(ev);
            CHECK(*ev == *expected);
          } else {
            CHECK_FALSE(ev);
          }
        } else {
          ++illegal_seen;
          REQUIRE_FALSE(r.ok());
          CHECK(r.error().code == Errc::invalid_state);
          std::string msg = std::string("set_") + side_name(side) + "_description(" + to_string(type) +
                            ") in " + state_name(from);
          CHECK(std::string(r.error().message) == msg);
          CHECK(m.state() == from);  // nothing changed
          CHECK_FALSE(m.poll_event());
        }
      }
    }
  }
  CHECK(legal_seen == 16);
  CHECK(illegal_seen == 6 * 2 * 4 - 16);
}

TEST_CASE("the brief's example message", "[pc][signaling]") {
  SignalingStateMachine m = at(S::have_remote_offer);
  auto r = m.apply(R, T::answer);
  REQUIRE_FALSE(r.ok());
  CHECK(std::string(r.error().message) == "set_remote_description(answer) in have_remote_offer");
}

TEST_CASE("a full offer/answer round emits have-local-offer then stable", "[pc][signaling]") {
  SignalingStateMachine m;
  REQUIRE(m.apply(L, T::offer).ok());
  REQUIRE(m.apply(R, T::pranswer).ok());
  REQUIRE(m.apply(R, T::pranswer).ok());  // a second pranswer: no event
  REQUIRE(m.apply(R, T::answer).ok());
  CHECK(m.poll_event() == S::have_local_offer);
  CHECK(m.poll_event() == S::have_remote_pranswer);
  CHECK(m.poll_event() == S::stable);
  CHECK_FALSE(m.poll_event());
}

TEST_CASE("close: no event, every call fails", "[pc][signaling]") {
  SignalingStateMachine m = at(S::have_local_offer);
  m.close();
  CHECK(m.state() == S::closed);
  CHECK_FALSE(m.poll_event());
  CHECK_FALSE(m.apply(L, T::rollback).ok());
}
