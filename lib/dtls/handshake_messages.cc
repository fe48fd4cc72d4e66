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

// A u16 list inside a vector of `prefix` bytes; keeps what fits.
template <size_t N>
bool read_u16_list(Bytes data, InlineVector<uint16_t, N>& out) {
  if (data.size() % 2) return false;
  for (size_t i = 0; i + 1 < data.size(); i += 2) (void)out.push_back(load_be16(&data[i]));
  return true;
}

Result<void> parse_extensions(ByteReader& r, HelloExtensions& ext) {
  if (r.empty()) return ok_result();  // the extensions block is optional
  ByteReader all(read_vec16(r));
  if (!r.ok()) return kMalformed;
  uint32_t seen = 0;  // bit per known extension: duplicates are malformed (RFC 5246 §7.4.1.4)
  while (!all.empty()) {
    uint16_t type = all.u16();
    ByteReader e(read_vec16(all));
    if (!all.ok()) return kMalformed;
    int bit = -1;
    switch (type) {
      case kExtSupportedGroups: {
        bit = 0;
        Bytes list = read_vec16(e);
        if (!e.ok() || !e.empty() || !read_u16_list(list, ext.supported_groups)) return kMalformed;
        ext.has_supported_groups = true;
        break;
      }
      case kExtEcPointFormats: {
        bit = 1;
        Bytes list = read_vec8(e);
        if (!e.ok() || !e.empty()) return kMalformed;
        for (uint8_t f : list) (void)ext.ec_point_formats.push_back(f);
        ext.has_ec_point_formats = true;
        break;
      }
      case kExtSignatureAlgorithms: {
        bit = 2;
        Bytes list = read_vec16(e);
        if (!e.ok() || !e.empty() || !read_u16_list(list, ext.signature_algorithms)) return kMalformed;
        ext.has_signature_algorithms = true;
        break;
      }
      case kExtExtendedMasterSecret:
        bit = 3;
        // RFC 7627 §5.1: "The extension_data field of this extension is empty".
        if (!e.empty()) return kMalformed;
        ext.extended_master_secret = true;
        break;
      case kExtRenegotiationInfo:
        bit = 4;
        ext.renegotiated_connection = read_vec8(e);
        if (!e.ok() || !e.empty()) return kMalformed;
        ext.has_renegotiation_info = true;
        break;
      case kExtUseSrtp: {
        bit = 5;
        //  uint8 SRTPProtectionProfile[2];
        //  struct {
        //     SRTPProtectionProfiles SRTPProtectionProfiles;  <2..2^16-1>
        //     opaque srtp_mki<0..255>;
        //  } UseSRTPData;                              (RFC 5764 §4.1.1)
        Bytes list = read_vec16(e);
        ext.srtp_mki = read_vec8(e);
        if (!e.ok() || !e.empty() || list.empty() || !read_u16_list(list, ext.srtp_profiles)) return kMalformed;
        ext.has_use_srtp = true;
        break;
      }
      default:
        ++ext.unknown;
        break;
    }
    if (bit >= 0) {
      if (seen & (1u << bit)) return kMalformed;
      seen |= 1u << bit;
    }
  }
  return ok_result();
}

void write_extensions(ByteWriter& w, const HelloExtensions& ext) {
  size_t start = w.position();
  w.u16(0);
  auto begin_ext = [&](uint16_t type) {
    w.u16(type);
    size_t at = w.position();
    w.u16(0);
    return at;
  };
  auto end_ext = [&](size_t at) { w.patch_u16(at, uint16_t(w.position() - at - 2)); };
  if (ext.has_renegotiation_info) {
    size_t at = begin_ext(kExtRenegotiationInfo);
    write_vec8(w, ext.renegotiated_connection);
    end_ext(at);
  }
  if (ext.has_supported_groups) {
    size_t at = begin_ext(kExtSupportedGroups);
    w.u16(uint16_t(2 * ext.supported_groups.size()));
    for (uint16_t g : ext.supported_groups) w.u16(g);
    end_ext(at);
  }
  if (ext.has_ec_point_formats) {
    size_t at = begin_ext(kExtEcPointFormats);
    w.u8(uint8_t(ext.ec_point_formats.size()));
    for (uint8_t f : ext.ec_point_formats) w.u8(f);
    end_ext(at);
  }
  if (ext.has_signature_algorithms) {
    size_t at = begin_ext(kExtSignatureAlgorithms);
    w.u16(uint16_t(2 * ext.signature_algorithms.size()));
    for (uint16_t s : ext.signature_algorithms) w.u16(s);
    end_ext(at);
  }
  if (ext.has_use_srtp) {
    size_t at = begin_ext(kExtUseSrtp);
    w.u16(uint16_t(2 * ext.srtp_profiles.size()));
    for (uint16_t p : ext.srtp_profiles) w.u16(p);
    write_vec8(w, ext.srtp_mki);
    end_ext(at);
  }
  if (ext.extended_master_secret) {
    size_t at = begin_ext(kExtExtendedMasterSecret);
    end_ext(at);
  }
  if (w.position() == start + 2) {
    // No extensions: still emit the empty block (harmless, and round-trips).
  }
  w.patch_u16(start, uint16_t(w.position() - start - 2));
}

}  // namespace

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
  m.cipher_suites_raw = read_vec16(r);
  m.compression_methods = read_vec8(r);
  if (!r.ok() || m.session_id.size() > 32 || m.cipher_suites_raw.size() < 2 ||
      m.cipher_suites_raw.size() % 2 || m.compression_methods.empty())
    return kMalformed;
  (void)read_u16_list(m.cipher_suites_raw, m.cipher_suites);
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
  w.u16(uint16_t(2 * m.cipher_suites.size()));
  for (uint16_t s : m.cipher_suites) w.u16(s);
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
  Bytes types = read_vec8(r);
  Bytes algs = read_vec16(r);
  m.certificate_authorities = read_vec16(r);
  if (!r.ok() || !r.empty() || types.empty() || algs.size() < 2 || !read_u16_list(algs, m.signature_algorithms))
    return kMalformed;
  for (uint8_t t : types) (void)m.certificate_types.push_back(t);
  return ok_result();
}

Result<CertificateRequest> parse_certificate_request(Bytes body) {
  CertificateRequest m;
  SANSRTC_TRY(parse_certificate_request_into(body, m));
  return m;
}

void write_certificate_request(ByteWriter& w, const CertificateRequest& m) {
  w.u8(uint8_t(m.certificate_types.size()));
  for (uint8_t t : m.certificate_types) w.u8(t);
  w.u16(uint16_t(2 * m.signature_algorithms.size()));
  for (uint16_t s : m.signature_algorithms) w.u16(s);
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
