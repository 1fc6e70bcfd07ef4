// The `fastgpu` command.

#include <CLI/CLI.hpp>

#include "cli/client_flags.h"
#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"fastgpu: one elastic pool of isolated virtual GPUs"};
  app.require_subcommand(1);
  fastgpu::cli::add_root_client_flags(app);
  CLI::App* sim = app.add_subcommand("sim", "Drive the scheduler with public traces");
  sim->require_subcommand(1);
  fastgpu::cli::add_sim_pack_command(*sim);
  fastgpu::cli::add_sim_replay_command(*sim);
  fastgpu::cli::add_task_commands(app);
  fastgpu::cli::add_vgpu_commands(app);
  fastgpu::cli::add_top_command(app);
  fastgpu::cli::add_scale_commands(app);
  fastgpu::cli::add_usage_command(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
