#include "base/log.h"

#include <cstdint>
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

namespace {
// Decimal digits of v, written backwards from `end`; returns the first digit.
char* format_decimal(uint64_t v, char* end) {
  do {
    *--end = char('0' + v % 10);
    v /= 10;
  } while (v != 0);
  return end;
}
}  // namespace

// Formats without printf: integers in decimal, booleans as true/false,
// addresses through their own formatters.
size_t LogArg::append(char* out, size_t len, size_t cap) const {
  char tmp[96];
  char* const end = tmp + sizeof(tmp);
  char* p = end;
  switch (kind_) {
    case Kind::i64:
      p = format_decimal(i_ < 0 ? 0 - uint64_t(i_) : uint64_t(i_), end);
      if (i_ < 0) *--p = '-';
      break;
    case Kind::u64: p = format_decimal(u_, end); break;
    case Kind::boolean: return append_str(out, len, cap, u_ ? "true" : "false");
    case Kind::chr: *--p = char(u_); break;
    case Kind::str: return append_str(out, len, cap, s_);
    case Kind::ip:
    case Kind::endpoint: {
      if (g_redact) return append_str(out, len, cap, "[redacted]");
      const size_t n = kind_ == Kind::ip ? ip_->format(tmp, sizeof(tmp)) : sa_->format(tmp, sizeof(tmp));
      return append_str(out, len, cap, std::string_view(tmp, n < sizeof(tmp) ? n : sizeof(tmp) - 1));
    }
  }
  return append_str(out, len, cap, std::string_view(p, size_t(end - p)));
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
