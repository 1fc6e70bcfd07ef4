#include "fastgpu/vgpu.h"

#include "long_poll.h"

namespace fastgpu {
inline namespace sdk {

VirtualGPU::VirtualGPU(nlohmann::json record, Client* client)
    : record_(std::move(record)), id_(record_["id"]), client_(client) {}

VirtualGPU VirtualGPU::create(double amount, Unit unit, const std::optional<std::string>& memory,
                              Client* client) {
  nlohmann::json body = {{unit == Unit::tflops ? "tflops" : "gpu", amount}};
  if (memory) body["memory"] = *memory;
  Client& c = client ? *client : Client::default_client();
  return VirtualGPU(c.request("POST", "/v1/vgpus", body), client);
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
}

}  // namespace sdk
}  // namespace fastgpu
