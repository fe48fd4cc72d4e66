// The demo peer's WHIP client; see demo_client.h.
#include "demo_client.h"

#include "http_client.h"

#include <asio.hpp>

#include <cstdarg>

namespace sansrtc::demo {

namespace {

constexpr uint64_t kLowThreshold = 1024 * 1024;
constexpr const char* kCloseCommand = "__close__";

double ms_between(Instant a, Instant b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

}  // namespace

struct DemoClient::Impl {
  struct Channel {
    std::string label;
    DataChannelInit init;
    bool required = true;     // reliable: every echo must come back
    DataChannelHandle handle = 0;
    bool opened = false, closed = false;
    EchoCheck check;
    size_t next_to_send = 0;  // index into check.messages()
  };

  Impl(DemoClient& o, net::PeerConnectionHost& h, DemoClientConfig c, std::FILE* f)
      : owner(o), host(h), config(std::move(c)), out(f), timer(h.loop().context()),
        gather_timer(h.loop().context()), grace_timer(h.loop().context()) {}

  void say(const char* fmt, ...) {
    if (config.quiet || !out) return;
    va_list ap;
    va_start(ap, fmt);
    std::vfprintf(out, fmt, ap);
    va_end(ap);
    std::fputc('\n', out);
    std::fflush(out);
  }

  void fail(std::string why) {
    if (owner.done_) return;  // the result is final
    owner.result_.failures.push_back(std::move(why));
    finish();
  }

  void finish() {
    if (owner.done_) return;
    owner.done_ = true;
    timer.cancel();
    gather_timer.cancel();
    grace_timer.cancel();
    if (connection) {
      host.destroy(*connection);
      connection.reset();
    }
    DemoClientResult& r = owner.result_;
    for (const Channel& ch : channels) {
      r.messages_echoed += ch.check.matched();
      if (ch.required && !ch.opened && r.failures.empty()) r.failures.push_back("channel " + ch.label + " never opened");
      if (ch.required && !ch.check.passed() && r.failures.empty())
        r.failures.push_back("channel " + ch.label + ": " + std::to_string(ch.check.matched()) + "/" +
                             std::to_string(ch.check.expected()) + " echoes, " +
                             std::to_string(ch.check.mismatched()) + " wrong");
    }
    r.passed = r.failures.empty();
    host.loop().stop();
  }

  void start() {
    timer.expires_after(config.timeout);
    timer.async_wait([this](const asio::error_code& ec) {
      if (!ec) fail("timeout after " + std::to_string(config.timeout.count() / 1000) + " s in phase: " + phase);
    });
    phase = "create";
    auto id = host.create(config.configuration, config.options,
                          [this](PeerConnectionEvent&& e) { on_event(std::move(e)); });
    if (!id.ok()) return fail(std::string("cannot create the connection: ") + id.error().message);
    connection = *id;

    auto add = [&](std::string label, DataChannelInit init, bool required) {
      Channel ch;
      ch.label = std::move(label);
      ch.init = std::move(init);
      ch.required = required;
      channels.push_back(std::move(ch));
    };
    add("reliable-ordered", {}, true);
    DataChannelInit unordered;
    unordered.ordered = false;
    add("reliable-unordered", unordered, true);
    DataChannelInit rexmit0;
    rexmit0.ordered = false;
    rexmit0.max_retransmits = 0;
    add("maxRetransmits=0", rexmit0, false);
    DataChannelInit lifetime;
    lifetime.max_packet_life_time = 500;
    add("maxPacketLifeTime=500", lifetime, false);
    if (config.negotiated) {
      DataChannelInit n1;
      n1.negotiated = true;
      n1.id = 100;
      add("negotiated-reliable", n1, true);
      DataChannelInit n2;
      n2.negotiated = true;
      n2.id = 102;
      n2.ordered = false;
      add("negotiated-unordered", n2, true);
    }

    std::string failure;
    host.with(*connection, [&](PeerConnection& pc, Instant now) {
      for (Channel& ch : channels) {
        auto h = pc.create_data_channel(now, ch.label, ch.init);
        if (!h.ok()) {
          failure = "create_data_channel(" + ch.label + "): " + h.error().message;
          return;
        }
        ch.handle = *h;
        (void)pc.set_buffered_amount_low_threshold(ch.handle, kLowThreshold);
      }
      offer_at = now;
      auto offer = pc.create_offer(now);
      if (!offer.ok()) {
        failure = std::string("create_offer: ") + offer.error().message;
        return;
      }
      auto l = pc.set_local_description(now, *offer);
      if (!l.ok()) failure = std::string("set_local_description: ") + l.error().message;
    });
    if (!failure.empty()) return fail(failure);
    phase = "gathering";
    gather_timer.expires_after(config.gather_timeout);
    gather_timer.async_wait([this](const asio::error_code& ec) {
      if (!ec) post_offer();  // with what was gathered so far
    });
    if (PeerConnection* pc = host.get(*connection); pc && pc->ice_gathering_state() == IceGatheringState::complete)
      post_offer();
  }

