// dtls/handshake_messages.h — the DTLS 1.2 handshake message codec.
//
// RFC 6347 §4.2.2 (12-byte handshake header with message_seq and fragment
// fields), §4.2.1 (HelloVerifyRequest), RFC 5246 §7.4 (messages), RFC 8422
// §5 (ECDHE-ECDSA: ServerKeyExchange with named curves, ClientKeyExchange),
// RFC 5764 §4.1.1 (use_srtp), RFC 7627 §5.1 (extended_master_secret), RFC
// 5746 §3.2 (renegotiation_info).
//
// Parsed messages are views over the input (valid while it is); parsers are
// strict about lengths (every vector must fit its container exactly) and
// lenient about content (unknown extensions, suites and groups are skipped).
// Lists are views too (U16List, Bytes): the wire bytes, in wire order; a
// writer emits them as they are.
//
// Leaves out: session tickets, SNI, ALPN, compressed points, explicit
// curves, non-ECDHE key exchanges.
#pragma once

#include "base/bytes.h"
#include "base/inline_vector.h"
#include "dtls/types.h"
#include <sansrtc/result.h>

#include <array>
#include <cstdint>
#include <optional>

namespace sansrtc::dtls {

//  struct {
//    HandshakeType msg_type;     // 1
//    uint24 length;              // 3  length of the whole message body
//    uint16 message_seq;         // 2
//    uint24 fragment_offset;     // 3
//    uint24 fragment_length;     // 3
//    opaque body[fragment_length];
//  } Handshake;                  (RFC 6347 §4.2.2)
struct HandshakeFragment {
  uint8_t msg_type = 0;
  uint32_t length = 0;
  uint16_t message_seq = 0;
  uint32_t fragment_offset = 0;
  uint32_t fragment_length = 0;
  Bytes body;
};

// Iterates the handshake fragments of one record's plaintext.
class HandshakeFragmentParser {
 public:
  explicit HandshakeFragmentParser(Bytes plaintext) : reader_(plaintext) {}
  std::optional<HandshakeFragment> next();
  bool malformed() const { return malformed_; }

