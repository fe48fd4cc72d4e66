// pc/transport/transport_stack.h — the sans-IO transport stack of one bundled
// PeerConnection transport: ICE agent -> RFC 7983 demultiplexing -> DTLS ->
// SCTP (RFC 8261) -> data channels (RFC 8831/8832).
//
// Receive path. Every datagram is classified by its first byte (RFC 7983 §7):
//   [0..3]     STUN          -> ice::Agent::handle_datagram
//   [20..63]   DTLS          -> dtls::Connection::handle_datagram
//   [64..79]   TURN channel  -> dropped and counted (no TURN client yet)
//   [128..191] RTP/RTCP      -> counted and dropped (media comes later)
//   anything else            -> dropped and counted
// Each DTLS application-data record is one SCTP packet (RFC 8261: SCTP
// packets are sent as DTLS user messages, one per record); association
// events go to the DataChannelManager.
//
// Send path. poll_transmit() drains the children in a fixed order: the ICE
// agent first, then DTLS; when DTLS has nothing queued it has SCTP write ONE
// packet straight into the caller's buffer, at the offset of a record's
// plaintext, and DTLS seals that record in place (no copy; through a
// bounded scratch buffer and DTLS's send queue only when the caller's
// buffer is smaller than a full record), so DTLS's send queue never fills
// from SCTP. DTLS datagrams leave on the
// ICE agent's selected pair (source = the pair's local base, destination =
// the pair's remote); without a selected pair DTLS is not polled. The last
// selected pair is cached so that close_notify still leaves after close().
//
// Sequencing. ICE works from construction. The DTLS role may be given later
// (defer_dtls_role + set_dtls_role, with set_remote_fingerprints, as the
// answer arrives); start() creates the DTLS connection: the server starts
// listening at once; the DTLS client
// sends its ClientHello once ICE reports a selected pair. The SCTP
// association is connected (INIT) by the DTLS client once DTLS is connected;
// the DTLS server's association answers.
//
// Time. poll_transmit() and poll_event() take no `now`; the work they do
// (moving an SCTP packet into DTLS, reacting to a child event) uses the
// `now` of the last input or command.
//
// ICE restart: DTLS simply follows the agent's selected pair (no new
// handshake, as in RFC 8445 §9 with an unchanged DTLS association).
//
// Leaves out: TURN relays (a transmit whose source is a relayed address,
// Agent::relay_for(), must be routed through the TURN client by the parent),
// SRTP/RTP (keys are stored, RTP is dropped), checking that DTLS datagrams
// come from the selected remote address, reacting to ICE failure (DTLS and
// SCTP keep their own timers).
#pragma once

#include "base/address.h"
#include "base/bytes.h"
#include "base/ring_buffer.h"
#include "base/time.h"
#include "datachannel/data_channel_manager.h"
#include "dtls/connection.h"
#include "ice/agent.h"
#include "sctp/association.h"
#include <sansrtc/result.h>
#include <sansrtc/rng.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace sansrtc::pc {

// RFC 7983 §7 classification of a datagram's first byte.
enum class PacketKind : uint8_t { stun, dtls, turn_channel, rtp, unknown };
PacketKind classify_packet(Bytes datagram);

struct TransportConfig {
  ice::Config ice;
  // Role (from a=setup), certificate, key and remote fingerprints live here.
  dtls::Config dtls;
  // Ports from a=sctp-port (5000 by default). The mtu is clamped so that one
  // SCTP packet plus the DTLS record overhead fits dtls.mtu.
  sctp::Config sctp;
  // dtls_role is filled in from dtls.role.
  datachannel::Config datachannel;
  // True when the DTLS role (a=setup) is not known at construction (ICE
  // gathers from set_local_description, the answer decides the role):
  // dtls.role is then ignored until set_dtls_role(), and start() and
  // in-band channels without an id wait for it.
  bool defer_dtls_role = false;
  // The peer's a=max-message-size (RFC 8841 §6); 0 = no limit beyond ours.
  size_t remote_max_message_size = 0;
  // ICE, DTLS and SCTP-state events not yet polled (data channel events are
  // queued by the DataChannelManager, bounded by datachannel.max_events).
  size_t max_queued_events = 64;
};

