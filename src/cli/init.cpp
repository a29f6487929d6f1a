// arborist init [--force] [-o PATH]: writes a commented agent-arborist.yaml. Never asks
// anything; never overwrites an existing file without --force.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "config/config.hpp"
#include "core/atomic_file.hpp"

namespace arborist::cli {

namespace {

struct InitOptions {
  bool force = false;
  std::string output = config::kProjectFileName;
};

// The runner line follows the keys in the environment, the same rule as auto-detection.
std::string runner_line(const config::EnvLookup& env) {
  if (auto detected = config::detect_runner(env))
    return "runner: " + detected->first + "  # " + detected->second + " was set when this file was written\n";
  return "runner: mock    # offline; set claude, openai, ollama or a profile name from runners: below\n";
}

}  // namespace

std::string init_file_content(const config::EnvLookup& env) {
  return "# agent-arborist.yaml — arborist's project configuration.\n"
         "# Every key is optional. docs/configuration.md explains them; config/agent-arborist.example.yaml\n"
         "# lists them all. Precedence: defaults < ~/.config/arborist/config.yaml < this file\n"
         "# < ARBORIST_* variables < flags. `arborist config show` prints the result and each value's origin.\n"
         "# ${VAR} and ${VAR:-default} read the environment. Never write a key here: use api_key_env or api_key_cmd.\n"
         "version: 1\n"
         "\n"
         "# The runner `arborist spec` uses: mock, openai, claude, ollama, or a profile name from runners:.\n" +
         runner_line(env) +
         "\n"
         "defaults:\n"
         "  timeout: 120       # seconds for one whole call, retries included\n"
         "  retries: 3         # retries of a failed call (0-20)\n"
         "  repair_rounds: 2   # re-asks when a model's answer is not a valid spec\n"
         "  # temperature: 0.2 # 0-2 (claude: 0-1)\n"
         "  # max_tokens: 4096\n"
         "\n"
         "# Settings per built-in runner.\n"
         "# openai:\n"
         "#   model: gpt-4o-mini\n"
         "#   api_key_env: OPENAI_API_KEY\n"
         "# claude:\n"
         "#   model: claude-sonnet-4-5\n"
         "# ollama:\n"
         "#   base_url: http://localhost:11434\n"
         "#   model: llama3.2\n"
         "\n"
         "# Named profiles: --runner fast, --runner local.\n"
         "# runners:\n"
         "#   fast:\n"
         "#     type: openai\n"
         "#     model: gpt-4o-mini\n"
         "#   local:\n"
         "#     type: ollama\n"
         "#     model: qwen2.5-coder\n"
         "#   script:\n"
         "#     type: command\n"
         "#     command: [./plan.sh, --json]\n"
         "\n"
         "# Tried in order when the runner fails (provider error or an answer that is not a spec).\n"
         "# fallback: [claude, local]\n"
         "\n"
         "# Model aliases: --model fast.\n"
         "# models:\n"
         "#   fast: gpt-4o-mini\n"
         "\n"
         "# Extra patterns scrubbed from descriptions before they are sent (password=, token=,\n"
         "# api_key=, bearer tokens and AWS keys always are).\n"
         "# redact: ['internal-[0-9]+']\n"
         "\n"
         "# Your team's own words: a phrase and the command it means; {placeholders} come from the\n"
         "# description's words (one they do not give becomes a TODO and a question).\n"
         "# actions:\n"
         "#   deploy: make deploy ENV={environment}\n"
         "#   smoke test: ./scripts/smoke.sh {url}\n"
         "\n"
         "# cache:\n"
         "#   dir: .arborist/cache   # commit it so CI replays plans without a key\n"
         "#   ttl: 30d\n"
         "# log:\n"
         "#   enabled: true\n"
         "# output:\n"
         "#   dagu_version: auto   # auto (the dagu on PATH, else portable) | 1 | 2.6 | 2.15 | latest | portable\n";
}

void add_init_command(CLI::App& app, const GlobalOptions& global, Command& command) {
  auto options = std::make_shared<InitOptions>();
  auto* sub = app.add_subcommand("init", "Write a commented agent-arborist.yaml in the current directory");
  sub->add_flag("--force", options->force, "Overwrite an existing file");
  sub->add_option("-o,--output", options->output, "Write here instead of ./agent-arborist.yaml");
  sub->callback([options, &global, &command] {
    command.action = [options, &global]() -> Result<void> {
      std::filesystem::path target = options->output;
      std::error_code ec;
      if (std::filesystem::exists(target, ec) && !options->force)
        return fail(ExitCode::usage, target.string() + " already exists; not overwriting it",
                    "pass --force to replace it, or edit it");
      const bool replaced = std::filesystem::exists(target, ec);
      const std::string content = init_file_content(config::process_env());
      if (auto w = write_file_atomically(target, content); !w) return w;
      if (global.json) {
        // What was written, for scripts: the file, whether it replaced one, and the runner it chose.
        auto detected = config::detect_runner(config::process_env());
        nlohmann::ordered_json j;
        j["wrote"] = std::filesystem::absolute(target).lexically_normal().string();
        j["replaced"] = replaced;
        j["bytes"] = content.size();
        j["runner"] = detected ? detected->first : "mock";
        write_stdout(j.dump(2) + "\n");
      }
      if (!global.quiet) print_notice("wrote " + target.string() + " — `arborist config show` prints the result");
      return {};
    };
  });
}

}  // namespace arborist::cli
