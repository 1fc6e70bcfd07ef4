// Request parsing without a daemon: quantities, task and vGPU bodies.

#include <gtest/gtest.h>

#include "server/api/quantity.h"
#include "server/api/task_request.h"
#include "server/api/vgpu_request.h"

namespace fastgpu {
namespace {

std::optional<int64_t> memory(const nlohmann::json& value) {
  std::string problem;
  return parse_memory_bytes(value, &problem);
}

TEST(Quantity, MemoryInBytesOrWithUnits) {
  EXPECT_EQ(memory(1024), 1024);
  EXPECT_EQ(memory("16GiB"), int64_t{16} << 30);
  EXPECT_EQ(memory("1.5 KiB"), 1536);
  EXPECT_EQ(memory("2GB"), 2'000'000'000);
  EXPECT_EQ(memory("0B"), 0);
  EXPECT_FALSE(memory("16"));
  EXPECT_FALSE(memory("GiB"));
  EXPECT_FALSE(memory("-1GiB"));
  EXPECT_FALSE(memory("2PiB"));
  EXPECT_FALSE(memory(-5));
  EXPECT_FALSE(memory(1.5));
  EXPECT_EQ(bytes_to_mib_up(1), 1);
}

TEST(Quantity, FractionsAndTflops) {
  EXPECT_EQ(fraction_to_milli_gpu(0.5), 500);
  EXPECT_EQ(fraction_to_milli_gpu(0.0001), 1);
  EXPECT_EQ(fraction_to_milli_gpu(1), 1000);
  EXPECT_FALSE(fraction_to_milli_gpu(0));
  EXPECT_FALSE(fraction_to_milli_gpu(1.01));
  EXPECT_EQ(tflops_to_milli(20), 20'000);
  EXPECT_FALSE(tflops_to_milli(0));
  EXPECT_FALSE(tflops_to_milli(-1));
  EXPECT_FALSE(tflops_to_milli(1e12));
}

TEST(TaskRequest, SyntheticLoadOfTheSeed) {
  TaskSpec spec;
  ASSERT_TRUE(parse_task_request(R"({"tflops": 20, "seconds": 5, "vgpu": 1})", "u", &spec).is_ok());
  EXPECT_EQ(spec.kind, WorkKind::kSynthetic);
  EXPECT_EQ(spec.milli_tflops, 20'000);
  EXPECT_EQ(spec.synthetic.duration_ms, 5'000);
  EXPECT_EQ(spec.vgpu, 1);
  EXPECT_EQ(spec.owner, "u");
}

TEST(TaskRequest, CommandWithEverything) {
  TaskSpec spec;
  const ApiError e = parse_task_request(
      R"({"argv": ["python3", "train.py"], "env": {"A": "1"}, "cwd": "/tmp", "gpu": 0.5,
          "memory": "8GiB", "cpu": 2, "priority": 3, "name": "t", "max_retries": 2,
          "timeout": 60, "enforce": false})",
      "u", &spec);
  ASSERT_TRUE(e.is_ok()) << e.message();
  EXPECT_EQ(spec.command.argv.size(), 2u);
  EXPECT_EQ(spec.command.env.front().name, "A");
  EXPECT_EQ(spec.shape.gpu_milli, 500);
  EXPECT_EQ(spec.shape.gpu_memory_mib, 8192);
  EXPECT_EQ(spec.shape.cpu_milli, 2000);
  EXPECT_EQ(spec.priority, 3);
  EXPECT_EQ(spec.max_retries, 2);
  EXPECT_EQ(spec.timeout_ms, 60'000);
  EXPECT_FALSE(spec.enforce);
}

TEST(TaskRequest, ErrorsNameTheField) {
  TaskSpec spec;
  const auto message = [&spec](const char* body) {
    return parse_task_request(body, "u", &spec).message();
  };
  EXPECT_NE(message(R"({"argv": ["x"], "gpus": 17})").find("\"gpus\""), std::string::npos);
  EXPECT_NE(message(R"({"argv": ["x"], "extra": 1})").find("\"extra\": unknown"),
            std::string::npos);
  EXPECT_NE(message(R"({"argv": ["x"], "name": 5})").find("\"name\""), std::string::npos);
  EXPECT_NE(message(R"({"argv": ["x"], "memory": "1GiB"})").find("\"memory\""), std::string::npos);
  EXPECT_NE(message("nope").find("JSON"), std::string::npos);
}

TEST(VgpuRequest, TflopsOrGpuWithMemory) {
  VgpuSpec spec;
  ASSERT_TRUE(parse_vgpu_request(R"({"tflops": 20})", "u", &spec).is_ok());
  EXPECT_EQ(spec.milli_tflops, 20'000);
  ASSERT_TRUE(parse_vgpu_request(R"({"gpu": 0.5, "memory": "16GiB"})", "u", &spec).is_ok());
  EXPECT_EQ(spec.gpu_milli, 500);
  EXPECT_EQ(spec.memory_mib, 16384);
  EXPECT_EQ(parse_vgpu_request(R"({"tflops": -1})", "u", &spec).http_status(), 400);
}

}  // namespace
}  // namespace fastgpu
