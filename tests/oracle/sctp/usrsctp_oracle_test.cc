// Differential interop with usrsctp (Debian libusrsctp, the SCTP stack of
// Chromium until 2022) in its AF_CONN mode: every packet usrsctp emits goes
// through conn_output into our Association, and ours go back through
// usrsctp_conninput. usrsctp keeps its own timer thread, so the pump below
// runs on the real clock (mapped onto Instant) and checks outcomes, not
// timing. Simultaneous open is not tested here (usrsctp mostly fails it).
#include "sctp/association.h"
#include "sim/sctp/sctp_harness.h"

#include <catch2/catch.hpp>
#include <usrsctp.h>

#include <arpa/inet.h>
#include <chrono>
#include <cstdarg>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

using namespace sansrtc;
using namespace sansrtc::sctp;
using sansrtc::sctp::testing::chunk_types;

namespace {

struct UsrMessage {
  uint16_t stream;
  uint32_t ppid;
  std::vector<uint8_t> bytes;
};

// One usrsctp endpoint (AF_CONN address = this object) wired to one of ours.
struct Bridge {
  explicit Bridge(const Config& c) : rng(77), ours(c, rng) {}
  SeededRng rng;
  Association ours;
  std::vector<Event> events;
  std::mutex mu;  // guards everything usrsctp's threads touch (never held across usrsctp calls)
  template <class F>
  auto locked(F f) {
    std::lock_guard<std::mutex> l(mu);
    return f();
  }
  std::deque<std::vector<uint8_t>> to_ours;
  std::vector<UsrMessage> usr_received;
  std::vector<uint8_t> usr_partial;
  std::vector<uint16_t> usr_reset_incoming;  // streams usrsctp saw reset by us
  bool usr_comm_up = false, usr_closed = false, usr_shutdown_comp = false;
  struct socket* listener = nullptr;
  struct socket* sock = nullptr;
  // Drops some of our packets to usrsctp (loss tests); false = deliver.
  std::function<bool(const std::vector<uint8_t>&)> drop_to_usr;
  std::function<bool(const std::vector<uint8_t>&)> drop_to_ours;
  SeededRng loss_rng{1234};
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();

