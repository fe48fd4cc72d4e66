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

// The scalar state of a PeerConnection::Impl. Every field starts as zero
// (the enums' first values): the Impl constructor value-initializes it as
// one block instead of storing each field.
struct PeerConnectionScalars {
  struct Counters {
    uint64_t events_dropped;
    uint64_t channels_opened;
    uint64_t channels_closed;
    uint64_t datagrams_before_transport;
    uint64_t bad_remote_candidates;
    uint64_t bytes_sent, bytes_received;
    uint64_t packets_sent, packets_received;
    uint64_t selected_pair_changes;
  };
  // Set by the first create_data_channel(): hands channels made by the
  // application to the transport (apply_negotiation calls it when set).
  void (*flush_channels)(PeerConnection::Impl& impl, Instant now);
  size_t events_head;
  size_t local_addresses_fed;
  bool local_addresses_complete;
  bool end_of_local_fed;
  bool gathering_wanted;  // a local description was set
  bool server_hosts_requested;
  bool dtls_started;
  // States as last reported.
  bool closed;
  IceGatheringState gathering_state;
  IceConnectionState ice_state;
  PeerConnectionState pc_state;
  IceTransportState ice_transport_state;
  IceGathererState gatherer_state;
  DtlsTransportState dtls_state;
  bool sctp_connected;
  SctpTransportState sctp_state;
  Counters counters;
};
static_assert(IceGatheringState{} == IceGatheringState::new_ && SctpTransportState{} == SctpTransportState::connecting &&
              PeerConnectionState{} == PeerConnectionState::new_ && IceConnectionState{} == IceConnectionState::new_ &&
              IceTransportState{} == IceTransportState::new_ && DtlsTransportState{} == DtlsTransportState::new_ &&
              IceGathererState{} == IceGathererState::new_);

struct PeerConnection::Impl : PeerConnectionScalars {
  // Trivially copyable, so that the channel table grows and shrinks by
  // moving bytes (no per-type relocation code): the label and protocol are
  // in one heap block the entry owns (set_names / free_names).
  struct Channel {
    DataChannelHandle handle = 0;
    char* names = nullptr;            // label, then protocol; nullptr when both are empty
    uint32_t label_size = 0, protocol_size = 0;
    bool ordered = true;              // RTCDataChannelInit, as given or as the peer opened it
    bool negotiated = false;
    std::optional<uint16_t> max_packet_life_time;
    std::optional<uint16_t> max_retransmits;
    std::optional<uint16_t> id;
    std::optional<uint16_t> stream;   // assigned once created in the stack
    DataChannelState state = DataChannelState::connecting;
    bool in_stack = false;            // created in the DataChannelManager
    uint64_t low_threshold = 0;
    uint64_t messages_sent = 0, messages_received = 0, bytes_sent = 0, bytes_received = 0;
    std::string_view label() const { return {names, label_size}; }
    std::string_view protocol() const { return {names + label_size, protocol_size}; }
    void set_names(std::string_view label, std::string_view protocol);
    void free_names();
  };
  static_assert(std::is_trivially_copyable_v<Channel>);

  Impl(Instant now, Rng& rng, const Configuration& config, const PeerConnectionOptions& options,
       std::vector<pc::IceServerUrl> servers, CertificateHandle cert);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  // Forgets every channel (frees their names).
  void clear_channels();

  // ---- wiring (peer_connection.cc) ----
  void add_stun_servers();
  // Adds `u` (a stun: URL) at `ip` unless that address is known already.
  void add_stun_server(const pc::IceServerUrl& u, const IpAddress& ip);
  std::string* find_unresolved(std::string_view host);
  // Creates the transport unless there is one: ICE role from `p` (the
  // transport parameters now), `fallback` when it is not known yet.
  void ensure_transport(Instant now, const pc::TransportParameters* p, IceRole fallback);
  void apply_negotiation(Instant now);
  void start_gathering(Instant now);
  void feed_gathering(Instant now);
  void add_remote_candidates_from_sdp(Instant now, const pc::TransportParameters& p);
  Result<void> add_remote_candidate_line(Instant now, std::string_view line);
  void flush_pending_channels(Instant now);
  void pump();
  // Takes every transport event (none without a transport).
  void drain_transport();
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
  MonotonicNow clock;
  Instant created_at;
  // Remote candidates handed to the agent (per generation: remote ufrag).
  std::string remote_ufrag_in_agent;
  std::string stale_remote_ufrag;  // the remote ufrag before our last ICE restart
  DataChannelHandle next_handle = 1;

  std::unique_ptr<pc::TransportStack> transport;

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
  std::vector<std::string> unresolved_server_hosts;
  std::vector<ice::StunServer> stun_servers;
  // CRC-32 of each candidate line handed to the agent (the lines themselves
  // are in the remote description already), 4 bytes each in host order: a
  // byte vector grows through the routine the image has anyway (no
  // vector<uint32_t> instantiation just for this).
  std::vector<uint8_t> remote_candidates_added;
  // Data channels.
  std::vector<Channel> channels;
  // Events.
  std::vector<PeerConnectionEvent> events;
  std::optional<dtls::Role> dtls_role;
};

}  // namespace sansrtc
