#pragma once
// JSON Schema (draft-07) validation of JSON values, used for the spec schema and
// Dagu's official DAG schema. Errors come back as values with JSON pointers so
// callers can map them to file:line:col through yaml::Document::positions.
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace arborist::schema {

struct Violation {
  std::string pointer;  // where in the instance, e.g. "/steps/0/depends"
  std::string message;  // what is wrong, in words
};

class Validator {
 public:
  // Parses and compiles the schema; fails (ExitCode::internal) if the schema itself is broken.
  static Result<Validator> from_text(std::string_view schema_json);
  ~Validator();
  Validator(Validator&&) noexcept;
  Validator& operator=(Validator&&) noexcept;

  std::vector<Violation> validate(const nlohmann::ordered_json& instance) const;
  // The property names the schema allows at `pointer` of this instance (the branches its
  // conditions select), for "did you mean" on an unknown key; sorted, no duplicates.
  std::vector<std::string> keys_at(const std::string& pointer, const nlohmann::ordered_json& instance) const;
  // The schema document as compiled (so callers need not parse the text a second time).
  const nlohmann::json& document() const;

 private:
  struct Impl;
  explicit Validator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace arborist::schema
