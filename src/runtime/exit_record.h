#pragma once
// The file a task's guard writes how its command ended to, so that the end is known even when
// the guard's parent (fastgpud) was not running to see it.

#include <string>

namespace fastgpu {

/// How a command ended, as written in an exit record: "exit CODE\n" or "signal NUMBER\n".
struct ExitRecord {
  int exit_code = -1;  // the code when it exited normally, else -1
  int signal = 0;      // the signal that killed it, else 0
};

/// Writes the record of wait status `status` (from waitpid) to descriptor `fd`. Async-signal-safe:
/// it formats on the stack and calls write() only, for a guard forked from a threaded process.
void write_exit_record(int fd, int status);

/// Ends the calling process as wait status `status` (from waitpid) says a process ended: the
/// same exit code, or killed by the same signal. Async-signal-safe.
[[noreturn]] void end_like_waited(int status);

/// Reads the record at `path` into *out; false when there is none, or it is incomplete or not
/// one this file's writer makes (the guard was killed before it wrote).
bool read_exit_record(const std::string& path, ExitRecord* out);

}  // namespace fastgpu
