#pragma once
// Bounds on what tasks may leave on the daemon's disk: a cap on each output stream's log file,
// and a floor of free space on the data dir below which no new task starts.

#include <cstdint>
#include <string>
#include <string_view>

namespace fastgpu {

/// The line that ends a log cut at `cap` bytes.
std::string log_cap_note(int64_t cap);

/// When the file at `path` holds more than `cap` bytes, cuts it so that it ends with
/// log_cap_note(cap) and holds at most `cap` bytes (a writer appending meanwhile may add a few
/// bytes after the note; a later call cuts again). True when the file was over the cap.
bool cut_log_over_cap(const std::string& path, int64_t cap);

/// How much of `bytes`, arriving at `offset` of a stream, fits under `cap` with room left for
/// the note: the count to keep (0 when the stream is already at the cap).
size_t bytes_under_cap(int64_t offset, std::string_view bytes, int64_t cap);

/// Bytes free for an unprivileged writer on the file system of `dir`; -1 when it cannot be read.
int64_t free_disk_bytes(const std::string& dir);

}  // namespace fastgpu
