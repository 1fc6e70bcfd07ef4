#include "server/daemon_options.h"

#include <charconv>
#include <cstdlib>

#include "sched/policy_registry.h"
#include "server/api/quantity.h"

namespace fastgpu {

namespace {

void add_autoscale_flags(CLI::App& app, DaemonOptions* o) {
  app.add_option("--autoscale", o->autoscale,
                 "node-types.toml: run the live autoscaler with this catalog");
  app.add_option("--provider", o->provider, "where autoscaled nodes come from: local or exec")
      ->check(CLI::IsMember({"local", "exec"}))
      ->capture_default_str();
  app.add_option("--provider-exec-dir", o->provider_exec_dir,
                 "directory holding the exec provider's scale-up and scale-down scripts");
  app.add_option("--spot-interruption-rate", o->spot_interruption_rate,
                 "local provider: simulate reclaims of spot nodes, this many per node-hour on "
                 "average (0: none)")
      ->check(CLI::Range(0.0, 36'000.0));
  app.add_option("--autoscale-period", o->autoscale_period_s, "seconds between autoscaler passes")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  app.add_option("--cooldown", o->cooldown_s,
                 "seconds an autoscaled node may idle before removal (default: the catalog's)")
      ->check(CLI::Range(int64_t{0}, int64_t{86'400 * 30}));
  app.add_option("--min-nodes", o->min_nodes, "fewest autoscaled nodes (default: the catalog's)")
      ->check(CLI::Range(int64_t{0}, int64_t{100'000}));
  app.add_option("--max-nodes", o->max_nodes, "most autoscaled nodes (default: the catalog's)")
      ->check(CLI::Range(int64_t{0}, int64_t{100'000}));
  app.add_option("--budget", o->budget,
                 "cap on the autoscaled nodes' price, dollars per hour; 0: none (default: the "
                 "catalog's)")
      ->check(CLI::Range(0.0, 1e9));
}

}  // namespace

void add_daemon_flags(CLI::App& app, DaemonOptions* o) {
  app.add_option("--listen", o->listen, "HOST:PORT to serve on (non-loopback needs tokens)")
      ->capture_default_str();
  app.add_option("--data-dir", o->data_dir,
                 "state directory (default $XDG_DATA_HOME/fastgpu or ~/.local/share/fastgpu)");
  app.add_option("--store", o->store,
                 "state store: a SQLite file, or postgresql://USER@HOST:PORT/DB?passfile=FILE "
                 "(default DATA_DIR/fastgpu.db; the password in FILE or $PGPASSFILE, never here)");
  app.add_option("--tls-cert", o->tls_cert,
                 "PEM certificate (chain) to serve https:// with (needs --tls-key)");
  app.add_option("--tls-key", o->tls_key, "the certificate's private key (mode 0600)");
  app.add_flag("--insecure-http", o->insecure_http,
               "serve plain http:// off loopback (tokens then cross the network in clear)");
  app.add_flag("--start-fresh", o->start_fresh,
               "start with no state although the SQLite database is empty or gone");
  app.add_option("--simulate-gpus", o->simulate_gpus,
                 "simulated inventory, e.g. 8xA100-80GB or 1x40tflops");
  app.add_option("--simulated-gpu-nodes", o->simulated_gpu_nodes,
                 "PREFIX: simulated GPU i's device node is PREFIX<i>, fenced from other tasks as "
                 "a real GPU's is (for tests)");
  app.add_option("--policy", o->policy, "placement policy")->capture_default_str();
  app.add_option("--tokens-file", o->tokens_file, "bearer tokens: lines of TOKEN USER [admin]");
  app.add_option("--allowed-hosts", o->allowed_hosts,
                 "host names clients may reach this daemon by (comma-separated; besides IP "
                 "addresses, localhost and this machine's name; * for any)")
      ->delimiter(',');
  app.add_option("--ready-file", o->ready_file, "file to write the bound port to once serving");
  app.add_option("--http-threads", o->http_threads,
                 "most users' requests served at once (a thread each, started as needed; "
                 "/healthz and agents have threads of their own)")
      ->check(CLI::Range(4, 65536))
      ->capture_default_str();
  app.add_option("--agent-threads", o->agent_threads,
                 "most agent syncs and /healthz requests served at once (a thread each, started "
                 "as needed): every agent long-polls, so at least the number of agents")
      ->check(CLI::Range(4, 65536))
      ->capture_default_str();
  app.add_option("--max-connections", o->max_connections,
                 "client connections open at once; past it new ones are refused (503)")
      ->check(CLI::Range(int64_t{16}, int64_t{1} << 20))
      ->capture_default_str();
  app.add_option("--max-connections-per-peer", o->max_connections_per_peer,
                 "connections one IP address may hold open at once; past it its new ones are "
                 "refused (503)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
  app.add_option("--request-deadline", o->request_deadline,
                 "seconds a connection has to send a whole request (headers and body) once it "
                 "is open or its last answer is sent; past it, 408 and closed")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  app.add_option("--max-long-polls", o->max_long_polls,
                 "task and vGPU waits and log follows held at once; more get 429")
      ->check(CLI::Range(int64_t{1}, int64_t{60000}))
      ->capture_default_str();
  app.add_option("--max-long-polls-per-user", o->max_long_polls_per_user,
                 "long-polls one user may hold at once (with tokens)")
      ->check(CLI::Range(int64_t{1}, int64_t{60000}))
      ->capture_default_str();
  app.add_option("--launch-threads", o->launch_threads,
                 "threads starting task processes (log files, spawn) side by side")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--vgpu-driver", o->vgpu_driver,
                 "the CUDA driver library the vGPU library wraps in tasks (default libcuda.so.1)");
  app.add_option("--task-uids", o->task_uids,
                 "FIRST-LAST: the uids users' tasks run as when fastgpud runs as root")
      ->capture_default_str();
  app.add_flag("--allow-root-tasks", o->allow_root_tasks,
               "let a tokens file give a user run-as=root (otherwise refused)");
  app.add_option("--default-task-memory", o->default_task_memory,
                 "memory limit of a task that asks none, e.g. 4GiB")
      ->capture_default_str();
  app.add_option("--task-pids", o->task_pids, "processes and threads one task may hold at once")
      ->check(CLI::Range(int64_t{16}, int64_t{1} << 22))
      ->capture_default_str();
  app.add_flag("--allow-unenforced", o->allow_unenforced,
               "run fractional tasks even when the vGPU library is missing (they are not held "
               "to their slice; the API shows them with \"enforce\": false)");
  app.add_option("--task-log-cap", o->task_log_cap,
                 "most bytes of stdout (and of stderr) a task may leave; past it the task is "
                 "killed and its log cut, with a note (0: no cap)")
      ->capture_default_str();
  app.add_option("--min-free-disk", o->min_free_disk,
                 "free space the data dir's disk keeps: below it no task starts (0: no floor)")
      ->capture_default_str();
  app.add_option("--kill-grace-ms", o->kill_grace_ms, "SIGTERM -> SIGKILL grace")
      ->check(CLI::Range(int64_t{0}, int64_t{600'000}))
      ->capture_default_str();
  app.add_option("--backfill-patience-ms", o->backfill_patience_ms,
                 "how long a queue head may be passed over by smaller tasks")
      ->check(CLI::Range(int64_t{0}, int64_t{86'400'000}))
      ->capture_default_str();
  app.add_option("--aging-ms", o->aging_ms,
                 "a task waiting this long goes before every task that has not, whatever its "
                 "priority or project, so none starves (0: tasks never age)")
      ->check(CLI::Range(int64_t{0}, int64_t{30} * 86'400'000))
      ->capture_default_str();
  app.add_option("--accounts", o->accounts_file,
                 "TOML file of projects: fair-share weights, quotas and their users (see "
                 "docs/API.md); without it every user is in one project");
  app.add_option("--join-token-file", o->join_token_file,
                 "file holding the token fastgpu-agent must present (required off loopback)");
  app.add_option("--node-timeout", o->node_timeout_s,
                 "seconds without an agent heartbeat before its node is not ready")
      ->check(CLI::Range(0.2, 3600.0))
      ->capture_default_str();
  add_autoscale_flags(app, o);
}

Status check_autoscale_flags(const DaemonOptions& o) {
  const bool limits = o.cooldown_s || o.min_nodes || o.max_nodes || o.budget;
  if (o.autoscale.empty()) {
    if (o.provider != "local" || !o.provider_exec_dir.empty() || limits ||
        o.spot_interruption_rate > 0) {
      return Status::invalid_argument(
          "--provider, --provider-exec-dir, --spot-interruption-rate, --cooldown, --min-nodes, "
          "--max-nodes and --budget need --autoscale CATALOG");
    }
    return Status::ok();
  }
  if (o.provider == "exec" && o.provider_exec_dir.empty()) {
    return Status::invalid_argument("--provider exec needs --provider-exec-dir DIR");
  }
  if (o.provider != "exec" && !o.provider_exec_dir.empty()) {
    return Status::invalid_argument("--provider-exec-dir is for --provider exec");
  }
  if (o.provider != "local" && o.spot_interruption_rate > 0) {
    return Status::invalid_argument(
        "--spot-interruption-rate is for --provider local (an exec provider's "
        "'interruptions' script reports real ones)");
  }
  if (o.min_nodes && o.max_nodes && *o.min_nodes > *o.max_nodes) {
    return Status::invalid_argument("--min-nodes " + std::to_string(*o.min_nodes) +
                                    " exceeds --max-nodes " + std::to_string(*o.max_nodes));
  }
  return Status::ok();
}

Status parse_size_flag(const std::string& flag, const std::string& text, int64_t* bytes) {
  std::string problem;
  const std::optional<int64_t> parsed = parse_memory_bytes(nlohmann::json(text), &problem);
  if (!parsed) return Status::invalid_argument(flag + " \"" + text + "\": " + problem);
  *bytes = *parsed;
  return Status::ok();
}

std::string default_data_dir() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  if (xdg && xdg[0] == '/') return std::string(xdg) + "/fastgpu";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.local/share/fastgpu";
}

Status split_listen_address(const std::string& listen, std::string* host, int* port) {
  const size_t colon = listen.rfind(':');
  const Status bad = Status::invalid_argument("--listen '" + listen + "': expected HOST:PORT");
  if (colon == std::string::npos || colon == 0) return bad;
  *host = listen.substr(0, colon);
  if (host->front() == '[' && host->back() == ']') *host = host->substr(1, host->size() - 2);
  const std::string text = listen.substr(colon + 1);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *port);
  if (ec != std::errc() || end != text.data() + text.size() || *port < 0 || *port > 65535) {
    return bad;
  }
  return Status::ok();
}

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

}  // namespace fastgpu
