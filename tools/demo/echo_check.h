// demo/echo_check.h — what the WHIP client sends and how it checks the
// echoes, without IO: the test messages of one channel (sizes 0, 1, 1000,
// 16384, 65536 and 262144 bytes, binary and text, each filled with a pattern
// of its own so that a swapped or corrupted echo cannot match), the bulk-phase
// messages, and the bookkeeping of which echoes came back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sansrtc::demo {

inline constexpr size_t kTestMessageSizes[] = {0, 1, 1000, 16384, 65536, 262144};

struct TestMessage {
  std::vector<uint8_t> data;
  bool binary = false;
};

// The messages for the channel numbered `channel` (0, 1, …): every size of
// kTestMessageSizes, binary then text, capped at `max_size` bytes (the
// peer's max-message-size). Text messages are printable ASCII.
std::vector<TestMessage> make_test_messages(uint32_t channel, uint64_t max_size = 262144);

// Bulk message `index` of `size` bytes (binary).
std::vector<uint8_t> make_bulk_message(uint32_t index, size_t size);
bool is_bulk_message(uint32_t index, std::span<const uint8_t> data);

// Matches echoes against the messages sent on one channel. On an ordered
// channel echoes must come back in the order sent; on an unordered one any
// unmatched message may match.
class EchoCheck {
 public:
  EchoCheck() = default;
  EchoCheck(std::vector<TestMessage> expected, bool ordered);

  // Records one echo. Returns false (and counts a mismatch) when it matches
  // no outstanding message.
  bool on_echo(std::span<const uint8_t> data, bool binary);

  size_t expected() const { return expected_.size(); }
  size_t matched() const { return matched_count_; }
  size_t mismatched() const { return mismatched_; }
  bool complete() const { return matched_count_ == expected_.size(); }
  bool passed() const { return complete() && mismatched_ == 0; }
  const std::vector<TestMessage>& messages() const { return expected_; }

 private:
  std::vector<TestMessage> expected_;
  std::vector<bool> matched_;
  bool ordered_ = true;
  size_t next_ = 0;  // ordered: the next expected index
  size_t matched_count_ = 0;
  size_t mismatched_ = 0;
};

}  // namespace sansrtc::demo
