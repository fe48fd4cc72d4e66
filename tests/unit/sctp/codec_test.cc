// Codec round trips for every chunk and parameter, and malformed input
// rejected with a reason (RFC 9260 §3, RFC 3758, RFC 6525, RFC 8260, RFC 9653).
#include "sctp/packet/chunks.h"
#include "sctp/packet/parameters.h"
#include "sctp/packet/sctp_packet.h"
#include "sctp/state_cookie.h"

#include <catch2/catch.hpp>

#include <array>
#include <cstring>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::sctp;

namespace {

struct Built {
  std::array<uint8_t, 1500> buf{};
  size_t size = 0;
  Bytes bytes() const { return Bytes(buf.data(), size); }
};

template <class F>
Built build(F&& f, uint32_t tag = 0x11223344) {
  Built b;
  PacketBuilder pb(MutBytes(b.buf), 5000, 5001, tag);
  f(pb);
  REQUIRE(pb.ok());
  b.size = pb.finish();
  return b;
}

// Parses the packet and returns its only chunk.
ChunkView only_chunk(const Built& b) {
  auto p = parse_packet(b.bytes());
  REQUIRE(p.ok());
  ChunkIterator it(p->chunks);
  auto c = it.next();
  REQUIRE(c.has_value());
  REQUIRE_FALSE(it.next().has_value());
  REQUIRE_FALSE(it.malformed());
  return *c;
}

ChunkView raw_chunk(std::vector<uint8_t>& storage, uint8_t type, uint8_t flags,
                    std::vector<uint8_t> value) {
  storage = {type, flags, uint8_t((value.size() + 4) >> 8), uint8_t(value.size() + 4)};
  storage.insert(storage.end(), value.begin(), value.end());
  ChunkIterator it(storage);
  auto c = it.next();
  REQUIRE(c.has_value());
  return *c;
}

}  // namespace

TEST_CASE("common header: ports, tag, CRC-32c stored little-endian, verified on parse") {
  auto b = build([](PacketBuilder& pb) { write_empty_chunk(pb, ChunkType::cookie_ack); });
  REQUIRE(b.size == 16);
  auto p = parse_packet(b.bytes());
  REQUIRE(p.ok());
  CHECK(p->source_port == 5000);
  CHECK(p->destination_port == 5001);
  CHECK(p->verification_tag == 0x11223344);
  CHECK(p->checksum == packet_crc32c(b.bytes()));
  // A flipped bit anywhere fails the checksum.
  b.buf[13] ^= 0x40;
  auto bad = parse_packet(b.bytes());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == Errc::auth_failed);
}

TEST_CASE("common header: zero checksum accepted only when negotiated (RFC 9653)") {
  Built b;
  PacketBuilder pb(MutBytes(b.buf), 1, 2, 3);
  write_empty_chunk(pb, ChunkType::cookie_ack);
  b.size = pb.finish(/*zero_checksum=*/true);
  CHECK_FALSE(parse_packet(b.bytes(), ChecksumPolicy::verify).ok());
  auto p = parse_packet(b.bytes(), ChecksumPolicy::allow_zero);
  REQUIRE(p.ok());
  CHECK(p->zero_checksum);
}

TEST_CASE("common header: short packets rejected") {
  std::array<uint8_t, 15> b{};
  auto p = parse_packet(b);
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().code == Errc::malformed);
}

TEST_CASE("chunk iterator: length below 4 or beyond the packet is malformed") {
  std::vector<uint8_t> a = {0, 0, 0, 2, 0, 0, 0, 0};
  ChunkIterator it(a);
  CHECK_FALSE(it.next().has_value());
  CHECK(it.malformed());
  std::vector<uint8_t> b = {0, 0, 0, 40, 0, 0, 0, 0};
  ChunkIterator it2(b);
  CHECK_FALSE(it2.next().has_value());
  CHECK(it2.malformed());
}

