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
}  // namespace

Connection::DataRing::Slot* Connection::DataRing::next_free() {
  if (count == limit) return nullptr;
  const size_t i = (head + count) % limit;
  if (i >= slots.size()) slots.resize(i + 1);
  return &slots[i];
}

bool Connection::DataRing::push(Bytes b) {
  Slot* slot = next_free();
  if (!slot) return false;
  // Keeps its capacity: no allocation once warm.
  slot->bytes.assign(b.begin(), b.end());
  slot->offset = 0;
  slot->length = b.size();
  commit();
  return true;
}

Connection::Connection(const Config& config, Rng& rng)
    : config_(config),
      rng_(rng),
      rto_(config.initial_rto),
      reassembler_(config.max_handshake_message_size, config.max_buffered_messages),
      events_(config.max_received_app_data + 16) {
  if (config_.cipher_suites.empty()) {
    (void)config_.cipher_suites.push_back(CipherSuite::ecdhe_ecdsa_aes128_gcm_sha256);
    (void)config_.cipher_suites.push_back(CipherSuite::ecdhe_ecdsa_aes256_gcm_sha384);
    if (crypto::ChaChaPoly::available())
      (void)config_.cipher_suites.push_back(CipherSuite::ecdhe_ecdsa_chacha20_poly1305_sha256);
  }
  if (config_.srtp_profiles.empty()) {
    (void)config_.srtp_profiles.push_back(SrtpProfile::aead_aes_128_gcm);
    (void)config_.srtp_profiles.push_back(SrtpProfile::aead_aes_256_gcm);
    (void)config_.srtp_profiles.push_back(SrtpProfile::aes128_cm_hmac_sha1_80);
    (void)config_.srtp_profiles.push_back(SrtpProfile::aes128_cm_hmac_sha1_32);
  }
  rx_data_.limit = std::max<size_t>(1, config_.max_received_app_data);
  tx_data_.limit = std::max<size_t>(1, config_.max_queued_app_data);
  rng_.fill(cookie_secret_);
  // The ECDHE key pair of the group we prefer, ahead of the handshake.
  bool x25519 = config_.enable_x25519 && crypto::ecdh_group_available(crypto::EcdhGroup::x25519);
  init_status_ = ensure_ecdh(x25519 ? kGroupX25519 : kGroupSecp256r1);
  group_ = 0;
}

Connection::~Connection() = default;

size_t Connection::handshake_memory() const {
  return transcript_.capacity() + scratch_.capacity() + flight_buf_.capacity() + reassembler_.buffered_bytes();
}

Result<void> Connection::ensure_ecdh(uint16_t group) {
  crypto::EcdhGroup g = group == kGroupX25519 ? crypto::EcdhGroup::x25519 : crypto::EcdhGroup::p256;
  if (ecdh_ready_ && ecdh_.group() == g) return ok_result();
  auto r = crypto::Ecdh::generate(g, rng_);
  if (!r.ok()) return r.error();
  ecdh_ = std::move(r.value());
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
    const size_t der = config_.certificate ? config_.certificate->der().size() : 0;
    scratch_.resize(std::min(config_.max_handshake_message_size + 256, der + 1024));
    transcript_.reserve(4096);
    flight_buf_.reserve(2048);
  }
}

