// Points in time on the command line: ages, dates, UTC times and epoch seconds.

#include "cli/time_arg.h"

#include <gtest/gtest.h>

namespace fastgpu::cli {
namespace {

constexpr double kNow = 1'796'083'200;  // 2026-12-01T00:00:00Z

TEST(TimeArg, AnAgeCountsBackFromNow) {
  EXPECT_EQ(parse_time_arg("90s", kNow), kNow - 90);
  EXPECT_EQ(parse_time_arg("30m", kNow), kNow - 1800);
  EXPECT_EQ(parse_time_arg("12h", kNow), kNow - 43200);
  EXPECT_EQ(parse_time_arg("7d", kNow), kNow - 7 * 86400);
}

TEST(TimeArg, DatesAndTimesAreUtc) {
  EXPECT_EQ(parse_time_arg("2026-12-01", kNow), kNow);
  EXPECT_EQ(parse_time_arg("2026-12-01T10:30:05Z", kNow), kNow + 10 * 3600 + 30 * 60 + 5);
  EXPECT_EQ(parse_time_arg("2026-12-01T10:30:05", kNow), kNow + 37805);
  EXPECT_EQ(parse_time_arg("1796083200", kNow), kNow);
}

TEST(TimeArg, RefusesWhatIsNotATime) {
  for (const char* bad : {"", "x", "7w", "-5d", "2026-13-01", "2026-02-30", "2026-12-01T25:00:00",
                          "2026-12-01 10:00", "1969-12-31", "12.5", "99999999999d"}) {
    EXPECT_FALSE(parse_time_arg(bad, kNow).has_value()) << bad;
  }
}

}  // namespace
}  // namespace fastgpu::cli
