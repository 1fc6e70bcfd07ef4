// The control plane's side doors, closed (issue 13), each tried against a real fastgpud on
// loopback: a second daemon on the same state, agents without credentials, requests a web page
// makes, files other local users could read, and a damaged or vanished database.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "agent/agent_protocol.h"
#include "core/secret.h"
#include "daemon_process.h"
#include "raw_connection.h"

namespace fastgpu::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr const char* kAlice = "alice-token-0123456789";
constexpr const char* kAdmin = "admin-token-0123456789";
constexpr const char* kJoin = "join-token-abcdef0123456789";

// The permission bits of `path`; -1 when it does not exist.
int mode_of(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 07777) : -1;
}

// Starts fastgpud with `flags`, waits for it to exit (at most `limit`); returns its exit code
// (-1 when it was still running, then killed) and how long it ran.
int exit_code_within(const std::vector<std::string>& flags, milliseconds limit,
                     const std::string& log_path, milliseconds* took) {
  std::vector<std::string> args = {fastgpud_path()};
  args.insert(args.end(), flags.begin(), flags.end());
  const auto started = steady_clock::now();
  pid_t pid = spawn_program(args, log_path);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (steady_clock::now() - started > limit) {
      signal_and_reap(&pid, SIGKILL);
      return -1;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  *took = std::chrono::duration_cast<milliseconds>(steady_clock::now() - started);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(OneDaemonPerState, ASecondDaemonOnTheSameDataDirExitsAtOnce) {
  TempDir dir, logs;
  DaemonProcess first(dir.path(), {"--simulate-gpus", "1xA100-80GB"});
  ASSERT_TRUE(first.started()) << first.log();
  milliseconds took{0};
  const std::string log = logs.path() + "/second.log";
  EXPECT_EQ(exit_code_within({"--data-dir", dir.path(), "--listen", "127.0.0.1:0"},
                             milliseconds(2000), log, &took),
            1);
  EXPECT_LT(took, milliseconds(2000));
  EXPECT_NE(read_file(log).find("another fastgpud (pid " + std::to_string(first.pid()) + ")"),
            std::string::npos)
      << read_file(log);
  EXPECT_EQ(first.get("/healthz").status, 200);
}

TEST(OneDaemonPerState, ASecondDaemonOnTheSamePortExitsAtOnce) {
  TempDir dir, other, logs;
  DaemonProcess first(dir.path(), {"--simulate-gpus", "1xA100-80GB"});
  ASSERT_TRUE(first.started()) << first.log();
  milliseconds took{0};
  const std::string log = logs.path() + "/second.log";
  EXPECT_EQ(exit_code_within({"--data-dir", other.path(), "--listen",
                              "127.0.0.1:" + std::to_string(first.port())},
                             milliseconds(2000), log, &took),
            1);
  EXPECT_LT(took, milliseconds(2000));
  EXPECT_NE(read_file(log).find("taken by pid " + std::to_string(first.pid())), std::string::npos)
      << read_file(log);
  for (int i = 0; i < 20; ++i) {  // every request still reaches the first, none a second
    EXPECT_EQ(first.get("/healthz").status, 200);
  }
}

// The body of agent `name`'s registration, with one GPU.
std::string registration(const std::string& name) {
  GpuDevice gpu;
  gpu.uuid = "GPU-" + name;
  gpu.model = "A100-80GB";
  gpu.milli_tflops = 312'000;
  gpu.memory_bytes = int64_t{80} << 30;
  return to_json(RegisterRequest{name, {gpu}, 8000, {}}).dump();
}

// A daemon with user tokens and a join token, and registrations against it.
class AgentCredentialsTest : public ::testing::Test {
 protected:
  AgentCredentialsTest()
      : tokens_(write_private_file(dir_.path() + "-tokens",
                                   std::string(kAlice) + " alice\n" + kAdmin + " root admin\n")),
        join_(write_private_file(dir_.path() + "-join", std::string(kJoin) + "\n")),
        daemon_(dir_.path(), {"--simulate-gpus", "1x10tflops", "--tokens-file", tokens_,
                              "--join-token-file", join_}) {}
  ~AgentCredentialsTest() override {
    std::filesystem::remove(tokens_);
    std::filesystem::remove(join_);
  }

  Answer register_as(const std::string& name, httplib::Headers headers) const {
    return daemon_.post_with("/v1/agents/register", registration(name), headers);
  }
  // Registers `name` with the join token and `credential`; *session gets the answer.
  Answer join(const std::string& name, const std::string& credential,
              RegisterReply* session = nullptr) const {
    const Answer answer =
        register_as(name, {{kJoinTokenHeader, kJoin}, {kAgentCredentialHeader, credential}});
    if (session != nullptr) {
      EXPECT_TRUE(parse_register_reply(answer.body, session).is_ok()) << answer.body;
    }
    return answer;
  }
  Answer sync(const RegisterReply& session, const std::string& credential) const {
    SyncRequest request;
    request.agent_id = session.agent_id;
    request.epoch = session.epoch;
    return daemon_.post_with("/v1/agents/sync", to_json(request).dump(),
                             {{kJoinTokenHeader, kJoin}, {kAgentCredentialHeader, credential}});
  }

  TempDir dir_;
  std::string tokens_, join_;
  DaemonProcess daemon_;
};

TEST_F(AgentCredentialsTest, RegistrationNeedsTheJoinTokenNotAUsersToken) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const std::string mine = random_secret();
  EXPECT_EQ(register_as("h1", {{kAgentCredentialHeader, mine}}).status, 401);
  EXPECT_EQ(register_as("h1", {{"Authorization", std::string("Bearer ") + kAdmin},
                               {kAgentCredentialHeader, mine}})
                .status,
            401);
  EXPECT_EQ(register_as("h1", {{kJoinTokenHeader, kAlice}, {kAgentCredentialHeader, mine}}).status,
            401);
  EXPECT_EQ(register_as("h1", {{kJoinTokenHeader, kJoin}}).status, 400);  // no credential
  EXPECT_EQ(join("h1", mine).status, 200);
}

TEST_F(AgentCredentialsTest, ALiveAgentsNameCannotBeTakenNorItsSyncsForged) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const std::string first_secret = random_secret(), second_secret = random_secret();
  RegisterReply first, second;
  ASSERT_EQ(join("h1", first_secret, &first).status, 200);
  ASSERT_EQ(join("h2", second_secret, &second).status, 200);
  const Answer taken = join("h1", random_secret());
  EXPECT_EQ(taken.status, 409) << taken.body;
  EXPECT_NE(taken.body.find("nodes rm h1"), std::string::npos) << taken.body;
  EXPECT_EQ(sync(first, second_secret).status, 401);  // another agent's credential
  EXPECT_EQ(sync(first, "").status, 401);
  EXPECT_EQ(sync(first, first_secret).status, 200);
  // The agent itself registers again while live (its answer was lost): its own credential.
  RegisterReply again;
  EXPECT_EQ(join("h1", first_secret, &again).status, 200);
  EXPECT_EQ(sync(again, first_secret).status, 200);
}

