#include "server/api/front_door.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <vector>

#include "server/api/request_framing.h"

namespace fastgpu {
namespace {

using std::chrono::steady_clock;

constexpr size_t kWarmThreads = 8;
// Descriptors kept for everything but connections: logs, the store, tasks' pipes.
constexpr size_t kDescriptorsForTheRest = 1024;
constexpr uint32_t kArmed = EPOLLONESHOT | EPOLLRDHUP;
constexpr size_t kDrainChunk = 64 << 10;

// The caps, lowered to what this process's descriptor limit can hold.
FrontDoorLimits fitted(FrontDoorLimits limits) {
  rlimit descriptors{};
  if (::getrlimit(RLIMIT_NOFILE, &descriptors) == 0 && descriptors.rlim_cur != RLIM_INFINITY) {
    const size_t room = descriptors.rlim_cur > 2 * kDescriptorsForTheRest
                            ? descriptors.rlim_cur - kDescriptorsForTheRest
                            : descriptors.rlim_cur / 2;
    limits.max_connections = std::min(limits.max_connections, room);
  }
  return limits;
}

const char* reason_of(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

// A whole answer carrying `error`, after which the connection closes.
std::string closing_answer(const ApiError& error) {
  const std::string body = error.to_json();
  return "HTTP/1.1 " + std::to_string(error.http_status()) + " " + reason_of(error.http_status()) +
         "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Sends what the socket takes of `bytes` now, without waiting.
void send_now(HttpConnection* connection, const std::string& bytes) {
  FramedRequestStream stream(connection, 0, std::chrono::milliseconds(0));
  for (size_t sent = 0; sent < bytes.size();) {
    const ssize_t wrote = stream.write(bytes.data() + sent, bytes.size() - sent);
    if (wrote <= 0) return;
    sent += static_cast<size_t>(wrote);
  }
}

}  // namespace

FrontDoor::FrontDoor(FrontDoorLimits limits, Serve serve)
    : limits_(fitted(limits)),
      serve_(std::move(serve)),
      epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)),
      wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      spare_fd_(::open("/dev/null", O_RDONLY | O_CLOEXEC)),
      caps_(limits_.max_connections_per_peer, limits_.max_connections),
      user_workers_(kWarmThreads, limits_.user_threads),
      reserved_workers_(2, limits_.reserved_threads) {
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data.fd = wake_fd_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake);
}

FrontDoor::~FrontDoor() {
  user_workers_.shutdown();
  reserved_workers_.shutdown();
  connections_.clear();
  for (int fd : {listen_fd_, epoll_fd_, wake_fd_, spare_fd_}) {
    if (fd >= 0) ::close(fd);
  }
}

Status FrontDoor::bind(const std::string& host, int port) {
  const std::string where = "cannot listen on " + host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) {
    return Status::io_error(where + ": the address does not resolve");
  }
  int error = 0;
  for (const addrinfo* at = found; at != nullptr && listen_fd_ < 0; at = at->ai_next) {
    const int fd =
        ::socket(at->ai_family, at->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, at->ai_protocol);
    if (fd < 0) continue;
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, at->ai_addr, at->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
      listen_fd_ = fd;
    } else {
      error = errno;
      ::close(fd);
    }
  }
  ::freeaddrinfo(found);
  if (listen_fd_ < 0) return Status::io_error(where + ": " + std::strerror(error));
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &length);
  std::string ip;
  describe_address(bound, &ip, &port_);
  epoll_event listening{};
  listening.events = EPOLLIN;
  listening.data.fd = listen_fd_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &listening);
  return Status::ok();
}

void FrontDoor::serve() {
  std::array<epoll_event, 128> events;
  while (!stopping_) {
    const int ready =
        ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), next_timeout_ms());
    for (int i = 0; i < ready; ++i) {
      const int fd = events[static_cast<size_t>(i)].data.fd;
      if (fd == listen_fd_) {
        accept_all();
      } else if (fd == wake_fd_) {
        uint64_t count;
        while (::read(wake_fd_, &count, sizeof count) > 0) {
        }
      } else {
        on_ready(fd);
      }
    }
    expire_deadlines();
  }
  ::close(listen_fd_);  // connections from now on are refused by the kernel
  listen_fd_ = -1;
  user_workers_.shutdown();
  reserved_workers_.shutdown();
  std::lock_guard lock(mu_);
  connections_.clear();
}

