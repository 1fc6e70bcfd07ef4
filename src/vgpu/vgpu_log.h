#pragma once
// libfastgpu-vgpu's messages go to stderr with a "[fastgpu-vgpu]" prefix: it lives inside
// other programs and has no log file of its own.
namespace fastgpu::vgpu {

// Prints one line (printf-style) to stderr.
[[gnu::format(printf, 1, 2)]] void log_error(const char* format, ...);

}  // namespace fastgpu::vgpu
