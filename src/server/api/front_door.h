#pragma once
// fastgpud's HTTP front door: one thread accepts connections and reads requests without
// blocking, so a client that trickles holds no thread; a request is handed to a worker only once
// it is whole, and must be whole within a deadline. Connections are capped per peer address and
// in all, and /healthz and agents' routes are served by threads users' requests cannot take.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/status.h"
#include "server/api/api_error.h"
#include "server/api/connection_caps.h"
#include "server/api/elastic_thread_pool.h"
#include "server/api/http_connection.h"
#include "server/api/tls_context.h"

namespace fastgpu {

/// How much the front door lets in and how long it waits.
struct FrontDoorLimits {
  size_t max_connections = 16384;          // open at once, in all (lowered to fit the fd limit)
  size_t max_connections_per_peer = 2048;  // open at once from one IP address
  std::chrono::milliseconds request_deadline{10000};  // from waiting for a request to its end
  std::chrono::milliseconds write_timeout{30000};     // a client not reading an answer this long
  size_t max_body_bytes = size_t{1} << 20;
  size_t max_buffered_bytes = size_t{256} << 20;  // unfinished requests held, in all
  size_t user_threads = 4096;                     // serving users' requests at once
  size_t reserved_threads = 4096;  // serving /healthz and agents at once (each agent long-polls)
};

/// Accepts, reads and hands on HTTP/1.1 requests (see the file comment). `serve` answers the
/// request at the start of the stream it is given, on a worker thread, and says whether the
/// connection may carry another one. Thread-safe: stop() may come from any thread.
class FrontDoor {
 public:
  using Serve = std::function<bool(httplib::Stream& request)>;

  FrontDoor(FrontDoorLimits limits, Serve serve);
  ~FrontDoor();
  FrontDoor(const FrontDoor&) = delete;
  FrontDoor& operator=(const FrontDoor&) = delete;

  /// Speaks TLS on every connection from now on. Call before serve().
  void use_tls(SslContext context) { tls_ = std::move(context); }
  /// Listens on `host`:`port` (0: a free port), with SO_REUSEADDR and without SO_REUSEPORT, so a
  /// port another process listens on is refused (kIoError naming the address).
  Status bind(const std::string& host, int port);
  /// The port bound.
  int port() const { return port_; }
  /// Serves until stop(); blocks. Returns once every request being served has been answered.
  void serve();
  /// Makes serve() return.
  void stop();

 private:
  struct Deadline {
    std::chrono::steady_clock::time_point at;
    int fd;
    uint64_t serial;
  };
  enum class Step { kServe, kWait, kClose };
  /// What reading a connection led to: a request to serve (its size, and whether reserved
  /// threads serve it), a wait for `wait_events`, or the connection's end.
  struct Progress {
    Step step = Step::kWait;
    uint32_t wait_events = 0;
    size_t request_bytes = 0;
    bool reserved = false;
  };

  void accept_all();
  void refuse(int fd, const std::string& why);
  void on_ready(int fd);
  Progress advance(HttpConnection* connection);
  Progress refuse_request(HttpConnection* connection, const ApiError& error);
  Progress drain(HttpConnection* connection);
  void hand_to_worker(HttpConnection* connection, const Progress& whole);
  void serve_on_worker(HttpConnection* connection, size_t request_bytes);
  void arm(HttpConnection* connection, uint32_t events);
  void close_connection(HttpConnection* connection);
  void expire_deadlines();
  int next_timeout_ms();

  const FrontDoorLimits limits_;
  const Serve serve_;
  SslContext tls_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int spare_fd_ = -1;  // given up to accept-and-close a connection when descriptors run out
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> buffered_{0};
  std::mutex mu_;  // guards the four below
  std::unordered_map<int, std::unique_ptr<HttpConnection>> connections_;
  ConnectionCaps caps_;
  std::deque<Deadline> deadlines_;  // in order of `at`: every wait is as long
  uint64_t next_serial_ = 1;
  ElasticThreadPool user_workers_;
  ElasticThreadPool reserved_workers_;
  std::chrono::steady_clock::time_point last_refusal_log_{};
  size_t refused_since_log_ = 0;
};

}  // namespace fastgpu
