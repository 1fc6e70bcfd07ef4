#include "server/port_owner.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace fastgpu {
namespace {

constexpr const char* kListenState = "0A";  // TCP_LISTEN in /proc/net/tcp

// Socket inodes listening on `port` in one /proc/net/tcp-style table.
void listening_inodes(const char* table, int port, std::set<std::string>* inodes) {
  std::ifstream in(table);
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    if (!(fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
          timeout >> inode)) {
      continue;
    }
    const size_t colon = local.rfind(':');
    if (state != kListenState || colon == std::string::npos) continue;
    if (std::stoi(local.substr(colon + 1), nullptr, 16) == port) inodes->insert(inode);
  }
}

}  // namespace

std::optional<pid_t> pid_listening_on(int port) {
  std::set<std::string> inodes;
  listening_inodes("/proc/net/tcp", port, &inodes);
  listening_inodes("/proc/net/tcp6", port, &inodes);
  if (inodes.empty()) return std::nullopt;
  std::error_code ec;
  for (const auto& process : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = process.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code fd_ec;
    for (const auto& fd : std::filesystem::directory_iterator(process.path() / "fd", fd_ec)) {
      std::error_code link_ec;
      const std::string target = std::filesystem::read_symlink(fd.path(), link_ec);
      if (target.starts_with("socket:[") && inodes.count(target.substr(8, target.size() - 9))) {
        return static_cast<pid_t>(std::stol(name));
      }
    }
  }
  return std::nullopt;
}

}  // namespace fastgpu
