// DCEP codec (RFC 8832 §5) and the UTF-8 rules for labels and protocols.
#include "datachannel/dcep.h"
#include "datachannel/utf8.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::datachannel;

namespace {
std::vector<uint8_t> build_open(const DataChannelOpenView& o, const DcepLimits& l = {}) {
  std::vector<uint8_t> buf(data_channel_open_size(o.label.size(), o.protocol.size()));
  auto n = write_data_channel_open(buf, o, l);
  REQUIRE(n.ok());
  REQUIRE(*n == buf.size());
  return buf;
}
}  // namespace

TEST_CASE("DATA_CHANNEL_OPEN byte layout matches RFC 8832 §5.1", "[dcep]") {
  DataChannelOpenView o;
  o.channel_type = ChannelType::partial_reliable_rexmit;
  o.priority = kPriorityMedium;
  o.reliability_parameter = 7;
  o.label = "chat";
  o.protocol = "xmpp";
  auto b = build_open(o);
  const std::vector<uint8_t> expected = {
      0x03,                    // Message Type: DATA_CHANNEL_OPEN
      0x01,                    // Channel Type: DATA_CHANNEL_PARTIAL_RELIABLE_REXMIT
      0x02, 0x00,              // Priority 512
      0x00, 0x00, 0x00, 0x07,  // Reliability Parameter: 7 retransmissions
      0x00, 0x04,              // Label Length
      0x00, 0x04,              // Protocol Length
      'c', 'h', 'a', 't', 'x', 'm', 'p', 'p'};
  CHECK(b == expected);
}

TEST_CASE("DATA_CHANNEL_ACK is the single byte 0x02 (RFC 8832 §5.2)", "[dcep]") {
  uint8_t buf[4] = {};
  auto n = write_data_channel_ack(buf);
  REQUIRE(n.ok());
  CHECK(*n == 1);
  CHECK(buf[0] == 0x02);
  auto m = parse_dcep(Bytes(buf, 1));
  REQUIRE(m.ok());
  CHECK(m->type == MessageType::data_channel_ack);
  CHECK(write_data_channel_ack(MutBytes()).error().code == Errc::buffer_too_small);
}

TEST_CASE("every channel type round-trips with label, protocol and priority", "[dcep]") {
  const ChannelType types[] = {ChannelType::reliable,
                               ChannelType::reliable_unordered,
                               ChannelType::partial_reliable_rexmit,
                               ChannelType::partial_reliable_rexmit_unordered,
                               ChannelType::partial_reliable_timed,
                               ChannelType::partial_reliable_timed_unordered};
  for (ChannelType t : types) {
    INFO(channel_type_name(t));
    DataChannelOpenView o;
    o.channel_type = t;
    o.priority = kPriorityHigh;
    o.reliability_parameter = 1500;
    o.label = "k\xC3\xA4nal-\xE4\xB8\xAD-\xF0\x9F\x98\x80";  // "känal-中-😀"
    o.protocol = "proto/1";
    auto b = build_open(o);
    auto m = parse_dcep(b);
    REQUIRE(m.ok());
    REQUIRE(m->type == MessageType::data_channel_open);
    CHECK(m->open.channel_type == t);
    CHECK(m->open.priority == kPriorityHigh);
    CHECK(m->open.label == o.label);
    CHECK(m->open.protocol == o.protocol);
    if (reliability_of(t) == Reliability::reliable) {
      // "MUST be set to 0 on the sending side and MUST be ignored on the receiving side."
      CHECK(b[4] == 0);
      CHECK(b[7] == 0);
      CHECK(m->open.reliability_parameter == 0);
    } else {
      CHECK(m->open.reliability_parameter == 1500);
    }
    // The views point into the input, not into a copy.
    CHECK(reinterpret_cast<const uint8_t*>(m->open.label.data()) == b.data() + 12);
  }
}

TEST_CASE("channel type helpers follow the 0x80 unordered bit", "[dcep]") {
  CHECK(is_ordered(ChannelType::reliable));
  CHECK_FALSE(is_ordered(ChannelType::reliable_unordered));
  CHECK_FALSE(is_ordered(ChannelType::partial_reliable_timed_unordered));
  CHECK(reliability_of(ChannelType::partial_reliable_rexmit_unordered) == Reliability::max_retransmits);
  CHECK(reliability_of(ChannelType::partial_reliable_timed) == Reliability::max_lifetime);
  CHECK(make_channel_type(false, Reliability::max_lifetime) == ChannelType::partial_reliable_timed_unordered);
  CHECK(make_channel_type(true, Reliability::reliable) == ChannelType::reliable);
  CHECK(is_known_channel_type(0x82));
  CHECK_FALSE(is_known_channel_type(0x03));
  CHECK_FALSE(is_known_channel_type(0x83));
}

