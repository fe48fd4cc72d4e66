// pc/jsep.h — JSEP offer/answer without transports.
//
// RFC 8829 (JSEP) §4.1 and §5, webrtc-pc §4.4.1 (set the session
// description), §4.7.3 (negotiation-needed), §5.4 (transceivers). Owns the
// signaling state, the transceiver list and the data section, the local and
// remote descriptions (current and pending), the m-line layout and the local
// ICE credentials; writes offers and answers through DescriptionBuilder and
// reads remote ones through parse_remote_description.
//
// What it does:
//   - create_offer / create_answer, set_local_description (also the implicit
//     form: an empty sdp creates the right description) and
//     set_remote_description for offer, pranswer, answer and rollback;
//   - webrtc-pc implicit rollback: a remote offer in have-local-offer rolls
//     the local offer back first (Config::implicit_rollback, on by default);
//   - mids: assigned when an offer is applied, kept across renegotiation; the
//     m-line order of the last negotiation never changes; sections of stopped
//     transceivers are rejected (port 0) and recycled by new ones (JSEP
//     §5.2.2); once an answer rejects them, stopped transceivers leave the
//     list (webrtc-pc §4.4.1.6); a subsequent remote offer that drops or
//     reorders m-lines, and an answer that does not mirror our offer, are
//     refused;
//   - answers: direction intersection, codec intersection (offerer's payload
//     types), unknown or unusable sections rejected, BUNDLE mirrored, setup
//     active by default (RFC 8842 §5.3; passive if the offerer said active);
//   - without media (SANSRTC_NO_MEDIA: the core and data-channel profiles)
//     the transceiver model and codec handling are compiled out: audio and
//     video sections are answered as rejected, the transceiver calls return
//     Errc::unsupported; glare, rollback, pranswer and the data section work
//     as in the full profile;
//   - ICE restart (OfferOptions::ice_restart, restart_ice()): new
//     ufrag/pwd in the next offer; a remote restart gets new ones in our answer;
//   - add_remote_candidate: webrtc-pc addIceCandidate's checks (mid/index,
//     ufrag, end-of-candidates) without the ICE agent;
//   - events: signalingstatechange and negotiationneeded, in order.
//
// What it leaves to pc::PeerConnection (integration): generating the DTLS
// certificate (set_local_fingerprints), gathering (add_local_candidate,
// set_local_gathering_complete), feeding transport_parameters() into
// ICE/DTLS/SCTP, the icecandidate/track events and media. Local candidates
// are not cleared on ICE restart; the integration clears them
// (clear_local_candidates) when ICE restarts. create_offer is refused outside
// stable/have-local-offer (W3C does not check; an offer made there could not
// be applied anyway). Sections are all written with the same ICE/DTLS
// attributes and candidates (one transport, as Chromium does); RFC 8843's
// "transport attributes only in the tagged section" is not applied.
#pragma once

#include "pc/description_builder.h"
#include "pc/negotiation_needed.h"
#include "pc/remote_description.h"
#include "pc/signaling_state_machine.h"
#include "pc/transceiver.h"

#include <sansrtc/peer_connection_types.h>
#include <sansrtc/result.h>
#include <sansrtc/rng.h>
#include <sansrtc/time.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sansrtc::pc {

struct JsepConfig {
  BundlePolicy bundle_policy = BundlePolicy::balanced;
  RtcpMuxPolicy rtcp_mux_policy = RtcpMuxPolicy::require;
  uint16_t sctp_port = 5000;
  uint64_t max_message_size = 262144;
#if !SANSRTC_NO_MEDIA
  // Local media capabilities, used for transceivers created by a remote offer
  // and for those added without codecs. Empty: audio/video sections are
  // answered as rejected.
  std::vector<Codec> audio_codecs;
  std::vector<Codec> video_codecs;
  size_t max_transceivers = 64;
#endif
  // The role an answer takes when the offer says actpass (RFC 8842 §5.3 lets
  // the answerer choose; browsers and we pick active, i.e. DTLS client).
  sdp::Setup answer_setup = sdp::Setup::active;
  bool implicit_rollback = true;
  RemoteDescriptionLimits remote_limits;
};