TEST_CASE("unknown chunk types: the upper two bits decide (RFC 9260 §3.2)") {
  CHECK(unknown_action(0x3F) == UnknownAction::stop_discard);
  CHECK(unknown_action(0x7F) == UnknownAction::stop_discard_report);
  CHECK(unknown_action(0xBF) == UnknownAction::skip);
  CHECK(unknown_action(0xFF) == UnknownAction::skip_report);
  CHECK(unknown_param_action(0x3FFF) == UnknownParamAction::stop);
  CHECK(unknown_param_action(0xC123) == UnknownParamAction::skip_report);
}

TEST_CASE("DATA round trip, odd payload padded") {
  const uint8_t payload[] = {1, 2, 3, 4, 5};
  DataChunk d{0xFFFFFFFE, 7, 9, 51, kFlagBeginning | kFlagEnding | kFlagUnordered, Bytes(payload)};
  auto b = build([&](PacketBuilder& pb) { d.write(pb); });
  CHECK(b.size == 12 + 16 + 8);
  auto c = only_chunk(b);
  auto r = DataChunk::parse(c);
  REQUIRE(r.ok());
  CHECK(r->tsn == 0xFFFFFFFE);
  CHECK(r->stream == 7);
  CHECK(r->ssn == 9);
  CHECK(r->ppid == 51);
  CHECK(r->beginning());
  CHECK(r->ending());
  CHECK(r->unordered());
  CHECK(bytes_equal(r->payload, Bytes(payload)));
}

TEST_CASE("DATA malformed: short or empty user data") {
  std::vector<uint8_t> s;
  auto r = DataChunk::parse(raw_chunk(s, 0, 3, {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}));
  REQUIRE_FALSE(r.ok());
  CHECK(std::strstr(r.error().message, "without user data"));
  CHECK_FALSE(DataChunk::parse(raw_chunk(s, 0, 3, {0, 0, 0, 1})).ok());
}

TEST_CASE("I-DATA round trip (RFC 8260 §2.1)") {
  const uint8_t payload[] = {9, 8, 7};
  IDataChunk d{100, 3, 0x01020304, 53, kFlagBeginning, Bytes(payload)};
  auto b = build([&](PacketBuilder& pb) { d.write(pb); });
  auto r = IDataChunk::parse(only_chunk(b));
  REQUIRE(r.ok());
  CHECK(r->tsn == 100);
  CHECK(r->stream == 3);
  CHECK(r->mid == 0x01020304);
  CHECK(r->ppid_or_fsn == 53);
  CHECK(r->flags == kFlagBeginning);
  CHECK(bytes_equal(r->payload, Bytes(payload)));
  std::vector<uint8_t> s;
  CHECK_FALSE(IDataChunk::parse(raw_chunk(s, 64, 0, std::vector<uint8_t>(16))).ok());
}

TEST_CASE("INIT and INIT-ACK round trip with parameters") {
  const uint8_t cookie[] = {0xC0, 0x0C, 0x1E, 0x55, 0x01};
  const uint8_t exts[] = {192, 130, 64};
  uint8_t edmid[4];
  store_be32(edmid, 1);
  for (bool ack : {false, true}) {
    InitChunk i{ack, 0xCAFEBABE, 131072, 1024, 2048, 77, {}};
    auto b = build([&](PacketBuilder& pb) {
      size_t at = i.begin(pb);
      if (ack) write_param(pb.writer(), ParamType::state_cookie, Bytes(cookie));
      write_param(pb.writer(), ParamType::supported_extensions, Bytes(exts));
      write_param(pb.writer(), ParamType::forward_tsn_supported, {});
      write_param(pb.writer(), ParamType::zero_checksum_acceptable, Bytes(edmid));
      write_param(pb.writer(), 0xC123, Bytes(exts));  // unknown, skip and report
      pb.end_chunk(at);
    }, 0);
    auto r = InitChunk::parse(only_chunk(b));
    REQUIRE(r.ok());
    CHECK(r->ack == ack);
    CHECK(r->initiate_tag == 0xCAFEBABE);
    CHECK(r->a_rwnd == 131072);
    CHECK(r->outbound_streams == 1024);
    CHECK(r->inbound_streams == 2048);
    CHECK(r->initial_tsn == 77);
    auto p = parse_init_params(r->params);
    REQUIRE(p.ok());
    CHECK(p->forward_tsn_supported);
    CHECK(p->reconfig_supported);
    CHECK(p->i_data_supported);
    CHECK(p->zero_checksum_edmid == 1u);
    REQUIRE(p->num_unrecognized == 1);
    CHECK(load_be16(p->unrecognized[0].data()) == 0xC123);
    CHECK(p->state_cookie.has_value() == ack);
    if (ack) CHECK(bytes_equal(*p->state_cookie, Bytes(cookie)));
  }
}

