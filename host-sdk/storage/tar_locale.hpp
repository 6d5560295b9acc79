// libarchive converts member names between UTF-8 and the current locale's character set. Under
// the "C" locale that a service or a test usually runs in, non-ASCII names cannot be converted
// (and libarchive 3.6 crashes writing a UTF-8-only name). Item names are UTF-8 by rule, so every
// libarchive call of the storage runs under a UTF-8 LC_CTYPE for the calling thread only
// (uselocale), restored on scope exit: the process-wide locale is never touched.
#pragma once

#include <locale.h>

namespace backup_host {

class ScopedUtf8Locale {
  public:
    ScopedUtf8Locale() {
        // Made once, kept for the life of the process. Where C.UTF-8 is missing, names pass as
        // raw bytes (pax "hdrcharset=BINARY"), which stays correct for UTF-8 names.
        static const locale_t utf8 = ::newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{});
        if (utf8 != locale_t{})
            previous_ = ::uselocale(utf8);
    }
    ~ScopedUtf8Locale() {
        if (previous_ != locale_t{})
            ::uselocale(previous_);
    }
    ScopedUtf8Locale(const ScopedUtf8Locale&) = delete;
    ScopedUtf8Locale& operator=(const ScopedUtf8Locale&) = delete;

  private:
    locale_t previous_{};
};

}  // namespace backup_host
