// pc/peer_connection.cc — see include/sansrtc/peer_connection.h and
// pc/peer_connection_impl.h.
#include "pc/peer_connection_impl.h"

#include "base/crc.h"
#include "base/crypto/ctr_drbg_rng.h"
#include "base/log.h"
#include "ice/candidate_grammar.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace sansrtc {

namespace {

constexpr size_t kMaxLocalAddresses = 16;
constexpr size_t kMaxUnresolvedHosts = 8;
// Event slots kept once the queue is drained (each is a whole
// PeerConnectionEvent, ~250 B on a 32-bit target): enough for the steady
// flow (one message or state change between polls), not for the handshake's
// burst, which is given back.
constexpr size_t kKeptEventSlots = 2;

// Out-of-line 64-bit counting (smaller than each increment inlined on
// 32-bit targets): one counter, or a message/packet count and its bytes.
[[gnu::noinline]] void count(uint64_t& counter) { ++counter; }
[[gnu::noinline]] void count(uint64_t& counter, uint64_t& bytes, size_t size) {
  ++counter;
  bytes += size;
}

// The W3C enums list the states in the layers' order (checked here), but
// for ICE's failed/disconnected: casts and one table, no switch ladders.
static_assert(int(IceGathererState::complete) == int(ice::GatheringState::complete) &&
              int(IceGathererState::gathering) == int(ice::GatheringState::gathering));
IceGathererState to_gatherer(ice::GatheringState s) { return IceGathererState(s); }

IceTransportState to_ice_transport(ice::ConnectionState s) {
  using I = IceTransportState;
  static constexpr I kMap[] = {I::new_, I::checking, I::connected, I::completed, I::failed, I::disconnected, I::closed};
  static_assert(int(ice::ConnectionState::closed) == 6 && int(ice::ConnectionState::failed) == 4);
  return kMap[size_t(s)];
}

static_assert(int(DtlsTransportState::connecting) == int(dtls::TransportState::connecting) &&
              int(DtlsTransportState::connected) == int(dtls::TransportState::connected) &&
              int(DtlsTransportState::closed) == int(dtls::TransportState::closed) &&
              int(DtlsTransportState::failed) == int(dtls::TransportState::failed));
DtlsTransportState to_dtls(dtls::TransportState s) { return DtlsTransportState(s); }

// The value of the first "a=<name>:" line of an SDP we wrote ("" if none),
// a view into `sdp`. `key` is "a=<name>:".
std::string_view first_attribute(std::string_view sdp, std::string_view key) {
  size_t pos = 0;
  while (pos < sdp.size()) {
    size_t end = sdp.find('\n', pos);
    if (end == std::string_view::npos) end = sdp.size();
    std::string_view line = sdp.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with(key)) return line.substr(key.size());
    pos = end + 1;
  }
  return {};
}

// webrtc-pc §4.4.1: the description getters include the candidates gathered
// (local) or added (remote) since the description was set, and
// a=end-of-candidates once complete. `section(context, i, add)` calls
// add(out, start, "candidate:…") for each of the i-th m= section's candidates
// and returns whether that section is complete; rejected sections (port 0)
// get nothing. Lines already present are not repeated.
using AddLineFn = void (*)(std::string& out, size_t start, std::string_view line);
using SectionFn = bool (*)(const void* context, size_t index, std::string& out, size_t start, AddLineFn add);

// Appends `line` (without its "a=" and CRLF) to `out` unless the section
// that starts at `start` has it already.
void add_section_line(std::string& out, size_t start, std::string_view line) {
  // The same test as finding "a=<line>\r\n", without building that string.
  const std::string_view section = std::string_view(out).substr(start);
  const char* d = section.data();
  const size_t end = line.size() + 2;  // past the CRLF, from a match
  for (size_t p = section.find(line); p != std::string_view::npos; p = section.find(line, p + 1))
    if (p >= 2 && d[p - 2] == 'a' && d[p - 1] == '=' && p + end <= section.size() && d[p + end - 2] == '\r' &&
        d[p + end - 1] == '\n')
      return;
  out.append("a=").append(line).append("\r\n");
}

std::string with_candidates(std::string_view sdp, SectionFn section, const void* context) {
  std::string out;
  out.reserve(sdp.size() + 512);
  bool live = false;
  size_t start = 0;
  int index = -1;
  size_t pos = 0;
  for (;;) {
    // Each m= line, and the end, closes the section before it.
    const bool done = pos >= sdp.size();
    size_t end = sdp.find('\n', pos);
    end = end == std::string_view::npos ? sdp.size() : end + 1;
    const std::string_view line = done ? std::string_view() : sdp.substr(pos, end - pos);
    if (done || line.starts_with("m=")) {
      if (live && index >= 0 && section(context, size_t(index), out, start, add_section_line))
        add_section_line(out, start, "end-of-candidates");
      if (done) return out;
      start = out.size();
      ++index;
      size_t sp = line.find(' ');
      live = sp != std::string_view::npos && line.substr(sp + 1, 2) != "0 ";
    }
    out.append(line);
    pos = end;
  }
}

}  // namespace

const char* to_string(PeerConnectionEvent::Type t) {
  using T = PeerConnectionEvent::Type;
  switch (t) {
    case T::signaling_state_change: return "signalingstatechange";
    case T::negotiation_needed: return "negotiationneeded";
    case T::ice_gathering_state_change: return "icegatheringstatechange";
    case T::ice_candidate: return "icecandidate";
    case T::ice_candidate_error: return "icecandidateerror";
    case T::ice_connection_state_change: return "iceconnectionstatechange";
    case T::connection_state_change: return "connectionstatechange";
    case T::data_channel: return "datachannel";
    case T::dtls_state_change: return "dtlsstatechange";
    case T::sctp_state_change: return "sctpstatechange";
    case T::channel_open: return "open";
    case T::channel_message: return "message";
    case T::channel_buffered_amount_low: return "bufferedamountlow";
    case T::channel_error: return "error";
    case T::channel_closing: return "closing";
    case T::channel_close: return "close";
    case T::resolve_hostname: return "resolvehostname";
  }
  return "unknown";
}

