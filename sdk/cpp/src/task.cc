#include "fastgpu/task.h"

#include "long_poll.h"

namespace fastgpu {
inline namespace sdk {

bool is_final(const nlohmann::json& record) {
  const std::string state = record.value("state", "");
  if (state == "lost") return record.value("retries_used", 0) >= record.value("max_retries", 0);
  return state == "succeeded" || state == "failed" || state == "cancelled";
}

Task::Task(double tflops, double seconds) {
  request_["tflops"] = tflops;
  request_["seconds"] = seconds;
}

Task Task::command(std::vector<std::string> argv) {
  Task task;
  task.request_["argv"] = std::move(argv);
  return task;
}

Task& Task::gpu(double fraction) { request_["gpu"] = fraction; return *this; }
Task& Task::gpus(int count) { request_["gpus"] = count; return *this; }
Task& Task::tflops(double tflops) { request_["tflops"] = tflops; return *this; }
Task& Task::memory(const std::string& quantity) { request_["memory"] = quantity; return *this; }
Task& Task::priority(int priority) { request_["priority"] = priority; return *this; }
Task& Task::preemptible(bool preemptible) {
  request_["preemptible"] = preemptible;
  return *this;
}
Task& Task::name(const std::string& name) { request_["name"] = name; return *this; }
Task& Task::env(const std::string& key, const std::string& value) {
  request_["env"][key] = value;
  return *this;
}
Task& Task::max_retries(int retries) { request_["max_retries"] = retries; return *this; }

Client& Task::client() const { return client_ ? *client_ : Client::default_client(); }

int64_t Task::need_id() const {
  if (id_ == 0) throw Error(0, "invalid_argument", "the task has not been submitted");
  return id_;
}

Task& Task::submit(int64_t vgpu, Client* client) {
  if (id_ != 0) throw Error(0, "invalid_argument", "task " + std::to_string(id_) + " was already submitted");
  if (client) client_ = client;
  nlohmann::json body = request_;
  if (vgpu != 0) body["vgpu"] = vgpu;
  record_ = this->client().request("POST", "/v1/tasks", body);
  id_ = record_["id"];
  return *this;
}

std::string Task::status() {
  record_ = client().request("GET", "/v1/tasks/" + std::to_string(need_id()));
  return record_["state"];
}

std::string Task::wait(double timeout_seconds) {
  const auto deadline = deadline_after(timeout_seconds);
  for (;;) {
    record_ = client().request("GET", "/v1/tasks/" + std::to_string(need_id()) + "/wait", nullptr,
                               {{"timeout", poll_seconds(deadline)}}, kLongPollSeconds + 30);
    if (is_final(record_) || expired(deadline)) return record_["state"];
  }
}

std::string Task::logs(const std::string& stream) {
  return client().request_text("/v1/tasks/" + std::to_string(need_id()) + "/logs",
                               {{"stream", stream}});
}

void Task::cancel() {
  record_ = client().request("POST", "/v1/tasks/" + std::to_string(need_id()) + "/cancel");
}

Task& submit(Task& task, Client* client) { return task.submit(0, client); }

}  // namespace sdk
}  // namespace fastgpu
