#include "net/mdns_codec.h"

#include <cstring>

namespace sansrtc::net::mdns {

const char* parse_error_name(ParseError e) {
  switch (e) {
    case ParseError::none: return "none";
    case ParseError::truncated: return "truncated";
    case ParseError::bad_label: return "bad_label";
    case ParseError::name_too_long: return "name_too_long";
    case ParseError::bad_pointer: return "bad_pointer";
    case ParseError::too_many_pointers: return "too_many_pointers";
    case ParseError::too_many_records: return "too_many_records";
    case ParseError::bad_rdata: return "bad_rdata";
    case ParseError::count_: break;
  }
  return "unknown";
}

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

std::string_view strip_trailing_dot(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return name;
}

// Writes `name` as a sequence of labels ending with the root label.
Result<void> write_name(ByteWriter& w, std::string_view name) {
  name = strip_trailing_dot(name);
  if (name.empty()) return make_error(Errc::invalid_argument, "mdns: empty name");
  if (name.size() > kMaxNameSize) return make_error(Errc::invalid_argument, "mdns: name longer than 255 bytes");
  while (!name.empty()) {
    const size_t dot = name.find('.');
    const std::string_view label = name.substr(0, dot);
    if (label.empty() || label.size() > kMaxLabelSize)
      return make_error(Errc::invalid_argument, "mdns: empty label or label longer than 63 bytes");
    w.u8(uint8_t(label.size()));
    w.bytes(label);
    if (dot == std::string_view::npos) break;
    name = name.substr(dot + 1);
    if (name.empty()) return make_error(Errc::invalid_argument, "mdns: empty label or label longer than 63 bytes");
  }
  w.u8(0);
  return {};
}

}  // namespace

