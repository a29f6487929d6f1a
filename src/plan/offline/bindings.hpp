#pragma once
// "deploy to eu-west-1 using `./deploy.sh $REGION`": the value the words give a variable the
// user's own command reads. Only a value whose kind the variable's name says (a region for
// $REGION, an environment for $ENV, an OS for $GOOS, a version for $PYTHON_VERSION), and only
// when the words hold exactly one such value: the step's env binds it, so the command runs for
// what was said instead of reading an unset variable.
#include <string>
#include <string_view>
#include <vector>

#include "spec/model.hpp"

namespace arborist::plan::offline {

// The bindings for `command`'s variables from the words of `clause` outside back-quotes.
std::vector<spec::EnvVar> values_said_for(std::string_view clause, const std::string& command);

}  // namespace arborist::plan::offline
