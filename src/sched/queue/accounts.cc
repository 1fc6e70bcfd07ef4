#include "sched/queue/accounts.h"

#include <cmath>

#include "core/text_file.h"
#include "core/toml_reader.h"

namespace fastgpu {
namespace {

constexpr double kMaxShare = 1e6;
constexpr double kMaxGpus = 1e7;
constexpr int64_t kMaxCount = int64_t{1} << 31;
constexpr double kMaxPrice = 1e6;
constexpr double kMaxHalfLifeSeconds = 10.0 * 365 * 24 * 3600;

// Project names appear in metrics labels and command output: short, plain.
bool valid_project_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.';
    if (!plain) return false;
  }
  return true;
}

Status parse_limits(TableReader& r, ProjectRules* p) {
  if (Status s = r.number("share", 1e-6, kMaxShare, false, &p->share); !s.is_ok()) return s;
  double gpus = 0;
  if (Status s = r.number("max_gpus", 0, kMaxGpus, false, &gpus); !s.is_ok()) return s;
  p->max_gpu_milli = std::llround(gpus * 1000);
  if (gpus > 0 && p->max_gpu_milli == 0) return r.error("max_gpus", "must be at least 0.001");
  if (Status s =
          r.integer("max_gpu_memory_mib", 0, kMaxCount * 1024, false, &p->max_gpu_memory_mib);
      !s.is_ok()) {
    return s;
  }
  int64_t running = 0, queued = 0;
  if (Status s = r.integer("max_running", 0, kMaxCount - 1, false, &running); !s.is_ok()) return s;
  if (Status s = r.integer("max_queued", 0, kMaxCount - 1, false, &queued); !s.is_ok()) return s;
  p->max_running = static_cast<int32_t>(running);
  p->max_queued = static_cast<int32_t>(queued);
  int64_t priority = kMaxCount;  // stays so when absent
  if (Status s = r.integer("max_priority", -(kMaxCount - 1), kMaxCount - 1, false, &priority);
      !s.is_ok()) {
    return s;
  }
  if (priority != kMaxCount) p->max_priority = static_cast<int32_t>(priority);
  return Status::ok();
}

Status parse_project(const toml::node& node, std::string_view source, std::string_view name,
                     Accounts* accounts) {
  const std::string where = std::string(source) + ": project '" + std::string(name) + "'";
  const toml::table* table = node.as_table();
  if (!table) return Status::invalid_argument(where + ": must be a table");
  if (!valid_project_name(name)) {
    return Status::invalid_argument(where +
                                    ": a project name is 1 to 64 letters, digits, "
                                    "'-', '_' or '.'");
  }
  TableReader r(*table, where);
  ProjectRules rules;
  rules.name = std::string(name);
  if (Status s = parse_limits(r, &rules); !s.is_ok()) return s;
  std::vector<std::string> users;
  if (Status s = r.texts("users", false, &users); !s.is_ok()) return s;
  if (Status s = r.finish(); !s.is_ok()) return s;
  const auto index = static_cast<int32_t>(accounts->projects.size());
  for (const std::string& user : users) {
    auto [it, added] = accounts->project_of_user.emplace(user, index);
    if (!added) {
      return r.error("users", "user '" + user + "' is already in project '" +
                                  accounts->projects[it->second].name + "'");
    }
  }
  accounts->projects.push_back(std::move(rules));
  return Status::ok();
}

// [prices]: the cost of one GPU-hour per GPU model name, "default" for every other model.
Status parse_prices(const toml::table& table, std::string_view source, Accounts* accounts) {
  TableReader r(table, std::string(source) + ": [prices]");
  for (const auto& [key, node] : table) {
    const std::string model(key.str());
    double price = 0;
    if (Status s = r.number(model, 0, kMaxPrice, true, &price); !s.is_ok()) return s;
    if (model == "default") {
      accounts->default_gpu_hour_price = price;
    } else {
      accounts->gpu_hour_price[model] = price;
    }
  }
  return r.finish();
}

Status parse_document(const toml::table& doc, std::string_view source, Accounts* accounts) {
  TableReader top(doc, std::string(source));
  std::string default_name = "default";
  if (Status s = top.text("default_project", false, &default_name); !s.is_ok()) return s;
  double half_life_s = 0;
  if (Status s = top.number("usage_half_life", 0, kMaxHalfLifeSeconds, false, &half_life_s);
      !s.is_ok()) {
    return s;
  }
  accounts->usage_half_life_us = std::llround(half_life_s * 1e6);
  const toml::table* projects = nullptr;
  if (Status s = top.table("projects", &projects); !s.is_ok()) return s;
  if (projects) {
    for (const auto& [name, node] : *projects) {
      if (Status s = parse_project(node, source, name.str(), accounts); !s.is_ok()) return s;
    }
  }
  const toml::table* prices = nullptr;
  if (Status s = top.table("prices", &prices); !s.is_ok()) return s;
  if (prices) {
    if (Status s = parse_prices(*prices, source, accounts); !s.is_ok()) return s;
  }
  if (Status s = top.finish(); !s.is_ok()) return s;
  accounts->default_project = accounts->find(default_name);
  if (accounts->default_project < 0) {
    if (!valid_project_name(default_name)) {
      return top.error("default_project", "is not a valid project name");
    }
    accounts->default_project = static_cast<int32_t>(accounts->projects.size());
    accounts->projects.push_back(ProjectRules{.name = default_name});
  }
  return Status::ok();
}

}  // namespace

int32_t Accounts::project_of(const std::string& user) const {
  auto it = project_of_user.find(user);
  return it == project_of_user.end() ? default_project : it->second;
}

double Accounts::gpu_hour_price_of(const std::string& model) const {
  auto it = gpu_hour_price.find(model);
  return it == gpu_hour_price.end() ? default_gpu_hour_price : it->second;
}

int32_t Accounts::find(std::string_view name) const {
  for (size_t i = 0; i < projects.size(); ++i) {
    if (projects[i].name == name) return static_cast<int32_t>(i);
  }
  return -1;
}

Accounts Accounts::single_project() {
  Accounts accounts;
  accounts.projects.push_back(ProjectRules{.name = "default"});
  return accounts;
}

Status parse_accounts(std::string_view text, std::string_view source, Accounts* out) {
  toml::table doc;
  if (Status s = parse_toml(text, source, &doc); !s.is_ok()) return s;
  Accounts accounts;
  if (Status s = parse_document(doc, source, &accounts); !s.is_ok()) return s;
  *out = std::move(accounts);
  return Status::ok();
}

Status read_accounts(const std::string& path, Accounts* out) {
  std::string text;
  if (Status s = read_file(path, &text); !s.is_ok()) return s;
  return parse_accounts(text, path, out);
}

}  // namespace fastgpu
