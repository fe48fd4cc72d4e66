// tools/examples/udp_loop.cc — the sans-IO PeerConnection driven by a plain,
// hand-written UDP loop: no Asio, no threads, no callbacks.
//
// This is what an embedded user (lwIP, Zephyr, a custom radio) writes. The
// PeerConnection never touches a socket or a clock; the program owns both:
//
//   * one POSIX UDP socket per connection, bound to 127.0.0.1 (port 0);
//   * one poll() loop that waits for a datagram or for the earliest
//     deadline any connection asked for (poll_timeout());
//   * a monotonic clock, read once per wake-up and handed to every call as
//     `Instant now`.
//
// Two connections live in this one process, "alice" and "bob". Signalling
// (offer, answer and trickled ICE candidates) is a function call from one to
// the other here; in a real program it is whatever channel you have
// (WebSocket, MQTT, a QR code). Alice opens a data channel "echo", sends a few
// messages, Bob echoes each one back, Alice checks them, closes the channel,
// and both connections close.
//
// Exit status: 0 when every echo came back intact and the channel closed on
// both sides; 1 on any error or when it takes longer than 10 s.
//
// Only the public headers are used (<sansrtc/...>), plus POSIX.
#include <sansrtc/peer_connection.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

using namespace sansrtc;

namespace {

constexpr int kMessages = 5;
constexpr auto kWallClockLimit = std::chrono::seconds(10);

// ---- The three things the PeerConnection needs from the platform ----------

// 1. Time. Any monotonic clock will do; the PeerConnection only compares and
//    subtracts Instants. `now` must never go backwards.
Instant monotonic_now() {
  return Instant(std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch()));
}

// 2. Randomness (ICE credentials, DTLS keys, SCTP tags). Plug in your
//    hardware TRNG or DRBG here; on Linux that is getrandom(). It must never
//    return predictable bytes: abort instead.
class SystemRng final : public Rng {
 public:
  void fill(std::span<uint8_t> out) override {
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) std::abort();
      done += size_t(n);
    }
  }
};

// 3. A UDP socket. Conversions between sansrtc's SocketAddress and the BSD
//    sockaddr (IPv4 only: this example binds 127.0.0.1).
sockaddr_in to_sockaddr(const SocketAddress& a) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(a.port());
  sa.sin_addr.s_addr = htonl(a.ip().v4_host_order());
  return sa;
}
SocketAddress from_sockaddr(const sockaddr_in& sa) {
  return SocketAddress(IpAddress::v4(ntohl(sa.sin_addr.s_addr)), ntohs(sa.sin_port));
}

// A non-blocking UDP socket on 127.0.0.1 and a kernel-chosen port.
// Returns the descriptor and fills `bound` with the actual address.
int open_loopback_socket(SocketAddress& bound) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in sa = to_sockaddr(SocketAddress(IpAddress::v4(127, 0, 0, 1), 0));
  socklen_t len = sizeof sa;
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    close(fd);
    return -1;
  }
  bound = from_sockaddr(sa);
  return fd;
}

// ---- One side: a socket, a PeerConnection, and what it does on events -----

struct Peer {
  explicit Peer(const char* n) : name(n) {}

  const char* name;
  int fd = -1;
  SocketAddress address;
  std::unique_ptr<PeerConnection> pc;
  Peer* remote = nullptr;  // the other side, for in-memory signalling

  DataChannelHandle channel = 0;  // alice: the one she made; bob: the one he got
  bool channel_open = false;
  bool channel_closed = false;
  int echoes_checked = 0;  // alice only
  bool error = false;       // something failed: main() gives up

  // Every command returns a Result; print a failed one and remember it.
  template <class T>
  bool ok(const char* what, const Result<T>& r) {
    if (r.ok()) return true;
    std::fprintf(stderr, "[%s] %s failed: %s (%s)\n", name, what, r.error().message, errc_name(r.error().code));
    error = true;
    return false;
  }

