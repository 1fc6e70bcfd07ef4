#include "vgpu/vgpu_config.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string_view>

#include "vgpu/shared_region.h"

namespace fastgpu::vgpu {
namespace {

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

// Parses a whole decimal number in [0, max]; false on anything else.
bool parse_unsigned(const std::string& text, uint64_t max, uint64_t* out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return !text.empty() && ec == std::errc() && ptr == end && *out <= max;
}

std::string first_device(const std::string& visible) {
  const auto comma = visible.find(',');
  return comma == std::string::npos ? visible : visible.substr(0, comma);
}

// Reads a 0/1 variable into `out` (left as is when unset); false with `error` on other values.
bool parse_flag(const EnvLookup& env, const char* name, bool* out, std::string* error) {
  auto value = env(name);
  if (!value) return true;
  if (*value != "0" && *value != "1") {
    *error = std::string(name) + " '" + *value + "' must be 0 or 1";
    return false;
  }
  *out = *value == "1";
  return true;
}

}  // namespace

std::optional<VgpuConfig> parse_vgpu_config(const EnvLookup& env, std::string* error) {
  VgpuConfig config;
  if (auto driver = env("FASTGPU_VGPU_DRIVER"); driver && !driver->empty()) {
    config.driver_path = *driver;
  }
  if (auto nvml = env("FASTGPU_VGPU_NVML"); nvml && !nvml->empty()) config.nvml_path = *nvml;
  auto id = env("FASTGPU_VGPU_ID");
  if (!id || id->empty()) return config;
  if (!valid_id(*id)) {
    *error = "FASTGPU_VGPU_ID '" + *id + "' must be 1-64 characters of A-Z a-z 0-9 _ . -";
    return std::nullopt;
  }
  config.vgpu_id = *id;
  if (auto limit = env("FASTGPU_VGPU_MEMORY_LIMIT")) {
    if (!parse_unsigned(*limit, UINT64_MAX, &config.memory_limit)) {
      *error = "FASTGPU_VGPU_MEMORY_LIMIT '" + *limit + "' must be a whole number of bytes";
      return std::nullopt;
    }
  }
  if (auto share = env("FASTGPU_VGPU_COMPUTE_SHARE")) {
    uint64_t milli = 0;
    if (!parse_unsigned(*share, 1000, &milli) || milli == 0) {
      *error = "FASTGPU_VGPU_COMPUTE_SHARE '" + *share + "' must be milli-GPU from 1 to 1000";
      return std::nullopt;
    }
    config.compute_share = static_cast<uint32_t>(milli);
  }
  if (!parse_flag(env, "FASTGPU_VGPU_BURST", &config.burst, error) ||
      !parse_flag(env, "FASTGPU_VGPU_STATS", &config.stats, error)) {
    return std::nullopt;
  }
  if (auto visible = env("CUDA_VISIBLE_DEVICES"); visible && !visible->empty()) {
    config.device_key = first_device(*visible);
  }
  if (auto dir = env("FASTGPU_VGPU_LEDGER_DIR")) {
    if (!dir->starts_with('/') || dir->find("/..") != std::string::npos) {
      *error = "FASTGPU_VGPU_LEDGER_DIR '" + *dir + "' must be an absolute path without ..";
      return std::nullopt;
    }
    config.ledger_dir = *dir;
  }
  return config;
}

EnvLookup lookup_in(const std::string& text) {
  auto values = std::make_shared<std::map<std::string, std::string, std::less<>>>();
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + start, end - start);
    if (const size_t equals = line.find('='); equals != std::string_view::npos && equals > 0) {
      (*values)[std::string(line.substr(0, equals))] = std::string(line.substr(equals + 1));
    }
    start = end + 1;
  }
  return [values](const char* name) -> std::optional<std::string> {
    auto it = values->find(std::string_view(name));
    if (it == values->end()) return std::nullopt;
    return it->second;
  };
}

std::optional<EnvLookup> slice_environment(const char* path, std::string* error) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return process_environment();
  if (fd < 0) {
    *error = std::string("cannot open the slice file ") + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::string text;
  char chunk[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, chunk, sizeof chunk)) > 0 && text.size() < 65536) text.append(chunk, n);
  const int read_errno = errno;
  ::close(fd);
  if (n < 0) {
    *error = std::string("cannot read the slice file ") + path + ": " + std::strerror(read_errno);
    return std::nullopt;
  }
  return lookup_in(text);
}

EnvLookup process_environment() {
  return [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

}  // namespace fastgpu::vgpu