  Instant now() const { return kTestEpoch + (std::chrono::steady_clock::now() - t0); }
};

int conn_output(void* addr, void* buffer, size_t length, uint8_t, uint8_t) {
  auto* b = static_cast<Bridge*>(addr);
  std::lock_guard<std::mutex> l(b->mu);
  b->to_ours.emplace_back(static_cast<uint8_t*>(buffer), static_cast<uint8_t*>(buffer) + length);
  return 0;
}

int receive_cb(struct socket*, union sctp_sockstore, void* data, size_t len, struct sctp_rcvinfo rcv, int flags,
               void* ulp) {
  auto* b = static_cast<Bridge*>(ulp);
  std::lock_guard<std::mutex> l(b->mu);
  if (!data) {
    b->usr_closed = true;
    return 1;
  }
  if (flags & MSG_NOTIFICATION) {
    auto* n = static_cast<union sctp_notification*>(data);
    if (n->sn_header.sn_type == SCTP_ASSOC_CHANGE) {
      if (n->sn_assoc_change.sac_state == SCTP_COMM_UP) b->usr_comm_up = true;
      if (n->sn_assoc_change.sac_state == SCTP_SHUTDOWN_COMP) b->usr_shutdown_comp = true;
      if (n->sn_assoc_change.sac_state == SCTP_COMM_LOST) b->usr_closed = true;
    } else if (n->sn_header.sn_type == SCTP_STREAM_RESET_EVENT) {
      auto& e = n->sn_strreset_event;
      if (e.strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN) {
        size_t count = (e.strreset_length - sizeof(e)) / sizeof(uint16_t);
        for (size_t i = 0; i < count; ++i) b->usr_reset_incoming.push_back(e.strreset_stream_list[i]);
      }
    }
  } else {
    auto* p = static_cast<uint8_t*>(data);
    b->usr_partial.insert(b->usr_partial.end(), p, p + len);
    if (flags & MSG_EOR) {
      b->usr_received.push_back(UsrMessage{rcv.rcv_sid, ntohl(rcv.rcv_ppid), std::move(b->usr_partial)});
      b->usr_partial.clear();
    }
  }
  std::free(data);
  return 1;
}

void debug_printf(const char*, ...) {}

void init_usrsctp_once() {
  static bool done = [] {
    usrsctp_init(0, conn_output, debug_printf);
    usrsctp_sysctl_set_sctp_ecn_enable(0);
    usrsctp_sysctl_set_sctp_auth_enable(0);
    usrsctp_sysctl_set_sctp_asconf_enable(0);
    usrsctp_sysctl_set_sctp_pr_enable(1);
    usrsctp_sysctl_set_sctp_reconfig_enable(1);
    usrsctp_sysctl_set_sctp_sendspace(2 * 1024 * 1024);
    usrsctp_sysctl_set_sctp_recvspace(2 * 1024 * 1024);
    return true;
  }();
  (void)done;
}

struct sockaddr_conn conn_addr(Bridge* b) {
  struct sockaddr_conn a;
  std::memset(&a, 0, sizeof(a));
  a.sconn_family = AF_CONN;
  a.sconn_port = htons(5000);
  a.sconn_addr = b;
  return a;
}

void setup_socket(Bridge* b, struct socket* s) {
  usrsctp_set_non_blocking(s, 1);
  struct sctp_assoc_value av{};
  av.assoc_id = SCTP_ALL_ASSOC;
  av.assoc_value = SCTP_ENABLE_RESET_STREAM_REQ;
  usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &av, sizeof(av));
  int on = 1;
  usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on));
  struct sctp_rtoinfo rto{};
  rto.srto_initial = 300;
  rto.srto_min = 100;
  rto.srto_max = 1000;
  usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RTOINFO, &rto, sizeof(rto));
  for (uint16_t t : {SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT}) {
    struct sctp_event ev{};
    ev.se_assoc_id = SCTP_ALL_ASSOC;
    ev.se_type = t;
    ev.se_on = 1;
    usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev));
  }
  (void)b;
}

Bridge* make_bridge(const Config& c, bool usr_listens) {
  init_usrsctp_once();
  auto* b = new Bridge(c);  // lives for the process: usrsctp threads may still call back
  usrsctp_register_address(b);
  struct socket* s = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, receive_cb, nullptr, 0, b);
  REQUIRE(s != nullptr);
  setup_socket(b, s);
  auto a = conn_addr(b);
  REQUIRE(usrsctp_bind(s, reinterpret_cast<struct sockaddr*>(&a), sizeof(a)) == 0);
  if (usr_listens) {
    REQUIRE(usrsctp_listen(s, 1) == 0);
    b->listener = s;
  } else {
    b->sock = s;
  }
  return b;
}

