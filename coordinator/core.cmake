# cog_coord: scheduler, launchers, experiment config, ingest and decisions; cogcoord its
# command-line adapter. Torch-free: links the wire, store, policy and http libraries only.
find_package(Boost 1.74 REQUIRED)
find_package(Threads REQUIRED)
add_library(cog_coord
  coordinator.cpp
  coordinator_ingest.cpp
  experiment/experiment_config.cpp
  job_lifecycle.cpp
  launch/launcher.cpp
  launch/local_launcher.cpp
  launch/process_group.cpp
  state_dir.cpp
  status_view.cpp
  worker_log.cpp
)
target_link_libraries(cog_coord PUBLIC cog_common cog_wire cog_store cog_policy cog_http
                      nlohmann_json::nlohmann_json Boost::boost Threads::Threads)

add_executable(cogcoord main.cpp)
target_link_libraries(cogcoord PRIVATE cog_coord CLI11::CLI11)
