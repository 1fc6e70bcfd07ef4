#include "vgpu/hook_registry.h"

#include <cstring>

#include "vgpu/nvml_hooks.h"

namespace fastgpu::vgpu {
namespace {

struct HookEntry {
  const char* symbol;
  const char* query;
  int version;
  StreamFlavour flavour;
  void* hook;  // null: the shim calls this function but does not intercept it
};

#define FASTGPU_HOOK_ADDRESS_1(symbol) reinterpret_cast<void*>(&::symbol)
#define FASTGPU_HOOK_ADDRESS_0(symbol) nullptr
#define FASTGPU_HOOK_ENTRY(symbol, query, version, flavour, hooked) \
  {#symbol, query, version, StreamFlavour::flavour, FASTGPU_HOOK_ADDRESS_##hooked(symbol)},
const HookEntry kHooks[] = {FASTGPU_DRIVER_FUNCTIONS(FASTGPU_HOOK_ENTRY)};
#undef FASTGPU_HOOK_ENTRY
#undef FASTGPU_HOOK_ADDRESS_0
#undef FASTGPU_HOOK_ADDRESS_1

bool flavour_matches(StreamFlavour flavour, cuuint64_t flags) {
  if (flavour == StreamFlavour::kAny) return true;
  const bool per_thread = (flags & CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM) != 0;
  return per_thread == (flavour == StreamFlavour::kPerThread);
}

}  // namespace

void* hook_by_symbol(const char* symbol) {
  if (symbol == nullptr) return nullptr;
  if (std::strncmp(symbol, "nvml", 4) == 0) return nvml_hook_by_symbol(symbol);
  if (symbol[0] != 'c' || symbol[1] != 'u') return nullptr;
  for (const HookEntry& entry : kHooks) {
    if (entry.hook != nullptr && std::strcmp(entry.symbol, symbol) == 0) return entry.hook;
  }
  return nullptr;
}

void* hook_for_proc_address(const RealDriver& driver, const char* symbol, void* real,
                            int cuda_version, cuuint64_t flags) {
  if (real == nullptr || symbol == nullptr) return real;
  for (int i = 0; i < static_cast<int>(DriverFn::kCount); ++i) {
    if (kHooks[i].hook != nullptr && driver.address(static_cast<DriverFn>(i)) == real) {
      return kHooks[i].hook;
    }
  }
  const HookEntry* best = nullptr;
  for (const HookEntry& entry : kHooks) {
    if (entry.hook == nullptr || std::strcmp(entry.query, symbol) != 0) continue;
    if (entry.version > cuda_version || !flavour_matches(entry.flavour, flags)) continue;
    if (best == nullptr || entry.version > best->version) best = &entry;
  }
  return best == nullptr ? real : best->hook;
}

}  // namespace fastgpu::vgpu