Result<CertificateHandle> generate_certificate(Rng& rng, int64_t unix_time_seconds) {
  auto key = crypto::EcdsaP256Key::generate(rng);
  if (!key.ok()) return make_error(Errc::crypto_failure, "generate_certificate: key generation failed");
  auto cert = crypto::Certificate::self_signed(key.value(), rng, "sansrtc", unix_time_seconds - 86400, 30);
  if (!cert.ok()) return make_error(Errc::crypto_failure, "generate_certificate: signing failed");
  std::shared_ptr<Certificate> c(new Certificate());  // not make_shared: it links libstdc++'s RTTI tag support
  c->key = std::move(key.value());
  c->certificate = std::move(cert.value());
  c->fingerprint = c->certificate.fingerprint(crypto::HashAlg::sha256);
  return CertificateHandle(std::move(c));
}

std::string certificate_fingerprint(const Certificate& certificate) { return certificate.fingerprint.to_sdp(); }

Result<std::unique_ptr<Rng>> make_secure_rng() {
  auto r = crypto::CtrDrbgRng::create();
  if (!r.ok()) return r.error();
  return std::unique_ptr<Rng>(std::move(r.value()));
}

Result<std::unique_ptr<Rng>> make_secure_rng(int (*entropy)(void* user, uint8_t* out, size_t len), void* user) {
  auto r = crypto::CtrDrbgRng::create_with_entropy(entropy, user);
  if (!r.ok()) return r.error();
  return std::unique_ptr<Rng>(std::move(r.value()));
}

// ---------------------------------------------------------------------------
// Impl: construction and wiring

PeerConnection::Impl::Impl(Instant now, Rng& r, const Configuration& c, const PeerConnectionOptions& o,
                           std::vector<pc::IceServerUrl> s, CertificateHandle ce)
    : PeerConnectionScalars(),
      rng(r),
      config(c),
      options(o),
      servers(std::move(s)),
      cert(std::move(ce)),
      jsep(r, pc::JsepConfig{.bundle_policy = c.bundle_policy,
                             .rtcp_mux_policy = c.rtcp_mux_policy,
                             .sctp_port = o.sctp_port,
                             .max_message_size = o.max_message_size}),
      created_at(now) {
  clock.update(now);
  if (config.certificates.empty()) config.certificates = std::vector<CertificateHandle>(1, cert);
  jsep.set_local_fingerprints({sdp::FingerprintAttr{"sha-256", cert->fingerprint.hex()}});
  add_stun_servers();
}

void PeerConnection::Impl::add_stun_servers() {
  // STUN servers: IP literals at once, hostnames once resolved (the caller
  // is asked through resolve_hostname events).
  for (const auto& u : servers) {
    if (u.scheme != pc::IceServerScheme::stun) continue;  // stuns/turn(s): no client yet
    std::optional<IpAddress> ip;
    if (auto p = IpAddress::parse(u.host); p.ok()) ip = p.value();
    for (const auto& [host, addr] : options.resolved_hosts)
      if (!ip && host == u.host) ip = addr;
    if (ip) {
      add_stun_server(u, *ip);
    } else if (!find_unresolved(u.host) && unresolved_server_hosts.size() < kMaxUnresolvedHosts) {
      unresolved_server_hosts.push_back(u.host);
      if (auto* e = push_event(PeerConnectionEvent::Type::resolve_hostname)) e->hostname = u.host;
    }
  }
}

std::string* PeerConnection::Impl::find_unresolved(std::string_view host) {
  for (auto& h : unresolved_server_hosts)
    if (h == host) return &h;
  return nullptr;
}

void PeerConnection::Impl::add_stun_server(const pc::IceServerUrl& u, const IpAddress& ip) {
  const SocketAddress address(ip, u.port);
  for (const auto& k : stun_servers)
    if (k.address == address) return;
  // "stun:host:port" as configured (echoed in icecandidateerror).
  std::string url = "stun:";
  if (u.host_is_ipv6) url += '[';
  url += u.host;
  if (u.host_is_ipv6) url += ']';
  url += ':';
  url += sdp::decimal(u.port);
  stun_servers.push_back(ice::StunServer{address, std::move(url)});
  if (transport) (void)transport->ice().add_stun_server(stun_servers.back());
}

void PeerConnection::Impl::ensure_transport(Instant now, const pc::TransportParameters* p, IceRole fallback) {
  if (transport) return;
  const IceRole role = p && p->ice_role != IceRole::unknown ? p->ice_role : fallback;
  pc::TransportConfig tc;
  tc.ice.local_ufrag = jsep.local_ice_ufrag();
  tc.ice.local_pwd = jsep.local_ice_pwd();
  tc.ice.role = role == IceRole::controlled ? ice::Role::controlled : ice::Role::controlling;
  tc.ice.ta = options.ice_ta;
  tc.ice.nomination_delay = options.ice_nomination_delay;
  tc.ice.allow_loopback = options.allow_loopback;
  tc.ice.transport_policy = config.ice_transport_policy == IceTransportPolicy::relay ? ice::TransportPolicy::relay
                                                                                     : ice::TransportPolicy::all;
  tc.dtls.certificate = &cert->certificate;
  tc.dtls.private_key = &cert->key;
  tc.dtls.initial_rto = options.dtls_initial_rto;
  tc.dtls.use_cookie = options.dtls_cookie;
  tc.sctp.local_port = options.sctp_port;
  tc.sctp.remote_port = 5000;
  if (p && p->has_data) tc.sctp.remote_port = p->remote_sctp_port;
  tc.sctp.max_message_size = options.max_message_size;
  tc.sctp.max_receive_buffer = options.sctp_receive_window;
  tc.sctp.max_send_buffer = options.sctp_send_buffer;
  tc.sctp.max_pooled_buffers = options.message_pool_buffers;
  tc.sctp.max_pooled_buffer_size = options.message_pool_buffer_size;
  tc.sctp.max_pooled_bytes = options.message_pool_bytes;
  tc.datachannel.max_channels = options.max_data_channels;
  tc.datachannel.max_message_size = options.max_message_size;
  tc.defer_dtls_role = true;
  transport = std::make_unique<pc::TransportStack>(now, tc, rng);
  // The STUN servers known so far (hostnames still unresolved are added
  // through add_stun_server later); gathering has not started yet.
  for (const auto& s : stun_servers) (void)transport->ice().add_stun_server(s);
}

