#include "cli/cli_options.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sched/policy_registry.h"
#include "sim/trace_reader.h"

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

std::string parse_int_flag(const std::string& flag, const std::string& text, uint64_t lo,
                           uint64_t hi, uint64_t* value) {
  if (!parse_u64(text, value) || *value < lo || *value > hi) {
    return flag + ": '" + text + "' is not an integer within " + std::to_string(lo) + ".." +
           std::to_string(hi);
  }
  return {};
}

std::string positive_number_problem(const std::string& text, bool whole) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  const bool number = !text.empty() && ec == std::errc() && end == text.data() + text.size();
  if (!number || !std::isfinite(value) || value <= 0) {
    return "'" + text + "' is not a finite number above 0";
  }
  if (whole && value != std::floor(value)) return "'" + text + "' is not a whole number";
  return {};
}

std::string check_format(const std::string& format) {
  if (format == "table" || format == "json" || format == "csv") return {};
  return "--format: '" + format + "' is not one of table, json, csv";
}

void trace_paths(const std::string& nodes_flag, const std::string& pods_flag,
                 std::string* nodes_path, std::string* pods_path) {
  const std::string dir = default_trace_dir();
  *nodes_path = nodes_flag.empty() ? dir + "/openb_node_list_gpu_node.csv" : nodes_flag;
  *pods_path = pods_flag.empty() ? dir + "/openb_pod_list_default.csv" : pods_flag;
}

std::string write_text_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  return out ? std::string() : "cannot write " + path;
}

std::string write_output_files(const std::string& dir,
                               const std::vector<std::pair<std::string, std::string>>& files) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return "--out: cannot create " + dir + ": " + ec.message();
  for (const auto& [name, text] : files) {
    if (auto e = write_text_file((std::filesystem::path(dir) / name).string(), text); !e.empty()) {
      return "--out: " + e;
    }
  }
  return {};
}

}  // namespace fastgpu::cli