TEST_CASE("PPIDs of RFC 8831 §8", "[dcep]") {
  CHECK(static_cast<uint32_t>(Ppid::dcep) == 50);
  CHECK(static_cast<uint32_t>(Ppid::string) == 51);
  CHECK(static_cast<uint32_t>(Ppid::string_partial) == 52);
  CHECK(static_cast<uint32_t>(Ppid::binary) == 53);
  CHECK(static_cast<uint32_t>(Ppid::binary_partial) == 54);
  CHECK(static_cast<uint32_t>(Ppid::string_empty) == 56);
  CHECK(static_cast<uint32_t>(Ppid::binary_empty) == 57);
  CHECK(is_data_channel_ppid(57));
  CHECK_FALSE(is_data_channel_ppid(55));
  CHECK_FALSE(is_data_channel_ppid(0));
}

TEST_CASE("malformed DCEP messages are rejected with a reason", "[dcep]") {
  DataChannelOpenView o;
  o.label = "abc";
  o.protocol = "de";
  const auto good = build_open(o);
  REQUIRE(parse_dcep(good).ok());

  SECTION("empty") {
    auto r = parse_dcep(Bytes());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::malformed);
    CHECK(std::string(r.error().message) == "dcep: empty message");
  }
  SECTION("every truncation of a valid OPEN") {
    for (size_t n = 1; n < good.size(); ++n) {
      INFO("length " << n);
      auto r = parse_dcep(Bytes(good.data(), n));
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().code == Errc::malformed);
    }
    CHECK(std::string(parse_dcep(Bytes(good.data(), 11)).error().message) ==
          "dcep: DATA_CHANNEL_OPEN shorter than its 12-byte header");
    CHECK(std::string(parse_dcep(Bytes(good.data(), 14)).error().message) ==
          "dcep: label/protocol lengths run past the end of DATA_CHANNEL_OPEN");
  }
  SECTION("label length larger than the message") {
    auto b = good;
    b[8] = 0xff;
    b[9] = 0xff;
    auto r = parse_dcep(b);
    REQUIRE_FALSE(r.ok());
    CHECK(std::string(r.error().message) == "dcep: label/protocol lengths run past the end of DATA_CHANNEL_OPEN");
  }
  SECTION("trailing bytes") {
    auto b = good;
    b.push_back('x');
    auto r = parse_dcep(b);
    REQUIRE_FALSE(r.ok());
    CHECK(std::string(r.error().message) == "dcep: trailing bytes after the DATA_CHANNEL_OPEN protocol");
    const uint8_t long_ack[] = {0x02, 0x00};
    CHECK(std::string(parse_dcep(long_ack).error().message) == "dcep: DATA_CHANNEL_ACK longer than 1 byte");
  }
  SECTION("unknown message types, including the reserved ones") {
    for (int t : {0x00, 0x01, 0x04, 0x7f, 0xff}) {
      auto b = good;
      b[0] = uint8_t(t);
      auto r = parse_dcep(b);
      REQUIRE_FALSE(r.ok());
      CHECK(std::string(r.error().message) == "dcep: unknown message type");
    }
  }
  SECTION("unknown channel type") {
    auto b = good;
    b[1] = 0x03;
    auto r = parse_dcep(b);
    REQUIRE_FALSE(r.ok());
    CHECK(std::string(r.error().message) == "dcep: unknown channel type");
  }
  SECTION("invalid UTF-8 in the label or the protocol") {
    auto b = good;
    b[12] = 0xC0;  // overlong lead byte
    auto r = parse_dcep(b);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::malformed);
    CHECK(std::string(r.error().message) == "dcep: label is not valid UTF-8");
    b = good;
    b[16] = 0xED;  // "d" becomes the start of a surrogate, "e" is no continuation
    r = parse_dcep(b);
    REQUIRE_FALSE(r.ok());
    CHECK(std::string(r.error().message) == "dcep: protocol is not valid UTF-8");
  }
}

