// pc/peer_connection_impl.h — the inside of sansrtc::PeerConnection
// (include/sansrtc/peer_connection.h), shared by peer_connection.cc (JSEP,
// transport wiring, events) and peer_connection_stats.cc (getStats JSON).
//
// One bundled transport: the TransportStack is created when the ICE role is
// first known (our offer applied: controlling; a remote offer applied:
// controlled, or controlling against ice-lite), the DTLS role once an answer
// fixes a=setup. Host candidates are gathered from the socket addresses the
// caller reported, starting at the first set_local_description (webrtc-pc
// §4.4.1.5) and once every ICE server hostname is resolved.
#pragma once

#include "base/crypto/certificate.h"
#include "base/crypto/ec.h"
#include "pc/configuration.h"
#include "pc/jsep.h"
#include "pc/transport/transport_stack.h"

#include <sansrtc/peer_connection.h>

#include <cstring>
#include <memory>
#include <type_traits>
#include <optional>
#include <string>
#include <vector>

namespace sansrtc {

// RTCCertificate: immutable key + self-signed certificate.
class Certificate {
 public:
  crypto::EcdsaP256Key key;
  crypto::Certificate certificate;
  crypto::Fingerprint fingerprint;  // sha-256
};

struct PeerConnection::Impl {
  struct Channel {
    DataChannelHandle handle = 0;
    std::string label;
    DataChannelInit init;
    std::optional<uint16_t> stream;   // assigned once created in the stack
    DataChannelState state = DataChannelState::connecting;
    bool in_stack = false;            // created in the DataChannelManager
    uint64_t low_threshold = 0;
    uint64_t messages_sent = 0, messages_received = 0, bytes_sent = 0, bytes_received = 0;
  };

  struct Counters {
    uint64_t events_dropped = 0;
    uint64_t channels_opened = 0;
    uint64_t channels_closed = 0;
    uint64_t datagrams_before_transport = 0;
    uint64_t bad_remote_candidates = 0;
    uint64_t bytes_sent = 0, bytes_received = 0;
    uint64_t packets_sent = 0, packets_received = 0;
    uint64_t selected_pair_changes = 0;
  };

  Impl(Instant now, Rng& rng, const Configuration& config, const PeerConnectionOptions& options,
       std::vector<pc::IceServerUrl> servers, CertificateHandle cert);

  // ---- wiring (peer_connection.cc) ----
  void add_stun_servers();
  // Adds `u` (a stun: URL) at `ip` unless that address is known already.
  void add_stun_server(const pc::IceServerUrl& u, const IpAddress& ip);
  std::string* find_unresolved(std::string_view host);
  Result<void> ensure_transport(Instant now, IceRole role);
  void apply_negotiation(Instant now);
  void start_gathering(Instant now);
  void feed_gathering(Instant now);
  void add_remote_candidates_from_sdp(Instant now, const pc::TransportParameters& p);
  Result<void> add_remote_candidate_line(Instant now, std::string_view line);
  void flush_pending_channels(Instant now);
  void pump();
  void on_transport_event(pc::TransportEvent&& e);
  void on_channel_event(datachannel::Event&& e);
  void drain_jsep();
  void update_states();
  // Appends an event of `type` (for `channel`) to the queue and returns it
  // for the caller to fill in at once; nullptr when it is dropped (closed,
  // or the queue is full: counted). Valid until the next push.
  PeerConnectionEvent* push_event(PeerConnectionEvent::Type type, DataChannelHandle channel = 0);
  // Queues the channel's close event and forgets it.
  void forget_channel(Channel* ch);
  // send_text/send_binary (owned == nullptr: `data` is copied) and send()
  // (`*owned` is `data`, moved in).
  Result<void> send_checked(Instant now, DataChannelHandle handle, Bytes data, bool binary,
                            std::vector<uint8_t>* owned);
  Channel* find_channel(DataChannelHandle h);
  const Channel* find_channel(DataChannelHandle h) const;
  Channel* find_by_stream(uint16_t stream);
  std::string local_transport_mid() const;
  std::optional<SessionDescriptionInit> local_with_candidates(const std::optional<SessionDescriptionInit>& d) const;
  std::optional<SessionDescriptionInit> remote_with_candidates(const std::optional<SessionDescriptionInit>& d) const;

  // ---- stats (peer_connection_stats.cc) ----
  std::string stats_json(Instant now) const;

  Rng& rng;
  Configuration config;
  PeerConnectionOptions options;
  std::vector<pc::IceServerUrl> servers;
  CertificateHandle cert;
  pc::Jsep jsep;
  std::unique_ptr<pc::TransportStack> transport;
  MonotonicNow clock;
  Instant created_at;

  // Gathering.
  // The addresses given (add_local_address), as the bytes of each
  // SocketAddress: a byte vector grows through the routine the image has
  // anyway (no vector<SocketAddress> instantiation just for this).
  std::vector<uint8_t> local_addresses;
  size_t local_address_count() const { return local_addresses.size() / sizeof(SocketAddress); }
  SocketAddress local_address(size_t i) const {
    static_assert(std::is_trivially_copyable_v<SocketAddress>);
    SocketAddress a;
    std::memcpy(&a, local_addresses.data() + i * sizeof(SocketAddress), sizeof(SocketAddress));
    return a;
  }
  size_t local_addresses_fed = 0;
  bool local_addresses_complete = false;
  bool end_of_local_fed = false;
  bool gathering_wanted = false;  // a local description was set
  std::vector<std::string> unresolved_server_hosts;
  std::vector<ice::StunServer> stun_servers;
  bool server_hosts_requested = false;

  // Remote candidates handed to the agent (per generation: remote ufrag).
  std::string remote_ufrag_in_agent;
  std::string stale_remote_ufrag;  // the remote ufrag before our last ICE restart
  // CRC-32 of each candidate line handed to the agent (the lines themselves
  // are in the remote description already), 4 bytes each in host order: a
  // byte vector grows through the routine the image has anyway (no
  // vector<uint32_t> instantiation just for this).
  std::vector<uint8_t> remote_candidates_added;
  bool dtls_started = false;
  std::optional<dtls::Role> dtls_role;

  // Data channels.
  std::vector<Channel> channels;
  DataChannelHandle next_handle = 1;

  // States as last reported.
  bool closed = false;
  IceGatheringState gathering_state = IceGatheringState::new_;
  IceConnectionState ice_state = IceConnectionState::new_;
  PeerConnectionState pc_state = PeerConnectionState::new_;
  IceTransportState ice_transport_state = IceTransportState::new_;
  IceGathererState gatherer_state = IceGathererState::new_;
  DtlsTransportState dtls_state = DtlsTransportState::new_;
  bool sctp_connected = false;
  SctpTransportState sctp_state = SctpTransportState::connecting;

  // Events.
  std::vector<PeerConnectionEvent> events;
  size_t events_head = 0;
  Counters counters;
};

}  // namespace sansrtc
