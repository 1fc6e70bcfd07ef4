#include "store/postgres_url.h"

#include <libpq-fe.h>

#include <array>
#include <charconv>
#include <memory>

namespace fastgpu {
namespace {

constexpr std::array<std::string_view, 2> kSchemes = {"postgresql://", "postgres://"};

// The length of the scheme `url` starts with, or 0.
size_t scheme_length(std::string_view url) {
  for (std::string_view scheme : kSchemes) {
    if (url.substr(0, scheme.size()) == scheme) return scheme.size();
  }
  return 0;
}

// True for "" (the default port) and for a number in 1..65535.
bool is_port(std::string_view text) {
  if (text.empty()) return true;
  int port = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  return ec == std::errc() && end == text.data() + text.size() && port >= 1 && port <= 65535;
}

// "" when every port of a (comma-separated, one per host) port list is valid, else the bad one.
std::string bad_port(std::string_view ports) {
  while (true) {
    const size_t comma = ports.find(',');
    const std::string_view port = ports.substr(0, comma);
    if (!is_port(port)) return std::string(port);
    if (comma == std::string_view::npos) return {};
    ports.remove_prefix(comma + 1);
  }
}

// The value libpq parsed for `keyword`, or "" when unset.
std::string_view option_value(const PQconninfoOption* options, std::string_view keyword) {
  for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (keyword == o->keyword && o->val != nullptr) return o->val;
  }
  return {};
}

std::string trim_trailing_newlines(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

}  // namespace

bool is_postgres_url(std::string_view spec) { return scheme_length(spec) != 0; }

Status validate_postgres_url(const std::string& url) {
  if (!is_postgres_url(url)) {
    return Status::invalid_argument("store URL '" + redact_postgres_url(url) +
                                    "' must start with postgresql:// or postgres://");
  }
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  std::unique_ptr<char, decltype(&PQfreemem)> error_owner(error, PQfreemem);
  if (options == nullptr) {
    const std::string reason =
        error != nullptr ? trim_trailing_newlines(error) : std::string("out of memory");
    return Status::invalid_argument("store URL '" + redact_postgres_url(url) +
                                    "' is not a valid PostgreSQL URL: " + reason);
  }
  const std::string port = bad_port(option_value(options, "port"));
  PQconninfoFree(options);
  if (!port.empty()) {
    return Status::invalid_argument("store URL '" + redact_postgres_url(url) + "' has port '" +
                                    port + "'; a port is a number within 1..65535");
  }
  return Status::ok();
}

std::string redact_postgres_url(std::string_view url) {
  const size_t start = scheme_length(url);
  if (start == 0) return std::string(url);
  const size_t authority_end = url.find_first_of("/?", start);
  const std::string_view authority = url.substr(start, authority_end - start);
  const size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  const size_t colon = authority.substr(0, at).find(':');
  if (colon == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, start + colon + 1));
  out += "***";
  out += url.substr(start + at);
  return out;
}

}  // namespace fastgpu
