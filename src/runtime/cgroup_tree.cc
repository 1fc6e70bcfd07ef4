#include "runtime/cgroup_tree.h"

#include <algorithm>
#include <sstream>

#include "core/text_file.h"

namespace fastgpu {
namespace {

constexpr std::string_view kTaskControllers[] = {"memory", "cpu", "cpuacct", "pids"};

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(separator, start), text.size());
    if (end > start) parts.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool holds(const CgroupHierarchy& h, std::string_view controller) {
  return std::find(h.controllers.begin(), h.controllers.end(), controller) != h.controllers.end();
}

// One mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE
// SUPEROPTIONS". Mount points escape spaces as \040; cgroup mounts have none.
std::optional<CgroupHierarchy> parse_line(const std::string& line) {
  const std::vector<std::string> fields = split(line, ' ');
  const auto dash = std::find(fields.begin(), fields.end(), "-");
  if (fields.size() < 5 || dash == fields.end() || fields.end() - dash < 4) return std::nullopt;
  const std::string& type = *(dash + 1);
  CgroupHierarchy h;
  h.mount = fields[4];
  if (type == "cgroup2") {
    h.v2 = true;
    std::string controllers;
    if (read_file(h.mount + "/cgroup.controllers", &controllers).is_ok()) {
      for (std::string& c : split(controllers, ' ')) {
        if (!c.empty() && c.back() == '\n') c.pop_back();
        if (!c.empty()) h.controllers.push_back(c);
      }
    }
    return h;
  }
  if (type != "cgroup") return std::nullopt;
  for (const std::string& option : split(*(dash + 3), ',')) {
    if (std::find(std::begin(kTaskControllers), std::end(kTaskControllers), option) !=
        std::end(kTaskControllers)) {
      h.controllers.push_back(option);
    }
  }
  if (h.controllers.empty()) return std::nullopt;  // name=systemd, cpuset, devices, ...
  return h;
}

}  // namespace

CgroupTree CgroupTree::from_mountinfo(std::string_view mountinfo) {
  CgroupTree tree;
  for (const std::string& line : split(mountinfo, '\n')) {
    if (std::optional<CgroupHierarchy> h = parse_line(line)) {
      tree.hierarchies_.push_back(std::move(*h));
    }
  }
  return tree;
}

CgroupTree CgroupTree::detect() {
  std::string text;
  if (!read_file("/proc/self/mountinfo", &text).is_ok()) return {};
  return from_mountinfo(text);
}

const CgroupHierarchy* CgroupTree::unified() const {
  for (const CgroupHierarchy& h : hierarchies_) {
    if (h.v2) return &h;
  }
  return nullptr;
}

const CgroupHierarchy* CgroupTree::find(std::string_view controller) const {
  const std::string_view on_v2 = controller == "cpuacct" ? "cpu" : controller;
  if (const CgroupHierarchy* v2 = unified(); v2 != nullptr && holds(*v2, on_v2)) return v2;
  for (const CgroupHierarchy& h : hierarchies_) {
    if (!h.v2 && holds(h, controller)) return &h;
  }
  return nullptr;
}

std::vector<const CgroupHierarchy*> CgroupTree::task_hierarchies() const {
  std::vector<const CgroupHierarchy*> out;
  const auto add = [&out](const CgroupHierarchy* h) {
    if (h != nullptr && std::find(out.begin(), out.end(), h) == out.end()) out.push_back(h);
  };
  for (std::string_view controller : kTaskControllers) add(find(controller));
  // A v2 tree beside v1 controllers only tracks processes, which the v1 trees do as well: a
  // group there would cost each task a mkdir, a join and an rmdir for nothing.
  if (out.empty()) add(unified());
  return out;
}

std::string CgroupTree::describe() const {
  std::ostringstream text;
  const char* separator = "";
  for (std::string_view controller : {"memory", "cpu", "pids"}) {
    const CgroupHierarchy* h = find(controller);
    text << separator << controller << (h == nullptr ? " missing" : h->v2 ? " on v2" : " on v1");
    separator = ", ";
  }
  const std::vector<const CgroupHierarchy*> used = task_hierarchies();
  const bool on_v2 = std::any_of(used.begin(), used.end(), [](auto* h) { return h->v2; });
  text << "; processes tracked " << (on_v2 ? "on v2" : "on v1");
  return text.str();
}

}  // namespace fastgpu
