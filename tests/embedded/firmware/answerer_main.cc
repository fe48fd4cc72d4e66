// tests/embedded/firmware/answerer_main.cc — the data-channel answerer image:
// main() and the echo answerer (answerer.h), nothing else of the self-test,
// linked --gc-sections against the `datachannel` profile's library. Its link
// map gives the README's "whole data-channel image" figures: sansrtc's own
// code, mbedTLS, libstdc++ and the C runtime, each on its own line.
//
// Run under QEMU it answers a browser-format offer (Chromium 156's shape for
// a data-channel-only offer), checks the answer, then drives the connection
// on the virtual clock with no peer on the wire: it must send ICE
// connectivity checks to the offer's candidate and give up (connection state
// failed) in bounded virtual time, with the heap returned at the end. A
// third connection answers an offer with audio, video and a data channel:
// the profile has no media (SANSRTC_NO_MEDIA), so the answer must reject the
// audio and video sections (port 0, kind, proto and mid kept, JSEP §5.3.1;
// out of the BUNDLE group) and accept the application section, whose
// transport the connection then uses (RFC 8843 §7.3.3). (The
// self-test image runs the same answerer against a real offerer and checks
// every echoed byte: answerer_test.cc.)
//
// Output goes through semihosting with the runtime's own number printer: no
// printf family, so no stdio in the image.
#include "answerer.h"
#include "runtime.h"

#include <sansrtc/time.h>

#include <cstring>
#include <string_view>

using namespace sansrtc;

