#pragma once
// Helpers shared by the store tests: a scratch directory and fully populated specs.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "store/store.h"

namespace fastgpu::testing_util {

/// A fresh directory under the test temp dir, removed with everything in it on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = ::testing::TempDir() + "fastgpu-store-XXXXXX";
    const char* made = mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr) << "mkdtemp " << pattern;
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  /// The path of `name` inside the directory.
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// A compare-and-set state change of task `id` carrying no further fields.
inline TaskTransition transition(TaskId id, TaskState from, TaskState to) {
  TaskTransition t;
  t.id = id;
  t.from = from;
  t.to = to;
  return t;
}

/// A filter on the owner (when non-empty) with a page size.
inline TaskFilter owner_filter(const std::string& owner, int32_t limit = 100) {
  TaskFilter f;
  if (!owner.empty()) f.owner = owner;
  f.limit = limit;
  return f;
}

/// A small valid command task of `owner`.
inline TaskSpec simple_spec(const std::string& owner, const std::string& name = "t",
                            int32_t priority = 0) {
  TaskSpec spec;
  spec.owner = owner;
  spec.name = name;
  spec.priority = priority;
  spec.shape = {1000, 1024, 1, 100, 0, kAnyGpuModel};
  spec.command.argv = {"true"};
  return spec;
}

/// A command task with every field set to something other than its default.
inline TaskSpec full_command_spec() {
  TaskSpec spec;
  spec.owner = "alice";
  spec.name = "train \xc3\xa9t\xc3\xa9 'quoted'";
  spec.priority = -7;
  spec.shape = {2500, 65536, 2, 1000, 40960, (GpuModelMask{1} << 63) | 0b1011};
  spec.milli_tflops = 123456;
  spec.vgpu = kNoVgpu;
  spec.kind = WorkKind::kCommand;
  spec.command.argv = {"/usr/bin/python3", "-c", std::string("print(1)\0x", 10), ""};
  spec.command.env = {{"A", "1"}, {"EMPTY", ""}, {"EQ", "x=y=z"}};
  spec.command.cwd = "/srv/work dir";
  spec.max_retries = 3;
  spec.timeout_ms = 86'400'000;
  return spec;
}

}  // namespace fastgpu::testing_util
