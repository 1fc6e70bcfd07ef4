#pragma once
// Submit -> running latency as fastgpud records it, for the benchmarks that start a daemon.

#include <cstdint>
#include <string>
#include <vector>

#include "tests/server/daemon_process.h"

namespace fastgpu::bench {

/// Submits `count` tasks with `body` one at a time, waiting for each to end, and returns each
/// one's started_at - created_at from the daemon's records, in microseconds, sorted.
std::vector<int64_t> submit_to_running_us(const testing::DaemonProcess& daemon, int count,
                                          const std::string& body);

}  // namespace fastgpu::bench
