#include "server/loop/latency_histogram.h"

#include <algorithm>
#include <cstdio>

namespace fastgpu {

void LatencyHistogram::observe(int64_t micros) {
  micros = std::max<int64_t>(0, micros);
  const auto bucket = std::lower_bound(kBoundsUs.begin(), kBoundsUs.end(), micros);
  counts_[static_cast<size_t>(bucket - kBoundsUs.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(micros, std::memory_order_relaxed);
}

std::string LatencyHistogram::render(const std::string& name, const std::string& help) const {
  std::string out = "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  uint64_t cumulative = 0;
  char line[160];
  for (size_t i = 0; i < counts_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    if (i < kBoundsUs.size()) {
      std::snprintf(line, sizeof line, "%s_bucket{le=\"%g\"} %llu\n", name.c_str(),
                    static_cast<double>(kBoundsUs[i]) / 1e6,
                    static_cast<unsigned long long>(cumulative));
    } else {
      std::snprintf(line, sizeof line, "%s_bucket{le=\"+Inf\"} %llu\n", name.c_str(),
                    static_cast<unsigned long long>(cumulative));
    }
    out += line;
  }
  std::snprintf(line, sizeof line, "%s_sum %.6f\n%s_count %llu\n", name.c_str(),
                static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6, name.c_str(),
                static_cast<unsigned long long>(cumulative));
  return out + line;
}

}  // namespace fastgpu
