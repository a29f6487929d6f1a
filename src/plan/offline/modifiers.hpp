#pragma once
// How a step should run, said in words: "retry the upload 3 times", "give the training 2 hours
// max", "with a 10 minute timeout", "continue even if it fails". Read out of a clause so the
// rest of it is the action ("upload the file, retrying up to 3 times" -> "upload the file"),
// or a whole clause that only says it about another step ("retry the push 3 times").
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace arborist::plan::offline {

struct StepLimits {
  std::optional<int> retries;         // extra attempts after a failure
  std::optional<int> retry_interval;  // seconds between attempts
  std::optional<int> timeout;         // seconds
  bool continue_on_failure = false;
  bool retries_guessed = false;  // "retry on failure" without a count: the default count
  bool any() const { return retries || retry_interval || timeout || continue_on_failure; }
};

struct ModifierSpan {
  size_t begin = 0;  // bytes in the clause
  size_t end = 0;
  std::string what;  // "retries 3", "timeout 2h" — for the planner's reading of the words
};

struct Modifiers {
  StepLimits limits;
  std::vector<ModifierSpan> spans;  // what was read, in order
  // The clause says nothing but this, about another step ("retry the push 3 times"):
  bool whole_clause = false;
  std::string target;      // its words naming that step ("push"); "" means the step before
  bool all_steps = false;  // "time out every step after 10 minutes"
  bool plural = false;     // "retry them twice": the steps just before, as a group
  // A target of "" means the step before; a timeout alone ("Timeout 45 min.") skips notifications.
};

// The modifiers in a clause (words inside back-quotes or quotes are the user's command, never
// read). Empty limits when there are none.
Modifiers read_modifiers(std::string_view clause);

// The clause with the modifier spans taken out, connecting words they leave dangling trimmed:
// "run `./sync.sh` and retry it twice if it fails" -> "run `./sync.sh`".
std::string without_modifiers(std::string_view clause, const std::vector<ModifierSpan>& spans);

// A duration in words at tokens of `text` ("2 hours", "90 min", "1h30m", "an hour", "half an
// hour", "10-minute"): seconds, or nullopt. Exposed for tests.
std::optional<int> duration_in_words(std::string_view text);

// Whether the words of a target ("the evaluation", "training") name a step whose words are
// `step_words` (its clause): shared stems ("evaluation" ~ "evaluate", "training" ~ "train").
bool names_step(std::string_view target, std::string_view step_words);

}  // namespace arborist::plan::offline
