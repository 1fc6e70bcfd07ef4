#include "core/text_file.h"

#include <fstream>
#include <sstream>

namespace fastgpu {

Status read_file(const std::string& path, std::string* contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::io_error(path + ": cannot open for reading");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Status::io_error(path + ": read error");
  *contents = std::move(buf).str();
  return Status::ok();
}

}  // namespace fastgpu
