#include "dtls/handshake_messages.h"

namespace sansrtc::dtls {

namespace {

constexpr Error kMalformed = make_error(Errc::malformed, "dtls: malformed handshake message");

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

// A u16 list: an even number of bytes.
bool read_u16_list(ByteReader& r, U16List& out) {
  out.raw = read_vec16(r);
  return r.ok() && r.empty() && out.raw.size() % 2 == 0;
}

Result<void> parse_extensions(ByteReader& r, HelloExtensions& ext) {
  if (r.empty()) return ok_result();  // the extensions block is optional
  ByteReader all(read_vec16(r));
  if (!r.ok()) return kMalformed;
  while (!all.empty()) {
    uint16_t type = all.u16();
    ByteReader e(read_vec16(all));
    if (!all.ok()) return kMalformed;
    bool* present;
    bool ok;
    switch (type) {
      case kExtSupportedGroups:
        present = &ext.has_supported_groups;
        ok = read_u16_list(e, ext.supported_groups);
        break;
      case kExtEcPointFormats:
        present = &ext.has_ec_point_formats;
        ext.ec_point_formats = read_vec8(e);
        ok = e.ok() && e.empty();
        break;
      case kExtSignatureAlgorithms:
        present = &ext.has_signature_algorithms;
        ok = read_u16_list(e, ext.signature_algorithms);
        break;
      case kExtExtendedMasterSecret:
        present = &ext.extended_master_secret;
        // RFC 7627 §5.1: "The extension_data field of this extension is empty".
        ok = e.empty();
        break;
      case kExtRenegotiationInfo:
        present = &ext.has_renegotiation_info;
        ext.renegotiated_connection = read_vec8(e);
        ok = e.ok() && e.empty();
        break;
      case kExtUseSrtp: {
        present = &ext.has_use_srtp;
        //  uint8 SRTPProtectionProfile[2];
        //  struct {
        //     SRTPProtectionProfiles SRTPProtectionProfiles;  <2..2^16-1>
        //     opaque srtp_mki<0..255>;
        //  } UseSRTPData;                              (RFC 5764 §4.1.1)
        ext.srtp_profiles.raw = read_vec16(e);
        ext.srtp_mki = read_vec8(e);
        const size_t n = ext.srtp_profiles.raw.size();
        ok = e.ok() && e.empty() && n && n % 2 == 0;
        break;
      }
      default:
        ++ext.unknown;
        continue;
    }
    // A second extension of a known type is malformed (RFC 5246 §7.4.1.4:
    // "There MUST NOT be more than one extension of the same type").
    if (!ok || *present) return kMalformed;
    *present = true;
  }
  return ok_result();
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
  if (ext.has_renegotiation_info) {
    size_t at = begin_ext(w, kExtRenegotiationInfo);
    write_vec8(w, ext.renegotiated_connection);
    end_ext(w, at);
  }
  if (ext.has_supported_groups) {
    size_t at = begin_ext(w, kExtSupportedGroups);
    write_vec16(w, ext.supported_groups.raw);
    end_ext(w, at);
  }
  if (ext.has_ec_point_formats) {
    size_t at = begin_ext(w, kExtEcPointFormats);
    write_vec8(w, ext.ec_point_formats);
    end_ext(w, at);
  }
  if (ext.has_signature_algorithms) {
    size_t at = begin_ext(w, kExtSignatureAlgorithms);
    write_vec16(w, ext.signature_algorithms.raw);
    end_ext(w, at);
  }
  if (ext.has_use_srtp) {
    size_t at = begin_ext(w, kExtUseSrtp);
    write_vec16(w, ext.srtp_profiles.raw);
    write_vec8(w, ext.srtp_mki);
    end_ext(w, at);
  }
  if (ext.extended_master_secret) end_ext(w, begin_ext(w, kExtExtendedMasterSecret));
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

Result<void> parse_client_hello_into(Bytes body, ClientHello& m) {
  ByteReader r(body);
  m.client_version = r.u16();
  r.copy_to(m.random.data(), kRandomSize);
  m.session_id = read_vec8(r);
  m.cookie = read_vec8(r);
  m.cipher_suites.raw = read_vec16(r);
  m.compression_methods = read_vec8(r);
  if (!r.ok() || m.session_id.size() > 32 || m.cipher_suites.raw.size() < 2 || m.cipher_suites.raw.size() % 2 ||
      m.compression_methods.empty())
    return kMalformed;
  SANSRTC_TRY(parse_extensions(r, m.extensions));
  if (!r.empty()) return kMalformed;
  return ok_result();
}

Result<ClientHello> parse_client_hello(Bytes body) {
  ClientHello m;
  SANSRTC_TRY(parse_client_hello_into(body, m));
  return m;
}

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

Result<void> parse_server_hello_into(Bytes body, ServerHello& m) {
  ByteReader r(body);
  m.server_version = r.u16();
  r.copy_to(m.random.data(), kRandomSize);
  m.session_id = read_vec8(r);
  m.cipher_suite = r.u16();
  m.compression_method = r.u8();
  if (!r.ok() || m.session_id.size() > 32) return kMalformed;
  SANSRTC_TRY(parse_extensions(r, m.extensions));
  if (!r.empty()) return kMalformed;
  return ok_result();
}

Result<ServerHello> parse_server_hello(Bytes body) {
  ServerHello m;
  SANSRTC_TRY(parse_server_hello_into(body, m));
  return m;
}

void write_server_hello(ByteWriter& w, const ServerHello& m) {
  w.u16(m.server_version);
  w.bytes(Bytes(m.random));
  write_vec8(w, m.session_id);
  w.u16(m.cipher_suite);
  w.u8(m.compression_method);
  write_extensions(w, m.extensions);
}

Result<HelloVerifyRequest> parse_hello_verify_request(Bytes body) {
  ByteReader r(body);
  HelloVerifyRequest m;
  m.server_version = r.u16();
  m.cookie = read_vec8(r);
  // RFC 6347 §4.2.1: the cookie is at most 255 bytes (DTLS 1.2).
  if (!r.ok() || !r.empty()) return kMalformed;
  return m;
}

void write_hello_verify_request(ByteWriter& w, const HelloVerifyRequest& m) {
  w.u16(m.server_version);
  write_vec8(w, m.cookie);
}

Result<void> parse_certificate_into(Bytes body, CertificateMsg& m) {
  ByteReader r(body);
  ByteReader list(read_vec24(r));
  if (!r.ok() || !r.empty()) return kMalformed;
  while (!list.empty()) {
    Bytes cert = read_vec24(list);
    if (!list.ok() || cert.empty()) return kMalformed;
    (void)m.certificates.push_back(cert);
  }
  return ok_result();
}

Result<CertificateMsg> parse_certificate(Bytes body) {
  CertificateMsg m;
  SANSRTC_TRY(parse_certificate_into(body, m));
  return m;
}

void write_certificate(ByteWriter& w, const CertificateMsg& m) {
  size_t total = 0;
  for (Bytes c : m.certificates) total += 3 + c.size();
  w.u24(uint32_t(total));
  for (Bytes c : m.certificates) {
    w.u24(uint32_t(c.size()));
    w.bytes(c);
  }
}

Result<ServerKeyExchange> parse_server_key_exchange(Bytes body) {
  ByteReader r(body);
  ServerKeyExchange m;
  uint8_t curve_type = r.u8();
  m.named_curve = r.u16();
  m.public_key = read_vec8(r);
  if (!r.ok() || curve_type != 3 || m.public_key.empty()) return kMalformed;
  m.params = r.consumed();
  m.signature_algorithm = r.u16();
  m.signature = read_vec16(r);
  if (!r.ok() || !r.empty()) return kMalformed;
  return m;
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

Result<void> parse_certificate_request_into(Bytes body, CertificateRequest& m) {
  ByteReader r(body);
  m.certificate_types = read_vec8(r);
  m.signature_algorithms.raw = read_vec16(r);
  m.certificate_authorities = read_vec16(r);
  const size_t algs = m.signature_algorithms.raw.size();
  if (!r.ok() || !r.empty() || m.certificate_types.empty() || algs < 2 || algs % 2) return kMalformed;
  return ok_result();
}

Result<CertificateRequest> parse_certificate_request(Bytes body) {
  CertificateRequest m;
  SANSRTC_TRY(parse_certificate_request_into(body, m));
  return m;
}

void write_certificate_request(ByteWriter& w, const CertificateRequest& m) {
  write_vec8(w, m.certificate_types);
  write_vec16(w, m.signature_algorithms.raw);
  write_vec16(w, m.certificate_authorities);
}

Result<ClientKeyExchange> parse_client_key_exchange(Bytes body) {
  ByteReader r(body);
  ClientKeyExchange m;
  m.public_key = read_vec8(r);
  if (!r.ok() || !r.empty() || m.public_key.empty()) return kMalformed;
  return m;
}

void write_client_key_exchange(ByteWriter& w, const ClientKeyExchange& m) { write_vec8(w, m.public_key); }

Result<CertificateVerify> parse_certificate_verify(Bytes body) {
  ByteReader r(body);
  CertificateVerify m;
  m.signature_algorithm = r.u16();
  m.signature = read_vec16(r);
  if (!r.ok() || !r.empty()) return kMalformed;
  return m;
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
