#include "store/records.h"

#include <gtest/gtest.h>

#include "store/string_list_codec.h"
#include "store_test_util.h"

namespace fastgpu {
namespace {

TEST(StoreRecords, StateNamesRoundTrip) {
  for (int i = 0; i < kTaskStateCount; ++i) {
    const auto state = static_cast<TaskState>(i);
    EXPECT_EQ(parse_task_state(task_state_name(state)), state);
  }
  EXPECT_EQ(parse_task_state("Pending"), std::nullopt);
  EXPECT_EQ(parse_vgpu_state("deleted"), VgpuState::kDeleted);
}

TEST(StoreRecords, TerminalStatesHaveNoWayOut) {
  for (int from = 0; from < kTaskStateCount; ++from) {
    for (int to = 0; to < kTaskStateCount; ++to) {
      const auto f = static_cast<TaskState>(from);
      const auto t = static_cast<TaskState>(to);
      if (is_terminal(f) || f == t) {
        EXPECT_FALSE(is_legal_transition(f, t));
      }
    }
  }
  EXPECT_TRUE(is_legal_transition(TaskState::kPending, TaskState::kRunning));
  EXPECT_TRUE(is_legal_transition(TaskState::kLost, TaskState::kPending));
  EXPECT_TRUE(is_legal_transition(TaskState::kPreempted, TaskState::kPending));
  EXPECT_FALSE(is_legal_transition(TaskState::kPending, TaskState::kSucceeded));
  EXPECT_FALSE(is_legal_transition(TaskState::kRunning, TaskState::kPending));
}

TEST(StoreRecords, TransitionStampsTimesAndRecordsFields) {
  TaskRecord r;
  r.id = 5;
  TaskTransition start = testing_util::transition(5, TaskState::kPending, TaskState::kRunning);
  start.placement = Placement{0, 1};
  start.pid = 9;
  ASSERT_TRUE(apply_transition(start, 1000, &r).is_ok());
  EXPECT_EQ(r.state, TaskState::kRunning);
  EXPECT_EQ(r.started_at_us, 1000);
  EXPECT_EQ(r.ended_at_us, 0);
  EXPECT_EQ(r.pid, 9);

  const TaskRecord running = r;
  TaskTransition stale = testing_util::transition(5, TaskState::kPending, TaskState::kRunning);
  EXPECT_EQ(apply_transition(stale, 2000, &r).code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(r, running);

  TaskTransition end = testing_util::transition(5, TaskState::kRunning, TaskState::kSucceeded);
  end.exit_code = 0;
  ASSERT_TRUE(apply_transition(end, 3000, &r).is_ok());
  EXPECT_EQ(r.ended_at_us, 3000);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.placement, (Placement{0, 1}));  // kept for the record
}

TEST(StoreRecords, UnfinishedMeansTheDaemonStillOwesWork) {
  TaskRecord r;
  r.spec.max_retries = 1;
  r.state = TaskState::kLost;
  EXPECT_TRUE(is_unfinished(r));
  r.retries_used = 1;
  EXPECT_FALSE(is_unfinished(r));
  r.state = TaskState::kPreempted;
  EXPECT_TRUE(is_unfinished(r));
  r.state = TaskState::kCancelled;
  EXPECT_FALSE(is_unfinished(r));
}

TEST(StoreRecords, SpecValidationNamesTheField) {
  TaskSpec spec = testing_util::full_command_spec();
  EXPECT_EQ(validate_task_spec(spec), "");
  spec.owner.clear();
  EXPECT_NE(validate_task_spec(spec).find("owner"), std::string::npos);
  spec = testing_util::full_command_spec();
  spec.command.env.push_back({"A=B", "c"});
  EXPECT_NE(validate_task_spec(spec).find("env"), std::string::npos);
  spec = testing_util::full_command_spec();
  spec.command.argv.push_back(std::string(kMaxCommandBytes, 'x'));
  EXPECT_NE(validate_task_spec(spec).find("bytes"), std::string::npos);
  spec = testing_util::full_command_spec();
  spec.command.argv.clear();
  EXPECT_NE(validate_task_spec(spec).find("argv"), std::string::npos);
  spec.kind = WorkKind::kSynthetic;
  EXPECT_EQ(validate_task_spec(spec), "");  // a synthetic load needs no command
  spec.synthetic.duration_ms = -1;
  EXPECT_NE(validate_task_spec(spec).find("duration_ms"), std::string::npos);
}

TEST(StoreRecords, TextFieldsMustBeUtf8WithoutNul) {
  TaskSpec spec = testing_util::full_command_spec();
  spec.name = "\xe2\x82\xac \xf0\x9f\x9a\x80 \xc3\xa9";  // euro sign, rocket, e acute
  EXPECT_EQ(validate_task_spec(spec), "");
  const std::string bad[] = {std::string("a\0b", 3),
                             "\xff",
                             "\xc3",
                             "\xc0\xaf" /* overlong */,
                             "\xed\xa0\x80" /* surrogate */,
                             "\xf4\x90\x80\x80" /* > U+10FFFF */};
  for (const std::string& text : bad) {
    spec.name = text;
    EXPECT_NE(validate_task_spec(spec).find("name"), std::string::npos);
  }
  spec = testing_util::full_command_spec();
  spec.command.cwd = std::string("/a\0", 3);
  EXPECT_NE(validate_task_spec(spec).find("command.cwd"), std::string::npos);
  spec.command.cwd = "/a";
  spec.command.argv.push_back(std::string("\0\xff", 2));  // argv is bytes, not text
  EXPECT_EQ(validate_task_spec(spec), "");
  VgpuSpec vgpu{"\xfe", 0, 500, 0};
  EXPECT_NE(validate_vgpu_spec(vgpu).find("owner"), std::string::npos);
}

TEST(StoreRecords, StringListCodecRoundTripsAndRejectsDamage) {
  const std::vector<std::string> strings = {"", "a", std::string("\0\xff", 2),
                                            std::string(300, 'z')};
  const std::string bytes = encode_string_list(strings);
  std::vector<std::string> back;
  ASSERT_TRUE(decode_string_list(bytes, &back));
  EXPECT_EQ(back, strings);
  ASSERT_TRUE(decode_string_list("", &back));
  EXPECT_TRUE(back.empty());
  for (size_t cut = 1; cut < 8; ++cut) {
    EXPECT_FALSE(decode_string_list(std::string_view(bytes).substr(0, bytes.size() - cut), &back))
        << cut;
  }
}

}  // namespace
}  // namespace fastgpu
