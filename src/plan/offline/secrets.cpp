#include "plan/offline/secrets.hpp"

#include <algorithm>
#include <cctype>

#include "core/text.hpp"

namespace arborist::plan::offline {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Key names whose value is a secret: "password=…", "api_key: …", "SLACK_TOKEN=…".
bool is_secret_key(std::string_view key) {
  std::string k = text::to_lower(key);
  while (!k.empty() && (k.front() == '-' || k.front() == '"' || k.front() == '\'')) k.erase(0, 1);
  for (std::string_view end : {"password", "passwd", "pwd", "token", "secret", "api_key", "apikey", "api-key",
                               "access_key", "secret_key", "private_key", "credentials", "pass", "key_id", "_key"})
    if (k.ends_with(end)) return true;
  return false;
}

// Token shapes that are secrets on their own, whatever surrounds them.
bool is_token_shape(std::string_view w) {
  for (std::string_view prefix : {"ghp_", "gho_", "ghs_", "ghu_", "github_pat_", "xoxb-", "xoxp-", "xoxa-", "xapp-",
                                  "glpat-", "sk-", "sk_live_", "rk_live_", "AIza", "ya29."})
    if (w.starts_with(prefix) && w.size() >= prefix.size() + 12) return true;
  if ((w.starts_with("AKIA") || w.starts_with("ASIA")) && w.size() == 20) {
    for (char c : w)
      if (!(std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)))) return false;
    return true;
  }
  return false;
}

std::string_view next_chunk(std::string_view text, size_t from) {
  size_t end = from;
  while (end < text.size() && !is_space(text[end])) ++end;
  std::string_view c = text.substr(from, end - from);
  while (!c.empty() && std::string_view(",.;:!?)\"'`>]").find(c.back()) != std::string_view::npos) c.remove_suffix(1);
  return c;
}

// A word that is a value rather than prose: 6+ characters mixing letters with digits or
// symbols ("Tr0ub4dor-3x", "s3cr3t!"), not a path, URL, ${VAR} or file name.
bool looks_like_secret_value(std::string_view w) {
  if (w.size() < 6 || w.find('/') != std::string_view::npos || w.find('$') != std::string_view::npos ||
      w.find("://") != std::string_view::npos)
    return false;
  bool letter = false, digit = false, symbol = false;
  for (char ch : w) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalpha(c)) letter = true;
    else if (std::isdigit(c)) digit = true;
    else symbol = true;
  }
  return (letter && digit) || (letter && symbol && !w.ends_with(".yaml") && !w.ends_with(".txt") && !w.ends_with(".env"));
}

// What a URL with a key in it is, and where such a value belongs; "" when it holds no secret.
Redaction secret_url(std::string_view url) {
  std::string lower = text::to_lower(url);
  if (lower.find("hooks.slack.com") != std::string::npos) return {"a Slack webhook URL", "SLACK_WEBHOOK_URL"};
  if (lower.find("discord.com/api/webhooks") != std::string::npos ||
      lower.find("discordapp.com/api/webhooks") != std::string::npos)
    return {"a Discord webhook URL", "DISCORD_WEBHOOK_URL"};
  if (lower.find("webhook.office.com") != std::string::npos ||
      lower.find("outlook.office.com/webhook") != std::string::npos)
    return {"a Microsoft Teams webhook URL", "TEAMS_WEBHOOK_URL"};
  if (lower.find("hooks.zapier.com") != std::string::npos || lower.find("/webhook") != std::string::npos)
    if (lower.find('?') != std::string::npos || std::count(lower.begin(), lower.end(), '/') > 4)
      return {"a webhook URL with its key", "WEBHOOK_URL"};
  size_t scheme = lower.find("://");
  if (scheme != std::string::npos) {
    size_t host_end = lower.find('/', scheme + 3);
    std::string_view authority = std::string_view(lower).substr(
        scheme + 3, host_end == std::string::npos ? std::string::npos : host_end - scheme - 3);
    size_t at = authority.find('@');
    if (at != std::string_view::npos && authority.substr(0, at).find(':') != std::string_view::npos)
      return {"a URL with a password in it", ""};
  }
  size_t q = lower.find('?');
  if (q != std::string::npos) {
    std::string_view query = std::string_view(lower).substr(q + 1);
    for (std::string_view key : {"token=", "key=", "secret=", "sig=", "signature=", "password=", "apikey=", "api_key=",
                                 "access_token=", "auth="})
      if (query.starts_with(key) || query.find(std::string("&") + std::string(key)) != std::string_view::npos)
        return {"a URL with a key in it", ""};
  }
  return {};
}

}  // namespace

