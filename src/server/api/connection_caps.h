#pragma once
// How many client connections fastgpud holds at once, per peer address and in all.

#include <cstddef>
#include <map>
#include <string>

namespace fastgpu {

/// Counts open connections per peer address and in all, admitting a new one only under both
/// caps. Not thread-safe: its owner locks.
class ConnectionCaps {
 public:
  ConnectionCaps(size_t per_peer, size_t total) : per_peer_(per_peer), total_(total) {}

  /// Counts one more connection of `peer` and returns "", or returns why it is refused (the
  /// cap it would pass) and counts nothing.
  std::string admit(const std::string& peer);
  /// Forgets one connection admitted for `peer`.
  void release(const std::string& peer);
  /// Connections counted now.
  size_t open() const { return open_; }

 private:
  const size_t per_peer_;
  const size_t total_;
  size_t open_ = 0;
  std::map<std::string, size_t> by_peer_;
};

}  // namespace fastgpu
