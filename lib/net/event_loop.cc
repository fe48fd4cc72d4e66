#include "net/event_loop.h"

#include "net/asio_endpoint.h"

namespace sansrtc::net {

EventLoop::EventLoop() : context_(std::make_unique<asio::io_context>(1)) {}

// Handlers still queued are destroyed with the io_context: net/ objects keep
// their state in shared_ptrs captured by their handlers, so this is safe even
// when a Driver or UdpSocket was destroyed without the loop running again.
EventLoop::~EventLoop() = default;

size_t EventLoop::run() {
  asio::error_code ec;
  return context_->run(ec);
}

size_t EventLoop::run_for(Duration d) {
  return context_->run_for(std::chrono::duration_cast<std::chrono::steady_clock::duration>(d));
}

size_t EventLoop::poll() {
  asio::error_code ec;
  return context_->poll(ec);
}

void EventLoop::stop() { context_->stop(); }
bool EventLoop::stopped() const { return context_->stopped(); }
void EventLoop::restart() { context_->restart(); }

}  // namespace sansrtc::net
