// The record and flight machinery of Connection; the handshake logic is in
// client_handshake.cc and server_handshake.cc.
#include "dtls/connection.h"

#include <algorithm>
#include <cstring>

namespace sansrtc::dtls {

const char* transport_state_name(TransportState s) {
  switch (s) {
    case TransportState::new_: return "new";
    case TransportState::connecting: return "connecting";
    case TransportState::connected: return "connected";
    case TransportState::closed: return "closed";
    case TransportState::failed: return "failed";
  }
  return "?";
}

namespace {
// The largest protected record fragment we open: 2^14 plaintext plus the
// 2048 bytes RFC 5246 §6.2.3 allows for expansion, plus slack.
constexpr size_t kMaxRecordFragment = kMaxPlaintext + 2048 + 64;
// The record buffers kept between bursts hold a record of this datagram
// size (Ethernet MTU) or of Config::mtu if larger.
constexpr size_t kKeptDatagram = 1500;

// Appends the u16 `v` to a wire-form list.
void put_u16(uint8_t* list, uint8_t& size, uint16_t v) {
  store_be16(list + size, v);
  size = uint8_t(size + 2);
}
}  // namespace

Connection::Connection(const Config& config, Rng& rng)
    : ConnectionVars(),  // all zero
      rng_(rng),
      rto_(config.initial_rto),
      reassembler_(config.max_handshake_message_size, config.max_buffered_messages) {
  Settings& s = settings_;
  s.certificate = config.certificate;
  s.private_key = config.private_key;
  s.initial_rto = config.initial_rto;
  s.max_rto = config.max_rto;
  s.handshake_timeout = config.handshake_timeout;
  s.cookie_secret_lifetime = config.cookie_secret_lifetime;
  s.mtu = config.mtu;
  s.max_handshake_message_size = config.max_handshake_message_size;
  s.max_hello_verify_requests = config.max_hello_verify_requests;
  s.role = config.role;
  s.x25519 = config.enable_x25519 && crypto::ecdh_group_available(crypto::EcdhGroup::x25519);
  s.use_cookie = config.use_cookie;
  for (const crypto::Fingerprint& f : config.remote_fingerprints) {
    Digest& d = fingerprints_[s.fingerprint_count++];
    d.alg = f.alg;
    d.size = uint8_t(f.digest.size());
    std::memcpy(d.bytes, f.digest.data(), d.size);
  }
  // Defaults: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 (when the backend
  // has it); AEAD_AES_128_GCM, AEAD_AES_256_GCM, AES128_CM_HMAC_SHA1_80/_32.
  static constexpr uint8_t kDefaultSuites[] = {0xC0, 0x2B, 0xC0, 0x2C, 0xCC, 0xA9};
  static constexpr uint8_t kDefaultProfiles[] = {0, 7, 0, 8, 0, 1, 0, 2};
  for (CipherSuite c : config.cipher_suites) put_u16(s.suite_bytes, s.suites_size, uint16_t(c));
  if (!s.suites_size) {
    s.suites_size = crypto::ChaChaPoly::available() ? 6 : 4;
    std::memcpy(s.suite_bytes, kDefaultSuites, sizeof(kDefaultSuites));
  }
  for (SrtpProfile p : config.srtp_profiles) put_u16(s.profile_bytes, s.profiles_size, uint16_t(p));
  if (!s.profiles_size) {
    s.profiles_size = sizeof(kDefaultProfiles);
    std::memcpy(s.profile_bytes, kDefaultProfiles, sizeof(kDefaultProfiles));
  }
  // Each queue keeps, once drained, a buffer for one record of a full
  // datagram (what SCTP sends: one packet per record, RFC 8261 §5); bursts
  // and larger records grow it until it drains.
  const size_t keep = RecordQueue::kEntryHeader + std::max<size_t>(config.mtu, kKeptDatagram);
  rx_data_.set_limits(config.max_received_app_data, keep);
  tx_data_.set_limits(config.max_queued_app_data, keep);
  rng_.fill(cookie_secret_);
  // The ECDHE key pair of the group we prefer, ahead of the handshake.
  init_status_ = ensure_ecdh(s.x25519 ? kGroupX25519 : kGroupSecp256r1);
}

bool Connection::fingerprint_matches(Bytes der) const {
  bool match = false;
  for (size_t i = 0; i < settings_.fingerprint_count; ++i) {
    const Digest& d = fingerprints_[i];
    uint8_t digest[crypto::kMaxHashSize];
    crypto::hash(d.alg, der, digest);
    match |= constant_time_equal(Bytes(digest, crypto::hash_size(d.alg)), Bytes(d.bytes, d.size));
  }
  return match;
}

Connection::~Connection() = default;

__attribute__((noinline)) void Connection::bump(uint64_t& counter) { ++counter; }

size_t Connection::handshake_memory() const {
  return transcript_.capacity() + scratch_.capacity() + flight_buf_.capacity() + reassembler_.buffered_bytes();
}

Result<void> Connection::ensure_ecdh(uint16_t group) {
  crypto::EcdhGroup g = group == kGroupX25519 ? crypto::EcdhGroup::x25519 : crypto::EcdhGroup::p256;
  if (ecdh_ready_ && ecdh_.group() == g) return ok_result();
  SANSRTC_TRY(ecdh_.regenerate(g, rng_));
  ecdh_ready_ = true;
  return ok_result();
}

void Connection::allocate_handshake_state() {
  if (scratch_.capacity() == 0) {
    // scratch_ holds one message WE write: our Certificate (its DER plus a
    // few length bytes) is the largest; the rest are a few hundred bytes.
    // Sized from the certificate, not from max_handshake_message_size (the
    // bound on what the peer may send), and never above the old size, so a
    // message that did not fit before still does not.
    const size_t der = settings_.certificate ? settings_.certificate->der().size() : 0;
    scratch_.resize(std::min(settings_.max_handshake_message_size + 256, der + 1024));
    transcript_.reserve(4096);
    flight_buf_.reserve(2048);
  }
}

Result<void> Connection::start(Instant now) {
  now = mono_.update(now);
  if (hs_ != Hs::idle) return make_error(Errc::invalid_state, "dtls: already started");
  if (!settings_.certificate || !settings_.private_key || !settings_.private_key->valid())
    return make_error(Errc::invalid_argument, "dtls: a certificate and its private key are required");
  if (settings_.mtu < 64) return make_error(Errc::invalid_argument, "dtls: mtu too small");
  if (!init_status_.ok()) return init_status_.error();
  if (settings_.role == Role::client) {
    allocate_handshake_state();
    set_state(TransportState::connecting);
    timers_.arm(Timer::handshake, now + settings_.handshake_timeout);
    rng_.fill(client_random_);
    hs_ = Hs::c_wait_server_hello;
    reassembler_.reset(0);
    auto r = client_send_client_hello(now);
    if (!r.ok()) {
      fail(AlertDescription::internal_error, r.error());
      return r;
    }
  } else {
    hs_ = Hs::s_wait_client_hello;
    reassembler_.reset(0);
    cookie_secret_since_ = now;
  }
  return ok_result();
}

// ---------------------------------------------------------------- input

void Connection::handle_datagram(Instant now, Bytes datagram) {
  now = mono_.update(now);
  bump(stats_.datagrams_received);
  if (hs_ == Hs::idle || state_ == TransportState::failed || state_ == TransportState::closed) return;
  RecordParser parser(datagram);
  while (auto rec = parser.next()) {
    bump(stats_.records_received);
    handle_record(now, *rec);
    if (state_ == TransportState::failed || state_ == TransportState::closed) return;
  }
  if (parser.truncated()) bump(stats_.dropped_truncated);
  if (!early_record_.empty() && read_prot_.active()) {
    ByteBuffer held;
    held.swap(early_record_);
    RecordParser again(held.bytes());
    if (auto rec = again.next()) handle_record(now, *rec);
  }
}

void Connection::handle_record(Instant now, const RecordView& rec) {
  // A first ClientHello may carry the DTLS 1.0 record version (RFC 6347
  // §4.1: the record version of a ClientHello is not meaningful).
  if (rec.version != kDtls12Version && !(rec.epoch == 0 && rec.version == kDtls10Version)) {
    bump(stats_.dropped_bad_version);
    return;
  }
  const auto type = static_cast<ContentType>(rec.type);
  if (rec.epoch == 0) {
    // After the handshake, unauthenticated epoch-0 records can only be the
    // peer repeating its last flight; alerts there are ignored.
    switch (type) {
      case ContentType::handshake:
        handle_handshake_plaintext(now, rec.fragment, 0, rec.sequence_number);
        return;
      case ContentType::change_cipher_spec:
        return;  // epochs tell us all we need; the CCS carries nothing
      case ContentType::alert:
        if (hs_ == Hs::done) {
          bump(stats_.dropped_unexpected);
          return;
        }
        handle_alert_plaintext(now, rec.fragment, 0);
        return;
      default:
        bump(stats_.dropped_unexpected);
        return;
    }
  }
  if (rec.epoch == 1 && !read_prot_.active() && hs_ != Hs::done && early_record_.empty() &&
      rec.fragment.size() <= 2048) {
    const uint8_t* start = rec.header.data();
    early_record_.assign(Bytes(start, kRecordHeaderSize + rec.fragment.size()));
    bump(stats_.early_records);
    return;
  }
  if (rec.epoch != 1 || !read_prot_.active()) {
    bump(stats_.dropped_bad_epoch);
    return;
  }
  if (!replay_[1].check(rec.sequence_number)) {
    bump(stats_.dropped_replay);
    return;
  }
  if (rec.fragment.size() > kMaxRecordFragment) {
    bump(stats_.dropped_truncated);
    return;
  }
  // The datagram is the caller's (read-only): copy the record once, to the
  // tail of the receive queue, and open it there in place; an application
  // data record is then queued where it lies. Handshake and alert records
  // (and records arriving while the queue is full) use the room as scratch.
  MutBytes room = rx_data_.prepare(rec.fragment.size());
  std::memcpy(room.data(), rec.fragment.data(), rec.fragment.size());
  auto opened = read_prot_.open(rec, room);
  if (!opened.ok()) {
    // RFC 6347 §4.1.2.7: invalid records SHOULD be silently discarded.
    bump(stats_.dropped_auth);
    return;
  }
  replay_[1].mark(rec.sequence_number);
  Bytes plaintext = *opened;
  switch (type) {
    case ContentType::handshake: handle_handshake_plaintext(now, plaintext, 1, rec.sequence_number); return;
    case ContentType::alert: handle_alert_plaintext(now, plaintext, 1); return;
    case ContentType::application_data:
      if (hs_ != Hs::done || state_ != TransportState::connected) {
        bump(stats_.dropped_unexpected);
        return;
      }
      if (rx_data_.full()) {
        bump(stats_.dropped_app_data_full);
        return;
      }
      rx_data_.commit(size_t(plaintext.data() - room.data()), plaintext.size());
      ++rx_queued_;
      return;
    default: bump(stats_.dropped_unexpected); return;
  }
}

void Connection::handle_alert_plaintext(Instant now, Bytes plaintext, uint16_t epoch) {
  (void)epoch;
  auto alert = parse_alert(plaintext);
  if (!alert.ok()) {
    bump(stats_.dropped_unexpected);
    return;
  }
  if (alert->description == AlertDescription::close_notify) {
    // RFC 5246 §7.2.1: the other party MUST respond with a close_notify of
    // its own and close down immediately.
    close_down();
    return;
  }
  if (alert->level == AlertLevel::fatal) {
    peer_alert_failure(alert->description);
    (void)now;
    return;
  }
  bump(stats_.warning_alerts);
}

void Connection::handle_handshake_plaintext(Instant now, Bytes plaintext, uint16_t epoch, uint64_t record_seq) {
  HandshakeFragmentParser parser(plaintext);
  while (auto f = parser.next()) {
    const auto type = static_cast<HandshakeType>(f->msg_type);
    // The start of the last message of the peer's previous flight, seen
    // again: the peer repeats that flight, so ours got lost (RFC 6347 §4.2.4).
    const bool peer_repeats =
        have_peer_prev_flight_ && f->message_seq == peer_prev_flight_last_seq_ && f->fragment_offset == 0;
    if (hs_ == Hs::done) {
      if (f->message_seq < reassembler_.next_seq()) {
        if (peer_repeats) retransmit_flight(now);  // nothing when our last flight is gone
        continue;
      }
      // RFC 5746 / WebRTC: no renegotiation. A new ClientHello (server) or
      // HelloRequest (client) is answered with a no_renegotiation warning.
      if ((settings_.role == Role::server && type == HandshakeType::client_hello) ||
          (settings_.role == Role::client && type == HandshakeType::hello_request)) {
        alert_pending_ = true;
        alert_out_ = Alert{AlertLevel::warning, AlertDescription::no_renegotiation};
      } else {
        bump(stats_.dropped_fragments);
      }
      continue;
    }
    if (hs_ == Hs::s_wait_client_hello) {
      if (type != HandshakeType::client_hello || epoch != 0) {
        bump(stats_.dropped_fragments);
        continue;
      }
      // Follow the client's message_seq: after a HelloVerifyRequest the
      // ClientHello with the cookie comes with the next one, and a repeated
      // first ClientHello must be answered again.
      if (f->message_seq != reassembler_.next_seq()) reassembler_.reset(f->message_seq);
      auto res = reassembler_.add(*f);
      if (res != FragmentReassembler::AddResult::accepted) {
        bump(stats_.dropped_fragments);
        continue;
      }
      if (auto m = reassembler_.pop()) {
        server_handle_client_hello(now, *m, record_seq);
        if (state_ == TransportState::failed) return;
      }
      continue;
    }
    // Finished is the only handshake message protected by epoch 1 here.
    if ((type == HandshakeType::finished) != (epoch == 1)) {
      bump(stats_.dropped_fragments);
      continue;
    }
    auto res = reassembler_.add(*f);
    if (res == FragmentReassembler::AddResult::old) {
      if (peer_repeats)
        retransmit_flight(now);
      else
        bump(stats_.dropped_fragments);
      continue;
    }
    if (res != FragmentReassembler::AddResult::accepted) {
      bump(stats_.dropped_fragments);
      continue;
    }
    while (auto m = reassembler_.pop()) {
      process_message(now, *m);
      if (state_ == TransportState::failed || hs_ == Hs::done) break;
    }
    if (state_ == TransportState::failed) return;
  }
  if (parser.malformed()) bump(stats_.dropped_fragments);
}

void Connection::handle_timeout(Instant now) {
  now = mono_.update(now);
  if (timers_.take_expired(Timer::handshake, now)) {
    fail(Failure::handshake_timed_out);
    alert_pending_ = false;  // the peer is not answering: no alert
    return;
  }
  if (timers_.take_expired(Timer::retransmit, now)) {
    // RFC 6347 §4.2.4.1: double the timer on each retransmission, up to 60 s.
    rto_ = std::min<Duration>(rto_ * 2, settings_.max_rto);
    retransmit_flight(now);
  }
}

// ---------------------------------------------------------------- commands

Result<void> Connection::send_application_data(Instant now, Bytes data) {
  mono_.update(now);
  if (state_ != TransportState::connected) return make_error(Errc::invalid_state, "dtls: not connected");
  if (data.size() > kMaxPlaintext) return make_error(Errc::invalid_argument, "dtls: record larger than 2^14 bytes");
  if (!tx_data_.push(data)) return make_error(Errc::limit_exceeded, "dtls: send queue full");
  return ok_result();
}

Result<size_t> Connection::seal_application_data_in_place(Instant now, MutBytes buf, size_t len) {
  mono_.update(now);
  if (state_ != TransportState::connected) return make_error(Errc::invalid_state, "dtls: not connected");
  if (hvr_pending_ || alert_pending_ || flight_sending_ || !tx_data_.empty())
    return make_error(Errc::invalid_state, "dtls: other output is waiting (drain poll_transmit first)");
  if (len > kMaxPlaintext) return make_error(Errc::invalid_argument, "dtls: record larger than 2^14 bytes");
  const size_t at = application_data_offset();
  if (buf.size() < at + len + kApplicationDataTrailer)
    return make_error(Errc::buffer_too_small, "dtls: no room for the record around the plaintext");
  // The plaintext is already in place: write_plain_or_sealed's move is a no-op.
  const size_t n = write_plain_or_sealed(buf, ContentType::application_data, 1, Bytes(buf.data() + at, len));
  if (!n) return make_error(Errc::crypto_failure, "dtls: sealing the record failed");
  return count_datagram(n);
}

void Connection::close(Instant now) {
  mono_.update(now);
  if (state_ == TransportState::closed || state_ == TransportState::failed) return;
  close_down();
}

void Connection::close_down() {
  if (hs_ != Hs::idle && !close_notify_sent_) {
    alert_pending_ = true;
    alert_out_ = Alert{AlertLevel::warning, AlertDescription::close_notify};
    close_notify_sent_ = true;
  }
  end(TransportState::closed);
}

void Connection::end(TransportState s) {
  timers_.disarm_all();
  flight_sending_ = false;
  set_state(s);
}

Result<void> Connection::export_keying_material(std::string_view label, MutBytes out) const {
  if (hs_ != Hs::done || !suite_params_) return make_error(Errc::invalid_state, "dtls: handshake not complete");
  dtls::export_keying_material(suite_params_->prf_hash, master_secret_.expose(), label, client_random_,
                               server_random_, out);
  return ok_result();
}

// ---------------------------------------------------------------- outcomes

void Connection::set_state(TransportState s) {
  if (state_ == s) return;
  state_ = s;
  push_event(EventKind::state_changed);
}

void Connection::push_event(EventKind kind, Error error, uint8_t alert, bool from_peer) {
  if (events_count_ == kMaxEvents) return;  // cannot happen: a connection has a handful of these
  events_[(events_head_ + events_count_++) % kMaxEvents] =
      PendingEvent{error, rx_queued_, kind, state_, alert, from_peer};
}

void Connection::fail(AlertDescription alert, Error error) {
  if (state_ == TransportState::failed) return;
  alert_pending_ = true;
  alert_out_ = Alert{AlertLevel::fatal, alert};
  hvr_pending_ = false;
  push_event(EventKind::error, error, uint8_t(alert));
  end(TransportState::failed);
}

namespace {
// Indexed by Connection::Failure (same order): the alert sent and the Errc,
// two bytes a row; the texts follow in one string, in the same order
// (a cold path walks to the n-th), and are left out under
// SANSRTC_TERSE_ERRORS.
struct FailureRow {
  AlertDescription alert;
  Errc code;
};
constexpr FailureRow kFailures[] = {
    {AlertDescription::handshake_failure, Errc::malformed},
    {AlertDescription::handshake_failure, Errc::auth_failed},
    {AlertDescription::bad_certificate, Errc::auth_failed},
    {AlertDescription::unexpected_message, Errc::limit_exceeded},
    {AlertDescription::protocol_version, Errc::unsupported},
    {AlertDescription::illegal_parameter, Errc::unsupported},
    {AlertDescription::handshake_failure, Errc::unsupported},
    {AlertDescription::handshake_failure, Errc::unsupported},
    {AlertDescription::illegal_parameter, Errc::unsupported},
    {AlertDescription::illegal_parameter, Errc::unsupported},
    {AlertDescription::illegal_parameter, Errc::unsupported},
    {AlertDescription::decrypt_error, Errc::auth_failed},
    {AlertDescription::handshake_failure, Errc::unsupported},
    {AlertDescription::decrypt_error, Errc::auth_failed},
    {AlertDescription::decrypt_error, Errc::auth_failed},
    {AlertDescription::protocol_version, Errc::unsupported},
    {AlertDescription::handshake_failure, Errc::unsupported},
    {AlertDescription::handshake_failure, Errc::unsupported},
    {AlertDescription::illegal_parameter, Errc::malformed},
    {AlertDescription::handshake_failure, Errc::unsupported},
    {AlertDescription::handshake_failure, Errc::unsupported},
    {AlertDescription::handshake_failure, Errc::unsupported},
    {AlertDescription::illegal_parameter, Errc::unsupported},
    {AlertDescription::decrypt_error, Errc::auth_failed},
    {AlertDescription::handshake_failure, Errc::timeout},
    {AlertDescription::decode_error, Errc::malformed},
};
#if !defined(SANSRTC_TERSE_ERRORS)
constexpr char kFailureTexts[] =
    "dtls: non-empty renegotiation_info on an initial handshake\0"
    "dtls: the client sent no certificate\0"
    "dtls: peer certificate does not match the SDP fingerprint\0"
    "dtls: too many HelloVerifyRequests\0"
    "dtls: server did not select DTLS 1.2\0"
    "dtls: server selected a suite we did not offer\0"
    "dtls: server does not support extended master secret\0"
    "dtls: server selected no SRTP protection profile\0"
    "dtls: server selected an SRTP profile we did not offer\0"
    "dtls: server chose a group we did not offer\0"
    "dtls: unsupported ServerKeyExchange signature algorithm\0"
    "dtls: ServerKeyExchange signature does not verify\0"
    "dtls: server cannot accept an ECDSA P-256 certificate\0"
    "dtls: client Finished does not verify\0"
    "dtls: server Finished does not verify\0"
    "dtls: client does not offer DTLS 1.2\0"
    "dtls: client does not offer extended master secret\0"
    "dtls: no common cipher suite\0"
    "dtls: no null compression\0"
    "dtls: no common group\0"
    "dtls: client cannot verify ecdsa_secp256r1_sha256\0"
    "dtls: no common SRTP protection profile\0"
    "dtls: unsupported CertificateVerify algorithm\0"
    "dtls: CertificateVerify signature does not verify\0"
    "dtls: handshake timed out\0"
    "dtls: malformed handshake message";
#endif
}  // namespace

void Connection::fail(Failure f) {
  static_assert(sizeof(kFailures) / sizeof(kFailures[0]) == size_t(Failure::malformed_handshake_message) + 1);
  const FailureRow& r = kFailures[size_t(f)];
#if defined(SANSRTC_TERSE_ERRORS)
  fail(r.alert, make_error(r.code, ""));
#else
  const char* text = kFailureTexts;
  for (size_t i = 0; i < size_t(f); ++i) text += std::strlen(text) + 1;
  fail(r.alert, Error{r.code, text});
#endif
}

void Connection::peer_alert_failure(AlertDescription alert) {
  push_event(EventKind::error, make_error(Errc::closed, "dtls: the peer sent a fatal alert"), uint8_t(alert), true);
  end(TransportState::failed);
}

std::optional<Event> Connection::poll_event() {
  Event e;
  // Application data and the other events come out in the order they
  // happened: an event waits for the records received before it.
  if (events_count_ && events_[events_head_].data_before == rx_delivered_) {
    const PendingEvent& p = events_[events_head_];
    events_head_ = uint8_t((events_head_ + 1) % kMaxEvents);
    --events_count_;
    e.kind = p.kind;
    e.state = p.state;
    e.error = p.error;
    if (p.alert != kNoAlert) e.alert = static_cast<AlertDescription>(p.alert);
    e.alert_from_peer = p.alert_from_peer;
    if (e.kind == EventKind::srtp_keys) e.srtp = SrtpKeysRef(&srtp_keys_);
    return e;
  }
  if (rx_data_.empty()) {
    // Drained: the record handed out by the previous call may go now.
    rx_data_.trim();
    return std::nullopt;
  }
  e.kind = EventKind::application_data;
  e.state = state_;
  // The bytes stay until the queue is written again (a later call).
  e.data = rx_data_.front();
  rx_data_.pop();
  ++rx_delivered_;
  return e;
}

std::optional<Instant> Connection::poll_timeout() const { return timers_.next(); }

// ---------------------------------------------------------------- flights

void Connection::begin_flight() {
  flight_.clear();
  flight_buf_.clear();
  flight_sending_ = false;
  tx_msg_ = tx_off_ = 0;
}

Result<void> Connection::push_handshake(HandshakeType type, Bytes body) {
  if (body.size() > 0xFFFFFF) return make_error(Errc::internal, "dtls: handshake message too large");
  OutMsg m;
  m.epoch = write_epoch_;
  m.offset = uint32_t(flight_buf_.size());
  m.length = uint32_t(kHandshakeHeaderSize + body.size());
  uint8_t header[kHandshakeHeaderSize];
  write_handshake_header(header, type, uint32_t(body.size()), next_send_seq_++, 0, uint32_t(body.size()));
  flight_buf_.append(Bytes(header, kHandshakeHeaderSize));
  flight_buf_.append(body);
  if (!flight_.push_back(m)) return make_error(Errc::internal, "dtls: flight too long");
  // RFC 6347 §4.2.6: the transcript hashes each message as if it had been
  // sent as a single fragment.
  Bytes full(flight_buf_.data() + m.offset, m.length);
  transcript_.append(full);
  return ok_result();
}

Result<void> Connection::push_written(HandshakeType type, const ByteWriter& w) {
  if (!w.ok()) return make_error(Errc::internal, "dtls: handshake message does not fit");
  return push_handshake(type, w.written());
}

Result<void> Connection::push_certificate() {
  // Both sides send their one certificate (RFC 8827 §6.5: WebRTC needs
  // certificates on both ends).
  // What write_certificate() writes for a list of one, without building
  // the list:  ASN.1Cert certificate_list<0..2^24-1>.
  const Bytes der = settings_.certificate->der();
  ByteWriter w(scratch_.mut_bytes());
  w.u24(uint32_t(3 + der.size()));
  w.u24(uint32_t(der.size()));
  w.bytes(der);
  return push_written(HandshakeType::certificate, w);
}

void Connection::push_ccs() {
  OutMsg m;
  m.ccs = true;
  m.epoch = write_epoch_;
  (void)flight_.push_back(m);
  write_epoch_ = 1;
}

void Connection::send_flight(Instant now, bool arm_timer) {
  flight_sending_ = true;
  tx_msg_ = tx_off_ = 0;
  rto_ = settings_.initial_rto;
  if (arm_timer)
    timers_.arm(Timer::retransmit, now + rto_);
  else
    timers_.disarm(Timer::retransmit);
}

void Connection::retransmit_flight(Instant now) {
  if (flight_.empty()) return;
  bump(stats_.retransmissions);
  flight_sending_ = true;
  tx_msg_ = tx_off_ = 0;
  if (hs_ != Hs::done) timers_.arm(Timer::retransmit, now + rto_);
}

size_t Connection::write_plain_or_sealed(MutBytes out, ContentType type, uint16_t epoch, Bytes payload) {
  // `payload` may already sit at its place in `out` (memmove is safe then).
  uint64_t seq = write_seq_[epoch]++;
  if (epoch == 0) {
    if (out.size() < kRecordHeaderSize + payload.size()) return 0;
    if (!payload.empty()) std::memmove(out.data() + kRecordHeaderSize, payload.data(), payload.size());
    write_record_header(out.data(), type, 0, seq, uint16_t(payload.size()));
    return kRecordHeaderSize + payload.size();
  }
  size_t at = kRecordHeaderSize + write_prot_.explicit_nonce_size();
  if (out.size() < at + payload.size() + crypto::kAeadTagSize) return 0;
  if (!payload.empty()) std::memmove(out.data() + at, payload.data(), payload.size());
  auto r = write_prot_.seal(out, type, epoch, seq, payload.size());
  return r.ok() ? *r : 0;
}

std::optional<size_t> Connection::transmit_flight(MutBytes buf) {
  const size_t limit = std::min(buf.size(), settings_.mtu);
  size_t pos = 0;
  while (tx_msg_ < flight_.size()) {
    const OutMsg& m = flight_[tx_msg_];
    const size_t overhead =
        kRecordHeaderSize + (m.epoch ? write_prot_.explicit_nonce_size() + crypto::kAeadTagSize : 0);
    // A ChangeCipherSpec is a one-byte "message" without handshake header
    // (RFC 5246 §7.1), sent through the same path.
    const size_t hdr = m.ccs ? 0 : kHandshakeHeaderSize;
    const uint8_t* full = flight_buf_.data() + m.offset;
    const size_t body_len = m.ccs ? 1 : m.length - kHandshakeHeaderSize;
    const size_t remaining = body_len - tx_off_;
    const size_t room = limit - pos;
    if (room < overhead + hdr + (remaining ? 1 : 0)) break;
    size_t avail = room - overhead - hdr;
    // Do not split a message into a sliver when a fresh datagram would hold more.
    if (remaining > avail && avail < 64 && pos > 0) break;
    size_t frag = std::min(remaining, avail);
    // Build the fragment (header + body slice) directly at its place in buf.
    uint8_t* payload = buf.data() + pos + kRecordHeaderSize + (m.epoch ? write_prot_.explicit_nonce_size() : 0);
    if (m.ccs) {
      payload[0] = 1;
    } else {
      write_handshake_header(payload, static_cast<HandshakeType>(full[0]), uint32_t(body_len), load_be16(full + 4),
                             uint32_t(tx_off_), uint32_t(frag));
      std::memcpy(payload + kHandshakeHeaderSize, full + kHandshakeHeaderSize + tx_off_, frag);
    }
    size_t n = write_plain_or_sealed(buf.subspan(pos, room),
                                     m.ccs ? ContentType::change_cipher_spec : ContentType::handshake, m.epoch,
                                     Bytes(payload, hdr + frag));
    if (n == 0) break;
    pos += n;
    bump(stats_.records_sent);
    tx_off_ += frag;
    if (tx_off_ == body_len) {
      ++tx_msg_;
      tx_off_ = 0;
    }
  }
  if (tx_msg_ >= flight_.size()) flight_sending_ = false;
  if (pos == 0) {
    // Not even one record fits: give up on this transmission instead of spinning.
    flight_sending_ = false;
    return std::nullopt;
  }
  bump(stats_.datagrams_sent);
  return pos;
}

__attribute__((noinline)) size_t Connection::count_datagram(size_t n) {
  bump(stats_.datagrams_sent);
  bump(stats_.records_sent);
  return n;
}

std::optional<size_t> Connection::poll_transmit(MutBytes buf) {
  if (hvr_pending_) {
    hvr_pending_ = false;
    // RFC 6347 §4.2.1: "the server MUST use the record sequence number in
    // the ClientHello as the record sequence number in the
    // HelloVerifyRequest".
    constexpr size_t kBody = 2 + 1 + 32;  // server_version, cookie<0..2^8-1>
    constexpr size_t kLen = kRecordHeaderSize + kHandshakeHeaderSize + kBody;
    if (buf.size() < kLen) return std::nullopt;
    uint8_t* p = buf.data();
    write_record_header(p, ContentType::handshake, 0, hvr_record_seq_, kHandshakeHeaderSize + kBody);
    p += kRecordHeaderSize;
    write_handshake_header(p, HandshakeType::hello_verify_request, kBody, hvr_message_seq_, 0, kBody);
    p += kHandshakeHeaderSize;
    // RFC 6347 §4.2.1: "DTLS 1.2 server implementations SHOULD use DTLS
    // version 1.0 regardless of the version of TLS that is expected to be
    // negotiated."
    store_be16(p, kDtls10Version);
    p[2] = 32;
    std::memcpy(p + 3, hvr_cookie_.data(), 32);
    return count_datagram(kLen);
  }
  if (alert_pending_) {
    alert_pending_ = false;
    uint8_t body[2] = {static_cast<uint8_t>(alert_out_.level), static_cast<uint8_t>(alert_out_.description)};
    uint16_t epoch = write_epoch_ && write_prot_.active() ? 1 : 0;
    if (size_t n = write_plain_or_sealed(buf, ContentType::alert, epoch, Bytes(body, 2))) return count_datagram(n);
  }
  if (state_ == TransportState::failed || state_ == TransportState::closed) return std::nullopt;
  if (flight_sending_) {
    if (auto n = transmit_flight(buf)) return n;
  }
  while (!tx_data_.empty()) {
    size_t n = write_plain_or_sealed(buf, ContentType::application_data, 1, tx_data_.front());
    tx_data_.pop();
    if (tx_data_.empty()) tx_data_.trim();  // the record is in `buf` now
    if (n) return count_datagram(n);
    bump(stats_.dropped_app_data_buffer);
  }
  return std::nullopt;
}

}  // namespace sansrtc::dtls
