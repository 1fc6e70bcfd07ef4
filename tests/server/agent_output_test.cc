// Task output on agents: it reaches fastgpud while the task runs, byte for byte (binary, and
// more than one sync carries), and a chunk an agent sends again is kept once.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "agent/agent_protocol.h"
#include "agent_process.h"
#include "core/base64.h"
#include "core/secret.h"
#include "daemon_process.h"

namespace fastgpu::testing {
namespace {

using std::chrono::milliseconds;

const std::vector<std::string> kDaemonFlags = {"--simulate-gpus", "1x10tflops"};

// fastgpud (too small for the tasks) with one agent of one 400-TFLOPS GPU, ready.
struct DaemonWithAgent {
  TempDir dir;
  DaemonProcess daemon{dir.path(), kDaemonFlags};
  AgentProcess agent{
      daemon.port(), "worker", dir.path() + "/worker", {"--simulate-gpus", "1x400tflops"}};
  bool ready() {
    return daemon.started() &&
           eventually([&] { return ready_agent_nodes(daemon) == 1; }, milliseconds(10000));
  }
};

// All of one stream of task `id`, read page by page with the offsets the daemon gives.
std::string whole_log(const DaemonProcess& daemon, int64_t id, const std::string& stream) {
  std::string text;
  for (;;) {
    const Answer page = daemon.get("/v1/tasks/" + std::to_string(id) + "/logs?stream=" + stream +
                                   "&offset=" + std::to_string(text.size()));
    if (page.status != 200 || page.body.empty()) return text;
    text += page.body;
  }
}

int64_t submit(const DaemonProcess& daemon, const std::string& script) {
  const nlohmann::json body = {{"argv", {"sh", "-c", script}}, {"tflops", 20}};
  const Answer created = daemon.post("/v1/tasks", body.dump());
  EXPECT_EQ(created.status, 201) << created.body;
  return created.json.value("id", int64_t{0});
}

nlohmann::json wait_for(const DaemonProcess& daemon, int64_t id) {
  return daemon.get("/v1/tasks/" + std::to_string(id) + "/wait?timeout=60").json;
}

TEST(AgentOutput, ReachesTheDaemonWhileTheTaskRuns) {
  DaemonWithAgent cluster;
  ASSERT_TRUE(cluster.ready());
  const DaemonProcess& daemon = cluster.daemon;
  const TempDir& dir = cluster.dir;
  const std::string release = shared_dir(dir) + "/release";
  const int64_t id = submit(daemon, "echo first; echo warning >&2; while [ ! -e " + release +
                                        " ]; do sleep 0.02; done; echo last");
  // The first line is readable while the task waits for the test to let it end.
  ASSERT_TRUE(eventually([&] { return whole_log(daemon, id, "stdout") == "first\n"; },
                         milliseconds(10000)));
  EXPECT_EQ(daemon.get("/v1/tasks/" + std::to_string(id)).json["state"], "running");
  EXPECT_EQ(whole_log(daemon, id, "stderr"), "warning\n");
  std::ofstream(release).flush();
  EXPECT_EQ(wait_for(daemon, id)["state"], "succeeded");
  EXPECT_EQ(whole_log(daemon, id, "stdout"), "first\nlast\n");
}

TEST(AgentOutput, ArrivesWholeAndByteExactAcrossManySyncs) {
  DaemonWithAgent cluster;
  ASSERT_TRUE(cluster.ready());
  const DaemonProcess& daemon = cluster.daemon;
  const TempDir& dir = cluster.dir;
  // 6 MiB of random bytes: more than a stream may hold unsent, so the task blocks on its pipe
  // until the daemon has taken some; the task keeps a copy to compare with.
  const std::string copy = shared_dir(dir) + "/sent";
  const int64_t id = submit(daemon, "head -c 6291456 /dev/urandom | tee " + copy);
  const nlohmann::json done = wait_for(daemon, id);
  EXPECT_EQ(done["state"], "succeeded") << done.dump();
  std::ifstream in(copy, std::ios::binary);
  std::stringstream sent;
  sent << in.rdbuf();
  ASSERT_EQ(sent.str().size(), 6291456u);
  EXPECT_TRUE(whole_log(daemon, id, "stdout") == sent.str());
}

// On an agent's host the task is confined as on fastgpud's: its user's own uid, a cgroup whose
// limits hold and which ends with it, its usage reported back.
TEST(AgentOutput, AnAgentConfinesItsTasksAsTheDaemonDoes) {
  if (::geteuid() != 0) GTEST_SKIP() << "confinement needs a root agent";
  DaemonWithAgent cluster;
  ASSERT_TRUE(cluster.ready());
  const DaemonProcess& daemon = cluster.daemon;
  const std::string pid_file = shared_dir(cluster.dir) + "/escaped";
  const std::string script =
      "id -u; setsid sleep 300 & echo $! > " + pid_file + "; python3 -c 'b = b\"x\" * (1 << 30)'";
  const nlohmann::json body = {
      {"argv", {"sh", "-c", script}}, {"tflops", 20}, {"host_memory", "256MiB"}};
  const Answer created = daemon.post("/v1/tasks", body.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const int64_t id = created.json["id"];
  const nlohmann::json done = wait_for(daemon, id);
  EXPECT_EQ(done["state"], "failed") << done.dump();
  EXPECT_NE(done["failure_reason"].get<std::string>().find("out of memory"), std::string::npos)
      << done.dump();
  const std::string uid = whole_log(daemon, id, "stdout");
  EXPECT_NE(uid, "0\n");
  EXPECT_GE(std::stoll(uid), 1900000000) << uid;
  EXPECT_GT(done["usage"]["peak_memory_bytes"].get<int64_t>(), 0) << done.dump();
  const pid_t escaped = std::stoi(read_file(pid_file));
  EXPECT_TRUE(eventually([&] { return !alive(escaped); }, milliseconds(5000)))
      << "the setsid child " << escaped << " outlived its task";
}

// The device fence on an agent's host, on files standing for its two GPUs' nodes.
TEST(AgentOutput, AnAgentsTaskOpensOnlyItsOwnGpusDeviceNode) {
  if (::geteuid() != 0) GTEST_SKIP() << "confinement needs a root agent";
  TempDir dir;
  const std::string nodes = shared_dir(dir) + "/nvidia";
  for (const char* index : {"0", "1"}) {
    std::ofstream(nodes + index) << "device " << index << "\n";
    ::chmod((nodes + index).c_str(), 0666);
  }
  DaemonProcess daemon(dir.path(), kDaemonFlags);
  ASSERT_TRUE(daemon.started()) << daemon.log();
  AgentProcess agent(daemon.port(), "worker", dir.path() + "/worker",
                     {"--simulate-gpus", "2x400tflops", "--simulated-gpu-nodes", nodes});
  ASSERT_TRUE(eventually([&] { return ready_agent_nodes(daemon) == 1; }, milliseconds(10000)));
  const int64_t id =
      submit(daemon, "cat " + nodes + "0 || echo 0-refused; cat " + nodes + "1 || echo 1-refused");
  EXPECT_EQ(wait_for(daemon, id)["state"], "succeeded");
  const std::string out = whole_log(daemon, id, "stdout");
  const bool has_0 = out.find("device 0") != std::string::npos;
  EXPECT_NE(has_0, out.find("device 1") != std::string::npos) << out;
  EXPECT_NE(out.find(has_0 ? "1-refused" : "0-refused"), std::string::npos) << out;
}

// A scripted agent: registered through the real protocol, syncing by hand.
class ScriptedAgent {
 public:
  explicit ScriptedAgent(const DaemonProcess& daemon) : daemon_(daemon) {
    RegisterRequest request;
    request.name = "scripted";
    request.cpu_milli = 8000;
    GpuDevice gpu;
    gpu.uuid = "GPU-scripted-0";
    gpu.model = "A100-80GB";
    gpu.milli_tflops = 400'000;
    gpu.memory_bytes = int64_t{80} << 30;
    request.devices = {gpu};
    const Answer answer = daemon.post_with("/v1/agents/register", to_json(request).dump(),
                                           {{kAgentCredentialHeader, credential_}});
    EXPECT_EQ(answer.status, 200) << answer.body;
    EXPECT_TRUE(parse_register_reply(answer.body, &session_).is_ok());
  }

  // One sync; returns the daemon's answer.
  SyncReply sync(SyncRequest request) {
    request.agent_id = session_.agent_id;
    request.epoch = session_.epoch;
    const Answer answer = daemon_.post_with("/v1/agents/sync", to_json(request).dump(),
                                            {{kAgentCredentialHeader, credential_}});
    EXPECT_EQ(answer.status, 200) << answer.body;
    SyncReply reply;
    EXPECT_TRUE(parse_sync_reply(answer.body, &reply).is_ok()) << answer.body;
    return reply;
  }

 private:
  const DaemonProcess& daemon_;
  const std::string credential_ = random_secret();
  RegisterReply session_;
};

LogChunk chunk(int64_t task, int64_t offset, std::string data) {
  return LogChunk{task, LogStream::kStdout, offset, std::move(data)};
}

TEST(AgentOutput, AChunkSentAgainIsKeptOnceAndOneAfterAGapIsDropped) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), kDaemonFlags);
  ASSERT_TRUE(daemon.started());
  ScriptedAgent agent(daemon);
  const int64_t id = submit(daemon, "true");
  bool assigned = false;
  for (int i = 0; i < 100 && !assigned; ++i) {
    SyncRequest poll;
    poll.wait_ms = 100;
    assigned = !agent.sync(poll).start.empty();
  }
  ASSERT_TRUE(assigned);
  SyncRequest report;
  report.running = {id};
  report.logs = {chunk(id, 0, "hello ")};
  agent.sync(report);
  report.logs = {chunk(id, 0, "hello "), chunk(id, 6, "world\n")};  // the first sent again
  agent.sync(report);
  report.logs = {chunk(id, 40, "after a gap\n")};  // bytes 12..40 never came: dropped
  agent.sync(report);
  report.logs = {chunk(id, 3, "lo world\nmore\n")};  // overlaps what the daemon has
  report.running.clear();
  report.finished = {TaskExitReport{id, true, 0, 0, "exited with code 0", {}}};
  agent.sync(report);
  EXPECT_EQ(wait_for(daemon, id)["state"], "succeeded");
  EXPECT_EQ(whole_log(daemon, id, "stdout"), "hello world\nmore\n");
  EXPECT_EQ(whole_log(daemon, id, "stderr"), "");
}

