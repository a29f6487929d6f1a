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

Result<ChosenVersion> choose_version(const std::string& flag, const std::string& configured,
                                     const std::string& configured_origin) {
  if (!flag.empty()) {
    auto version = parse_version(flag);
    if (!version) return fail(version.error());
    return ChosenVersion{*version, "--dagu-version"};
  }
  if (!configured.empty() && configured != "auto") {
    auto version = parse_version(configured);
    if (!version) {
      Error error = version.error();
      error.code = ExitCode::config;
      error.message = "output.dagu_version: " + error.message;
      return fail(std::move(error));
    }
    return ChosenVersion{*version, "output.dagu_version (" + configured_origin + ")"};
  }
  if (auto installed = find_installed_dagu())
    return ChosenVersion{installed->form, "dagu " + installed->version_text + " on PATH"};
  return ChosenVersion{Version::portable, "no dagu on PATH"};
}

}  // namespace arborist::dagu
