// datachannel/data_channel_manager.h — WebRTC data channels over one SCTP
// association, as a sans-IO machine.
//
// Implements RFC 8831 §6 (data channels on SCTP streams: §6.4 channel
// types and reliability, §6.5 stream ids by DTLS role, §6.6 empty messages,
// §6.7 closing by stream reset, §8 PPIDs) and the DCEP procedures of RFC 8832
// §6, with the W3C RTCDataChannel state model (connecting/open/closing/closed
// and the events datachannel, open, message, bufferedamountlow, error,
// closing, close).
//
// Shape. The manager does not own the association. The caller (the
// PeerConnection, or a test) owns both, feeds every event it polls from the
// association into handle_association_event(), and drains poll_event() and
// then the association's poll_transmit() after every input or command. The
// manager issues commands (send, reset_streams, thresholds) to the
// `sctp::Association&` it was given; it never reads a clock or calls out.
//
// Choices where the RFCs leave room:
//  - The creator of an in-band channel announces it open as soon as the
//    DATA_CHANNEL_OPEN is queued on a connected association (as browsers do;
//    RFC 8832 §6 allows user data before the ACK). Until the ACK or any other
//    message arrives on the channel, user messages go out ordered (RFC 8832
//    §6), whatever the channel's ordered setting.
//  - Deprecated partial PPIDs 52/54 (RFC 8831 §8) are reassembled: their
//    payloads are appended per channel (bounded by Config::max_message_size;
//    beyond it the partial message is dropped with an error event) and the
//    whole is delivered when the final part arrives with PPID 51/53 (or
//    56/57). We never send them.
//  - An empty message is sent as PPID 56 (string) / 57 (binary) carrying one
//    zero byte (RFC 8831 §6.6); the payload of 56/57 is ignored on receive.
//  - An incoming DATA_CHANNEL_OPEN that cannot be accepted (malformed, on a
//    stream of our parity, past the channel or stream limit) is refused by
//    resetting our outgoing side of that stream, which makes the peer close
//    its channel (RFC 8831 §6.7). An OPEN on a stream that already carries a
//    channel is a peer error: that channel gets an error event and is
//    closed.
//  - An association restart keeps the channels (their SSNs restart at 0 on
//    both sides); an association close closes every channel.
//  - buffered_amount() is the association's per-stream amount, so it also
//    counts a queued DATA_CHANNEL_OPEN/ACK. bufferedamountlow is reported
//    only once the application has sent on the channel, so DCEP traffic
//    alone never fires it (the threshold defaults to 0, as in W3C).
//  - A denied stream reset (outgoing_streams_reset_failed) ends the channel
//    with an error then close: we do not retry.
//
// Left out: the W3C "id is null until the DTLS role is known" state — an
// in-band channel without an explicit id needs set_dtls_role() first;
// priorities are carried in DCEP but do not affect scheduling (the
// association schedules FIFO).
#pragma once

#include "base/bytes.h"
#include "base/time.h"
#include "datachannel/dcep.h"
#include "sctp/association.h"
#include "sctp/fifo.h"

#include <sansrtc/result.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sansrtc::datachannel {

// A channel's id is its SCTP stream identifier (RFC 8831 §6.5; W3C
// RTCDataChannel.id).
using ChannelId = sctp::StreamId;

// The DTLS role of this side. RFC 8832 §6: "If the side is acting as the
// DTLS client, it MUST choose an even stream identifier; if the side is
// acting as the DTLS server, it MUST choose an odd one."
enum class DtlsRole : uint8_t { client, server };

enum class ChannelState : uint8_t { connecting, open, closing, closed };
const char* channel_state_name(ChannelState s);

struct Config {
  std::optional<DtlsRole> dtls_role;  // may also be set later with set_dtls_role()
  // Stream ids 0 .. max_streams-1 are usable (further bounded by the streams
  // the association negotiated). W3C allows ids up to 65534.
  uint32_t max_streams = 65535;
  uint16_t max_channels = 1024;       // channels not yet closed, both directions
  DcepLimits dcep;                    // label/protocol bounds for OPEN (sent and received)
  size_t max_message_size = 256 * 1024;  // largest message sent; bound on partial-PPID reassembly
  size_t max_events = 4096;           // undrained events; beyond, events are dropped and counted
};

// RTCDataChannelInit.
struct ChannelInit {
  bool ordered = true;
  std::optional<uint16_t> max_retransmits;
  std::optional<uint16_t> max_packet_life_time;  // milliseconds
  std::string_view protocol;
  bool negotiated = false;
  std::optional<uint16_t> id;       // required when negotiated; optional otherwise
  uint16_t priority = kPriorityLow;
};

