#pragma once
// Shared test helpers: temp directories, running the real binary, fixtures.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace arborist::test {

// A fresh directory removed at scope exit.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  // Writes a file (creating parent directories) and returns its path.
  std::filesystem::path write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the built arborist binary with these arguments (no shell), feeding stdin.
RunResult run_arborist(const std::vector<std::string>& args, const std::string& stdin_text = {},
                       const std::filesystem::path& cwd = {}, const std::map<std::string, std::string>& env = {});
// Runs any program (no shell).
RunResult run_program(const std::vector<std::string>& argv, const std::string& stdin_text = {},
                      const std::filesystem::path& cwd = {}, const std::map<std::string, std::string>& env = {});

// As a value in run_program's env: unset this variable in the child.
inline constexpr const char* kUnsetVariable = "\x01unset";

// Variables through which the developer's machine would leak into a run of the binary
// (API keys, provider endpoints, proxies, XDG_CONFIG_HOME, and every ARBORIST_* variable
// set here), each set to kUnsetVariable. Tests add what they need on top.
std::map<std::string, std::string> env_without_machine_settings();

// A model answer for fake providers: the two-step "nightly" spec (backup, then vacuum) as JSON.
extern const std::string kNightlySpecAnswer;

std::string read_text(const std::filesystem::path& path);
std::filesystem::path source_dir();  // the repository root
std::filesystem::path shared_dir();  // ../shared beside the repository (may not exist)
std::string binary_path();

// The errors among problems (warnings dropped), and problems one per line for INFO().
std::vector<Problem> errors_of(const std::vector<Problem>& problems);
std::string dump(const std::vector<Problem>& problems);

}  // namespace arborist::test
