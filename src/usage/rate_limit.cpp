#include "usage/rate_limit.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "core/hash.hpp"

namespace arborist::usage {

namespace fs = std::filesystem;
using namespace std::chrono;

namespace {

constexpr long long kWindowMs = 60'000;

struct Line {
  long long at_ms = 0;
  long tokens = 0;
  std::string id;
};

// "at_ms tokens id" per line; anything else (a torn write, an edit) is dropped.
std::vector<Line> parse_ledger(const std::string& text) {
  std::vector<Line> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    Line l;
    size_t a = line.find(' ');
    size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
    if (b == std::string_view::npos) continue;
    auto r1 = std::from_chars(line.data(), line.data() + a, l.at_ms);
    auto r2 = std::from_chars(line.data() + a + 1, line.data() + b, l.tokens);
    if (r1.ec != std::errc() || r2.ec != std::errc() || l.tokens < 0) continue;
    l.id = std::string(line.substr(b + 1));
    if (l.id.empty()) continue;
    out.push_back(std::move(l));
  }
  return out;
}

std::string render_ledger(const std::vector<Line>& lines) {
  std::string out;
  for (const auto& l : lines) out += std::to_string(l.at_ms) + " " + std::to_string(l.tokens) + " " + l.id + "\n";
  return out;
}

// The ledger file, opened and locked exclusively for the life of this object.
class LockedLedger {
 public:
  explicit LockedLedger(const fs::path& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd_ < 0) {
      error_ = std::strerror(errno);
      return;
    }
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      error_ = std::strerror(errno);
      ::close(fd_);
      fd_ = -1;
      return;
    }
  }
  ~LockedLedger() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }
  LockedLedger(const LockedLedger&) = delete;
  LockedLedger& operator=(const LockedLedger&) = delete;

  const std::string& error() const { return error_; }
  bool ok() const { return fd_ >= 0; }

  std::string read() const {
    std::string text;
    char buf[8192];
    ::lseek(fd_, 0, SEEK_SET);
    ssize_t n;
    // The ledger holds at most a minute of calls; a huge file is not ours to read whole.
    while ((n = ::read(fd_, buf, sizeof buf)) > 0 && text.size() < (4u << 20)) text.append(buf, static_cast<size_t>(n));
    return text;
  }
  bool write(const std::string& text) const {
    if (::ftruncate(fd_, 0) != 0) return false;
    size_t done = 0;
    while (done < text.size()) {
      ssize_t n = ::pwrite(fd_, text.data() + done, text.size() - done, static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

 private:
  int fd_ = -1;
  std::string error_;
};

long long to_ms(RateLimiter::Clock::time_point t) {
  return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

std::string new_call_id() {
  static std::atomic<unsigned> counter{0};
  return std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
         std::to_string(duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count() % 1000000007);
}

std::string describe_limit(const RateLimit& limit) {
  std::string out;
  if (limit.requests_per_minute) out = std::to_string(*limit.requests_per_minute) + " requests";
  if (limit.tokens_per_minute)
    out += (out.empty() ? "" : " and ") + std::to_string(*limit.tokens_per_minute) + " tokens";
  return out + " a minute";
}

}  // namespace

fs::path default_rate_dir() {
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state && fs::path(state).is_absolute())
    return fs::path(state) / "arborist" / "rate";
  if (const char* home = std::getenv("HOME"); home && *home)
    return fs::path(home) / ".local" / "state" / "arborist" / "rate";
  return fs::temp_directory_path() / ("arborist-rate-" + std::to_string(::getuid()));
}

RateLimiter::RateLimiter(fs::path dir, std::string runner, RateLimit limit, Hooks hooks)
    : runner_(std::move(runner)), limit_(limit), hooks_(std::move(hooks)) {
  // One ledger per runner profile; its name is a digest so any profile name is a safe file name.
  path_ = dir / (sha256_hex(runner_).substr(0, 16) + ".ledger");
  if (!hooks_.now) hooks_.now = [] { return Clock::now(); };
  if (!hooks_.sleep) hooks_.sleep = [](milliseconds d) { std::this_thread::sleep_for(d); };
}

Result<milliseconds> RateLimiter::acquire(long tokens, Clock::time_point deadline,
                                          const std::function<void(milliseconds)>& on_wait, milliseconds starts_in) {
  milliseconds waited{0};
  if (!limit_.any()) return waited;
  std::error_code ec;
  fs::create_directories(path_.parent_path(), ec);
  if (!ec) fs::permissions(path_.parent_path(), fs::perms::owner_all, fs::perm_options::replace, ec);
  tokens = std::max(0L, tokens);
  while (true) {
    long long wait_ms = 0;
    {
      LockedLedger ledger(path_);
      if (!ledger.ok())
        return fail(ExitCode::io, "the rate-limit ledger " + path_.string() + " cannot be used: " + ledger.error(),
                    "make its directory writable (XDG_STATE_HOME), or remove rate_limit: from runner '" + runner_ +
                        "'");
      const long long now = to_ms(hooks_.now()) + starts_in.count();  // when the call will go out
      std::vector<Line> lines = parse_ledger(ledger.read());
      std::erase_if(lines, [&](const Line& l) { return l.at_ms <= now - kWindowMs || l.at_ms > now + kWindowMs; });
      std::sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) { return a.at_ms < b.at_ms; });
      long used = 0;
      for (const auto& l : lines) used += l.tokens;
      // Requests: the turn comes when the (n - limit + 1)-th oldest call leaves the window.
      if (limit_.requests_per_minute && static_cast<long>(lines.size()) >= *limit_.requests_per_minute) {
        const size_t leaving = lines.size() - static_cast<size_t>(*limit_.requests_per_minute);
        wait_ms = std::max(wait_ms, lines[leaving].at_ms + kWindowMs - now);
      }
      // Tokens: when enough of the oldest calls' tokens have left. A call larger than the whole
      // limit goes alone, in an empty window (or it could never go).
      if (limit_.tokens_per_minute && !lines.empty() && used + tokens > *limit_.tokens_per_minute) {
        long still = used;
        for (const auto& l : lines) {
          still -= l.tokens;
          if (still + tokens <= *limit_.tokens_per_minute || still == 0) {
            wait_ms = std::max(wait_ms, l.at_ms + kWindowMs - now);
            break;
          }
        }
      }
      if (wait_ms <= 0) {
        id_ = new_call_id();
        lines.push_back({now, tokens, id_});
        if (!ledger.write(render_ledger(lines)))
          return fail(ExitCode::io, "the rate-limit ledger " + path_.string() + " cannot be written",
                      "make its directory writable (XDG_STATE_HOME)");
        return waited;
      }
      // Ledger lines are whole milliseconds: wake just after the oldest call has left.
      wait_ms += 1;
      if (hooks_.now() + starts_in + milliseconds(wait_ms) > deadline)
        return fail(ExitCode::runner,
                    "runner '" + runner_ + "' is at its rate limit (" + describe_limit(limit_) +
                        ", shared by every arborist on this machine) and the next turn is " +
                        std::to_string((wait_ms + 999) / 1000) + " s away, past this call's deadline",
                    "raise --timeout (the wait counts against it), raise rate_limit:, or spread the jobs out");
    }  // the lock is released while waiting
    if (on_wait) on_wait(milliseconds(wait_ms));
    hooks_.sleep(milliseconds(wait_ms));
    waited += milliseconds(wait_ms);
  }
}

void RateLimiter::settle(long tokens) {
  if (id_.empty() || !limit_.any()) return;
  LockedLedger ledger(path_);
  if (!ledger.ok()) return;
  std::vector<Line> lines = parse_ledger(ledger.read());
  for (auto& l : lines)
    if (l.id == id_) l.tokens = std::max(0L, tokens);
  ledger.write(render_ledger(lines));
}

}  // namespace arborist::usage
