#pragma once
// What the plan cache and request log tests share: `arborist spec --runner openai`
// run in a private project against a fake provider, with its own HOME, plan cache
// and request log, and nothing from the developer's machine.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "fake_provider.hpp"
#include "support.hpp"

namespace arborist::test {

struct SpecSandbox {
  TempDir dir;
  FakeProvider provider;  // answers every plan with kNightlySpecAnswer unless scripted

  SpecSandbox() {
    provider.set_answer_text(kNightlySpecAnswer);
    std::filesystem::create_directories(dir / "home");
    std::filesystem::create_directories(work() / ".git");  // its own repository root, so config discovery stops
  }

  std::filesystem::path work() const { return dir / "work"; }  // where the binary runs
  std::filesystem::path cache_dir() const { return dir / "xdg-cache" / "arborist"; }

  std::map<std::string, std::string> env() const {
    auto env = env_without_machine_settings();
    env["HOME"] = (dir / "home").string();
    env["XDG_CACHE_HOME"] = (dir / "xdg-cache").string();
    env["XDG_DATA_HOME"] = (dir / "xdg-data").string();
    env["OPENAI_BASE_URL"] = provider.url() + "/v1";
    return env;
  }

  RunResult run(const std::vector<std::string>& args) const { return run_arborist(args, "", work(), env()); }

  // `arborist spec --runner openai <description> <extra…>`
  RunResult spec(const std::string& description, const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args = {"spec", "--runner", "openai", description};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  }
};

}  // namespace arborist::test
