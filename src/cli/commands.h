#pragma once
// Sub-commands of the `fastgpu` program; each registers its flags and its action.

#include <CLI/CLI.hpp>

namespace fastgpu::cli {

/// `fastgpu sim pack ...`
void add_sim_pack_command(CLI::App& sim);
/// `fastgpu sim replay ...`
void add_sim_replay_command(CLI::App& sim);
/// `fastgpu submit | ps | show | logs | cancel | wait`, against fastgpud.
void add_task_commands(CLI::App& app);
/// `fastgpu vgpu create | ls | rm`, `fastgpu gpus` and `fastgpu nodes`, against fastgpud.
void add_vgpu_commands(CLI::App& app);
/// `fastgpu scale log | cost`: the live autoscaler's decisions and its cost account.
void add_scale_commands(CLI::App& app);
/// `fastgpu usage`: GPU time, task ends and cost per user and project.
void add_usage_command(CLI::App& app);
/// `fastgpu top`, a live view of fastgpud's GPUs and tasks.
void add_top_command(CLI::App& app);

}  // namespace fastgpu::cli
