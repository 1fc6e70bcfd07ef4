#include "sim/replay_engine.h"

#include <gtest/gtest.h>

#include "sched/policy_registry.h"
#include "sim/trace_reader.h"

namespace fastgpu {
namespace {

// Hooks that add one event (at `extra`) and change nothing: the replay must not notice them.
class InertHooks final : public ReplayHooks {
 public:
  explicit InertHooks(int64_t extra) : extra_(extra) {}
  int64_t next_time() const override { return seen_extra_ ? INT64_MAX : extra_; }
  Status before_scan(int64_t t, ReplayEngine&) override {
    seen_extra_ |= t == extra_;
    ++calls_;
    return Status::ok();
  }
  Status after_scan(int64_t, ReplayEngine&) override { return Status::ok(); }
  void on_start(NodeIndex, int64_t) override { ++starts_; }
  void on_release(NodeIndex, int64_t) override { ++releases_; }
  int64_t unavailable_gpu_milli() const override { return 0; }

  int64_t extra_;
  bool seen_extra_ = false;
  int64_t calls_ = 0, starts_ = 0, releases_ = 0;
};

TEST(ReplayEngineTest, InertHooksLeaveTheReplayAsItIs) {
  const std::string data = FASTGPU_TEST_DATA_DIR;
  std::vector<NodeSpec> nodes;
  std::vector<Task> tasks;
  ASSERT_TRUE(
      read_trace(data + "/golden_nodes.csv", data + "/golden_pods.csv", &nodes, &tasks).is_ok());
  const ReplayOptions options{"best-fit", 42, 600, true};
  ReplayRun plain;
  ASSERT_TRUE(run_replay(nodes, tasks, options, &plain).is_ok());

  CapacityLedger ledger(nodes);
  std::string error;
  Placer placer(ledger, make_policy("best-fit", PolicyContext{}, &error), 42);
  ReplayRun hooked;
  InertHooks hooks(1000);  // between the trace's events
  ReplayEngine engine(tasks, ledger, placer, options, &hooked, &hooks);
  ASSERT_TRUE(engine.run().is_ok());

  EXPECT_TRUE(hooks.seen_extra_);
  EXPECT_EQ(hooks.starts_, hooks.releases_);
  EXPECT_EQ(hooked.tasks_placed, plain.tasks_placed);
  EXPECT_EQ(hooked.delay.p99, plain.delay.p99);
  EXPECT_EQ(hooked.end_time, plain.end_time);
  EXPECT_DOUBLE_EQ(hooked.mean_alloc_percent, plain.mean_alloc_percent);
  ASSERT_EQ(hooked.series.size(), plain.series.size());
  for (size_t i = 0; i < plain.series.size(); ++i) {
    EXPECT_DOUBLE_EQ(hooked.series[i].alloc_percent, plain.series[i].alloc_percent) << i;
  }
}

}  // namespace
}  // namespace fastgpu
