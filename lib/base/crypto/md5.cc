// base/crypto/md5.cc — MD5 on the shared SHA-1/MD5 code (md32.cc).
#include "base/crypto/md5.h"

#include "base/crypto/md32.h"

namespace sansrtc::crypto {

void md5(Bytes data, uint8_t out[16]) {
  detail::Md32Ctx c;
  detail::md32_start_md5(c);
  detail::md32_update(c, data.data(), data.size());
  detail::md32_finish(c, out);
}

}  // namespace sansrtc::crypto
