#pragma once
// Shared set-up of the benchmarks: where the trace lives, loading it once, peak RSS.

#include <cstdint>
#include <string>
#include <vector>

#include "core/node.h"
#include "core/task.h"

namespace fastgpu::bench {

/// The openb trace as the benchmarks use it: the GPU node list and the default pod list.
struct OpenbTrace {
  std::vector<NodeSpec> nodes;
  std::vector<Task> tasks;
  std::string error;  // empty when both files were read
};

/// Loads $FASTGPU_DATA (default ../shared/data/alibaba-gpu-v2023, as the CLI does) once per
/// process and returns the same trace on every call.
const OpenbTrace& openb_trace();

/// Peak resident set size of the process so far (VmHWM of /proc/self/status), in MiB; -1 when
/// it cannot be read.
double peak_rss_mib();

/// Resets the kernel's peak-RSS mark to the current RSS (writes 5 to /proc/self/clear_refs), so
/// that peak_rss_mib() measures one benchmark rather than the whole process. Returns false when
/// the kernel refuses; the peak then covers the process since its start.
bool reset_peak_rss();

}  // namespace fastgpu::bench