TEST_CASE("INIT malformed: tag 0, zero streams, short, bad parameter framing") {
  std::vector<uint8_t> s;
  std::vector<uint8_t> v = {0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1};
  CHECK(std::strstr(InitChunk::parse(raw_chunk(s, 1, 0, v)).error().message, "Tag 0"));
  v[3] = 5;
  v[9] = 0;
  CHECK_FALSE(InitChunk::parse(raw_chunk(s, 1, 0, v)).ok());
  CHECK_FALSE(InitChunk::parse(raw_chunk(s, 1, 0, {1, 2, 3})).ok());
  std::vector<uint8_t> params = {0x80, 0x08, 0x00, 0x30, 1};
  CHECK_FALSE(parse_init_params(params).ok());
  std::vector<uint8_t> zc = {0x80, 0x01, 0x00, 0x06, 0, 1, 0, 0};
  CHECK_FALSE(parse_init_params(zc).ok());
}

TEST_CASE("unknown parameter with 00 bits stops processing (RFC 9260 §3.2.1)") {
  std::vector<uint8_t> params = {0x00, 0x77, 0x00, 0x04, 0xC0, 0x00, 0x00, 0x04};
  auto p = parse_init_params(params);
  REQUIRE(p.ok());
  CHECK_FALSE(p->forward_tsn_supported);
  CHECK(p->num_unrecognized == 0);
}

TEST_CASE("SACK round trip with gap blocks and duplicate TSNs") {
  GapAckBlock gaps[] = {{2, 3}, {5, 9}};
  uint32_t dups[] = {7, 0xFFFFFFFF};
  auto b = build([&](PacketBuilder& pb) { SackChunk::write(pb, 1000, 65536, gaps, dups); });
  auto r = SackChunk::parse(only_chunk(b));
  REQUIRE(r.ok());
  CHECK(r->cumulative_tsn_ack == 1000);
  CHECK(r->a_rwnd == 65536);
  REQUIRE(r->num_gap_blocks() == 2);
  CHECK(r->gap_block(1) == GapAckBlock{5, 9});
  REQUIRE(r->num_dup_tsns() == 2);
  CHECK(r->dup_tsn(1) == 0xFFFFFFFF);
  std::vector<uint8_t> s;
  auto bad = SackChunk::parse(raw_chunk(s, 3, 0, {0, 0, 0, 1, 0, 0, 0, 1, 0, 200, 0, 0}));
  REQUIRE_FALSE(bad.ok());
  CHECK(std::strstr(bad.error().message, "disagree"));
}

TEST_CASE("HEARTBEAT and HEARTBEAT-ACK round trip") {
  const uint8_t info[] = {1, 2, 3, 4, 5, 6, 7};
  for (bool ack : {false, true}) {
    auto b = build([&](PacketBuilder& pb) { HeartbeatChunk{ack, Bytes(info)}.write(pb); });
    auto r = HeartbeatChunk::parse(only_chunk(b));
    REQUIRE(r.ok());
    CHECK(r->ack == ack);
    CHECK(bytes_equal(r->info, Bytes(info)));
  }
  std::vector<uint8_t> s;
  CHECK_FALSE(HeartbeatChunk::parse(raw_chunk(s, 4, 0, {0, 2, 0, 4})).ok());
}

