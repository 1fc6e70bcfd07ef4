#include "vgpu/kernel_cost_model.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace fastgpu::vgpu {
namespace {

TEST(KernelCostModel, MeasuresEveryLaunchUntilItHasSamplesThenOneInNOutOfStep) {
  KernelCostModel model;
  int64_t estimate = 0;
  for (int i = 0; i < KernelCostModel::kSamplesKept; ++i) {
    EXPECT_TRUE(model.on_launch(7, &estimate));
    model.record(7, 1000 + i);
  }
  // About one launch in kSampleEvery, and not always at the same place of a repeating pattern
  // of launches (here: turns of 5 launches), which would bias the samples.
  constexpr int kLaunches = KernelCostModel::kSampleEvery * 1000;
  int sampled = 0;
  int by_place_in_turn[5] = {};
  for (int i = 0; i < kLaunches; ++i) {
    if (model.on_launch(7, &estimate)) {
      ++sampled;
      ++by_place_in_turn[i % 5];
    }
  }
  EXPECT_NEAR(sampled, 1000, 150);
  for (int count : by_place_in_turn) EXPECT_NEAR(count, sampled / 5, sampled / 10);
}

TEST(KernelCostModel, EstimateIsTheLowerQuartileOfRecentSamples) {
  KernelCostModel model;
  int64_t estimate = 0;
  EXPECT_FALSE(model.on_launch(1, &estimate) && estimate >= 0);
  EXPECT_EQ(estimate, -1);
  // A few samples inflated by other processes' work do not move it.
  for (int i = 0; i < KernelCostModel::kSamplesKept; ++i) model.record(1, i % 5 == 0 ? 9000 : 1000);
  EXPECT_EQ(model.estimate(1), 1000);
  // Old samples age out: the kernel got slower.
  for (int i = 0; i < KernelCostModel::kSamplesKept; ++i) model.record(1, 2000);
  EXPECT_EQ(model.estimate(1), 2000);
  EXPECT_EQ(model.estimate(2), -1);
}

TEST(KernelCostModel, ThreadsLaunchingAndRecordingAtOnce) {
  KernelCostModel model;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&model, t] {
      int64_t estimate = 0;
      for (int i = 0; i < 20'000; ++i) {
        const uint64_t key = static_cast<uint64_t>(i % 3);
        if (model.on_launch(key, &estimate)) model.record(key, 500 + t);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (uint64_t key = 0; key < 3; ++key) {
    EXPECT_GE(model.estimate(key), 500);
    EXPECT_LE(model.estimate(key), 503);
  }
}

TEST(KernelCostModel, LaunchKeysTellShapesApart) {
  int function = 0;
  EXPECT_NE(kernel_launch_key(&function, 100, 256), kernel_launch_key(&function, 256, 100));
  EXPECT_NE(kernel_launch_key(&function, 100, 256), kernel_launch_key(&function, 101, 256));
  EXPECT_EQ(kernel_launch_key(&function, 100, 256), kernel_launch_key(&function, 100, 256));
}

}  // namespace
}  // namespace fastgpu::vgpu
