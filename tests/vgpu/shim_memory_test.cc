// The memory limit, through the preloaded shim into the mock driver, in real processes.
#include <signal.h>

#include "shim_fixture.h"

namespace fastgpu::vgpu::testing {
namespace {

constexpr int64_t kLimit = 1'000'000;
constexpr int64_t kChunk = 100'000;

class ShimMemory : public ShimTest {
 protected:
  std::vector<std::string> vgpu_env(const std::string& id) {
    return {"FASTGPU_VGPU_ID=" + id, "FASTGPU_VGPU_MEMORY_LIMIT=" + std::to_string(kLimit)};
  }
};

class ShimMemoryPath : public ShimMemory, public ::testing::WithParamInterface<const char*> {};

TEST_P(ShimMemoryPath, LimitIsExactAndFreesAreCredited) {
  const auto values = run({"alloc", GetParam(), std::to_string(kChunk)}, vgpu_env(unique("v")));
  EXPECT_EQ(value_of(values, "allocated"), kLimit / kChunk);
  EXPECT_EQ(value_of(values, "refusal"), 2);  // CUDA_ERROR_OUT_OF_MEMORY
  EXPECT_EQ(value_of(values, "during_total"), kLimit);
  EXPECT_EQ(value_of(values, "during_free"), 0);
  EXPECT_EQ(value_of(values, "after_free"), kLimit);
}

// The program links the driver (direct symbols), looks it up with dlsym, or fetches entry points
// through cuGetProcAddress as CUDA runtimes do.
INSTANTIATE_TEST_SUITE_P(LookupPaths, ShimMemoryPath,
                         ::testing::Values("direct", "dlsym", "procaddr"));

TEST_F(ShimMemory, LimitIsNotOffByOne) {
  const auto values = run({"alloc", "direct", std::to_string(kLimit + 1)}, vgpu_env(unique("v")));
  EXPECT_EQ(value_of(values, "allocated"), 0);
  const auto exact = run({"alloc", "direct", std::to_string(kLimit)}, vgpu_env(unique("v")));
  EXPECT_EQ(value_of(exact, "allocated"), 1);
}

TEST_F(ShimMemory, EveryAllocationPathIsCharged) {
  const auto values = run({"kinds", std::to_string(kLimit * 6 / 10)}, vgpu_env(unique("v")));
  for (const char* kind : {"managed", "async", "pool", "pitch", "create", "array3d"}) {
    EXPECT_EQ(values.count(kind) ? values.at(kind) : "missing", "ok") << kind;
  }
}

TEST_F(ShimMemory, OneLimitAcrossTheVgpusProcesses) {
  const std::string id = unique("v");
  ProbeProcess holder(setup_, {"hold", std::to_string(kLimit * 6 / 10)}, vgpu_env(id));
  ASSERT_EQ(holder.read_line(), "held=0");
  const auto values = run({"alloc", "direct", std::to_string(kChunk)}, vgpu_env(id));
  EXPECT_EQ(value_of(values, "allocated"), 4);
  EXPECT_EQ(value_of(values, "during_total"), kLimit);
  // Another vGPU on the same GPU has its own limit.
  const auto other = run({"alloc", "direct", std::to_string(kChunk)}, vgpu_env(unique("v")));
  EXPECT_EQ(value_of(other, "allocated"), 10);
}

TEST_F(ShimMemory, KilledProcessMemoryIsReaped) {
  const std::string id = unique("v");
  ProbeProcess holder(setup_, {"hold", std::to_string(kLimit)}, vgpu_env(id));
  ASSERT_EQ(holder.read_line(), "held=0");
  EXPECT_EQ(value_of(run({"alloc", "direct", std::to_string(kChunk)}, vgpu_env(id)), "allocated"),
            0);
  holder.kill_hard();
  EXPECT_EQ(value_of(run({"alloc", "direct", std::to_string(kChunk)}, vgpu_env(id)), "allocated"),
            10);
}

TEST_F(ShimMemory, NvmlReportsTheVgpusView) {
  const std::string id = unique("v");
  ProbeProcess holder(setup_, {"hold", "300000"}, vgpu_env(id));
  ASSERT_EQ(holder.read_line(), "held=0");
  const auto values = run({"nvml"}, vgpu_env(id));
  EXPECT_EQ(value_of(values, "nvml_result"), 0);
  EXPECT_EQ(value_of(values, "nvml_total"), kLimit);
  EXPECT_EQ(value_of(values, "nvml_used"), 300000);
  EXPECT_EQ(value_of(values, "nvml_free"), kLimit - 300000);
}

TEST_F(ShimMemory, WithoutAVgpuEverythingPassesThrough) {
  const auto values = run({"alloc", "direct", std::to_string(kChunk)},
                          {"FASTGPU_MOCK_MEMORY=" + std::to_string(kLimit * 3)});
  EXPECT_EQ(value_of(values, "allocated"), 30);
  EXPECT_EQ(value_of(values, "during_total"), kLimit * 3);
}

TEST_F(ShimMemory, MalformedContractFailsClosed) {
  int exit_code = 0;
  const auto values =
      run({"alloc", "direct", std::to_string(kChunk)},
          {"FASTGPU_VGPU_ID=" + unique("v"), "FASTGPU_VGPU_MEMORY_LIMIT=lots"}, &exit_code);
  EXPECT_EQ(value_of(values, "allocated"), 0);
  EXPECT_EQ(value_of(values, "refusal"), 3);  // CUDA_ERROR_NOT_INITIALIZED
}

}  // namespace
}  // namespace fastgpu::vgpu::testing
