// `fastgpu scale log | cost`: what fastgpud's live autoscaler decided, and what its nodes cost.

#include "cli/client_flags.h"
#include "cli/client_tables.h"
#include "cli/commands.h"

namespace fastgpu::cli {

void add_scale_commands(CLI::App& app) {
  CLI::App* scale = app.add_subcommand("scale", "The live autoscaler: log, cost");
  scale->require_subcommand(1);
  add_listing(*scale, "log", "The autoscaler's decisions with their reasons", "/v1/scale/log",
              print_scale_log);
  add_listing(*scale, "cost", "Node-seconds and cost of the autoscaled nodes, per type",
              "/v1/scale/cost", print_scale_cost);
}

}  // namespace fastgpu::cli
