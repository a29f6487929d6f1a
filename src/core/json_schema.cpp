#include "core/json_schema.hpp"
#include "core/text.hpp"

#include <cmath>

#include "core/yaml.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <re2/re2.h>
#include <regex>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/constraint_builder.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace arborist::schema {

using json = nlohmann::json;

namespace {

// ---- schema pre-processing -------------------------------------------------
//
// valijson 1.0 builds the `propertyNames` subschema under the cache key of the
// schema that contains it (schema_parser.hpp passes `nodePath`, not
// `nodePath + "/propertyNames"`). When that containing schema was reached
// through a `$ref` (so its path is already in the cache), the lookup returns the
// containing schema itself: every property NAME is then validated against the
// whole object schema ("type": "object") and fails. Dagu's schema hits this for
// `harness:` (harnessDefaultsConfig -> allOf -> $ref harnessExecutorConfig) and
// `step_types:` ($ref customStepTypes). A `$ref` is resolved under the cache
// key of its target, so moving every propertyNames subschema into its own
// definition and referring to it gives each one a unique key. The schema's
// meaning is unchanged (draft-07 local refs; the schema has no `$id`).

constexpr std::string_view kHoistPrefix = "__arborist_propertyNames_";

// valijson 1.0 matches `pattern` with std::regex, which recurses once per character: a
// command of a few megabytes overflowed the stack (SIGSEGV), and every step's name and
// command went through the backtracking matcher. The schema's `pattern` keywords are renamed
// to this one, which SafePattern checks with RE2 (linear time, no recursion). A pattern RE2
// cannot read (look-around, back-references: only a user's `ask --schema` might hold one)
// falls back to std::regex on values short enough for its recursion.
constexpr std::string_view kPatternKeyword = "x-arborist-pattern";
constexpr size_t kStdRegexMaxLength = 2000;
constexpr std::string_view kPatternMismatch = "Failed to match regex specified by 'pattern' constraint.";
constexpr std::string_view kPatternTooLong = "Value is too long to check against a look-around 'pattern' constraint.";

class SafePattern : public valijson::constraints::PolyConstraint {
 public:
  explicit SafePattern(std::string pattern) : pattern_(std::move(pattern)) {
    RE2::Options options;
    options.set_log_errors(false);
    re2_ = std::make_shared<RE2>(pattern_, options);
    if (!re2_->ok()) {
      re2_.reset();
      fallback_ = std::make_shared<std::regex>(pattern_, std::regex::ECMAScript);  // throws: schema refused
    }
  }

  bool validate(const valijson::adapters::Adapter& target, const std::vector<std::string>& context,
                valijson::ValidationResults* results) const override {
    std::string value;
    if (!target.maybeString() || !target.getString(value)) return true;  // `pattern` applies to strings only
    const char* problem = nullptr;
    if (re2_) {
      if (!RE2::PartialMatch(value, *re2_)) problem = kPatternMismatch.data();
    } else if (value.size() > kStdRegexMaxLength) {
      problem = kPatternTooLong.data();
    } else if (!std::regex_search(value, *fallback_)) {
      problem = kPatternMismatch.data();
    }
    if (problem && results) results->pushError(context, problem);
    return problem == nullptr;
  }

 private:
  Constraint* cloneInto(void* memory) const override { return new (memory) SafePattern(*this); }
  size_t sizeOf() const override { return sizeof(SafePattern); }

  std::string pattern_;
  std::shared_ptr<RE2> re2_;               // shared by clones: RE2 is thread-safe for matching
  std::shared_ptr<std::regex> fallback_;
};

class SafePatternBuilder : public valijson::ConstraintBuilder {
 public:
  valijson::constraints::Constraint* make(const valijson::adapters::Adapter& value) const override {
    std::string pattern;
    if (!value.getString(pattern)) throw std::runtime_error("`pattern` must be a string");
    return new SafePattern(std::move(pattern));
  }
};

struct Hoister {
  json hoisted = json::object();
  int counter = 0;

