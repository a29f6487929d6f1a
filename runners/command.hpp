#pragma once
// The command runner (type: command): plugs in any program without recompiling —
// `claude -p`, an internal CLI, a script. The program is run without a shell; the
// request goes to its stdin as JSON {system, prompt, model, max_tokens, temperature,
// schema, description}; it answers on stdout with JSON {text, usage?} or plain text.
// docs/runners.md ("Custom runners") has the contract and an example.
#include "runners/runner.hpp"

namespace arborist::runners {

// The JSON object a custom runner receives (the command runner's stdin, the http
// runner's default body).
std::string custom_request_json(const Request& request, const RunnerConfig& config);

Descriptor command_descriptor();
Result<std::unique_ptr<Runner>> make_command_runner(const RunnerConfig& config);

}  // namespace arborist::runners
