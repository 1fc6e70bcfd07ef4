#pragma once
// Telling a process apart from a later one that reuses its pid: pid + start time.

#include <sys/types.h>

#include <cstdint>

#include "core/status.h"

namespace fastgpu {

/// A process as the kernel knows it across pid reuse: its pid and its start time in clock ticks
/// after boot (field 22 of /proc/PID/stat). A daemon stores both and, after a restart, re-adopts
/// the process only if both still match.
struct ProcessIdentity {
  pid_t pid = 0;
  uint64_t start_time = 0;
  bool operator==(const ProcessIdentity&) const = default;
};

/// Reads the start time of `pid` into *start_time. kNotFound when no such process exists.
Status read_process_start_time(pid_t pid, uint64_t* start_time);

/// True when `pid` is a live process started at `start_time`. A zombie (exited, not yet reaped)
/// counts as gone, and so does a different process that reuses the pid.
bool is_same_process(pid_t pid, uint64_t start_time);

/// is_same_process(id.pid, id.start_time).
inline bool is_same_process(const ProcessIdentity& id) {
  return is_same_process(id.pid, id.start_time);
}

}  // namespace fastgpu