  // Sends every datagram the connection has queued. The PeerConnection
  // writes each one into our buffer; we only copy it to the socket.
  void flush_transmits() {
    std::array<uint8_t, 1500> buf;  // "give at least 1500 bytes"
    while (auto t = pc->poll_transmit(buf)) {
      // t->source is always our one socket's address here; with several
      // sockets (one per interface), pick the socket bound to t->source.
      sockaddr_in to = to_sockaddr(t->destination);
      // UDP may drop: a full socket buffer is just a lost packet, which the
      // protocols above recover from. So the result is not checked.
      (void)sendto(fd, buf.data(), t->size, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    }
  }

  // Feeds every datagram waiting on the socket into the connection.
  void read_socket(Instant now) {
    std::array<uint8_t, 65536> buf;
    for (;;) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n = recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) return;  // EAGAIN: drained (other errors: nothing to read either)
      // The payload span is only valid during the call: the connection copies
      // what it keeps.
      pc->handle_datagram(now, Datagram{from_sockaddr(from), address, Bytes(buf.data(), size_t(n))});
    }
  }

  // Runs every event the connection has queued. Returns true if there was one.
  bool handle_events(Instant now) {
    bool any = false;
    while (auto e = pc->poll_event()) {
      any = true;
      on_event(now, *e);
    }
    return any;
  }

  void on_event(Instant now, PeerConnectionEvent& e) {
    using Type = PeerConnectionEvent::Type;
    switch (e.type) {
      case Type::negotiation_needed:
        // W3C style: negotiate when the connection says so (here: after
        // alice's create_data_channel).
        negotiate(now);
        break;

      case Type::ice_candidate:
        // Trickle ICE: hand the candidate to the peer. Before the peer has our
        // description there is nothing to add it to, but then it is not lost:
        // local_description(), which negotiate() sends, includes every
        // candidate gathered so far. (So the peer may see a candidate twice,
        // in the description and here; a duplicate is accepted and ignored.)
        // A null candidate (gathering done) becomes end-of-candidates.
        if (remote->pc->remote_description()) {
          IceCandidateInit c = e.candidate ? *e.candidate : IceCandidateInit{"", std::nullopt, 0, std::nullopt};
          remote->ok("add_ice_candidate", remote->pc->add_ice_candidate(now, c));
        }
        break;

      case Type::connection_state_change:
        std::printf("[%s] connection %s\n", name, to_string(e.connection_state));
        if (e.connection_state == PeerConnectionState::failed) error = true;
        break;

      case Type::data_channel:  // bob: alice's channel arrived
        channel = e.channel;
        std::printf("[%s] datachannel \"%s\"\n", name, pc->data_channel(e.channel)->label.c_str());
        break;

      case Type::channel_open:
        std::printf("[%s] channel open\n", name);
        channel_open = true;
        if (std::string_view(name) == "alice") {
          for (int i = 0; i < kMessages; ++i) {
            std::string text = "ping " + std::to_string(i);
            ok("send_text", pc->send_text(now, channel, text));
          }
        }
        break;

      case Type::channel_message:
        if (std::string_view(name) == "bob") {
          // Echo it back as it came: text stays text, binary stays binary.
          ok("send", pc->send(now, e.channel, std::move(e.data), e.binary));
        } else {
          std::string text(e.data.begin(), e.data.end());
          std::string expected = "ping " + std::to_string(echoes_checked);
          std::printf("[%s] echo \"%s\"\n", name, text.c_str());
          if (e.binary || text != expected) {
            std::fprintf(stderr, "[%s] expected text \"%s\"\n", name, expected.c_str());
            error = true;
          }
          if (++echoes_checked == kMessages) ok("close_data_channel", pc->close_data_channel(now, channel));
        }
        break;

      case Type::channel_close:
        std::printf("[%s] channel closed\n", name);
        channel_closed = true;
        break;

      case Type::channel_error:
        std::fprintf(stderr, "[%s] channel error: %s\n", name, e.error_text.c_str());
        error = true;
        break;

      default:  // signalling, gathering and ICE state changes: nothing to do
        break;
    }
  }

  // Offer/answer, in memory: we offer, the remote answers. Each side sends
  // local_description(), not what create_offer/create_answer returned: it
  // also carries the candidates gathered since.
  void negotiate(Instant now) {
    auto offer = pc->create_offer(now);
    if (!ok("create_offer", offer) || !ok("set_local_description", pc->set_local_description(now, *offer))) return;
    if (!remote->ok("set_remote_description", remote->pc->set_remote_description(now, *pc->local_description())))
      return;
    auto answer = remote->pc->create_answer(now);
    if (!remote->ok("create_answer", answer) ||
        !remote->ok("set_local_description", remote->pc->set_local_description(now, *answer)))
      return;
    ok("set_remote_description", pc->set_remote_description(now, *remote->pc->local_description()));
  }
};