TEST_CASE("ABORT and ERROR with causes round trip") {
  std::array<uint8_t, 64> causes{};
  ByteWriter w{MutBytes(causes)};
  write_stale_cookie_cause(w, 123456);
  write_cause(w, CauseCode::user_initiated_abort, as_bytes("bye"));
  REQUIRE(w.ok());
  for (bool err : {false, true}) {
    AbortChunk a{err, !err, Bytes(w.written()), 0};
    auto b = build([&](PacketBuilder& pb) { a.write(pb); });
    auto r = AbortChunk::parse(only_chunk(b));
    REQUIRE(r.ok());
    CHECK(r->error == err);
    CHECK(r->t_bit == !err);
    CHECK(r->first_cause == uint16_t(CauseCode::stale_cookie));
    ParamIterator it(r->causes);
    auto c1 = it.next();
    REQUIRE(c1);
    CHECK(load_be32(c1->value.data()) == 123456u);
    auto c2 = it.next();
    REQUIRE(c2);
    CHECK(as_string_view(c2->value) == "bye");
  }
  std::vector<uint8_t> s;
  CHECK_FALSE(AbortChunk::parse(raw_chunk(s, 6, 0, {0, 1, 0, 9})).ok());
  CHECK(std::string(cause_name(13)) == "protocol violation");
}

TEST_CASE("SHUTDOWN, SHUTDOWN-ACK, SHUTDOWN-COMPLETE, COOKIE-ACK round trip") {
  auto b = build([](PacketBuilder& pb) { ShutdownChunk{0xABCDEF01}.write(pb); });
  auto r = ShutdownChunk::parse(only_chunk(b));
  REQUIRE(r.ok());
  CHECK(r->cumulative_tsn_ack == 0xABCDEF01);
  for (auto t : {ChunkType::shutdown_ack, ChunkType::cookie_ack, ChunkType::shutdown_complete}) {
    auto e = build([&](PacketBuilder& pb) { write_empty_chunk(pb, t, kFlagT); });
    auto c = only_chunk(e);
    CHECK(c.type == uint8_t(t));
    CHECK(c.flags == kFlagT);
    CHECK(parse_empty_chunk(c).ok());
  }
  std::vector<uint8_t> s;
  CHECK_FALSE(parse_empty_chunk(raw_chunk(s, 8, 0, {1, 2, 3, 4})).ok());
  CHECK_FALSE(ShutdownChunk::parse(raw_chunk(s, 7, 0, {1, 2})).ok());
}

TEST_CASE("COOKIE-ECHO round trip; empty cookie rejected") {
  const uint8_t cookie[] = {5, 4, 3, 2, 1, 0};
  auto b = build([&](PacketBuilder& pb) { CookieEchoChunk{Bytes(cookie)}.write(pb); });
  auto r = CookieEchoChunk::parse(only_chunk(b));
  REQUIRE(r.ok());
  CHECK(bytes_equal(r->cookie, Bytes(cookie)));
  std::vector<uint8_t> s;
  CHECK_FALSE(CookieEchoChunk::parse(raw_chunk(s, 10, 0, {})).ok());
}

TEST_CASE("FORWARD-TSN and I-FORWARD-TSN round trip (RFC 3758 §3.2, RFC 8260 §2.3)") {
  ForwardTsnStream fs[] = {{1, 5}, {65535, 0}};
  auto b = build([&](PacketBuilder& pb) { ForwardTsnChunk::write(pb, 4242, fs); });
  auto r = ForwardTsnChunk::parse(only_chunk(b));
  REQUIRE(r.ok());
  CHECK(r->new_cumulative_tsn == 4242);
  REQUIRE(r->num_streams() == 2);
  CHECK(r->stream(1) == ForwardTsnStream{65535, 0});
  IForwardTsnEntry ie[] = {{2, true, 99}, {3, false, 0x7FFFFFFF}};
  auto b2 = build([&](PacketBuilder& pb) { IForwardTsnChunk::write(pb, 17, ie); });
  auto r2 = IForwardTsnChunk::parse(only_chunk(b2));
  REQUIRE(r2.ok());
  CHECK(r2->new_cumulative_tsn == 17);
  REQUIRE(r2->num_entries() == 2);
  CHECK(r2->entry(0) == IForwardTsnEntry{2, true, 99});
  CHECK(r2->entry(1) == IForwardTsnEntry{3, false, 0x7FFFFFFF});
  std::vector<uint8_t> s;
  CHECK_FALSE(ForwardTsnChunk::parse(raw_chunk(s, 192, 0, {0, 0, 0, 1, 0, 1})).ok());
  CHECK_FALSE(IForwardTsnChunk::parse(raw_chunk(s, 194, 0, {0, 0, 0, 1, 0, 1, 0, 0})).ok());
}

