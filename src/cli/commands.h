#pragma once
// Sub-commands of the `fastgpu` program; each registers its flags and its action.

#include <CLI/CLI.hpp>

namespace fastgpu::cli {

/// `fastgpu sim pack ...`
void add_sim_pack_command(CLI::App& sim);
/// `fastgpu sim replay ...`
void add_sim_replay_command(CLI::App& sim);

}  // namespace fastgpu::cli
