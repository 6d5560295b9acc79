// backup-host sets LOCATION [--json]: the complete sets of a backup location (or the one set of
// a tar file or of standard input): id, time, job, plugins, status, size. Entries named like a
// set that are not complete sets are reported on standard error.
#include <memory>

#include "host-sdk/host/commands.hpp"
#include "host-sdk/host/host_failure.hpp"
#include "host-sdk/host/host_output.hpp"
#include "host-sdk/storage/set_record.hpp"
#include "host-sdk/storage/storage_target.hpp"

namespace certbackup::host {
namespace {

int run_sets(HostSession& session, const std::string& location, bool json) {
    auto options = reading_options_for(session, location);
    if (!options)
        return session.report(options.error());
    auto listing = backup_host::list_target(backup_host::StorageIo::posix(),
                                            backup_host::parse_target(location), *options);
    if (!listing)
        return session.report(to_failure(listing.error()));
    for (const backup_host::SkippedEntry& skipped : listing->skipped)
        session.logger().warn("{}: '{}' is not a complete set: {}", location, skipped.name,
                              skipped.reason);
    if (json) {
        nlohmann::json sets = nlohmann::json::array();
        for (const backup_host::SetSummary& set : listing->sets)
            sets.push_back(set_json(set.record));
        nlohmann::json skipped = nlohmann::json::array();
        for (const backup_host::SkippedEntry& entry : listing->skipped)
            skipped.push_back({{"name", entry.name}, {"reason", entry.reason}});
        print_json(
            stdout,
            {{"location", location}, {"sets", std::move(sets)}, {"skipped", std::move(skipped)}});
        return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const backup_host::SetSummary& summary : listing->sets) {
        const backup_host::proto::BackupSet& set = summary.record;
        rows.push_back({set.set_id(), set.created_rfc3339(), set.job(), plugin_list(set),
                        std::string(backup_host::to_string(set.status())),
                        std::to_string(set.total_size())});
    }
    print_table({"ID", "TIME", "JOB", "PLUGINS", "STATUS", "SIZE"}, std::move(rows));
    return 0;
}

}  // namespace

Command add_sets_command(CLI::App& app) {
    struct Arguments {
        std::string location;
        bool json = false;
    };
    auto arguments = std::make_shared<Arguments>();
    CLI::App* command = app.add_subcommand(
        "sets",
        "List the complete backup sets of a location: id, time, job, plugins, status, "
        "size (bytes)");
    command
        ->add_option("LOCATION", arguments->location,
                     "a backup location (directory), FILE.tar, or - (a tar stream on standard "
                     "input)")
        ->required();
    command->add_flag("--json", arguments->json, "print JSON");
    return {command, [arguments](HostSession& session) {
                return run_sets(session, arguments->location, arguments->json);
            }};
}

}  // namespace certbackup::host