std::string PeerConnection::Impl::local_transport_mid() const {
  if (auto p = jsep.transport_parameters()) return p->mid;
  if (const auto& d = jsep.local_description()) {
    std::string_view mid = first_attribute(d->sdp, "a=mid:");
    if (!mid.empty()) return std::string(mid);
  }
  return "0";
}

void PeerConnection::Impl::start_gathering(Instant now) {
  gathering_wanted = true;
  feed_gathering(now);
}

void PeerConnection::Impl::feed_gathering(Instant now) {
  if (!transport || !gathering_wanted || closed || !unresolved_server_hosts.empty()) return;
  // Drain after each interface: the transport's event ring keeps whatever
  // slots a burst grew it to, so feeding every interface before draining
  // would hold several ~400-byte event slots for the connection's life. The
  // order of events is unchanged (pump drains JSEP's first, as before).
  for (; local_addresses_fed < local_address_count(); ++local_addresses_fed) {
    auto r = transport->add_local_interface(now, local_address(local_addresses_fed));
    if (!r.ok()) SANSRTC_LOG(LogLevel::debug, "pc", "local address not used: {}", r.error().message);
    pump();
  }
  if (local_addresses_complete && !end_of_local_fed) {
    end_of_local_fed = true;
    transport->end_of_local_interfaces(now);
  }
}

Result<void> PeerConnection::Impl::add_remote_candidate_line(Instant now, std::string_view line) {
  const uint32_t digest = crc32(Bytes(reinterpret_cast<const uint8_t*>(line.data()), line.size()));
  for (size_t i = 0; i + 4 <= remote_candidates_added.size(); i += 4) {
    uint32_t d;
    std::memcpy(&d, remote_candidates_added.data() + i, 4);
    if (d == digest) return ok_result();
  }
  auto c = ice::parse_candidate(line);
  if (!c.ok()) {
    count(counters.bad_remote_candidates);
    return make_error(Errc::invalid_argument, "add_ice_candidate: malformed candidate");
  }
  const size_t n = remote_candidates_added.size();
  remote_candidates_added.resize(n + 4);
  std::memcpy(remote_candidates_added.data() + n, &digest, 4);
  auto r = transport->add_remote_candidate(now, c.value());
  if (!r.ok()) count(counters.bad_remote_candidates);  // tcp, other family, limits: not an API error
  return ok_result();
}

void PeerConnection::Impl::apply_negotiation(Instant now) {
  if (!transport || closed) return;
  ice::Agent& agent = transport->ice();
  // A local ICE restart: the local description in effect carries new
  // credentials (RFC 8445 §9; JSEP §5.2.1).
  if (const auto& local = jsep.local_description()) {
    std::string_view ufrag = first_attribute(local->sdp, "a=ice-ufrag:");
    std::string_view pwd = first_attribute(local->sdp, "a=ice-pwd:");
    if (!ufrag.empty() && ufrag != agent.local_ufrag()) {
      if (agent.restart(now, ufrag, pwd).ok()) {
        jsep.clear_local_candidates();
        jsep.set_local_gathering_complete(false);
        stale_remote_ufrag = remote_ufrag_in_agent;
        remote_ufrag_in_agent.clear();
        remote_candidates_added.clear();
      }
    }
  }
  auto p = jsep.transport_parameters();
  if (!p) return;
  if (!p->remote_ice_ufrag.empty() && p->remote_ice_ufrag != remote_ufrag_in_agent &&
      p->remote_ice_ufrag != stale_remote_ufrag && !jsep.remote_ice_restart()) {
    if (transport->set_remote_credentials(now, p->remote_ice_ufrag, p->remote_ice_pwd).ok()) {
      remote_ufrag_in_agent = p->remote_ice_ufrag;
      remote_candidates_added.clear();
      agent.set_remote_ice_lite(now, p->remote_ice_lite);
    }
  }
  if (!remote_ufrag_in_agent.empty() && p->remote_ice_ufrag == remote_ufrag_in_agent) {
    for (const auto& line : p->remote_candidates) (void)add_remote_candidate_line(now, line);
    if (p->remote_end_of_candidates) transport->end_of_remote_candidates(now);
  }
  if (p->has_data) {
    transport->channels().set_remote_max_message_size(p->remote_max_message_size);
    // Our offer created the transport before the answer's a=sctp-port was
    // known (RFC 8841 §5.1); take it before SCTP starts.
    if (!dtls_started) (void)transport->sctp().set_remote_port(p->remote_sctp_port);
  }
  // DTLS: the role is fixed by the answer (RFC 8842).
  if (!dtls_started && p->local_dtls_role) {
    dtls::Role role = *p->local_dtls_role == sdp::Setup::active ? dtls::Role::client : dtls::Role::server;
    // The first four that parse (the stack holds four).
    InlineVector<crypto::Fingerprint, 4> fps;
    for (const auto& f : p->remote_fingerprints)
      if (auto fp = crypto::Fingerprint::parse(f.hash_function, f.value); fp.ok() && !fps.push_back(fp.value())) break;
    if (transport->set_dtls_role(role).ok() &&
        transport->set_remote_fingerprints(std::span<const crypto::Fingerprint>(fps.data(), fps.size())).ok() &&
        transport->start(now).ok()) {
      dtls_started = true;
      dtls_role = role;
    }
  }
  if (flush_channels) flush_channels(*this, now);
}

