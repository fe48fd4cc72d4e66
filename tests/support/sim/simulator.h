// support/sim/simulator.h — a deterministic, sans-IO network simulator.
//
// The Simulator owns a virtual clock (starting at kTestEpoch; it never reads a
// real clock), a priority queue of timed events and a small topology:
//
//   networks   the internet (network 0) and private networks behind NATs.
//              IP addresses are unique within a network, so two private
//              networks may both use 192.168.1.2.
//   nodes      hosts (own IPs; endpoints attach to them) and NAT boxes (own
//              external IPs in their outside network, own an inside network).
//              Every node has an uplink (node -> its network) and a downlink
//              (network -> node), each a Link with its own LinkConfig.
//   endpoints  machines under test, seen through the Endpoint adapter below,
//              bound to a host and a port (0 = every port of the host).
//
// A datagram from host A to B crosses A's uplink, is routed in A's network
// (to a node there by destination IP, else out through the network's NAT,
// whose uplink leads into the outside network, and so on) and finally B's
// downlink. A NAT's inside is instantaneous: the hosts' links carry delay.
//
// Everything random comes from ONE seed (SimConfig::seed): each link and NAT
// gets its own stream derived from it. Events at the same instant run in
// insertion order. After every input to an endpoint (datagram or timeout)
// the simulator drains its poll_transmit() and re-reads poll_timeout(); a
// timeout fires at exactly the reported instant. After calling a command on
// a machine directly, call wake(endpoint) so the simulator drains it.
//
// Drops are counted by DropReason; links and NATs keep their own counters.
// Memory is bounded by SimConfig::max_in_flight datagrams in the queue.
//
// Capture: SANSRTC_PCAP=<path> in the environment (or SimConfig::pcap_path,
// or open_pcap()) writes every delivered datagram, and with pcap_drops every
// dropped one, to a LINKTYPE_RAW pcap file. With the environment variable,
// the simulators of one process share the file (timestamps restart at each
// new simulator); run a single test case to get a clean capture.
//
// Test support: may throw (std::runtime_error on misuse, e.g. an endpoint
// that keeps asking for a timeout at the current instant without progress).
//
// Typical use:
//
//   sim::Simulator sim({.seed = sim::test_seed(1)});
//   INFO(sim::seed_info(sim.seed()));
//   auto nat = sim.add_nat(sim::NatConfig::symmetric(), {IpAddress::v4(203, 0, 113, 1)});
//   MyAdapter client(...), server(...);           // : sim::Endpoint
//   auto c = sim.attach({IpAddress::v4(192, 168, 1, 2)}, client, nat.inside, 5000);
//   auto s = sim.attach({IpAddress::v4(198, 51, 100, 1)}, server, sim.internet(), 3478);
//   sim.uplink(sim.host_of(c)).config().loss = 0.1;   // or .latency, .jitter, ...
//   client.machine.start(sim.now(), ...); sim.wake(c);
//   REQUIRE(sim.run_for([&] { return client.done(); }, std::chrono::seconds(60)));
#pragma once

#include "base/address.h"
#include "support/sim/link.h"
#include "support/sim/nat.h"
#include "support/sim/pcap_writer.h"
#include "support/sim/seed.h"
#include "support/sim/sim_types.h"

#include <sansrtc/time.h>

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <vector>

