#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H
#include <curl/curl.h>

/* libcurl is not linked: KafkaRegistry opens it with dlopen when a tool first talks to a registry
   (CurlLibrary.swift), so a tool without a registry does not load it and the ~25 libraries it needs at
   every start. These headers give the types and constants; the functions are found with dlsym.
   curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed forwarder per
   kind of argument, calling through the pointer dlsym gave (passed as `function`), nothing else. */
typedef CURLcode (*ccurl_setopt_function)(CURL *, CURLoption, ...);
typedef CURLcode (*ccurl_getinfo_function)(CURL *, CURLINFO, ...);

static inline CURLcode ccurl_setopt_long(void *function, CURL *handle, CURLoption option, long value) {
    return ((ccurl_setopt_function)function)(handle, option, value);
}
static inline CURLcode ccurl_setopt_string(void *function, CURL *handle, CURLoption option, const char *value) {
    return ((ccurl_setopt_function)function)(handle, option, value);
}
static inline CURLcode ccurl_setopt_pointer(void *function, CURL *handle, CURLoption option, void *value) {
    return ((ccurl_setopt_function)function)(handle, option, value);
}
static inline CURLcode ccurl_setopt_write_function(void *function, CURL *handle,
    size_t (*write)(char *data, size_t size, size_t count, void *context)) {
    return ((ccurl_setopt_function)function)(handle, CURLOPT_WRITEFUNCTION, write);
}
static inline CURLcode ccurl_response_code(void *function, CURL *handle, long *code) {
    return ((ccurl_getinfo_function)function)(handle, CURLINFO_RESPONSE_CODE, code);
}
#endif
