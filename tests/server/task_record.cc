#include "task_record.h"

#include <fstream>
#include <map>

namespace fastgpu::testing {

size_t count_lines(const std::string& path) {
  std::ifstream in(path);
  size_t lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  return lines;
}

std::vector<RecordLine> read_record(const std::string& path) {
  std::ifstream in(path);
  std::vector<RecordLine> lines;
  RecordLine line;
  while (in >> line.task >> line.what >> line.pid) lines.push_back(line);
  return lines;
}

std::vector<int64_t> overlapping_tasks(const std::string& path, const std::set<pid_t>& killed) {
  std::map<int64_t, int> open;
  std::vector<int64_t> twice;
  for (const RecordLine& line : read_record(path)) {
    if (line.what == "start" && !killed.contains(line.pid) && open[line.task]++ > 0) {
      twice.push_back(line.task);
    }
    if (line.what == "end") open[line.task] -= 1;
  }
  return twice;
}

std::set<pid_t> unended_attempts(const std::string& path) {
  std::set<pid_t> pids;
  for (const RecordLine& line : read_record(path)) {
    if (line.what == "start") pids.insert(line.pid);
    if (line.what == "end") pids.erase(line.pid);
  }
  return pids;
}

}  // namespace fastgpu::testing
