#include "runtime/exit_record.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <string_view>

#include "core/text_file.h"

namespace fastgpu {
namespace {

constexpr std::string_view kExit = "exit ";
constexpr std::string_view kSignal = "signal ";

// Copies `text` to `out` and returns the end of what was copied.
char* put(char* out, std::string_view text) {
  for (char c : text) *out++ = c;
  return out;
}

// The decimal number that is all of `text`, or -1.
int whole_number(std::string_view text) {
  int value = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && value >= 0 ? value : -1;
}

}  // namespace

void write_exit_record(int fd, int status) {
  char line[32];
  char* end = put(line, WIFEXITED(status) ? kExit : kSignal);
  const int value = WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status);
  end = std::to_chars(end, line + sizeof line - 1, value).ptr;  // no allocation, no locale
  *end++ = '\n';
  const ssize_t ignored = ::write(fd, line, static_cast<size_t>(end - line));
  (void)ignored;
}

void end_like_waited(int status) {
  if (WIFEXITED(status)) ::_exit(WEXITSTATUS(status));
  const int signal = WTERMSIG(status);
  struct sigaction by_default = {};
  by_default.sa_handler = SIG_DFL;
  ::sigaction(signal, &by_default, nullptr);
  ::kill(::getpid(), signal);
  ::_exit(128 + signal);
}

bool read_exit_record(const std::string& path, ExitRecord* out) {
  std::string text;
  if (!read_file(path, &text).is_ok() || text.size() < 2 || text.back() != '\n') return false;
  std::string_view line(text.data(), text.size() - 1);
  const bool exited = line.starts_with(kExit);
  if (!exited && !line.starts_with(kSignal)) return false;
  line.remove_prefix(exited ? kExit.size() : kSignal.size());
  const int value = whole_number(line);
  if (value < 0 || (exited && value > 255) || (!exited && (value == 0 || value >= NSIG))) {
    return false;
  }
  *out = exited ? ExitRecord{value, 0} : ExitRecord{-1, value};
  return true;
}

}  // namespace fastgpu
