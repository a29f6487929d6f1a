#include "runners/reading.hpp"

#include "plan/offline/words.hpp"

namespace arborist::runners {

namespace {
// A line per clause stays readable in a terminal; the full text is in --json.
constexpr size_t kMaxShownBytes = 80;
}  // namespace

std::vector<std::string> describe_reading(const Reading& reading) {
  std::vector<std::string> lines;
  for (const auto& r : reading.clauses) {
    if (r.role == "ordering") continue;
    std::string words(plan::offline::utf8_prefix(r.text, kMaxShownBytes));
    if (words.size() < r.text.size()) words += "…";
    lines.push_back("\"" + words + "\" -> " + r.role + (r.target.empty() ? "" : " " + r.target) +
                    (r.source.empty() ? "" : " (" + r.source + ")"));
  }
  for (const auto& w : reading.unaccounted) lines.push_back("\"" + w + "\" -> not read (please check)");
  return lines;
}

nlohmann::ordered_json reading_json(const Reading& reading) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& r : reading.clauses) {
    nlohmann::ordered_json item = {{"text", r.text}, {"role", r.role}, {"became", r.target}};
    if (!r.source.empty()) item["source"] = r.source;
    list.push_back(std::move(item));
  }
  return list;
}

}  // namespace arborist::runners
