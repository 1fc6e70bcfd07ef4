#pragma once
// Reading a whole file into memory, for the parsers of outside input (traces, catalogs,
// secrets), and appending to one (task logs).

#include <string>
#include <string_view>

#include "core/status.h"

namespace fastgpu {

/// Reads the whole file at `path` into *contents; the error names the path and leaves
/// *contents untouched.
Status read_file(const std::string& path, std::string* contents);

/// Reads a file of secrets (tokens, a join token) like read_file, but refuses one that is not a
/// regular file or that its group or others may read or write: kFailedPrecondition naming the
/// path, its mode and the chmod that fixes it.
Status read_secret_file(const std::string& path, std::string* contents);

/// Appends `bytes` to the file at `path`, created with mode 0600 when absent; false (errno set)
/// when it cannot open it or write all of them.
bool append_file(const std::string& path, std::string_view bytes);

}  // namespace fastgpu