  // One pass over each node's own keys (a node has a handful; looking every keyword up in
  // every node cost more than the rest of the check of a small DAG).
  void schema(json& node) {
    if (!node.is_object()) return;
    json* property_names = nullptr;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string& key = it.key();
      json& value = it.value();
      if (key == "properties" || key == "patternProperties" || key == "definitions" || key == "dependencies") {
        if (value.is_object())
          for (auto sub = value.begin(); sub != value.end(); ++sub) schema(sub.value());
      } else if (key == "additionalItems" || key == "additionalProperties" || key == "contains" || key == "not" ||
                 key == "if" || key == "then" || key == "else") {
        schema(value);
      } else if (key == "items") {
        if (value.is_array())
          for (auto& sub : value) schema(sub);
        else
          schema(value);
      } else if (key == "allOf" || key == "anyOf" || key == "oneOf") {
        if (value.is_array())
          for (auto& sub : value) schema(sub);
      } else if (key == "propertyNames") {
        property_names = &value;
      }
    }
    if (property_names && property_names->is_object() && !property_names->contains("$ref")) {
      schema(*property_names);
      std::string name = std::string(kHoistPrefix) + std::to_string(counter++);
      hoisted[name] = std::move(*property_names);
      *property_names = json{{"$ref", "#/definitions/" + name}};
    }
  }
};

// Every `pattern` keyword becomes kPatternKeyword, checked by SafePattern (below), wherever it
// sits: in a schema reached by keywords or in a plain container of definitions that `$ref`
// points into (config.schema.json's definitions/common). A "pattern" key with a string value
// is always the keyword (a property's value is a schema, never a string); data under enum,
// const, default and examples is left as it is. Iterative: a user's --schema may be deep.
void rename_patterns(json& document) {
  std::vector<json*> stack{&document};
  while (!stack.empty()) {
    json* node = stack.back();
    stack.pop_back();
    if (node->is_array()) {
      for (auto& item : *node) stack.push_back(&item);
      continue;
    }
    if (!node->is_object()) continue;
    if (auto it = node->find("pattern"); it != node->end() && it->is_string()) {
      json pattern = std::move(*it);
      node->erase("pattern");
      (*node)[std::string(kPatternKeyword)] = std::move(pattern);
    }
    for (auto it = node->begin(); it != node->end(); ++it)
      if (it.key() != "enum" && it.key() != "const" && it.key() != "default" && it.key() != "examples")
        stack.push_back(&it.value());
  }
}

json hoist_property_names(json document) {
  rename_patterns(document);
  Hoister hoister;
  hoister.schema(document);
  if (!hoister.hoisted.empty()) {
    json& definitions = document["definitions"];
    if (!definitions.is_object()) definitions = json::object();
    for (auto& [name, sub] : hoister.hoisted.items()) definitions[name] = std::move(sub);
  }
  return document;
}

// ---- readable messages -------------------------------------------------------
//
// valijson reports every failing constraint of every oneOf/anyOf branch plus
// "wrapper" lines ("Failed to validate against any child schemas …"). To turn
// that into one useful line per place, we walk the schema along the instance
// pointer to learn what was expected there (types, enum values), drop the
// wrappers, and keep the most specific messages.


// Whether `value` satisfies a conditional (`if`) schema, for the shapes Dagu's schema
// uses: required, properties with const/enum/type, not, allOf, anyOf. nullopt when the
// schema uses anything else (the walker then takes both branches, as before).
std::optional<bool> simple_match(const json& schema, const json* value, int depth = 0) {
  if (!schema.is_object() || depth > 8) return std::nullopt;
  bool result = true;
  for (const auto& [key, sub] : schema.items()) {
    if (key == "description" || key == "$comment") continue;
    if (key == "required") {
      if (!value || !value->is_object()) return false;
      for (const auto& name : sub)
        if (!name.is_string() || !value->contains(name.get<std::string>())) result = false;
    } else if (key == "properties") {
      if (!value || !value->is_object()) continue;  // `properties` alone holds for non-objects
      for (const auto& [name, cond] : sub.items()) {
        auto it = value->find(name);
        if (it == value->end()) continue;
        auto m = simple_match(cond, &*it, depth + 1);
        if (!m) return std::nullopt;
        if (!*m) result = false;
      }
    } else if (key == "const") {
      if (!value || *value != sub) result = false;
    } else if (key == "enum") {
      if (!value || std::find(sub.begin(), sub.end(), *value) == sub.end()) result = false;
    } else if (key == "type" && sub.is_string()) {
      const std::string t = sub.get<std::string>();
      bool ok = value && ((t == "object" && value->is_object()) || (t == "array" && value->is_array()) ||
                          (t == "string" && value->is_string()) || (t == "boolean" && value->is_boolean()) ||
                          (t == "null" && value->is_null()) || (t == "number" && value->is_number()) ||
                          (t == "integer" && (value->is_number_integer() || value->is_number_unsigned())));
      if (!ok) result = false;
    } else if (key == "not") {
      auto m = simple_match(sub, value, depth + 1);
      if (!m) return std::nullopt;
      if (*m) result = false;
    } else if (key == "allOf" || key == "anyOf") {
      bool any = false, all = true;
      for (const auto& branch : sub) {
        auto m = simple_match(branch, value, depth + 1);
        if (!m) return std::nullopt;
        any = any || *m;
        all = all && *m;
      }
      if (key == "allOf" ? !all : !any) result = false;
    } else {
      return std::nullopt;
    }
  }
  return result;
}

