// fastgpud and libfastgpu-vgpu together: a command task in a vGPU gets the enforcement library
// preloaded with the vGPU's limits, so its allocations stop exactly at the vGPU's memory. The
// task is the mock-driver probe of tests/vgpu (no GPU needed).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "daemon_process.h"

namespace fastgpu::testing {
namespace {

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
  const std::string uuid = daemon.get("/v1/gpus").json["gpus"][0]["uuid"];
  unlink(("/dev/shm/fastgpu-gpu-" + uuid).c_str());  // the simulated GPU's board
}

// As root a fractional slice is read from files the task cannot change, preloaded through its
// own /etc/ld.so.preload: none of the usual ways out of LD_PRELOAD gets past the vGPU's memory.
TEST(VgpuEnforcement, AConfinedTaskCannotOptOutOfItsSlice) {
  if (::geteuid() != 0) GTEST_SKIP() << "tasks are confined only when fastgpud runs as root";
  TempDir dir;
  DaemonProcess daemon(dir.path(), {"--vgpu-driver", FASTGPU_MOCK_DRIVER});
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const Answer vgpu = daemon.post("/v1/vgpus", R"({"gpu": 0.5, "memory": "4GiB"})");
  ASSERT_EQ(vgpu.status, 201) << vgpu.body;
  const std::string device = "escape" + std::to_string(getpid());
  const std::string sanitizer = "verify_asan_link_order=0:detect_leaks=0";
  const std::string probe = std::string(FASTGPU_VGPU_PROBE) + " alloc direct 1073741824";
  const std::vector<std::string> escapes = {
      probe, "env -u LD_PRELOAD " + probe,
      "env -i MOCK_CUDA_DEVICE=" + device + " ASAN_OPTIONS=" + sanitizer + " " + probe,
      "FASTGPU_VGPU_ID=mine FASTGPU_VGPU_MEMORY_LIMIT=0 FASTGPU_VGPU_COMPUTE_SHARE=1000 " + probe};
  for (const std::string& escape : escapes) {
    const nlohmann::json task = {
        {"argv", {"sh", "-c", escape}},
        {"env", {{"MOCK_CUDA_DEVICE", device}, {"ASAN_OPTIONS", sanitizer}}},
        {"gpu", 0.25},
        {"vgpu", vgpu.json["id"]}};
    const Answer submitted = daemon.post("/v1/tasks", task.dump());
    ASSERT_EQ(submitted.status, 201) << submitted.body;
    const std::string id = std::to_string(submitted.json["id"].get<int64_t>());
    EXPECT_EQ(daemon.get("/v1/tasks/" + id + "/wait?timeout=60").json["state"], "succeeded");
    EXPECT_NE(
        daemon.get("/v1/tasks/" + id + "/logs").body.find("allocated=4 bytes=4294967296 refusal=2"),
        std::string::npos)
        << escape << ": " << daemon.get("/v1/tasks/" + id + "/logs").body;
  }
  EXPECT_EQ(daemon.del("/v1/vgpus/" + std::to_string(vgpu.json["id"].get<int64_t>())).status, 200);
  unlink(("/dev/shm/fastgpu-mock-" + device).c_str());
}

// A fastgpud installed without its library beside it cannot hold a fractional slice: it says
// so and refuses such tasks, unless told to run them unenforced, which the API then shows.
TEST(VgpuEnforcement, WithoutTheLibraryFractionalTasksAreRefusedUnlessAllowedAndMarked) {
  TempDir dir;
  const std::string bin = dir.path() + "/install/bin";
  for (const char* sub : {"/install/bin", "/refusing", "/allowing"}) {
    std::filesystem::create_directories(dir.path() + sub);
  }
  std::filesystem::copy_file(fastgpud_path(), bin + "/fastgpud");  // no lib/ beside it
  std::filesystem::copy_file(
      std::filesystem::path(fastgpud_path()).parent_path() / "fastgpu-task-guard",
      bin + "/fastgpu-task-guard");
  const std::string fraction = R"({"argv": ["true"], "gpu": 0.5})";
  {
    DaemonProcess refusing(dir.path() + "/refusing", {}, bin + "/fastgpud");
    ASSERT_TRUE(refusing.started()) << refusing.log();
    EXPECT_NE(refusing.log().find("fractional tasks are refused"), std::string::npos);
    const Answer refused = refusing.post("/v1/tasks", fraction);
    EXPECT_EQ(refused.status, 503) << refused.body;
    EXPECT_NE(refused.body.find("--allow-unenforced"), std::string::npos) << refused.body;
    EXPECT_EQ(refusing.post("/v1/tasks", R"({"argv": ["true"], "gpu": 1})").status, 201);
  }
  DaemonProcess allowing(dir.path() + "/allowing", {"--allow-unenforced"}, bin + "/fastgpud");
  ASSERT_TRUE(allowing.started()) << allowing.log();
  const Answer admitted = allowing.post("/v1/tasks", fraction);
  ASSERT_EQ(admitted.status, 201) << admitted.body;
  EXPECT_EQ(admitted.json["enforce"], false) << admitted.body;
  const std::string id = std::to_string(admitted.json["id"].get<int64_t>());
  EXPECT_EQ(allowing.get("/v1/tasks/" + id + "/wait?timeout=60").json["state"], "succeeded");
}

}  // namespace
}  // namespace fastgpu::testing
