// The `fastgpu` CLI's daemon subcommands against a real fastgpud.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <regex>
#include <thread>

#include "agent_process.h"
#include "daemon_process.h"

namespace fastgpu::testing {
namespace {

// Runs the CLI with `args`, expecting exit status `exit_code` and, on stdout and stderr together,
// exactly one JSON document; returns it (null when the output is not JSON).
nlohmann::json cli_json(const DaemonProcess& daemon, const std::string& args, int exit_code = 0) {
  const CliRun run = fastgpu_cli(daemon, args);
  EXPECT_EQ(run.exit_code, exit_code) << args << "\n" << run.output;
  const nlohmann::json document = nlohmann::json::parse(run.output, nullptr, false);
  EXPECT_FALSE(document.is_discarded()) << args << " printed no single JSON document:\n"
                                        << run.output;
  return document.is_discarded() ? nlohmann::json() : document;
}

// Waits until task `id` runs.
bool running(const DaemonProcess& daemon, int id) {
  return eventually(
      [&] { return daemon.get("/v1/tasks/" + std::to_string(id)).json["state"] == "running"; },
      std::chrono::seconds(10));
}

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
  for (int attempt = 0; attempt < 50; ++attempt) {  // until the summary shows the task started
    top = fastgpu_cli(daemon, "top --once");
    if (top.output.find("pending 0, running 1") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(top.exit_code, 0) << top.output;
  EXPECT_NE(top.output.find("pending 0, running 1"), std::string::npos) << top.output;
  EXPECT_NE(top.output.find("(sim)"), std::string::npos) << top.output;
  EXPECT_NE(top.output.find("busy"), std::string::npos) << top.output;
  EXPECT_EQ(fastgpu_cli(daemon, "cancel 1").exit_code, 0);
}

TEST(CliClientTest, JsonOutputIsOneDocumentForEveryCommand) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  ASSERT_EQ(fastgpu_cli(daemon, "submit -- echo hello").exit_code, 0);
  ASSERT_EQ(fastgpu_cli(daemon, "submit -- true").exit_code, 0);
  const nlohmann::json waited = cli_json(daemon, "wait 1 2 -o json");
  ASSERT_TRUE(waited.is_array());
  ASSERT_EQ(waited.size(), 2u);
  EXPECT_EQ(waited[1]["state"], "succeeded");
  EXPECT_EQ(cli_json(daemon, "wait 2 -o json")["id"], 2);  // one id: one object
  EXPECT_EQ(cli_json(daemon, "show 1 -o json")["argv"][0], "echo");
  const nlohmann::json shown = cli_json(daemon, "show 1 2 -o json");
  ASSERT_TRUE(shown.is_array());
  EXPECT_EQ(shown[0]["id"], 1);
  EXPECT_EQ(shown[1]["id"], 2);
  EXPECT_EQ(cli_json(daemon, "logs 1 -o json"),
            nlohmann::json({{"id", 1}, {"stream", "stdout"}, {"text", "hello\n"}}));
  const nlohmann::json vgpu = cli_json(daemon, "vgpu create --gpu 0.5 -o json");
  ASSERT_TRUE(vgpu.is_object());  // like submit -o json, not a one-element array
  EXPECT_EQ(vgpu["id"], 1);
  EXPECT_EQ(cli_json(daemon, "vgpu rm 1 -o json")["state"], "deleted");
  ASSERT_EQ(fastgpu_cli(daemon, "submit --gpu 0.5 --name busy -- sleep 30").exit_code, 0);
  ASSERT_TRUE(running(daemon, 3));
  const nlohmann::json top = cli_json(daemon, "top --once -o json");
  EXPECT_EQ(top["pending"], 0);
  EXPECT_EQ(top["running"], 1);
  ASSERT_EQ(top["gpus"].size(), 1u);
  EXPECT_EQ(top["gpus"][0]["simulated"], true);
  ASSERT_EQ(top["tasks"].size(), 1u);
  EXPECT_EQ(top["tasks"][0]["name"], "busy");
  EXPECT_EQ(cli_json(daemon, "cancel 3 -o json")["state"], "cancelled");
}

TEST(CliClientTest, FlagsBeforeTheSubcommand) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const std::string url = "http://127.0.0.1:" + std::to_string(daemon.port());
  EXPECT_TRUE(cli_json(daemon, "--url " + url + " -o json ps").is_array());
  // The flag wins over $FASTGPU_URL (which points to the daemon): port 1 cannot be reached.
  const CliRun elsewhere = fastgpu_cli(daemon, "--url http://127.0.0.1:1 ps");
  EXPECT_EQ(elsewhere.exit_code, 1);
  EXPECT_NE(elsewhere.output.find("cannot reach fastgpud at http://127.0.0.1:1"), std::string::npos)
      << elsewhere.output;
  EXPECT_EQ(fastgpu_cli(daemon, "-o json ps -o table").output,
            "ID  STATE  REASON  VGPU  GPUS  SHARE  "
            "TFLOPS  PRIO  PROJECT  NAME  COMMAND\n");
}

TEST(CliClientTest, WaitExitsOneUnlessEveryTaskSucceeded) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  ASSERT_EQ(fastgpu_cli(daemon, "submit -- true").exit_code, 0);
  ASSERT_EQ(fastgpu_cli(daemon, "submit -- false").exit_code, 0);
  EXPECT_EQ(fastgpu_cli(daemon, "wait 1").exit_code, 0);
  const CliRun both = fastgpu_cli(daemon, "wait 1 2");
  EXPECT_EQ(both.exit_code, 1);
  EXPECT_TRUE(both.output.starts_with("task 1 succeeded\ntask 2 failed: ")) << both.output;
  EXPECT_EQ(cli_json(daemon, "wait 2 1 -o json", 1)[0]["state"], "failed");
}

