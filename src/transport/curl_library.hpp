#pragma once
// libcurl, loaded on first use with dlopen instead of linked.
//
// Why: libcurl drags in ~30 shared libraries (OpenSSL, GnuTLS, GSSAPI, LDAP, nghttp2,
// libssh2, …). Relocating them at process start cost ~8 ms on every run, including the
// runs that never touch the network — a cache hit, `dagu`, `validate`, the mock planner.
// Loading it here, only when a network runner actually sends, keeps those runs cheap.
// Types and constants still come from <curl/curl.h>; only the calls go through this table.

#include <curl/curl.h>

#include <string>

namespace arborist::transport {

struct CurlLibrary {
  CURLcode (*global_init)(long flags) = nullptr;
  CURL* (*easy_init)() = nullptr;
  void (*easy_cleanup)(CURL*) = nullptr;
  void (*easy_reset)(CURL*) = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  CURLcode (*easy_perform)(CURL*) = nullptr;
  const char* (*easy_strerror)(CURLcode) = nullptr;
  curl_slist* (*slist_append)(curl_slist*, const char*) = nullptr;
  void (*slist_free_all)(curl_slist*) = nullptr;

  // Empty when loaded; otherwise why not, with what to install.
  std::string load_error;
  bool loaded() const { return load_error.empty(); }
};

// Loads libcurl once per process (thread-safe) and runs curl_global_init.
// Never unloaded: libcurl's global state must outlive every easy handle.
const CurlLibrary& curl_library();

}  // namespace arborist::transport