// Bytes a DTLS 1.2 AEAD record adds to an SCTP packet: 13-byte header,
// 8-byte explicit nonce (GCM; ChaCha20 has none) and a 16-byte tag.
inline constexpr size_t kDtlsRecordOverhead = 13 + 8 + 16;
inline constexpr size_t kMaxScratch = 1500;

enum class SctpTransportState : uint8_t { connected, restarted, closed };

struct TransportEvent {
  enum class Kind : uint8_t {
    ice,            // ice: state changes, candidates, selected pair, ...
    dtls_state,     // dtls_state
    dtls_error,     // error, alert (a state change to failed/closed follows)
    srtp_keys,      // keys are available through srtp_keys() (not kept under SANSRTC_NO_MEDIA)
    sctp_state,     // sctp_state, sctp_reason
    channel,        // channel: a data channel event
  };
  Kind kind = Kind::ice;
  ice::Event ice;
  dtls::TransportState dtls_state = dtls::TransportState::new_;
  Error error{Errc::internal, nullptr};
  std::optional<dtls::AlertDescription> alert;
  SctpTransportState sctp_state = SctpTransportState::closed;
  sctp::CloseReason sctp_reason = sctp::CloseReason::none;
  datachannel::Event channel;
};

struct TransportStats {
  uint64_t datagrams_received = 0;
  uint64_t stun_received = 0;
  uint64_t dtls_received = 0;
  uint64_t sctp_packets_received = 0;
  uint64_t sctp_packets_sent = 0;
  uint64_t datagrams_sent = 0;
  uint64_t dropped_rtp = 0;               // media not implemented yet
  uint64_t dropped_turn_channel = 0;      // no TURN client yet
  uint64_t dropped_unknown = 0;           // first byte in no RFC 7983 range
  uint64_t dropped_dtls_not_started = 0;
  uint64_t dropped_sctp_to_dtls = 0;      // send_application_data refused a packet
  uint64_t events_dropped = 0;            // event queue full
};

class TransportStack {
 public:
  // `rng` must outlive the stack; so must the certificate and key the DTLS
  // config points to.
  TransportStack(Instant now, const TransportConfig& config, Rng& rng);
  ~TransportStack();
  TransportStack(const TransportStack&) = delete;
  TransportStack& operator=(const TransportStack&) = delete;

  // Before start(): the DTLS role from a=setup (RFC 5763 §5: active =
  // client) and the peer's a=fingerprint values. Errors: invalid_state
  // (after start(), or the role is already set to the other one),
  // limit_exceeded (more than 4 fingerprints).
  [[nodiscard]] Result<void> set_dtls_role(dtls::Role role);
  [[nodiscard]] Result<void> set_remote_fingerprints(std::span<const crypto::Fingerprint> fingerprints);

  // Creates the DTLS connection (the server starts listening, the client
  // sends its ClientHello once ICE has a selected pair); the rest follows
  // from ICE progress. ICE works before start(). Errors: invalid_state
  // (started twice, DTLS role unknown), DTLS config errors.
  [[nodiscard]] Result<void> start(Instant now);

  // --- ICE passthrough (signalling) ---------------------------------------
  [[nodiscard]] Result<void> add_local_interface(Instant now, const SocketAddress& host);
  void end_of_local_interfaces(Instant now);
  [[nodiscard]] Result<void> set_remote_credentials(Instant now, std::string_view ufrag, std::string_view pwd);
  [[nodiscard]] Result<void> add_remote_candidate(Instant now, const ice::Candidate& c);
  void end_of_remote_candidates(Instant now);

  // --- network and time ---------------------------------------------------
  void handle_datagram(Instant now, const Datagram& d);
  void handle_timeout(Instant now);

