// sctp/association_impl.h — the association's state, shared by
// association.cc (commands, handshake, inbound chunks) and
// association_tx.cc (packet assembly and timers). Private to lib/sctp.
#pragma once

#include "base/secret.h"
#include "base/time.h"
#include "sctp/association.h"
#include "sctp/buffer_pool.h"
#include "sctp/fifo.h"
#include "sctp/packet/chunks.h"
#include "sctp/packet/parameters.h"
#include "sctp/rx/receive_queue.h"
#include "sctp/state_cookie.h"
#include "sctp/tx/retransmission_queue.h"
#include "sctp/tx/rto.h"
#include "sctp/tx/send_queue.h"

#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

namespace sansrtc::sctp {

// Adds one to a Stats counter: one call instead of a 64-bit increment
// inlined at each of the many counting sites (flash on a 32-bit target).
[[gnu::noinline]] void count(uint64_t& counter);

// Makes `v` n elements longer; returns the first new element.
StreamId* grow_streams(std::vector<StreamId>& v, size_t n);

enum class Timer : uint8_t { t1_init, t1_cookie, t2_shutdown, t3_rtx, heartbeat, delayed_ack, reconfig, count_ };

// The association's scalar state, all zero at first. A base without member
// initializers, value-initialized by Impl's constructor: zero-initialized at
// once instead of a store per member (Impl's members see these by name).
struct AssociationScalars {
  enum class Ack : uint8_t { none, delayed, now };

  State state;  // closed
  bool connect_called;
  uint32_t local_tag;
  uint32_t peer_tag;
  uint32_t local_initial_tsn;
  int init_retransmits;
  uint16_t os, mis;
  bool peer_pr, peer_reconfig, zero_checksum;
  size_t remote_max_message;
  size_t pending_event_bytes;

  bool send_init, send_cookie_echo, send_cookie_ack;
  bool send_shutdown, send_shutdown_ack, send_heartbeat;
  bool send_forward_tsn;
  Ack ack;  // none
  int packets_since_ack;
  int error_count;
  uint64_t hb_nonce;
  bool hb_outstanding;

  // RFC 6525 stream reset
  uint32_t next_req_seq;
  uint32_t peer_expected_req_seq;
  uint32_t reset_inflight_seq;
  uint32_t reset_last_tsn;
  bool send_reconfig_request;

  // The reply-packet queue (Impl::oob).
  static constexpr size_t kOobSlots = 4;
  size_t oob_size[kOobSlots];
  size_t oob_head, oob_count;
};
static_assert(std::is_trivially_default_constructible_v<AssociationScalars>);

struct Association::Impl : AssociationScalars {
  Impl(const Config& c, Rng& r);
  ~Impl();

  // --- inbound (association.cc)
  void on_packet(Instant now, Bytes packet);
  void on_init(Instant now, const ChunkView& c);
  // Fills the peer's half of `ck` from its INIT or INIT-ACK (tag, initial
  // TSN, a_rwnd, stream counts, capabilities; establish() applies our Config
  // to the capabilities).
  void read_init(const InitChunk& init, const InitParams& params, StateCookie& ck) const;
  bool on_cookie_echo(Instant now, uint32_t vtag, const ChunkView& c);
  void on_init_ack(Instant now, const ChunkView& c);
  void on_data(Instant now, const ChunkView& c, bool* got_data, bool* ack_now);
  void on_sack(Instant now, const ChunkView& c);
  void on_shutdown(Instant now, const ChunkView& c);
  void on_forward_tsn(Instant now, const ChunkView& c);
  void on_reconfig(Instant now, const ChunkView& c);
  void on_heartbeat(const ChunkView& c);
  void on_heartbeat_ack(Instant now, const ChunkView& c);
  void on_unknown(const ChunkView& c, bool* stop);
  void establish(Instant now, const StateCookie& c, EventType ev);
  void close(CloseReason reason, const char* detail);
  Event& push_event(EventType t);  // appends an event of type `t`, to be filled in
  void send_abort(uint32_t vtag, bool t_bit, CauseCode cause);
  // Queues a reply of one ABORT or ERROR chunk holding one cause.
  void send_cause_reply(uint32_t vtag, ChunkType type, uint8_t flags, CauseCode cause, Bytes info, bool zero_cs);
  void send_shutdown_complete(uint32_t vtag, uint8_t flags, bool zero_cs);
  void count_received(size_t from);
  void handle_low(const InlineVector<uint16_t, 32>& low);
  void after_ack_progress(Instant now);
  void check_shutdown_progress(Instant now);