namespace sansrtc::sim {

// The sans-IO shape, as the simulator sees it. Each layer's tests implement it
// with a few lines forwarding to their machine (or use MachineEndpoint in
// support/sim/machine_endpoint.h).
struct Endpoint {
  virtual ~Endpoint() = default;
  // `d.payload` is valid during the call only.
  virtual void handle_datagram(Instant now, const Datagram& d) = 0;
  virtual void handle_timeout(Instant now) = 0;
  // Writes one datagram into `buf`. Transmit::source is the local address it
  // is sent from; an unspecified IP means "the host's first address of the
  // destination's family", port 0 means "the endpoint's port".
  virtual std::optional<Transmit> poll_transmit(MutBytes buf) = 0;
  virtual std::optional<Instant> poll_timeout() = 0;
};

struct SimConfig {
  uint64_t seed = 1;
  LinkConfig default_link{};   // config of every new uplink/downlink
  size_t max_in_flight = 100'000;  // datagrams queued in links; past it: dropped
  size_t transmit_buffer = 65'536; // size of the buffer given to poll_transmit
  size_t max_transmits_per_wake = 100'000;  // runaway guard (throws)
  size_t max_timer_spins = 1'000;  // timeouts at one instant without progress (throws)
  std::string pcap_path;       // empty: SANSRTC_PCAP if set, else no capture
  bool pcap_drops = true;      // also capture dropped datagrams (TTL 0)
  bool record_trace = false;   // keep a TraceRecord per delivery/drop
  size_t max_trace = 1'000'000;
  uint8_t ttl = 16;            // routing hops before DropReason::ttl_exceeded
};

struct SimStats {
  uint64_t sent = 0;        // datagrams accepted from endpoints
  uint64_t delivered = 0;   // datagrams handed to endpoints
  uint64_t dropped = 0;     // total over all reasons
  std::array<uint64_t, kDropReasonCount> dropped_by{};  // index: DropReason
  uint64_t timeouts = 0;    // handle_timeout calls
  size_t max_in_flight_seen = 0;
  uint64_t drops(DropReason r) const { return dropped_by[size_t(r)]; }
};

// One delivery or drop, as seen at the point it happened. A delivery's
// addresses are the receiver's view (after NAT); a drop's are the datagram's
// addresses where it was dropped.
struct TraceRecord {
  Instant at;
  uint64_t packet_id;  // same id for a datagram and its duplicate copies
  SocketAddress source;
  SocketAddress destination;
  uint32_t size;
  DropReason drop;     // none for a delivery
  EndpointId to;       // receiving endpoint (deliveries)
  bool operator==(const TraceRecord&) const = default;
};

// Info about a datagram an endpoint sent, for SimConfig send filters (loss
// masks: "drop the 3rd datagram B sends").
struct SentDatagram {
  Instant at;
  EndpointId from;
  uint64_t index;          // 0-based count of datagrams this endpoint sent
  SocketAddress source;    // after filling in defaults, before NAT
  SocketAddress destination;
  Bytes payload;
};

class Simulator {
 public:
  explicit Simulator(SimConfig config = {});
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // --- topology -----------------------------------------------------------
  static constexpr NetworkId internet() { return NetworkId(0); }

  // A host with these addresses in `network`. Throws if an address is taken.
  NodeId add_host(std::vector<IpAddress> addresses, NetworkId network = internet());

  struct NatHandle {
    NodeId node;        // the NAT box (for its links and Nat)
    NetworkId inside;   // the private network behind it
  };
  // A NAT with `external` addresses in `outside`, leading a new private network.
  NatHandle add_nat(const NatConfig& config, std::vector<IpAddress> external,
                    NetworkId outside = internet());

  // Binds `ep` to `host` at `port` (0: every port not bound by another
  // endpoint). The endpoint must outlive the simulator or be detached.
  // Drains the endpoint at once (it may have queued transmits).
  EndpointId attach(NodeId host, Endpoint& ep, uint16_t port = 0);
  // add_host + attach in one.
  EndpointId attach(std::vector<IpAddress> addresses, Endpoint& ep,
                    NetworkId network = internet(), uint16_t port = 0);
  void detach(EndpointId id);

  // Links of a host or NAT node. Configs can be changed at any time.
  Link& uplink(NodeId node);
  Link& downlink(NodeId node);
  // Sets both directions' configs.
  void set_links(NodeId node, const LinkConfig& config);
  Nat& nat(NodeId nat_node);
  NodeId host_of(EndpointId id) const;
  const std::vector<IpAddress>& addresses(NodeId node) const;
  // The first address of `family` of the endpoint's host, with the
  // endpoint's port (or `port` if the endpoint is bound to every port).
  SocketAddress address_of(EndpointId id, IpFamily family = IpFamily::v4, uint16_t port = 0) const;

  // --- running ------------------------------------------------------------
  Instant now() const { return now_; }
  uint64_t seed() const { return config_.seed; }
  // An independent seed for a machine's own Rng (stable across topology changes).
  uint64_t machine_seed(uint64_t stream) const { return derive_seed(config_.seed, 1'000'000 + stream); }

  // Runs the next event (advancing the clock to it). False if none.
  bool step();
  // Runs every event at or before `t`, then sets the clock to `t` (if later).
  void run_until(Instant t);
  void run_for(Duration d) { run_until(now_ + d); }
  // Runs events until `pred()` holds (checked before the first and after every
  // event) or the next event is after `limit`; then the clock is at the
  // instant pred became true, or at `limit`. Returns pred().
  bool run_until(const std::function<bool()>& pred, Instant limit);
  bool run_for(const std::function<bool()>& pred, Duration limit) {
    return run_until(pred, now_ + limit);
  }
  std::optional<Instant> next_event_time() const;
  size_t in_flight() const { return in_flight_; }

