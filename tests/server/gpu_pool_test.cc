// GpuPool: the daemon's own GPUs plus the hosts agents add.

#include "server/loop/gpu_pool.h"

#include <gtest/gtest.h>

namespace fastgpu {
namespace {

GpuDevice device(int index, const std::string& model) {
  GpuDevice d;
  d.index = index;
  d.uuid = "GPU-" + model + "-" + std::to_string(index);
  d.model = model;
  d.model_id = find_gpu_model(model);
  d.memory_bytes = int64_t{80} << 30;
  return d;
}

TEST(GpuPool, AddHostAppendsItsGroupsAfterTheLocalOnes) {
  GpuPool pool;
  ASSERT_TRUE(GpuPool::create({device(0, "A100-80GB")}, 4000, &pool).is_ok());
  std::vector<NodeIndex> added;
  ASSERT_TRUE(
      pool.add_host("box", {device(0, "A100-80GB"), device(1, "A100-80GB"), device(2, "H100-80GB")},
                    8000, &added)
          .is_ok());
  ASSERT_EQ(added, (std::vector<NodeIndex>{1, 2}));  // one group per model
  ASSERT_EQ(pool.nodes().size(), 3u);
  EXPECT_EQ(pool.host_of(0), GpuPool::kLocalHost);
  EXPECT_EQ(pool.host_of(1), "box");
  EXPECT_EQ(pool.nodes()[1].name, "box/gpu-group-0");
  EXPECT_EQ(pool.nodes()[1].num_gpus, 2);
  EXPECT_EQ(pool.nodes()[1].cpu_milli, 8000);
  EXPECT_EQ(pool.nodes()[2].name, "box/gpu-group-1");
  EXPECT_EQ(pool.device_indices(Placement{1, 0b10}), std::vector<int>{2});
  EXPECT_EQ(pool.devices()[3].uuid, "GPU-H100-80GB-2");
  EXPECT_TRUE(pool.device_indices(Placement{9, 0b1}).empty());  // a node the pool lacks
}

TEST(GpuPool, AddHostIsAllOrNothing) {
  GpuPool pool;
  ASSERT_TRUE(GpuPool::create({device(0, "A100-80GB")}, 4000, &pool).is_ok());
  std::vector<NodeIndex> added;
  EXPECT_FALSE(pool.add_host("box", {}, 8000, &added).is_ok());
  EXPECT_FALSE(pool.add_host(GpuPool::kLocalHost, {device(0, "A100-80GB")}, 8000, &added).is_ok());
  EXPECT_EQ(pool.nodes().size(), 1u);
  EXPECT_EQ(pool.devices().size(), 1u);
}

TEST(GpuPool, ARemovedHostKeepsItsIndicesButIsNoLongerOffered) {
  GpuPool pool;
  ASSERT_TRUE(GpuPool::create({device(0, "A100-80GB")}, 4000, &pool).is_ok());
  std::vector<NodeIndex> added;
  ASSERT_TRUE(pool.add_host("box", {device(0, "H100-80GB")}, 8000, &added).is_ok());
  const TaskShape h100{1000, 0, 1, 1000, 0, model_bit(*find_gpu_model("H100-80GB"))};
  EXPECT_TRUE(pool.could_ever_fit(h100, 0));
  EXPECT_EQ(pool.node_of_device(1), 1u);

  ASSERT_TRUE(pool.remove_host("box").is_ok());
  EXPECT_TRUE(pool.removed(1));
  EXPECT_FALSE(pool.removed(0));
  EXPECT_FALSE(pool.could_ever_fit(h100, 0)) << "only the removed host had an H100";
  EXPECT_EQ(pool.device_indices(Placement{1, 0b1}), std::vector<int>{1});  // indices stay
  EXPECT_EQ(pool.remove_host("nope").code(), Status::Code::kNotFound);
  EXPECT_EQ(pool.remove_host(GpuPool::kLocalHost).code(), Status::Code::kInvalidArgument);

  pool.restore_host("box");  // a new agent process took the name
  EXPECT_FALSE(pool.removed(1));
  EXPECT_TRUE(pool.could_ever_fit(h100, 0));
}

}  // namespace
}  // namespace fastgpu
