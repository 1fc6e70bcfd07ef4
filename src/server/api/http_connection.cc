#include "server/api/http_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace fastgpu {
namespace {

constexpr size_t kReadChunk = 16 << 10;

HttpConnection::Read tls_wait(SSL* ssl, int result) {
  switch (SSL_get_error(ssl, result)) {
    case SSL_ERROR_WANT_READ:
      return HttpConnection::Read::kWaitReadable;
    case SSL_ERROR_WANT_WRITE:
      return HttpConnection::Read::kWaitWritable;
    default:
      return HttpConnection::Read::kEnded;
  }
}

}  // namespace

void describe_address(const sockaddr_storage& address, std::string* ip, int* port) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  *port = 0;
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &v4->sin_addr, text.data(), text.size());
    *port = ntohs(v4->sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text.data(), text.size());
    *port = ntohs(v6->sin6_port);
  }
  *ip = text.data();
}

HttpConnection::HttpConnection(int fd, SSL* ssl, std::string peer_ip, int peer_port)
    : fd(fd), ssl(ssl), peer_ip(std::move(peer_ip)), peer_port(peer_port) {}

HttpConnection::~HttpConnection() {
  if (ssl != nullptr) SSL_free(ssl);
  ::close(fd);
}

HttpConnection::Read HttpConnection::read_available(size_t limit) {
  if (ssl != nullptr && !handshaken) {
    ERR_clear_error();
    const int result = SSL_accept(ssl);
    if (result != 1) return tls_wait(ssl, result);
    handshaken = true;
  }
  std::array<char, kReadChunk> chunk;
  while (buffer.size() < limit) {
    const size_t want = std::min(chunk.size(), limit - buffer.size());
    if (ssl != nullptr) {
      ERR_clear_error();
      const int got = SSL_read(ssl, chunk.data(), static_cast<int>(want));
      if (got <= 0) return tls_wait(ssl, got);
      buffer.append(chunk.data(), static_cast<size_t>(got));
      continue;
    }
    const ssize_t got = ::recv(fd, chunk.data(), want, 0);
    if (got > 0) {
      buffer.append(chunk.data(), static_cast<size_t>(got));
    } else if (got < 0 && errno == EINTR) {
      continue;
    } else if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return Read::kWaitReadable;
    } else {
      return Read::kEnded;
    }
  }
  return Read::kFull;
}

FramedRequestStream::FramedRequestStream(HttpConnection* connection, size_t size,
                                         std::chrono::milliseconds write_timeout)
    : connection_(connection), size_(size), write_timeout_(write_timeout) {}

bool FramedRequestStream::is_readable() const { return offset_ < size_; }

bool FramedRequestStream::is_writable() const { return wait_for(POLLOUT); }

ssize_t FramedRequestStream::read(char* ptr, size_t size) {
  const size_t count = std::min(size, size_ - offset_);
  std::memcpy(ptr, connection_->buffer.data() + offset_, count);
  offset_ += count;
  return static_cast<ssize_t>(count);
}

ssize_t FramedRequestStream::write(const char* ptr, size_t size) {
  for (;;) {
    if (connection_->ssl != nullptr) {
      ERR_clear_error();
      const int wrote =
          SSL_write(connection_->ssl, ptr, static_cast<int>(std::min<size_t>(size, 1 << 30)));
      if (wrote > 0) return wrote;
      const int error = SSL_get_error(connection_->ssl, wrote);
      if (error == SSL_ERROR_WANT_WRITE && wait_for(POLLOUT)) continue;
      if (error == SSL_ERROR_WANT_READ && wait_for(POLLIN)) continue;
      return -1;
    }
    const ssize_t wrote = ::send(connection_->fd, ptr, size, MSG_NOSIGNAL);
    if (wrote >= 0) return wrote;
    if (errno == EINTR) continue;
    if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_for(POLLOUT)) continue;
    return -1;
  }
}

bool FramedRequestStream::wait_for(short events) const {
  pollfd watched{connection_->fd, events, 0};
  int ready;
  do {
    ready = ::poll(&watched, 1, static_cast<int>(write_timeout_.count()));
  } while (ready < 0 && errno == EINTR);
  return ready > 0 && (watched.revents & (POLLERR | POLLHUP | POLLNVAL)) == 0;
}

void FramedRequestStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  ip = connection_->peer_ip;
  port = connection_->peer_port;
}

void FramedRequestStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  ip.clear();
  port = 0;
  if (::getsockname(connection_->fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    describe_address(address, &ip, &port);
  }
}

socket_t FramedRequestStream::socket() const { return connection_->fd; }

}  // namespace fastgpu