  // Drains the endpoint's transmits and re-reads its deadline at now(). Call
  // after invoking a command on the machine from the test.
  void wake(EndpointId id);

  // --- observing ----------------------------------------------------------
  const SimStats& stats() const { return stats_; }
  uint64_t delivered_to(EndpointId id) const;
  uint64_t sent_by(EndpointId id) const;
  // FNV-1a over every trace record (kept even when record_trace is off).
  uint64_t trace_digest() const { return digest_; }
  const std::vector<TraceRecord>& trace() const { return trace_; }
  // Return false to drop the datagram (counted as DropReason::test_filter).
  void set_send_filter(std::function<bool(const SentDatagram&)> filter) {
    send_filter_ = std::move(filter);
  }
  // Called for every delivery, before the endpoint sees it.
  void set_delivery_observer(std::function<void(const TraceRecord&, Bytes payload)> f) {
    delivery_observer_ = std::move(f);
  }
  void open_pcap(const std::string& path);
  PcapWriter* pcap() { return pcap_; }
  // "seed=N ..., sent=.., delivered=.., dropped: loss=.. ..." for INFO().
  std::string summary() const;

 private:
  enum class NodeKind : uint8_t { host, nat };
  struct Node {
    NodeKind kind;
    NetworkId network;              // where the node lives
    std::vector<IpAddress> ips;     // host addresses / NAT external addresses
    std::unique_ptr<Link> up, down;
    std::unique_ptr<Nat> nat;       // NAT only
    NetworkId inside;               // NAT only
    std::map<uint16_t, EndpointId> ports;  // host only; 0 = wildcard
  };
  struct Network {
    std::map<IpAddress, NodeId> nodes;
    std::optional<NodeId> gateway;  // the NAT whose inside this is
  };
  struct EndpointSlot {
    Endpoint* ep = nullptr;
    NodeId host;
    uint16_t port = 0;
    uint16_t default_port = 0;
    std::optional<Instant> deadline;
    uint64_t timer_gen = 0;
    Instant last_timer_at{};
    size_t timer_spins = 0;
    uint64_t sent = 0, delivered = 0;
  };
  struct Packet {
    uint64_t id;
    SocketAddress source, destination;
    std::vector<uint8_t> payload;
    uint8_t ttl;
  };
  enum class EventKind : uint8_t { at_router, at_node, timer };
  struct Event {
    Instant at;
    uint64_t seq;
    EventKind kind;
    uint32_t target;  // network / node / endpoint index
    uint64_t gen;     // timer generation, or packet slot
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  void push(Instant at, EventKind kind, uint32_t target, uint64_t gen);
  void service(EndpointId id);
  void send_from(EndpointId id, const Transmit& t, Bytes payload);
  void route(NetworkId net, Packet&& p);
  void send_on(Link& link, size_t ip_size, Packet&& p, EventKind kind, uint32_t target);
  void arrive_at_node(NodeId node, Packet&& p);
  void deliver(NodeId host, Packet&& p);
  void drop(const Packet& p, DropReason why);
  void record(const TraceRecord& r, Bytes payload);
  uint32_t store(Packet&& p);
  Packet take(uint32_t slot);
  NodeId new_node(NodeKind kind, NetworkId net, std::vector<IpAddress> ips);
  Node& node(NodeId id);
  const Node& node(NodeId id) const;

  SimConfig config_;
  Instant now_ = kTestEpoch;
  uint64_t seq_ = 0;
  uint64_t next_packet_id_ = 0;
  uint64_t streams_ = 0;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> queue_;
  std::vector<Packet> slots_;
  std::vector<uint32_t> free_slots_;
  size_t in_flight_ = 0;
  std::vector<Network> networks_;
  std::vector<Node> nodes_;
  std::vector<EndpointSlot> endpoints_;
  std::vector<uint8_t> tx_buf_;
  SimStats stats_;
  uint64_t digest_ = 0xcbf29ce484222325ull;
  std::vector<TraceRecord> trace_;
  std::function<bool(const SentDatagram&)> send_filter_;
  std::function<void(const TraceRecord&, Bytes)> delivery_observer_;
  std::unique_ptr<PcapWriter> own_pcap_;
  PcapWriter* pcap_ = nullptr;
};

}  // namespace sansrtc::sim
