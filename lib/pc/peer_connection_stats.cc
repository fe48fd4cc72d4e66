// pc/peer_connection_stats.cc — getStats() as a W3C RTCStatsReport in JSON
// (webrtc-stats: RTCPeerConnectionStats, RTCTransportStats,
// RTCIceCandidatePairStats, RTCIceCandidateStats, RTCCertificateStats,
// RTCDataChannelStats). Ids: "P" (peer-connection), "T01" (the bundled
// transport), "CP<local>_<remote>", "I<foundation/index>" for candidates,
// "CF<fingerprint>", "D<handle>".
//
// Left out: per-pair byte counters (only the selected pair carries data;
// it gets the transport's counters), RTT and STUN request counters per pair,
// remote certificate DER (the DTLS layer verifies it against the fingerprint
// and does not keep it: the entry gives the SDP fingerprint).
#include "pc/peer_connection_impl.h"

#include "ice/candidate_pair.h"


namespace sansrtc {

namespace {

class JsonWriter {
 public:
  void begin_object(std::string_view key = {}) {
    comma();
    if (!key.empty()) write_key(key);
    out_ += '{';
    first_ = true;
  }
  void end_object() {
    out_ += '}';
    first_ = false;
  }
  void field(std::string_view key, std::string_view v) {
    comma();
    write_key(key);
    write_string(v);
  }
  void field(std::string_view key, const char* v) { field(key, std::string_view(v)); }
  void field(std::string_view key, const std::string& v) { field(key, std::string_view(v)); }
  void field(std::string_view key, uint64_t v) {
    comma();
    write_key(key);
    out_ += sdp::decimal(v);
  }
  // A DOMHighResTimeStamp: milliseconds with three decimals, from
  // microseconds without floating point (no printf %f, no soft-float code).
  void timestamp(std::string_view key, int64_t micros) {
    comma();
    write_key(key);
    if (micros < 0) {
      out_ += '-';
      micros = -micros;
    }
    out_ += sdp::decimal(uint64_t(micros) / 1000);
    const unsigned frac = unsigned(uint64_t(micros) % 1000);
    out_ += '.';
    out_ += char('0' + frac / 100);
    out_ += char('0' + frac / 10 % 10);
    out_ += char('0' + frac % 10);
  }
  void field(std::string_view key, bool v) {
    comma();
    write_key(key);
    out_ += v ? "true" : "false";
  }
  std::string take() { return std::move(out_); }

 private:
  void comma() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  void write_key(std::string_view k) {
    write_string(k);
    out_ += ':';
  }
  void write_string(std::string_view s) {
    out_ += '"';
    for (unsigned char c : s) {
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += char(c);
      } else if (c < 0x20) {
        constexpr char kHex[] = "0123456789abcdef";
        const char b[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15], 0};
        out_ += b;
      } else {
        out_ += char(c);
      }
    }
    out_ += '"';
  }
  std::string out_;
  bool first_ = true;
};

const char* pair_state(ice::PairState s) {
  switch (s) {
    case ice::PairState::frozen: return "frozen";
    case ice::PairState::waiting: return "waiting";
    case ice::PairState::in_progress: return "in-progress";
    case ice::PairState::succeeded: return "succeeded";
    case ice::PairState::failed: return "failed";
  }
  return "frozen";
}

const char* cipher_name(uint16_t suite) {
  switch (suite) {
    case 0xC02B: return "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
    case 0xC02C: return "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384";
    case 0xCCA9: return "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256";
  }
  return "";
}

const char* srtp_name(uint16_t p) {
  switch (p) {
    case 0x0001: return "AES_CM_128_HMAC_SHA1_80";
    case 0x0002: return "AES_CM_128_HMAC_SHA1_32";
    case 0x0007: return "AEAD_AES_128_GCM";
    case 0x0008: return "AEAD_AES_256_GCM";
  }
  return "";
}

std::string base64(Bytes b) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((b.size() + 2) / 3 * 4);
  for (size_t i = 0; i < b.size(); i += 3) {
    uint32_t v = uint32_t(b[i]) << 16;
    if (i + 1 < b.size()) v |= uint32_t(b[i + 1]) << 8;
    if (i + 2 < b.size()) v |= b[i + 2];
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += i + 1 < b.size() ? t[(v >> 6) & 63] : '=';
    out += i + 2 < b.size() ? t[v & 63] : '=';
  }
  return out;
}

void candidate_entry(JsonWriter& w, const std::string& id, int64_t ts, const ice::Candidate& c, bool local,
                     std::string_view ufrag) {
  w.begin_object(id);
  w.field("id", id);
  w.field("type", local ? "local-candidate" : "remote-candidate");
  w.timestamp("timestamp", ts);
  w.field("transportId", "T01");
  w.field("address", c.is_mdns() ? c.hostname : c.address.ip().to_string());
  w.field("port", uint64_t(c.address.port()));
  w.field("protocol", "udp");
  w.field("candidateType", ice::candidate_type_name(c.type));
  w.field("priority", uint64_t(c.priority));
  w.field("foundation", c.foundation);
  if (c.related) {
    w.field("relatedAddress", c.related->ip().to_string());
    w.field("relatedPort", uint64_t(c.related->port()));
  }
  w.field("usernameFragment", c.ufrag.empty() ? ufrag : std::string_view(c.ufrag));
  w.end_object();
}

}  // namespace

