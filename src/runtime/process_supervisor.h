#pragma once
// Keeping track of task processes: launch or re-adopt them, terminate their process groups with
// a grace period, and learn when and how they end.

#include <sys/types.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/status.h"
#include "runtime/process_identity.h"
#include "runtime/process_launcher.h"

namespace fastgpu {

/// How a supervised process ended.
struct ProcessExit {
  ProcessIdentity identity;
  /// False for an adopted process (not our child) without an exit record: its end is seen, its
  /// exit status is not.
  bool status_known = false;
  int exit_code = -1;                              // the code when it exited normally, else -1
  int signal = 0;                                  // the signal that killed it, else 0
  std::chrono::system_clock::time_point ended_at;  // when poll_exits() saw the end
};

/// "exited with code 3", "killed by signal 9 (SIGKILL)" or "ended (exit status unknown: ...)".
std::string describe_exit(const ProcessExit& exit);

/// The set of task processes of one daemon. Every process it holds leads its own process group
/// (pgid == pid), as launch_process makes them. When a process ends, whatever is left in its
/// group (background grandchildren) is killed, so a task leaves nothing running behind it.
///
/// Ends are found by poll_exits(), which the owner calls often (every few milliseconds, or on
/// SIGCHLD); it reaps only the children it holds, never other children of the daemon. Deleting
/// the supervisor leaves the processes running (a restarted daemon re-adopts them).
/// Thread-safe.
class ProcessSupervisor {
 public:
  /// Starts `spec` (see launch_process) and holds the new process.
  Status launch(const LaunchSpec& spec, LaunchedProcess* out);

  /// Holds a child this daemon started with launch_process (e.g. on a LaunchWorker) and has not
  /// reaped: its end will be reported by poll_exits() with its exit status.
  void hold_child(const ProcessIdentity& identity);

  /// Holds a process started earlier, e.g. by the daemon before a restart. kNotFound when no
  /// process with that identity lives any more (the caller then marks its task lost). When it
  /// is not our child, its end is detected by its identity vanishing; its exit status is then
  /// read from `exit_record` (exit_record.h: a guard launched with LaunchSpec::exit_record_path
  /// writes it), and unknown when that names no complete record. Adopting a process already
  /// held does nothing. kInvalidArgument when the process does not lead its own process group
  /// (terminate() signals groups).
  Status adopt(const ProcessIdentity& identity, std::string exit_record = "");

  /// Sends SIGTERM (then SIGCONT, to wake a stopped group) to the process group `pgid` of a
  /// held process, and SIGKILL to the group in the first poll_exits() at or after `grace` if the
  /// process has not ended by then. A grace of zero kills at once. kNotFound when `pgid` is not
  /// a held process; OK (nothing sent) when it has already ended and awaits poll_exits().
  Status terminate(pid_t pgid, std::chrono::milliseconds grace);

  /// Returns the held processes that ended since the last call (each reported once, then no
  /// longer held), after sending any SIGKILL whose grace has run out. Never blocks.
  /// Cost: children that ended are found by asking the kernel for any ended child, so a call
  /// costs one waitid() plus a few system calls per ended child (to reap it and its group), one
  /// /proc read per adopted process and one step per pending SIGKILL, whatever the number of
  /// running children. Each held child is looked at one by one only when an ended child that is not
  /// held waits to be reaped by someone else, and once a second, which finds a held child that was
  /// reaped elsewhere.
  std::vector<ProcessExit> poll_exits();

  /// Number of processes held.
  size_t size() const;

 private:
  struct Held {
    ProcessIdentity identity;
    bool child = false;       // ours to reap; else adopted
    std::string exit_record;  // of an adopted process: where its guard writes how it ended
    std::optional<std::chrono::steady_clock::time_point> kill_at;
  };
  static bool has_ended(const Held& held, ProcessExit* exit);
  static bool child_has_ended(const Held& held, ProcessExit* exit);
  static bool adopted_has_ended(const Held& held, ProcessExit* exit);

  // The parts of poll_exits(), with mu_ held. Each moves what ended into *exits.
  bool collect_ended_children(std::vector<ProcessExit>* exits);  // false: look at each one
  void collect_ended(const std::vector<pid_t>& pids, std::vector<ProcessExit>* exits);
  void send_due_kills(std::chrono::steady_clock::time_point now);
  void forget(pid_t pid);

  mutable std::mutex mu_;
  // Guarded by mu_:
  std::unordered_map<pid_t, Held> held_;  // by pid
  std::unordered_set<pid_t> adopted_;     // held pids that are not our children
  std::unordered_set<pid_t> kill_due_;    // held pids with a kill_at
  std::chrono::steady_clock::time_point next_full_scan_{};
};

}  // namespace fastgpu