// What the transports below need from the negotiation, read from the
// description in effect (pending or current) for the BUNDLE transport: the
// first non-rejected m= section of the first BUNDLE group (or of the
// description when nothing is bundled). When we answer, a section our answer
// rejects does not count (RFC 8843 §7.3.3: the offerer moves to the first
// section the answer keeps), before the answer is made too.
struct TransportParameters {
  std::string mid;                   // the transport's m= section
  size_t m_line_index = 0;
  std::string local_ice_ufrag, local_ice_pwd;
  std::string remote_ice_ufrag, remote_ice_pwd;
  bool remote_ice_lite = false;
  bool remote_trickle = false;       // webrtc-pc canTrickleIceCandidates
  // RFC 8445 §6.1.1: the offerer of the first negotiation controls, unless
  // the remote is ice-lite (a full agent always controls a lite one). Kept
  // across renegotiation and ICE restarts.
  IceRole ice_role = IceRole::unknown;
  std::vector<sdp::FingerprintAttr> remote_fingerprints;
  // RFC 8842: active = we are the DTLS client. nullopt until an answer or
  // pranswer fixed it.
  std::optional<sdp::Setup> local_dtls_role;
  std::vector<std::string> remote_candidates;  // "candidate:…"
  bool remote_end_of_candidates = false;
  // The m=application section, when negotiated or offered.
  bool has_data = false;
  uint16_t local_sctp_port = 5000;
  uint16_t remote_sctp_port = 5000;
  // RFC 8841 §6.1: absent means 64 KiB; 0 means "no limit" (kept as 0).
  uint64_t remote_max_message_size = 65536;

  // Out of line (jsep.cc): the callers' many optionals share one copy of
  // the member-wise code instead of inlining it at every use.
  TransportParameters();
  ~TransportParameters();
  TransportParameters(const TransportParameters&) = default;
  TransportParameters(TransportParameters&&) noexcept = default;
  TransportParameters& operator=(const TransportParameters&) = default;
  TransportParameters& operator=(TransportParameters&&) noexcept = default;
};

// A remote candidate placed in its m= section by add_remote_candidate().
struct RemoteCandidate {
  size_t m_line_index = 0;
  std::string mid;
  std::string ice_ufrag;        // the ICE generation it belongs to
  std::string candidate;        // "candidate:…" (empty for end-of-candidates)
  bool end_of_candidates = false;
};

struct JsepEvent {
  enum class Type : uint8_t { signaling_state_change, negotiation_needed };
  Type type = Type::signaling_state_change;
  SignalingState state = SignalingState::stable;  // for signaling_state_change
};

class Jsep {
 public:
  explicit Jsep(Rng& rng, JsepConfig config = {});

  // ---- local transport (from DTLS and ICE) ----
  void set_local_fingerprints(std::vector<sdp::FingerprintAttr> fingerprints);
  // `candidate` is "candidate:…" (the "candidate:" prefix is optional).
  void add_local_candidate(std::string candidate);
  void clear_local_candidates();
  void set_local_gathering_complete(bool complete);
  // Credentials of the local description in effect (or of the first one to be made).
  const std::string& local_ice_ufrag() const { return ice_ufrag_; }
  const std::string& local_ice_pwd() const { return ice_pwd_; }

  // ---- the model ----
  // Without media (SANSRTC_NO_MEDIA) the three transceiver calls fail with
  // Errc::unsupported and there are no transceivers: a remote offer's audio
  // and video sections are answered as rejected (port 0).
  //
  // webrtc-pc addTransceiver. Errors: invalid_argument (kind application,
  // direction stopped), limit_exceeded, closed. Returns the transceiver id.
  Result<uint32_t> add_transceiver(Instant now, MediaKind kind,
                                   RtpTransceiverDirection direction = RtpTransceiverDirection::sendrecv,
                                   std::vector<Codec> codecs = {});
  // webrtc-pc RTCRtpTransceiver.direction setter. Errors: not_found,
  // invalid_state (stopping/stopped), invalid_argument (stopped), closed.
  Result<void> set_direction(Instant now, uint32_t id, RtpTransceiverDirection direction);
  // webrtc-pc RTCRtpTransceiver.stop(). Errors: not_found, closed.
  Result<void> stop_transceiver(Instant now, uint32_t id);
  // Called when the application creates a data channel: the first one makes
  // an m=application section needed. Errors: closed.
  Result<void> add_data_channel(Instant now);
  // webrtc-pc restartIce(): the next offer carries new credentials.
  void restart_ice(Instant now);

#if !SANSRTC_NO_MEDIA
  const std::vector<Transceiver>& transceivers() const { return transceivers_; }
  const Transceiver* transceiver(uint32_t id) const;
#endif
  const DataSection& data_section() const { return data_; }

