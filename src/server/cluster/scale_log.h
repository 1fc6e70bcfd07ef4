#pragma once
// The live autoscaler's decision log: what it did (or held back), to which type or node, and why.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fastgpu {

/// One entry of the scale log.
struct ScaleEvent {
  int64_t time_us = 0;  // wall clock
  std::string action;   // "scale-up", "scale-down", "held-back", "joined", "provider-error", ...
  std::string type;     // node type; empty when the entry is about no type
  std::string node;     // node (agent) name; empty when the entry is about no single node
  int64_t count = 0;    // nodes asked for (scale-up); 0 otherwise
  std::string reason;
};

/// The last `capacity` events, oldest first. Thread-safe: the autoscale loop appends, API
/// threads read.
class ScaleLog {
 public:
  explicit ScaleLog(size_t capacity = 1000) : capacity_(capacity) {}

  /// Appends `event`, dropping the oldest once `capacity` are held.
  void append(ScaleEvent event);
  /// A copy of the events held, oldest first.
  std::vector<ScaleEvent> events() const;

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::deque<ScaleEvent> events_;  // guarded by mu_
};

/// {"events": [{"time", "action", "type", "node", "count", "reason"}, ...]}; time in seconds
/// since the epoch, type and node null when empty.
nlohmann::json scale_log_to_json(const std::vector<ScaleEvent>& events);

}  // namespace fastgpu
