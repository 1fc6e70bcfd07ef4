#include "bench/submit_latency.h"

#include <algorithm>
#include <cstdio>

namespace fastgpu::bench {

std::vector<int64_t> submit_to_running_us(const testing::DaemonProcess& daemon, int count,
                                          const std::string& body) {
  std::vector<int64_t> out;
  for (int i = 0; i < count; ++i) {
    const testing::Answer created = daemon.post("/v1/tasks", body);
    if (created.status != 201) {
      std::fprintf(stderr, "probe %d refused: %d %s\n", i, created.status, created.body.c_str());
      continue;
    }
    const std::string path = "/v1/tasks/" + std::to_string(int64_t{created.json["id"]});
    const testing::Answer done = daemon.get(path + "/wait?timeout=60");
    if (!done.json["started_at"].is_number()) {
      std::fprintf(stderr, "probe %d did not start: %d %s\n", i, done.status, done.body.c_str());
      continue;
    }
    const double started = done.json["started_at"];
    const double submitted = done.json["created_at"];
    out.push_back(static_cast<int64_t>((started - submitted) * 1e6));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace fastgpu::bench
