// pc/transceiver.h — the transceiver model (webrtc-pc §5.4) and the data
// section, as JSEP (RFC 8829 §3.4.1, §5) sees them.
//
// Media (RTP senders/receivers, tracks, encodings) arrives in a later issue;
// the model is laid out now so negotiation is complete: a transceiver has a
// kind, a mid once associated with an m= section, the direction the user
// wants and the direction last negotiated, a stopped flag, the codecs it
// can use, and placeholders for its sender and receiver.
#pragma once

#include <sansrtc/peer_connection_types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sansrtc::pc {

enum class MediaKind : uint8_t { audio, video, application };
const char* to_string(MediaKind k);

// One RTP payload format (RFC 8866 §6.6 rtpmap + fmtp, RFC 4585 rtcp-fb).
struct Codec {
  uint8_t payload_type = 0;
  std::string name;           // "opus", "VP8" (compared case-insensitively)
  uint32_t clock_rate = 0;
  std::optional<uint16_t> channels;
  std::string fmtp;           // raw parameters, may be empty
  std::vector<std::string> rtcp_fb;  // "nack", "nack pli", "transport-cc"
  bool operator==(const Codec&) const = default;
};

// Placeholders for RTCRtpSender / RTCRtpReceiver (media issue).
struct SenderPlaceholder {
  std::string track_id;    // empty: no track attached
  std::string stream_id;   // msid stream, "-" for none
  uint32_t ssrc = 0;       // 0: not chosen yet
};
struct ReceiverPlaceholder {
  std::string track_id;    // remote msid track id once known
};

struct Transceiver {
  uint32_t id = 0;                    // stable handle for the caller
  MediaKind kind = MediaKind::audio;  // audio or video
  std::optional<std::string> mid;     // null until associated (W3C [[Mid]])
  RtpTransceiverDirection direction = RtpTransceiverDirection::sendrecv;  // [[Direction]]
  std::optional<RtpTransceiverDirection> current_direction;              // [[CurrentDirection]]
  bool stopping = false;              // stop() called, not yet negotiated
  bool stopped = false;               // [[Stopped]]
  bool created_by_remote = false;     // made by set_remote_description(offer)
  bool added_by_user = true;          // add_transceiver()/add_track (W3C "addTrack" association)
  std::vector<Codec> codecs;
  // JSEP bookkeeping for "check if negotiation is needed" (webrtc-pc §4.7.3):
  // the direction our current local description wrote for this m= section,
  // and the direction the remote offered when we were the answerer.
  std::optional<RtpTransceiverDirection> local_description_direction;
  std::optional<RtpTransceiverDirection> remote_offered_direction;
  SenderPlaceholder sender;
  ReceiverPlaceholder receiver;
};

// The m=application section (RFC 8841) carrying every data channel.
struct DataSection {
  bool wanted = false;                // a data channel exists or the remote offered one
  bool created_locally = false;       // the application created a data channel
  std::optional<std::string> mid;
  bool rejected = false;              // last negotiation set port 0
};

// webrtc-pc §5.4: the direction our answer uses for an offered direction
// (RFC 3264 §6.1: sendonly ↔ recvonly, intersected with what we want).
RtpTransceiverDirection answer_direction(RtpTransceiverDirection ours,
                                         RtpTransceiverDirection offered);
// The direction as seen from the other side (sendonly ↔ recvonly).
RtpTransceiverDirection reverse_direction(RtpTransceiverDirection d);

}  // namespace sansrtc::pc
