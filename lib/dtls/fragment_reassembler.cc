#include "dtls/fragment_reassembler.h"

#include <cstring>

namespace sansrtc::dtls {

FragmentReassembler::FragmentReassembler(size_t max_message_size, size_t max_pending)
    : max_message_size_(max_message_size), max_pending_(max_pending ? max_pending : 1) {}

void FragmentReassembler::reset(uint16_t next_seq) {
  for (size_t i = 0; i < slot_count(); ++i) slots_[i].used = slots_[i].complete = false;
  next_seq_ = next_seq;
}

void FragmentReassembler::release() { slots_.reset(); }

size_t FragmentReassembler::buffered_bytes() const {
  size_t n = 0;
  for (size_t i = 0; i < slot_count(); ++i) n += slots_[i].cap;
  return n;
}

FragmentReassembler::Slot* FragmentReassembler::find(uint16_t seq) {
  for (size_t i = 0; i < slot_count(); ++i)
    if (slots_[i].used && slots_[i].seq == seq) return &slots_[i];
  return nullptr;
}

FragmentReassembler::AddResult FragmentReassembler::add(const HandshakeFragment& f) {
  // message_seq is 16 bits and a handshake uses a handful: no wrap handling.
  if (f.message_seq < next_seq_) return AddResult::old;
  if (size_t(f.message_seq - next_seq_) >= max_pending_) return AddResult::too_far;
  if (f.length > max_message_size_) return AddResult::too_big;
  Slot* s = find(f.message_seq);
  if (!s) {
    if (!slots_) slots_.reset(new Slot[max_pending_]);
    for (size_t i = 0; i < max_pending_ && !s; ++i)
      if (!slots_[i].used) s = &slots_[i];
    if (!s) return AddResult::too_far;  // cannot happen: window == max_pending_
    const size_t need = kHandshakeHeaderSize + f.length + (f.length + 7) / 8;
    if (s->cap < need) {
      s->buf.reset(new uint8_t[need]);
      s->cap = need;
    }
    s->used = true;
    s->complete = false;
    s->type = f.msg_type;
    s->seq = f.message_seq;
    s->length = f.length;
    s->received = 0;
    std::memset(s->buf.get() + kHandshakeHeaderSize + f.length, 0, (f.length + 7) / 8);
    write_handshake_header(s->buf.get(), static_cast<HandshakeType>(f.msg_type), f.length, f.message_seq, 0,
                           f.length);
  } else if (s->type != f.msg_type || s->length != f.length) {
    return AddResult::inconsistent;
  }
  if (s->complete) return AddResult::duplicate;
  // The parser guarantees offset + fragment_length <= length.
  uint8_t* body = s->buf.get() + kHandshakeHeaderSize;
  uint8_t* have = body + s->length;
  for (uint32_t i = 0; i < f.fragment_length; ++i) {
    uint32_t at = f.fragment_offset + i;
    uint8_t bit = uint8_t(1u << (at & 7));
    if (!(have[at >> 3] & bit)) {
      have[at >> 3] |= bit;
      body[at] = f.body[i];
      ++s->received;
    }
  }
  if (s->received == s->length) s->complete = true;
  return AddResult::accepted;
}

std::optional<FragmentReassembler::Message> FragmentReassembler::pop() {
  Slot* s = find(next_seq_);
  if (!s || !s->complete) return std::nullopt;
  s->used = false;  // its bytes stay until the slot is reused
  ++next_seq_;
  Message m;
  m.type = static_cast<HandshakeType>(s->type);
  m.message_seq = s->seq;
  m.full = Bytes(s->buf.get(), kHandshakeHeaderSize + s->length);
  m.body = m.full.subspan(kHandshakeHeaderSize);
  return m;
}

}  // namespace sansrtc::dtls
