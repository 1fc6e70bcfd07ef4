#include "agent/agent_protocol.h"

#include <cctype>

#include "core/base64.h"
#include "core/text_file.h"

namespace fastgpu {
namespace {

nlohmann::json device_to_json(const GpuDevice& d) {
  return {{"index", d.index},
          {"uuid", d.uuid},
          {"model", d.model},
          {"milli_tflops", d.milli_tflops},
          {"memory_bytes", d.memory_bytes},
          {"sm_count", d.sm_count},
          {"simulated", d.simulated}};
}

nlohmann::json assignment_to_json(const Assignment& a) {
  nlohmann::json env = nlohmann::json::array();
  for (const auto& [name, value] : a.env) env.push_back({name, value});
  nlohmann::json run_as = nullptr;
  if (a.run_as) run_as = {{"uid", a.run_as->uid}, {"gid", a.run_as->gid}};
  return {{"task", a.task},
          {"argv", a.argv},
          {"env", env},
          {"cwd", a.cwd},
          {"preload_vgpu", a.preload_vgpu},
          {"run_as", run_as},
          {"limits",
           {{"memory_bytes", a.limits.memory_bytes},
            {"cpu_milli", a.limits.cpu_milli},
            {"pids", a.limits.pids}}}};
}

Assignment assignment_from_json(const nlohmann::json& j) {
  Assignment a;
  a.task = j.at("task").get<int64_t>();
  a.argv = j.at("argv").get<std::vector<std::string>>();
  for (const nlohmann::json& pair : j.at("env")) {
    a.env.emplace_back(pair.at(0).get<std::string>(), pair.at(1).get<std::string>());
  }
  a.cwd = j.at("cwd").get<std::string>();
  a.preload_vgpu = j.at("preload_vgpu").get<bool>();
  if (const nlohmann::json& who = j.at("run_as"); !who.is_null()) {
    a.run_as = RunAs{who.at("uid").get<uid_t>(), who.at("gid").get<gid_t>()};
  }
  const nlohmann::json& limits = j.at("limits");
  a.limits.memory_bytes = limits.at("memory_bytes").get<int64_t>();
  a.limits.cpu_milli = limits.at("cpu_milli").get<int64_t>();
  a.limits.pids = limits.at("pids").get<int64_t>();
  return a;
}

// Runs `read` on the parsed `body`; a JSON or shape error becomes kInvalidArgument naming `what`.
template <typename Read>
Status parse_answer(const std::string& body, const char* what, Read read) {
  try {
    read(nlohmann::json::parse(body));
    return Status::ok();
  } catch (const nlohmann::json::exception& e) {
    return Status::invalid_argument(std::string("malformed ") + what + " answer: " + e.what());
  }
}

}  // namespace

nlohmann::json to_json(const RegisterRequest& request) {
  nlohmann::json devices = nlohmann::json::array();
  for (const GpuDevice& d : request.devices) devices.push_back(device_to_json(d));
  return {{"name", request.name}, {"devices", devices}, {"cpu_milli", request.cpu_milli}};
}

nlohmann::json to_json(const RegisterReply& reply) {
  return {{"agent_id", reply.agent_id},
          {"epoch", reply.epoch},
          {"node_timeout_ms", reply.node_timeout_ms}};
}

nlohmann::json to_json(const TaskExitReport& r) {
  return {{"task", r.task},
          {"started", r.started},
          {"exit_code", r.exit_code},
          {"signal", r.signal},
          {"detail", r.detail},
          {"cpu_ns", r.usage.cpu_ns},
          {"peak_memory_bytes", r.usage.peak_memory_bytes},
          {"oom_kills", r.usage.oom_kills}};
}

const char* log_stream_name(LogStream stream) {
  return stream == LogStream::kStdout ? "stdout" : "stderr";
}

nlohmann::json to_json(const LogChunk& chunk) {
  return {{"task", chunk.task},
          {"stream", log_stream_name(chunk.stream)},
          {"offset", chunk.offset},
          {"data", base64_encode(chunk.data)}};
}

nlohmann::json to_json(const SyncRequest& request) {
  nlohmann::json finished = nlohmann::json::array();
  for (const TaskExitReport& r : request.finished) finished.push_back(to_json(r));
  nlohmann::json logs = nlohmann::json::array();
  for (const LogChunk& chunk : request.logs) logs.push_back(to_json(chunk));
  return {{"agent_id", request.agent_id}, {"epoch", request.epoch},
          {"running", request.running},   {"logs", logs},
          {"finished", finished},         {"wait_ms", request.wait_ms}};
}

nlohmann::json to_json(const SyncReply& reply) {
  nlohmann::json start = nlohmann::json::array();
  for (const Assignment& a : reply.start) start.push_back(assignment_to_json(a));
  nlohmann::json stop = nlohmann::json::array();
  for (const StopOrder& s : reply.stop)
    stop.push_back({{"task", s.task}, {"grace_ms", s.grace_ms}});
  return {{"start", start}, {"stop", stop}};
}

Status read_join_token(const std::string& path, std::string* token) {
  std::string text;
  if (Status s = read_secret_file(path, &text); !s.is_ok()) {
    return Status::failed_precondition("--join-token-file: " + s.message());
  }
  *token = text.substr(0, text.find('\n'));
  while (!token->empty() && std::isspace(static_cast<unsigned char>(token->back()))) {
    token->pop_back();
  }
  if (token->size() < kMinJoinTokenBytes) {
    return Status::invalid_argument("--join-token-file " + path + ": the token must be at least " +
                                    std::to_string(kMinJoinTokenBytes) + " characters");
  }
  return Status::ok();
}

Status parse_register_reply(const std::string& body, RegisterReply* out) {
  return parse_answer(body, "register", [out](const nlohmann::json& j) {
    out->agent_id = j.at("agent_id").get<int64_t>();
    out->epoch = j.at("epoch").get<int64_t>();
    out->node_timeout_ms = j.at("node_timeout_ms").get<int64_t>();
  });
}

Status parse_sync_reply(const std::string& body, SyncReply* out) {
  return parse_answer(body, "sync", [out](const nlohmann::json& j) {
    out->start.clear();
    out->stop.clear();
    for (const nlohmann::json& a : j.at("start")) out->start.push_back(assignment_from_json(a));
    for (const nlohmann::json& s : j.at("stop")) {
      out->stop.push_back({s.at("task").get<int64_t>(), s.at("grace_ms").get<int64_t>()});
    }
  });
}

}  // namespace fastgpu
