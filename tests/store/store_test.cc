// The Store contract, run against every back end (store_backends.h).

#include <gtest/gtest.h>

#include <set>

#include "store/sqlite_store.h"
#include "store_backends.h"
#include "store_test_util.h"

namespace fastgpu {
namespace {

using testing_util::full_command_spec;
using testing_util::ScratchDir;
using testing_util::simple_spec;
using testing_util::transition;

// A filter with a page size (and, when given, an owner).
TaskFilter page_of(int32_t limit, const std::string& owner = "") {
  return testing_util::owner_filter(owner, limit);
}

class StoreTest : public testing_util::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    reopen();
  }
  void TearDown() override { store_.reset(); }

  // Closes the store and opens it again on the same database.
  void reopen() {
    store_.reset();
    store_ = open_store();
    ASSERT_NE(store_, nullptr);
  }

  TaskId create(TaskSpec spec) {
    TaskId id = 0;
    EXPECT_TRUE(store_->create_task(std::move(spec), &id).is_ok());
    return id;
  }

  TaskRecord get(TaskId id) {
    TaskRecord task;
    EXPECT_TRUE(store_->get_task(id, &task).is_ok());
    return task;
  }

  Status move(TaskId id, TaskState from, TaskState to) {
    return store_->transition_task(transition(id, from, to));
  }

  std::unique_ptr<Store> store_;
};

TEST_P(StoreTest, CommandTaskRoundTripsEveryField) {
  const TaskSpec spec = full_command_spec();
  const TaskId id = create(spec);
  TaskRecord created = get(id);
  EXPECT_EQ(created.id, id);
  EXPECT_EQ(created.sequence, id);
  EXPECT_EQ(created.spec, spec);
  EXPECT_EQ(created.state, TaskState::kPending);
  EXPECT_GT(created.created_at_us, 0);

  TaskTransition start = transition(id, TaskState::kPending, TaskState::kRunning);
  start.placement = Placement{3, 0b1010};
  start.pid = 4242;
  start.process_start_time = (uint64_t{1} << 63) + 17;  // survives the signed column
  start.stdout_path = "logs/1.out";
  start.stderr_path = "logs/1.err";
  start.at_us = 1'700'000'000'000'000;
  ASSERT_TRUE(store_->transition_task(start).is_ok());

  TaskTransition fail = transition(id, TaskState::kRunning, TaskState::kFailed);
  fail.exit_code = -9;
  fail.failure_reason = "killed by signal 9";
  fail.at_us = 1'700'000'000'500'000;
  ASSERT_TRUE(store_->transition_task(fail).is_ok());

  TaskRecord expected = created;
  expected.state = TaskState::kFailed;
  expected.placement = Placement{3, 0b1010};
  expected.pid = 4242;
  expected.process_start_time = (uint64_t{1} << 63) + 17;
  expected.exit_code = -9;
  expected.failure_reason = "killed by signal 9";
  expected.started_at_us = 1'700'000'000'000'000;
  expected.ended_at_us = 1'700'000'000'500'000;
  expected.stdout_path = "logs/1.out";
  expected.stderr_path = "logs/1.err";
  expected.attempts = 1;  // counted at the start
  EXPECT_EQ(get(id), expected);

  reopen();
  EXPECT_EQ(get(id), expected);
}

