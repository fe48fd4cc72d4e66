#include "dtls/handshake_messages.h"

#include <cstddef>
#include <iterator>
#include <type_traits>

namespace sansrtc::dtls {

namespace {

constexpr Error kMalformed = make_error(Errc::malformed, "dtls: malformed handshake message");

// The Result form of a bool parser (tests and fuzzers use it; the
// Connection calls the bool parsers).
template <class M>
Result<M> parse_with(Bytes body, bool (*parse_into)(Bytes, M&)) {
  M m;
  if (!parse_into(body, m)) return kMalformed;
  return m;
}

// Reads a vector with a 1-, 2- or 3-byte length prefix.
Bytes read_vec8(ByteReader& r) { return r.bytes(r.u8()); }
Bytes read_vec16(ByteReader& r) { return r.bytes(r.u16()); }
Bytes read_vec24(ByteReader& r) { return r.bytes(r.u24()); }

void write_vec8(ByteWriter& w, Bytes b) {
  w.u8(uint8_t(b.size()));
  if (b.size() > 0xFF) w.fail();
  w.bytes(b);
}
void write_vec16(ByteWriter& w, Bytes b) {
  w.u16(uint16_t(b.size()));
  if (b.size() > 0xFFFF) w.fail();
  w.bytes(b);
}

// The extensions we read, and where each one's presence flag and value go
// in HelloExtensions (a table instead of a case per extension).
enum ExtKind : uint8_t {
  u16_list,     // opaque list<..2^16-1>, an even number of bytes
  vec8,         // opaque value<0..2^8-1>
  empty_value,  // RFC 7627 §5.1: "The extension_data field of this extension is empty"
  use_srtp,
  //  uint8 SRTPProtectionProfile[2];
  //  struct {
  //     SRTPProtectionProfiles SRTPProtectionProfiles;  <2..2^16-1>
  //     opaque srtp_mki<0..255>;
  //  } UseSRTPData;                              (RFC 5764 §4.1.1)
};
struct ExtRule {
  uint16_t type;
  uint8_t present;  // offset of the bool
  uint8_t value;    // offset of the Bytes (or of the U16List, whose first member it is)
  ExtKind kind;
};
#define SANSRTC_EXT_OFFSET(f) uint8_t(offsetof(HelloExtensions, f))
// In the order write_extensions() emits them.
constexpr ExtRule kExtRules[] = {
    {kExtRenegotiationInfo, SANSRTC_EXT_OFFSET(has_renegotiation_info), SANSRTC_EXT_OFFSET(renegotiated_connection),
     vec8},
    {kExtSupportedGroups, SANSRTC_EXT_OFFSET(has_supported_groups), SANSRTC_EXT_OFFSET(supported_groups), u16_list},
    {kExtEcPointFormats, SANSRTC_EXT_OFFSET(has_ec_point_formats), SANSRTC_EXT_OFFSET(ec_point_formats), vec8},
    {kExtSignatureAlgorithms, SANSRTC_EXT_OFFSET(has_signature_algorithms),
     SANSRTC_EXT_OFFSET(signature_algorithms), u16_list},
    {kExtUseSrtp, SANSRTC_EXT_OFFSET(has_use_srtp), SANSRTC_EXT_OFFSET(srtp_profiles), use_srtp},
    {kExtExtendedMasterSecret, SANSRTC_EXT_OFFSET(extended_master_secret), 0, empty_value},
};
#undef SANSRTC_EXT_OFFSET
static_assert(std::is_standard_layout_v<HelloExtensions> && std::is_standard_layout_v<U16List>);

bool parse_extensions(ByteReader& r, HelloExtensions& ext) {
  if (r.empty()) return true;  // the extensions block is optional
  ByteReader all(read_vec16(r));
  if (!r.ok()) return false;
  auto* base = reinterpret_cast<unsigned char*>(&ext);
  while (!all.empty()) {
    uint16_t type = all.u16();
    ByteReader e(read_vec16(all));
    if (!all.ok()) return false;
    const ExtRule* rule = kExtRules;
    while (rule != std::end(kExtRules) && rule->type != type) ++rule;
    if (rule == std::end(kExtRules)) {
      ++ext.unknown;
      continue;
    }
    Bytes& value = *reinterpret_cast<Bytes*>(base + rule->value);
    bool ok = true;
    if (rule->kind == vec8) {
      value = read_vec8(e);
    } else if (rule->kind != empty_value) {
      value = read_vec16(e);
      ok = value.size() % 2 == 0;
      if (rule->kind == use_srtp) {
        ext.srtp_mki = read_vec8(e);
        ok = ok && !value.empty();
      }
    }
    // A second extension of a known type is malformed (RFC 5246 §7.4.1.4:
    // "There MUST NOT be more than one extension of the same type").
    bool& present = *reinterpret_cast<bool*>(base + rule->present);
    if (!ok || !e.ok() || !e.empty() || present) return false;
    present = true;
  }
  return true;
}

// Opens an extension: type and a length patched by end_ext.
size_t begin_ext(ByteWriter& w, uint16_t type) {
  w.u16(type);
  size_t at = w.position();
  w.u16(0);
  return at;
}
void end_ext(ByteWriter& w, size_t at) { w.patch_u16(at, uint16_t(w.position() - at - 2)); }

void write_extensions(ByteWriter& w, const HelloExtensions& ext) {
  size_t start = w.position();
  w.u16(0);
  const auto* base = reinterpret_cast<const unsigned char*>(&ext);
  for (const ExtRule& rule : kExtRules) {
    if (!*reinterpret_cast<const bool*>(base + rule.present)) continue;
    const Bytes& value = *reinterpret_cast<const Bytes*>(base + rule.value);  // not for empty_value
    size_t at = begin_ext(w, rule.type);
    if (rule.kind == vec8) {
      write_vec8(w, value);
    } else if (rule.kind != empty_value) {
      write_vec16(w, value);
      if (rule.kind == use_srtp) write_vec8(w, ext.srtp_mki);
    }
    end_ext(w, at);
  }
  // No extensions: the empty block is still written (harmless, and round-trips).
  end_ext(w, start);
}

}  // namespace

bool U16List::contains(uint16_t v) const {
  for (size_t i = 0; i + 1 < raw.size(); i += 2)
    if (load_be16(raw.data() + i) == v) return true;
  return false;
}

std::optional<HandshakeFragment> HandshakeFragmentParser::next() {
  if (reader_.empty() || malformed_) return std::nullopt;
  HandshakeFragment f;
  f.msg_type = reader_.u8();
  f.length = reader_.u24();
  f.message_seq = reader_.u16();
  f.fragment_offset = reader_.u24();
  f.fragment_length = reader_.u24();
  f.body = reader_.bytes(f.fragment_length);
  if (!reader_.ok() || uint64_t(f.fragment_offset) + f.fragment_length > f.length) {
    malformed_ = true;
    return std::nullopt;
  }
  return f;
}

void write_handshake_header(uint8_t* out, HandshakeType type, uint32_t length, uint16_t message_seq,
                            uint32_t fragment_offset, uint32_t fragment_length) {
  out[0] = static_cast<uint8_t>(type);
  store_be24(out + 1, length);
  store_be16(out + 4, message_seq);
  store_be24(out + 6, fragment_offset);
  store_be24(out + 9, fragment_length);
}

bool parse_client_hello_into(Bytes body, ClientHello& m) {
  ByteReader r(body);
  m.client_version = r.u16();
  r.copy_to(m.random.data(), kRandomSize);
  m.session_id = read_vec8(r);
  m.cookie = read_vec8(r);
  m.cipher_suites.raw = read_vec16(r);
  m.compression_methods = read_vec8(r);
  if (!r.ok() || m.session_id.size() > 32 || m.cipher_suites.raw.size() < 2 || m.cipher_suites.raw.size() % 2 ||
      m.compression_methods.empty())
    return false;
  return parse_extensions(r, m.extensions) && r.empty();
}

Result<ClientHello> parse_client_hello(Bytes body) { return parse_with<ClientHello>(body, parse_client_hello_into); }

void write_client_hello(ByteWriter& w, const ClientHello& m) {
  w.u16(m.client_version);
  w.bytes(Bytes(m.random));
  write_vec8(w, m.session_id);
  write_vec8(w, m.cookie);
  write_vec16(w, m.cipher_suites.raw);
  if (m.compression_methods.empty()) {
    w.u8(1);
    w.u8(0);  // null compression
  } else {
    write_vec8(w, m.compression_methods);
  }
  write_extensions(w, m.extensions);
}

bool parse_server_hello_into(Bytes body, ServerHello& m) {
  ByteReader r(body);
  m.server_version = r.u16();
  r.copy_to(m.random.data(), kRandomSize);
  m.session_id = read_vec8(r);
  m.cipher_suite = r.u16();
  m.compression_method = r.u8();
  if (!r.ok() || m.session_id.size() > 32) return false;
  return parse_extensions(r, m.extensions) && r.empty();
}

Result<ServerHello> parse_server_hello(Bytes body) { return parse_with<ServerHello>(body, parse_server_hello_into); }

void write_server_hello(ByteWriter& w, const ServerHello& m) {
  w.u16(m.server_version);
  w.bytes(Bytes(m.random));
  write_vec8(w, m.session_id);
  w.u16(m.cipher_suite);
  w.u8(m.compression_method);
  write_extensions(w, m.extensions);
}

bool parse_hello_verify_request_into(Bytes body, HelloVerifyRequest& m) {
  ByteReader r(body);
  m.server_version = r.u16();
  m.cookie = read_vec8(r);
  // RFC 6347 §4.2.1: the cookie is at most 255 bytes (DTLS 1.2).
  return r.ok() && r.empty();
}

Result<HelloVerifyRequest> parse_hello_verify_request(Bytes body) {
  return parse_with<HelloVerifyRequest>(body, parse_hello_verify_request_into);
}

void write_hello_verify_request(ByteWriter& w, const HelloVerifyRequest& m) {
  w.u16(m.server_version);
  write_vec8(w, m.cookie);
}

bool parse_certificate_into(Bytes body, CertificateMsg& m) {
  ByteReader r(body);
  ByteReader list(read_vec24(r));
  if (!r.ok() || !r.empty()) return false;
  while (!list.empty()) {
    Bytes cert = read_vec24(list);
    if (!list.ok() || cert.empty()) return false;
    (void)m.certificates.push_back(cert);
  }
  return true;
}

bool parse_first_certificate(Bytes body, Bytes& first) {
  ByteReader r(body);
  ByteReader list(read_vec24(r));
  if (!r.ok() || !r.empty()) return false;
  first = Bytes();
  while (!list.empty()) {
    Bytes cert = read_vec24(list);
    if (!list.ok() || cert.empty()) return false;
    if (first.empty()) first = cert;
  }
  return true;
}

Result<CertificateMsg> parse_certificate(Bytes body) { return parse_with<CertificateMsg>(body, parse_certificate_into); }

void write_certificate(ByteWriter& w, const CertificateMsg& m) {
  size_t total = 0;
  for (Bytes c : m.certificates) total += 3 + c.size();
  w.u24(uint32_t(total));
  for (Bytes c : m.certificates) {
    w.u24(uint32_t(c.size()));
    w.bytes(c);
  }
}

bool parse_server_key_exchange_into(Bytes body, ServerKeyExchange& m) {
  ByteReader r(body);
  uint8_t curve_type = r.u8();
  m.named_curve = r.u16();
  m.public_key = read_vec8(r);
  if (!r.ok() || curve_type != 3 || m.public_key.empty()) return false;
  m.params = r.consumed();
  m.signature_algorithm = r.u16();
  m.signature = read_vec16(r);
  return r.ok() && r.empty();
}

Result<ServerKeyExchange> parse_server_key_exchange(Bytes body) {
  return parse_with<ServerKeyExchange>(body, parse_server_key_exchange_into);
}

void write_ecdh_params(ByteWriter& w, uint16_t named_curve, Bytes public_key) {
  w.u8(3);  // named_curve
  w.u16(named_curve);
  write_vec8(w, public_key);
}

void write_server_key_exchange(ByteWriter& w, const ServerKeyExchange& m) {
  write_ecdh_params(w, m.named_curve, m.public_key);
  w.u16(m.signature_algorithm);
  write_vec16(w, m.signature);
}

bool parse_certificate_request_into(Bytes body, CertificateRequest& m) {
  ByteReader r(body);
  m.certificate_types = read_vec8(r);
  m.signature_algorithms.raw = read_vec16(r);
  m.certificate_authorities = read_vec16(r);
  const size_t algs = m.signature_algorithms.raw.size();
  return r.ok() && r.empty() && !m.certificate_types.empty() && algs >= 2 && algs % 2 == 0;
}

Result<CertificateRequest> parse_certificate_request(Bytes body) {
  return parse_with<CertificateRequest>(body, parse_certificate_request_into);
}

void write_certificate_request(ByteWriter& w, const CertificateRequest& m) {
  write_vec8(w, m.certificate_types);
  write_vec16(w, m.signature_algorithms.raw);
  write_vec16(w, m.certificate_authorities);
}

bool parse_client_key_exchange_into(Bytes body, ClientKeyExchange& m) {
  ByteReader r(body);
  m.public_key = read_vec8(r);
  return r.ok() && r.empty() && !m.public_key.empty();
}

Result<ClientKeyExchange> parse_client_key_exchange(Bytes body) {
  return parse_with<ClientKeyExchange>(body, parse_client_key_exchange_into);
}

void write_client_key_exchange(ByteWriter& w, const ClientKeyExchange& m) { write_vec8(w, m.public_key); }

bool parse_certificate_verify_into(Bytes body, CertificateVerify& m) {
  ByteReader r(body);
  m.signature_algorithm = r.u16();
  m.signature = read_vec16(r);
  return r.ok() && r.empty();
}

Result<CertificateVerify> parse_certificate_verify(Bytes body) {
  return parse_with<CertificateVerify>(body, parse_certificate_verify_into);
}

void write_certificate_verify(ByteWriter& w, const CertificateVerify& m) {
  w.u16(m.signature_algorithm);
  write_vec16(w, m.signature);
}

Result<Finished> parse_finished(Bytes body) {
  if (body.size() != kVerifyDataSize) return kMalformed;
  return Finished{body};
}

void write_finished(ByteWriter& w, const Finished& m) { w.bytes(m.verify_data); }

Result<void> parse_server_hello_done(Bytes body) {
  if (!body.empty()) return kMalformed;
  return ok_result();
}

Result<Alert> parse_alert(Bytes body) {
  if (body.size() != 2) return make_error(Errc::malformed, "dtls: malformed alert");
  return Alert{static_cast<AlertLevel>(body[0]), static_cast<AlertDescription>(body[1])};
}

void write_alert(ByteWriter& w, const Alert& m) {
  w.u8(static_cast<uint8_t>(m.level));
  w.u8(static_cast<uint8_t>(m.description));
}

}  // namespace sansrtc::dtls