void PeerConnection::Impl::flush_pending_channels(Instant now) {
  if (!transport || closed) return;
  for (size_t i = 0; i < channels.size();) {
    Channel& ch = channels[i];
    if (ch.in_stack || ch.state == DataChannelState::closed || (!ch.negotiated && !dtls_role)) {
      ++i;
      continue;
    }
    datachannel::ChannelInit ci;
    ci.ordered = ch.ordered;
    ci.max_retransmits = ch.max_retransmits;
    ci.max_packet_life_time = ch.max_packet_life_time;
    ci.protocol = ch.protocol();
    ci.negotiated = ch.negotiated;
    ci.id = ch.id;
    auto r = transport->create_data_channel(now, ch.label(), ci);
    if (r.ok()) {
      ch.in_stack = true;
      ch.stream = r.value().value();
      if (ch.low_threshold) (void)transport->channels().set_buffered_amount_low_threshold(r.value(), ch.low_threshold);
      ++i;
      continue;
    }
    // webrtc-pc §6.1: an id that turns out unusable closes the channel
    // with an OperationError.
    if (auto* e = push_event(PeerConnectionEvent::Type::channel_error, ch.handle)) e->error_text = r.error().message;
    forget_channel(&ch);
  }
}

// ---------------------------------------------------------------------------
// Impl: events

PeerConnectionEvent* PeerConnection::Impl::push_event(PeerConnectionEvent::Type type, DataChannelHandle channel) {
  if (closed && type != PeerConnectionEvent::Type::resolve_hostname) return nullptr;
  if (events_head == events.size()) {
    events.clear();
    events_head = 0;
  }
  if (events.size() - events_head >= options.max_queued_events) {
    count(counters.events_dropped);
    return nullptr;
  }
  PeerConnectionEvent& e = events.emplace_back();
  e.type = type;
  e.channel = channel;
  return &e;
}

void PeerConnection::Impl::forget_channel(Channel* ch) {
  (void)push_event(PeerConnectionEvent::Type::channel_close, ch->handle);
  ch->free_names();
  channels.erase(channels.begin() + (ch - channels.data()));
}

void PeerConnection::Impl::Channel::set_names(std::string_view label, std::string_view protocol) {
  label_size = uint32_t(label.size());
  protocol_size = uint32_t(protocol.size());
  if (label.empty() && protocol.empty()) return;
  names = static_cast<char*>(::operator new(label.size() + protocol.size()));
  std::char_traits<char>::copy(names, label.data(), label.size());  // (n == 0: no copy)
  std::char_traits<char>::copy(names + label.size(), protocol.data(), protocol.size());
}

void PeerConnection::Impl::Channel::free_names() {
  ::operator delete(names);
  names = nullptr;
}

void PeerConnection::Impl::clear_channels() {
  for (auto& c : channels) c.free_names();
  channels.clear();
}

PeerConnection::Impl::~Impl() { clear_channels(); }

void PeerConnection::Impl::drain_jsep() {
  while (auto e = jsep.poll_event()) {
    if (e->type != pc::JsepEvent::Type::signaling_state_change) {
      (void)push_event(PeerConnectionEvent::Type::negotiation_needed);
    } else if (auto* pe = push_event(PeerConnectionEvent::Type::signaling_state_change)) {
      pe->signaling_state = e->state;
    }
  }
}

void PeerConnection::Impl::update_states() {
  if (closed) return;
  std::span<const IceGathererState> gs;
  std::span<const IceTransportState> is;
  std::span<const DtlsTransportState> ds;
  if (transport) {
    gs = std::span<const IceGathererState>(&gatherer_state, 1);
    is = std::span<const IceTransportState>(&ice_transport_state, 1);
    ds = std::span<const DtlsTransportState>(&dtls_state, 1);
  }
  using T = PeerConnectionEvent::Type;
  IceGatheringState g = aggregate_ice_gathering_state(false, gs);
  if (g != gathering_state) {
    gathering_state = g;
    if (auto* e = push_event(T::ice_gathering_state_change)) e->ice_gathering_state = g;
    if (g == IceGatheringState::complete) (void)push_event(T::ice_candidate);  // the null candidate
  }
  IceConnectionState i = aggregate_ice_connection_state(false, is);
  PeerConnectionState p = aggregate_peer_connection_state(false, is, ds);
  if (i != ice_state) {
    ice_state = i;
    if (auto* e = push_event(T::ice_connection_state_change)) e->ice_connection_state = i;
  }
  if (p != pc_state) {
    pc_state = p;
    if (auto* e = push_event(T::connection_state_change)) e->connection_state = p;
  }
}

PeerConnection::Impl::Channel* PeerConnection::Impl::find_channel(DataChannelHandle h) {
  for (auto& c : channels)
    if (c.handle == h) return &c;
  return nullptr;
}
const PeerConnection::Impl::Channel* PeerConnection::Impl::find_channel(DataChannelHandle h) const {
  for (const auto& c : channels)
    if (c.handle == h) return &c;
  return nullptr;
}
PeerConnection::Impl::Channel* PeerConnection::Impl::find_by_stream(uint16_t stream) {
  for (auto& c : channels)
    if (c.in_stack && c.stream == stream) return &c;
  return nullptr;
}

void PeerConnection::Impl::on_channel_event(datachannel::Event&& e) {
  using DT = datachannel::EventType;
  using T = PeerConnectionEvent::Type;
  const uint16_t stream = e.id.value();
  if (e.type == DT::data_channel) {
    const datachannel::DataChannel* info = transport->channels().channel(e.id);
    if (!info) return;
    Channel& ch = channels.emplace_back();
    ch.handle = next_handle++;
    ch.set_names(info->label, info->protocol);
    ch.ordered = info->ordered;
    ch.max_retransmits = info->max_retransmits;
    if (info->max_packet_life_time) ch.max_packet_life_time = uint16_t(std::min<uint32_t>(*info->max_packet_life_time, 65535));
    ch.id = stream;
    ch.stream = stream;
    ch.in_stack = true;
    (void)push_event(T::data_channel, ch.handle);
    return;
  }
  Channel* ch = find_by_stream(stream);
  if (!ch) return;
  // W3C event types in datachannel::EventType order (open, message,
  // buffered_amount_low, error, closing, close).
  switch (e.type) {
    case DT::open:
      ch->state = DataChannelState::open;
      count(counters.channels_opened);
      (void)push_event(T::channel_open, ch->handle);
      break;
    case DT::message:
      count(ch->messages_received, ch->bytes_received, e.data.size());
      if (auto* pe = push_event(T::channel_message, ch->handle)) {
        pe->binary = e.binary;
        pe->data = std::move(e.data);
      }
      break;
    case DT::buffered_amount_low: (void)push_event(T::channel_buffered_amount_low, ch->handle); break;
    case DT::error:
      if (auto* pe = push_event(T::channel_error, ch->handle)) pe->error_text = e.detail ? e.detail : "";
      break;
    case DT::closing:
      ch->state = DataChannelState::closing;
      (void)push_event(T::channel_closing, ch->handle);
      break;
    case DT::close:
      count(counters.channels_closed);
      forget_channel(ch);
      break;
    case DT::data_channel: break;
  }
}

