#include "server/api/connection_caps.h"

namespace fastgpu {

std::string ConnectionCaps::admit(const std::string& peer) {
  if (open_ >= total_) {
    return "fastgpud holds " + std::to_string(open_) + " connections, its cap (--max-connections)";
  }
  size_t& mine = by_peer_[peer];
  if (mine >= per_peer_) {
    return peer + " holds " + std::to_string(mine) +
           " connections, the cap per peer (--max-connections-per-peer)";
  }
  mine += 1;
  open_ += 1;
  return "";
}

void ConnectionCaps::release(const std::string& peer) {
  const auto it = by_peer_.find(peer);
  if (it == by_peer_.end()) return;
  open_ -= 1;
  if (--it->second == 0) by_peer_.erase(it);
}

}  // namespace fastgpu
