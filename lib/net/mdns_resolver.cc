#include "net/mdns_resolver.h"

#include "net/asio_endpoint.h"
#include "net/udp_socket.h"

#include <array>
#include <utility>
#include <vector>

namespace sansrtc::net {

// Lives in a shared_ptr: the timer handler and the callbacks hold it (weakly
// and strongly respectively), so the resolver may be destroyed from inside a
// callback, and a wait still queued after destruction finds nothing.
struct MdnsResolver::Impl final : DatagramSink, std::enable_shared_from_this<MdnsResolver::Impl> {
  struct Pending {
    std::string name;
    uint16_t id = 0;
    Instant deadline;
    Instant next_send;
    std::vector<Callback> waiters;
  };

  Impl(EventLoop& l, MdnsResolverConfig c) : loop(l), config(std::move(c)), timer(l.context()) {}

  EventLoop& loop;
  MdnsResolverConfig config;
  asio::steady_timer timer;
  std::unique_ptr<UdpSocket> socket;
  std::vector<Pending> pending;
  uint16_t next_id = 1;
  uint64_t generation = 0;
  bool dead = false;
  MdnsResolverStats stats;

  Result<void> ensure_socket() {
    if (socket) return {};
    const IpAddress any = config.group.ip().is_v4() ? IpAddress() : IpAddress::v6({});
    auto s = UdpSocket::open(loop, SocketAddress(any, 0));
    if (!s.ok()) return s.error();
    socket = std::move(s).value();
    socket->start_receive(this);
    return {};
  }

  void send_query(Pending& p) {
    std::array<uint8_t, 600> buf;
    static constexpr std::array<uint16_t, 2> kTypes = {mdns::kTypeA, mdns::kTypeAAAA};
    auto n = mdns::build_query(p.name, p.id, kTypes, /*unicast_response=*/true, MutBytes(buf));
    if (!n.ok() || !socket->send_to(Bytes(buf.data(), *n), config.group).ok()) {
      ++stats.send_failed;
      return;
    }
    ++stats.queries_sent;
  }

  void on_datagram(const Datagram& d) override {
    if (dead) return;
    auto keep = shared_from_this();
    ++stats.responses;
    mdns::MessageReader reader;
    if (reader.start(d.payload) != mdns::ParseError::none) {
      ++stats.malformed;
      return;
    }
    const mdns::Header& h = reader.header();
    if (!h.is_response() || h.opcode() != 0 || h.rcode() != 0) return;  // RFC 6762 §18.11
    // One pass over the records; an answer completes every pending name it
    // names. Callbacks run after the pass, outside the table.
    std::vector<std::pair<std::vector<Callback>, mdns::Addresses>> done;
    mdns::Record rec;
    std::vector<mdns::Addresses> found(pending.size());
    while (reader.next_record(rec)) {
      if (rec.rrclass != mdns::kClassIn) continue;
      if (rec.type != mdns::kTypeA && rec.type != mdns::kTypeAAAA) continue;
      for (size_t i = 0; i < pending.size(); ++i) {
        if (!mdns::names_equal(rec.name.view(), pending[i].name)) continue;
        mdns::Addresses& a = found[i];
        if (rec.type == mdns::kTypeA && rec.rdata.size() == 4 && !a.v4) {
          a.v4 = IpAddress::v4(load_be32(rec.rdata.data()));
          if (!a.v6) a.ttl = rec.ttl;
        } else if (rec.type == mdns::kTypeAAAA && rec.rdata.size() == 16 && !a.v6) {
          std::array<uint8_t, 16> b;
          for (size_t k = 0; k < 16; ++k) b[k] = rec.rdata[k];
          a.v6 = IpAddress::v6(b);
          if (!a.v4) a.ttl = rec.ttl;
        }
      }
    }
    if (reader.error() != mdns::ParseError::none) ++stats.malformed;
    // Records read before an error still count: they were complete.
    for (size_t i = pending.size(); i-- > 0;) {
      if (found[i].empty()) continue;
      ++stats.resolved;
      done.emplace_back(std::move(pending[i].waiters), found[i]);
      pending.erase(pending.begin() + std::ptrdiff_t(i));
    }
    if (done.empty()) return;
    rearm();
    for (auto& [waiters, addresses] : done)
      for (auto& cb : waiters) {
        if (dead) return;
        cb(addresses);
      }
  }

  void rearm() {
    ++generation;
    if (pending.empty()) {
      timer.cancel();
      return;
    }
    Instant next = pending[0].next_send < pending[0].deadline ? pending[0].next_send : pending[0].deadline;
    for (const Pending& p : pending) {
      if (p.next_send < next) next = p.next_send;
      if (p.deadline < next) next = p.deadline;
    }
    timer.expires_at(loop.clock().to_steady(next));
    timer.async_wait([weak = weak_from_this(), gen = generation](const asio::error_code& ec) {
      if (ec == asio::error::operation_aborted) return;
      if (auto self = weak.lock(); self && self->generation == gen) self->on_timer();
    });
  }

  void on_timer() {
    if (dead) return;
    auto keep = shared_from_this();
    const Instant now = loop.now();
    std::vector<Callback> expired;
    for (size_t i = pending.size(); i-- > 0;) {
      Pending& p = pending[i];
      if (p.deadline <= now) {
        ++stats.timed_out;
        for (auto& cb : p.waiters) expired.push_back(std::move(cb));
        pending.erase(pending.begin() + std::ptrdiff_t(i));
      } else if (p.next_send <= now) {
        send_query(p);
        p.next_send = now + config.retransmit;
      }
    }
    rearm();
    const mdns::Addresses none;
    for (auto& cb : expired) {
      if (dead) return;
      cb(none);
    }
  }
};

MdnsResolver::MdnsResolver(EventLoop& loop, MdnsResolverConfig config)
    : impl_(std::make_shared<Impl>(loop, std::move(config))) {}

MdnsResolver::~MdnsResolver() {
  impl_->dead = true;
  ++impl_->generation;
  impl_->timer.cancel();
  if (impl_->socket) impl_->socket->close();
  impl_->pending.clear();
}

Result<void> MdnsResolver::resolve(const std::string& name, Callback done) {
  Impl& m = *impl_;
  std::array<uint8_t, 600> probe;
  static constexpr std::array<uint16_t, 1> kType = {mdns::kTypeA};
  if (auto n = mdns::build_query(name, 0, kType, true, MutBytes(probe)); !n.ok()) return n.error();
  for (auto& p : m.pending)
    if (mdns::names_equal(p.name, name)) {
      if (p.waiters.size() >= m.config.max_waiters_per_name) {
        ++m.stats.rejected;
        return make_error(Errc::limit_exceeded, "mdns: too many requests for one name");
      }
      p.waiters.push_back(std::move(done));
      return {};
    }
  if (m.pending.size() >= m.config.max_pending) {
    ++m.stats.rejected;
    return make_error(Errc::limit_exceeded, "mdns: too many names being resolved");
  }
  SANSRTC_TRY(m.ensure_socket());
  const Instant now = m.loop.now();
  Impl::Pending p;
  p.name = name;
  p.id = m.next_id++;
  if (m.next_id == 0) m.next_id = 1;
  p.deadline = now + m.config.timeout;
  p.next_send = now + m.config.retransmit;
  p.waiters.push_back(std::move(done));
  m.send_query(p);
  m.pending.push_back(std::move(p));
  m.rearm();
  return {};
}

size_t MdnsResolver::pending() const { return impl_->pending.size(); }
const MdnsResolverStats& MdnsResolver::stats() const { return impl_->stats; }

}  // namespace sansrtc::net
