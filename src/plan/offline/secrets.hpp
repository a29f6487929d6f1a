#pragma once
// Secrets written into a description (password=…, API tokens, webhook URLs that carry
// their key) never reach the spec: they are replaced before anything else reads the
// text, and the plan says where the value belongs instead (an environment variable).
#include <string>
#include <string_view>
#include <vector>

namespace arborist::plan::offline {

inline constexpr std::string_view kRedacted = "[REDACTED]";

struct Redaction {
  std::string what;      // "a Slack webhook URL", "a password" …
  std::string variable;  // where it belongs: SLACK_WEBHOOK_URL, "" when no variable fits
};

// The text with every secret replaced. A webhook URL becomes "[REDACTED] slack webhook"
// so the words still say where a notification goes. Linear in the text's length.
std::string redact_secrets(std::string_view text, std::vector<Redaction>* found);

}  // namespace arborist::plan::offline