TEST_P(StoreTest, SyntheticTaskInVgpuRoundTrips) {
  VgpuId vgpu = 0;
  ASSERT_TRUE(store_->create_vgpu({"bob", 20'000, 500, 16384}, Placement{0, 0b1}, &vgpu).is_ok());
  TaskSpec spec;
  spec.owner = "bob";
  spec.shape = {0, 0, 1, 500, 8192, kAnyGpuModel};
  spec.milli_tflops = 20'000;
  spec.vgpu = vgpu;
  spec.kind = WorkKind::kSynthetic;
  spec.synthetic = {20'000, 5'000};
  const TaskId id = create(spec);
  reopen();
  const TaskRecord task = get(id);
  EXPECT_EQ(task.spec, spec);
  EXPECT_FALSE(task.placement.has_value());
  EXPECT_FALSE(task.exit_code.has_value());
}

TEST_P(StoreTest, CompareAndSetRefusesWrongTransitionAndChangesNothing) {
  const TaskId id = create(simple_spec("alice"));
  const TaskRecord before = get(id);

  Status wrong_from = move(id, TaskState::kRunning, TaskState::kSucceeded);
  EXPECT_EQ(wrong_from.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(wrong_from.message().find("pending"), std::string::npos) << wrong_from.message();
  EXPECT_EQ(move(id, TaskState::kPending, TaskState::kSucceeded).code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(move(id + 100, TaskState::kPending, TaskState::kRunning).code(),
            Status::Code::kNotFound);
  EXPECT_EQ(get(id), before);

  ASSERT_TRUE(move(id, TaskState::kPending, TaskState::kRunning).is_ok());
  // A second scheduler acting on a stale view loses the race and changes nothing.
  const TaskRecord running = get(id);
  EXPECT_EQ(move(id, TaskState::kPending, TaskState::kRunning).code(),
            Status::Code::kFailedPrecondition);
  EXPECT_EQ(get(id), running);

  ASSERT_TRUE(move(id, TaskState::kRunning, TaskState::kSucceeded).is_ok());
  const TaskRecord done = get(id);
  for (int to = 0; to < kTaskStateCount; ++to) {
    EXPECT_FALSE(move(id, TaskState::kSucceeded, static_cast<TaskState>(to)).is_ok());
  }
  EXPECT_EQ(get(id), done);
}

TEST_P(StoreTest, RequeueCountsRetryAndClearsTheAttempt) {
  TaskSpec spec = simple_spec("alice");
  spec.max_retries = 1;
  const TaskId id = create(spec);
  TaskTransition start = transition(id, TaskState::kPending, TaskState::kRunning);
  start.placement = Placement{1, 0b100};
  start.pid = 77;
  ASSERT_TRUE(store_->transition_task(start).is_ok());
  ASSERT_TRUE(move(id, TaskState::kRunning, TaskState::kLost).is_ok());
  TaskTransition retry = transition(id, TaskState::kLost, TaskState::kPending);
  retry.failure_reason = "process gone after restart";
  retry.count_retry = true;
  ASSERT_TRUE(store_->transition_task(retry).is_ok());

  const TaskRecord task = get(id);
  EXPECT_EQ(task.state, TaskState::kPending);
  EXPECT_EQ(task.retries_used, 1);
  EXPECT_FALSE(task.placement.has_value());
  EXPECT_EQ(task.pid, 0);
  EXPECT_EQ(task.started_at_us, 0);
  EXPECT_EQ(task.ended_at_us, 0);
  EXPECT_EQ(task.failure_reason, "process gone after restart");
  EXPECT_EQ(task.sequence, id);  // keeps its place in the queue
}

TEST_P(StoreTest, BatchInsertIsAllOrNothing) {
  std::vector<TaskSpec> specs = {simple_spec("a"), simple_spec("b"), simple_spec("c")};
  specs[1].shape.gpu_milli = 1001;
  std::vector<TaskId> ids;
  Status s = store_->create_tasks(specs, &ids);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("task 1"), std::string::npos) << s.message();
  EXPECT_TRUE(ids.empty());
  TaskPage page;
  ASSERT_TRUE(store_->list_tasks({}, &page).is_ok());
  EXPECT_TRUE(page.tasks.empty());

  specs[1].shape.gpu_milli = 1000;
  ASSERT_TRUE(store_->create_tasks(specs, &ids).is_ok());
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_LT(ids[0], ids[1]);
  EXPECT_LT(ids[1], ids[2]);
  EXPECT_EQ(get(ids[2]).spec.owner, "c");
}

TEST_P(StoreTest, RefusedRequestInAGroupLeavesTheOthersApplied) {
  const TaskId id = create(simple_spec("alice"));
  std::vector<WriteRequest> group;
  group.push_back(CreateTasks{{simple_spec("x")}});
  group.push_back(transition(id, TaskState::kRunning, TaskState::kLost));
  group.push_back(transition(id, TaskState::kPending, TaskState::kRunning));
  // Sees the change just before it in the same transaction.
  group.push_back(transition(id, TaskState::kRunning, TaskState::kSucceeded));
  group.push_back(CreateTasks{{simple_spec("")}});
  std::vector<WriteResult> results;
  ASSERT_TRUE(store_->write(std::move(group), &results).is_ok());
  ASSERT_EQ(results.size(), 5u);
  EXPECT_TRUE(results[0].status.is_ok());
  ASSERT_EQ(results[0].ids.size(), 1u);
  EXPECT_EQ(results[1].status.code(), Status::Code::kFailedPrecondition);
  EXPECT_TRUE(results[2].status.is_ok());
  EXPECT_TRUE(results[3].status.is_ok());
  EXPECT_EQ(results[4].status.code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(results[4].ids.empty());

  EXPECT_EQ(get(id).state, TaskState::kSucceeded);
  EXPECT_EQ(get(results[0].ids[0]).spec.owner, "x");
  TaskPage page;
  ASSERT_TRUE(store_->list_tasks({}, &page).is_ok());
  EXPECT_EQ(page.tasks.size(), 2u);
}

TEST_P(StoreTest, TextThatIsNotUtf8IsRefusedAloneOnEveryBackEnd) {
  std::vector<WriteRequest> group;
  group.push_back(CreateTasks{{simple_spec("alice", std::string("nul\0inside", 10))}});
  group.push_back(CreateTasks{{simple_spec("alice", "fine")}});
  group.push_back(CreateTasks{{simple_spec("\xff\xfe")}});
  std::vector<WriteResult> results;
  ASSERT_TRUE(store_->write(std::move(group), &results).is_ok());
  EXPECT_EQ(results[0].status.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(results[0].status.message().find("task 0: name"), std::string::npos)
      << results[0].status.message();
  EXPECT_TRUE(results[1].status.is_ok());
  EXPECT_EQ(results[2].status.code(), Status::Code::kInvalidArgument);
  TaskPage page;
  ASSERT_TRUE(store_->list_tasks({}, &page).is_ok());
  ASSERT_EQ(page.tasks.size(), 1u);
  EXPECT_EQ(page.tasks[0].spec.name, "fine");
}

TEST_P(StoreTest, UnfinishedTasksLoadInPriorityThenSubmissionOrder) {
  struct Case {
    int32_t priority;
    std::vector<TaskState> path;  // states after pending
    int32_t max_retries = 0;
  };
  using S = TaskState;
  const std::vector<Case> cases = {
      {0, {}},             // 0 pending
      {5, {S::kRunning}},  // 1 running
      {0, {S::kRunning, S::kSucceeded}},
      {5, {}},  // 3 pending
      {9, {S::kCancelled}},
      {0, {S::kRunning, S::kLost}, 2},     // 5 lost, retries left
      {9, {S::kRunning, S::kLost}, 0},     // lost for good
      {-1, {S::kRunning, S::kPreempted}},  // 7
      {9, {S::kRunning}},                  // 8
      {0, {S::kFailed}},
  };
  std::vector<TaskId> ids;
  for (const Case& c : cases) {
    TaskSpec spec = simple_spec("alice", "t", c.priority);
    spec.max_retries = c.max_retries;
    ids.push_back(create(spec));
    TaskState at = S::kPending;
    for (TaskState next : c.path) {
      ASSERT_TRUE(move(ids.back(), at, next).is_ok());
      at = next;
    }
  }
  reopen();
  std::vector<TaskRecord> unfinished;
  ASSERT_TRUE(store_->load_unfinished_tasks(&unfinished).is_ok());
  std::vector<TaskId> order;
  for (const TaskRecord& t : unfinished) order.push_back(t.id);
  EXPECT_EQ(order, (std::vector<TaskId>{ids[8], ids[1], ids[3], ids[0], ids[5], ids[7]}));
}

TEST_P(StoreTest, ANewerWriteEpochFencesTheEarlierWriterOff) {
  int64_t first = 0, second = 0;
  EXPECT_TRUE(store_->confirm_write_epoch().is_ok());  // nothing claimed yet
  ASSERT_TRUE(store_->claim_write_epoch(&first).is_ok());
  EXPECT_TRUE(store_->confirm_write_epoch().is_ok());
  TaskId before = 0, fenced_id = 0, after = 0;
  ASSERT_TRUE(store_->create_task(simple_spec("alice", "before"), &before).is_ok());
  // Another replica takes over while this one's connections still live.
  auto successor = open_store();
  ASSERT_NE(successor, nullptr);
  ASSERT_TRUE(successor->claim_write_epoch(&second).is_ok());
  EXPECT_EQ(second, first + 1);
  const Status confirmed = store_->confirm_write_epoch();
  EXPECT_NE(confirmed.message().find("fenced"), std::string::npos) << confirmed.message();
  EXPECT_TRUE(successor->confirm_write_epoch().is_ok());
  const Status fenced = store_->create_task(simple_spec("alice", "fenced"), &fenced_id);
  EXPECT_EQ(fenced.code(), Status::Code::kIoError) << fenced.message();
  EXPECT_NE(fenced.message().find("fenced"), std::string::npos) << fenced.message();
  EXPECT_EQ(move(before, TaskState::kPending, TaskState::kRunning).code(), Status::Code::kIoError);
  ASSERT_TRUE(successor->create_task(simple_spec("alice", "after"), &after).is_ok());
  TaskPage page;
  ASSERT_TRUE(successor->list_tasks(page_of(100), &page).is_ok());
  std::vector<std::string> names;
  for (const TaskRecord& t : page.tasks) names.push_back(t.spec.name);
  EXPECT_EQ(names, (std::vector<std::string>{"before", "after"}));
  EXPECT_EQ(get(before).state, TaskState::kPending);  // the fenced transition left nothing
}

TEST_P(StoreTest, APageOfLargeTasksEndsAtTheByteBudgetAndGoesOnFromThere) {
  std::vector<TaskSpec> specs;
  for (int i = 0; i < 6; ++i) {
    TaskSpec spec = simple_spec("alice", std::to_string(i));
    spec.command.argv = {"echo", std::string(3 << 20, 'x')};  // 3 MiB each
    specs.push_back(spec);
  }
  std::vector<TaskId> ids;
  ASSERT_TRUE(store_->create_tasks(specs, &ids).is_ok());
  TaskFilter filter = page_of(100);
  std::vector<TaskId> seen;
  TaskPage page;
  do {
    ASSERT_TRUE(store_->list_tasks(filter, &page).is_ok());
    EXPECT_EQ(page.tasks.size(), 2u) << "two of 3 MiB fit in kMaxListBytes (8 MiB), not three";
    for (const TaskRecord& t : page.tasks) seen.push_back(t.id);
    filter.cursor = page.next_cursor;
  } while (page.next_cursor != 0);
  EXPECT_EQ(seen, ids);
}

TEST_P(StoreTest, ListFiltersAndPagesThroughEveryTaskOnce) {
  VgpuId vgpu = 0;
  ASSERT_TRUE(store_->create_vgpu({"alice", 0, 500, 0}, std::nullopt, &vgpu).is_ok());
  std::vector<TaskSpec> specs;
  for (int i = 0; i < 25; ++i) {
    TaskSpec spec = simple_spec(i % 2 == 0 ? "alice" : "bob", std::to_string(i));
    if (i % 5 == 0) spec.vgpu = vgpu;
    specs.push_back(spec);
  }
  std::vector<TaskId> ids;
  ASSERT_TRUE(store_->create_tasks(specs, &ids).is_ok());
  ASSERT_TRUE(move(ids[4], TaskState::kPending, TaskState::kRunning).is_ok());
  ASSERT_TRUE(move(ids[7], TaskState::kPending, TaskState::kRunning).is_ok());

  auto collect = [&](TaskFilter filter) {
    std::vector<TaskId> seen;
    TaskPage page;
    do {
      EXPECT_TRUE(store_->list_tasks(filter, &page).is_ok());
      EXPECT_LE(page.tasks.size(), static_cast<size_t>(filter.limit));
      for (const TaskRecord& t : page.tasks) seen.push_back(t.id);
      filter.cursor = page.next_cursor;
    } while (page.next_cursor != 0);
    return seen;
  };
  EXPECT_EQ(collect(page_of(4)), ids);
  std::vector<TaskId> reversed(ids.rbegin(), ids.rend());
  TaskFilter newest_first = page_of(5);
  newest_first.descending = true;
  EXPECT_EQ(collect(newest_first), reversed);
  EXPECT_EQ(collect(page_of(3, "bob")).size(), 12u);
  TaskFilter running = page_of(100);
  running.state = TaskState::kRunning;
  EXPECT_EQ(collect(running), (std::vector<TaskId>{ids[4], ids[7]}));
  TaskFilter in_vgpu = page_of(100, "alice");
  in_vgpu.vgpu = vgpu;
  EXPECT_EQ(collect(in_vgpu), (std::vector<TaskId>{ids[0], ids[10], ids[20]}));
  EXPECT_TRUE(collect(page_of(100, "nobody")).empty());

  TaskPage page;
  EXPECT_EQ(store_->list_tasks(page_of(0), &page).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(store_->list_tasks(page_of(kMaxListLimit + 1), &page).code(),
            Status::Code::kInvalidArgument);
}

TEST_P(StoreTest, EachOwnerKeepsOneTaskUidOfTheRangeForGood) {
  int64_t alice = 0;
  int64_t bob = 0;
  int64_t again = 0;
  ASSERT_TRUE(store_->assign_task_uid("alice", 5000, 5001, &alice).is_ok());
  ASSERT_TRUE(store_->assign_task_uid("bob", 5000, 5001, &bob).is_ok());
  ASSERT_TRUE(store_->assign_task_uid("alice", 5000, 5001, &again).is_ok());
  EXPECT_EQ(alice, 5000);
  EXPECT_EQ(bob, 5001);
  EXPECT_EQ(again, alice);
  int64_t carol = 0;
  EXPECT_EQ(store_->assign_task_uid("carol", 5000, 5001, &carol).code(),
            Status::Code::kResourceExhausted);
  reopen();
  ASSERT_TRUE(store_->assign_task_uid("bob", 5000, 5001, &again).is_ok());
  EXPECT_EQ(again, bob);
}

TEST_P(StoreTest, VgpuLifecycle) {
  VgpuId pending = 0;
  VgpuId active = 0;
  ASSERT_TRUE(store_->create_vgpu({"alice", 20'000, 0, 16384}, std::nullopt, &pending).is_ok());
  ASSERT_TRUE(store_->create_vgpu({"bob", 0, 250, 0}, Placement{2, 0b1000}, &active).is_ok());
  VgpuSpec bad{"bob", 0, 250, 0};
  VgpuId unused = 0;
  EXPECT_EQ(store_->create_vgpu(bad, Placement{0, 0b11}, &unused).code(),
            Status::Code::kInvalidArgument);
  bad.gpu_milli = 0;
  EXPECT_EQ(store_->create_vgpu(bad, std::nullopt, &unused).code(), Status::Code::kInvalidArgument);

  VgpuRecord v;
  ASSERT_TRUE(store_->get_vgpu(pending, &v).is_ok());
  EXPECT_EQ(v.spec, (VgpuSpec{"alice", 20'000, 0, 16384}));
  EXPECT_EQ(v.state, VgpuState::kPending);
  EXPECT_FALSE(v.placement.has_value());
  EXPECT_GT(v.created_at_us, 0);

  ASSERT_TRUE(store_->place_vgpu(pending, Placement{1, 0b10}).is_ok());
  EXPECT_EQ(store_->place_vgpu(pending, Placement{1, 0b10}).code(),
            Status::Code::kFailedPrecondition);
  ASSERT_TRUE(store_->delete_vgpu(active).is_ok());
  EXPECT_EQ(store_->delete_vgpu(active).code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(store_->delete_vgpu(999).code(), Status::Code::kNotFound);

  TaskSpec spec = simple_spec("bob");
  spec.vgpu = active;
  TaskId id = 0;
  EXPECT_EQ(store_->create_task(spec, &id).code(), Status::Code::kFailedPrecondition);
  spec.vgpu = 999;
  EXPECT_EQ(store_->create_task(spec, &id).code(), Status::Code::kNotFound);

  reopen();
  ASSERT_TRUE(store_->get_vgpu(pending, &v).is_ok());
  EXPECT_EQ(v.state, VgpuState::kActive);
  EXPECT_EQ(v.placement, (Placement{1, 0b10}));
  ASSERT_TRUE(store_->get_vgpu(active, &v).is_ok());
  EXPECT_EQ(v.state, VgpuState::kDeleted);
  EXPECT_GT(v.deleted_at_us, 0);

  std::vector<VgpuRecord> list;
  ASSERT_TRUE(store_->list_vgpus({}, &list).is_ok());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, pending);
  VgpuFilter all;
  all.include_deleted = true;
  ASSERT_TRUE(store_->list_vgpus(all, &list).is_ok());
  EXPECT_EQ(list.size(), 2u);
  all.owner = "bob";
  ASSERT_TRUE(store_->list_vgpus(all, &list).is_ok());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, active);

  // Off its GPU (after a restart that does not know the GPU) and placed again.
  ASSERT_TRUE(store_->unplace_vgpu(pending).is_ok());
  EXPECT_EQ(store_->unplace_vgpu(pending).code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(store_->unplace_vgpu(active).code(), Status::Code::kFailedPrecondition);  // deleted
  ASSERT_TRUE(store_->get_vgpu(pending, &v).is_ok());
  EXPECT_EQ(v.state, VgpuState::kPending);
  EXPECT_FALSE(v.placement.has_value());
  ASSERT_TRUE(store_->place_vgpu(pending, Placement{0, 0b1}).is_ok());
  EXPECT_EQ(store_->get_vgpu(999, &v).code(), Status::Code::kNotFound);
}

TEST_P(StoreTest, IdsAreNeverReusedAcrossReopen) {
  std::set<TaskId> ids;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 5; ++i) ids.insert(create(simple_spec("alice")));
    reopen();
  }
  EXPECT_EQ(ids.size(), 15u);
  EXPECT_EQ(*ids.begin(), 1);
  EXPECT_EQ(*ids.rbegin(), 15);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, testing_util::all_backends(),
                         testing_util::backend_name);

TEST(SqliteStoreOpen, RefusesAFileThatIsNotADatabase) {
  ScratchDir dir;
  const std::string path = dir.file("junk.db");
  FILE* f = fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs("this is not a database, it is just some text that is long enough to be a header\n", f);
  fclose(f);
  std::unique_ptr<SqliteStore> store;
  Status s = SqliteStore::open(path, &store);
  EXPECT_EQ(s.code(), Status::Code::kIoError);
  EXPECT_EQ(store, nullptr);
  EXPECT_EQ(SqliteStore::open(dir.file("missing/dir/x.db"), &store).code(), Status::Code::kIoError);
}

}  // namespace
}  // namespace fastgpu
