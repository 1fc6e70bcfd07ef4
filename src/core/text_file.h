#pragma once
// Reading a whole file into memory, for the parsers of outside input (traces, catalogs).

#include <string>

#include "core/status.h"

namespace fastgpu {

/// Reads the whole file at `path` into *contents; the error names the path and leaves
/// *contents untouched.
Status read_file(const std::string& path, std::string* contents);

}  // namespace fastgpu