 private:
  ByteReader reader_;
  bool malformed_ = false;
};

void write_handshake_header(uint8_t* out, HandshakeType type, uint32_t length, uint16_t message_seq,
                            uint32_t fragment_offset, uint32_t fragment_length);

// A list of big-endian u16 values (suites, groups, signature algorithms,
// SRTP profiles) as it sits on the wire: a view, even length.
struct U16List {
  Bytes raw;
  size_t size() const { return raw.size() / 2; }
  bool empty() const { return raw.empty(); }
  uint16_t operator[](size_t i) const { return load_be16(raw.data() + 2 * i); }
  bool contains(uint16_t v) const;
};

struct HelloExtensions {
  bool has_supported_groups = false;
  bool has_ec_point_formats = false;
  bool has_signature_algorithms = false;
  bool extended_master_secret = false;
  bool has_renegotiation_info = false;
  bool has_use_srtp = false;
  uint16_t unknown = 0;  // extensions skipped
  U16List supported_groups;
  Bytes ec_point_formats;
  U16List signature_algorithms;
  Bytes renegotiated_connection;
  U16List srtp_profiles;
  Bytes srtp_mki;
};

//  struct {
//    ProtocolVersion client_version;
//    Random random;                                  // 32
//    SessionID session_id<0..32>;
//    opaque cookie<0..2^8-1>;                        // DTLS only
//    CipherSuite cipher_suites<2..2^16-2>;
//    CompressionMethod compression_methods<1..2^8-1>;
//    Extension extensions<0..2^16-1>;                // optional
//  } ClientHello;
struct ClientHello {
  uint16_t client_version = kDtls12Version;
  std::array<uint8_t, kRandomSize> random{};
  Bytes session_id;
  Bytes cookie;
  U16List cipher_suites;
  Bytes compression_methods;  // empty when writing: null compression only
  HelloExtensions extensions;
};

//  struct {
//    ProtocolVersion server_version;
//    Random random;
//    SessionID session_id<0..32>;
//    CipherSuite cipher_suite;
//    CompressionMethod compression_method;
//    Extension extensions<0..2^16-1>;
//  } ServerHello;
struct ServerHello {
  uint16_t server_version = kDtls12Version;
  std::array<uint8_t, kRandomSize> random{};
  Bytes session_id;
  uint16_t cipher_suite = 0;
  uint8_t compression_method = 0;
  HelloExtensions extensions;
};

//  struct {
//    ProtocolVersion server_version;
//    opaque cookie<0..2^8-1>;
//  } HelloVerifyRequest;
struct HelloVerifyRequest {
  uint16_t server_version = kDtls12Version;
  Bytes cookie;
};

//  opaque ASN.1Cert<1..2^24-1>;
//  struct { ASN.1Cert certificate_list<0..2^24-1>; } Certificate;
struct CertificateMsg {
  InlineVector<Bytes, 8> certificates;
};

//  struct {
//    ECCurveType curve_type;         // 3 = named_curve
//    NamedCurve namedcurve;          // 2
//    opaque point<1..2^8-1>;         // ECPoint
//  } ServerECDHParams;
//  struct {
//    ServerECDHParams params;
//    SignatureAndHashAlgorithm algorithm;   // 2
//    opaque signature<0..2^16-1>;
//  } ServerKeyExchange;                      (RFC 8422 §5.4, RFC 5246 §7.4.3)
struct ServerKeyExchange {
  uint16_t named_curve = 0;
  Bytes public_key;
  Bytes params;  // parse only: the ServerECDHParams bytes the signature covers
  uint16_t signature_algorithm = kSigEcdsaSecp256r1Sha256;
  Bytes signature;
};
// Writes ServerECDHParams (what the signature covers) into w.
void write_ecdh_params(ByteWriter& w, uint16_t named_curve, Bytes public_key);

//  struct {
//    ClientCertificateType certificate_types<1..2^8-1>;
//    SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>;
//    DistinguishedName certificate_authorities<0..2^16-1>;
//  } CertificateRequest;
struct CertificateRequest {
  Bytes certificate_types;
  U16List signature_algorithms;
  Bytes certificate_authorities;
};

//  struct { opaque point<1..2^8-1>; } ClientECDiffieHellmanPublic;   (RFC 8422 §5.7)
struct ClientKeyExchange {
  Bytes public_key;
};

//  struct {
//    SignatureAndHashAlgorithm algorithm;
//    opaque signature<0..2^16-1>;
//  } CertificateVerify;
struct CertificateVerify {
  uint16_t signature_algorithm = kSigEcdsaSecp256r1Sha256;
  Bytes signature;
};

//  struct { opaque verify_data[12]; } Finished;
struct Finished {
  Bytes verify_data;
};

//  struct { AlertLevel level; AlertDescription description; } Alert;
struct Alert {
  AlertLevel level = AlertLevel::fatal;
  AlertDescription description = AlertDescription::close_notify;
};

// Parsers: errors are Errc::malformed with a static message. The
// Connection uses the bool forms, which parse into a caller's
// default-constructed object (no copy of the result, no error value); the
// Result forms wrap them.
bool parse_client_hello_into(Bytes body, ClientHello& out);
bool parse_server_hello_into(Bytes body, ServerHello& out);
bool parse_hello_verify_request_into(Bytes body, HelloVerifyRequest& out);
bool parse_certificate_into(Bytes body, CertificateMsg& out);
// The first certificate only (the peer's own, RFC 5246 §7.4.2), the list
// checked as parse_certificate_into checks it; empty for an empty list.
bool parse_first_certificate(Bytes body, Bytes& first);
bool parse_server_key_exchange_into(Bytes body, ServerKeyExchange& out);
bool parse_certificate_request_into(Bytes body, CertificateRequest& out);
bool parse_client_key_exchange_into(Bytes body, ClientKeyExchange& out);
bool parse_certificate_verify_into(Bytes body, CertificateVerify& out);
Result<ClientHello> parse_client_hello(Bytes body);
Result<ServerHello> parse_server_hello(Bytes body);
Result<HelloVerifyRequest> parse_hello_verify_request(Bytes body);
Result<CertificateMsg> parse_certificate(Bytes body);
Result<ServerKeyExchange> parse_server_key_exchange(Bytes body);
Result<CertificateRequest> parse_certificate_request(Bytes body);
Result<ClientKeyExchange> parse_client_key_exchange(Bytes body);
Result<CertificateVerify> parse_certificate_verify(Bytes body);
Result<Finished> parse_finished(Bytes body);
Result<void> parse_server_hello_done(Bytes body);
Result<Alert> parse_alert(Bytes body);

// Writers: serialise the body (no handshake header) into w; check w.ok().
void write_client_hello(ByteWriter& w, const ClientHello& m);
void write_server_hello(ByteWriter& w, const ServerHello& m);
void write_hello_verify_request(ByteWriter& w, const HelloVerifyRequest& m);
void write_certificate(ByteWriter& w, const CertificateMsg& m);
void write_server_key_exchange(ByteWriter& w, const ServerKeyExchange& m);
void write_certificate_request(ByteWriter& w, const CertificateRequest& m);
void write_client_key_exchange(ByteWriter& w, const ClientKeyExchange& m);
void write_certificate_verify(ByteWriter& w, const CertificateVerify& m);
void write_finished(ByteWriter& w, const Finished& m);
void write_alert(ByteWriter& w, const Alert& m);

}  // namespace sansrtc::dtls
