// demo/demo_server.h — the server half of sansrtc-demo: routes HTTP requests
// (the page, WHIP, stats) and echoes data channel messages.
//
// WHIP (RFC 9725): POST /whip with an application/sdp offer creates a
// session (a PeerConnection on the shared PeerConnectionHost), answers, waits
// until ICE gathering is complete (at most `gather_timeout`) so the answer
// carries every candidate, and answers 201 Created with Location
// /whip/<session-id> and the SDP answer. PATCH /whip/<id> with an
// application/trickle-ice-sdpfrag body (RFC 8840) adds the remote candidates
// (204; a new ufrag, i.e. an ICE restart, is refused with 422). DELETE
// /whip/<id> closes the session (200). Other methods get 405 with Allow.
// OPTIONS on any path is a CORS preflight (200 with Access-Control-Allow-*).
// GET / is the page, GET /stats a JSON document with every session's states,
// channels and get_stats().
//
// Negotiated channel ids 100 and 102 are taken in every session, so a peer
// must not open in-band channels with those ids (a browser would only after
// 50 channels).
//
// Echo: every message on every channel goes back on that channel with the
// same binary flag. A text message exactly "__close__" closes the channel
// instead (so harnesses can test a close started by the remote side). An echo
// that does not fit the send buffer waits in a per-session backlog (bounded;
// overflow is counted) until bufferedamountlow.
//
// Also: negotiated channels with ids 100 (ordered, reliable) and 102
// (unordered, reliable) exist in every session, for clients that ask for
// negotiated channels (sansrtc-demo --whip --negotiated).
//
// Sessions are removed on DELETE, when the connection fails or closes, and
// when not connected for `stale_after` (a closed tab that sent no DELETE).
// The 201 carries an ETag; a PATCH with a different If-Match gets 412.
//
// Leaves out: ICE restarts through PATCH, Link headers for ICE servers,
// authentication (the WHIP bearer token).
#pragma once

#include "http_server.h"
#include "net/peer_connection_host.h"

#include <sansrtc/peer_connection.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace sansrtc::demo {

struct DemoServerConfig {
  Configuration configuration;
  PeerConnectionOptions options;
  std::chrono::milliseconds gather_timeout{2000};
  size_t max_sessions = 64;
  size_t max_backlog_bytes = 16 * 1024 * 1024;  // per session
  // A session not connected for this long (never connected, disconnected)
  // is removed, as if DELETEd.
  Duration stale_after = std::chrono::seconds(30);
  bool verbose = true;  // one line per session event on `out`
};

inline constexpr uint16_t kNegotiatedReliableId = 100;
inline constexpr uint16_t kNegotiatedUnorderedId = 102;

class DemoServer {
 public:
  DemoServer(net::PeerConnectionHost& host, Rng& rng, DemoServerConfig config, std::FILE* out);
  ~DemoServer();
  DemoServer(const DemoServer&) = delete;
  DemoServer& operator=(const DemoServer&) = delete;

  // The HttpServer's handler.
  void handle(HttpRequest&& request, std::shared_ptr<HttpReply> reply);

  // GET /stats.
  std::string stats_json();
  size_t session_count() const { return sessions_.size(); }

  struct Session;

 private:
  void post_whip(HttpRequest&& request, std::shared_ptr<HttpReply> reply);
  void patch_whip(Session& s, const HttpRequest& request, HttpReply& reply);
  void on_event(const std::string& id, PeerConnectionEvent&& e);
  void answer(Session& s);
  void echo(Session& s, DataChannelHandle channel, std::vector<uint8_t>&& data, bool binary);
  void flush_backlog(Session& s);
  void remove(const std::string& id);
  Session* find(std::string_view id);
  void arm_sweep();
  void sweep();

  net::PeerConnectionHost& host_;
  Rng& rng_;
  DemoServerConfig config_;
  std::FILE* out_;
  std::vector<std::unique_ptr<Session>> sessions_;
  uint64_t sessions_created_ = 0;
  struct Timer;  // an asio::steady_timer (Asio stays out of this header)
  std::unique_ptr<Timer> sweep_timer_;
};

// JSON string literal of `s` (quotes included).
std::string json_string(std::string_view s);

}  // namespace sansrtc::demo
