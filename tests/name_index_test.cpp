// core/name_index: the flat name -> index table behind the per-step checks of big specs, and
// the streaming spec hash (spec_hash must stay the digest of to_json(spec).dump(): DAGs
// written earlier record it, and `arborist check` compares it).
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "core/hash.hpp"
#include "core/name_index.hpp"
#include "spec/io.hpp"

using namespace arborist;

TEST_CASE("NameIndex keeps the first index of each name and finds every one", "[name-index]") {
  std::vector<std::string> names;
  for (int i = 0; i < 5000; ++i) names.push_back("step-" + std::to_string(i % 3000));  // 2,000 repeats
  names.push_back("");                                                                 // an empty name is a key too
  NameIndex index;                                                                     // grows from empty
  std::map<std::string, std::uint32_t> expected;
  for (std::uint32_t i = 0; i < names.size(); ++i) {
    const std::uint32_t before = index.insert(names[i], i);
    auto [it, added] = expected.emplace(names[i], i);
    CHECK(before == (added ? NameIndex::npos : it->second));
  }
  CHECK(index.size() == expected.size());
  for (const auto& [name, first] : expected) CHECK(index.find(name) == first);
  CHECK(index.find("step-3000") == NameIndex::npos);
  CHECK_FALSE(index.contains("step"));
  CHECK(NameIndex().find("x") == NameIndex::npos);

  NameIndex reserved(10);  // reserving, then outgrowing it, keeps every entry
  for (std::uint32_t i = 0; i < 100; ++i) reserved.insert(names[i], i);
  for (std::uint32_t i = 0; i < 100; ++i) CHECK(reserved.find(names[i]) == i);
}

TEST_CASE("Sha256 fed in pieces gives the digest of the whole", "[name-index]") {
  const std::string text = "The quick brown fox jumps over the lazy dog";
  Sha256 pieces;
  for (size_t i = 0; i < text.size(); i += 7) pieces.update(std::string_view(text).substr(i, 7));
  CHECK(pieces.hex() == sha256_hex(text));
  CHECK(sha256_hex(text) == "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592");
}

TEST_CASE("spec_hash is the SHA-256 of the spec's compact JSON, whatever the spec holds", "[name-index]") {
  const std::vector<std::string> specs = {"version: 1\nname: one\nsteps:\n- name: a\n  command: echo a\n",
                                          R"Y(version: 1
name: full
description: "every field: \"quotes\", unicode é, tabs\t"
schedule: "0 2 * * *"
env: {REGION: eu-west-1, EMPTY: ""}
params: [{name: DAY, default: today, description: which day}]
on_failure: echo failed
on_exit: echo done
queue: nightly
max_active_steps: 2
assumptions: [a, b]
open_questions: ["which bucket?"]
steps:
- name: ask
  ai: {prompt: "summarise", model: m, max_tokens: 100, temperature: 0.5, choose: [yes, no]}
  output: ANSWER
- name: build
  description: builds
  script: |
    set -e
    make
  depends_on: [ask]
  retries: 3
  retry_interval: 30s
  timeout: 1h
  continue_on_failure: true
  env: {A: "1"}
  dir: /srv
  container: alpine:3
  preconditions: ["test -f x", {condition: "$(date +%u)", expected: "1"}]
)Y"};
  for (const auto& text : specs) {
    auto spec = spec::read_spec(text, "hash.yaml");
    std::string why;
    if (!spec)
      for (const auto& p : spec.error().problems) why += p.message + " at " + p.where.key + "; ";
    INFO(why);
    REQUIRE(spec);
    CHECK(spec::spec_hash(*spec) == sha256_hex(spec::to_json(*spec).dump()));
  }
  spec::Spec no_steps;  // not a valid spec, but hashed all the same
  no_steps.name = "empty";
  CHECK(spec::spec_hash(no_steps) == sha256_hex(spec::to_json(no_steps).dump()));
}
