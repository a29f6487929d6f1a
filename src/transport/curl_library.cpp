#include "transport/curl_library.hpp"

#include <dlfcn.h>

namespace arborist::transport {

namespace {

// The SONAME of libcurl 7.16 and later (Debian's libcurl4 package, OpenSSL), then the same
// API built on GnuTLS (libcurl3-gnutls), then the unversioned name, which exists only with
// a -dev package.
constexpr const char* candidates[] = {"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so"};

template <typename Fn>
bool resolve(void* handle, const char* name, Fn& out, std::string& error) {
  out = reinterpret_cast<Fn>(dlsym(handle, name));
  if (!out && error.empty()) error = std::string("libcurl has no symbol ") + name + " (too old a libcurl?)";
  return out != nullptr;
}

CurlLibrary load() {
  CurlLibrary lib;
  void* handle = nullptr;
  std::string first_error;
  for (const char* name : candidates) {
    // RTLD_NOW: a broken install fails here, with a message, not mid-request.
    handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (handle) break;
    if (first_error.empty()) first_error = dlerror();
  }
  if (!handle) {
    lib.load_error = "cannot load libcurl (" + first_error +
                     "); network runners need it: install it with `apt-get install libcurl4` "
                     "(or your system's libcurl package)";
    return lib;
  }
  std::string error;
  resolve(handle, "curl_global_init", lib.global_init, error);
  resolve(handle, "curl_easy_init", lib.easy_init, error);
  resolve(handle, "curl_easy_cleanup", lib.easy_cleanup, error);
  resolve(handle, "curl_easy_reset", lib.easy_reset, error);
  resolve(handle, "curl_easy_setopt", lib.easy_setopt, error);
  resolve(handle, "curl_easy_getinfo", lib.easy_getinfo, error);
  resolve(handle, "curl_easy_perform", lib.easy_perform, error);
  resolve(handle, "curl_easy_strerror", lib.easy_strerror, error);
  resolve(handle, "curl_slist_append", lib.slist_append, error);
  resolve(handle, "curl_slist_free_all", lib.slist_free_all, error);
  if (!error.empty()) {
    lib.load_error = error;
    return lib;
  }
  if (lib.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) lib.load_error = "libcurl failed to initialise";
  return lib;
}

}  // namespace

const CurlLibrary& curl_library() {
  static const CurlLibrary lib = load();  // C++11 magic statics: initialised once, thread-safe
  return lib;
}

}  // namespace arborist::transport
