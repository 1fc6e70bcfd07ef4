#include "vgpu/vgpu_log.h"

#include <unistd.h>

#include <cstdarg>
#include <cstdio>

namespace fastgpu::vgpu {

void log_error(const char* format, ...) {
  char line[512];
  int used = std::snprintf(line, sizeof line, "[fastgpu-vgpu %d] ", static_cast<int>(getpid()));
  va_list arguments;
  va_start(arguments, format);
  used += std::vsnprintf(line + used, sizeof line - used - 1, format, arguments);
  va_end(arguments);
  if (used > static_cast<int>(sizeof line) - 2) used = sizeof line - 2;
  line[used++] = '\n';
  [[maybe_unused]] ssize_t written = write(STDERR_FILENO, line, used);
}

}  // namespace fastgpu::vgpu
