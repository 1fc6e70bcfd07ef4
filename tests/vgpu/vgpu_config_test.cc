#include "vgpu/vgpu_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>

namespace fastgpu::vgpu {
namespace {

EnvLookup env_of(std::map<std::string, std::string> values) {
  return [values](const char* name) -> std::optional<std::string> {
    auto found = values.find(name);
    if (found == values.end()) return std::nullopt;
    return found->second;
  };
}

TEST(VgpuConfig, NoVgpuIdMeansPassThrough) {
  std::string error;
  auto config = parse_vgpu_config(env_of({{"FASTGPU_VGPU_MEMORY_LIMIT", "100"}}), &error);
  ASSERT_TRUE(config);
  EXPECT_FALSE(config->enforces_memory());
  EXPECT_FALSE(config->enforces_compute());
  EXPECT_EQ(config->driver_path, "libcuda.so.1");
}

TEST(VgpuConfig, ReadsTheWholeContract) {
  std::string error;
  auto config = parse_vgpu_config(env_of({{"FASTGPU_VGPU_ID", "v-42"},
                                          {"FASTGPU_VGPU_MEMORY_LIMIT", "17179869184"},
                                          {"FASTGPU_VGPU_COMPUTE_SHARE", "500"},
                                          {"FASTGPU_VGPU_BURST", "1"},
                                          {"CUDA_VISIBLE_DEVICES", "GPU-abc,GPU-def"},
                                          {"FASTGPU_VGPU_DRIVER", "/x/libmock.so"}}),
                                  &error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->vgpu_id, "v-42");
  EXPECT_EQ(config->memory_limit, 17179869184u);
  EXPECT_EQ(config->compute_share, 500u);
  EXPECT_TRUE(config->burst);
  EXPECT_EQ(config->device_key, "GPU-abc");
  EXPECT_EQ(config->driver_path, "/x/libmock.so");
  EXPECT_TRUE(config->enforces_memory());
  EXPECT_TRUE(config->enforces_compute());
}

constexpr const char* kTooLongId =
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";  // 65

struct BadValue {
  const char* variable;
  const char* value;
};

class VgpuConfigRejects : public testing::TestWithParam<BadValue> {};

TEST_P(VgpuConfigRejects, NamesTheVariable) {
  std::map<std::string, std::string> values{{"FASTGPU_VGPU_ID", "v1"}};
  values[GetParam().variable] = GetParam().value;
  std::string error;
  EXPECT_FALSE(parse_vgpu_config(env_of(values), &error));
  EXPECT_NE(error.find(GetParam().variable), std::string::npos) << error;
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, VgpuConfigRejects,
    testing::Values(
        BadValue{"FASTGPU_VGPU_ID", "a/b"}, BadValue{"FASTGPU_VGPU_ID", kTooLongId},
        BadValue{"FASTGPU_VGPU_MEMORY_LIMIT", "-1"}, BadValue{"FASTGPU_VGPU_MEMORY_LIMIT", "16GiB"},
        BadValue{"FASTGPU_VGPU_MEMORY_LIMIT", "99999999999999999999999"},
        BadValue{"FASTGPU_VGPU_COMPUTE_SHARE", "0"}, BadValue{"FASTGPU_VGPU_COMPUTE_SHARE", "1001"},
        BadValue{"FASTGPU_VGPU_COMPUTE_SHARE", "0.5"}, BadValue{"FASTGPU_VGPU_BURST", "yes"},
        BadValue{"FASTGPU_VGPU_LEDGER_DIR", "run/fastgpu"},
        BadValue{"FASTGPU_VGPU_LEDGER_DIR", "/run/fastgpu/../etc"}));

TEST(SliceFile, ItsLinesAreTheVariablesAndNothingElse) {
  const EnvLookup env = lookup_in("FASTGPU_VGPU_ID=v-1\nnot a variable\nEMPTY=\n=x\nA=b=c");
  EXPECT_EQ(env("FASTGPU_VGPU_ID"), "v-1");
  EXPECT_EQ(env("EMPTY"), "");
  EXPECT_EQ(env("A"), "b=c");
  EXPECT_EQ(env("PATH"), std::nullopt);
}

TEST(SliceFile, WhenPresentItOverridesTheEnvironmentAndWhenAbsentTheEnvironmentCounts) {
  char dir[] = "/tmp/fastgpu-slice-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string file = std::string(dir) + "/slice.env";
  ::setenv("FASTGPU_VGPU_ID", "chosen-by-the-task", 1);
  std::string error;
  std::optional<EnvLookup> absent = slice_environment(file.c_str(), &error);
  ASSERT_TRUE(absent) << error;
  EXPECT_EQ((*absent)("FASTGPU_VGPU_ID"), "chosen-by-the-task");
  std::ofstream(file) << "FASTGPU_VGPU_ID=set-by-the-launcher\nFASTGPU_VGPU_MEMORY_LIMIT=4096\n";
  std::optional<EnvLookup> present = slice_environment(file.c_str(), &error);
  ASSERT_TRUE(present) << error;
  EXPECT_EQ((*present)("FASTGPU_VGPU_ID"), "set-by-the-launcher");
  EXPECT_EQ((*present)("FASTGPU_VGPU_BURST"), std::nullopt) << "the environment is ignored";
  EXPECT_FALSE(slice_environment(dir, &error)) << "a slice file that cannot be read is an error";
  EXPECT_NE(error.find(dir), std::string::npos) << error;
  ::unsetenv("FASTGPU_VGPU_ID");
  std::remove(file.c_str());
  ::rmdir(dir);
}

}  // namespace
}  // namespace fastgpu::vgpu
