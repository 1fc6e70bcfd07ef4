#include "server/api/request_fence.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace fastgpu {
namespace {

bool is_ip_address(const std::string& host) {
  unsigned char bytes[16];
  return ::inet_pton(AF_INET, host.c_str(), bytes) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), bytes) == 1;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The media type of a Content-Type value, without parameters and white space, lower-cased.
std::string media_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
  return lower(type);
}

}  // namespace

bool split_authority(std::string_view authority, std::string* host, int* port) {
  *port = 0;
  std::string_view rest;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    *host = lower(authority.substr(1, close - 1));
    rest = authority.substr(close + 1);
  } else {
    const size_t colon = authority.find(':');
    *host = lower(authority.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : authority.substr(colon);
  }
  if (host->empty()) return false;
  if (rest.empty()) return true;
  if (!rest.starts_with(':') || rest.size() == 1) return false;
  auto [end, ec] = std::from_chars(rest.data() + 1, rest.data() + rest.size(), *port);
  return ec == std::errc() && end == rest.data() + rest.size() && *port > 0 && *port <= 65535;
}

namespace {

// True when `origin` ("scheme://host[:port]") names the Host the request was sent to
// (`host`:`port`, port 0 for the scheme's default): what a page of the daemon's own sends.
bool same_origin(std::string_view origin, bool host_parsed, const std::string& host, int port) {
  const size_t scheme_end = origin.find("://");
  if (!host_parsed || scheme_end == std::string_view::npos) return false;
  const std::string_view scheme = origin.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return false;
  const int default_port = scheme == "https" ? 443 : 80;
  std::string origin_host;
  int origin_port = 0;
  if (!split_authority(origin.substr(scheme_end + 3), &origin_host, &origin_port)) return false;
  return origin_host == host &&
         (origin_port == 0 ? default_port : origin_port) == (port == 0 ? default_port : port);
}

}  // namespace

RequestFence::RequestFence(bool check_host, const std::vector<std::string>& names)
    : check_host_(check_host) {
  names_.insert("localhost");
  for (const std::string& name : names) {
    if (name == "*") any_name_ = true;
    names_.insert(lower(name));
  }
}

bool RequestFence::allowed_name(std::string_view name) const {
  const std::string host(name);
  return any_name_ || names_.count(host) > 0 || is_ip_address(host);
}

ApiError RequestFence::check(const FencedRequest& request) const {
  std::string host;
  int port = 0;
  const bool host_parsed = split_authority(request.host, &host, &port);
  if (check_host_ && (!host_parsed || !allowed_name(host))) {
    return ApiError::forbidden("Host \"" + request.host +
                               "\" is not a name of this fastgpud (start it with --allowed-hosts "
                               "NAME to accept one)");
  }
  if (!request.origin.empty() && !same_origin(request.origin, host_parsed, host, port)) {
    return ApiError::forbidden("Origin \"" + request.origin +
                               "\" is not this fastgpud's own: requests from other web pages "
                               "are refused");
  }
  if (request.has_body && media_type(request.content_type) != "application/json") {
    return ApiError::unsupported_media_type(
        "request bodies must be Content-Type application/json, not \"" + request.content_type +
        "\"");
  }
  return ApiError();
}

}  // namespace fastgpu
