// net/event_loop.h — the io_context that every net/ object runs on.
//
// An EventLoop owns one asio::io_context and one ClockMapper, so that all
// drivers on a loop agree on what `now` is. Everything in net/ is
// single-threaded: objects created on a loop are used only from the thread
// that runs it (run(), run_for(), poll()). This header does not include Asio;
// code that wants to put its own handlers on the loop can include
// <asio.hpp> itself and use context().
#pragma once

#include "net/clock_mapper.h"

#include <memory>

namespace asio {
class io_context;
}

namespace sansrtc::net {

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs handlers until stop() is called or no work is left; returns the
  // number of handlers run.
  size_t run();
  // Runs handlers for at most `d` (or until stop()/no work).
  size_t run_for(Duration d);
  // Runs the handlers that are ready, without blocking.
  size_t poll();
  // Makes run()/run_for() return as soon as possible. Call restart() before
  // running again.
  void stop();
  bool stopped() const;
  void restart();

  const ClockMapper& clock() const { return clock_; }
  Instant now() const { return clock_.now(); }

  asio::io_context& context() { return *context_; }

 private:
  std::unique_ptr<asio::io_context> context_;
  ClockMapper clock_;
};

}  // namespace sansrtc::net
