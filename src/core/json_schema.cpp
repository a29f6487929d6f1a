#include "core/json_schema.hpp"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace arborist::schema {

struct Validator::Impl {
  nlohmann::json document;  // kept alive: valijson refers into it while parsing
  valijson::Schema schema;
};

Validator::Validator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Validator::~Validator() = default;
Validator::Validator(Validator&&) noexcept = default;
Validator& Validator::operator=(Validator&&) noexcept = default;

Result<Validator> Validator::from_text(std::string_view schema_json) {
  auto impl = std::make_unique<Impl>();
  try {
    impl->document = nlohmann::json::parse(schema_json);
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
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

std::vector<Violation> Validator::validate(const nlohmann::ordered_json& instance) const {
  // valijson's nlohmann adapter wants nlohmann::json; the round trip keeps values.
  nlohmann::json plain = nlohmann::json::parse(instance.dump());
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(plain);
  std::vector<Violation> out;
  if (!validator.validate(impl_->schema, target, &results)) {
    valijson::ValidationResults::Error error;
    while (results.popError(error)) out.push_back({to_pointer(error.context), error.description});
  }
  return out;
}

}  // namespace arborist::schema
