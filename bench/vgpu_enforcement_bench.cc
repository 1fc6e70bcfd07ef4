// The enforcement figures of libfastgpu-vgpu on the mock driver's simulated device, each from
// real processes with the shim preloaded:
//   - two processes capped 300 and 700 milli under saturating load (1 ms and 0.1 ms kernels);
//   - one process capped 500 alone, bursting off;
//   - 256 processes attaching to one vGPU's ledger at once.
// Usage: vgpu_enforcement_bench [WINDOW_SECONDS]   (default 5)
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "probe_runner.h"

using namespace fastgpu::vgpu::testing;

namespace {

ProbeSetup setup_for(const std::string& scenario) {
  return {FASTGPU_VGPU_LIBRARY, FASTGPU_MOCK_DRIVER, FASTGPU_VGPU_PROBE,
          scenario + std::to_string(getpid())};
}

std::string id_for(const std::string& name) { return name + std::to_string(getpid()); }

void shares(const char* label, const std::vector<LoadRequest>& loads, int kernel_us,
            double window_s, int switch_us = 0) {
  ProbeSetup setup = setup_for("bench-share");
  setup.mock_switch_us = switch_us;
  const auto got = run_loads(setup, loads, kernel_us, 1.0, window_s);
  std::printf("%-44s", label);
  std::vector<std::string> ids;
  for (size_t i = 0; i < loads.size(); ++i) {
    std::printf("  cap %4d -> %6.2f%% (CPU wait %.1f%%)", loads[i].share_milli, got[i].busy,
                got[i].cpu_wait);
    ids.push_back(loads[i].vgpu_id);
  }
  std::printf("\n");
  remove_shared_memory(setup, ids);
}

}  // namespace

int main(int argc, char** argv) {
  const double window_s = argc > 1 ? std::atof(argv[1]) : 5.0;
  if (window_s <= 0) {
    std::fprintf(stderr, "vgpu_enforcement_bench: WINDOW_SECONDS must be positive\n");
    return 2;
  }
  std::printf("share of simulated device time over %.1f s (after 1 s warm-up)\n", window_s);
  shares("two processes, 1 ms kernels", {{id_for("a"), 300}, {id_for("b"), 700}}, 1000, window_s);
  shares("two processes, 0.1 ms kernels", {{id_for("c"), 300}, {id_for("d"), 700}}, 100, window_s);
  shares("two, 7 ms kernels, 1 ms context switch", {{id_for("g"), 300}, {id_for("h"), 700}}, 7000,
         window_s, 1000);
  shares("two uncapped, 7 ms kernels, 1 ms switch", {{id_for("i"), 1000}, {id_for("j"), 1000}},
         7000, window_s, 1000);
  shares("alone, bursting off, 1 ms kernels", {{id_for("e"), 500}}, 1000, window_s);
  shares("alone, bursting on, 1 ms kernels", {{id_for("f"), 500, true}}, 1000, window_s);

  const ProbeSetup setup = setup_for("bench-attach");
  const std::string id = id_for("attach");
  const AttachReport report = attach_many(setup, id, 256);
  std::printf(
      "256 processes attaching at once: %d initialised; slowest init %.3f ms; all ready "
      "%.1f ms after the first spawn\n",
      report.succeeded, report.slowest_init_ns / 1e6, report.all_ready_ns / 1e6);
  remove_shared_memory(setup, {id});
  return report.succeeded == 256 ? 0 : 1;
}
