#include "cli/time_arg.h"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <string>

namespace fastgpu::cli {
namespace {

// The digits of `text` from `at`, exactly `count` of them, as a number; -1 when not digits.
int digits(std::string_view text, size_t at, size_t count) {
  if (at + count > text.size()) return -1;
  int value = 0;
  auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + count, value);
  return ec == std::errc() && end == text.data() + at + count ? value : -1;
}

// "YYYY-MM-DD" with an optional "THH:MM:SS" and "Z", as seconds since the epoch (UTC).
std::optional<double> parse_date_time(std::string_view text) {
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const int year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
  if (year < 1970 || month < 1 || day < 1) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;
  int64_t seconds = std::chrono::sys_days{date}.time_since_epoch().count() * int64_t{86400};
  std::string_view rest = text.substr(10);
  if (rest.empty()) return static_cast<double>(seconds);
  if (rest.back() == 'Z') rest.remove_suffix(1);
  if (rest.size() != 9 || rest[0] != 'T' || rest[3] != ':' || rest[6] != ':') return std::nullopt;
  const int hour = digits(rest, 1, 2), minute = digits(rest, 4, 2), second = digits(rest, 7, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return std::nullopt;
  }
  seconds += hour * 3600 + minute * 60 + second;
  return static_cast<double>(seconds);
}

// "90s", "30m", "12h", "7d": that many seconds, or nullopt.
std::optional<double> parse_age(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  double unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    default:
      return std::nullopt;
  }
  int64_t count = 0;
  const std::string_view number = text.substr(0, text.size() - 1);
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), count);
  if (ec != std::errc() || end != number.data() + number.size() || count < 0 ||
      count > 100'000'000) {
    return std::nullopt;
  }
  return static_cast<double>(count) * unit;
}

}  // namespace

std::optional<double> parse_time_arg(std::string_view text, double now_s) {
  if (std::optional<double> age = parse_age(text)) {
    return *age <= now_s ? std::optional<double>(now_s - *age) : std::nullopt;
  }
  if (text.find('-') != std::string_view::npos) return parse_date_time(text);
  int64_t epoch = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), epoch);
  if (ec != std::errc() || end != text.data() + text.size() || epoch < 0) return std::nullopt;
  return static_cast<double>(epoch);
}

}  // namespace fastgpu::cli
