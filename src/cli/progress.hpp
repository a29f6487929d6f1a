#pragma once
// A one-line spinner on stderr while a runner works: elapsed time and tokens so far.
// Shown only when stderr is a terminal and --quiet is off; nothing else ever sees it.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include "runners/runner.hpp"

namespace arborist::cli {

// True when a spinner may be drawn: stderr is a terminal and not --quiet.
bool progress_wanted(bool quiet);

class Spinner {
 public:
  // Draws nothing at all unless `enabled`.
  Spinner(std::string label, bool enabled);
  ~Spinner();  // stops and erases the line
  Spinner(const Spinner&) = delete;
  Spinner& operator=(const Spinner&) = delete;

  void update(const runners::Progress& progress);
  void stop();
  // The text of one frame, for tests: "⠋ planning with openai · 3s · 120 tokens".
  static std::string frame(const std::string& label, int tick, long elapsed_seconds, const runners::Progress& progress,
                           bool color);

 private:
  void run();
  std::string label_;
  bool enabled_;
  bool color_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  runners::Progress progress_;
  std::thread thread_;
};

}  // namespace arborist::cli
