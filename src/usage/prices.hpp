#pragma once
// Prices per model (config/prices.yaml, embedded; a config may override) and the
// cost of a call. A model without a price has an unknown cost: nullopt, never 0.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace arborist::usage {

struct Price {
  double input_per_million = 0;   // USD per million input tokens
  double output_per_million = 0;  // USD per million output tokens
};

class PriceList {
 public:
  // The list shipped in the binary (config/prices.yaml).
  static const PriceList& builtin();
  // Parses prices.yaml text; `source` names it in messages.
  static Result<PriceList> parse(std::string_view text, const std::string& source);

  // Adds or replaces one model's price (config overrides).
  void set(const std::string& model, Price price) { models_[model] = price; }
  // The price for a runner's model: free runners cost 0; exact name, then the name
  // without a provider prefix ("openai/"), then without a date suffix ("-20250929").
  std::optional<Price> find(const std::string& runner, const std::string& model) const;
  std::optional<double> cost(const std::string& runner, const std::string& model, long input_tokens,
                             long output_tokens) const;
  const std::map<std::string, Price>& models() const { return models_; }

 private:
  std::map<std::string, Price> models_;
  std::set<std::string> free_runners_;
};

// "$0.0123" with enough digits to show small costs; "unknown" for nullopt.
std::string format_usd(std::optional<double> usd);

}  // namespace arborist::usage
