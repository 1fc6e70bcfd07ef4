#include "store/batch_writer.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "store_backends.h"
#include "store_test_util.h"

namespace fastgpu {
namespace {

using testing_util::simple_spec;
using testing_util::transition;

// The owner of thread t's tasks.
std::string user(int t) {
  std::string name = "u";
  name += std::to_string(t);
  return name;
}

// Runs `body(thread_index)` on `threads` threads and joins them.
template <typename Body>
void run_threads(int threads, Body body) {
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(body, t);
  for (std::thread& th : pool) th.join();
}

// Group commit in front of each back end's store.
using BatchWriterTest = testing_util::BackendTest;

TEST_P(BatchWriterTest, SixteenThreadsShareCommitsAndEveryIdIsDurable) {
  constexpr int kThreads = 16;
  constexpr int kPerThread = 1000;
  std::unique_ptr<Store> store = open_store();
  ASSERT_NE(store, nullptr);
  BatchWriter writer(store.get());

  std::vector<std::vector<TaskId>> ids(kThreads);
  run_threads(kThreads, [&](int t) {
    for (int i = 0; i < kPerThread; ++i) {
      TaskId id = 0;
      Status s = writer.create_task(simple_spec(user(t), std::to_string(i)), &id);
      if (!s.is_ok()) ADD_FAILURE() << s.message();
      ids[t].push_back(id);
    }
  });
  const BatchWriter::Stats stats = writer.stats();
  EXPECT_EQ(stats.callers, uint64_t{kThreads * kPerThread});
  EXPECT_EQ(stats.requests, uint64_t{kThreads * kPerThread});
  EXPECT_LT(stats.commits, stats.callers) << "no two submissions ever shared a commit";

  std::set<TaskId> distinct;
  for (const auto& per_thread : ids) distinct.insert(per_thread.begin(), per_thread.end());
  EXPECT_EQ(distinct.size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(distinct.count(0), 0u);

  store.reset();
  store = open_store();
  ASSERT_NE(store, nullptr);
  size_t found = 0;
  for (int t = 0; t < kThreads; ++t) {
    const TaskFilter filter = testing_util::owner_filter(user(t), kMaxListLimit);
    TaskPage page;
    ASSERT_TRUE(store->list_tasks(filter, &page).is_ok());
    ASSERT_EQ(page.tasks.size(), size_t{kPerThread});
    for (int i = 0; i < kPerThread; ++i) {  // each thread's tasks, in its submission order
      EXPECT_EQ(page.tasks[i].id, ids[t][i]);
      EXPECT_EQ(page.tasks[i].spec.name, std::to_string(i));
    }
    found += page.tasks.size();
  }
  EXPECT_EQ(found, size_t{kThreads * kPerThread});
}

TEST_P(BatchWriterTest, EachCallerGetsItsOwnResults) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100;
  std::unique_ptr<Store> store = open_store();
  ASSERT_NE(store, nullptr);
  BatchWriter writer(store.get());

  run_threads(kThreads, [&](int) {
    for (int i = 0; i < kPerThread; ++i) {
      TaskId id = 0;
      ASSERT_TRUE(writer.create_task(simple_spec("u"), &id).is_ok());
      // A stale compare-and-set is refused for this caller only.
      std::vector<WriteRequest> two;
      two.push_back(transition(id, TaskState::kRunning, TaskState::kLost));
      two.push_back(transition(id, TaskState::kPending, TaskState::kRunning));
      std::vector<WriteResult> results;
      ASSERT_TRUE(writer.write(std::move(two), &results).is_ok());
      ASSERT_EQ(results.size(), 2u);
      EXPECT_EQ(results[0].status.code(), Status::Code::kFailedPrecondition);
      EXPECT_TRUE(results[1].status.is_ok());
      EXPECT_EQ(writer.create_task(simple_spec(""), &id).code(), Status::Code::kInvalidArgument);
    }
  });
  std::vector<TaskRecord> unfinished;
  ASSERT_TRUE(store->load_unfinished_tasks(&unfinished).is_ok());
  ASSERT_EQ(unfinished.size(), size_t{kThreads * kPerThread});
  for (const TaskRecord& t : unfinished) EXPECT_EQ(t.state, TaskState::kRunning);
}

INSTANTIATE_TEST_SUITE_P(Backends, BatchWriterTest, testing_util::all_backends(),
                         testing_util::backend_name);

// A downstream whose commits always fail, as on a full disk.
class FailingWriter : public Writer {
 public:
  Status write(std::vector<WriteRequest> requests, std::vector<WriteResult>* results) override {
    results->assign(requests.size(), WriteResult{});
    return Status::io_error("disk full");
  }
};

TEST(StoreBatchWriter, CommitFailureReachesEveryCaller) {
  FailingWriter failing;
  BatchWriter writer(&failing);
  run_threads(4, [&](int) {
    for (int i = 0; i < 50; ++i) {
      std::vector<TaskId> ids;
      Status s = writer.create_tasks({simple_spec("u"), simple_spec("u")}, &ids);
      EXPECT_EQ(s.code(), Status::Code::kIoError);
      EXPECT_EQ(s.message(), "disk full");
      EXPECT_TRUE(ids.empty());
    }
  });
}

}  // namespace
}  // namespace fastgpu
