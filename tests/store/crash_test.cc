// Crash safety for real: a child process submits tasks as fast as it can and reports each
// acknowledged id through a pipe; the parent kills it with SIGKILL mid-stream, reopens the
// database and checks that every acknowledged task is there exactly once.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <thread>

#include "store/batch_writer.h"
#include "store/sqlite_db.h"
#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace fastgpu {
namespace {

using testing_util::ScratchDir;
using testing_util::simple_spec;

// One acknowledgement: the task's id and the unique key the child put in its name.
struct Ack {
  int64_t id;
  int64_t key;
};

constexpr int kChildThreads = 4;

// Child process body: never returns. Thread t's k-th call submits 1..3 tasks in one request.
[[noreturn]] void submit_until_killed(const std::string& path, int round, int ack_fd) {
  std::unique_ptr<SqliteStore> store;
  if (!SqliteStore::open(path, &store).is_ok()) _exit(2);
  BatchWriter writer(store.get());
  auto submitter = [&](int64_t t) {
    for (int64_t k = 0;; ++k) {
      std::vector<TaskSpec> specs;
      std::vector<int64_t> keys;
      for (int64_t j = 0; j <= k % 3; ++j) {
        keys.push_back((int64_t{round} << 48) | (t << 40) | (k << 2) | j);
        specs.push_back(simple_spec("crash", std::to_string(keys.back())));
      }
      std::vector<TaskId> ids;
      if (!writer.create_tasks(std::move(specs), &ids).is_ok()) _exit(3);
      for (size_t j = 0; j < ids.size(); ++j) {
        const Ack ack{ids[j], keys[j]};  // one write below PIPE_BUF: atomic
        if (write(ack_fd, &ack, sizeof ack) != static_cast<ssize_t>(sizeof ack)) _exit(4);
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kChildThreads; ++t) threads.emplace_back(submitter, t);
  for (std::thread& th : threads) th.join();
  _exit(5);
}

// Reads one Ack; false at end of stream.
bool read_ack(int fd, Ack* ack) {
  auto* bytes = reinterpret_cast<char*>(ack);
  size_t got = 0;
  while (got < sizeof *ack) {
    const ssize_t n = read(fd, bytes + got, sizeof *ack - got);
    if (n == 0) return false;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

// Forks a submitter, kills it after `kill_after` acknowledgements, and returns every
// acknowledgement it made before it died.
std::vector<Ack> run_and_kill(const std::string& path, int round, size_t kill_after) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    submit_until_killed(path, round, fds[1]);
  }
  close(fds[1]);
  std::vector<Ack> acks;
  Ack ack;
  while (acks.size() < kill_after && read_ack(fds[0], &ack)) acks.push_back(ack);
  kill(child, SIGKILL);
  while (read_ack(fds[0], &ack)) acks.push_back(ack);  // written before it died
  close(fds[0]);
  int status = 0;
  EXPECT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the submitter stopped on its own, status " << status;
  return acks;
}

// How many times each task name occurs in the store.
std::map<std::string, int> count_names(Store* store) {
  std::map<std::string, int> counts;
  TaskFilter filter = testing_util::owner_filter("", kMaxListLimit);
  TaskPage page;
  do {
    EXPECT_TRUE(store->list_tasks(filter, &page).is_ok());
    for (const TaskRecord& t : page.tasks) ++counts[t.spec.name];
    filter.cursor = page.next_cursor;
  } while (page.next_cursor != 0);
  return counts;
}

TEST(SqliteStoreCrash, EveryAcknowledgedTaskSurvivesSigkillExactlyOnce) {
  ScratchDir dir;
  const std::string path = dir.file("crash.db");
  std::vector<Ack> acknowledged;
  const size_t kill_after[] = {300, 1000, 2000};
  for (int round = 0; round < 3; ++round) {
    const std::vector<Ack> acks = run_and_kill(path, round, kill_after[round]);
    EXPECT_GE(acks.size(), kill_after[round]);
    acknowledged.insert(acknowledged.end(), acks.begin(), acks.end());

    std::unique_ptr<SqliteStore> store;
    ASSERT_TRUE(SqliteStore::open(path, &store).is_ok()) << "round " << round;
    const std::map<std::string, int> counts = count_names(store.get());
    // Tasks committed but never acknowledged show that the kill landed mid-stream.
    std::string round_name = "round";
    round_name += std::to_string(round);
    RecordProperty(round_name + "_committed", static_cast<int>(counts.size()));
    RecordProperty(round_name + "_acknowledged", static_cast<int>(acknowledged.size()));
    for (const Ack& a : acknowledged) {
      TaskRecord task;
      ASSERT_TRUE(store->get_task(a.id, &task).is_ok()) << "acknowledged task " << a.id;
      const std::string name = std::to_string(a.key);
      EXPECT_EQ(task.spec.name, name);
      EXPECT_EQ(task.state, TaskState::kPending);
      auto it = counts.find(name);
      ASSERT_NE(it, counts.end());
      EXPECT_EQ(it->second, 1) << name;
    }
  }
  std::unique_ptr<SqliteDb> db;
  ASSERT_TRUE(SqliteDb::open(path, {}, &db).is_ok());
  Statement check(db.get(), "PRAGMA integrity_check");
  ASSERT_TRUE(check.next_row());
  EXPECT_EQ(check.column_text(), "ok");
}

}  // namespace
}  // namespace fastgpu
