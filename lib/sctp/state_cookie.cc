#include "sctp/state_cookie.h"

#include "base/crypto/hash.h"

namespace sansrtc::sctp {

namespace {
constexpr uint32_t kMagic = 0x53524331;  // "SRC1"

void write_body(ByteWriter& w, const StateCookie& c) {
  w.u32(kMagic);
  w.u64(uint64_t(c.created_ns));
  w.u32(c.local_tag);
  w.u32(c.peer_tag);
  w.u32(c.local_initial_tsn);
  w.u32(c.peer_initial_tsn);
  w.u32(c.peer_a_rwnd);
  w.u16(c.outbound_streams);
  w.u16(c.inbound_streams);
  w.u32(c.local_tie_tag);
  w.u32(c.peer_tie_tag);
  w.u8(c.capabilities);
}
}  // namespace

void StateCookie::write(ByteWriter& w, const Secret<32>& key) const {
  MutBytes body = w.reserve(kBodySize);
  MutBytes mac = w.reserve(32);
  if (!w.ok()) return;
  ByteWriter bw(body);
  write_body(bw, *this);
  crypto::hmac(crypto::HashAlg::sha256, key.expose(), body, mac.data());
}

Result<StateCookie> StateCookie::parse(Bytes cookie, const Secret<32>& key) {
  if (cookie.size() != kSize) return make_error(Errc::malformed, "sctp: state cookie has the wrong size");
  uint8_t mac[32];
  crypto::hmac(crypto::HashAlg::sha256, key.expose(), cookie.first(kBodySize), mac);
  if (!constant_time_equal(Bytes(mac, 32), cookie.subspan(kBodySize)))
    return make_error(Errc::auth_failed, "sctp: state cookie MAC mismatch");
  ByteReader r(cookie.first(kBodySize));
  if (r.u32() != kMagic) return make_error(Errc::malformed, "sctp: state cookie version");
  StateCookie c;
  c.created_ns = int64_t(r.u64());
  c.local_tag = r.u32();
  c.peer_tag = r.u32();
  c.local_initial_tsn = r.u32();
  c.peer_initial_tsn = r.u32();
  c.peer_a_rwnd = r.u32();
  c.outbound_streams = r.u16();
  c.inbound_streams = r.u16();
  c.local_tie_tag = r.u32();
  c.peer_tie_tag = r.u32();
  c.capabilities = r.u8();
  if (!r.ok()) return make_error(Errc::malformed, "sctp: state cookie truncated");
  return c;
}

}  // namespace sansrtc::sctp