struct SchemaWalker {
  const json& root;
  const json* instance = nullptr;  // the document, to decide `if` branches; null = take every branch

  const json* resolve(const json* node) const {
    for (int guard = 0; node && node->is_object() && node->contains("$ref") && guard < 32; ++guard) {
      const std::string ref = (*node)["$ref"].get<std::string>();
      if (ref.rfind("#", 0) != 0) return nullptr;
      try {
        node = &root.at(json::json_pointer(ref.substr(1)));
      } catch (const std::exception&) {
        return nullptr;
      }
    }
    return node;
  }

  // The schema and every branch it may take (allOf/oneOf/anyOf, and then/else as the
  // value at this place decides the `if`, or both when it cannot be decided).
  void expand(const json* node, std::vector<const json*>& out, const json* value, int depth = 0) const {
    node = resolve(node);
    if (!node || !node->is_object() || depth > 16) return;
    out.push_back(node);
    for (const char* key : {"allOf", "anyOf", "oneOf"}) {
      if (auto it = node->find(key); it != node->end() && it->is_array())
        for (const auto& sub : *it) expand(&sub, out, value, depth + 1);
    }
    std::optional<bool> condition;
    if (auto it = node->find("if"); it != node->end() && instance) condition = simple_match(*it, value);
    if (auto it = node->find("then"); it != node->end() && condition.value_or(true))
      expand(&*it, out, value, depth + 1);
    if (auto it = node->find("else"); it != node->end() && !condition.value_or(false))
      expand(&*it, out, value, depth + 1);
  }

  std::vector<const json*> at(const std::string& pointer) const {
    std::vector<const json*> current;
    const json* value = instance;
    expand(&root, current, value);
    for (const auto& part : yaml::pointer_split(pointer)) {
      const json* next_value = nullptr;
      if (value && value->is_object()) {
        if (auto it = value->find(part); it != value->end()) next_value = &*it;
      } else if (value && value->is_array() && !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit)) {
        size_t i = std::stoul(part);
        if (i < value->size()) next_value = &(*value)[i];
      }
      std::vector<const json*> next;
      bool is_index = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
      for (const json* s : current) {
        if (is_index) {
          if (auto it = s->find("items"); it != s->end()) {
            if (it->is_array()) {
              size_t i = std::stoul(part);
              if (i < it->size()) expand(&(*it)[i], next, next_value);
            } else {
              expand(&*it, next, next_value);
            }
          }
        }
        bool named = false;
        if (auto it = s->find("properties"); it != s->end() && it->contains(part)) {
          expand(&(*it)[part], next, next_value);
          named = true;
        }
        if (!named) {
          if (auto it = s->find("additionalProperties"); it != s->end() && it->is_object()) expand(&*it, next, next_value);
        }
      }
      current = std::move(next);
      value = next_value;
      if (current.empty()) break;
    }
    return current;
  }
};

std::string type_word(const std::string& type) {
  if (type == "string") return "a string";
  if (type == "integer") return "an integer";
  if (type == "number") return "a number";
  if (type == "boolean") return "true or false";
  if (type == "array") return "a list";
  if (type == "object") return "a mapping";
  if (type == "null") return "empty (null)";
  return type;
}

std::string instance_type_word(const json& value) {
  switch (value.type()) {
    case json::value_t::string: return "a string";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::array: return "a list";
    case json::value_t::object: return "a mapping";
    case json::value_t::null: return "nothing (null)";
    default: return "a value";
  }
}

