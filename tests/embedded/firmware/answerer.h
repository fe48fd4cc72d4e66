// tests/embedded/firmware/answerer.h — a data-channel answerer as a device
// runs it: the public PeerConnection API only, one connection, every message
// that arrives on any channel sent back on that channel.
//
// The firmware's self-test drives it against a PeerConnection offerer
// through an in-memory link (answerer_test.cc); answerer_main.cc links it
// alone into the image whose size the README's table reports as "a
// data-channel answerer after --gc-sections".
#pragma once

#include <sansrtc/peer_connection.h>
#include <sansrtc/rng.h>

#include <memory>
#include <string_view>

namespace sansrtc::embedded {

class EchoAnswerer {
 public:
  // Makes the connection (default options: the limits a server would use,
  // grown on demand), sets `offer` as the remote description and answers it.
  // `local` is the device's one UDP socket.
  Result<void> start(Instant now, Rng& rng, const SocketAddress& local, std::string_view offer);
  // The answer (SDP with the host candidate), once start() succeeded.
  std::string_view answer() const { return answer_; }

  // A candidate the offerer trickles ("" = end-of-candidates), for mid "0".
  Result<void> add_ice_candidate(Instant now, std::string_view candidate);
  void handle_datagram(Instant now, const Datagram& d) { pc_->handle_datagram(now, d); }
  void close(Instant now) { pc_->close(now); }
  void handle_timeout(Instant now) { pc_->handle_timeout(now); }
  std::optional<Instant> poll_timeout() const { return pc_->poll_timeout(); }
  std::optional<Transmit> poll_transmit(MutBytes buf) { return pc_->poll_transmit(buf); }
  // Handles the connection's events: echoes messages, tracks state.
  void service(Instant now);

  PeerConnectionState state() const { return state_; }
  size_t echoed_messages() const { return echoed_messages_; }
  size_t echoed_bytes() const { return echoed_bytes_; }
  size_t send_failures() const { return send_failures_; }
  size_t memory_usage() const { return pc_ ? pc_->memory_usage() : 0; }

 private:
  std::unique_ptr<PeerConnection> pc_;
  std::string answer_;
  PeerConnectionState state_ = PeerConnectionState::new_;
  size_t echoed_messages_ = 0, echoed_bytes_ = 0, send_failures_ = 0;
};

}  // namespace sansrtc::embedded