// Moves packets both ways and fires our timers until pred() or the time limit.
bool pump(Bridge* b, const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  std::array<uint8_t, 2048> buf;
  for (;;) {
    bool busy = false;
    std::deque<std::vector<uint8_t>> in;
    {
      std::lock_guard<std::mutex> l(b->mu);
      in.swap(b->to_ours);
    }
    for (auto& p : in) {
      if (b->drop_to_ours && b->drop_to_ours(p)) continue;
      b->ours.handle_packet(b->now(), p);
      busy = true;
    }
    b->ours.handle_timeout(b->now());
    while (auto n = b->ours.poll_transmit(MutBytes(buf))) {
      std::vector<uint8_t> p(buf.begin(), buf.begin() + *n);
      busy = true;
      if (b->drop_to_usr && b->drop_to_usr(p)) continue;
      usrsctp_conninput(b, p.data(), p.size(), 0);
    }
    while (auto e = b->ours.poll_event()) b->events.push_back(std::move(*e));
    if (b->listener && !b->sock) {
      struct socket* acc = usrsctp_accept(b->listener, nullptr, nullptr);
      if (acc) {
        b->sock = acc;
        setup_socket(b, acc);
      }
    }
    // pred() runs without the lock: it may call into usrsctp, which may
    // call conn_output on this thread. It takes the lock itself to read.
    if (pred()) return true;
    if (std::chrono::steady_clock::now() > end) return pred();
    if (!busy) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

bool has(const std::vector<Event>& ev, EventType t) {
  for (auto& e : ev)
    if (e.type == t) return true;
  return false;
}

std::vector<uint8_t> body(uint32_t i, size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t k = 0; k < n; ++k) v[k] = uint8_t(i * 31 + k * 7 + (k >> 9));
  return v;
}

ssize_t usr_send(Bridge* b, uint16_t stream, uint32_t ppid, const std::vector<uint8_t>& data, bool pr_rtx0 = false) {
  struct sctp_sendv_spa spa{};
  spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
  spa.sendv_sndinfo.snd_sid = stream;
  spa.sendv_sndinfo.snd_ppid = htonl(ppid);
  spa.sendv_sndinfo.snd_flags = SCTP_EOR;
  if (pr_rtx0) {
    spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
    spa.sendv_prinfo.pr_policy = SCTP_PR_SCTP_RTX;
    spa.sendv_prinfo.pr_value = 0;
  }
  return usrsctp_sendv(b->sock, data.data(), data.size(), nullptr, 0, &spa, sizeof(spa), SCTP_SENDV_SPA, 0);
}

void connect_usr(Bridge* b) {
  auto a = conn_addr(b);
  int r = usrsctp_connect(b->sock, reinterpret_cast<struct sockaddr*>(&a), sizeof(a));
  REQUIRE((r == 0 || errno == EINPROGRESS));
}

bool has_data(const std::vector<uint8_t>& p) {
  for (uint8_t t : chunk_types(p))
    if (t == 0) return true;
  return false;
}

Config our_config() {
  Config c;
  c.rto_initial = std::chrono::milliseconds(300);
  c.rto_min = std::chrono::milliseconds(100);
  c.rto_max = std::chrono::milliseconds(1000);
  return c;
}

}  // namespace

TEST_CASE("oracle usrsctp: usrsctp listens, we connect; reliable ordered transfer both ways") {
  Bridge* b = make_bridge(our_config(), /*usr_listens=*/true);
  REQUIRE(b->ours.connect(b->now()).ok());
  REQUIRE(pump(b, [&] { return b->ours.state() == State::established && b->sock && b->locked([&] { return b->usr_comm_up; }); },
               std::chrono::seconds(10)));
  CHECK(has(b->events, EventType::connected));
  // Ours -> usrsctp: sizes from 1 B to 256 KiB.
  std::vector<size_t> sizes = {1, 2, 100, 1171, 1172, 1173, 5000, 65536, 100000, 256 * 1024, 3, 70000};
  for (uint32_t i = 0; i < sizes.size(); ++i)
    REQUIRE(b->ours.send(b->now(), StreamId(1), Ppid(50 + i), body(i, sizes[i])).ok());
  REQUIRE(pump(b, [&] { return b->locked([&] { return b->usr_received.size() == sizes.size(); }); }, std::chrono::seconds(20)));
  for (uint32_t i = 0; i < sizes.size(); ++i) {
    CHECK(b->usr_received[i].stream == 1);
    CHECK(b->usr_received[i].ppid == 50 + i);
    CHECK(b->usr_received[i].bytes == body(i, sizes[i]));
  }
  // usrsctp -> ours.
  std::vector<size_t> back = {10, 2000, 60000, 200000};
  size_t sent = 0;
  REQUIRE(pump(b, [&] {
    while (sent < back.size() && usr_send(b, 3, 100 + uint32_t(sent), body(uint32_t(sent) + 7, back[sent])) > 0) ++sent;
    size_t n = 0;
    for (auto& e : b->events) n += e.type == EventType::message;
    return n == back.size();
  }, std::chrono::seconds(20)));
  size_t k = 0;
  for (auto& e : b->events)
    if (e.type == EventType::message) {
      CHECK(e.stream == StreamId(3));
      CHECK(e.ppid == Ppid(100 + uint32_t(k)));
      CHECK(e.payload == body(uint32_t(k) + 7, back[k]));
      ++k;
    }
  CHECK(b->ours.stats().drop_bad_checksum == 0);
  CHECK(b->ours.stats().drop_malformed == 0);
  // Graceful shutdown from our side.
  REQUIRE(b->ours.shutdown(b->now()).ok());
  REQUIRE(pump(b, [&] { return b->ours.state() == State::closed; }, std::chrono::seconds(10)));
  CHECK(b->events.back().reason == CloseReason::shutdown_complete);
  usrsctp_close(b->sock);
  if (b->listener) usrsctp_close(b->listener);
}

