#include "runtime/process_identity.h"

#include <charconv>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace fastgpu {
namespace {

// The fields of /proc/PID/stat this file needs.
struct ProcStat {
  char state = '?';
  uint64_t start_time = 0;
};

// Parses the text of /proc/PID/stat. The second field (comm) is in parentheses and may itself
// contain spaces and parentheses, so fields are counted from the last ')'.
bool parse_proc_stat(const std::string& text, ProcStat* out) {
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  for (int number = 3; fields >> field; ++number) {  // field 3 is the state
    if (number == 3) out->state = field.empty() ? '?' : field[0];
    if (number == 22) {
      auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), out->start_time);
      return ec == std::errc() && end == field.data() + field.size();
    }
  }
  return false;
}

Status read_proc_stat(pid_t pid, ProcStat* out) {
  if (pid <= 0) return Status::not_found("no process " + std::to_string(pid));
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  std::ifstream in(path);
  if (!in) return Status::not_found("no process " + std::to_string(pid));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.empty()) return Status::not_found("no process " + std::to_string(pid));
  if (!parse_proc_stat(text, out)) return Status::io_error("cannot parse " + path);
  return Status::ok();
}

}  // namespace

Status read_process_start_time(pid_t pid, uint64_t* start_time) {
  ProcStat stat;
  if (Status s = read_proc_stat(pid, &stat); !s.is_ok()) return s;
  *start_time = stat.start_time;
  return Status::ok();
}

bool is_same_process(pid_t pid, uint64_t start_time) {
  ProcStat stat;
  if (!read_proc_stat(pid, &stat).is_ok()) return false;
  return stat.start_time == start_time && stat.state != 'Z' && stat.state != 'X';
}

}  // namespace fastgpu
