// sansrtc_offerer — the sansrtc side of chromium_interop.py's
// "sansrtc-offers" direction: a PeerConnection (on lib/net's
// PeerConnectionHost) that offers to Chromium's answerer.html and checks
// everything the interop issue lists from the offerer's side.
//
// Signalling is this process's stdin/stdout, relayed by the harness:
//   stdout  "offer-begin", the offer SDP lines (every candidate), "offer-end"
//   stdin   the answer SDP lines, then "answer-end"
// Progress lines start with "log ", failures with "failure: "; at the end
// one line "stats: {...}" (get_stats() while connected, on one line) and
// "result: PASS" or "result: FAIL". Exit status 0 only on PASS.
//
// What it checks (Chromium echoes every message on its channel and closes a
// channel on the text "__close__"):
//   1. channels of each kind, created before the offer: reliable ordered,
//      reliable unordered, maxRetransmits=0 unordered, maxPacketLifeTime=500
//      ordered; on each, text and binary messages of 0, 1, 1000, 16384,
//      65536 and 262144 bytes plus a multi-byte UTF-8 text, one at a time,
//      each echo compared byte for byte. Partially reliable channels may
//      lose a message above 1000 bytes (counted); everything else must come
//      back.
//   2. 16 channels created at once on the live association, all messages
//      (0 .. 65536 bytes) in flight together, every echo checked.
//   3. close from this side (close_data_channel: channel_close must follow
//      once Chromium resets its stream too) and from Chromium's side
//      ("__close__": Chromium's close() must reach us as channel_close);
//      the reliable channel still echoes afterwards.
//   4. connection_state() connected, ice_connection_state() connected or
//      completed, signaling_state() stable; the stats line for the harness.
// Not here: trickle (the offer waits for gathering), media.
#include "base/crypto/ctr_drbg_rng.h"
#include "net/event_loop.h"
#include "net/peer_connection_host.h"

#include <sansrtc/log.h>
#include <sansrtc/peer_connection.h>

#include <asio.hpp>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

using namespace sansrtc;

namespace {

constexpr size_t kSizes[] = {0, 1, 1000, 16384, 65536, 262144};
constexpr size_t kMultiSizes[] = {0, 1, 1000, 16384, 65536};
constexpr int kMulti = 16;
constexpr auto kReliableWait = std::chrono::seconds(10);
constexpr auto kPartialWait = std::chrono::seconds(2);
constexpr auto kCloseWait = std::chrono::seconds(10);
constexpr auto kOverall = std::chrono::seconds(90);

struct Message {
  std::vector<uint8_t> data;
  bool binary = false;
};

// xorshift32 bytes; text messages are printable ASCII of the same length.
Message make_message(uint32_t seed, size_t n, bool binary) {
  Message m;
  m.binary = binary;
  m.data.resize(n);
  uint32_t x = seed * 2654435761u;
  if (x == 0) x = 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    m.data[i] = binary ? uint8_t(x) : uint8_t(0x20 + (x & 0xff) % 95);
  }
  return m;
}

// 990 bytes of 1- to 4-byte UTF-8 sequences (a size no other message has).
Message utf8_message() {
  Message m;
  const std::string unit = "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x9a\x80 ";
  for (int i = 0; i < 30; ++i) m.data.insert(m.data.end(), unit.begin(), unit.end());
  return m;
}

std::vector<Message> make_messages(uint32_t seed, const size_t* sizes, size_t count) {
  std::vector<Message> out;
  for (size_t i = 0; i < count; ++i) {
    out.push_back(make_message(seed + uint32_t(2 * sizes[i]), sizes[i], false));
    out.push_back(make_message(seed + uint32_t(2 * sizes[i] + 1), sizes[i], true));
  }
  out.push_back(utf8_message());
  return out;
}

