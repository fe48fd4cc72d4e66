// Small endpoints for the simulator's own tests: a recorder that can send on
// command and optionally echo, and a pinger that sends numbered datagrams on
// a fixed schedule from its own timer.
#pragma once

#include "support/sim/simulator.h"

#include <cstring>
#include <deque>
#include <vector>

namespace sansrtc::sim::test {

struct Received {
  Instant at;
  SocketAddress from;
  SocketAddress to;
  std::vector<uint8_t> data;
  uint32_t seq() const { return data.size() >= 4 ? load_be32(data.data()) : 0; }
};

class Recorder : public Endpoint {
 public:
  explicit Recorder(bool echo = false) : echo_(echo) {}

  // Queues one datagram; call Simulator::wake() afterwards.
  void send(SocketAddress to, std::vector<uint8_t> data, SocketAddress from = {}) {
    out_.push_back(Out{from, to, std::move(data)});
  }
  void send_seq(SocketAddress to, uint32_t seq, size_t size = 100, SocketAddress from = {}) {
    std::vector<uint8_t> d(std::max<size_t>(size, 4), 0xab);
    store_be32(d.data(), seq);
    send(to, std::move(d), from);
  }

  void handle_datagram(Instant now, const Datagram& d) override {
    rx.push_back(Received{now, d.source, d.destination,
                          std::vector<uint8_t>(d.payload.begin(), d.payload.end())});
    if (echo_) send(d.source, rx.back().data, d.destination);
  }
  void handle_timeout(Instant) override {}
  std::optional<Transmit> poll_transmit(MutBytes buf) override {
    if (out_.empty()) return std::nullopt;
    Out o = std::move(out_.front());
    out_.pop_front();
    std::memcpy(buf.data(), o.data.data(), o.data.size());
    return Transmit{o.from, o.to, o.data.size()};
  }
  std::optional<Instant> poll_timeout() override { return std::nullopt; }

  std::vector<Received> rx;

 protected:
  struct Out {
    SocketAddress from, to;
    std::vector<uint8_t> data;
  };
  bool echo_;
  std::deque<Out> out_;
};

// Sends `count` datagrams numbered 0.. to `to`, one every `interval`,
// starting at `start`; records everything it receives.
class Pinger : public Recorder {
 public:
  Pinger(SocketAddress to, uint32_t count, Duration interval, Instant start = kTestEpoch,
         size_t size = 100)
      : to_(to), count_(count), interval_(interval), next_(start), size_(size) {}

  void handle_timeout(Instant now) override {
    while (sent_ < count_ && next_ <= now) {
      send_seq(to_, sent_++, size_);
      send_times.push_back(now);
      next_ += interval_;
    }
  }
  std::optional<Instant> poll_timeout() override {
    if (sent_ >= count_) return std::nullopt;
    return next_;
  }

  std::vector<Instant> send_times;

 private:
  SocketAddress to_;
  uint32_t count_;
  Duration interval_;
  Instant next_;
  size_t size_;
  uint32_t sent_ = 0;
};

inline IpAddress ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) { return IpAddress::v4(a, b, c, d); }
inline SocketAddress sa4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  return SocketAddress(IpAddress::v4(a, b, c, d), port);
}

}  // namespace sansrtc::sim::test