// What the application can read about a channel (RTCDataChannel attributes).
struct DataChannel {
  ChannelId id{};
  // Views into one buffer the manager owns for the channel's life (label,
  // then protocol): valid while channel(id) returns this channel.
  std::string_view label;
  std::string_view protocol;
  ChannelState state = ChannelState::connecting;
  bool ordered = true;
  std::optional<uint16_t> max_retransmits;
  std::optional<uint32_t> max_packet_life_time;  // ms; DCEP carries 32 bits
  bool negotiated = false;
  uint16_t priority = kPriorityLow;
};

enum class EventType : uint8_t {
  data_channel,         // the peer opened a channel in-band (RTCDataChannelEvent); an open event follows
  open,
  message,              // binary, data
  buffered_amount_low,
  error,                // detail
  closing,              // the peer started closing the channel
  close,                // the channel is closed; its id may be reused afterwards
};
const char* event_type_name(EventType t);

struct Event {
  EventType type = EventType::close;
  ChannelId id{};
  bool binary = false;             // message: binary (PPID 53/54/57) or text (51/52/56)
  std::vector<uint8_t> data;       // message: the payload (empty for 56/57); give back with recycle()
  const char* detail = "";         // error: static human-readable reason
};

// Counters; drops are counted by reason.
}  // namespace sansrtc::datachannel

// Events move through the ring's storage by their bytes (see sctp/fifo.h).
template <>
struct sansrtc::sctp::FifoRelocatable<sansrtc::datachannel::Event>
    : std::bool_constant<sansrtc::sctp::kVectorBytesRelocate> {};

namespace sansrtc::datachannel {

struct Stats {
  uint64_t channels_opened_locally = 0;
  uint64_t channels_opened_by_peer = 0;
  uint64_t messages_sent = 0;
  uint64_t messages_received = 0;
  uint64_t opens_received = 0;
  uint64_t acks_received = 0;
  uint64_t opens_refused = 0;            // answered with a stream reset
  uint64_t drop_malformed_dcep = 0;
  uint64_t drop_open_wrong_parity = 0;
  uint64_t drop_open_over_limit = 0;     // channel or stream limit
  uint64_t drop_open_on_used_stream = 0;
  uint64_t drop_unexpected_ack = 0;
  uint64_t drop_unknown_ppid = 0;
  uint64_t drop_unknown_stream = 0;      // user data on a stream without a channel
  uint64_t drop_not_open = 0;            // user data on a channel that is not open
  uint64_t drop_partial_too_large = 0;   // partial-PPID reassembly beyond max_message_size
  uint64_t events_dropped = 0;           // event queue full
  uint64_t resets_failed = 0;
};

class DataChannelManager {
 public:
  // `association` must outlive the manager. `config` is copied.
  DataChannelManager(const Config& config, sctp::Association& association);
  ~DataChannelManager();
  DataChannelManager(const DataChannelManager&) = delete;
  DataChannelManager& operator=(const DataChannelManager&) = delete;

  // Sets the DTLS role (once known). Errors: invalid_state when already set to
  // the other role.
  [[nodiscard]] Result<void> set_dtls_role(DtlsRole role);

  // Feed every event polled from the association, in order. Events the
  // manager has no use for are ignored. The event's payload is moved out.
  void handle_association_event(Instant now, sctp::Event&& event);

  // createDataChannel(). Returns the channel id. The channel starts
  // connecting; it opens when the association is (or becomes) connected —
  // in-band after queuing DATA_CHANNEL_OPEN, negotiated at once.
  // Errors: invalid_argument — label/protocol not UTF-8, negotiated without
  // id, both max_retransmits and max_packet_life_time, id >= the stream
  // limit, id in use, an in-band id of the wrong parity; limit_exceeded —
  // label/protocol too long, max_channels reached, no free id; invalid_state
  // — in-band without id before the DTLS role is known, association closed;
  // errors of sctp::Association::send for the OPEN.
  [[nodiscard]] Result<ChannelId> create_channel(Instant now, std::string_view label,
                                                 const ChannelInit& init = {});

  // RTCDataChannel.send(). Errors: not_found (no such channel), invalid_state
  // (not open), limit_exceeded (larger than max_message_size() or the
  // association's send buffer is full), and the association's send errors.
  [[nodiscard]] Result<void> send_text(Instant now, ChannelId id, std::string_view text);
  [[nodiscard]] Result<void> send_binary(Instant now, ChannelId id, Bytes data);
  // The same, taking ownership of the bytes (no copy).
  [[nodiscard]] Result<void> send(Instant now, ChannelId id, std::vector<uint8_t>&& data, bool binary);

