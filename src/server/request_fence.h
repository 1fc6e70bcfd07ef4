#pragma once
// What keeps web pages away from fastgpud: a page open in a browser on a host with a daemon can
// send it requests (a "simple" text/plain POST needs no CORS preflight) and, through DNS
// rebinding, read its answers. Requests a browser sends on a foreign page's behalf carry a
// foreign Origin or, after rebinding, a foreign Host; both are refused here, and so is a body
// that is not JSON.

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "server/api_error.h"

namespace fastgpu {

/// The headers of a request the fence looks at.
struct FencedRequest {
  std::string host;          // the Host header
  std::string origin;        // the Origin header; empty when absent
  std::string content_type;  // the Content-Type header; empty when absent
  bool has_body = false;     // a Content-Length above 0 or a chunked body
};

/// Decides which requests may reach the API. Immutable once made; thread-safe.
class RequestFence {
 public:
  /// A fence for a daemon on `port` that answers to host names `names` (besides IP addresses,
  /// which DNS rebinding cannot use, and "localhost"); a name "*" accepts every Host.
  RequestFence(int port, const std::vector<std::string>& names);

  /// OK when `request` may proceed; else 403 naming the foreign Host or Origin, or 415 for a
  /// body that is not application/json.
  ApiError check(const FencedRequest& request) const;

 private:
  bool allowed_name(std::string_view name) const;
  int port_;
  bool any_name_ = false;
  std::set<std::string, std::less<>> names_;
};

/// The host of an authority "NAME[:PORT]" or "[V6][:PORT]", lower-cased, and its port (0 when
/// absent). False when it is malformed.
bool split_authority(std::string_view authority, std::string* host, int* port);

}  // namespace fastgpu
