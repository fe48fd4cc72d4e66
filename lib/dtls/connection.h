// dtls/connection.h — a DTLS 1.2 connection as a sans-IO machine.
//
// One Connection per peer (WebRTC has one DTLS association per transport).
// It implements RFC 6347 with the WebRTC profile: ECDHE-ECDSA AEAD suites
// only, mutual certificate authentication by SDP fingerprint (RFC 5763 §5,
// RFC 8122; the peer's self-signature is not checked, its handshake
// signatures are), extended master secret required (RFC 7627 §5.3: we
// abort a handshake without it), use_srtp (RFC 5764) and the RFC 5705
// exporter. The server answers cookieless ClientHellos statelessly with a
// HelloVerifyRequest (RFC 6347 §4.2.1). Flights are retransmitted with
// exponential back-off (RFC 6347 §4.2.4) and the last flight is re-sent
// when the peer repeats its previous one.
//
// Leaves out: renegotiation (refused: no_renegotiation warning), session
// resumption, DTLS 1.0 and 1.3, CID, non-AEAD suites, certificate chains.
//
// The machine shape (DESIGN.md §2): every input takes `now`; outputs are
// drained with poll_transmit / poll_timeout / poll_event until empty.
#pragma once

#include "base/bytes.h"
#include "base/crypto/certificate.h"
#include "base/crypto/ec.h"
#include "base/secret.h"
#include "base/time.h"
#include "dtls/byte_buffer.h"
#include "dtls/config.h"
#include "dtls/fragment_reassembler.h"
#include "dtls/handshake_messages.h"
#include "dtls/key_schedule.h"
#include "dtls/record_layer.h"
#include "dtls/record_queue.h"
#include "dtls/replay_window.h"
#include <sansrtc/result.h>
#include <sansrtc/rng.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

namespace sansrtc::dtls {

// W3C RTCDtlsTransportState.
enum class TransportState : uint8_t { new_, connecting, connected, closed, failed };
const char* transport_state_name(TransportState s);

enum class EventKind : uint8_t { state_changed, srtp_keys, application_data, error };

// What a srtp_keys event carries: a reference to the keying material the
// Connection holds for its lifetime (Connection::srtp_keying_material()),
// not a copy, so events cost no secret copies and wipes. Converts to a
// SrtpKeyingMaterial where a copy is wanted.
class SrtpKeysRef {
 public:
  SrtpKeysRef() = default;
  explicit SrtpKeysRef(const SrtpKeyingMaterial* keys) : keys_(keys) {}
  explicit operator bool() const { return keys_ != nullptr; }
  const SrtpKeyingMaterial& operator*() const { return *keys_; }
  const SrtpKeyingMaterial* operator->() const { return keys_; }
  operator const SrtpKeyingMaterial&() const { return *keys_; }

 private:
  const SrtpKeyingMaterial* keys_ = nullptr;
};

struct Event {
  EventKind kind = EventKind::state_changed;
  TransportState state = TransportState::new_;  // state_changed
  SrtpKeysRef srtp;                             // srtp_keys: valid while the Connection lives
  Bytes data;                                   // application_data: valid until the next call on the Connection
  Error error{Errc::internal, nullptr};         // error
  std::optional<AlertDescription> alert;        // error: the alert sent (or received, see alert_from_peer)
  bool alert_from_peer = false;
};

// Dropped input, counted by reason.
struct Stats {
  uint64_t datagrams_received = 0;
  uint64_t records_received = 0;
  uint64_t records_sent = 0;
  uint64_t datagrams_sent = 0;
  uint64_t dropped_truncated = 0;        // record runs past the datagram
  uint64_t dropped_bad_version = 0;
  uint64_t dropped_bad_epoch = 0;        // epoch unknown or keys not ready
  uint64_t dropped_replay = 0;
  uint64_t dropped_auth = 0;             // AEAD tag did not verify
  uint64_t dropped_unexpected = 0;       // record type not valid in this state
  uint64_t dropped_fragments = 0;        // malformed / old / too far / too big / inconsistent
  uint64_t dropped_app_data_full = 0;    // receive queue full
  uint64_t dropped_app_data_buffer = 0;  // a queued record did not fit the poll_transmit buffer
  uint64_t cookieless_hellos = 0;        // answered with HelloVerifyRequest
  uint64_t bad_cookies = 0;
  uint64_t retransmissions = 0;          // flights re-sent (timer or peer repeat)
  uint64_t warning_alerts = 0;
  uint64_t early_records = 0;            // epoch-1 records held until the keys existed
};

namespace detail {

// The plain state of a Connection. Every member starts as zero (or false,
// or the first enumerator), so the Connection value-initialises this base
// with one memset; no default member initialisers here other than zeros
// (the class members at the end), which would turn that back into one
// store or memset per member (flash, issue 7).
struct ConnectionVars {
  // Inline, so that GCC sees the zero stores of the class members below
  // right after the value-initialisation's memset and drops them.
  // The member initialisers (all zeros) run first and the memset after
  // them: GCC then drops those stores as dead, which it does not when the
  // memset of a value-initialisation comes first (issue 7).
  [[gnu::always_inline]] ConnectionVars() { std::memset(static_cast<void*>(this), 0, sizeof(*this)); }

