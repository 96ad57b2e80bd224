#include "coordinator/serve.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "coordinator/http/http_server.hpp"
#include "coordinator/http/rest_handler.hpp"
#include "coordinator/store/store.hpp"

namespace cog::coord {

int serveStateDir(const std::filesystem::path& state_dir, const std::string& listen, bool allow_public,
                  std::ostream& out, const SavedSweeps& sweeps) {
  requireLoopbackUnlessPublic(listen, allow_public);
  const StateDir state{state_dir};
  Store store(state.database(), StoreAccess::kReader);
  RestHandler rest(store);
  if (sweeps) rest.setSweeps([&] { return sweeps(state, store); });
  boost::asio::io_context io;
  HttpServer http(io, listen, rest);
  http.start();
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) http.stop();
  });
  out << "serving http://" << parseListenAddress(listen).address().to_string() << ":" << http.port() << "/ ("
      << state.database().string() << ", read-only; Ctrl-C stops)" << std::endl;
  io.run();
  return 0;
}

}  // namespace cog::coord
