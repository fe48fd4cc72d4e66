#include <sansrtc/result.h>

namespace sansrtc {

const char* errc_name(Errc code) {
  switch (code) {
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::invalid_state: return "invalid_state";
    case Errc::malformed: return "malformed";
    case Errc::unsupported: return "unsupported";
    case Errc::limit_exceeded: return "limit_exceeded";
    case Errc::not_found: return "not_found";
    case Errc::timeout: return "timeout";
    case Errc::auth_failed: return "auth_failed";
    case Errc::crypto_failure: return "crypto_failure";
    case Errc::buffer_too_small: return "buffer_too_small";
    case Errc::closed: return "closed";
    case Errc::io_error: return "io_error";
    case Errc::internal: return "internal";
  }
  return "unknown";
}

}  // namespace sansrtc
