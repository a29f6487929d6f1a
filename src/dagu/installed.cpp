#include "dagu/installed.hpp"

#include "config/subprocess.hpp"
#include "core/text.hpp"

namespace arborist::dagu {

std::optional<InstalledDagu> find_installed_dagu() {
  const auto environment = config::child_environment({});
  const std::string program = config::find_program("dagu", environment);
  if (program == "dagu") return std::nullopt;  // not on PATH: don't even try to start it
  config::SubprocessOptions options;
  options.timeout_ms = 3000;
  options.max_output_bytes = 4096;
  auto result = config::run_subprocess({program, "version"}, options);
  if (!result || result->timed_out || result->exit_status != 0) return std::nullopt;
  // Dagu 1.x prints the version on stderr; newer builds on stdout.
  std::string text(text::trim(result->out.empty() ? result->err : result->out));
  auto form = version_for_installed(text);
  if (!form) return std::nullopt;
  return InstalledDagu{text, *form};
}

}  // namespace arborist::dagu
