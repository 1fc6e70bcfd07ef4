#pragma once
// The line that separates a task's attempts in its logs.

#include <string>

#include "store/records.h"

namespace fastgpu {

/// The marker put in both logs of `task` before its next attempt starts, or "" before the first:
/// "--- fastgpu: attempt N of task ID (attempt N-1 ended: REASON) ---", one line of its own.
std::string attempt_marker(const TaskRecord& task);

/// Appends attempt_marker(task) to the logs `log_base`.out and `log_base`.err, starting on a
/// line of its own; false (errno set) when a log cannot be written.
bool mark_attempt_in_logs(const std::string& log_base, const TaskRecord& task);

}  // namespace fastgpu
