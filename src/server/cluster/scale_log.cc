#include "server/cluster/scale_log.h"

namespace fastgpu {

void ScaleLog::append(ScaleEvent event) {
  std::lock_guard lock(mu_);
  events_.push_back(std::move(event));
  while (events_.size() > capacity_) events_.pop_front();
}

std::vector<ScaleEvent> ScaleLog::events() const {
  std::lock_guard lock(mu_);
  return {events_.begin(), events_.end()};
}

namespace {

nlohmann::json string_or_null(const std::string& text) {
  return text.empty() ? nlohmann::json() : nlohmann::json(text);
}

}  // namespace

nlohmann::json scale_log_to_json(const std::vector<ScaleEvent>& events) {
  nlohmann::json out = nlohmann::json::array();
  for (const ScaleEvent& e : events) {
    out.push_back({{"time", static_cast<double>(e.time_us) / 1e6},
                   {"action", e.action},
                   {"type", string_or_null(e.type)},
                   {"node", string_or_null(e.node)},
                   {"count", e.count},
                   {"reason", e.reason}});
  }
  return {{"events", out}};
}

}  // namespace fastgpu
