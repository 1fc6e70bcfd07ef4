#include "core/gpu_model.h"

#include <gtest/gtest.h>

#include "core/task.h"

namespace fastgpu {
namespace {

TEST(GpuModel, CoversTraceAndCurrentModels) {
  for (const char* name : {"P100", "V100M16", "V100M32", "T4", "A10", "G1", "G2", "G3", "A100-40GB",
                           "A100-80GB", "H100", "H200", "L4", "L40S"}) {
    auto id = find_gpu_model(name);
    ASSERT_TRUE(id) << name;
    const GpuModelSpec& s = gpu_model_spec(*id);
    EXPECT_GT(s.memory_mib, 0) << name;
    EXPECT_GT(s.milli_tflops, 0) << name;
    EXPECT_GT(s.sm_count, 0) << name;
  }
  EXPECT_FALSE(find_gpu_model("h100"));
}

TEST(GpuModel, TflopsConvertToMilliRoundingUp) {
  const GpuModelId h100 = *find_gpu_model("H100");
  EXPECT_EQ(milli_tflops_to_milli_gpu(989'000, h100), 1000);
  EXPECT_EQ(milli_tflops_to_milli_gpu(494'500, h100), 500);
  EXPECT_EQ(milli_tflops_to_milli_gpu(1, h100), 1);  // never rounds a request down to nothing
  EXPECT_FALSE(milli_tflops_to_milli_gpu(989'001, h100));
  EXPECT_FALSE(milli_tflops_to_milli_gpu(0, h100));
}

TEST(TaskShape, ValidationNamesTheField) {
  EXPECT_EQ(validate_task_shape({1000, 10, 1, 500, 0, kAnyGpuModel}), "");
  EXPECT_NE(validate_task_shape({-1, 10, 0, 0, 0, kAnyGpuModel}).find("cpu_milli"),
            std::string::npos);
  EXPECT_NE(validate_task_shape({0, 0, 2, 500, 0, kAnyGpuModel}).find("gpu_milli"),
            std::string::npos);
  EXPECT_NE(validate_task_shape({0, 0, 1, 1001, 0, kAnyGpuModel}).find("gpu_milli"),
            std::string::npos);
  EXPECT_NE(validate_task_shape({0, 0, 17, 1000, 0, kAnyGpuModel}).find("num_gpu"),
            std::string::npos);
  EXPECT_NE(validate_task_shape({0, 0, 1, 100, 0, 0}).find("allowed_models"), std::string::npos);
}

TEST(GpuModel, CustomModelsJoinTheTableOnce) {
  const std::optional<GpuModelId> id = register_custom_gpu_model("test-40tflops", 81920, 40'000, 0);
  ASSERT_TRUE(id);
  EXPECT_EQ(gpu_model_spec(*id).milli_tflops, 40'000);
  EXPECT_EQ(find_gpu_model("test-40tflops"), id);
  EXPECT_EQ(register_custom_gpu_model("test-40tflops", 81920, 40'000, 0), id);
  EXPECT_FALSE(register_custom_gpu_model("test-40tflops", 81920, 41'000, 0));  // other figures
  EXPECT_FALSE(register_custom_gpu_model("H100", 81920, 40'000, 0));           // fixed name taken
  EXPECT_FALSE(register_custom_gpu_model("zero", 81920, 0, 0));
  EXPECT_EQ(milli_tflops_to_milli_gpu(20'000, *id), 500);
}

}  // namespace
}  // namespace fastgpu
