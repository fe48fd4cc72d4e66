#include "pc/transceiver.h"

namespace sansrtc::pc {

const char* to_string(MediaKind k) {
  switch (k) {
    case MediaKind::audio: return "audio";
    case MediaKind::video: return "video";
    case MediaKind::application: return "application";
  }
  return "?";
}

RtpTransceiverDirection reverse_direction(RtpTransceiverDirection d) {
  switch (d) {
    case RtpTransceiverDirection::sendonly: return RtpTransceiverDirection::recvonly;
    case RtpTransceiverDirection::recvonly: return RtpTransceiverDirection::sendonly;
    default: return d;
  }
}

RtpTransceiverDirection answer_direction(RtpTransceiverDirection ours,
                                         RtpTransceiverDirection offered) {
  using D = RtpTransceiverDirection;
  if (ours == D::stopped || offered == D::stopped) return D::inactive;
  // We may send only if we want to and the offerer receives; receive only if
  // we want to and the offerer sends (RFC 8829 §5.3.1, RFC 3264 §6.1).
  bool we_send = (ours == D::sendrecv || ours == D::sendonly) &&
                 (offered == D::sendrecv || offered == D::recvonly);
  bool we_recv = (ours == D::sendrecv || ours == D::recvonly) &&
                 (offered == D::sendrecv || offered == D::sendonly);
  if (we_send && we_recv) return D::sendrecv;
  if (we_send) return D::sendonly;
  if (we_recv) return D::recvonly;
  return D::inactive;
}

}  // namespace sansrtc::pc
