#include "runtime/process_supervisor.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/exit_record.h"

namespace fastgpu {
namespace {

using std::chrono::steady_clock;
using std::chrono::system_clock;

// waitid(which, pid, WEXITED | WNOHANG | WNOWAIT): looks at ended children without reaping
// them. False when there is no such child of ours; else info->si_pid is 0 while none has ended,
// or the pid of one that has.
bool peek_ended(idtype_t which, pid_t pid, siginfo_t* info) {
  *info = siginfo_t{};
  int rc;
  do {
    rc = ::waitid(which, pid, info, WEXITED | WNOHANG | WNOWAIT);
  } while (rc < 0 && errno == EINTR);
  return rc == 0;
}

// Looks at child `pid` without reaping it: false when it is not our child (or was reaped);
// else info->si_pid is 0 while it runs and `pid` once it has exited.
bool peek_child(pid_t pid, siginfo_t* info) { return peek_ended(P_PID, pid, info); }

// Any child of this process (of any of its threads) that has exited and is not reaped yet,
// without reaping it; 0 when there is none.
pid_t peek_any_ended_child() {
  siginfo_t info;
  return peek_ended(P_ALL, 0, &info) ? info.si_pid : 0;
}

// How often poll_exits() looks at every held child however quiet the fast path is: it finds a
// held child that was reaped elsewhere (the fast path cannot see it).
constexpr std::chrono::seconds kFullScanInterval{1};

// Reaps `pid`, known to have exited, and returns its wait status.
int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// Signals the process group led by `pid`. Safe only while the pid cannot name another group:
// while the leader lives or is an unreaped zombie, or (see kill_adopted_leftovers) no process
// with that pid exists.
void signal_group(pid_t pid, int sig) {
  if (pid > 1) ::kill(-pid, sig);
}

// Kills what is left of the group of an adopted leader that has ended. The group id is still
// the old group's while the old leader's zombie or a member exists; once no process has that
// pid, only old members can be in a group of that id. A live process with that pid but another
// start time means the pid was reused: its group is not ours.
void kill_adopted_leftovers(const ProcessIdentity& id) {
  uint64_t start_time = 0;
  const Status s = read_process_start_time(id.pid, &start_time);
  if (s.code() == Status::Code::kNotFound || (s.is_ok() && start_time == id.start_time)) {
    signal_group(id.pid, SIGKILL);
  }
}

}  // namespace

std::string describe_exit(const ProcessExit& exit) {
  if (!exit.status_known) {
    return "ended while unwatched (exit status unknown: it was adopted after a restart and left "
           "no exit record)";
  }
  if (exit.signal != 0) {
    const char* abbrev = sigabbrev_np(exit.signal);
    return "killed by signal " + std::to_string(exit.signal) + " (SIG" + (abbrev ? abbrev : "?") +
           ")";
  }
  return "exited with code " + std::to_string(exit.exit_code);
}

Status ProcessSupervisor::launch(const LaunchSpec& spec, LaunchedProcess* out) {
  if (Status s = launch_process(spec, out); !s.is_ok()) return s;
  hold_child(out->identity);
  return Status::ok();
}

void ProcessSupervisor::hold_child(const ProcessIdentity& identity) {
  std::lock_guard lock(mu_);
  forget(identity.pid);
  held_.emplace(identity.pid, Held{identity, /*child=*/true, {}, std::nullopt});
}

Status ProcessSupervisor::adopt(const ProcessIdentity& identity, std::string exit_record) {
  if (!is_same_process(identity)) {
    return Status::not_found("process " + std::to_string(identity.pid) + " started at tick " +
                             std::to_string(identity.start_time) + " no longer runs");
  }
  if (::getpgid(identity.pid) != identity.pid) {
    return Status::invalid_argument("process " + std::to_string(identity.pid) +
                                    " does not lead its own process group, as every process "
                                    "launch_process starts does");
  }
  std::lock_guard lock(mu_);
  siginfo_t info;
  const bool child = peek_child(identity.pid, &info);
  if (held_.try_emplace(identity.pid, Held{identity, child, std::move(exit_record), std::nullopt})
          .second &&
      !child) {
    adopted_.insert(identity.pid);
  }
  return Status::ok();
}

Status ProcessSupervisor::terminate(pid_t pgid, std::chrono::milliseconds grace) {
  std::lock_guard lock(mu_);
  auto it = held_.find(pgid);
  if (it == held_.end()) {
    return Status::not_found("no supervised process group " + std::to_string(pgid));
  }
  Held& held = it->second;
  // A held child is unreaped, so its pid still names its group; an adopted one must be checked.
  if (!held.child && !is_same_process(held.identity)) return Status::ok();
  if (grace.count() <= 0) {
    signal_group(pgid, SIGKILL);
    return Status::ok();
  }
  signal_group(pgid, SIGTERM);
  signal_group(pgid, SIGCONT);
  const auto deadline = steady_clock::now() + grace;
  if (!held.kill_at || deadline < *held.kill_at) held.kill_at = deadline;
  kill_due_.insert(pgid);
  return Status::ok();
}

bool ProcessSupervisor::child_has_ended(const Held& held, ProcessExit* exit) {
  const pid_t pid = held.identity.pid;
  siginfo_t info;
  if (!peek_child(pid, &info)) return true;  // reaped by someone else: status unknown
  if (info.si_pid == 0) return false;        // still running
  signal_group(pid, SIGKILL);                // the unreaped leader still holds the group id
  const int status = reap(pid);
  exit->status_known = true;
  if (WIFEXITED(status)) exit->exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) exit->signal = WTERMSIG(status);
  return true;
}

