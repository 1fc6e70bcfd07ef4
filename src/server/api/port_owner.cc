#include "server/api/port_owner.h"

#include <charconv>
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
    int listening = 0;
    const char* digits = local.data() + colon + 1;
    auto [end, ec] = std::from_chars(digits, local.data() + local.size(), listening, 16);
    if (ec == std::errc() && listening == port) inodes->insert(inode);
  }
}

}  // namespace

std::optional<pid_t> pid_listening_on(int port) {
  std::set<std::string> inodes;
  listening_inodes("/proc/net/tcp", port, &inodes);
  listening_inodes("/proc/net/tcp6", port, &inodes);
  if (inodes.empty()) return std::nullopt;
  namespace fs = std::filesystem;
  std::error_code ec;
  for (fs::directory_iterator process("/proc", ec), end; !ec && process != end;
       process.increment(ec)) {
    const std::string name = process->path().filename();
    pid_t pid = 0;
    auto [last, parse_ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (parse_ec != std::errc() || last != name.data() + name.size()) continue;
    std::error_code fd_ec;
    for (fs::directory_iterator fd(process->path() / "fd", fd_ec); !fd_ec && fd != end;
         fd.increment(fd_ec)) {
      std::error_code link_ec;
      const std::string target = fs::read_symlink(fd->path(), link_ec);
      if (target.starts_with("socket:[") && inodes.count(target.substr(8, target.size() - 9))) {
        return pid;
      }
    }
  }
  return std::nullopt;
}

}  // namespace fastgpu