  void post_offer() {
    if (posted || owner.done_ || !connection) return;
    posted = true;
    gather_timer.cancel();
    PeerConnection* pc = host.get(*connection);
    auto desc = pc ? pc->local_description() : std::nullopt;
    if (!desc) return fail("no local description to send");
    phase = "POST";
    say("POST %s (offer, %zu bytes)", config.url.target.c_str(), desc->sdp.size());
    http_request(host.loop().context(), config.url, "POST", {{"Content-Type", "application/sdp"}}, desc->sdp,
                 std::chrono::milliseconds(10000), [this](HttpClientResult r) { on_answer(std::move(r)); });
  }

  void on_answer(HttpClientResult r) {
    if (owner.done_) return;
    if (!r.error.empty()) return fail("POST " + config.url.target + ": " + r.error);
    // RFC 9725 (load balancing): an endpoint may redirect with 307; the
    // offer goes to the new URL as it is.
    if ((r.response.status == 307 || r.response.status == 308) && redirects < 3) {
      const std::string* to = r.response.header("location");
      auto next = to ? resolve_location(config.url, *to) : std::nullopt;
      if (!next) return fail("redirect " + std::to_string(r.response.status) + " without a usable Location");
      ++redirects;
      say("%d: offer redirected to %s", r.response.status, next->target.c_str());
      config.url = *next;
      posted = false;
      return post_offer();
    }
    if (r.response.status != 201)
      return fail("POST answered " + std::to_string(r.response.status) + " (want 201): " + r.response.body.substr(0, 200));
    const std::string* loc = r.response.header("location");
    if (!loc) return fail("201 without a Location");
    resource = resolve_location(config.url, *loc);
    if (!resource) return fail("unusable Location '" + *loc + "'");
    const std::string* ct = r.response.header("content-type");
    if (!ct || media_type(*ct) != "application/sdp") return fail("the answer is not application/sdp");
    say("201 Created, Location %s", loc->c_str());
    phase = "connecting";
    std::string failure;
    host.with(*connection, [&](PeerConnection& pc, Instant now) {
      auto s = pc.set_remote_description(now, SessionDescriptionInit{SdpType::answer, r.response.body});
      if (!s.ok()) failure = std::string("set_remote_description(answer): ") + s.error().message;
    });
    if (!failure.empty()) fail(failure);
  }

  Channel* channel(DataChannelHandle h) {
    for (Channel& ch : channels)
      if (ch.handle == h) return &ch;
    return nullptr;
  }

  void on_event(PeerConnectionEvent&& e) {
    if (owner.done_) return;
    using T = PeerConnectionEvent::Type;
    switch (e.type) {
      case T::ice_gathering_state_change:
        if (e.ice_gathering_state == IceGatheringState::complete) {
          // Not from inside the host's delivery: the offer is read after this returns.
          asio::post(host.loop().context(), [this] { post_offer(); });
        }
        break;
      case T::connection_state_change:
        say("connection %s", to_string(e.connection_state));
        if (e.connection_state == PeerConnectionState::failed) {
          asio::post(host.loop().context(), [this] { fail("the connection failed in phase " + phase); });
        }
        break;
      case T::ice_connection_state_change:
        say("ice %s", to_string(e.ice_connection_state));
        break;
      case T::channel_open: {
        Channel* ch = channel(e.channel);
        if (!ch) break;
        const Instant now = host.now();
        if (!owner.result_.setup_ms) {
          owner.result_.setup_ms = ms_between(offer_at, now);
          phase = "echo";
        }
        ch->opened = true;
        uint64_t max = 262144;
        if (PeerConnection* pc = host.get(*connection)) max = pc->max_message_size().value_or(65536);
        if (max == 0) max = 262144;  // RFC 8841 §6: 0 means "any size"
        ch->check = EchoCheck(make_test_messages(uint32_t(ch - channels.data()), max), ch->init.ordered);
        say("channel %s open after %.1f ms", ch->label.c_str(), ms_between(offer_at, now));
        send_pending(*ch);
        break;
      }
      case T::channel_message: {
        Channel* ch = channel(e.channel);
        if (!ch) break;
        if (bulk_started && ch == &channels[0]) {
          on_bulk_echo(e.data, e.binary);
        } else if (ch->check.on_echo(e.data, e.binary)) {
          owner.result_.bytes_echoed += e.data.size();
        }
        check_progress();
        break;
      }
      case T::channel_buffered_amount_low:
        for (Channel& ch : channels) send_pending(ch);
        if (bulk_started) send_bulk();
        break;
      case T::channel_close: {
        Channel* ch = channel(e.channel);
        if (!ch) break;
        ch->closed = true;
        if (close_requested && ch == &channels[1]) {
          say("channel %s closed by the server", ch->label.c_str());
          remote_close_ok = true;
          asio::post(host.loop().context(), [this] { delete_session(); });
        } else if (!close_requested) {
          const std::string why = "channel " + ch->label + " closed by the peer in phase " + phase;
          asio::post(host.loop().context(), [this, why] { fail(why); });
        }
        break;
      }
      case T::channel_error:
        say("channel error: %s", e.error_text.c_str());
        break;
      default:
        break;
    }
  }

