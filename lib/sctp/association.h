// sctp/association.h — one SCTP association (RFC 9260) as a sans-IO machine,
// made for WebRTC data channels over DTLS (RFC 8261, RFC 8831).
//
// The association exchanges whole SCTP packets as byte spans: each packet is
// one DTLS application-data record, so there are no IP addresses, no
// multi-homing and one path. Inputs are `handle_packet`/`handle_timeout` and
// the commands below; outputs are drained with `poll_transmit` (one packet per
// call, serialized into the caller's buffer, at most Config::mtu bytes),
// `poll_timeout` and `poll_event`.
//
// Implemented: the four-way handshake with a stateless HMAC-SHA256 state
// cookie (RFC 9260 §5.1, §5.1.3), simultaneous open and peer restart
// (§5.2), graceful shutdown (§9.2) and ABORT (§9.1), verification-tag rules
// (§8.5), timers T1-init, T1-cookie, T2-shutdown, T3-rtx, heartbeat, delayed
// SACK, RTO (§6.3), retransmission and fast retransmit (§6.2.1, §7.2.4),
// congestion control (§7.2), a_rwnd flow control, fragmentation and
// reassembly, ordered/unordered delivery, partial reliability with
// FORWARD-TSN (RFC 3758), stream reset (RFC 6525 outgoing SSN reset), zero
// checksum (RFC 9653) when both sides offer it.
//
// Left out: multi-homing and path management, ECN, AUTH (RFC 4895), ADD-IP,
// stream add requests, the SSN/TSN reset request (RFC 6525 §5.1.4; answered
// "denied", as are incoming SSN reset requests), I-DATA (RFC 8260: codec
// only, never offered). Ordered messages are delivered in TSN order (which
// implies per-stream SSN order); unordered ones as soon as they are whole.
// Outgoing messages are scheduled FIFO across streams (no per-stream round
// robin).
#pragma once

#include "base/bytes.h"
#include "base/strong_id.h"
#include "base/time.h"
#include <sansrtc/result.h>
#include <sansrtc/rng.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace sansrtc::sctp {

using StreamId = StrongId<struct StreamIdTag, uint16_t>;
using Ppid = StrongId<struct PpidTag, uint32_t>;

// Every limit of the association in one place.
struct Config {
  uint16_t local_port = 5000;    // RFC 8841 a=sctp-port; 5000 by default
  uint16_t remote_port = 5000;
  size_t mtu = 1200;             // max SCTP packet size handed to poll_transmit
  size_t max_message_size = 256 * 1024;  // largest message we send or accept
  size_t max_send_buffer = 8 * 1024 * 1024;     // bytes queued + in flight; send() fails beyond
  size_t max_receive_buffer = 4 * 1024 * 1024;  // advertised a_rwnd; bounds held data
  uint16_t max_outbound_streams = 1024;  // OS offered in INIT; negotiated down to peer's MIS
  uint16_t max_inbound_streams = 1024;   // MIS offered in INIT
  Duration rto_initial = std::chrono::milliseconds(1000);
  Duration rto_min = std::chrono::milliseconds(200);
  Duration rto_max = std::chrono::milliseconds(60000);
  int max_init_retransmits = 8;      // T1-init/T1-cookie expiries before giving up
  int max_retransmits = 10;          // Association.Max.Retrans (§16)
  Duration heartbeat_interval = std::chrono::milliseconds(30000);  // 0 disables
  Duration delayed_ack_timeout = std::chrono::milliseconds(200);
  Duration cookie_lifetime = std::chrono::milliseconds(60000);    // Valid.Cookie.Life
  Duration max_burst_interval{0};  // reserved, not enforced
  size_t max_burst = 4;              // reserved: §6.1 Max.Burst is not enforced yet (cwnd alone limits bursts)
  bool enable_partial_reliability = true;  // FORWARD-TSN (RFC 3758)
  bool enable_zero_checksum = false;       // RFC 9653, EDMID 1 (DTLS); only safe over DTLS
  bool enable_interleaving = false;        // I-DATA (RFC 8260): not implemented; must be false
  size_t max_events = 4096;          // events not yet polled; beyond, incoming data is not acked
  // Message buffers kept for reuse (see recycle()): sent messages' buffers
  // once acked, received payloads the application gives back. At most this
  // many buffers and bytes of capacity; a buffer larger than
  // max_pooled_buffer_size is freed instead. Messages up to that size cost
  // no allocation once the pool is warm; 0 buffers disables the pool.
  size_t max_pooled_buffers = 8;
  size_t max_pooled_buffer_size = 4096;
  size_t max_pooled_bytes = 16 * 1024;
};

