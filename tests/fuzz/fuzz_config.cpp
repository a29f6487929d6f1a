// Fuzz target: the configuration reader (agent-arborist.yaml), from a file as users give it.
// No environment: nothing the input names (api_key_cmd, ${VAR}) reaches the machine.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("arborist-fuzz-config-" + std::to_string(::getpid()) + ".yaml");
  if (FILE* f = std::fopen(file.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  arborist::config::LoadOptions options;
  options.explicit_file = file;
  options.cwd = file.parent_path();
  options.env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  auto loaded = arborist::config::load(options);
  if (loaded) (void)arborist::config::redacted(loaded->tree);
  return 0;
}
