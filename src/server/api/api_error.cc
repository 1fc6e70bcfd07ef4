#include "server/api/api_error.h"

#include <nlohmann/json.hpp>

namespace fastgpu {

ApiError ApiError::from_status(const Status& status) {
  const std::string& m = status.message();
  switch (status.code()) {
    case Status::Code::kOk:
      return {};
    case Status::Code::kInvalidArgument:
      return invalid_argument(m);
    case Status::Code::kUnauthenticated:
      return unauthenticated(m);
    case Status::Code::kPermissionDenied:
      return forbidden(m);
    case Status::Code::kNotFound:
      return not_found(m);
    case Status::Code::kFailedPrecondition:
      return conflict(m);
    case Status::Code::kInfeasible:
      return infeasible(m);
    case Status::Code::kLimitExceeded:
      return too_many_requests(m);
    case Status::Code::kResourceExhausted:
    case Status::Code::kUnavailable:
    case Status::Code::kIoError:
      break;
  }
  return unavailable(m);
}

std::string ApiError::to_json() const {
  nlohmann::json body = {{"error", {{"code", code_}, {"message", message_}}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace fastgpu
