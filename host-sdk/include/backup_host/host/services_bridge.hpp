// backup_host/host/services_bridge.hpp: the C `bh_host_services` table of one plugin instance,
// forwarding to the host's JobServices.
//
// The bridge is where the host enforces the rules of plugin_abi.h on the plugin's calls before
// they reach JobServices: item services only in the job kinds that have them, one item at a
// time and in order, known reader handles only, nothing after cancellation. It keeps the
// messages that cross (the plugin's set_error, the host's last_error) and the strings it
// lends (item names) for as long as the ABI promises. Every C entry point is noexcept.
//
// Owned by its PluginInstance, at a stable address (the table's context points to it). Used
// on the job thread, except log and is_cancelled, which only touch the thread-safe parts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backup_host/host/job_services.hpp"
#include "backup_host/plugin_abi.h"
#include "backup_host/status.hpp"
#include "backup_host/types.hpp"

namespace backup_host::detail {

class ServicesBridge {
  public:
    explicit ServicesBridge(JobServices& services) : services_(services) {
        table_.struct_size = sizeof(bh_host_services);
        table_.abi_major = BH_ABI_MAJOR;
        table_.abi_minor = BH_ABI_MINOR;
        table_.context = this;
        table_.log = &log;
        table_.set_error = &set_error;
        table_.last_error = &last_error;
        table_.is_cancelled = &is_cancelled;
        table_.progress = &progress;
        table_.get_secret = &get_secret;
        table_.begin_item = &begin_item;
        table_.write_item = &write_item;
        table_.end_item = &end_item;
        table_.item_count = &item_count;
        table_.item_info = &item_info;
        table_.open_item = &open_item;
        table_.read_item = &read_item;
        table_.close_item = &close_item;
        table_.write_output = &write_output;
        table_.set_result = &set_result;
        table_.confirm = &confirm;
        table_.stdin_is_terminal = &stdin_is_terminal;
        table_.prompt = &prompt;
    }
    ServicesBridge(const ServicesBridge&) = delete;
    ServicesBridge& operator=(const ServicesBridge&) = delete;

    const bh_host_services* table() const noexcept { return &table_; }

    // Before each host -> plugin call: forgets the message of the previous one.
    void begin_call() noexcept {
        plugin_error_.clear();
        plugin_error_set_ = false;
    }
    // The message the plugin left with set_error during the last call; nullopt if none.
    std::optional<std::string> plugin_error() const {
        if (!plugin_error_set_)
            return std::nullopt;
        return plugin_error_;
    }

    // The job kind whose services are open now.
    void start_job(JobKind kind) noexcept { kind_ = kind; }
    // Closes what the plugin left open and takes back the lent item names.
    void finish_job() noexcept {
        readers_.clear();
        items_.reset();
        open_item_.reset();
        prompt_answer_.clear();
        kind_.reset();
    }
    // The item a backup began but did not end, if any.
    const std::optional<std::string>& open_item_name() const noexcept { return open_item_; }
    bool cancelled() const noexcept { return services_.cancelled(); }

  private:
    static ServicesBridge& self(void* context) noexcept {
        return *static_cast<ServicesBridge*>(context);
    }

    // Records a host-side failure for last_error and returns its status.
    int failed(const Failure& failure) noexcept {
        try {
            last_error_ = failure.message;
        } catch (...) {
            last_error_.clear();
        }
        const int status = static_cast<int>(failure.status);
        return status == BH_OK ? BH_FAILED : status;
    }
    int failed(Status status, const char* message) noexcept {
        try {
            last_error_ = message;
        } catch (...) {
            last_error_.clear();
        }
        return static_cast<int>(status);
    }
    int done(const Result<void>& result) noexcept {
        return result ? BH_OK : failed(result.error());
    }

    // Runs `body` (returning int) with every exception turned into BH_FAILED.
    template <typename Body>
    static int guarded(void* context, Body&& body) noexcept {
        ServicesBridge& bridge = self(context);
        try {
            return std::forward<Body>(body)(bridge);
        } catch (const std::bad_alloc&) {
            return bridge.failed(Status::failed, "out of memory in the host");
        } catch (const std::exception& error) {
            return bridge.failed(Status::failed, error.what());
        } catch (...) {
            return bridge.failed(Status::failed, "unexpected error in the host");
        }
    }

    // The check every item service makes first.
    int require(std::uint32_t kinds, const char* service) noexcept {
        if (!kind_ || (job_bit(*kind_) & kinds) == 0) {
            try {
                last_error_ = std::string(service) + " is not available " +
                              (kind_ ? std::string("in ") + to_string(*kind_) + " jobs"
                                     : std::string("outside a job"));
            } catch (...) {
                last_error_.clear();
            }
            return BH_BAD_USAGE;
        }
        if (services_.cancelled())
            return failed(Status::cancelled, "cancelled");
        return BH_OK;
    }

    static void log(void* context, int level, const char* message) noexcept {
        if (message == nullptr)
            return;
        if (level < BH_LOG_TRACE || level > BH_LOG_ERROR)
            level = BH_LOG_ERROR;
        self(context).services_.log(static_cast<LogLevel>(level), message);
    }

