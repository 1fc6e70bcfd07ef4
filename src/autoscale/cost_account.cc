#include "autoscale/cost_account.h"

namespace fastgpu {
namespace {

// 128-bit products: node-seconds × micro-dollars per hour can pass 2^63 on long runs.
__extension__ typedef __int128 Wide;
constexpr Wide kSecondsPerHour = 3600;

// numerator / kSecondsPerHour rounded to nearest, halves away from zero (numerator >= 0).
MicroDollars per_hour_to_total(Wide numerator) {
  return static_cast<MicroDollars>((numerator + kSecondsPerHour / 2) / kSecondsPerHour);
}

}  // namespace

CostAccount::CostAccount(const NodeCatalog& catalog)
    : catalog_(catalog), node_seconds_(catalog.types.size(), 0) {}

void CostAccount::charge(size_t type, int64_t seconds) { node_seconds_[type] += seconds; }

int64_t CostAccount::total_node_seconds() const {
  int64_t sum = 0;
  for (int64_t s : node_seconds_) sum += s;
  return sum;
}

int64_t CostAccount::gpu_seconds(size_t type) const {
  return node_seconds_[type] * catalog_.types[type].gpu_count;
}

int64_t CostAccount::total_gpu_seconds() const {
  int64_t sum = 0;
  for (size_t t = 0; t < node_seconds_.size(); ++t) sum += gpu_seconds(t);
  return sum;
}

MicroDollars CostAccount::cost(size_t type) const {
  return per_hour_to_total(Wide{node_seconds_[type]} * catalog_.types[type].price_per_hour);
}

MicroDollars CostAccount::total_cost() const {
  Wide sum = 0;
  for (size_t t = 0; t < node_seconds_.size(); ++t) {
    sum += Wide{node_seconds_[t]} * catalog_.types[t].price_per_hour;
  }
  return per_hour_to_total(sum);
}

}  // namespace fastgpu