std::string join_words(const std::vector<std::string>& words, const std::string& last_sep) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? last_sep : ", ";
    out += words[i];
  }
  return out;
}

std::string expected_types(const std::vector<const json*>& schemas) {
  // Order matters for determinism; keep the order of first appearance.
  std::vector<std::string> types;
  auto add = [&](const std::string& t) {
    if (std::find(types.begin(), types.end(), t) == types.end()) types.push_back(t);
  };
  for (const json* s : schemas) {
    if (auto it = s->find("type"); it != s->end()) {
      if (it->is_string()) add(it->get<std::string>());
      if (it->is_array())
        for (const auto& t : *it)
          if (t.is_string()) add(t.get<std::string>());
    }
  }
  // "integer" is covered by "number" when both appear.
  if (std::find(types.begin(), types.end(), "number") != types.end()) std::erase(types, std::string("integer"));
  std::vector<std::string> words;
  for (const auto& t : types) words.push_back(type_word(t));
  return join_words(words, " or ");
}

std::string allowed_values(const std::vector<const json*>& schemas) {
  std::vector<std::string> values;
  for (const json* s : schemas) {
    if (auto it = s->find("enum"); it != s->end() && it->is_array())
      for (const auto& v : *it) values.push_back(v.is_string() ? v.get<std::string>() : v.dump());
    if (auto it = s->find("const"); it != s->end())
      values.push_back(it->is_string() ? it->get<std::string>() : it->dump());
  }
  std::vector<std::string> unique;
  for (auto& v : values)
    if (std::find(unique.begin(), unique.end(), v) == unique.end()) unique.push_back(v);
  if (unique.size() > 12) {
    unique.resize(12);
    unique.push_back("…");
  }
  return join_words(unique, ", ");
}

std::string quoted_value(const json& value) {
  std::string text = value.is_string() ? "'" + text::shorten(value.get<std::string>(), 80) + "'" : text::shorten(value.dump(-1, ' ', false, json::error_handler_t::replace), 80);
  if (text.size() > 40) text = text.substr(0, 37) + "…";
  return text;
}

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.rfind(prefix, 0) == 0;
}

bool is_wrapper(const std::string& message) {
  return starts_with(message, "Failed to validate against any child schemas") ||
         starts_with(message, "Failed to validate against child schema") ||
         starts_with(message, "Failed to validate against any schemas allowed by anyOf") ||
         starts_with(message, "Failed to validate item #") ||
         starts_with(message, "Failed to validate against schema associated with property name") ||
         starts_with(message, "Failed to validate against schema associated with pattern") ||
         starts_with(message, "Failed to validate against additional properties schema") ||
         starts_with(message, "Failed to validate against a conditional schema") ||
         starts_with(message, "Failed to validate against dependent schema") ||
         starts_with(message, "Cannot validate item #");
}

// Whether any number is .inf or .nan (JSON has neither; they are checked as null, and named so).
bool has_non_finite(const json& root) {
  std::vector<const json*> stack{&root};
  while (!stack.empty()) {
    const json* v = stack.back();
    stack.pop_back();
    if (v->is_structured()) {
      for (const auto& child : *v) stack.push_back(&child);
    } else if (v->is_number_float() && !std::isfinite(v->get<double>())) {
      return true;
    }
  }
  return false;
}

std::string yaml_escape(const std::string& key) {
  std::string out;
  for (char c : key) out += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
  return out;
}

bool is_type_error(const std::string& message) {
  return starts_with(message, "Value type not permitted");
}

// The text inside the LAST pair of single quotes ("… constraints: 'key'." -> key).
std::string between_quotes(const std::string& message) {
  auto last = message.rfind('\'');
  if (last == std::string::npos || last == 0) return {};
  auto first = message.rfind('\'', last - 1);
  if (first == std::string::npos) return {};
  return message.substr(first + 1, last - first - 1);
}

}  // namespace

struct Validator::Impl {
  json document;  // kept alive: valijson refers into it while parsing
  valijson::Schema schema;
};

Validator::Validator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Validator::~Validator() = default;
Validator::Validator(Validator&&) noexcept = default;
Validator& Validator::operator=(Validator&&) noexcept = default;

