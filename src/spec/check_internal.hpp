#pragma once
// Shared by read.cpp and check.cpp: a problem list that turns JSON pointers into
// file:line:col when the spec came from a document, and skips follow-on problems
// under a pointer that already has one (a step that is not a mapping is reported
// once, not once per missing field).
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/yaml.hpp"
#include "spec/model.hpp"

namespace arborist::spec {

class Problems {
 public:
  Problems() = default;
  Problems(const yaml::Document& doc, std::string file) : doc_(&doc), file_(std::move(file)) {}

  void add(const std::string& pointer, std::string message, std::string hint = {}, std::string step = {},
           Severity severity = Severity::error);
  // Like add(), but dropped when a problem is already reported at or above this pointer.
  void add_unless_reported(const std::string& pointer, std::string message, std::string hint = {},
                           std::string step = {}, Severity severity = Severity::error);
  bool has_errors() const { return arborist::has_errors(list_); }
  int line_of(const std::string& pointer) const;
  std::vector<Problem> take() { return std::move(list_); }

 private:
  const yaml::Document* doc_ = nullptr;
  std::string file_;
  std::vector<Problem> list_;
  std::vector<std::string> pointers_;
};

// The semantic checks (names, commands, dependencies, cycles, schedule) on a
// converted spec. `check_spec` in io.hpp is this without a document.
void check_spec_into(const Spec& spec, Problems& problems);

// "" when the schedule is one a spec may hold (five-field cron or @descriptor),
// else what is wrong with it.
std::string schedule_problem(const std::string& schedule);

}  // namespace arborist::spec