Result<void> Connection::start(Instant now) {
  now = mono_.update(now);
  if (hs_ != Hs::idle) return make_error(Errc::invalid_state, "dtls: already started");
  if (!config_.certificate || !config_.private_key || !config_.private_key->valid())
    return make_error(Errc::invalid_argument, "dtls: a certificate and its private key are required");
  if (config_.mtu < 64) return make_error(Errc::invalid_argument, "dtls: mtu too small");
  if (!init_status_.ok()) return init_status_.error();
  if (config_.role == Role::client) {
    allocate_handshake_state();
    set_state(TransportState::connecting);
    timers_.arm(Timer::handshake, now + config_.handshake_timeout);
    rng_.fill(client_random_);
    hs_ = Hs::c_wait_server_hello;
    reassembler_.reset(0);
    auto r = client_send_client_hello(now);
    if (!r.ok()) {
      fail(now, AlertDescription::internal_error, r.error());
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
  ++stats_.datagrams_received;
  if (hs_ == Hs::idle || state_ == TransportState::failed || state_ == TransportState::closed) return;
  RecordParser parser(datagram);
  while (auto rec = parser.next()) {
    ++stats_.records_received;
    handle_record(now, *rec);
    if (state_ == TransportState::failed || state_ == TransportState::closed) return;
  }
  if (parser.truncated()) ++stats_.dropped_truncated;
  if (!early_record_.empty() && read_prot_.active()) {
    std::vector<uint8_t> held;
    held.swap(early_record_);
    RecordParser again(held);
    if (auto rec = again.next()) handle_record(now, *rec);
  }
}

void Connection::handle_record(Instant now, const RecordView& rec) {
  // A first ClientHello may carry the DTLS 1.0 record version (RFC 6347
  // §4.1: the record version of a ClientHello is not meaningful).
  if (rec.version != kDtls12Version && !(rec.epoch == 0 && rec.version == kDtls10Version)) {
    ++stats_.dropped_bad_version;
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
          ++stats_.dropped_unexpected;
          return;
        }
        handle_alert_plaintext(now, rec.fragment, 0);
        return;
      default:
        ++stats_.dropped_unexpected;
        return;
    }
  }
  if (rec.epoch == 1 && !read_prot_.active() && hs_ != Hs::done && early_record_.empty() &&
      rec.fragment.size() <= 2048) {
    const uint8_t* start = rec.header.data();
    early_record_.assign(start, start + kRecordHeaderSize + rec.fragment.size());
    ++stats_.early_records;
    return;
  }
  if (rec.epoch != 1 || !read_prot_.active()) {
    ++stats_.dropped_bad_epoch;
    return;
  }
  if (!replay_[1].check(rec.sequence_number)) {
    ++stats_.dropped_replay;
    return;
  }
  if (rec.fragment.size() > kMaxRecordFragment) {
    ++stats_.dropped_truncated;
    return;
  }
  // The datagram is the caller's (read-only): copy the record once, into
  // the receive slot an application-data record is delivered from, and open
  // it there in place. Handshake and alert records use the slot as scratch
  // without queuing it.
  DataRing::Slot* slot = rx_data_.next_free();
  std::vector<uint8_t>& bytes = slot ? slot->bytes : rx_spare_;
  // A slot grows to the largest record it has held, exactly (doubling would
  // hold up to twice a full record), and keeps its capacity: no allocation
  // once warm (SCTP sends small control packets and full-size DATA, so a
  // slot grows once or twice).
  if (bytes.capacity() < rec.fragment.size()) bytes.reserve(rec.fragment.size());
  bytes.assign(rec.fragment.begin(), rec.fragment.end());
  auto opened = read_prot_.open(rec, MutBytes(bytes.data(), bytes.size()));
  if (!opened.ok()) {
    // RFC 6347 §4.1.2.7: invalid records SHOULD be silently discarded.
    ++stats_.dropped_auth;
    return;
  }
  replay_[1].mark(rec.sequence_number);
  Bytes plaintext = *opened;
  switch (type) {
    case ContentType::handshake: handle_handshake_plaintext(now, plaintext, 1, rec.sequence_number); return;
    case ContentType::alert: handle_alert_plaintext(now, plaintext, 1); return;
    case ContentType::application_data:
      if (hs_ != Hs::done || state_ != TransportState::connected) {
        ++stats_.dropped_unexpected;
        return;
      }
      handle_application_data(slot, plaintext);
      return;
    default: ++stats_.dropped_unexpected; return;
  }
}

void Connection::handle_application_data(DataRing::Slot* slot, Bytes plaintext) {
  if (!slot) {
    ++stats_.dropped_app_data_full;
    return;
  }
  if (!events_.push_back(PendingEvent{EventKind::application_data, state_, {}, std::nullopt, false})) {
    // Cannot happen: the event ring has room for every data slot.
    ++stats_.dropped_app_data_full;
    return;
  }
  // The plaintext already sits in the slot.
  slot->offset = size_t(plaintext.data() - slot->bytes.data());
  slot->length = plaintext.size();
  rx_data_.commit();
}

