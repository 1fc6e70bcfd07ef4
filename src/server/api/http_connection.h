#pragma once
// One client connection of fastgpud's HTTP front door, and the stream a request on it is served
// through.

#include <httplib.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace fastgpu {

/// The IP address and port of `address` (IPv4 or IPv6) as text; "" and 0 for another family.
void describe_address(const sockaddr_storage& address, std::string* ip, int* port);

/// A client's connection: its non-blocking socket, its TLS session when the front door speaks
/// TLS, its address, and the bytes read from it that no request has taken yet. Owns the socket
/// and the session. Not thread-safe: one thread (the front door's loop while it waits for a
/// request, a worker while it serves one) uses it at a time.
struct HttpConnection {
  HttpConnection(int fd, SSL* ssl, std::string peer_ip, int peer_port);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  /// What reading all the socket holds now left.
  enum class Read {
    kWaitReadable,  // nothing more for now
    kWaitWritable,  // TLS needs to send before it can read on
    kFull,          // the buffer holds `limit` bytes or more: read no more until some are taken
    kEnded,         // the client closed, or the connection failed
  };
  /// Reads (and, with TLS, first shakes hands) without blocking until the socket has nothing
  /// more or the buffer holds `limit` bytes.
  Read read_available(size_t limit);

  const int fd;
  SSL* const ssl;  // null: plain HTTP
  const std::string peer_ip;
  const int peer_port;
  std::string buffer;
  bool handshaken = false;
  bool serving = false;      // a worker serves a request of it (guarded by the front door's mutex)
  bool continued = false;    // "100 Continue" was sent for the request being read
  bool draining = false;     // refused: what it still sends is read and dropped until it closes
  size_t counted_bytes = 0;  // of `buffer`, what the front door has counted as held
  uint64_t serial = 0;       // which wait for a request its deadline belongs to
};

/// The request framed at the start of a connection's buffer, for cpp-httplib to serve: reads
/// take its `size` bytes and then find the stream's end; writes go to the socket (through TLS
/// when it has it), waiting at most `write_timeout` each time it cannot take more.
class FramedRequestStream final : public httplib::Stream {
 public:
  FramedRequestStream(HttpConnection* connection, size_t size,
                      std::chrono::milliseconds write_timeout);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override;
  using httplib::Stream::write;

 private:
  bool wait_for(short events) const;
  HttpConnection* connection_;
  size_t offset_ = 0;
  const size_t size_;
  const std::chrono::milliseconds write_timeout_;
};

}  // namespace fastgpu
