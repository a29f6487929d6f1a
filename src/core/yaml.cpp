#include "core/yaml.hpp"

#include <unordered_set>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <charconv>
#include <istream>
#include <memory>
#include <optional>
#include <streambuf>
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

void PositionTable::emplace(std::uint64_t key, Position position) {
  if ((size_ + 1) * 4 > slots_.size() * 3) grow();  // load factor at most 3/4
  key = stored(key);
  const size_t mask = slots_.size() - 1;
  for (size_t i = start(key, mask);; i = (i + 1) & mask) {
    if (slots_[i].key == key) return;
    if (slots_[i].key == 0) {
      slots_[i] = Slot{key, position};
      ++size_;
      return;
    }
  }
}

const Position* PositionTable::find(std::uint64_t key) const {
  if (slots_.empty()) return nullptr;
  key = stored(key);
  const size_t mask = slots_.size() - 1;
  for (size_t i = start(key, mask);; i = (i + 1) & mask) {
    if (slots_[i].key == key) return &slots_[i].position;
    if (slots_[i].key == 0) return nullptr;
  }
}

void PositionTable::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
  size_ = 0;
  for (const Slot& slot : old)
    if (slot.key) emplace(slot.key, slot.position);
}

Position Document::position_of(std::string_view pointer) const {
  // The pointer, then each ancestor: the hashes of its prefixes that end before a '/'. Most
  // pointers are a few levels deep: their prefixes stay on the stack (lint asks for every step's).
  constexpr size_t kInline = 16;
  std::uint64_t inline_prefixes[kInline];
  std::vector<std::uint64_t> more;
  size_t count = 0;
  auto keep = [&](std::uint64_t prefix) {
    if (count < kInline) inline_prefixes[count] = prefix;
    else more.push_back(prefix);
    ++count;
  };
  std::uint64_t hash = kPointerHashBasis;
  for (char c : pointer) {
    if (c == '/') keep(hash);
    hash = pointer_hash_extend(hash, std::string_view(&c, 1));
  }
  keep(hash);
  for (size_t i = count; i-- > 0;) {
    if (i == 0 && !pointer.empty() && pointer.front() == '/') break;  // "" is the document itself
    const std::uint64_t prefix = i < kInline ? inline_prefixes[i] : more[i - kInline];
    if (const Position* found = positions.find(prefix)) return *found;
  }
  return start;
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

// Builds JSON straight from yaml-cpp's parse events. Not through YAML::LoadAll: its Node graph
// costs more than the parse itself, and on a ',' outside any [ ] or { } (",", "- a\n,") yaml-cpp
// 0.7 returns an empty document without consuming the token, so LoadAll collects empty documents
// until memory runs out. Here a document that starts where the previous one started is refused.
struct Stuck {
  YAML::Mark mark;
};

class Builder : public YAML::EventHandler {
 public:
  Builder(const ParseLimits& limits, const std::string& file) : limits_(limits), file_(file) {}

  std::vector<Document> docs;
  std::vector<Problem> problems;

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (started_any_ && mark.pos == last_start_) throw Stuck{mark};
    started_any_ = true;
    last_start_ = mark.pos;
    docs.emplace_back();
    root_seen_ = false;
    anchors_.clear();  // anchors belong to their document (yaml-cpp numbers them from 1 in each)
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (expecting_key()) return bad_key(mark);
    add_leaf(mark, anchor, nullptr, std::nullopt);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    // yaml-cpp tags quoted and block scalars "!", plain ones "?".
    json v = (tag == "!" || tag == "tag:yaml.org,2002:str") ? json(value) : resolve_plain(value);
    if (expecting_key()) {
      // A key is its text; anchored, it is typed like any scalar for an alias used as a value.
      count_node(child_depth());
      if (anchor) anchors_[anchor] = Anchored{std::move(v), value, 1, 0};
      return take_key(mark, value);
    }
    add_leaf(mark, anchor, std::move(v), value);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) throw YAML::ParserException(mark, "unknown anchor");  // yaml-cpp refuses these first
    const Anchored& a = it->second;
    if (expecting_key()) {
      if (!a.scalar_text) return bad_key(mark);
      count_node(child_depth());
      return take_key(mark, *a.scalar_text);
    }
    // The alias is its node again: every node in it counts, and apart, so an alias bomb that
    // stays under the node budget still stops early.
    const size_t depth = child_depth();
    if (depth + a.height > limits_.max_depth) throw TooDeep{};
    if ((nodes_ += a.nodes) > limits_.max_nodes) throw TooLarge{};
    if ((repeated_ += a.nodes) > limits_.max_alias_nodes) throw TooManyAliases{};
    place(mark, json(a.value), a.height);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor, json::array());
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor, json::object());
  }
  void OnMapEnd() override { close(); }

 private:
  struct Anchored {
    json value;
    std::optional<std::string> scalar_text;  // a scalar's text, for an alias used as a key
    size_t nodes = 1;
    size_t height = 0;
  };
  struct Frame {
    json value;
    std::string pointer;      // for messages
    std::uint64_t hash = kPointerHashBasis;  // pointer_hash(pointer), for the position table
    YAML::Mark mark;
    YAML::anchor_t anchor = 0;
    size_t depth = 0;
    size_t nodes_before = 0;  // nodes_ when it opened: its size is the difference
    size_t height = 0;        // levels below it, aliases expanded
    bool is_key = false;      // a collection used as a mapping key: built, reported, dropped
    // A mapping's state between its key and its value.
    bool has_key = false;
    bool key_bad = false;
    std::string key;
    Position key_position;
    std::unique_ptr<std::unordered_set<std::string>> keys;  // duplicate check once a mapping grows
  };

  static Position pos(const YAML::Mark& m) { return {m.line + 1, m.column + 1}; }
  // The pointer hash of a sequence item or a mapping entry, from its parent's.
  static std::uint64_t child_hash(std::uint64_t parent, size_t index) {
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, index).ptr;
    return pointer_hash_extend(pointer_hash_extend(parent, "/"), std::string_view(digits, static_cast<size_t>(end - digits)));
  }
  static std::uint64_t child_hash(std::uint64_t parent, std::string_view key) {
    std::uint64_t h = pointer_hash_extend(parent, "/");
    for (char c : key)
      h = c == '~' ? pointer_hash_extend(h, "~0") : c == '/' ? pointer_hash_extend(h, "~1") : pointer_hash_extend(h, std::string_view(&c, 1));
    return h;
  }
  bool expecting_key() const { return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().has_key; }
  size_t child_depth() const { return stack_.empty() ? 0 : stack_.back().depth + 1; }

  // The document begins where its root node does.
  void note_root(const YAML::Mark& mark) {
    if (root_seen_) return;
    root_seen_ = true;
    docs.back().start = pos(mark);
  }

  void count_node(size_t depth) {
    if (++nodes_ > limits_.max_nodes) throw TooLarge{};
    if (depth > limits_.max_depth) throw TooDeep{};
  }

  void bad_key(const YAML::Mark& mark) {
    count_node(child_depth());
    Frame& f = stack_.back();
    problems.push_back({Severity::error, "a mapping key must be a plain string",
                        Location{file_, pos(mark).line, pos(mark).column, f.pointer, {}}, "use a string key"});
    f.has_key = true;
    f.key_bad = true;
  }

  void take_key(const YAML::Mark& mark, const std::string& key) {
    Frame& f = stack_.back();
    f.has_key = true;
    f.key = key;
    f.key_position = pos(mark);
    f.key_bad = contains_key(f, key);
    if (f.key_bad) {
      std::string p = f.pointer + "/" + pointer_escape(key);
      const auto& positions = docs.back().positions;
      const Position* known = positions.find(pointer_hash(p));
      Position first = known ? *known : Position{};
      problems.push_back({Severity::error,
                          "duplicate key '" + key + "': mapping key \"" + key + "\" already defined at line " +
                              std::to_string(first.line),
                          Location{file_, f.key_position.line, f.key_position.column, p, {}},
                          "each key may appear once in a mapping; remove or rename one"});
    }
  }

  // ordered_json looks keys up linearly; a mapping with thousands of keys gets a hash set.
  static bool contains_key(Frame& f, const std::string& key) {
    auto& object = f.value.get_ref<json::object_t&>();
    if (!f.keys && object.size() < 32) {
      for (const auto& [k, v] : object)
        if (k == key) return true;
      return false;
    }
    if (!f.keys) {
      f.keys = std::make_unique<std::unordered_set<std::string>>();
      for (const auto& [k, v] : object) f.keys->insert(k);
    }
    return f.keys->count(key) > 0;
  }

  void add_leaf(const YAML::Mark& mark, YAML::anchor_t anchor, json value, std::optional<std::string> text) {
    const size_t depth = child_depth();
    count_node(depth);
    if (anchor) anchors_[anchor] = Anchored{value, std::move(text), 1, 0};
    place(mark, std::move(value), 0);
  }

  // Puts a finished node where it belongs: the document's root, a sequence item or a mapping value.
  void place(const YAML::Mark& mark, json value, size_t height) {
    Document& doc = docs.back();
    if (stack_.empty()) {
      note_root(mark);
      doc.value = std::move(value);
      return;
    }
    Frame& f = stack_.back();
    f.height = std::max(f.height, height + 1);
    if (f.value.is_array()) {
      auto& items = f.value.get_ref<json::array_t&>();
      if (!f.is_key) doc.positions.emplace(child_hash(f.hash, items.size()), pos(mark));
      items.push_back(std::move(value));
      return;
    }
    // A mapping value.
    f.has_key = false;
    if (f.key_bad || f.is_key) return;
    doc.positions.emplace(child_hash(f.hash, f.key), f.key_position);
    if (f.keys) f.keys->insert(f.key);
    f.value.get_ref<json::object_t&>().emplace_back(std::move(f.key), std::move(value));
  }

  void open(const YAML::Mark& mark, YAML::anchor_t anchor, json empty) {
    const bool as_key = expecting_key();
    if (stack_.empty()) note_root(mark);
    const size_t depth = child_depth();
    count_node(depth);
    Frame f;
    f.mark = mark;
    f.anchor = anchor;
    f.depth = depth;
    f.nodes_before = nodes_ - 1;
    f.is_key = as_key || (!stack_.empty() && stack_.back().is_key);
    if (!stack_.empty() && !as_key) {
      const Frame& parent = stack_.back();
      const bool item = parent.value.is_array();
      const size_t index = item ? parent.value.get_ref<const json::array_t&>().size() : 0;
      f.pointer = item ? parent.pointer + "/" + std::to_string(index) : parent.pointer + "/" + pointer_escape(parent.key);
      f.hash = item ? child_hash(parent.hash, index) : child_hash(parent.hash, parent.key);
    }
    if (as_key) bad_key_collection(mark);
    f.value = std::move(empty);
    stack_.push_back(std::move(f));
  }

  void bad_key_collection(const YAML::Mark& mark) {
    Frame& parent = stack_.back();
    problems.push_back({Severity::error, "a mapping key must be a plain string",
                        Location{file_, pos(mark).line, pos(mark).column, parent.pointer, {}}, "use a string key"});
  }

  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    const size_t nodes = nodes_ - f.nodes_before;
    if (f.anchor) anchors_[f.anchor] = Anchored{f.value, std::nullopt, nodes, f.height};
    if (!stack_.empty() && stack_.back().value.is_object() && !stack_.back().has_key) {
      // It was a key: already reported; its value follows and is dropped.
      stack_.back().has_key = true;
      stack_.back().key_bad = true;
      return;
    }
    place(f.mark, std::move(f.value), f.height);
  }

  const ParseLimits& limits_;
  const std::string& file_;
  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, Anchored> anchors_;
  size_t nodes_ = 0;  // every document of one parse: the budget is per file
  size_t repeated_ = 0;
  bool started_any_ = false;
  bool root_seen_ = false;
  int last_start_ = -1;
};