std::string redact_secrets(std::string_view text, std::vector<Redaction>* found) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  bool redact_next_word = false;  // after "password is", "token:" with a space, "Bearer"
  while (i < text.size()) {
    if (is_space(text[i])) {
      out += text[i++];
      continue;
    }
    size_t b = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    std::string_view chunk = text.substr(b, i - b);
    // Punctuation around the chunk stays: "(token=abc)," keeps its brackets and comma.
    size_t lead = 0;
    while (lead < chunk.size() && std::string_view("(\"'`<[").find(chunk[lead]) != std::string_view::npos) ++lead;
    size_t trail = chunk.size();
    while (trail > lead && std::string_view(",.;:!?)\"'`>]").find(chunk[trail - 1]) != std::string_view::npos) --trail;
    std::string_view core = chunk.substr(lead, trail - lead);
    auto emit = [&](std::string_view replacement) {
      out.append(chunk.substr(0, lead));
      out.append(replacement);
      out.append(chunk.substr(trail));
    };
    if (redact_next_word && !core.empty()) {
      redact_next_word = false;
      emit(kRedacted);
      continue;
    }
    redact_next_word = false;
    if (core.find("://") != std::string_view::npos) {
      Redaction r = secret_url(core);
      if (!r.what.empty()) {
        found->push_back(r);
        std::string replacement(kRedacted);
        if (r.variable == "SLACK_WEBHOOK_URL") replacement += " slack webhook";
        if (r.variable == "DISCORD_WEBHOOK_URL") replacement += " discord webhook";
        if (r.variable == "TEAMS_WEBHOOK_URL") replacement += " teams webhook";
        if (r.variable == "WEBHOOK_URL") replacement += " webhook";
        emit(replacement);
        continue;
      }
    }
    if (is_token_shape(core)) {
      found->push_back({"an access token", ""});
      emit(kRedacted);
      continue;
    }
    if ((chunk.ends_with(":") || chunk.ends_with("=")) && is_secret_key(core)) {  // "api_key: value"
      found->push_back({"a " + text::to_lower(core) + " value", ""});
      out.append(chunk);
      redact_next_word = true;
      continue;
    }
    size_t sep = core.find_first_of("=:");
    if (sep != std::string_view::npos && sep > 0 && is_secret_key(core.substr(0, sep)) &&
        core.find("://") == std::string_view::npos) {
      found->push_back({"a " + text::to_lower(core.substr(0, sep)) + " value", ""});
      if (sep + 1 < core.size()) {
        out.append(chunk.substr(0, lead + sep + 1));
        out.append(kRedacted);
        out.append(chunk.substr(trail));
      } else {
        out.append(chunk);
        redact_next_word = true;  // "password: hunter2"
      }
      continue;
    }
    std::string lower = text::to_lower(core);
    if (lower == "bearer" || ((lower == "password" || lower == "passwd" || lower == "token" || lower == "secret") &&
                              text.substr(i).starts_with(" is "))) {
      out.append(chunk);
      if (lower != "bearer") {
        out += " is";
        i += 3;
      }
      redact_next_word = true;
      found->push_back({lower == "bearer" ? "a bearer token" : "a " + lower, ""});
      continue;
    }
    // "password Tr0ub4dor-3x", "token 9f8e7d6c5b": a value right after the word, shaped like one.
    if ((lower == "password" || lower == "passwd" || lower == "pw" || lower == "token" || lower == "secret") &&
        trail == chunk.size() && i < text.size() && text[i] == ' ' && looks_like_secret_value(next_chunk(text, i + 1))) {
      out.append(chunk);
      redact_next_word = true;
      found->push_back({"a " + lower, ""});
      continue;
    }
    out.append(chunk);
  }
  return out;
}

}  // namespace arborist::plan::offline
