#include "base/log.h"

#include <cstdio>
#include <cstring>

namespace sansrtc {
namespace {
LogSink g_sink = nullptr;
void* g_user = nullptr;
LogLevel g_level = LogLevel::warning;
bool g_redact = false;

size_t append_str(char* out, size_t len, size_t cap, std::string_view s) {
  size_t room = cap - 1 - len;
  size_t n = s.size() < room ? s.size() : room;
  std::memcpy(out + len, s.data(), n);
  return len + n;
}
}  // namespace

void set_log_sink(LogSink sink, void* user) {
  g_sink = sink;
  g_user = user;
}
void set_log_level(LogLevel level) { g_level = level; }
LogLevel log_level() { return g_level; }
void set_log_redact_addresses(bool redact) { g_redact = redact; }
bool log_redact_addresses() { return g_redact; }

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::trace: return "trace";
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warning: return "warning";
    case LogLevel::error: return "error";
    case LogLevel::none: return "none";
  }
  return "?";
}

size_t LogArg::append(char* out, size_t len, size_t cap) const {
  char tmp[96];
  int n = 0;
  switch (kind_) {
    case Kind::i64: n = std::snprintf(tmp, sizeof(tmp), "%lld", (long long)i_); break;
    case Kind::u64: n = std::snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)u_); break;
    case Kind::boolean: n = std::snprintf(tmp, sizeof(tmp), "%s", u_ ? "true" : "false"); break;
    case Kind::chr: tmp[0] = char(u_); n = 1; break;
    case Kind::f64: n = std::snprintf(tmp, sizeof(tmp), "%g", d_); break;
    case Kind::str: return append_str(out, len, cap, s_);
    case Kind::ip:
      if (g_redact) return append_str(out, len, cap, "[redacted]");
      n = int(ip_->format(tmp, sizeof(tmp)));
      break;
    case Kind::endpoint:
      if (g_redact) return append_str(out, len, cap, "[redacted]");
      n = int(sa_->format(tmp, sizeof(tmp)));
      break;
  }
  if (n < 0) n = 0;
  return append_str(out, len, cap, std::string_view(tmp, size_t(n) < sizeof(tmp) ? size_t(n) : sizeof(tmp) - 1));
}

size_t log_format(char* out, size_t cap, std::string_view fmt, const LogArg* args, size_t n) {
  if (cap == 0) return 0;
  size_t len = 0, next = 0;
  for (size_t i = 0; i < fmt.size() && len + 1 < cap; ++i) {
    if (fmt[i] == '{' && i + 1 < fmt.size() && fmt[i + 1] == '}') {
      len = next < n ? args[next++].append(out, len, cap) : append_str(out, len, cap, "{?}");
      ++i;
    } else {
      out[len++] = fmt[i];
    }
  }
  out[len] = 0;
  return len;
}

namespace detail {
bool log_enabled(LogLevel level) { return g_sink != nullptr && level >= g_level && level != LogLevel::none; }

void log_write(LogLevel level, const char* module, std::string_view fmt, const LogArg* args, size_t n) {
  char line[kMaxLogLine];
  log_format(line, sizeof(line), fmt, args, n);
  if (g_sink) g_sink(g_user, level, module, line);
}
}  // namespace detail

}  // namespace sansrtc
