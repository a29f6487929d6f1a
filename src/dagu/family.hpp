#pragma once
// Which Dagu a DAG file is written for. Dagu's syntax moved in three steps, each
// with its own loader and `dagu validate` rules (docs/dagu.md):
//   v1     1.x (≤ 1.30): camelCase keys, no schema, `run:` calls a sub-DAG;
//   v2_6   2.0–2.6: snake_case, default type chain, `call:`, schema v2.6;
//   v2_15  2.7–2.15: default type graph, `run:`/`action:`+`with:`, consts,
//          outputs, foreach, agent and build DAGs; schema v2.15; `dagu validate`
//          refuses a first-document `name:`.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/yaml.hpp"

namespace arborist::dagu {

enum class Family { v1, v2_6, v2_15 };

// "1", "2.6", "2.15": what --dagu-version takes and --json reports.
std::string_view family_id(Family family);
// "Dagu 1.x", "Dagu 2.0–2.6", "Dagu 2.7–2.15": for messages.
std::string_view family_label(Family family);

// Reads a version as users write it: "1", "1.30", "1.30.2", "2.6", "2.3.1", "2.15", "2.15.1",
// "v2.9", "latest". Fails (ExitCode::usage) naming the accepted forms.
Result<Family> parse_family(std::string_view text);

struct FamilyGuess {
  Family family = Family::v2_15;
  std::string reason;  // e.g. "camelCase keys (retryPolicy)", "uses run:", "no version-specific keys"
};

// Decides from the content: camelCase-only keys mean 1.x; keys that exist only in
// 2.7+ (run, action, consts, outputs, foreach, …) or `depends` without `type:`
// mean 2.15; keys only 2.0–2.6 knew mean 2.6; anything else is read as today's Dagu.
// `written_for`: the form arborist's own header comment names (dagu::header_family). When the
// content says nothing version-specific it decides, before the `name:` rule: a 1.x DAG without
// camelCase keys is otherwise indistinguishable from a 2.0–2.6 one.
FamilyGuess detect_family(const std::vector<yaml::Document>& documents, std::optional<Family> written_for = {});

}  // namespace arborist::dagu
