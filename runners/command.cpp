#include "runners/command.hpp"

#include <nlohmann/json.hpp>

#include "config/subprocess.hpp"
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

Result<std::unique_ptr<Runner>> make_command_runner(const RunnerConfig& config) {
  if (config.command.empty() || config.command.front().empty())
    return fail(ExitCode::config, "runner '" + config.name + "' (type command) has no command",
                "add command: [program, arg, …] to its profile under runners:");
  return std::unique_ptr<Runner>(new CommandRunner(config));
}

}  // namespace arborist::runners
