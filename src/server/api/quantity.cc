#include "server/api/quantity.h"

#include <array>
#include <charconv>
#include <cmath>
#include <utility>

namespace fastgpu {
namespace {

constexpr std::array<std::pair<std::string_view, int64_t>, 9> kMemoryUnits = {{
    {"KiB", int64_t{1} << 10},
    {"MiB", int64_t{1} << 20},
    {"GiB", int64_t{1} << 30},
    {"TiB", int64_t{1} << 40},
    {"KB", 1'000},
    {"MB", 1'000'000},
    {"GB", 1'000'000'000},
    {"TB", 1'000'000'000'000},
    {"B", 1},
}};

constexpr std::string_view kMemoryForm =
    "must be bytes (an integer) or a string like \"16GiB\" (units B, KiB, MiB, GiB, TiB, KB, MB, "
    "GB, TB)";

std::optional<int64_t> parse_memory_text(std::string_view text) {
  for (const auto& [unit, scale] : kMemoryUnits) {
    if (text.size() <= unit.size() || !text.ends_with(unit)) continue;
    std::string_view number = text.substr(0, text.size() - unit.size());
    while (!number.empty() && number.back() == ' ') number.remove_suffix(1);
    double value = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc() || end != number.data() + number.size() || !std::isfinite(value) ||
        value < 0) {
      return std::nullopt;
    }
    const double bytes = std::ceil(value * static_cast<double>(scale));
    if (bytes > static_cast<double>(kMaxMemoryBytes)) return kMaxMemoryBytes + 1;
    return static_cast<int64_t>(bytes);
  }
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> parse_memory_bytes(const nlohmann::json& value, std::string* problem) {
  std::optional<int64_t> bytes;
  if (value.is_number_unsigned()) {
    bytes = value.get<uint64_t>() > static_cast<uint64_t>(kMaxMemoryBytes)
                ? kMaxMemoryBytes + 1
                : static_cast<int64_t>(value.get<uint64_t>());
  } else if (value.is_number_integer()) {
    bytes = value.get<int64_t>();
  } else if (value.is_string()) {
    bytes = parse_memory_text(value.get_ref<const std::string&>());
  }
  if (!bytes) {
    *problem = kMemoryForm;
    return std::nullopt;
  }
  if (*bytes < 0 || *bytes > kMaxMemoryBytes) {
    *problem = "must be within 0 bytes..1PiB";
    return std::nullopt;
  }
  return bytes;
}

std::optional<MilliGpu> fraction_to_milli_gpu(double fraction) {
  if (!(fraction > 0) || fraction > 1) return std::nullopt;
  const double milli = std::ceil(fraction * kMilliPerGpu - 1e-9);
  return static_cast<MilliGpu>(std::max(1.0, milli));
}

std::optional<int64_t> tflops_to_milli(double tflops) {
  if (!(tflops > 0) || tflops * 1000 > static_cast<double>(kMaxMilliTflops)) return std::nullopt;
  return std::max<int64_t>(1, std::llround(tflops * 1000));
}

std::optional<int64_t> seconds_to_ms(double seconds) {
  constexpr double kYearSeconds = 366.0 * 24 * 3600;
  if (!(seconds > 0) || seconds > kYearSeconds) return std::nullopt;
  return std::max<int64_t>(1, std::llround(seconds * 1000));
}

}  // namespace fastgpu
