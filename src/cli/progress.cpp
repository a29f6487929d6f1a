#include "cli/progress.hpp"

#include <chrono>
#include <cstdio>

#include "cli/output.hpp"

namespace arborist::cli {

bool progress_wanted(bool quiet) {
  return !quiet && stderr_is_terminal();
}

Spinner::Spinner(std::string label, bool enabled)
    : label_(std::move(label)), enabled_(enabled), color_(enabled && color_enabled()) {
  if (enabled_) thread_ = std::thread([this] { run(); });
}

Spinner::~Spinner() {
  stop();
}

void Spinner::update(const runners::Progress& progress) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  progress_ = progress;
}

void Spinner::stop() {
  if (!enabled_ || stopping_.exchange(true)) return;
  if (thread_.joinable()) thread_.join();
  std::fputs("\r\033[K", stderr);  // leave the line clean for what follows
  std::fflush(stderr);
}

std::string Spinner::frame(const std::string& label, int tick, long elapsed_seconds, const runners::Progress& progress,
                           bool color) {
  static const char* const kFrames[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
  std::string out = kFrames[tick % 10];
  out += " " + label + " · " + std::to_string(elapsed_seconds) + "s";
  // Tokens: the provider's count once it gives one, else an estimate from the text (~4 bytes a token).
  long tokens = progress.output_tokens > 0 ? progress.output_tokens : progress.chars / 4;
  if (tokens > 0)
    out += " · " + std::string(progress.output_tokens > 0 ? "" : "~") + std::to_string(tokens) + " tokens";
  if (progress.attempt > 1) out += " · attempt " + std::to_string(progress.attempt);
  if (color) out = "\033[2m" + out + "\033[0m";
  return out;
}

void Spinner::run() {
  const auto start = std::chrono::steady_clock::now();
  for (int tick = 0; !stopping_.load(); ++tick) {
    runners::Progress snapshot;
    {
      std::lock_guard lock(mutex_);
      snapshot = progress_;
    }
    long elapsed = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count();
    std::string line = "\r" + frame(label_, tick, elapsed, snapshot, color_) + "\033[K";
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
    for (int i = 0; i < 10 && !stopping_.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace arborist::cli
