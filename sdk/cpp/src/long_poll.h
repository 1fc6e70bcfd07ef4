#pragma once
// Long-poll deadlines shared by Task::wait and VirtualGPU::wait.

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

namespace fastgpu {
inline namespace sdk {

/// Longest single wait request; a longer wait is a loop of these.
inline constexpr double kLongPollSeconds = 30;

using SteadyClock = std::chrono::steady_clock;

/// The deadline `timeout_seconds` from now, or none for a negative timeout (wait forever).
inline std::optional<SteadyClock::time_point> deadline_after(double timeout_seconds) {
  if (timeout_seconds < 0) return std::nullopt;
  return SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                  std::chrono::duration<double>(timeout_seconds));
}

/// The "timeout" query value of the next wait request: the seconds left, at most one long-poll.
inline std::string poll_seconds(const std::optional<SteadyClock::time_point>& deadline) {
  double left = kLongPollSeconds;
  if (deadline) {
    left = std::chrono::duration<double>(*deadline - SteadyClock::now()).count();
    left = std::clamp(left, 0.0, kLongPollSeconds);
  }
  return std::to_string(left);
}

/// True once `deadline` (if any) has passed.
inline bool expired(const std::optional<SteadyClock::time_point>& deadline) {
  return deadline && SteadyClock::now() >= *deadline;
}

}  // namespace sdk
}  // namespace fastgpu