TEST_CASE("label and protocol lengths are bounded by DcepLimits", "[dcep]") {
  std::string label(1025, 'a');
  DataChannelOpenView o;
  o.label = label;
  DcepLimits wide;
  wide.max_label_length = 65535;
  wide.max_protocol_length = 65535;
  auto b = build_open(o, wide);
  // The default limit (1024) refuses it on receive and on send.
  auto r = parse_dcep(b);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::limit_exceeded);
  CHECK(std::string(r.error().message) == "dcep: label longer than the configured limit");
  std::vector<uint8_t> out(b.size());
  CHECK(write_data_channel_open(out, o).error().code == Errc::limit_exceeded);
  // The wide limit takes it.
  CHECK(parse_dcep(b, wide).ok());
  // The format's maximum: a 65535-byte label and protocol.
  std::string max(65535, 'z');
  o.label = max;
  o.protocol = max;
  auto huge = build_open(o, wide);
  auto m = parse_dcep(huge, wide);
  REQUIRE(m.ok());
  CHECK(m->open.label.size() == 65535);
  CHECK(m->open.protocol.size() == 65535);
  DcepLimits small_protocol;
  small_protocol.max_protocol_length = 4;
  o.label = "x";
  o.protocol = "12345";
  CHECK(std::string(parse_dcep(build_open(o, wide), small_protocol).error().message) ==
        "dcep: protocol longer than the configured limit");
}

TEST_CASE("builders refuse bad input and short buffers", "[dcep]") {
  DataChannelOpenView o;
  o.label = "\xFF";
  uint8_t buf[64];
  CHECK(write_data_channel_open(buf, o).error().code == Errc::invalid_argument);
  o.label = "ok";
  o.protocol = "\xE2\x82";  // truncated 3-byte sequence
  CHECK(write_data_channel_open(buf, o).error().code == Errc::invalid_argument);
  o.protocol = "p";
  CHECK(write_data_channel_open(MutBytes(buf, 14), o).error().code == Errc::buffer_too_small);
  CHECK(write_data_channel_open(MutBytes(buf, 15), o).ok());
  o.channel_type = static_cast<ChannelType>(0x05);
  CHECK(write_data_channel_open(buf, o).error().code == Errc::invalid_argument);
}

TEST_CASE("UTF-8 validation follows RFC 3629 §4", "[utf8]") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8(std::string_view("nul\0inside", 10)));
  CHECK(is_valid_utf8("\xC2\x80"));              // U+0080
  CHECK(is_valid_utf8("\xDF\xBF"));              // U+07FF
  CHECK(is_valid_utf8("\xE0\xA0\x80"));          // U+0800
  CHECK(is_valid_utf8("\xED\x9F\xBF"));          // U+D7FF
  CHECK(is_valid_utf8("\xEE\x80\x80"));          // U+E000
  CHECK(is_valid_utf8("\xEF\xBF\xBF"));          // U+FFFF
  CHECK(is_valid_utf8("\xF0\x90\x80\x80"));      // U+10000
  CHECK(is_valid_utf8("\xF4\x8F\xBF\xBF"));      // U+10FFFF

  CHECK(std::string(utf8_error("\x80")) == "utf-8: unexpected continuation byte");
  CHECK(std::string(utf8_error("\xC0\x80")) == "utf-8: invalid lead byte (overlong or beyond U+10FFFF)");
  CHECK(std::string(utf8_error("\xC1\xBF")) == "utf-8: invalid lead byte (overlong or beyond U+10FFFF)");
  CHECK(std::string(utf8_error("\xE0\x9F\xBF")) == "utf-8: overlong, surrogate or beyond U+10FFFF");
  CHECK(std::string(utf8_error("\xED\xA0\x80")) == "utf-8: overlong, surrogate or beyond U+10FFFF");  // U+D800
  CHECK(std::string(utf8_error("\xF0\x8F\xBF\xBF")) == "utf-8: overlong, surrogate or beyond U+10FFFF");
  CHECK(std::string(utf8_error("\xF4\x90\x80\x80")) == "utf-8: overlong, surrogate or beyond U+10FFFF");
  CHECK(std::string(utf8_error("\xF5\x80\x80\x80")) == "utf-8: invalid lead byte (overlong or beyond U+10FFFF)");
  CHECK(std::string(utf8_error("\xFF")) == "utf-8: invalid lead byte (overlong or beyond U+10FFFF)");
  CHECK(std::string(utf8_error("\xE2\x82")) == "utf-8: truncated sequence");
  CHECK(std::string(utf8_error("ab\xF0\x9F\x98")) == "utf-8: truncated sequence");
  CHECK(std::string(utf8_error("\xE2\x28\xA1")) == "utf-8: missing continuation byte");
  CHECK(std::string(utf8_error("\xE2\x82\x28")) == "utf-8: missing continuation byte");
}