std::string PeerConnection::Impl::stats_json(Instant now) const {
  // Microseconds since 1970 (rounded): the stats timestamp.
  const int64_t ts = options.unix_time_seconds * 1000000 +
                     (std::chrono::duration_cast<std::chrono::nanoseconds>(now - created_at).count() + 500) / 1000;
  JsonWriter w;
  w.begin_object();

  w.begin_object("P");
  w.field("id", "P");
  w.field("type", "peer-connection");
  w.timestamp("timestamp", ts);
  w.field("dataChannelsOpened", counters.channels_opened);
  w.field("dataChannelsClosed", counters.channels_closed);
  w.end_object();

  const std::string local_cert_id = "CF" + cert->fingerprint.hex();
  w.begin_object(local_cert_id);
  w.field("id", local_cert_id);
  w.field("type", "certificate");
  w.timestamp("timestamp", ts);
  w.field("fingerprint", cert->fingerprint.hex());
  w.field("fingerprintAlgorithm", "sha-256");
  w.field("base64Certificate", base64(cert->certificate.der()));
  w.end_object();

  std::string remote_cert_id;
  if (auto p = jsep.transport_parameters(); p && !p->remote_fingerprints.empty()) {
    const auto& f = p->remote_fingerprints.front();
    remote_cert_id = "CF" + f.value;
    if (remote_cert_id != local_cert_id) {
      w.begin_object(remote_cert_id);
      w.field("id", remote_cert_id);
      w.field("type", "certificate");
      w.timestamp("timestamp", ts);
      w.field("fingerprint", f.value);
      w.field("fingerprintAlgorithm", f.hash_function);
      w.field("base64Certificate", "");
      w.end_object();
    }
  }

  if (transport) {
    const ice::Agent& agent = transport->ice();
    std::string selected_id;
    const auto& locals = agent.local_candidates();
    const auto& remotes = agent.remote_candidates();
    auto local_id = [](size_t i) { return "IL" + sdp::decimal(i); };
    auto remote_id = [](size_t i) { return "IR" + sdp::decimal(i); };
    const auto sel = agent.selected_pair();
    for (const auto& pr : agent.pairs()) {
      if (pr.local >= locals.size() || pr.remote >= remotes.size()) continue;
      const std::string id = "CP" + sdp::decimal(pr.local) + "_" + sdp::decimal(pr.remote);
      const bool is_selected = sel && locals[pr.local].base == sel->local &&
                               remotes[pr.remote].candidate.address == sel->remote;
      if (is_selected) selected_id = id;
      w.begin_object(id);
      w.field("id", id);
      w.field("type", "candidate-pair");
      w.timestamp("timestamp", ts);
      w.field("transportId", "T01");
      w.field("localCandidateId", local_id(pr.local));
      w.field("remoteCandidateId", remote_id(pr.remote));
      w.field("state", pair_state(pr.state));
      w.field("nominated", pr.nominated);
      w.field("priority", pr.priority);
      w.field("packetsSent", is_selected ? counters.packets_sent : uint64_t(0));
      w.field("packetsReceived", is_selected ? counters.packets_received : uint64_t(0));
      w.field("bytesSent", is_selected ? counters.bytes_sent : uint64_t(0));
      w.field("bytesReceived", is_selected ? counters.bytes_received : uint64_t(0));
      w.end_object();
    }
    for (size_t i = 0; i < locals.size(); ++i)
      candidate_entry(w, local_id(i), ts, locals[i].candidate, true, agent.local_ufrag());
    for (size_t i = 0; i < remotes.size(); ++i)
      candidate_entry(w, remote_id(i), ts, remotes[i].candidate, false, remote_ufrag_in_agent);

    w.begin_object("T01");
    w.field("id", "T01");
    w.field("type", "transport");
    w.timestamp("timestamp", ts);
    w.field("packetsSent", counters.packets_sent);
    w.field("packetsReceived", counters.packets_received);
    w.field("bytesSent", counters.bytes_sent);
    w.field("bytesReceived", counters.bytes_received);
    w.field("iceRole", agent.role() == ice::Role::controlling ? "controlling" : "controlled");
    w.field("iceLocalUsernameFragment", agent.local_ufrag());
    w.field("iceState", to_string(ice_transport_state));
    w.field("dtlsState", to_string(dtls_state));
    if (dtls_role) w.field("dtlsRole", *dtls_role == dtls::Role::client ? "client" : "server");
    else w.field("dtlsRole", "unknown");
    w.field("localCertificateId", local_cert_id);
    if (!remote_cert_id.empty()) w.field("remoteCertificateId", remote_cert_id);
    if (!selected_id.empty()) w.field("selectedCandidatePairId", selected_id);
    w.field("selectedCandidatePairChanges", counters.selected_pair_changes);
    if (const dtls::Connection* d = transport->dtls(); d && d->state() == dtls::TransportState::connected) {
      w.field("tlsVersion", "FEFD");
      w.field("dtlsCipher", cipher_name(d->negotiated_cipher_suite()));
      w.field("srtpCipher", srtp_name(d->negotiated_srtp_profile()));
    }
    w.end_object();
  }

  for (const auto& c : channels) {
    const std::string id = "D" + sdp::decimal(c.handle);
    w.begin_object(id);
    w.field("id", id);
    w.field("type", "data-channel");
    w.timestamp("timestamp", ts);
    w.field("label", c.label());
    w.field("protocol", c.protocol());
    if (c.stream) w.field("dataChannelIdentifier", uint64_t(*c.stream));
    w.field("state", to_string(c.state));
    w.field("messagesSent", c.messages_sent);
    w.field("bytesSent", c.bytes_sent);
    w.field("messagesReceived", c.messages_received);
    w.field("bytesReceived", c.bytes_received);
    w.end_object();
  }

  w.end_object();
  return w.take();
}

}  // namespace sansrtc