TEST(CliClientTest, SubmitWaitPrintsTheFailureReason) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const CliRun failed = fastgpu_cli(daemon, "submit --wait -- /nonexistent/program");
  EXPECT_EQ(failed.exit_code, 1);
  const std::string reason = daemon.get("/v1/tasks/1").json["failure_reason"];
  EXPECT_NE(reason.find("could not start"), std::string::npos) << reason;
  EXPECT_EQ(failed.output, "task 1 failed: " + reason + "\n");
}

TEST(CliClientTest, ShowPrintsTimesInIsoUtc) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  ASSERT_EQ(fastgpu_cli(daemon, "submit --wait -- true").exit_code, 0);
  const CliRun shown = fastgpu_cli(daemon, "show 1");
  EXPECT_EQ(shown.exit_code, 0);
  const std::regex iso(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\n)");
  for (const char* field : {"created_at", "started_at", "ended_at"}) {
    const size_t at = shown.output.find(std::string(field) + ": ");
    ASSERT_NE(at, std::string::npos) << shown.output;
    const std::string rest = shown.output.substr(at + std::string(field).size() + 2);
    EXPECT_TRUE(std::regex_search(rest, iso, std::regex_constants::match_continuous))
        << field << "\n"
        << shown.output;
  }
  EXPECT_EQ(shown.output.find("e+09"), std::string::npos) << shown.output;
  // -o json keeps the server's full precision.
  EXPECT_EQ(cli_json(daemon, "show 1 -o json")["created_at"],
            daemon.get("/v1/tasks/1").json["created_at"]);
}

TEST(CliClientTest, LogsOfStderrAlsoFollowing) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  ASSERT_EQ(fastgpu_cli(daemon, "submit -- sh -c 'echo out; sleep 1; echo err >&2'").exit_code, 0);
  const CliRun followed = fastgpu_cli(daemon, "logs -f --stderr 1");
  EXPECT_EQ(followed.exit_code, 0);
  EXPECT_EQ(followed.output, "err\n");
  EXPECT_EQ(fastgpu_cli(daemon, "logs --stderr 1").output, "err\n");
  EXPECT_EQ(fastgpu_cli(daemon, "logs 1").output, "out\n");
  EXPECT_EQ(cli_json(daemon, "logs --stderr 1 -o json")["stream"], "stderr");
  // Output that is not UTF-8 still makes valid JSON, the bad byte replaced.
  ASSERT_EQ(fastgpu_cli(daemon, "submit --wait -- printf 'a\\377b'").exit_code, 0);
  EXPECT_EQ(cli_json(daemon, "logs 2 -o json")["text"], "a\uFFFDb");
}

