#include "binding_client.h"

#include "stun/message_builder.h"

#include <array>

namespace sansrtc::tools {

namespace {
constexpr const char* kSoftware = "sansrtc-stun 0.1";
}

Result<void> BindingClient::start(Instant now, Rng& rng, const SocketAddress& server,
                                  const SocketAddress& source) {
  std::array<uint8_t, 128> buf;
  stun::MessageBuilder b(MutBytes(buf.data(), buf.size()),
                         {stun::Method::binding, stun::MessageClass::request},
                         stun::TransactionId::random(rng));
  b.add_software(kSoftware);
  b.add_fingerprint();
  auto size = b.finish();
  if (!size.ok()) return size.error();
  started_ = now;
  return tx_.start(now, Bytes(buf.data(), *size), server, source);
}

void BindingClient::handle_datagram(Instant now, const Datagram& d) {
  stun::MessageView view;
  const stun::ParseError e = view.parse(d.payload);
  stats_.parse.count(e);
  if (e != stun::ParseError::none) {
    ++stats_.not_stun;
    return;
  }
  if (!tx_.matches(view)) {
    ++stats_.other_transaction;
    return;
  }
  tx_.handle_response(now, view);
}

std::optional<BindingResult> BindingClient::poll_event() {
  auto e = tx_.poll_event();
  if (!e) return std::nullopt;
  BindingResult r;
  r.transmissions = e->transmissions;
  r.rtt = e->rtt;
  switch (e->kind) {
    case stun::TransactionEvent::Kind::success: {
      stun::MessageView view;
      std::optional<SocketAddress> mapped;
      if (view.parse(tx_.response()) == stun::ParseError::none) {
        mapped = view.xor_mapped_address();
        if (!mapped) mapped = view.mapped_address();
      }
      if (mapped) {
        r.kind = BindingResult::Kind::mapped;
        r.mapped = *mapped;
      } else {
        r.kind = BindingResult::Kind::bad_response;  // success without an address
      }
      break;
    }
    case stun::TransactionEvent::Kind::error_response:
      r.kind = BindingResult::Kind::error_response;
      r.error_code = e->error_code;
      break;
    case stun::TransactionEvent::Kind::timeout:
      r.kind = BindingResult::Kind::timeout;
      break;
  }
  return r;
}

}  // namespace sansrtc::tools
