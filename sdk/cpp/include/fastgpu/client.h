#pragma once
// FastGPU's C++ SDK: the connection to fastgpud and its error type. The model mirrors the
// Python SDK: Client, VirtualGPU, Task (fastgpu/vgpu.h, fastgpu/task.h).
//
// The SDK's types live in an inline namespace, so they are written fastgpu::Client etc. and
// never collide at link time with the daemon's own fastgpu types.

#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace fastgpu {
inline namespace sdk {

/// An error answered by fastgpud (HTTP status, code and message as sent), or a failure to reach
/// it (status 0, code "unreachable").
class Error : public std::runtime_error {
 public:
  Error(int status, std::string code, std::string message);
  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  int status_;
  std::string code_;
  std::string message_;
};

/// A connection to one fastgpud at `url` (default: $FASTGPU_URL, else http://127.0.0.1:7070),
/// authenticated by `token` (default: $FASTGPU_TOKEN). Thread-safe: each call uses its own
/// HTTP connection.
class Client {
 public:
  /// `url` (default $FASTGPU_URL, else http://127.0.0.1:7070) may be https://: the daemon's
  /// certificate is then verified against $FASTGPU_CA when set, else the system's authorities.
  explicit Client(std::string url = "", std::string token = "");

  /// Sends one request and returns the JSON answer; throws Error on an error answer.
  /// `query` parameters are URL-encoded; `body` is sent as JSON when not null.
  nlohmann::json request(const std::string& method, const std::string& path,
                         const nlohmann::json& body = nullptr,
                         const std::map<std::string, std::string>& query = {},
                         int timeout_seconds = 60) const;

  /// Like request(), for answers that are text (task logs).
  std::string request_text(const std::string& path,
                           const std::map<std::string, std::string>& query = {}) const;

  const std::string& url() const { return url_; }

  /// The client used when none is given, built from the environment on first use.
  static Client& default_client();

 private:
  std::string url_;
  std::string token_;
  std::string ca_file_;  // $FASTGPU_CA; empty: the system's trusted authorities
};

}  // namespace sdk
}  // namespace fastgpu
