#include "runtime/simulated_inventory.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace fastgpu {
namespace {

std::vector<GpuDevice> discover(std::string_view spec, std::string_view host = "box-a") {
  std::unique_ptr<SimulatedInventory> inventory;
  const Status s = SimulatedInventory::create(spec, host, &inventory);
  EXPECT_TRUE(s.is_ok()) << s.message();
  std::vector<GpuDevice> devices;
  if (inventory) {
    EXPECT_TRUE(inventory->discover(&devices).is_ok());
  }
  return devices;
}

TEST(SimulatedInventoryTest, ModelCountGivesThatManyDevicesOfTheModel) {
  const std::vector<GpuDevice> devices = discover("8xA100-80GB");
  ASSERT_EQ(devices.size(), 8u);
  std::set<std::string> uuids;
  for (size_t i = 0; i < devices.size(); ++i) {
    const GpuDevice& d = devices[i];
    EXPECT_EQ(d.index, static_cast<int32_t>(i));
    EXPECT_EQ(d.model, "A100-80GB");
    EXPECT_EQ(d.model_id, find_gpu_model("A100-80GB"));
    EXPECT_EQ(d.memory_bytes, 81920 * kBytesPerMib);
    EXPECT_EQ(d.milli_tflops, 312'000);
    EXPECT_EQ(d.sm_count, 108);
    EXPECT_TRUE(d.simulated);
    EXPECT_EQ(d.utilization_percent, 0);
    uuids.insert(d.uuid);
  }
  EXPECT_EQ(uuids.size(), 8u);
  EXPECT_EQ(devices[0].uuid, simulated_gpu_uuid("box-a", 0));
  EXPECT_EQ(devices[7].uuid, simulated_gpu_uuid("box-a", 7));
}

TEST(SimulatedInventoryTest, UuidsAreStablePerHostAndDifferAcrossHosts) {
  EXPECT_EQ(simulated_gpu_uuid("box-a", 3),
            "GPU-sim-" + simulated_gpu_uuid("box-a", 0).substr(8, 8) + "-0003");
  EXPECT_EQ(discover("2xL4", "box-a")[1].uuid, discover("2xL4", "box-a")[1].uuid);
  EXPECT_NE(discover("2xL4", "box-a")[0].uuid, discover("2xL4", "box-b")[0].uuid);
  EXPECT_EQ(simulated_gpu_uuid("", 0), "GPU-sim-811c9dc5-0000");  // FNV-1a's offset basis
}

TEST(SimulatedInventoryTest, ListIsIndexedInOrder) {
  const std::vector<GpuDevice> devices = discover("2xH100,4xL4");
  ASSERT_EQ(devices.size(), 6u);
  EXPECT_EQ(devices[1].model, "H100");
  EXPECT_EQ(devices[2].model, "L4");
  EXPECT_EQ(devices[5].index, 5);
  EXPECT_EQ(devices[5].uuid, simulated_gpu_uuid("box-a", 5));
}

TEST(SimulatedInventoryTest, ModelsAndUnitsIgnoreCase) {
  EXPECT_EQ(discover("1xh100")[0].model, "H100");
  EXPECT_EQ(discover("1X40TFLOPS:16gib")[0].memory_bytes, 16 * kBytesPerGib);
}

TEST(SimulatedInventoryTest, TflopsFormCarriesThroughputAndMemory) {
  const std::vector<GpuDevice> seed = discover(kDefaultSimulatedGpus);
  ASSERT_EQ(seed.size(), 1u);
  EXPECT_EQ(seed[0].milli_tflops, 40'000);
  EXPECT_EQ(seed[0].memory_bytes, 80 * kBytesPerGib);
  EXPECT_FALSE(seed[0].model_id);
  EXPECT_EQ(seed[0].model, "Simulated-40TFLOPS");
  EXPECT_TRUE(seed[0].simulated);

  EXPECT_EQ(discover("4x312tflops").size(), 4u);
  EXPECT_EQ(discover("1x40tflops:16GiB")[0].memory_bytes, 16 * kBytesPerGib);
  const GpuDevice odd = discover("1x19.5tflops:512MiB")[0];
  EXPECT_EQ(odd.milli_tflops, 19'500);
  EXPECT_EQ(odd.memory_bytes, 512 * kBytesPerMib);
  EXPECT_EQ(odd.model, "Simulated-19.5TFLOPS");
  EXPECT_EQ(discover("1x0.125tflops:1TiB")[0].milli_tflops, 125);
  EXPECT_EQ(discover("64xT4").size(), 64u);
  EXPECT_EQ(discover("032xT4,32x1tflops").size(), 64u);
}

struct BadSpec {
  const char* spec;
  const char* problem;  // a phrase the message must hold
};

TEST(SimulatedInventoryTest, EveryBadSpecIsRefusedNamingTheProblem) {
  const BadSpec cases[] = {
      {"", "empty"},
      {"0xA100-80GB", "count 0"},
      {"00xT4", "count 0"},
      {"65xT4", "exceeds the limit of 64"},
      {"99999999999999999999999xT4", "exceeds the limit of 64"},
      {"40xT4,30xL4", "describes 70 GPUs; the limit is 64"},
      {"8xA100", "unknown GPU model \"A100\""},
      {"8xA100", "A100-80GB"},  // the known models are listed
      {"axT4", "bad count \"a\""},
      {"-1xT4", "bad count \"-1\""},
      {" 1xT4", "bad count \" 1\""},
      {"xT4", "bad count \"\""},
      {"8T4", "no 'x'"},
      {"8x", "missing GPU model or TFLOPS"},
      {"1x4.0.0tflops", "bad number \"4.0.0\""},
      {"1x.5tflops", "bad number \".5\""},
      {"1x40.1234tflops", "more than 3 decimals"},
      {"1x0tflops", "out of range"},
      {"1x200000tflops", "out of range"},
      {"1x40", "expected unit 'tflops'"},
      {"1x40gflops", "expected unit 'tflops'"},
      {"1x40tflopsx", "trailing characters \"x\""},
      {"1x40tflops:16GB", "bad memory unit \"GB\""},
      {"1x40tflops:16GiB:3", "bad memory unit \"GiB:3\""},
      {"1x40tflops:", "bad memory size"},
      {"1x40tflops:GiB", "bad memory size"},
      {"1x40tflops:0GiB", "out of range"},
      {"1x40tflops:17TiB", "out of range"},
      {"2xH100,", "item 2 \"\": empty item"},
      {"2xH100,,4xL4", "item 2 \"\": empty item"},
      {"1xH100:16GiB", "only a TFLOPS GPU"},
      {"2xH100,4xL5", "item 2 \"4xL5\": unknown GPU model \"L5\""},
  };
  for (const BadSpec& c : cases) {
    std::vector<SimulatedGpuGroup> groups{SimulatedGpuGroup{}};
    const Status s = parse_simulated_gpus(c.spec, &groups);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << c.spec;
    EXPECT_NE(s.message().find(c.problem), std::string::npos)
        << "spec \"" << c.spec << "\" gave: " << s.message();
    EXPECT_NE(s.message().find(std::string("\"") + c.spec + "\""), std::string::npos)
        << "the message must quote the spec: " << s.message();
    EXPECT_TRUE(groups.empty()) << c.spec;
  }
}

TEST(SimulatedInventoryTest, AllocationDrivesUtilizationAndMemory) {
  std::unique_ptr<SimulatedInventory> inventory;
  ASSERT_TRUE(SimulatedInventory::create("2xL4", "box-a", &inventory).is_ok());
  ASSERT_TRUE(inventory->set_allocation(1, 500, kBytesPerGib).is_ok());
  std::vector<GpuUsage> usage;
  ASSERT_TRUE(inventory->sample(&usage).is_ok());
  ASSERT_EQ(usage.size(), 2u);
  EXPECT_EQ(usage[0].utilization_percent, 0);
  EXPECT_EQ(usage[1].index, 1);
  EXPECT_EQ(usage[1].utilization_percent, 50);
  EXPECT_EQ(usage[1].memory_used_bytes, kBytesPerGib);
  ASSERT_TRUE(inventory->set_allocation(1, 1, 0).is_ok());
  ASSERT_TRUE(inventory->sample(&usage).is_ok());
  EXPECT_EQ(usage[1].utilization_percent, 1);  // any allocation shows

  std::vector<GpuDevice> devices;
  ASSERT_TRUE(inventory->discover(&devices).is_ok());
  EXPECT_EQ(devices[1].utilization_percent, 1);
  EXPECT_EQ(inventory->source(), "simulated");
}

TEST(SimulatedInventoryTest, AllocationOutsideTheDeviceIsRefused) {
  std::unique_ptr<SimulatedInventory> inventory;
  ASSERT_TRUE(SimulatedInventory::create("1xL4", "box-a", &inventory).is_ok());
  EXPECT_NE(inventory->set_allocation(1, 0, 0).message().find("no simulated GPU 1"),
            std::string::npos);
  EXPECT_NE(inventory->set_allocation(-1, 0, 0).message().find("no simulated GPU -1"),
            std::string::npos);
  EXPECT_NE(inventory->set_allocation(0, 1001, 0).message().find("1001"), std::string::npos);
  EXPECT_NE(inventory->set_allocation(0, -1, 0).message().find("-1"), std::string::npos);
  EXPECT_FALSE(inventory->set_allocation(0, 0, 24 * kBytesPerGib).is_ok());
  EXPECT_FALSE(inventory->set_allocation(0, 0, -1).is_ok());
}

}  // namespace
}  // namespace fastgpu