  // send(): copies `message`, or takes `*owned` (whose bytes `message` views).
  Result<void> queue_message(Instant now, StreamId stream, Ppid ppid, Bytes message, std::vector<uint8_t>* owned,
                             const SendOptions& o);

  // --- outbound (association_tx.cc)
  std::optional<size_t> transmit(MutBytes buf);
  void transmit_established(PacketBuilder& b, Instant now);  // control chunks, then DATA
  void write_data(PacketBuilder& b, uint32_t tsn, const Fragment& f, uint16_t ssn);
  void on_timeout(Instant now);
  // Counts one more expiry; past Association.Max.Retrans sends ABORT, closes
  // with `detail` and returns true.
  bool over_retransmit_limit(const char* detail);
  void back_off_and_arm(Timer t, Instant now);
  void arm_rto(Timer t, Instant now);  // arms `t` one RTO from `now`
  // Begins an INIT (or INIT-ACK) chunk with our Config's window and stream
  // counts; returns the chunk's offset for end_chunk().
  size_t begin_init(PacketBuilder& b, bool ack, uint32_t tag, uint32_t tsn);
  void write_init_capabilities(PacketBuilder& b);  // the capability parameters of INIT and INIT-ACK
  MutBytes oob_slot();  // a buffer for a reply packet, or empty when the queue is full
  void oob_commit(size_t size);  // queues the slot oob_slot() gave (a size of 0 drops it)
  // A builder over oob_slot() for a reply packet with tag `vtag` (over an
  // empty buffer when the queue is full); finish() it into oob_commit().
  PacketBuilder reply(uint32_t vtag);
  void maybe_start_reset(Instant now);
  void write_sack(PacketBuilder& b);
  uint32_t current_a_rwnd() const;
  size_t max_message() const;
  bool established_like() const {
    return state == State::established || state == State::shutdown_pending ||
           state == State::shutdown_sent || state == State::shutdown_received ||
           state == State::shutdown_ack_sent;
  }
  bool consistent() const;

  Config cfg;
  Rng& rng;
  MonotonicNow clock;
  Secret<32> cookie_key;
  Stats stats;
  TimerTable<Timer, size_t(Timer::count_)> timers;
  RetransmissionTimeout rto;

  StateCookie pending;                 // client: what INIT-ACK told us, used at COOKIE-ACK
  std::vector<uint8_t> cookie_echo;    // client: the peer's cookie (bounded by the MTU)

  BufferPool buffers;  // before sq and rxq, which use it
  SendQueue sq{&buffers};
  std::unique_ptr<RetransmissionQueue> rtxq;
  std::unique_ptr<ReceiveQueue> rxq;
  Fifo<Event> events;

  // RFC 6525 stream reset. StreamId, as in Event::streams: one vector type (one growth routine).
  std::vector<StreamId> reset_pending;
  std::vector<StreamId> reset_inflight;
  std::optional<ReconfigResponse> pending_response;

  // Reply packets built while handling input (INIT-ACK, HEARTBEAT-ACK, ABORT,
  // ERROR, SHUTDOWN-COMPLETE): a small fixed queue, replies beyond it dropped.
  std::vector<uint8_t> oob[kOobSlots];  // sizes and ring position in AssociationScalars
};

}  // namespace sansrtc::sctp