  // ---- offer/answer ----
  // Errors: closed; invalid_state when create_answer is called without a
  // remote offer ("create_answer in <state>").
  Result<SessionDescriptionInit> create_offer(Instant now, const OfferOptions& options = {});
  Result<SessionDescriptionInit> create_answer(Instant now);
  // `desc.sdp` empty: the implicit form (webrtc-pc §4.4.1.5: offer in
  // stable/have-local-offer/have-remote-pranswer, else answer). A non-empty
  // sdp must be the last create_offer/create_answer result (no munging):
  // invalid_argument otherwise. Illegal transitions: invalid_state.
  Result<void> set_local_description(Instant now, SessionDescriptionInit desc);
  // Errors: invalid_state (illegal transition), malformed (SDP syntax),
  // invalid_argument (WebRTC rules, m-line changes; `failure` says where).
  Result<void> set_remote_description(Instant now, const SessionDescriptionInit& desc,
                                      DescriptionFailure* failure = nullptr);
  // webrtc-pc addIceCandidate, minus the ICE agent: finds the m= section
  // (sdp_mid first, then sdp_m_line_index), checks username_fragment, and
  // records the candidate in remote_info(). An empty `candidate` is
  // end-of-candidates (for one section, or all when neither mid nor index is
  // given). The candidate grammar itself is the ICE layer's to check.
  // Errors: invalid_argument (no mid and no index; not "candidate:…"),
  // invalid_state (no remote description), not_found (unknown mid, index out
  // of range, ufrag of no generation), limit_exceeded, closed.
  Result<RemoteCandidate> add_remote_candidate(Instant now, const IceCandidateInit& init);
  // nullopt while there is no remote description or every section is rejected.
  std::optional<TransportParameters> transport_parameters() const;
  // True while the pending remote offer changes the ICE credentials of a
  // section we already negotiated (a remote ICE restart).
  bool remote_ice_restart() const;
  void close(Instant now);

  // ---- state ----
  SignalingState signaling_state() const { return sm_.state(); }
  bool is_closed() const { return closed_; }
  const std::optional<SessionDescriptionInit>& current_local_description() const { return current_local_; }
  const std::optional<SessionDescriptionInit>& pending_local_description() const { return pending_local_; }
  const std::optional<SessionDescriptionInit>& current_remote_description() const { return current_remote_; }
  const std::optional<SessionDescriptionInit>& pending_remote_description() const { return pending_remote_; }
  const std::optional<SessionDescriptionInit>& local_description() const {
    return pending_local_ ? pending_local_ : current_local_;
  }
  const std::optional<SessionDescriptionInit>& remote_description() const {
    return pending_remote_ ? pending_remote_ : current_remote_;
  }
  // The parsed remote_description() (null when there is none).
  const RemoteDescriptionInfo* remote_info() const;
  // Our DTLS role once an answer fixed it: active = DTLS client.
  std::optional<sdp::Setup> local_dtls_role() const { return dtls_role_; }
  bool negotiation_needed() const { return nn_.flag(); }

  // signalingstatechange events in order, then negotiationneeded. Drain
  // after every call: at most 16 are kept, the rest are counted in
  // events_dropped().
  std::optional<JsepEvent> poll_event();
  size_t events_dropped() const { return events_dropped_; }

  // Internal consistency (tests and fuzzing): mids unique, layout matches.
  bool is_consistent() const;

 private:
  // One m-line of a layout. The mid and the media and proto as written
  // (used where a section is written as given: kept rejected, or mirrored
  // in an answer) share one string: one allocation, one copy.
  struct Slot {
    MediaKind kind = MediaKind::application;
    bool rejected = false;
    bool data = false;         // the m=application section carrying data channels
    bool bundle_only = false;  // an offer writes it bundle-only (max-bundle)
    uint32_t mid_size = 0, media_size = 0;
    std::string text;          // mid, media, proto
    std::string_view mid() const { return {text.data(), mid_size}; }
    bool has_mid(std::string_view m) const;
    std::string_view media() const { return {text.data() + mid_size, media_size}; }
    std::string_view proto() const {
      return {text.data() + mid_size + media_size, text.size() - mid_size - media_size};
    }
  };
  static void set_slot(Slot& s, MediaKind kind, std::string_view mid, bool rejected, bool data,
                       std::string_view media = {}, std::string_view proto = {});
  static Slot& add_slot(std::vector<Slot>& layout);
  static void free_layout(std::vector<Slot>& layout);
  struct Plan {
    // The text itself lives in the description once applied; a plan keeps
    // only a digest to recognise it (webrtc-pc [[LastCreatedOffer]] check).
    uint32_t sdp_crc = 0;
    size_t sdp_size = 0;
    std::vector<Slot> layout;
#if !SANSRTC_NO_MEDIA
    std::vector<std::pair<uint32_t, std::string>> transceiver_mids;  // id → mid
    std::vector<std::pair<uint32_t, RtpTransceiverDirection>> directions;  // id → written direction
#endif
    std::optional<std::string> data_mid;
    std::string ice_ufrag, ice_pwd;
    sdp::Setup setup = sdp::Setup::actpass;
  };
  struct Snapshot {
#if !SANSRTC_NO_MEDIA
    std::vector<Transceiver> transceivers;
#endif
    DataSection data;
    std::string ice_ufrag, ice_pwd;
    uint32_t next_mid = 0;
  };