TEST_F(AgentCredentialsTest, AnAdminRemovesANodeAndOnlyANewAgentTakesItsName) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const std::string removed_secret = random_secret();
  RegisterReply first;
  ASSERT_EQ(join("h1", removed_secret, &first).status, 200);
  EXPECT_EQ(daemon_.del("/v1/nodes/h1", kAlice).status, 403);
  EXPECT_EQ(daemon_.del("/v1/nodes/nope", kAdmin).status, 404);
  EXPECT_EQ(daemon_.del("/v1/nodes/h1", kAdmin).status, 200);
  EXPECT_EQ(sync(first, removed_secret).status, 409);  // its session is over
  const Answer back = join("h1", removed_secret);      // the removed process cannot return
  EXPECT_EQ(back.status, 409) << back.body;
  EXPECT_NE(back.body.find("removed by an admin"), std::string::npos) << back.body;
  EXPECT_EQ(join("h1", random_secret()).status, 200);  // a new agent process can
}

TEST(AgentCredentials, WithUserTokensAndNoJoinTokenAgentsAreRefused) {
  TempDir dir;
  const std::string tokens =
      write_private_file(dir.path() + "-tokens", std::string(kAlice) + " alice\n");
  DaemonProcess daemon(dir.path(), {"--simulate-gpus", "1x10tflops", "--tokens-file", tokens});
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const Answer refused = daemon.post_with("/v1/agents/register", registration("h1"), {});
  EXPECT_EQ(refused.status, 401) << refused.body;
  EXPECT_NE(refused.body.find("--join-token-file"), std::string::npos) << refused.body;
  std::filesystem::remove(tokens);
}