    static void set_error(void* context, const char* message) noexcept {
        ServicesBridge& bridge = self(context);
        bridge.plugin_error_set_ = true;
        try {
            bridge.plugin_error_ = message != nullptr ? message : "";
        } catch (...) {
            bridge.plugin_error_.clear();
        }
    }

    static const char* last_error(void* context) noexcept {
        return self(context).last_error_.c_str();
    }

    static int is_cancelled(void* context) noexcept {
        return self(context).services_.cancelled() ? 1 : 0;
    }

    static void progress(void* context, const bh_progress* report) noexcept {
        if (report == nullptr || report->struct_size < BH_SIZE_THROUGH(bh_progress, message))
            return;
        try {
            Progress progress;
            progress.done = report->done;
            progress.total = report->total;
            progress.unit = report->unit != nullptr ? report->unit : "items";
            progress.message = report->message != nullptr ? report->message : "";
            self(context).services_.progress(progress);
        } catch (...) {
            // Progress is advisory: a failure to show it does not concern the plugin.
        }
    }

    static int get_secret(void* context, int use, const std::uint8_t** bytes,
                          std::size_t* size) noexcept {
        return guarded(context, [&](ServicesBridge& bridge) -> int {
            if (bytes == nullptr || size == nullptr)
                return bridge.failed(Status::bad_usage, "get_secret needs two out-parameters");
            if (use != BH_SECRET_EXISTING && use != BH_SECRET_NEW)
                return bridge.failed(Status::bad_usage, "get_secret: unknown secret use");
            if (!bridge.kind_)
                return bridge.failed(Status::bad_usage,
                                     "get_secret is not available outside a job");
            auto secret = bridge.services_.secret(static_cast<SecretUse>(use));
            if (!secret)
                return bridge.failed(secret.error());
            *bytes = secret->data();
            *size = secret->size();
            return BH_OK;
        });
    }

    static int begin_item(void* context, const char* name) noexcept {
        return guarded(context, [&](ServicesBridge& bridge) -> int {
            if (const int status = bridge.require(BH_JOBS_BACKUP, "begin_item"); status != BH_OK)
                return status;
            if (name == nullptr || *name == '\0')
                return bridge.failed(Status::bad_usage, "begin_item needs an item name");
            if (bridge.open_item_)
                return bridge.failed(Status::bad_usage, ("item '" + *bridge.open_item_ +
                                                         "' is still open: end it "
                                                         "before beginning '" +
                                                         name + "'")
                                                            .c_str());
            if (const int status = bridge.done(bridge.services_.begin_item(name)); status != BH_OK)
                return status;
            bridge.open_item_ = name;
            return BH_OK;
        });
    }

    static int write_item(void* context, const void* bytes, std::size_t size) noexcept {
        return guarded(context, [&](ServicesBridge& bridge) -> int {
            if (const int status = bridge.require(BH_JOBS_BACKUP, "write_item"); status != BH_OK)
                return status;
            if (!bridge.open_item_)
                return bridge.failed(Status::bad_usage, "write_item without begin_item");
            if (bytes == nullptr && size > 0)
                return bridge.failed(Status::bad_usage, "write_item got no bytes");
            return bridge.done(bridge.services_.write_item(
                std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(bytes), size)));
        });
    }

    static int end_item(void* context) noexcept {
        return guarded(context, [&](ServicesBridge& bridge) -> int {
            if (const int status = bridge.require(BH_JOBS_BACKUP, "end_item"); status != BH_OK)
                return status;
            if (!bridge.open_item_)
                return bridge.failed(Status::bad_usage, "end_item without begin_item");
            bridge.open_item_.reset();
            return bridge.done(bridge.services_.end_item());
        });
    }

    // Lists the items once per job; the names stay lent until finish_job.
    int load_items() {
        if (items_)
            return BH_OK;
        auto items = services_.list_items();
        if (!items)
            return failed(items.error());
        items_ = std::move(*items);
        return BH_OK;
    }

    static int item_count(void* context, std::size_t* count) noexcept {
        return guarded(context, [&](ServicesBridge& bridge) -> int {
            if (const int status = bridge.require(BH_JOBS_RESTORE | BH_JOBS_VERIFY, "item_count");
                status != BH_OK)
                return status;
            if (count == nullptr)
                return bridge.failed(Status::bad_usage, "item_count needs an out-parameter");
            if (const int status = bridge.load_items(); status != BH_OK)
                return status;
            *count = bridge.items_->size();
            return BH_OK;
        });
    }

