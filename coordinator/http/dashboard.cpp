#include "coordinator/http/dashboard.hpp"

#include "coordinator/http/dashboard_assets.hpp"

namespace cog::coord {

HttpResponse dashboardAsset(const std::string& name) {
  std::string names;
  for (const auto& asset : dashboardAssets()) {
    if (name == asset.name) {
      HttpResponse r;
      r.content_type = std::string(asset.content_type) + "; charset=utf-8";  // every asset is text
      r.body.assign(reinterpret_cast<const char*>(asset.data), asset.size);
      // The files change only with the binary: a browser may keep them for an hour.
      r.headers.emplace_back("Cache-Control", "max-age=3600");
      return r;
    }
    names += std::string(names.empty() ? "" : ", ") + asset.name;
  }
  throw HttpError(HttpErrorKind::kNotFound, "no dashboard file '" + name + "'; there are " + names);
}

}  // namespace cog::coord