TEST(RequestFence, WebPagesAndForeignHostsAreRefusedAndCreateNothing) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), {"--simulate-gpus", "1xA100-80GB"});
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const std::string task = R"({"argv": ["true"]})";
  // What fetch(url, {method: 'POST', mode: 'no-cors', body}) sends from another site.
  const Answer page =
      daemon.post_with("/v1/tasks", task, {{"Origin", "https://evil.example"}}, "text/plain");
  EXPECT_EQ(page.status, 403) << page.body;
  EXPECT_NE(page.body.find("Origin"), std::string::npos) << page.body;
  for (const std::string& origin : std::vector<std::string>{
           "http://localhost:1", "http://203.0.113.5:" + std::to_string(daemon.port()), "null",
           "https://127.0.0.1:" + std::to_string(daemon.port() + 1)}) {
    const Answer from_page = daemon.post_with("/v1/tasks", task, {{"Origin", origin}});
    EXPECT_EQ(from_page.status, 403) << origin << ": " << from_page.body;
  }
  const Answer text = daemon.post_with("/v1/tasks", task, {}, "text/plain");
  EXPECT_EQ(text.status, 415) << text.body;
  // DNS rebinding: the page's own name resolves to 127.0.0.1, and the Host header says so.
  const Answer rebound = daemon.post_with("/v1/tasks", task, {{"Host", "evil.example"}});
  EXPECT_EQ(rebound.status, 403) << rebound.body;
  EXPECT_NE(rebound.body.find("Host"), std::string::npos) << rebound.body;
  EXPECT_EQ(daemon.get("/v1/tasks").json["tasks"].size(), 0u);
  EXPECT_EQ(
      daemon.post_with("/v1/tasks/1/cancel", "", {{"Origin", "https://evil.example"}}, "text/plain")
          .status,
      403);
  // The daemon's own origin, and clients that send none, are served.
  const std::string own = "http://127.0.0.1:" + std::to_string(daemon.port());
  EXPECT_EQ(daemon.post_with("/v1/tasks", task, {{"Origin", own}}).status, 201);
  EXPECT_EQ(daemon.post("/v1/tasks", task).status, 201);
}

TEST(RequestFence, ARefusedRequestsBodyIsNotTakenForTheNextRequest) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), {"--simulate-gpus", "1xA100-80GB"});
  ASSERT_TRUE(daemon.started()) << daemon.log();
  // A page's text/plain body that is itself a whole request, on a kept-alive connection.
  const std::string task = R"({"argv": ["true"]})";
  const std::string inner =
      "POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
      "application/json\r\nContent-Length: " +
      std::to_string(task.size()) + "\r\n\r\n" + task;
  const std::string outer =
      "POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: "
      "https://evil.example\r\nContent-Type: text/plain\r\n"
      "Content-Length: " +
      std::to_string(inner.size()) + "\r\n\r\n" + inner;
  RawConnection connection(daemon.port());
  ASSERT_TRUE(connection.send(outer));
  const std::string answer = connection.read_until_quiet(milliseconds(1000));
  EXPECT_NE(answer.find("403"), std::string::npos) << answer;
  EXPECT_EQ(answer.find("201"), std::string::npos) << answer;
  EXPECT_EQ(daemon.get("/v1/tasks").json["tasks"].size(), 0u);
}

