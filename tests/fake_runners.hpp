#pragma once
// Recording fake runners for planning-session and batch tests: the built-in descriptors
// (so selection, cache keys and prices behave as in a real run) with factories replaced by
// fakes that record every build and call, and answer with the offline planner's spec.
#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "runners/mock.hpp"
#include "runners/runner.hpp"
#include "spec/io.hpp"

namespace arborist::test {

// What the fakes did, in order: "build openai", "call openai".
struct Recorder {
  std::string fail_when;  // a description containing this fails with a provider error
  std::mutex mutex;
  std::vector<std::string> events;
  std::map<std::string, bool> failing;  // type -> answers with a provider error
  void add(std::string e) {
    std::lock_guard lock(mutex);
    events.push_back(std::move(e));
  }
  long count(const std::string& e) {
    std::lock_guard lock(mutex);
    return std::count(events.begin(), events.end(), e);
  }
};

class FakeRunner : public runners::Runner {
 public:
  FakeRunner(std::string type, Recorder& recorder) : type_(std::move(type)), recorder_(recorder) {}
  std::string type() const override { return type_; }
  Result<runners::Answer> complete(const runners::Request& request) override {
    recorder_.add("call " + type_);
    bool failing;
    {
      std::lock_guard lock(recorder_.mutex);
      failing = recorder_.failing[type_];
    }
    if (failing) return fail(ExitCode::runner, type_ + " is down (HTTP 503)");
    if (!recorder_.fail_when.empty() && request.description.find(recorder_.fail_when) != std::string::npos)
      return fail(ExitCode::runner, type_ + " refused this one (HTTP 400)");
    runners::Answer answer;
    answer.text = spec::write_spec(runners::plan_offline(request.description));
    answer.model = request.model;
    answer.usage = {1000, 200};
    answer.finish_reason = "stop";
    answer.structure = "json_schema";
    return answer;
  }

 private:
  std::string type_;
  Recorder& recorder_;
};

// The built-in descriptors with their factories replaced by recording fakes.
inline runners::Registry fake_registry(Recorder& recorder) {
  runners::Registry registry;
  for (const auto* d : runners::builtin_registry().descriptors()) {
    runners::Descriptor fake = *d;
    if (fake.calls_out) {
      const std::string type = fake.type;
      fake.factory = [type, &recorder](const runners::RunnerConfig&) -> Result<std::unique_ptr<runners::Runner>> {
        recorder.add("build " + type);
        return std::unique_ptr<runners::Runner>(new FakeRunner(type, recorder));
      };
    }
    registry.add(std::move(fake));
  }
  return registry;
}

inline runners::EnvLookup keys_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (name == "OPENAI_API_KEY") return std::string("sk-openai-test-key-123456");
    if (name == "ANTHROPIC_API_KEY") return std::string("sk-ant-test-key-123456");
    return std::nullopt;
  };
}

}  // namespace arborist::test
