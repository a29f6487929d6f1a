#pragma once
// The http runner (type: http): any JSON-over-HTTP service without recompiling. POSTs a
// body built from a JSON template ({{system}}, {{prompt}}, {{model}}, {{max_tokens}},
// {{temperature}}, {{schema}}, {{schema_text}}, {{description}}) to `endpoint` with
// `headers`, and reads the answer text at `response_path` (a JSON pointer). Retries,
// timeouts and error messages are the shared transport's (src/transport/).
#include "runners/runner.hpp"
#include "transport/provider.hpp"

namespace arborist::runners {

// The body for one request: the template with its placeholders filled in. A string that
// is exactly one placeholder becomes the typed value (a number, the schema object; an
// unset value removes the key); placeholders inside longer strings are replaced as text.
Result<std::string> render_http_body(const std::string& body_template, const Request& request,
                                     const RunnerConfig& config);

Descriptor http_descriptor();
Result<std::unique_ptr<Runner>> make_http_runner(const RunnerConfig& config);
Result<std::unique_ptr<Runner>> make_http_runner(const RunnerConfig& config, transport::Environment environment);

}  // namespace arborist::runners
