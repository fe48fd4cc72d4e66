// sansrtc/peer_connection.h — the sans-IO RTCPeerConnection.
//
// One PeerConnection is the W3C RTCPeerConnection (webrtc-pc) as a state
// machine: bytes and a clock go in, bytes, deadlines and events come out. It
// owns and wires everything below it: JSEP offer/answer (RFC 8829), one
// bundled transport (RFC 8843) with ICE (RFC 8445), DTLS 1.2 (RFC 6347,
// fingerprints checked against the remote SDP, RFC 8122), SCTP (RFC 9260 over
// DTLS, RFC 8261) and data channels (RFC 8831/8832). Datagrams are
// demultiplexed by their first byte (RFC 7983).
//
// It does no IO and reads no clock. The caller (lib/net's driver, or your own
// loop: see tools/examples/udp_loop.cc) owns the UDP sockets:
//
//   auto pc = PeerConnection::create(now, config, rng, options).value();
//   pc->add_local_address(now, socket_address);   // one per bound socket
//   pc->end_of_local_addresses(now);
//   ... commands (create_offer, set_local_description, ...) ...
//   loop:
//     while (auto t = pc->poll_transmit(buf)) sendto(t->source → t->destination, buf[0..t->size))
//     while (auto e = pc->poll_event()) handle(*e)
//     wait for a datagram or pc->poll_timeout()
//     pc->handle_datagram(now, {from, to, payload}) or pc->handle_timeout(now)
//
// After every input or command, drain poll_transmit() and poll_event() and
// re-read poll_timeout(). `now` must never go backwards.
//
// Memory: once connected, a PeerConnection makes no heap allocation per
// datagram. For none per data channel message as well, give each received
// message's buffer back with recycle(e.data) once read, and send with
// send_text()/send_binary() (copied into a pooled buffer): the SCTP layer then
// reassembles and queues messages in a small bounded pool of reused buffers
// (8 buffers, 16 KiB in total by default, messages up to 4 KiB each; larger
// messages still cost an allocation each: see PeerConnectionOptions::
// message_pool_*). Not recycling is fine: each
// received message then simply costs one allocation.
//
// Threads: none. A PeerConnection is used from one thread at a time; the
// thread-safe facade is sansrtc::net::PeerConnectionHandle (lib/net).
//
// Errors: commands return Result; the Errc and a static message say what is
// wrong, mapped from the W3C exceptions: InvalidStateError → invalid_state,
// InvalidAccessError/TypeError/SyntaxError → invalid_argument (malformed for
// SDP syntax), OperationError → crypto_failure (certificates) or invalid_state, closed connection → closed. Bad input
// from the network is dropped and counted (see get_stats()), never an error.
//
// Events: W3C events in the order the spec fires them (signalingstatechange
// before negotiationneeded, iceconnectionstatechange before
// connectionstatechange, datachannel before that channel's open). A queue of
// `PeerConnectionOptions::max_queued_events` holds them between polls; a full
// queue drops and counts (stats "eventsDropped").
//
// Not here (later issues): media tracks (the transceiver model is in place;
// audio/video sections are answered as rejected unless codecs are
// configured), TURN relays (turn:/turns: servers are parsed and validated but
// produce no relay candidates yet), ICE over TCP.
#pragma once

#include <sansrtc/address.h>
#include <sansrtc/peer_connection_types.h>
#include <sansrtc/result.h>
#include <sansrtc/rng.h>
#include <sansrtc/time.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sansrtc {

// The DTLS identity of a connection (RTCCertificate): an ECDSA P-256 key and
// a self-signed certificate. Immutable once made; share it between
// connections through CertificateHandle.
// Errors: crypto_failure (key generation or signing failed).
Result<CertificateHandle> generate_certificate(Rng& rng, int64_t unix_time_seconds = 0);
// "sha-256 AB:CD:…" of the certificate (the SDP a=fingerprint value).
std::string certificate_fingerprint(const Certificate& certificate);

// A cryptographically secure Rng for production use (CTR_DRBG, AES-256,
// seeded from the operating system: getrandom() / /dev/urandom through
// mbedTLS's entropy collector). Devices without an OS seed one themselves:
// `entropy(user, out, len)` fills `out` and returns 0 on success.
// Errors: crypto_failure (no entropy).
Result<std::unique_ptr<Rng>> make_secure_rng();
Result<std::unique_ptr<Rng>> make_secure_rng(int (*entropy)(void* user, uint8_t* out, size_t len), void* user);

