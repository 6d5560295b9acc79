#include "core/store_journal.hpp"

#include <toml++/toml.h>

#include "certbackup/base/toml_reading.hpp"
#include "core/bindings_file.hpp"
#include "core/store_layout.hpp"
#include "core/thumbprint.hpp"

namespace certbackup {
namespace {

constexpr std::string_view kWhatToDo =
    "; the journal of an interrupted store transaction is damaged: restore the store from a "
    "backup, or remove this transaction directory if the store reads correctly without it";

std::unexpected<Error> corrupt_at(std::string_view origin, const toml::source_region& region,
                                  const std::string& problem) {
    return fail(ErrorCode::corrupt,
                describe_position(origin, {static_cast<std::size_t>(region.begin.line),
                                           static_cast<std::size_t>(region.begin.column)}) +
                    ": " + problem + std::string(kWhatToDo));
}

// A digest field: 64 lower-case hex digits, the shape of a thumbprint.
Result<std::string> read_digest(std::string_view origin, const toml::node& node,
                                std::string_view what) {
    const auto* value = node.as_string();
    if (value == nullptr || !is_thumbprint(value->get()))
        return corrupt_at(origin, node.source(),
                          std::string(what) + " must be a SHA-256 digest (64 lower-case hex)");
    return value->get();
}

Result<std::string> read_store_path(std::string_view origin, const toml::node& node) {
    const auto* value = node.as_string();
    if (value == nullptr || !StoreLayout::is_store_file_path(value->get()))
        return corrupt_at(origin, node.source(),
                          "expected \"certs/<sha256>.pem\" or \"keys/<sha256>.key.pem\"");
    return value->get();
}

Result<void> read_added(std::string_view origin, const toml::node& node, StoreJournal& journal) {
    const auto* list = node.as_array();
    if (list == nullptr)
        return corrupt_at(origin, node.source(), "'added' must be an array");
    for (const auto& entry : *list) {
        const auto* pair = entry.as_array();
        if (pair == nullptr || pair->size() != 2)
            return corrupt_at(origin, entry.source(),
                              "each entry of 'added' must be [\"<path>\", \"<sha256>\"]");
        auto path = read_store_path(origin, *pair->get(0));
        if (!path)
            return std::unexpected(path.error());
        auto digest = read_digest(origin, *pair->get(1), "the digest of " + *path);
        if (!digest)
            return std::unexpected(digest.error());
        journal.added.push_back({std::move(*path), std::move(*digest)});
    }
    return {};
}

Result<void> read_removed(std::string_view origin, const toml::node& node, StoreJournal& journal) {
    const auto* list = node.as_array();
    if (list == nullptr)
        return corrupt_at(origin, node.source(), "'removed' must be an array");
    for (const auto& entry : *list) {
        auto path = read_store_path(origin, entry);
        if (!path)
            return std::unexpected(path.error());
        journal.removed.push_back(std::move(*path));
    }
    return {};
}

}  // namespace

std::string format_store_journal(const StoreJournal& journal) {
    // Paths and digests consist of letters, digits, '.', '/': no TOML escaping is needed.
    // Sized first: a commit of thousands of files would otherwise hold the text and its last
    // reallocation at once, at the moment it holds every file it writes.
    std::size_t size =
        512 + journal.bindings_before_sha256.size() + journal.bindings_after_sha256.size();
    for (const auto& file : journal.added)
        size += file.path.size() + file.sha256.size() + 12;
    for (const auto& path : journal.removed)
        size += path.size() + 8;
    std::string out;
    out.reserve(size);
    out +=
        "# certbackup store transaction journal: lets the next opening of the store finish or\n"
        "# undo an interrupted commit. Do not edit.\n";
    out += "format = " + std::to_string(StoreJournal::kFormatVersion) + "\n";
    out += "bindings_before = \"" + journal.bindings_before_sha256 + "\"\n";
    out += "bindings_after = \"" + journal.bindings_after_sha256 + "\"\n";
    out += "added = [\n";
    for (const auto& file : journal.added) {
        out += "  [\"";
        out += file.path;
        out += "\", \"";
        out += file.sha256;
        out += "\"],\n";
    }
    out += "]\nremoved = [\n";
    for (const auto& path : journal.removed) {
        out += "  \"";
        out += path;
        out += "\",\n";
    }
    out += "]\n";
    return out;
}

Result<StoreJournal> parse_store_journal(std::string_view text, std::string_view origin) {
    auto document = toml_reading::parse(text, origin, ErrorCode::corrupt, kWhatToDo);
    if (!document)
        return std::unexpected(document.error());

    StoreJournal journal;
    bool has_before = false;
    bool has_after = false;
    for (const auto& [key, node] : *document) {
        const std::string name(key.str());
        if (name == "format") {
            const auto* version = node.as_integer();
            if (version == nullptr)
                return corrupt_at(origin, node.source(), "'format' must be a whole number");
            if (version->get() != StoreJournal::kFormatVersion)
                return fail(ErrorCode::unsupported,
                            std::string(origin) + ": journal format " +
                                std::to_string(version->get()) +
                                " is not supported; this version reads format " +
                                std::to_string(StoreJournal::kFormatVersion) +
                                " (finish the transaction with the certbackup version that "
                                "started it)");
        } else if (name == "bindings_before" || name == "bindings_after") {
            auto digest = read_digest(origin, node, "'" + name + "'");
            if (!digest)
                return std::unexpected(digest.error());
            if (name == "bindings_before") {
                journal.bindings_before_sha256 = std::move(*digest);
                has_before = true;
            } else {
                journal.bindings_after_sha256 = std::move(*digest);
                has_after = true;
            }
        } else if (name == "added") {
            if (auto read = read_added(origin, node, journal); !read)
                return std::unexpected(read.error());
        } else if (name == "removed") {
            if (auto read = read_removed(origin, node, journal); !read)
                return std::unexpected(read.error());
        } else {
            return corrupt_at(origin, key.source(), "unknown key '" + name + "'");
        }
    }
    if (!has_before || !has_after)
        return fail(ErrorCode::corrupt, std::string(origin) +
                                            ": 'bindings_before' or 'bindings_after' is missing" +
                                            std::string(kWhatToDo));
    return journal;
}

Result<JournalOutcome> classify_journal(const StoreJournal& journal,
                                        std::string_view bindings_sha256,
                                        const std::filesystem::path& bindings_file,
                                        const std::filesystem::path& transaction_dir) {
    if (bindings_sha256 == journal.bindings_after_sha256)
        return JournalOutcome::committed;
    if (bindings_sha256 == journal.bindings_before_sha256)
        return JournalOutcome::not_committed;
    return fail(ErrorCode::corrupt,
                bindings_file.string() +
                    " matches neither the state before nor after the interrupted transaction in " +
                    transaction_dir.string() +
                    " (was it edited?); restore the store from a backup, or remove that directory "
                    "if the store reads correctly without it");
}

Result<std::optional<StoreJournal>> read_store_journal(
    Env& env, const std::filesystem::path& transaction_dir) {
    const std::filesystem::path journal_file = transaction_dir / "journal.toml";
    auto bytes = env.read_file(journal_file);
    if (!bytes) {
        if (bytes.error().code == ErrorCode::not_found)
            return std::optional<StoreJournal>();
        return std::unexpected(bytes.error());
    }
    auto journal = parse_store_journal(
        std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()),
        journal_file.string());
    if (!journal)
        return std::unexpected(journal.error());
    return std::optional<StoreJournal>(std::move(*journal));
}

}  // namespace certbackup