  SessionDescriptionInit write(SdpType type, std::unique_ptr<Plan> plan, const RemoteDescriptionInfo* offer);
  std::unique_ptr<Plan> new_plan() const;
  static bool is_last(const Plan* plan, std::string_view sdp);
  void complete_negotiation();
  Result<void> rollback(Instant now, DescriptionSide side);
  void take_snapshot();
  void restore_snapshot();
  void apply_local_offer(const Plan& plan);
  void apply_local_answer(Plan& plan, bool final_answer);
  Result<void> check_remote_against_layout(const RemoteDescriptionInfo& info, DescriptionFailure* f) const;
  void apply_remote_offer(const RemoteDescriptionInfo& info);
  void apply_remote_answer(const RemoteDescriptionInfo& info, bool final_answer);
  void after_transition(bool to_stable);
  void drain_signaling_events();
  bool check_negotiation_needed() const;
  void update_negotiation_needed();
  bool answer_takes(const RemoteMediaInfo& m) const;
  bool mid_in_use(std::string_view mid) const;
  std::string new_mid();
#if !SANSRTC_NO_MEDIA
  void remove_stopped_transceivers();
  Transceiver* find(uint32_t id);
  Transceiver* find_by_mid(std::string_view mid);
  std::vector<Codec> capabilities(const Transceiver& t) const;
  void fill_media_section(SectionPlan& s, const Plan& plan, const RemoteMediaInfo* offered);
#endif

  Rng& rng_;
  JsepConfig config_;
  DescriptionBuilder builder_;
  SignalingStateMachine sm_;
  NegotiationNeeded nn_;
  // signalingstatechange events not yet polled (a fixed ring: no heap).
  static constexpr uint8_t kMaxEvents = 16;
  SignalingState event_states_[kMaxEvents] = {};
  uint8_t event_head_ = 0, event_count_ = 0;
  bool closed_ = false;
  size_t events_dropped_ = 0;

#if !SANSRTC_NO_MEDIA
  std::vector<Transceiver> transceivers_;
  uint32_t next_transceiver_id_ = 1;
  // Directions written in our last applied local offer (transceiver id → direction).
  std::vector<std::pair<uint32_t, RtpTransceiverDirection>> applied_offer_directions_;
#endif
  DataSection data_;
  uint32_t next_mid_ = 0;

  std::string ice_ufrag_, ice_pwd_;
  bool ice_restart_pending_ = false;
  std::vector<sdp::FingerprintAttr> fingerprints_;
  std::vector<std::string> candidates_;
  bool gathering_complete_ = false;

  std::optional<SessionDescriptionInit> current_local_, pending_local_, current_remote_, pending_remote_;
  // Held by pointer: a connection usually has one of each of these or none,
  // and the inline optionals cost their full size either way.
  std::unique_ptr<RemoteDescriptionInfo> current_remote_info_, pending_remote_info_;
  std::vector<Slot> negotiated_layout_;   // m-lines of the last completed negotiation
  std::vector<Slot> offer_layout_;        // m-lines of the pending offer (either side)
  bool local_is_offerer_ = false;         // who made the pending/last offer
  std::unique_ptr<Plan> last_offer_, last_answer_;
  std::unique_ptr<Snapshot> snapshot_;    // taken when leaving stable
  std::optional<sdp::Setup> dtls_role_;
  std::optional<IceRole> ice_role_;       // fixed by the first completed negotiation
  // New credentials (ufrag, pwd) for the answer to a remote ICE restart.
  std::unique_ptr<std::pair<std::string, std::string>> answer_restart_;
};

}  // namespace sansrtc::pc
