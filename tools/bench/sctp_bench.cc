// SCTP throughput: one reliable ordered stream of 64 KiB messages between two
// in-process endpoints, ours (two sansrtc Associations pumped by hand) against
// usrsctp (two AF_CONN sockets, packets handed over by one thread per
// direction), in the same run; with no loss and with 1 % packet loss. Prints
// MB/s and CPU time per MB (process CPU, so usrsctp's own threads count).
// Path MTU 1200 on both. A benchmark: it prints, it never fails on a time.
//
// Usage: sansrtc-bench-sctp [megabytes per run, default 512]
#include "base/time.h"
#include "sctp/association.h"

#include <sansrtc/rng.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#if SANSRTC_BENCH_USRSCTP
#include <arpa/inet.h>
#include <usrsctp.h>
#endif

using namespace sansrtc;
using namespace sansrtc::sctp;

namespace {

constexpr size_t kMessage = 64 * 1024;

double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

struct BenchResult {
  double mbps = 0;
  double cpu_ms_per_mb = 0;
  double wall = 0;
};

void print(const char* who, double loss, const BenchResult& r) {
  std::printf("%-9s loss=%4.1f%%  %8.1f MB/s  %6.2f ms CPU per MB  (%.2f s)\n", who, loss * 100, r.mbps,
              r.cpu_ms_per_mb, r.wall);
}

BenchResult run_ours(size_t total_bytes, double loss) {
  SeededRng ra(1), rb(2), lr(3);
  Config cfg;
  Association a(cfg, ra), b(cfg, rb);
  auto t0 = std::chrono::steady_clock::now();
  auto now = [&] { return kTestEpoch + (std::chrono::steady_clock::now() - t0); };
  std::array<uint8_t, 1500> buf;
  std::vector<uint8_t> msg(kMessage, 0xAB);
  size_t received = 0, queued = 0;
  (void)a.connect(now());
  double c0 = cpu_seconds();
  auto w0 = std::chrono::steady_clock::now();
  bool connected = false;
  while (received < total_bytes) {
    Instant n = now();
    if (connected) {
      while (queued < total_bytes && a.buffered_amount(StreamId(0)) < 2 * 1024 * 1024) {
        if (!a.send(n, StreamId(0), Ppid(53), Bytes(msg)).ok()) break;
        queued += kMessage;
      }
    }
    // Packets are handed over one at a time and the receiver's answer goes
    // straight back, as on a link where each packet arrives on its own.
    bool any = false;
    for (int round = 0; round < 4096; ++round) {
      auto len = a.poll_transmit(MutBytes(buf));
      if (!len) break;
      any = true;
      if (!(loss > 0 && lr.next_double() < loss)) b.handle_packet(n, Bytes(buf.data(), *len));
      while (auto back = b.poll_transmit(MutBytes(buf))) {
        if (loss > 0 && lr.next_double() < loss) continue;
        a.handle_packet(n, Bytes(buf.data(), *back));
      }
      while (auto e = b.poll_event())
        if (e->type == EventType::message) received += e->payload.size();
    }
    while (auto back = b.poll_transmit(MutBytes(buf))) {
      any = true;
      if (!(loss > 0 && lr.next_double() < loss)) a.handle_packet(n, Bytes(buf.data(), *back));
    }
    while (auto e = b.poll_event())
      if (e->type == EventType::message) received += e->payload.size();
    while (auto e = a.poll_event())
      if (e->type == EventType::connected) connected = true;
    if (!any) {
      // Idle until the next timer (a stall waits for T3 like a real link).
      auto next = earliest(a.poll_timeout(), b.poll_timeout());
      if (next && *next > now()) std::this_thread::sleep_for(std::min<Duration>(*next - now(), std::chrono::milliseconds(1)));
    }
    a.handle_timeout(now());
    b.handle_timeout(now());
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  double cpu = cpu_seconds() - c0;
  double mb = double(received) / 1e6;
  if (std::getenv("SCTP_BENCH_VERBOSE"))
    std::printf("  ours: rx full=%llu window=%llu dup=%llu\n", (unsigned long long)b.stats().drop_receive_buffer_full,
                (unsigned long long)b.stats().drop_tsn_out_of_window, (unsigned long long)b.stats().duplicate_tsns_received),
    std::printf("  ours: t3=%llu fast=%llu rtx=%llu sent=%llu rto=%lldms\n",
                (unsigned long long)a.stats().t3_expiries, (unsigned long long)a.stats().fast_retransmits,
                (unsigned long long)a.stats().data_chunks_retransmitted,
                (unsigned long long)a.stats().data_chunks_sent, (long long)to_millis(a.rto()));
  return BenchResult{mb / wall, cpu * 1000 / mb, wall};
}

#if SANSRTC_BENCH_USRSCTP
struct Side;
struct Pipe {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::vector<uint8_t>> q;
  void* to = nullptr;  // AF_CONN address of the receiver
  bool stop = false;
};
Pipe g_pipe[2];  // 0: towards server, 1: towards client
std::atomic<size_t> g_received{0};
double g_loss = 0;
std::mutex g_loss_mu;
SeededRng g_loss_rng(7);
int g_addr_client, g_addr_server;  // their addresses are the AF_CONN addresses

int conn_output(void* addr, void* buffer, size_t length, uint8_t, uint8_t) {
  // Both sockets share one AF_CONN address (usrsctp_conninput takes a
  // single address for source and destination); the SCTP destination port
  // tells the direction: 5000 is the server.
  (void)addr;
  auto* b = static_cast<const uint8_t*>(buffer);
  Pipe& p = length >= 4 && (b[2] << 8 | b[3]) == 5000 ? g_pipe[0] : g_pipe[1];
  if (g_loss > 0) {
    std::lock_guard<std::mutex> l(g_loss_mu);
    if (g_loss_rng.next_double() < g_loss) return 0;
  }
  {
    std::lock_guard<std::mutex> l(p.mu);
    p.q.emplace_back(static_cast<uint8_t*>(buffer), static_cast<uint8_t*>(buffer) + length);
  }
  p.cv.notify_one();
  return 0;
}

void pipe_thread(Pipe* p) {
  for (;;) {
    std::deque<std::vector<uint8_t>> batch;
    {
      std::unique_lock<std::mutex> l(p->mu);
      p->cv.wait(l, [&] { return p->stop || !p->q.empty(); });
      if (p->stop) return;
      batch.swap(p->q);
    }
    for (auto& pk : batch) usrsctp_conninput(p->to, pk.data(), pk.size(), 0);
  }
}

int server_receive(struct socket*, union sctp_sockstore, void* data, size_t len, struct sctp_rcvinfo, int flags,
                   void*) {
  if (data) {
    if (!(flags & MSG_NOTIFICATION)) g_received += len;
    std::free(data);
  }
  return 1;
}

struct sockaddr_conn addr_of(void* a, uint16_t port = 5000) {
  struct sockaddr_conn s;
  std::memset(&s, 0, sizeof(s));
  s.sconn_family = AF_CONN;
  s.sconn_port = htons(port);
  s.sconn_addr = a;
  return s;
}

void set_mtu(struct socket* s, void* peer, uint16_t port) {
  struct sctp_paddrparams pp;
  std::memset(&pp, 0, sizeof(pp));
  auto pa = addr_of(peer, port);
  std::memcpy(&pp.spp_address, &pa, sizeof(pa));
  pp.spp_flags = SPP_PMTUD_DISABLE;
  pp.spp_pathmtu = 1200 + 12;  // usrsctp counts its "IP" overhead in AF_CONN too
  usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp));
}