  enum class Hs : uint8_t {
    idle,
    c_wait_server_hello,
    c_wait_certificate,
    c_wait_server_key_exchange,
    c_wait_certificate_request_or_done,
    c_wait_server_hello_done,
    c_wait_finished,
    s_wait_client_hello,
    s_wait_certificate,
    s_wait_client_key_exchange,
    s_wait_certificate_verify,
    s_wait_finished,
    done,
  };
  // What the Connection keeps of its Config: the scalars it reads, and the
  // lists in wire form (big-endian u16s, fingerprints as bare digests), so
  // construction copies a few words and memcpy's instead of the Config's
  // inline vectors element by element (flash, issue 7).
  struct Settings {
    const crypto::Certificate* certificate;
    const crypto::EcdsaP256Key* private_key;
    Duration initial_rto;
    Duration max_rto;
    Duration handshake_timeout;
    Duration cookie_secret_lifetime;
    size_t mtu;
    size_t max_handshake_message_size;
    size_t max_hello_verify_requests;
    Role role;
    bool x25519;  // enabled and available
    bool use_cookie;
    uint8_t fingerprint_count;
    uint8_t suites_size;    // bytes used in suite_bytes
    uint8_t profiles_size;  // bytes used in profile_bytes
    U16List suites() const { return U16List{Bytes(suite_bytes, suites_size)}; }
    U16List profiles() const { return U16List{Bytes(profile_bytes, profiles_size)}; }
    uint8_t suite_bytes[2 * 3];
    uint8_t profile_bytes[2 * 4];
  };
  // A remote fingerprint (Settings::fingerprint_count of them are valid).
  struct Digest {
    crypto::HashAlg alg;
    uint8_t size;
    uint8_t bytes[crypto::kMaxHashSize];
  };
  struct PendingEvent {
    Error error;
    uint32_t data_before;  // rx_queued_ when the event happened
    EventKind kind;
    TransportState state;
    uint8_t alert;  // kNoAlert or an AlertDescription
    bool alert_from_peer;
  };
  // One message of the outgoing flight.
  struct OutMsg {
    bool ccs = false;
    uint16_t epoch = 0;
    uint32_t offset = 0;  // into flight_buf_: full message (12-byte header + body)
    uint32_t length = 0;
  };
  static constexpr uint8_t kNoAlert = 0xFF;
  static constexpr size_t kMaxEvents = 8;

