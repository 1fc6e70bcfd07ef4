#pragma once
// Errors as values: a Status is either OK or carries a code and a message naming what is wrong.

#include <string>
#include <utility>

namespace fastgpu {

/// Outcome of an operation that can fail. Cheap to return when OK; the message is meant for
/// people and names the offending input (file, line, field, value).
class Status {
 public:
  enum class Code {
    kOk,
    kInvalidArgument,     // the input is malformed or out of range
    kUnauthenticated,     // the caller did not prove who it is
    kPermissionDenied,    // the caller may not do this (a limit of its project, another's)
    kNotFound,            // what was named does not exist
    kFailedPrecondition,  // not in this state (a finished task cancelled, a busy vGPU deleted)
    kInfeasible,          // well formed, but nothing this pool could get would ever hold it
    kLimitExceeded,       // the caller holds as much of something as it may (a queue cap)
    kResourceExhausted,   // the server ran out of something (a uid range, capacity)
    kUnavailable,         // not now: stopping, paused, or another replica leads
    kIoError
  };

  Status() = default;
  static Status ok() { return Status(); }
  static Status invalid_argument(std::string msg) {
    return {Code::kInvalidArgument, std::move(msg)};
  }
  static Status unauthenticated(std::string msg) {
    return {Code::kUnauthenticated, std::move(msg)};
  }
  static Status permission_denied(std::string msg) {
    return {Code::kPermissionDenied, std::move(msg)};
  }
  static Status not_found(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status failed_precondition(std::string msg) {
    return {Code::kFailedPrecondition, std::move(msg)};
  }
  static Status infeasible(std::string msg) { return {Code::kInfeasible, std::move(msg)}; }
  static Status limit_exceeded(std::string msg) { return {Code::kLimitExceeded, std::move(msg)}; }
  static Status unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Status resource_exhausted(std::string msg) {
    return {Code::kResourceExhausted, std::move(msg)};
  }
  static Status io_error(std::string msg) { return {Code::kIoError, std::move(msg)}; }

  bool is_ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace fastgpu