Result<Validator> Validator::from_text(std::string_view schema_json) {
  auto impl = std::make_unique<Impl>();
  try {
    impl->document = hoist_property_names(json::parse(schema_json));
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    parser.addConstraintBuilder(std::string(kPatternKeyword), new SafePatternBuilder);  // the parser owns it
    valijson::adapters::NlohmannJsonAdapter adapter(impl->document);
    parser.populateSchema(adapter, impl->schema);
  } catch (const std::exception& ex) {
    return fail(ExitCode::internal, std::string("cannot load a JSON Schema: ") + ex.what());
  }
  return Validator(std::move(impl));
}

// valijson reports context as ["<root>", "[steps]", "[0]", …]; turn it into a JSON pointer.
static std::string to_pointer(const std::vector<std::string>& context) {
  std::string out;
  for (const auto& part : context) {
    if (part == "<root>") continue;
    std::string p = part;
    if (p.size() >= 2 && p.front() == '[' && p.back() == ']') p = p.substr(1, p.size() - 2);
    if (p.size() >= 2 && p.front() == '"' && p.back() == '"') p = p.substr(1, p.size() - 2);
    std::string escaped;
    for (char c : p) escaped += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
    out += "/" + escaped;
  }
  return out;
}

// One readable line for a raw valijson message at a pointer.
static std::string readable(const std::string& raw, const std::string& pointer, const json& instance,
                            const SchemaWalker& walker) {
  const json* value = nullptr;
  try {
    value = &instance.at(json::json_pointer(pointer));
  } catch (const std::exception&) {
  }
  if (is_type_error(raw)) {
    std::string expected = expected_types(walker.at(pointer));
    std::string got = value ? instance_type_word(*value) : "another type";
    if (expected.empty()) return "has the wrong type (got " + got + ")";
    return "must be " + expected + " (got " + got + ")";
  }
  if (starts_with(raw, "Failed to match against any enum values") ||
      starts_with(raw, "Failed to match expected value set by 'const'")) {
    std::string allowed = allowed_values(walker.at(pointer));
    std::string got = value ? quoted_value(*value) : "this value";
    if (allowed.empty()) return got + " is not an allowed value";
    return got + " is not allowed; use one of: " + allowed;
  }
  if (starts_with(raw, "Object contains a property that could not be validated")) {
    return "unknown key '" + between_quotes(raw) + "'";
  }
  if (starts_with(raw, "Missing required property")) return "missing required key '" + between_quotes(raw) + "'";
  if (starts_with(raw, "Failed to match regex specified by 'pattern'")) {
    for (const json* s : walker.at(pointer))
      if (auto it = s->find(std::string(kPatternKeyword)); it != s->end() && it->is_string())
        return (value ? quoted_value(*value) + " " : std::string()) + "does not match the pattern " +
               it->get<std::string>();
    return "does not match the required pattern";
  }
  if (starts_with(raw, std::string(kPatternTooLong)))
    return "is longer than " + std::to_string(kStdRegexMaxLength) +
           " characters, too long to check against this schema's look-around pattern";
  if (starts_with(raw, "Failed to validate against exactly one child schema"))
    return "matches more than one of the allowed forms; make it unambiguous";
  if (starts_with(raw, "Target should not validate against schema specified in 'not'"))
    return "uses a combination of keys or a value that is not allowed here";
  std::string message = raw;
  if (!message.empty()) message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
  if (!message.empty() && message.back() == '.') message.pop_back();
  return message;
}

const nlohmann::json& Validator::document() const {
  return impl_->document;
}

std::vector<std::string> Validator::keys_at(const std::string& pointer,
                                            const nlohmann::ordered_json& instance) const {
  json plain = json::parse(instance.dump());
  SchemaWalker walker{impl_->document, &plain};
  std::set<std::string> keys;
  for (const json* s : walker.at(pointer))
    if (auto it = s->find("properties"); it != s->end() && it->is_object())
      for (const auto& [k, v] : it->items()) keys.insert(k);
  return {keys.begin(), keys.end()};
}

