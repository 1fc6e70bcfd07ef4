#pragma once
// Projects and their users: what `fastgpud --accounts FILE` and `fastgpu sim replay --accounts
// FILE` read (TOML).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "sched/queue/share_book.h"

namespace fastgpu {

/// The projects sharing a pool, and which project each user belongs to.
///
///   default_project = "default"   # users named nowhere go here (created when not listed)
///   usage_half_life = 604800      # seconds: past use counts in fair share, halving each
///                                 # week (absent or 0: only what is held now counts)
///   [projects.vision]
///   share = 3                     # fair-share weight (> 0; default 1)
///   max_gpus = 6                  # GPUs held at once, fractions allowed
///   max_gpu_memory_mib = 491520   # GPU memory held at once
///   max_running = 40              # tasks holding capacity at once
///   max_queued = 1000             # tasks waiting at once
///   max_priority = 100            # highest priority its users may ask
///   users = ["alice", "dave"]
///
///   [prices]                      # cost of one GPU-hour by GPU model, for usage reports
///   default = 1.0                 # every model not named (0 when absent)
///   "H100-SXM5-80GB" = 2.5
struct Accounts {
  std::vector<ProjectRules> projects;  // never empty
  std::map<std::string, int32_t> project_of_user;
  int32_t default_project = 0;
  std::map<std::string, double> gpu_hour_price;  // by GPU model name
  double default_gpu_hour_price = 0;
  int64_t usage_half_life_us = 0;  // 0: past use does not count in fair share

  /// The cost of one GPU-hour of `model`.
  double gpu_hour_price_of(const std::string& model) const;
  /// The project of `user`: the one naming it, else the default project.
  int32_t project_of(const std::string& user) const;
  /// The index of the project called `name`, or -1.
  int32_t find(std::string_view name) const;
  /// One project, "default", of share 1 and no limits: a pool without an accounts file.
  static Accounts single_project();
};

/// Parses an accounts file's `text`; `source` names it in errors, which also give the project,
/// the key and its line. Refuses unknown keys, a user in two projects, shares <= 0.
Status parse_accounts(std::string_view text, std::string_view source, Accounts* out);
/// Reads and parses the accounts file at `path`.
Status read_accounts(const std::string& path, Accounts* out);

}  // namespace fastgpu