void FrontDoor::stop() {
  stopping_ = true;
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t wrote = ::write(wake_fd_, &one, sizeof one);
}

void FrontDoor::accept_all() {
  for (;;) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0 && errno == EINTR) continue;
    if (fd < 0 && (errno == EMFILE || errno == ENFILE) && spare_fd_ >= 0) {
      // No descriptor for it: take the spare one back to accept it, and close it at once.
      ::close(spare_fd_);
      const int dropped = ::accept(listen_fd_, nullptr, nullptr);
      if (dropped >= 0) ::close(dropped);
      spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      refuse(-1, "no descriptor is left (raise the open-files limit)");
      continue;
    }
    if (fd < 0) return;
    std::string ip;
    int peer_port = 0;
    describe_address(address, &ip, &peer_port);
    HttpConnection* connection = nullptr;
    {
      std::lock_guard lock(mu_);
      if (const std::string why = caps_.admit(ip); !why.empty()) {
        refuse(fd, why);
        continue;
      }
      auto made = std::make_unique<HttpConnection>(fd, tls_ ? SSL_new(tls_.get()) : nullptr,
                                                   std::move(ip), peer_port);
      connection = made.get();
      connections_[fd] = std::move(made);
    }
    const int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    if (connection->ssl != nullptr) SSL_set_fd(connection->ssl, fd);
    epoll_event armed{};
    armed.events = EPOLLIN | kArmed;
    armed.data.fd = fd;
    std::lock_guard lock(mu_);
    connection->serial = next_serial_++;
    deadlines_.push_back({steady_clock::now() + limits_.request_deadline, fd, connection->serial});
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &armed);
  }
}

// On the loop's thread: closes a connection that is not admitted (fd < 0: none was accepted).
void FrontDoor::refuse(int fd, const std::string& why) {
  if (fd >= 0) {
    if (!tls_) {
      const std::string answer =
          closing_answer(ApiError::unavailable("connection refused: " + why));
      [[maybe_unused]] const ssize_t sent =
          ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    ::close(fd);
  }
  refused_since_log_ += 1;
  const auto now = steady_clock::now();
  if (now - last_refusal_log_ < std::chrono::seconds(10)) return;
  std::fprintf(stderr, "fastgpud: refused %zu connection(s) in the last 10 s; the last one: %s\n",
               refused_since_log_, why.c_str());
  last_refusal_log_ = now;
  refused_since_log_ = 0;
}

void FrontDoor::on_ready(int fd) {
  HttpConnection* connection = nullptr;
  {
    std::lock_guard lock(mu_);
    const auto found = connections_.find(fd);
    if (found == connections_.end() || found->second->serving) return;
    connection = found->second.get();
  }
  const Progress progress = advance(connection);
  switch (progress.step) {
    case Step::kServe:
      return hand_to_worker(connection, progress);
    case Step::kClose:
      return close_connection(connection);
    case Step::kWait:
      return arm(connection, progress.wait_events);
  }
}

void FrontDoor::arm(HttpConnection* connection, uint32_t events) {
  epoll_event armed{};
  armed.events = events | kArmed;
  armed.data.fd = connection->fd;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection->fd, &armed);
}

FrontDoor::Progress FrontDoor::advance(HttpConnection* connection) {
  if (connection->draining) return drain(connection);
  const size_t held = buffered_.load();
  const size_t room = limits_.max_buffered_bytes > held ? limits_.max_buffered_bytes - held : 0;
  const size_t most = kMaxRequestHeadBytes + limits_.max_body_bytes;
  const HttpConnection::Read read =
      connection->read_available(std::min(connection->buffer.size() + room, most));
  buffered_ += connection->buffer.size() - connection->counted_bytes;
  connection->counted_bytes = connection->buffer.size();
  const RequestFraming framing = frame_request(connection->buffer, limits_.max_body_bytes);
  switch (framing.state) {
    case RequestFraming::State::kWhole:
      return {Step::kServe, 0, framing.size, framing.reserved};
    case RequestFraming::State::kRefused:
      return refuse_request(connection, framing.error);
    case RequestFraming::State::kIncomplete:
      break;
  }
  if (read == HttpConnection::Read::kEnded) return {Step::kClose};
  if (read == HttpConnection::Read::kFull) {
    return refuse_request(
        connection,
        ApiError::unavailable("fastgpud holds too many unfinished requests; try again"));
  }
  if (framing.expects_continue && !connection->continued) {
    send_now(connection, "HTTP/1.1 100 Continue\r\n\r\n");
    connection->continued = true;
  }
  return {Step::kWait, read == HttpConnection::Read::kWaitWritable ? EPOLLOUT : EPOLLIN};
}

