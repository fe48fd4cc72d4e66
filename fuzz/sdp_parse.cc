// SDP parser: parse -> serialize -> reparse must give the same description,
// and every typed attribute that parses must format and reparse to itself.
#include "sdp/attributes.h"
#include "sdp/session_description.h"

#include <cstdlib>
#include <string_view>

using namespace sansrtc::sdp;

namespace {
template <class P, class F>
void roundtrip(std::string_view v, P parse_fn, F format_fn) {
  auto a = parse_fn(v);
  if (!a.ok()) return;
  auto b = parse_fn(format_fn(*a));
  if (!b.ok() || !(*a == *b)) std::abort();
}

void check_attributes(const AttributeList& list) {
  for (const auto& a : list.items) {
    std::string_view v = a.value ? std::string_view(*a.value) : std::string_view();
    if (a.name == "rtpmap") roundtrip(v, parse_rtpmap, format_rtpmap);
    else if (a.name == "fmtp") roundtrip(v, parse_fmtp, format_fmtp);
    else if (a.name == "rtcp-fb") roundtrip(v, parse_rtcp_fb, format_rtcp_fb);
    else if (a.name == "extmap") roundtrip(v, parse_extmap, format_extmap);
    else if (a.name == "msid") roundtrip(v, parse_msid, format_msid);
    else if (a.name == "ssrc") roundtrip(v, parse_ssrc, format_ssrc);
    else if (a.name == "ssrc-group") roundtrip(v, parse_ssrc_group, format_ssrc_group);
    else if (a.name == "rid") roundtrip(v, parse_rid, format_rid);
    else if (a.name == "simulcast") roundtrip(v, parse_simulcast, format_simulcast);
    else if (a.name == "group") roundtrip(v, parse_group, format_group);
    else if (a.name == "fingerprint") roundtrip(v, parse_fingerprint, format_fingerprint);
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Limits limits;
  limits.max_size = 64 * 1024;
  auto sd = parse(text, limits);
  if (!sd.ok()) return 0;
  auto again = parse(serialize(*sd), limits);
  if (!again.ok() || !(*again == *sd)) std::abort();
  check_attributes(sd->attributes);
  for (const auto& m : sd->media) check_attributes(m.attributes);
  (void)validate_attributes(*sd);
  return 0;
}