bool names_equal(std::string_view a, std::string_view b) {
  a = strip_trailing_dot(a);
  b = strip_trailing_dot(b);
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

bool MessageReader::fail(ParseError e) {
  if (error_ == ParseError::none) error_ = e;
  questions_left_ = records_left_ = 0;
  return false;
}

ParseError MessageReader::start(Bytes msg) {
  msg_ = msg;
  pos_ = kHeaderSize;
  error_ = ParseError::none;
  header_ = {};
  questions_left_ = records_left_ = 0;
  ByteReader r(msg);
  header_.id = r.u16();
  header_.flags = r.u16();
  header_.qdcount = r.u16();
  header_.ancount = r.u16();
  header_.nscount = r.u16();
  header_.arcount = r.u16();
  if (!r.ok()) {
    fail(ParseError::truncated);
    return error_;
  }
  const size_t records = size_t(header_.ancount) + header_.nscount + header_.arcount;
  if (size_t(header_.qdcount) + records > kMaxRecords) {
    fail(ParseError::too_many_records);
    return error_;
  }
  questions_left_ = header_.qdcount;
  records_left_ = records;
  return error_;
}

//  A name is a sequence of labels, each a length octet (00xxxxxx) and that
//  many bytes, ending with the zero-length root label, or ending with a
//  pointer (11xxxxxx xxxxxxxx: offset from the start of the message) to
//  the rest of the name elsewhere.                          RFC 1035 §4.1.4
bool MessageReader::read_name(Name& out) {
  out.size = 0;
  size_t p = pos_;
  size_t end_of_name = 0;  // where the reader continues: after the first pointer or the root label
  size_t jumps = 0;
  size_t lowest = pos_;    // a pointer must point before every label read so far
  for (;;) {
    if (p >= msg_.size()) return fail(ParseError::truncated);
    const uint8_t len = msg_[p];
    if ((len & 0xC0) == 0xC0) {
      if (p + 1 >= msg_.size()) return fail(ParseError::truncated);
      const size_t target = size_t(len & 0x3F) << 8 | msg_[p + 1];
      if (end_of_name == 0) end_of_name = p + 2;
      if (++jumps > kMaxPointerJumps) return fail(ParseError::too_many_pointers);
      if (target >= lowest) return fail(ParseError::bad_pointer);
      lowest = target;
      p = target;
      continue;
    }
    if ((len & 0xC0) != 0) return fail(ParseError::bad_label);
    if (len == 0) {
      if (end_of_name == 0) end_of_name = p + 1;
      break;
    }
    if (p + 1 + len > msg_.size()) return fail(ParseError::truncated);
    const size_t needed = out.size + (out.size ? 1 : 0) + len;
    if (needed > kMaxNameSize) return fail(ParseError::name_too_long);
    if (out.size) out.text[out.size++] = '.';
    std::memcpy(out.text.data() + out.size, msg_.data() + p + 1, len);
    out.size += len;
    p += 1 + len;
  }
  out.text[out.size] = '\0';
  pos_ = end_of_name;
  return true;
}

bool MessageReader::next_question(Question& out) {
  if (questions_left_ == 0) return false;
  if (!read_name(out.name)) return false;
  ByteReader r(msg_.subspan(pos_));
  out.type = r.u16();
  const uint16_t qclass = r.u16();
  if (!r.ok()) return fail(ParseError::truncated);
  out.qclass = qclass & ~kUnicastResponseBit;
  out.unicast_response = (qclass & kUnicastResponseBit) != 0;
  pos_ += 4;
  --questions_left_;
  return true;
}

bool MessageReader::next_record(Record& out) {
  Question skipped;
  while (questions_left_ > 0)
    if (!next_question(skipped)) return false;
  if (records_left_ == 0) return false;
  if (!read_name(out.name)) return false;
  ByteReader r(msg_.subspan(pos_));
  out.type = r.u16();
  const uint16_t rrclass = r.u16();
  out.ttl = r.u32();
  const uint16_t rdlength = r.u16();
  out.rdata = r.bytes(rdlength);
  if (!r.ok()) return fail(ParseError::truncated);
  out.rrclass = rrclass & ~kCacheFlushBit;
  out.cache_flush = (rrclass & kCacheFlushBit) != 0;
  pos_ += r.position();
  --records_left_;
  return true;
}

Result<size_t> build_query(std::string_view name, uint16_t id, std::span<const uint16_t> types,
                           bool unicast_response, MutBytes out) {
  if (types.empty() || types.size() > kMaxRecords) return make_error(Errc::invalid_argument, "mdns: no query types");
  ByteWriter w(out);
  w.u16(id);
  w.u16(0);  // QR=0, opcode 0; RFC 6762 §18: RD, AA, TC zero in queries
  w.u16(uint16_t(types.size()));
  w.u16(0);
  w.u16(0);
  w.u16(0);
  for (size_t i = 0; i < types.size(); ++i) {
    // Every question repeats the name in full: a compression pointer would
    // save a few bytes and cost a second code path that must be right.
    SANSRTC_TRY(write_name(w, name));
    w.u16(types[i]);
    w.u16(uint16_t(kClassIn | (unicast_response ? kUnicastResponseBit : 0)));
  }
  if (!w.ok()) return make_error(Errc::buffer_too_small, "mdns: query does not fit the buffer");
  return w.position();
}

Result<size_t> build_response(std::string_view name, uint16_t id, const IpAddress& address, uint32_t ttl,
                              MutBytes out) {
  const uint16_t type = address.is_v4() ? kTypeA : kTypeAAAA;
  ByteWriter w(out);
  w.u16(id);
  w.u16(0x8400);  // QR=1, AA=1
  w.u16(1);
  w.u16(1);
  w.u16(0);
  w.u16(0);
  // RFC 6762 §6.7: a response to a one-shot (legacy) query repeats the question.
  const size_t question_at = w.position();
  SANSRTC_TRY(write_name(w, name));
  w.u16(type);
  w.u16(kClassIn);
  // The answer's name is a pointer to the question's (RFC 1035 §4.1.4).
  w.u16(uint16_t(0xC000 | question_at));
  w.u16(type);
  w.u16(uint16_t(kClassIn | kCacheFlushBit));
  w.u32(ttl);
  w.u16(uint16_t(address.bytes().size()));
  w.bytes(address.bytes());
  if (!w.ok()) return make_error(Errc::buffer_too_small, "mdns: response does not fit the buffer");
  return w.position();
}

ParseError find_addresses(Bytes msg, std::string_view name, Addresses& out) {
  out = {};
  MessageReader reader;
  if (ParseError e = reader.start(msg); e != ParseError::none) return e;
  if (!reader.header().is_response() || reader.header().opcode() != 0 || reader.header().rcode() != 0)
    return ParseError::none;
  Record rec;
  while (reader.next_record(rec)) {
    if (rec.rrclass != kClassIn || !names_equal(rec.name.view(), name)) continue;
    if (rec.type == kTypeA) {
      if (rec.rdata.size() != 4) return ParseError::bad_rdata;
      if (!out.v4) {
        out.v4 = IpAddress::v4(load_be32(rec.rdata.data()));
        if (!out.v6) out.ttl = rec.ttl;
      }
    } else if (rec.type == kTypeAAAA) {
      if (rec.rdata.size() != 16) return ParseError::bad_rdata;
      if (!out.v6) {
        std::array<uint8_t, 16> b;
        std::memcpy(b.data(), rec.rdata.data(), 16);
        out.v6 = IpAddress::v6(b);
        if (!out.v4) out.ttl = rec.ttl;
      }
    }
  }
  return reader.error();
}

}  // namespace sansrtc::net::mdns