TEST_CASE("RE-CONFIG with every request and response parameter round trips (RFC 6525 §4)") {
  const StreamId streams[] = {StreamId(1), StreamId(3), StreamId(5)};
  auto b = build([&](PacketBuilder& pb) {
    size_t at = pb.begin_chunk(uint8_t(ChunkType::reconfig), 0);
    OutgoingResetRequest::write(pb.writer(), 10, 20, 30, streams);
    IncomingResetRequest::write(pb.writer(), 11, streams);
    pb.end_chunk(at);
  });
  auto rc = ReconfigChunk::parse(only_chunk(b));
  REQUIRE(rc.ok());
  ParamIterator it(rc->params);
  auto p1 = it.next();
  REQUIRE(p1);
  CHECK(p1->type == uint16_t(ParamType::outgoing_ssn_reset_request));
  auto o = OutgoingResetRequest::parse(p1->value);
  REQUIRE(o.ok());
  CHECK(o->request_seq == 10);
  CHECK(o->response_seq == 20);
  CHECK(o->sender_last_tsn == 30);
  REQUIRE(o->num_streams() == 3);
  CHECK(o->stream(2) == 5);
  auto p2 = it.next();
  REQUIRE(p2);
  auto in = IncomingResetRequest::parse(p2->value);
  REQUIRE(in.ok());
  CHECK(in->request_seq == 11);
  CHECK(in->num_streams() == 3);

  auto b2 = build([&](PacketBuilder& pb) {
    size_t at = pb.begin_chunk(uint8_t(ChunkType::reconfig), 0);
    ReconfigResponse{12, ReconfigResult::in_progress, 100, 200}.write(pb.writer());
    SsnTsnResetRequest::write(pb.writer(), 13);
    pb.end_chunk(at);
  });
  auto rc2 = ReconfigChunk::parse(only_chunk(b2));
  REQUIRE(rc2.ok());
  ParamIterator it2(rc2->params);
  auto resp = ReconfigResponse::parse(it2.next()->value);
  REQUIRE(resp.ok());
  CHECK(resp->response_seq == 12);
  CHECK(resp->result == ReconfigResult::in_progress);
  CHECK(resp->sender_next_tsn == 100u);
  CHECK(resp->receiver_next_tsn == 200u);
  CHECK(SsnTsnResetRequest::parse(it2.next()->value)->request_seq == 13);

  auto b3 = build([&](PacketBuilder& pb) {
    size_t at = pb.begin_chunk(uint8_t(ChunkType::reconfig), 0);
    AddStreamsRequest{false, 14, 16}.write(pb.writer());
    AddStreamsRequest{true, 15, 32}.write(pb.writer());
    pb.end_chunk(at);
  });
  ParamIterator it3(ReconfigChunk::parse(only_chunk(b3))->params);
  auto a1 = it3.next();
  auto add_out = AddStreamsRequest::parse(a1->value, false);
  REQUIRE(add_out.ok());
  CHECK(add_out->new_streams == 16);
  auto add_in = AddStreamsRequest::parse(it3.next()->value, true);
  CHECK(add_in->request_seq == 15);
  CHECK(add_in->new_streams == 32);
}

