#include "runners/command.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "config/subprocess.hpp"
#include "core/hash.hpp"
#include "core/text.hpp"
#include "transport/http.hpp"

namespace arborist::runners {

namespace {

using nlohmann::ordered_json;

void read_usage(const ordered_json& u, Usage& usage) {
  if (!u.is_object()) return;
  for (const char* k : {"input_tokens", "prompt_tokens"})
    if (u.contains(k) && u[k].is_number()) usage.input_tokens = u[k].get<long>();
  for (const char* k : {"output_tokens", "completion_tokens"})
    if (u.contains(k) && u[k].is_number()) usage.output_tokens = u[k].get<long>();
}

class CommandRunner : public Runner {
 public:
  explicit CommandRunner(RunnerConfig config) : config_(std::move(config)) {}
  std::string type() const override { return "command"; }

  Result<Answer> complete(const Request& request) override {
    const std::string who = "command runner '" + config_.name + "' (" + config_.command.front() + ")";
    config::SubprocessOptions options;
    options.stdin_text = custom_request_json(request, config_);
    options.timeout_ms = request.timeout_seconds * 1000;
    options.env = config_.env;
    if (!config_.api_key.empty()) options.env["ARBORIST_API_KEY"] = config_.api_key;
    auto run = config::run_subprocess(config_.command, options);
    if (!run) {
      Error e = run.error();
      e.code = ExitCode::runner;
      e.message = who + ": " + transport::redact(e.message, config_.secrets);
      return fail(e);
    }
    auto redact = [&](const std::string& s) { return transport::redact(s, config_.secrets); };
    if (run->timed_out)
      return fail(
          ExitCode::runner,
          who + ": no answer within " + std::to_string(request.timeout_seconds) +
              " s; it was stopped with its whole process group",
          "raise the timeout (--timeout, or timeout: in its profile), or check that it does not wait for input");
    if (run->exit_status != 0) {
      std::string status = run->signal ? "was killed by signal " + std::to_string(run->signal)
                                       : "exited with status " + std::to_string(run->exit_status);
      std::string tail = redact(config::tail_lines(run->err));
      Error e{ExitCode::runner,
              who + " " + status + (tail.empty() ? " (its stderr was empty)" : ":\n" + tail),
              {},
              "run the command by hand with the request on stdin to see what it needs (docs/runners.md)",
              {}};
      return fail(e);
    }
    std::string out(text::trim(run->out));
    if (out.empty())
      return fail(ExitCode::runner, who + " printed nothing on stdout",
                  "it must print the answer: JSON {\"text\": …} or the plain text");
    Answer answer;
    answer.model = !request.model.empty() ? request.model : !config_.model.empty() ? config_.model : config_.name;
    answer.finish_reason = "stop";
    bool structured = false;
    if (out.front() == '{') {
      auto j = ordered_json::parse(out, nullptr, false);
      if (!j.is_discarded() && j.is_object() && j.contains("text") && j["text"].is_string()) {
        structured = true;
        answer.text = j["text"].get<std::string>();
        if (j.contains("usage")) read_usage(j["usage"], answer.usage);
        if (j.contains("model") && j["model"].is_string()) answer.model = j["model"].get<std::string>();
        if (j.contains("finish_reason") && j["finish_reason"].is_string())
          answer.finish_reason = j["finish_reason"].get<std::string>();
      }
    }
    if (!structured) answer.text = run->out;  // plain text: the answer as printed (a spec in JSON is fine too)
    return answer;
  }

  // --dry-run: the program and the JSON it would read on stdin (secrets redacted).
  Result<WireRequest> preview(const Request& request) override {
    WireRequest wire;
    wire.method = "exec";
    wire.argv = config_.command;
    wire.body = transport::redact(custom_request_json(request, config_), config_.secrets);
    for (const auto& [name, value] : config_.env)
      wire.headers.emplace_back(name, name_looks_secret(name) ? "[REDACTED]" : transport::redact(value, config_.secrets));
    if (!config_.api_key.empty()) wire.headers.emplace_back("ARBORIST_API_KEY", "[REDACTED]");
    return wire;
  }

 private:
  RunnerConfig config_;
};

}  // namespace

std::string custom_request_json(const Request& request, const RunnerConfig& config) {
  ordered_json j;
  j["system"] = request.system;
  j["prompt"] = request.prompt;
  const std::string model = !request.model.empty() ? request.model : config.model;
  j["model"] = model.empty() ? ordered_json(nullptr) : ordered_json(model);
  j["max_tokens"] = request.max_tokens ? ordered_json(*request.max_tokens) : ordered_json(nullptr);
  j["temperature"] = request.temperature ? ordered_json(*request.temperature) : ordered_json(nullptr);
  auto schema = ordered_json::parse(request.schema, nullptr, false);
  j["schema"] = request.schema.empty()  ? ordered_json(nullptr)
                : schema.is_discarded() ? ordered_json(request.schema)
                                        : schema;
  j["description"] = request.description;
  return j.dump();
}

namespace {

// Files bigger than this are identified by size and modification time instead of content.
constexpr off_t kMaxHashedFileBytes = 64 << 20;

// The identity of a file an argument names (a script, a prompt file): its content's
// digest, so editing `planner.py` changes the cache key. nullopt: not a regular file.
std::optional<std::string> file_identity(const std::string& path) {
  struct stat st{};
  if (path.empty() || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  if (st.st_size > kMaxHashedFileBytes)
    return "size " + std::to_string(st.st_size) + " mtime " + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec);
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  return "sha256 " + sha256_hex(content.str());
}

}  // namespace

Descriptor command_descriptor() {
  Descriptor d;
  d.type = "command";
  d.summary = "any program: JSON request on stdin, answer on stdout (runners: profiles, type: command)";
  d.needs_profile = true;
  d.endpoint = [](const RunnerConfig& config, const EnvLookup&) { return Endpoint{text::join(config.command, " "), ""}; };
  // The program's answer depends on its argv, the files the argv names (arguments that are
  // files; a bare program name found on PATH is not read) and its environment.
  d.cache_settings = [](const RunnerConfig& config) {
    CacheSettings out = option_cache_settings(config);
    out.visible["argv"] = nlohmann::json(config.command).dump();
    for (size_t i = 0; i < config.command.size(); ++i) {
      const std::string& arg = config.command[i];
      if (i == 0 && arg.find('/') == std::string::npos) continue;
      if (auto identity = file_identity(arg)) out.visible["file." + arg] = *identity;
    }
    // Every env value may be a credential (the config treats them all as secrets): their
    // names are shown, their values count only through the digest.
    std::vector<std::string> names;
    for (const auto& [name, value] : config.env) {
      names.push_back(name);
      out.secret.push_back("env " + name + "=" + value);
    }
    if (!names.empty()) out.visible["env"] = nlohmann::json(names).dump();
    return out;
  };
  d.factory = make_command_runner;
  return d;
}

Result<std::unique_ptr<Runner>> make_command_runner(const RunnerConfig& config) {
  if (config.command.empty() || config.command.front().empty())
    return fail(ExitCode::config, "runner '" + config.name + "' (type command) has no command",
                "add command: [program, arg, …] to its profile under runners:");
  return std::unique_ptr<Runner>(new CommandRunner(config));
}

}  // namespace arborist::runners
