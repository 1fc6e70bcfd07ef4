// fastgpud and libfastgpu-vgpu together: a command task in a vGPU gets the enforcement library
// preloaded with the vGPU's limits, so its allocations stop exactly at the vGPU's memory. The
// task is the mock-driver probe of tests/vgpu (no GPU needed).
#include <gtest/gtest.h>
#include <unistd.h>

#include "daemon_process.h"

namespace fastgpu::testing {
namespace {

#if defined(FASTGPU_VGPU_PROBE) && defined(FASTGPU_MOCK_DRIVER)

TEST(VgpuEnforcement, ACommandInAVgpuIsHeldToItsMemory) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), {"--vgpu-driver", FASTGPU_MOCK_DRIVER});
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const Answer vgpu = daemon.post("/v1/vgpus", R"({"gpu": 0.5, "memory": "1GiB"})");
  ASSERT_EQ(vgpu.status, 201) << vgpu.body;
  const std::string device = "srv" + std::to_string(getpid());
  nlohmann::json task = {
      {"argv", {FASTGPU_VGPU_PROBE, "alloc", "direct", std::to_string(256 << 20)}},
      {"env",
       {{"MOCK_CUDA_DEVICE", device},
        // In the sanitizer build the probe is instrumented and the shim is preloaded before
        // the sanitizer runtime, which it would otherwise refuse.
        {"ASAN_OPTIONS", "verify_asan_link_order=0:detect_leaks=0"}}},
      {"gpu", 0.25},
      {"vgpu", vgpu.json["id"]}};
  const Answer submitted = daemon.post("/v1/tasks", task.dump());
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  const std::string id = std::to_string(int64_t{submitted.json["id"]});
  const Answer done = daemon.get("/v1/tasks/" + id + "/wait?timeout=60");
  EXPECT_EQ(done.json["state"], "succeeded") << done.body;
  const Answer out = daemon.get("/v1/tasks/" + id + "/logs");
  EXPECT_NE(out.body.find("allocated=4 bytes=1073741824 refusal=2"), std::string::npos) << out.body;
  EXPECT_NE(out.body.find("during_total=1073741824"), std::string::npos) << out.body;
  // Deleting the vGPU removes its ledger.
  EXPECT_EQ(daemon.del("/v1/vgpus/" + std::to_string(int64_t{vgpu.json["id"]})).status, 200);
  unlink(("/dev/shm/fastgpu-mock-" + device).c_str());
  unlink("/dev/shm/fastgpu-gpu-GPU-sim-0000");  // the simulated GPU's board
}

#else

TEST(VgpuEnforcement, NeedsTheCudaHeaders) { GTEST_SKIP() << "libfastgpu-vgpu is not built"; }

#endif

}  // namespace
}  // namespace fastgpu::testing