TEST_CASE("RE-CONFIG malformed: no parameter, three parameters, bad sizes, bad result") {
  std::vector<uint8_t> s;
  CHECK_FALSE(ReconfigChunk::parse(raw_chunk(s, 130, 0, {})).ok());
  // Three 8-byte parameters (type 15, length 8). Written out: gcc 12 warns
  // (-Wstringop-overflow, a false positive) on inserting a list in a loop.
  const std::vector<uint8_t> three = {0, 15, 0, 8, 0, 0, 0, 1, 0, 15, 0, 8, 0, 0, 0, 1, 0, 15, 0, 8, 0, 0, 0, 1};
  CHECK_FALSE(ReconfigChunk::parse(raw_chunk(s, 130, 0, three)).ok());
  CHECK_FALSE(OutgoingResetRequest::parse(std::vector<uint8_t>(11)).ok());
  CHECK_FALSE(OutgoingResetRequest::parse(std::vector<uint8_t>(13)).ok());
  CHECK_FALSE(IncomingResetRequest::parse(std::vector<uint8_t>(3)).ok());
  CHECK_FALSE(ReconfigResponse::parse(std::vector<uint8_t>(12)).ok());
  std::vector<uint8_t> bad_result = {0, 0, 0, 1, 0, 0, 0, 7};
  CHECK_FALSE(ReconfigResponse::parse(bad_result).ok());
  CHECK_FALSE(SsnTsnResetRequest::parse(std::vector<uint8_t>(8)).ok());
  CHECK_FALSE(AddStreamsRequest::parse(std::vector<uint8_t>(4), true).ok());
}

TEST_CASE("several chunks bundled in one packet iterate in order") {
  const uint8_t p[] = {1};
  auto b = build([&](PacketBuilder& pb) {
    write_empty_chunk(pb, ChunkType::cookie_ack);
    SackChunk::write(pb, 1, 2, {}, {});
    DataChunk{1, 0, 0, 0, 3, Bytes(p)}.write(pb);
  });
  auto pk = parse_packet(b.bytes());
  REQUIRE(pk.ok());
  ChunkIterator it(pk->chunks);
  std::vector<uint8_t> types;
  while (auto c = it.next()) types.push_back(c->type);
  CHECK_FALSE(it.malformed());
  CHECK(types == std::vector<uint8_t>{11, 3, 0});
  CHECK(std::string(chunk_name(0)) == "DATA");
}

TEST_CASE("a state cookie round trips every field, big-endian after the magic, and rejects a changed byte") {
  Secret<32> key;
  uint8_t k[32];
  for (int i = 0; i < 32; ++i) k[i] = uint8_t(i + 1);
  key.assign(Bytes(k, 32));
  StateCookie c;
  c.created_ns = 0x0102030405060708;
  c.local_tag = 0x11121314;
  c.peer_tag = 0x21222324;
  c.local_initial_tsn = 0x31323334;
  c.peer_initial_tsn = 0x41424344;
  c.peer_a_rwnd = 0x51525354;
  c.outbound_streams = 0x6162;
  c.inbound_streams = 0x7172;
  c.local_tie_tag = 0x81828384;
  c.peer_tie_tag = 0x91929394;
  c.capabilities = StateCookie::kCapForwardTsn | StateCookie::kCapReconfig;
  std::array<uint8_t, StateCookie::kSize> buf{};
  ByteWriter w(buf);
  c.write(w, key);
  REQUIRE(w.ok());
  REQUIRE(w.position() == StateCookie::kSize);
  // The body: "SRC1", then the fields in declaration order, big-endian.
  const uint8_t head[] = {'S', 'R', 'C', '1', 1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14};
  CHECK(std::memcmp(buf.data(), head, sizeof head) == 0);
  CHECK(buf[StateCookie::kBodySize - 1] == 3);  // capabilities, the last body byte
  auto p = StateCookie::parse(buf, key);
  REQUIRE(p.ok());
  CHECK(p->created_ns == c.created_ns);
  CHECK(p->local_tag == c.local_tag);
  CHECK(p->peer_tag == c.peer_tag);
  CHECK(p->local_initial_tsn == c.local_initial_tsn);
  CHECK(p->peer_initial_tsn == c.peer_initial_tsn);
  CHECK(p->peer_a_rwnd == c.peer_a_rwnd);
  CHECK(p->outbound_streams == c.outbound_streams);
  CHECK(p->inbound_streams == c.inbound_streams);
  CHECK(p->local_tie_tag == c.local_tie_tag);
  CHECK(p->peer_tie_tag == c.peer_tie_tag);
  CHECK(p->capabilities == c.capabilities);
  buf[20] ^= 1;
  CHECK(StateCookie::parse(buf, key).error().code == Errc::auth_failed);
  CHECK(StateCookie::parse(Bytes(buf.data(), 10), key).error().code == Errc::malformed);
}
