#pragma once
// Every file arborist writes goes through AtomicFile: content goes to a temp file
// in the target's directory, then rename() replaces the target in one step. A
// failure or a crash leaves the old file (or no file) — never a partial one.
#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace arborist {

class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path target);
  ~AtomicFile();  // removes the temp file unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view data) { buffer_ += data; }
  // Writes, fsyncs and renames into place. Errors name the target path.
  Result<void> commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  std::string buffer_;
  bool committed_ = false;
  int pending_slot_ = -1;  // index in the interrupt cleanup list
};

// Installs SIGINT/SIGTERM handlers that remove every AtomicFile temp file still
// pending and exit with ExitCode::interrupted (130), so Ctrl-C never leaves debris.
void install_interrupt_cleanup();

// Convenience: write the whole content atomically.
Result<void> write_file_atomically(const std::filesystem::path& target, std::string_view content);

// Reads a whole file; errors (ExitCode::io) name the path and the reason.
Result<std::string> read_file(const std::filesystem::path& path);

}  // namespace arborist
