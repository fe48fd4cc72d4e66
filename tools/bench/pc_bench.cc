// PeerConnection over loopback: two sans-IO PeerConnections in one process,
// each on its own POSIX UDP socket on 127.0.0.1, driven by a hand-written
// ppoll() loop (the approach of tools/examples/udp_loop.cc, without Asio).
// Measures, in this order:
//   (c) heap per established connection with one open channel: live
//       operator-new bytes attributed to each connection (every call into a
//       connection is tagged, see Tagged), PeerConnection::memory_usage(),
//       and what else malloc holds (mallinfo2: mbedTLS's calloc);
//   (a) setup time: fresh pairs, from create_data_channel + create_offer to
//       the channel open on both sides; median, p95, p99, max, runs with a
//       stall (no datagram for > 500 ms), CPU time and preemptions per run
//       (the machine may be shared: CPU time is the figure load cannot
//       inflate much, wall time is the one the goal names);
//   (b) one-channel throughput: one reliable ordered channel, 64 KiB binary
//       messages, at most 4 MiB buffered (refilled on bufferedamountlow),
//       MB/s (10^6 bytes) counted at the receiver; once with both
//       connections in one thread, once with one thread per connection (as
//       two hosts would run), with CPU time per MB and allocations.
// Then prints the goals as ratios. A benchmark: it prints, it never
// fails on a time (exit 1 only when something does not work at all).
//
// Usage: sansrtc-bench-pc [--runs N (20)] [--mb N (256)] [--nomination-delay-ms N] [--only abc] [--mmsg]
//        PC_BENCH_TRACE=1 prints every datagram of the setup runs.
#include <sansrtc/peer_connection.h>

#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

// ---- Heap accounting ---------------------------------------------------------
// Every operator-new block carries a 16-byte header with its size and the
// "owner" that was current when it was made; g_owner is set around each call
// into a connection (Endpoint::pc()), so live bytes per connection are exact
// for operator new. Aligned variants stay the runtime's (uncounted).
namespace heap {
constexpr int kOwners = 3;  // 0: the bench itself, 1: A, 2: B
constexpr size_t kHeader = 16;
thread_local int g_owner = 0;
std::atomic<int64_t> g_live[kOwners];
std::atomic<int64_t> g_blocks[kOwners];
std::atomic<int64_t> g_chunks[kOwners];
std::atomic<uint64_t> g_allocations[kOwners];  // operator-new calls since start  // what malloc's arena holds for them (usable size + chunk header)

void* alloc(std::size_t n) noexcept {
  auto* p = static_cast<unsigned char*>(std::malloc(n + kHeader));
  if (!p) return nullptr;
  int owner = g_owner;
  std::memcpy(p, &n, sizeof n);
  std::memcpy(p + sizeof n, &owner, sizeof owner);
  g_live[owner].fetch_add(int64_t(n), std::memory_order_relaxed);
  g_blocks[owner].fetch_add(1, std::memory_order_relaxed);
  g_allocations[owner].fetch_add(1, std::memory_order_relaxed);
  g_chunks[owner].fetch_add(int64_t(malloc_usable_size(p) + sizeof(size_t)), std::memory_order_relaxed);
  return p + kHeader;
}
void release(void* q) noexcept {
  if (!q) return;
  auto* p = static_cast<unsigned char*>(q) - kHeader;
  std::size_t n;
  int owner;
  std::memcpy(&n, p, sizeof n);
  std::memcpy(&owner, p + sizeof n, sizeof owner);
  g_live[owner].fetch_sub(int64_t(n), std::memory_order_relaxed);
  g_blocks[owner].fetch_sub(1, std::memory_order_relaxed);
  g_chunks[owner].fetch_sub(int64_t(malloc_usable_size(p) + sizeof(size_t)), std::memory_order_relaxed);
  std::free(p);
}
}  // namespace heap

