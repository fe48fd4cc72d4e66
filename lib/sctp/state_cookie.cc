#include "sctp/state_cookie.h"

#include "base/crypto/hash.h"

#include <cstddef>
#include <cstring>
#include <type_traits>

namespace sansrtc::sctp {

namespace {
constexpr uint32_t kMagic = 0x53524331;  // "SRC1"

// The body: the magic, then these fields big-endian in this order. One
// table serves both directions (instead of a writer and a reader per field).
struct Field {
  uint8_t offset, size;
};
constexpr Field kFields[] = {
    {offsetof(StateCookie, created_ns), 8},        {offsetof(StateCookie, local_tag), 4},
    {offsetof(StateCookie, peer_tag), 4},          {offsetof(StateCookie, local_initial_tsn), 4},
    {offsetof(StateCookie, peer_initial_tsn), 4},  {offsetof(StateCookie, peer_a_rwnd), 4},
    {offsetof(StateCookie, outbound_streams), 2},  {offsetof(StateCookie, inbound_streams), 2},
    {offsetof(StateCookie, local_tie_tag), 4},     {offsetof(StateCookie, peer_tie_tag), 4},
    {offsetof(StateCookie, capabilities), 1},
};
static_assert(std::is_standard_layout_v<StateCookie>);
constexpr size_t body_size() {
  size_t n = 4;
  for (const Field& f : kFields) n += f.size;
  return n;
}
static_assert(body_size() == StateCookie::kBodySize);

// A field of `n` bytes (1, 2, 4 or 8) as an unsigned number, and back.
uint64_t get(const uint8_t* p, size_t n) {
  switch (n) {
    case 1: return *p;
    case 2: { uint16_t v; std::memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; std::memcpy(&v, p, 4); return v; }
    default: { uint64_t v; std::memcpy(&v, p, 8); return v; }
  }
}
void put(uint8_t* p, size_t n, uint64_t v) {
  switch (n) {
    case 1: *p = uint8_t(v); break;
    case 2: { uint16_t x = uint16_t(v); std::memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = uint32_t(v); std::memcpy(p, &x, 4); break; }
    default: std::memcpy(p, &v, 8); break;
  }
}
}  // namespace

void StateCookie::write(ByteWriter& w, const Secret<32>& key) const {
  MutBytes body = w.reserve(kBodySize);
  MutBytes mac = w.reserve(32);
  if (!w.ok()) return;
  uint8_t* out = body.data();
  store_be32(out, kMagic);
  out += 4;
  for (const Field& f : kFields) {
    const uint64_t v = get(reinterpret_cast<const uint8_t*>(this) + f.offset, f.size);
    for (size_t i = f.size; i-- > 0;) *out++ = uint8_t(v >> (8 * i));
  }
  crypto::hmac(crypto::HashAlg::sha256, key.expose(), body, mac.data());
}

Result<StateCookie> StateCookie::parse(Bytes cookie, const Secret<32>& key) {
  if (cookie.size() != kSize) return make_error(Errc::malformed, "sctp: state cookie has the wrong size");
  uint8_t mac[32];
  crypto::hmac(crypto::HashAlg::sha256, key.expose(), cookie.first(kBodySize), mac);
  if (!constant_time_equal(Bytes(mac, 32), cookie.subspan(kBodySize)))
    return make_error(Errc::auth_failed, "sctp: state cookie MAC mismatch");
  if (load_be32(cookie.data()) != kMagic) return make_error(Errc::malformed, "sctp: state cookie version");
  StateCookie c;
  const uint8_t* in = cookie.data() + 4;
  for (const Field& f : kFields) {
    uint64_t v = 0;
    for (size_t i = 0; i < f.size; ++i) v = (v << 8) | *in++;
    put(reinterpret_cast<uint8_t*>(&c) + f.offset, f.size, v);
  }
  return c;
}

}  // namespace sansrtc::sctp