void PeerConnection::Impl::on_transport_event(pc::TransportEvent&& e) {
  using K = pc::TransportEvent::Kind;
  using IK = ice::Event::Kind;
  using T = PeerConnectionEvent::Type;
  switch (e.kind) {
    case K::ice:
      switch (e.ice.kind) {
        case IK::gathering_state:
          gatherer_state = to_gatherer(e.ice.gathering_state);
          if (gatherer_state != IceGathererState::new_)
            jsep.set_local_gathering_complete(gatherer_state == IceGathererState::complete);
          update_states();
          break;
        case IK::connection_state:
          ice_transport_state = to_ice_transport(e.ice.connection_state);
          update_states();
          break;
        case IK::local_candidate: {
          std::string line = ice::format_candidate(e.ice.candidate);
          jsep.add_local_candidate(line);
          if (auto* pe = push_event(T::ice_candidate)) {
            IceCandidateInit& init = pe->candidate.emplace();
            init.candidate = std::move(line);
            init.sdp_mid = local_transport_mid();
            init.sdp_m_line_index = 0;
            init.username_fragment = transport->ice().local_ufrag();
          }
          break;
        }
        case IK::end_of_candidates: break;  // the null candidate follows the gathering state
        case IK::candidate_error:
          if (auto* pe = push_event(T::ice_candidate_error)) {
            auto& ce = pe->candidate_error;
            ce.address = e.ice.error_address.ip().to_string();
            ce.port = e.ice.error_address.port();
            ce.url = std::move(e.ice.error_url);
            ce.error_code = e.ice.error_code;
            ce.error_text = std::move(e.ice.error_text);
          }
          break;
        case IK::selected_pair: count(counters.selected_pair_changes); break;
        case IK::resolve_hostname:
          if (auto* pe = push_event(T::resolve_hostname)) pe->hostname = std::move(e.ice.hostname);
          break;
        case IK::role_changed: break;
      }
      break;
    case K::dtls_state:
      dtls_state = to_dtls(e.dtls_state);
      if (auto* pe = push_event(T::dtls_state_change)) pe->dtls_state = dtls_state;
      update_states();
      break;
    case K::dtls_error:
      SANSRTC_LOG(LogLevel::info, "pc", "dtls error: {}", e.error.message);
      break;
    case K::srtp_keys: break;  // media arrives in a later issue
    case K::sctp_state: {
      sctp_connected = e.sctp_state != pc::SctpTransportState::closed;
      SctpTransportState st = sctp_connected ? SctpTransportState::connected : SctpTransportState::closed;
      if (st != sctp_state) {
        sctp_state = st;
        if (auto* pe = push_event(T::sctp_state_change)) pe->sctp_state = st;
      }
      break;
    }
    case K::channel: break;  // taken from the channel manager (drain_transport)
  }
}

void PeerConnection::Impl::pump() {
  drain_jsep();
  drain_transport();
}

void PeerConnection::Impl::drain_transport() {
  if (!transport) return;
  // TransportStack::poll_event()'s order (layer events, then channel
  // events), without wrapping each channel event in a TransportEvent.
  for (;;) {
    if (auto e = transport->poll_layer_event()) {
      on_transport_event(std::move(*e));
    } else if (auto c = transport->channels().poll_event()) {
      on_channel_event(std::move(*c));
    } else {
      return;
    }
  }
}

// ---------------------------------------------------------------------------
// PeerConnection

PeerConnection::PeerConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PeerConnection::~PeerConnection() = default;

Result<std::unique_ptr<PeerConnection>> PeerConnection::create(Instant now, const Configuration& config, Rng& rng,
                                                               const PeerConnectionOptions& options) {
  auto servers = pc::validate_configuration(config);
  if (!servers.ok()) return servers.error();
  CertificateHandle cert;
  if (!config.certificates.empty()) {
    cert = config.certificates.front();
    if (!cert) return make_error(Errc::invalid_argument, "create: null certificate");
  } else {
    auto c = generate_certificate(rng, options.unix_time_seconds);
    if (!c.ok()) return c.error();
    cert = c.value();
  }
  if (options.max_queued_events == 0) return make_error(Errc::invalid_argument, "create: max_queued_events is 0");
  auto impl = std::make_unique<Impl>(now, rng, config, options, std::move(servers.value()), std::move(cert));
  return std::unique_ptr<PeerConnection>(new PeerConnection(std::move(impl)));
}

Result<void> PeerConnection::add_local_address(Instant now, const SocketAddress& address) {
  Impl& m = *impl_;
  now = m.clock.update(now);
  if (m.closed) return make_error(Errc::closed, "add_local_address: connection is closed");
  if (address.ip().is_unspecified() || address.port() == 0)
    return make_error(Errc::invalid_argument, "add_local_address: unspecified address or port 0");
  const size_t known = m.local_address_count();
  if (known >= kMaxLocalAddresses)
    return make_error(Errc::limit_exceeded, "add_local_address: more than 16 addresses");
  for (size_t i = 0; i < known; ++i)
    if (m.local_address(i) == address) return ok_result();
  m.local_addresses.resize((known + 1) * sizeof(SocketAddress));
  std::memcpy(m.local_addresses.data() + known * sizeof(SocketAddress), &address, sizeof(SocketAddress));
  m.feed_gathering(now);
  m.pump();
  return ok_result();
}

