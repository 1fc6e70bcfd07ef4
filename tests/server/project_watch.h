#pragma once
// What each user of a real fastgpud holds and has waiting, read through its API: for the fair
// share tests and the fair_share benchmark.

#include <map>
#include <string>

#include "daemon_process.h"

namespace fastgpu::testing {

/// What one user has in the pool now.
struct UserLoad {
  int gpus_held = 0;  // GPUs of their running whole-GPU tasks
  int running = 0;
  int pending = 0;
};

/// Every owner's load, read as `admin_token` (GET /v1/tasks, running and pending ones).
std::map<std::string, UserLoad> loads_by_owner(const DaemonProcess& daemon,
                                               const std::string& admin_token);

/// Cancels every running and pending task, as `admin_token`: a stopped fastgpud leaves its
/// tasks running (a restart re-adopts them), so a test that leaves long ones ends them itself.
void cancel_unfinished(const DaemonProcess& daemon, const std::string& admin_token);

/// A tokens file in `dir` giving each of `users` the token "<user>-token-0123456789" and
/// "root" the admin token kAdminToken; returns its path.
std::string write_user_tokens(const TempDir& dir, const std::vector<std::string>& users);
/// The token write_user_tokens() gives `user`.
std::string token_of(const std::string& user);
inline constexpr const char* kAdminToken = "admin-token-0123456789";

/// fastgpud flags for the fair-share scenarios: `gpus` simulated, tokens for alice, bob and
/// carol, and an accounts file (in `dir`) of vision (share 3: alice), nlp (share 1: bob) and
/// capped (max_gpus 2, max_priority 100: carol).
std::vector<std::string> three_project_flags(const TempDir& dir,
                                             const std::string& gpus = "8xA100-80GB");

}  // namespace fastgpu::testing
