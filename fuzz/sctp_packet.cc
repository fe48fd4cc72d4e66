// Fuzz target: SCTP packet codec. Parses the common header and every chunk
// (and the parameters inside INIT/INIT-ACK/RE-CONFIG/ABORT/ERROR); every
// chunk that parses is serialized again and must reparse to the same fields.
#include "sctp/packet/chunks.h"
#include "sctp/packet/parameters.h"
#include "sctp/packet/sctp_packet.h"

#include <array>
#include <cstdint>
#include <cstring>

using namespace sansrtc;
using namespace sansrtc::sctp;

namespace {

#define FUZZ_CHECK(c) \
  do {                \
    if (!(c)) __builtin_trap(); \
  } while (0)

std::array<uint8_t, 70000> g_buf;

// Serializes with `write` and returns the single chunk of the result.
template <class W>
ChunkView rebuild(W&& write) {
  PacketBuilder b(MutBytes(g_buf), 1, 2, 3);
  write(b);
  FUZZ_CHECK(b.ok());
  size_t n = b.finish();
  auto p = parse_packet(Bytes(g_buf.data(), n));
  FUZZ_CHECK(p.ok());
  ChunkIterator it(p->chunks);
  auto c = it.next();
  FUZZ_CHECK(c.has_value());
  return *c;
}

void check_chunk(const ChunkView& c) {
  switch (ChunkType(c.type)) {
    case ChunkType::data: {
      auto d = DataChunk::parse(c);
      if (!d) return;
      auto r = DataChunk::parse(rebuild([&](PacketBuilder& b) { d->write(b); }));
      FUZZ_CHECK(r.ok() && r->tsn == d->tsn && r->stream == d->stream && r->ssn == d->ssn &&
                 r->ppid == d->ppid && r->flags == d->flags && bytes_equal(r->payload, d->payload));
      break;
    }
    case ChunkType::i_data: {
      auto d = IDataChunk::parse(c);
      if (!d) return;
      auto r = IDataChunk::parse(rebuild([&](PacketBuilder& b) { d->write(b); }));
      FUZZ_CHECK(r.ok() && r->tsn == d->tsn && r->mid == d->mid && r->ppid_or_fsn == d->ppid_or_fsn &&
                 bytes_equal(r->payload, d->payload));
      break;
    }
    case ChunkType::init:
    case ChunkType::init_ack: {
      auto i = InitChunk::parse(c);
      if (!i) return;
      auto params = parse_init_params(i->params);
      auto r = InitChunk::parse(rebuild([&](PacketBuilder& b) {
        size_t at = i->begin(b);
        b.writer().bytes(i->params);
        b.end_chunk(at);
      }));
      FUZZ_CHECK(r.ok() && r->initiate_tag == i->initiate_tag && r->a_rwnd == i->a_rwnd &&
                 r->initial_tsn == i->initial_tsn && bytes_equal(r->params, i->params));
      (void)params;
      break;
    }
    case ChunkType::sack: {
      auto s = SackChunk::parse(c);
      if (!s) return;
      std::array<GapAckBlock, 1024> gaps;
      std::array<uint32_t, 1024> dups;
      size_t ng = std::min<size_t>(s->num_gap_blocks(), gaps.size());
      size_t nd = std::min<size_t>(s->num_dup_tsns(), dups.size());
      for (size_t k = 0; k < ng; ++k) gaps[k] = s->gap_block(k);
      for (size_t k = 0; k < nd; ++k) dups[k] = s->dup_tsn(k);
      auto r = SackChunk::parse(rebuild([&](PacketBuilder& b) {
        SackChunk::write(b, s->cumulative_tsn_ack, s->a_rwnd, std::span(gaps.data(), ng), std::span(dups.data(), nd));
      }));
      FUZZ_CHECK(r.ok() && r->cumulative_tsn_ack == s->cumulative_tsn_ack && r->num_gap_blocks() == ng &&
                 r->num_dup_tsns() == nd);
      for (size_t k = 0; k < ng; ++k) FUZZ_CHECK(r->gap_block(k) == gaps[k]);
      break;
    }
    case ChunkType::heartbeat:
    case ChunkType::heartbeat_ack: {
      auto h = HeartbeatChunk::parse(c);
      if (!h) return;
      auto r = HeartbeatChunk::parse(rebuild([&](PacketBuilder& b) { h->write(b); }));
      FUZZ_CHECK(r.ok() && r->ack == h->ack && bytes_equal(r->info, h->info));
      break;
    }
    case ChunkType::abort:
    case ChunkType::error: {
      auto a = AbortChunk::parse(c);
      if (!a) return;
      auto r = AbortChunk::parse(rebuild([&](PacketBuilder& b) { a->write(b); }));
      FUZZ_CHECK(r.ok() && r->first_cause == a->first_cause && r->t_bit == a->t_bit);
      break;
    }
    case ChunkType::shutdown: {
      auto s = ShutdownChunk::parse(c);
      if (!s) return;
      auto r = ShutdownChunk::parse(rebuild([&](PacketBuilder& b) { s->write(b); }));
      FUZZ_CHECK(r.ok() && r->cumulative_tsn_ack == s->cumulative_tsn_ack);
      break;
    }
    case ChunkType::cookie_echo: {
      auto e = CookieEchoChunk::parse(c);
      if (!e) return;
      auto r = CookieEchoChunk::parse(rebuild([&](PacketBuilder& b) { e->write(b); }));
      FUZZ_CHECK(r.ok() && bytes_equal(r->cookie, e->cookie));
      break;
    }
    case ChunkType::shutdown_ack:
    case ChunkType::cookie_ack:
    case ChunkType::shutdown_complete:
      (void)parse_empty_chunk(c);
      break;
    case ChunkType::forward_tsn: {
      auto f = ForwardTsnChunk::parse(c);
      if (!f) return;
      std::array<ForwardTsnStream, 4096> s;
      size_t n = std::min(f->num_streams(), s.size());
      for (size_t k = 0; k < n; ++k) s[k] = f->stream(k);
      auto r = ForwardTsnChunk::parse(rebuild([&](PacketBuilder& b) {
        ForwardTsnChunk::write(b, f->new_cumulative_tsn, std::span(s.data(), n));
      }));
      FUZZ_CHECK(r.ok() && r->new_cumulative_tsn == f->new_cumulative_tsn && r->num_streams() == n);
      break;
    }
    case ChunkType::i_forward_tsn: {
      auto f = IForwardTsnChunk::parse(c);
      if (!f) return;
      std::array<IForwardTsnEntry, 2048> e;
      size_t n = std::min(f->num_entries(), e.size());
      for (size_t k = 0; k < n; ++k) e[k] = f->entry(k);
      auto r = IForwardTsnChunk::parse(rebuild([&](PacketBuilder& b) {
        IForwardTsnChunk::write(b, f->new_cumulative_tsn, std::span(e.data(), n));
      }));
      FUZZ_CHECK(r.ok() && r->num_entries() == n);
      for (size_t k = 0; k < n; ++k) FUZZ_CHECK(r->entry(k) == e[k]);
      break;
    }
    case ChunkType::reconfig: {
      auto rc = ReconfigChunk::parse(c);
      if (!rc) return;
      ParamIterator it(rc->params);
      while (auto p = it.next()) {
        switch (ParamType(p->type)) {
          case ParamType::outgoing_ssn_reset_request: (void)OutgoingResetRequest::parse(p->value); break;
          case ParamType::incoming_ssn_reset_request: (void)IncomingResetRequest::parse(p->value); break;
          case ParamType::ssn_tsn_reset_request: (void)SsnTsnResetRequest::parse(p->value); break;
          case ParamType::reconfiguration_response: {
            auto r = ReconfigResponse::parse(p->value);
            if (r) {
              std::array<uint8_t, 64> tmp;
              ByteWriter w{MutBytes(tmp)};
              r->write(w);
              FUZZ_CHECK(w.ok());
              auto again = ReconfigResponse::parse(Bytes(w.written()).subspan(4));
              FUZZ_CHECK(again.ok() && again->response_seq == r->response_seq && again->result == r->result);
            }
            break;
          }
          case ParamType::add_outgoing_streams_request: (void)AddStreamsRequest::parse(p->value, false); break;
          case ParamType::add_incoming_streams_request: (void)AddStreamsRequest::parse(p->value, true); break;
          default: break;
        }
      }
      break;
    }
    default:
      (void)unknown_action(c.type);
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto p = parse_packet(Bytes(data, size), ChecksumPolicy::skip);
  if (!p) return 0;
  ChunkIterator it(p->chunks);
  int n = 0;
  while (auto c = it.next()) {
    check_chunk(*c);
    if (++n > 256) break;
  }
  return 0;
}