FrontDoor::Progress FrontDoor::refuse_request(HttpConnection* connection, const ApiError& error) {
  send_now(connection, closing_answer(error));
  // Closed now, the socket would reset the connection over what the client still sends, and it
  // might never read the answer: the rest is read and dropped until it closes or its deadline.
  ::shutdown(connection->fd, SHUT_WR);
  connection->draining = true;
  return drain(connection);
}

FrontDoor::Progress FrontDoor::drain(HttpConnection* connection) {
  for (;;) {
    connection->buffer.clear();
    const HttpConnection::Read read = connection->read_available(kDrainChunk);
    if (read == HttpConnection::Read::kFull) continue;
    buffered_ -= connection->counted_bytes;
    connection->counted_bytes = 0;
    connection->buffer.clear();
    if (read == HttpConnection::Read::kEnded) return {Step::kClose};
    return {Step::kWait, read == HttpConnection::Read::kWaitWritable ? EPOLLOUT : EPOLLIN};
  }
}

void FrontDoor::hand_to_worker(HttpConnection* connection, const Progress& whole) {
  {
    std::lock_guard lock(mu_);
    connection->serving = true;
  }
  (whole.reserved ? reserved_workers_ : user_workers_)
      .enqueue(
          [this, connection, size = whole.request_bytes] { serve_on_worker(connection, size); });
}

void FrontDoor::serve_on_worker(HttpConnection* connection, size_t request_bytes) {
  for (size_t size = request_bytes;;) {
    FramedRequestStream request(connection, size, limits_.write_timeout);
    const bool keep = serve_(request) && !stopping_;
    connection->buffer.erase(0, size);
    connection->continued = false;
    if (!keep) return close_connection(connection);
    {
      std::lock_guard lock(mu_);
      connection->serial = next_serial_++;
      deadlines_.push_back(
          {steady_clock::now() + limits_.request_deadline, connection->fd, connection->serial});
    }
    const Progress next = advance(connection);
    switch (next.step) {
      case Step::kServe:
        size = next.request_bytes;  // the next request had already arrived
        continue;
      case Step::kClose:
        return close_connection(connection);
      case Step::kWait: {
        std::lock_guard lock(mu_);  // the loop may take it back once armed
        connection->serving = false;
        return arm(connection, next.wait_events);
      }
    }
  }
}

void FrontDoor::close_connection(HttpConnection* connection) {
  std::lock_guard lock(mu_);
  caps_.release(connection->peer_ip);
  buffered_ -= connection->counted_bytes;
  connections_.erase(connection->fd);  // closes the socket, which leaves the epoll set
}

void FrontDoor::expire_deadlines() {
  std::vector<HttpConnection*> expired;
  {
    std::lock_guard lock(mu_);
    const auto now = steady_clock::now();
    while (!deadlines_.empty() && deadlines_.front().at <= now) {
      const Deadline due = deadlines_.front();
      deadlines_.pop_front();
      const auto found = connections_.find(due.fd);
      if (found == connections_.end() || found->second->serial != due.serial ||
          found->second->serving) {
        continue;
      }
      expired.push_back(found->second.get());
    }
  }
  for (HttpConnection* connection : expired) {
    if (!connection->buffer.empty() && !connection->draining) {
      const auto seconds = std::chrono::duration<double>(limits_.request_deadline).count();
      char text[96];
      std::snprintf(text, sizeof text, "the request did not arrive whole within %g s", seconds);
      send_now(connection, closing_answer(ApiError(408, "request_timeout", text)));
    }
    close_connection(connection);
  }
}

int FrontDoor::next_timeout_ms() {
  std::lock_guard lock(mu_);
  if (deadlines_.empty()) return 1000;
  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadlines_.front().at -
                                                                          steady_clock::now());
  return static_cast<int>(std::clamp<int64_t>(wait.count() + 1, 0, 1000));
}

}  // namespace fastgpu
