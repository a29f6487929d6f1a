#pragma once
// Shared rate limits (`rate_limit: {requests_per_minute, tokens_per_minute}` of a runner):
// every arborist process on the machine — twenty cron jobs firing at 09:00, a batch with
// --jobs 8 — takes its turn through one small ledger file per runner profile, locked with
// flock(2) while it is read and rewritten. The ledger holds the calls of the last minute
// (when, and their tokens: an estimate while the call runs, the real count after). A call
// that does not fit waits until the oldest calls leave the window — but never past its
// deadline: then it fails at once (exit 5) instead of sleeping in vain. A provider's own
// 429 still goes through the transport's retry rules.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace arborist::usage {

struct RateLimit {
  std::optional<long> requests_per_minute;
  std::optional<long> tokens_per_minute;
  bool any() const { return requests_per_minute || tokens_per_minute; }
};

// ${XDG_STATE_HOME:-~/.local/state}/arborist/rate (created 0700).
std::filesystem::path default_rate_dir();

class RateLimiter {
 public:
  using Clock = std::chrono::system_clock;  // wall time: shared by processes
  // Injectable for tests: the current time and the sleep (defaults: the real ones).
  struct Hooks {
    std::function<Clock::time_point()> now;
    std::function<void(std::chrono::milliseconds)> sleep;
  };

  RateLimiter(std::filesystem::path dir, std::string runner, RateLimit limit, Hooks hooks = {});

  // Takes a turn for one call of about `tokens` tokens (input estimate + output cap), waiting
  // as long as needed but not past `deadline`. `on_wait` hears each wait before it starts.
  // Returns the total time waited; an error (exit 5) when the turn would come after the
  // deadline, or (exit 7) when the ledger cannot be used.
  // `starts_in`: the call goes out that much later (a retry after its backoff); its turn is
  // taken, and counted, at that time.
  Result<std::chrono::milliseconds> acquire(long tokens, Clock::time_point deadline,
                                            const std::function<void(std::chrono::milliseconds)>& on_wait = {},
                                            std::chrono::milliseconds starts_in = std::chrono::milliseconds(0));
  // After a call that succeeded: its real token count replaces the estimate. (A failed
  // call keeps its estimate: the provider may have counted it.)
  void settle(long tokens);

  const std::filesystem::path& ledger() const { return path_; }

 private:
  std::filesystem::path path_;
  std::string runner_;
  RateLimit limit_;
  Hooks hooks_;
  std::string id_;  // this call's ledger line, once acquired
};

}  // namespace arborist::usage