TEST(CliClientTest, LogsFollowOutlastsAQuietSpell) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  ASSERT_EQ(fastgpu_cli(daemon, "submit -- sh -c 'sleep 6; echo late'").exit_code, 0);
  // Six quiet seconds are longer than the SDK's read timeout for text answers.
  const CliRun followed = fastgpu_cli(daemon, "logs -f 1");
  EXPECT_EQ(followed.exit_code, 0) << followed.output;
  EXPECT_EQ(followed.output, "late\n");
}

TEST(CliClientTest, QuantitiesThatAreNotFinitePositiveNumbersAreRefusedBeforeAnyRequest) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const std::pair<const char*, const char*> cases[] = {
      {"submit --tflops nan -- true", "--tflops: 'nan'"},
      {"submit --tflops inf -- true", "--tflops: 'inf'"},
      {"submit --gpu nan -- true", "--gpu: 'nan'"},
      {"submit --gpu -0.5 -- true", "--gpu: '-0.5'"},
      {"submit --gpus -1 -- true", "--gpus: '-1'"},
      {"submit --gpus 1.5 -- true", "--gpus: '1.5' is not a whole number"},
      {"vgpu create --tflops nan", "--tflops: 'nan'"},
      {"vgpu create --gpu -1", "--gpu: '-1'"},
      {"top --once --interval nan", "--interval: 'nan'"}};
  for (const auto& [args, error] : cases) {
    const CliRun refused = fastgpu_cli(daemon, args);
    EXPECT_NE(refused.exit_code, 0) << args;
    EXPECT_NE(refused.output.find(error), std::string::npos) << args << "\n" << refused.output;
  }
  EXPECT_EQ(daemon.get("/v1/tasks").json["tasks"].size(), 0u);
  EXPECT_EQ(daemon.get("/v1/vgpus").json["vgpus"].size(), 0u);
}

TEST(CliClientTest, VgpuLsShowsMemoryForPeople) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  ASSERT_EQ(fastgpu_cli(daemon, "vgpu create --gpu 0.5 --mem 16GiB").exit_code, 0);
  ASSERT_EQ(fastgpu_cli(daemon, "vgpu create --tflops 5").exit_code, 0);
  const CliRun listed = fastgpu_cli(daemon, "vgpu ls");
  EXPECT_NE(listed.output.find(" 16 GiB "), std::string::npos) << listed.output;
  // 5 of the simulated GPU's 40 TFLOPS: held to an eighth of its 80 GiB, and shown so.
  EXPECT_NE(listed.output.find(" 10 GiB "), std::string::npos) << listed.output;
  EXPECT_EQ(listed.output.find("17179869184"), std::string::npos) << listed.output;
  EXPECT_EQ(cli_json(daemon, "vgpu ls -o json")[0]["memory_bytes"], 17179869184);
}

TEST(CliClientTest, VgpuRmOfABusyVgpuSaysToUseForce) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  ASSERT_EQ(fastgpu_cli(daemon, "vgpu create --gpu 0.5").exit_code, 0);
  ASSERT_EQ(fastgpu_cli(daemon, "submit --vgpu 1 --gpu 0.25 -- sleep 30").exit_code, 0);
  const CliRun refused = fastgpu_cli(daemon, "vgpu rm 1");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.output.find("1 unfinished task(s)"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("fastgpu vgpu rm --force 1"), std::string::npos) << refused.output;
  EXPECT_EQ(refused.output.find("?force=true"), std::string::npos) << refused.output;
  const CliRun forced = fastgpu_cli(daemon, "vgpu rm --force 1");
  EXPECT_EQ(forced.exit_code, 0);
  EXPECT_EQ(forced.output, "vgpu 1 deleted\n");
  EXPECT_EQ(daemon.get("/v1/tasks/1").json["state"], "cancelled");
}

}  // namespace
}  // namespace fastgpu::testing
