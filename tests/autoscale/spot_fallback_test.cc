// SpotFallback: a type reclaimed N times within the window is withheld until the window has
// passed since its last reclaim.

#include "autoscale/spot_fallback.h"

#include <gtest/gtest.h>

namespace fastgpu {
namespace {

PoolLimits ThreeInAnHour() {
  PoolLimits limits;
  limits.spot_fallback_interruptions = 3;
  limits.spot_fallback_window_seconds = 3600;
  return limits;
}

TEST(SpotFallback, ThreeReclaimsWithinTheWindowWithholdTheTypeUntilItPasses) {
  SpotFallback fallback(2, ThreeInAnHour());
  EXPECT_FALSE(fallback.record(0, 100));
  EXPECT_FALSE(fallback.record(0, 200));
  EXPECT_EQ(fallback.withheld(300), (std::vector<bool>{false, false}));
  EXPECT_TRUE(fallback.record(0, 300));   // the third within the hour: withheld now
  EXPECT_FALSE(fallback.record(0, 400));  // already withheld
  EXPECT_EQ(fallback.withheld(3999), (std::vector<bool>{true, false}));
  EXPECT_EQ(fallback.withheld(4000), (std::vector<bool>{false, false}));  // an hour after the last
  EXPECT_EQ(fallback.reclaims(), (std::vector<int64_t>{4, 0}));
}

TEST(SpotFallback, ReclaimsSpreadWiderThanTheWindowDoNotCount) {
  SpotFallback fallback(1, ThreeInAnHour());
  EXPECT_FALSE(fallback.record(0, 0));
  EXPECT_FALSE(fallback.record(0, 3000));
  EXPECT_FALSE(fallback.record(0, 7000));  // the first is more than an hour before it
  EXPECT_EQ(fallback.withheld(7001), std::vector<bool>{false});
  EXPECT_FALSE(fallback.record(0, 8000));  // 3000, 7000, 8000: over 3600 s apart
  EXPECT_TRUE(fallback.record(0, 9000));   // 7000, 8000, 9000: within the hour
}

}  // namespace
}  // namespace fastgpu