void Connection::handle_alert_plaintext(Instant now, Bytes plaintext, uint16_t epoch) {
  (void)epoch;
  auto alert = parse_alert(plaintext);
  if (!alert.ok()) {
    ++stats_.dropped_unexpected;
    return;
  }
  if (alert->description == AlertDescription::close_notify) {
    // RFC 5246 §7.2.1: the other party MUST respond with a close_notify of
    // its own and close down immediately.
    if (!close_notify_sent_) {
      alert_pending_ = true;
      alert_out_ = Alert{AlertLevel::warning, AlertDescription::close_notify};
      close_notify_sent_ = true;
    }
    timers_.disarm_all();
    flight_sending_ = false;
    set_state(TransportState::closed);
    return;
  }
  if (alert->level == AlertLevel::fatal) {
    peer_alert_failure(alert->description);
    (void)now;
    return;
  }
  ++stats_.warning_alerts;
}

void Connection::handle_handshake_plaintext(Instant now, Bytes plaintext, uint16_t epoch, uint64_t record_seq) {
  HandshakeFragmentParser parser(plaintext);
  while (auto f = parser.next()) {
    const auto type = static_cast<HandshakeType>(f->msg_type);
    if (hs_ == Hs::done) {
      if (f->message_seq < reassembler_.next_seq()) {
        // The peer repeats its last flight: ours got lost (RFC 6347 §4.2.4).
        if (have_peer_prev_flight_ && f->message_seq == peer_prev_flight_last_seq_ && f->fragment_offset == 0 &&
            !flight_.empty())
          retransmit_flight(now);
        continue;
      }
      // RFC 5746 / WebRTC: no renegotiation. A new ClientHello (server) or
      // HelloRequest (client) is answered with a no_renegotiation warning.
      if ((config_.role == Role::server && type == HandshakeType::client_hello) ||
          (config_.role == Role::client && type == HandshakeType::hello_request)) {
        alert_pending_ = true;
        alert_out_ = Alert{AlertLevel::warning, AlertDescription::no_renegotiation};
      } else {
        ++stats_.dropped_fragments;
      }
      continue;
    }
    if (hs_ == Hs::s_wait_client_hello) {
      if (type != HandshakeType::client_hello || epoch != 0) {
        ++stats_.dropped_fragments;
        continue;
      }
      // Follow the client's message_seq: after a HelloVerifyRequest the
      // ClientHello with the cookie comes with the next one, and a repeated
      // first ClientHello must be answered again.
      if (f->message_seq != reassembler_.next_seq()) reassembler_.reset(f->message_seq);
      auto res = reassembler_.add(*f);
      if (res != FragmentReassembler::AddResult::accepted) {
        ++stats_.dropped_fragments;
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
      ++stats_.dropped_fragments;
      continue;
    }
    auto res = reassembler_.add(*f);
    if (res == FragmentReassembler::AddResult::old) {
      if (have_peer_prev_flight_ && f->message_seq == peer_prev_flight_last_seq_ && f->fragment_offset == 0)
        retransmit_flight(now);
      else
        ++stats_.dropped_fragments;
      continue;
    }
    if (res != FragmentReassembler::AddResult::accepted) {
      ++stats_.dropped_fragments;
      continue;
    }
    while (auto m = reassembler_.pop()) {
      process_message(now, *m);
      if (state_ == TransportState::failed || hs_ == Hs::done) break;
    }
    if (state_ == TransportState::failed) return;
  }
  if (parser.malformed()) ++stats_.dropped_fragments;
}

void Connection::process_message(Instant now, const FragmentReassembler::Message& m) {
  if (config_.role == Role::client)
    client_process(now, m);
  else
    server_process(now, m);
}

void Connection::handle_timeout(Instant now) {
  now = mono_.update(now);
  if (timers_.take_expired(Timer::handshake, now)) {
    timers_.disarm_all();
    flight_sending_ = false;
    fail(now, AlertDescription::handshake_failure, make_error(Errc::timeout, "dtls: handshake timed out"));
    alert_pending_ = false;  // the peer is not answering: no alert
    return;
  }
  if (timers_.take_expired(Timer::retransmit, now)) {
    // RFC 6347 §4.2.4.1: double the timer on each retransmission, up to 60 s.
    rto_ = std::min<Duration>(rto_ * 2, config_.max_rto);
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
  if (hvr_pending_ || alert_pending_ || flight_sending_ || tx_data_.count)
    return make_error(Errc::invalid_state, "dtls: other output is waiting (drain poll_transmit first)");
  if (len > kMaxPlaintext) return make_error(Errc::invalid_argument, "dtls: record larger than 2^14 bytes");
  const size_t at = application_data_offset();
  if (buf.size() < at + len + kApplicationDataTrailer)
    return make_error(Errc::buffer_too_small, "dtls: no room for the record around the plaintext");
  // The plaintext is already in place: write_plain_or_sealed's move is a no-op.
  const size_t n = write_plain_or_sealed(buf, ContentType::application_data, 1, Bytes(buf.data() + at, len));
  if (!n) return make_error(Errc::crypto_failure, "dtls: sealing the record failed");
  ++stats_.datagrams_sent;
  ++stats_.records_sent;
  return n;
}

void Connection::close(Instant now) {
  mono_.update(now);
  if (state_ == TransportState::closed || state_ == TransportState::failed) return;
  if (hs_ != Hs::idle && !close_notify_sent_) {
    alert_pending_ = true;
    alert_out_ = Alert{AlertLevel::warning, AlertDescription::close_notify};
    close_notify_sent_ = true;
  }
  timers_.disarm_all();
  flight_sending_ = false;
  set_state(TransportState::closed);
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
  Event e;
  e.kind = EventKind::state_changed;
  e.state = s;
  push_event(e);
}

void Connection::push_event(Event e) {
  (void)events_.push_back(PendingEvent{e.kind, e.state, e.error, e.alert, e.alert_from_peer});
}

void Connection::fail(Instant now, AlertDescription alert, Error error) {
  (void)now;
  if (state_ == TransportState::failed) return;
  alert_pending_ = true;
  alert_out_ = Alert{AlertLevel::fatal, alert};
  timers_.disarm_all();
  flight_sending_ = false;
  hvr_pending_ = false;
  Event e;
  e.kind = EventKind::error;
  e.error = error;
  e.alert = alert;
  push_event(e);
  set_state(TransportState::failed);
}

void Connection::peer_alert_failure(AlertDescription alert) {
  timers_.disarm_all();
  flight_sending_ = false;
  Event e;
  e.kind = EventKind::error;
  e.error = make_error(Errc::closed, "dtls: the peer sent a fatal alert");
  e.alert = alert;
  e.alert_from_peer = true;
  push_event(e);
  set_state(TransportState::failed);
}

std::optional<Event> Connection::poll_event() {
  auto p = events_.pop_front();
  if (!p) return std::nullopt;
  Event e;
  e.kind = p->kind;
  e.state = p->state;
  e.error = p->error;
  e.alert = p->alert;
  e.alert_from_peer = p->alert_from_peer;
  if (e.kind == EventKind::srtp_keys) e.srtp = srtp_keys_;
  if (e.kind == EventKind::application_data) {
    auto* slot = rx_data_.front();
    if (slot) {
      e.data = slot->view();
      rx_data_.pop();  // the bytes stay until the slot is reused by a later record (a later call)
    }
  }
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
  flight_buf_.insert(flight_buf_.end(), header, header + kHandshakeHeaderSize);
  flight_buf_.insert(flight_buf_.end(), body.begin(), body.end());
  if (!flight_.push_back(m)) return make_error(Errc::internal, "dtls: flight too long");
  // RFC 6347 §4.2.6: the transcript hashes each message as if it had been
  // sent as a single fragment.
  Bytes full(flight_buf_.data() + m.offset, m.length);
  transcript_.insert(transcript_.end(), full.begin(), full.end());
  return ok_result();
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
  rto_ = config_.initial_rto;
  if (arm_timer)
    timers_.arm(Timer::retransmit, now + rto_);
  else
    timers_.disarm(Timer::retransmit);
}

void Connection::retransmit_flight(Instant now) {
  if (flight_.empty()) return;
  ++stats_.retransmissions;
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
  const size_t limit = std::min(buf.size(), config_.mtu);
  size_t pos = 0;
  while (tx_msg_ < flight_.size()) {
    const OutMsg& m = flight_[tx_msg_];
    const size_t overhead =
        kRecordHeaderSize + (m.epoch ? write_prot_.explicit_nonce_size() + crypto::kAeadTagSize : 0);
    if (m.ccs) {
      if (pos + overhead + 1 > limit) break;
      const uint8_t one = 1;
      size_t n = write_plain_or_sealed(buf.subspan(pos, limit - pos), ContentType::change_cipher_spec, m.epoch,
                                       Bytes(&one, 1));
      if (n == 0) break;
      pos += n;
      ++stats_.records_sent;
      ++tx_msg_;
      continue;
    }
    const uint8_t* full = flight_buf_.data() + m.offset;
    const size_t body_len = m.length - kHandshakeHeaderSize;
    const size_t remaining = body_len - tx_off_;
    const size_t room = limit - pos;
    if (room < overhead + kHandshakeHeaderSize + (remaining ? 1 : 0)) break;
    size_t avail = room - overhead - kHandshakeHeaderSize;
    // Do not split a message into a sliver when a fresh datagram would hold more.
    if (remaining > avail && avail < 64 && pos > 0) break;
    size_t frag = std::min(remaining, avail);
    // Build the fragment (header + body slice) directly at its place in buf.
    uint8_t* payload = buf.data() + pos + kRecordHeaderSize + (m.epoch ? write_prot_.explicit_nonce_size() : 0);
    write_handshake_header(payload, static_cast<HandshakeType>(full[0]), uint32_t(body_len), load_be16(full + 4),
                           uint32_t(tx_off_), uint32_t(frag));
    std::memcpy(payload + kHandshakeHeaderSize, full + kHandshakeHeaderSize + tx_off_, frag);
    size_t n = write_plain_or_sealed(buf.subspan(pos, room), ContentType::handshake, m.epoch,
                                     Bytes(payload, kHandshakeHeaderSize + frag));
    if (n == 0) break;
    pos += n;
    ++stats_.records_sent;
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
  ++stats_.datagrams_sent;
  return pos;
}

std::optional<size_t> Connection::poll_transmit(MutBytes buf) {
  if (hvr_pending_) {
    hvr_pending_ = false;
    // RFC 6347 §4.2.1: "the server MUST use the record sequence number in
    // the ClientHello as the record sequence number in the
    // HelloVerifyRequest".
    uint8_t body[2 + 1 + 32];
    ByteWriter w(MutBytes(body, sizeof(body)));
    // RFC 6347 §4.2.1: "DTLS 1.2 server implementations SHOULD use DTLS
    // version 1.0 regardless of the version of TLS that is expected to be
    // negotiated."
    write_hello_verify_request(w, HelloVerifyRequest{kDtls10Version, Bytes(hvr_cookie_)});
    const size_t len = kRecordHeaderSize + kHandshakeHeaderSize + w.position();
    if (buf.size() < len) return std::nullopt;
    write_record_header(buf.data(), ContentType::handshake, 0, hvr_record_seq_,
                        uint16_t(kHandshakeHeaderSize + w.position()));
    write_handshake_header(buf.data() + kRecordHeaderSize, HandshakeType::hello_verify_request,
                           uint32_t(w.position()), hvr_message_seq_, 0, uint32_t(w.position()));
    std::memcpy(buf.data() + kRecordHeaderSize + kHandshakeHeaderSize, body, w.position());
    ++stats_.datagrams_sent;
    ++stats_.records_sent;
    return len;
  }
  if (alert_pending_) {
    alert_pending_ = false;
    uint8_t body[2] = {static_cast<uint8_t>(alert_out_.level), static_cast<uint8_t>(alert_out_.description)};
    uint16_t epoch = write_epoch_ && write_prot_.active() ? 1 : 0;
    size_t n = write_plain_or_sealed(buf, ContentType::alert, epoch, Bytes(body, 2));
    if (n) {
      ++stats_.datagrams_sent;
      ++stats_.records_sent;
      return n;
    }
  }
  if (state_ == TransportState::failed || state_ == TransportState::closed) return std::nullopt;
  if (flight_sending_) {
    if (auto n = transmit_flight(buf)) return n;
  }
  while (auto* slot = tx_data_.front()) {
    size_t n = write_plain_or_sealed(buf, ContentType::application_data, 1, slot->view());
    tx_data_.pop();
    if (!n) ++stats_.dropped_app_data_buffer;
    if (n) {
      ++stats_.datagrams_sent;
      ++stats_.records_sent;
      return n;
    }
  }
  return std::nullopt;
}

}  // namespace sansrtc::dtls