TEST_CASE("oracle usrsctp: usrsctp connects to us; messages both ways; usrsctp shuts down") {
  Bridge* b = make_bridge(our_config(), /*usr_listens=*/false);
  connect_usr(b);
  REQUIRE(pump(b, [&] { return b->ours.state() == State::established && b->locked([&] { return b->usr_comm_up; }); }, std::chrono::seconds(10)));
  CHECK(b->ours.stats().inits_answered_statelessly >= 1);
  REQUIRE(b->ours.send(b->now(), StreamId(0), Ppid(51), body(1, 30000)).ok());
  REQUIRE(b->ours.send(b->now(), StreamId(0), Ppid(51), body(2, 10), SendOptions{.unordered = true}).ok());
  REQUIRE(pump(b, [&] { return b->locked([&] { return b->usr_received.size() == 2; }); }, std::chrono::seconds(10)));
  CHECK(usr_send(b, 0, 53, body(3, 40000)) == 40000);
  REQUIRE(pump(b, [&] { return has(b->events, EventType::message); }, std::chrono::seconds(10)));
  // usrsctp closes gracefully: SHUTDOWN from its side.
  usrsctp_shutdown(b->sock, SHUT_WR);
  REQUIRE(pump(b, [&] { return b->ours.state() == State::closed; }, std::chrono::seconds(10)));
  CHECK(b->events.back().reason == CloseReason::shutdown_complete);
  usrsctp_close(b->sock);
}

TEST_CASE("oracle usrsctp: partial reliability both ways with FORWARD-TSN under loss") {
  Bridge* b = make_bridge(our_config(), true);
  REQUIRE(b->ours.connect(b->now()).ok());
  REQUIRE(pump(b, [&] { return b->ours.state() == State::established && b->sock && b->locked([&] { return b->usr_comm_up; }); },
               std::chrono::seconds(10)));
  // Ours -> usrsctp, max_retransmits = 0, 25 % of our DATA packets lost.
  b->drop_to_usr = [b](const std::vector<uint8_t>& p) { return has_data(p) && b->loss_rng.next_double() < 0.25; };
  const uint32_t n = 200;
  for (uint32_t i = 0; i < n; ++i)
    REQUIRE(b->ours.send(b->now(), StreamId(2), Ppid(i), body(i, 500 + i), SendOptions{.max_retransmits = 0}).ok());
  REQUIRE(pump(b, [&] { return b->ours.buffered_amount(StreamId(2)) == 0; }, std::chrono::seconds(30)));
  b->drop_to_usr = nullptr;
  // A reliable message afterwards arrives: usrsctp accepted our FORWARD-TSNs.
  REQUIRE(b->ours.send(b->now(), StreamId(2), Ppid(9999), body(9999, 100)).ok());
  REQUIRE(pump(b, [&] { return b->locked([&] { return !b->usr_received.empty() && b->usr_received.back().ppid == 9999; }); },
               std::chrono::seconds(20)));
  size_t got = b->usr_received.size() - 1;
  uint32_t last = 0;
  bool ordered = true, identical = true;
  for (size_t i = 0; i < got; ++i) {
    auto& m = b->usr_received[i];
    if (i && m.ppid <= last) ordered = false;
    last = m.ppid;
    if (m.bytes != body(m.ppid, 500 + m.ppid)) identical = false;
  }
  INFO("usrsctp got " << got << " of " << n << ", abandoned " << b->ours.stats().messages_abandoned);
  CHECK(ordered);
  CHECK(identical);
  CHECK(got < n);
  CHECK(n - got <= b->ours.stats().messages_abandoned);
  CHECK(b->ours.stats().forward_tsns_sent > 0);

  // usrsctp -> ours with PR-SCTP RTX 0 and 25 % of its DATA packets lost.
  b->drop_to_ours = [b](const std::vector<uint8_t>& p) { return has_data(p) && b->loss_rng.next_double() < 0.25; };
  uint32_t sent = 0;
  REQUIRE(pump(b, [&] {
    while (sent < n && usr_send(b, 4, sent, body(sent, 800), true) > 0) ++sent;
    return sent == n;
  }, std::chrono::seconds(20)));
  pump(b, [] { return false; }, std::chrono::seconds(3));
  b->drop_to_ours = nullptr;
  CHECK(usr_send(b, 4, 7777, body(7777, 100)) == 100);
  REQUIRE(pump(b, [&] {
    for (auto& e : b->events)
      if (e.type == EventType::message && e.ppid == Ppid(7777)) return true;
    return false;
  }, std::chrono::seconds(20)));
  size_t ours_got = 0;
  for (auto& e : b->events)
    if (e.type == EventType::message && e.stream == StreamId(4) && e.ppid != Ppid(7777)) {
      ++ours_got;
      CHECK(e.payload == body(e.ppid.value(), 800));
    }
  INFO("we got " << ours_got << " of " << n);
  CHECK(ours_got < n);
  CHECK(ours_got > 0);
  usrsctp_close(b->sock);
  usrsctp_close(b->listener);
}

