#pragma once
// A named POSIX shared-memory region that several processes open at once and that exactly one
// of them initialises. It outlives the processes that map it; remove() deletes the name.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace fastgpu::vgpu {

// Placed first in every region: `ready` turns kReadyMagic once the creator has initialised it.
struct RegionHeader {
  uint32_t ready;  // accessed atomically
  uint32_t layout_version;
};
inline constexpr uint32_t kReadyMagic = 0xFA57'69A0;

// One mapping of a region. Move-only; unmaps on destruction (the region itself stays).
class SharedRegion {
 public:
  SharedRegion() = default;
  SharedRegion(SharedRegion&& other) noexcept;
  SharedRegion& operator=(SharedRegion&& other) noexcept;
  SharedRegion(const SharedRegion&) = delete;
  SharedRegion& operator=(const SharedRegion&) = delete;
  ~SharedRegion();

  // Opens `name` ("/something": POSIX shared memory; a longer absolute path: that file, never
  // through a symbolic link), creating it (0600) with `size` bytes if absent. The creator runs
  // `initialise` on the zeroed memory before anyone else can use it; the others wait (up to
  // 2 s) until it has. Returns false with `error` set when the region cannot be opened, has
  // another size or layout, or its creator never finished.
  bool open(const std::string& name, size_t size, uint32_t layout_version,
            const std::function<void(void*)>& initialise, std::string* error);

  // The mapped bytes, starting with a RegionHeader.
  void* data() const { return data_; }

  // Deletes the region's name; mappings stay valid until unmapped.
  static void remove(const std::string& name);

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

// True for the characters vGPU ids and region names may hold: A-Z a-z 0-9 _ . -
bool is_name_char(char c);

// A region name built from a prefix and an id; characters a name cannot hold become '_'.
std::string region_name(const std::string& prefix, const std::string& id);

}  // namespace fastgpu::vgpu
