// The compute controller on the mock's simulated device time, in real processes. The tolerance
// here is wider than the benchmark's target (bench/vgpu_enforcement_bench reports the figures)
// so that a loaded CI machine cannot make it flake.
#include "shim_fixture.h"

namespace fastgpu::vgpu::testing {
namespace {

constexpr double kTolerance = 5.0;  // percentage points
constexpr int kKernelUs = 1000;

class ShimCompute : public ShimTest {};

TEST_F(ShimCompute, TwoProcessesCapped300And700) {
  const auto shares =
      run_loads(setup_, {{unique("v"), 300}, {unique("v"), 700}}, kKernelUs, 0.5, 2.0);
  EXPECT_NEAR(shares[0], 30.0, kTolerance);
  EXPECT_NEAR(shares[1], 70.0, kTolerance);
}

TEST_F(ShimCompute, ShortKernelsSplit300And700Too) {
  const auto shares = run_loads(setup_, {{unique("v"), 300}, {unique("v"), 700}}, 250, 0.5, 2.0);
  EXPECT_NEAR(shares[0], 30.0, kTolerance);
  EXPECT_NEAR(shares[1], 70.0, kTolerance);
}

TEST_F(ShimCompute, AloneCapped500WithoutBurst) {
  const auto shares = run_loads(setup_, {{unique("v"), 500}}, kKernelUs, 0.5, 2.0);
  EXPECT_NEAR(shares[0], 50.0, kTolerance);
}

TEST_F(ShimCompute, BurstLetsALoneVgpuUseTheIdleGpu) {
  const auto shares = run_loads(setup_, {{unique("v"), 500, true}}, kKernelUs, 0.5, 1.5);
  EXPECT_GT(shares[0], 90.0);
}

TEST_F(ShimCompute, BurstStopsWhenAnotherVgpuWorks) {
  const auto shares =
      run_loads(setup_, {{unique("v"), 300, true}, {unique("v"), 700}}, kKernelUs, 0.5, 2.0);
  EXPECT_NEAR(shares[0], 30.0, kTolerance);
  EXPECT_NEAR(shares[1], 70.0, kTolerance);
}

TEST_F(ShimCompute, UncappedRunsFree) {
  const auto shares = run_loads(setup_, {{unique("v"), 1000}}, kKernelUs, 0.5, 1.5);
  EXPECT_GT(shares[0], 95.0);
}

class ShimLaunchPath : public ShimCompute, public ::testing::WithParamInterface<const char*> {};

TEST_P(ShimLaunchPath, IsThrottled) {
  LoadRequest load{unique("v"), 400};
  load.launcher = GetParam();
  const auto shares = run_loads(setup_, {load}, kKernelUs, 0.5, 1.5);
  EXPECT_NEAR(shares[0], 40.0, kTolerance);
}

INSTANTIATE_TEST_SUITE_P(Launchers, ShimLaunchPath,
                         ::testing::Values("kernel", "ptsz", "ex", "cooperative", "graph"));

}  // namespace
}  // namespace fastgpu::vgpu::testing
