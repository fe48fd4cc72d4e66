// tests/embedded/firmware/answerer.cc — see answerer.h.
#include "answerer.h"

#include <utility>

namespace sansrtc::embedded {

Result<void> EchoAnswerer::start(Instant now, Rng& rng, const SocketAddress& local, std::string_view offer) {
  PeerConnectionOptions options;
  options.unix_time_seconds = 1'790'000'000;  // certificate validity; the board has no wall clock
  auto pc = PeerConnection::create(now, Configuration{}, rng, options);
  if (!pc.ok()) return pc.error();
  pc_ = std::move(pc.value());
  SANSRTC_TRY(pc_->add_local_address(now, local));
  pc_->end_of_local_addresses(now);
  SANSRTC_TRY(pc_->set_remote_description(now, SessionDescriptionInit{SdpType::offer, std::string(offer)}));
  SANSRTC_TRY(pc_->set_local_description(now));
  // Host candidates from one known socket: gathering is complete at once and
  // the answer carries the candidate (no trickle needed).
  auto desc = pc_->local_description();
  if (!desc) return make_error(Errc::invalid_state, "no local description after answering");
  answer_ = std::move(desc->sdp);
  return {};
}

Result<void> EchoAnswerer::add_ice_candidate(Instant now, std::string_view candidate) {
  IceCandidateInit init;
  init.candidate = std::string(candidate);
  init.sdp_mid = "0";
  return pc_->add_ice_candidate(now, init);
}

void EchoAnswerer::service(Instant now) {
  while (auto e = pc_->poll_event()) {
    using T = PeerConnectionEvent::Type;
    switch (e->type) {
      case T::connection_state_change: state_ = e->connection_state; break;
      case T::channel_message: {
        // Send a copy (it goes into a pooled buffer) and give the received
        // buffer back: with messages within the pool's limits, echoing
        // allocates nothing once the pool is warm.
        const size_t n = e->data.size();
        const Bytes bytes(e->data.data(), n);
        const auto sent = e->binary ? pc_->send_binary(now, e->channel, bytes)
                                    : pc_->send_text(now, e->channel,
                                                     std::string_view(reinterpret_cast<const char*>(bytes.data()), n));
        pc_->recycle(std::move(e->data));
        if (sent.ok()) {
          ++echoed_messages_;
          echoed_bytes_ += n;
        } else {
          ++send_failures_;
        }
        break;
      }
      default: break;
    }
  }
}

}  // namespace sansrtc::embedded