// Per-message send options (RFC 3758 partial reliability; W3C
// RTCDataChannelInit maxRetransmits / maxPacketLifeTime).
struct SendOptions {
  bool unordered = false;
  std::optional<uint16_t> max_retransmits;  // abandon after this many retransmissions
  std::optional<Duration> lifetime;         // abandon when not acked within this time
};

enum class State : uint8_t {
  closed,
  cookie_wait,
  cookie_echoed,
  established,
  shutdown_pending,
  shutdown_sent,
  shutdown_received,
  shutdown_ack_sent,
};
const char* state_name(State s);

enum class EventType : uint8_t {
  connected,               // handshake done (either side); send() works now
  restarted,               // the peer restarted the association (§5.2.4 A); all streams reset
  message,                 // stream, ppid, unordered, payload
  incoming_streams_reset,  // streams: the peer reset its outgoing side of these (RFC 6525)
  outgoing_streams_reset,  // streams: our reset_streams() completed; SSNs are 0 again
  outgoing_streams_reset_failed,  // streams: the peer denied the reset
  buffered_amount_low,     // stream: buffered_amount fell to/below the threshold
  closed,                  // reason, message: the association is gone (terminal)
};
const char* event_type_name(EventType t);

enum class CloseReason : uint8_t {
  none,
  shutdown_complete,     // graceful shutdown finished (either side started it)
  local_abort,           // abort() was called
  peer_abort,            // ABORT received
  init_failed,           // T1-init / T1-cookie gave up
  retransmission_limit,  // Association.Max.Retrans exceeded (§8.1)
  protocol_violation,    // the peer broke the protocol; we sent ABORT
};
const char* close_reason_name(CloseReason r);

struct Event {
  EventType type = EventType::closed;
  StreamId stream{};               // message, buffered_amount_low
  Ppid ppid{};                     // message
  bool unordered = false;          // message
  std::vector<uint8_t> payload;    // message: the owned bytes (<= Config::max_message_size); give back with recycle()
  std::vector<StreamId> streams;   // *_streams_reset
  CloseReason reason = CloseReason::none;  // closed
  const char* detail = "";         // closed: static human-readable detail
};

// Dropped input, counted by reason.
struct Stats {
  uint64_t packets_received = 0;
  uint64_t packets_sent = 0;
  uint64_t data_chunks_sent = 0;
  uint64_t data_chunks_retransmitted = 0;
  uint64_t fast_retransmits = 0;
  uint64_t t3_expiries = 0;
  uint64_t data_chunks_received = 0;
  uint64_t duplicate_tsns_received = 0;
  uint64_t messages_received = 0;
  uint64_t messages_abandoned = 0;
  uint64_t forward_tsns_sent = 0;
  // drops by reason
  uint64_t drop_malformed = 0;           // packet or chunk does not parse
  uint64_t drop_bad_checksum = 0;
  uint64_t drop_bad_ports = 0;
  uint64_t drop_bad_verification_tag = 0;  // §8.5
  uint64_t drop_bad_cookie = 0;          // HMAC mismatch or malformed cookie
  uint64_t drop_stale_cookie = 0;        // older than cookie_lifetime
  uint64_t drop_unexpected_chunk = 0;    // not allowed in this state
  uint64_t drop_unknown_chunk = 0;       // unrecognized type, skipped per upper bits
  uint64_t drop_tsn_out_of_window = 0;   // DATA far beyond the receive window
  uint64_t drop_receive_buffer_full = 0; // DATA that did not fit (not acked)
  uint64_t drop_message_too_large = 0;   // reassembly beyond max_message_size (ABORT)
  uint64_t drop_bad_sack = 0;            // cumulative ack beyond what we sent, absurd gap blocks
  uint64_t drop_bad_stream = 0;          // stream id >= negotiated inbound streams
  uint64_t drop_bad_reconfig = 0;
  uint64_t inits_answered_statelessly = 0;
};

