#pragma once
// A confined task's vGPU slice, out of the task's reach: its launcher writes the slice (the
// library to preload and its limits) into root-owned files, and the task's private mount
// namespace sees them as /etc/ld.so.preload and the slice file the library reads
// (vgpu/vgpu_config.h). Unsetting LD_PRELOAD, `env -i` or FASTGPU_VGPU_* in the task's own
// environment then change nothing; a statically linked program still escapes any preload.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "runtime/confinement.h"
#include "runtime/process_launcher.h"

namespace fastgpu {

/// The host side of the slices of one launcher's tasks. Needs root. Thread-safe.
class TaskSlices {
 public:
  /// Makes `root` (0711, for the tasks' slice directories) and the mount targets the binds
  /// need: /etc/ld.so.preload (an empty file, which preloads nothing, when the host has none)
  /// and the slice file's directory; remembers the host's own preload list, which tasks keep.
  /// Errors name the path.
  static Status open(const std::string& root, std::unique_ptr<TaskSlices>* out);

  /// When `spec` preloads a library (a fractional slice): writes task `task`'s preload list
  /// and slice file (its FASTGPU_VGPU_* and CUDA_VISIBLE_DEVICES variables) under the root, adds
  /// the binds that show them to the task, and drops the LD_PRELOAD. Otherwise does nothing.
  /// The slice's ledger goes in a directory of its own under the root, made for `who` (0700)
  /// unless it exists: no other tenant can make, read or change it (FASTGPU_VGPU_LEDGER_DIR).
  /// Each of `hidden` (device nodes of GPUs the task was not given) is masked by a root-owned
  /// file of mode 0000, so the task cannot open it.
  Status prepare(int64_t task, const RunAs& who, const std::vector<std::string>& hidden,
                 LaunchSpec* spec) const;
  /// Removes the ledger directory of enforcement id `vgpu_id` (its vGPU, or its pool task, is
  /// gone).
  void remove_ledger(const std::string& vgpu_id) const;
  /// Removes task `task`'s slice files, if any, and its ledger when it was its own (a task on
  /// the pool, not in a vGPU).
  void remove(int64_t task) const;
  /// Removes the root when no task's slice is left in it.
  void remove_root() const;

 private:
  TaskSlices(std::string root, std::string host_preload);
  std::string dir_of(int64_t task) const;
  // What a hidden device node is replaced with: an empty root-owned file of mode 0000.
  std::string masked_file() const;
  std::string ledger_dir_of(const std::string& vgpu_id) const;
  // Makes (or takes) the ledger directory of `vgpu_id`, owned by `who`, into *dir.
  Status make_ledger_dir(const std::string& vgpu_id, const RunAs& who, std::string* dir) const;

  const std::string root_;
  const std::string host_preload_;  // the host's /etc/ld.so.preload, kept in every task's
};

}  // namespace fastgpu
