// Test messages and echo bookkeeping; see echo_check.h.
#include "echo_check.h"

#include <algorithm>

namespace sansrtc::demo {
namespace {

// A different sequence for each (channel, message): byte j of message m is a
// function of j, m and the channel, with a period that is not a power of two
// so that no fragment boundary lines up with it.
uint8_t pattern(uint32_t channel, uint32_t message, size_t j) {
  return uint8_t((j * 131 + message * 17 + channel * 101 + (j / 251) * 7) % 251);
}

}  // namespace

std::vector<TestMessage> make_test_messages(uint32_t channel, uint64_t max_size) {
  std::vector<TestMessage> out;
  uint32_t m = 0;
  for (size_t size : kTestMessageSizes) {
    if (size > max_size) continue;
    for (bool binary : {true, false}) {
      TestMessage t;
      t.binary = binary;
      t.data.resize(size);
      for (size_t j = 0; j < size; ++j) {
        const uint8_t p = pattern(channel, m, j);
        t.data[j] = binary ? p : uint8_t(' ' + p % 95);  // printable ASCII
      }
      out.push_back(std::move(t));
      ++m;
    }
  }
  return out;
}

// pattern(channel, message, j) for j = 0, 1, … without a division per byte
// (the bulk phase runs this over every byte sent and received).
class PatternStream {
 public:
  PatternStream(uint32_t channel, uint32_t message) : acc_(pattern(channel, message, 0)) {}
  uint8_t next() {
    const uint8_t v = uint8_t(acc_);
    acc_ += 131;
    if (++in_block_ == 251) {  // (j / 251) * 7 steps up
      in_block_ = 0;
      acc_ += 7;
    }
    if (acc_ >= 251) acc_ -= 251;
    if (acc_ >= 251) acc_ -= 251;
    return v;
  }

 private:
  uint32_t acc_;
  uint32_t in_block_ = 0;
};

std::vector<uint8_t> make_bulk_message(uint32_t index, size_t size) {
  std::vector<uint8_t> out(size);
  PatternStream p(1000, index);
  for (size_t j = 0; j < size; ++j) out[j] = p.next();
  return out;
}

bool is_bulk_message(uint32_t index, std::span<const uint8_t> data) {
  PatternStream p(1000, index);
  for (size_t j = 0; j < data.size(); ++j)
    if (data[j] != p.next()) return false;
  return true;
}

EchoCheck::EchoCheck(std::vector<TestMessage> expected, bool ordered)
    : expected_(std::move(expected)), matched_(expected_.size(), false), ordered_(ordered) {}

bool EchoCheck::on_echo(std::span<const uint8_t> data, bool binary) {
  auto same = [&](const TestMessage& t) {
    return t.binary == binary && t.data.size() == data.size() && std::equal(data.begin(), data.end(), t.data.begin());
  };
  if (ordered_) {
    if (next_ < expected_.size() && same(expected_[next_])) {
      matched_[next_++] = true;
      ++matched_count_;
      return true;
    }
  } else {
    for (size_t i = 0; i < expected_.size(); ++i) {
      if (!matched_[i] && same(expected_[i])) {
        matched_[i] = true;
        ++matched_count_;
        return true;
      }
    }
  }
  ++mismatched_;
  return false;
}

}  // namespace sansrtc::demo
