#include "core/yaml.hpp"

#include <unordered_set>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <limits>
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
struct TooDeep {};
struct TooManyAliases {};

bool all_digits(std::string_view s, bool (*digit)(char)) {
  if (s.empty()) return false;
  for (char c : s)
    if (!digit(c)) return false;
  return true;
}
bool dec(char c) { return c >= '0' && c <= '9'; }
bool oct(char c) { return c >= '0' && c <= '7'; }
bool hex(char c) { return dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? — the core schema's float, by hand: a
// regex here overflowed the stack on a 200 KB scalar.
bool is_float_text(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && dec(s[i])) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && dec(s[i])) ++i, ++frac_digits;
    if (int_digits == 0 && frac_digits == 0) return false;
  } else if (int_digits == 0) {
    return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && dec(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

// YAML 1.2 core schema resolution of a plain (unquoted) scalar. Every conversion is checked:
// a number JSON cannot hold (past int64 as an integer, past double, .inf, .nan) stays text,
// so the checks name its key ("must be an integer") instead of an exception escaping.
json resolve_plain(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  std::string_view v = s;
  std::string_view unsigned_part = v.substr(!v.empty() && (v[0] == '-' || v[0] == '+') ? 1 : 0);
  if (all_digits(unsigned_part, dec)) {
    int64_t n{};
    auto [ptr, ec] = std::from_chars(s.data() + (s[0] == '+' ? 1 : 0), s.data() + s.size(), n);
    if (ec == std::errc() && ptr == s.data() + s.size()) return n;
    double d{};
    auto [dptr, dec_ec] = std::from_chars(s.data() + (s[0] == '+' ? 1 : 0), s.data() + s.size(), d);
    if (dec_ec == std::errc() && dptr == s.data() + s.size()) return d;  // out of int64 range: still a number
    return s;
  }
  if ((v.starts_with("0o") && all_digits(v.substr(2), oct)) || (v.starts_with("0x") && all_digits(v.substr(2), hex))) {
    int64_t n{};
    auto [ptr, ec] = std::from_chars(s.data() + 2, s.data() + s.size(), n, v[1] == 'o' ? 8 : 16);
    if (ec == std::errc() && ptr == s.data() + s.size()) return n;
    return s;
  }
  if (is_float_text(v)) {
    double d{};
    auto [ptr, ec] = std::from_chars(s.data() + (s[0] == '+' ? 1 : 0), s.data() + s.size(), d);
    if (ec == std::errc() && ptr == s.data() + s.size()) return d;
    return s;  // 1e999: no double holds it
  }
  // .inf/.nan are floats, as Dagu's YAML reads them (it rejects a non-finite const); a checker
  // that wants a finite number says so. A number out of range above stays text, as in Go's yaml.
  std::string_view mag = v.substr(!v.empty() && (v[0] == '-' || v[0] == '+') ? 1 : 0);
  if (mag == ".inf" || mag == ".Inf" || mag == ".INF")
    return v[0] == '-' ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  if (v == ".nan" || v == ".NaN" || v == ".NAN") return std::numeric_limits<double>::quiet_NaN();
  return s;
}

struct Converter {
  Document& doc;
  const ParseLimits& limits;
  size_t& nodes;  // shared by every document of one parse: the budget is per file
  std::vector<Problem> problems;
  const std::string& file;
  // Collections already converted, by where they were written: an alias is the same node
  // again. Nodes converted inside such a repeat are counted apart, so an alias bomb that
  // stays under the node budget still stops early.
  std::unordered_set<size_t> seen_collections;
  size_t repeated = 0;
  size_t repeat_depth = 0;

  Position pos(const YAML::Mark& m) const { return {m.line + 1, m.column + 1}; }

  json convert(const YAML::Node& node, const std::string& pointer, size_t depth) {
    if (++nodes > limits.max_nodes) throw TooLarge{};
    if (depth > limits.max_depth) throw TooDeep{};
    if (repeat_depth > 0 && ++repeated > limits.max_alias_nodes) throw TooManyAliases{};
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null: return nullptr;
      case YAML::NodeType::Scalar:
        // yaml-cpp tags quoted and block scalars "!", plain ones "?".
        if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") return node.Scalar();
        return resolve_plain(node.Scalar());
      case YAML::NodeType::Sequence:
      case YAML::NodeType::Map: break;
    }
    const bool repeat = !node.Mark().is_null() && !seen_collections.insert(static_cast<size_t>(node.Mark().pos)).second;
    repeat_depth += repeat ? 1 : 0;
    json out = node.IsSequence() ? convert_sequence(node, pointer, depth) : convert_map(node, pointer, depth);
    repeat_depth -= repeat ? 1 : 0;
    return out;
  }

  json convert_sequence(const YAML::Node& node, const std::string& pointer, size_t depth) {
    json arr = json::array();
    size_t i = 0;
    for (const auto& item : node) {
      std::string p = pointer + "/" + std::to_string(i++);
      doc.positions.emplace(p, pos(item.Mark()));
      arr.push_back(convert(item, p, depth + 1));
    }
    return arr;
  }

  json convert_map(const YAML::Node& node, const std::string& pointer, size_t depth) {
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
      obj[key] = convert(kv.second, p, depth + 1);
    }
    return obj;
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
  } catch (const YAML::DeepRecursion& ex) {
    return fail(Error{ExitCode::invalid_input, "the YAML is nested too deeply (yaml-cpp stops at 500 levels)",
                      Location{file, ex.mark.line + 1, ex.mark.column + 1, {}, {}},
                      "flatten the document; no arborist or Dagu file needs that depth", {}});
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
  size_t converted = 0;
  for (const auto& node : nodes) {
    Document doc;
    doc.start = {node.Mark().line + 1, node.Mark().column + 1};
    Converter conv{doc, limits, converted, {}, file, {}, 0, 0};
    auto refuse = [&](const std::string& what, const std::string& hint) {
      return fail(Error{ExitCode::invalid_input, what, Location{file, doc.start.line, doc.start.column, {}, {}}, hint,
                        {}});
    };
    try {
      doc.value = conv.convert(node, "", 0);
    } catch (const TooLarge&) {
      return refuse("the YAML expands to more than " + std::to_string(limits.max_nodes) +
                        " nodes (aliases referring to aliases, a 'billion laughs' document?)",
                    "remove the nested anchors and aliases");
    } catch (const TooManyAliases&) {
      return refuse("the YAML's aliases expand to more than " + std::to_string(limits.max_alias_nodes) +
                        " repeated nodes (aliases referring to aliases, a 'billion laughs' document?)",
                    "write the repeated parts out, or use fewer nested anchors and aliases");
    } catch (const TooDeep&) {
      return refuse("the YAML is nested deeper than " + std::to_string(limits.max_depth) + " levels",
                    "flatten the document; no arborist or Dagu file needs that depth");
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