TEST_CASE("oracle usrsctp: stream reset both ways (RFC 6525)") {
  Bridge* b = make_bridge(our_config(), true);
  REQUIRE(b->ours.connect(b->now()).ok());
  REQUIRE(pump(b, [&] { return b->ours.state() == State::established && b->sock && b->locked([&] { return b->usr_comm_up; }); },
               std::chrono::seconds(10)));
  REQUIRE(b->ours.send(b->now(), StreamId(5), Ppid(1), body(1, 20000)).ok());
  StreamId s[] = {StreamId(5)};
  REQUIRE(b->ours.reset_streams(b->now(), s).ok());
  REQUIRE(pump(b, [&] { return has(b->events, EventType::outgoing_streams_reset); }, std::chrono::seconds(10)));
  REQUIRE(pump(b, [&] { return b->locked([&] { return !b->usr_reset_incoming.empty(); }); }, std::chrono::seconds(5)));
  CHECK(b->usr_reset_incoming[0] == 5);
  CHECK(b->usr_received.size() == 1);
  // The stream is reused from SSN 0.
  REQUIRE(b->ours.send(b->now(), StreamId(5), Ppid(2), body(2, 10)).ok());
  REQUIRE(pump(b, [&] { return b->locked([&] { return b->usr_received.size() == 2; }); }, std::chrono::seconds(5)));

  // usrsctp resets its outgoing stream 6.
  CHECK(usr_send(b, 6, 3, body(3, 100)) == 100);
  REQUIRE(pump(b, [&] { return has(b->events, EventType::message); }, std::chrono::seconds(5)));
  std::vector<uint8_t> req(sizeof(struct sctp_reset_streams) + sizeof(uint16_t));
  auto* srs = reinterpret_cast<struct sctp_reset_streams*>(req.data());
  srs->srs_assoc_id = SCTP_ALL_ASSOC;
  srs->srs_flags = SCTP_STREAM_RESET_OUTGOING;
  srs->srs_number_streams = 1;
  srs->srs_stream_list[0] = 6;
  REQUIRE(usrsctp_setsockopt(b->sock, IPPROTO_SCTP, SCTP_RESET_STREAMS, srs, socklen_t(req.size())) == 0);
  REQUIRE(pump(b, [&] { return has(b->events, EventType::incoming_streams_reset); }, std::chrono::seconds(10)));
  for (auto& e : b->events)
    if (e.type == EventType::incoming_streams_reset) {
      REQUIRE(e.streams.size() == 1);
      CHECK(e.streams[0] == StreamId(6));
    }
  usrsctp_close(b->sock);
  usrsctp_close(b->listener);
}