  void send_pending(Channel& ch) {
    if (!ch.opened || ch.closed || !connection) return;
    host.with(*connection, [&](PeerConnection& pc, Instant now) {
      const auto& msgs = ch.check.messages();
      while (ch.next_to_send < msgs.size()) {
        const TestMessage& m = msgs[ch.next_to_send];
        auto r = m.binary ? pc.send_binary(now, ch.handle, Bytes(m.data.data(), m.data.size()))
                          : pc.send_text(now, ch.handle,
                                         std::string_view(reinterpret_cast<const char*>(m.data.data()), m.data.size()));
        if (!r.ok()) {
          if (r.error().code == Errc::limit_exceeded) return;  // resumes on bufferedamountlow
          owner.result_.failures.push_back("send on " + ch.label + ": " + r.error().message);
          ch.next_to_send = msgs.size();
          return;
        }
        ++owner.result_.messages_sent;
        owner.result_.bytes_sent += m.data.size();
        ++ch.next_to_send;
      }
    });
  }

  void check_progress() {
    if (phase != "echo") return;
    bool required_done = true, all_done = true;
    for (const Channel& ch : channels) {
      const bool complete = ch.opened && ch.check.complete();
      all_done = all_done && complete;
      if (ch.required) required_done = required_done && complete;
    }
    if (!required_done) return;
    if (all_done) return start_bulk();
    if (!grace_armed) {
      grace_armed = true;
      grace_timer.expires_after(config.partial_grace);
      grace_timer.async_wait([this](const asio::error_code& ec) {
        if (!ec && phase == "echo") start_bulk();
      });
    }
  }

  void start_bulk() {
    grace_timer.cancel();
    for (const Channel& ch : channels)
      say("channel %-24s %zu/%zu echoes match%s", ch.label.c_str(), ch.check.matched(), ch.check.expected(),
          ch.required ? "" : " (partial reliability: counted, not required)");
    if (config.count == 0) return start_close();
    phase = "bulk";
    bulk_started = true;
    bulk_start = host.now();
    send_bulk();
  }

  void send_bulk() {
    if (!connection || phase != "bulk") return;
    Channel& ch = channels[0];
    host.with(*connection, [&](PeerConnection& pc, Instant now) {
      while (bulk_sent < config.count &&
             (bulk_sent == bulk_echoed || uint64_t(bulk_sent - bulk_echoed) * config.bytes < config.window)) {
        auto msg = make_bulk_message(bulk_sent, config.bytes);
        auto r = pc.send_binary(now, ch.handle, Bytes(msg.data(), msg.size()));
        if (!r.ok()) {
          if (r.error().code == Errc::limit_exceeded) return;
          const std::string why = std::string("bulk send: ") + r.error().message;
          asio::post(host.loop().context(), [this, why] { fail(why); });
          bulk_sent = config.count;  // no more
          return;
        }
        ++bulk_sent;
        ++owner.result_.messages_sent;
        owner.result_.bytes_sent += msg.size();
      }
    });
  }