BenchResult run_usrsctp(size_t total_bytes, double loss) {
  static bool inited = [] {
    usrsctp_init(0, conn_output, nullptr);
    usrsctp_sysctl_set_sctp_ecn_enable(0);
    usrsctp_sysctl_set_sctp_sendspace(2 * 1024 * 1024);
    usrsctp_sysctl_set_sctp_recvspace(2 * 1024 * 1024);
    usrsctp_register_address(&g_addr_client);
    usrsctp_register_address(&g_addr_server);
    return true;
  }();
  (void)inited;
  g_loss = 0;
  g_received = 0;
  g_pipe[0].to = &g_addr_server;
  g_pipe[1].to = &g_addr_server;
  for (auto& p : g_pipe) p.stop = false;
  std::thread t0(pipe_thread, &g_pipe[0]), t1(pipe_thread, &g_pipe[1]);

  struct socket* server = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, server_receive, nullptr, 0, nullptr);
  struct socket* client = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, nullptr, nullptr, 0, nullptr);
  auto sa = addr_of(&g_addr_server, 5000), ca = addr_of(&g_addr_server, 5001);
  usrsctp_bind(server, reinterpret_cast<struct sockaddr*>(&sa), sizeof(sa));
  usrsctp_bind(client, reinterpret_cast<struct sockaddr*>(&ca), sizeof(ca));
  usrsctp_listen(server, 1);
  int on = 1;
  usrsctp_setsockopt(client, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on));
  usrsctp_connect(client, reinterpret_cast<struct sockaddr*>(&sa), sizeof(sa));
  struct socket* accepted = usrsctp_accept(server, nullptr, nullptr);
  set_mtu(client, &g_addr_server, 5000);
  if (accepted) set_mtu(accepted, &g_addr_server, 5001);
  g_loss = loss;

  std::vector<uint8_t> msg(kMessage, 0xAB);
  struct sctp_sndinfo si;
  std::memset(&si, 0, sizeof(si));
  si.snd_sid = 0;
  si.snd_ppid = htonl(53);
  si.snd_flags = SCTP_EOR;
  double c0 = cpu_seconds();
  auto w0 = std::chrono::steady_clock::now();
  size_t sent = 0;
  while (sent < total_bytes) {
    ssize_t r = usrsctp_sendv(client, msg.data(), msg.size(), nullptr, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0);
    if (r <= 0) break;
    sent += size_t(r);
  }
  while (g_received < sent) std::this_thread::sleep_for(std::chrono::microseconds(100));
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  double cpu = cpu_seconds() - c0;
  g_loss = 0;
  usrsctp_close(client);
  if (accepted) usrsctp_close(accepted);
  usrsctp_close(server);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (auto& p : g_pipe) {
    {
      std::lock_guard<std::mutex> l(p.mu);
      p.stop = true;
      p.q.clear();
    }
    p.cv.notify_all();
  }
  t0.join();
  t1.join();
  double mb = double(g_received.load()) / 1e6;
  return BenchResult{mb / wall, cpu * 1000 / mb, wall};
}
#endif

}  // namespace

int main(int argc, char** argv) {
  size_t mb = argc > 1 ? size_t(std::atoi(argv[1])) : 512;
  size_t total = mb * 1000 * 1000;
  std::printf("SCTP bench: one reliable ordered stream, %zu KiB messages, %zu MB per run, MTU 1200\n",
              kMessage / 1024, mb);
  for (double loss : {0.0, 0.01}) {
    BenchResult ours = run_ours(total, loss);
    print("sansrtc", loss, ours);
#if SANSRTC_BENCH_USRSCTP
    BenchResult usr = run_usrsctp(loss > 0 ? total / 4 : total, loss);
    print("usrsctp", loss, usr);
    std::printf("          ratio sansrtc/usrsctp: %.2fx throughput, %.2fx less CPU per MB\n", ours.mbps / usr.mbps,
                usr.cpu_ms_per_mb / ours.cpu_ms_per_mb);
#else
    std::printf("usrsctp   (not built: libusrsctp missing)\n");
#endif
  }
  return 0;
}
