// The reclaim rules of vGPUs (lease, ttl, idle timeout) on a fake clock.

#include "server/loop/vgpu_expiry.h"

#include <gtest/gtest.h>

#include <set>

namespace fastgpu {
namespace {

constexpr int64_t kSecond = 1'000'000;  // microseconds

VgpuRecord vgpu(VgpuId id, int64_t lease_ms, int64_t ttl_ms, int64_t idle_ms) {
  VgpuRecord record;
  record.id = id;
  record.spec.owner = "alice";
  record.spec.gpu_milli = 500;
  record.spec.lease_ms = lease_ms;
  record.spec.ttl_ms = ttl_ms;
  record.spec.idle_timeout_ms = idle_ms;
  record.created_at_us = 100 * kSecond;
  return record;
}

class VgpuExpiryTest : public ::testing::Test {
 protected:
  std::vector<VgpuReclaim> due(int64_t now) {
    return expiry_.due(now, [this](VgpuId id) { return busy_.contains(id); });
  }
  VgpuExpiry expiry_;
  std::set<VgpuId> busy_;
};

TEST_F(VgpuExpiryTest, AVgpuWithNoTimerIsNotTracked) {
  expiry_.track(vgpu(1, 0, 0, 0), 100 * kSecond);
  EXPECT_EQ(expiry_.size(), 0u);
  EXPECT_EQ(expiry_.renew(1, 101 * kSecond), 0);
}

TEST_F(VgpuExpiryTest, ALeaseLapsesUnlessRenewedAndWaitsForTheTasks) {
  expiry_.track(vgpu(1, 30'000, 0, 0), 100 * kSecond);
  EXPECT_TRUE(due(129 * kSecond).empty());
  EXPECT_EQ(expiry_.renew(1, 129 * kSecond), 159 * kSecond);
  EXPECT_TRUE(due(158 * kSecond).empty());
  busy_.insert(1);
  EXPECT_TRUE(due(159 * kSecond).empty()) << "a lapsed lease waits for unfinished tasks";
  busy_.clear();
  const std::vector<VgpuReclaim> now = due(160 * kSecond);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].id, 1);
  EXPECT_FALSE(now[0].force);
  EXPECT_EQ(now[0].reason, "its lease lapsed (not renewed for 30 s)");
  expiry_.forget(1);
  EXPECT_TRUE(due(161 * kSecond).empty());
}

TEST_F(VgpuExpiryTest, AReleaseEndsTheLeaseAtOnceAndRenewalsNoLongerCount) {
  expiry_.track(vgpu(1, 30'000, 0, 0), 100 * kSecond);
  expiry_.release(1, vgpu(1, 30'000, 0, 0).spec, 101 * kSecond);
  EXPECT_EQ(expiry_.renew(1, 101 * kSecond), 0);
  const std::vector<VgpuReclaim> now = due(101 * kSecond);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].reason, "released by its owner");
}

TEST_F(VgpuExpiryTest, AVgpuWithoutALeaseCanBeReleasedToo) {
  expiry_.release(7, vgpu(7, 0, 0, 0).spec, 100 * kSecond);
  busy_.insert(7);
  EXPECT_TRUE(due(200 * kSecond).empty());
  busy_.clear();
  ASSERT_EQ(due(200 * kSecond).size(), 1u);
}

TEST_F(VgpuExpiryTest, ATtlRunsFromCreationAndForcesOutRunningTasks) {
  expiry_.track(vgpu(2, 0, 1500, 0), 100'500'000);  // tracked after a restart, say
  busy_.insert(2);
  EXPECT_TRUE(due(101 * kSecond).empty());
  const std::vector<VgpuReclaim> now = due(101'500'000);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_TRUE(now[0].force);
  EXPECT_EQ(now[0].reason, "its ttl of 1.5 s ran out");
}

TEST_F(VgpuExpiryTest, AnIdleTimeoutCountsFromTheLastUnfinishedTask) {
  expiry_.track(vgpu(3, 0, 0, 10'000), 100 * kSecond);
  EXPECT_TRUE(due(100 * kSecond).empty());  // idle from here
  busy_.insert(3);
  EXPECT_TRUE(due(105 * kSecond).empty());  // busy again: the clock starts over
  busy_.clear();
  EXPECT_TRUE(due(106 * kSecond).empty());
  EXPECT_TRUE(due(115 * kSecond).empty());
  const std::vector<VgpuReclaim> now = due(116 * kSecond);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_FALSE(now[0].force);
  EXPECT_EQ(now[0].reason, "idle for 10 s");
}

}  // namespace
}  // namespace fastgpu