double ms_since(Instant a, Instant b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

class Offerer {
 public:
  enum class Phase { offer, kinds, multi, close, done };

  struct Channel {
    std::string label;
    DataChannelInit init;
    bool partial = false;
    bool concurrent = false;  // all messages in flight at once (multi)
    DataChannelHandle handle = 0;
    bool open = false, closed = false;
    std::vector<Message> msgs;
    std::vector<bool> echoed;
    size_t next = 0;           // sequential: the message awaiting its echo
    Instant sent_at{};
    size_t ok = 0, lost = 0, bytes = 0;
    bool finished = false;
  };

  Offerer(net::PeerConnectionHost& host, Configuration config, PeerConnectionOptions options)
      : host_(host), config_(std::move(config)), options_(std::move(options)), tick_(host.loop().context()) {}

  bool passed() const { return failures_.empty() && phase_ == Phase::done; }
  bool finished() const { return finished_; }

  void start() {
    start_ = host_.now();
    auto id = host_.create(config_, options_, [this](PeerConnectionEvent&& e) { on_event(std::move(e)); });
    if (!id.ok()) return finish(std::string("create: ") + id.error().message);
    conn_ = *id;
    add("reliable", {}, false);
    DataChannelInit unordered;
    unordered.ordered = false;
    add("unordered", unordered, false);
    DataChannelInit rtx0 = unordered;
    rtx0.max_retransmits = 0;
    add("rtx0-unordered", rtx0, true);
    DataChannelInit life;
    life.max_packet_life_time = 500;
    add("life500", life, true);
    add("close-here", {}, false);
    add("close-there", {}, false);
    std::string failure;
    host_.with(conn_, [&](PeerConnection& pc, Instant now) {
      for (Channel& ch : channels_) {
        auto h = pc.create_data_channel(now, ch.label, ch.init);
        if (!h.ok()) {
          failure = "create_data_channel(" + ch.label + "): " + h.error().message;
          return;
        }
        ch.handle = *h;
      }
      auto offer = pc.create_offer(now);
      if (!offer.ok()) {
        failure = std::string("create_offer: ") + offer.error().message;
        return;
      }
      auto l = pc.set_local_description(now, *offer);
      if (!l.ok()) failure = std::string("set_local_description: ") + l.error().message;
    });
    if (!failure.empty()) return finish(failure);
    arm_tick();
  }

  // The answer from the harness (on the loop thread).
  void on_answer(const std::string& sdp) {
    if (finished_) return;
    if (sdp.empty()) return finish("no answer on stdin");
    say("answer received, %zu bytes", sdp.size());
    std::string failure;
    host_.with(conn_, [&](PeerConnection& pc, Instant now) {
      auto r = pc.set_remote_description(now, SessionDescriptionInit{SdpType::answer, sdp});
      if (!r.ok()) failure = std::string("set_remote_description(answer): ") + r.error().message;
    });
    if (!failure.empty()) finish(failure);
  }

  void fail(std::string what) {
    std::printf("failure: %s\n", what.c_str());
    std::fflush(stdout);
    failures_.push_back(std::move(what));
  }

 private:
  void say(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
    va_list ap;
    va_start(ap, fmt);
    std::printf("log %8.1f ms ", ms_since(start_, host_.now()));
    std::vprintf(fmt, ap);
    va_end(ap);
    std::printf("\n");
    std::fflush(stdout);
  }

  void add(std::string label, DataChannelInit init, bool partial, bool concurrent = false) {
    Channel ch;
    ch.label = std::move(label);
    ch.init = std::move(init);
    ch.partial = partial;
    ch.concurrent = concurrent;
    channels_.push_back(std::move(ch));
  }

  Channel* find(DataChannelHandle h) {
    for (Channel& ch : channels_)
      if (ch.handle == h) return &ch;
    return nullptr;
  }
  Channel* find(const std::string& label) {
    for (Channel& ch : channels_)
      if (ch.label == label) return &ch;
    return nullptr;
  }

  void print_offer() {
    if (offered_) return;
    offered_ = true;
    PeerConnection* pc = host_.get(conn_);
    auto desc = pc ? pc->local_description() : std::nullopt;
    if (!desc) return finish("no local description");
    say("offer ready (%zu bytes) after %.1f ms", desc->sdp.size(), ms_since(start_, host_.now()));
    std::printf("offer-begin\n%s%soffer-end\n", desc->sdp.c_str(),
                desc->sdp.empty() || desc->sdp.back() == '\n' ? "" : "\n");
    std::fflush(stdout);
  }

  void on_event(PeerConnectionEvent&& e) {
    if (finished_) return;
    using T = PeerConnectionEvent::Type;
    switch (e.type) {
      case T::ice_gathering_state_change:
        if (e.ice_gathering_state == IceGatheringState::complete)
          asio::post(host_.loop().context(), [this] { print_offer(); });
        break;
      case T::connection_state_change:
        say("connection %s", to_string(e.connection_state));
        if (e.connection_state == PeerConnectionState::connected && !connected_at_) connected_at_ = host_.now();
        if (e.connection_state == PeerConnectionState::failed)
          asio::post(host_.loop().context(), [this] { finish("the connection failed"); });
        break;
      case T::ice_connection_state_change:
        say("ice %s", to_string(e.ice_connection_state));
        break;
      case T::channel_open: {
        Channel* ch = find(e.channel);
        if (!ch) break;
        ch->open = true;
        if (!first_open_) {
          first_open_ = host_.now();
          say("first channel open %.1f ms after the start", ms_since(start_, *first_open_));
        }
        const uint32_t seed = uint32_t(1000 * (ch - channels_.data() + 1));
        if (ch->concurrent) {
          ch->msgs = make_messages(seed, kMultiSizes, std::size(kMultiSizes));
        } else if (ch->label == "close-here" || ch->label == "close-there") {
          const size_t one[] = {1000};
          ch->msgs = make_messages(seed, one, 1);
        } else {
          ch->msgs = make_messages(seed, kSizes, std::size(kSizes));
        }
        ch->echoed.assign(ch->msgs.size(), false);
        if (phase_ == Phase::offer) phase_ = Phase::kinds;
        send_next(*ch);
        break;
      }
      case T::channel_message: {
        Channel* ch = find(e.channel);
        if (!ch) break;
        on_echo(*ch, e.data, e.binary);
        break;
      }
      case T::channel_close: {
        Channel* ch = find(e.channel);
        if (!ch) break;
        ch->closed = true;
        say("channel %s closed", ch->label.c_str());
        if (ch->label == "close-here" && close_here_at_) close_here_ms_ = ms_since(*close_here_at_, host_.now());
        if (ch->label == "close-there" && close_there_at_) close_there_ms_ = ms_since(*close_there_at_, host_.now());
        if (phase_ != Phase::close && phase_ != Phase::done) fail("channel " + ch->label + " closed unexpectedly");
        break;
      }
      case T::channel_error:
        say("channel error: %s", e.error_text.c_str());
        break;
      default:
        break;
    }
    asio::post(host_.loop().context(), [this] { advance(); });
  }

  bool send(Channel& ch, const Message& m) {
    std::string error;
    host_.with(conn_, [&](PeerConnection& pc, Instant now) {
      auto r = m.binary ? pc.send_binary(now, ch.handle, Bytes(m.data.data(), m.data.size()))
                        : pc.send_text(now, ch.handle,
                                       std::string_view(reinterpret_cast<const char*>(m.data.data()), m.data.size()));
      if (!r.ok()) error = r.error().message;
    });
    if (!error.empty()) fail("send on " + ch.label + " (" + std::to_string(m.data.size()) + " B): " + error);
    return error.empty();
  }

  void send_next(Channel& ch) {
    if (ch.concurrent) {
      for (const Message& m : ch.msgs) send(ch, m);
      ch.sent_at = host_.now();
      return;
    }
    while (ch.next < ch.msgs.size()) {
      ch.sent_at = host_.now();
      if (send(ch, ch.msgs[ch.next])) return;
      ++ch.next;  // the failure is recorded; go on with the rest
    }
    ch.finished = true;
  }

  void on_echo(Channel& ch, const std::vector<uint8_t>& data, bool binary) {
    // Find the outstanding message of this type and size.
    size_t i = ch.concurrent ? 0 : ch.next;
    const size_t end = ch.concurrent ? ch.msgs.size() : std::min(ch.next + 1, ch.msgs.size());
    for (; i < end; ++i)
      if (!ch.echoed[i] && ch.msgs[i].binary == binary && ch.msgs[i].data.size() == data.size()) break;
    if (i == end) {
      fail("channel " + ch.label + ": unexpected " + (binary ? "binary" : "text") + " message of " +
           std::to_string(data.size()) + " B");
      return;
    }
    ch.echoed[i] = true;
    if (ch.msgs[i].data != data) {
      size_t at = 0;
      while (at < data.size() && data[at] == ch.msgs[i].data[at]) ++at;
      fail("channel " + ch.label + ": echo of " + std::to_string(data.size()) + " B differs at byte " +
           std::to_string(at));
    } else {
      ++ch.ok;
      ch.bytes += data.size();
    }
    if (ch.concurrent) {
      if (ch.ok + ch.lost == ch.msgs.size() || std::all_of(ch.echoed.begin(), ch.echoed.end(), [](bool b) { return b; }))
        ch.finished = true;
      return;
    }
    ++ch.next;
    send_next(ch);
  }

  // Timeouts of missing echoes and closes, every 100 ms.
  void arm_tick() {
    tick_.expires_after(std::chrono::milliseconds(100));
    tick_.async_wait([this](const asio::error_code& ec) {
      if (ec || finished_) return;
      on_tick();
      if (!finished_) arm_tick();
    });
  }

  void on_tick() {
    const Instant now = host_.now();
    if (now - start_ > kOverall) return finish("overall timeout in phase " + std::to_string(int(phase_)));
    if (!offered_ && now - start_ > std::chrono::seconds(3)) print_offer();  // with what was gathered
    for (Channel& ch : channels_) {
      if (!ch.open || ch.finished || ch.closed) continue;
      const auto wait = ch.concurrent ? std::chrono::seconds(20) : ch.partial ? kPartialWait : kReliableWait;
      if (now - ch.sent_at < wait) continue;
      if (ch.concurrent) {
        size_t missing = 0;
        for (bool b : ch.echoed) missing += !b;
        fail("channel " + ch.label + ": " + std::to_string(missing) + " echoes missing after 20 s");
        ch.finished = true;
        continue;
      }
      const Message& m = ch.msgs[ch.next];
      if (ch.partial && m.data.size() > 1000) {
        say("channel %s: no echo of %s %zu B (partially reliable: counted)", ch.label.c_str(),
            m.binary ? "binary" : "text", m.data.size());
        ++ch.lost;
      } else {
        fail("channel " + ch.label + ": no echo of " + (m.binary ? "binary " : "text ") +
             std::to_string(m.data.size()) + " B");
      }
      ++ch.next;
      send_next(ch);
    }
    if (phase_ == Phase::close) {
      if (close_here_at_ && !find("close-here")->closed && now - *close_here_at_ > kCloseWait)
        return finish("close-here: no channel_close 10 s after close_data_channel");
      if (close_there_at_ && !find("close-there")->closed && now - *close_there_at_ > kCloseWait)
        return finish("close-there: Chromium's close after \"__close__\" did not arrive within 10 s");
    }
    advance();
  }

  bool all_finished(size_t from, size_t to) const {
    for (size_t i = from; i < to; ++i)
      if (!channels_[i].open || !channels_[i].finished) return false;
    return true;
  }

  void advance() {
    if (finished_) return;
    if (phase_ == Phase::kinds && all_finished(0, channels_.size())) {
      for (const Channel& ch : channels_)
        say("channel %-15s %zu/%zu echoes, %zu lost, %zu B", ch.label.c_str(), ch.ok, ch.msgs.size(), ch.lost,
            ch.bytes);
      for (const Channel& ch : channels_)
        if (ch.partial && ch.lost > 3) fail("channel " + ch.label + ": lost " + std::to_string(ch.lost) + " of 6 big messages");
      phase_ = Phase::multi;
      multi_from_ = channels_.size();
      for (int i = 0; i < kMulti; ++i) {
        DataChannelInit init;
        init.ordered = i % 2 == 0;
        add("multi-" + std::to_string(i), init, false, true);
      }
      multi_at_ = host_.now();
      std::string failure;
      host_.with(conn_, [&](PeerConnection& pc, Instant now) {
        for (size_t i = multi_from_; i < channels_.size(); ++i) {
          auto h = pc.create_data_channel(now, channels_[i].label, channels_[i].init);
          if (!h.ok()) {
            failure = "create_data_channel(" + channels_[i].label + "): " + h.error().message;
            return;
          }
          channels_[i].handle = *h;
        }
      });
      if (!failure.empty()) return finish(failure);
      say("%d channels created at once", kMulti);
      return;
    }
    if (phase_ == Phase::multi && all_finished(multi_from_, channels_.size())) {
      size_t ok = 0, total = 0, bytes = 0;
      for (size_t i = multi_from_; i < channels_.size(); ++i) {
        ok += channels_[i].ok;
        total += channels_[i].msgs.size();
        bytes += channels_[i].bytes;
      }
      multi_ms_ = ms_since(*multi_at_, host_.now());
      say("%d channels at once: %zu/%zu echoes, %zu B in %.1f ms", kMulti, ok, total, bytes, *multi_ms_);
      phase_ = Phase::close;
      Channel& here = *find("close-here");
      Channel& there = *find("close-there");
      close_here_at_ = close_there_at_ = host_.now();
      host_.with(conn_, [&](PeerConnection& pc, Instant now) {
        if (auto r = pc.close_data_channel(now, here.handle); !r.ok())
          fail(std::string("close_data_channel: ") + r.error().message);
        if (auto r = pc.send_text(now, there.handle, "__close__"); !r.ok())
          fail(std::string("sending __close__: ") + r.error().message);
      });
      return;
    }
    if (phase_ == Phase::close && find("close-here")->closed && find("close-there")->closed) {
      // The other channels still work: one more round on "reliable".
      if (!after_close_) {
        say("close from sansrtc: %.1f ms; close from Chromium (on request): %.1f ms", close_here_ms_.value_or(-1),
            close_there_ms_.value_or(-1));
        after_close_ = true;
        Channel& rel = *find("reliable");
        const size_t sizes[] = {1, 4096};
        rel.msgs = make_messages(99000, sizes, std::size(sizes));
        rel.echoed.assign(rel.msgs.size(), false);
        rel.next = rel.ok = rel.lost = rel.bytes = 0;
        rel.finished = false;
        send_next(rel);
        return;
      }
      Channel& rel = *find("reliable");
      if (!rel.finished) return;
      if (rel.ok != rel.msgs.size()) fail("the reliable channel broke after the closes");
      return conclude();
    }
  }

  void conclude() {
    PeerConnection* pc = host_.get(conn_);
    if (!pc) return finish("the connection is gone");
    if (pc->connection_state() != PeerConnectionState::connected)
      fail(std::string("connection_state ") + to_string(pc->connection_state()));
    const IceConnectionState ice = pc->ice_connection_state();
    if (ice != IceConnectionState::connected && ice != IceConnectionState::completed)
      fail(std::string("ice_connection_state ") + to_string(ice));
    if (pc->signaling_state() != SignalingState::stable)
      fail(std::string("signaling_state ") + to_string(pc->signaling_state()));
    std::string stats = pc->get_stats(host_.now()).json;
    for (char& c : stats)
      if (c == '\n' || c == '\r') c = ' ';
    std::printf("states: connection=%s ice=%s signaling=%s\n", to_string(pc->connection_state()), to_string(ice),
                to_string(pc->signaling_state()));
    std::printf("stats: %s\n", stats.c_str());
    phase_ = Phase::done;
    finish("");
  }

  void finish(const std::string& failure) {
    if (finished_) return;
    if (!failure.empty()) fail(failure);
    finished_ = true;
    tick_.cancel();
    const net::HostStats& hs = host_.stats();
    std::printf("host: datagrams_in=%llu datagrams_out=%llu send_failed=%llu\n",
                (unsigned long long)hs.datagrams_in, (unsigned long long)hs.datagrams_out,
                (unsigned long long)hs.send_failed);
    if (first_open_) std::printf("setup_ms: %.1f\n", ms_since(start_, *first_open_));
    if (multi_ms_) std::printf("multi_ms: %.1f\n", *multi_ms_);
    std::printf("result: %s (%zu failures)\n", passed() ? "PASS" : "FAIL", failures_.size());
    std::fflush(stdout);
    if (conn_) host_.destroy(conn_);
    conn_ = 0;
    host_.loop().stop();
  }

  net::PeerConnectionHost& host_;
  Configuration config_;
  PeerConnectionOptions options_;
  asio::steady_timer tick_;
  net::ConnectionId conn_ = 0;
  std::vector<Channel> channels_;
  Phase phase_ = Phase::offer;
  Instant start_{};
  std::optional<Instant> first_open_, connected_at_, multi_at_, close_here_at_, close_there_at_;
  std::optional<double> multi_ms_, close_here_ms_, close_there_ms_;
  size_t multi_from_ = 0;
  bool offered_ = false, after_close_ = false, finished_ = false;
  std::vector<std::string> failures_;
};

void log_to_stderr(void*, LogLevel level, const char* module, const char* message) {
  std::fprintf(stderr, "[%s] %s: %s\n", log_level_name(level), module, message);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--debug") {
    set_log_sink(log_to_stderr, nullptr);
    set_log_level(LogLevel::debug);
  }
  auto rng = crypto::CtrDrbgRng::create();
  if (!rng.ok()) {
    std::fprintf(stderr, "cannot seed the random generator: %s\n", rng.error().message);
    return 1;
  }
  net::EventLoop loop;
  net::HostConfig host_config;
  host_config.rng = rng->get();
  net::PeerConnectionHost host(loop, host_config);
  PeerConnectionOptions options;
  options.unix_time_seconds = int64_t(std::time(nullptr));
  Offerer offerer(host, Configuration{}, options);

  // The answer arrives on stdin (a blocking read, so on its own thread).
  auto guard = asio::make_work_guard(loop.context());
  std::thread reader([&] {
    std::string sdp, line;
    while (std::getline(std::cin, line)) {
      if (line == "answer-end") break;
      sdp += line;
      sdp += '\n';
    }
    asio::post(loop.context(), [&offerer, sdp] { offerer.on_answer(sdp); });
  });
  reader.detach();  // exits with the process if no answer ever comes

  offerer.start();
  while (!offerer.finished()) {
    loop.restart();
    loop.run();
  }
  return offerer.passed() ? 0 : 1;
}
