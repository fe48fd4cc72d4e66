// Fuzz target: a DTLS server Connection fed an op stream (datagrams, time,
// application data, close). See dtls_fuzz_common.h for the format.
#include "dtls_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)sansrtc::dtls::fuzz::run_ops(sansrtc::dtls::Role::server, data, size);
  return 0;
}
