# `fastgpu sim pack` and `fastgpu sim replay` must refuse bad flags and missing files with a
# non-zero exit status and a message naming the flag or the file.
# Usage: cmake -DFASTGPU=<fastgpu binary> -DDATA=<tests/data> -P sim_errors.cmake

cmake_minimum_required(VERSION 3.25)

foreach(var FASTGPU DATA)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "sim_errors.cmake: pass -D${var}=...")
  endif()
endforeach()

set(nodes "${DATA}/golden_nodes.csv")
set(pods "${DATA}/golden_pods.csv")

# Runs `fastgpu sim <command> <args...>` and fails unless it exits non-zero and its stderr
# contains `needle`.
function(expect_failure command needle)
  execute_process(
    COMMAND "${FASTGPU}" sim ${command} ${ARGN} --format csv
    RESULT_VARIABLE rc
    OUTPUT_VARIABLE out
    ERROR_VARIABLE err)
  if(rc EQUAL 0)
    message(FATAL_ERROR "sim ${command} ${ARGN}: exited 0, expected a failure naming '${needle}'")
  endif()
  string(FIND "${err}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "sim ${command} ${ARGN}: exited ${rc}, but stderr does not name "
                        "'${needle}':\n${err}")
  endif()
endfunction()

expect_failure(pack "--seeds" --nodes "${nodes}" --pods "${pods}" --seeds x)
expect_failure(pack "--policy" --nodes "${nodes}" --pods "${pods}" --policy nope)
expect_failure(pack "nope" --nodes "${nodes}" --pods "${pods}" --policy nope)
expect_failure(pack "missing.csv" --nodes "${nodes}" --pods "${DATA}/missing.csv")
expect_failure(pack "missing_nodes.csv" --nodes "${DATA}/missing_nodes.csv" --pods "${pods}")
expect_failure(pack "--inflate" --nodes "${nodes}" --pods "${pods}" --inflate 0)
expect_failure(pack "--format" --nodes "${nodes}" --pods "${pods}" --format xml)

expect_failure(replay "--seed" --nodes "${nodes}" --pods "${pods}" --seed x)
expect_failure(replay "--interval" --nodes "${nodes}" --pods "${pods}" --interval 0)
expect_failure(replay "--policy" --nodes "${nodes}" --pods "${pods}" --policy nope)
expect_failure(replay "missing.csv" --nodes "${nodes}" --pods "${DATA}/missing.csv")
expect_failure(replay "11-column" --nodes "${nodes}" --pods "${DATA}/golden_pods_5col.csv")

set(types "${DATA}/golden_node_types.toml")
expect_failure(replay "missing_types.toml" --nodes "${nodes}" --pods "${pods}"
               --autoscale "${DATA}/missing_types.toml")
expect_failure(replay "golden_pods.csv" --nodes "${nodes}" --pods "${pods}" --autoscale "${pods}")
expect_failure(replay "--autoscale-period" --nodes "${nodes}" --pods "${pods}" --autoscale "${types}"
               --autoscale-period 0)
expect_failure(replay "--cooldown" --nodes "${nodes}" --pods "${pods}" --autoscale "${types}"
               --cooldown -1)
expect_failure(replay "--min-nodes" --nodes "${nodes}" --pods "${pods}" --autoscale "${types}"
               --min-nodes 9)
expect_failure(replay "--max-nodes" --nodes "${nodes}" --pods "${pods}" --autoscale "${types}"
               --max-nodes 0)
expect_failure(replay "--budget" --nodes "${nodes}" --pods "${pods}" --autoscale "${types}"
               --budget free)
expect_failure(replay "need --autoscale" --nodes "${nodes}" --pods "${pods}" --cooldown 5)
expect_failure(replay "one policy" --nodes "${nodes}" --pods "${pods}" --autoscale "${types}"
               --policy random,fgd)
