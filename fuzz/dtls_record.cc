// Fuzz target: the DTLS record parser and AEAD record opening. Every parsed
// header must re-serialize to the same 13 bytes; opening with a fixed key
// must fail or return a view inside the record; a record sealed from the
// fragment must open back to it.
#include "dtls/record_layer.h"

#include <cstdlib>
#include <cstring>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::dtls;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static RecordProtection prot[3];
  static bool init = false;
  static const uint16_t suites[3] = {0xC02B, 0xC02C, 0xCCA9};
  if (!init) {
    uint8_t key[32] = {1}, iv[12] = {2};
    for (int i = 0; i < 3; ++i) {
      const SuiteParams* p = suite_params(suites[i]);
      if (!prot[i].init(suites[i], Bytes(key, p->key_len), Bytes(iv, p->fixed_iv_len)).ok() && i < 2) std::abort();
    }
    init = true;
  }
  static std::vector<uint8_t> buf(20000);
  RecordParser parser(Bytes(data, size));
  int n = 0;
  while (auto rec = parser.next()) {
    uint8_t hdr[13];
    write_record_header(hdr, static_cast<ContentType>(rec->type), rec->epoch, rec->sequence_number,
                        uint16_t(rec->fragment.size()));
    hdr[1] = uint8_t(rec->version >> 8);
    hdr[2] = uint8_t(rec->version);
    if (std::memcmp(hdr, rec->header.data(), 13) != 0) std::abort();
    RecordProtection& p = prot[n++ % 3];
    if (!p.active()) continue;
    std::memcpy(buf.data(), rec->fragment.data(), rec->fragment.size());
    auto opened = p.open(*rec, MutBytes(buf.data(), rec->fragment.size()));
    if (opened.ok() && (opened->data() < buf.data() || opened->size() > rec->fragment.size())) std::abort();
    // Seal the fragment as plaintext and open it again.
    if (rec->fragment.size() <= kMaxPlaintext) {
      size_t at = kRecordHeaderSize + p.explicit_nonce_size();
      std::memcpy(buf.data() + at, rec->fragment.data(), rec->fragment.size());
      auto sealed = p.seal(MutBytes(buf.data(), buf.size()), static_cast<ContentType>(rec->type), 1,
                           rec->sequence_number, rec->fragment.size());
      if (!sealed.ok()) std::abort();
      RecordParser again(Bytes(buf.data(), *sealed));
      auto r2 = again.next();
      if (!r2) std::abort();
      std::vector<uint8_t> frag(r2->fragment.begin(), r2->fragment.end());
      auto back = p.open(*r2, frag);
      if (!back.ok() || !bytes_equal(*back, rec->fragment)) std::abort();
    }
  }
  return 0;
}
