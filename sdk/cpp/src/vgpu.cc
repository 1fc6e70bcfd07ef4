#include "fastgpu/vgpu.h"

#include "lease_renewal.h"
#include "long_poll.h"

namespace fastgpu {
inline namespace sdk {

VirtualGPU::VirtualGPU(nlohmann::json record, Client* client)
    : record_(std::move(record)), id_(record_["id"]), client_(client) {}

VirtualGPU::VirtualGPU(VirtualGPU&&) noexcept = default;
VirtualGPU& VirtualGPU::operator=(VirtualGPU&&) noexcept = default;
VirtualGPU::~VirtualGPU() = default;

VirtualGPU VirtualGPU::create(double amount, Unit unit, const std::optional<std::string>& memory,
                              Client* client, const Lifetime& lifetime) {
  nlohmann::json body = {{unit == Unit::tflops ? "tflops" : "gpu", amount}};
  if (memory) body["memory"] = *memory;
  if (lifetime.lease_seconds) body["lease"] = *lifetime.lease_seconds;
  if (lifetime.ttl_seconds) body["ttl"] = *lifetime.ttl_seconds;
  if (lifetime.idle_timeout_seconds) body["idle_timeout"] = *lifetime.idle_timeout_seconds;
  Client& c = client ? *client : Client::default_client();
  VirtualGPU vgpu(c.request("POST", "/v1/vgpus", body), client);
  if (lifetime.lease_seconds) {
    vgpu.lease_ = std::make_unique<LeaseRenewal>(c, vgpu.id_, *lifetime.lease_seconds);
  }
  return vgpu;
}

Client& VirtualGPU::client() const { return client_ ? *client_ : Client::default_client(); }

Task& VirtualGPU::submit_task(Task& task) { return task.submit(id_, client_); }

nlohmann::json VirtualGPU::wait(double timeout_seconds) {
  const auto deadline = deadline_after(timeout_seconds);
  for (;;) {
    const nlohmann::json answer =
        client().request("GET", "/v1/vgpus/" + std::to_string(id_) + "/wait", nullptr,
                         {{"timeout", poll_seconds(deadline)}}, kLongPollSeconds + 30);
    if (answer["done"] == true || expired(deadline)) return answer["tasks"];
  }
}

void VirtualGPU::remove(bool force) {
  const std::map<std::string, std::string> query =
      force ? std::map<std::string, std::string>{{"force", "true"}}
            : std::map<std::string, std::string>{};
  record_ = client().request("DELETE", "/v1/vgpus/" + std::to_string(id_), nullptr, query);
  if (lease_) lease_->dismiss();
  lease_.reset();
}

}  // namespace sdk
}  // namespace fastgpu
