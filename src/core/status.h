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
    kInvalidArgument,
    kNotFound,
    kFailedPrecondition,
    kResourceExhausted,
    kIoError
  };

  Status() = default;
  static Status ok() { return Status(); }
  static Status invalid_argument(std::string msg) {
    return {Code::kInvalidArgument, std::move(msg)};
  }
  static Status not_found(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status failed_precondition(std::string msg) {
    return {Code::kFailedPrecondition, std::move(msg)};
  }
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
