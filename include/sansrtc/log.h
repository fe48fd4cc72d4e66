// sansrtc/log.h — the logging hook.
//
// sansrtc writes no log by itself: the user installs a sink and a level.
// Messages are formatted into a bounded stack buffer (no allocation) and only
// when their level is enabled. Key material has no formatter (see
// lib/base/log.h), and network addresses print as "[redacted]" once
// `set_log_redact_addresses(true)` is called, for release deployments.
#pragma once

#include <cstdint>

namespace sansrtc {

enum class LogLevel : uint8_t { trace, debug, info, warning, error, none };

// `module` is a short static string ("stun", "ice"…); `message` is valid only
// during the call. The sink runs on whatever thread drives the machine.
using LogSink = void (*)(void* user, LogLevel level, const char* module, const char* message);

// Installs `sink` (nullptr: discard) for all of sansrtc. Not thread-safe:
// call before starting machines.
void set_log_sink(LogSink sink, void* user);
void set_log_level(LogLevel level);
LogLevel log_level();
void set_log_redact_addresses(bool redact);
bool log_redact_addresses();
const char* log_level_name(LogLevel level);

}  // namespace sansrtc