    static int item_info(void* context, std::size_t index, bh_item_info* info) noexcept {
        return guarded(context, [&](ServicesBridge& bridge) -> int {
            if (const int status = bridge.require(BH_JOBS_RESTORE | BH_JOBS_VERIFY, "item_info");
                status != BH_OK)
                return status;
            if (info == nullptr || info->struct_size < BH_SIZE_THROUGH(bh_item_info, name))
                return bridge.failed(Status::bad_usage, "item_info needs an item record");
            if (const int status = bridge.load_items(); status != BH_OK)
                return status;
            if (index >= bridge.items_->size())
                return bridge.failed(Status::bad_usage,
                                     ("item_info: index " + std::to_string(index) + " of " +
                                      std::to_string(bridge.items_->size()))
                                         .c_str());
            const ItemInfo& item = (*bridge.items_)[index];
            info->size = item.size;
            info->name = item.name.c_str();
            return BH_OK;
        });
    }

    static int open_item(void* context, const char* name, bh_item_reader** reader) noexcept {
        return guarded(context, [&](ServicesBridge& bridge) -> int {
            if (const int status = bridge.require(BH_JOBS_RESTORE | BH_JOBS_VERIFY, "open_item");
                status != BH_OK)
                return status;
            if (name == nullptr || reader == nullptr)
                return bridge.failed(Status::bad_usage,
                                     "open_item needs a name and an "
                                     "out-parameter");
            auto source = bridge.services_.open_item(name);
            if (!source)
                return bridge.failed(source.error());
            if (*source == nullptr)
                return bridge.failed(Status::failed, "the host opened no reader");
            // The handle is the address of the source; it is only ever compared, never
            // dereferenced as a bh_item_reader.
            auto* handle = reinterpret_cast<bh_item_reader*>(source->get());
            bridge.readers_.emplace(handle, std::move(*source));
            *reader = handle;
            return BH_OK;
        });
    }

    static int read_item(void* context, bh_item_reader* reader, void* buffer, std::size_t capacity,
                         std::size_t* size) noexcept {
        return guarded(context, [&](ServicesBridge& bridge) -> int {
            if (const int status = bridge.require(BH_JOBS_RESTORE | BH_JOBS_VERIFY, "read_item");
                status != BH_OK)
                return status;
            if (size == nullptr || (buffer == nullptr && capacity > 0))
                return bridge.failed(Status::bad_usage, "read_item needs a buffer");
            const auto found = bridge.readers_.find(reader);
            if (found == bridge.readers_.end())
                return bridge.failed(Status::bad_usage, "read_item: not an open item");
            auto got = found->second->read(
                std::span<std::uint8_t>(static_cast<std::uint8_t*>(buffer), capacity));
            if (!got)
                return bridge.failed(got.error());
            *size = *got;
            return BH_OK;
        });
    }

    static void close_item(void* context, bh_item_reader* reader) noexcept {
        try {
            self(context).readers_.erase(reader);
        } catch (...) {
            // Erasing with the default deleter does not throw; nothing to report.
        }
    }

    static int write_output(void* context, const char* text, std::size_t size) noexcept {
        return guarded(context, [&](ServicesBridge& bridge) -> int {
            if (text == nullptr && size > 0)
                return bridge.failed(Status::bad_usage, "write_output got no text");
            return bridge.done(bridge.services_.write_output(std::string_view(text, size)));
        });
    }

    static int set_result(void* context, const char* json) noexcept {
        return guarded(context, [&](ServicesBridge& bridge) -> int {
            if (json == nullptr)
                return bridge.failed(Status::bad_usage, "set_result got no JSON");
            return bridge.done(bridge.services_.set_result(json));
        });
    }

    static int confirm(void* context, const char* question, int* answer) noexcept {
        return guarded(context, [&](ServicesBridge& bridge) -> int {
            if (question == nullptr || answer == nullptr)
                return bridge.failed(Status::bad_usage,
                                     "confirm needs a question and an "
                                     "out-parameter");
            auto yes = bridge.services_.confirm(question);
            if (!yes)
                return bridge.failed(yes.error());
            *answer = *yes ? 1 : 0;
            return BH_OK;
        });
    }

    static int stdin_is_terminal(void* context) noexcept {
        try {
            return self(context).services_.stdin_is_terminal() ? 1 : 0;
        } catch (...) {
            return 0;
        }
    }

    static int prompt(void* context, const char* question, const char** answer) noexcept {
        return guarded(context, [&](ServicesBridge& bridge) -> int {
            if (question == nullptr || answer == nullptr)
                return bridge.failed(Status::bad_usage,
                                     "prompt needs a question and an out-parameter");
            auto line = bridge.services_.prompt(question);
            if (!line)
                return bridge.failed(line.error());
            bridge.prompt_answer_ = std::move(*line);
            *answer = bridge.prompt_answer_.c_str();
            return BH_OK;
        });
    }

    JobServices& services_;
    bh_host_services table_{};
    std::optional<JobKind> kind_;
    std::string plugin_error_;
    bool plugin_error_set_ = false;
    std::string last_error_;
    std::string prompt_answer_;  // lent to the plugin until the next prompt or the end
    std::optional<std::string> open_item_;
    std::optional<std::vector<ItemInfo>> items_;
    std::map<bh_item_reader*, std::unique_ptr<ItemSource>> readers_;
};

}  // namespace backup_host::detail
