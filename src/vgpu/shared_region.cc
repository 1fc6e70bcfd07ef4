#include "vgpu/shared_region.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

namespace fastgpu::vgpu {
namespace {

std::atomic_ref<uint32_t> ready_flag(void* data) {
  return std::atomic_ref<uint32_t>(static_cast<RegionHeader*>(data)->ready);
}

std::string errno_text() { return std::strerror(errno); }

// Waits until the creator has sized the file; a creator that died before ftruncate leaves it 0.
bool wait_for_size(int fd, size_t size) {
  for (int attempt = 0; attempt < 2000; ++attempt) {
    struct stat info {};
    if (fstat(fd, &info) != 0) return false;
    if (static_cast<size_t>(info.st_size) == size) return true;
    if (info.st_size != 0) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

bool wait_until_ready(void* data) {
  for (int attempt = 0; attempt < 20000; ++attempt) {
    if (ready_flag(data).load(std::memory_order_acquire) == kReadyMagic) return true;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return false;
}

}  // namespace

SharedRegion::SharedRegion(SharedRegion&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SharedRegion& SharedRegion::operator=(SharedRegion&& other) noexcept {
  std::swap(data_, other.data_);
  std::swap(size_, other.size_);
  return *this;
}

SharedRegion::~SharedRegion() {
  if (data_ != nullptr) munmap(data_, size_);
}

bool SharedRegion::open(const std::string& name, size_t size, uint32_t layout_version,
                        const std::function<void(void*)>& initialise, std::string* error) {
  // "/name" is POSIX shared memory; a longer path a file (on a tmpfs such as /run).
  const bool is_file = name.find('/', 1) != std::string::npos;
  const auto open_as = [&](int flags) {
    return is_file ? ::open(name.c_str(), flags | O_NOFOLLOW, 0600)
                   : shm_open(name.c_str(), flags, 0600);
  };
  bool creator = true;
  int fd = open_as(O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC);
  if (fd < 0 && errno == EEXIST) {
    creator = false;
    fd = open_as(O_RDWR | O_CLOEXEC);
  }
  if (fd < 0) {
    *error = (is_file ? "open " : "shm_open ") + name + ": " + errno_text();
    return false;
  }
  const bool sized =
      creator ? ftruncate(fd, static_cast<off_t>(size)) == 0 : wait_for_size(fd, size);
  if (!sized) {
    *error = "shared region " + name + " has the wrong size (another version of fastgpu-vgpu?)";
    close(fd);
    return false;
  }
  void* data = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (data == MAP_FAILED) {
    *error = "mmap " + name + ": " + errno_text();
    return false;
  }
  data_ = data;
  size_ = size;
  if (creator) {
    initialise(data);
    static_cast<RegionHeader*>(data)->layout_version = layout_version;
    ready_flag(data).store(kReadyMagic, std::memory_order_release);
    return true;
  }
  if (!wait_until_ready(data)) {
    *error = "shared region " + name + " was never initialised (its creator died?)";
    return false;
  }
  if (static_cast<RegionHeader*>(data)->layout_version != layout_version) {
    *error = "shared region " + name + " has another layout version";
    return false;
  }
  return true;
}

void SharedRegion::remove(const std::string& name) { shm_unlink(name.c_str()); }

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

std::string region_name(const std::string& prefix, const std::string& id) {
  std::string name = "/" + prefix;
  for (char c : id) name += is_name_char(c) ? c : '_';
  return name;
}

}  // namespace fastgpu::vgpu