  TransportState state_;
  Hs hs_;
  // Negotiated.
  uint16_t suite_;
  const SuiteParams* suite_params_;
  uint16_t srtp_profile_;
  uint16_t group_;
  // Key exchange.
  bool ecdh_ready_;
  size_t peer_ecdh_public_len_;
  bool have_peer_cert_;
  bool certificate_requested_;
  bool peer_offered_reneg_info_;
  // Handshake.
  uint16_t next_send_seq_;
  size_t cookie_len_;
  size_t hello_verify_count_;
  bool finished_verified_;
  // Server: a previous cookie secret is still accepted.
  bool have_prev_cookie_secret_;
  // A HelloVerifyRequest waiting to be sent: one slot, no per-client state.
  bool hvr_pending_;
  uint64_t hvr_record_seq_;
  uint16_t hvr_message_seq_;
  // Outgoing flight (see flight_ and flight_buf_).
  bool flight_sending_;
  size_t tx_msg_;
  size_t tx_off_;
  bool have_peer_prev_flight_;
  uint16_t peer_prev_flight_last_seq_;
  // Records.
  uint16_t write_epoch_;
  uint64_t write_seq_[2];
  // Alerts to send (one slot, alert_out_; a fatal alert ends everything anyway).
  bool alert_pending_;
  bool close_notify_sent_;
  // Application data records queued / delivered so far (wrapping): the
  // other events are stamped with the first count, so poll_event keeps the
  // order in which everything happened.
  uint32_t rx_queued_;
  uint32_t rx_delivered_;
  Settings settings_;
  // The other events: a handful per connection (state changes, keys, one
  // error), in a small inline ring.
  std::array<PendingEvent, kMaxEvents> events_;
  uint8_t events_head_;
  uint8_t events_count_;
  // Class members whose every default is zero: the value-initialisation's
  // memset covers them and GCC drops their own (redundant) zero stores,
  // which otherwise took ~150 bytes of the constructor (issue 7).
  Stats stats_;
  Secret<kMasterSecretSize> master_secret_;
  SrtpKeyingMaterial srtp_keys_;
  enum class Timer : uint8_t { retransmit, handshake, count_ };
  MonotonicNow mono_;
  TimerTable<Timer, size_t(Timer::count_)> timers_;
  // Handshake state (allocated when the handshake really starts).
  ByteBuffer transcript_;
  ByteBuffer scratch_;
  // When the current cookie secret was made.
  std::optional<Instant> cookie_secret_since_;
  // The outgoing flight's messages (see Connection::flight_).
  ByteBuffer flight_buf_;
  ReplayWindow replay_[2];
  // One epoch-1 record that overtook the message giving us its keys (e.g. a
  // reordered Finished before the ClientKeyExchange); replayed afterwards.
  ByteBuffer early_record_;
  // Class members whose default state is all zeros as well (or, for
  // alert_out_ and the queues' limits, written before it is read), here so
  // that the memset stands for their constructors too.
  // Outgoing flight (its bytes: flight_buf_).
  InlineVector<OutMsg, 8> flight_;
  // Records. Protected records are copied once, into the receive queue's
  // tail, and opened there in place; an application data record is then
  // queued where it lies (a full queue still authenticates the record
  // before dropping it).
  RecordProtection write_prot_;
  RecordProtection read_prot_;
  // The alert to send when alert_pending_.
  Alert alert_out_;
  // Application data, both directions: at most `limit` records each (see
  // record_queue.h for what they keep; Connection sets the limits).
  RecordQueue rx_data_;
  RecordQueue tx_data_;
  // What the constructor's key generation returned (assigned there).
  Result<void> init_status_;
};

}  // namespace detail

class Connection : private detail::ConnectionVars {
 public:
  // `rng` must outlive the Connection. Computes the ECDHE key pair now so
  // that the handshake does not wait for it.
  Connection(const Config& config, Rng& rng);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Client: sends the ClientHello. Server: starts listening (state stays
  // `new` until a ClientHello with a valid cookie arrives).
  // Errors: invalid_state (already started), invalid_argument (config:
  // missing certificate/key, mtu too small), crypto_failure.
  [[nodiscard]] Result<void> start(Instant now);

  // One UDP payload from the peer; `datagram` is read during the call only.
  void handle_datagram(Instant now, Bytes datagram);
  void handle_timeout(Instant now);

  // Queues one application data record (≤ 16384 bytes). Errors:
  // invalid_state (not connected), invalid_argument (too large),
  // limit_exceeded (send queue full).
  [[nodiscard]] Result<void> send_application_data(Instant now, Bytes data);

  // The in-place form of send_application_data + poll_transmit, for a
  // caller that builds the payload directly in its datagram buffer (no copy
  // into the send queue, no copy out): the plaintext already sits at
  // buf[application_data_offset(), + len); the record header, explicit
  // nonce, ciphertext and tag are written around it, so `buf` needs
  // application_data_offset() + len + kApplicationDataTrailer bytes.
  // Returns the datagram size (one record). Allowed only while nothing else
  // waits to be sent (poll_transmit returned nullopt), so records keep
  // their order. Errors: invalid_state (not connected, or output pending),
  // invalid_argument (len > 2^14), buffer_too_small, crypto_failure.
  [[nodiscard]] Result<size_t> seal_application_data_in_place(Instant now, MutBytes buf, size_t len);
  // Where the plaintext of the in-place record starts (header + explicit
  // nonce; valid once connected).
  size_t application_data_offset() const { return kRecordHeaderSize + write_prot_.explicit_nonce_size(); }
  static constexpr size_t kApplicationDataTrailer = crypto::kAeadTagSize;

  // Sends close_notify and moves to `closed`.
  void close(Instant now);

  // Writes the next datagram into `buf` (records protected in place);
  // returns its size. Handshake datagrams are at most min(buf.size(), mtu).
  std::optional<size_t> poll_transmit(MutBytes buf);
  std::optional<Instant> poll_timeout() const;
  std::optional<Event> poll_event();

  // RFC 5705 exporter (no context) after the handshake. Errors: invalid_state.
  [[nodiscard]] Result<void> export_keying_material(std::string_view label, MutBytes out) const;

  TransportState state() const { return state_; }
  Role role() const { return settings_.role; }
  const Stats& stats() const { return stats_; }
  uint16_t negotiated_cipher_suite() const { return suite_; }
  uint16_t negotiated_srtp_profile() const { return srtp_profile_; }
  uint16_t negotiated_group() const { return group_; }
  // The SRTP keying material (RFC 5764 §4.2) once connected, else nullptr.
  // Built without media (SANSRTC_NO_MEDIA) it holds the profile only, no keys.
  const SrtpKeyingMaterial* srtp_keying_material() const { return hs_ == Hs::done ? &srtp_keys_ : nullptr; }
  // Bytes held by the application data record queues (both directions).
  size_t record_buffer_memory() const { return rx_data_.capacity() + tx_data_.capacity(); }
  // True once per-peer handshake state (transcript, buffers) was allocated:
  // a server does so only after a ClientHello with a valid cookie.
  bool handshake_state_allocated() const { return !transcript_.empty() || scratch_.capacity() > 0; }
  // Bytes held in handshake buffers (transcript, flight, reassembly).
  size_t handshake_memory() const;

 private:
  // Records.
  void handle_record(Instant now, const RecordView& rec);
  void handle_handshake_plaintext(Instant now, Bytes plaintext, uint16_t epoch, uint64_t record_seq);
  void handle_alert_plaintext(Instant now, Bytes plaintext, uint16_t epoch);
  size_t write_plain_or_sealed(MutBytes out, ContentType type, uint16_t epoch, Bytes payload);
  // Counts a datagram of one record that is ready; returns `n`.
  size_t count_datagram(size_t n);

  // Handshake.
  void process_message(Instant now, const FragmentReassembler::Message& m);
  void client_process(Instant now, const FragmentReassembler::Message& m);
  void server_process(Instant now, const FragmentReassembler::Message& m);
  void server_handle_client_hello(Instant now, const FragmentReassembler::Message& m, uint64_t record_seq);
  Result<void> client_send_client_hello(Instant now);
  Result<void> client_send_flight5(Instant now);
  Result<void> server_send_flight4(Instant now);
  Result<void> server_send_flight6(Instant now);
  void append_transcript(Bytes message);
  // SHA-256(ClientHello.random + ServerHello.random + params): what the
  // ServerKeyExchange signature covers (RFC 8422 §5.4).
  void ske_digest(Bytes params, uint8_t out[32]) const;
  // False (and failed) when a hello carries a non-empty renegotiation_info.
  bool check_renegotiation_info(const HelloExtensions& ext);
  Result<void> ensure_ecdh(uint16_t group);
  Result<void> derive_keys(Bytes peer_public);
  void transcript_hash(crypto::HashAlg alg, uint8_t* out) const;
  // RFC 5246 §7.4.9: checks the peer's Finished against the transcript so far
  // (`peer_is_client` picks the "client finished" label). Constant time.
  bool peer_finished_verifies(Bytes verify_data, bool peer_is_client) const;
  // The Finished verify_data for the client's or the server's label.
  void finished_verify_data(bool client, uint8_t out[kVerifyDataSize]) const;
  void compute_cookie(const ClientHello& ch, const uint8_t secret[32], uint8_t out[32]) const;
  void maybe_rotate_cookie_secret(Instant now);
  void handshake_complete(Instant now);
  void allocate_handshake_state();

  // Flights.
  void begin_flight();
  Result<void> push_handshake(HandshakeType type, Bytes body);
  // push_handshake of what `w` wrote; internal error when it did not fit.
  Result<void> push_written(HandshakeType type, const ByteWriter& w);
  Result<void> push_certificate();
  void push_ccs();
  // ChangeCipherSpec and our Finished: the end of flights 5 and 6.
  Result<void> push_ccs_and_finished();
  // Signs `digest` (SHA-256) with our key, appends SignatureAndHashAlgorithm
  // and the signature to what `w` holds, and pushes it as `type`.
  Result<void> push_signed(HandshakeType type, ByteWriter& w, const uint8_t digest[32]);
  void send_flight(Instant now, bool arm_timer);
  void retransmit_flight(Instant now);
  std::optional<size_t> transmit_flight(MutBytes buf);

  // Outcomes.
  void fail(AlertDescription alert, Error error);
  // The handshake failures with a fixed alert and error (one table row
  // each instead of the arguments at every call site).
  enum class Failure : uint8_t {
    non_empty_renegotiation_info_on_an_initial_handshake,
    the_client_sent_no_certificate,
    peer_certificate_does_not_match_the_sdp_fingerprint,
    too_many_hello_verify_requests,
    server_did_not_select_dtls_1_2,
    server_selected_a_suite_we_did_not_offer,
    server_does_not_support_extended_master_secret,
    server_selected_no_srtp_protection_profile,
    server_selected_an_srtp_profile_we_did_not_offer,
    server_chose_a_group_we_did_not_offer,
    unsupported_server_key_exchange_signature_algorithm,
    server_key_exchange_signature_does_not_verify,
    server_cannot_accept_an_ecdsa_p_256_certificate,
    client_finished_does_not_verify,
    server_finished_does_not_verify,
    client_does_not_offer_dtls_1_2,
    client_does_not_offer_extended_master_secret,
    no_common_cipher_suite,
    no_null_compression,
    no_common_group,
    client_cannot_verify_ecdsa_secp256r1_sha256,
    no_common_srtp_protection_profile,
    unsupported_certificate_verify_algorithm,
    certificate_verify_signature_does_not_verify,
    handshake_timed_out,
    malformed_handshake_message,
  };
  void fail(Failure f);
  void peer_alert_failure(AlertDescription alert);
  void set_state(TransportState s);
  // Stops timers and flights and moves to `s` (closed or failed).
  void end(TransportState s);
  // Queues our close_notify (once, when started) and ends in `closed`.
  void close_down();
  void push_event(EventKind kind, Error error = Error{Errc::internal, nullptr}, uint8_t alert = kNoAlert,
                  bool from_peer = false);

  bool fingerprint_matches(Bytes der) const;
  // One out-of-line increment of a 64-bit counter: a call is about half the
  // Thumb code of an inline load/add/add-carry/store, at 33 sites (issue 7).
  static void bump(uint64_t& counter);

  // The rest of the state (the AEAD contexts, the flight, the record
  // queues included) is in detail::ConnectionVars (zero at start).
  Rng& rng_;
  Duration rto_;

  // Key exchange.
  crypto::Ecdh ecdh_;

  // Handshake state (allocated when the handshake really starts; the
  // buffers are in ConnectionVars).
  FragmentReassembler reassembler_;

  // Byte arrays last (short offsets for everything else) and without
  // initialisers: each is written before it is read (the counts, lengths
  // and flags in ConnectionVars say which bytes are valid).
  Digest fingerprints_[4];
  std::array<uint8_t, kRandomSize> client_random_;
  std::array<uint8_t, kRandomSize> server_random_;
  std::array<uint8_t, 65> peer_ecdh_public_;
  std::array<uint8_t, crypto::kP256PublicKeySize> peer_cert_key_;
  std::array<uint8_t, 255> cookie_;
  // Server cookie secrets: current (made in the constructor) and previous.
  std::array<uint8_t, 32> cookie_secret_;
  std::array<uint8_t, 32> prev_cookie_secret_;
  std::array<uint8_t, 32> hvr_cookie_;
};

}  // namespace sansrtc::dtls
