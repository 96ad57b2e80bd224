#pragma once
// The dashboard's files, compiled into the binary (embed_assets.cmake generates the table).
#include <cstddef>
#include <vector>

namespace cog::coord {

struct DashboardAsset {
  const char* name;          // "index.html", "dygraph.min.js", ...
  const char* content_type;
  const unsigned char* data;
  size_t size;
};

const std::vector<DashboardAsset>& dashboardAssets();

}  // namespace cog::coord
