# The REST server under load (our stand-in for wrk): include(http_load.cmake) from
# bench/CMakeLists.txt. Torch-free, so it builds in seconds.
find_package(Threads REQUIRED)
add_executable(http_load_bench ${CMAKE_CURRENT_LIST_DIR}/http_load.cpp)
target_link_libraries(http_load_bench PRIVATE cog_http cog_store CLI11::CLI11 Threads::Threads)
