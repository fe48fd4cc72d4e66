#include "pc/jsep.h"

#include "base/crc.h"

#include <algorithm>

namespace sansrtc::pc {
namespace {

using D = RtpTransceiverDirection;

// ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.4)
std::string random_ice_string(Rng& rng, size_t n) {
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s(n, 'A');
  for (auto& c : s) c = kChars[rng.uniform(64)];
  return s;
}

// RFC 8839 §5.4: ufrag at least 24 bits of randomness (4 chars), pwd at
// least 128 bits (22 chars). 64 symbols = 6 bits each.
void new_ice_credentials(Rng& rng, std::string& ufrag, std::string& pwd) {
  ufrag = random_ice_string(rng, 8);
  pwd = random_ice_string(rng, 24);
}

#if !SANSRTC_NO_MEDIA
char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Codec intersection for an answer: the offerer's order and payload types
// (RFC 8829 §5.3.1: the answer "MUST use the same payload type numbers").
std::vector<Codec> intersect(const std::vector<Codec>& offered, const std::vector<Codec>& ours) {
  std::vector<Codec> out;
  for (const auto& o : offered) {
    for (const auto& c : ours) {
      if (iequals(o.name, c.name) && o.clock_rate == c.clock_rate &&
          o.channels.value_or(1) == c.channels.value_or(1)) {
        Codec a = o;
        // Keep only feedback both sides understand.
        std::erase_if(a.rtcp_fb, [&](const std::string& fb) {
          return std::find(c.rtcp_fb.begin(), c.rtcp_fb.end(), fb) == c.rtcp_fb.end();
        });
        out.push_back(std::move(a));
        break;
      }
    }
  }
  return out;
}

// The transceiver stops with its m= section (rejected in an answer, or its
// stop() negotiated).
void mark_stopped(Transceiver& t) {
  t.stopped = true;
  t.stopping = false;
  t.current_direction = D::stopped;
}
#endif

// A pending description becomes the current one (one copy of optional's
// move for both sides).
void promote(std::optional<SessionDescriptionInit>& current, std::optional<SessionDescriptionInit>& pending) {
  current = std::move(pending);
  pending.reset();
}

// A description we created is recognised by length and CRC-32 rather than
// by keeping a second copy of its text.
uint32_t sdp_digest(std::string_view sdp) {
  return crc32(Bytes(reinterpret_cast<const uint8_t*>(sdp.data()), sdp.size()));
}

// A remote description in effect once the negotiation completed is read
// only for its transport (ICE, DTLS, SCTP) and candidates: its m= line
// formats, codecs and msid (and the o= session id) were used when it was
// applied and stay readable in the description text; they are dropped to
// save RAM.
void compact(RemoteDescriptionInfo* info) {
  if (!info) return;
  for (auto& m : info->media) {
    std::vector<std::string>().swap(m.formats);
#if !SANSRTC_NO_MEDIA
    std::vector<Codec>().swap(m.codecs);
    m.msid.reset();
#endif
  }
  std::string().swap(info->session_id);
}

}  // namespace

TransportParameters::TransportParameters() = default;
TransportParameters::~TransportParameters() = default;

Jsep::Jsep(Rng& rng, JsepConfig config)
    : rng_(rng), config_(std::move(config)), builder_(rng) {
  new_ice_credentials(rng_, ice_ufrag_, ice_pwd_);
}

void Jsep::set_local_fingerprints(std::vector<sdp::FingerprintAttr> fingerprints) {
  fingerprints_ = std::move(fingerprints);
}

void Jsep::add_local_candidate(std::string candidate) {
  // Kept as given: the builder writes a=candidate: with or without the prefix.
  candidates_.push_back(std::move(candidate));
}

void Jsep::clear_local_candidates() {
  candidates_.clear();
  gathering_complete_ = false;
}

void Jsep::set_local_gathering_complete(bool complete) { gathering_complete_ = complete; }

const RemoteDescriptionInfo* Jsep::remote_info() const {
  if (pending_remote_info_) return &*pending_remote_info_;
  if (current_remote_info_) return &*current_remote_info_;
  return nullptr;
}

#if SANSRTC_NO_MEDIA

Result<uint32_t> Jsep::add_transceiver(Instant, MediaKind, RtpTransceiverDirection, std::vector<Codec>) {
  return make_error(Errc::unsupported, "add_transceiver needs the media profile");
}

Result<void> Jsep::set_direction(Instant, uint32_t, RtpTransceiverDirection) {
  return make_error(Errc::unsupported, "set_direction needs the media profile");
}

Result<void> Jsep::stop_transceiver(Instant, uint32_t) {
  return make_error(Errc::unsupported, "stop_transceiver needs the media profile");
}

#else

Transceiver* Jsep::find(uint32_t id) {
  for (auto& t : transceivers_) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

const Transceiver* Jsep::transceiver(uint32_t id) const {
  return const_cast<Jsep*>(this)->find(id);
}

Transceiver* Jsep::find_by_mid(std::string_view mid) {
  for (auto& t : transceivers_) {
    if (t.mid && *t.mid == mid) return &t;
  }
  return nullptr;
}

Result<uint32_t> Jsep::add_transceiver(Instant, MediaKind kind, RtpTransceiverDirection direction,
                                       std::vector<Codec> codecs) {
  if (closed_) return make_error(Errc::closed, "add_transceiver: connection is closed");
  if (kind == MediaKind::application)
    return make_error(Errc::invalid_argument, "add_transceiver: kind must be audio or video");
  if (direction == D::stopped)
    return make_error(Errc::invalid_argument, "add_transceiver: direction stopped");
  if (transceivers_.size() >= config_.max_transceivers)
    return make_error(Errc::limit_exceeded, "add_transceiver: too many transceivers");
  Transceiver t;
  t.id = next_transceiver_id_++;
  t.kind = kind;
  t.direction = direction;
  t.codecs = std::move(codecs);
  transceivers_.push_back(std::move(t));
  update_negotiation_needed();
  return transceivers_.back().id;
}

Result<void> Jsep::set_direction(Instant, uint32_t id, RtpTransceiverDirection direction) {
  if (closed_) return make_error(Errc::closed, "set_direction: connection is closed");
  Transceiver* t = find(id);
  if (!t) return make_error(Errc::not_found, "set_direction: no such transceiver");
  if (t->stopping || t->stopped)
    return make_error(Errc::invalid_state, "set_direction: transceiver is stopping or stopped");
  if (direction == D::stopped)
    return make_error(Errc::invalid_argument, "set_direction: use stop_transceiver");
  if (t->direction == direction) return ok_result();
  t->direction = direction;
  update_negotiation_needed();
  return ok_result();
}

Result<void> Jsep::stop_transceiver(Instant, uint32_t id) {
  if (closed_) return make_error(Errc::closed, "stop_transceiver: connection is closed");
  Transceiver* t = find(id);
  if (!t) return make_error(Errc::not_found, "stop_transceiver: no such transceiver");
  if (t->stopping || t->stopped) return ok_result();
  t->stopping = true;
  // An unassociated transceiver never reached an m= section: stopped at once.
  if (!t->mid) t->stopped = true;
  update_negotiation_needed();
  return ok_result();
}

std::vector<Codec> Jsep::capabilities(const Transceiver& t) const {
  if (!t.codecs.empty()) return t.codecs;
  return t.kind == MediaKind::audio ? config_.audio_codecs : config_.video_codecs;
}

// What an m= section says for its transceiver: an offer its direction and
// codecs, an answer (`offered` set) the intersection with the offer.
void Jsep::fill_media_section(SectionPlan& s, const Plan& plan, const RemoteMediaInfo* offered) {
  for (const auto& [id, mid] : plan.transceiver_mids) {
    if (mid != s.mid) continue;
    const Transceiver* t = find(id);
    if (!t) continue;
    s.sender = t->sender;
    if (!offered) {
      s.direction = t->direction;
      s.codecs = capabilities(*t);
      s.rtcp_mux_only = config_.rtcp_mux_policy == RtcpMuxPolicy::require;
      continue;
    }
    s.codecs = intersect(offered->codecs, capabilities(*t));
    s.rtcp_rsize = offered->rtcp_rsize;
    for (const auto& [did, dir] : plan.directions) {
      if (did == id) s.direction = dir;
    }
  }
}

#endif  // SANSRTC_NO_MEDIA

Result<void> Jsep::add_data_channel(Instant) {
  if (closed_) return make_error(Errc::closed, "add_data_channel: connection is closed");
  data_.created_locally = true;
  if (!data_.wanted) {
    data_.wanted = true;
    update_negotiation_needed();
  }
  return ok_result();
}

void Jsep::restart_ice(Instant) {
  if (closed_) return;
  ice_restart_pending_ = true;
  update_negotiation_needed();
}

bool Jsep::mid_in_use(std::string_view mid) const {
#if !SANSRTC_NO_MEDIA
  for (const auto& t : transceivers_) {
    if (t.mid && *t.mid == mid) return true;
  }
#endif
  if (data_.mid && *data_.mid == mid) return true;
  for (const auto* layout : {&negotiated_layout_, &offer_layout_}) {
    for (const auto& s : *layout) {
      if (s.has_mid(mid)) return true;
    }
  }
  return false;
}

std::string Jsep::new_mid() {
  for (;;) {
    std::string m = sdp::decimal(next_mid_++);
    if (!mid_in_use(m)) return m;
  }
}

// create_answer's decision: whether our answer takes an offered section.
bool Jsep::answer_takes(const RemoteMediaInfo& m) const {
  if (m.rejected || !m.kind) return false;
  if (*m.kind == MediaKind::application) return data_.mid && *data_.mid == m.mid;
#if SANSRTC_NO_MEDIA
  return false;
#else
  const Transceiver* t = const_cast<Jsep*>(this)->find_by_mid(m.mid);
  return t && !t->stopped && !t->stopping && !intersect(m.codecs, capabilities(*t)).empty();
#endif
}

void Jsep::set_slot(Slot& s, MediaKind kind, std::string_view mid, bool rejected, bool data, std::string_view media,
                    std::string_view proto) {
  s.kind = kind;
  s.rejected = rejected;
  s.data = data;
  s.bundle_only = false;
  s.mid_size = uint32_t(mid.size());
  s.media_size = uint32_t(media.size());
  s.text.clear();
  s.text.reserve(mid.size() + media.size() + proto.size());
  s.text += mid;
  s.text += media;
  s.text += proto;
}

bool Jsep::Slot::has_mid(std::string_view m) const { return m == mid(); }

// Empties a layout and releases its memory (one copy of the element loop).
void Jsep::free_layout(std::vector<Slot>& layout) { std::vector<Slot>().swap(layout); }

// The one place a layout grows (one copy of vector's growth code).
Jsep::Slot& Jsep::add_slot(std::vector<Slot>& layout) { return layout.emplace_back(); }

// The shared tail of create_offer and create_answer: the BUNDLE groups, the
// sections from the plan's layout (an answer mirrors the offer's media and
// proto, an offer writes them only for sections it keeps rejected), the
// description text, its digest in the plan, and the plan kept as the last
// offer or answer. `offer` is the remote offer being answered, null for an
// offer.
SessionDescriptionInit Jsep::write(SdpType type, std::unique_ptr<Plan> plan, const RemoteDescriptionInfo* offer) {
  const std::vector<Slot>& layout = plan->layout;
  // An offer bundles every section it keeps, in m-line order; RFC 8843 §7.3:
  // the answer's BUNDLE group holds the accepted mids of the offered group,
  // in the offer's order. Empty groups are not written.
  std::string groups, mids;
  const size_t group_count = offer ? offer->bundle_groups.size() : 1;
  for (size_t g = 0; g < group_count; ++g) {
    mids.clear();
    for (const auto& l : layout) {
      if (l.rejected) continue;
      if (!offer) {
        mids += " ";
        mids += l.mid();
      }
    }
    if (offer) {
      for (const auto& mid : offer->bundle_groups[g].mids) {
        for (const auto& l : layout) {
          if (!l.rejected && l.has_mid(mid)) {
            mids += " ";
            mids += mid;
          }
        }
      }
    }
    if (!mids.empty()) append_line(groups, "a=group:BUNDLE", mids);
  }
  BuildOptions bo;
  bo.setup = plan->setup;
  bo.sctp_port = config_.sctp_port;
  bo.max_message_size = config_.max_message_size;
  const LocalTransport lt{plan->ice_ufrag, plan->ice_pwd, fingerprints_, candidates_, gathering_complete_};
  SessionDescriptionInit desc{type, builder_.begin(groups)};
  for (size_t i = 0; i < layout.size(); ++i) {
    const Slot& l = layout[i];
    SectionPlan s;
    s.kind = l.kind;
    s.mid = l.mid();
    s.rejected = l.rejected;
    s.bundle_only = l.bundle_only;
    if (offer || l.rejected) {
      s.media = l.media();
      s.proto = l.proto();
    }
    const RemoteMediaInfo* m = offer ? &offer->media[i] : nullptr;
    if (m && l.rejected) {
      // RFC 3264 §6: a rejected stream keeps the offered formats. (Without
      // media an audio or video section is always rejected: JSEP §5.3.1
      // keeps its m= line with port 0, its kind, proto and mid.)
      for (const auto& f : m->formats) {
        s.formats += " ";
        s.formats += f;
      }
      if (s.formats.empty()) s.formats += " 0";
    } else if (m && l.data && m->proto == "DTLS/SCTP") {
      s.formats += " ";
      append_decimal(s.formats, m->sctp_port.value_or(5000));
    }
#if !SANSRTC_NO_MEDIA
    if (!l.rejected && !l.data) fill_media_section(s, *plan, m);
#endif
    DescriptionBuilder::add_section(desc.sdp, bo, lt, s);
  }
  DescriptionBuilder::finish(desc.sdp);
  plan->sdp_crc = sdp_digest(desc.sdp);
  plan->sdp_size = desc.sdp.size();
  (type == SdpType::offer ? last_offer_ : last_answer_) = std::move(plan);
  return desc;
}

// A plan with the credentials in effect (shared head of create_offer and
// create_answer).
std::unique_ptr<Jsep::Plan> Jsep::new_plan() const {
  auto plan = std::make_unique<Plan>();
  plan->ice_ufrag = ice_ufrag_;
  plan->ice_pwd = ice_pwd_;
  return plan;
}

// ---- create_offer (RFC 8829 §5.2) -----------------------------------------

Result<SessionDescriptionInit> Jsep::create_offer(Instant, const OfferOptions& options) {
  if (closed_) return make_error(Errc::closed, "create_offer: connection is closed");
  // webrtc-pc: createOffer is legal in stable and have-local-offer (and, per
  // the state table, have-remote-pranswer is not an offer state).
  if (sm_.state() != SignalingState::stable && sm_.state() != SignalingState::have_local_offer)
    return make_error(Errc::invalid_state, "create_offer: only in stable or have_local_offer");

  auto plan = new_plan();
  Plan& p = *plan;
  // JSEP §5.2.2: a subsequent offer keeps the m-lines of the current
  // negotiation (or of the pending local offer when re-offering).
  const std::vector<Slot>& base = sm_.state() == SignalingState::have_local_offer && local_is_offerer_
                                      ? offer_layout_
                                      : negotiated_layout_;
  if (options.ice_restart || ice_restart_pending_) new_ice_credentials(rng_, p.ice_ufrag, p.ice_pwd);
  p.setup = sdp::Setup::actpass;  // JSEP §5.2.1: offers MUST use actpass

  for (const auto& slot : base) {
    Slot& s = add_slot(p.layout) = slot;
    s.rejected = true;
    s.data = false;
    s.bundle_only = false;
    if (slot.rejected) {
      // stays rejected
    } else if (slot.data) {
      if (data_.wanted && data_.mid && slot.has_mid(*data_.mid)) {
        s.rejected = false;
        s.data = true;
        p.data_mid = std::string(slot.mid());
      }
    }
#if !SANSRTC_NO_MEDIA
    else if (Transceiver* t = find_by_mid(slot.mid()); t && !t->stopping && !t->stopped) {
      s.rejected = false;
      p.transceiver_mids.emplace_back(t->id, slot.mid());
      p.directions.emplace_back(t->id, t->direction);
    }
#endif
  }

  // A section this offer adds: beyond the base, or in place of one the base
  // had rejected (which then is no longer rejected).
  auto added = [&](size_t i) { return i >= base.size() || (base[i].rejected && !p.layout[i].rejected); };
  // JSEP §5.2.2: "If a m= section ... has been rejected ... it MAY be
  // reused": a new section takes the first recyclable m-line.
  auto place = [&](MediaKind kind, std::string_view mid, bool data) {
    size_t i = 0;
    while (i < base.size() && !(base[i].rejected && p.layout[i].rejected)) ++i;
    set_slot(i == base.size() ? add_slot(p.layout) : p.layout[i], kind, mid, false, data);
  };
  // Mids handed out for this offer only become real when it is applied.
  const uint32_t saved_next_mid = next_mid_;
  auto fresh_mid = [&]() {
    for (;;) {
      std::string m = new_mid();
      if (std::none_of(p.layout.begin(), p.layout.end(), [&](const Slot& s) { return s.has_mid(m); })) return m;
    }
  };
#if !SANSRTC_NO_MEDIA
  for (auto& t : transceivers_) {
    if (t.stopped || t.stopping) continue;
    bool placed = std::any_of(p.transceiver_mids.begin(), p.transceiver_mids.end(),
                              [&](const auto& tm) { return tm.first == t.id; });
    if (placed) continue;
    // Associated in a pending offer but not in base: keep its mid.
    std::string mid = t.mid ? *t.mid : fresh_mid();
    p.transceiver_mids.emplace_back(t.id, mid);
    p.directions.emplace_back(t.id, t.direction);
    place(t.kind, mid, false);
  }
#endif
  if (data_.wanted && !p.data_mid) {
    p.data_mid = (data_.mid && !data_.rejected) ? *data_.mid : fresh_mid();
    place(MediaKind::application, *p.data_mid, true);
  }
  next_mid_ = saved_next_mid;

  // JSEP §5.2.1 (max-bundle): every m= section but the first is
  // bundle-only, so the offer works only if the answerer bundles.
  if (config_.bundle_policy == BundlePolicy::max_bundle) {
    bool first_live = true;
    for (size_t i = 0; i < p.layout.size(); ++i) {
      Slot& l = p.layout[i];
      if (l.rejected) continue;
      l.bundle_only = !first_live && added(i);
      first_live = false;
    }
  }
  return write(SdpType::offer, std::move(plan), nullptr);
}

// ---- create_answer (RFC 8829 §5.3) ----------------------------------------

Result<SessionDescriptionInit> Jsep::create_answer(Instant) {
  if (closed_) return make_error(Errc::closed, "create_answer: connection is closed");
  if (sm_.state() != SignalingState::have_remote_offer &&
      sm_.state() != SignalingState::have_local_pranswer)
    return make_error(Errc::invalid_state, "create_answer without a remote offer");
  const RemoteDescriptionInfo& offer = *pending_remote_info_;

  auto plan = new_plan();
  Plan& p = *plan;
  // RFC 8829 §5.3.1 / RFC 8839 §4.4.1.1.1: when the offer restarts ICE (new
  // remote ufrag), the answer carries new local credentials too.
  if (remote_ice_restart()) {
    if (!answer_restart_) {
      answer_restart_ = std::make_unique<std::pair<std::string, std::string>>();
      new_ice_credentials(rng_, answer_restart_->first, answer_restart_->second);
    }
    p.ice_ufrag = answer_restart_->first;
    p.ice_pwd = answer_restart_->second;
  }
  // RFC 8842 §5.3: the answerer picks active or passive; it MUST NOT pick
  // actpass. Offerer active → we are passive; passive → active.
  sdp::Setup remote_setup = offer.media.empty() ? sdp::Setup::actpass : offer.media[0].setup;
  for (const auto& m : offer.media) {
    if (!m.rejected) {
      remote_setup = m.setup;
      break;
    }
  }
  if (remote_setup == sdp::Setup::active) p.setup = sdp::Setup::passive;
  else if (remote_setup == sdp::Setup::passive) p.setup = sdp::Setup::active;
  else p.setup = dtls_role_.value_or(config_.answer_setup);

  p.layout.reserve(offer.media.size());
  for (const auto& m : offer.media) {
    const bool app = m.kind == MediaKind::application;
    bool accept = false;
    if (app) {
      accept = answer_takes(m);
      if (accept) p.data_mid = m.mid;
    }
#if !SANSRTC_NO_MEDIA
    else if (!m.rejected && m.kind) {
      Transceiver* t = find_by_mid(m.mid);
      if (t && !t->stopped && !t->stopping && !intersect(m.codecs, capabilities(*t)).empty()) {
        accept = true;
        p.transceiver_mids.emplace_back(t->id, m.mid);
        p.directions.emplace_back(t->id, answer_direction(t->direction, m.direction));
      }
    }
#endif
    set_slot(add_slot(p.layout), m.kind.value_or(MediaKind::application), m.mid, !accept, app && accept, m.media,
             m.proto);
  }
  return write(SdpType::answer, std::move(plan), &offer);
}

// ---- set_local_description -------------------------------------------------

bool Jsep::is_last(const Plan* plan, std::string_view sdp) {
  return plan && plan->sdp_size == sdp.size() && plan->sdp_crc == sdp_digest(sdp);
}

// A final answer (either side) completed the negotiation: the pending
// descriptions become the current ones.
void Jsep::complete_negotiation() {
  promote(current_local_, pending_local_);
  promote(current_remote_, pending_remote_);
  current_remote_info_ = std::move(pending_remote_info_);
  compact(current_remote_info_.get());
  snapshot_.reset();
}

Result<void> Jsep::set_local_description(Instant now, SessionDescriptionInit desc) {
  if (closed_) return make_error(Errc::invalid_state, SignalingStateMachine::illegal_message(
                                                          DescriptionSide::local, desc.type, SignalingState::closed));
  if (desc.type == SdpType::rollback) return rollback(now, DescriptionSide::local);
  if (desc.sdp.empty()) {
    // webrtc-pc §4.4.1.5 (setLocalDescription without a description).
    SignalingState s = sm_.state();
    bool offer = s == SignalingState::stable || s == SignalingState::have_local_offer ||
                 s == SignalingState::have_remote_pranswer;
    const SdpType type = offer                           ? desc.type
                         : desc.type == SdpType::pranswer ? SdpType::pranswer
                                                          : SdpType::answer;
    SANSRTC_TRY(sm_.next(DescriptionSide::local, type));
    auto made = offer ? create_offer(now) : create_answer(now);
    if (!made.ok()) return made.error();
    desc = std::move(made).value();
    desc.type = type;
  }
  SANSRTC_TRY(sm_.next(DescriptionSide::local, desc.type));
  const SdpType type = desc.type;
  const bool was_stable = sm_.is_stable();
  if (type == SdpType::offer) {
    if (!is_last(last_offer_.get(), desc.sdp))
      return make_error(Errc::invalid_argument,
                        "set_local_description: sdp is not the last create_offer result");
    if (was_stable) take_snapshot();
    apply_local_offer(*last_offer_);
  } else {
    if (!is_last(last_answer_.get(), desc.sdp))
      return make_error(Errc::invalid_argument,
                        "set_local_description: sdp is not the last create_answer result");
    apply_local_answer(*last_answer_, type == SdpType::answer);
  }
  pending_local_ = std::move(desc);
  if (type == SdpType::answer) {
    // Answers only to the remote offer it was made for: the next remote
    // offer needs a new create_answer (and an old one must not match).
    last_answer_.reset();
    complete_negotiation();
  }
  (void)sm_.apply(DescriptionSide::local, type);
  after_transition(sm_.is_stable());
  return ok_result();
}

void Jsep::apply_local_offer(const Plan& plan) {
#if !SANSRTC_NO_MEDIA
  for (const auto& [id, mid] : plan.transceiver_mids) {
    if (Transceiver* t = find(id)) t->mid = mid;
  }
  applied_offer_directions_ = plan.directions;
#endif
  if (plan.data_mid) data_.mid = plan.data_mid;
  for (const auto& s : plan.layout) {
    // Keep handing out fresh numbers after the ones now in use.
    if (s.mid_size == 0 || s.mid_size >= 9) continue;
    unsigned v = 0;
    bool digits = true;
    for (char c : s.mid()) {
      digits = digits && c >= '0' && c <= '9';
      v = v * 10 + unsigned(c - '0');
    }
    if (digits && v + 1 > next_mid_) next_mid_ = v + 1;
  }
  offer_layout_ = std::vector<Slot>(plan.layout);
  local_is_offerer_ = true;
  if (plan.ice_ufrag != ice_ufrag_) {
    ice_ufrag_ = plan.ice_ufrag;
    ice_pwd_ = plan.ice_pwd;
  }
  ice_restart_pending_ = false;
}

void Jsep::apply_local_answer(Plan& plan, bool final_answer) {
  dtls_role_ = plan.setup;
  if (!final_answer) return;
  if (!ice_role_) {
    bool lite = pending_remote_info_ && pending_remote_info_->ice_lite;
    ice_role_ = lite ? IceRole::controlling : IceRole::controlled;
  }
  ice_ufrag_ = plan.ice_ufrag;
  ice_pwd_ = plan.ice_pwd;
  answer_restart_.reset();
#if !SANSRTC_NO_MEDIA
  for (auto& t : transceivers_) {
    if (!t.mid) continue;
    bool found = false;
    for (const auto& [id, dir] : plan.directions) {
      if (id == t.id) {
        t.current_direction = dir;
        t.local_description_direction = dir;
        found = true;
      }
    }
    if (const RemoteMediaInfo* r = pending_remote_info_ ? pending_remote_info_->find_mid(*t.mid) : nullptr)
      t.remote_offered_direction = r->direction;
    bool in_layout = std::any_of(plan.layout.begin(), plan.layout.end(),
                                 [&](const Slot& s) { return s.has_mid(*t.mid); });
    // webrtc-pc §4.4.1.6: a rejected m= section stops its transceiver.
    if (!found && in_layout) mark_stopped(t);
  }
#endif
  data_.rejected = !plan.data_mid && data_.mid &&
                   std::any_of(plan.layout.begin(), plan.layout.end(),
                               [&](const Slot& s) { return s.has_mid(*data_.mid); });
  // The plan is dropped right after a final answer: the old negotiated
  // layout goes with it.
  negotiated_layout_.swap(plan.layout);
  free_layout(offer_layout_);  // negotiation over: free it
  local_is_offerer_ = false;
#if !SANSRTC_NO_MEDIA
  remove_stopped_transceivers();
#endif
}

#if !SANSRTC_NO_MEDIA
// webrtc-pc §4.4.1.6 (answer): "If transceiver is stopped, associated with an
// m= section and the associated m= section is rejected in
// [[CurrentLocalDescription]] or [[CurrentRemoteDescription]], remove the
// transceiver from the connection's set of transceivers."
void Jsep::remove_stopped_transceivers() {
  std::erase_if(transceivers_, [&](const Transceiver& t) {
    return t.stopped && t.mid && std::any_of(negotiated_layout_.begin(), negotiated_layout_.end(), [&](const Slot& s) {
             return s.rejected && s.has_mid(*t.mid);
           });
  });
}
#endif

// ---- set_remote_description ------------------------------------------------

// Where check_remote_against_layout refused a description (one copy of the
// failure bookkeeping for its five checks).
static Result<void> layout_failure(DescriptionFailure* f, size_t index, const char* reason) {
  if (f) {
    f->media_index = index;
    f->reason = reason;
    f->detail.clear();
  }
  return make_error(Errc::invalid_argument, reason);
}

Result<void> Jsep::check_remote_against_layout(const RemoteDescriptionInfo& info,
                                               DescriptionFailure* f) const {
  auto fail = [&](size_t index, const char* reason) { return layout_failure(f, index, reason); };
  // RFC 8829 §5.8/§5.10: a subsequent offer keeps every existing m-line in
  // place (only rejected ones may be recycled); an answer mirrors our offer.
  // One loop checks both against their layout.
  const bool offer = info.type == SdpType::offer;
  const std::vector<Slot>& layout = offer ? negotiated_layout_ : offer_layout_;
  if (offer ? info.media.size() < layout.size() : info.media.size() != layout.size())
    return fail(0, offer ? "remote offer has fewer m= sections than the current negotiation"
                         : "remote answer does not have the offer's number of m= sections");
  for (size_t i = 0; i < layout.size(); ++i) {
    const Slot& s = layout[i];
    if (s.rejected) continue;
    const RemoteMediaInfo& r = info.media[i];
    if (!s.has_mid(r.mid))
      return fail(i + 1, offer ? "remote offer changed the mid or order of an m= section"
                               : "remote answer's mid differs from the offer's");
    if (r.kind != s.kind)
      return fail(i + 1, offer ? "remote offer changed the media type of an m= section"
                               : "remote answer changed the media type of an m= section");
  }
#if !SANSRTC_NO_MEDIA
  // (Without media every RTP section is rejected: no RTCP flows, nothing to check.)
  if (config_.rtcp_mux_policy == RtcpMuxPolicy::require) {
    for (const auto& r : info.media) {
      if (!r.rejected && !r.bundle_only && r.kind && *r.kind != MediaKind::application && !r.rtcp_mux)
        return fail(r.index + 1, "m= section lacks a=rtcp-mux (rtcp_mux_policy require)");
    }
  }
#endif
  return ok_result();
}

Result<void> Jsep::set_remote_description(Instant now, const SessionDescriptionInit& desc,
                                          DescriptionFailure* failure) {
  if (closed_) return make_error(Errc::invalid_state, SignalingStateMachine::illegal_message(
                                                          DescriptionSide::remote, desc.type, SignalingState::closed));
  if (desc.type == SdpType::rollback) return rollback(now, DescriptionSide::remote);
  bool implicit = desc.type == SdpType::offer && sm_.state() == SignalingState::have_local_offer &&
                  config_.implicit_rollback;
  if (!implicit) SANSRTC_TRY(sm_.next(DescriptionSide::remote, desc.type));
  auto parsed = parse_remote_description(desc.type, desc.sdp, config_.remote_limits, failure);
  if (!parsed.ok()) return parsed.error();
  // Moved once, straight to where it is kept.
  auto kept = std::make_unique<RemoteDescriptionInfo>(std::move(parsed).value());
  const RemoteDescriptionInfo& info = *kept;
  if (implicit) {
    // webrtc-pc §4.4.1.6: "If description is of type offer and the signaling
    // state is have-local-offer, perform rollback first" (perfect negotiation).
    SANSRTC_TRY(rollback(now, DescriptionSide::local));
  }
  SANSRTC_TRY(check_remote_against_layout(info, failure));

  if (desc.type == SdpType::offer) {
    if (sm_.is_stable()) take_snapshot();
    // A new remote offer in have-remote-offer replaces the pending one: undo
    // what that one associated before applying this one.
    else if (snapshot_) restore_snapshot();
    apply_remote_offer(info);
  } else {
    apply_remote_answer(info, desc.type == SdpType::answer);
  }
  pending_remote_ = desc;
  pending_remote_info_ = std::move(kept);
  if (desc.type == SdpType::answer) complete_negotiation();
  (void)sm_.apply(DescriptionSide::remote, desc.type);
  after_transition(sm_.is_stable());
  return ok_result();
}

void Jsep::apply_remote_offer(const RemoteDescriptionInfo& info) {
  free_layout(offer_layout_);
  answer_restart_.reset();
  for (const auto& r : info.media) {
    const bool app = r.kind == MediaKind::application;
    set_slot(add_slot(offer_layout_), r.kind.value_or(MediaKind::application), r.mid, r.rejected, app, r.media, r.proto);
    if (!r.kind) continue;
#if !SANSRTC_NO_MEDIA
    // A recycled m-line may carry a mid an old, stopped owner still holds
    // (JSEP asks for a fresh mid; do not trust it): the old owner lets go.
    for (auto& t : transceivers_) {
      if (t.mid && *t.mid == r.mid && (t.stopped || t.kind != *r.kind)) t.mid.reset();
    }
#endif
    const bool data_mid = data_.mid && *data_.mid == r.mid;
    if (app) {
      if (!r.rejected) {
        data_.wanted = true;
        data_.mid = r.mid;
        data_.rejected = false;
      } else if (data_mid) {
        data_.rejected = true;
      }
      continue;
    }
    if (data_mid) data_.mid.reset();
#if !SANSRTC_NO_MEDIA
    Transceiver* t = find_by_mid(r.mid);
    if (!t && !r.rejected) {
      // webrtc-pc §4.4.1.6 / JSEP §5.10: reuse an unassociated transceiver of
      // the same kind that the application added, else create a recvonly one.
      for (auto& c : transceivers_) {
        if (!c.mid && !c.stopped && !c.stopping && c.kind == *r.kind && c.added_by_user) {
          t = &c;
          break;
        }
      }
      if (!t && transceivers_.size() < config_.max_transceivers) {
        Transceiver n;
        n.id = next_transceiver_id_++;
        n.kind = *r.kind;
        n.direction = D::recvonly;
        n.created_by_remote = true;
        n.added_by_user = false;
        transceivers_.push_back(std::move(n));
        t = &transceivers_.back();
      }
      if (t) t->mid = r.mid;
    }
    if (!t) continue;
    t->remote_offered_direction = r.direction;
    if (r.msid) t->receiver.track_id = r.msid->track_id;
    if (r.rejected && !t->stopped) mark_stopped(*t);
#endif
  }
  local_is_offerer_ = false;
}

void Jsep::apply_remote_answer(const RemoteDescriptionInfo& info, bool final_answer) {
  // RFC 8842 §5.3: the answerer's role fixes ours (a pranswer too).
  for (const auto& r : info.media) {
    if (r.rejected) continue;
    dtls_role_ = r.setup == sdp::Setup::active ? sdp::Setup::passive : sdp::Setup::active;
    break;
  }
  if (!final_answer) return;
  if (!ice_role_) ice_role_ = IceRole::controlling;
  std::vector<Slot>& layout = offer_layout_;  // becomes the negotiated layout
  for (size_t i = 0; i < info.media.size() && i < layout.size(); ++i) {
    const RemoteMediaInfo& r = info.media[i];
    Slot& slot = layout[i];
    slot.rejected = slot.rejected || r.rejected;
    if (slot.data) {
      data_.rejected = r.rejected;
      if (r.rejected) slot.data = false;
      continue;
    }
#if !SANSRTC_NO_MEDIA
    Transceiver* t = find_by_mid(slot.mid());
    if (!t) continue;
    if (r.rejected || t->stopping) {
      mark_stopped(*t);
      continue;
    }
    // [[CurrentDirection]] is the answer's direction seen from our side.
    t->current_direction = reverse_direction(r.direction);
    t->remote_offered_direction.reset();
    for (const auto& [id, dir] : applied_offer_directions_) {
      if (id == t->id) t->local_description_direction = dir;
    }
    if (r.msid) t->receiver.track_id = r.msid->track_id;
#endif
  }
  negotiated_layout_.swap(offer_layout_);
  free_layout(offer_layout_);  // negotiation over: free it (and the old negotiated layout)
  local_is_offerer_ = false;
#if !SANSRTC_NO_MEDIA
  remove_stopped_transceivers();
#endif
}

// ---- rollback (RFC 8829 §5.7, webrtc-pc §4.4.1.5 "rollback") ---------------

Result<void> Jsep::rollback(Instant, DescriptionSide side) {
  SANSRTC_TRY(sm_.next(side, SdpType::rollback));
  if (snapshot_) {
    restore_snapshot();
    snapshot_.reset();
  }
  pending_local_.reset();
  pending_remote_.reset();
  pending_remote_info_.reset();
  free_layout(offer_layout_);  // rolled back: free it
  local_is_offerer_ = false;
  (void)sm_.apply(side, SdpType::rollback);
  after_transition(true);
  return ok_result();
}

void Jsep::take_snapshot() {
  snapshot_ = std::make_unique<Snapshot>();
#if !SANSRTC_NO_MEDIA
  snapshot_->transceivers = transceivers_;
#endif
  snapshot_->data = data_;
  snapshot_->ice_ufrag = ice_ufrag_;
  snapshot_->ice_pwd = ice_pwd_;
  snapshot_->next_mid = next_mid_;
}

// Puts the model back as it was in stable: what the pending offer associated
// or created goes, what the application did meanwhile stays.
void Jsep::restore_snapshot() {
#if !SANSRTC_NO_MEDIA
  std::vector<Transceiver> restored;
  for (auto& t : transceivers_) {
    const Transceiver* s = nullptr;
    for (const auto& o : snapshot_->transceivers) {
      if (o.id == t.id) s = &o;
    }
    if (s) {
      Transceiver r = *s;
      r.direction = t.direction;  // user settings made meanwhile stay
      r.stopping = t.stopping || s->stopping;
      if (r.stopping && !r.mid) r.stopped = true;
      r.sender = t.sender;
      r.codecs = t.codecs;
      restored.push_back(std::move(r));
    } else if (!t.created_by_remote) {
      // Added by the application during the negotiation: keep it, unassociated.
      t.mid.reset();
      restored.push_back(std::move(t));
    }
    // Created by the rolled-back remote offer: removed.
  }
  transceivers_ = std::move(restored);
#endif
  bool created_locally = data_.created_locally;
  data_ = snapshot_->data;
  // A data channel created meanwhile still needs its section.
  if (created_locally) data_.wanted = data_.created_locally = true;
  ice_ufrag_ = snapshot_->ice_ufrag;
  ice_pwd_ = snapshot_->ice_pwd;
  next_mid_ = snapshot_->next_mid;
}

std::optional<TransportParameters> Jsep::transport_parameters() const {
  // One named result returned on every path: built in place (NRVO), never
  // moved or destroyed here.
  std::optional<TransportParameters> out;
  const RemoteDescriptionInfo* info = remote_info();
  if (!info) return out;
  // A section our answer rejects (media without the media profile or
  // without common codecs) carries no transport: RFC 8843 §7.3.3, the
  // answerer-tagged section is the first one our answer keeps in the group,
  // and the offerer moves to it. Once answered, the negotiated layout says
  // which; before, what create_answer will decide.
  const bool answering = info->type == SdpType::offer && info == pending_remote_info_.get();
  const bool answered = info->type == SdpType::offer && !answering;
  auto usable = [&](const RemoteMediaInfo* x) {
    if (!x || x->rejected || x->bundle_only) return false;
    if (answering) return answer_takes(*x);
    if (answered) {
      for (const auto& s : negotiated_layout_) {
        if (s.rejected && s.has_mid(x->mid)) return false;
      }
    }
    return true;
  };
  const RemoteMediaInfo* m = nullptr;
  if (!info->bundle_groups.empty()) {
    for (const auto& mid : info->bundle_groups[0].mids) {
      const RemoteMediaInfo* x = info->find_mid(mid);
      if (usable(x)) {
        m = x;
        break;
      }
    }
  }
  for (size_t i = 0; !m && i < info->media.size(); ++i) {
    if (usable(&info->media[i])) m = &info->media[i];
  }
  if (!m) return out;
  TransportParameters& p = out.emplace();
  p.mid = m->mid;
  p.m_line_index = m->index;
  p.local_ice_ufrag = ice_ufrag_;
  p.local_ice_pwd = ice_pwd_;
  p.remote_ice_ufrag = m->ice_ufrag;
  p.remote_ice_pwd = m->ice_pwd;
  p.remote_ice_lite = info->ice_lite;
  p.remote_trickle = info->can_trickle();
  if (ice_role_) p.ice_role = *ice_role_;
  else if (info->ice_lite) p.ice_role = IceRole::controlling;
  else p.ice_role = info->type == SdpType::offer ? IceRole::controlled : IceRole::controlling;
  p.remote_fingerprints = std::vector<sdp::FingerprintAttr>(m->fingerprints);
  p.local_dtls_role = dtls_role_;
  p.remote_candidates = std::vector<std::string>(m->candidates);
  p.remote_end_of_candidates = m->end_of_candidates;
  p.local_sctp_port = config_.sctp_port;
  for (const auto& x : info->media) {
    if (x.kind == MediaKind::application && !x.rejected && data_.mid && x.mid == *data_.mid) {
      p.has_data = true;
      p.remote_sctp_port = x.sctp_port.value_or(5000);
      p.remote_max_message_size = x.max_message_size.value_or(65536);
    }
  }
  return out;
}

bool Jsep::remote_ice_restart() const {
  if (!pending_remote_info_ || pending_remote_info_->type != SdpType::offer || !current_remote_info_) return false;
  for (const auto& m : pending_remote_info_->media) {
    if (m.rejected) continue;
    for (const auto& c : current_remote_info_->media) {
      if (c.mid == m.mid && !c.rejected) return c.ice_ufrag != m.ice_ufrag || c.ice_pwd != m.ice_pwd;
    }
  }
  return false;
}

Result<RemoteCandidate> Jsep::add_remote_candidate(Instant, const IceCandidateInit& init) {
  if (closed_) return make_error(Errc::closed, "add_ice_candidate: connection is closed");
  // webrtc-pc §4.4.1.x addIceCandidate, in its order.
  if (!init.candidate.empty() && !init.sdp_mid && !init.sdp_m_line_index)
    return make_error(Errc::invalid_argument, "add_ice_candidate: sdp_mid and sdp_m_line_index both null");
  RemoteDescriptionInfo* info = pending_remote_info_ ? &*pending_remote_info_
                                : current_remote_info_ ? &*current_remote_info_ : nullptr;
  if (!info) return make_error(Errc::invalid_state, "add_ice_candidate: no remote description");
  RemoteMediaInfo* m = nullptr;
  if (init.sdp_mid) {
    for (auto& x : info->media) {
      if (x.mid == *init.sdp_mid) m = &x;
    }
    if (!m) return make_error(Errc::not_found, "add_ice_candidate: no m= section with that sdp_mid");
  } else if (init.sdp_m_line_index) {
    if (*init.sdp_m_line_index >= info->media.size())
      return make_error(Errc::not_found, "add_ice_candidate: sdp_m_line_index out of range");
    m = &info->media[*init.sdp_m_line_index];
  } else if (!info->media.empty()) {
    m = &info->media[0];  // end-of-candidates for every section: the first stands for all
  } else {
    return make_error(Errc::not_found, "add_ice_candidate: remote description has no m= sections");
  }
  // "If candidate.usernameFragment is not null, and is not equal to any
  // username fragment present in the corresponding media description of an
  // applied remote description, reject with OperationError."
  if (init.username_fragment && *init.username_fragment != m->ice_ufrag)
    return make_error(Errc::not_found, "add_ice_candidate: username_fragment matches no ICE generation");
  RemoteCandidate out;
  out.m_line_index = m->index;
  out.mid = m->mid;
  out.ice_ufrag = m->ice_ufrag;
  if (init.candidate.empty()) {
    out.end_of_candidates = true;
    if (!init.sdp_mid && !init.sdp_m_line_index) {
      for (auto& x : info->media) x.end_of_candidates = true;
    } else {
      m->end_of_candidates = true;
    }
    return out;
  }
  std::string_view c = init.candidate;
  if (c.starts_with("a=")) c.remove_prefix(2);
  if (!c.starts_with("candidate:"))
    return make_error(Errc::invalid_argument, "add_ice_candidate: candidate must start with \"candidate:\"");
  if (m->candidates.size() >= config_.remote_limits.max_candidates_per_section)
    return make_error(Errc::limit_exceeded, "add_ice_candidate: too many candidates for this m= section");
  out.candidate = std::string(c);
  m->candidates.push_back(out.candidate);
  return out;
}

void Jsep::close(Instant) {
  if (closed_) return;
  closed_ = true;
  sm_.close();
#if !SANSRTC_NO_MEDIA
  for (auto& t : transceivers_) {
    t.stopped = true;
    t.current_direction = D::stopped;
  }
#endif
}

// ---- events and negotiation-needed ----------------------------------------

void Jsep::drain_signaling_events() {
  while (auto s = sm_.poll_event()) {
    if (event_count_ == kMaxEvents) {
      ++events_dropped_;
      continue;
    }
    event_states_[(event_head_ + event_count_++) % kMaxEvents] = *s;
  }
}

void Jsep::after_transition(bool to_stable) {
  drain_signaling_events();
  if (to_stable) nn_.after_description_to_stable(closed_, check_negotiation_needed());
}

void Jsep::update_negotiation_needed() {
  nn_.update(closed_, sm_.is_stable(), check_negotiation_needed());
}

std::optional<JsepEvent> Jsep::poll_event() {
  if (event_count_) {
    const SignalingState s = event_states_[event_head_];
    event_head_ = uint8_t((event_head_ + 1) % kMaxEvents);
    --event_count_;
    return JsepEvent{JsepEvent::Type::signaling_state_change, s};
  }
  if (nn_.poll_event(closed_, sm_.is_stable())) return JsepEvent{JsepEvent::Type::negotiation_needed, sm_.state()};
  return std::nullopt;
}

// webrtc-pc §4.7.3 "check if negotiation is needed".
bool Jsep::check_negotiation_needed() const {
  if (ice_restart_pending_) return true;
  if (data_.wanted && (!data_.mid || data_.rejected)) {
    // "If connection has created any RTCDataChannels, and no m= section in
    // description has been negotiated yet for data, return true."
    bool negotiated = data_.mid && std::any_of(negotiated_layout_.begin(), negotiated_layout_.end(),
                                               [&](const Slot& s) { return s.data && s.has_mid(*data_.mid); });
    if (!negotiated) return true;
  }
#if !SANSRTC_NO_MEDIA
  for (const auto& t : transceivers_) {
    if (t.stopping && !t.stopped) return true;
    bool associated = t.mid && std::any_of(negotiated_layout_.begin(), negotiated_layout_.end(),
                                           [&](const Slot& s) { return s.has_mid(*t.mid); });
    if (!t.stopped && !associated) return true;
    if (!t.stopped && associated) {
      RtpTransceiverDirection want = t.direction;
      if (t.remote_offered_direction) want = answer_direction(t.direction, *t.remote_offered_direction);
      if (t.local_description_direction && *t.local_description_direction != want) return true;
    }
    if (t.stopped && associated) {
      bool rejected = std::any_of(negotiated_layout_.begin(), negotiated_layout_.end(),
                                  [&](const Slot& s) { return s.rejected && s.has_mid(*t.mid); });
      if (!rejected) return true;
    }
  }
#endif
  return false;
}

bool Jsep::is_consistent() const {
#if !SANSRTC_NO_MEDIA
  for (size_t i = 0; i < transceivers_.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (transceivers_[i].id == transceivers_[j].id) return false;
      if (transceivers_[i].mid && transceivers_[j].mid && *transceivers_[i].mid == *transceivers_[j].mid)
        return false;
    }
    if (data_.mid && transceivers_[i].mid && *data_.mid == *transceivers_[i].mid) return false;
  }
#endif
  for (size_t i = 0; i < negotiated_layout_.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (negotiated_layout_[i].mid_size != 0 && negotiated_layout_[i].has_mid(negotiated_layout_[j].mid()))
        return false;
    }
  }
  return true;
}

}  // namespace sansrtc::pc
