#include "dtls/fragment_reassembler.h"

#include <cstring>

namespace sansrtc::dtls {

FragmentReassembler::FragmentReassembler(size_t max_message_size, size_t max_pending)
    : max_message_size_(max_message_size), max_pending_(max_pending ? max_pending : 1) {}

void FragmentReassembler::reset(uint16_t next_seq) {
  for (Slot& s : slots_) {
    s.used = false;
    s.complete = false;
  }
  next_seq_ = next_seq;
}

void FragmentReassembler::release() { slots_ = std::vector<Slot>(); }

size_t FragmentReassembler::buffered_bytes() const {
  size_t n = 0;
  for (const Slot& s : slots_) n += s.data.capacity() + s.have.capacity();
  return n;
}

FragmentReassembler::Slot* FragmentReassembler::find(uint16_t seq) {
  for (Slot& s : slots_)
    if (s.used && s.seq == seq) return &s;
  return nullptr;
}

FragmentReassembler::AddResult FragmentReassembler::add(const HandshakeFragment& f) {
  // message_seq is 16 bits and a handshake uses a handful: no wrap handling.
  if (f.message_seq < next_seq_) return AddResult::old;
  if (size_t(f.message_seq - next_seq_) >= max_pending_) return AddResult::too_far;
  if (f.length > max_message_size_) return AddResult::too_big;
  Slot* s = find(f.message_seq);
  if (!s) {
    for (Slot& c : slots_)
      if (!c.used) {
        s = &c;
        break;
      }
    if (!s && slots_.size() < max_pending_) s = &slots_.emplace_back();
    if (!s) return AddResult::too_far;  // cannot happen: window == max_pending_
    s->used = true;
    s->complete = false;
    s->type = f.msg_type;
    s->seq = f.message_seq;
    s->length = f.length;
    s->received = 0;
    s->data.assign(kHandshakeHeaderSize + f.length, 0);
    s->have.assign((f.length + 7) / 8, 0);
    write_handshake_header(s->data.data(), static_cast<HandshakeType>(f.msg_type), f.length, f.message_seq, 0,
                           f.length);
  } else if (s->type != f.msg_type || s->length != f.length) {
    return AddResult::inconsistent;
  }
  if (s->complete) return AddResult::duplicate;
  // The parser guarantees offset + fragment_length <= length.
  uint8_t* body = s->data.data() + kHandshakeHeaderSize;
  for (uint32_t i = 0; i < f.fragment_length; ++i) {
    uint32_t at = f.fragment_offset + i;
    uint8_t bit = uint8_t(1u << (at & 7));
    if (!(s->have[at >> 3] & bit)) {
      s->have[at >> 3] |= bit;
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
  m.full = Bytes(s->data.data(), s->data.size());
  m.body = m.full.subspan(kHandshakeHeaderSize);
  return m;
}

}  // namespace sansrtc::dtls
