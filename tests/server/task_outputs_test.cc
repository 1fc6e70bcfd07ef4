// The agent's TaskOutputs with real pipes: what is written comes out in order with its offsets,
// acknowledged bytes are dropped, a full stream is held back until some is acknowledged, and a
// task is forgotten once its streams ended and everything was sent.

#include "agent/task_outputs.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <utility>

namespace fastgpu {
namespace {

void write_all(int fd, const std::string& bytes) {
  ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
}

// Opens `task`'s pipes and returns the task's side of them (copies of the write ends, to write
// into and close as the task would); the agent's own copies are closed, as after a launch.
std::pair<int, int> open_task(TaskOutputs& outputs, int64_t task) {
  int out = -1;
  int err = -1;
  EXPECT_TRUE(outputs.open(task, &out, &err).is_ok());
  const std::pair<int, int> writers{::dup(out), ::dup(err)};
  outputs.close_write_ends(task);
  return writers;
}

// Everything unsent for `task` of `stream`, concatenated.
std::string unsent_of(const TaskOutputs& outputs, int64_t task, LogStream stream) {
  std::string bytes;
  for (const LogChunk& chunk : outputs.unsent(1 << 30)) {
    if (chunk.task == task && chunk.stream == stream) bytes += chunk.data;
  }
  return bytes;
}

TEST(TaskOutputs, StreamsComeOutInOrderAndEndWithTheirWriters) {
  TaskOutputs outputs;
  const auto [out_copy, err_copy] = open_task(outputs, 7);
  write_all(out_copy, "hello ");
  write_all(err_copy, "oops\n");
  outputs.read_available();
  std::vector<LogChunk> chunks = outputs.unsent(1 << 20);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].offset, 0);
  outputs.acknowledge(chunks);
  EXPECT_FALSE(outputs.has_unsent());
  write_all(out_copy, "world\n");
  ::close(out_copy);
  ::close(err_copy);
  outputs.read_available();
  EXPECT_TRUE(outputs.at_end(7));
  chunks = outputs.unsent(1 << 20);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].offset, 6);  // after what was acknowledged
  EXPECT_EQ(chunks[0].data, "world\n");
  EXPECT_EQ(outputs.unsent_bytes(7), 6u);
  outputs.acknowledge(chunks);
  EXPECT_EQ(outputs.unsent_bytes(7), 0u);
}

TEST(TaskOutputs, AFullStreamIsHeldBackUntilSomeIsAcknowledged) {
  TaskOutputs outputs;
  const auto [writer, err_writer] = open_task(outputs, 1);
  ::close(err_writer);
  ::fcntl(writer, F_SETFL, O_NONBLOCK);
  const std::string block(64 * 1024, 'x');
  size_t written = 0;
  // Fill the agent's buffer and the pipe behind it.
  for (int round = 0; round < 200; ++round) {
    while (::write(writer, block.data(), block.size()) > 0) written += block.size();
    outputs.read_available();
  }
  EXPECT_TRUE(outputs.holding_back(1));
  EXPECT_EQ(outputs.unsent_bytes(1), TaskOutputs::kMaxUnsentBytes);
  const std::vector<LogChunk> some = outputs.unsent(TaskOutputs::kMaxUnsentBytes);
  outputs.acknowledge(some);
  EXPECT_FALSE(outputs.holding_back(1));
  ::close(writer);
  size_t received = TaskOutputs::kMaxUnsentBytes;
  while (!outputs.at_end(1)) {
    outputs.read_available();
    const std::vector<LogChunk> next = outputs.unsent(1 << 20);
    for (const LogChunk& chunk : next) received += chunk.data.size();
    outputs.acknowledge(next);
  }
  for (const LogChunk& chunk : outputs.unsent(1 << 30)) received += chunk.data.size();
  EXPECT_EQ(received, written);  // nothing lost
  EXPECT_EQ(unsent_of(outputs, 1, LogStream::kStderr), "");
}

TEST(TaskOutputs, OpeningATaskAgainForgetsItsOldPipes) {
  TaskOutputs outputs;
  const auto [old_writer, old_err_writer] = open_task(outputs, 3);
  write_all(old_writer, "first attempt\n");
  outputs.read_available();
  const auto [new_writer, new_err_writer] = open_task(outputs, 3);
  ::close(new_writer);
  ::close(new_err_writer);
  outputs.read_available();
  EXPECT_EQ(outputs.unsent_bytes(3), 0u);
  EXPECT_TRUE(outputs.at_end(3));  // the new pipes' writers are all closed
  ::close(old_writer);
  ::close(old_err_writer);
}

}  // namespace
}  // namespace fastgpu
