#include "server/api/request_framing.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

namespace fastgpu {
namespace {

constexpr std::string_view kHeadEnd = "\r\n\r\n";

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The decimal value of `text`, or nothing when it is not a plain number below 2^53.
std::optional<size_t> decimal(std::string_view text) {
  if (text.empty() || text.size() > 15) return std::nullopt;
  size_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<size_t>(c - '0');
  }
  return value;
}

bool is_reserved_target(std::string_view request_line) {
  const size_t space = request_line.find(' ');
  if (space == std::string_view::npos) return false;
  const std::string_view target = request_line.substr(space + 1);
  return target.starts_with("/healthz ") || target.starts_with("/healthz?") ||
         target.starts_with("/v1/agents/");
}

std::string size_text(size_t bytes) {
  if (bytes % (size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

RequestFraming refused(ApiError error) {
  RequestFraming framing;
  framing.state = RequestFraming::State::kRefused;
  framing.error = std::move(error);
  return framing;
}

}  // namespace

RequestFraming frame_request(std::string_view bytes, size_t max_body_bytes) {
  const size_t head_end = bytes.find(kHeadEnd);
  if (head_end == std::string_view::npos) {
    if (bytes.size() > kMaxRequestHeadBytes) {
      return refused(ApiError(431, "head_too_large", "request line and headers exceed 64 KiB"));
    }
    return {};
  }
  if (head_end + kHeadEnd.size() > kMaxRequestHeadBytes) {
    return refused(ApiError(431, "head_too_large", "request line and headers exceed 64 KiB"));
  }
  const std::string_view head = bytes.substr(0, head_end);
  const size_t line_end = std::min(head.find("\r\n"), head.size());
  std::optional<size_t> length;
  bool expects_continue = false;
  for (size_t at = line_end; at < head.size();) {
    const size_t start = at + 2;
    const size_t end = std::min(head.find("\r\n", start), head.size());
    const std::string_view line = head.substr(start, end - start);
    at = end;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // cpp-httplib answers 400 for it
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trimmed(line.substr(colon + 1));
    if (same_name(name, "Transfer-Encoding")) {
      return refused(ApiError(411, "length_required",
                              "request bodies need Content-Length; Transfer-Encoding is not "
                              "accepted"));
    }
    if (same_name(name, "Expect")) expects_continue = same_name(value, "100-continue");
    if (!same_name(name, "Content-Length")) continue;
    const std::optional<size_t> value_length = decimal(value);
    if (!value_length || (length && *length != *value_length)) {
      return refused(ApiError::invalid_argument("Content-Length '" + std::string(value) +
                                                "' is not one number of bytes"));
    }
    length = value_length;
  }
  const size_t body = length.value_or(0);
  if (body > max_body_bytes) {
    return refused(
        ApiError::payload_too_large("request body exceeds " + size_text(max_body_bytes)));
  }
  RequestFraming framing;
  framing.reserved = is_reserved_target(head.substr(0, line_end));
  const size_t size = head_end + kHeadEnd.size() + body;
  if (bytes.size() < size) {
    framing.expects_continue = expects_continue;
    return framing;
  }
  framing.state = RequestFraming::State::kWhole;
  framing.size = size;
  return framing;
}

}  // namespace fastgpu
