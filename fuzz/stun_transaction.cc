// Fuzz target: the STUN client transaction and Binding server machines
// (lib/stun/client_transaction.h, binding_server.h) driven by an op stream.
//
// Input: 3 config bytes (RTO 1..256 ms, Rc 1..8, Rm 1..16), then ops, one
// byte each plus operands:
//   0 deliver a datagram: next byte = length N, then N bytes, to both the
//     transaction (if it parses) and the server
//   1 deliver a forged response with the transaction's ID: next byte picks
//     class/method/error code
//   2 advance time by the next byte * 8 ms (+ 1), then handle_timeout
//   3 jump straight to the transaction's deadline and handle_timeout
//   4 poll_transmit into a buffer whose size is the next byte * 8
//   5 cancel, or start a new transaction when done
// After every op: the invariants below hold (checked with abort()).
#include "stun/binding_server.h"
#include "stun/client_transaction.h"
#include "stun/message_builder.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace sansrtc;
using namespace sansrtc::stun;

namespace {

#define FUZZ_CHECK(cond)                                                                    \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "stun_transaction: check failed: %s (line %d)\n", #cond, __LINE__); \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

class Input {
 public:
  Input(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  bool empty() const { return pos_ >= n_; }
  uint8_t u8() { return pos_ < n_ ? d_[pos_++] : 0; }
  Bytes bytes(size_t n) {
    if (n > n_ - pos_) n = n_ - pos_;
    Bytes b(d_ + pos_, n);
    pos_ += n;
    return b;
  }

 private:
  const uint8_t* d_;
  size_t n_;
  size_t pos_ = 0;
};

const SocketAddress kServer(IpAddress::v4(127, 0, 0, 1), 3478);
const SocketAddress kClient(IpAddress::v4(127, 0, 0, 1), 40000);

size_t build_request(uint32_t counter, uint8_t* out, size_t cap) {
  TransactionId tid;
  for (size_t i = 0; i < tid.bytes.size(); ++i) tid.bytes[i] = uint8_t(counter >> (8 * (i % 4)));
  MessageBuilder b(MutBytes(out, cap), {Method::binding, MessageClass::request}, tid);
  b.add_priority(counter);
  b.add_fingerprint();
  auto n = b.finish();
  FUZZ_CHECK(n.ok());
  return *n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  TransactionConfig cfg;
  cfg.initial_rto = milliseconds(1 + in.u8());
  cfg.max_transmissions = 1 + in.u8() % 8;
  cfg.final_wait_multiplier = 1 + in.u8() % 16;
  ClientTransaction tx(cfg);
  BindingServer server(BindingServerConfig{4, "fuzz", true});

  uint32_t counter = 1;
  uint8_t req[256];
  size_t req_size = build_request(counter, req, sizeof(req));
  Instant now = kTestEpoch;
  FUZZ_CHECK(tx.start(now, Bytes(req, req_size), kServer, kClient).ok());

  uint8_t out[kMaxMessageSize];
  int ops = 0;
  while (!in.empty() && ops++ < 512) {
    switch (in.u8() % 6) {
      case 0: {
        const Bytes dgram = in.bytes(in.u8());
        MessageView v;
        if (v.parse(dgram) == ParseError::none) tx.handle_response(now, v);
        server.handle_packet(now, Datagram{kClient, kServer, dgram});
        while (auto t = server.poll_transmit(out)) {
          FUZZ_CHECK(t->size <= sizeof(out));
          MessageView r;
          FUZZ_CHECK(r.parse(Bytes(out, t->size)) == ParseError::none);
          FUZZ_CHECK(r.is_response());
        }
        break;
      }
      case 1: {
        const uint8_t sel = in.u8();
        const MessageClass cls = (sel & 1) ? MessageClass::error_response : MessageClass::success_response;
        const Method m = (sel & 2) ? Method::allocate : tx.method();
        MessageBuilder b(out, {m, cls}, tx.transaction_id());
        if (cls == MessageClass::error_response && (sel & 4)) b.add_error_code(uint16_t(300 + sel % 400));
        b.add_xor_mapped_address(kClient);
        auto n = b.finish();
        FUZZ_CHECK(n.ok());
        MessageView v;
        FUZZ_CHECK(v.parse(Bytes(out, *n)) == ParseError::none);
        tx.handle_response(now, v);
        break;
      }
      case 2:
        now += milliseconds(1 + 8 * in.u8());
        tx.handle_timeout(now);
        break;
      case 3:
        if (auto d = tx.poll_timeout()) now = *d;
        tx.handle_timeout(now);
        break;
      case 4: {
        const size_t cap = size_t(in.u8()) * 8;
        if (auto t = tx.poll_transmit(MutBytes(out, cap < sizeof(out) ? cap : sizeof(out)))) {
          FUZZ_CHECK(t->size == req_size);
          FUZZ_CHECK(t->destination == kServer);
        }
        break;
      }
      case 5:
        if (tx.done()) {
          ++counter;
          req_size = build_request(counter, req, sizeof(req));
          FUZZ_CHECK(tx.start(now, Bytes(req, req_size), kServer, kClient).ok());
        } else {
          tx.cancel();
        }
        break;
    }
    // Invariants. After handle_timeout(now) every due timer has fired, so
    // the next deadline is strictly later than now: never in the past.
    tx.handle_timeout(now);
    const auto deadline = tx.poll_timeout();
    if (deadline) FUZZ_CHECK(*deadline > now);
    FUZZ_CHECK(tx.transmissions() <= cfg.max_transmissions);
    if (tx.state() != TransactionState::waiting) FUZZ_CHECK(!deadline);
    if (tx.state() == TransactionState::waiting) FUZZ_CHECK(deadline.has_value());
    if (auto e = tx.poll_event()) {
      FUZZ_CHECK(e->id == tx.transaction_id());
      switch (e->kind) {
        case TransactionEvent::Kind::success: FUZZ_CHECK(tx.state() == TransactionState::succeeded); break;
        case TransactionEvent::Kind::error_response:
          FUZZ_CHECK(tx.state() == TransactionState::failed);
          FUZZ_CHECK(e->error_code >= 300 && e->error_code <= 699);
          break;
        case TransactionEvent::Kind::timeout:
          FUZZ_CHECK(tx.state() == TransactionState::timed_out);
          FUZZ_CHECK(e->error.code == Errc::timeout);
          FUZZ_CHECK(e->transmissions == cfg.max_transmissions);
          break;
      }
    }
    FUZZ_CHECK(!tx.poll_event());  // at most one event per transaction
    if (tx.state() == TransactionState::succeeded || tx.state() == TransactionState::failed) {
      MessageView r;
      FUZZ_CHECK(r.parse(tx.response()) == ParseError::none);
      FUZZ_CHECK(r.transaction_id() == tx.transaction_id());
      FUZZ_CHECK(r.is_response());
    }
  }
  return 0;
}