void* operator new(std::size_t n) {
  if (void* p = heap::alloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return heap::alloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return heap::alloc(n); }
void operator delete(void* p) noexcept { heap::release(p); }
void operator delete[](void* p) noexcept { heap::release(p); }
void operator delete(void* p, std::size_t) noexcept { heap::release(p); }
void operator delete[](void* p, std::size_t) noexcept { heap::release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { heap::release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { heap::release(p); }

using namespace sansrtc;
using Clock = std::chrono::steady_clock;
using Type = PeerConnectionEvent::Type;

namespace {

constexpr size_t kMessage = 64 * 1024;
constexpr uint64_t kMaxBuffered = 4 * 1024 * 1024;
constexpr uint64_t kLowThreshold = 1024 * 1024;
constexpr int kBatch = 64;  // datagrams read or sent per endpoint per round

Instant now_instant() { return Instant(std::chrono::duration_cast<Duration>(Clock::now().time_since_epoch())); }
double ms(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
// Times the scheduler took the CPU away from us (the machine is shared).
long involuntary_switches() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_nivcsw;
}
double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// UDP receive-buffer drops of the whole host (/proc/net/snmp "Udp:
// ... RcvbufErrors"): loopback loses packets only there.
long long udp_rcvbuf_errors() {
  std::ifstream f("/proc/net/snmp");
  std::string header, values;
  while (std::getline(f, header)) {
    if (header.rfind("Udp:", 0) != 0 || !std::getline(f, values)) continue;
    std::istringstream h(header), v(values);
    std::string name, value;
    while (h >> name && v >> value)
      if (name == "RcvbufErrors") return std::atoll(value.c_str());
  }
  return -1;
}

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

void die(const char* what, const char* detail) {
  std::fprintf(stderr, "pc_bench: %s: %s\n", what, detail);
  std::exit(1);
}
template <class T>
T must(Result<T> r, const char* what) {
  if (!r.ok()) die(what, r.error().message);
  return std::move(r.value());
}
void must(Result<void> r, const char* what) {
  if (!r.ok()) die(what, r.error().message);
}

// Sets heap::g_owner for one full expression: `ep.pc()->call(...)`.
class Tagged {
 public:
  Tagged(PeerConnection* pc, int owner) : pc_(pc), saved_(heap::g_owner) { heap::g_owner = owner; }
  ~Tagged() { heap::g_owner = saved_; }
  PeerConnection* operator->() const { return pc_; }

 private:
  PeerConnection* pc_;
  int saved_;
};

struct Endpoint {
  int owner = 0;
  int fd = -1;
  SocketAddress address;
  std::unique_ptr<PeerConnection> conn;
  Endpoint* remote = nullptr;

  // What happened (filled by the event handler).
  std::optional<Instant> connected_at, open_at, last_rx;
  Duration max_rx_gap{};
  DataChannelHandle channel = 0;
  std::atomic<bool> failed{false};
  std::atomic<uint64_t> bytes_received{0};  // read by the watchdog while B's thread runs
  uint64_t messages_received = 0;
  uint64_t datagrams_in = 0, datagrams_out = 0, timeouts = 0;
  std::optional<Instant> trace;  // print every datagram received, relative to this
  // Sender side of the throughput run.
  uint64_t to_send = 0;  // bytes still to queue
  const std::vector<uint8_t>* payload = nullptr;
  uint64_t low_events = 0, send_full = 0;

  Tagged pc() { return Tagged(conn.get(), owner); }

  ~Endpoint() {
    if (conn) pc()->close(now_instant());
    {
      Tagged t(nullptr, owner);
      conn.reset();
    }
    if (fd >= 0) close(fd);
  }

  void open(Instant now, int id, const PeerConnectionOptions& options, const Configuration& config, Rng& rng,
            bool batched) {
    owner = id;
    mmsg = batched;
    if (mmsg) slots.resize(2 * kBatch * kSlot);
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket", std::strerror(errno));
    sockaddr_in sa = to_sockaddr(SocketAddress(IpAddress::v4(127, 0, 0, 1), 0));
    socklen_t len = sizeof sa;
    if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0)
      die("bind 127.0.0.1", std::strerror(errno));
    address = from_sockaddr(sa);
    // Big socket buffers (root may exceed rmem_max with the FORCE variants).
    int size = 8 * 1024 * 1024;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
      (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
      (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    {
      Tagged t(nullptr, owner);
      conn = must(PeerConnection::create(now, config, rng, options), "PeerConnection::create");
    }
    must(pc()->add_local_address(now, address), "add_local_address");
    pc()->end_of_local_addresses(now);
  }

  // Reads up to kBatch datagrams. Returns how many.
  int read(Instant now) {
    if (mmsg) return read_batched(now);
    std::array<uint8_t, 65536> buf;
    int n = 0;
    for (; n < kBatch; ++n) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t r = recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (r < 0) break;
      deliver(now, from, Bytes(buf.data(), size_t(r)));
    }
    return n;
  }

  void deliver(Instant now, const sockaddr_in& from, Bytes payload) {
    if (trace) {
      // RFC 7983 demux by first byte: 0-3 STUN, 20-63 DTLS.
      uint8_t b = payload[0];
      const char* kind = b < 4 ? "stun" : (b >= 20 && b < 64) ? (b == 22 ? "dtls-hs" : b == 23 ? "dtls-app" : "dtls") : "?";
      std::printf("      %8.3f ms  ->%c %-8s %4zu B\n", ms(now - *trace), owner == 1 ? 'A' : 'B', kind, payload.size());
    }
    if (last_rx) max_rx_gap = std::max(max_rx_gap, now - *last_rx);
    last_rx = now;
    ++datagrams_in;
    pc()->handle_datagram(now, Datagram{from_sockaddr(from), address, payload});
  }

  // Sends up to kBatch datagrams. Returns how many.
  int flush() {
    if (mmsg) return flush_batched();
    std::array<uint8_t, 1500> buf;
    int n = 0;
    for (; n < kBatch; ++n) {
      auto t = pc()->poll_transmit(buf);
      if (!t) break;
      sockaddr_in to = to_sockaddr(t->destination);
      ++datagrams_out;
      (void)sendto(fd, buf.data(), t->size, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    }
    return n;
  }

  // --mmsg: the same with one recvmmsg()/sendmmsg() per batch (Linux).
  static constexpr size_t kSlot = 2048;
  bool mmsg = false;
  std::vector<uint8_t> slots;  // kBatch receive slots, then kBatch send slots

  int read_batched(Instant now) {
    std::array<mmsghdr, kBatch> msgs{};
    std::array<iovec, kBatch> iov;
    std::array<sockaddr_in, kBatch> from{};
    for (int i = 0; i < kBatch; ++i) {
      iov[i] = {slots.data() + size_t(i) * kSlot, kSlot};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof from[i];
    }
    int n = recvmmsg(fd, msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
    for (int i = 0; i < n; ++i)
      deliver(now, from[i], Bytes(slots.data() + size_t(i) * kSlot, msgs[i].msg_len));
    return std::max(n, 0);
  }

  int flush_batched() {
    std::array<mmsghdr, kBatch> msgs{};
    std::array<iovec, kBatch> iov;
    std::array<sockaddr_in, kBatch> to;
    int n = 0;
    for (; n < kBatch; ++n) {
      uint8_t* slot = slots.data() + size_t(kBatch + n) * kSlot;
      auto t = pc()->poll_transmit(MutBytes(slot, 1500));
      if (!t) break;
      to[n] = to_sockaddr(t->destination);
      iov[n] = {slot, t->size};
      msgs[n].msg_hdr.msg_iov = &iov[n];
      msgs[n].msg_hdr.msg_iovlen = 1;
      msgs[n].msg_hdr.msg_name = &to[n];
      msgs[n].msg_hdr.msg_namelen = sizeof to[n];
    }
    datagrams_out += uint64_t(n);
    for (int sent = 0; sent < n;) {
      int r = sendmmsg(fd, msgs.data() + sent, unsigned(n - sent), 0);
      if (r <= 0) break;  // a full socket buffer: the rest is lost, as UDP may
      sent += r;
    }
    return n;
  }

  int events(Instant now) {
    int n = 0;
    while (auto e = pc()->poll_event()) {
      ++n;
      on_event(now, *e);
    }
    return n;
  }

  void on_event(Instant now, PeerConnectionEvent& e) {
    switch (e.type) {
      case Type::ice_candidate:
        // Trickle (candidates gathered before the peer had our description
        // are in that description).
        if (remote->pc()->remote_description()) {
          IceCandidateInit c = e.candidate ? *e.candidate : IceCandidateInit{"", std::nullopt, 0, std::nullopt};
          must(remote->pc()->add_ice_candidate(now, c), "add_ice_candidate");
        }
        break;
      case Type::connection_state_change:
        if (e.connection_state == PeerConnectionState::connected && !connected_at) connected_at = now;
        if (e.connection_state == PeerConnectionState::failed) failed = true;
        break;
      case Type::data_channel: channel = e.channel; break;
      case Type::channel_open:
        if (!open_at) open_at = now;
        refill(now);
        break;
      case Type::channel_message:
        bytes_received += e.data.size();
        ++messages_received;
        break;
      case Type::channel_buffered_amount_low:
        ++low_events;
        refill(now);
        break;
      case Type::channel_error: die("channel error", e.error_text.c_str()); break;
      default: break;
    }
  }

  // Queues 64 KiB messages until kMaxBuffered is reached (or SCTP's send
  // buffer is full); bufferedamountlow at kLowThreshold calls it again.
  void refill(Instant now) {
    if (to_send == 0 || !payload) return;
    auto info = pc()->data_channel(channel);
    if (!info) return;
    uint64_t buffered = info->buffered_amount;
    while (to_send > 0 && buffered + kMessage <= kMaxBuffered) {
      size_t n = size_t(std::min<uint64_t>(to_send, kMessage));
      auto r = pc()->send_binary(now, channel, Bytes(payload->data(), n));
      if (!r.ok()) {
        if (r.error().code != Errc::limit_exceeded) die("send_binary", r.error().message);
        ++send_full;
        break;
      }
      to_send -= n;
      buffered += n;
    }
  }
};

struct Pair {
  SeededRng rng_a, rng_b;  // before the endpoints: a connection keeps its Rng&
  Endpoint a, b;
  // Where the loop waited: sleeps that ended on a datagram and on a deadline.
  uint64_t sleeps_rx = 0, sleeps_timer = 0;
  Duration slept{};

  Pair(uint64_t seed, const PeerConnectionOptions& options, const Configuration& config, bool mmsg)
      : rng_a(seed), rng_b(seed + 1) {
    Instant now = now_instant();
    a.open(now, 1, options, config, rng_a, mmsg);
    b.open(now, 2, options, config, rng_b, mmsg);
    a.remote = &b;
    b.remote = &a;
  }

  // A offers, B answers, directly in memory; every description read back
  // from local_description() so it carries the candidates gathered so far.
  void negotiate(Instant now) {
    auto offer = must(a.pc()->create_offer(now), "create_offer");
    must(a.pc()->set_local_description(now, offer), "set_local_description(offer)");
    a.events(now);
    // Each description is read in a statement of its own: in
    // b.pc()->call(*a.pc()->...) A's tag would stay current for the whole call
    // and B's allocations would count as A's.
    SessionDescriptionInit offer_with_candidates = *a.pc()->local_description();
    must(b.pc()->set_remote_description(now, offer_with_candidates), "set_remote_description(offer)");
    b.events(now);
    auto answer = must(b.pc()->create_answer(now), "create_answer");
    must(b.pc()->set_local_description(now, answer), "set_local_description(answer)");
    b.events(now);
    SessionDescriptionInit answer_with_candidates = *b.pc()->local_description();
    must(a.pc()->set_remote_description(now, answer_with_candidates), "set_remote_description(answer)");
  }

  // One round of the loop: read, timers, events, send. If nothing moved,
  // sleeps until a datagram or the earliest deadline (at most until
  // `limit`). Returns the time after the round.
  Instant step(Instant limit) {
    Instant now = now_instant();
    int work = 0;
    for (Endpoint* e : {&a, &b}) {
      work += e->read(now);
      if (auto t = e->pc()->poll_timeout(); t && *t <= now) {
        ++e->timeouts;
        e->pc()->handle_timeout(now);
      }
    }
    for (bool busy = true; busy;) {
      busy = false;
      for (Endpoint* e : {&a, &b}) {
        int ev = e->events(now);
        int tx = e->flush();
        busy |= ev > 0;
        work += ev + tx;
      }
    }
    if (work > 0) return now;
    Instant wake = limit;
    for (Endpoint* e : {&a, &b})
      if (auto t = e->pc()->poll_timeout()) wake = std::min(wake, *t);
    Duration wait = std::max(wake - now, Duration::zero());
    timespec ts{time_t(wait.count() / 1'000'000'000), long(wait.count() % 1'000'000'000)};
    pollfd fds[] = {{a.fd, POLLIN, 0}, {b.fd, POLLIN, 0}};
    int ready = ppoll(fds, 2, &ts, nullptr);
    Instant after = now_instant();
    slept += after - now;
    ++(ready > 0 ? sleeps_rx : sleeps_timer);
    return after;
  }

  // Runs until pred() or `timeout` passes. Returns pred().
  template <class Pred>
  bool run(Pred pred, Duration timeout) {
    Instant limit = now_instant() + timeout;
    for (Instant now = now_instant(); !pred() && now < limit;) {
      if (a.failed || b.failed) return false;
      now = step(limit);
    }
    return pred();
  }
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  // Nearest rank.
  size_t rank = size_t(std::ceil(p / 100.0 * double(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

struct Options {
  int runs = 20;
  uint64_t mb = 256;
  std::optional<int> nomination_delay_ms;
  std::string only = "abc";  // which parts to run
  bool mmsg = false;         // recvmmsg/sendmmsg instead of one syscall per datagram
};

PeerConnectionOptions pc_options(const Options& o) {
  PeerConnectionOptions p;
  p.allow_loopback = true;
  if (o.nomination_delay_ms) p.ice_nomination_delay = std::chrono::milliseconds(*o.nomination_delay_ms);
  return p;
}

// (a) -----------------------------------------------------------------------
struct SetupFigures {
  double p99 = 0, median = 0;
  int stalls = 0;
};

SetupFigures bench_setup(const Options& o, const Configuration& config) {
  std::printf("\n(a) setup: %d fresh pairs; create_offer -> data channel open on both sides\n", o.runs);
  std::printf("    run   total ms  connected A/B ms   open A/B ms   longest rx gap ms  CPU ms  preempted\n");
  std::vector<double> totals, cpu_ms;
  int stalls = 0;
  for (int run = 0; run < o.runs; ++run) {
    Pair p(1000 + 2 * uint64_t(run), pc_options(o), config, o.mmsg);
    double cpu0 = cpu_seconds();
    long preempted0 = involuntary_switches();
    Instant t0 = now_instant();
    p.a.channel = must(p.a.pc()->create_data_channel(t0, "bench"), "create_data_channel");
    p.negotiate(t0);
    p.a.last_rx = p.b.last_rx = t0;  // a gap counts from the offer
    if (std::getenv("PC_BENCH_TRACE")) {
      p.a.trace = p.b.trace = t0;
      std::printf("      %8.3f ms  offer/answer done (in memory)\n", ms(now_instant() - t0));
    }
    bool ok = p.run([&] { return p.a.open_at && p.b.open_at; }, std::chrono::seconds(30));
    if (!ok) {
      std::printf("    %3d   FAILED (no open within 30 s; A %s, B %s)\n", run,
                  to_string(p.a.pc()->connection_state()), to_string(p.b.pc()->connection_state()));
      ++stalls;
      continue;
    }
    Instant t1 = std::max(*p.a.open_at, *p.b.open_at);
    cpu_ms.push_back((cpu_seconds() - cpu0) * 1000);
    long preempted = involuntary_switches() - preempted0;
    Duration gap = std::max(p.a.max_rx_gap, p.b.max_rx_gap);
    totals.push_back(ms(t1 - t0));
    if (gap > std::chrono::milliseconds(500)) ++stalls;
    std::printf("    %3d  %8.2f   %7.2f/%-7.2f  %6.2f/%-6.2f  %8.2f         %6.2f  %5ld%s\n", run, ms(t1 - t0),
                ms(*p.a.connected_at - t0), ms(*p.b.connected_at - t0), ms(*p.a.open_at - t0),
                ms(*p.b.open_at - t0), ms(gap), cpu_ms.back(), preempted,
                gap > std::chrono::milliseconds(500) ? "  STALL" : "");
  }
  SetupFigures f;
  f.stalls = stalls;
  if (totals.empty()) return f;
  f.median = percentile(totals, 50);
  f.p99 = percentile(totals, 99);
  std::printf("    median %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms; runs with a stall > 500 ms: %d of %d\n",
              f.median, percentile(totals, 95), f.p99, *std::max_element(totals.begin(), totals.end()), stalls,
              o.runs);
  std::printf("    CPU (both connections, this process) per setup: median %.2f ms, max %.2f ms\n",
              percentile(cpu_ms, 50), *std::max_element(cpu_ms.begin(), cpu_ms.end()));
  return f;
}

// (b) -----------------------------------------------------------------------
// One endpoint's own loop, for the two-thread run: after setup each
// connection is touched only by its thread (A's handler refills A, B's counts
// what B received), so no signalling crosses threads.
void serve_alone(Endpoint& e, const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) {
    Instant now = now_instant();
    int work = e.read(now);
    if (auto t = e.pc()->poll_timeout(); t && *t <= now) {
      ++e.timeouts;
      e.pc()->handle_timeout(now);
    }
    for (;;) {
      int ev = e.events(now), tx = e.flush();
      work += ev + tx;
      if (ev == 0 && tx < kBatch) break;
    }
    if (work > 0) continue;
    Instant wake = now + std::chrono::milliseconds(10);
    if (auto t = e.pc()->poll_timeout()) wake = std::min(wake, *t);
    Duration wait = std::max(wake - now, Duration::zero());
    timespec ts{time_t(wait.count() / 1'000'000'000), long(wait.count() % 1'000'000'000)};
    pollfd fd{e.fd, POLLIN, 0};
    (void)ppoll(&fd, 1, &ts, nullptr);
  }
}

double bench_throughput(const Options& o, const Configuration& config, bool threaded) {
  const uint64_t total = o.mb * 1'000'000;
  std::printf("\n(b) throughput, %s: one reliable ordered channel, %llu MB in 64 KiB binary messages, "
              "<= 4 MiB buffered\n",
              threaded ? "one thread per connection" : "both connections in one thread",
              static_cast<unsigned long long>(o.mb));
  Pair p(77, pc_options(o), config, o.mmsg);
  Instant t = now_instant();
  p.a.channel = must(p.a.pc()->create_data_channel(t, "bulk"), "create_data_channel");
  p.negotiate(t);
  if (!p.run([&] { return p.a.open_at && p.b.open_at; }, std::chrono::seconds(30))) die("throughput", "no open");
  must(p.a.pc()->set_buffered_amount_low_threshold(p.a.channel, kLowThreshold), "set_buffered_amount_low_threshold");
  std::vector<uint8_t> payload(kMessage);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = uint8_t(i * 7);
  p.a.payload = &payload;
  p.a.to_send = total;
  p.slept = {};
  p.sleeps_rx = p.sleeps_timer = p.a.timeouts = p.b.timeouts = 0;
  long long drops0 = udp_rcvbuf_errors();
  double cpu0 = cpu_seconds();
  Instant t0 = now_instant();
  p.a.refill(t0);

  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  if (threaded) {
    threads.emplace_back(serve_alone, std::ref(p.a), std::cref(stop));
    threads.emplace_back(serve_alone, std::ref(p.b), std::cref(stop));
  }
  // Progress watchdog: no received byte for 5 s is a stall worth reporting.
  uint64_t last_bytes = 0;
  Instant last_progress = t0;
  bool stalled = false;
  const uint64_t allocs0 = heap::g_allocations[1] + heap::g_allocations[2];
  bool sampled = false;
  while (p.b.bytes_received.load() < total) {
    if (!threaded && !sampled && p.b.bytes_received.load() >= total / 2) {
      // Halfway, with up to 4 MiB queued at A: what memory_usage() says
      // against what A and B hold through operator new.
      sampled = true;
      auto info = p.a.pc()->data_channel(p.a.channel);
      std::printf("    halfway: A buffered_amount %llu; operator new live A %lld, B %lld bytes; memory_usage() A %zu, "
                  "B %zu bytes\n",
                  static_cast<unsigned long long>(info ? info->buffered_amount : 0),
                  static_cast<long long>(heap::g_live[1].load()), static_cast<long long>(heap::g_live[2].load()),
                  p.a.pc()->memory_usage(), p.b.pc()->memory_usage());
    }
    Instant now;
    if (threaded) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      now = now_instant();
    } else {
      now = p.step(now_instant() + std::chrono::milliseconds(100));
    }
    if (p.b.bytes_received.load() != last_bytes) {
      last_bytes = p.b.bytes_received.load();
      last_progress = now;
    } else if (now - last_progress > std::chrono::seconds(5)) {
      stalled = true;
      break;
    }
    if (p.a.failed || p.b.failed) die("throughput", "connection failed");
  }
  Instant t1 = now_instant();
  stop = true;
  for (auto& th : threads) th.join();
  if (stalled) {
    auto info = p.a.pc()->data_channel(p.a.channel);
    std::printf("    STALLED at %llu of %llu bytes: buffered_amount %llu, bufferedamountlow events %llu, "
                "A connection %s\n",
                static_cast<unsigned long long>(p.b.bytes_received.load()), static_cast<unsigned long long>(total),
                static_cast<unsigned long long>(info ? info->buffered_amount : 0),
                static_cast<unsigned long long>(p.a.low_events), to_string(p.a.pc()->connection_state()));
    std::printf("    A stats: %s\n", p.a.pc()->get_stats(now_instant()).json.c_str());
    return 0;
  }
  double seconds = std::chrono::duration<double>(t1 - t0).count();
  double cpu = cpu_seconds() - cpu0;
  const uint64_t allocs = heap::g_allocations[1] + heap::g_allocations[2] - allocs0;
  double mbps = double(total) / 1e6 / seconds;
  long long drops1 = udp_rcvbuf_errors();
  if (!threaded)
    std::printf("    loop: slept %.0f ms in %llu waits ended by a datagram and %llu by a deadline; handle_timeout A "
                "%llu, B %llu\n",
                ms(p.slept), static_cast<unsigned long long>(p.sleeps_rx),
                static_cast<unsigned long long>(p.sleeps_timer), static_cast<unsigned long long>(p.a.timeouts),
                static_cast<unsigned long long>(p.b.timeouts));
  std::printf("    %.1f MB/s  (%.2f s wall, %.2f s CPU = %.2f ms CPU per MB for both sides; %llu messages; "
              "datagrams A->B %llu, B->A %llu; bufferedamountlow events %llu, send-buffer-full %llu; "
              "UDP rcvbuf drops %lld)\n",
              mbps, seconds, cpu, cpu * 1000 / (double(total) / 1e6),
              static_cast<unsigned long long>(p.b.messages_received), static_cast<unsigned long long>(p.a.datagrams_out),
              static_cast<unsigned long long>(p.b.datagrams_out), static_cast<unsigned long long>(p.a.low_events),
              static_cast<unsigned long long>(p.a.send_full), drops0 >= 0 ? drops1 - drops0 : -1LL);
  // On a shared machine wall time includes waiting for a core; the CPU cost
  // per MB gives the rate this loop would reach with its cores to itself.
  const double cpu_ms_per_mb = cpu * 1000 / (double(total) / 1e6);
  std::printf("    CPU-bound ceiling: %.0f MB/s %s\n", (threaded ? 2000 : 1000) / cpu_ms_per_mb,
              threaded ? "(two idle cores, sides costing the same)" : "(one idle core)");
  const uint64_t datagrams = p.a.datagrams_out + p.b.datagrams_out;
  std::printf("    operator new inside the connections: %llu calls, %.2f per datagram, %.1f per message\n",
              static_cast<unsigned long long>(allocs), double(allocs) / double(datagrams),
              double(allocs) / double(p.b.messages_received));
  return mbps;
}

// (c) -----------------------------------------------------------------------
// Bytes malloc hands out now: arena chunks plus mmapped blocks (mallinfo2
// covers the main arena; the setup and this measurement run on the main
// thread).
int64_t malloc_in_use() {
  struct mallinfo2 mi = mallinfo2();
  return int64_t(mi.uordblks + mi.hblkhd);
}
int64_t opnew_chunks() {
  int64_t n = 0;
  for (auto& c : heap::g_chunks) n += c.load();
  return n;
}

void bench_memory(const Options& o, const Configuration& config) {
  std::printf("(c) heap per established connection (one open channel, idle 200 ms after open; the certificate is "
              "shared and not counted)\n");
  int64_t malloc0 = malloc_in_use(), chunks0 = opnew_chunks();
  {
    Pair p(99, pc_options(o), config, o.mmsg);
    std::printf("    created, nothing negotiated: operator new live A %lld, B %lld bytes; memory_usage() A %zu, B %zu "
                "bytes\n",
                static_cast<long long>(heap::g_live[1].load()), static_cast<long long>(heap::g_live[2].load()),
                p.a.pc()->memory_usage(), p.b.pc()->memory_usage());
    Instant t = now_instant();
    p.a.channel = must(p.a.pc()->create_data_channel(t, "mem"), "create_data_channel");
    p.negotiate(t);
    if (!p.run([&] { return p.a.open_at && p.b.open_at; }, std::chrono::seconds(30))) die("memory", "no open");
    Instant idle_until = now_instant() + std::chrono::milliseconds(200);
    p.run([&] { return now_instant() >= idle_until; }, std::chrono::seconds(1));
    int64_t malloc1 = malloc_in_use(), chunks1 = opnew_chunks();
    for (Endpoint* e : {&p.a, &p.b}) {
      std::printf("    %s: operator new live %lld bytes in %lld blocks; memory_usage() %zu bytes\n",
                  e == &p.a ? "offerer  A (DTLS server)" : "answerer B (DTLS client)",
                  static_cast<long long>(heap::g_live[e->owner].load()),
                  static_cast<long long>(heap::g_blocks[e->owner].load()), e->pc()->memory_usage());
    }
    int64_t c_heap = (malloc1 - malloc0) - (chunks1 - chunks0);
    if (malloc0 == 0 && malloc1 == 0) {
      std::printf("    malloc statistics unavailable (mallinfo2 reports nothing: a sanitizer's allocator?)\n");
      return;
    }
    std::printf("    malloc in use grew %lld bytes for the pair; operator-new chunks account for %lld; the rest, "
                "%lld bytes (%lld per connection), is C allocations (mbedTLS calloc: keys, parsed certificates)\n",
                static_cast<long long>(malloc1 - malloc0), static_cast<long long>(chunks1 - chunks0),
                static_cast<long long>(c_heap), static_cast<long long>(c_heap / 2));
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] {
      if (i + 1 >= argc) die("usage", "sansrtc-bench-pc [--runs N] [--mb N] [--nomination-delay-ms N] [--only abc] [--mmsg]");
      return std::atoll(argv[++i]);
    };
    if (a == "--runs") o.runs = std::max(1, int(next()));
    else if (a == "--mb") o.mb = std::max<long long>(1, next());
    else if (a == "--nomination-delay-ms") o.nomination_delay_ms = int(next());
    else if (a == "--only" && i + 1 < argc) o.only = argv[++i];
    else if (a == "--mmsg") o.mmsg = true;
    else die("usage", "sansrtc-bench-pc [--runs N] [--mb N] [--nomination-delay-ms N] [--only abc] [--mmsg]");
  }
  // One certificate for every connection, as a server would share it (its
  // generation is not part of the setup time).
  SeededRng cert_rng(1);
  Configuration config;
  config.certificates.push_back(must(generate_certificate(cert_rng, 1'790'000'000), "generate_certificate"));
  PeerConnectionOptions defaults = pc_options(o);
  std::printf("sansrtc PeerConnection over loopback UDP (ice_ta %.1f ms, nomination delay %.1f ms, DTLS RTO %.0f ms; "
              "%s)\n\n",
              ms(defaults.ice_ta), ms(defaults.ice_nomination_delay), ms(defaults.dtls_initial_rto),
              o.mmsg ? "recvmmsg/sendmmsg, 64 per call" : "one recvfrom/sendto per datagram");

  auto wanted = [&](char c) { return o.only.find(c) != std::string::npos; };
  // Memory first, while the heap holds nothing of earlier runs.
  if (wanted('c')) bench_memory(o, config);
  SetupFigures setup = wanted('a') ? bench_setup(o, config) : SetupFigures{};
  double mbps = 0, mbps_threaded = 0;
  if (wanted('b')) {
    mbps = bench_throughput(o, config, false);
    mbps_threaded = bench_throughput(o, config, true);
  }

  std::printf("\ngoals (issue): p99 setup <= 20 ms over loopback with no one-second stalls, >= 150 MB/s on one channel "
              "(libdatachannel: median 6.5 ms, ~48 MB/s)\n");
  if (wanted('a')) {
    std::printf("    p99 setup     %8.2f ms   goal/actual %.2f   (%s)\n", setup.p99,
                setup.p99 > 0 ? 20.0 / setup.p99 : 0, setup.p99 <= 20 ? "met" : "NOT met");
    std::printf("    median setup  %8.2f ms   libdatachannel/actual %.2f\n", setup.median,
                setup.median > 0 ? 6.5 / setup.median : 0);
    std::printf("    stalled runs  %8d      goal 0 (%s)\n", setup.stalls, setup.stalls == 0 ? "met" : "NOT met");
  }
  if (wanted('b')) {
    for (auto [what, v] : {std::pair{"one thread ", mbps}, std::pair{"two threads", mbps_threaded}})
      std::printf("    throughput, %s %8.1f MB/s  actual/goal %.2f (%s), actual/libdatachannel %.2f\n", what, v,
                  v / 150, v >= 150 ? "met" : "NOT met", v / 48);
  }
  return 0;
}
