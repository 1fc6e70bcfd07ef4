#pragma once
// The record test tasks append to as they start and end ("ID start PID", "ID end PID"), and the
// checks made on it: no task ran twice at once, which attempts never ended.

#include <sys/types.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace fastgpu::testing {

/// The number of lines of the file at `path`.
size_t count_lines(const std::string& path);

/// One line of the record the tasks append to: "ID start PID" or "ID end PID".
struct RecordLine {
  int64_t task = 0;
  std::string what;
  pid_t pid = 0;
};

/// Every line of the record at `path`, in order.
std::vector<RecordLine> read_record(const std::string& path);

/// The ids of tasks that started while an earlier attempt of theirs had not ended: tasks that
/// ran twice at once. The record lists starts and ends in the order they happened (the appends
/// are atomic and the file is shared by all processes of one machine). Attempts in `killed` (by
/// pid) never end in the record: the caller has shown that they were gone before any retry
/// could start.
std::vector<int64_t> overlapping_tasks(const std::string& path, const std::set<pid_t>& killed);

/// The pids of attempts that started and have not written their end.
std::set<pid_t> unended_attempts(const std::string& path);

}  // namespace fastgpu::testing
