// Chat (LLM) steps in every family that has them: Dagu 1.30+ `type: chat` (camelCase
// `llm:` keys), 2.0–2.6 `type: chat` (snake_case), 2.7–2.15 `action: chat.completion`
// with `with:` (its keys other than prompt/messages become the step's `llm:`). Rules read
// from Dagu's buildStepLLM / validateLLM (internal/spec/step.go at v2.15.1, and
// internal/core/spec at v1.30.2 and v2.6.10): a step's own llm needs a model, the provider
// may come from the DAG's `llm:`, a chat step needs a message. arborist adds the key rule:
// a DAG names the variable that holds a key (`api_key_name`), never the key itself.
#include <algorithm>
#include <string_view>

#include "core/text.hpp"
#include "dagu/check_internal.hpp"
#include "dagu/family.hpp"

namespace arborist::dagu::detail {

namespace {

bool is_variable_name(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// A provider key written out: the shapes of the common providers' keys.
bool looks_like_key(std::string_view s) {
  s = text::trim(s);
  for (std::string_view prefix : {"sk-", "sk_", "ghp_", "github_pat_", "AKIA", "xoxb-", "xoxp-", "AIza", "glpat-"})
    if (s.starts_with(prefix) && s.size() >= prefix.size() + 12 &&
        std::none_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '$'; }))
      return true;
  return false;
}

// A key inside a URL: ?key=VALUE / &api_key=VALUE / user:VALUE@host, not a ${VAR} reference.
bool url_carries_key(std::string_view url) {
  for (std::string_view marker : {"key=", "token="}) {
    size_t at = url.find(marker);
    if (at != std::string_view::npos && at + marker.size() < url.size() && url[at + marker.size()] != '$') return true;
  }
  size_t scheme = url.find("://");
  size_t at = url.find('@');
  if (scheme != std::string_view::npos && at != std::string_view::npos && at > scheme) {
    std::string_view user = url.substr(scheme + 3, at - scheme - 3);
    size_t colon = user.find(':');
    if (colon != std::string_view::npos && colon + 1 < user.size() && user[colon + 1] != '$') return true;
  }
  return false;
}

std::string join_pointer(const std::string& base, std::string_view key) {
  return base + "/" + std::string(key);
}

}  // namespace

void check_chat_steps(const json& doc, Family family, const Reporter& r) {
  const bool v1 = family == Family::v1;
  const std::string key_name_key = v1 ? "apiKeyName" : "api_key_name";
  const std::string base_url_key = v1 ? "baseURL" : "base_url";
  const json* dag_llm = doc.contains("llm") && doc["llm"].is_object() && !doc["llm"].empty() ? &doc["llm"] : nullptr;

  // The key rule, for the DAG's llm and every step's.
  auto check_one = [&](const json& llm, const std::string& pointer, const std::string& label) {
    if (auto name = llm.find(key_name_key); name != llm.end() && name->is_string()) {
      const std::string value = name->get<std::string>();
      const bool reference = value.starts_with("${") && value.ends_with("}");
      if (looks_like_key(value))
        r.error(join_pointer(pointer, key_name_key),
                key_name_key + " holds what looks like the key itself: the DAG would carry a literal key",
                "write the NAME of the variable holding the key (e.g. OPENAI_API_KEY) and keep the key in the "
                "environment or Dagu's secrets",
                label);
      else if (!reference && !is_variable_name(value))
        r.error(join_pointer(pointer, key_name_key), key_name_key + " must name an environment variable, not '" +
                                                         text::shorten(value, 40) + "'",
                "e.g. " + key_name_key + ": OPENAI_API_KEY", label);
    }
    if (auto url = llm.find(base_url_key); url != llm.end() && url->is_string() && url_carries_key(url->get<std::string>()))
      r.error(join_pointer(pointer, base_url_key), base_url_key + " carries a credential in the URL",
              "name the key's variable with " + key_name_key + " instead", label);
    for (const auto& [k, v] : llm.items())
      if (v.is_string() && k != key_name_key && looks_like_key(v.get<std::string>()))
        r.error(join_pointer(pointer, k), "'" + k + "' holds what looks like a literal API key",
                "name the key's variable with " + key_name_key + " and keep the key out of the DAG", label);
  };
  // The llm block, and each entry of a fallback list of models (`model: [{provider, name,
  // api_key_name, …}, …]`), which carries the same key fields.
  auto check_key_fields = [&](const json& llm, const std::string& pointer, const std::string& label) {
    check_one(llm, pointer, label);
    if (auto models = llm.find("model"); models != llm.end() && models->is_array())
      for (size_t i = 0; i < models->size(); ++i)
        if ((*models)[i].is_object())
          check_one((*models)[i], join_pointer(join_pointer(pointer, "model"), std::to_string(i)), label);
  };
  if (dag_llm) check_key_fields(*dag_llm, "/llm", "");

  for (const auto& s : collect_steps(doc)) {
    if (!s.body || !s.body->is_object()) continue;
    const json& body = *s.body;
    const std::string type = body.contains("type") && body["type"].is_string() ? body["type"].get<std::string>() : "";
    const std::string action =
        body.contains("action") && body["action"].is_string() ? body["action"].get<std::string>() : "";
    const bool chat_action = !v1 && family == Family::v2_15 && action == "chat.completion";
    if (type != "chat" && !chat_action) continue;
    if (v1 && family == Family::v1 && type != "chat") continue;

    // The step's own llm: `llm:`, or for the action form `with:` less the messages.
    std::string llm_pointer = s.pointer + (chat_action ? "/with" : "/llm");
    json own = json::object();
    if (chat_action) {
      if (body.contains("with") && body["with"].is_object())
        for (const auto& [k, v] : body["with"].items())
          if (k != "prompt" && k != "messages") own[k] = v;
    } else if (body.contains("llm") && body["llm"].is_object()) {
      own = body["llm"];
    }
    const bool has_own = !own.empty();
    if (has_own) check_key_fields(own, llm_pointer, s.label);
    if (has_own && !own.contains("model"))
      r.error(llm_pointer, "model must be specified when llm config is provided",
              "add `model:` (a step's llm replaces the DAG's whole llm, model included)", s.label);
    const json* effective = has_own ? &own : dag_llm;
    if (!effective) {
      r.warning(s.pointer,
                "chat step has no llm configuration: Dagu accepts the file, but the step fails when it runs "
                "(llm configuration is required for chat step)",
                "add provider and model to the step (" + std::string(chat_action ? "with:" : "llm:") +
                    ") or to the DAG's llm:",
                s.label);
    } else {
      if (!effective->contains("provider"))
        r.error(llm_pointer, "provider is required (set at DAG or step level)",
                "add `provider:` (openai, anthropic, gemini, openrouter or local)", s.label);
      if (!has_own && !effective->contains("model"))
        r.error("/llm", "model is required (set at DAG or step level)", "add `model:` to the DAG's llm", s.label);
    }
    if (!chat_action) {
      auto messages = body.find("messages");
      if (messages == body.end() || !messages->is_array() || messages->empty())
        r.error(s.pointer, "at least one message is required",
                "add `messages: [{role: user, content: \"…\"}]`", s.label);
    }
  }
}

}  // namespace arborist::dagu::detail
