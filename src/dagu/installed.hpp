#pragma once
// The Dagu installed on PATH, if any: what `arborist dagu` writes for by default.
#include <optional>
#include <string>

#include "dagu/emit.hpp"

namespace arborist::dagu {

struct InstalledDagu {
  std::string version_text;  // what `dagu version` printed, trimmed ("1.30.2")
  Version form;              // the output form for it
};

// Runs `dagu version` (no shell, 3 s deadline). nullopt when there is no `dagu` on
// PATH, it fails, or it prints a version arborist has no form for.
std::optional<InstalledDagu> find_installed_dagu();

struct ChosenVersion {
  Version version;
  std::string origin;  // "--dagu-version", "output.dagu_version (…)", "dagu 1.30.2 on PATH", "no dagu on PATH"
};

// The output form every command that writes a DAG uses: the flag when given, else the
// configured output.dagu_version (`configured_origin` says where it came from), else `auto`:
// the form for the Dagu on PATH, or portable. A bad flag is ExitCode::usage, a bad
// configured value ExitCode::config.
Result<ChosenVersion> choose_version(const std::string& flag, const std::string& configured,
                                     const std::string& configured_origin);

}  // namespace arborist::dagu
