#include "server/api/openapi.h"

#include <nlohmann/json.hpp>

namespace fastgpu {
namespace {

using nlohmann::json;

json operation(const std::string& summary, const std::string& answer) {
  return {{"summary", summary},
          {"responses",
           {{answer, {{"description", "success"}}},
            {"4XX", {{"description", "error: {\"error\": {\"code\", \"message\"}}"}}}}}};
}

}  // namespace

std::string openapi_document() {
  json paths = {
      {"/healthz", {{"get", operation("liveness", "200")}}},
      {"/metrics", {{"get", operation("Prometheus metrics", "200")}}},
      {"/v1/gpus", {{"get", operation("GPUs with live allocation", "200")}}},
      {"/v1/nodes",
       {{"get", operation("nodes (GPU groups of this host and of agents) with health; autoscaled "
                          "ones with type",
                          "200")}}},
      {"/v1/agents/register",
       {{"post", operation("an agent joins (join token header), new session", "200")}}},
      {"/v1/agents/sync",
       {{"post", operation("an agent's heartbeat and report; tasks to start and stop", "200")}}},
      {"/v1/scale/log",
       {{"get",
         operation("the live autoscaler's decisions with reasons (404: it is off)", "200")}}},
      {"/v1/scale/cost",
       {{"get",
         operation("node-seconds and cost of autoscaled nodes, per type and total", "200")}}},
      {"/v1/accounts/reload",
       {{"post", operation("admins: reread the --accounts file (400 naming file, key and line "
                           "when it is bad; the accounts in force then stay)",
                           "200")}}},
      {"/v1/usage",
       {{"get", operation("GPU-seconds, task ends and cost per user (admins: every user and "
                          "project) since ?since= (epoch seconds); ?user= (admins)",
                          "200")}}},
      {"/v1/vgpus",
       {{"post", operation("create a vGPU: {tflops} or {gpu}, optional memory, lease, ttl, "
                           "idle_timeout (seconds)",
                           "201")},
        {"get", operation("list vGPUs", "200")}}},
      {"/v1/vgpus/{id}",
       {{"get", operation("get a vGPU", "200")},
        {"delete", operation("delete a vGPU (?force=true cancels its tasks)", "200")}}},
      {"/v1/vgpus/{id}/wait", {{"get", operation("wait for all of a vGPU's tasks", "200")}}},
      {"/v1/vgpus/{id}/renew",
       {{"post", operation("extend a vGPU's lease by its lease period", "200")}}},
      {"/v1/vgpus/{id}/release",
       {{"post", operation("end a vGPU's lease: deleted once its tasks have ended", "200")}}},
      {"/v1/tasks",
       {{"post", operation("submit a task: argv or seconds, resources", "201")},
        {"get", operation("list tasks (state, vgpu, limit, cursor)", "200")}}},
      {"/v1/tasks/{id}", {{"get", operation("get a task", "200")}}},
      {"/v1/tasks/{id}/cancel", {{"post", operation("cancel a task", "200")}}},
      {"/v1/tasks/{id}/wait", {{"get", operation("wait for a task to finish", "200")}}},
      {"/v1/tasks/{id}/logs", {{"get", operation("a task's stdout or stderr", "200")}}},
  };
  json document = {
      {"openapi", "3.0.3"}, {"info", {{"title", "fastgpud"}, {"version", "1"}}}, {"paths", paths}};
  return document.dump(2);
}

}  // namespace fastgpu