void PeerConnection::end_of_local_addresses(Instant now) {
  Impl& m = *impl_;
  now = m.clock.update(now);
  m.local_addresses_complete = true;
  m.feed_gathering(now);
  m.pump();
}

Result<SessionDescriptionInit> PeerConnection::create_offer(Instant now, const OfferOptions& options) {
  Impl& m = *impl_;
  now = m.clock.update(now);
  if (m.closed) return make_error(Errc::closed, "create_offer: connection is closed");
  auto r = m.jsep.create_offer(now, options);
  m.pump();
  return r;
}

Result<SessionDescriptionInit> PeerConnection::create_answer(Instant now) {
  Impl& m = *impl_;
  now = m.clock.update(now);
  if (m.closed) return make_error(Errc::closed, "create_answer: connection is closed");
  auto r = m.jsep.create_answer(now);
  m.pump();
  return r;
}

Result<void> PeerConnection::set_local_description(Instant now, const SessionDescriptionInit& desc) {
  Impl& m = *impl_;
  now = m.clock.update(now);
  if (m.closed) return make_error(Errc::closed, "set_local_description: connection is closed");
  auto r = m.jsep.set_local_description(now, desc);
  if (!r.ok()) {
    m.pump();
    return r;
  }
  if (desc.type != SdpType::rollback) {
    // We made an offer: the first offerer controls (RFC 8445 §6.1.1).
    if (!m.transport) {
      auto p = m.jsep.transport_parameters();
      m.ensure_transport(now, p ? &*p : nullptr, IceRole::controlling);
    }
    m.apply_negotiation(now);
    m.start_gathering(now);
  }
  m.pump();
  return ok_result();
}

Result<void> PeerConnection::set_remote_description(Instant now, const SessionDescriptionInit& desc) {
  Impl& m = *impl_;
  now = m.clock.update(now);
  if (m.closed) return make_error(Errc::closed, "set_remote_description: connection is closed");
  auto r = m.jsep.set_remote_description(now, desc);
  if (!r.ok()) {
    m.pump();
    return r;
  }
  if (desc.type != SdpType::rollback) {
    if (!m.transport) {
      if (auto p = m.jsep.transport_parameters()) m.ensure_transport(now, &*p, IceRole::controlled);
    }
    m.apply_negotiation(now);
    m.feed_gathering(now);
  }
  m.pump();
  return ok_result();
}

Result<void> PeerConnection::add_ice_candidate(Instant now, const IceCandidateInit& candidate) {
  Impl& m = *impl_;
  now = m.clock.update(now);
  if (m.closed) return make_error(Errc::closed, "add_ice_candidate: connection is closed");
  if (!candidate.candidate.empty() && !ice::parse_candidate(candidate.candidate).ok())
    return make_error(Errc::invalid_argument, "add_ice_candidate: malformed candidate");
  auto r = m.jsep.add_remote_candidate(now, candidate);
  if (!r.ok()) return r.error();
  m.apply_negotiation(now);
  if (r.value().end_of_candidates && m.transport && !m.remote_ufrag_in_agent.empty() &&
      (r.value().ice_ufrag.empty() || r.value().ice_ufrag == m.remote_ufrag_in_agent))
    m.transport->end_of_remote_candidates(now);
  m.pump();
  return ok_result();
}

void PeerConnection::restart_ice(Instant now) {
  Impl& m = *impl_;
  now = m.clock.update(now);
  if (m.closed) return;
  m.jsep.restart_ice(now);
  m.pump();
}

std::optional<SessionDescriptionInit> PeerConnection::Impl::local_with_candidates(
    const std::optional<SessionDescriptionInit>& d) const {
  if (!d || !transport) return d;
  // Every live section is bundled on our one transport: same candidates.
  return SessionDescriptionInit{
      d->type, with_candidates(
                   d->sdp,
                   [](const void* c, size_t, std::string& out, size_t start, AddLineFn add) {
                     const Impl& m = *static_cast<const Impl*>(c);
                     for (const auto& l : m.transport->ice().local_candidates())
                       if (l.pairable) add(out, start, ice::format_candidate(l.candidate));
                     return m.gatherer_state == IceGathererState::complete;
                   },
                   this)};
}

std::optional<SessionDescriptionInit> PeerConnection::Impl::remote_with_candidates(
    const std::optional<SessionDescriptionInit>& d) const {
  const pc::RemoteDescriptionInfo* info = jsep.remote_info();
  const auto& current = jsep.remote_description();
  if (!d || !info || !current || current->sdp != d->sdp) return d;
  return SessionDescriptionInit{
      d->type, with_candidates(
                   d->sdp,
                   [](const void* c, size_t i, std::string& out, size_t start, AddLineFn add) {
                     for (const auto& m : static_cast<const pc::RemoteDescriptionInfo*>(c)->media)
                       if (m.index == i) {
                         for (const auto& line : m.candidates) add(out, start, line);
                         return m.end_of_candidates;
                       }
                     return false;
                   },
                   info)};
}

std::optional<SessionDescriptionInit> PeerConnection::local_description() const {
  return impl_->local_with_candidates(impl_->jsep.local_description());
}
std::optional<SessionDescriptionInit> PeerConnection::current_local_description() const {
  return impl_->local_with_candidates(impl_->jsep.current_local_description());
}
std::optional<SessionDescriptionInit> PeerConnection::pending_local_description() const {
  return impl_->local_with_candidates(impl_->jsep.pending_local_description());
}
std::optional<SessionDescriptionInit> PeerConnection::remote_description() const {
  return impl_->remote_with_candidates(impl_->jsep.remote_description());
}
std::optional<SessionDescriptionInit> PeerConnection::current_remote_description() const {
  return impl_->remote_with_candidates(impl_->jsep.current_remote_description());
}
std::optional<SessionDescriptionInit> PeerConnection::pending_remote_description() const {
  return impl_->remote_with_candidates(impl_->jsep.pending_remote_description());
}
std::optional<bool> PeerConnection::can_trickle_ice_candidates() const {
  const pc::RemoteDescriptionInfo* info = impl_->jsep.remote_info();
  if (!info) return std::nullopt;
  return info->can_trickle();
}

