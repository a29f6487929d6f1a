#include "core/yaml_writer.hpp"

#include <array>
#include <cctype>
#include <cstdio>

namespace arborist::yaml {

using json = nlohmann::ordered_json;

namespace {

bool looks_numeric_or_special(std::string_view s) {
  // Anything a YAML 1.1 or 1.2 resolver might type: bools, nulls, ints in any
  // base, floats, sexagesimal numbers (1:20), timestamps (2024-01-01), .inf/.nan.
  static const std::array<std::string_view, 22> words = {
      "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", "nan",
      ".nan", ".inf", "-.inf", "+.inf", "inf", "-inf", "+inf", "<<", "=", "none", "nil"};
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto w : words)
    if (lower == w) return true;
  // Starts like a number: optional sign then a digit or a dot followed by a digit.
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    // Only digits and number punctuation: 1_000, 0x1F, 1e5, 12:30, 2024-01-01, 1.5
    for (size_t k = i; k < s.size(); ++k) {
      unsigned char c = static_cast<unsigned char>(s[k]);
      if (!(std::isxdigit(c) || c == '.' || c == '_' || c == ':' || c == '-' || c == '+' || c == 'x' || c == 'X' ||
            c == 'o' || c == 'O' || c == 'T' || c == 't' || c == 'Z' || c == 'z' || c == ' '))
        return false;
    }
    return true;
  }
  if (i < s.size() && s[i] == '.' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) return true;
  return false;
}

void write_double_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

bool has_control(std::string_view s, bool allow_newline) {
  for (unsigned char c : s)
    if ((c < 0x20 && !(allow_newline && c == '\n') && c != '\t') || c == 0x7f) return true;
  return false;
}

void indent(std::string& out, int n) { out.append(static_cast<size_t>(n), ' '); }

bool is_multiline_block_ok(std::string_view s) {
  // Literal blocks can't carry control characters, '\r', or trailing spaces on
  // lines only made of spaces before the content; keep those double-quoted.
  if (s.find('\n') == std::string_view::npos) return false;
  if (has_control(s, true) || s.find('\r') != std::string_view::npos) return false;
  return true;
}

void write_block(std::string& out, std::string_view s, int ind) {
  out += '|';
  // An explicit indentation indicator when the first line starts with a space.
  if (!s.empty() && (s[0] == ' ')) out += "2";
  size_t trailing = 0;
  while (trailing < s.size() && s[s.size() - 1 - trailing] == '\n') ++trailing;
  if (trailing == 0)
    out += '-';
  else if (trailing > 1)
    out += '+';
  out += '\n';
  std::string_view body = s.substr(0, s.size() - trailing);
  size_t start = 0;
  while (true) {
    size_t nl = body.find('\n', start);
    std::string_view line = body.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    if (!line.empty()) {
      indent(out, ind);
      out += line;
    }
    out += '\n';
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  for (size_t k = 1; k < trailing; ++k) out += '\n';
}

void write_value(std::string& out, const json& v, int ind, bool in_seq_item);

void write_scalar_inline(std::string& out, const json& v) {
  switch (v.type()) {
    case json::value_t::null: out += "null"; break;
    case json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; break;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: out += v.dump(); break;
    case json::value_t::string: out += scalar(v.get_ref<const std::string&>()); break;
    default: out += v.dump(); break;
  }
}

bool is_empty_container(const json& v) { return (v.is_object() || v.is_array()) && v.empty(); }

// Writes "key: value" pairs of an object, each line at indentation `ind`.
// The first line's indentation is assumed already written when first_inline.
void write_object(std::string& out, const json& obj, int ind, bool first_inline) {
  bool first = true;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (!(first && first_inline)) indent(out, ind);
    first = false;
    out += scalar(it.key());
    out += ':';
    const json& v = it.value();
    if (v.is_object() && !v.empty()) {
      out += '\n';
      write_object(out, v, ind + 2, false);
    } else if (v.is_array() && !v.empty()) {
      out += '\n';
      write_value(out, v, ind, false);  // sequences under a key at the same indentation
    } else if (v.is_string() && is_multiline_block_ok(v.get_ref<const std::string&>())) {
      out += ' ';
      write_block(out, v.get_ref<const std::string&>(), ind + 2);
    } else {
      out += ' ';
      if (is_empty_container(v))
        out += v.is_object() ? "{}" : "[]";
      else
        write_scalar_inline(out, v);
      out += '\n';
    }
  }
}

void write_sequence_item(std::string& out, const json& item, int ind) {
  indent(out, ind);
  out += "- ";
  if (item.is_object() && !item.empty()) {
    write_object(out, item, ind + 2, true);
  } else if (item.is_array() && !item.empty()) {
    out += '\n';
    write_value(out, item, ind + 2, true);
  } else if (item.is_string() && is_multiline_block_ok(item.get_ref<const std::string&>())) {
    write_block(out, item.get_ref<const std::string&>(), ind + 2);
  } else {
    if (is_empty_container(item))
      out += item.is_object() ? "{}" : "[]";
    else
      write_scalar_inline(out, item);
    out += '\n';
  }
}

void write_value(std::string& out, const json& v, int ind, bool) {
  if (v.is_object()) {
    if (v.empty()) {
      indent(out, ind);
      out += "{}\n";
      return;
    }
    write_object(out, v, ind, false);
  } else if (v.is_array()) {
    if (v.empty()) {
      indent(out, ind);
      out += "[]\n";
      return;
    }
    for (const auto& item : v) write_sequence_item(out, item, ind);
  } else {
    indent(out, ind);
    write_scalar_inline(out, v);
    out += '\n';
  }
}

}  // namespace

bool plain_is_safe(std::string_view s) {
  if (s.empty()) return false;
  if (has_control(s, false) || s.find('\t') != std::string_view::npos || s.find('\n') != std::string_view::npos)
    return false;
  if (s.front() == ' ' || s.back() == ' ' || s.back() == ':') return false;
  static constexpr std::string_view indicators = "-?:,[]{}#&*!|>'\"%@`";
  if (indicators.find(s.front()) != std::string_view::npos) return false;
  if (s.find(": ") != std::string_view::npos || s.find(" #") != std::string_view::npos) return false;
  // Flow indicators ({}[],) are legal inside block plain scalars ("${VAR}"); arborist
  // never writes flow collections, so only a leading one (above) needs quotes.
  if (looks_numeric_or_special(s)) return false;
  return true;
}

std::string scalar(std::string_view s) {
  if (plain_is_safe(s)) return std::string(s);
  std::string out;
  if (!has_control(s, false) && s.find('\'') == std::string_view::npos && s.find('\t') == std::string_view::npos) {
    out += '\'';
    out += s;
    out += '\'';
  } else {
    write_double_quoted(out, s);
  }
  return out;
}

std::string write(const json& value) {
  std::string out;
  write_value(out, value, 0, false);
  return out;
}

void append(std::string& out, const json& value) { write_value(out, value, 0, false); }

void append_sequence_item(std::string& out, const json& item) { write_sequence_item(out, item, 0); }

}  // namespace arborist::yaml
