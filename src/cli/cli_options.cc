#include "cli/cli_options.h"

#include <algorithm>
#include <charconv>
#include <sstream>

#include "sched/policy_registry.h"

namespace fastgpu::cli {
namespace {

bool parse_u64(const std::string& s, uint64_t* v) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::string parse_seeds(const std::string& text, std::vector<uint64_t>* seeds) {
  constexpr uint64_t kMaxSeeds = 1000;
  seeds->clear();
  std::stringstream parts(text);
  std::string part;
  while (std::getline(parts, part, ',')) {
    const size_t dash = part.find('-');
    uint64_t lo = 0, hi = 0;
    bool ok = dash == std::string::npos
                  ? parse_u64(part, &lo) && (hi = lo, true)
                  : parse_u64(part.substr(0, dash), &lo) && parse_u64(part.substr(dash + 1), &hi);
    if (!ok || hi < lo) return "--seeds: '" + part + "' is not a seed or a range LO-HI";
    if (hi - lo >= kMaxSeeds || seeds->size() + (hi - lo + 1) > kMaxSeeds) {
      return "--seeds: at most 1000 seeds";
    }
    for (uint64_t s = lo;; ++s) {  // written so that hi == UINT64_MAX cannot wrap
      seeds->push_back(s);
      if (s == hi) break;
    }
  }
  if (seeds->empty()) return "--seeds: no seed given";
  return {};
}

std::string parse_policies(const std::string& text, std::vector<std::string>* names) {
  names->clear();
  std::stringstream parts(text);
  std::string name;
  const auto known = policy_names();
  while (std::getline(parts, name, ',')) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list;
      for (auto k : known) {
        if (!list.empty()) list += ", ";
        list += k;
      }
      return "--policy: unknown policy '" + name + "' (known: " + list + ")";
    }
    names->push_back(name);
  }
  if (names->empty()) return "--policy: no policy given";
  return {};
}

}  // namespace fastgpu::cli