SignalingState PeerConnection::signaling_state() const {
  return impl_->closed ? SignalingState::closed : impl_->jsep.signaling_state();
}
IceGatheringState PeerConnection::ice_gathering_state() const { return impl_->gathering_state; }
IceConnectionState PeerConnection::ice_connection_state() const {
  return impl_->closed ? IceConnectionState::closed : impl_->ice_state;
}
PeerConnectionState PeerConnection::connection_state() const {
  return impl_->closed ? PeerConnectionState::closed : impl_->pc_state;
}

std::optional<DtlsTransportState> PeerConnection::dtls_transport_state() const {
  if (!impl_->transport) return std::nullopt;
  return impl_->closed ? DtlsTransportState::closed : impl_->dtls_state;
}
std::optional<SctpTransportState> PeerConnection::sctp_transport_state() const {
  if (!impl_->transport) return std::nullopt;
  if (auto p = impl_->jsep.transport_parameters(); !p || !p->has_data) return std::nullopt;
  return impl_->closed ? SctpTransportState::closed : impl_->sctp_state;
}

Configuration PeerConnection::get_configuration() const { return impl_->config; }

Result<void> PeerConnection::set_configuration(const Configuration& config) {
  Impl& m = *impl_;
  Configuration next = config;
  if (next.certificates.empty()) next.certificates = m.config.certificates;
  auto r = pc::validate_configuration_change(m.config, next, m.jsep.local_description().has_value(), m.closed);
  if (!r.ok()) return r.error();
  m.config = next;
  m.servers = std::move(r.value());
  // New STUN servers serve the next gathering (an ICE restart regathers
  // server-reflexive candidates). The running agent keeps its transport
  // policy until the connection is recreated.
  m.add_stun_servers();
  return ok_result();
}

Result<DataChannelHandle> PeerConnection::create_data_channel(Instant now, std::string_view label,
                                                              const DataChannelInit& init) {
  Impl& m = *impl_;
  now = m.clock.update(now);
  SANSRTC_TRY(pc::validate_data_channel_init(label, init, m.closed));
  if (m.channels.size() >= m.options.max_data_channels)
    return make_error(Errc::limit_exceeded, "create_data_channel: too many channels");
  if (init.id) {
    for (const auto& c : m.channels)
      if ((c.stream && *c.stream == *init.id) || (!c.in_stack && c.id == init.id))
        return make_error(Errc::invalid_argument, "create_data_channel: id in use");
    if (m.dtls_role && !init.negotiated) {
      bool even = *init.id % 2 == 0;
      if (even != (*m.dtls_role == dtls::Role::client))
        return make_error(Errc::invalid_argument, "create_data_channel: id of the wrong parity for our DTLS role");
    }
  }
  SANSRTC_TRY(m.jsep.add_data_channel(now));
  Impl::Channel& ch = m.channels.emplace_back();
  ch.handle = m.next_handle++;
  ch.set_names(label, init.protocol);
  ch.ordered = init.ordered;
  ch.max_packet_life_time = init.max_packet_life_time;
  ch.max_retransmits = init.max_retransmits;
  ch.negotiated = init.negotiated;
  ch.id = init.id;
  const DataChannelHandle h = ch.handle;
  // Only channels made here ever wait for the transport: an application
  // that never calls create_data_channel() does not link the code that
  // hands them over (flush_pending_channels and what it calls).
  m.flush_channels = [](Impl& i, Instant n) { i.flush_pending_channels(n); };
  m.flush_pending_channels(now);
  m.pump();
  return h;
}

Result<void> PeerConnection::Impl::send_checked(Instant now, DataChannelHandle handle, Bytes data, bool binary,
                                                std::vector<uint8_t>* owned) {
  now = clock.update(now);
  Channel* ch = find_channel(handle);
  if (!ch) return make_error(Errc::not_found, "send: no such data channel");
  if (!ch->in_stack || ch->state != DataChannelState::open) return make_error(Errc::invalid_state, "send: data channel is not open");
  const size_t n = data.size();
  const datachannel::ChannelId id(*ch->stream);
  SANSRTC_TRY(owned ? transport->channels().send(now, id, std::move(*owned), binary)
                    : transport->send(now, id, data, binary));
  count(ch->messages_sent, ch->bytes_sent, n);
  return ok_result();
}

Result<void> PeerConnection::send_text(Instant now, DataChannelHandle channel, std::string_view text) {
  return impl_->send_checked(now, channel, Bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size()), false,
                             nullptr);
}

Result<void> PeerConnection::send_binary(Instant now, DataChannelHandle channel, Bytes data) {
  return impl_->send_checked(now, channel, data, true, nullptr);
}

Result<void> PeerConnection::send(Instant now, DataChannelHandle channel, std::vector<uint8_t>&& data, bool binary) {
  return impl_->send_checked(now, channel, Bytes(data.data(), data.size()), binary, &data);
}

void PeerConnection::recycle(std::vector<uint8_t>&& buffer) {
  if (impl_->transport && !impl_->closed) impl_->transport->recycle(std::move(buffer));
  else buffer = std::vector<uint8_t>();
}

Result<void> PeerConnection::close_data_channel(Instant now, DataChannelHandle channel) {
  Impl& m = *impl_;
  now = m.clock.update(now);
  Impl::Channel* ch = m.find_channel(channel);
  if (!ch) return make_error(Errc::not_found, "close_data_channel: no such data channel");
  if (ch->in_stack) {
    SANSRTC_TRY(m.transport->close_data_channel(now, datachannel::ChannelId(*ch->stream)));
    m.pump();
    return ok_result();
  }
  // Never reached the transport: closed at once (webrtc-pc §6.2 close()).
  m.forget_channel(ch);
  return ok_result();
}

Result<void> PeerConnection::set_buffered_amount_low_threshold(DataChannelHandle channel, uint64_t bytes) {
  Impl& m = *impl_;
  Impl::Channel* ch = m.find_channel(channel);
  if (!ch) return make_error(Errc::not_found, "set_buffered_amount_low_threshold: no such data channel");
  ch->low_threshold = bytes;
  if (ch->in_stack)
    return m.transport->channels().set_buffered_amount_low_threshold(datachannel::ChannelId(*ch->stream), size_t(bytes));
  return ok_result();
}

