// The demo peer's server half; see demo_server.h.
#include "demo_server.h"

#include "page.h"
#include "whip.h"

#include <asio.hpp>

#include <deque>

namespace sansrtc::demo {

namespace {

HttpResponse text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.set("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  if (r.body.empty() || r.body.back() != '\n') r.body += '\n';
  return r;
}

HttpResponse method_not_allowed(const char* allow) {
  HttpResponse r = text(405, "method not allowed");
  r.set("Allow", allow);
  return r;
}

}  // namespace

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", u);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

struct DemoServer::Timer : asio::steady_timer {
  using asio::steady_timer::steady_timer;
};

struct DemoServer::Session {
  std::string id;
  net::ConnectionId connection = 0;
  std::shared_ptr<HttpReply> pending;  // the POST, until the answer is sent
  std::unique_ptr<asio::steady_timer> gather_timer;
  struct Echo {
    DataChannelHandle channel;
    std::vector<uint8_t> data;
    bool binary;
  };
  std::deque<Echo> backlog;
  Instant created{};
  std::optional<Instant> unhealthy_since;  // not connected (new/connecting/disconnected) since
  size_t backlog_bytes = 0;
  uint64_t echoed_messages = 0, echoed_bytes = 0, dropped_echoes = 0, closes_requested = 0;
  bool removing = false;
};

DemoServer::DemoServer(net::PeerConnectionHost& host, Rng& rng, DemoServerConfig config, std::FILE* out)
    : host_(host), rng_(rng), config_(std::move(config)), out_(out),
      sweep_timer_(std::make_unique<Timer>(host.loop().context())) {
  arm_sweep();
}

void DemoServer::arm_sweep() {
  sweep_timer_->expires_after(std::chrono::seconds(1));
  sweep_timer_->async_wait([this](const asio::error_code& ec) {
    if (ec) return;
    sweep();
    arm_sweep();
  });
}

// Sessions whose peer went away without a DELETE (a closed tab, a killed
// client) would otherwise hold a connection until ICE consent fails; one that
// has not been connected for `stale_after` is removed.
void DemoServer::sweep() {
  const Instant now = host_.now();
  std::vector<std::string> stale;
  for (auto& s : sessions_) {
    PeerConnection* pc = host_.get(s->connection);
    const PeerConnectionState st = pc ? pc->connection_state() : PeerConnectionState::closed;
    if (st == PeerConnectionState::connected) {
      s->unhealthy_since.reset();
    } else if (!s->unhealthy_since) {
      s->unhealthy_since = now;
    }
    if (st == PeerConnectionState::failed || st == PeerConnectionState::closed ||
        (s->unhealthy_since && now - *s->unhealthy_since >= config_.stale_after))
      stale.push_back(s->id);
  }
  for (const auto& id : stale) remove(id);
}

DemoServer::~DemoServer() {
  sweep_timer_->cancel();
  for (auto& s : sessions_) {
    if (s->gather_timer) s->gather_timer->cancel();
    host_.destroy(s->connection);
  }
}

DemoServer::Session* DemoServer::find(std::string_view id) {
  for (auto& s : sessions_)
    if (s->id == id) return s.get();
  return nullptr;
}

void DemoServer::remove(const std::string& id) {
  for (size_t i = 0; i < sessions_.size(); ++i) {
    if (sessions_[i]->id != id) continue;
    std::unique_ptr<Session> s = std::move(sessions_[i]);
    sessions_.erase(sessions_.begin() + long(i));
    if (s->gather_timer) s->gather_timer->cancel();
    if (s->pending) s->pending->send(text(500, "the session ended before its answer was ready"));
    host_.destroy(s->connection);
    if (config_.verbose && out_) std::fprintf(out_, "session %.8s: removed\n", id.c_str()), std::fflush(out_);
    return;
  }
}

void DemoServer::handle(HttpRequest&& req, std::shared_ptr<HttpReply> reply) {
  const std::string_view path = req.path();
  if (req.method == "OPTIONS") {
    // CORS preflight: what a page elsewhere may do. RFC 9725: "The WHIP
    // endpoints MUST support OPTIONS requests for Cross-Origin Resource
    // Sharing (CORS)"; the 200 carries Accept-Post: application/sdp.
    HttpResponse r;
    r.status = 200;
    r.set("Access-Control-Allow-Methods", "POST, PATCH, DELETE, GET, OPTIONS");
    r.set("Access-Control-Allow-Headers", "Content-Type, If-Match, Authorization");
    r.set("Access-Control-Max-Age", "86400");
    r.set("Allow", path == "/whip" ? "POST, OPTIONS" : "GET, PATCH, DELETE, OPTIONS");
    if (path == "/whip") r.set("Accept-Post", "application/sdp");
    return reply->send(std::move(r));
  }
  if (path == "/" || path == "/index.html") {
    if (req.method != "GET") return reply->send(method_not_allowed("GET, OPTIONS"));
    HttpResponse r;
    r.set("Content-Type", "text/html; charset=utf-8");
    r.set("Cache-Control", "no-store");
    r.body = kDemoPage;
    return reply->send(std::move(r));
  }
  if (path == "/stats") {
    if (req.method != "GET") return reply->send(method_not_allowed("GET, OPTIONS"));
    HttpResponse r;
    r.set("Content-Type", "application/json");
    r.set("Cache-Control", "no-store");
    r.body = stats_json();
    return reply->send(std::move(r));
  }
  if (path == "/whip") {
    if (req.method != "POST") return reply->send(method_not_allowed("POST, OPTIONS"));
    return post_whip(std::move(req), std::move(reply));
  }
  constexpr std::string_view kPrefix = "/whip/";
  if (path.substr(0, kPrefix.size()) == kPrefix) {
    Session* s = find(path.substr(kPrefix.size()));
    if (!s) return reply->send(text(404, "no such WHIP session"));
    if (req.method == "DELETE") {
      const std::string id = s->id;
      remove(id);
      return reply->send(text(200, "session closed"));
    }
    if (req.method == "PATCH") return patch_whip(*s, req, *reply);
    return reply->send(method_not_allowed("PATCH, DELETE, OPTIONS"));
  }
  reply->send(text(404, "not found (try / for the page, /whip for WHIP, /stats)"));
}

void DemoServer::post_whip(HttpRequest&& req, std::shared_ptr<HttpReply> reply) {
  const std::string* ct = req.header("content-type");
  if (!ct || media_type(*ct) != "application/sdp")
    return reply->send(text(415, "WHIP offers are Content-Type: application/sdp"));
  if (req.body.empty()) return reply->send(text(400, "empty offer"));
  if (sessions_.size() >= config_.max_sessions) return reply->send(text(503, "too many sessions"));

  auto session = std::make_unique<Session>();
  session->id = make_session_id(rng_);
  session->created = host_.now();
  session->unhealthy_since = session->created;
  const std::string id = session->id;
  auto created = host_.create(config_.configuration, config_.options,
                              [this, id](PeerConnectionEvent&& e) { on_event(id, std::move(e)); });
  if (!created.ok()) return reply->send(text(500, std::string("cannot create a connection: ") + created.error().message));
  session->connection = *created;
  Session& s = *session;
  sessions_.push_back(std::move(session));
  ++sessions_created_;

  // Negotiated channels first, so a client that uses them finds them; then
  // the offer, the answer (which starts gathering).
  std::string failure;
  host_.with(s.connection, [&](PeerConnection& pc, Instant now) {
    auto r = pc.set_remote_description(now, SessionDescriptionInit{SdpType::offer, req.body});
    if (!r.ok()) {
      failure = std::string("the offer was refused: ") + r.error().message;
      return;
    }
    DataChannelInit reliable;
    reliable.negotiated = true;
    reliable.id = kNegotiatedReliableId;
    DataChannelInit unordered = reliable;
    unordered.ordered = false;
    unordered.id = kNegotiatedUnorderedId;
    (void)pc.create_data_channel(now, "negotiated-reliable", reliable);
    (void)pc.create_data_channel(now, "negotiated-unordered", unordered);
    auto answer = pc.create_answer(now);
    if (!answer.ok()) {
      failure = std::string("cannot answer: ") + answer.error().message;
      return;
    }
    auto l = pc.set_local_description(now, *answer);
    if (!l.ok()) failure = std::string("cannot apply the answer: ") + l.error().message;
  });
  if (!failure.empty()) {
    remove(id);
    return reply->send(text(400, failure));
  }
  if (config_.verbose && out_) std::fprintf(out_, "session %.8s: offer received, answering\n", id.c_str()), std::fflush(out_);
  PeerConnection* pc = host_.get(s.connection);
  if (pc && pc->ice_gathering_state() == IceGatheringState::complete) {
    s.pending = std::move(reply);
    return answer(s);
  }
  s.pending = std::move(reply);
  s.gather_timer = std::make_unique<asio::steady_timer>(host_.loop().context());
  s.gather_timer->expires_after(config_.gather_timeout);
  s.gather_timer->async_wait([this, id](const asio::error_code& ec) {
    if (ec) return;
    if (Session* t = find(id)) answer(*t);  // with the candidates gathered so far
  });
}

void DemoServer::answer(Session& s) {
  if (!s.pending) return;
  if (s.gather_timer) s.gather_timer->cancel();
  auto reply = std::move(s.pending);
  PeerConnection* pc = host_.get(s.connection);
  auto desc = pc ? pc->local_description() : std::nullopt;
  if (!desc) return reply->send(text(500, "no local description"));
  HttpResponse r;
  r.status = 201;
  r.set("Content-Type", "application/sdp");
  r.set("Location", "/whip/" + s.id);
  r.set("ETag", "\"" + s.id.substr(0, 8) + "\"");
  r.body = desc->sdp;
  reply->send(std::move(r));
}

void DemoServer::patch_whip(Session& s, const HttpRequest& req, HttpReply& reply) {
  const std::string* ct = req.header("content-type");
  if (!ct || media_type(*ct) != "application/trickle-ice-sdpfrag")
    return reply.send(text(415, "PATCH bodies are Content-Type: application/trickle-ice-sdpfrag"));
  // RFC 9725 (HTTP PATCH): the client may send the 201's entity-tag in If-Match.
  const std::string* if_match = req.header("if-match");
  if (if_match && *if_match != "*" && *if_match != "\"" + s.id.substr(0, 8) + "\"")
    return reply.send(text(412, "If-Match does not match the session's ETag"));
  std::string error;
  auto frag = parse_trickle_fragment(req.body, error);
  if (!frag) return reply.send(text(400, error));
  std::string failure;
  host_.with(s.connection, [&](PeerConnection& pc, Instant now) {
    for (const auto& c : frag->candidates) {
      auto r = pc.add_ice_candidate(now, c);
      if (!r.ok() && failure.empty()) failure = std::string("candidate refused: ") + r.error().message;
    }
  });
  if (!failure.empty()) return reply.send(text(422, failure));
  HttpResponse r;
  r.status = 204;
  reply.send(std::move(r));
}

void DemoServer::on_event(const std::string& id, PeerConnectionEvent&& e) {
  Session* s = find(id);
  if (!s) return;
  using T = PeerConnectionEvent::Type;
  const bool say = config_.verbose && out_;
  switch (e.type) {
    case T::ice_gathering_state_change:
      if (e.ice_gathering_state == IceGatheringState::complete) answer(*s);
      break;
    case T::connection_state_change:
      if (say) std::fprintf(out_, "session %.8s: connection %s\n", id.c_str(), to_string(e.connection_state));
      if (e.connection_state == PeerConnectionState::failed || e.connection_state == PeerConnectionState::closed) {
        if (!s->removing) {
          s->removing = true;
          // Not from inside the host's event delivery: the next turn of the loop.
          asio::post(host_.loop().context(), [this, id] { remove(id); });
        }
      }
      break;
    case T::ice_connection_state_change:
      if (say) std::fprintf(out_, "session %.8s: ice %s\n", id.c_str(), to_string(e.ice_connection_state));
      break;
    case T::dtls_state_change:
      // The peer's close_notify (or a failed handshake): the session is over
      // now, long before ICE consent would notice.
      if (say) std::fprintf(out_, "session %.8s: dtls %s\n", id.c_str(), to_string(e.dtls_state));
      if ((e.dtls_state == DtlsTransportState::closed || e.dtls_state == DtlsTransportState::failed) &&
          !s->removing) {
        s->removing = true;
        asio::post(host_.loop().context(), [this, id] { remove(id); });
      }
      break;
    case T::data_channel:
    case T::channel_open: {
      host_.with(s->connection, [&](PeerConnection& pc, Instant) {
        (void)pc.set_buffered_amount_low_threshold(e.channel, 1024 * 1024);
        if (say && e.type == T::channel_open) {
          auto info = pc.data_channel(e.channel);
          std::fprintf(out_, "session %.8s: channel '%s' open\n", id.c_str(), info ? info->label.c_str() : "?");
        }
      });
      break;
    }
    case T::channel_message:
      if (!e.binary && e.data.size() == 9 && std::string_view(reinterpret_cast<const char*>(e.data.data()), 9) == "__close__") {
        ++s->closes_requested;
        host_.with(s->connection, [&](PeerConnection& pc, Instant now) { (void)pc.close_data_channel(now, e.channel); });
        break;
      }
      echo(*s, e.channel, std::move(e.data), e.binary);
      break;
    case T::channel_buffered_amount_low:
      flush_backlog(*s);
      break;
    case T::channel_close:
      if (say) std::fprintf(out_, "session %.8s: a channel closed\n", id.c_str());
      break;
    default:
      break;
  }
  if (say) std::fflush(out_);
}

void DemoServer::echo(Session& s, DataChannelHandle channel, std::vector<uint8_t>&& data, bool binary) {
  if (!s.backlog.empty()) {
    // Keep the channel's order: behind what is already waiting.
    if (s.backlog_bytes + data.size() > config_.max_backlog_bytes) {
      ++s.dropped_echoes;
      return;
    }
    s.backlog_bytes += data.size();
    s.backlog.push_back({channel, std::move(data), binary});
    return;
  }
  bool sent = false, full = false;
  host_.with(s.connection, [&](PeerConnection& pc, Instant now) {
    auto r = binary ? pc.send_binary(now, channel, Bytes(data.data(), data.size()))
                    : pc.send_text(now, channel, std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
    sent = r.ok();
    full = !sent && r.error().code == Errc::limit_exceeded;
  });
  if (sent) {
    ++s.echoed_messages;
    s.echoed_bytes += data.size();
  } else if (full && s.backlog_bytes + data.size() <= config_.max_backlog_bytes) {
    s.backlog_bytes += data.size();
    s.backlog.push_back({channel, std::move(data), binary});
  } else {
    ++s.dropped_echoes;
  }
}

void DemoServer::flush_backlog(Session& s) {
  host_.with(s.connection, [&](PeerConnection& pc, Instant now) {
    while (!s.backlog.empty()) {
      auto& m = s.backlog.front();
      auto r = m.binary ? pc.send_binary(now, m.channel, Bytes(m.data.data(), m.data.size()))
                        : pc.send_text(now, m.channel,
                                       std::string_view(reinterpret_cast<const char*>(m.data.data()), m.data.size()));
      if (!r.ok()) {
        auto info = pc.data_channel(m.channel);
        // Still full: wait for the next bufferedamountlow. Anything else (the
        // channel closed, the message can never fit) drops this one.
        if (r.error().code == Errc::limit_exceeded && info && info->buffered_amount > 0) return;
        ++s.dropped_echoes;
      } else {
        ++s.echoed_messages;
        s.echoed_bytes += m.data.size();
      }
      s.backlog_bytes -= m.data.size();
      s.backlog.pop_front();
    }
  });
}

std::string DemoServer::stats_json() {
  std::string out = "{\"sessionsCreated\":" + std::to_string(sessions_created_) + ",\"sessions\":[";
  bool first = true;
  for (auto& s : sessions_) {
    PeerConnection* pc = host_.get(s->connection);
    if (!pc) continue;
    if (!first) out += ',';
    first = false;
    out += "{\"id\":" + json_string(s->id);
    out += ",\"signalingState\":" + json_string(to_string(pc->signaling_state()));
    out += ",\"iceGatheringState\":" + json_string(to_string(pc->ice_gathering_state()));
    out += ",\"iceConnectionState\":" + json_string(to_string(pc->ice_connection_state()));
    out += ",\"connectionState\":" + json_string(to_string(pc->connection_state()));
    out += ",\"echoedMessages\":" + std::to_string(s->echoed_messages);
    out += ",\"echoedBytes\":" + std::to_string(s->echoed_bytes);
    out += ",\"droppedEchoes\":" + std::to_string(s->dropped_echoes);
    out += ",\"closesRequested\":" + std::to_string(s->closes_requested);
    out += ",\"memoryBytes\":" + std::to_string(pc->memory_usage());
    out += ",\"channels\":[";
    bool first_ch = true;
    for (DataChannelHandle h : pc->data_channels()) {
      auto info = pc->data_channel(h);
      if (!info) continue;
      if (!first_ch) out += ',';
      first_ch = false;
      out += "{\"label\":" + json_string(info->label);
      out += ",\"id\":" + (info->id ? std::to_string(*info->id) : std::string("null"));
      out += ",\"state\":" + json_string(to_string(info->state));
      out += ",\"ordered\":" + std::string(info->ordered ? "true" : "false");
      out += ",\"negotiated\":" + std::string(info->negotiated ? "true" : "false");
      out += ",\"messagesReceived\":" + std::to_string(info->messages_received);
      out += ",\"messagesSent\":" + std::to_string(info->messages_sent);
      out += ",\"bytesReceived\":" + std::to_string(info->bytes_received);
      out += ",\"bytesSent\":" + std::to_string(info->bytes_sent) + "}";
    }
    out += "],\"stats\":";
    const std::string stats = pc->get_stats(host_.now()).json;
    out += stats.empty() ? std::string("{}") : stats;
    out += '}';
  }
  out += "]}\n";
  return out;
}

}  // namespace sansrtc::demo
