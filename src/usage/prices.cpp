#include "usage/prices.hpp"

#include <cctype>
#include <cstdio>
#include <stdexcept>

#include "core/resources.hpp"
#include "core/yaml.hpp"

namespace arborist::usage {

const PriceList& PriceList::builtin() {
  static const PriceList list = [] {
    auto text = resources::find("config/prices.yaml");
    if (!text) throw std::runtime_error("config/prices.yaml is missing from this build");
    auto parsed = parse(*text, "config/prices.yaml");
    if (!parsed) throw std::runtime_error(parsed.error().message);
    return std::move(*parsed);
  }();
  return list;
}

Result<PriceList> PriceList::parse(std::string_view text, const std::string& source) {
  auto docs = yaml::parse(text, source);
  if (!docs) return fail(docs.error());
  if (docs->size() != 1 || !docs->front().value.is_object())
    return fail(ExitCode::config, source + " must be one mapping with `models:`");
  const auto& root = docs->front().value;
  PriceList list;
  if (root.contains("free_runners")) {
    if (!root["free_runners"].is_array()) return fail(ExitCode::config, source + ": free_runners must be a list");
    for (const auto& r : root["free_runners"])
      if (r.is_string()) list.free_runners_.insert(r.get<std::string>());
  }
  if (!root.contains("models") || !root["models"].is_object())
    return fail(ExitCode::config, source + ": `models:` must map model names to {input, output}");
  for (const auto& [model, p] : root["models"].items()) {
    if (!p.is_object() || !p.contains("input") || !p.contains("output") || !p["input"].is_number() ||
        !p["output"].is_number() || p["input"].get<double>() < 0 || p["output"].get<double>() < 0)
      return fail(ExitCode::config, source + ": the price of '" + model + "' must be {input: USD, output: USD}",
                  "USD per million tokens, e.g. {input: 0.15, output: 0.60}");
    list.models_[model] = Price{p["input"].get<double>(), p["output"].get<double>()};
  }
  return list;
}

namespace {

// "claude-sonnet-4-5-20250929" -> "claude-sonnet-4-5"; "gpt-4o-2024-08-06" -> "gpt-4o".
std::string without_date_suffix(const std::string& model) {
  auto all_digits = [](std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
  };
  if (model.size() > 9 && all_digits(std::string_view(model).substr(model.size() - 8)) &&
      model[model.size() - 9] == '-')
    return model.substr(0, model.size() - 9);
  if (model.size() > 11) {
    std::string_view tail = std::string_view(model).substr(model.size() - 11);  // -YYYY-MM-DD
    if (tail[0] == '-' && all_digits(tail.substr(1, 4)) && tail[5] == '-' && all_digits(tail.substr(6, 2)) &&
        tail[8] == '-' && all_digits(tail.substr(9, 2)))
      return model.substr(0, model.size() - 11);
  }
  return model;
}

}  // namespace

std::optional<Price> PriceList::find(const std::string& runner, const std::string& model) const {
  if (free_runners_.count(runner)) return Price{0, 0};
  std::string name = model;
  for (int round = 0; round < 3; ++round) {
    if (auto it = models_.find(name); it != models_.end()) return it->second;
    if (round == 0) {
      auto slash = name.find('/');
      if (slash != std::string::npos) name = name.substr(slash + 1);
    } else if (round == 1) {
      name = without_date_suffix(name);
    }
  }
  return std::nullopt;
}

std::optional<double> PriceList::cost(const std::string& runner, const std::string& model, long input_tokens,
                                      long output_tokens) const {
  auto price = find(runner, model);
  if (!price) return std::nullopt;
  return (static_cast<double>(input_tokens) * price->input_per_million +
          static_cast<double>(output_tokens) * price->output_per_million) /
         1e6;
}

std::string format_usd(std::optional<double> usd) {
  if (!usd) return "unknown";
  char buf[64];
  if (*usd == 0)
    return "$0";
  else if (*usd < 0.01)
    std::snprintf(buf, sizeof buf, "$%.6f", *usd);
  else
    std::snprintf(buf, sizeof buf, "$%.4f", *usd);
  return buf;
}

}  // namespace arborist::usage
