#pragma once
// The one error shape of the HTTP API: an HTTP status, a stable code and a message naming the
// problem, rendered as {"error": {"code": "...", "message": "..."}}.

#include <string>
#include <utility>

#include "core/status.h"

namespace fastgpu {

/// Outcome of an API operation: OK, or an error the client sees as is.
class ApiError {
 public:
  ApiError() = default;
  ApiError(int http_status, std::string code, std::string message)
      : http_status_(http_status), code_(std::move(code)), message_(std::move(message)) {}

  static ApiError invalid_argument(std::string m) {
    return {400, "invalid_argument", std::move(m)};
  }
  static ApiError invalid_json(std::string m) { return {400, "invalid_json", std::move(m)}; }
  static ApiError unauthenticated(std::string m) { return {401, "unauthenticated", std::move(m)}; }
  static ApiError forbidden(std::string m) { return {403, "forbidden", std::move(m)}; }
  static ApiError not_found(std::string m) { return {404, "not_found", std::move(m)}; }
  static ApiError conflict(std::string m) { return {409, "conflict", std::move(m)}; }
  static ApiError payload_too_large(std::string m) {
    return {413, "payload_too_large", std::move(m)};
  }
  static ApiError unsupported_media_type(std::string m) {
    return {415, "unsupported_media_type", std::move(m)};
  }
  static ApiError too_many_requests(std::string m) {
    return {429, "too_many_requests", std::move(m)};
  }
  static ApiError infeasible(std::string m) { return {422, "infeasible", std::move(m)}; }
  static ApiError unavailable(std::string m) { return {503, "unavailable", std::move(m)}; }
  /// A follower replica's answer to what only the leader serves.
  static ApiError not_leader(std::string m) { return {503, "not_leader", std::move(m)}; }

  /// The API's answer to a Status of the layers below: invalid argument -> 400,
  /// unauthenticated -> 401, permission denied -> 403, not found -> 404, failed precondition
  /// -> 409, infeasible -> 422, limit exceeded -> 429; resource exhausted, unavailable and I/O
  /// errors -> 503. The one place a Status gets an HTTP code.
  static ApiError from_status(const Status& status);

  bool is_ok() const { return http_status_ == 200; }
  int http_status() const { return http_status_; }
  const std::string& code() const { return code_; }
  const std::string& message() const { return message_; }

  /// The JSON body of the error.
  std::string to_json() const;

 private:
  int http_status_ = 200;
  std::string code_;
  std::string message_;
};

}  // namespace fastgpu
