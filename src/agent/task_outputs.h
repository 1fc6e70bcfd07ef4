#pragma once
// The output of an agent's running tasks: read from pipes as it comes, handed to fastgpud in
// chunks, dropped once fastgpud has it.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/agent_protocol.h"
#include "core/status.h"

namespace fastgpu {

/// Each task gets a pipe per stream: open() returns their write ends, which the launch passes
/// to the task (LaunchSpec::stdout_fd / stderr_fd); close_write_ends() then closes this
/// process's copies, so a stream reaches its end once the task's processes are gone.
/// read_available() takes what the pipes hold without blocking (one epoll instance for all).
/// A stream keeps at most kMaxUnsentBytes not yet acknowledged; past that it is not read, so
/// the task blocks on writing until fastgpud has taken some: output is never dropped while the
/// task runs. Offsets count each stream's bytes from the task's start.
/// Not thread-safe: the agent's run thread uses it.
class TaskOutputs {
 public:
  static constexpr size_t kMaxUnsentBytes = 4 * 1024 * 1024;

  TaskOutputs();
  ~TaskOutputs();
  TaskOutputs(const TaskOutputs&) = delete;
  TaskOutputs& operator=(const TaskOutputs&) = delete;

  /// Makes the pipes of `task` (forgetting any it had) and puts their write ends in *stdout_fd
  /// and *stderr_fd.
  /// kIoError naming the cause when they cannot be made (e.g. too many open files).
  Status open(int64_t task, int* stdout_fd, int* stderr_fd);
  /// Closes this process's copies of the write ends of `task`, once its launch is over.
  void close_write_ends(int64_t task);
  /// Reads what every pipe holds now, never blocking.
  void read_available();
  /// True once both streams of `task` are at their end (or closed by close_reads).
  bool at_end(int64_t task) const;
  /// True while a stream of `task` is not read because kMaxUnsentBytes wait to be sent.
  bool holding_back(int64_t task) const;
  /// Stops reading `task`'s pipes, keeping what was read (for output held open by a process
  /// that escaped the task's process group).
  void close_reads(int64_t task);

  /// Chunks of output not yet acknowledged, lowest task first, with at most `budget` bytes of
  /// data in all (and at most kMaxLogChunkBytes each).
  std::vector<LogChunk> unsent(size_t budget) const;
  /// Bytes of `task` not yet acknowledged.
  size_t unsent_bytes(int64_t task) const;
  /// True when any task has output not yet acknowledged.
  bool has_unsent() const;
  /// Drops the bytes of `chunks`, which fastgpud has acknowledged, and forgets tasks whose
  /// streams are at their end with nothing left to send.
  void acknowledge(const std::vector<LogChunk>& chunks);
  /// Forgets `task` (its launch failed, or it is being killed): closes its pipes, drops its
  /// output.
  void forget(int64_t task);
  /// Forgets every task.
  void clear();

 private:
  struct Stream {
    int read_fd = -1;     // -1 once at its end
    int write_fd = -1;    // ours until close_write_ends
    bool paused = false;  // not read: kMaxUnsentBytes are waiting
    int64_t acked = 0;    // offset of unsent[0]
    std::string unsent;
  };
  using Streams = std::array<Stream, 2>;

  void read_stream(int64_t task, LogStream which, Stream& stream);
  void watch(int64_t task, LogStream which, const Stream& stream, bool readable);
  void close_read(Stream& stream);
  static void close_all(Streams& streams);

  static constexpr size_t kReadBytes = 64 * 1024;
  using ReadBuffer = std::array<char, kReadBytes>;

  int epoll_fd_ = -1;
  std::unique_ptr<ReadBuffer> buffer_;  // what one read() fills, before it joins a stream
  std::map<int64_t, Streams> tasks_;
};

}  // namespace fastgpu