bool make_peer(Peer& p, Instant now, Rng& rng) {
  p.fd = open_loopback_socket(p.address);
  if (p.fd < 0) {
    std::fprintf(stderr, "[%s] cannot bind a UDP socket on 127.0.0.1: %s\n", p.name, std::strerror(errno));
    return false;
  }
  PeerConnectionOptions options;
  options.allow_loopback = true;  // our only "interface" is 127.0.0.1
  auto pc = PeerConnection::create(now, Configuration{}, rng, options);  // no STUN/TURN servers
  if (!pc.ok()) {
    std::fprintf(stderr, "[%s] PeerConnection::create failed: %s\n", p.name, pc.error().message);
    return false;
  }
  p.pc = std::move(pc.value());
  // Tell the connection about every socket it may use; gathering turns
  // them into host candidates.
  if (!p.ok("add_local_address", p.pc->add_local_address(now, p.address))) return false;
  p.pc->end_of_local_addresses(now);
  std::printf("[%s] UDP socket on %s\n", p.name, p.address.to_string().c_str());
  return true;
}

}  // namespace

int main() {
  SystemRng rng;  // both connections may share one Rng (same thread)
  Instant now = monotonic_now();
  const Instant give_up = now + kWallClockLimit;

  Peer alice("alice"), bob("bob");
  alice.remote = &bob;
  bob.remote = &alice;
  if (!make_peer(alice, now, rng) || !make_peer(bob, now, rng)) return 1;

  // The first channel makes negotiation needed; the negotiation_needed event
  // starts the offer/answer exchange (Peer::negotiate).
  auto channel = alice.pc->create_data_channel(now, "echo");
  if (!channel.ok()) {
    std::fprintf(stderr, "create_data_channel failed: %s\n", channel.error().message);
    return 1;
  }
  alice.channel = channel.value();

  Peer* peers[] = {&alice, &bob};
  for (;;) {
    // After every input or command: drain each connection's events and
    // datagrams until neither has more (an event handler may call into
    // either connection and so create more output).
    for (bool busy = true; busy;) {
      busy = false;
      for (Peer* p : peers) {
        busy |= p->handle_events(now);
        p->flush_transmits();
      }
    }

    if (alice.error || bob.error) return 1;
    if (alice.channel_closed && bob.channel_closed) break;  // success
    if (now >= give_up) {
      std::fprintf(stderr, "timed out after %lld s (echoes: %d of %d)\n",
                   static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(kWallClockLimit).count()),
                   alice.echoes_checked, kMessages);
      return 1;
    }

    // Sleep until a datagram arrives or the earliest deadline, whichever is
    // first. poll() counts in milliseconds: round up, so that we never wake
    // just before a deadline and spin.
    Instant wake = give_up;
    for (Peer* p : peers)
      if (auto t = p->pc->poll_timeout()) wake = std::min(wake, *t);
    auto wait_ms = std::chrono::ceil<std::chrono::milliseconds>(std::max(wake - now, Duration::zero()));
    pollfd fds[] = {{alice.fd, POLLIN, 0}, {bob.fd, POLLIN, 0}};
    if (poll(fds, 2, int(wait_ms.count())) < 0 && errno != EINTR) {
      std::perror("poll");
      return 1;
    }

    now = monotonic_now();
    for (Peer* p : peers) {
      p->read_socket(now);
      // Early or spurious calls are harmless, so no need to check which
      // deadline expired.
      if (auto t = p->pc->poll_timeout(); t && *t <= now) p->pc->handle_timeout(now);
    }
  }

  // close() aborts SCTP and sends DTLS close_notify: flush those last
  // datagrams before closing the sockets.
  for (Peer* p : peers) {
    p->pc->close(now);
    p->flush_transmits();
    close(p->fd);
  }
  std::printf("ok: %d echoes, channel closed on both sides\n", alice.echoes_checked);
  return 0;
}
