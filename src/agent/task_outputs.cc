#include "agent/task_outputs.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace fastgpu {
namespace {

constexpr int kEventsPerWait = 256;

uint64_t event_key(int64_t task, LogStream which) {
  return static_cast<uint64_t>(task) << 1 | static_cast<uint64_t>(which);
}

// Closes *fd when open and marks it closed.
void close_fd(int* fd) {
  if (*fd >= 0) ::close(*fd);
  *fd = -1;
}

}  // namespace

TaskOutputs::TaskOutputs()
    : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)), buffer_(std::make_unique<ReadBuffer>()) {}

TaskOutputs::~TaskOutputs() {
  clear();
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

Status TaskOutputs::open(int64_t task, int* stdout_fd, int* stderr_fd) {
  if (epoll_fd_ < 0) return Status::io_error("cannot watch task output: epoll is unavailable");
  forget(task);
  Streams streams;
  for (Stream& stream : streams) {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) {
      const std::string why = std::strerror(errno);
      close_all(streams);
      return Status::io_error("cannot make a pipe for the task's output: " + why);
    }
    ::fcntl(ends[0], F_SETFL, O_NONBLOCK);  // the read end only: the task writes blocking
    stream.read_fd = ends[0];
    stream.write_fd = ends[1];
  }
  Streams& held = tasks_[task] = std::move(streams);
  for (LogStream which : {LogStream::kStdout, LogStream::kStderr}) {
    const Stream& stream = held[static_cast<size_t>(which)];
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = event_key(task, which);
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, stream.read_fd, &event);
  }
  *stdout_fd = held[0].write_fd;
  *stderr_fd = held[1].write_fd;
  return Status::ok();
}

void TaskOutputs::close_write_ends(int64_t task) {
  auto it = tasks_.find(task);
  if (it == tasks_.end()) return;
  for (Stream& stream : it->second) close_fd(&stream.write_fd);
}

void TaskOutputs::read_available() {
  epoll_event events[kEventsPerWait];
  for (int round = 0; round < 8; ++round) {
    const int ready = ::epoll_wait(epoll_fd_, events, kEventsPerWait, 0);
    for (int i = 0; i < ready; ++i) {
      const int64_t task = static_cast<int64_t>(events[i].data.u64 >> 1);
      const auto which = static_cast<LogStream>(events[i].data.u64 & 1);
      auto it = tasks_.find(task);
      if (it == tasks_.end()) continue;
      Stream& stream = it->second[static_cast<size_t>(which)];
      if (stream.read_fd >= 0 && !stream.paused) read_stream(task, which, stream);
    }
    if (ready < kEventsPerWait) return;
  }
}

void TaskOutputs::read_stream(int64_t task, LogStream which, Stream& stream) {
  while (stream.unsent.size() < kMaxUnsentBytes) {
    const size_t room = std::min(kReadBytes, kMaxUnsentBytes - stream.unsent.size());
    const ssize_t n = ::read(stream.read_fd, buffer_->data(), room);
    if (n > 0) {
      stream.unsent.append(buffer_->data(), static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    return close_read(stream);  // end of file, or an error that ends the stream as well
  }
  stream.paused = true;
  watch(task, which, stream, false);
}

void TaskOutputs::watch(int64_t task, LogStream which, const Stream& stream, bool readable) {
  epoll_event event{};
  event.events = readable ? uint32_t{EPOLLIN} : 0;  // hang-ups still show: read_available skips
  event.data.u64 = event_key(task, which);
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, stream.read_fd, &event);
}

void TaskOutputs::close_read(Stream& stream) {
  if (stream.read_fd >= 0) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, stream.read_fd, nullptr);
  close_fd(&stream.read_fd);
  stream.paused = false;
}

void TaskOutputs::close_all(Streams& streams) {
  for (Stream& stream : streams) {
    close_fd(&stream.read_fd);
    close_fd(&stream.write_fd);
  }
}

bool TaskOutputs::at_end(int64_t task) const {
  auto it = tasks_.find(task);
  if (it == tasks_.end()) return true;
  return it->second[0].read_fd < 0 && it->second[1].read_fd < 0;
}

bool TaskOutputs::holding_back(int64_t task) const {
  auto it = tasks_.find(task);
  return it != tasks_.end() && (it->second[0].paused || it->second[1].paused);
}

void TaskOutputs::close_reads(int64_t task) {
  auto it = tasks_.find(task);
  if (it == tasks_.end()) return;
  for (Stream& stream : it->second) close_read(stream);
}

std::vector<LogChunk> TaskOutputs::unsent(size_t budget) const {
  std::vector<LogChunk> chunks;
  for (const auto& [task, streams] : tasks_) {
    for (LogStream which : {LogStream::kStdout, LogStream::kStderr}) {
      const Stream& stream = streams[static_cast<size_t>(which)];
      for (size_t from = 0; from < stream.unsent.size() && budget > 0;) {
        const size_t take = std::min({stream.unsent.size() - from, budget, kMaxLogChunkBytes});
        chunks.push_back(LogChunk{task, which, stream.acked + static_cast<int64_t>(from),
                                  stream.unsent.substr(from, take)});
        from += take;
        budget -= take;
      }
      if (budget == 0) return chunks;
    }
  }
  return chunks;
}

size_t TaskOutputs::unsent_bytes(int64_t task) const {
  auto it = tasks_.find(task);
  if (it == tasks_.end()) return 0;
  return it->second[0].unsent.size() + it->second[1].unsent.size();
}

bool TaskOutputs::has_unsent() const {
  return std::any_of(tasks_.begin(), tasks_.end(), [](const auto& entry) {
    return !entry.second[0].unsent.empty() || !entry.second[1].unsent.empty();
  });
}

void TaskOutputs::acknowledge(const std::vector<LogChunk>& chunks) {
  for (const LogChunk& chunk : chunks) {
    auto it = tasks_.find(chunk.task);
    if (it == tasks_.end()) continue;
    Stream& stream = it->second[static_cast<size_t>(chunk.stream)];
    const int64_t end = chunk.offset + static_cast<int64_t>(chunk.data.size());
    if (end <= stream.acked) continue;
    const size_t done = static_cast<size_t>(end - stream.acked);
    stream.unsent.erase(0, std::min(done, stream.unsent.size()));
    stream.acked = end;
    if (stream.paused && stream.unsent.size() < kMaxUnsentBytes / 2) {
      stream.paused = false;
      watch(chunk.task, chunk.stream, stream, true);
    }
  }
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    const Streams& streams = it->second;
    const bool done = std::all_of(streams.begin(), streams.end(), [](const Stream& s) {
      return s.read_fd < 0 && s.write_fd < 0 && s.unsent.empty();
    });
    it = done ? tasks_.erase(it) : std::next(it);
  }
}

void TaskOutputs::forget(int64_t task) {
  auto it = tasks_.find(task);
  if (it == tasks_.end()) return;
  for (Stream& stream : it->second) close_read(stream);
  close_all(it->second);
  tasks_.erase(it);
}

void TaskOutputs::clear() {
  while (!tasks_.empty()) forget(tasks_.begin()->first);
}

}  // namespace fastgpu