  // Gives a buffer back to the association's pool (sctp::Association::
  // recycle): typically the `data` of a message event once read. The next
  // received message is reassembled into it (or a sent one copied into it),
  // so a caller that gives every message back allocates nothing per message
  // in steady state. Optional.
  void recycle(std::vector<uint8_t>&& buffer) { assoc_.recycle(std::move(buffer)); }

  // RTCDataChannel.close(): closing now, closed when both directions of the
  // stream are reset. Closing a closing/closed channel is a no-op.
  // Errors: not_found.
  [[nodiscard]] Result<void> close(Instant now, ChannelId id);

  std::optional<Event> poll_event();

  // nullptr when no channel has this id (closed channels are forgotten once
  // their close event is queued).
  const DataChannel* channel(ChannelId id) const;
  size_t channel_count() const { return count_; }
  // Bytes queued or in flight on the channel's stream (0 when unknown).
  size_t buffered_amount(ChannelId id) const;
  // RTCDataChannel.bufferedAmountLowThreshold. Errors: not_found.
  [[nodiscard]] Result<void> set_buffered_amount_low_threshold(ChannelId id, size_t n);
  // The peer's a=max-message-size (RFC 8841 §6); 0 means no limit beyond
  // ours. Also passed to the association.
  void set_remote_max_message_size(size_t n);
  // The largest message send() accepts now.
  size_t max_message_size() const;

  const Stats& stats() const { return stats_; }
  bool is_consistent() const;

 private:
  // One channel, on the heap (its address, and so the label/protocol views,
  // never move while it lives).
  struct Slot {
    DataChannel info;
    std::unique_ptr<char[]> names;  // label then protocol (info views them)
    uint32_t param = 0;             // the OPEN's reliability parameter (as info says)
    ChannelType type = ChannelType::reliable;  // the OPEN's channel type (as info says)
    bool local_inband = false;    // we sent (or will send) the OPEN
    bool open_sent = false;
    bool peer_heard = false;      // ACK or any message received (RFC 8832 §6)
    bool user_sent = false;       // the application has sent a message
    bool reset_requested = false; // our outgoing reset is issued
    bool reset_waiting = false;   // reset_streams refused for now; retry
    bool outgoing_reset = false;  // our outgoing side is reset
    bool incoming_reset = false;  // the peer's outgoing side is reset
    bool partial_binary = false;
    std::vector<uint8_t> partial; // PPID 52/54 parts
  };

  // Index in slots_ of the first channel with an id >= `id`.
  size_t lower(uint16_t id) const;
  Slot* find(ChannelId id);
  const Slot* find(ChannelId id) const;
  // A new channel `id` (not in use; the caller checked max_channels) with
  // its attributes; `param` is the DCEP reliability parameter.
  // A channel described as in an OPEN (label, protocol, type, parameter, priority).
  Slot& add_slot(ChannelId id, const DataChannelOpenView& open);
  void remove_slot(ChannelId id);
  Result<ChannelId> allocate_id() const;
  uint32_t stream_limit() const;
  bool connected() const;

  Result<void> send_open(Instant now, Slot& s);
  void announce_open(Slot& s);
  void on_connected(Instant now);
  void on_message(Instant now, sctp::Event&& ev);
  void on_dcep(Instant now, ChannelId id, Bytes payload);
  void on_open(Instant now, ChannelId id, const DataChannelOpenView& open);
  void on_user_message(sctp::Event&& ev, uint32_t ppid);
  void on_incoming_reset(Instant now, ChannelId id);
  void on_outgoing_reset(ChannelId id);
  void request_reset(Instant now, Slot& s);
  void retry_resets(Instant now);
  void refuse_stream(Instant now, ChannelId id);
  void finish_close(ChannelId id);
  void close_all();
  Result<void> send_user(Instant now, ChannelId id, Bytes data, std::vector<uint8_t>* owned, bool binary);
  // Appends an event (built in place), or counts it dropped and returns
  // nullptr when max_events are waiting.
  Event* push_event(EventType t, ChannelId id, const char* detail = "");
  void push_simple(EventType t, ChannelId id, const char* detail = "") { (void)push_event(t, id, detail); }

  Config config_;
  sctp::Association& assoc_;
  std::optional<DtlsRole> role_;
  bool association_connected_ = false;
  bool association_closed_ = false;
  size_t remote_max_message_size_ = 0;
  // The live channels sorted by id: an array of pointers grown by doubling
  // (bounded by max_channels), not a std::vector (one growth routine less).
  Slot** slots_ = nullptr;
  size_t count_ = 0;
  size_t cap_ = 0;
  size_t resets_waiting_ = 0;
  sctp::Fifo<Event> events_;  // bounded by config_.max_events (push_event); the ring type the association uses
  Stats stats_;
};

}  // namespace sansrtc::datachannel
