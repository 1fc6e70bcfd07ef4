#include "bench/bench_support.h"

#include <fstream>
#include <sstream>

#include "sim/trace_reader.h"

namespace fastgpu::bench {

const OpenbTrace& openb_trace() {
  static const OpenbTrace trace = [] {
    OpenbTrace t;
    const std::string dir = default_trace_dir();
    t.error = read_trace(dir + "/openb_node_list_gpu_node.csv", dir + "/openb_pod_list_default.csv",
                         &t.nodes, &t.tasks)
                  .message();
    if (!t.error.empty()) t.error += " (set FASTGPU_DATA to the trace folder)";
    return t;
  }();
  return trace;
}

double peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream fields(line.substr(6));
      double kib = 0;
      if (fields >> kib) return kib / 1024.0;
    }
  }
  return -1;
}

bool reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

}  // namespace fastgpu::bench