// A data channel as the application names it. Stable for the life of the
// connection (unlike the SCTP stream id, which is known only once the DTLS
// role is). Never 0.
using DataChannelHandle = uint32_t;

// RTCDataChannel's attributes.
struct DataChannelInfo {
  DataChannelHandle handle = 0;
  std::string label;
  std::string protocol;
  bool ordered = true;
  std::optional<uint16_t> max_packet_life_time;
  std::optional<uint16_t> max_retransmits;
  bool negotiated = false;
  std::optional<uint16_t> id;        // SCTP stream id; nullopt until assigned
  DataChannelState state = DataChannelState::connecting;
  uint64_t buffered_amount = 0;
  uint64_t buffered_amount_low_threshold = 0;
  uint64_t messages_sent = 0, messages_received = 0;
  uint64_t bytes_sent = 0, bytes_received = 0;
};

struct PeerConnectionEvent {
  enum class Type : uint8_t {
    // RTCPeerConnection events.
    signaling_state_change,        // signaling_state
    negotiation_needed,
    ice_gathering_state_change,    // ice_gathering_state
    ice_candidate,                 // candidate (nullopt: the W3C null candidate, gathering done)
    ice_candidate_error,           // candidate_error
    ice_connection_state_change,   // ice_connection_state
    connection_state_change,       // connection_state
    data_channel,                  // channel: the peer opened it (RTCDataChannelEvent)
    // RTCDtlsTransport / RTCSctpTransport statechange (webrtc-pc §5.5,
    // §6.1.1): a peer's close_notify or SCTP ABORT shows here at once, long
    // before ICE consent expires.
    dtls_state_change,             // dtls_state
    sctp_state_change,             // sctp_state
    // RTCDataChannel events, all with `channel`.
    channel_open,
    channel_message,               // binary, data
    channel_buffered_amount_low,
    channel_error,                 // error_text
    channel_closing,
    channel_close,
    // Ask the caller to resolve `hostname`: an mDNS ".local" candidate name
    // (RFC 8828; resolve by mDNS) or a STUN server's host name (DNS; asked
    // once, at create()). Answer with resolved_hostname(); gathering waits
    // for every STUN server name to be answered (found or not).
    resolve_hostname,
  };
  Type type = Type::signaling_state_change;
  SignalingState signaling_state = SignalingState::stable;
  IceGatheringState ice_gathering_state = IceGatheringState::new_;
  IceConnectionState ice_connection_state = IceConnectionState::new_;
  PeerConnectionState connection_state = PeerConnectionState::new_;
  DtlsTransportState dtls_state = DtlsTransportState::new_;
  SctpTransportState sctp_state = SctpTransportState::connecting;
  std::optional<IceCandidateInit> candidate;
  struct CandidateError {
    std::string address;        // local address, "" when unknown
    uint16_t port = 0;
    std::string url;            // the STUN/TURN server
    uint16_t error_code = 0;    // STUN error code, or 701 (no answer)
    std::string error_text;
  } candidate_error;
  DataChannelHandle channel = 0;
  bool binary = false;
  std::vector<uint8_t> data;    // channel_message: the payload; give it back with recycle() once read
  std::string error_text;
  std::string hostname;
};
const char* to_string(PeerConnectionEvent::Type t);

