// net/mdns_codec.h — the few Multicast DNS messages the driver needs: a
// one-shot A/AAAA query for a ".local" name and the parsing of answers.
//
// Implements the DNS message format of RFC 1035 §4.1 (header, question,
// resource record) with name compression (§4.1.4) as RFC 6762 uses it:
// the QU bit in the question class (RFC 6762 §5.4, "unicast response
// requested") and the cache-flush bit in the record class (§10.2), both
// masked off to read the class. RFC 8828 hides ICE host candidates behind
// such names; the driver resolves them with this codec (net/mdns_resolver.h).
//
// No IO and no Asio: this is core code (built with -fno-exceptions
// -fno-rtti) so that the fuzz target links it alone.
//
// Hostile input: every read is bounded by the message; a name is at most 255
// bytes (RFC 1035 §3.1), compression pointers must point strictly backwards
// and at most kMaxPointerJumps are followed (so a pointer loop is an error,
// not a hang); at most kMaxRecords records are examined per message.
//
// Leaves out: probing and announcing (we never own a name), known-answer
// suppression, continuous querying, DNS-SD, every record type other than A
// and AAAA (skipped), TC-bit continuation, EDNS0.
#pragma once

#include "base/address.h"
#include "base/bytes.h"
#include <sansrtc/result.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace sansrtc::net::mdns {

inline constexpr uint16_t kPort = 5353;
inline constexpr uint16_t kTypeA = 1;      // RFC 1035 §3.2.2
inline constexpr uint16_t kTypeAAAA = 28;  // RFC 3596 §2.1
inline constexpr uint16_t kClassIn = 1;
// RFC 6762 §5.4: the top bit of qclass asks for a unicast response (QU).
inline constexpr uint16_t kUnicastResponseBit = 0x8000;
// RFC 6762 §10.2: the top bit of rrclass is the cache-flush bit.
inline constexpr uint16_t kCacheFlushBit = 0x8000;
inline constexpr size_t kHeaderSize = 12;
inline constexpr size_t kMaxNameSize = 255;      // RFC 1035 §3.1 (dotted text, no trailing dot)
inline constexpr size_t kMaxLabelSize = 63;      // RFC 1035 §2.3.4
inline constexpr size_t kMaxPointerJumps = 16;
inline constexpr size_t kMaxRecords = 64;        // questions + records examined per message
inline constexpr size_t kMaxMessageSize = 9000;  // RFC 6762 §17 (we build far smaller ones)

enum class ParseError : uint8_t {
  none = 0,
  truncated,          // a field runs past the end of the message
  bad_label,          // label type 01/10 (RFC 6891 extended labels, reserved)
  name_too_long,      // more than kMaxNameSize
  bad_pointer,        // a compression pointer that does not point backwards
  too_many_pointers,  // more than kMaxPointerJumps in one name
  too_many_records,   // more than kMaxRecords in the header counts
  bad_rdata,          // A not 4 bytes, AAAA not 16
  count_,
};
inline constexpr size_t kParseErrorCount = static_cast<size_t>(ParseError::count_);
const char* parse_error_name(ParseError e);

// A domain name in dotted text form without the trailing dot, as read from
// the message (labels are copied byte for byte).
struct Name {
  std::array<char, kMaxNameSize + 1> text{};
  size_t size = 0;
  std::string_view view() const { return std::string_view(text.data(), size); }
};

// DNS names compare ASCII-case-insensitively (RFC 1035 §2.3.3, RFC 6762 §16).
bool names_equal(std::string_view a, std::string_view b);

//                                  1  1  1  1  1  1
//    0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
//  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
//  |                      ID                       |
//  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
//  |QR|   Opcode  |AA|TC|RD|RA|   Z    |   RCODE   |
//  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
//  |            QDCOUNT / ANCOUNT / NSCOUNT / ARCOUNT  (4 x 16 bits)
//  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+   RFC 1035 §4.1.1
struct Header {
  uint16_t id = 0;
  uint16_t flags = 0;
  uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
  bool is_response() const { return (flags & 0x8000) != 0; }
  uint8_t opcode() const { return uint8_t((flags >> 11) & 0xF); }
  uint8_t rcode() const { return uint8_t(flags & 0xF); }
};

//  QNAME (labels) | QTYPE (16) | QU (1) QCLASS (15)        RFC 1035 §4.1.2
struct Question {
  Name name;
  uint16_t type = 0;
  uint16_t qclass = 0;            // without the QU bit
  bool unicast_response = false;  // QU
};

//  NAME | TYPE (16) | CF (1) CLASS (15) | TTL (32) | RDLENGTH (16) | RDATA
//                                                          RFC 1035 §4.1.3
struct Record {
  Name name;
  uint16_t type = 0;
  uint16_t rrclass = 0;           // without the cache-flush bit
  bool cache_flush = false;
  uint32_t ttl = 0;
  Bytes rdata;                    // borrowed from the message
};

// Walks one message: the questions, then answer, authority and additional
// records as one sequence. Borrows `msg` (it must outlive the reader and
// every Record::rdata). Stops at the first error, which error() then names.
class MessageReader {
 public:
  [[nodiscard]] ParseError start(Bytes msg);
  const Header& header() const { return header_; }
  // The next question; false once they are done or on error.
  bool next_question(Question& out);
  // The next resource record (skipping any questions not read); false at the
  // end or on error.
  bool next_record(Record& out);
  ParseError error() const { return error_; }

 private:
  bool read_name(Name& out);
  bool fail(ParseError e);

  Bytes msg_;
  size_t pos_ = 0;
  Header header_;
  size_t questions_left_ = 0;
  size_t records_left_ = 0;
  ParseError error_ = ParseError::none;
};

// Writes a query for `name` (dotted, with or without trailing dot), one
// question per entry of `types`, class IN with the QU bit when
// `unicast_response`. RFC 6762 §18.1: multicast queries SHOULD use ID 0; a
// one-shot querier from a port other than 5353 may use any ID (the
// responder echoes it, §6.7). Errors: invalid_argument (empty name, a label
// longer than 63 bytes or the name longer than 255), buffer_too_small.
Result<size_t> build_query(std::string_view name, uint16_t id, std::span<const uint16_t> types,
                           bool unicast_response, MutBytes out);

// Writes a response (QR=1, AA=1) echoing `id` and the question, with one A or
// AAAA answer (cache-flush set) for `name`. Used by tests and seed corpora;
// the driver itself never answers. Errors: as build_query.
Result<size_t> build_response(std::string_view name, uint16_t id, const IpAddress& address, uint32_t ttl,
                              MutBytes out);

// The A and AAAA records for `name` in any section of a response (the first
// of each family). Messages that are queries or carry a non-zero RCODE give
// nothing (RFC 6762 §18.11: "Multicast DNS messages received with non-zero
// Response Codes MUST be silently ignored"), nor do records of other classes.
struct Addresses {
  std::optional<IpAddress> v4;
  std::optional<IpAddress> v6;
  uint32_t ttl = 0;  // of the first address found
  bool empty() const { return !v4 && !v6; }
};
ParseError find_addresses(Bytes msg, std::string_view name, Addresses& out);

}  // namespace sansrtc::net::mdns
