#include "server/api_error.h"

#include <nlohmann/json.hpp>

namespace fastgpu {

ApiError ApiError::from_status(const Status& status) {
  switch (status.code()) {
    case Status::Code::kOk:
      return {};
    case Status::Code::kInvalidArgument:
      return invalid_argument(status.message());
    case Status::Code::kNotFound:
      return not_found(status.message());
    case Status::Code::kFailedPrecondition:
      return conflict(status.message());
    case Status::Code::kResourceExhausted:
    case Status::Code::kIoError:
      break;
  }
  return unavailable(status.message());
}

std::string ApiError::to_json() const {
  nlohmann::json body = {{"error", {{"code", code_}, {"message", message_}}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace fastgpu