// What the W3C API does not configure.
struct PeerConnectionOptions {
  // Wall-clock seconds since 1970 for the generated certificate's validity
  // (the core reads no clock). 0 is fine: peers check fingerprints, not dates.
  int64_t unix_time_seconds = 0;
  // Gather host candidates on loopback addresses (tests, local servers).
  bool allow_loopback = false;
  // STUN server hostnames already resolved by the caller: ("host", ip).
  // A stun: URL whose host is neither an IP literal nor listed here gathers
  // nothing and reports an icecandidateerror (701).
  std::vector<std::pair<std::string, IpAddress>> resolved_hosts;
  // ICE check pacing (RFC 8445 Ta) and the controlling agent's nomination
  // delay after the first valid pair.
  Duration ice_ta = std::chrono::milliseconds(5);
  Duration ice_nomination_delay = std::chrono::milliseconds(50);
  // DTLS first retransmission timeout (RFC 6347 says 1 s; a low value costs
  // a few duplicate flights and saves a second whenever a flight is lost).
  Duration dtls_initial_rto = std::chrono::milliseconds(200);
  // DTLS server HelloVerifyRequest cookies (RFC 6347 §4.2.1). Off by
  // default: DTLS runs only on an address ICE has already verified with a
  // MESSAGE-INTEGRITY-checked exchange, so the cookie's protection against
  // spoofed sources is already there, and it costs a round trip.
  bool dtls_cookie = false;
  uint16_t sctp_port = 5000;
  // a=max-message-size we announce and the largest message we accept.
  uint64_t max_message_size = 262144;
  // SCTP receive window and send buffer per association.
  uint32_t sctp_receive_window = 1024 * 1024;
  uint32_t sctp_send_buffer = 4 * 1024 * 1024;
  // The pool of reused message buffers (see "Memory" above): at most this
  // many buffers and bytes in total; buffers larger than
  // message_pool_buffer_size are freed, not reused. Raise the buffer size to
  // the largest message you exchange for zero allocations with big messages
  // (costs up to message_pool_bytes of RAM per connection).
  uint32_t message_pool_buffers = 8;
  uint32_t message_pool_buffer_size = 4096;
  uint32_t message_pool_bytes = 16 * 1024;
  uint16_t max_data_channels = 1024;
  size_t max_queued_events = 1024;
};

// RTCStatsReport as JSON: an object keyed by stats id, each value an object
// with "id", "type", "timestamp" and the W3C fields of its type
// (peer-connection, transport, candidate-pair, local-candidate,
// remote-candidate, certificate, data-channel).
struct StatsReport {
  std::string json;
};

class PeerConnection {
 public:
  // Validates `config` (ICE server URLs and credentials) and makes the
  // certificate when `config.certificates` is empty. Errors: invalid_argument
  // (bad configuration, with the failing URL in the message), crypto_failure
  // (certificate generation). `rng` must outlive the connection.
  static Result<std::unique_ptr<PeerConnection>> create(Instant now, const Configuration& config, Rng& rng,
                                                         const PeerConnectionOptions& options = {});
  ~PeerConnection();
  PeerConnection(const PeerConnection&) = delete;
  PeerConnection& operator=(const PeerConnection&) = delete;

  // ---- local sockets -------------------------------------------------------
  // The address of a bound UDP socket (one per interface; port = bound port).
  // Host candidates are gathered from these once a local description is set.
  // Errors: invalid_argument (unspecified address or port 0), closed.
  Result<void> add_local_address(Instant now, const SocketAddress& address);
  // Every socket is reported: gathering may complete.
  void end_of_local_addresses(Instant now);

  // ---- JSEP (webrtc-pc §4.4) ----------------------------------------------
  Result<SessionDescriptionInit> create_offer(Instant now, const OfferOptions& options = {});
  Result<SessionDescriptionInit> create_answer(Instant now);
  // `desc.sdp` empty: the implicit form (offer or answer as the state needs).
  Result<void> set_local_description(Instant now, const SessionDescriptionInit& desc = {SdpType::offer, {}});
  Result<void> set_remote_description(Instant now, const SessionDescriptionInit& desc);
  // An empty `candidate` is end-of-candidates. Errors: invalid_argument
  // (no mid/index, bad candidate grammar), invalid_state (no remote
  // description), not_found (unknown mid, ufrag of no generation), closed.
  Result<void> add_ice_candidate(Instant now, const IceCandidateInit& candidate);
  void restart_ice(Instant now);

  std::optional<SessionDescriptionInit> local_description() const;
  std::optional<SessionDescriptionInit> current_local_description() const;
  std::optional<SessionDescriptionInit> pending_local_description() const;
  std::optional<SessionDescriptionInit> remote_description() const;
  std::optional<SessionDescriptionInit> current_remote_description() const;
  std::optional<SessionDescriptionInit> pending_remote_description() const;
  // nullopt until a remote description is set (W3C null).
  std::optional<bool> can_trickle_ice_candidates() const;

  SignalingState signaling_state() const;
  IceGatheringState ice_gathering_state() const;
  IceConnectionState ice_connection_state() const;
  PeerConnectionState connection_state() const;
  // The bundled transport's RTCDtlsTransport.state and RTCSctpTransport.state
  // (nullopt: no such transport yet).
  std::optional<DtlsTransportState> dtls_transport_state() const;
  std::optional<SctpTransportState> sctp_transport_state() const;

