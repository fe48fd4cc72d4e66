// stun/binding_server.cc — Binding responses and the BindingServer machine.
#include "stun/binding_server.h"

#include "stun/message_builder.h"

namespace sansrtc::stun {

namespace {

void finish_response(MessageBuilder& b, const ResponseOptions& opts) {
  if (!opts.software.empty()) b.add_software(opts.software);
}

void seal(MessageBuilder& b, const ResponseOptions& opts) {
  if (!opts.integrity_key.empty()) b.add_message_integrity(opts.integrity_key);
  if (opts.fingerprint) b.add_fingerprint();
}

Result<size_t> success_for(const TransactionId& tid, const SocketAddress& mapped, MutBytes out,
                           const ResponseOptions& opts) {
  MessageBuilder b(out, {Method::binding, MessageClass::success_response}, tid);
  // RFC 8489 §6.3.1.1: "the server [...] adds an XOR-MAPPED-ADDRESS
  // attribute to the response [...] the source transport address of the
  // request message".
  b.add_xor_mapped_address(mapped);
  finish_response(b, opts);
  seal(b, opts);
  return b.finish();
}

}  // namespace

Result<size_t> build_binding_success(const MessageView& request, const SocketAddress& mapped, MutBytes out,
                                     const ResponseOptions& opts) {
  return success_for(request.transaction_id(), mapped, out, opts);
}

Result<size_t> build_error_response(Method method, const TransactionId& tid, uint16_t code, MutBytes out,
                                    const ResponseOptions& opts, std::string_view reason,
                                    std::span<const uint16_t> unknown) {
  MessageBuilder b(out, {method, MessageClass::error_response}, tid);
  b.add_error_code(code, reason.empty() ? std::optional<std::string_view>() : reason);
  // RFC 8489 §6.3.1.1: 420 responses "MUST contain an UNKNOWN-ATTRIBUTES
  // attribute that lists the unknown comprehension-required attributes".
  if (!unknown.empty() || code == error_codes::kUnknownAttribute) b.add_unknown_attributes(unknown);
  finish_response(b, opts);
  seal(b, opts);
  return b.finish();
}

Result<size_t> build_error_response(const MessageView& request, uint16_t code, MutBytes out,
                                    const ResponseOptions& opts, std::string_view reason,
                                    std::span<const uint16_t> unknown) {
  return build_error_response(request.method(), request.transaction_id(), code, out, opts, reason, unknown);
}

BindingServer::BindingServer(const BindingServerConfig& config)
    : config_(config), queue_(config.max_pending ? config.max_pending : 1) {}

Result<void> BindingServer::set_short_term_credentials(std::string_view username_prefix,
                                                       std::string_view password) {
  if (username_prefix.size() > username_prefix_.capacity())
    return make_error(Errc::invalid_argument, "STUN server: username prefix longer than 64 bytes");
  auto key = short_term_key(password);
  if (!key.ok()) return key.error();
  key_ = *key;
  username_prefix_.clear();
  for (char c : username_prefix) (void)username_prefix_.push_back(c);
  require_auth_ = true;
  return ok_result();
}

void BindingServer::clear_credentials() {
  require_auth_ = false;
  key_.clear();
  username_prefix_.clear();
}

void BindingServer::enqueue(Pending p) {
  if (!queue_.push_back(std::move(p))) ++stats_.queue_full;
}

void BindingServer::handle_packet(Instant, const Datagram& in) {
  if (!looks_like_stun(in.payload)) {
    ++stats_.not_stun;
    return;
  }
  MessageView msg;
  const ParseError e = msg.parse(in.payload);
  stats_.parse.count(e);
  if (e != ParseError::none) return;
  // RFC 8489 §6.3.2/6.3.3: indications and responses get no answer.
  if (!msg.is_request()) {
    ++stats_.not_request;
    return;
  }
  Pending p;
  p.to = in.source;
  p.from = in.destination;
  p.tid = msg.transaction_id();
  p.method = msg.method();
  p.fingerprint = config_.always_fingerprint || msg.fingerprint().has_value();

  if (require_auth_) {
    // RFC 8489 §9.1.3: "If the message does not contain both a
    // MESSAGE-INTEGRITY and a USERNAME attribute [...] the server MUST
    // reject the request with an error response. This response MUST use an
    // error code of 400 (Bad Request)."
    const auto username = msg.username();
    const bool has_mi = msg.message_integrity() || msg.message_integrity_sha256();
    if (!username || !has_mi) {
      p.error_code = error_codes::kBadRequest;
      return enqueue(std::move(p));
    }
    // "If the USERNAME does not contain a username value currently valid
    // within the server [...] 401" and "If the value does not match [...]
    // 401". Neither carries MESSAGE-INTEGRITY.
    const std::string_view prefix(username_prefix_.data(), username_prefix_.size());
    if (username->substr(0, prefix.size()) != prefix ||
        verify_integrity(msg, key_.expose()) != IntegrityStatus::ok) {
      p.error_code = error_codes::kUnauthorized;
      return enqueue(std::move(p));
    }
    p.integrity = true;
  }
  // After authentication (RFC 5389 §7.3.1 / RFC 8489 §6.3.1): unknown
  // comprehension-required attributes → 420 with UNKNOWN-ATTRIBUTES.
  if (!msg.unknown_comprehension_required().empty()) {
    p.error_code = error_codes::kUnknownAttribute;
    for (auto t : msg.unknown_comprehension_required()) (void)p.unknown.push_back(t);
    return enqueue(std::move(p));
  }
  if (msg.method() != Method::binding) {
    // A Binding-only server: RFC 8489 §6.3.1 leaves unknown methods to the
    // usage; 400 tells the client plainly.
    ++stats_.unsupported_method;
    p.error_code = error_codes::kBadRequest;
    return enqueue(std::move(p));
  }
  enqueue(std::move(p));
}

std::optional<Transmit> BindingServer::poll_transmit(MutBytes buf) {
  while (auto p = queue_.pop_front()) {
    ResponseOptions opts;
    opts.software = config_.software;
    opts.fingerprint = p->fingerprint;
    if (p->integrity) opts.integrity_key = key_.expose();
    Result<size_t> n = p->error_code == 0
                           ? success_for(p->tid, p->to, buf, opts)
                           : build_error_response(p->method, p->tid, p->error_code, buf, opts, {}, p->unknown.span());
    if (!n.ok()) {
      ++stats_.build_failed;
      continue;
    }
    switch (p->error_code) {
      case 0: ++stats_.success_sent; break;
      case error_codes::kBadRequest: ++stats_.bad_request_sent; break;
      case error_codes::kUnauthorized: ++stats_.unauthorized_sent; break;
      case error_codes::kUnknownAttribute: ++stats_.unknown_attribute_sent; break;
    }
    Transmit t;
    t.source = p->from;
    t.destination = p->to;
    t.size = *n;
    return t;
  }
  return std::nullopt;
}

}  // namespace sansrtc::stun
