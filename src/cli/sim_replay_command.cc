// `fastgpu sim replay`: event-driven replay of a trace with its arrival and departure times.

#include "cli/commands.h"

namespace fastgpu::cli {

void add_sim_replay_command(CLI::App& sim) {
  sim.add_subcommand("replay", "Replay a trace with arrivals, departures and a queue");
}

}  // namespace fastgpu::cli
