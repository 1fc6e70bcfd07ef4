#pragma once
// Points in time given on the command line (`fastgpu usage --since 7d`).

#include <optional>
#include <string_view>

namespace fastgpu::cli {

/// `text` as seconds since the Unix epoch, given `now_s` (seconds since the epoch):
///   "90s", "30m", "12h", "7d"    that long before now
///   "2026-12-01"                 midnight UTC of that day
///   "2026-12-01T10:30:00Z"       that instant, UTC (the Z may be left out)
///   "1796083200"                 seconds since the epoch
/// nullopt for anything else, or an instant before the epoch.
std::optional<double> parse_time_arg(std::string_view text, double now_s);

}  // namespace fastgpu::cli
