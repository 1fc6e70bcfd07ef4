#pragma once
// A fixture giving each shim test its own fake GPU and vGPU ids, removed afterwards.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "probe_runner.h"

namespace fastgpu::vgpu::testing {

class ShimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setup_.shim_library = FASTGPU_VGPU_LIBRARY;
    setup_.mock_driver = FASTGPU_MOCK_DRIVER;
    setup_.probe = FASTGPU_VGPU_PROBE;
    setup_.mock_device = unique("dev");
  }
  void TearDown() override { remove_shared_memory(setup_, ids_); }

  // A name unique to this process and test, remembered for cleanup when it is a vGPU id.
  std::string unique(const std::string& prefix) {
    static int counter = 0;
    // Built by appending: GCC 12 warns falsely (-Wrestrict) on a chain of operator+ here.
    std::string name = "t";
    name.append(std::to_string(getpid())).append("-").append(prefix);
    name.append(std::to_string(counter++));
    ids_.push_back(name);
    return name;
  }

  // Runs the probe to its end; returns its key=value output.
  std::map<std::string, std::string> run(const std::vector<std::string>& args,
                                         const std::vector<std::string>& env,
                                         int* exit_code = nullptr) {
    ProbeProcess probe(setup_, args, env);
    std::string output;
    const int code = probe.wait_output(&output);
    if (exit_code != nullptr) *exit_code = code;
    return parse_values(output);
  }

  ProbeSetup setup_;
  std::vector<std::string> ids_;
};

}  // namespace fastgpu::vgpu::testing