// Reads the text in place: yaml-cpp wants an istream, and copying a large file costs.
struct ViewBuffer : std::streambuf {
  explicit ViewBuffer(std::string_view text) {
    char* p = const_cast<char*>(text.data());
    setg(p, p, p + text.size());
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
  ViewBuffer buffer(text);
  std::istream stream(&buffer);
  Builder builder(limits, file);
  auto refuse = [&](const std::string& what, const std::string& hint) {
    Position at = builder.docs.empty() ? Position{1, 1} : builder.docs.back().start;
    return fail(Error{ExitCode::invalid_input, what, Location{file, at.line, at.column, {}, {}}, hint, {}});
  };
  try {
    YAML::Parser parser(stream);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const Stuck& stuck) {
    const size_t at = static_cast<size_t>(stuck.mark.pos);
    const char c = at < text.size() ? text[at] : '?';
    return fail(Error{ExitCode::invalid_input,
                      c == ','   ? std::string("invalid YAML: a ',' outside [ ] or { } cannot begin a value")
                                 : "invalid YAML: unexpected '" + std::string(1, c) + "'",
                      Location{file, stuck.mark.line + 1, stuck.mark.column + 1, {}, {}},
                      c == ',' ? "quote the value that begins with ',', or remove the stray ','"
                               : "fix the YAML syntax at this position",
                      {}});
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
  std::vector<Document> docs = std::move(builder.docs);
  std::vector<Problem> problems = std::move(builder.problems);
  if (!problems.empty()) {
    Error e{ExitCode::invalid_input, "invalid YAML in '" + file + "'", {}, {}, problems};
    return fail(e);
  }
  return docs;
}

}  // namespace arborist::yaml