TEST(AgentOutput, MalformedChunksAreRefusedNamingTheField) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), kDaemonFlags);
  ASSERT_TRUE(daemon.started());
  const auto sync_with = [&](const std::string& log) {
    return daemon.post("/v1/agents/sync",
                       R"({"agent_id": 1, "epoch": 1, "running": [], "logs": [)" + log + "]}");
  };
  const Answer not_base64 = sync_with(R"({"task": 1, "stream": "stdout", "offset": 0,
                                          "data": "no base64!"})");
  EXPECT_EQ(not_base64.status, 400);
  EXPECT_NE(not_base64.body.find("logs[0]\\\": field \\\"data\\\": must be base64"),
            std::string::npos)
      << not_base64.body;
  const Answer bad_stream = sync_with(R"({"task": 1, "stream": "stdin", "offset": 0, "data": ""})");
  EXPECT_EQ(bad_stream.status, 400);
  EXPECT_NE(bad_stream.body.find("stream"), std::string::npos) << bad_stream.body;
  const Answer negative = sync_with(R"({"task": 1, "stream": "stderr", "offset": -1, "data": ""})");
  EXPECT_EQ(negative.status, 400);
  EXPECT_NE(negative.body.find("offset"), std::string::npos) << negative.body;
  const Answer too_big = sync_with(R"({"task": 1, "stream": "stdout", "offset": 0, "data": ")" +
                                   base64_encode(std::string(kMaxLogChunkBytes + 1, 'x')) + "\"}");
  EXPECT_EQ(too_big.status, 400);  // 341 KiB of base64: within the body limit, over the chunk's
  EXPECT_NE(too_big.body.find("data"), std::string::npos) << too_big.body.substr(0, 200);
}

TEST(AgentOutput, PastTheLogCapTheTaskIsStoppedAndItsLogEndsThere) {
  TempDir dir;
  std::vector<std::string> flags = kDaemonFlags;
  flags.insert(flags.end(), {"--task-log-cap", "1MiB"});
  DaemonProcess daemon(dir.path(), flags);
  ASSERT_TRUE(daemon.started()) << daemon.log();
  AgentProcess agent(daemon.port(), "worker", dir.path() + "/worker",
                     {"--simulate-gpus", "1x400tflops"});
  ASSERT_TRUE(eventually([&] { return ready_agent_nodes(daemon) == 1; }, milliseconds(10000)));
  const int64_t id = submit(daemon, "head -c 67108864 /dev/zero; sleep 30");
  const nlohmann::json done = wait_for(daemon, id);
  EXPECT_EQ(done["state"], "failed") << done;
  EXPECT_NE(done.value("failure_reason", "").find("log cap"), std::string::npos) << done;
  const std::string log = whole_log(daemon, id, "stdout");
  EXPECT_LE(log.size(), size_t{1} << 20);
  EXPECT_NE(log.find("[fastgpu: this output passed the log cap"), std::string::npos);
}

}  // namespace
}  // namespace fastgpu::testing