// The association: construct, then connect() (client) or just feed packets
// (server); both sides may call connect() (simultaneous open).
class Association {
 public:
  // `rng` must outlive the association (verification tags, initial TSNs,
  // the cookie secret). `config` is copied.
  Association(const Config& config, Rng& rng);
  ~Association();
  Association(const Association&) = delete;
  Association& operator=(const Association&) = delete;

  // Sends INIT and starts T1-init. Errors: invalid_state unless closed and
  // never connected.
  [[nodiscard]] Result<void> connect(Instant now);
  // The peer's port (a=sctp-port of its description, RFC 8841), when it is
  // learnt after construction. Errors: invalid_state once connect() was
  // called or the association left `closed`.
  [[nodiscard]] Result<void> set_remote_port(uint16_t port);

  // One received SCTP packet (the payload of one DTLS record); the span is
  // read during the call only. Bad packets are dropped and counted in stats().
  void handle_packet(Instant now, Bytes packet);
  // Fires due timers; early or spurious calls are harmless.
  void handle_timeout(Instant now);

  // Serializes the next packet into `buf` (needs >= Config::mtu bytes to
  // always fit; a smaller buffer limits the packet) and returns its size, or
  // nullopt when there is nothing to send now.
  std::optional<size_t> poll_transmit(MutBytes buf);
  std::optional<Instant> poll_timeout() const;
  std::optional<Event> poll_event();

  // Queues one message. The bytes are copied into a pooled buffer (the
  // rvalue overload takes the vector; its buffer joins the pool once acked). Errors: invalid_state (not established, stream being reset, or
  // shutting down), invalid_argument (stream >= negotiated outbound streams,
  // empty message), limit_exceeded (larger than the max message size or the
  // send buffer is full).
  [[nodiscard]] Result<void> send(Instant now, StreamId stream, Ppid ppid, Bytes message,
                                  const SendOptions& options = {});
  [[nodiscard]] Result<void> send(Instant now, StreamId stream, Ppid ppid,
                                  std::vector<uint8_t>&& message, const SendOptions& options = {});

  // Gives a message buffer back (a payload of a message event, or any
  // vector): the next received message is reassembled into it, or the next
  // send() with a span copied into it, so a caller that gives every payload
  // back gets no heap allocation per message in steady state (within the
  // Config::max_pooled_* bounds; beyond them the buffer is freed). Optional:
  // payloads never given back simply cost one allocation per message.
  void recycle(std::vector<uint8_t>&& buffer);

  // Resets the outgoing side of `streams` (RFC 6525 §5.1.2) once their queued
  // messages have been sent; completion is an outgoing_streams_reset event.
  // send() on these streams fails until then. Errors: invalid_state (not
  // established), invalid_argument (bad stream id, too many streams),
  // limit_exceeded (too many resets pending).
  [[nodiscard]] Result<void> reset_streams(Instant now, std::span<const StreamId> streams);

  // Graceful shutdown (§9.2): sends SHUTDOWN once all data is acked.
  [[nodiscard]] Result<void> shutdown(Instant now);
  // Sends ABORT (if there is a peer) and closes at once; a closed event follows.
  void abort(Instant now);

  // Bytes queued or in flight (not yet acked) on `stream`.
  size_t buffered_amount(StreamId stream) const;
  // A buffered_amount_low event fires when the amount drops from above `n` to <= n.
  void set_buffered_amount_low_threshold(StreamId stream, size_t n);
  // The peer's max message size (SDP a=max-message-size, RFC 8841); 0 = no
  // limit beyond our own. send() rejects larger messages.
  void set_remote_max_message_size(size_t n);

  State state() const;
  const Stats& stats() const;
  uint16_t outbound_streams() const;  // negotiated (after connected)
  uint16_t inbound_streams() const;
  Duration rto() const;
  size_t cwnd() const;
  // Internal consistency (used by tests and fuzzers after every call).
  bool is_consistent() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sansrtc::sctp
