#pragma once
// Writes JSON values as block-style YAML that reads back the same under both
// YAML 1.1 and 1.2 (Go's yaml libraries, yaml-cpp, PyYAML): strings that either
// version would read as a bool, number, null or timestamp are quoted; multi-line
// strings become literal blocks. Key order is the ordered_json insertion order,
// so output is deterministic.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace arborist::yaml {

std::string write(const nlohmann::ordered_json& value);
// Appends `value` as write() would, to `out`.
void append(std::string& out, const nlohmann::ordered_json& value);
// Appends one item of a top-level block sequence ("- key: …"), as write() writes each item of
// an array: a long list can be written one item at a time, never held whole as JSON.
void append_sequence_item(std::string& out, const nlohmann::ordered_json& item);

// True when the string can be written unquoted and still read back as this string.
bool plain_is_safe(std::string_view s);
// The scalar as it will be written on one line (plain, '…' or "…").
std::string scalar(std::string_view s);

}  // namespace arborist::yaml
