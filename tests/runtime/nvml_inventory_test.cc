#include "runtime/nvml_inventory.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/inventory_factory.h"

namespace fastgpu {
namespace {

constexpr std::string_view kNoSuchLibrary = "libfastgpu-no-such-nvml.so.1";

void expect_not_available(const Status& s, std::string_view detail) {
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
  EXPECT_TRUE(s.message().starts_with("NVML not available")) << s.message();
  EXPECT_NE(s.message().find(detail), std::string::npos) << s.message();
}

// On a host without the NVIDIA driver (this project's CI) NVML is refused clearly; on a host
// with GPUs it must list them.
TEST(NvmlInventoryTest, OnThisHostEitherListsGpusOrSaysNotAvailable) {
  std::unique_ptr<NvmlInventory> nvml;
  const Status s = NvmlInventory::open(&nvml);
  if (!s.is_ok()) {
    expect_not_available(s, "");
    EXPECT_EQ(nvml, nullptr);
    return;
  }
  std::vector<GpuDevice> devices;
  ASSERT_TRUE(nvml->discover(&devices).is_ok());
  for (const GpuDevice& d : devices) {
    EXPECT_TRUE(d.uuid.starts_with("GPU-") || d.uuid.starts_with("MIG-")) << d.uuid;
    EXPECT_GT(d.memory_bytes, 0);
    EXPECT_FALSE(d.model.empty());
    EXPECT_FALSE(d.simulated);
  }
  std::vector<GpuUsage> usage;
  ASSERT_TRUE(nvml->sample(&usage).is_ok());
  EXPECT_EQ(usage.size(), devices.size());
}

TEST(NvmlInventoryTest, MissingLibraryIsNamed) {
  std::unique_ptr<NvmlInventory> nvml;
  expect_not_available(NvmlInventory::open(&nvml, kNoSuchLibrary), kNoSuchLibrary);
  EXPECT_EQ(nvml, nullptr);
}

TEST(NvmlInventoryTest, LibraryWithoutNvmlNamesTheMissingEntryPoint) {
  std::unique_ptr<NvmlInventory> nvml;
  expect_not_available(NvmlInventory::open(&nvml, "libm.so.6"), "has no entry point nvmlInit_v2");
}

TEST(NvmlInventoryTest, NvmlNamesMapToCoreModels) {
  const int64_t gib = kBytesPerGib;
  const struct {
    const char* nvml_name;
    int64_t memory;
    const char* model;  // nullptr: not in core's table
  } cases[] = {
      {"NVIDIA H100 80GB HBM3", 80 * gib, "H100"},
      {"NVIDIA H100 PCIe", 80 * gib, "H100-PCIe"},
      {"NVIDIA H100 NVL", 94 * gib, nullptr},
      {"NVIDIA H200", 141 * gib, "H200"},
      {"NVIDIA H200 NVL", 141 * gib, nullptr},
      {"NVIDIA B200", 180 * gib, "B200"},
      {"NVIDIA A100-SXM4-80GB", 80 * gib, "A100-80GB"},
      {"NVIDIA A100-SXM4-40GB", 40 * gib, "A100-40GB"},
      {"NVIDIA A100-PCIE-40GB", 40 * gib, "A100-40GB"},
      {"NVIDIA A100 80GB PCIe", 80 * gib, "A100-80GB"},
      {"Tesla T4", 15 * gib, "T4"},
      {"Tesla P100-PCIE-16GB", 16 * gib, "P100"},
      {"Tesla V100-SXM2-16GB", 16 * gib, "V100M16"},
      {"Tesla V100-SXM2-32GB", 32 * gib, "V100M32"},
      {"NVIDIA Tesla V100-PCIE-32GB", 32 * gib, "V100M32"},
      {"Tesla V100S-PCIE-32GB", 32 * gib, nullptr},
      {"NVIDIA L4", 22 * gib, "L4"},
      {"NVIDIA L40S", 45 * gib, "L40S"},
      {"NVIDIA L40", 45 * gib, nullptr},
      {"NVIDIA A10", 22 * gib, "A10"},
      {"NVIDIA A10G", 22 * gib, nullptr},
      {"NVIDIA A30", 24 * gib, "A30"},
      {"NVIDIA A40", 45 * gib, "A40"},
      {"NVIDIA GeForce RTX 4090", 24 * gib, nullptr},
      {"G1", 16 * gib, nullptr},  // the trace's undisclosed models are no device names
  };
  for (const auto& c : cases) {
    const std::optional<GpuModelId> id = model_from_nvml_name(c.nvml_name, c.memory);
    if (c.model == nullptr) {
      EXPECT_FALSE(id) << c.nvml_name;
    } else {
      ASSERT_TRUE(id) << c.nvml_name;
      EXPECT_EQ(gpu_model_spec(*id).name, c.model) << c.nvml_name;
    }
  }
}

TEST(InventoryFactoryTest, SimulateSpecIsUsedWhenGiven) {
  std::unique_ptr<GpuInventory> inventory;
  std::string note;
  ASSERT_TRUE(open_gpu_inventory(std::string("2xL4"), "box", &inventory, &note).is_ok());
  EXPECT_EQ(inventory->source(), "simulated");
  std::vector<GpuDevice> devices;
  ASSERT_TRUE(inventory->discover(&devices).is_ok());
  EXPECT_EQ(devices.size(), 2u);
  EXPECT_NE(note.find("2xL4"), std::string::npos) << note;
}

TEST(InventoryFactoryTest, BadSimulateSpecIsAnError) {
  std::unique_ptr<GpuInventory> inventory;
  std::string note;
  const Status s = open_gpu_inventory(std::string("0xL4"), "box", &inventory, &note);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("count 0"), std::string::npos);
  EXPECT_EQ(inventory, nullptr);
}

TEST(InventoryFactoryTest, WithoutNvmlSimulatesTheDefaultGpuAndSaysSo) {
  std::unique_ptr<GpuInventory> inventory;
  std::string note;
  ASSERT_TRUE(open_gpu_inventory(std::nullopt, "box", &inventory, &note, kNoSuchLibrary).is_ok());
  std::vector<GpuDevice> devices;
  ASSERT_TRUE(inventory->discover(&devices).is_ok());
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_EQ(devices[0].milli_tflops, 40'000);
  EXPECT_TRUE(devices[0].simulated);
  EXPECT_NE(note.find("NVML not available"), std::string::npos) << note;
  EXPECT_NE(note.find("simulating 1x40tflops"), std::string::npos) << note;
}

}  // namespace
}  // namespace fastgpu
