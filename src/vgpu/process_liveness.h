#pragma once
// Telling whether a process recorded earlier (pid + start time) still runs, so that entries of
// dead processes can be reaped even after the pid is reused.
#include <sys/types.h>

#include <cstdint>

namespace fastgpu::vgpu {

// The start time of `pid` in clock ticks since boot (field 22 of /proc/PID/stat); 0 if unknown.
uint64_t process_start_ticks(pid_t pid);

// True while `pid` runs and started at `start_ticks` (0 = do not compare start times).
bool process_alive(pid_t pid, uint64_t start_ticks);

}  // namespace fastgpu::vgpu
