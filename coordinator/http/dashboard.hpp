#pragma once
// GET / and /static/<file>: the dashboard (coordinator/http/dashboard/: a page, its script and
// style) and the plotting library it draws with (Debian's libjs-dygraphs), all compiled into
// the binary at build time, so the page works with no internet and no files to install.
#include <string>

#include "coordinator/http/http_response.hpp"

namespace cog::coord {

// The asset `name`, or HttpError not_found naming the files there are.
HttpResponse dashboardAsset(const std::string& name);

}  // namespace cog::coord
