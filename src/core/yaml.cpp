#include "core/yaml.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <regex>
#include <set>

#include "core/text.hpp"

namespace arborist::yaml {

using json = nlohmann::ordered_json;

std::string pointer_escape(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::vector<std::string> pointer_split(const std::string& pointer) {
  std::vector<std::string> parts;
  if (pointer.empty()) return parts;
  size_t pos = 1;
  while (true) {
    size_t next = pointer.find('/', pos);
    std::string part = pointer.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    std::string unescaped;
    for (size_t i = 0; i < part.size(); ++i) {
      if (part[i] == '~' && i + 1 < part.size()) {
        unescaped += part[i + 1] == '1' ? '/' : '~';
        ++i;
      } else {
        unescaped += part[i];
      }
    }
    parts.push_back(unescaped);
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  return parts;
}

Position Document::position_of(std::string_view pointer) const {
  std::string p(pointer);
  while (true) {
    if (auto it = positions.find(p); it != positions.end()) return it->second;
    if (p.empty()) return start;
    p.erase(p.rfind('/'));
  }
}

Location Document::location_of(const std::string& file, std::string_view pointer) const {
  Position pos = position_of(pointer);
  return Location{file, pos.line, pos.column, std::string(pointer), {}};
}

namespace {

struct TooLarge {};

// YAML 1.2 core schema resolution of a plain (unquoted) scalar.
json resolve_plain(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  static const std::regex int_re("[-+]?[0-9]+");
  static const std::regex oct_re("0o[0-7]+");
  static const std::regex hex_re("0x[0-9a-fA-F]+");
  static const std::regex float_re(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  static const std::regex inf_re(R"([-+]?\.(inf|Inf|INF))");
  static const std::regex nan_re(R"(\.(nan|NaN|NAN))");
  if (std::regex_match(s, int_re)) {
    int64_t v{};
    auto [ptr, ec] = std::from_chars(s.data() + (s[0] == '+' ? 1 : 0), s.data() + s.size(), v);
    if (ec == std::errc() && ptr == s.data() + s.size()) return v;
    return std::stod(s);  // out of int64 range: still a number
  }
  if (std::regex_match(s, oct_re)) return static_cast<int64_t>(std::stoll(s.substr(2), nullptr, 8));
  if (std::regex_match(s, hex_re)) return static_cast<int64_t>(std::stoll(s.substr(2), nullptr, 16));
  if (std::regex_match(s, float_re)) return std::stod(s);
  // JSON has no inf/nan; keep the text so a schema sees "not a string" only where it matters.
  if (std::regex_match(s, inf_re) || std::regex_match(s, nan_re)) return std::stod(s[0] == '.' ? s.substr(1) : s);
  return s;
}

struct Converter {
  Document& doc;
  size_t max_nodes;
  size_t nodes = 0;
  std::vector<Problem> problems;
  const std::string& file;

  Position pos(const YAML::Mark& m) const { return {m.line + 1, m.column + 1}; }

  json convert(const YAML::Node& node, const std::string& pointer) {
    if (++nodes > max_nodes) throw TooLarge{};
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null: return nullptr;
      case YAML::NodeType::Scalar:
        // yaml-cpp tags quoted and block scalars "!", plain ones "?".
        if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") return node.Scalar();
        return resolve_plain(node.Scalar());
      case YAML::NodeType::Sequence: {
        json arr = json::array();
        size_t i = 0;
        for (const auto& item : node) {
          std::string p = pointer + "/" + std::to_string(i++);
          doc.positions.emplace(p, pos(item.Mark()));
          arr.push_back(convert(item, p));
        }
        return arr;
      }
      case YAML::NodeType::Map: {
        json obj = json::object();
        for (const auto& kv : node) {
          std::string key;
          if (kv.first.IsScalar()) {
            key = kv.first.Scalar();
          } else {
            problems.push_back({Severity::error, "a mapping key must be a plain string",
                                Location{file, pos(kv.first.Mark()).line, pos(kv.first.Mark()).column, pointer, {}},
                                "use a string key"});
            continue;
          }
          std::string p = pointer + "/" + pointer_escape(key);
          if (obj.contains(key)) {
            Position at = pos(kv.first.Mark());
            Position first = doc.positions.count(p) ? doc.positions.at(p) : Position{};
            problems.push_back({Severity::error,
                                "duplicate key '" + key + "': mapping key \"" + key + "\" already defined at line " +
                                    std::to_string(first.line),
                                Location{file, at.line, at.column, p, {}},
                                "each key may appear once in a mapping; remove or rename one"});
            continue;
          }
          doc.positions.emplace(p, pos(kv.first.Mark()));
          obj[key] = convert(kv.second, p);
        }
        return obj;
      }
    }
    return nullptr;
  }
};

}  // namespace

Result<std::vector<Document>> parse(std::string_view text, const std::string& file, ParseLimits limits) {
  if (auto bad = text::invalid_utf8_offset(text)) {
    auto [line, col] = text::line_column_of(text, *bad);
    Error e{ExitCode::invalid_input,
            "the file is not valid UTF-8 (byte " + std::to_string(*bad) + ")",
            Location{file, line, col, {}, {}},
            "save the file as UTF-8",
            {}};
    return fail(e);
  }
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& ex) {
    Error e{ExitCode::invalid_input,
            "invalid YAML: " + ex.msg,
            Location{file, ex.mark.line + 1, ex.mark.column + 1, {}, {}},
            "fix the YAML syntax at this position",
            {}};
    if (ex.mark.is_null()) e.where.line = e.where.column = 0;
    return fail(e);
  }
  std::vector<Document> docs;
  std::vector<Problem> problems;
  for (const auto& node : nodes) {
    Document doc;
    doc.start = {node.Mark().line + 1, node.Mark().column + 1};
    Converter conv{doc, limits.max_nodes, 0, {}, file};
    try {
      doc.value = conv.convert(node, "");
    } catch (const TooLarge&) {
      Error e{ExitCode::invalid_input,
              "the YAML expands to more than " + std::to_string(limits.max_nodes) +
                  " nodes (aliases referring to aliases, a 'billion laughs' document?)",
              Location{file, doc.start.line, doc.start.column, {}, {}},
              "remove the nested anchors and aliases",
              {}};
      return fail(e);
    }
    problems.insert(problems.end(), conv.problems.begin(), conv.problems.end());
    docs.push_back(std::move(doc));
  }
  if (!problems.empty()) {
    Error e{ExitCode::invalid_input, "invalid YAML in '" + file + "'", {}, {}, problems};
    return fail(e);
  }
  return docs;
}

}  // namespace arborist::yaml