std::vector<Violation> Validator::validate(const nlohmann::ordered_json& instance) const {
  // valijson's nlohmann adapter wants nlohmann::json; the round trip keeps values, except
  // that JSON has no .inf/.nan (they become null): remember where they were, to say so.
  // Converted node by node (a dump and re-parse cost a quarter of a 10,000-step spec's read).
  json plain(instance);
  std::map<std::string, std::string> non_finite;
  if (has_non_finite(plain)) {
    std::vector<std::pair<const nlohmann::ordered_json*, std::string>> stack{{&instance, ""}};
    while (!stack.empty()) {
      auto [v, pointer] = stack.back();
      stack.pop_back();
      if (v->is_object()) {
        for (auto it = v->begin(); it != v->end(); ++it) stack.emplace_back(&it.value(), pointer + "/" + yaml_escape(it.key()));
      } else if (v->is_array()) {
        for (size_t i = 0; i < v->size(); ++i) stack.emplace_back(&(*v)[i], pointer + "/" + std::to_string(i));
      } else if (v->is_number_float() && !std::isfinite(v->get<double>())) {
        double d = v->get<double>();
        non_finite[pointer] = std::isnan(d) ? ".nan" : d < 0 ? "-.inf" : ".inf";
      }
    }
    for (const auto& [pointer, word] : non_finite) plain.at(json::json_pointer(pointer)) = nullptr;
  }
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(plain);
  if (validator.validate(impl_->schema, target, &results)) return {};

  std::vector<Violation> raw;
  std::vector<Violation> wrappers;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    if (!is_wrapper(error.description))
      raw.push_back({to_pointer(error.context), error.description});
    else
      wrappers.push_back({to_pointer(error.context), error.description});
  }
  if (raw.empty()) {
    // Some constraints (propertyNames among them) fail without a message of
    // their own; name the deepest place the wrappers point at.
    size_t deepest = 0;
    for (auto& w : wrappers) {
      if (starts_with(w.message, "Failed to validate against schema associated with property name"))
        w.pointer += "/" + yaml_escape(between_quotes(w.message));
      deepest = std::max(deepest, static_cast<size_t>(std::count(w.pointer.begin(), w.pointer.end(), '/')));
    }
    std::vector<Violation> out;
    for (const auto& w : wrappers)
      if (static_cast<size_t>(std::count(w.pointer.begin(), w.pointer.end(), '/')) == deepest &&
          std::none_of(out.begin(), out.end(), [&](const Violation& o) { return o.pointer == w.pointer; }))
        out.push_back({w.pointer, "has a key name or value that is not allowed here"});
    if (out.empty()) out.push_back({"", "does not match the schema"});
    return out;
  }

  // Collapse the branches of oneOf/anyOf: a type mismatch at a place is noise
  // when some branch got further there (another message at the same place or
  // below it); only when every branch failed on the type do we say so, once.
  auto is_prefix = [](const std::string& ancestor, const std::string& p) {
    return p == ancestor || (starts_with(p, ancestor) && p.size() > ancestor.size() && p[ancestor.size()] == '/');
  };
  std::vector<Violation> kept;
  for (const auto& v : raw) {
    if (is_type_error(v.message)) {
      bool superseded = std::any_of(raw.begin(), raw.end(), [&](const Violation& other) {
        return !is_type_error(other.message) && is_prefix(v.pointer, other.pointer);
      });
      bool deeper_type = std::any_of(raw.begin(), raw.end(), [&](const Violation& other) {
        return other.pointer != v.pointer && is_prefix(v.pointer, other.pointer);
      });
      if (superseded || deeper_type) continue;
    }
    kept.push_back(v);
  }
  // Enum/const failures next to a more specific message at the same place are
  // a failed alternative ("a name from this list, or a mapping that …").
  std::vector<Violation> specific;
  for (const auto& v : kept) {
    bool is_enum = starts_with(v.message, "Failed to match against any enum values") ||
                   starts_with(v.message, "Failed to match expected value set by 'const'");
    if (is_enum && std::any_of(kept.begin(), kept.end(), [&](const Violation& other) {
          return other.pointer != v.pointer && is_prefix(v.pointer, other.pointer);
        }))
      continue;
    specific.push_back(v);
  }

  SchemaWalker walker{impl_->document, &plain};
  std::vector<Violation> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& v : specific) {
    Violation r{v.pointer, readable(v.message, v.pointer, plain, walker)};
    if (auto it = non_finite.find(v.pointer); it != non_finite.end())
      if (size_t at = r.message.find("(got nothing (null))"); at != std::string::npos)
        r.message.replace(at, 20, "(got " + it->second + ", which is not a finite number)");
    if (seen.insert({r.pointer, r.message}).second) out.push_back(std::move(r));
  }
  return out;
}

}  // namespace arborist::schema
