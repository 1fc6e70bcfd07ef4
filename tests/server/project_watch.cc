#include "project_watch.h"

namespace fastgpu::testing {

std::map<std::string, UserLoad> loads_by_owner(const DaemonProcess& daemon,
                                               const std::string& admin_token) {
  std::map<std::string, UserLoad> loads;
  for (const char* state : {"running", "pending"}) {
    const Answer page =
        daemon.get(std::string("/v1/tasks?limit=10000&state=") + state, admin_token);
    for (const nlohmann::json& task : page.json["tasks"]) {
      UserLoad& load = loads[task["owner"].get<std::string>()];
      if (std::string(state) == "running") {
        load.running += 1;
        load.gpus_held += static_cast<int>(task["gpu_indices"].size());
      } else {
        load.pending += 1;
      }
    }
  }
  return loads;
}

void cancel_unfinished(const DaemonProcess& daemon, const std::string& admin_token) {
  // Pending ones first: cancelling a running one lets a pending one start.
  for (const char* state : {"pending", "running"}) {
    const Answer page =
        daemon.get(std::string("/v1/tasks?limit=10000&state=") + state, admin_token);
    for (const nlohmann::json& task : page.json["tasks"]) {
      daemon.post("/v1/tasks/" + std::to_string(task["id"].get<int64_t>()) + "/cancel", "",
                  admin_token);
    }
  }
}

std::vector<std::string> three_project_flags(const TempDir& dir, const std::string& gpus) {
  const std::string accounts = write_private_file(dir.path() + "/accounts.toml", R"(
[projects.vision]
share = 3
users = ["alice"]
[projects.nlp]
share = 1
users = ["bob"]
[projects.capped]
max_gpus = 2
max_priority = 100
users = ["carol"]
)");
  return {"--simulate-gpus", gpus,
          "--tokens-file",   write_user_tokens(dir, {"alice", "bob", "carol"}),
          "--accounts",      accounts};
}

std::string token_of(const std::string& user) { return user + "-token-0123456789"; }

std::string write_user_tokens(const TempDir& dir, const std::vector<std::string>& users) {
  std::string text = std::string(kAdminToken) + " root admin\n";
  for (const std::string& user : users) text += token_of(user) + " " + user + "\n";
  return write_private_file(dir.path() + "/tokens", text);
}

}  // namespace fastgpu::testing
