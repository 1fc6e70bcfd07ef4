#pragma once
// A fixed-bucket histogram of latencies, for the Prometheus /metrics page.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace fastgpu {

/// Cumulative-bucket histogram of durations in microseconds. Thread-safe (relaxed atomics).
class LatencyHistogram {
 public:
  /// Upper bounds of the buckets, in microseconds; a last implicit bucket holds the rest.
  static constexpr std::array<int64_t, 12> kBoundsUs = {500,     1'000,     2'000,     5'000,
                                                        10'000,  25'000,    50'000,    100'000,
                                                        250'000, 1'000'000, 5'000'000, 30'000'000};

  void observe(int64_t micros);

  /// The histogram in Prometheus text format under `name` (seconds), with its HELP line.
  std::string render(const std::string& name, const std::string& help) const;

 private:
  std::array<std::atomic<uint64_t>, kBoundsUs.size() + 1> counts_{};
  std::atomic<int64_t> sum_us_{0};
};

}  // namespace fastgpu
