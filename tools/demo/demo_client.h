// demo/demo_client.h — the client half of sansrtc-demo (--whip URL): the
// offerer against a WHIP endpoint, which checks that every message comes
// back.
//
// Steps: create the connection and its channels (reliable ordered, reliable
// unordered, maxRetransmits=0 unordered, maxPacketLifeTime=500 ms ordered;
// with `negotiated` also negotiated channels 100 and 102, which the demo
// server creates in every session), create_offer, wait for ICE gathering
// (the offer carries every candidate, so servers without trickle work), POST
// it (RFC 9725), apply the 201's answer. On each channel's open, send
// the test messages (echo_check.h) and check the echoes byte for byte.
// Then a bulk phase on the reliable ordered channel (count × bytes, at most
// `window` bytes unechoed at a time) measures throughput; then "__close__" on the
// reliable unordered channel must make the server close it (a close started
// by the remote side); then DELETE the session.
//
// Pass = every reliable channel echoed everything exactly, the bulk phase
// completed, the remote close arrived, DELETE answered 2xx, all within the
// timeout. Partial-reliability channels are counted, not required (loss is
// their right, although loopback normally loses nothing).
#pragma once

#include "echo_check.h"
#include "http_parser.h"
#include "net/peer_connection_host.h"

#include <sansrtc/peer_connection.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sansrtc::demo {

struct DemoClientConfig {
  Configuration configuration;
  PeerConnectionOptions options;
  HttpUrl url;
  bool negotiated = false;
  std::chrono::milliseconds timeout{30000};
  std::chrono::milliseconds gather_timeout{3000};
  std::chrono::milliseconds partial_grace{2000};  // wait for partial channels after the reliable ones
  uint32_t count = 64;
  uint32_t bytes = 65536;
  uint32_t window = 1024 * 1024;  // bulk bytes sent and not yet echoed, at most
  bool quiet = false;
};

struct DemoClientResult {
  bool passed = false;
  std::vector<std::string> failures;
  std::optional<double> setup_ms;        // create_offer → first channel open
  std::optional<double> bulk_mbps;       // MB/s (10^6 bytes) of echoed payload
  uint64_t messages_sent = 0, messages_echoed = 0, bytes_sent = 0, bytes_echoed = 0;
};

class DemoClient {
 public:
  DemoClient(net::PeerConnectionHost& host, DemoClientConfig config, std::FILE* out);
  ~DemoClient();
  DemoClient(const DemoClient&) = delete;
  DemoClient& operator=(const DemoClient&) = delete;

  // Starts the run on the host's loop; run the loop until done().
  void start();
  bool done() const { return done_; }
  const DemoClientResult& result() const { return result_; }
  // Prints the summary on `out` (and the result line).
  void print_summary() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  bool done_ = false;
  DemoClientResult result_;
};

}  // namespace sansrtc::demo
