#pragma once
// A bare TCP connection to a daemon on loopback, for the tests that speak HTTP by hand: requests
// split, trickled or smuggled the way an attacker sends them.

#include <chrono>
#include <string>

namespace fastgpu::testing {

/// One TCP connection to 127.0.0.1:`port` from the loopback address `from` (another address
/// of 127/8 is another peer), closed on destruction. Move-less, copy-less.
class RawConnection {
 public:
  explicit RawConnection(int port, const char* from = "127.0.0.1");
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  /// Sends all of `bytes`; false when not connected or the send failed.
  bool send(const std::string& bytes);
  /// What has arrived so far, without waiting.
  std::string received();
  /// All that arrives until the peer closes or nothing comes for `quiet`.
  std::string read_until_quiet(std::chrono::milliseconds quiet);
  /// Whether the peer has closed the connection (after what it sent is read), within `wait`.
  bool closed_within(std::chrono::milliseconds wait);

 private:
  int fd_;
  bool connected_ = false;
};

}  // namespace fastgpu::testing