  void on_bulk_echo(const std::vector<uint8_t>& data, bool binary) {
    if (!binary || data.size() != config.bytes || !is_bulk_message(bulk_echoed, data)) {
      owner.result_.failures.push_back("bulk echo " + std::to_string(bulk_echoed) + " differs from what was sent");
      asio::post(host.loop().context(), [this] { finish(); });
      return;
    }
    ++bulk_echoed;
    ++owner.result_.messages_echoed;
    owner.result_.bytes_echoed += data.size();
    if (bulk_echoed == config.count) {
      const double s = std::chrono::duration<double>(host.now() - bulk_start).count();
      const double bytes = double(config.count) * double(config.bytes);
      owner.result_.bulk_mbps = s > 0 ? bytes / s / 1e6 : 0;
      say("bulk: %u x %u bytes echoed in %.3f s", config.count, config.bytes, s);
      asio::post(host.loop().context(), [this] { start_close(); });
      return;
    }
    send_bulk();
  }

  void start_close() {
    if (phase == "close" || owner.done_) return;
    phase = "close";
    close_requested = true;
    Channel& ch = channels[1];
    std::string failure;
    host.with(*connection, [&](PeerConnection& pc, Instant now) {
      auto r = pc.send_text(now, ch.handle, kCloseCommand);
      if (!r.ok()) failure = std::string("sending __close__: ") + r.error().message;
    });
    if (!failure.empty()) fail(failure);
  }

  void delete_session() {
    if (owner.done_) return;
    phase = "DELETE";
    http_request(host.loop().context(), *resource, "DELETE", {}, "", std::chrono::milliseconds(5000),
                 [this](HttpClientResult r) {
                   if (owner.done_) return;
                   delete_status = r.error.empty() ? r.response.status : 0;
                   if (!r.error.empty()) return fail("DELETE: " + r.error);
                   if (delete_status < 200 || delete_status > 299)
                     return fail("DELETE answered " + std::to_string(delete_status));
                   say("DELETE %s: %d", resource->target.c_str(), delete_status);
                   finish();
                 });
  }

  DemoClient& owner;
  net::PeerConnectionHost& host;
  DemoClientConfig config;
  std::FILE* out;
  asio::steady_timer timer, gather_timer, grace_timer;
  std::optional<net::ConnectionId> connection;
  std::vector<Channel> channels;
  std::optional<HttpUrl> resource;
  std::string phase = "start";
  Instant offer_at{};
  bool posted = false, grace_armed = false;
  int redirects = 0;
  bool bulk_started = false;
  Instant bulk_start{};
  uint32_t bulk_sent = 0, bulk_echoed = 0;
  bool close_requested = false, remote_close_ok = false;
  int delete_status = 0;
};

DemoClient::DemoClient(net::PeerConnectionHost& host, DemoClientConfig config, std::FILE* out)
    : impl_(std::make_unique<Impl>(*this, host, std::move(config), out)) {}

DemoClient::~DemoClient() {
  if (impl_->connection) impl_->host.destroy(*impl_->connection);
}

void DemoClient::start() { impl_->start(); }

void DemoClient::print_summary() const {
  std::FILE* out = impl_->out ? impl_->out : stdout;
  const DemoClientResult& r = result_;
  std::fprintf(out, "summary:\n");
  if (r.setup_ms) std::fprintf(out, "  setup: %.1f ms (create_offer to first channel open)\n", *r.setup_ms);
  for (const auto& ch : impl_->channels)
    std::fprintf(out, "  channel %-24s %zu/%zu echoes match, %zu wrong%s\n", ch.label.c_str(), ch.check.matched(),
                 ch.check.expected(), ch.check.mismatched(), ch.required ? "" : " (not required)");
  if (r.bulk_mbps)
    std::fprintf(out, "  bulk: %u x %u bytes, %.1f MB/s echoed (each byte crossed twice)\n", impl_->config.count,
                 impl_->config.bytes, *r.bulk_mbps);
  std::fprintf(out, "  remote close (__close__): %s\n", impl_->remote_close_ok ? "ok" : "not seen");
  std::fprintf(out, "  DELETE: %d\n", impl_->delete_status);
  std::fprintf(out, "  messages: %llu sent, %llu echoed; bytes: %llu sent, %llu echoed\n",
               (unsigned long long)r.messages_sent, (unsigned long long)r.messages_echoed,
               (unsigned long long)r.bytes_sent, (unsigned long long)r.bytes_echoed);
  for (const auto& f : r.failures) std::fprintf(out, "  FAILED: %s\n", f.c_str());
  std::fprintf(out, "result: %s setup_ms=%.1f mbps=%.1f\n", r.passed ? "PASS" : "FAIL", r.setup_ms.value_or(-1),
               r.bulk_mbps.value_or(-1));
  std::fflush(out);
}

}  // namespace sansrtc::demo
