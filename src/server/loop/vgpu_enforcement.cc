#include "server/loop/vgpu_enforcement.h"

#include <sys/mman.h>

#include <cstdio>
#include <filesystem>
#include <functional>

namespace fastgpu {

std::string enforcement_prefix(const std::string& data_dir) {
  std::error_code ec;
  const auto canonical = std::filesystem::weakly_canonical(data_dir, ec);
  const size_t hash = std::hash<std::string>{}(ec ? data_dir : canonical.string());
  char text[9];
  std::snprintf(text, sizeof text, "%08x", static_cast<unsigned>(hash ^ (hash >> 32)));
  return text;
}

std::string enforcement_id(const std::string& prefix, VgpuId vgpu, TaskId task) {
  return vgpu != kNoVgpu ? prefix + "-v" + std::to_string(vgpu)
                         : prefix + "-t" + std::to_string(task);
}

void remove_enforcement_ledger(const std::string& id) {
  shm_unlink(("/fastgpu-vgpu-" + id).c_str());  // the name libfastgpu-vgpu gives the ledger
}

}  // namespace fastgpu