bool ProcessSupervisor::adopted_has_ended(const Held& held, ProcessExit* exit) {
  if (is_same_process(held.identity)) return false;
  kill_adopted_leftovers(held.identity);
  ExitRecord record;
  if (!held.exit_record.empty() && read_exit_record(held.exit_record, &record)) {
    exit->status_known = true;
    exit->exit_code = record.exit_code;
    exit->signal = record.signal;
  }
  return true;
}

bool ProcessSupervisor::has_ended(const Held& held, ProcessExit* exit) {
  *exit = ProcessExit{};
  exit->identity = held.identity;
  const bool ended = held.child ? child_has_ended(held, exit) : adopted_has_ended(held, exit);
  if (ended) exit->ended_at = system_clock::now();
  return ended;
}

std::vector<ProcessExit> ProcessSupervisor::poll_exits() {
  std::vector<ProcessExit> exits;
  const auto now = steady_clock::now();
  std::lock_guard lock(mu_);
  if (!collect_ended_children(&exits) || now >= next_full_scan_) {
    std::vector<pid_t> every;
    every.reserve(held_.size());
    for (const auto& [pid, held] : held_) every.push_back(pid);
    collect_ended(every, &exits);
    next_full_scan_ = now + kFullScanInterval;
  } else {
    collect_ended(std::vector<pid_t>(adopted_.begin(), adopted_.end()), &exits);
  }
  send_due_kills(now);
  return exits;
}

bool ProcessSupervisor::collect_ended_children(std::vector<ProcessExit>* exits) {
  for (pid_t pid; (pid = peek_any_ended_child()) > 0;) {
    auto it = held_.find(pid);
    if (it == held_.end() || !it->second.child) return false;  // not ours to reap
    ProcessExit exit;
    if (!has_ended(it->second, &exit)) return false;
    exits->push_back(exit);
    forget(pid);
  }
  return true;
}

void ProcessSupervisor::collect_ended(const std::vector<pid_t>& pids,
                                      std::vector<ProcessExit>* exits) {
  for (pid_t pid : pids) {
    ProcessExit exit;
    if (has_ended(held_.at(pid), &exit)) {
      exits->push_back(exit);
      forget(pid);
    }
  }
}

void ProcessSupervisor::send_due_kills(steady_clock::time_point now) {
  for (auto it = kill_due_.begin(); it != kill_due_.end();) {
    Held& held = held_.at(*it);
    if (now < *held.kill_at) {
      ++it;
      continue;
    }
    // A held child is unreaped, so its pid still names its group; an adopted one must be checked.
    if (held.child || is_same_process(held.identity)) signal_group(*it, SIGKILL);
    held.kill_at.reset();
    it = kill_due_.erase(it);
  }
}

void ProcessSupervisor::forget(pid_t pid) {
  held_.erase(pid);
  adopted_.erase(pid);
  kill_due_.erase(pid);
}

size_t ProcessSupervisor::size() const {
  std::lock_guard lock(mu_);
  return held_.size();
}

}  // namespace fastgpu