  Configuration get_configuration() const;
  // Errors: invalid_state for fields that cannot change (certificates,
  // bundle_policy, rtcp_mux_policy, ice_candidate_pool_size after
  // set_local_description), invalid_argument for bad URLs, closed. New STUN
  // servers serve the next gathering (an ICE restart regathers); a changed
  // ice_transport_policy applies to transports created afterwards (the
  // running agent keeps its own; TURN relays come with the TURN client).
  Result<void> set_configuration(const Configuration& config);

  // ---- data channels (webrtc-pc §6) ---------------------------------------
  // The channel opens once the SCTP association is up (negotiated channels
  // at once, in-band ones after DATA_CHANNEL_OPEN). The first channel makes
  // negotiation needed. Errors: invalid_argument (W3C TypeError cases, id in
  // use or of the wrong parity), limit_exceeded, closed.
  Result<DataChannelHandle> create_data_channel(Instant now, std::string_view label,
                                                const DataChannelInit& init = {});
  // RTCDataChannel.send(). Errors: not_found, invalid_state (not open),
  // limit_exceeded (message larger than the peer's max-message-size, or the
  // send buffer is full).
  Result<void> send_text(Instant now, DataChannelHandle channel, std::string_view text);
  Result<void> send_binary(Instant now, DataChannelHandle channel, Bytes data);
  Result<void> send(Instant now, DataChannelHandle channel, std::vector<uint8_t>&& data, bool binary);
  // Gives a buffer back for reuse: typically the `data` of a channel_message
  // event once the application has read it (see "Memory" above). Optional;
  // buffers beyond the pool's bounds, or given after close(), are freed.
  void recycle(std::vector<uint8_t>&& buffer);
  // RTCDataChannel.close(). Errors: not_found.
  Result<void> close_data_channel(Instant now, DataChannelHandle channel);
  Result<void> set_buffered_amount_low_threshold(DataChannelHandle channel, uint64_t bytes);
  // nullopt for an unknown handle (closed channels are forgotten after
  // their channel_close event).
  std::optional<DataChannelInfo> data_channel(DataChannelHandle channel) const;
  // RTCDataChannel.bufferedAmount without copying the channel's strings
  // (for senders pacing themselves). nullopt for an unknown handle.
  std::optional<uint64_t> buffered_amount(DataChannelHandle channel) const;
  std::vector<DataChannelHandle> data_channels() const;
  // The peer's a=max-message-size (RTCSctpTransport.maxMessageSize); nullopt
  // before SCTP is negotiated.
  std::optional<uint64_t> max_message_size() const;

  // ---- stats ---------------------------------------------------------------
  StatsReport get_stats(Instant now) const;

  // ---- close ---------------------------------------------------------------
  // RTCPeerConnection.close(): every channel closes (without events, as W3C
  // says), SCTP aborts, DTLS sends close_notify, ICE stops; signaling_state
  // and connection_state become closed without events.
  void close(Instant now);
  bool is_closed() const;

  // ---- network and time -----------------------------------------------------
  // `d.destination` must be the local socket address it arrived on.
  void handle_datagram(Instant now, const Datagram& d);
  void handle_timeout(Instant now);
  // An mDNS name asked for by a resolve_hostname event (nullopt: no answer).
  void resolved_hostname(Instant now, std::string_view hostname, std::optional<IpAddress> ip);

  // ---- outputs ---------------------------------------------------------------
  // The next datagram, written into `buf` (give at least 1500 bytes).
  std::optional<Transmit> poll_transmit(MutBytes buf);
  std::optional<Instant> poll_timeout() const;
  std::optional<PeerConnectionEvent> poll_event();

  // The local ICE username fragment of the current generation (a server that
  // shares one UDP port between connections routes STUN by it).
  std::string local_ice_ufrag() const;
  // Heap bytes held by this connection's own structures now: the
  // connection, its ICE agent, event queue and channel table. Not included:
  // data queued in SCTP/DTLS (see buffered_amount()) and mbedTLS's own
  // allocations. For measurements.
  size_t memory_usage() const;

  struct Impl;

 private:
  explicit PeerConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sansrtc