  // --- data channels ------------------------------------------------------
  [[nodiscard]] Result<datachannel::ChannelId> create_data_channel(Instant now, std::string_view label,
                                                                   const datachannel::ChannelInit& init = {});
  // One message, copied into a pooled buffer; `binary` picks the PPID.
  [[nodiscard]] Result<void> send(Instant now, datachannel::ChannelId id, Bytes data, bool binary);
  [[nodiscard]] Result<void> send_text(Instant now, datachannel::ChannelId id, std::string_view text) {
    return send(now, id, Bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size()), false);
  }
  [[nodiscard]] Result<void> send_binary(Instant now, datachannel::ChannelId id, Bytes data) {
    return send(now, id, data, true);
  }
  [[nodiscard]] Result<void> close_data_channel(Instant now, datachannel::ChannelId id);
  // Gives a message buffer back (the `channel.data` of a message event once
  // read): see sctp::Association::recycle. A caller that gives every message
  // back and sends with send_text/send_binary (copied into pooled buffers)
  // makes no heap allocation per message or packet once connected (within
  // sctp::Config::max_pooled_*). Optional.
  void recycle(std::vector<uint8_t>&& buffer) { channels_.recycle(std::move(buffer)); }

  // Closes everything: SCTP abort, DTLS close_notify, ICE close.
  void close(Instant now);

  // --- outputs ------------------------------------------------------------
  std::optional<Transmit> poll_transmit(MutBytes buf);
  std::optional<Instant> poll_timeout() const;
  // Layer events (ICE, DTLS, SRTP keys, SCTP state) first, in the order they
  // happened, then data channel events.
  std::optional<TransportEvent> poll_event();
  // poll_event() in two halves, for a parent that takes data channel events
  // straight from channels().poll_event(): the layer events only (never
  // Kind::channel). Once it returns nullopt, channel events are next.
  std::optional<TransportEvent> poll_layer_event();

  // --- inspection ---------------------------------------------------------
  // The SRTP keys once DTLS exported them; always nullopt in builds without
  // media (SANSRTC_NO_MEDIA: nothing uses them, so they are not kept).
  const std::optional<dtls::SrtpKeyingMaterial>& srtp_keys() const { return srtp_keys_; }
  const TransportStats& stats() const { return stats_; }
  ice::Agent& ice() { return ice_; }
  const ice::Agent& ice() const { return ice_; }
  // nullptr before start().
  dtls::Connection* dtls() { return dtls_ ? &*dtls_ : nullptr; }
  const dtls::Connection* dtls() const { return dtls_ ? &*dtls_ : nullptr; }
  sctp::Association& sctp() { return sctp_; }
  const sctp::Association& sctp() const { return sctp_; }
  datachannel::DataChannelManager& channels() { return channels_; }
  const datachannel::DataChannelManager& channels() const { return channels_; }

 private:
  // Reacts to and forwards every child event (ICE, DTLS, SCTP, channels).
  void process(Instant now);
  void drain_sctp_events(Instant now);
  // Queues an event of `kind` and returns it to be filled in at once;
  // nullptr when the queue is full (counted).
  TransportEvent* push(TransportEvent::Kind kind);
  TransportEvent* push(TransportEvent&& e);
  void touch(Instant now);

  // Only the parts used after construction are kept: the DTLS config
  // (start() creates the Connection from it) and the SCTP packet size. ICE,
  // SCTP and the channel manager copy what they need of theirs.
  dtls::Config dtls_config_;
  Rng& rng_;
  size_t sctp_mtu_;
  MonotonicNow clock_;
  Instant last_now_;
  bool started_ = false;
  bool dtls_started_ = false;   // client: ClientHello sent; server: listening
  bool sctp_connect_issued_ = false;
  bool closed_ = false;
  bool dtls_role_known_ = true;
  ice::Agent ice_;
  std::optional<dtls::Connection> dtls_;  // created by start()
  sctp::Association sctp_;
  datachannel::DataChannelManager channels_;
  std::optional<ice::SelectedPair> selected_;  // the agent's, cached (see process())
  std::optional<dtls::SrtpKeyingMaterial> srtp_keys_;
  RingBuffer<TransportEvent> events_;
  TransportStats stats_;
  // Only for caller buffers smaller than a full record; SCTP writes each
  // packet before it is read, so it is not cleared.
  std::array<uint8_t, kMaxScratch> scratch_;
};

}  // namespace sansrtc::pc
