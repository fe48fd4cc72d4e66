// datachannel/utf8.h — strict UTF-8 validation for DCEP labels and protocols.
//
// RFC 8832 §5.1 says the Label and Protocol fields hold UTF-8 strings; the
// W3C API hands them to applications as USVStrings. We accept exactly the
// well-formed UTF-8 of RFC 3629 §4 (the Unicode Standard's Table 3-7): no
// overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no
// truncated sequences. NUL bytes are valid UTF-8 and accepted.
#pragma once

#include <string_view>

namespace sansrtc::datachannel {

// Why a string is not valid UTF-8 (nullptr when it is). The message is static.
const char* utf8_error(std::string_view s);

// The same check without the message (what DCEP needs: no texts linked).
bool is_valid_utf8(std::string_view s);

}  // namespace sansrtc::datachannel
