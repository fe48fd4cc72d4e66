// base/crypto/md5.cc — MD5 over mbedTLS (2.28: mbedtls_md5_ret, 3.x: mbedtls_md5).
#include "base/crypto/md5.h"

#include "base/crypto/mbedtls_util.h"

#include <mbedtls/md5.h>

namespace sansrtc::crypto {

void md5(Bytes data, uint8_t out[16]) {
  // The return code reports only failures of hardware (_ALT) backends, which
  // this software build does not use.
#if SANSRTC_MBEDTLS3
  (void)mbedtls_md5(data.data(), data.size(), out);
#else
  (void)mbedtls_md5_ret(data.data(), data.size(), out);
#endif
}

}  // namespace sansrtc::crypto
