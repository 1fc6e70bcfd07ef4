#pragma once
// What keeps web pages away from fastgpud: a page open in a browser on a host with a daemon can
// send it requests (a "simple" text/plain POST needs no CORS preflight) and, through DNS
// rebinding, read its answers. Requests a browser sends on a foreign page's behalf carry an
// Origin other than the one they are sent to or, after rebinding, a foreign Host; both are
// refused here, and so is a body that is not JSON.

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "server/api/api_error.h"

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
  /// A fence whose Host check (when `check_host`) accepts IP addresses, which DNS rebinding
  /// cannot use, "localhost" and `names`; a name "*" accepts every Host. A daemon with tokens
  /// needs no Host check: a rebound page has no token.
  RequestFence(bool check_host, const std::vector<std::string>& names);

  /// OK when `request` may proceed; else 403 naming the foreign Host or an Origin that is not
  /// the request's own (scheme://Host), or 415 for a body that is not application/json.
  ApiError check(const FencedRequest& request) const;

 private:
  bool allowed_name(std::string_view name) const;
  bool check_host_;
  bool any_name_ = false;
  std::set<std::string, std::less<>> names_;
};

/// The host of an authority "NAME[:PORT]" or "[V6][:PORT]", lower-cased, and its port (0 when
/// absent). False when it is malformed.
bool split_authority(std::string_view authority, std::string* host, int* port);

}  // namespace fastgpu
