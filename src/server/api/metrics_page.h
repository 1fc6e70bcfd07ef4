#pragma once
// The Prometheus text page of /metrics.

#include <string>

#include "server/loop/scheduler.h"
#include "store/batch_writer.h"

namespace fastgpu {

/// Queue length, running tasks, allocation per GPU, the submit -> running latency histogram
/// and the store's commit counters, in Prometheus text exposition format 0.0.4.
std::string render_metrics(const Scheduler& scheduler, const BatchWriter& writer);

}  // namespace fastgpu