std::optional<DataChannelInfo> PeerConnection::data_channel(DataChannelHandle channel) const {
  const Impl& m = *impl_;
  const Impl::Channel* ch = m.find_channel(channel);
  if (!ch) return std::nullopt;
  DataChannelInfo i;
  i.handle = ch->handle;
  i.label = ch->label();
  i.protocol = ch->protocol();
  i.ordered = ch->ordered;
  i.max_packet_life_time = ch->max_packet_life_time;
  i.max_retransmits = ch->max_retransmits;
  i.negotiated = ch->negotiated;
  i.id = ch->stream ? ch->stream : ch->id;
  i.state = ch->state;
  if (ch->in_stack) i.buffered_amount = m.transport->channels().buffered_amount(datachannel::ChannelId(*ch->stream));
  i.buffered_amount_low_threshold = ch->low_threshold;
  i.messages_sent = ch->messages_sent;
  i.messages_received = ch->messages_received;
  i.bytes_sent = ch->bytes_sent;
  i.bytes_received = ch->bytes_received;
  return i;
}

std::optional<uint64_t> PeerConnection::buffered_amount(DataChannelHandle channel) const {
  const Impl::Channel* ch = impl_->find_channel(channel);
  if (!ch) return std::nullopt;
  if (!ch->in_stack) return uint64_t(0);
  return uint64_t(impl_->transport->channels().buffered_amount(datachannel::ChannelId(*ch->stream)));
}

std::vector<DataChannelHandle> PeerConnection::data_channels() const {
  std::vector<DataChannelHandle> v;
  for (const auto& c : impl_->channels) v.push_back(c.handle);
  return v;
}

std::optional<uint64_t> PeerConnection::max_message_size() const {
  auto p = impl_->jsep.transport_parameters();
  if (!p || !p->has_data) return std::nullopt;
  return p->remote_max_message_size;
}

StatsReport PeerConnection::get_stats(Instant now) const { return StatsReport{impl_->stats_json(now)}; }

void PeerConnection::close(Instant now) {
  Impl& m = *impl_;
  now = m.clock.update(now);
  if (m.closed) return;
  m.jsep.close(now);
  if (m.transport) {
    m.transport->close(now);
    while (m.transport->poll_layer_event() || m.transport->channels().poll_event()) {
    }
  }
  while (m.jsep.poll_event()) {
  }
  m.closed = true;
  m.clear_channels();
  m.events.clear();
  m.events_head = 0;
  m.ice_state = IceConnectionState::closed;
  m.pc_state = PeerConnectionState::closed;
}

bool PeerConnection::is_closed() const { return impl_->closed; }

void PeerConnection::handle_datagram(Instant now, const Datagram& d) {
  Impl& m = *impl_;
  now = m.clock.update(now);
  if (!m.transport) {
    count(m.counters.datagrams_before_transport);
    return;
  }
  count(m.counters.packets_received, m.counters.bytes_received, d.payload.size());
  m.transport->handle_datagram(now, d);
  m.pump();
}

void PeerConnection::handle_timeout(Instant now) {
  Impl& m = *impl_;
  now = m.clock.update(now);
  if (!m.transport) return;
  m.transport->handle_timeout(now);
  m.pump();
}

void PeerConnection::resolved_hostname(Instant now, std::string_view hostname, std::optional<IpAddress> ip) {
  Impl& m = *impl_;
  now = m.clock.update(now);
  if (m.closed) return;
  if (std::string* it = m.find_unresolved(hostname)) {
    if (ip)
      for (const auto& u : m.servers)
        if (u.scheme == pc::IceServerScheme::stun && u.host == hostname) m.add_stun_server(u, *ip);
    m.unresolved_server_hosts.erase(m.unresolved_server_hosts.begin() + (it - m.unresolved_server_hosts.data()));
    m.feed_gathering(now);
  } else if (m.transport) {
    m.transport->ice().resolved(now, hostname, ip);
  }
  m.pump();
}

std::optional<Transmit> PeerConnection::poll_transmit(MutBytes buf) {
  Impl& m = *impl_;
  if (!m.transport) return std::nullopt;
  auto t = m.transport->poll_transmit(buf);
  if (t) {
    count(m.counters.packets_sent, m.counters.bytes_sent, t->size);
  }
  return t;
}

std::optional<Instant> PeerConnection::poll_timeout() const {
  if (!impl_->transport) return std::nullopt;
  return impl_->transport->poll_timeout();
}

std::optional<PeerConnectionEvent> PeerConnection::poll_event() {
  Impl& m = *impl_;
  // Events the transport produced while transmitting (same `now`).
  if (m.events_head == m.events.size() && !m.closed) m.drain_transport();
  std::optional<PeerConnectionEvent> e;
  if (m.events_head == m.events.size()) return e;
  e.emplace(std::move(m.events[m.events_head++]));
  if (m.events_head == m.events.size()) {
    // Drained. A burst (negotiation, gathering, many channels opening) may
    // have grown the queue to tens of 344-byte slots; give that back, keep
    // a small one so the steady message flow allocates nothing.
    if (m.events.capacity() > kKeptEventSlots) std::vector<PeerConnectionEvent>().swap(m.events);
    else m.events.clear();
    m.events_head = 0;
  }
  return e;
}

std::string PeerConnection::local_ice_ufrag() const {
  if (impl_->transport) return std::string(impl_->transport->ice().local_ufrag());
  return impl_->jsep.local_ice_ufrag();
}

size_t PeerConnection::memory_usage() const {
  const Impl& m = *impl_;
  size_t n = sizeof(Impl) + m.events.capacity() * sizeof(PeerConnectionEvent) +
             m.channels.capacity() * sizeof(Impl::Channel);
  if (m.transport) n += sizeof(pc::TransportStack) + m.transport->ice().memory_usage();
  return n;
}

}  // namespace sansrtc