TEST(PrivateState, FilesAreTheDaemonsAloneWhateverTheUmask) {
  TempDir dir;
  const mode_t old = ::umask(022);
  std::filesystem::create_directory(dir.path() + "/logs");
  ::chmod(dir.path().c_str(), 0755);  // as an older daemon, or the operator, left them
  ::chmod((dir.path() + "/logs").c_str(), 0755);
  DaemonProcess daemon(dir.path(), {"--simulate-gpus", "1xA100-80GB"});
  ::umask(old);
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const Answer task = daemon.post("/v1/tasks", R"({"argv": ["echo", "hi"]})");
  ASSERT_EQ(task.status, 201) << task.body;
  daemon.get("/v1/tasks/" + std::to_string(task.json["id"].get<int64_t>()) + "/wait?timeout=30");
  EXPECT_EQ(mode_of(dir.path()), 0700);
  EXPECT_EQ(mode_of(dir.path() + "/logs"), 0700);
  for (const char* file : {"/fastgpu.db", "/fastgpu.db-wal", "/fastgpu.db-shm", "/lock"}) {
    EXPECT_EQ(mode_of(dir.path() + file), 0600) << file;
  }
  int logs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() + "/logs")) {
    EXPECT_EQ(mode_of(entry.path()), 0600) << entry.path();
    ++logs;
  }
  EXPECT_GT(logs, 0);
}

TEST(PrivateState, ADatabaseOthersCouldReadIsMadePrivateAtStart) {
  TempDir dir;
  {
    DaemonProcess daemon(dir.path(), {"--simulate-gpus", "1xA100-80GB"});
    ASSERT_TRUE(daemon.started()) << daemon.log();
  }
  ::chmod((dir.path() + "/fastgpu.db").c_str(), 0644);
  DaemonProcess again(dir.path(), {"--simulate-gpus", "1xA100-80GB"});
  ASSERT_TRUE(again.started()) << again.log();
  EXPECT_EQ(mode_of(dir.path() + "/fastgpu.db"), 0600);
}

// A data directory whose database holds a few pages of tasks, its daemon stopped.
std::string database_with_tasks(const TempDir& dir) {
  DaemonProcess daemon(dir.path(), {"--simulate-gpus", "1xA100-80GB"});
  EXPECT_TRUE(daemon.started()) << daemon.log();
  const std::string filler(3000, 'x');
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(daemon.post("/v1/tasks", R"({"argv": ["true", ")" + filler + R"("]})").status, 201);
  }
  daemon.stop();
  return dir.path() + "/fastgpu.db";
}

TEST(StoreIntegrity, ADatabaseWithADamagedMiddlePageIsRefusedAtStart) {
  TempDir dir, logs;
  const std::string db = database_with_tasks(dir);
  const auto size = std::filesystem::file_size(db);
  ASSERT_GE(size, 16u * 4096) << "too few pages to damage one in the middle";
  {
    std::fstream file(db, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(size / 4096 / 2 * 4096));
    const std::string garbage(4096, '\xA5');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  std::string log;
  EXPECT_EQ(run_fastgpud_to_exit({"--data-dir", dir.path(), "--listen", "127.0.0.1:0"}, &log), 1);
  EXPECT_NE(log.find("is damaged"), std::string::npos) << log;
  EXPECT_NE(log.find("backup"), std::string::npos) << log;
}

TEST(StoreIntegrity, AnEmptyOrVanishedDatabaseIsRefusedUnlessStartingFresh) {
  TempDir dir;
  const std::string db = database_with_tasks(dir);
  std::filesystem::resize_file(db, 0);
  std::string log;
  const std::vector<std::string> flags = {"--data-dir", dir.path(), "--listen", "127.0.0.1:0"};
  EXPECT_EQ(run_fastgpud_to_exit(flags, &log), 1);
  EXPECT_NE(log.find("is empty (0 bytes)"), std::string::npos) << log;
  for (const char* file : {"", "-wal", "-shm"}) std::filesystem::remove(db + file);
  EXPECT_EQ(run_fastgpud_to_exit(flags, &log), 1);
  EXPECT_NE(log.find("is missing"), std::string::npos) << log;
  DaemonProcess fresh(dir.path(), {"--simulate-gpus", "1xA100-80GB", "--start-fresh"});
  ASSERT_TRUE(fresh.started()) << fresh.log();
  EXPECT_EQ(fresh.get("/v1/tasks").json["tasks"].size(), 0u);
}

}  // namespace
}  // namespace fastgpu::testing