namespace {

constexpr std::string_view kOffer =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS\r\n"
    "m=application 50000 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "c=IN IP4 192.168.7.1\r\n"
    "a=candidate:1467250027 1 udp 2122260223 192.168.7.1 50000 typ host generation 0 network-id 1\r\n"
    "a=ice-ufrag:Hn4t\r\n"
    "a=ice-pwd:4ZEmJ1ERMf6qMU1gtN2wvDz0\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "5B:2C:9E:81:35:A1:4F:0D:62:7E:C3:98:11:DE:24:B7:40:69:F2:AA:1C:85:D3:3E:97:06:BB:58:E4:2F:71:C9\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=sctp-port:5000\r\n"
    "a=max-message-size:262144\r\n";

// Chromium's shape for audio + video + data channel (bundle policy
// balanced: one candidate and port per section until BUNDLE is negotiated).
#define SANSRTC_FW_TRANSPORT(port)                                                                  \
  "c=IN IP4 192.168.7.1\r\n"                                                                        \
  "a=candidate:1467250027 1 udp 2122260223 192.168.7.1 " port " typ host generation 0 network-id 1\r\n" \
  "a=ice-ufrag:Hn4t\r\n"                                                                            \
  "a=ice-pwd:4ZEmJ1ERMf6qMU1gtN2wvDz0\r\n"                                                          \
  "a=ice-options:trickle\r\n"                                                                       \
  "a=fingerprint:sha-256 "                                                                         \
  "5B:2C:9E:81:35:A1:4F:0D:62:7E:C3:98:11:DE:24:B7:40:69:F2:AA:1C:85:D3:3E:97:06:BB:58:E4:2F:71:C9\r\n" \
  "a=setup:actpass\r\n"
constexpr std::string_view kMediaOffer =
    "v=0\r\n"
    "o=- 4611731400430051337 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1 2\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS s\r\n"
    "m=audio 50002 UDP/TLS/RTP/SAVPF 111 0\r\n" SANSRTC_FW_TRANSPORT("50002")
    "a=mid:0\r\n"
    "a=sendrecv\r\n"
    "a=msid:s a\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "m=video 50004 UDP/TLS/RTP/SAVPF 96\r\n" SANSRTC_FW_TRANSPORT("50004")
    "a=mid:1\r\n"
    "a=sendrecv\r\n"
    "a=msid:s v\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "m=application 50000 UDP/DTLS/SCTP webrtc-datachannel\r\n" SANSRTC_FW_TRANSPORT("50000")
    "a=mid:2\r\n"
    "a=sctp-port:5000\r\n"
    "a=max-message-size:262144\r\n";
#undef SANSRTC_FW_TRANSPORT

const SocketAddress kLocal(IpAddress::v4(192, 168, 7, 2), 5000);
const SocketAddress kRemote(IpAddress::v4(192, 168, 7, 1), 50000);

int failures = 0;

void put_number(size_t n) {
  char digits[24];
  int d = sizeof digits - 1;
  digits[d] = 0;
  do {
    digits[--d] = char('0' + n % 10);
    n /= 10;
  } while (n && d > 0);
  fw_puts(digits + d);
}

void check(bool ok, const char* what) {
  if (ok) return;
  ++failures;
  fw_puts("FAIL: ");
  fw_puts(what);
  fw_puts("\n");
}

bool has_line(std::string_view sdp, std::string_view line) {
  for (size_t at = sdp.find(line); at != std::string_view::npos; at = sdp.find(line, at + 1)) {
    const bool starts = at == 0 || sdp[at - 1] == '\n';
    const size_t end = at + line.size();
    if (starts && (end == sdp.size() || sdp[end] == '\r' || sdp[end] == '\n' || sdp[end] == ' ')) return true;
  }
  return false;
}

uint8_t g_out[1280];

// One whole connection: answer the offer, check the answer, run it with no
// peer until it fails. Prints its figures when `report` is set. `media`:
// the offer is kMediaOffer (else kOffer).
bool run_connection(bool report, bool media = false) {
  // A device seeds its generator from a hardware TRNG; the image uses a fixed
  // seed so the run is reproducible.
  SeededRng rng(2026);
  Instant now = kTestEpoch;
  const size_t heap0 = fw_heap_live();
  embedded::EchoAnswerer a;
  const auto started = a.start(now, rng, kLocal, media ? kMediaOffer : kOffer);
  check(started.ok(), media ? "answering an audio + video + data-channel offer" : "answering a Chromium-format data-channel offer");
  if (!started.ok()) {
    fw_puts("error: ");
    fw_puts(started.error().message);
    fw_puts("\n");
    return false;
  }
  const std::string_view answer = a.answer();
  check(answer.find(" UDP/DTLS/SCTP webrtc-datachannel") != std::string_view::npos,
        "answer has the data-channel m-section");
  check(has_line(answer, "a=setup:active"), "answer takes the DTLS client role (a=setup:active)");
  check(answer.find("a=fingerprint:sha-256 ") != std::string_view::npos, "answer carries its fingerprint");
  check(has_line(answer, "a=sctp-port:5000"), "answer has a=sctp-port:5000");
  check(has_line(answer, "a=mid:0"), "answer keeps the offer's mid");
  check(answer.find("192.168.7.2 5000 typ host") != std::string_view::npos, "answer carries the host candidate");
  if (media) {
    // JSEP §5.3.1: each offered m= section gets one in the answer, in order;
    // the ones we cannot take are rejected with port 0 and keep their kind,
    // proto and mid (RFC 3264 §6: and the offered formats).
    const size_t audio = answer.find("\r\nm=audio 0 UDP/TLS/RTP/SAVPF 111 0\r\n");
    const size_t video = answer.find("\r\nm=video 0 UDP/TLS/RTP/SAVPF 96\r\n");
    const size_t app = answer.find("\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n");
    check(audio != std::string_view::npos, "answer rejects the audio section (m=audio 0)");
    check(video != std::string_view::npos, "answer rejects the video section (m=video 0)");
    check(app != std::string_view::npos, "answer accepts the application section (port 9)");
    check(audio < video && video < app, "answer keeps the offer's m-line order");
    check(has_line(answer, "a=mid:1") && has_line(answer, "a=mid:2"), "answer keeps every mid");
    check(has_line(answer, "a=group:BUNDLE 2"), "the BUNDLE group holds only the accepted section");
    check(answer.find("a=rtpmap:") == std::string_view::npos && answer.find("a=sendrecv") == std::string_view::npos &&
              answer.find("a=rtcp-mux") == std::string_view::npos,
          "rejected sections carry no media attributes");
    // Transport attributes appear once: in the accepted section only.
    check(answer.find("a=ice-ufrag:") > app && answer.find("a=setup:active") > app,
          "rejected sections carry no transport attributes");
  } else {
    // A trickled second candidate and end-of-candidates, as a browser sends them.
    check(a.add_ice_candidate(now, "candidate:2 1 udp 2122194687 192.168.8.1 50001 typ host generation 0").ok(),
          "a trickled candidate is accepted");
    check(a.add_ice_candidate(now, "").ok(), "end-of-candidates is accepted");
  }
  // Junk from the offer's address: a Binding request whose MESSAGE-INTEGRITY
  // cannot be right, a DTLS-looking record before any handshake, noise. Each
  // is dropped (and counted); the connection carries on.
  {
    static const uint8_t binding[] = {0x00, 0x01, 0x00, 0x18, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
                                      11, 12, 0x00, 0x08, 0x00, 0x14, 0xDE, 0xAD, 0xBE, 0xEF, 0xDE, 0xAD, 0xBE, 0xEF,
                                      0xDE, 0xAD, 0xBE, 0xEF, 0xDE, 0xAD, 0xBE, 0xEF, 0xDE, 0xAD, 0xBE, 0xEF};
    static const uint8_t record[] = {22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4};
    static const uint8_t noise[] = {0x99, 0x42, 0x17};
    for (Bytes junk : {Bytes(binding, sizeof binding), Bytes(record, sizeof record), Bytes(noise, sizeof noise)})
      a.handle_datagram(now, Datagram{kRemote, kLocal, junk});
  }

  size_t checks_to_candidate = 0, datagrams = 0, checks_to_rejected = 0;
  const Instant limit = now + std::chrono::seconds(120);
  while (now < limit && a.state() != PeerConnectionState::failed) {
    a.service(now);
    while (auto t = a.poll_transmit(MutBytes(g_out, sizeof g_out))) {
      ++datagrams;
      // A STUN Binding request (type 0x0001, RFC 8489 §5) to the offer's candidate.
      if (t->destination == kRemote && t->size >= 20 && g_out[0] == 0x00 && g_out[1] == 0x01)
        ++checks_to_candidate;
      // The rejected sections' candidates (ports 50002, 50004) are not this
      // connection's transport.
      if (t->destination.port() != kRemote.port()) ++checks_to_rejected;
    }
    const auto next = a.poll_timeout();
    if (!next) break;
    if (*next > now) now = *next;
    a.handle_timeout(now);
  }
  a.service(now);
  a.close(now);
  check(checks_to_candidate >= 2, "ICE connectivity checks sent to the offer's candidate");
  if (media) check(checks_to_rejected == 0, "no checks to the rejected sections' candidates");
  check(a.state() == PeerConnectionState::failed, "with no peer the connection fails in bounded virtual time");
  if (report) {
    fw_puts("answer: ");
    put_number(answer.size());
    fw_puts(" bytes of SDP\nno peer: ");
    put_number(checks_to_candidate);
    fw_puts(" connectivity checks, ");
    put_number(datagrams);
    fw_puts(" datagrams, failed after ");
    put_number(size_t(std::chrono::duration_cast<std::chrono::milliseconds>(now - kTestEpoch).count()));
    fw_puts(" ms virtual\nheap: peak ");
    put_number(fw_heap_peak_all());
    fw_puts(" B, held by the connection ");
    put_number(fw_heap_live() - heap0);
    fw_puts(" B before closing\n");
  }
  return true;
}

}  // namespace

int main() {
  fw_puts("sansrtc data-channel answerer image: Cortex-M33, QEMU mps2-an505\n");
  // The first connection also sets up what lives as long as the process (the
  // shared P-256 group); a second one must give back every byte it takes.
  if (!run_connection(true)) return 1;
  const size_t after_first = fw_heap_live();
  if (!run_connection(false)) return 1;
  fw_puts("heap held after two connections came and went: ");
  put_number(fw_heap_live());
  fw_puts(" B (process-wide curve parameters)\n");
  check(fw_heap_live() == after_first, "a second connection returns all its heap");
  if (!run_connection(false, /*media=*/true)) return 1;
  check(fw_heap_live() == after_first, "the audio + video + data offer's connection returns all its heap");
  fw_puts("audio + video + data offer: media rejected, data section accepted\n");
  fw_puts("stack: high-water ");
  put_number(fw_stack_high_water());
  fw_puts(" B\n");
  fw_puts(failures ? "FAIL: answerer image\n" : "PASS: answerer image\n");
  return failures ? 1 : 0;
}
