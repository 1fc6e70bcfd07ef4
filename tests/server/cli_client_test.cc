// The `fastgpu` CLI's daemon subcommands against a real fastgpud.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "agent_process.h"
#include "daemon_process.h"

namespace fastgpu::testing {
namespace {

TEST(CliClientTest, SubmitWaitListAndVgpus) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const CliRun submitted = fastgpu_cli(daemon, "submit --gpu 0.25 --name hi --wait -- echo hello");
  EXPECT_EQ(submitted.exit_code, 0) << submitted.output;
  EXPECT_EQ(submitted.output, "task 1 succeeded\n");
  EXPECT_EQ(fastgpu_cli(daemon, "logs 1").output, "hello\n");
  const CliRun listed = fastgpu_cli(daemon, "ps -o json");
  EXPECT_EQ(nlohmann::json::parse(listed.output)[0]["name"], "hi") << listed.output;
  EXPECT_NE(fastgpu_cli(daemon, "vgpu create --tflops 20").output.find("active"),
            std::string::npos);
  EXPECT_NE(fastgpu_cli(daemon, "gpus").output.find("(sim)"), std::string::npos);
  EXPECT_EQ(fastgpu_cli(daemon, "vgpu rm 1").output, "vgpu 1 deleted\n");
  const CliRun failed = fastgpu_cli(daemon, "submit --wait -- false");
  EXPECT_EQ(failed.exit_code, 1);
  const CliRun refused = fastgpu_cli(daemon, "submit --gpu 2 -- true");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.output.find("\"gpu\""), std::string::npos) << refused.output;
}

TEST(CliClientTest, NodesListsTheDaemonsGroupsAndAgents) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), {"--simulate-gpus", "1x10tflops"});
  ASSERT_TRUE(daemon.started());
  AgentProcess agent(daemon.port(), "gpu-box-7", dir.path() + "/agent",
                     {"--simulate-gpus", "2x400tflops"});
  for (int i = 0;
       i < 200 && fastgpu_cli(daemon, "nodes").output.find("gpu-box-7") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const CliRun table = fastgpu_cli(daemon, "nodes");
  EXPECT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("(this host)"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("gpu-box-7/gpu-group-0"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("ready"), std::string::npos) << table.output;
  const CliRun json = fastgpu_cli(daemon, "nodes -o json");
  const nlohmann::json nodes = nlohmann::json::parse(json.output, nullptr, false);
  ASSERT_TRUE(nodes.is_object()) << json.output;
  ASSERT_EQ(nodes["nodes"].size(), 2u) << json.output;
  EXPECT_EQ(nodes["nodes"][1]["host"], "gpu-box-7");
  EXPECT_EQ(nodes["nodes"][1]["gpu_indices"].size(), 2u);
  EXPECT_TRUE(nodes["nodes"][1]["ready"].get<bool>());
}

TEST(CliClientTest, LogsFollowUntilTheTaskEnds) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const CliRun submitted = fastgpu_cli(
      daemon, "submit --gpu 0.25 -- sh -c 'echo one; sleep 1; echo two; sleep 1; echo three'");
  ASSERT_EQ(submitted.exit_code, 0) << submitted.output;
  // Started while the task runs, -f prints all of it and returns when the task has ended.
  const CliRun followed = fastgpu_cli(daemon, "logs -f 1");
  EXPECT_EQ(followed.exit_code, 0);
  EXPECT_EQ(followed.output, "one\ntwo\nthree\n");
  EXPECT_EQ(fastgpu_cli(daemon, "wait 1").output, "task 1 succeeded\n");
}

TEST(CliClientTest, TopShowsGpusAndRunningTasks) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  ASSERT_EQ(fastgpu_cli(daemon, "submit --gpu 0.5 --name busy -- sleep 30").exit_code, 0);
  CliRun top;
  for (int attempt = 0; attempt < 50; ++attempt) {  // until the task has started
    top = fastgpu_cli(daemon, "top --once");
    if (top.output.find("running 1") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(top.exit_code, 0) << top.output;
  EXPECT_NE(top.output.find("pending 0, running 1"), std::string::npos) << top.output;
  EXPECT_NE(top.output.find("(sim)"), std::string::npos) << top.output;
  EXPECT_NE(top.output.find("busy"), std::string::npos) << top.output;
  EXPECT_EQ(fastgpu_cli(daemon, "cancel 1").exit_code, 0);
}

}  // namespace
}  // namespace fastgpu::testing
